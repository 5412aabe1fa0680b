/**
 * A search trial's objective by nested cross-validation, with fold-aware pruning.
 *
 * Given the task's data and the trial's (outer) fold: the fold's training part is split into K
 * inner folds (stratified for classification) from a seed keyed by the run seed, the task and the
 * outer fold alone, so every trial of every search on that outer fold sees the same inner folds
 * (pruning then compares like with like, and samplers are paired). For each inner fold in turn the
 * model is fitted on the other K − 1 (categorical features encoded and features standardised on
 * them) and scored on it; the objective is the mean of the inner folds' `metric` (minimised).
 * After each inner fold but the last, the pruner (`search/Pruner.ts`, progress kind "folds")
 * compares the mean of the folds so far with the search's earlier trials at the same fold count;
 * a pruned trial ends there, with its evidence in `info`. A trial that runs all K folds is then
 * refitted on the whole training part and scored on the held-out outer fold: those are the row's
 * metrics (`accuracy`, `logLoss`, `rmse`, …), seen by no proposal, so the search's reported score
 * is not its optimistic inner best (Cawley & Talbot, JMLR 11 (2010) 2079–2107; Varma & Simon,
 * BMC Bioinformatics 7 (2006) 91).
 *
 * Row fields: metrics `objective` (the inner mean; for a pruned trial the mean of the folds it
 * ran), `inner1 … innerK` (each inner fold's metric, as many as ran), and the outer scores; info
 * `innerFolds`, `foldsRun` and, when pruned, `pruneRule`, `pruneStep`, `pruneValue`,
 * `pruneThreshold`, `prunePeers`, `pruneReason`.
 *
 * Randomness: inner fold k's fit draws from the trial's seed forked "inner/k", the refit from
 * "outer": the row depends on the trial's spec alone, in any process.
 */
import { Clock, Effect } from "effect"
import { DataError, NumericalError } from "../core/Errors.ts"
import * as Random from "../core/Random.ts"
import * as Dataset from "../data/Dataset.ts"
import * as Encode from "../data/Encode.ts"
import * as Split from "../data/Split.ts"
import * as Standardise from "../data/Standardise.ts"
import * as Models from "../models/Registry.ts"
import * as Score from "../scoring/Score.ts"
import * as Pruner from "../search/Pruner.ts"
import type * as Study from "./Study.ts"

/** What a search trial adds to its row. */
export interface Outcome {
  readonly status: "ok" | "pruned"
  readonly nTrain: number
  readonly nTest: number
  readonly metrics: Record<string, number>
  readonly info: Record<string, number | string>
  readonly fitSeconds: number
}

/** The seed of the inner folds of `fold` of `task`: shared by every trial on that outer fold. */
export const innerSeed = (runSeed: number, task: string, fold: number): number => Random.derive(runSeed, `inner/${task}/fold=${fold}`)

/** Inner folds of `n` rows (indices into the outer training part); stratified for classification. */
export const innerFolds = (train: Dataset.Dataset, k: number, seed: number): Effect.Effect<ReadonlyArray<Split.Fold>, DataError> =>
  Effect.try({
    try: () => train.kind === "classification" ? Split.stratifiedKfold(train.y, train.classes, k, Random.make(seed)) : Split.kfold(train.X.rows, k, Random.make(seed)),
    catch: (error) => error instanceof DataError ? error : new DataError({ source: Dataset.label(train), message: `inner ${k}-fold split: ${String(error)}` })
  })

