/**
 * The SMO solver's contract, checked independently of its internals: the returned α satisfy the
 * box and equality constraints, the KKT conditions hold to the stopping tolerance (gradient
 * recomputed here from a dense kernel matrix), the kernel cache and shrinking do not change the
 * solution, and hitting maxIterations is reported. Plus the LRU cache against a plain matrix.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ConfigError, DataError, NumericalError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Cache from "../src/models/svm/Cache.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Smo from "../src/models/svm/Smo.ts"
import { assertClose } from "./support/assertClose.ts"

/** The dense RBF Gram matrix, straight from the definition. */
const gram = (X: Matrix.Matrix, gamma: number): Float64Array => {
  const n = X.rows
  const K = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let c = 0; c < X.cols; c++) s += (Matrix.get(X, i, c) - Matrix.get(X, j, c)) ** 2
      K[i * n + j] = Math.exp(-gamma * s)
    }
  }
  return K
}

/** f_i = Σ_j coef_j K_ij − ρ at the training points. */
const trainDecision = (K: Float64Array, coef: Float64Array, rho: number): Float64Array => {
  const n = coef.length
  return Float64Array.from({ length: n }, (_, i) => {
    let f = 0
    for (let j = 0; j < n; j++) f += coef[j] * K[i * n + j]
    return f - rho
  })
}

/**
 * libsvm's optimality measure of the general dual min ½αᵀQα + pᵀα, yᵀα = 0, 0 ≤ α ≤ C:
 * m(α) − M(α) with m = max_{I_up} −y_t∇_t, M = min_{I_low} −y_t∇_t. Zero at the exact optimum.
 */
const kktGap = (grad: Float64Array, y: Int8Array, alpha: Float64Array, C: ArrayLike<number>): number => {
  let m = -Infinity
  let M = Infinity
  for (let t = 0; t < grad.length; t++) {
    const v = -y[t] * grad[t]
    const up = (y[t] === 1 && alpha[t] < C[t]) || (y[t] === -1 && alpha[t] > 0)
    const low = (y[t] === 1 && alpha[t] > 0) || (y[t] === -1 && alpha[t] < C[t])
    if (up) m = Math.max(m, v)
    if (low) M = Math.min(M, v)
  }
  return m - M
}

const moons = (n: number, seed: number) => {
  const ds = Synthetic.moons({ n, noise: 0.3 }, Random.make(seed))
  return { X: ds.X, sign: Float64Array.from(ds.y, (v) => (v === 1 ? 1 : -1)) }
}

