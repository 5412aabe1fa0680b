/**
 * What a run stores: the manifest (what was run, where, with which seeds and versions), one row
 * per finished trial, and the loss curves of iterative fits. These shapes are the contract between
 * the pipeline, the result store and the reports; every model family fills the same row.
 */
import { Schema } from "effect"
import * as FitFacts from "../models/FitFacts.ts"

/** "pruned": an adaptive search stopped the trial early (its rule, step and threshold are in `info`). */
export const TrialStatus = Schema.Literals(["ok", "diverged", "failed", "pruned"])
export type TrialStatus = typeof TrialStatus.Type

/**
 * Why a trial failed: its input data (a CSV error, too few MNIST digits), its configuration (an
 * unknown family, a bad field), arithmetic, the tfjs backend, or its process (a defect, a dead
 * worker). Data and config failures fail the run: every trial of that input would fail alike, so
 * the run is not a result until the input is fixed and the run resumed.
 */
export const FailureKind = Schema.Literals(["data", "config", "numerical", "backend", "crash"])
export type FailureKind = typeof FailureKind.Type

const Scalar = Schema.Union([Schema.Number, Schema.String, Schema.Boolean])

/** One finished trial. Metrics are on the task's original scale; absent where undefined. */
export const TrialRow = Schema.Struct({
  /** Position in the study's plan: rows are stored in this order whatever order they finished in. */
  order: Schema.Number,
  key: Schema.String,
  task: Schema.String,
  model: Schema.String,
  family: Schema.String,
  axes: Schema.Record(Schema.String, Schema.Union([Schema.Number, Schema.String])),
  fold: Schema.Number,
  seedIndex: Schema.Number,
  seed: Schema.Number,
  status: TrialStatus,
  error: Schema.optional(Schema.String),
  /** Why a `failed` trial failed (absent on other rows and in runs stored before it was data). */
  failure: Schema.optional(FailureKind),
  nTrain: Schema.Number,
  nTest: Schema.Number,
  metrics: Schema.Record(Schema.String, Schema.Number),
  info: Schema.Record(Schema.String, Scalar),
  /** The fit's chosen hyperparameters (absent in runs stored before they were data). */
  hyperparameters: Schema.optional(Schema.Array(FitFacts.Hyperparameter)),
  /** The fit's warnings as data (absent in runs stored before they were data). */
  warnings: Schema.optional(Schema.Array(FitFacts.FitWarning)),
  /** The loss-curve diagnosis of an iterative fit (MLPs). */
  diagnosis: Schema.optional(FitFacts.CurveDiagnosis),
  /** The standardisation fitted on the training part, to take hyperparameters back to the data's scale. */
  standardisation: Schema.optional(FitFacts.Standardisation),
  fitSeconds: Schema.Number
})
export type TrialRow = typeof TrialRow.Type

export const EpochRecord = Schema.Struct({
  epoch: Schema.Number,
  trainLoss: Schema.Number,
  validLoss: Schema.optional(Schema.Number)
})

/**
 * A prediction as stored (original scale): regression mean and predictive variance; class
 * probabilities row-major (n × classes) and, for binary tasks, the decision score.
 */
export const StoredPrediction = Schema.Struct({
  mean: Schema.optional(Schema.Array(Schema.Number)),
  variance: Schema.optional(Schema.Array(Schema.Number)),
  /** Regression models that predict additive parts (the gp family with `components: true`): each part's mean (without y's mean) and variance. */
  components: Schema.optional(Schema.Array(Schema.Struct({ label: Schema.String, mean: Schema.Array(Schema.Number), variance: Schema.Array(Schema.Number) }))),
  classes: Schema.optional(Schema.Number),
  probabilities: Schema.optional(Schema.Array(Schema.Number)),
  decision: Schema.optional(Schema.Array(Schema.Number))
})
export type StoredPrediction = typeof StoredPrediction.Type

/** Held-out predictions of a trial: the rows of the task they belong to and their targets. */
export const HeldOut = Schema.Struct({
  index: Schema.Array(Schema.Number),
  y: Schema.Array(Schema.Number),
  prediction: StoredPrediction
})
export type HeldOut = typeof HeldOut.Type

/** What a trial leaves on disk: its row and, where asked for or iterative, more. */
export const TrialResult = Schema.Struct({
  row: TrialRow,
  curve: Schema.optional(Schema.Array(EpochRecord)),
  /** Predictions at the task's probe points. */
  probe: Schema.optional(StoredPrediction),
  /** Predictions on the held-out part (when the study keeps them). */
  heldOut: Schema.optional(HeldOut),
  /** Measurements of workflow stages run inside the fit (src/workflow/), by stage, as named columns. */
  stages: Schema.optional(Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.Array(Schema.Number))))
})
export type TrialResult = typeof TrialResult.Type

/**
 * A task of a run as stored for its report (`tasks/<name>.json`), written before any trial runs:
 * the probe inputs and, where the task's noise-free function is known, its values there; and,
 * when the study keeps data (`TaskEntry.keepData`), the data set as drawn and the folds, so a
 * report can plot the points every model saw without re-drawing them from today's code.
 */
