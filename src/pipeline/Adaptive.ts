/**
 * Adaptive searches (`Study.searches`) as rounds of fixed size: the rule that lets a sequential
 * search run on any executor and resume after any interruption while proposing exactly what an
 * uninterrupted serial run would have.
 *
 * Round r of a search holds its trials [r·B, min((r + 1)·B, budget)), B the search's own `batch`.
 * The driver (`Run.ts`) runs round r of every search together (up to `--jobs` trials at once,
 * across searches and within a round), waits for all of them, stores each the moment it ends, and
 * only then asks for round r + 1. A round is proposed from the results of the earlier rounds alone,
 * read back by key in trial order, and from the search's seed; inside a round the sampler sees
 * the round's earlier points as pending under its declared rule (`search/Batch.ts`: constant
 * liar for model-based samplers). So the proposals are a function of (run seed, trial order): one
 * worker or many, and a run resumed from its stored rows, propose the same points.
 *
 * Trial keys are `<task>/<search id>/trial=<index>`; a trial's place in the stored order (`order`)
 * comes after the study's fixed trials, round by round, then search by search, then by index, so
 * it too is known before any trial runs.
 *
 * Gotchas: a failed trial re-runs on `--resume` (as any failed trial does); if it then succeeds,
 * the later rounds see its new row, so the proposals after a failure that was not deterministic
 * (a dead worker) can differ from the first attempt's. Pruned and diverged rows are results and
 * are kept.
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { TrialResult } from "../results/Run.ts"
import type * as Study from "./Study.ts"

/** The key of trial `index` of `search`. */
export const trialKey = (search: Study.Search, index: number): string => `${search.task}/${search.id}/trial=${index}`

/** How many trials the study's searches run in all (a pruned trial counts as one). */
export const trialCount = (study: Study.Study): number => (study.searches ?? []).reduce((n, s) => n + s.budget, 0)

/** Trials of `search` in rounds before `round`. */
const before = (search: Study.Search, round: number): number => Math.min(search.budget, round * search.batch)

/** Checks the searches of a study: known tasks, folds in range, unique ids, positive budget and batch. */
export const check = (study: Study.Study, folds: number): Effect.Effect<void, ConfigError> => {
  const seen = new Set<string>()
  for (const s of study.searches ?? []) {
    const field = `searches.${s.id}`
    if (!study.tasks.some((t) => t.name === s.task)) {
      return Effect.fail(new ConfigError({ field, message: `search ${s.id} runs on task "${s.task}", which the study does not have (tasks: ${study.tasks.map((t) => t.name).join(", ")})` }))
    }
    if (seen.has(`${s.task}/${s.id}`)) return Effect.fail(new ConfigError({ field, message: `search ${s.id} is declared twice on task ${s.task}: search ids must be unique` }))
    seen.add(`${s.task}/${s.id}`)
    if (!(Number.isInteger(s.fold) && s.fold >= 0 && s.fold < folds)) {
      return Effect.fail(new ConfigError({ field, message: `search ${s.id} runs on fold ${s.fold}, but the split has folds 0…${folds - 1}` }))
    }
    if (!(Number.isInteger(s.budget) && s.budget >= 1) || !(Number.isInteger(s.batch) && s.batch >= 1)) {
      return Effect.fail(new ConfigError({ field, message: `search ${s.id} needs a whole budget ≥ 1 and batch ≥ 1, got budget ${s.budget}, batch ${s.batch}` }))
    }
  }
  return Effect.void
}

/**
 * The trials of round `round` of every search (empty when every search is through), from the
 * results stored so far by key. `offset` is the number of fixed trials (their orders come first).
 * Dies if a row of an earlier round is missing: the driver runs rounds in order.
 */
export const round = (
  study: Study.Study,
  round: number,
  results: ReadonlyMap<string, TrialResult>,
  seeds: { readonly runSeed: number; seedFor(key: string): number },
  offset: number
): Effect.Effect<Array<Study.TrialSpec>> =>
  Effect.sync(() => {
    const out: Array<Study.TrialSpec> = []
    let order = offset + (study.searches ?? []).reduce((n, s) => n + before(s, round), 0)
    for (const search of study.searches ?? []) {
      const start = before(search, round)
      const count = before(search, round + 1) - start
      if (count === 0) continue
      const task = study.tasks.find((t) => t.name === search.task)
      if (task === undefined) throw new Error(`Adaptive.round: search ${search.id} names no task of the study (Adaptive.check first)`)
      const history = Array.from({ length: start }, (_, i) => {
        const result = results.get(trialKey(search, i))
        if (result === undefined) throw new Error(`Adaptive.round: trial ${trialKey(search, i)} of round ${round - 1} has no stored result`)
        return result
      })
      const proposals = search.propose(history, start, count, seeds.seedFor(`search/${search.task}/${search.id}`))
      if (proposals.length !== count) throw new Error(`Adaptive.round: search ${search.id} proposed ${proposals.length} trials for round ${round}, not ${count}`)
      proposals.forEach((proposal, j) => {
        const key = trialKey(search, start + j)
        out.push({
          order: order++,
          key,
          runSeed: seeds.runSeed,
          task,
          split: study.split,
          fold: search.fold,
          model: proposal.model,
          seedIndex: 0,
          seed: seeds.seedFor(key),
          keepPredictions: study.keepPredictions ?? false,
          ...(proposal.objective === undefined ? {} : { objective: proposal.objective })
        })
      })
    }
    return out
  })
