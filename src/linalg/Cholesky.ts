/**
 * Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite matrix, and what a factor is
 * used for: triangular solves, A⁻¹B, log-determinants and the explicit inverse.
 *
 * Conventions: float64, row-major (n × n) `Matrix`; only the lower triangle of A is read; the
 * factor L is lower triangular with a positive diagonal and explicit zeros above it. Right-hand
 * sides may be a `Float64Array` (one vector) or an (n × m) `Matrix` (m columns). The `…Rows`
 * variants take the right-hand sides as the ROWS of an (m × n) matrix, the layout that needs no
 * transposition (prediction uses it for K(X*, X)).
 *
 * Algorithm: recursive Cholesky (LAPACK dpotrf2, Gustavson 1997): split the columns near the
 * middle, factor the leading block, solve the panel below it by a recursive triangular solve,
 * subtract the panel's outer product from the trailing block with the packed SYRK micro-kernel of
 * `Blas.updateNT`, and factor the trailing block; blocks of at most `BASE` columns are factored by
 * the dot-product (Cholesky–Crout) algorithm. The triangular solves with many right-hand sides
 * recurse the same way (solve half, GEMM-update the other half, solve it), down to `BASE`-wide
 * 4×4 register-blocked substitutions. Recursion instead of a fixed block width puts almost all
 * flops in large GEMMs (k up to n/2), where the micro-kernel runs fastest and the per-call copies
 * into wasm memory are cheapest per flop; only about n²·`BASE`/4 multiply-adds stay scalar. The
 * inverse (LAPACK potri: L⁻ᵀ by a blocked solve that skips known zeros, then L⁻ᵀ·L⁻¹ as a
 * triangular SYRK, n³/3 + n³/3 flops) reuses the same kernel.
 *
 * Two threads. The factorisation works in `WasmKernel.arena` memory, which is shared with the
 * kernel's helper thread: the SYRK and GEMM updates are split between the two threads by
 * `Blas.updateNT` itself, and each panel solve L21 = A21·L11⁻ᵀ (independent across rows) is split
 * by rows (`WasmKernel.shareRows`, pieces of `forwardPanelPiece`). The panel solve packs each
 * finished `BASE`-wide leaf of L21 once into the SYRK's packed operand, and its GEMMs read x1 from
 * there. Results are bitwise the same with one thread or two.
 *
 * Measured at n = 2000 (bench/linalg.ts, min over repeats; this 2-core Zen 4 EPYC, Node 22).
 * Where one thread's time went (instrumented, load 0.7): SYRK updates 38 % (19 GFLOP/s), panel
 * GEMMs 41 % (17 GFLOP/s), scalar `BASE` leaves of the panel solves 9 %, diagonal blocks 0.2 %,
 * packing 5 %, copying A in and L out 6 %. The micro-kernel alone on one large in-place update
 * reaches 25–27 GFLOP/s (2000 × 2000 × 256, 1024² × 256, 256³; 21 at 1000³, 16–21 with C's rows
 * 2000 apart at load 2.6): that is the single-thread ceiling of the whole factorisation, set by
 * 128-bit SIMD (two doubles per FMA; wasm has nothing wider, scipy's OpenBLAS uses 256/512-bit
 * FMAs), and with the copies, packing and scalar leaves above one thread stays at 16–19 GFLOP/s:
 * 20 needs both cores. (Parameter sweeps of `BASE` 8–48, `KC` 128–512, B block 128–512 KiB, C
 * slab and column block sizes all measured within the ±15 % noise of this shared machine.)
 * Two threads: 21.5 GFLOP/s in `make bench ARGS=linalg` at load 2.3 (one thread 17.3, same run),
 * 24–31 in back-to-back comparisons at load 2.0–2.4 (min of 8); on a busy machine the helper is
 * often descheduled, and `WasmKernel` backs off to one thread when it hurts.
 *
 * Citation: Golub & Van Loan, Matrix Computations (4th ed.), §4.2 (Alg. 4.2.1, 4.2.2) and
 * §3.1; LAPACK dpotrf / dpotrf2 / dpotri; F. G. Gustavson, "Recursion leads to automatic variable
 * blocking for dense linear-algebra algorithms", IBM J. Res. Dev. 41(6), 1997.
 */
import { NumericalError } from "../core/Errors.ts"
import * as Blas from "./Blas.ts"
import * as Matrix from "./Matrix.ts"
import * as WasmKernel from "./WasmKernel.ts"

/** Columns per block of `inverse`. 48–128 measure within noise of each other at n = 2000. */
export const BLOCK = 64
/**
 * Widest block the recursive factorisation and solves leave to the scalar kernels: narrower
 * leaves put more of the flops in the micro-kernel, at the price of more, smaller GEMM calls.
 */
export const BASE = 16

const notSquare = (A: Matrix.Matrix, fn: string): RangeError =>
  new RangeError(`Cholesky.${fn}: expected a square matrix, got ${A.rows}×${A.cols}`)

