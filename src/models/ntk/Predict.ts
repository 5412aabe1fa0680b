/**
 * Predictions of infinitely wide nets from their kernels (Kernels.ts): the NNGP posterior (exact
 * Bayesian inference with prior K) and the NTK-GP, the distribution of an infinite ensemble of
 * infinitely wide nets trained by gradient descent on the MSE, at t = ∞ or at a finite time t.
 *
 * Conventions (neural-tangents `predict.gp_inference`, `gradient_descent_mse_ensemble`,
 * get = "ntk"): targets are (n × outputs); every output shares the kernel, so the variance is one
 * vector for all outputs; the variances are of the latent function (no observation noise). The
 * ridge added to the inverted train block is `diagReg`·mean(diag) ("relative", neural-tangents'
 * default, diag_reg_absolute_scale = False) or `diagReg` ("absolute"). Only the inverted kernel
 * (K for the NNGP, Θ for the NTK) is regularised; the NTK covariance uses the raw K.
 * Gradient-descent time: with learning rate η the loss ½·mean((f − y)²) over all n·outputs
 * targets gives df/dt = −η Θ (f − y)/(n·outputs), so
 *   mean_t(x*) = Θ*X Θ⁻¹ (I − e^{−ηΘt/N}) Y,  N = n·outputs, f₀ ~ GP(0, K),
 *   Σ_t = K** − (T K_X* + K*X Tᵀ) + T K Tᵀ,  T = Θ*X Θ⁻¹ (I − e^{−ηΘt/N}),
 * which at t = ∞ is K** + Θ*X Θ⁻¹ K Θ⁻¹ ΘX* − (Θ*X Θ⁻¹ KX* + K*X Θ⁻¹ ΘX*) (Lee et al. 2019, eq. 16).
 * Classification regresses on centred one-hot targets (`oneHot`) and turns the Gaussian outputs
 * into the probability that each class has the largest draw (`classProbabilities`).
 *
 * Float64, row-major. Usage: fit on the training block once (`nngp`, `ntk`, `ntkGradientDescent`),
 * then `predict` at any test points. Cost: t = ∞ one Cholesky (n³/3) at fit, then 3·n²·m flops
 * for m test points (n²·m for the NNGP); finite t one symmetric eigendecomposition (≈ 9n³), then
 * 4·n²·m per test set and time.
 *
 * Citation: Lee et al., "Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient
 * Descent", NeurIPS 2019 (arXiv:1902.06720) §2.3–2.4; Rasmussen & Williams, GPML (2006) Alg. 2.1.
 */
import { ConfigError, DataError } from "../../core/Errors.ts"
import * as Blas from "../../linalg/Blas.ts"
import * as Cholesky from "../../linalg/Cholesky.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as SymmetricEigen from "../../linalg/SymmetricEigen.ts"
import * as Activation from "./Activation.ts"
import type * as Kernels from "./Kernels.ts"
import * as Quadrature from "./Quadrature.ts"

/** What is added to the diagonal of the inverted train block. */
export interface Regularisation {
  readonly diagReg: number
  /** "relative" (default): diagReg × mean(diag); "absolute": diagReg itself. */
  readonly scale?: "relative" | "absolute"
}

export interface Posterior {
  /** (m × outputs). */
  readonly mean: Matrix.Matrix
  /** (m): the latent variance at each test point, shared by all outputs. */
  readonly variance: Float64Array
}

/** A fit on the training block, ready to predict at any test points. */
export interface Fit {
  /** The absolute ridge added to the inverted train block. */
  readonly ridge: number
  /** Extra diagonal jitter the factorisation needed on top of the ridge (0 normally). */
  readonly jitter: number
  /** The posterior at test points, from K(X*, X), Θ(X*, X) and the test diagonals. */
  predict(cross: Kernels.Pair, testDiagonal: Kernels.Diagonal): Posterior
}

const sameArch = (a: Kernels.Spec, b: Kernels.Spec): boolean =>
  a.depth === b.depth && a.activation === b.activation && a.wStd === b.wStd && a.bStd === b.bStd

