/**
 * The float32 wasm GEMM (`Sgemm`) against a float64 reference: every operand layout (A stored or
 * transposed, B and C row-major or panel-packed), k split into several chunks and column blocks,
 * each epilogue flag, both kernels (fused relaxed-SIMD where it validates, and plain mul + add).
 * Error bound per entry: 1e-5·Σ_p |A_ip·B_pj| (float32 rounding of a sequential sum of k ≤ 600
 * terms stays near √k·2⁻²⁴ of that sum); the check is shown to fail on a product missing one term.
 */
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Sgemm from "../src/linalg/Sgemm.ts"

type ALayout = "stored" | "transposed"
type BLayout = "row" | "panels"

interface Case {
  readonly m: number
  readonly n: number
  readonly k: number
  readonly a: ALayout
  readonly b: BLayout
  readonly c: BLayout
  readonly flags: number
}

/** Index (floats) of (i, j) in an r-row matrix of `cols` columns in `layout`. */
const at = (layout: BLayout, rows: number, cols: number, i: number, j: number): number =>
  layout === "row" ? i * cols + j : (j >> 3) * (8 * rows + 16) + 8 * i + (j & 7)

const size = (layout: BLayout, rows: number, cols: number): number => (layout === "row" ? rows * cols : (cols / 8) * (8 * rows + 16))

/** Runs the case on `kind`'s kernel; returns C, the float64 reference and the bound per entry. */
const run = (t: Case, fused: boolean, seed: number) => {
  const { m, n, k } = t
  const rng = Random.make(seed)
  const A = Float64Array.from({ length: m * k }, () => Math.fround(rng.normal()))
  const B = Float64Array.from({ length: k * n }, () => Math.fround(rng.normal()))
  const C0 = Float64Array.from({ length: m * n }, () => Math.fround(rng.normal()))
  const bias = Float64Array.from({ length: n }, () => Math.fround(rng.normal()))
  const aO = 0
  const bO = m * k + 16
  const cO = bO + size(t.b, k, n) + 16
  const biasO = cO + size(t.c, m, n) + 16
  const ws = Sgemm.make(4 * (biasO + n + 16), fused)
  if (ws === undefined) throw new Error("no SIMD")
  const h = ws.heap
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) h[aO + (t.a === "stored" ? i * k + p : p * m + i)] = A[i * k + p]
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) h[bO + at(t.b, k, n, p, j)] = B[p * n + j]
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) h[cO + at(t.c, m, n, i, j)] = C0[i * n + j]
  h.set(bias, biasO)
  Sgemm.gemm(ws, {
    m, n, k,
    a: 4 * aO, ars: t.a === "stored" ? 4 * k : 4, aks: t.a === "stored" ? 4 : 4 * m,
    b: 4 * bO, ldb: t.b === "row" ? 4 * n : 32, bjs: t.b === "row" ? 32 : 4 * (8 * k + 16),
    c: 4 * cO, ldc: t.c === "row" ? 4 * n : 32, cjs: t.c === "row" ? 32 : 4 * (8 * m + 16),
    flags: t.flags, bias: 4 * biasO
  })
  const got = new Float64Array(m * n)
  const reference = new Float64Array(m * n)
  const bound = new Float64Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      let abs = 0
      for (let p = 0; p < k; p++) {
        s += A[i * k + p] * B[p * n + j]
        abs += Math.abs(A[i * k + p] * B[p * n + j])
      }
      if (t.flags & Sgemm.ACCUMULATE) s += C0[i * n + j]
      if (t.flags & Sgemm.BIAS) s += bias[j]
      if (t.flags & Sgemm.RELU) s = Math.max(s, 0)
      reference[i * n + j] = s
      bound[i * n + j] = 1e-5 * (abs + 1)
      got[i * n + j] = h[cO + at(t.c, m, n, i, j)]
    }
  }
  return { got, reference, bound, A, B }
}

const worst = (got: Float64Array, reference: Float64Array, bound: Float64Array): number => {
  let w = 0
  for (let q = 0; q < got.length; q++) w = Math.max(w, Math.abs(got[q] - reference[q]) / bound[q])
  return w
}

const all = Sgemm.ACCUMULATE | Sgemm.BIAS | Sgemm.RELU
const cases: Array<Case> = [
  { m: 4, n: 8, k: 1, a: "stored", b: "row", c: "row", flags: 0 },
  { m: 8, n: 16, k: 7, a: "transposed", b: "row", c: "row", flags: Sgemm.ACCUMULATE },
  { m: 12, n: 264, k: 600, a: "stored", b: "panels", c: "row", flags: Sgemm.BIAS | Sgemm.RELU },
  { m: 36, n: 24, k: 300, a: "transposed", b: "panels", c: "panels", flags: all },
  { m: 20, n: 520, k: 64, a: "transposed", b: "row", c: "panels", flags: Sgemm.BIAS },
  { m: 16, n: 40, k: 513, a: "stored", b: "row", c: "row", flags: all }
]
const kernels = Sgemm.fusedAvailable() ? [true, false] : [false]

describe.skipIf(!Sgemm.available())("Sgemm.gemm", () => {
  describe.each(kernels.map((fused) => ({ kernel: fused ? "fused" : "plain", fused })))("$kernel kernel", ({ fused }) => {
    it.each(cases)("m $m n $n k $k, A $a, B $b, C $c, flags $flags", (t) => {
      const { got, reference, bound } = run(t, fused, Random.derive(1, `${t.m}/${t.n}/${t.k}`))
      expect(worst(got, reference, bound)).toBeLessThanOrEqual(1)
    })
  })

  it("uses the relaxed-SIMD kernel where it validates, and the plain one when asked", () => {
    expect(Sgemm.kernelKind(false)).toBe("plain")
    expect(Sgemm.kernelKind(true)).toBe(Sgemm.fusedAvailable() ? "fused" : "plain")
  })

  it("the bound has power: a product missing one of its k terms fails it", () => {
    const t: Case = { m: 8, n: 16, k: 64, a: "stored", b: "row", c: "row", flags: 0 }
    const { got, reference, bound, A, B } = run(t, kernels[0], 7)
    const missing = Float64Array.from(reference, (v, q) => v - A[Math.floor(q / t.n) * t.k + 5] * B[5 * t.n + (q % t.n)])
    expect(worst(got, reference, bound)).toBeLessThanOrEqual(1)
    expect(worst(got, missing, bound)).toBeGreaterThan(2)
  })

  it("refuses shapes that are not padded to whole tiles", () => {
    const ws = Sgemm.make(4096)!
    expect(() => Sgemm.gemm(ws, { m: 3, n: 8, k: 1, a: 0, ars: 4, aks: 4, b: 0, ldb: 32, bjs: 32, c: 0, ldc: 32, cjs: 32 })).toThrow(/multiple of 4/)
  })
})
