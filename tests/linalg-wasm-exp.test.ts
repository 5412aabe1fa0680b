import { afterEach, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as WasmExp from "../src/linalg/WasmExp.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"

const initial = WasmExp.isEnabled()
afterEach(() => {
  WasmExp.setEnabled(initial)
})

/** |a − e| in units in the last place of e (of the smallest subnormal below the normal range). */
const ulps = (a: number, e: number): number => {
  const ulp = e < 2 ** -1022 ? 2 ** -1074 : 2 ** (Math.floor(Math.log2(e)) - 52)
  return Math.abs(a - e) / ulp
}

/** The largest ulp distance to Math.exp over x, and how many non-finite or zero results differ. */
const compare = (x: Float64Array): { readonly maxUlps: number; readonly specialMismatches: number } => {
  const y = x.slice()
  WasmExp.inPlace(y)
  let maxUlps = 0
  let specialMismatches = 0
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i])
    if (Number.isNaN(e) || !Number.isFinite(e) || e === 0) {
      if (!Object.is(y[i], e)) specialMismatches++
    } else {
      maxUlps = Math.max(maxUlps, ulps(y[i], e))
    }
  }
  return { maxUlps, specialMismatches }
}

describe.skipIf(!WasmExp.available())("WasmExp.inPlace against Math.exp", () => {
  it("is within 2 ulp over the whole range, subnormal results included", () => {
    WasmExp.setEnabled(true)
    const rng = Random.make(Random.derive(21, "wasm-exp"))
    const x = Float64Array.from({ length: 200_000 }, (_, i) => (i % 4 === 0 ? -746 + 1456 * rng.uniform() : 10 * rng.normal()))
    const r = compare(x)
    expect(r.specialMismatches).toBe(0)
    expect(r.maxUlps).toBeLessThanOrEqual(2)
  })

  it("gives Math.exp's results at the edges: 0, overflow, underflow, ±∞, NaN", () => {
    WasmExp.setEnabled(true)
    const edges = [0, -0, 1, -1, 709.78, 709.79, 710, 800, -708.39, -708.4, -745.1, -745.2, -746, -800, Infinity, -Infinity, Number.NaN, 1e-300, -1e-17]
    const x = Float64Array.from({ length: 64 }, (_, i) => edges[i % edges.length])
    const y = x.slice()
    WasmExp.inPlace(y)
    expect(y[0]).toBe(1)
    const r = compare(x)
    expect(r.specialMismatches).toBe(0)
    expect(r.maxUlps).toBeLessThanOrEqual(2)
  })

  it("updates only [start, end), odd lengths included", () => {
    WasmExp.setEnabled(true)
    const x = Float64Array.from({ length: 100 }, (_, i) => -i / 10)
    const y = x.slice()
    WasmExp.inPlace(y, 7, 88)
    for (let i = 0; i < 100; i++) {
      if (i < 7 || i >= 88) expect(y[i]).toBe(x[i])
      else expect(ulps(y[i], Math.exp(x[i]))).toBeLessThanOrEqual(2)
    }
  })

  it("the ulp check has power: a Taylor polynomial of too low a degree fails it", () => {
    // degree 10 instead of 13 on |r| ≤ ½ln2 is off by r¹¹/11! ≈ 2·10⁻¹³ relative, about 10³ ulp
    const r = Math.log(2) / 2
    let p10 = 0
    let term = 1
    for (let i = 0; i <= 10; i++) {
      p10 += term
      term *= r / (i + 1)
    }
    expect(ulps(p10, Math.exp(r))).toBeGreaterThan(2)
  })

  it("switched off, it is Math.exp exactly", () => {
    WasmExp.setEnabled(false)
    const x = Float64Array.from({ length: 100 }, (_, i) => i / 7 - 7)
    const y = x.slice()
    WasmExp.inPlace(y)
    expect(Array.from(y)).toEqual(Array.from(x, Math.exp))
  })
})

describe("SVM RBF rows with and without the wasm exponential", () => {
  it("agree to 2 ulp", () => {
    const rng = Random.make(Random.derive(22, "rbf-rows"))
    const n = 300
    for (const d of [1, 2, 5]) {
      const X = Matrix.make(n, d, Float64Array.from({ length: n * d }, () => rng.normal()))
      const rows = KernelRows.rows(KernelRows.rbf(0.7), X)
      const index = Int32Array.from({ length: n }, (_, j) => (j * 7) % n)
      const row = (on: boolean): Float64Array => {
        WasmExp.setEnabled(on)
        const out = new Float64Array(n)
        rows.row(5, index, 0, n, out)
        return out
      }
      const plain = row(false)
      const fast = row(true)
      assertClose(fast, plain, { rtol: 4.5e-16, atol: 0 }, `row (d = ${d})`)
      // the reference: exp(−γ‖x₅ − x_j‖²) computed directly
      const j = index[10]
      let s = 0
      for (let k = 0; k < d; k++) s += (X.data[5 * d + k] - X.data[j * d + k]) ** 2
      expect(plain[10]).toBe(Math.exp(-0.7 * s))
    }
  })
})