const checkTrain = (train: Kernels.Pair, targets: Matrix.Matrix, fn: string): number => {
  if (train.nngp.block !== "train" || train.ntk.block !== "train") {
    throw new ConfigError({ field: `${fn}: train`, message: "pass the Kernels.train(...) pair as the training block" })
  }
  if (!sameArch(train.nngp.arch, train.ntk.arch)) {
    throw new ConfigError({ field: `${fn}: train`, message: "K and Θ come from different architectures; compute both from one Arch" })
  }
  const n = train.nngp.matrix.rows
  if (targets.rows !== n) {
    throw new DataError({ source: `${fn}: targets`, message: `${targets.rows} target rows for ${n} training points` })
  }
  for (let i = 0; i < targets.data.length; i++) {
    if (!Number.isFinite(targets.data[i])) {
      throw new DataError({ source: `${fn}: targets`, row: Math.floor(i / targets.cols) + 1, message: `target ${targets.data[i]}: drop or impute non-finite values` })
    }
  }
  return n
}

const checkTest = (train: Kernels.Pair, cross: Kernels.Pair, testDiagonal: Kernels.Diagonal, fn: string): number => {
  if (cross.nngp.block !== "cross" || cross.ntk.block !== "cross") {
    throw new ConfigError({ field: `${fn}: cross`, message: "pass the Kernels.cross(...) pair as the test block" })
  }
  if (!sameArch(cross.nngp.arch, train.nngp.arch) || !sameArch(cross.ntk.arch, train.nngp.arch)) {
    throw new ConfigError({ field: `${fn}: cross`, message: "the test kernels come from another architecture than the training kernels" })
  }
  const n = train.nngp.matrix.rows
  const m = cross.nngp.matrix.rows
  if (cross.nngp.matrix.cols !== n || cross.ntk.matrix.cols !== n || cross.ntk.matrix.rows !== m) {
    throw new DataError({ source: `${fn}: cross`, message: `the cross kernels are ${m}×${cross.nngp.matrix.cols} but there are ${n} training points` })
  }
  if (testDiagonal.nngp.length !== m || testDiagonal.ntk.length !== m) {
    throw new DataError({ source: `${fn}: testDiagonal`, message: `${testDiagonal.nngp.length} test diagonal values for ${m} test points` })
  }
  return m
}

/** The absolute ridge for kernel matrix A under `reg`. */
export const ridge = (A: Matrix.Matrix, reg: Regularisation): number => {
  if (!Number.isFinite(reg.diagReg) || reg.diagReg < 0) {
    throw new ConfigError({ field: "diagReg", message: `diagReg ${reg.diagReg}: use a finite value ≥ 0` })
  }
  if ((reg.scale ?? "relative") === "absolute") return reg.diagReg
  const n = A.rows
  let trace = 0
  for (let i = 0; i < n; i++) trace += A.data[i * n + i]
  return (reg.diagReg * trace) / n
}

const plusDiagonal = (A: Matrix.Matrix, r: number): Matrix.Matrix => {
  const B = Matrix.clone(A)
  for (let i = 0; i < A.rows; i++) B.data[i * A.rows + i] += r
  return B
}

/** Σ_i A[j, i]·B[j, i] for every row j. */
const rowDots = (A: Matrix.Matrix, B: Matrix.Matrix): Float64Array => {
  const out = new Float64Array(A.rows)
  for (let j = 0; j < A.rows; j++) out[j] = Blas.dotAt(A.data, j * A.cols, B.data, j * B.cols, A.cols)
  return out
}

/**
 * NNGP posterior: mean K*X (K + rI)⁻¹ Y and latent variance K** − diag(K*X (K + rI)⁻¹ KX*),
 * GPML Alg. 2.1 with noise variance r = the ridge. Add r to the variance for a new observation.
 */
