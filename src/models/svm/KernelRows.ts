/**
 * The SVM's view of a kernel: a `Spec` (the fast built-in RBF, or any kernel of the shared kernel
 * algebra), the rows of the training Gram matrix that the SMO solver asks for one at a time, and
 * kernel expansions Σ_s c_s k(x_s, z) for prediction.
 *
 * Conventions: float64; X (n × d) row-major. The RBF is parameterised by γ as libsvm and
 * scikit-learn: k(x, x') = exp(−γ‖x − x'‖²), with the lecture's σ related by γ = 1/(2σ²),
 * σ = 1/√(2γ) (so σ is the shared kernel module's RBF length-scale ℓ). The squared distance is
 * summed from coordinate differences (‖x‖² + ‖x'‖² − 2x·x' would cost the same per entry but
 * cancels for nearby points and misses the exact 1 on the diagonal). Shared kernels are evaluated
 * through `Kernel.matrix(k, A, B)` with both arguments given, so a `white` term contributes
 * nothing, not even on the diagonal: the solver and prediction see the same kernel. RBF rows
 * take their exponentials in WebAssembly SIMD (`WasmExp`, within 2 ulp of `Math.exp`, which it
 * falls back to without SIMD); the decision values of `expansion` use `Math.exp`.
 *
 * When to use: `rows(spec, X)` gives the solver its `KernelRows`; `expansion(spec, S, c, Z)` gives
 * decision values. Gotchas: the adapter for shared kernels allocates per row (a 1 × m kernel
 * matrix); it is general, not fast. Use `rbf` for RBF work.
 */
import { ConfigError } from "../../core/Errors.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as WasmExp from "../../linalg/WasmExp.ts"
import * as Kernel from "../kernels/Kernel.ts"

/** Which kernel an SVM uses. */
export type Spec =
  | { readonly _tag: "Rbf"; readonly gamma: number }
  | { readonly _tag: "Shared"; readonly kernel: Kernel.Kernel }

/** γ = 1/(2σ²). */
export const gammaFromSigma = (sigma: number): number => 1 / (2 * sigma * sigma)

/** σ = 1/√(2γ). */
export const sigmaFromGamma = (gamma: number): number => 1 / Math.sqrt(2 * gamma)

/** The built-in RBF exp(−γ‖x − x'‖²); γ > 0. */
export const rbf = (gamma: number): Spec => {
  if (!(gamma > 0) || !Number.isFinite(gamma)) {
    throw new ConfigError({ field: "svm.gamma", message: `the RBF γ must be finite and > 0 (γ = 1/(2σ²)), got ${gamma}` })
  }
  return { _tag: "Rbf", gamma }
}

/** The built-in RBF from the lecture's σ: exp(−‖x − x'‖²/(2σ²)); σ > 0. */
export const rbfSigma = (sigma: number): Spec => {
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new ConfigError({ field: "svm.sigma", message: `the RBF σ must be finite and > 0 (σ = 1/√(2γ)), got ${sigma}` })
  }
  return rbf(gammaFromSigma(sigma))
}

/** Any kernel of the shared kernel algebra (Matérn, periodic, sums, …), at its current hyperparameters. */
export const shared = (kernel: Kernel.Kernel): Spec => ({ _tag: "Shared", kernel })

/** A short description for results tables. */
export const describe = (spec: Spec): string =>
  spec._tag === "Rbf" ? `rbf(gamma=${spec.gamma})` : Kernel.describe(spec.kernel)

/**
 * Gram-matrix rows of n training points, on demand. Indices are the caller's original row
 * numbers; `index` lets a solver that permutes its variables ask for a row in its own order.
 */
export interface KernelRows {
  readonly n: number
  /** out[j] = k(x_i, x_index[j]) for j in [start, end). */
  row(i: number, index: Int32Array, start: number, end: number, out: Float64Array): void
  /** k(x_i, x_i). */
  diag(i: number): number
}

