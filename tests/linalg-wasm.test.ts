import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Blas from "../src/linalg/Blas.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as WasmKernel from "../src/linalg/WasmKernel.ts"
import { assertClose } from "./support/assertClose.ts"

const initial = WasmKernel.isEnabled()
const initialFused = WasmKernel.isFused()
afterEach(() => {
  WasmKernel.setEnabled(initial)
  WasmKernel.setFused(initialFused)
})

const randomArray = (rng: Random.Generator, length: number): Float64Array =>
  Float64Array.from({ length }, () => rng.normal())

const randomPacked = (rng: Random.Generator, rows: number, depth: number): Blas.Packed => ({
  data: randomArray(rng, ((rows + 3) >> 2) * 4 * depth),
  rows,
  depth
})

/** Zeroes row r of a packed operand for k < r + s (the `leadingZeros` structure). */
const withLeadingZeros = (P: Blas.Packed, s: number): Blas.Packed => {
  for (let r = 0; r < P.rows; r++) {
    for (let k = 0; k < Math.min(P.depth, r + s); k++) P.data[(r >> 2) * 4 * P.depth + 4 * k + (r & 3)] = 0
  }
  return P
}

const maxAbs = (x: Float64Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

/** Runs `f` with the wasm path on, then off; returns both results. */
const bothPaths = <T>(f: () => T): { readonly wasm: T; readonly js: T } => {
  WasmKernel.setEnabled(true)
  const wasm = f()
  WasmKernel.setEnabled(false)
  const js = f()
  WasmKernel.setEnabled(initial)
  return { wasm, js }
}

interface Case {
  readonly m: number
  readonly n: number
  readonly depth: number
  readonly k0: number
  readonly kc: number
  readonly alpha: number
  readonly lower?: boolean
  readonly leadingZeros?: number
}

// every case does well over MIN_WORK multiply-adds, so the wasm path takes it
const cases: ReadonlyArray<Case> = [
  { m: 67, n: 53, depth: 90, k0: 5, kc: 80, alpha: -0.7 },
  { m: 101, n: 99, depth: 64, k0: 0, kc: 64, alpha: 1 },
  { m: 65, n: 130, depth: 700, k0: 3, kc: 650, alpha: 2.5 }, // kc > KC: split k range
  { m: 101, n: 101, depth: 300, k0: 7, kc: 290, alpha: -1, lower: true },
  { m: 130, n: 130, depth: 130, k0: 0, kc: 130, alpha: 1, lower: true, leadingZeros: 0 },
  { m: 99, n: 74, depth: 200, k0: 9, kc: 180, alpha: 0.3, leadingZeros: 2 },
  { m: 150, n: 150, depth: 600, k0: 0, kc: 600, alpha: -0.5, lower: true, leadingZeros: 1 },
  // wide C: many row slabs and column blocks
  { m: 150, n: 1030, depth: 40, k0: 2, kc: 36, alpha: 1.5 },
  { m: 701, n: 701, depth: 64, k0: 0, kc: 64, alpha: -1, lower: true },
  { m: 310, n: 597, depth: 300, k0: 1, kc: 299, alpha: 0.5, lower: true, leadingZeros: 3 },
  { m: 33, n: 2050, depth: 520, k0: 0, kc: 520, alpha: -2 }
]

describe.skipIf(!WasmKernel.available())("WasmKernel.updateNT against the JS kernel", () => {
  it.each(cases)("m $m, n $n, k0 $k0, kc $kc, α $alpha, lower $lower, leadingZeros $leadingZeros", (c) => {
    const rng = Random.make(Random.derive(11, `${c.m}/${c.n}/${c.kc}/${c.lower}/${c.leadingZeros}`))
    const A = randomPacked(rng, c.m, c.depth)
    if (c.leadingZeros !== undefined) withLeadingZeros(A, c.leadingZeros)
    const B = c.lower ? A : randomPacked(rng, c.n, c.depth)
    const ldc = c.n + 5
    const offset = 3
    const C0 = randomArray(rng, offset + c.m * ldc + 7)
    const expected = Float64Array.from(C0)
    Blas.updateNTJs(expected, ldc, offset, A, B, c.k0, c.kc, c.alpha, c.lower ?? false, c.leadingZeros)
    WasmKernel.setEnabled(true)
    for (const fused of WasmKernel.fusedAvailable() ? [false, true] : [false]) {
      WasmKernel.setFused(fused)
      const actual = Float64Array.from(C0)
      expect(WasmKernel.updateNT(actual, ldc, offset, A, B, c.k0, c.kc, c.alpha, c.lower ?? false, c.leadingZeros)).toBe(true)
      assertClose(actual, expected, { rtol: 1e-12, atol: 1e-12 * maxAbs(expected) }, fused ? "C (fused)" : "C")
      // entries the JS kernel leaves alone (outside C's block, above the diagonal tiles) are untouched
      let touched = 0
      for (let i = 0; i < C0.length; i++) if (expected[i] === C0[i] && actual[i] !== C0[i]) touched++
      expect(touched).toBe(0)
      // the plain kernel forms the same sums in the same order
      if (!fused && c.kc <= WasmKernel.KC) expect(Array.from(actual)).toEqual(Array.from(expected))
    }
  })

  it.skipIf(!WasmKernel.fusedAvailable())("the fused kernel rounds once per multiply-add", () => {
    // every entry: k = 0 adds 1·(−1), k = 1 adds (1 + 2⁻³⁰)² = 1 + 2⁻²⁹ + 2⁻⁶⁰ exactly. Rounding the
    // product first loses the 2⁻⁶⁰; a fused multiply-add keeps it (on a CPU without FMA, V8 may run
    // relaxed_madd unfused, and then both kernels give 2⁻²⁹)
    const depth = 8 // zero beyond k = 1; 64·64·8 multiply-adds clears MIN_WORK
    const packed = (first: number): Blas.Packed => {
      const data = new Float64Array(16 * 4 * depth)
      for (let g = 0; g < 16; g++) {
        for (let r = 0; r < 4; r++) {
          data[g * 4 * depth + r] = first
          data[g * 4 * depth + 4 + r] = 1 + 2 ** -30
        }
      }
      return { data, rows: 64, depth }
    }
    const A = packed(1)
    const B = packed(-1)
    const run = (fused: boolean): Float64Array => {
      WasmKernel.setFused(fused)
      const C = new Float64Array(64 * 64)
      expect(WasmKernel.updateNT(C, 64, 0, A, B, 0, depth, 1, false, undefined)).toBe(true)
      return C
    }
    WasmKernel.setEnabled(true)
    const plain = run(false)
    const fused = run(true)
    expect(new Set(plain)).toEqual(new Set([2 ** -29]))
    expect([2 ** -29, 2 ** -29 + 2 ** -60]).toContain(fused[0])
    expect(new Set(fused).size).toBe(1)
  })

  it("A and B sharing storage with different row counts", () => {
    const rng = Random.make(12)
    const P = randomPacked(rng, 97, 120)
    const Bview: Blas.Packed = { data: P.data, rows: 61, depth: 120 }
    const expected = new Float64Array(97 * 61)
    Blas.updateNTJs(expected, 61, 0, P, Bview, 0, 120, 1)
    const actual = new Float64Array(97 * 61)
    WasmKernel.setEnabled(true)
    WasmKernel.setFused(false)
    expect(WasmKernel.updateNT(actual, 61, 0, P, Bview, 0, 120, 1, false, undefined)).toBe(true)
    expect(Array.from(actual)).toEqual(Array.from(expected))
  })
})

describe.skipIf(!WasmKernel.available())("WasmKernel.arena: operands in wasm memory, updated in place", () => {
  it.each([
    { m: 37, n: 45, depth: 70, k0: 3, kc: 60, lower: false, leadingZeros: undefined },
    { m: 81, n: 81, depth: 300, k0: 0, kc: 250, lower: true, leadingZeros: 2 },
    { m: 50, n: 301, depth: 700, k0: 5, kc: 690, lower: false, leadingZeros: 1 }
  ])("m $m, n $n, kc $kc, lower $lower: the valid block equals the JS kernel's", (c) => {
    const rng = Random.make(Random.derive(16, `arena/${c.m}/${c.lower}`))
    const ldc = (c.n + 3) & ~3
    const rows = (c.m + 3) & ~3
    const aLength = ((c.m + 3) >> 2) * 4 * c.depth
    const bLength = ((c.n + 3) >> 2) * 4 * c.depth
    const A = randomPacked(rng, c.m, c.depth)
    if (c.leadingZeros !== undefined) withLeadingZeros(A, c.leadingZeros)
    const B = c.lower ? A : randomPacked(rng, c.n, c.depth)
    const C0 = randomArray(rng, rows * ldc)
    const expected = Float64Array.from(C0)
    Blas.updateNTJs(expected, ldc, 0, A, B, c.k0, c.kc, -1, c.lower, c.leadingZeros)
    WasmKernel.setEnabled(true)
    WasmKernel.setFused(false)
    const memory = WasmKernel.arena(rows * ldc + aLength + bLength)
    expect(memory).toBeDefined()
    const heap = memory as Float64Array
    const C = heap.subarray(0, rows * ldc)
    C.set(C0)
    const Ar: Blas.Packed = { data: heap.subarray(rows * ldc, rows * ldc + aLength), rows: c.m, depth: c.depth }
    Ar.data.set(A.data)
    const Br: Blas.Packed = c.lower ? Ar : { data: heap.subarray(rows * ldc + aLength), rows: c.n, depth: c.depth }
    if (!c.lower) Br.data.set(B.data)
    expect(WasmKernel.updateNT(C, ldc, 0, Ar, Br, c.k0, c.kc, -1, c.lower, c.leadingZeros)).toBe(true)
    // rows < m, columns < n (and, in lower mode, the diagonal tiles' columns): the same sums in
    // the same order when k is not split into chunks; the padding beyond may hold anything
    for (let i = 0; i < c.m; i++) {
      const end = c.lower ? Math.min(c.n, (i | 3) + 1) : c.n
      const got = C.subarray(i * ldc, i * ldc + end)
      const want = expected.subarray(i * ldc, i * ldc + end)
      assertClose(got, want, { rtol: 1e-12, atol: 1e-12 * maxAbs(expected) }, `row ${i}`)
      if (c.kc <= WasmKernel.KC) expect(Array.from(got)).toEqual(Array.from(want))
    }
  })
})

describe.skipIf(!WasmKernel.available())("Blas and Cholesky results with and without wasm", () => {
  const rng = Random.make(Random.derive(13, "wasm-vs-js"))
  const A = Matrix.make(203, 171, randomArray(rng, 203 * 171))
  const B = Matrix.make(171, 98, randomArray(rng, 171 * 98))
  const Bt = Matrix.make(133, 171, randomArray(rng, 133 * 171))
  const tol = { rtol: 1e-10, atol: 1e-12 }

  it("gemm, gemmNT and syrk", () => {
    const r = bothPaths(() => ({ gemm: Blas.gemm(A, B), gemmNT: Blas.gemmNT(A, Bt), syrk: Blas.syrk(A) }))
    assertClose(r.wasm.gemm.data, r.js.gemm.data, { rtol: 1e-10, atol: 1e-10 * maxAbs(r.js.gemm.data) }, "gemm")
    assertClose(r.wasm.gemmNT.data, r.js.gemmNT.data, { rtol: 1e-10, atol: 1e-10 * maxAbs(r.js.gemmNT.data) }, "gemmNT")
    assertClose(r.wasm.syrk.data, r.js.syrk.data, { rtol: 1e-10, atol: 1e-10 * maxAbs(r.js.syrk.data) }, "syrk")
  })

  it("Cholesky factor, solves and inverse", () => {
    const n = 301
    // SPD: G·Gᵀ/n + I
    const G = Matrix.make(n, n, randomArray(rng, n * n))
    const S = Blas.syrk(G)
    for (let i = 0; i < n * n; i++) S.data[i] /= n
    for (let i = 0; i < n; i++) S.data[i * n + i] += 1
    const R = Matrix.make(n, 37, randomArray(rng, n * 37))
    const Rows = Matrix.make(150, n, randomArray(rng, 150 * n))
    const r = bothPaths(() => {
      const L = Cholesky.factor(S)
      return {
        L,
        solve: Cholesky.solve(L, R),
        lowerRows: Cholesky.solveLowerRows(L, Rows),
        upperRows: Cholesky.solveUpperRows(L, Rows),
        inverse: Cholesky.inverse(L)
      }
    })
    assertClose(r.wasm.L.data, r.js.L.data, tol, "L")
    assertClose(r.wasm.solve.data, r.js.solve.data, tol, "solve")
    assertClose(r.wasm.lowerRows.data, r.js.lowerRows.data, tol, "solveLowerRows")
    assertClose(r.wasm.upperRows.data, r.js.upperRows.data, tol, "solveUpperRows")
    assertClose(r.wasm.inverse.data, r.js.inverse.data, tol, "inverse")
  })
})

describe("fallback to the JS kernel", () => {
  it("declines when switched off, and Blas.updateNT still computes the product", () => {
    const rng = Random.make(14)
    const A = randomPacked(rng, 90, 100)
    const B = randomPacked(rng, 90, 100)
    const expected = new Float64Array(90 * 90)
    Blas.updateNTJs(expected, 90, 0, A, B, 0, 100, 1)
    WasmKernel.setEnabled(false)
    expect(WasmKernel.isEnabled()).toBe(false)
    const untouched = new Float64Array(90 * 90)
    expect(WasmKernel.updateNT(untouched, 90, 0, A, B, 0, 100, 1, false, undefined)).toBe(false)
    expect(untouched.every((v) => v === 0)).toBe(true)
    const actual = new Float64Array(90 * 90)
    Blas.updateNT(actual, 90, 0, A, B, 0, 100, 1)
    expect(Array.from(actual)).toEqual(Array.from(expected))
  })

  it("declines calls below MIN_WORK even when on", () => {
    const rng = Random.make(15)
    const A = randomPacked(rng, 8, 8)
    WasmKernel.setEnabled(true)
    expect(WasmKernel.updateNT(new Float64Array(64), 8, 0, A, A, 0, 8, 1, false, undefined)).toBe(false)
  })

  it("setEnabled(true) takes effect only where SIMD validated", () => {
    WasmKernel.setEnabled(true)
    expect(WasmKernel.isEnabled()).toBe(WasmKernel.available())
  })

  it("GPNN_WASM=0 starts with the wasm path off", () => {
    const url = new URL("../src/linalg/WasmKernel.ts", import.meta.url).href
    const script = `import(${JSON.stringify(url)}).then((m) => console.log(JSON.stringify([m.available(), m.isEnabled()])))`
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        cwd: fileURLToPath(new URL("..", import.meta.url))
      })
    const off = run({ GPNN_WASM: "0" })
    expect(off.status, off.stderr).toBe(0)
    expect(JSON.parse(off.stdout)).toEqual([WasmKernel.available(), false])
    const on = run({ GPNN_WASM: "1" })
    expect(JSON.parse(on.stdout)).toEqual([WasmKernel.available(), WasmKernel.available()])
  })

  it("GPNN_WASM_FMA=0 starts with the plain (unfused) kernel", () => {
    const url = new URL("../src/linalg/WasmKernel.ts", import.meta.url).href
    const script = `import(${JSON.stringify(url)}).then((m) => console.log(JSON.stringify([m.fusedAvailable(), m.isFused()])))`
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, ...env },
        encoding: "utf8",
        cwd: fileURLToPath(new URL("..", import.meta.url))
      })
    const off = run({ GPNN_WASM_FMA: "0" })
    expect(off.status, off.stderr).toBe(0)
    expect(JSON.parse(off.stdout)).toEqual([WasmKernel.fusedAvailable(), false])
    const on = run({ GPNN_WASM_FMA: "1" })
    expect(JSON.parse(on.stdout)).toEqual([WasmKernel.fusedAvailable(), WasmKernel.fusedAvailable()])
  })
})