export const StoredTask = Schema.Struct({
  name: Schema.String,
  /** Why the task's data could not be loaded (its trials then fail with the same error). */
  error: Schema.optional(Schema.String),
  kind: Schema.optional(Schema.Literals(["regression", "classification"])),
  classes: Schema.optional(Schema.Number),
  n: Schema.optional(Schema.Number),
  /** Rows in the source and rows dropped for a missing value in a used column (real and CSV data). */
  missing: Schema.optional(Schema.Struct({ rows: Schema.Number, dropped: Schema.Number })),
  /** Class names in label order (classification tasks that name their classes). */
  classNames: Schema.optional(Schema.Array(Schema.String)),
  /** Rows of original-scale features where every model also predicts. */
  probe: Schema.optional(Schema.Array(Schema.Array(Schema.Number))),
  /** The noise-free function at the probe rows (synthetic regression tasks only). */
  truth: Schema.optional(Schema.Array(Schema.Number)),
  /** The data as drawn: X row by row and y (only when the study keeps data). */
  X: Schema.optional(Schema.Array(Schema.Array(Schema.Number))),
  y: Schema.optional(Schema.Array(Schema.Number)),
  /** Row indices of each fold's parts (only when the study keeps data). */
  folds: Schema.optional(Schema.Array(Schema.Struct({
    train: Schema.Array(Schema.Number),
    test: Schema.Array(Schema.Number),
    validation: Schema.optional(Schema.Array(Schema.Number))
  })))
})
export type StoredTask = typeof StoredTask.Type

export const RunStatus = Schema.Literals(["running", "complete", "interrupted", "failed"])
export type RunStatus = typeof RunStatus.Type

/** One invocation that worked on the run: the first, and each `--resume`. */
/** The code a session ran: commit, uncommitted changes, and their hash. */
export const Git = Schema.Struct({ commit: Schema.String, dirty: Schema.Boolean, diffHash: Schema.optional(Schema.String) })

export const Session = Schema.Struct({
  startedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String),
  wallSeconds: Schema.optional(Schema.Number),
  jobs: Schema.Number,
  /** The executor that ran the trials (absent in runs stored before it was a choice). */
  executor: Schema.optional(Schema.String),
  backend: Schema.String,
  /** The code this session ran (absent in runs stored before sessions recorded it). */
  git: Schema.optional(Git),
  /** True when this session resumed a run made by other code, with --allow-code-change. */
  codeChangeAllowed: Schema.optional(Schema.Boolean),
  /** Input files that changed since the run started and were taken, because no stored result used them (a fix). */
  inputsChanged: Schema.optional(Schema.Array(Schema.String)),
  trialsRun: Schema.Number,
  status: RunStatus
})
export type Session = typeof Session.Type

/**
 * A file a run reads (a CSV task's `path`), fingerprinted when the run starts: `--resume` refuses a
 * changed file while stored results were computed from it (a fix of an input whose trials all
 * failed is taken, and recorded).
 */
export const Input = Schema.Struct({
  task: Schema.String,
  path: Schema.String,
  /** sha256 (hex) of the file's bytes; absent when it could not be read. */
  sha256: Schema.optional(Schema.String),
  bytes: Schema.optional(Schema.Number)
})
export type Input = typeof Input.Type

/** The first failed trial of a run that failed, and how many failed. */
export const RunFailure = Schema.Struct({
  failed: Schema.Number,
  key: Schema.String,
  kind: Schema.optional(FailureKind),
  error: Schema.String
})
export type RunFailure = typeof RunFailure.Type

export const Manifest = Schema.Struct({
  experiment: Schema.String,
  title: Schema.String,
  runId: Schema.String,
  profile: Schema.String,
  seed: Schema.Number,
  params: Schema.Record(Schema.String, Schema.Unknown),
  study: Schema.Unknown,
  /** sha256 of the resolved parameters and seed: `--resume` refuses a run whose spec changed. */
  specHash: Schema.String,
  trialCount: Schema.Number,
  git: Git,
  versions: Schema.Record(Schema.String, Schema.String),
  host: Schema.Struct({ platform: Schema.String, cpus: Schema.Number, cpuModel: Schema.String, memoryGiB: Schema.Number }),
  status: RunStatus,
  /** With status "failed": the first failed trial in plan order, and how many failed. */
  failure: Schema.optional(RunFailure),
  /** Files the run reads, fingerprinted (absent in runs stored before inputs were). */
  inputs: Schema.optional(Schema.Array(Input)),
  sessions: Schema.Array(Session)
})
export type Manifest = typeof Manifest.Type

/** A stored run as the reports read it. */
export interface RunRecord {
  readonly manifest: Manifest
  readonly rows: ReadonlyArray<TrialRow>
  readonly curves: ReadonlyMap<string, ReadonlyArray<typeof EpochRecord.Type>>
  /** Predictions at the task's probe points, by trial key. */
  readonly probes: ReadonlyMap<string, StoredPrediction>
  /** Held-out predictions, by trial key. */
  readonly heldOut: ReadonlyMap<string, HeldOut>
  /** Workflow stages' measurements (an LR range test, a throughput sweep), by trial key, then stage. */
  readonly stages: ReadonlyMap<string, Readonly<Record<string, Readonly<Record<string, ReadonlyArray<number>>>>>>
  /** Side data a run left for its report (e.g. the Python peer's timing), by file name. */
  readonly extras: ReadonlyMap<string, unknown>
  /** What each task stored for the report (probes, truth, data and folds), by task name; empty for runs stored before tasks were. */
  readonly tasks: ReadonlyMap<string, StoredTask>
}
