/**
 * The typed failures of gpnn. Every error names what was wrong and, where there is one, what to
 * try instead: messages are read by people running studies, not by the code that raised them.
 *
 * When to use: fail an Effect with one of these (`return yield* new DataError({...})`); plain
 * synchronous numerics throw them and the pipeline turns them into failures at the trial edge.
 */
import { Schema } from "effect"

/** A spec, flag or override that does not validate. `field` is the dotted path of the culprit. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * Input data that cannot be used: NaN, wrong column count, empty split. `source` names the file
 * (or data set), `row` is 1-based when known (a file line, or a JSON record), `column` the header
 * name when one column is at fault.
 */
export class DataError extends Schema.TaggedError<DataError>()("DataError", {
  source: Schema.String,
  row: Schema.optional(Schema.Number),
  column: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/** Arithmetic that failed: a matrix not positive definite, a non-finite log-likelihood. */
export class NumericalError extends Schema.TaggedError<NumericalError>()("NumericalError", {
  reason: Schema.Literals(["NotPositiveDefinite", "NonFinite", "Singular"]),
  message: Schema.String
}) {}

/** Training whose loss became NaN or infinite. Recorded as a diverged trial; the run goes on. */
export class DivergenceError extends Schema.TaggedError<DivergenceError>()("DivergenceError", {
  epoch: Schema.Number,
  message: Schema.String
}) {}

/** The result store could not read or write. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  path: Schema.String,
  message: Schema.String
}) {}

/** No tfjs backend could be loaded, or the requested one is missing. */
export class BackendError extends Schema.TaggedError<BackendError>()("BackendError", {
  backend: Schema.String,
  message: Schema.String
}) {}

/**
 * A cluster scheduler command that failed or answered what gpnn cannot use (sbatch refusing an
 * array, a controller that does not answer). `command` is the command line that failed.
 */
export class SchedulerError extends Schema.TaggedError<SchedulerError>()("SchedulerError", {
  command: Schema.String,
  message: Schema.String
}) {}

/** The failures a single trial can end with. */
export type TrialError = DataError | NumericalError | DivergenceError | ConfigError | BackendError

/**
 * A run whose trials failed for a reason that makes it no result: any trial failed on its input
 * data or configuration, or every trial failed. The message names the first failed trial and how
 * to finish the run once the cause is fixed (`--resume` re-runs failed trials).
 */
export class RunFailedError extends Schema.TaggedError<RunFailedError>()("RunFailedError", {
  runId: Schema.String,
  message: Schema.String
}) {}