export const nngp = (train: Kernels.Pair, targets: Matrix.Matrix, reg: Regularisation): Fit => {
  checkTrain(train, targets, "Predict.nngp")
  const K = train.nngp.matrix
  const r = ridge(K, reg)
  // Alg. 2.1 lines 2–3: L = chol(K + rI), α = Lᵀ\(L\y)
  const { L, jitter } = Cholesky.factorWithJitter(plusDiagonal(K, r), { what: "the NNGP train block plus ridge" })
  const alpha = Cholesky.solve(L, targets)
  return {
    ridge: r,
    jitter,
    predict: (cross, testDiagonal) => {
      checkTest(train, cross, testDiagonal, "Predict.nngp")
      const Ks = cross.nngp.matrix
      // line 4: mean = K*X α; lines 5–6: V = L\KX* (as the rows K*X L⁻ᵀ), var = k** − vᵀv
      const mean = Blas.gemm(Ks, alpha)
      const W = Cholesky.solveLowerRows(L, Ks)
      const q = rowDots(W, W)
      const variance = testDiagonal.nngp.map((v, j) => v - q[j])
      return { mean, variance }
    }
  }
}

/** var = K** + rowdot(B K, B) − 2 rowdot(B, K*X) for the (m × n) operator B. */
const ensembleVariance = (B: Matrix.Matrix, K: Matrix.Matrix, Ks: Matrix.Matrix, kss: Float64Array): Float64Array => {
  const BK = Blas.gemmNT(B, K) // K symmetric: B·Kᵀ = B·K
  const quad = rowDots(BK, B)
  const lin = rowDots(B, Ks)
  return kss.map((v, j) => v + quad[j] - 2 * lin[j])
}

/**
 * NTK-GP at t = ∞ (gradient descent to convergence): mean Θ*X (Θ + rI)⁻¹ Y and the ensemble
 * variance over initialisations (module comment), with r the ridge on Θ.
 */
export const ntk = (train: Kernels.Pair, targets: Matrix.Matrix, reg: Regularisation): Fit => {
  checkTrain(train, targets, "Predict.ntk")
  const T = train.ntk.matrix
  const r = ridge(T, reg)
  const { L, jitter } = Cholesky.factorWithJitter(plusDiagonal(T, r), { what: "the NTK train block plus ridge" })
  const alpha = Cholesky.solve(L, targets)
  return {
    ridge: r,
    jitter,
    predict: (cross, testDiagonal) => {
      checkTest(train, cross, testDiagonal, "Predict.ntk")
      const Ts = cross.ntk.matrix
      const mean = Blas.gemm(Ts, alpha)
      // B = Θ*X (Θ + rI)⁻¹ as rows: Θ*X L⁻ᵀ L⁻¹
      const B = Cholesky.solveRows(L, Ts)
      return { mean, variance: ensembleVariance(B, train.nngp.matrix, cross.nngp.matrix, testDiagonal.nngp) }
    }
  }
}

/** The NTK-GP along gradient-descent time, from one eigendecomposition of Θ + rI. */
export interface Trajectory {
  readonly ridge: number
  /** The posterior after training time t ≥ 0 (continuous time in units of 1/η). */
  predict(cross: Kernels.Pair, testDiagonal: Kernels.Diagonal, time: number): Posterior
  /**
   * The mean on the training inputs themselves after time t, (n × outputs): Θ V diag(f) Vᵀ Y
   * = V diag((λ − r)·f) Vᵀ Y from the decomposition already made, with no kernel rebuilt.
   */
  trainMean(time: number): Matrix.Matrix
}

/**
 * NTK-GP at finite training times (neural-tangents `gradient_descent_mse_ensemble(…, get="ntk")`
 * with learning rate η): t = 0 gives the prior (mean 0, variance K**), t → ∞ the `ntk` result.
 */
