/**
 * The one contract every search strategy implements: given the space, the finished trials in
 * trial order and the pending ones, and a generator derived by key from the study seed, propose
 * the next point. Objectives are MINIMISED.
 *
 * Reproducibility: `next` derives the proposal's generator from (seed, sampler name, trial
 * index), where the index counts finished plus pending trials; a proposal therefore depends on
 * the seed and the trial order only, never on timing or on which worker asks. Pending trials
 * reach a sampler only through its declared `pending` rule, applied here, not by the sampler:
 * - "index": pending trials only advance the index (their points are not shown to the sampler);
 * - "exclude": the sampler sees the pending points and must not propose them again (grid);
 * - "constantLiar": each pending point is shown as a finished trial whose value is the worst
 *   value observed so far (CL-max for minimisation; Ginsbourger, Le Riche & Carraro 2010, §4.2),
 *   so model-based samplers steer away from points already being evaluated.
 *
 * When to use: `Sampler.next(sampler, space, trials, pending, seed)` in a study loop;
 * `Sampler.minimize` runs a serial study of a pure objective (tests, benchmarks).
 * Gotchas: failed trials are ignored by every sampler (they still advance the index); pruned
 * trials count with the value they were pruned at, as optuna's TPE does.
 */
import * as Random from "../core/Random.ts"
import * as Space from "./Space.ts"

export type Status = "complete" | "pruned" | "failed"

/** A finished trial: its point, how it ended and its value (for pruned trials, the last reported one). */
export interface Trial {
  readonly params: Space.Params
  readonly status: Status
  readonly value?: number
}

export type PendingRule = "index" | "exclude" | "constantLiar"

/** What a sampler sees when it proposes. */
export interface Context {
  readonly space: Space.Space
  /** Finished trials in trial order (pending ones folded in when the rule is constantLiar). */
  readonly trials: ReadonlyArray<Trial>
  /** Pending points, non-empty only under the "exclude" rule. */
  readonly pending: ReadonlyArray<Space.Params>
  /** Number of trials before this one (finished and pending). */
  readonly index: number
  /** The study seed, for state a sampler keeps fixed across proposals (a grid order, a scramble). */
  readonly seed: number
  /** This proposal's own generator: Random.derive(seed, `search/<name>/<index>`). */
  readonly rng: Random.Generator
}

export interface Sampler {
  readonly name: string
  readonly pending: PendingRule
  readonly propose: (context: Context) => Space.Params
}

/** Trials a model can learn from: finished (complete or pruned) with a finite value. */
export const observed = (trials: ReadonlyArray<Trial>): Array<Trial & { readonly value: number }> =>
  trials.filter((t): t is Trial & { value: number } => t.status !== "failed" && t.value !== undefined && Number.isFinite(t.value))

/** The worst (largest) observed value, the constant liar's lie; 0 when nothing is observed yet. */
export const worstValue = (trials: ReadonlyArray<Trial>): number => {
  const values = observed(trials).map((t) => t.value)
  return values.length === 0 ? 0 : Math.max(...values)
}

/** The context a sampler sees, after its pending rule. */
export const context = (
  sampler: Sampler,
  space: Space.Space,
  trials: ReadonlyArray<Trial>,
  pending: ReadonlyArray<Space.Params>,
  seed: number
): Context => {
  const index = trials.length + pending.length
  const rng = Random.make(Random.derive(seed, `search/${sampler.name}/${index}`))
  switch (sampler.pending) {
    case "index":
      return { space, trials, pending: [], index, seed, rng }
    case "exclude":
      return { space, trials, pending, index, seed, rng }
    case "constantLiar": {
      const lie = worstValue(trials)
      return { space, trials: [...trials, ...pending.map((params): Trial => ({ params, status: "complete", value: lie }))], pending: [], index, seed, rng }
    }
  }
}

/** The next point `sampler` proposes, checked against the space. */
export const next = (
  sampler: Sampler,
  space: Space.Space,
  trials: ReadonlyArray<Trial>,
  pending: ReadonlyArray<Space.Params>,
  seed: number
): Space.Params => Space.checkPoint(space, sampler.propose(context(sampler, space, trials, pending, seed)))

export interface Run {
  readonly trials: ReadonlyArray<Trial>
  /** Best value after each trial. */
  readonly bestSoFar: Float64Array
}

/** A serial study of `budget` trials minimising a pure objective; every trial completes. */
export const minimize = (
  sampler: Sampler,
  space: Space.Space,
  objective: (params: Space.Params) => number,
  budget: number,
  seed: number
): Run => {
  const trials: Array<Trial> = []
  const bestSoFar = new Float64Array(budget)
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < budget; i++) {
    const params = next(sampler, space, trials, [], seed)
    const value = objective(params)
    trials.push({ params, status: "complete", value })
    best = Math.min(best, value)
    bestSoFar[i] = best
  }
  return { trials, bestSoFar }
}