/**
 * Dot-product Cholesky of the diagonal block a[k0..k0+kb, k0..k0+kb] (leading dimension ld) of an
 * (n × n) matrix, whose columns to the left have already been subtracted. Throws
 * NotPositiveDefinite at the first non-positive pivot (NonFinite for a NaN one), naming its index.
 */
const factorDiagonalBlock = (a: Float64Array, ld: number, n: number, k0: number, kb: number, what: string): void => {
  for (let j = 0; j < kb; j++) {
    const rj = (k0 + j) * ld + k0
    const pivot = a[rj + j] - Blas.dotAt(a, rj, a, rj, j)
    if (!(pivot > 0)) {
      const index = k0 + j
      throw new NumericalError({
        reason: Number.isNaN(pivot) ? "NonFinite" : "NotPositiveDefinite",
        message: Number.isNaN(pivot)
          ? `${what} (${n}×${n}) has a non-finite entry at or before pivot ${index}: check the inputs for NaN or Infinity`
          : `${what} (${n}×${n}) is not positive definite: pivot ${index} is ${pivot.toExponential(3)} (must be > 0). Add jitter to the diagonal (Cholesky.factorWithJitter) or check that the matrix is a valid covariance`
      })
    }
    const d = Math.sqrt(pivot)
    a[rj + j] = d
    for (let i = j + 1; i < kb; i++) {
      const ri = (k0 + i) * ld + k0
      a[ri + j] = (a[ri + j] - Blas.dotAt(a, ri, a, rj, j)) / d
    }
  }
}

/**
 * In place, for the m rows y[row0 + i, col0 .. col0+nb): solves x·Lᵀ = y (that is, L·x = y for
 * each row), L the (nb × nb) lower-triangular block of `l` at flat offset l0, leading dimension ldl.
 * Four rows and four columns at a time, so each loaded value feeds four multiply-adds.
 */
const forwardRowsBlock = (
  y: Float64Array, ldy: number, row0: number, m: number, col0: number,
  l: Float64Array, ldl: number, l0: number, nb: number
): void => {
  let i = 0
  for (; i + 3 < m; i += 4) {
    const y0 = (row0 + i) * ldy + col0, y1 = y0 + ldy, y2 = y1 + ldy, y3 = y2 + ldy
    let j = 0
    for (; j + 3 < nb; j += 4) {
      const r0 = l0 + j * ldl, r1 = r0 + ldl, r2 = r1 + ldl, r3 = r2 + ldl
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = 0; p < j; p++) {
        const x0 = y[y0 + p], x1 = y[y1 + p], x2 = y[y2 + p], x3 = y[y3 + p]
        const l0p = l[r0 + p], l1p = l[r1 + p], l2p = l[r2 + p], l3p = l[r3 + p]
        c00 += x0 * l0p; c01 += x0 * l1p; c02 += x0 * l2p; c03 += x0 * l3p
        c10 += x1 * l0p; c11 += x1 * l1p; c12 += x1 * l2p; c13 += x1 * l3p
        c20 += x2 * l0p; c21 += x2 * l1p; c22 += x2 * l2p; c23 += x2 * l3p
        c30 += x3 * l0p; c31 += x3 * l1p; c32 += x3 * l2p; c33 += x3 * l3p
      }
      // the 4×4 triangle L[j..j+3, j..j+3]
      const d0 = l[r0 + j]
      const l10 = l[r1 + j], d1 = l[r1 + j + 1]
      const l20 = l[r2 + j], l21 = l[r2 + j + 1], d2 = l[r2 + j + 2]
      const l30 = l[r3 + j], l31 = l[r3 + j + 1], l32 = l[r3 + j + 2], d3 = l[r3 + j + 3]
      const x00 = (y[y0 + j] - c00) / d0
      const x10 = (y[y1 + j] - c10) / d0
      const x20 = (y[y2 + j] - c20) / d0
      const x30 = (y[y3 + j] - c30) / d0
      const x01 = (y[y0 + j + 1] - c01 - x00 * l10) / d1
      const x11 = (y[y1 + j + 1] - c11 - x10 * l10) / d1
      const x21 = (y[y2 + j + 1] - c21 - x20 * l10) / d1
      const x31 = (y[y3 + j + 1] - c31 - x30 * l10) / d1
      const x02 = (y[y0 + j + 2] - c02 - x00 * l20 - x01 * l21) / d2
      const x12 = (y[y1 + j + 2] - c12 - x10 * l20 - x11 * l21) / d2
      const x22 = (y[y2 + j + 2] - c22 - x20 * l20 - x21 * l21) / d2
      const x32 = (y[y3 + j + 2] - c32 - x30 * l20 - x31 * l21) / d2
      y[y0 + j] = x00; y[y0 + j + 1] = x01; y[y0 + j + 2] = x02
      y[y0 + j + 3] = (y[y0 + j + 3] - c03 - x00 * l30 - x01 * l31 - x02 * l32) / d3
      y[y1 + j] = x10; y[y1 + j + 1] = x11; y[y1 + j + 2] = x12
      y[y1 + j + 3] = (y[y1 + j + 3] - c13 - x10 * l30 - x11 * l31 - x12 * l32) / d3
      y[y2 + j] = x20; y[y2 + j + 1] = x21; y[y2 + j + 2] = x22
      y[y2 + j + 3] = (y[y2 + j + 3] - c23 - x20 * l30 - x21 * l31 - x22 * l32) / d3
      y[y3 + j] = x30; y[y3 + j + 1] = x31; y[y3 + j + 2] = x32
      y[y3 + j + 3] = (y[y3 + j + 3] - c33 - x30 * l30 - x31 * l31 - x32 * l32) / d3
    }
    for (; j < nb; j++) {
      const rj = l0 + j * ldl
      const d = l[rj + j]
      y[y0 + j] = (y[y0 + j] - Blas.dotAt(y, y0, l, rj, j)) / d
      y[y1 + j] = (y[y1 + j] - Blas.dotAt(y, y1, l, rj, j)) / d
      y[y2 + j] = (y[y2 + j] - Blas.dotAt(y, y2, l, rj, j)) / d
      y[y3 + j] = (y[y3 + j] - Blas.dotAt(y, y3, l, rj, j)) / d
    }
  }
  for (; i < m; i++) {
    const yi = (row0 + i) * ldy + col0
    for (let j = 0; j < nb; j++) {
      const rj = l0 + j * ldl
      y[yi + j] = (y[yi + j] - Blas.dotAt(y, yi, l, rj, j)) / l[rj + j]
    }
  }
}