describe("Smo.classify (C-SVC dual)", () => {
  const cases = [
    { C: 1, gamma: 1, n: 150, seed: 1 },
    { C: 100, gamma: 10, n: 150, seed: 2 },
    { C: 0.1, gamma: 0.1, n: 120, seed: 3 },
    { C: 1000, gamma: 100, n: 200, seed: 4 }
  ]

  it.each(cases)("C=$C γ=$gamma n=$n: box, equality and KKT conditions at the solution", ({ C, gamma, n, seed }) => {
    const { X, sign } = moons(n, seed)
    const tol = 1e-3
    const s = Smo.classify(KernelRows.rows(KernelRows.rbf(gamma), X), sign, C, { tol })
    expect(s.converged).toBe(true)
    expect(s.warning).toBeUndefined()
    // 0 ≤ α ≤ C and coef = α y.
    for (let i = 0; i < n; i++) {
      expect(s.alpha[i]).toBeGreaterThanOrEqual(0)
      expect(s.alpha[i]).toBeLessThanOrEqual(C)
      expect(s.coef[i]).toBe(s.alpha[i] * sign[i])
    }
    // Σ α_i y_i = 0.
    const sum = s.coef.reduce((a, b) => a + b, 0)
    expect(Math.abs(sum)).toBeLessThan(1e-9 * Math.max(1, C))
    // KKT: the maximal violating pair's gap below tol, from a gradient recomputed here.
    const K = gram(X, gamma)
    const f = trainDecision(K, s.coef, s.rho)
    const grad = Float64Array.from({ length: n }, (_, i) => sign[i] * (f[i] + s.rho) - 1)
    const y = Int8Array.from(sign)
    expect(kktGap(grad, y, s.alpha, new Float64Array(n).fill(C))).toBeLessThan(tol)
    // The same conditions in margin form: y f ≥ 1 off the support, = 1 on free SVs, ≤ 1 at the bound.
    for (let i = 0; i < n; i++) {
      const margin = sign[i] * f[i]
      if (s.alpha[i] === 0) expect(margin).toBeGreaterThanOrEqual(1 - tol)
      else if (s.alpha[i] === C) expect(margin).toBeLessThanOrEqual(1 + tol)
      else expect(Math.abs(margin - 1)).toBeLessThanOrEqual(tol)
    }
    // Support = the points with α > 0.
    expect(Array.from(s.support)).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => s.alpha[i] > 0))
    // The reported objective is the dual objective ½αᵀQα − Σα.
    let quad = 0
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) quad += s.coef[i] * s.coef[j] * K[i * n + j]
    assertClose(s.objective, 0.5 * quad - s.alpha.reduce((a, b) => a + b, 0), { rtol: 1e-9, atol: 1e-9 }, "dual objective")
  })

  it("gives the identical solution with the kernel cache on, off or tiny", () => {
    const { X, sign } = moons(200, 5)
    const rows = KernelRows.rows(KernelRows.rbf(10), X)
    const on = Smo.classify(rows, sign, 100, { cacheMb: 200 })
    const off = Smo.classify(rows, sign, 100, { cacheMb: 0 })
    const tiny = Smo.classify(rows, sign, 100, { cacheMb: 1e-6 }) // two rows: constant eviction and regrowth
    expect(on.cacheHits).toBeGreaterThan(0)
    expect(off.cacheHits).toBe(0)
    for (const other of [off, tiny]) {
      expect(Array.from(other.alpha)).toEqual(Array.from(on.alpha))
      expect(other.rho).toBe(on.rho)
      expect(other.iterations).toBe(on.iterations)
    }
  })

  it("gives the same solution with and without shrinking (a problem long enough to shrink)", () => {
    const { X, sign } = moons(200, 6)
    const rows = KernelRows.rows(KernelRows.rbf(100), X)
    const a = Smo.classify(rows, sign, 1000, { shrinking: true, tol: 1e-6 })
    const b = Smo.classify(rows, sign, 1000, { shrinking: false, tol: 1e-6 })
    expect(a.iterations).toBeGreaterThan(201) // shrinking first runs after min(n, 1000) + 1 iterations
    const K = gram(X, 100)
    assertClose(trainDecision(K, a.coef, a.rho), trainDecision(K, b.coef, b.rho), { atol: 1e-4, rtol: 0 }, "decision values")
    assertClose(a.objective, b.objective, { rtol: 1e-8 }, "dual objective")
  })

  it("respects per-class bounds C₊ and C₋", () => {
    const { X, sign } = moons(150, 7)
    const s = Smo.classify(KernelRows.rows(KernelRows.rbf(1), X), sign, { positive: 2, negative: 0.5 })
    const C = Float64Array.from(sign, (v) => (v === 1 ? 2 : 0.5))
    let atUpper = 0
    for (let i = 0; i < sign.length; i++) {
      expect(s.alpha[i]).toBeGreaterThanOrEqual(0)
      expect(s.alpha[i]).toBeLessThanOrEqual(C[i])
      if (s.alpha[i] === C[i]) atUpper++
    }
    expect(atUpper).toBeGreaterThan(0)
    const K = gram(X, 1)
    const f = trainDecision(K, s.coef, s.rho)
    const grad = Float64Array.from(f, (fi, i) => sign[i] * (fi + s.rho) - 1)
    expect(kktGap(grad, Int8Array.from(sign), s.alpha, C)).toBeLessThan(1e-3)
  })

  it("stops at maxIterations with converged false and a warning, and the KKT gap shows it", () => {
    const { X, sign } = moons(150, 8)
    const s = Smo.classify(KernelRows.rows(KernelRows.rbf(10), X), sign, 100, { maxIterations: 5 })
    expect(s.iterations).toBe(5)
    expect(s.converged).toBe(false)
    expect(s.warning).toContain("maxIterations")
    const K = gram(X, 10)
    const f = trainDecision(K, s.coef, s.rho)
    const grad = Float64Array.from(f, (fi, i) => sign[i] * (fi + s.rho) - 1)
    expect(kktGap(grad, Int8Array.from(sign), s.alpha, new Float64Array(150).fill(100))).toBeGreaterThan(1e-3)
  })

  it("a kernel that yields NaN ends in a NumericalError, not a silent NaN model", () => {
    const rows: KernelRows.KernelRows = {
      n: 4,
      row: (_i, _index, start, end, out) => out.fill(Number.NaN, start, end),
      diag: () => Number.NaN
    }
    expect(() => Smo.classify(rows, [1, -1, 1, -1], 1)).toThrow(NumericalError)
  })

  it("rejects labels other than ±1, a single class and a bad C with typed errors", () => {
    const { X, sign } = moons(20, 9)
    const rows = KernelRows.rows(KernelRows.rbf(1), X)
    expect(() => Smo.classify(rows, Float64Array.from(sign, (v) => (v === 1 ? 1 : 0)), 1)).toThrow(DataError)
    expect(() => Smo.classify(rows, new Float64Array(20).fill(1), 1)).toThrow(/both classes/)
    expect(() => Smo.classify(rows, sign, 0)).toThrow(ConfigError)
    expect(() => Smo.classify(rows, sign, 1, { tol: -1 })).toThrow(ConfigError)
  })
})

