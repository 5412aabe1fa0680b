/**
 * What a run stores: the manifest (what was run, where, with which seeds and versions), one row
 * per finished trial, and the loss curves of iterative fits. These shapes are the contract between
 * the pipeline, the result store and the reports; every model family fills the same row.
 */
import { Schema } from "effect"

export const TrialStatus = Schema.Literals(["ok", "diverged", "failed"])
export type TrialStatus = typeof TrialStatus.Type

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
  nTrain: Schema.Number,
  nTest: Schema.Number,
  metrics: Schema.Record(Schema.String, Schema.Number),
  info: Schema.Record(Schema.String, Scalar),
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
  heldOut: Schema.optional(HeldOut)
})
export type TrialResult = typeof TrialResult.Type

export const RunStatus = Schema.Literals(["running", "complete", "interrupted", "failed"])
export type RunStatus = typeof RunStatus.Type

/** One invocation that worked on the run: the first, and each `--resume`. */
export const Session = Schema.Struct({
  startedAt: Schema.String,
  finishedAt: Schema.optional(Schema.String),
  wallSeconds: Schema.optional(Schema.Number),
  jobs: Schema.Number,
  backend: Schema.String,
  trialsRun: Schema.Number,
  status: RunStatus
})
export type Session = typeof Session.Type

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
  git: Schema.Struct({ commit: Schema.String, dirty: Schema.Boolean }),
  versions: Schema.Record(Schema.String, Schema.String),
  host: Schema.Struct({ platform: Schema.String, cpus: Schema.Number, cpuModel: Schema.String, memoryGiB: Schema.Number }),
  status: RunStatus,
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
  /** Side data a run left for its report (e.g. the Python peer's timing), by file name. */
  readonly extras: ReadonlyMap<string, unknown>
}
