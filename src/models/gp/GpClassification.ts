/**
 * Gaussian-process classification by the Laplace approximation with the logistic link: the
 * posterior mode, the approximate log marginal likelihood and its exact gradient, type-II
 * maximum-likelihood hyperparameters with restarts, predictive class probabilities; binary, and
 * multi-class by one-vs-rest; plus the "gpc" family of the Model contract.
 *
 * Conventions (scikit-learn's GaussianProcessClassifier, so numbers compare one to one):
 * - float64; X (n × d) row-major; binary labels y ∈ {0, 1} (R&W's ±1 is s = 2y − 1);
 *   p(y = 1 | f) = σ(f) = 1/(1 + e^{−f}). The kernel is of the noise-free latent f (no White
 *   term): the likelihood carries the label noise. `kernelFor` is amplitude·k.
 * - Hyperparameters are optimised as log θ inside the kernel's log bounds; gradients are
 *   ∂/∂log θ. The first start is the kernel's own values, then `restarts` points log-uniform
 *   inside the bounds (`GpRegression.restartPoints`, stratified), keeping the best.
 * - Newton starts from f = 0 (sklearn's default); inside the hyperparameter search each
 *   evaluation starts from the previous mode instead (sklearn's warm_start = True, a quarter
 *   less time); the fitted state is recomputed from f = 0. Newton stops when
 *   Ψ(f) = log p(y|f) − ½fᵀK⁻¹f rises by less than 1e-10 (sklearn's test, on Ψ rather than on
 *   its stale-W likelihood), after at most 100 steps; a step that lowers Ψ by more than 1e-10 is
 *   halved (sklearn's plain Newton has no such guard; where Newton ascends the two agree).
 *   W, L and ∇log p are then recomputed at the final f̂ (R&W Alg. 3.2/5.1 lines 2–3).
 * - Predictive probability π̄* = ∫σ(z)·N(z | f̄*, V[f*]) dz approximated as sklearn (Williams &
 *   Barber 1998, app. A): σ(z) ≈ Σᵢ cᵢ·½(1 + erf(λᵢz)) with five fitted (λᵢ, cᵢ), integrated in
 *   closed form: π̄* ≈ Σᵢ cᵢ·½(1 + erf(λᵢf̄* / √(1 + 2λᵢ²V))). Its error against the exact
 *   integral is below 5e-4 (measured on a grid of means and variances); results are clipped
 *   to [0, 1] (Σcᵢ = 1 − 1e-11).
 * - Multi-class: one binary classifier per class (class c against the rest), each with its own
 *   hyperparameters; probabilities are the k binary P(y = c) divided by their row sum (sklearn's
 *   OneVsRestClassifier). The multi-class `logMarginalLikelihood` is the SUM of the k binary
 *   ones (the likelihood of the k independent binary problems; sklearn reports their mean) and
 *   `freeParameters` the total over the k kernels.
 *
 * Citation: Rasmussen & Williams, GPML (2006), Alg. 3.1, 3.2, 5.1 and §3.4; Williams & Barber,
 * IEEE TPAMI 20(12) (1998), app. A; scikit-learn `sklearn.gaussian_process._gpc`.
 */
import { Effect, Schema } from "effect"
import { ConfigError, DataError, NumericalError } from "../../core/Errors.ts"
import type { TrialError } from "../../core/Errors.ts"
import type * as Random from "../../core/Random.ts"
import type { Dataset } from "../../data/Dataset.ts"
import * as Blas from "../../linalg/Blas.ts"
import * as Cholesky from "../../linalg/Cholesky.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Kernel from "../kernels/Kernel.ts"
import * as Family from "../Family.ts"
import type * as FitFacts from "../FitFacts.ts"
import type { FitOptions as ModelFitOptions, Fitted as ModelFitted, Model } from "../Model.ts"
import * as Activation from "../ntk/Activation.ts"
import * as Gp from "./GpRegression.ts"
import * as Optimizer from "./Optimizer.ts"