/** Gram rows of the training inputs X (n × d) under `spec`. X is read, not copied: do not mutate it meanwhile. */
export const rows = (spec: Spec, X: Matrix.Matrix): KernelRows => spec._tag === "Rbf" ? rbfRows(spec.gamma, X) : sharedRows(spec.kernel, X)

const rbfRows = (gamma: number, X: Matrix.Matrix): KernelRows => {
  const n = X.rows
  const d = X.cols
  const x = X.data
  // out[j] = −γ‖x_i − x_index[j]‖², then exp over the run at once (WasmExp)
  const row = (i: number, index: Int32Array, start: number, end: number, out: Float64Array): void => {
    const xi = i * d
    const g = -gamma
    if (d === 1) {
      const a = x[xi]
      for (let j = start; j < end; j++) {
        const t = a - x[index[j]]
        out[j] = g * t * t
      }
    } else if (d === 2) {
      const a0 = x[xi]
      const a1 = x[xi + 1]
      for (let j = start; j < end; j++) {
        const c = 2 * index[j]
        const t0 = a0 - x[c]
        const t1 = a1 - x[c + 1]
        out[j] = g * (t0 * t0 + t1 * t1)
      }
    } else {
      for (let j = start; j < end; j++) {
        const c = index[j] * d
        let s = 0
        for (let k = 0; k < d; k++) {
          const t = x[xi + k] - x[c + k]
          s += t * t
        }
        out[j] = g * s
      }
    }
    WasmExp.inPlace(out, start, end)
  }
  return { n, row, diag: () => 1 }
}

const sharedRows = (kernel: Kernel.Kernel, X: Matrix.Matrix): KernelRows => {
  const n = X.rows
  const row = (i: number, index: Int32Array, start: number, end: number, out: Float64Array): void => {
    if (end <= start) return
    const K = Kernel.matrix(kernel, Matrix.takeRows(X, [i]), Matrix.takeRows(X, index.subarray(start, end)))
    out.set(K.data, start)
  }
  const diag = (i: number): number => {
    const xi = Matrix.takeRows(X, [i])
    return Kernel.matrix(kernel, xi, xi).data[0]
  }
  return { n, row, diag }
}

/** Rows of Z evaluated per block by the shared-kernel path: bounds the cross matrix to BLOCK × m. */
const BLOCK = 256

/**
 * The kernel expansion f(z) = Σ_s coef[s]·k(S_s, z) − offset for every row z of Z: an SVM's
 * decision value (offset = ρ). S (m × d) are the support vectors, Z (q × d). Returns q values.
 */
export const expansion = (spec: Spec, S: Matrix.Matrix, coef: Float64Array, offset: number, Z: Matrix.Matrix): Float64Array => {
  if (S.cols !== Z.cols && S.rows > 0) {
    throw new ConfigError({ field: "svm.predict", message: `inputs have ${Z.cols} columns but the model was fitted on ${S.cols}; predict with the training features` })
  }
  const q = Z.rows
  const m = S.rows
  const d = Z.cols
  const out = new Float64Array(q)
  if (spec._tag === "Rbf") {
    const gamma = spec.gamma
    const s = S.data
    const z = Z.data
    for (let r = 0; r < q; r++) {
      const zr = r * d
      let f = 0
      for (let k = 0; k < m; k++) {
        const sk = k * d
        let dist = 0
        for (let c = 0; c < d; c++) {
          const t = z[zr + c] - s[sk + c]
          dist += t * t
        }
        f += coef[k] * Math.exp(-gamma * dist)
      }
      out[r] = f - offset
    }
    return out
  }
  for (let r0 = 0; r0 < q; r0 += BLOCK) {
    const r1 = Math.min(q, r0 + BLOCK)
    const K = Kernel.matrix(spec.kernel, Matrix.make(r1 - r0, d, Z.data.subarray(r0 * d, r1 * d)), S).data
    for (let r = r0; r < r1; r++) {
      let f = 0
      const base = (r - r0) * m
      for (let k = 0; k < m; k++) f += coef[k] * K[base + k]
      out[r] = f - offset
    }
  }
  return out
}