/**
 * In place, for the m rows y[row0 + i, col0 .. col0+nb): solves x·L = y (that is, Lᵀ·x = y for
 * each row), L the (nb × nb) lower-triangular block of `l` at offset l0. Columns right to left.
 */
const backwardRowsBlock = (
  y: Float64Array, ldy: number, row0: number, m: number, col0: number,
  l: Float64Array, ldl: number, l0: number, nb: number
): void => {
  const rem = nb & 3
  let i = 0
  for (; i + 3 < m; i += 4) {
    const y0 = (row0 + i) * ldy + col0, y1 = y0 + ldy, y2 = y1 + ldy, y3 = y2 + ldy
    // the last nb % 4 columns one at a time
    for (let j = nb - 1; j >= nb - rem; j--) {
      let s0 = y[y0 + j], s1 = y[y1 + j], s2 = y[y2 + j], s3 = y[y3 + j]
      for (let p = j + 1; p < nb; p++) {
        const lpj = l[l0 + p * ldl + j]
        s0 -= y[y0 + p] * lpj; s1 -= y[y1 + p] * lpj; s2 -= y[y2 + p] * lpj; s3 -= y[y3 + p] * lpj
      }
      const d = l[l0 + j * ldl + j]
      y[y0 + j] = s0 / d; y[y1 + j] = s1 / d; y[y2 + j] = s2 / d; y[y3 + j] = s3 / d
    }
    for (let j = nb - rem - 4; j >= 0; j -= 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = j + 4; p < nb; p++) {
        const rp = l0 + p * ldl + j
        const x0 = y[y0 + p], x1 = y[y1 + p], x2 = y[y2 + p], x3 = y[y3 + p]
        const a0 = l[rp], a1 = l[rp + 1], a2 = l[rp + 2], a3 = l[rp + 3]
        c00 += x0 * a0; c01 += x0 * a1; c02 += x0 * a2; c03 += x0 * a3
        c10 += x1 * a0; c11 += x1 * a1; c12 += x1 * a2; c13 += x1 * a3
        c20 += x2 * a0; c21 += x2 * a1; c22 += x2 * a2; c23 += x2 * a3
        c30 += x3 * a0; c31 += x3 * a1; c32 += x3 * a2; c33 += x3 * a3
      }
      const r0 = l0 + j * ldl, r1 = r0 + ldl, r2 = r1 + ldl, r3 = r2 + ldl
      const d0 = l[r0 + j]
      const l10 = l[r1 + j], d1 = l[r1 + j + 1]
      const l20 = l[r2 + j], l21 = l[r2 + j + 1], d2 = l[r2 + j + 2]
      const l30 = l[r3 + j], l31 = l[r3 + j + 1], l32 = l[r3 + j + 2], d3 = l[r3 + j + 3]
      const x03 = (y[y0 + j + 3] - c03) / d3
      const x13 = (y[y1 + j + 3] - c13) / d3
      const x23 = (y[y2 + j + 3] - c23) / d3
      const x33 = (y[y3 + j + 3] - c33) / d3
      const x02 = (y[y0 + j + 2] - c02 - x03 * l32) / d2
      const x12 = (y[y1 + j + 2] - c12 - x13 * l32) / d2
      const x22 = (y[y2 + j + 2] - c22 - x23 * l32) / d2
      const x32 = (y[y3 + j + 2] - c32 - x33 * l32) / d2
      const x01 = (y[y0 + j + 1] - c01 - x03 * l31 - x02 * l21) / d1
      const x11 = (y[y1 + j + 1] - c11 - x13 * l31 - x12 * l21) / d1
      const x21 = (y[y2 + j + 1] - c21 - x23 * l31 - x22 * l21) / d1
      const x31 = (y[y3 + j + 1] - c31 - x33 * l31 - x32 * l21) / d1
      y[y0 + j + 3] = x03; y[y0 + j + 2] = x02; y[y0 + j + 1] = x01
      y[y0 + j] = (y[y0 + j] - c00 - x03 * l30 - x02 * l20 - x01 * l10) / d0
      y[y1 + j + 3] = x13; y[y1 + j + 2] = x12; y[y1 + j + 1] = x11
      y[y1 + j] = (y[y1 + j] - c10 - x13 * l30 - x12 * l20 - x11 * l10) / d0
      y[y2 + j + 3] = x23; y[y2 + j + 2] = x22; y[y2 + j + 1] = x21
      y[y2 + j] = (y[y2 + j] - c20 - x23 * l30 - x22 * l20 - x21 * l10) / d0
      y[y3 + j + 3] = x33; y[y3 + j + 2] = x32; y[y3 + j + 1] = x31
      y[y3 + j] = (y[y3 + j] - c30 - x33 * l30 - x32 * l20 - x31 * l10) / d0
    }
  }
  for (; i < m; i++) {
    const yi = (row0 + i) * ldy + col0
    for (let j = nb - 1; j >= 0; j--) {
      let s = y[yi + j]
      for (let p = j + 1; p < nb; p++) s -= y[yi + p] * l[l0 + p * ldl + j]
      y[yi + j] = s / l[l0 + j * ldl + j]
    }
  }
}

