/**
 * Eigendecomposition of a real symmetric matrix, A = V·diag(λ)·Vᵀ, in float64.
 *
 * Conventions: eigenvalues ascending; `vectors` is n × n row-major with eigenvector j in column j
 * (numpy's `eigh` layout), orthonormal. Algorithm: Householder reduction to tridiagonal form
 * (EISPACK tred2) followed by the implicit-shift QL iteration (tql2), after the public-domain JAMA
 * translation. Internally the accumulated transformation is stored transposed, so every inner loop
 * (Householder updates, Givens rotations) runs over contiguous memory.
 *
 * Cost: about 9n³ flops with vectors, scalar JS: ≈ 0.3 s at n = 400 and ≈ 4 s at n = 1000 on
 * this 2-core box (O(n³): ≈ 4 min at n = 4000). Prefer a Cholesky solve where only (A + rI)⁻¹b
 * at one r is needed; use this where a whole spectrum pays off (many ridges, matrix functions).
 *
 * Citation: Wilkinson & Reinsch, Handbook for Automatic Computation II (1971), procedures tred2
 * and tql2; Golub & Van Loan, Matrix Computations, §8.3.
 */
import { DataError, NumericalError } from "../core/Errors.ts"
import * as Matrix from "./Matrix.ts"

export interface Decomposition {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array
  /** n × n, eigenvector j in column j; VᵀV = I. */
  readonly vectors: Matrix.Matrix
}

export interface TridiagonalDecomposition {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array
  /** n × n row-major, eigenvector j in ROW j; absent when only values were asked for. */
  readonly vectorRows?: Float64Array
}

const EPS = 2 ** -52
/** QL sweeps allowed per eigenvalue before giving up (tql2 needs 1–3 in practice). */
const MAX_SWEEPS = 60

const hypot = (a: number, b: number): number => {
  const x = Math.abs(a)
  const y = Math.abs(b)
  if (x > y) {
    const r = y / x
    return x * Math.sqrt(1 + r * r)
  }
  if (y === 0) return 0
  const r = x / y
  return y * Math.sqrt(1 + r * r)
}

/**
 * Eigenvalues and eigenvectors of the symmetric matrix `A` (n × n). `A` is not modified.
 *
 * Gotchas: `A` must be symmetric to within 1e-10 of its largest entry (a DataError otherwise);
 * the symmetric part is what is decomposed. Eigenvalues of a PSD kernel matrix can come out
 * slightly negative (≈ −1e-16·‖A‖): clamp before taking logs or square roots.
 */
export const decompose = (A: Matrix.Matrix): Decomposition => {
  const n = A.rows
  if (A.cols !== n) {
    throw new DataError({ source: "SymmetricEigen.decompose: A", message: `A is ${A.rows}×${A.cols}; pass a square symmetric matrix` })
  }
  const a = A.data
  let maxAbs = 0
  for (let i = 0; i < n * n; i++) {
    const v = Math.abs(a[i])
    if (!(v < Infinity)) {
      throw new NumericalError({ reason: "NonFinite", message: `SymmetricEigen.decompose: A has a non-finite entry at (${Math.floor(i / n)}, ${i % n})` })
    }
    if (v > maxAbs) maxAbs = v
  }
  // w holds Vᵀ: V(r, c) = w[c*n + r]. Start from the symmetric part of A (= Aᵀ).
  const w = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = a[i * n + j]
      const y = a[j * n + i]
      if (Math.abs(x - y) > 1e-10 * maxAbs) {
        throw new DataError({
          source: "SymmetricEigen.decompose: A",
          message: `A is not symmetric: A[${i}][${j}] = ${x} but A[${j}][${i}] = ${y}; symmetrise it first`
        })
      }
      const s = 0.5 * (x + y)
      w[i * n + j] = s
      w[j * n + i] = s
    }
  }
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  if (n > 0) {
    tred2(n, w, d, e)
    tql2(n, w, d, e)
  }
  // Sort ascending (tql2 leaves them nearly sorted) and move eigenvector rows into columns.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j])
  const values = new Float64Array(n)
  const out = new Float64Array(n * n)
  for (let j = 0; j < n; j++) {
    const src = order[j]
    values[j] = d[src]
    const base = src * n
    for (let r = 0; r < n; r++) out[r * n + j] = w[base + r]
  }
  return { values, vectors: Matrix.make(n, n, out) }
}

/**
 * Eigenvalues (and, unless `vectors` is false, eigenvectors) of the symmetric tridiagonal matrix
 * with diagonal `diagonal` (n) and off-diagonal `offDiagonal` (n − 1): the Golub–Welsch step of
 * Gauss quadrature rules. Values only cost O(n²); with vectors O(n³).
 */
export const tridiagonal = (
  diagonal: ArrayLike<number>,
  offDiagonal: ArrayLike<number>,
  { vectors = true }: { readonly vectors?: boolean } = {}
): TridiagonalDecomposition => {
  const n = diagonal.length
  if (offDiagonal.length !== Math.max(0, n - 1)) {
    throw new DataError({
      source: "SymmetricEigen.tridiagonal: offDiagonal",
      message: `${offDiagonal.length} off-diagonal values for ${n} diagonal ones; pass n − 1`
    })
  }
  const d = Float64Array.from(diagonal)
  const e = new Float64Array(n)
  for (let i = 1; i < n; i++) e[i] = offDiagonal[i - 1]
  const w = vectors ? new Float64Array(n * n) : undefined
  if (w !== undefined) for (let i = 0; i < n; i++) w[i * n + i] = 1
  if (n > 0) tql2(n, w, d, e)
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j])
  const values = new Float64Array(n)
  const vectorRows = w === undefined ? undefined : new Float64Array(n * n)
  order.forEach((src, j) => {
    values[j] = d[src]
    if (w !== undefined && vectorRows !== undefined) vectorRows.set(w.subarray(src * n, src * n + n), j * n)
  })
  return vectorRows === undefined ? { values } : { values, vectorRows }
}