/** Newton steps per mode search (sklearn's max_iter_predict). */
export const MAX_NEWTON_ITERATIONS = 100

/** Stop Newton when Ψ rises by less than this (sklearn's 1e-10). */
const NEWTON_TOLERANCE = 1e-10

/** Halvings of a Newton step that lowered Ψ before giving up on it. */
const MAX_HALVINGS = 30

/** Williams & Barber's σ(z) ≈ Σᵢ cᵢ·½(1 + erf(λᵢz)): sklearn's LAMBDAS and COEFS. */
const LAMBDAS = [0.41, 0.4, 0.37, 0.44, 0.39] as const
const COEFS = [-1854.8214151, 3516.89893646, 221.29346712, 128.12323805, -2010.49422654] as const

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

/** log σ(z) without overflow. */
const logSigmoid = (z: number): number => (z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)))

// ---------------------------------------------------------------------------------------------
// Input checks

const checkFeatures = (X: Matrix.Matrix, where: string): void => {
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      throw new DataError({ source: where, row: Math.floor(i / X.cols) + 1, message: `X has the non-finite value ${X.data[i]}: drop or impute it before fitting` })
    }
  }
}

/** Labels must be integers 0..classes−1, X finite, and every class present. */
const checkLabels = (X: Matrix.Matrix, y: Float64Array, classes: number, where: string): void => {
  if (X.rows !== y.length) throw new DataError({ source: where, message: `X has ${X.rows} rows but y has ${y.length} labels` })
  if (!Number.isInteger(classes) || classes < 2) {
    throw new DataError({ source: where, message: `a classifier needs at least 2 classes, the data declare ${classes}` })
  }
  const counts = new Array<number>(classes).fill(0)
  for (let i = 0; i < y.length; i++) {
    const c = y[i]
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new DataError({ source: where, row: i + 1, message: `label ${c} is not a class index 0..${classes - 1}: encode the classes as 0, 1, …` })
    }
    counts[c]++
  }
  checkFeatures(X, where)
  const present = counts.flatMap((count, c) => (count > 0 ? [c] : []))
  if (present.length < 2) {
    throw new DataError({
      source: where,
      message: `the training set has only class ${present.join("")} (${y.length} rows): a classifier needs rows of at least two classes; stratify the split or merge rare classes`
    })
  }
  const missing = counts.flatMap((count, c) => (count === 0 ? [c] : []))
  if (missing.length > 0) {
    throw new DataError({
      source: where,
      message: `class ${missing.join(", ")} has no training rows, so its one-vs-rest classifier cannot be fitted; stratify the split or drop the class`
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Mode, likelihood, gradient

/** The Laplace approximation at the posterior mode f̂ for one kernel matrix. */
export interface Mode {
  /** f̂ (n). */
  readonly f: Float64Array
  /** a with f̂ = K·a; at convergence a = ∇log p(y|f̂). */
  readonly a: Float64Array
  /** π = σ(f̂) (n). */
  readonly pi: Float64Array
  /** W^½ = √(π(1 − π)) (n). */
  readonly sqrtW: Float64Array
  /** ∇log p(y|f̂) = y − π (n). */
  readonly grad: Float64Array
  /** Cholesky factor of B = I + W^½KW^½ at f̂. */
  readonly L: Matrix.Matrix
  /** The approximate log marginal likelihood log q(y|X, θ) = Ψ(f̂) − Σ log L_ii. */
  readonly lml: number
  /** Newton steps taken. */
  readonly iterations: number
  /** False when MAX_NEWTON_ITERATIONS ran out, or no fraction of a Newton step raised Ψ, before Ψ settled. */
  readonly converged: boolean
}

interface Local {
  readonly pi: Float64Array
  readonly sqrtW: Float64Array
  readonly grad: Float64Array
  readonly L: Matrix.Matrix
}

/** W, ∇log p and L = chol(I + W^½KW^½) at f (R&W Alg. 3.1 lines 4–5). */
const localAt = (K: Matrix.Matrix, y: Float64Array, f: Float64Array): Local => {
  const n = f.length
  const pi = new Float64Array(n)
  const sqrtW = new Float64Array(n)
  const grad = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const p = sigmoid(f[i])
    const q = sigmoid(-f[i])
    pi[i] = p
    // Line 4: W = −∇∇log p(y|f) = π(1 − π), as σ(f)σ(−f): no 1 − π that rounds to 0 for large f
    sqrtW[i] = Math.sqrt(p * q)
    grad[i] = y[i] === 1 ? q : -p
  }
  // Line 5: L = cholesky(I + W^½KW^½)
  const B = Matrix.make(n, n)
  const k = K.data
  const b = B.data
  for (let i = 0; i < n; i++) {
    const si = sqrtW[i]
    for (let j = 0; j <= i; j++) b[i * n + j] = si * k[i * n + j] * sqrtW[j]
    b[i * n + i] += 1
  }
  const L = Cholesky.factor(B, "the Laplace matrix B = I + W^½KW^½")
  return { pi, sqrtW, grad, L }
}

/** Ψ(f) = −½aᵀf + log p(y|f) with f = K·a (R&W Alg. 3.1 line 10 without the log-determinant). */
const psiOf = (y: Float64Array, a: Float64Array, f: Float64Array): number => {
  let s = -0.5 * Blas.dot(a, f)
  for (let i = 0; i < f.length; i++) s += logSigmoid(y[i] === 1 ? f[i] : -f[i])
  return s
}

/**
 * The posterior mode f̂ of p(f | X, y) ∝ p(y|f)·N(f | 0, K) by Newton's method in the stable
 * form of R&W Alg. 3.1 (only B = I + W^½KW^½, whose eigenvalues are ≥ 1, is factored), and the
 * approximate log marginal likelihood there.
 *
 * When to use: inside `logMarginalLikelihood` and `fitBinary`; directly to inspect a mode.
 * `start` (an `a` of an earlier mode, e.g. at nearby hyperparameters) starts Newton from
 * f = K·start instead of 0 when that is better; the mode is the same up to the 1e-10 tolerance.
 * Gotchas: labels are 0/1; K must be the kernel matrix of the latent function (no White noise
 * needed: B is well conditioned whatever K is). Throws NumericalError if B cannot be factored
 * (only when K has non-finite entries or is grossly indefinite). Shapes: K (n × n), y (n).
 */
export const posteriorMode = (K: Matrix.Matrix, y: Float64Array, options: { readonly start?: Float64Array | undefined } = {}): Mode => {
  const n = y.length
  let f: Float64Array = new Float64Array(n)
  let a: Float64Array = new Float64Array(n)
  let psi = psiOf(y, a, f)
  if (options.start !== undefined) {
    // warm start f = K·a₀ (kept only if it beats f = 0)
    const f0 = Blas.matVec(K, options.start)
    const psi0 = psiOf(y, options.start, f0)
    if (psi0 > psi) {
      a = Float64Array.from(options.start)
      f = f0
      psi = psi0
    }
  }
  let iterations = 0
  let converged = false
  while (iterations < MAX_NEWTON_ITERATIONS) {
    iterations++
    const { sqrtW, grad, L } = localAt(K, y, f)
    // Line 6: b = W·f + ∇log p(y|f)
    const b = new Float64Array(n)
    for (let i = 0; i < n; i++) b[i] = sqrtW[i] * sqrtW[i] * f[i] + grad[i]
    // Line 7: a = b − W^½·Lᵀ\(L\(W^½·K·b))
    const Kb = Blas.matVec(K, b)
    for (let i = 0; i < n; i++) Kb[i] *= sqrtW[i]
    const s = Cholesky.solve(L, Kb)
    let aNew = new Float64Array(n)
    for (let i = 0; i < n; i++) aNew[i] = b[i] - sqrtW[i] * s[i]
    // Line 8: f = K·a
    let fNew = Blas.matVec(K, aNew)
    let psiNew = psiOf(y, aNew, fNew)
    // Ψ is concave, so a Newton step that lowers it by more than the tolerance overshot: halve
    // it (f is linear in a). Smaller drops are rounding at the optimum and end the loop below.
    for (let h = 0; h < MAX_HALVINGS && psiNew < psi - NEWTON_TOLERANCE; h++) {
      const aHalf = new Float64Array(n)
      const fHalf = new Float64Array(n)
      for (let i = 0; i < n; i++) {
        aHalf[i] = 0.5 * (a[i] + aNew[i])
        fHalf[i] = 0.5 * (f[i] + fNew[i])
      }
      aNew = aHalf
      fNew = fHalf
      psiNew = psiOf(y, aNew, fNew)
    }
    if (!(psiNew >= psi - NEWTON_TOLERANCE)) break
    const rise = psiNew - psi
    a = aNew
    f = fNew
    psi = psiNew
    // Line 10 as the convergence test (sklearn: stop when the objective rises by < 1e-10)
    if (rise < NEWTON_TOLERANCE) {
      converged = true
      break
    }
  }
  // R&W Alg. 3.2 / 5.1 lines 2–3: W and L at the mode
  const { pi, sqrtW, grad, L } = localAt(K, y, f)
  const lml = psiOf(y, a, f) - 0.5 * Cholesky.logDet(L)
  if (!Number.isFinite(lml)) {
    throw new NumericalError({ reason: "NonFinite", message: `Laplace GP classification: the approximate log marginal likelihood is ${lml}; check the kernel hyperparameters for overflow (amplitude ≤ 1e5)` })
  }
  return { f, a, pi, sqrtW, grad, L, lml, iterations, converged }
}

export interface Likelihood {
  /** log q(y | X, θ), the Laplace approximation to log p(y | X, θ). */
  readonly value: number
  /** ∂ log q / ∂ log θ_j in `Kernel.names` order (empty when not requested). */
  readonly gradient: Float64Array
  readonly mode: Mode
}

/**
 * ∂ log q/∂log θ_j, R&W Alg. 5.1, for all j in one pass over the kernel (`Kernel.contract`):
 * lines 12–15 give s1 + s2ᵀs3 = tr(M·∂K/∂log θ_j) with M = ½aaᵀ − ½R + u·(∇log p)ᵀ and
 * u = (I − RK)·s2 (since s2ᵀs3 = s2ᵀ(I − KR)·C·∇log p and K, R are symmetric).
 */
const gradientAt = (kernel: Kernel.Kernel, X: Matrix.Matrix, K: Matrix.Matrix, mode: Mode): Float64Array => {
  const n = X.rows
  const { a, pi, sqrtW, grad } = mode
  // B⁻¹, overwritten in place by R (line 7), then by M
  const M = Cholesky.inverse(mode.L)
  const r = M.data
  // Lines 8–9, s2 = ∂log q/∂f̂ = −½·∂log|B|/∂f̂, with sklearn's signs (finite differences agree):
  // s2_i = ½·[(K⁻¹ + W)⁻¹]_ii·∂³log p/∂f_i³. As (K⁻¹ + W)⁻¹ = W^-½(I − B⁻¹)W^-½ and, for the
  // logistic, ∂³log p/∂f³ = −W(1 − 2π): s2_i = −½(1 − B⁻¹_ii)(1 − 2π_i), with no C = L\(W^½K)
  // to form and no division by a W that may underflow.
  const s2 = new Float64Array(n)
  for (let i = 0; i < n; i++) s2[i] = -0.5 * (1 - r[i * n + i]) * (1 - 2 * pi[i])
  // Line 7: R = W^½·B⁻¹·W^½ (in place of B⁻¹)
  for (let i = 0; i < n; i++) {
    const si = sqrtW[i]
    for (let j = 0; j < n; j++) r[i * n + j] *= si * sqrtW[j]
  }
  // u = s2 − R·K·s2
  const RKs2 = Blas.matVec(M, Blas.matVec(K, s2))
  const u = new Float64Array(n)
  for (let i = 0; i < n; i++) u[i] = s2[i] - RKs2[i]
  // Lines 11–15: M = ½aaᵀ − ½R + u·gᵀ, then ∇_j = Σ M ⊙ ∂K/∂log θ_j
  for (let i = 0; i < n; i++) {
    const o = i * n
    const ai = 0.5 * a[i]
    const ui = u[i]
    for (let j = 0; j < n; j++) r[o + j] = ai * a[j] - 0.5 * r[o + j] + ui * grad[j]
  }
  return Kernel.contract(kernel, X, M)
}

/**
 * The Laplace approximation log q(y | X, θ) to the log marginal likelihood of binary GP
 * classification (R&W Alg. 3.1 line 10, eq. 3.32) and its gradient with respect to the free
 * log-hyperparameters, including the implicit dependence through f̂ (R&W Alg. 5.1, eq. 5.22–5.24).
 *
 * Cost: a few Newton steps of one n³/3 Cholesky each; the gradient adds one inverse (2n³/3) and
 * one O(n²) pass per kernel leaf. Shapes: X (n × d), y (n) of 0/1 labels.
 */
export const logMarginalLikelihood = (
  kernel: Kernel.Kernel,
  X: Matrix.Matrix,
  y: Float64Array,
  options: { readonly gradient?: boolean; readonly start?: Float64Array | undefined } = {}
): Likelihood => {
  checkLabels(X, y, 2, "GpClassification.logMarginalLikelihood")
  const K = Kernel.matrix(kernel, X)
  const mode = posteriorMode(K, y, { start: options.start })
  const gradient = options.gradient === false ? new Float64Array(0) : gradientAt(kernel, X, K, mode)
  return { value: mode.lml, gradient, mode }
}

// ---------------------------------------------------------------------------------------------
// Fitting

export interface FitOptions {
  /** Extra optimiser starts log-uniform inside the bounds (sklearn's n_restarts_optimizer). Default 0. */
  readonly restarts?: number
  /** Draws the restarts; required when restarts > 0. */
  readonly rng?: Random.Generator | undefined
  /** false: keep the kernel's hyperparameters as given. Default true. */
  readonly optimize?: boolean
  readonly optimizer?: Optimizer.MinimizeOptions
}

/** A fitted binary classifier: the kernel with fitted hyperparameters and the Laplace state at f̂. Immutable. */
export interface BinaryFitted {
  readonly kernel: Kernel.Kernel
  readonly X: Matrix.Matrix
  readonly mode: Mode
  /** log q(y | X, θ̂). */
  readonly logMarginalLikelihood: number
  /** Number of free hyperparameters. */
  readonly freeParameters: number
  /** One warning per fitted hyperparameter within 0.1% (in log) of a bound. */
  readonly atBound: ReadonlyArray<FitFacts.FitWarning>
  readonly starts: ReadonlyArray<Gp.Start>
}


/**
 * Fits a binary GP classifier: the kernel's free hyperparameters maximise log q(y | X, θ)
 * (projected L-BFGS on log θ, `Optimizer.minimize`) from the kernel's values and `restarts`
 * log-uniform starts inside the bounds; then the Laplace state at the best θ.
 *
 * When to use: binary labels 0/1, up to a few thousand points (O(n³) per Newton step).
 * Gotchas: separable data drive the amplitude up (sharper σ(f)) until the likelihood flattens;
 * check `atBound`. A start where B cannot be factored is skipped; if all fail, NumericalError.
 * Throws DataError for a single-class training set. Shapes: X (n × d), y (n).
 */
export const fitBinary = (kernel: Kernel.Kernel, X: Matrix.Matrix, y: Float64Array, options: FitOptions = {}): BinaryFitted => {
  checkLabels(X, y, 2, "GpClassification.fit")
  const { restarts = 0, optimize = true } = options
  if (!Number.isInteger(restarts) || restarts < 0) throw new ConfigError({ field: "gpc.restarts", message: `restarts must be a non-negative integer, got ${restarts}` })
  if (restarts > 0 && options.rng === undefined) throw new ConfigError({ field: "gpc.rng", message: "restarts > 0 needs an rng to draw the starting points from" })
  const th0 = Kernel.theta(kernel)
  const bs = Kernel.bounds(kernel)
  const starts: Array<Gp.Start> = []
  let best = kernel
  if (optimize && th0.length > 0) {
    // each evaluation's Newton starts from the last mode (sklearn's warm_start): 2–3× fewer steps
    let warm: Float64Array | undefined
    const objective: Optimizer.Objective = (logTheta) => {
      try {
        const l = logMarginalLikelihood(Kernel.withTheta(kernel, logTheta), X, y, { start: warm })
        warm = l.mode.a
        return { value: -l.value, gradient: l.gradient.map((g) => -g) }
      } catch (error) {
        if (error instanceof NumericalError) return { value: Number.POSITIVE_INFINITY, gradient: new Float64Array(logTheta.length) }
        throw error
      }
    }
    const search = Gp.minimizeWithRestarts(objective, th0, bs, restarts, options.rng, options.optimizer)
    starts.push(...search.starts)
    if (search.best === undefined) {
      throw new NumericalError({
        reason: "NonFinite",
        message: `GP classifier fit: the Laplace approximation failed at all ${search.starts.length} starting points of ${Kernel.describe(kernel)}; check X for huge values or narrow the hyperparameter bounds`
      })
    }
    best = Kernel.withTheta(kernel, search.best)
  }
  const mode = posteriorMode(Kernel.matrix(best, X), y)
  return {
    kernel: best,
    X,
    mode,
    logMarginalLikelihood: mode.lml,
    freeParameters: th0.length,
    atBound: optimize ? Gp.boundWarnings(best, "for the amplitude: the classes are separable at this length-scale") : [],
    starts
  }
}

export interface Latent {
  /** E[f*] = k*ᵀ∇log p(y|f̂) (m). */
  readonly mean: Float64Array
  /** V[f*] = k(x*, x*) − k*ᵀ(K + W⁻¹)⁻¹k* (m). */
  readonly variance: Float64Array
}

/**
 * The Laplace posterior of the latent f* at X* (m × d), R&W Alg. 3.2 lines 4–6. Variances below
 * 0 from rounding are set to 0.
 */
export const latent = (fitted: BinaryFitted, Xs: Matrix.Matrix): Latent => {
  if (Xs.cols !== fitted.X.cols) throw new DataError({ source: "GpClassification.predict", message: `X* has ${Xs.cols} columns but the classifier was fitted on ${fitted.X.cols}` })
  checkFeatures(Xs, "GpClassification.predict")
  const n = fitted.X.rows
  const m = Xs.rows
  const { sqrtW, grad, L } = fitted.mode
  const Ks = Kernel.matrix(fitted.kernel, Xs, fitted.X)
  // Line 4: f̄* = k*ᵀ∇log p(y|f̂)
  const mean = Blas.matVec(Ks, grad)
  // Line 5: v = L\(W^½·k*), one row per test point
  const S = Matrix.clone(Ks)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) S.data[i * n + j] *= sqrtW[j]
  const V = Cholesky.solveLowerRows(L, S)
  // Line 6: V[f*] = k(x*, x*) − vᵀv
  const prior = Kernel.diag(fitted.kernel, Xs)
  const variance = new Float64Array(m)
  for (let i = 0; i < m; i++) variance[i] = Math.max(0, prior[i] - Blas.dotAt(V.data, i * n, V.data, i * n, n))
  return { mean, variance }
}

/**
 * ∫σ(z)·N(z | mean, variance) dz by sklearn's five-error-function approximation (R&W Alg. 3.2
 * line 7; Williams & Barber 1998): Σᵢ cᵢ·½(1 + erf(λᵢ·mean/√(1 + 2λᵢ²·variance))), clipped to
 * [0, 1]. Within 5e-4 of the exact integral; symmetric (p(−m) = 1 − p(m)) up to Σcᵢ − 1 ≈ −1e-11.
 */
export const averagedSigmoid = (mean: number, variance: number): number => {
  let p = 0
  for (let i = 0; i < LAMBDAS.length; i++) {
    const l = LAMBDAS[i]
    p += COEFS[i] * 0.5 * (1 + Activation.erf((l * mean) / Math.sqrt(1 + 2 * l * l * variance)))
  }
  return Math.min(1, Math.max(0, p))
}

/** P(y = 1 | x*) for each row of X* (m × d): R&W Alg. 3.2. */
export const probability = (fitted: BinaryFitted, Xs: Matrix.Matrix): Float64Array => {
  const { mean, variance } = latent(fitted, Xs)
  return Float64Array.from(mean, (mu, i) => averagedSigmoid(mu, variance[i]))
}

/** A fitted classifier: one binary model for two classes, or one per class (one-vs-rest). */
export interface Fitted {
  readonly classes: number
  /** Two classes: [the model of class 1 against class 0]; k > 2: the model of class c at index c. */
  readonly models: ReadonlyArray<BinaryFitted>
  /** Two classes: log q; k > 2: the sum over the k one-vs-rest models. */
  readonly logMarginalLikelihood: number
  readonly freeParameters: number
}

/**
 * Fits a GP classifier on class indices y ∈ {0..classes−1}: one binary Laplace model for two
 * classes, else one per class against the rest, each from its own stream `rng.fork("class=c")`.
 * Throws DataError when a class has no training rows (a single-class training set included).
 */
export const fit = (kernel: Kernel.Kernel, X: Matrix.Matrix, y: Float64Array, classes: number, options: FitOptions = {}): Fitted => {
  checkLabels(X, y, classes, "GpClassification.fit")
  if (classes === 2) {
    const model = fitBinary(kernel, X, y, options)
    return { classes, models: [model], logMarginalLikelihood: model.logMarginalLikelihood, freeParameters: model.freeParameters }
  }
  const models = Array.from({ length: classes }, (_, c) =>
    fitBinary(kernel, X, Float64Array.from(y, (v) => (v === c ? 1 : 0)), { ...options, rng: options.rng?.fork(`class=${c}`) }))
  return {
    classes,
    models,
    logMarginalLikelihood: models.reduce((s, m) => s + m.logMarginalLikelihood, 0),
    freeParameters: models.reduce((s, m) => s + m.freeParameters, 0)
  }
}

export interface Predictive {
  /** (m × classes), rows summing to one. */
  readonly probabilities: Matrix.Matrix
  /** Two classes only: the latent mean f̄* (> 0 exactly where P(y = 1) > ½). */
  readonly decision?: Float64Array
}

/** Class probabilities at X* (m × d); one-vs-rest rows are the binary P(y = c) over their sum. */
export const predict = (fitted: Fitted, Xs: Matrix.Matrix): Predictive => {
  const m = Xs.rows
  const k = fitted.classes
  const P = Matrix.make(m, k)
  if (k === 2) {
    const { mean, variance } = latent(fitted.models[0], Xs)
    for (let i = 0; i < m; i++) {
      const p = averagedSigmoid(mean[i], variance[i])
      P.data[2 * i] = 1 - p
      P.data[2 * i + 1] = p
    }
    return { probabilities: P, decision: mean }
  }
  fitted.models.forEach((model, c) => {
    const p = probability(model, Xs)
    for (let i = 0; i < m; i++) P.data[i * k + c] = p[i]
  })
  for (let i = 0; i < m; i++) {
    let s = 0
    for (let c = 0; c < k; c++) s += P.data[i * k + c]
    for (let c = 0; c < k; c++) P.data[i * k + c] = s > 0 ? P.data[i * k + c] / s : 1 / k
  }
  return { probabilities: P }
}

// ---------------------------------------------------------------------------------------------
// The "gpc" model family

export const GpcConfig = Schema.Struct({
  kernel: Schema.Literals(Gp.kernelFamilies),
  restarts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})
export type GpcConfig = typeof GpcConfig.Type

/** sklearn's defaults: amplitude·RBF, no restarts. */
export const defaults: GpcConfig = { kernel: "rbf", restarts: 0 }

/**
 * amplitude·k for a family name (GpRegression's kernel without its White noise term), every
 * hyperparameter starting at 1 (sklearn's 1.0·RBF(1.0)) within `bounds`, default [1e-5, 1e5].
 */
export const kernelFor = (family: Gp.KernelFamily, bounds: readonly [number, number] = [1e-5, 1e5]): Kernel.Kernel =>
  Kernel.latent(Gp.kernelFor(family, bounds))

const toCatchable = (error: unknown): TrialError => {
  if (error instanceof NumericalError || error instanceof DataError || error instanceof ConfigError) return error
  throw error
}

/** Per binary machine (prefixed "classN." beyond two classes): its fitted hyperparameters and warnings. */
const facts = (fitted: Fitted) => {
  const hyperparameters: Array<FitFacts.Hyperparameter> = []
  const warnings: Array<FitFacts.FitWarning> = []
  const info: Record<string, number | string | boolean> = { lml: fitted.logMarginalLikelihood }
  fitted.models.forEach((model, c) => {
    const prefix = fitted.classes === 2 ? "" : `class${c}.`
    info[`${prefix}kernel`] = Kernel.describe(model.kernel)
    if (fitted.classes > 2) info[`${prefix}lml`] = model.logMarginalLikelihood
    hyperparameters.push(...Kernel.facts(model.kernel, prefix))
    warnings.push(...model.atBound.map((w) => ({ ...w, parameter: `${prefix}${w.parameter}`, message: `${prefix}${w.message}` })))
    if (!model.mode.converged) warnings.push({ code: "NotConverged", message: `${prefix}Newton's iteration for the Laplace mode did not settle in ${MAX_NEWTON_ITERATIONS} steps` })
  })
  return { hyperparameters, warnings, info }
}

const fitModel = Effect.fn("GpClassification.fit")(function*(config: GpcConfig, train: Dataset, options: ModelFitOptions): Effect.fn.Return<ModelFitted, TrialError> {
  const fitted = yield* Effect.try({
    try: () => fit(kernelFor(config.kernel), train.X, train.y, train.classes, { restarts: config.restarts, rng: options.rng.fork("gpc/restarts") }),
    catch: toCatchable
  })
  return {
    predict: (X) => ({ kind: "classification", ...predict(fitted, X) }),
    logLikelihood: fitted.logMarginalLikelihood,
    freeParameters: fitted.freeParameters,
    ...facts(fitted),
    dispose: () => {}
  }
})

/** The Laplace GP classifier family: amplitude·k fitted by approximate marginal likelihood, one-vs-rest beyond two classes. */
export const family = Family.define({
  name: "gpc",
  description: "Laplace GP classification, amplitude·k by approximate marginal likelihood (one-vs-rest beyond two classes)",
  tasks: ["classification"],
  stochastic: false,
  config: GpcConfig,
  defaults,
  example: { kernel: "rbf", restarts: 0 },
  build: (config): Model => ({ family: "gpc", fit: (train, options) => fitModel(config, train, options) })
})
