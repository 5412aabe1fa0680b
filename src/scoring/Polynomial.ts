/**
 * Polynomial least squares in one variable and the degree sweep that sets AIC, BIC and
 * cross-validation side by side: the classical form of "does the criterion pick the model that
 * predicts best?".
 *
 * Conventions: float64. The model is y = Σⱼ βⱼ tʲ + ε, j = 0..degree, with t = (x − center) /
 * scale, center and scale the midpoint and half-range of the training x (the same function
 * space as 1, x, …, x^degree, better conditioned). Solved by Householder QR of the Vandermonde
 * matrix (Golub & Van Loan, Matrix Computations, Alg. 5.2.1 and §5.3.3), never the normal
 * equations, so degree 10 keeps about 12 significant digits. The Vandermonde matrix is held
 * column-major internally. k = (degree + 1) coefficients + 1 noise variance; logLik is the
 * Gaussian log-likelihood at σ̂² = RSS/n.
 */
import { DataError, NumericalError } from "../core/Errors.ts"
import type * as Split from "../data/Split.ts"
import * as InformationCriteria from "./InformationCriteria.ts"

export interface Fit {
  readonly degree: number
  /** Midpoint of the training x. */
  readonly center: number
  /** Half-range of the training x (1 when all x are equal). */
  readonly scale: number
  /** β₀..β_degree, coefficients of 1, t, …, t^degree. */
  readonly coefficients: Float64Array
  /** Training residuals y − ŷ. */
  readonly residuals: Float64Array
  /** Gaussian log-likelihood at the MLE noise variance RSS/n. */
  readonly logLik: number
  /** Free parameters: degree + 2. */
  readonly k: number
}

/** Evaluate a fitted polynomial at `x` (Horner's rule in t). */
export const predict = (fit: Pick<Fit, "center" | "scale" | "coefficients">, x: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(x.length)
  const c = fit.coefficients
  for (let i = 0; i < x.length; i++) {
    const t = (x[i] - fit.center) / fit.scale
    let v = c[c.length - 1]
    for (let j = c.length - 2; j >= 0; j--) v = v * t + c[j]
    out[i] = v
  }
  return out
}

/**
 * Least-squares polynomial of `degree` through (x, y). Throws a DataError for mismatched lengths
 * or fewer points than coefficients, and a NumericalError ("Singular") when x has fewer than
 * degree + 1 distinct values.
 */
