/**
 * One trial, start to finish: draw the task's data and folds (from seeds that depend on the run
 * seed and the task name only), standardise on the training part, fit the model with the trial's
 * own generator, score on the held-out part on the original scale, and return the row.
 *
 * A trial never fails: divergence becomes a `diverged` row, any other typed error or defect a
 * `failed` row naming it, so one bad trial cannot lose the rest of a run.
 */
import { Cause, Clock, Effect, Exit } from "effect"
import * as fs from "node:fs"
import * as Random from "../core/Random.ts"
import { type ConfigError, type DataError, NumericalError, type TrialError } from "../core/Errors.ts"
import * as Dataset from "../data/Dataset.ts"
import * as Encode from "../data/Encode.ts"
import * as Split from "../data/Split.ts"
import * as Task from "../data/Task.ts"
import * as InformationCriteria from "../scoring/InformationCriteria.ts"
import * as Score from "../scoring/Score.ts"
import type { NnBackend } from "../models/mlp/Backend.ts"
import * as Diagnosis from "../models/mlp/Diagnosis.ts"
import type { FailureKind, StoredPrediction, StoredTask, TrialResult, TrialRow } from "../results/Run.ts"
import type { Prediction } from "../models/Model.ts"
import * as Matrix from "../linalg/Matrix.ts"
import * as Fit from "./Fit.ts"
import * as Objective from "./Objective.ts"
import * as Study from "./Study.ts"

type TaskData = { readonly data: Dataset.Dataset; readonly folds: ReadonlyArray<Split.Fold> }

/**
 * Data and folds are the same for every trial of a task: built once per process, and a failure
 * (a bad CSV cell, too few MNIST digits) is kept as well, so a broken input is read once, not
 * once per trial.
 */
const dataCache = new Map<string, Exit.Exit<TaskData, DataError | ConfigError>>()

/**
 * What identifies a file's version without reading it (size and modification time), so a file
 * fixed between two runs of one process (tests, embedding) is read again.
 */
const fileVersion = (spec: Task.Spec): string => {
  if (spec.task !== "csv") return ""
  try {
    const stat = fs.statSync(spec.path)
    return `${stat.size}/${stat.mtimeMs}`
  } catch {
    return "absent"
  }
}

/**
 * A task's data and folds under a run seed: the same for every trial of the task in any process
 * (seeds derive from the run seed and the task name only). Cached per process, failures included.
 */
export const taskData = (runSeed: number, task: Study.TaskEntry, split: Study.SplitSpec): Effect.Effect<TaskData, DataError | ConfigError> => {
  const cacheKey = `${runSeed}/${task.name}/${JSON.stringify(task.spec)}/${JSON.stringify(split)}/${fileVersion(task.spec)}`
  const cached = dataCache.get(cacheKey)
  if (cached !== undefined) return cached
  return Task.load(task.spec, Random.make(Study.dataSeed(runSeed, task.name))).pipe(
    Effect.flatMap((data) => Effect.map(Split.make(split, data, Random.make(Study.splitSeed(runSeed, task.name))), (folds) => ({ data, folds }))),
    Effect.exit,
    Effect.flatMap((exit) => {
      if (exit._tag === "Success" || !Cause.hasInterrupts(exit.cause)) dataCache.set(cacheKey, exit)
      return exit
    })
  )
}

/** What the run stores of a task for its report (see `StoredTask`); a load failure is stored as the error. */
export const storedTask = (runSeed: number, task: Study.TaskEntry, split: Study.SplitSpec): Effect.Effect<StoredTask> => {
  const f = Task.truth(task.spec)
  const probe = task.probe === undefined ? {} : { probe: task.probe.map((row) => [...row]) }
  const truth = f === undefined || task.probe === undefined || task.probe.some((row) => row.length !== 1) ? {} : { truth: task.probe.map((row) => f(row[0])) }
  return taskData(runSeed, task, split).pipe(
    Effect.map(({ data, folds }): StoredTask => ({
      name: task.name,
      kind: data.kind,
      classes: data.classes,
      n: data.X.rows,
      ...(data.missing === undefined ? {} : { missing: { rows: data.missing.rows, dropped: data.missing.dropped } }),
      ...(data.classNames === undefined ? {} : { classNames: [...data.classNames] }),
      ...probe,
      ...truth,
      ...(task.keepData === true
        ? {
          X: Array.from({ length: data.X.rows }, (_, i) => Array.from(data.X.data.subarray(i * data.X.cols, (i + 1) * data.X.cols))),
          y: Array.from(data.y),
          folds: folds.map((fold) => ({
            train: Array.from(fold.train),
            test: Array.from(fold.test),
            ...(fold.validation === undefined ? {} : { validation: Array.from(fold.validation) })
          }))
        }
        : {})
    })),
    Effect.catch((error) => Effect.succeed<StoredTask>({ name: task.name, error: `${error._tag}: ${error.message}`, ...probe, ...truth }))
  )
}