/**
 * The lower-triangular L with A = L·Lᵀ. Reads only A's lower triangle; A is not modified.
 *
 * When to use: any SPD system solved more than once, log-determinants, sampling N(0, A).
 * Gotchas: throws `NumericalError` reason "NotPositiveDefinite" naming the failing pivot; kernel
 * matrices often need `factorWithJitter` instead. Cost n³/3 flops: about 0.02 s at n = 1000 and
 * 0.1–0.12 s at n = 2000 on this project's 2-core machine with both cores (0.15 s on one;
 * bench/linalg.ts; copying A in and the result's fresh n² array out are about 0.01 s of that).
 * Shapes: A (n × n) → L (n × n).
 */
export const factor = (A: Matrix.Matrix, what = "Cholesky.factor: the matrix"): Matrix.Matrix => {
  if (A.rows !== A.cols) throw notSquare(A, "factor")
  const n = A.rows
  const ld = padded(n)
  // left operands: panels below a split (n₂ ≤ split(n) rows) and their pieces
  const { matrix: a, ws } = storage(ld, ld, n, split(n))
  for (let i = 0; i < n; i++) a.set(A.data.subarray(i * n, i * n + i + 1), i * ld)
  factorRecursive(a, ld, n, 0, n, what, ws)
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++) out.set(a.subarray(i * ld, i * ld + i + 1), i * n)
  return Matrix.make(n, n, out)
}

/** n rounded up to a multiple of four: the padded row count and leading dimension of `storage`. */
const padded = (n: number): number => (n + 3) & ~3

/**
 * Scratch for the packed operands of one factorisation or solve: every GEMM of the recursion
 * packs its two operands into `a` and `b` instead of into fresh arrays (fresh multi-megabyte typed
 * arrays cost page faults and garbage collection comparable to the packing itself). Rows padding
 * the last group of four hold stale values; they feed only C entries outside the result.
 */
interface Workspace {
  readonly a: Float64Array
  readonly b: Float64Array
  /** A second `b`, for the helper thread's pieces of a shared panel solve. */
  readonly b2: Float64Array
}

/**
 * The working matrix (`rows` × `ld`, stale contents) and a workspace for a recursion on an
 * (n × n) factor whose left GEMM operands have at most `maxRowsA` rows, all in one block of wasm
 * memory when the wasm kernel is on (`WasmKernel.arena`: the micro-kernel then updates them in
 * place, with no copies), else in a plain array. The padding to multiples of four rows and columns
 * takes the whole-tile writes of the in-place kernel.
 *
 * Bounds: every split has n₂ ≤ n₁ ≤ split(n), so every packed operand has depth ≤ split(n); the
 * right operands (blocks of L, or of the panel) have at most split(n) rows.
 */
