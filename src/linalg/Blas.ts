/**
 * Dense float64 matrix products: the one register-blocked micro-kernel every O(n³) routine of
 * gpnn (Cholesky, triangular solves and inverses, kernel Gram products) runs its flops through,
 * and the Matrix-level products built on it.
 *
 * Conventions: row-major Float64Array throughout; "NT" means the second operand is used
 * transposed, C += α·A·Bᵀ, so both operands are read along contiguous rows (the dot-product form
 * that suits row-major storage). Operands are first packed: rows in groups of four, each group
 * stored k-major and interleaved (`data[g·4·depth + 4k + r]` holds row 4g+r, column k), padded
 * with zeros to a multiple of four rows. The micro-kernel then computes a 4×4 tile of C with
 * sixteen scalar accumulators, reading eight packed values per 32 flops from two sequential
 * streams. On V8 (no SIMD for scalar JS) this reaches about 3.5 GFLOP/s on one core, ten times a
 * naive triple loop; 4×2, 4×3 and 8×2 tiles and a 2× k-unrolled 4×4 were measured no faster.
 * `updateNT` dispatches calls of at least 16³ multiply-adds to the WebAssembly SIMD (f64x2) version
 * of the same 4×4 kernel in `WasmKernel` (5–7× faster, with fused multiply-adds where relaxed SIMD
 * is available), and keeps this scalar kernel, exported as `updateNTJs`, as the reference and the
 * fallback (small calls, no SIMD, `GPNN_WASM=0`). `gemm`, `gemmNT` and `syrk` pack their operands
 * straight into wasm memory (`WasmKernel.arena`) and multiply there; such in-place products of at
 * least `WasmKernel.THREAD_WORK` multiply-adds run on two threads (bitwise the same result).
 *
 * Citation: Goto & van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
 * 34(3), 2008 (packing and register blocking).
 */
import * as Matrix from "./Matrix.ts"
import * as WasmKernel from "./WasmKernel.ts"

/** Rows of an operand in the micro-kernel's layout. `depth` is the stored row length (k extent). */
export interface Packed {
  readonly data: Float64Array
  readonly rows: number
  readonly depth: number
}

const groupsOf = (rows: number): number => (rows + 3) >> 2

/** An all-zero packed operand of `rows` × `depth`, to be filled column block by column block. */
export const packedZeros = (rows: number, depth: number): Packed => ({
  data: new Float64Array(groupsOf(rows) * 4 * depth),
  rows,
  depth
})

/**
 * Packs `rows` rows of `src` (leading dimension `ld`), starting at row `row0`, columns
 * `col0 .. col0+cols-1`, into columns `k0 .. k0+cols-1` of `into` (default: a new operand of depth
 * `cols`, k0 = 0). Writing a column block into an existing operand lets a growing factor be packed
 * once, block by block.
 */
export const pack = (
  src: Float64Array,
  ld: number,
  row0: number,
  rows: number,
  col0: number,
  cols: number,
  into?: Packed,
  k0 = 0
): Packed => {
  const out = into ?? packedZeros(rows, cols)
  const d = out.data
  const depth = out.depth
  for (let i = 0; i < rows; i++) {
    let o = (i >> 2) * 4 * depth + 4 * k0 + (i & 3)
    let s = (row0 + i) * ld + col0
    const end = s + cols
    for (; s < end; s++, o += 4) d[o] = src[s]
  }
  return out
}

/**
 * Packs the transpose of a block: packed row r, column k holds `src[(row0 + k)·ld + col0 + r]`,
 * for r < cols and k < rows. Use it to feed a product A·B (not A·Bᵀ) to the NT micro-kernel.
 * `into` (default: a new zeroed operand) must have depth `rows` and room for `cols` rows.
 */
export const packTransposed = (
  src: Float64Array,
  ld: number,
  row0: number,
  rows: number,
  col0: number,
  cols: number,
  into?: Packed
): Packed => {
  const out = into ?? packedZeros(cols, rows)
  const d = out.data
  const depth = rows
  for (let k = 0; k < rows; k++) {
    const s = (row0 + k) * ld + col0
    for (let r = 0; r < cols; r++) d[(r >> 2) * 4 * depth + 4 * k + (r & 3)] = src[s + r]
  }
  return out
}

/**
 * C[i, j] += α · Σ_{k0 ≤ k < k0+kc} A[i, k] · B[j, k], for i < A.rows, j < B.rows, where C's (0, 0)
 * is `C[c0]` with leading dimension `ldc`.
 *
 * - `lower`: only tiles on or below the diagonal (4-row tile index of B ≤ that of A); use it when
 *   A and B are the same rows and only the lower triangle of C is wanted (a SYRK). Gotcha: the
 *   diagonal 4×4 tiles are written whole, so up to three entries per row just above the diagonal
 *   of C are also updated.
 * - `leadingZeros` (a number s): row r of A is known to be zero for k < r + s (an upper-triangular
 *   operand), so each tile starts its k loop there; this halves the flops of products with
 *   triangular factors. B may have the same structure in `lower` mode.
 */
