/**
 * A model fitted on standardised data, as every fit of the pipeline does it: the scaler fitted on
 * the training part (features; and the target, for regression), the model fitted on the scaled
 * part with options that may use the scaler (a validation part scaled alike), the fit timed, and
 * predictions returned on the original scale. A trial (`TrialRunner`) and a search's inner folds
 * (`Objective`) both fit this way; what they score differs.
 */
import { Clock, Effect } from "effect"
import type { Dataset } from "../data/Dataset.ts"
import * as Standardise from "../data/Standardise.ts"
import type * as Matrix from "../linalg/Matrix.ts"
import type { FitOptions, Fitted, Prediction } from "../models/Model.ts"
import * as Models from "../models/Registry.ts"
import type * as Study from "./Study.ts"

export interface StandardisedFit {
  readonly scaler: Standardise.Scaler
  readonly fitted: Fitted
  /** Wall seconds of `fit` alone. */
  readonly seconds: number
  /** The fitted model's prediction at original-scale inputs, on the original scale. */
  readonly predict: (X: Matrix.Matrix) => Prediction
}

/** Fits `entry` on `train` standardised; `options` gets the scaler (to scale a validation part). The caller disposes `fitted`. */
export const standardised = Effect.fnUntraced(function*(entry: Study.ModelEntry, train: Dataset, options: (scaler: Standardise.Scaler) => FitOptions) {
  const scaler = Standardise.fit(train)
  const model = yield* Models.make(entry)
  const started = yield* Clock.currentTimeMillis
  const fitted = yield* model.fit(scaler.apply(train), options(scaler))
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  return { scaler, fitted, seconds, predict: (X) => scaler.invert(fitted.predict(scaler.applyX(X))) } satisfies StandardisedFit
})