const storage = (rows: number, ld: number, n: number, maxRowsA: number): { readonly matrix: Float64Array; readonly ws: Workspace } => {
  const depth = split(n)
  const aLength = padded(maxRowsA) * depth
  const bLength = padded(depth) * depth
  const end = rows * ld
  const total = end + aLength + 2 * bLength
  const memory = WasmKernel.arena(total) ?? new Float64Array(total)
  return {
    matrix: memory.subarray(0, end),
    ws: {
      a: memory.subarray(end, end + aLength),
      b: memory.subarray(end + aLength, end + aLength + bLength),
      b2: memory.subarray(end + aLength + bLength, total)
    }
  }
}

/** A packed operand of `rows` × `depth` in the workspace's buffer `slot`. */
const scratch = (ws: Workspace, slot: "a" | "b", rows: number, depth: number): Blas.Packed => {
  if (ws[slot].length < ((rows + 3) >> 2) * 4 * depth) {
    throw new RangeError(`Cholesky: workspace ${slot} holds ${ws[slot].length} values, fewer than a ${rows}×${depth} packed operand (a bug in the workspace bound)`)
  }
  return { data: ws[slot], rows, depth }
}

/**
 * Where a recursion splits a block of `size` columns: at a multiple of `BASE` near the middle, so
 * the leaves are whole `BASE`-wide blocks.
 */
const split = (size: number): number => BASE * Math.ceil(size / (2 * BASE))

/**
 * Recursive Cholesky (LAPACK dpotrf2; Gustavson, IBM J. Res. Dev. 41(6), 1997) of the diagonal
 * block a[k0..k0+kb, k0..k0+kb] (leading dimension ld) of an (n × n) matrix, whose columns to the
 * left have already been subtracted: [A11 ·; A21 A22] → L11 = chol(A11), L21 = A21·L11⁻ᵀ (`forwardRowsRecursive`),
 * A22 −= L21·L21ᵀ (a SYRK on the micro-kernel), L22 = chol(A22). Blocks of at most `BASE`
 * columns are factored by the dot-product algorithm.
 */
const factorRecursive = (a: Float64Array, ld: number, n: number, k0: number, kb: number, what: string, ws: Workspace): void => {
  if (kb <= BASE) {
    factorDiagonalBlock(a, ld, n, k0, kb, what)
    return
  }
  const n1 = split(kb)
  const n2 = kb - n1
  const k1 = k0 + n1
  factorRecursive(a, ld, n, k0, n1, what, ws)
  // the solve packs each finished leaf of L21 into P, so its GEMMs and this SYRK read P unpacked again
  const P = scratch(ws, "a", n2, n1)
  const shared = n2 * n1 * n1 >= 2 * WasmKernel.THREAD_WORK && WasmKernel.shareRows(
    FORWARD_PANEL, a, [ld, k1, k0, n1, P.data.byteOffset / 8, n1, ws.b.byteOffset / 8, ws.b2.byteOffset / 8, ws.b.length], n2, PANEL_PIECES
  )
  if (!shared) forwardRowsRecursive(a, ld, k1, n2, k0, a, ld, k0, k0, n1, ws, P, 0)
  Blas.updateNT(a, ld, k1 * ld + k1, P, P, 0, n1, -1, true)
  factorRecursive(a, ld, n, k1, n2, what, ws)
}

/** Pieces (row blocks) a panel solve is cut into when shared with the kernel's helper thread. */
const PANEL_PIECES = 4
const FORWARD_PANEL = "Cholesky.forwardPanel"

/**
 * One piece of a shared panel solve: rows [lo, hi) of the panel L21 = A21·L11⁻ᵀ are independent of
 * the others, so each thread solves its rows with the same recursion (its own scratch for L21's
 * packed blocks) and packs them into its rows of P. Parameters (double indices into the resident
 * memory `heap`): ld, the panel's first row and column, its width, P's offset and depth, the two
 * threads' scratch offsets and their length.
 */
const forwardPanelPiece: WasmKernel.Task = (heap, p, lo, hi, thread) => {
  const ld = p[0], row0 = p[1], col0 = p[2], nb = p[3], pOff = p[4], depth = p[5], bLength = p[8]
  const bOff = thread === 0 ? p[6] : p[7]
  const b = heap.subarray(bOff, bOff + bLength)
  const out: Blas.Packed = { data: heap.subarray(pOff + lo * depth, pOff + (((hi + 3) >> 2) << 2) * depth), rows: hi - lo, depth }
  forwardRowsRecursive(heap, ld, row0 + lo, hi - lo, col0, heap, ld, col0, col0, nb, { a: b.subarray(0, 0), b, b2: b.subarray(0, 0) }, out, 0)
}
WasmKernel.registerTask(FORWARD_PANEL, forwardPanelPiece)

export interface FactorWithJitterOptions {
  /** First relative jitter tried after the plain factorisation fails. Default 1e-10. */
  readonly initialJitter?: number
  /** Largest relative jitter tried (×10 steps). Default 1e-2. */
  readonly maxJitter?: number
  /** What the matrix is, for the error message (e.g. "the kernel matrix of RBF(1.0)"). */
  readonly what?: string
}