export const updateNT = (
  C: Float64Array,
  ldc: number,
  c0: number,
  A: Packed,
  B: Packed,
  k0: number,
  kc: number,
  alpha: number,
  lower = false,
  leadingZeros?: number
): void => {
  if (!WasmKernel.updateNT(C, ldc, c0, A, B, k0, kc, alpha, lower, leadingZeros)) {
    updateNTJs(C, ldc, c0, A, B, k0, kc, alpha, lower, leadingZeros)
  }
}

/**
 * The scalar JS micro-kernel: `updateNT`'s contract on every call, whatever its size. The
 * reference the wasm kernel is tested against, and its fallback.
 */
export const updateNTJs = (
  C: Float64Array,
  ldc: number,
  c0: number,
  A: Packed,
  B: Packed,
  k0: number,
  kc: number,
  alpha: number,
  lower = false,
  leadingZeros?: number
): void => {
  const a = A.data
  const b = B.data
  const da = 4 * A.depth
  const db = 4 * B.depth
  const m = A.rows
  const n = B.rows
  const kEnd = k0 + kc
  for (let gi = 0; gi < m; gi += 4) {
    const mr = m - gi < 4 ? m - gi : 4
    let kStart = k0
    if (leadingZeros !== undefined) {
      const s = gi + leadingZeros
      if (s > kStart) kStart = s
      if (kStart >= kEnd) continue
    }
    const aBase = (gi >> 2) * da + 4 * kStart
    const jLimit = lower ? (gi + 4 < n ? gi + 4 : n) : n
    for (let gj = 0; gj < jLimit; gj += 4) {
      const nr = n - gj < 4 ? n - gj : 4
      let ia = aBase
      let ib = (gj >> 2) * db + 4 * kStart
      const end = aBase + 4 * (kEnd - kStart)
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (; ia < end; ia += 4, ib += 4) {
        const a0 = a[ia], a1 = a[ia + 1], a2 = a[ia + 2], a3 = a[ia + 3]
        const b0 = b[ib], b1 = b[ib + 1], b2 = b[ib + 2], b3 = b[ib + 3]
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
      }
      let o = c0 + gi * ldc + gj
      if (mr === 4 && nr === 4) {
        C[o] += alpha * c00; C[o + 1] += alpha * c01; C[o + 2] += alpha * c02; C[o + 3] += alpha * c03; o += ldc
        C[o] += alpha * c10; C[o + 1] += alpha * c11; C[o + 2] += alpha * c12; C[o + 3] += alpha * c13; o += ldc
        C[o] += alpha * c20; C[o + 1] += alpha * c21; C[o + 2] += alpha * c22; C[o + 3] += alpha * c23; o += ldc
        C[o] += alpha * c30; C[o + 1] += alpha * c31; C[o + 2] += alpha * c32; C[o + 3] += alpha * c33
      } else {
        const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]
        for (let r = 0; r < mr; r++, o += ldc) for (let c = 0; c < nr; c++) C[o + c] += alpha * t[4 * r + c]
      }
    }
  }
}

/**
 * C = A·Bᵀ (lower triangle only when `lower`, A and B then the same rows) for row-major A (m × k),
 * given how to pack each operand into a `Packed` of its rows. Runs in one block of wasm memory when
 * the wasm kernel is on (`WasmKernel.arena`: operands packed straight into it and C updated in
 * place there, padded to multiples of four rows and columns for the kernel's whole-tile writes),
 * else in plain arrays.
 */
const product = (
  m: number,
  n: number,
  k: number,
  packA: (into: Packed) => Packed,
  packB: ((into: Packed) => Packed) | "same",
  lower: boolean
): Float64Array => {
  const out = new Float64Array(m * n)
  if (k === 0 || m === 0 || n === 0) return out
  const ldc = (n + 3) & ~3
  const cLength = ((m + 3) & ~3) * ldc
  const aLength = groupsOf(m) * 4 * k
  const bLength = packB === "same" ? 0 : groupsOf(n) * 4 * k
  const memory = WasmKernel.arena(cLength + aLength + bLength)
  if (memory === undefined) {
    const pa = packA(packedZeros(m, k))
    const pb = packB === "same" ? pa : packB(packedZeros(n, k))
    updateNT(out, n, 0, pa, pb, 0, k, 1, lower)
    return out
  }
  const C = memory.subarray(0, cLength)
  C.fill(0)
  const pa = packA({ data: memory.subarray(cLength, cLength + aLength), rows: m, depth: k })
  const pb = packB === "same" ? pa : packB({ data: memory.subarray(cLength + aLength), rows: n, depth: k })
  updateNT(C, ldc, 0, pa, pb, 0, k, 1, lower)
  for (let i = 0; i < m; i++) out.set(C.subarray(i * ldc, i * ldc + n), i * n)
  return out
}