const baseRow = (trial: Study.TrialSpec): Omit<TrialRow, "status" | "nTrain" | "nTest" | "metrics" | "info" | "fitSeconds"> => ({
  order: trial.order,
  key: trial.key,
  task: trial.task.name,
  model: trial.model.id,
  family: trial.model.family,
  axes: trial.model.axes,
  fold: trial.fold,
  seedIndex: trial.seedIndex,
  seed: trial.seed
})

/** The row of a trial that could not run at all (e.g. its worker died). */
export const failedResult = (trial: Study.TrialSpec, message: string, backend: string): TrialResult => ({
  row: { ...baseRow(trial), status: "failed", error: message, failure: "crash", nTrain: 0, nTest: 0, metrics: {}, info: { backend }, fitSeconds: 0 }
})

const failureKinds: Record<Exclude<TrialError["_tag"], "DivergenceError">, FailureKind> = {
  DataError: "data",
  ConfigError: "config",
  NumericalError: "numerical",
  BackendError: "backend"
}

/** A prediction as plain arrays for the result store. */
const store = (prediction: Prediction): StoredPrediction =>
  prediction.kind === "regression"
    ? {
      mean: Array.from(prediction.mean),
      ...(prediction.variance === undefined ? {} : { variance: Array.from(prediction.variance) }),
      ...(prediction.components === undefined
        ? {}
        : { components: prediction.components.map((c) => ({ label: c.label, mean: Array.from(c.mean), variance: Array.from(c.variance) })) })
    }
    : {
      classes: prediction.probabilities.cols,
      probabilities: Array.from(prediction.probabilities.data),
      ...(prediction.decision === undefined ? {} : { decision: Array.from(prediction.decision) })
    }