export interface Jittered {
  readonly L: Matrix.Matrix
  /** The absolute amount added to the diagonal (0 when A factored as given). */
  readonly jitter: number
  /** The same as a multiple of mean(diag A), the convention of the options. */
  readonly relativeJitter: number
}

/**
 * Factors A, and if that fails A + j·mean(diag A)·I for j = initialJitter, ×10, … up to maxJitter
 * (relative jitter: the same setting suits kernels of any amplitude). Returns the factor and the
 * jitter that succeeded.
 *
 * When to use: kernel matrices, which are PSD in exact arithmetic but often numerically singular
 * (close inputs, long length-scales, tiny noise). Gotchas: a jittered factor is of a different
 * matrix; callers that report likelihoods should record `jitter`. Fails with NotPositiveDefinite
 * naming `what` and the last jitter tried.
 */
export const factorWithJitter = (A: Matrix.Matrix, options: FactorWithJitterOptions = {}): Jittered => {
  const { initialJitter = 1e-10, maxJitter = 1e-2, what = "the matrix" } = options
  if (A.rows !== A.cols) throw notSquare(A, "factorWithJitter")
  const n = A.rows
  try {
    return { L: factor(A, what), jitter: 0, relativeJitter: 0 }
  } catch (error) {
    if (!(error instanceof NumericalError) || error.reason === "NonFinite") throw error
  }
  let meanDiag = 0
  for (let i = 0; i < n; i++) meanDiag += A.data[i * n + i] / n
  if (!(meanDiag > 0) || !Number.isFinite(meanDiag)) {
    throw new NumericalError({
      reason: "NotPositiveDefinite",
      message: `Cholesky.factorWithJitter: ${what} has mean diagonal ${meanDiag}, so no relative jitter can help; a covariance needs a positive diagonal`
    })
  }
  let last = initialJitter
  for (let j = initialJitter; j <= maxJitter * (1 + 1e-12); j *= 10) {
    last = j
    const B = Matrix.clone(A)
    const add = j * meanDiag
    for (let i = 0; i < n; i++) B.data[i * n + i] += add
    try {
      return { L: factor(B, what), jitter: add, relativeJitter: j }
    } catch (error) {
      if (!(error instanceof NumericalError)) throw error
    }
  }
  throw new NumericalError({
    reason: "NotPositiveDefinite",
    message: `Cholesky.factorWithJitter: ${what} (${n}×${n}) is not positive definite even with ${last.toExponential(0)}·mean(diag) = ${(last * meanDiag).toExponential(3)} added to the diagonal. Check the hyperparameters (a noise term, a shorter length-scale) or raise maxJitter above ${maxJitter}`
  })
}

const checkRhs = (L: Matrix.Matrix, rows: number, fn: string): void => {
  if (L.rows !== L.cols) throw notSquare(L, fn)
  if (rows !== L.rows) throw new RangeError(`Cholesky.${fn}: the factor is ${L.rows}×${L.rows} but the right-hand side has ${rows} rows`)
}

/**
 * In place, for the m rows y[row0 + i, col0 .. col0+nb): solves x·Lᵀ = y (each row x: L·x = y),
 * L the (nb × nb) lower-triangular block of `l` at row lr, column lc (leading dimension ldl), by
 * recursion on L's columns: x1 from L11, then y2 −= x1·L21ᵀ on the micro-kernel, then x2 from
 * L22. All but the m·nb·`BASE`/2 multiply-adds of the `BASE`-wide leaves run in `Blas.updateNT`.
 *
 * `out` (the factorisation's panel): each leaf's solution, once final, is also packed into
 * columns `outK + (its column − col0)` of `out` (m rows), and the GEMMs read x1 from there, so x
 * is packed once in all instead of once per level (and the caller's SYRK reuses `out`); L21 is
 * then packed at the same k offset of a workspace operand of `out`'s depth. Without `out`, x1 is
 * packed into the workspace at each level.
 */
const forwardRowsRecursive = (
  y: Float64Array, ldy: number, row0: number, m: number, col0: number,
  l: Float64Array, ldl: number, lr: number, lc: number, nb: number, ws: Workspace,
  out?: Blas.Packed, outK = 0
): void => {
  if (nb <= BASE || m < 4) {
    forwardRowsBlock(y, ldy, row0, m, col0, l, ldl, lr * ldl + lc, nb)
    if (out !== undefined) Blas.pack(y, ldy, row0, m, col0, nb, out, outK)
    return
  }
  const n1 = split(nb)
  const n2 = nb - n1
  forwardRowsRecursive(y, ldy, row0, m, col0, l, ldl, lr, lc, n1, ws, out, outK)
  if (out === undefined) {
    const X1 = Blas.pack(y, ldy, row0, m, col0, n1, scratch(ws, "a", m, n1))
    const L21 = Blas.pack(l, ldl, lr + n1, n2, lc, n1, scratch(ws, "b", n2, n1))
    Blas.updateNT(y, ldy, row0 * ldy + col0 + n1, X1, L21, 0, n1, -1)
  } else {
    const L21 = Blas.pack(l, ldl, lr + n1, n2, lc, n1, scratch(ws, "b", n2, out.depth), outK)
    Blas.updateNT(y, ldy, row0 * ldy + col0 + n1, out, L21, outK, n1, -1)
  }
  forwardRowsRecursive(y, ldy, row0, m, col0 + n1, l, ldl, lr + n1, lc + n1, n2, ws, out, outK + n1)
}