/**
 * Householder tridiagonalisation (tred2). On entry w = Vᵀ = A; on exit w = Qᵀ (Q the accumulated
 * orthogonal transform), d the diagonal, e the sub-diagonal in e[1..n-1].
 */
const tred2 = (n: number, w: Float64Array, d: Float64Array, e: Float64Array): void => {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1] // V[n-1][j]
  for (let i = n - 1; i > 0; i--) {
    let scale = 0
    let h = 0
    for (let k = 0; k < i; k++) scale += Math.abs(d[k])
    if (scale === 0) {
      e[i] = d[i - 1]
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1] // V[i-1][j]
        w[j * n + i] = 0 // V[i][j]
        w[i * n + j] = 0 // V[j][i]
      }
    } else {
      // Householder vector u = d[0..i-1] (scaled), H = I − u uᵀ / h.
      for (let k = 0; k < i; k++) {
        d[k] /= scale
        h += d[k] * d[k]
      }
      let f = d[i - 1]
      let g = Math.sqrt(h)
      if (f > 0) g = -g
      e[i] = scale * g
      h -= f * g
      d[i - 1] = f - g
      for (let j = 0; j < i; j++) e[j] = 0
      // p = A u (lower triangle of the leading i×i block), accumulated in e.
      for (let j = 0; j < i; j++) {
        const col = j * n // V(·, j) is contiguous at w[col + ·]
        f = d[j]
        w[i * n + j] = f // V[j][i]
        g = e[j] + w[col + j] * f
        for (let k = j + 1; k <= i - 1; k++) {
          const v = w[col + k]
          g += v * d[k]
          e[k] += v * f
        }
        e[j] = g
      }
      f = 0
      for (let j = 0; j < i; j++) {
        e[j] /= h
        f += e[j] * d[j]
      }
      const hh = f / (h + h)
      for (let j = 0; j < i; j++) e[j] -= hh * d[j]
      // A ← A − u qᵀ − q uᵀ on the lower triangle.
      for (let j = 0; j < i; j++) {
        const col = j * n
        f = d[j]
        g = e[j]
        for (let k = j; k <= i - 1; k++) w[col + k] -= f * e[k] + g * d[k]
        d[j] = w[col + i - 1]
        w[col + i] = 0
      }
    }
    d[i] = h
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i] // V[n-1][i] = V[i][i]
    w[i * n + i] = 1
    const h = d[i + 1]
    const next = (i + 1) * n // V(·, i+1)
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h
      for (let j = 0; j <= i; j++) {
        const col = j * n
        let g = 0
        for (let k = 0; k <= i; k++) g += w[next + k] * w[col + k]
        for (let k = 0; k <= i; k++) w[col + k] -= g * d[k]
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1]
    w[j * n + n - 1] = 0
  }
  w[(n - 1) * n + n - 1] = 1
  e[0] = 0
}

/**
 * Implicit QL with Wilkinson-type shifts on the tridiagonal (d, e[1..n-1]); rotations are applied
 * to the rows of w (= Vᵀ), so on exit row j of w is the eigenvector of d[j] (skipped without w).
 */
const tql2 = (n: number, w: Float64Array | undefined, d: Float64Array, e: Float64Array): void => {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]
  e[n - 1] = 0
  let f = 0
  let tst1 = 0
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]))
    let m = l
    while (m < n) {
      if (Math.abs(e[m]) <= EPS * tst1) break
      m++
    }
    if (m > l) {
      let sweeps = 0
      do {
        if (++sweeps > MAX_SWEEPS) {
          throw new NumericalError({
            reason: "NonFinite",
            message: `SymmetricEigen: the QL iteration did not converge for eigenvalue ${l} after ${MAX_SWEEPS} sweeps; check the matrix for huge dynamic range`
          })
        }
        // Implicit shift from the leading 2×2 block.
        let g = d[l]
        let p = (d[l + 1] - g) / (2 * e[l])
        let r = hypot(p, 1)
        if (p < 0) r = -r
        d[l] = e[l] / (p + r)
        d[l + 1] = e[l] * (p + r)
        const dl1 = d[l + 1]
        let h = g - d[l]
        for (let i = l + 2; i < n; i++) d[i] -= h
        f += h
        // Implicit QL sweep from m − 1 down to l.
        p = d[m]
        let c = 1
        let c2 = c
        let c3 = c
        const el1 = e[l + 1]
        let s = 0
        let s2 = 0
        for (let i = m - 1; i >= l; i--) {
          c3 = c2
          c2 = c
          s2 = s
          g = c * e[i]
          h = c * p
          r = hypot(p, e[i])
          e[i + 1] = s * r
          s = e[i] / r
          c = p / r
          p = c * d[i] - s * g
          d[i + 1] = h + s * (c * g + s * d[i])
          // Givens rotation of V's columns i, i+1 = rows i, i+1 of w.
          if (w !== undefined) {
            const ri = i * n
            const rj = ri + n
            for (let k = 0; k < n; k++) {
              const t = w[rj + k]
              const u = w[ri + k]
              w[rj + k] = s * u + c * t
              w[ri + k] = c * u - s * t
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1
        e[l] = s * p
        d[l] = c * p
      } while (Math.abs(e[l]) > EPS * tst1)
    }
    d[l] += f
    e[l] = 0
  }
}
