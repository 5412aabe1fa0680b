/**
 * Polynomial least squares as a gpnn model family ("poly"): y = Σⱼ βⱼ xʲ + ε, j = 0..degree, on
 * one input column, with Gaussian noise at its maximum-likelihood variance. The classical
 * candidate set of model selection (degree by AIC, BIC or cross-validation), run through the
 * same pipeline, folds and scoring as every other family.
 *
 * Conventions: the fit is `Polynomial.fit` (Householder QR, float64) on the standardised data the
 * pipeline gives; `logLikelihood` is the Gaussian log-likelihood at σ̂² = RSS/n on that scale
 * (the pipeline adds the standardisation's Jacobian), `freeParameters` k = degree + 2 (the
 * coefficients and the noise variance). The predictive variance is σ̂², the same for every x
 * (the coefficients' own uncertainty is left out: the plug-in predictive of the MLE).
 *
 * When to use: degree selection (experiments/model-selection.ts). Gotchas: one input column only
 * (a DataError otherwise); a degree that interpolates the training points (RSS = 0) has an
 * unbounded likelihood and fails as a NumericalError naming the degree.
 */
import { Effect, Schema } from "effect"
import { DataError, NumericalError, type TrialError } from "../../core/Errors.ts"
import type { Dataset } from "../../data/Dataset.ts"
import * as Polynomial from "../../scoring/Polynomial.ts"
import * as Family from "../Family.ts"
import type { Fitted, Model } from "../Model.ts"

export const PolyConfig = Schema.Struct({
  degree: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})
export type PolyConfig = typeof PolyConfig.Type

export const defaults: PolyConfig = { degree: 1 }

const fitModel = (config: PolyConfig, train: Dataset): Effect.Effect<Fitted, TrialError> =>
  Effect.try({
    try: (): Fitted => {
      if (train.X.cols !== 1) {
        throw new DataError({ source: train.name, message: `the poly family fits a polynomial in one input column; ${train.name} has ${train.X.cols}: use gp, svm or mlp for several inputs` })
      }
      const fit = Polynomial.fit(train.X.data, train.y, config.degree)
      const noiseVariance = fit.residuals.reduce((s, r) => s + r * r, 0) / train.y.length
      if (!(noiseVariance > 0)) {
        throw new NumericalError({
          reason: "Singular",
          message: `poly degree ${config.degree} interpolates the ${train.y.length} training points exactly, so its Gaussian likelihood is unbounded: lower the degree below ${train.y.length - 1}`
        })
      }
      return {
        predict: (X) => ({ kind: "regression", mean: Polynomial.predict(fit, X.data), variance: new Float64Array(X.rows).fill(noiseVariance) }),
        logLikelihood: fit.logLik,
        freeParameters: fit.k,
        hyperparameters: [],
        warnings: [],
        info: { degree: config.degree, noiseVariance },
        dispose: () => {}
      }
    },
    catch: (error) => {
      if (error instanceof DataError || error instanceof NumericalError) return error
      throw error
    }
  })

/** Polynomial least squares in one input, the noise at its MLE. */
export const family = Family.define({
  name: "poly",
  description: "polynomial least squares in one input (QR), Gaussian noise at its maximum-likelihood variance; k = degree + 2",
  tasks: ["regression"],
  stochastic: false,
  config: PolyConfig,
  defaults,
  example: { degree: 3 },
  build: (config): Model => ({ family: "poly", fit: (train) => fitModel(config, train) })
})
