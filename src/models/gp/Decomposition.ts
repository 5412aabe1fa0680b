/**
 * The additive components of a fitted GP regression, predicted separately: with
 * k = k₁ + k₂ + … + k_C (a White term may be one of them), y = Σ_c f_c + noise and the f_c
 * independent a priori, the posterior of one component at X* is Gaussian with
 *   mean      E[f_c(X*) | y] = K_c(X*, X)·α,                      α = (K + alpha·I)⁻¹y,
 *   variance  V[f_c(x*) | y] = k_c(x*, x*) − k_c(x*, X)ᵀ(K + alpha·I)⁻¹k_c(x*, X),
 * R&W §5.4.3's decomposition of the CO₂ record into trend, seasonal, medium-term and noise parts.
 *
 * Conventions: the terms are `Kernel.terms(fitted.kernel)`, the summands of the kernel's sums
 * flattened left to right (an expression's {"sum": [...]} children, in order, when none is itself
 * a sum). Means and variances are on the original scale of y (×yStd, ×yStd² under normalizeY); y's
 * mean (yMean) belongs to no component, so Σ_c mean_c + yMean is the predictive mean. A White
 * term's mean is 0 and its variance its noise level at every test point (noise at new inputs is
 * independent of the data). The cross-covariances between components are not returned.
 *
 * Citation: Rasmussen & Williams, GPML (2006) §5.4.3 and eq. 2.25–2.26 (with K_c(X*, X) in place
 * of K(X*, X) for the cross-covariance of f_c and y); Duvenaud, Automatic model construction with
 * Gaussian processes (PhD thesis, 2014) §2.4.5 (posterior of additive components).
 */
import * as Blas from "../../linalg/Blas.ts"
import * as Cholesky from "../../linalg/Cholesky.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import { DataError } from "../../core/Errors.ts"
import * as Kernel from "../kernels/Kernel.ts"
import type { Fitted } from "./GpRegression.ts"

export interface Component {
  /** The component's kernel with its fitted hyperparameters. */
  readonly kernel: Kernel.Kernel
  /** Its sklearn-style printout (`Kernel.format`), for labels. */
  readonly label: string
  /** Posterior mean at X* (original scale, without yMean). */
  readonly mean: Float64Array
  /** Posterior variance at X* (original scale). */
  readonly variance: Float64Array
}

/**
 * The posterior mean and variance of each additive term of `fitted.kernel` at X* (m × d).
 * Cost: per term one K_c(X*, X) (m·n) and a triangular solve (m·n²).
 */
export const predict = (fitted: Fitted, Xs: Matrix.Matrix): Array<Component> => {
  if (Xs.cols !== fitted.X.cols) throw new DataError({ source: "Decomposition.predict", message: `X* has ${Xs.cols} columns but the GP was fitted on ${fitted.X.cols}` })
  const m = Xs.rows
  const n = fitted.X.rows
  const s2 = fitted.yStd * fitted.yStd
  return Kernel.terms(fitted.kernel).map((term) => {
    const Ks = Kernel.matrix(term, Xs, fitted.X)
    const mean = Blas.matVec(Ks, fitted.alpha)
    const V = Cholesky.solveLowerRows(fitted.L, Ks)
    const prior = Kernel.diag(term, Xs)
    const variance = new Float64Array(m)
    for (let i = 0; i < m; i++) {
      mean[i] *= fitted.yStd
      variance[i] = Math.max(0, prior[i] - Blas.dotAt(V.data, i * n, V.data, i * n, n)) * s2
    }
    return { kernel: term, label: Kernel.format(term), mean, variance }
  })
}