/**
 * In place, for the m rows y[row0 + i, col0 .. col0+nb): solves x·L = y (each row x: Lᵀ·x = y),
 * L as in `forwardRowsRecursive`, by recursion from the right: x2 from L22, then y1 −= x2·L21,
 * then x1 from L11.
 */
const backwardRowsRecursive = (
  y: Float64Array, ldy: number, row0: number, m: number, col0: number,
  l: Float64Array, ldl: number, lr: number, lc: number, nb: number, ws: Workspace
): void => {
  if (nb <= BASE || m < 4) {
    backwardRowsBlock(y, ldy, row0, m, col0, l, ldl, lr * ldl + lc, nb)
    return
  }
  const n1 = split(nb)
  const n2 = nb - n1
  backwardRowsRecursive(y, ldy, row0, m, col0 + n1, l, ldl, lr + n1, lc + n1, n2, ws)
  const X2 = Blas.pack(y, ldy, row0, m, col0 + n1, n2, scratch(ws, "a", m, n2))
  // packed row r, column k holds L21[k, r] = l[(lr + n1 + k)·ldl + lc + r]
  const L21t = Blas.packTransposed(l, ldl, lr + n1, n2, lc, n1, scratch(ws, "b", n1, n2))
  Blas.updateNT(y, ldy, row0 * ldy + col0, X2, L21t, 0, n2, -1)
  backwardRowsRecursive(y, ldy, row0, m, col0, l, ldl, lr, lc, n1, ws)
}

/**
 * The solves `steps` (in order) on the (m × n) rows of `y`, in place: "forward" Y·Lᵀ = R (each row
 * x: L·x = r), "backward" Y·L = R (each row x: Lᵀ·x = r). The rows are copied into `storage` (wasm
 * memory, padded) for the recursion and back.
 */
const solveRowsInPlace = (L: Matrix.Matrix, y: Float64Array, m: number, steps: ReadonlyArray<"forward" | "backward">): void => {
  const n = L.rows
  if (m < 4) {
    for (const step of steps) (step === "forward" ? forwardRowsBlock : backwardRowsBlock)(y, n, 0, m, 0, L.data, n, 0, n)
    return
  }
  const ld = padded(n)
  const { matrix: w, ws } = storage(padded(m), ld, n, m)
  for (let i = 0; i < m; i++) w.set(y.subarray(i * n, (i + 1) * n), i * ld)
  for (const step of steps) (step === "forward" ? forwardRowsRecursive : backwardRowsRecursive)(w, ld, 0, m, 0, L.data, n, 0, 0, n, ws)
  for (let i = 0; i < m; i++) y.set(w.subarray(i * ld, i * ld + n), i * n)
}

/**
 * Solves L·x = rᵢ for every row rᵢ of R (m × n); returns the solutions as the rows of an
 * (m × n) matrix, i.e. R·L⁻ᵀ. This is `solveLower(L, Rᵀ)ᵀ` without the transpositions.
 */
export const solveLowerRows = (L: Matrix.Matrix, R: Matrix.Matrix): Matrix.Matrix => {
  checkRhs(L, R.cols, "solveLowerRows")
  const y = R.data.slice()
  solveRowsInPlace(L, y, R.rows, ["forward"])
  return Matrix.make(R.rows, R.cols, y)
}

/** Solves Lᵀ·x = rᵢ for every row rᵢ of R (m × n); returns R·L⁻¹ as an (m × n) matrix. */
export const solveUpperRows = (L: Matrix.Matrix, R: Matrix.Matrix): Matrix.Matrix => {
  checkRhs(L, R.cols, "solveUpperRows")
  const y = R.data.slice()
  solveRowsInPlace(L, y, R.rows, ["backward"])
  return Matrix.make(R.rows, R.cols, y)
}

/**
 * Solves A·x = rᵢ for every row rᵢ of R (m × n), A = L·Lᵀ; returns the solutions as rows, R·A⁻¹
 * (A is symmetric). `solveUpperRows(L, solveLowerRows(L, R))` in one pass over the rows.
 */
export const solveRows = (L: Matrix.Matrix, R: Matrix.Matrix): Matrix.Matrix => {
  checkRhs(L, R.cols, "solveRows")
  const y = R.data.slice()
  solveRowsInPlace(L, y, R.rows, ["forward", "backward"])
  return Matrix.make(R.rows, R.cols, y)
}

