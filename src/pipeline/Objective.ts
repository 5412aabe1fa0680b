/**
 * A search trial's objective by nested cross-validation, with fold-aware or epoch-aware pruning.
 *
 * Given the task's data and the trial's (outer) fold, the fold's training part is split again
 * (stratified for classification) from a seed keyed by the run seed, the task and the outer fold
 * alone, so every trial of every search on that outer fold sees the same inner split (pruning then
 * compares like with like, and samplers are paired). Categorical features are encoded and features
 * standardised on each inner training part.
 * - "kfold": for each of K inner folds in turn the model is fitted on the other K − 1 and scored on
 *   it; the objective is the mean of the inner folds' `metric` (minimised). After each inner fold
 *   but the last the pruner (`search/Pruner.ts`, progress "folds") compares the mean of the folds
 *   so far with the search's earlier trials' means over the same first folds.
 * - "holdout" (single split): one inner training part and one validation part (its share of the
 *   rows given); the objective is the validation `metric`. An iterative fit (the MLP) reports its
 *   validation loss after every epoch (`FitOptions.onEpoch`; cross-entropy for classification,
 *   i.e. the log loss, MSE on the standardised scale for regression) and the pruner (progress
 *   "epochs") compares it with the earlier trials' curves at the same epoch; a pruned fit stops
 *   there. Fits without epochs (SVM, GP) are never pruned on a holdout.
 * A pruned trial ends where it was stopped, with its evidence in `info`. A trial that runs through
 * is refitted on the whole training part and scored on the held-out outer fold: those are the
 * row's metrics (`accuracy`, `logLoss`, `rmse`, …), seen by no proposal, so the search's reported
 * score is not its optimistic inner best (Cawley & Talbot, JMLR 11 (2010) 2079–2107; Varma &
 * Simon, BMC Bioinformatics 7 (2006) 91).
 *
 * Row fields: metrics `objective` (the inner score; for a pruned trial the value it was pruned at:
 * the mean of the folds it ran, or its last epoch's validation loss), `inner1 … innerK` (kfold:
 * each inner fold's metric, as many as ran), and the outer scores; info `innerFolds` (1 for a
 * holdout), `foldsRun`, `epochsRun` (holdout with epochs) and, when pruned, `pruneRule`,
 * `pruneStep`, `pruneValue`, `pruneThreshold`, `prunePeers`, `pruneReason`. A holdout trial's
 * result keeps its inner fit's curve (the epoch peers of later trials).
 *
 * Randomness: inner fit k draws from the trial's seed forked "inner/k", the refit from "outer":
 * the row depends on the trial's spec alone, in any process.
 */
import { Effect } from "effect"
import { DataError, NumericalError, type TrialError } from "../core/Errors.ts"
import * as Random from "../core/Random.ts"
import * as Dataset from "../data/Dataset.ts"
import * as Encode from "../data/Encode.ts"
import * as Split from "../data/Split.ts"
import type { NnBackend } from "../models/mlp/Backend.ts"
import type { EpochRecord } from "../models/Model.ts"
import * as Score from "../scoring/Score.ts"
import * as Pruner from "../search/Pruner.ts"
import * as Fit from "./Fit.ts"
import type * as Study from "./Study.ts"

/** What a search trial adds to its row, and its inner fit's curve (holdout with epochs). */
export interface Outcome {
  readonly status: "ok" | "pruned"
  readonly nTrain: number
  readonly nTest: number
  readonly metrics: Record<string, number>
  readonly info: Record<string, number | string>
  readonly fitSeconds: number
  readonly curve?: ReadonlyArray<EpochRecord>
}

/** The seed of the inner folds of `fold` of `task`: shared by every trial on that outer fold. */
export const innerSeed = (runSeed: number, task: string, fold: number): number => Random.derive(runSeed, `inner/${task}/fold=${fold}`)

/** The inner split of the outer training part (indices into it); stratified for classification. */
export const innerSplit = (train: Dataset.Dataset, inner: Study.Objective["inner"], seed: number): Effect.Effect<ReadonlyArray<Split.Fold>, DataError> =>
  Effect.try({
    try: () => {
      const rng = Random.make(seed)
      const classification = train.kind === "classification"
      if (inner.kind === "kfold") return classification ? Split.stratifiedKfold(train.y, train.classes, inner.folds, rng) : Split.kfold(train.X.rows, inner.folds, rng)
      // The validation part is the split's "test" part: Split's holdout keeps a test part always.
      const fractions = { train: 1 - inner.validation, validation: 0, test: inner.validation }
      const fold = classification ? Split.stratifiedHoldout(train.y, train.classes, fractions, rng) : Split.holdout(train.X.rows, fractions, rng)
      return [{ train: fold.train, test: fold.test }]
    },
    catch: (error) => error instanceof DataError ? error : new DataError({ source: Dataset.label(train), message: `inner ${inner.kind} split: ${String(error)}` })
  })

