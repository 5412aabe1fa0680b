/**
 * The Tree-structured Parzen Estimator sampler with optuna 3.1's defaults, univariate (each
 * parameter on its own, optuna's default) or multivariate (one joint estimator).
 *
 * Algorithm per proposal (optuna 3.1 `TPESampler`):
 * 1. While fewer than `nStartupTrials` (10) trials have finished, parameters are drawn uniformly
 *    (random search).
 * 2. Rank the n finished trials: complete ones by value, then pruned ones by value (optuna ranks
 *    every pruned trial after the complete ones); ties keep trial order. The best
 *    γ(n) = min(⌈0.1·n⌉, 25) form the "below" set, the rest "above"; both keep trial order (the
 *    weights depend on it). As optuna 3.1, the split is over ALL finished trials; a conditional
 *    parameter then learns from the trials of each set where it is active.
 * 3. Fit Parzen estimators l (below) and g (above) (`Parzen.fit`), draw `nEiCandidates` (24)
 *    candidates from l, and return the one maximising log l(x) − log g(x) (the EI criterion of
 *    Bergstra et al. 2011, eq. 6); the first of equal maxima.
 * Multivariate: the parameters active in every observed trial are sampled jointly (steps 2–3 with
 * a product-kernel estimator, optuna's multivariate=True); the others as in the univariate case.
 *
 * Randomness: parameter p draws from `rng.fork("tpe/" + p)`, the joint group from
 * `rng.fork("tpe/joint")`, so adding a parameter does not change the others' streams.
 * Pending trials: rule "constantLiar" (optuna's constant_liar=True): a pending point counts as a
 * finished trial with the worst value so far, i.e. it lands in the "above" set. Serial studies
 * never have pending trials, so there this is optuna's default sampler exactly.
 *
 * Citation: Bergstra, Bardenet, Bengio & Kégl, "Algorithms for Hyper-Parameter Optimization",
 * NeurIPS 2011; Watanabe, "Tree-Structured Parzen Estimator: Understanding Its Algorithm
 * Components…", arXiv:2304.11127 (2023); optuna v3.1 `optuna/samplers/_tpe/sampler.py`.
 */
import type * as Random from "../core/Random.ts"
import * as Parzen from "./Parzen.ts"
import * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

export interface Options {
  readonly nStartupTrials?: number
  readonly nEiCandidates?: number
  readonly multivariate?: boolean
  readonly priorWeight?: number
  readonly considerMagicClip?: boolean
  readonly considerEndpoints?: boolean
  /** The exact truncated-normal density instead of optuna 3.1's (see `Parzen.Options.exactDensity`). Default false. */
  readonly exactDensity?: boolean
}

/** optuna's default_gamma: the size of the "below" set for n observations. */
export const gamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25)

type Observed = Sampler.Trial & { readonly value: number }

/** Indices of `trials` in the below and above sets, each in trial order. */
export const split = (trials: ReadonlyArray<Observed>): { readonly below: Array<number>; readonly above: Array<number> } => {
  const rank = (t: Observed) => (t.status === "pruned" ? 1 : 0)
  const order = trials.map((_, i) => i).sort((a, b) => rank(trials[a]) - rank(trials[b]) || trials[a].value - trials[b].value || a - b)
  const nBelow = gamma(trials.length)
  return { below: order.slice(0, nBelow).sort((a, b) => a - b), above: order.slice(nBelow).sort((a, b) => a - b) }
}

const columns = (params: ReadonlyArray<Space.Param>, trials: ReadonlyArray<Observed>, rows: ReadonlyArray<number>): Array<Float64Array> =>
  params.map((p) => Float64Array.from(rows, (i) => Space.internal(p, trials[i].params[p.name])))

/**
 * Of `nCandidates` draws from l (fitted on the `below` rows that have every parameter in
 * `params`), the one maximising log l − log g (g on the `above` rows likewise).
 */
const bestCandidate = (
  params: ReadonlyArray<Space.Param>,
  trials: ReadonlyArray<Observed>,
  sets: { readonly below: ReadonlyArray<number>; readonly above: ReadonlyArray<number> },
  options: Parzen.Options,
  nCandidates: number,
  rng: Random.Generator
): Float64Array => {
  const has = (i: number) => params.every((p) => p.name in trials[i].params)
  const l = Parzen.fit(params, columns(params, trials, sets.below.filter(has)), options)
  const g = Parzen.fit(params, columns(params, trials, sets.above.filter(has)), options)
  let best = Number.NEGATIVE_INFINITY
  let chosen: Float64Array | undefined
  for (const c of Parzen.sample(l, rng, nCandidates)) {
    const score = Parzen.logPdf(l, c) - Parzen.logPdf(g, c)
    if (chosen === undefined || score > best) {
      best = score
      chosen = c
    }
  }
  return chosen!
}

export const sampler = (options: Options = {}): Sampler.Sampler => {
  const nStartup = options.nStartupTrials ?? 10
  const nCandidates = options.nEiCandidates ?? 24
  const multivariate = options.multivariate ?? false
  const parzen: Parzen.Options = {
    priorWeight: options.priorWeight ?? Parzen.defaults.priorWeight,
    considerMagicClip: options.considerMagicClip ?? Parzen.defaults.considerMagicClip,
    considerEndpoints: options.considerEndpoints ?? Parzen.defaults.considerEndpoints,
    exactDensity: options.exactDensity ?? Parzen.defaults.exactDensity,
    multivariate: false
  }
  return {
    name: multivariate ? "tpe-multivariate" : "tpe",
    pending: "constantLiar",
    propose: ({ space, trials, rng }) => {
      const observed = Sampler.observed(trials)
      const startup = observed.length < nStartup
      const sets = split(observed)
      const joint = new Map<string, Space.Choice>()
      if (multivariate && !startup) {
        const group = space.params.filter((p) => observed.every((t) => p.name in t.params))
        if (group.length > 0) {
          const x = bestCandidate(group, observed, sets, { ...parzen, multivariate: true }, nCandidates, rng.fork("tpe/joint"))
          group.forEach((p, j) => joint.set(p.name, Space.fromInternal(p, x[j])))
        }
      }
      const point: Record<string, Space.Choice> = {}
      for (const p of space.params) {
        if (!Space.isActive(p, point)) continue
        const fromJoint = joint.get(p.name)
        if (fromJoint !== undefined) {
          point[p.name] = fromJoint
          continue
        }
        const prng = rng.fork(`tpe/${p.name}`)
        point[p.name] = startup
          ? Space.unitValue(p, prng.uniform())
          : Space.fromInternal(p, bestCandidate([p], observed, sets, parzen, nCandidates, prng)[0])
      }
      return point
    }
  }
}