/** X = L⁻¹·B by forward substitution. B: (n) vector or (n × m) matrix; returns the same shape. */
export function solveLower(L: Matrix.Matrix, B: Float64Array): Float64Array
export function solveLower(L: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix
export function solveLower(L: Matrix.Matrix, B: Float64Array | Matrix.Matrix): Float64Array | Matrix.Matrix {
  if (B instanceof Float64Array) {
    checkRhs(L, B.length, "solveLower")
    const x = Float64Array.from(B)
    forwardRowsBlock(x, L.rows, 0, 1, 0, L.data, L.rows, 0, L.rows)
    return x
  }
  checkRhs(L, B.rows, "solveLower")
  const Y = Matrix.transpose(B)
  solveRowsInPlace(L, Y.data, Y.rows, ["forward"])
  return Matrix.transpose(Y)
}

/** X = L⁻ᵀ·B by back substitution with the same factor. B: (n) vector or (n × m) matrix. */
export function solveUpper(L: Matrix.Matrix, B: Float64Array): Float64Array
export function solveUpper(L: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix
export function solveUpper(L: Matrix.Matrix, B: Float64Array | Matrix.Matrix): Float64Array | Matrix.Matrix {
  if (B instanceof Float64Array) {
    checkRhs(L, B.length, "solveUpper")
    const n = L.rows
    const l = L.data
    const x = Float64Array.from(B)
    // column-oriented: once x_i is known, remove it from the rows above via row i of L
    for (let i = n - 1; i >= 0; i--) {
      const ri = i * n
      const xi = (x[i] /= l[ri + i])
      for (let j = 0; j < i; j++) x[j] -= xi * l[ri + j]
    }
    return x
  }
  checkRhs(L, B.rows, "solveUpper")
  const Y = Matrix.transpose(B)
  solveRowsInPlace(L, Y.data, Y.rows, ["backward"])
  return Matrix.transpose(Y)
}

/**
 * A⁻¹·B from A's factor L (A = L·Lᵀ). B: (n) vector or (n × m) matrix.
 * GPML Alg. 2.1 line 3 is `solve(L, y)` = Lᵀ\(L\y).
 */
export function solve(L: Matrix.Matrix, B: Float64Array): Float64Array
export function solve(L: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix
export function solve(L: Matrix.Matrix, B: Float64Array | Matrix.Matrix): Float64Array | Matrix.Matrix {
  if (B instanceof Float64Array) return solveUpper(L, solveLower(L, B))
  checkRhs(L, B.rows, "solve")
  const Y = Matrix.transpose(B)
  solveRowsInPlace(L, Y.data, Y.rows, ["forward", "backward"])
  return Matrix.transpose(Y)
}

/** log det A = 2·Σ log L_ii, from A's factor (never overflows, unlike det). */
export const logDet = (L: Matrix.Matrix): number => {
  if (L.rows !== L.cols) throw notSquare(L, "logDet")
  let s = 0
  for (let i = 0; i < L.rows; i++) s += Math.log(L.data[i * L.rows + i])
  return 2 * s
}

/**
 * A⁻¹ (symmetric, both triangles filled) from A's factor L, as LAPACK dpotri: U = L⁻ᵀ by a
 * blocked forward solve of U·Lᵀ = I that skips U's known zeros, then A⁻¹ = U·Uᵀ by a triangular
 * SYRK; n³/3 + n³/3 flops, about two factorisations' worth.
 *
 * When to use: when entries of A⁻¹ themselves are needed (the GP likelihood gradient
 * ½·tr((ααᵀ − K⁻¹)·∂K/∂θ)); to apply A⁻¹ to vectors use `solve`, which is cheaper and more accurate.
 */
export const inverse = (L: Matrix.Matrix): Matrix.Matrix => {
  if (L.rows !== L.cols) throw notSquare(L, "inverse")
  const n = L.rows
  const l = L.data
  const u = new Float64Array(n * n)
  for (let i = 0; i < n; i++) u[i * n + i] = 1
  const U = Blas.packedZeros(n, n)
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(n, j0 + BLOCK)
    const jb = j1 - j0
    if (j0 > 0) {
      // U[0:j0, j0:j1] −= U[0:j0, 0:j0]·L[j0:j1, 0:j0]ᵀ; row i of U is zero left of column i
      const B = Blas.pack(l, n, j0, jb, 0, j0)
      Blas.updateNT(u, n, j0, { data: U.data, rows: j0, depth: n }, B, 0, j0, -1, false, 0)
    }
    // rows ≥ j1 of U are zero in these columns; rows j0..j1 start as the identity
    forwardRowsBlock(u, n, 0, j1, j0, l, n, j0 * n + j0, jb)
    Blas.pack(u, n, 0, j1, j0, jb, U, j0)
  }
  const out = new Float64Array(n * n)
  Blas.updateNT(out, n, 0, U, U, 0, n, 1, true, 0)
  Blas.symmetrizeFromLower(out, n)
  return Matrix.make(n, n, out)
}
