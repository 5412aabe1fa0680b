/**
 * Choosing the ridge r of kernel regression on a log grid from one eigendecomposition K = UΛUᵀ,
 * as the width-sweep peer does (shared/peers/width_sweep_reference.py, `fit_infinite`):
 * - `byMarginalLikelihood` (the NNGP): prior a·K, noise a·r, the amplitude a profiled out in
 *   closed form, r maximising the log marginal likelihood;
 * - `byLeaveOneOut` (the NTK-GP): r minimising the exact leave-one-out squared error of the
 *   kernel-ridge predictor K(K + rI)⁻¹ (the hat-matrix formula).
 *
 * Conventions: the grid is relative, r = g·mean(diag K) for g in `grid` (np.logspace(−6, 1, 29));
 * eigenvalues are clamped at 0; ties go to the first (smallest) grid value. Targets Z are
 * (n × outputs); outputs are independent and share r (and a). Float64.
 *
 * Citation: Rasmussen & Williams, GPML (2006) §2.3 and §5.4.2 (LOO for GP/kernel ridge);
 * the profiled amplitude is the MLE a = Σ_c z_cᵀ(K + rI)⁻¹z_c / (n·outputs).
 */
import { ConfigError } from "../../core/Errors.ts"
import * as Blas from "../../linalg/Blas.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import type * as SymmetricEigen from "../../linalg/SymmetricEigen.ts"

const LOG_2PI = Math.log(2 * Math.PI)

/** np.logspace(−6, 1, 29): relative ridges 1e-6 … 10, four per decade. */
export const grid: ReadonlyArray<number> = Array.from({ length: 29 }, (_, i) => 10 ** (-6 + (7 * i) / 28))

export interface Spectrum {
  /** Eigenvalues clamped at 0, ascending. */
  readonly values: Float64Array
  /** Eigenvectors in columns (n × n). */
  readonly vectors: Matrix.Matrix
  /** Uᵀ Z, (n × outputs). */
  readonly projected: Matrix.Matrix
  /** mean(diag K) = Σλ/n, the unit of the relative grid. */
  readonly scale: number
}

/** The spectrum of K (from `SymmetricEigen.decompose(K)`) with the targets projected on it. */
export const spectrum = (decomposition: SymmetricEigen.Decomposition, Z: Matrix.Matrix): Spectrum => {
  const values = decomposition.values.map((v) => Math.max(v, 0))
  const n = values.length
  let trace = 0
  for (const v of decomposition.values) trace += v
  return { values, vectors: decomposition.vectors, projected: Blas.gemm(Matrix.transpose(decomposition.vectors), Z), scale: trace / n }
}

const checkGrid = (g: ReadonlyArray<number>): void => {
  if (g.length === 0 || g.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new ConfigError({ field: "ridge grid", message: "the relative ridge grid needs at least one finite value ≥ 0" })
  }
}

export interface MarginalLikelihoodChoice {
  /** The chosen grid value g (relative ridge). */
  readonly relative: number
  /** The absolute ridge r = g·mean(diag K). */
  readonly ridge: number
  /** The profiled amplitude a: the prior is a·K and the noise variance a·r. */
  readonly amplitude: number
  /** The maximised log marginal likelihood of Z (all outputs). */
  readonly logLikelihood: number
}

/**
 * The grid value maximising the profiled log marginal likelihood
 *   −½·nC·(log 2π + log a + 1) − ½·C·Σ log(λᵢ + r),  a = Σ (UᵀZ)ᵢc² / (λᵢ + r) / (nC).
 */
export const byMarginalLikelihood = (s: Spectrum, g: ReadonlyArray<number> = grid): MarginalLikelihoodChoice => {
  checkGrid(g)
  const n = s.values.length
  const C = s.projected.cols
  let best: MarginalLikelihoodChoice | undefined
  for (const rel of g) {
    const r = rel * s.scale
    let q = 0
    let logDet = 0
    for (let i = 0; i < n; i++) {
      const d = s.values[i] + r
      logDet += Math.log(d)
      for (let c = 0; c < C; c++) q += (s.projected.data[i * C + c] ** 2) / d
    }
    const a = q / (n * C)
    const lml = -0.5 * n * C * (LOG_2PI + Math.log(a) + 1) - 0.5 * C * logDet
    if (best === undefined || lml > best.logLikelihood) best = { relative: rel, ridge: r, amplitude: a, logLikelihood: lml }
  }
  return best!
}

export interface LeaveOneOutChoice {
  readonly relative: number
  readonly ridge: number
  /** The leave-one-out mean squared error at the chosen ridge (over all outputs). */
  readonly looMse: number
  /** The training residual mean square ‖Z − K(K + rI)⁻¹Z‖²/(nC) at the chosen ridge. */
  readonly residualMse: number
}

/**
 * The grid value minimising the exact leave-one-out error of kernel ridge regression:
 * with H = K(K + rI)⁻¹ = U diag(λ/(λ + r)) Uᵀ, eᵢ = (zᵢ − (HZ)ᵢ)/(1 − Hᵢᵢ) (1 − Hᵢᵢ floored at 1e-12).
 */
export const byLeaveOneOut = (s: Spectrum, Z: Matrix.Matrix, g: ReadonlyArray<number> = grid): LeaveOneOutChoice => {
  checkGrid(g)
  const n = s.values.length
  const C = Z.cols
  const U = s.vectors.data
  const U2 = U.map((u) => u * u)
  const f = new Float64Array(n)
  const fz = new Float64Array(n * C)
  let best: LeaveOneOutChoice | undefined
  for (const rel of g) {
    const r = rel * s.scale
    for (let i = 0; i < n; i++) f[i] = s.values[i] / (s.values[i] + r)
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) fz[i * C + c] = f[i] * s.projected.data[i * C + c]
    let loo = 0
    let res = 0
    for (let k = 0; k < n; k++) {
      const row = k * n
      const h = Blas.dotAt(U2, row, f, 0, n)
      const denom = Math.max(1 - h, 1e-12)
      for (let c = 0; c < C; c++) {
        let fitted = 0
        for (let i = 0; i < n; i++) fitted += U[row + i] * fz[i * C + c]
        const e = Z.data[k * C + c] - fitted
        res += e * e
        loo += (e / denom) ** 2
      }
    }
    loo /= n * C
    if (best === undefined || loo < best.looMse) best = { relative: rel, ridge: r, looMse: loo, residualMse: res / (n * C) }
  }
  return best!
}
