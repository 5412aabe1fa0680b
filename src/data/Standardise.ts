/**
 * Per-feature standardisation fitted on a training part: z = (x − mean) / sd for each column of
 * X and, for regression, for y; predictions come back on the original scale with `invert`.
 *
 * Conventions: mean and the population sd (divide by n, numpy's `std()` default, as the
 * width-sweep peer's `Standardiser`); a column with sd 0 (or non-finite) gets sd 1 so it maps to
 * zeros instead of NaN. Classification targets are left untouched (y scale = identity).
 * A density on the standardised targets maps back with the Jacobian −n·log s_y:
 * log p(y) = log p(z) − n·log s_y (`logJacobian`).
 *
 * When to use: fit on the training rows of a fold only, then apply to train, validation and test
 * alike, so no held-out statistic leaks into the fit. Categorical columns must be one-hot encoded
 * first (Encode.ts); `fit` refuses a data set that still has them rather than drop them silently.
 */
import { DataError } from "../core/Errors.ts"
import type { Prediction } from "../models/Model.ts"
import type { Dataset } from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

export interface Scaler {
  /** Column means of the training X, length d. */
  readonly xMean: Float64Array
  /** Column population sds of the training X (0 replaced by 1), length d. */
  readonly xSd: Float64Array
  /** Mean of the training y (0 for classification). */
  readonly yMean: number
  /** Population sd of the training y (0 replaced by 1; 1 for classification). */
  readonly ySd: number
  /** Standardise a data set's X, and its y for regression. */
  apply(ds: Dataset): Dataset
  /** Standardise features X: (n, d). */
  applyX(X: Matrix.Matrix): Matrix.Matrix
  /** A prediction on the standardised scale back to the original one (mean·s + m, variance·s²). */
  invert(prediction: Prediction): Prediction
  /** −n·log s_y: add to a log-likelihood of n standardised targets to get it on the y scale. */
  logJacobian(n: number): number
}

/** Mean and population sd of `values` taken every `stride` from `offset`, sd 0 → 1. */
const moments = (values: Float64Array, count: number, offset: number, stride: number): [number, number] => {
  let mean = 0
  for (let i = 0; i < count; i++) mean += values[offset + i * stride]
  mean /= count
  let ss = 0
  for (let i = 0; i < count; i++) {
    const d = values[offset + i * stride] - mean
    ss += d * d
  }
  const sd = Math.sqrt(ss / count)
  return [mean, sd > 0 && Number.isFinite(sd) ? sd : 1]
}

/** Build a scaler from explicit statistics (e.g. reloaded from a stored run). */
export const make = (stats: { readonly xMean: Float64Array; readonly xSd: Float64Array; readonly yMean: number; readonly ySd: number }): Scaler => {
  const { xMean, xSd, yMean, ySd } = stats
  const applyX = (X: Matrix.Matrix): Matrix.Matrix => {
    if (X.cols !== xMean.length) {
      throw new DataError({ source: "Standardise.applyX", message: `X has ${X.cols} columns but the scaler was fitted on ${xMean.length}; apply it to the same features` })
    }
    const out = new Float64Array(X.data.length)
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < X.cols; j++) out[i * X.cols + j] = (X.data[i * X.cols + j] - xMean[j]) / xSd[j]
    }
    return Matrix.make(X.rows, X.cols, out)
  }
  const apply = (ds: Dataset): Dataset => ({
    ...ds,
    X: applyX(ds.X),
    y: ds.kind === "regression" ? ds.y.map((v) => (v - yMean) / ySd) : ds.y
  })
  const invert = (p: Prediction): Prediction => {
    if (p.kind === "classification") return p
    const mean = p.mean.map((m) => m * ySd + yMean)
    // Additive components carry no share of y's mean: means scale by s, variances by s².
    const components = p.components?.map((c) => ({ label: c.label, mean: c.mean.map((m) => m * ySd), variance: c.variance.map((v) => v * ySd * ySd) }))
    return {
      kind: "regression",
      mean,
      ...(p.variance === undefined ? {} : { variance: p.variance.map((v) => v * ySd * ySd) }),
      ...(components === undefined ? {} : { components })
    }
  }
  return { xMean, xSd, yMean, ySd, apply, applyX, invert, logJacobian: (n) => 0 - n * Math.log(ySd) }
}

/** Fit on the training part `train` (n ≥ 1 rows; throws a DataError for none). */
export const fit = (train: Dataset): Scaler => {
  const { rows, cols, data } = train.X
  if (rows < 1) throw new DataError({ source: train.name, message: `Standardise.fit: ${train.name} has no training rows; check the split` })
  if (train.categorical !== undefined && train.categorical.length > 0) {
    throw new DataError({
      source: train.source ?? train.name,
      column: train.categorical[0].name,
      message: `Standardise.fit: ${train.name} has categorical columns (${train.categorical.map((c) => c.name).join(", ")}) not yet one-hot encoded; encode each part with Encode.fit(train).apply first`
    })
  }
  const xMean = new Float64Array(cols)
  const xSd = new Float64Array(cols)
  for (let j = 0; j < cols; j++) [xMean[j], xSd[j]] = moments(data, rows, j, cols)
  const [yMean, ySd] = train.kind === "regression" ? moments(train.y, rows, 0, 1) : [0, 1]
  return make({ xMean, xSd, yMean, ySd })
}