export const ntkGradientDescent = (train: Kernels.Pair, targets: Matrix.Matrix, reg: Regularisation, learningRate = 1): Trajectory => {
  const n = checkTrain(train, targets, "Predict.ntkGradientDescent")
  if (!Number.isFinite(learningRate) || learningRate <= 0) {
    throw new ConfigError({ field: "learningRate", message: `learning rate ${learningRate}: use a finite value > 0` })
  }
  const T = train.ntk.matrix
  const r = ridge(T, reg)
  const { values, vectors } = SymmetricEigen.decompose(plusDiagonal(T, r))
  const normalisation = n * targets.cols
  const VtY = Blas.gemm(Matrix.transpose(vectors), targets)
  /** f(λ) = (1 − e^{−λs})/λ at s = ηt/N, → s as λ → 0 (and for the λ ≤ 0 of a numerically singular Θ). */
  const filter = (time: number): Float64Array => {
    if (!Number.isFinite(time) || time < 0) {
      throw new ConfigError({ field: "time", message: `training time ${time}: use a finite value ≥ 0` })
    }
    const s = (learningRate * time) / normalisation
    return values.map((lambda) => (lambda > 0 ? -Math.expm1(-lambda * s) / lambda : s))
  }
  return {
    ridge: r,
    trainMean: (time) => {
      const f = filter(time)
      const weighted = Matrix.clone(VtY)
      for (let i = 0; i < n; i++) for (let c = 0; c < VtY.cols; c++) weighted.data[i * VtY.cols + c] *= (values[i] - r) * f[i]
      return Blas.gemm(vectors, weighted)
    },
    predict: (cross, testDiagonal, time) => {
      const m = checkTest(train, cross, testDiagonal, "Predict.ntkGradientDescent")
      const f = filter(time)
      const scaled = Blas.gemm(cross.ntk.matrix, vectors) // Θ*X V, (m × n)
      for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) scaled.data[j * n + i] *= f[i]
      const mean = Blas.gemm(scaled, VtY)
      const B = Blas.gemmNT(scaled, vectors) // Θ*X V diag(f) Vᵀ
      return { mean, variance: ensembleVariance(B, train.nngp.matrix, cross.nngp.matrix, testDiagonal.nngp) }
    }
  }
}

/**
 * Centred one-hot targets for classification: row i is e_{y_i} − 1/classes, so the prior mean 0
 * sits at the uniform score. (n × classes).
 */
export const oneHot = (y: Float64Array, classes: number): Matrix.Matrix => {
  const out = Matrix.make(y.length, classes, new Float64Array(y.length * classes).fill(-1 / classes))
  for (let i = 0; i < y.length; i++) {
    const c = y[i]
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new DataError({ source: "Predict.oneHot: y", row: i + 1, message: `label ${c} is not a class index 0..${classes - 1}` })
    }
    out.data[i * classes + c] += 1
  }
  return out
}

const hermite = Quadrature.hermite(64)

/**
 * Class probabilities from Gaussian regression outputs: p_c = P(g_c = max_k g_k) for independent
 * g_k ~ N(mean[j, k], variance[j]) (the predictive draw picks class c), rows summing to one.
 * Two classes: Φ((f₁ − f₀)/√(2v)) exactly; more: 64-node Gauss–Hermite in the shared noise,
 * p_c = E_ε[Π_{k≠c} Φ((f_c − f_k)/√v + ε)], renormalised. Zero variance gives the argmax (ties
 * shared). Shapes: mean (m × C), variance (m) → (m × C).
 */
export const classProbabilities = (mean: Matrix.Matrix, variance: Float64Array): Matrix.Matrix => {
  const m = mean.rows
  const C = mean.cols
  const out = Matrix.make(m, C)
  const f = mean.data
  for (let j = 0; j < m; j++) {
    const o = j * C
    const sd = Math.sqrt(Math.max(variance[j], 0))
    if (!(sd > 0)) {
      let best = -Infinity
      for (let c = 0; c < C; c++) best = Math.max(best, f[o + c])
      let ties = 0
      for (let c = 0; c < C; c++) if (f[o + c] === best) ties++
      for (let c = 0; c < C; c++) out.data[o + c] = f[o + c] === best ? 1 / ties : 0
      continue
    }
    if (C === 2) {
      const p1 = Activation.normalCdf((f[o + 1] - f[o]) / (sd * Math.SQRT2))
      out.data[o] = 1 - p1
      out.data[o + 1] = p1
      continue
    }
    let total = 0
    for (let c = 0; c < C; c++) {
      let p = 0
      for (let q = 0; q < hermite.nodes.length; q++) {
        const w = hermite.weights[q]
        if (w === 0) continue
        let prod = 1
        for (let k = 0; k < C && prod > 0; k++) if (k !== c) prod *= Activation.normalCdf((f[o + c] - f[o + k]) / sd + hermite.nodes[q])
        p += w * prod
      }
      out.data[o + c] = p
      total += p
    }
    for (let c = 0; c < C; c++) out.data[o + c] /= total
  }
  return out
}