/** A·Bᵀ for A (m × k) and B (n × k): an (m × n) matrix. */
export const gemmNT = (A: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix => {
  if (A.cols !== B.cols) throw new RangeError(`Blas.gemmNT: A is ${A.rows}×${A.cols} but B is ${B.rows}×${B.cols}; A·Bᵀ needs equal column counts`)
  const k = A.cols
  const data = product(
    A.rows,
    B.rows,
    k,
    (into) => pack(A.data, k, 0, A.rows, 0, k, into),
    A === B ? "same" : (into) => pack(B.data, k, 0, B.rows, 0, k, into),
    false
  )
  return Matrix.make(A.rows, B.rows, data)
}

/** A·B for A (m × k) and B (k × n): an (m × n) matrix. */
export const gemm = (A: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix => {
  if (A.cols !== B.rows) throw new RangeError(`Blas.gemm: A is ${A.rows}×${A.cols} but B is ${B.rows}×${B.cols}; A·B needs A.cols = B.rows`)
  const data = product(
    A.rows,
    B.cols,
    A.cols,
    (into) => pack(A.data, A.cols, 0, A.rows, 0, A.cols, into),
    (into) => packTransposed(B.data, B.cols, 0, B.rows, 0, B.cols, into),
    false
  )
  return Matrix.make(A.rows, B.cols, data)
}

/** A·Aᵀ for A (m × k): the symmetric (m × m) Gram matrix, both triangles filled. */
export const syrk = (A: Matrix.Matrix): Matrix.Matrix => {
  const m = A.rows
  const out = product(m, m, A.cols, (into) => pack(A.data, A.cols, 0, m, 0, A.cols, into), "same", true)
  // the kernel's diagonal tiles also wrote up to three entries above the diagonal: replace them
  symmetrizeFromLower(out, m)
  return Matrix.make(m, m, out)
}

/** Copies the strict lower triangle of the (n × n) row-major `a` onto its upper triangle. */
export const symmetrizeFromLower = (a: Float64Array, n: number): void => {
  for (let i = 0; i < n; i++) {
    const ri = i * n
    for (let j = 0; j < i; j++) a[j * n + i] = a[ri + j]
  }
}

/** A·x for A (m × n), x (n). */
export const matVec = (A: Matrix.Matrix, x: Float64Array): Float64Array => {
  if (x.length !== A.cols) throw new RangeError(`Blas.matVec: A is ${A.rows}×${A.cols} but x has ${x.length} entries`)
  const out = new Float64Array(A.rows)
  const a = A.data
  const n = A.cols
  for (let i = 0; i < A.rows; i++) out[i] = dotAt(a, i * n, x, 0, n)
  return out
}

/** Aᵀ·x for A (m × n), x (m). */
export const matTVec = (A: Matrix.Matrix, x: Float64Array): Float64Array => {
  if (x.length !== A.rows) throw new RangeError(`Blas.matTVec: A is ${A.rows}×${A.cols} but x has ${x.length} entries`)
  const out = new Float64Array(A.cols)
  const a = A.data
  const n = A.cols
  for (let i = 0; i < A.rows; i++) {
    const xi = x[i]
    if (xi === 0) continue
    const o = i * n
    for (let j = 0; j < n; j++) out[j] += xi * a[o + j]
  }
  return out
}

/** Σ x_i y_i. */
export const dot = (x: Float64Array, y: Float64Array): number => {
  if (x.length !== y.length) throw new RangeError(`Blas.dot: lengths ${x.length} and ${y.length} differ`)
  return dotAt(x, 0, y, 0, x.length)
}

/** Σ_{t<len} x[xo+t]·y[yo+t], four-way unrolled (the inner loop of the triangular kernels). */
export const dotAt = (x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number => {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0
  let t = 0
  for (; t + 3 < len; t += 4) {
    s0 += x[xo + t] * y[yo + t]
    s1 += x[xo + t + 1] * y[yo + t + 1]
    s2 += x[xo + t + 2] * y[yo + t + 2]
    s3 += x[xo + t + 3] * y[yo + t + 3]
  }
  for (; t < len; t++) s0 += x[xo + t] * y[yo + t]
  return s0 + s1 + (s2 + s3)
}