const fitAndScore = Effect.fnUntraced(function*(trial: Study.TrialSpec) {
  const { data, folds } = yield* taskData(trial.runSeed, trial.task, trial.split)
  const fold = folds[trial.fold]
  // Categorical features are one-hot encoded with the levels of the training part only.
  const { train, part } = Encode.fitPart(data, fold.train)
  const heldOut = part(fold.test)
  const test = heldOut.data
  // K-fold has no validation part: the held-out fold then gives the loss curve's "validation"
  // line. Only curves read it (nothing is selected on it), so the test fold stays unseen by fits.
  const validation = fold.validation !== undefined ? part(fold.validation).data : test
  const unseenRows = heldOut.unseen.reduce((total, u) => total + u.rows, 0)
  const { scaler, fitted, seconds: fitSeconds, predict } = yield* Fit.standardised(trial.model, train, (s) => ({ rng: Random.make(trial.seed), validation: s.apply(validation) }))
  const toScoringError = (error: unknown) =>
    error instanceof NumericalError ? error : new NumericalError({ reason: "NonFinite", message: `scoring ${trial.model.id}: ${String(error)}` })
  // The held-out prediction alone is timed (info.predictSeconds); scoring, the training part and the probe are not.
  const scored = yield* Effect.gen(function*() {
    const predictStarted = yield* Clock.currentTimeMillis
    const onTest = yield* Effect.try({ try: () => predict(test.X), catch: toScoringError })
    const predictSeconds = ((yield* Clock.currentTimeMillis) - predictStarted) / 1000
    const rest = yield* Effect.try({
      try: () => {
        const metrics: Record<string, number> = { ...Score.score(onTest, test) }
        const onTrain = Score.score(predict(train.X), train)
        if (onTrain.rmse !== undefined) metrics.trainRmse = onTrain.rmse
        if (onTrain.accuracy !== undefined) metrics.trainAccuracy = onTrain.accuracy
        if (onTrain.auc !== undefined) metrics.trainAuc = onTrain.auc
        // The 70/20/10 workflow selects on the validation part: its accuracy or RMSE beside the test metrics.
        if (fold.validation !== undefined) {
          const onValidation = Score.score(predict(validation.X), validation)
          if (onValidation.rmse !== undefined) metrics.validRmse = onValidation.rmse
          if (onValidation.accuracy !== undefined) metrics.validAccuracy = onValidation.accuracy
        }
        if (fitted.logLikelihood !== undefined) {
          metrics.logLik = fitted.logLikelihood + scaler.logJacobian(train.X.rows)
          if (fitted.freeParameters !== undefined) {
            metrics.k = fitted.freeParameters
            metrics.aic = InformationCriteria.aic(metrics.logLik, fitted.freeParameters)
            metrics.bic = InformationCriteria.bic(metrics.logLik, fitted.freeParameters, train.X.rows)
          }
        }
        const probe = trial.task.probe === undefined
          ? undefined
          : store(predict(Matrix.fromRows(trial.task.probe)))
        const heldOut = trial.keepPredictions ? { index: Array.from(fold.test), y: Array.from(test.y), prediction: store(onTest) } : undefined
        return { metrics, probe, heldOut }
      },
      catch: toScoringError
    })
    return { ...rest, predictSeconds }
  }).pipe(Effect.ensuring(Effect.sync(() => fitted.dispose())))
  const row: TrialRow = {
    ...baseRow(trial),
    status: "ok",
    nTrain: train.X.rows,
    nTest: test.X.rows,
    metrics: scored.metrics,
    info: { ...fitted.info, ...(unseenRows === 0 ? {} : { unseenLevelRows: unseenRows }), predictSeconds: scored.predictSeconds },
    hyperparameters: fitted.hyperparameters,
    warnings: fitted.warnings,
    ...(fitted.diagnosis === undefined ? {} : { diagnosis: fitted.diagnosis }),
    standardisation: {
      xMean: Array.from(scaler.xMean),
      xSd: Array.from(scaler.xSd),
      ...(train.kind === "regression" ? { yMean: scaler.yMean, ySd: scaler.ySd } : {})
    },
    fitSeconds
  }
  return {
    row,
    ...(fitted.curve === undefined ? {} : { curve: fitted.curve }),
    ...(scored.probe === undefined ? {} : { probe: scored.probe }),
    ...(scored.heldOut === undefined ? {} : { heldOut: scored.heldOut }),
    ...(fitted.stages === undefined ? {} : { stages: fitted.stages })
  }
})

/** A search trial scored by nested CV (`Objective.ts`): the row, "ok" or "pruned". */
const searchTrial = Effect.fnUntraced(function*(trial: Study.TrialSpec, objective: Study.Objective) {
  const { data, folds } = yield* taskData(trial.runSeed, trial.task, trial.split)
  const { curve, ...outcome } = yield* Objective.evaluate(trial, objective, data, folds[trial.fold])
  return { row: { ...baseRow(trial), ...outcome }, ...(curve === undefined ? {} : { curve }) } satisfies TrialResult
})

const errorRow = (trial: Study.TrialSpec, error: TrialError): TrialResult => ({
  row: {
    ...baseRow(trial),
    status: error._tag === "DivergenceError" ? "diverged" : "failed",
    error: `${error._tag}: ${error.message}`,
    ...(error._tag === "DivergenceError" ? {} : { failure: failureKinds[error._tag] }),
    nTrain: 0,
    nTest: 0,
    metrics: {},
    info: error._tag === "DivergenceError" ? { divergedAtEpoch: error.epoch } : {},
    ...(error._tag === "DivergenceError"
      ? { diagnosis: { label: "diverged", evidence: { epoch: error.epoch }, advice: Diagnosis.advice.diverged, others: [] } }
      : {}),
    fitSeconds: 0
  }
})

export const run = (trial: Study.TrialSpec): Effect.Effect<TrialResult, never, NnBackend> =>
  (trial.objective === undefined ? fitAndScore(trial) : searchTrial(trial, trial.objective)).pipe(
    Effect.catch((error: TrialError) => Effect.succeed(errorRow(trial, error))),
    Effect.catchCause((cause) =>
      Effect.succeed<TrialResult>({
        row: { ...baseRow(trial), status: "failed", error: `defect: ${Cause.pretty(cause).split("\n")[0]}`, failure: "crash", nTrain: 0, nTest: 0, metrics: {}, info: {}, fitSeconds: 0 }
      })
    )
  )