/** Fits `entry` on rows `fit` of `data` and scores it on rows `score` (original scale). */
const fitScore = Effect.fnUntraced(function*(
  entry: Study.ModelEntry,
  data: Dataset.Dataset,
  fit: ArrayLike<number>,
  score: ArrayLike<number>,
  rng: Random.Generator,
  onEpoch?: (record: EpochRecord) => boolean
) {
  const { train, part } = Encode.fitPart(data, fit)
  const test = part(score).data
  const { fitted, seconds, predict } = yield* Fit.standardised(entry, train, (scaler) => (onEpoch === undefined ? { rng } : { rng, validation: scaler.apply(test), onEpoch }))
  const metrics = yield* Effect.try({
    try: () => Score.score(predict(test.X), test),
    catch: (error) => error instanceof NumericalError || error instanceof DataError ? error : new NumericalError({ reason: "NonFinite", message: `scoring ${entry.id}: ${String(error)}` })
  }).pipe(Effect.ensuring(Effect.sync(() => fitted.dispose())))
  return { metrics: metrics as Record<string, number>, seconds, nTrain: train.X.rows, nTest: test.X.rows, curve: fitted.curve }
})

/** The value of `metric` in a score, or a NumericalError saying it is missing. */
const metricOf = (metrics: Record<string, number>, metric: string, entry: Study.ModelEntry): Effect.Effect<number, NumericalError> => {
  const v = metrics[metric]
  return v !== undefined && Number.isFinite(v)
    ? Effect.succeed(v)
    : Effect.fail(new NumericalError({ reason: "NonFinite", message: `${entry.id}: the inner-fold score has no finite ${metric} (got ${String(v)}; scores: ${Object.keys(metrics).join(", ")}): choose a metric the task's kind has` }))
}

const prunedInfo = (decision: Pruner.Decision): Record<string, number | string> => ({
  pruneRule: decision.rule,
  pruneStep: decision.step,
  pruneValue: decision.value,
  ...(decision.threshold === undefined ? {} : { pruneThreshold: decision.threshold }),
  prunePeers: decision.peers,
  pruneReason: decision.reason
})

const decide = (pruner: NonNullable<Study.Objective["pruner"]>, progress: Pruner.Progress): Pruner.Decision =>
  pruner.rule === "median" ? Pruner.median(progress, pruner.peers, pruner.median) : Pruner.successiveHalving(progress, pruner.peers, pruner.halving)

/**
 * Runs the objective of a search trial on `fold` of `data`: the inner split with pruning, then,
 * unless pruned, the refit scored on the held-out fold.
 */
export const evaluate = Effect.fn("Objective.evaluate")(function*(
  trial: { readonly model: Study.ModelEntry; readonly runSeed: number; readonly seed: number; readonly fold: number; readonly task: { readonly name: string } },
  objective: Study.Objective,
  data: Dataset.Dataset,
  fold: Split.Fold
): Effect.fn.Return<Outcome, TrialError, NnBackend> {
  const outerTrain = Dataset.subset(data, fold.train)
  const inner = yield* innerSplit(outerTrain, objective.inner, innerSeed(trial.runSeed, trial.task.name, trial.fold))
  const rng = Random.make(trial.seed)
  const values: Array<number> = []
  const metrics: Record<string, number> = {}
  const info: Record<string, number | string> = { innerFolds: inner.length }
  let fitSeconds = 0
  let curve: ReadonlyArray<EpochRecord> | undefined
  const pruner = objective.pruner
  const absolute = (index: Int32Array) => Int32Array.from(index, (i) => fold.train[i])
  for (let k = 0; k < inner.length; k++) {
    // Epoch-wise pruning on a single split: the fit asks after every epoch.
    const losses: Array<number> = []
    let stopped: Pruner.Decision | undefined
    const onEpoch = objective.inner.kind === "holdout" && pruner !== undefined
      ? (record: EpochRecord): boolean => {
        losses.push(record.validLoss ?? Number.NaN)
        const decision = decide(pruner, { kind: "epochs", values: losses })
        if (decision.prune) stopped = decision
        return decision.prune
      }
      : undefined
    const scored = yield* fitScore(trial.model, data, absolute(inner[k].train), absolute(inner[k].test), rng.fork(`inner/${k}`), onEpoch)
    fitSeconds += scored.seconds
    if (objective.inner.kind === "holdout" && scored.curve !== undefined) {
      curve = scored.curve
      info.epochsRun = scored.curve.length
    }
    if (stopped !== undefined) {
      return {
        status: "pruned",
        nTrain: scored.nTrain,
        nTest: scored.nTest,
        metrics: { objective: losses[losses.length - 1] },
        info: { ...info, foldsRun: 1, ...prunedInfo(stopped) },
        fitSeconds,
        ...(curve === undefined ? {} : { curve })
      } satisfies Outcome
    }
    const value = yield* metricOf(scored.metrics, objective.metric, trial.model)
    values.push(value)
    metrics[`inner${k + 1}`] = value
    if (pruner === undefined || objective.inner.kind === "holdout" || k === inner.length - 1) continue
    const progress: Pruner.Progress = { kind: "folds", values }
    const decision = decide(pruner, progress)
    if (decision.prune) {
      return {
        status: "pruned",
        nTrain: scored.nTrain,
        nTest: scored.nTest,
        metrics: { ...metrics, objective: Pruner.valueAt(progress, values.length) },
        info: { ...info, foldsRun: values.length, ...prunedInfo(decision) },
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
    info: { ...info, foldsRun: values.length },
    fitSeconds: fitSeconds + outer.seconds,
    ...(curve === undefined ? {} : { curve })
  } satisfies Outcome
})
