/**
 * ε-support-vector regression (Vapnik 1995; Smola & Schölkopf, "A tutorial on support vector
 * regression", Statistics and Computing 14, 2004): the flattest f within ε of the targets, errors
 * beyond the tube penalised linearly with weight C. Solved by `Smo.regress` (libsvm's 2n-variable
 * dual).
 *
 * Conventions: f(x) = Σ_s coef_s K(x_s, x) − ρ with coef_s = α_s − α*_s ∈ [−C, C] (libsvm's
 * sv_coef; scikit-learn's `intercept_` = −ρ). ε is in target units. There is no predictive
 * variance: the ε-insensitive loss is not a likelihood, so an SVR gives a point prediction only.
 *
 * When to use: a kernel regression robust to outliers, with sparse support. Gotchas: C and ε are on
 * the scale of y; standardise y (or scale ε with its spread) when comparing across tasks.
 */
import { DataError } from "../../core/Errors.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as KernelRows from "./KernelRows.ts"
import * as Smo from "./Smo.ts"

export interface Options extends Smo.Options {
  /** Penalty C > 0 on errors beyond the tube. */
  readonly C: number
  /** Tube half-width ε ≥ 0. Default 0.1 (libsvm's and scikit-learn's). */
  readonly epsilon?: number
  readonly kernel: KernelRows.Spec
}

export interface Fitted {
  readonly kernel: KernelRows.Spec
  /** The support vectors (nSupport × d). */
  readonly support: Matrix.Matrix
  readonly supportIndex: Int32Array
  /** α_s − α*_s per support vector. */
  readonly coef: Float64Array
  readonly rho: number
  readonly iterations: number
  readonly converged: boolean
  readonly warnings: ReadonlyArray<string>
}

/** Fits an ε-SVR to X (n × d) and targets y (n). */
export const fit = (X: Matrix.Matrix, y: ArrayLike<number>, options: Options): Fitted => {
  if (y.length !== X.rows) throw new DataError({ source: "Svr.fit", message: `${X.rows} rows of X but ${y.length} targets` })
  const solution = Smo.regress(KernelRows.rows(options.kernel, X), y, options.C, options.epsilon ?? 0.1, options)
  return {
    kernel: options.kernel,
    support: Matrix.takeRows(X, solution.support),
    supportIndex: solution.support,
    coef: Float64Array.from(solution.support, (i) => solution.coef[i]),
    rho: solution.rho,
    iterations: solution.iterations,
    converged: solution.converged,
    warnings: solution.warning === undefined ? [] : [solution.warning]
  }
}

/** f(z) for every row of Z (q × d). */
export const predict = (model: Fitted, Z: Matrix.Matrix): Float64Array => KernelRows.expansion(model.kernel, model.support, model.coef, model.rho, Z)