describe("Smo.regress (ε-SVR dual, 2n variables)", () => {
  const data = (n: number, seed: number) => {
    const ds = Synthetic.sineQuadratic({ n, noise: 0.2 }, Random.make(seed))
    return { X: ds.X, y: ds.y }
  }

  it.each([
    { C: 10, gamma: 0.5, epsilon: 0.1, n: 100, seed: 1 },
    { C: 1, gamma: 2, epsilon: 0.3, n: 80, seed: 2 },
    { C: 100, gamma: 5, epsilon: 0.05, n: 120, seed: 3 }
  ])("C=$C γ=$gamma ε=$epsilon: box, equality and KKT (tube) conditions", ({ C, gamma, epsilon, n, seed }) => {
    const { X, y } = data(n, seed)
    const tol = 1e-3
    const s = Smo.regress(KernelRows.rows(KernelRows.rbf(gamma), X), y, C, epsilon, { tol })
    expect(s.converged).toBe(true)
    expect(s.alpha.length).toBe(2 * n)
    for (let t = 0; t < 2 * n; t++) {
      expect(s.alpha[t]).toBeGreaterThanOrEqual(0)
      expect(s.alpha[t]).toBeLessThanOrEqual(C)
    }
    for (let i = 0; i < n; i++) expect(s.coef[i]).toBe(s.alpha[i] - s.alpha[i + n])
    expect(Math.abs(s.coef.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9 * C)
    const K = gram(X, gamma)
    const f = trainDecision(K, s.coef, s.rho)
    // Dual gradient in the 2n variables: ∇ = Qα + p with p = (ε − y, ε + y), y = (+1…, −1…).
    const grad = new Float64Array(2 * n)
    const ys = new Int8Array(2 * n)
    for (let i = 0; i < n; i++) {
      const g = f[i] + s.rho // Σ_j coef_j K_ij
      grad[i] = g + epsilon - y[i]
      grad[i + n] = -g + epsilon + y[i]
      ys[i] = 1
      ys[i + n] = -1
    }
    expect(kktGap(grad, ys, s.alpha, new Float64Array(2 * n).fill(C))).toBeLessThan(tol)
    // Tube form: inside the tube off the support; on its edge for free SVs; outside at the bound.
    for (let i = 0; i < n; i++) {
      const r = y[i] - f[i]
      if (s.coef[i] === 0) expect(Math.abs(r)).toBeLessThanOrEqual(epsilon + tol)
      else if (Math.abs(s.coef[i]) < C) expect(Math.abs(Math.abs(r) - epsilon)).toBeLessThanOrEqual(tol)
      else expect(Math.abs(r)).toBeGreaterThanOrEqual(epsilon - tol)
      if (s.coef[i] !== 0) expect(Math.sign(s.coef[i])).toBe(Math.sign(r))
    }
  })

  it("gives the identical solution with the cache on or off", () => {
    const { X, y } = data(100, 4)
    const rows = KernelRows.rows(KernelRows.rbf(1), X)
    const on = Smo.regress(rows, y, 10, 0.1, { cacheMb: 200 })
    const off = Smo.regress(rows, y, 10, 0.1, { cacheMb: 0 })
    expect(Array.from(off.alpha)).toEqual(Array.from(on.alpha))
    expect(off.rho).toBe(on.rho)
  })

  it("rejects a negative ε and non-finite targets", () => {
    const { X, y } = data(10, 5)
    const rows = KernelRows.rows(KernelRows.rbf(1), X)
    expect(() => Smo.regress(rows, y, 1, -0.1)).toThrow(ConfigError)
    const bad = Float64Array.from(y)
    bad[3] = Number.NaN
    expect(() => Smo.regress(rows, bad, 1, 0.1)).toThrow(DataError)
  })
})

describe("Cache (LRU kernel rows)", () => {
  it("always returns the rows of the current permutation, whatever the budget, requests and swaps", () => {
    const n = 7
    const truth = Float64Array.from({ length: n * n }, (_, k) => Math.sin(k + 1))
    const op = fc.oneof(
      fc.record({ kind: fc.constant("get" as const), i: fc.nat(n - 1), len: fc.integer({ min: 1, max: n }) }),
      fc.record({ kind: fc.constant("swap" as const), i: fc.nat(n - 1), j: fc.nat(n - 1) })
    )
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.array(op, { maxLength: 60 }), (entries, ops) => {
        const cache = Cache.make(n, (entries * 8) / 1048576)
        const perm = Int32Array.from({ length: n }, (_, i) => i)
        for (const o of ops) {
          if (o.kind === "swap") {
            cache.swap(o.i, o.j)
            const t = perm[o.i]
            perm[o.i] = perm[o.j]
            perm[o.j] = t
            continue
          }
          const start = cache.request(o.i, o.len)
          const row = cache.data(o.i)
          expect(row.length).toBeGreaterThanOrEqual(o.len)
          for (let j = start; j < o.len; j++) row[j] = truth[perm[o.i] * n + perm[j]]
          for (let j = 0; j < o.len; j++) expect(row[j]).toBe(truth[perm[o.i] * n + perm[j]])
        }
        expect(cache.stats.hits + cache.stats.misses).toBe(ops.filter((o) => o.kind === "get").length)
      }),
      { numRuns: 300 }
    )
  })

  it("serves a repeated row from memory and evicts the least recently used beyond the budget", () => {
    const n = 4
    const cache = Cache.make(n, (2 * n * 8) / 1048576) // exactly two full rows
    expect(cache.request(0, n)).toBe(0)
    expect(cache.request(1, n)).toBe(0)
    expect(cache.request(0, n)).toBe(n) // hit
    expect(cache.request(2, n)).toBe(0) // evicts row 1, the least recently used
    expect(cache.request(0, n)).toBe(n)
    expect(cache.request(1, n)).toBe(0)
    expect(cache.request(1, 2)).toBe(2)
  })
})