/** Fits `entry` on rows `fit` of `data` and scores it on rows `score` (original scale). */
const fitScore = Effect.fnUntraced(function*(entry: Study.ModelEntry, data: Dataset.Dataset, fit: ArrayLike<number>, score: ArrayLike<number>, rng: Random.Generator) {
  const trainRaw = Dataset.subset(data, fit)
  const encoder = Encode.fit(trainRaw)
  const train = encoder.apply(trainRaw).data
  const test = encoder.apply(Dataset.subset(data, score)).data
  const scaler = Standardise.fit(train)
  const model = yield* Models.make(entry)
  const started = yield* Clock.currentTimeMillis
  const fitted = yield* model.fit(scaler.apply(train), { rng })
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  const metrics = yield* Effect.try({
    try: () => Score.score(scaler.invert(fitted.predict(scaler.applyX(test.X))), test),
    catch: (error) => error instanceof NumericalError || error instanceof DataError ? error : new NumericalError({ reason: "NonFinite", message: `scoring ${entry.id}: ${String(error)}` })
  }).pipe(Effect.ensuring(Effect.sync(() => fitted.dispose())))
  return { metrics: metrics as Record<string, number>, seconds, nTrain: train.X.rows, nTest: test.X.rows }
})

/** The value of `metric` in a score, or a NumericalError saying it is missing. */
const metricOf = (metrics: Record<string, number>, metric: string, entry: Study.ModelEntry): Effect.Effect<number, NumericalError> => {
  const v = metrics[metric]
  return v !== undefined && Number.isFinite(v)
    ? Effect.succeed(v)
    : Effect.fail(new NumericalError({ reason: "NonFinite", message: `${entry.id}: the inner-fold score has no finite ${metric} (got ${String(v)}; scores: ${Object.keys(metrics).join(", ")}): choose a metric the task's kind has` }))
}

/**
 * Runs the objective of a search trial on `fold` of `data`: inner CV with pruning, then, unless
 * pruned, the refit scored on the held-out fold.
 */
export const evaluate = Effect.fn("Objective.evaluate")(function*(
  trial: { readonly model: Study.ModelEntry; readonly runSeed: number; readonly seed: number; readonly fold: number; readonly task: { readonly name: string } },
  objective: Study.Objective,
  data: Dataset.Dataset,
  fold: Split.Fold
) {
  const outerTrain = Dataset.subset(data, fold.train)
  const inner = yield* innerFolds(outerTrain, objective.innerFolds, innerSeed(trial.runSeed, trial.task.name, trial.fold))
  const rng = Random.make(trial.seed)
  const values: Array<number> = []
  const metrics: Record<string, number> = {}
  let fitSeconds = 0
  const absolute = (index: Int32Array) => Int32Array.from(index, (i) => fold.train[i])
  for (let k = 0; k < inner.length; k++) {
    const scored = yield* fitScore(trial.model, data, absolute(inner[k].train), absolute(inner[k].test), rng.fork(`inner/${k}`))
    fitSeconds += scored.seconds
    const value = yield* metricOf(scored.metrics, objective.metric, trial.model)
    values.push(value)
    metrics[`inner${k + 1}`] = value
    const pruner = objective.pruner
    if (pruner === undefined || k === inner.length - 1) continue
    const progress: Pruner.Progress = { kind: "folds", values }
    const decision = pruner.rule === "median" ? Pruner.median(progress, pruner.peers, pruner.median) : Pruner.successiveHalving(progress, pruner.peers, pruner.halving)
    if (decision.prune) {
      return {
        status: "pruned",
        nTrain: scored.nTrain,
        nTest: scored.nTest,
        metrics: { ...metrics, objective: Pruner.valueAt(progress, values.length) },
        info: {
          innerFolds: inner.length,
          foldsRun: values.length,
          pruneRule: decision.rule,
          pruneStep: decision.step,
          pruneValue: decision.value,
          ...(decision.threshold === undefined ? {} : { pruneThreshold: decision.threshold }),
          prunePeers: decision.peers,
          pruneReason: decision.reason
        },
        fitSeconds
      } satisfies Outcome
    }
  }
  const outer = yield* fitScore(trial.model, data, fold.train, fold.test, rng.fork("outer"))
  return {
    status: "ok",
    nTrain: outer.nTrain,
    nTest: outer.nTest,
    metrics: { ...outer.metrics, ...metrics, objective: values.reduce((a, b) => a + b, 0) / values.length },
    info: { innerFolds: inner.length, foldsRun: values.length },
    fitSeconds: fitSeconds + outer.seconds
  } satisfies Outcome
})
