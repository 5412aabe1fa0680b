/**
 * The contract every model family implements (MLP, GP regression and classification, SVM,
 * NNGP and NTK; each declared with `Family.define`): fit on a training set, then predict on new
 * inputs. Scoring, cross-validation, AIC and the reports only
 * ever talk to this interface, which is what lets one study put the families side by side.
 *
 * Conventions: a regression `variance` is the predictive variance of a new observation (noise
 * included); classification `probabilities` is (n × classes), rows summing to one, and
 * `decision` (binary tasks only) a real score whose ranking gives ROC-AUC (e.g. an SVM margin).
 * `logLikelihood` is the maximised training log-likelihood on the original target scale, and
 * `freeParameters` the k of AIC = −2 log L̂ + 2k, both absent where undefined for the family.
 * Fitted hyperparameters and warnings are typed data (`FitFacts`), never prose in `info`.
 */
import type { Effect } from "effect"
import type { TrialError } from "../core/Errors.ts"
import type * as Random from "../core/Random.ts"
import type { Dataset } from "../data/Dataset.ts"
import type { Matrix } from "../linalg/Matrix.ts"
import type * as FitFacts from "./FitFacts.ts"

/**
 * One additive component of a regression prediction (a GP's kernel summand, Decomposition.ts):
 * its posterior mean (without the target's mean, which belongs to no component) and variance.
 */
export interface Component {
  readonly label: string
  readonly mean: Float64Array
  readonly variance: Float64Array
}

export type Prediction =
  | { readonly kind: "regression"; readonly mean: Float64Array; readonly variance?: Float64Array; readonly components?: ReadonlyArray<Component> }
  | { readonly kind: "classification"; readonly probabilities: Matrix; readonly decision?: Float64Array }

/** One epoch of an iterative fit: mean training loss over the epoch and validation loss after it. */
export interface EpochRecord {
  readonly epoch: number
  readonly trainLoss: number
  readonly validLoss?: number
}

export interface Fitted {
  predict(X: Matrix): Prediction
  readonly logLikelihood?: number
  readonly freeParameters?: number
  readonly curve?: ReadonlyArray<EpochRecord>
  /** Hyperparameters the fit chose (by marginal likelihood, say), on the scale it was fitted on; [] for none. */
  readonly hyperparameters: ReadonlyArray<FitFacts.Hyperparameter>
  /** What a reader of the results should know about this fit; [] when nothing. */
  readonly warnings: ReadonlyArray<FitFacts.FitWarning>
  /** Iterative fits: what the loss curve says (healthy, diverged, stuck, …) with its evidence. */
  readonly diagnosis?: FitFacts.CurveDiagnosis
  /**
   * Measurements of workflow stages run inside the fit (src/workflow/: the LR range test's
   * rates and losses, a throughput sweep), by stage name, as named columns of equal length.
   */
  readonly stages?: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<number>>>>>
  /** Other facts worth a column in the results (kernel description, backend, jitter, iterations). */
  readonly info: Readonly<Record<string, number | string | boolean>>
  /** Frees what the fit holds outside the JS heap (tfjs tensors). Safe to call twice. */
  dispose(): void
}

export interface FitOptions {
  /** The trial's own generator: initial weights, minibatch order, optimiser restarts. */
  readonly rng: Random.Generator
  /** Held-out data to record a validation curve on; never used to fit. */
  readonly validation?: Dataset
  /**
   * Called by an iterative fit (the MLP) after each epoch with that epoch's record; returning true
   * stops training there, and the fit ends with the weights of that epoch (of its best epoch under
   * early stopping): a search's epoch-wise pruning. Fits without epochs never call it.
   */
  readonly onEpoch?: ((record: EpochRecord) => boolean) | undefined
}

export interface Model<R = never> {
  /** The family: "mlp", "gp", "svm", "nngp", "ntk". */
  readonly family: string
  fit(train: Dataset, options: FitOptions): Effect.Effect<Fitted, TrialError, R>
}
