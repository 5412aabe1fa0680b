/**
 * Facts about a fit as data: the fitted hyperparameters (natural scale, with their bounds) and the
 * warnings a fit raises (a code, the parameter, the bound and side, the value, and the sentence
 * for people). Models produce them, trial rows store them, reports render them; nothing ever
 * parses a warning's sentence back (the sentence is for people, the fields are for code).
 *
 * Conventions: `value` is on the scale the model was fitted on. The pipeline standardises inputs
 * and targets on each training part, so a GP's length-scale is in units of the training part's
 * x sd and its amplitude and noise in units of its y variance; `role` says which rescaling takes
 * a hyperparameter back to the original scale (`toOriginalScale`, with the trial's stored
 * standardisation). `dimension` is the input column of an ARD length-scale.
 *
 * When to use: a family's `fit` fills `Fitted.hyperparameters` and `Fitted.warnings`; a report
 * reads `row.hyperparameters` / `row.warnings` and writes `warning.message` where people read.
 */
import { Schema } from "effect"

/** How a hyperparameter's value rescales with the data: what `toOriginalScale` does to it. */
export const roles = ["lengthScale", "period", "variance", "sd", "other"] as const
export type Role = (typeof roles)[number]

export const Hyperparameter = Schema.Struct({
  /** Unique within the fit, as the model names it: "k1.k1.constant", "lengthScale", "class2.noise". */
  name: Schema.String,
  value: Schema.Number,
  role: Schema.Literals(roles),
  /** The input column of an ARD length-scale; absent for isotropic ones and non-spatial roles. */
  dimension: Schema.optional(Schema.Number),
  /** The box the optimiser searched (natural scale); absent when the value was not fitted. */
  lower: Schema.optional(Schema.Number),
  upper: Schema.optional(Schema.Number),
  /** True when the value was held fixed, not fitted. */
  fixed: Schema.optional(Schema.Boolean)
})
export type Hyperparameter = typeof Hyperparameter.Type

/**
 * What a warning is about. AtBound: a fitted hyperparameter ended within 0.1 % (in log) of a
 * bound; Jitter: the kernel matrix needed jitter beyond the stated noise to factor; NotConverged:
 * an inner iteration (Newton, SMO, L-BFGS) stopped at its iteration limit.
 */
export const warningCodes = ["AtBound", "Jitter", "NotConverged"] as const
export type WarningCode = (typeof warningCodes)[number]

export const FitWarning = Schema.Struct({
  code: Schema.Literals(warningCodes),
  /** The hyperparameter concerned, by its `Hyperparameter.name`. */
  parameter: Schema.optional(Schema.String),
  side: Schema.optional(Schema.Literals(["lower", "upper"])),
  /** The bound reached (natural scale). */
  bound: Schema.optional(Schema.Number),
  /** The value the warning is about: the hyperparameter's, or the jitter added. */
  value: Schema.optional(Schema.Number),
  /** The sentence for people: what happened and what it usually means or what to try. */
  message: Schema.String
})
export type FitWarning = typeof FitWarning.Type

/** A warning with every field but the sentence given; the message is written here once. */
export const warning = (fields: FitWarning): FitWarning => fields

/**
 * The diagnosis of an iterative fit's loss curve (MLPs: src/models/mlp/Diagnosis.ts states the
 * labels and the rules): the label, its evidence as named numbers (epochs, ratios), one line of
 * advice, and the other labels whose rules also matched.
 */
export const CurveDiagnosis = Schema.Struct({
  label: Schema.String,
  evidence: Schema.Record(Schema.String, Schema.Number),
  advice: Schema.String,
  others: Schema.Array(Schema.String)
})
export type CurveDiagnosis = typeof CurveDiagnosis.Type

/** The standardisation a trial applied, stored with its row so a report can undo it. */
export const Standardisation = Schema.Struct({
  /** Per input column: the training part's mean and sd. */
  xMean: Schema.Array(Schema.Number),
  xSd: Schema.Array(Schema.Number),
  /** Regression targets only: the training part's mean and sd of y. */
  yMean: Schema.optional(Schema.Number),
  ySd: Schema.optional(Schema.Number)
})
export type Standardisation = typeof Standardisation.Type

/**
 * A fitted hyperparameter on the original scale of the task: length-scales and periods times the
 * x sd of their column (isotropic ones in a 1-d task likewise; isotropic ones over several
 * standardised columns have no single original unit and are returned unchanged), variances times
 * the y variance, sds times the y sd (regression only); "other" (shapes such as RQ's α) unchanged.
 */
export const toOriginalScale = (h: Hyperparameter, s: Standardisation | undefined): number => {
  if (s === undefined) return h.value
  switch (h.role) {
    case "lengthScale":
    case "period": {
      const column = h.dimension ?? (s.xSd.length === 1 ? 0 : undefined)
      return column === undefined ? h.value : h.value * (s.xSd[column] ?? 1)
    }
    case "variance":
      return s.ySd === undefined ? h.value : h.value * s.ySd * s.ySd
    case "sd":
      return s.ySd === undefined ? h.value : h.value * s.ySd
    case "other":
      return h.value
  }
}

/** A hyperparameter by name from a list (undefined when the fit has none of that name). */
export const find = (hs: ReadonlyArray<Hyperparameter> | undefined, name: string): Hyperparameter | undefined =>
  hs?.find((h) => h.name === name)