export const fit = (x: ArrayLike<number>, y: ArrayLike<number>, degree: number): Fit => {
  const n = x.length
  const p = degree + 1
  if (!Number.isInteger(degree) || degree < 0) {
    throw new DataError({ source: "Polynomial.fit", message: `degree must be a non-negative integer, got ${degree}` })
  }
  if (y.length !== n || n < p) {
    throw new DataError({ source: "Polynomial.fit", message: `degree ${degree} needs ≥ ${p} points with one y each; got ${n} x and ${y.length} y` })
  }
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, x[i])
    hi = Math.max(hi, x[i])
  }
  const center = (lo + hi) / 2
  const scale = hi > lo ? (hi - lo) / 2 : 1
  // Vandermonde A (n × p), column-major: A[i + j·n] = tᵢʲ
  const A = new Float64Array(n * p)
  for (let i = 0; i < n; i++) {
    const t = (x[i] - center) / scale
    let v = 1
    for (let j = 0; j < p; j++) {
      A[i + j * n] = v
      v *= t
    }
  }
  const b = Float64Array.from(y)
  const diag = new Float64Array(p)
  for (let j = 0; j < p; j++) {
    // Householder reflector zeroing A[j+1:, j]: v = a − α e₁, α = −sign(a₀)‖a‖
    let norm = 0
    for (let i = j; i < n; i++) norm += A[i + j * n] ** 2
    norm = Math.sqrt(norm)
    const alpha = A[j + j * n] > 0 ? -norm : norm
    diag[j] = alpha
    if (norm === 0) continue
    A[j + j * n] -= alpha
    let vtv = 0
    for (let i = j; i < n; i++) vtv += A[i + j * n] ** 2
    // apply H = I − 2vvᵀ/(vᵀv) to the remaining columns and to b
    for (let c = j + 1; c < p; c++) {
      let dot = 0
      for (let i = j; i < n; i++) dot += A[i + j * n] * A[i + c * n]
      const f = (2 * dot) / vtv
      for (let i = j; i < n; i++) A[i + c * n] -= f * A[i + j * n]
    }
    let dot = 0
    for (let i = j; i < n; i++) dot += A[i + j * n] * b[i]
    const f = (2 * dot) / vtv
    for (let i = j; i < n; i++) b[i] -= f * A[i + j * n]
  }
  const largest = diag.reduce((m, d) => Math.max(m, Math.abs(d)), 0)
  if (diag.some((d) => Math.abs(d) <= n * Number.EPSILON * largest)) {
    throw new NumericalError({
      reason: "Singular",
      message: `Polynomial.fit: degree ${degree} is not identifiable from these x (fewer than ${p} distinct values); lower the degree`
    })
  }
  // back substitution R β = (Qᵀy)[0:p]; R's strict upper triangle is in A above the diagonal
  const coefficients = new Float64Array(p)
  for (let j = p - 1; j >= 0; j--) {
    let s = b[j]
    for (let c = j + 1; c < p; c++) s -= A[j + c * n] * coefficients[c]
    coefficients[j] = s / diag[j]
  }
  const fitted = predict({ center, scale, coefficients }, x)
  const residuals = Float64Array.from(fitted, (f, i) => y[i] - f)
  return { degree, center, scale, coefficients, residuals, logLik: InformationCriteria.gaussianLogLikAtMle(residuals), k: p + 1 }
}

/** One degree of a sweep: in-sample criteria on all the data and out-of-sample CV error. */
export interface SweepRow {
  readonly degree: number
  readonly logLik: number
  readonly k: number
  readonly aic: number
  readonly bic: number
  /** Mean over folds of the held-out MSE of a fit on the fold's training part. */
  readonly cvMse: number
  readonly cvMseFolds: ReadonlyArray<number>
}

/**
 * Fit every degree on all of (x, y) for logLik / AIC / BIC, and on each fold's `train` part for
 * the MSE on its `test` part. Folds are index arrays (Split.Fold; `Split.fromTestSets` builds
 * them from test indices alone).
 */
export const sweep = (x: ArrayLike<number>, y: ArrayLike<number>, degrees: ReadonlyArray<number>, folds: ReadonlyArray<Split.Fold>): Array<SweepRow> => {
  const take = (v: ArrayLike<number>, index: Int32Array) => Float64Array.from(index, (i) => v[i])
  return degrees.map((degree) => {
    const all = fit(x, y, degree)
    const cvMseFolds = folds.map((fold) => {
      const f = fit(take(x, fold.train), take(y, fold.train), degree)
      const yTest = take(y, fold.test)
      const pred = predict(f, take(x, fold.test))
      let s = 0
      for (let i = 0; i < yTest.length; i++) s += (yTest[i] - pred[i]) ** 2
      return s / yTest.length
    })
    return {
      degree,
      logLik: all.logLik,
      k: all.k,
      aic: InformationCriteria.aic(all.logLik, all.k),
      bic: InformationCriteria.bic(all.logLik, all.k, x.length),
      cvMse: cvMseFolds.reduce((a, b) => a + b, 0) / cvMseFolds.length,
      cvMseFolds
    }
  })
}

/** The degree each criterion selects (smallest AIC, BIC, CV MSE; the first row on ties). */
export const selected = (rows: ReadonlyArray<SweepRow>): { readonly aic: number; readonly bic: number; readonly cv: number } => {
  const pick = (values: Array<number>) => rows[InformationCriteria.argmin(values)].degree
  return { aic: pick(rows.map((r) => r.aic)), bic: pick(rows.map((r) => r.bic)), cv: pick(rows.map((r) => r.cvMse)) }
}
