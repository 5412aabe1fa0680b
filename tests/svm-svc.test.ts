/**
 * Platt scaling (stationarity of the fitted sigmoid), C-SVC probabilities and one-vs-rest, the
 * kernel rows and expansions (built-in RBF against the shared kernel module through the adapter),
 * and the grid search's typed errors.
 */
import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import * as GridSearch from "../src/models/svm/GridSearch.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Platt from "../src/models/svm/Platt.ts"
import * as Svc from "../src/models/svm/Svc.ts"
import { assertClose } from "./support/assertClose.ts"

const moons = (n: number, seed: number) => Synthetic.moons({ n, noise: 0.3 }, Random.make(seed))
const signOf = (y: ArrayLike<number>) => Float64Array.from(y as ArrayLike<number>, (v) => (v === 1 ? 1 : -1))

/** ∂F/∂A and ∂F/∂B of Platt's cross-entropy at (a, b), written from the definition. */
const plattGradient = (f: ArrayLike<number>, labels: ArrayLike<number>, a: number, b: number): [number, number] => {
  const t = Platt.targets(labels)
  let gA = 0
  let gB = 0
  for (let i = 0; i < f.length; i++) {
    const p = 1 / (1 + Math.exp(a * f[i] + b)) // P(y = 1)
    gA += f[i] * (t[i] - p)
    gB += t[i] - p
  }
  return [gA, gB]
}

describe("Platt.fit", () => {
  const rng = Random.make(11)
  const n = 300
  const labels = Float64Array.from({ length: n }, () => (rng.uniform() < 0.4 ? 1 : 0))
  const f = Float64Array.from(labels, (l) => (l === 1 ? 1 : -1) * 0.8 + rng.normal())

  it("uses Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2)", () => {
    const t = Platt.targets([1, 1, 0, 1, 0])
    assertClose(t, [4 / 5, 4 / 5, 1 / 4, 4 / 5, 1 / 4], { rtol: 1e-15 }, "targets")
  })

  it("reaches a stationary point of the (convex) cross-entropy: the unique minimiser", () => {
    const s = Platt.fit(f, labels)
    expect(s.warning).toBeUndefined()
    const [gA, gB] = plattGradient(f, labels, s.a, s.b)
    expect(Math.abs(gA)).toBeLessThan(1e-5)
    expect(Math.abs(gB)).toBeLessThan(1e-5)
    const t = Platt.targets(labels)
    const F = Platt.objective(f, t, s.a, s.b)
    for (const [da, db] of [[1e-3, 0], [-1e-3, 0], [0, 1e-3], [0, -1e-3], [1e-3, -1e-3]]) {
      expect(Platt.objective(f, t, s.a + da, s.b + db)).toBeGreaterThan(F)
    }
    expect(s.a).toBeLessThan(0) // larger decision value, more likely class 1
  })

  it("stays finite on perfectly separated decision values (the smoothed targets at work)", () => {
    const sep = Float64Array.from(labels, (l) => (l === 1 ? 2 : -2))
    const s = Platt.fit(sep, labels)
    expect(Number.isFinite(s.a) && Number.isFinite(s.b)).toBe(true)
    const [gA, gB] = plattGradient(sep, labels, s.a, s.b)
    expect(Math.max(Math.abs(gA), Math.abs(gB))).toBeLessThan(1e-5)
  })

  it("evaluates 1/(1 + exp(Af + B)) without overflow", () => {
    const s = { a: -3, b: 0.5, iterations: 0 }
    for (const v of [-2, -0.1, 0, 0.3, 5]) assertClose(Platt.probability(s, v), 1 / (1 + Math.exp(-3 * v + 0.5)), { rtol: 1e-14 }, `P(f=${v})`)
    expect(Platt.probability(s, 1e6)).toBe(1)
    expect(Platt.probability(s, -1e6)).toBe(0)
  })
})

describe("KernelRows", () => {
  const ds = moons(60, 3)
  const X = ds.X
  const all = Int32Array.from({ length: X.rows }, (_, i) => i)

  it("σ and γ convert both ways (γ = 1/(2σ²))", () => {
    assertClose(KernelRows.gammaFromSigma(KernelRows.sigmaFromGamma(0.37)), 0.37, { rtol: 1e-14 }, "γ")
    assertClose(KernelRows.gammaFromSigma(2), 1 / 8, { rtol: 1e-15 }, "γ(σ=2)")
    expect(() => KernelRows.rbf(0)).toThrow(ConfigError)
    expect(() => KernelRows.rbfSigma(-1)).toThrow(ConfigError)
  })

  it("the built-in RBF rows equal the shared kernel module's RBF with ℓ = σ, through the adapter", () => {
    const gamma = 0.8
    const fast = KernelRows.rows(KernelRows.rbf(gamma), X)
    const shared = KernelRows.rows(KernelRows.shared(Kernel.rbf({ lengthScale: KernelRows.sigmaFromGamma(gamma) })), X)
    const K = Kernel.matrix(Kernel.rbf({ lengthScale: KernelRows.sigmaFromGamma(gamma) }), X, X)
    const a = new Float64Array(X.rows)
    const b = new Float64Array(X.rows)
    for (const i of [0, 7, 59]) {
      fast.row(i, all, 0, X.rows, a)
      shared.row(i, all, 0, X.rows, b)
      assertClose(a, b, { rtol: 1e-13, atol: 1e-15 }, `row ${i}`)
      assertClose(a, Matrix.row(K, i), { rtol: 1e-13, atol: 1e-15 }, `row ${i} vs Kernel.matrix`)
      expect(fast.diag(i)).toBe(1)
      assertClose(shared.diag(i), 1, { rtol: 1e-15 }, "diag")
    }
  })

  it("fills only [start, end) of a row, in the order given by index", () => {
    const rows = KernelRows.rows(KernelRows.shared(Kernel.matern({ nu: 1.5, lengthScale: 0.7 })), X)
    const index = Int32Array.from([5, 3, 9, 1, 0])
    const out = new Float64Array(5).fill(-1)
    rows.row(2, index, 1, 4, out)
    const K = Kernel.matrix(Kernel.matern({ nu: 1.5, lengthScale: 0.7 }), X, X)
    expect(out[0]).toBe(-1)
    expect(out[4]).toBe(-1)
    assertClose(out.subarray(1, 4), [3, 9, 1].map((j) => Matrix.get(K, 2, j)), { rtol: 1e-13 }, "partial row")
  })

  it("expansion is Σ_s c_s k(x_s, z) − offset, for the built-in and the shared kernels", () => {
    const S = Matrix.takeRows(X, [1, 4, 9])
    const coef = Float64Array.from([0.5, -1.25, 0.75])
    const Z = Matrix.takeRows(X, [0, 2, 3, 30])
    for (const [spec, k] of [
      [KernelRows.rbf(2), Kernel.rbf({ lengthScale: KernelRows.sigmaFromGamma(2) })],
      [KernelRows.shared(Kernel.rationalQuadratic({ lengthScale: 0.5, alpha: 2 })), Kernel.rationalQuadratic({ lengthScale: 0.5, alpha: 2 })]
    ] as const) {
      const K = Kernel.matrix(k, Z, S)
      const expected = Array.from({ length: Z.rows }, (_, r) => coef.reduce((s, c, j) => s + c * Matrix.get(K, r, j), 0) - 0.3)
      assertClose(KernelRows.expansion(spec, S, coef, 0.3, Z), expected, { rtol: 1e-12, atol: 1e-14 }, KernelRows.describe(spec))
    }
  })
})

describe("Svc", () => {
  const train = moons(200, 21)
  const test = moons(200, 22)

  it("the shared-kernel adapter gives the built-in RBF's SVM", () => {
    // Kernel values agree to rounding, which can steer SMO down another path to the same optimum:
    // solve both tightly and compare the (unique) decision function.
    const gamma = 1.5
    const a = Svc.fitMachine(train.X, signOf(train.y), { C: 3, kernel: KernelRows.rbf(gamma), platt: "none", tol: 1e-8 })
    const b = Svc.fitMachine(train.X, signOf(train.y), {
      C: 3,
      kernel: KernelRows.shared(Kernel.rbf({ lengthScale: KernelRows.sigmaFromGamma(gamma) })),
      platt: "none",
      tol: 1e-8
    })
    expect(Array.from(b.supportIndex)).toEqual(Array.from(a.supportIndex))
    assertClose(Svc.decision(b, test.X), Svc.decision(a, test.X), { atol: 1e-6, rtol: 0 }, "decision values")
  })

  it("binary: decision > 0 means class 1, probabilities are monotone in it and rows sum to one", () => {
    const model = Svc.fit(train.X, train.y, 2, { C: 1, kernel: KernelRows.rbf(1), rng: Random.make(5) })
    const [f] = Svc.decisions(model, test.X)
    const P = Svc.probabilities(model, test.X)
    let correct = 0
    for (let i = 0; i < test.X.rows; i++) {
      assertClose(P.data[2 * i] + P.data[2 * i + 1], 1, { rtol: 1e-15 }, "row sum")
      if ((f[i] > 0 ? 1 : 0) === test.y[i]) correct++
    }
    expect(correct / test.X.rows).toBeGreaterThan(0.8) // moons at noise 0.3: ~0.9 for a good RBF SVM
    const order = Array.from(f.keys()).sort((a, b) => f[a] - f[b])
    for (let k = 1; k < order.length; k++) expect(P.data[2 * order[k] + 1]).toBeGreaterThanOrEqual(P.data[2 * order[k - 1] + 1])
    expect(model.machines[0].sigmoid?.a).toBeLessThan(0)
  })

  it("cross-validated Platt: libsvm's 5 random folds from the generator, out-of-fold decisions, one sigmoid", () => {
    const n = train.X.rows
    const options = { C: 1, kernel: KernelRows.rbf(1) }
    const model = Svc.fit(train.X, train.y, 2, { ...options, rng: Random.make(9) })
    // The same folds, rebuilt here: a permutation from the same seed, cut at ⌊k·n/5⌋.
    const perm = Random.permutation(Random.make(9), n)
    const oof = new Float64Array(n)
    for (let k = 0; k < 5; k++) {
      const held = Array.from(perm.subarray(Math.floor((k * n) / 5), Math.floor(((k + 1) * n) / 5)))
      const rest = Array.from(perm).filter((i) => !held.includes(i))
      const m = Svc.fitMachine(Matrix.takeRows(train.X, rest), rest.map((i) => (train.y[i] === 1 ? 1 : -1)), { ...options, platt: "none" })
      Svc.decision(m, Matrix.takeRows(train.X, held)).forEach((v, r) => (oof[held[r]] = v))
    }
    const expected = Platt.fit(oof, train.y)
    assertClose([model.machines[0].sigmoid?.a ?? Number.NaN, model.machines[0].sigmoid?.b ?? Number.NaN], [expected.a, expected.b], { rtol: 1e-12 }, "(A, B)")
    // In-sample Platt is the sigmoid of the full fit's own decision values.
    const inSample = Svc.fit(train.X, train.y, 2, { ...options, platt: "in-sample" })
    const own = Platt.fit(Svc.decision(inSample.machines[0], train.X), train.y)
    expect(inSample.machines[0].sigmoid?.a).toBe(own.a)
    // Cross-validated decisions are less extreme than in-sample ones, so the CV sigmoid is flatter.
    expect(Math.abs(expected.a)).toBeLessThan(Math.abs(own.a))
  })

  it("cross-validated Platt without a generator is a ConfigError", () => {
    expect(() => Svc.fit(train.X, train.y, 2, { C: 1, kernel: KernelRows.rbf(1) })).toThrow(ConfigError)
  })

  it("one-vs-rest on three separated blobs: one machine per class, right answers, calibrated rows", () => {
    const rng = Random.make(4)
    const centres = [[0, 0], [4, 0], [0, 4]]
    const blobs = (m: number) => {
      const X: Array<Array<number>> = []
      const y: Array<number> = []
      for (let i = 0; i < m; i++) {
        const k = i % 3
        X.push([centres[k][0] + 0.5 * rng.normal(), centres[k][1] + 0.5 * rng.normal()])
        y.push(k)
      }
      return { X: Matrix.fromRows(X), y: Float64Array.from(y) }
    }
    const tr = blobs(90)
    const te = blobs(60)
    const model = Svc.fit(tr.X, tr.y, 3, { C: 1, kernel: KernelRows.rbf(0.5), rng: Random.make(1) })
    expect(model.machines.length).toBe(3)
    const P = Svc.probabilities(model, te.X)
    for (let i = 0; i < te.X.rows; i++) {
      const row = Array.from(Matrix.row(P, i))
      assertClose(row.reduce((a, b) => a + b, 0), 1, { rtol: 1e-14 }, "row sum")
      expect(row.indexOf(Math.max(...row))).toBe(te.y[i])
    }
    const hard = Svc.fit(tr.X, tr.y, 3, { C: 1, kernel: KernelRows.rbf(0.5), platt: "none" })
    const H = Svc.probabilities(hard, te.X)
    for (let i = 0; i < te.X.rows; i++) expect(Array.from(Matrix.row(H, i)).sort()).toEqual([0, 0, 1])
    expect(Svc.nSupport(model)).toBeLessThanOrEqual(90)
  })

  it("rejects a class with no points and labels outside 0..K−1 with DataErrors", () => {
    expect(() => Svc.fit(train.X, train.y, 3, { C: 1, kernel: KernelRows.rbf(1), platt: "none" })).toThrow(/class 2 has no training points/)
    const bad = Float64Array.from(train.y)
    bad[0] = 2
    expect(() => Svc.fit(train.X, bad, 2, { C: 1, kernel: KernelRows.rbf(1), platt: "none" })).toThrow(DataError)
  })
})

describe("GridSearch errors", () => {
  const ds = moons(40, 31)
  const order = Array.from({ length: 40 }, (_, i) => i).sort((a, b) => ds.y[a] - ds.y[b]) // class 0 first
  const zeros = order.filter((i) => ds.y[i] === 0)
  const ones = order.filter((i) => ds.y[i] === 1)

  it("a fold whose training part holds one class is a DataError naming the fold, not a NaN", () => {
    const folds = [ones.slice(0, 5).concat(zeros.slice(0, 5)), ones]
    try {
      GridSearch.search(ds.X, ds.y, { Cs: [1], gammas: [1], folds })
      expect.fail("expected a DataError")
    } catch (e) {
      expect(e).toBeInstanceOf(DataError)
      expect((e as DataError).source).toBe("GridSearch fold 1")
      expect((e as DataError).message).toContain("only class 0")
    }
  })

  it("a held-out part with one class (undefined AUC) is a DataError naming the fold", () => {
    expect(() => GridSearch.search(ds.X, ds.y, { Cs: [1], gammas: [1], folds: [ones.slice(0, 4)] })).toThrow(/fold 0/)
  })

  it("rejects non-binary labels, empty or invalid grids, and both γ and σ", () => {
    const folds = [ones.slice(0, 3).concat(zeros.slice(0, 3))]
    const y3 = Float64Array.from(ds.y)
    y3[0] = 2
    expect(() => GridSearch.search(ds.X, y3, { Cs: [1], gammas: [1], folds })).toThrow(DataError)
    expect(() => GridSearch.search(ds.X, ds.y, { Cs: [], gammas: [1], folds })).toThrow(ConfigError)
    expect(() => GridSearch.search(ds.X, ds.y, { Cs: [1], gammas: [-1], folds })).toThrow(ConfigError)
    expect(() => GridSearch.search(ds.X, ds.y, { Cs: [1], gammas: [1], sigmas: [1], folds })).toThrow(ConfigError)
    expect(() => GridSearch.search(ds.X, ds.y, { Cs: [1], gammas: [1], folds: [[0, 99]] })).toThrow(/not a row/)
  })

  it("searches another kernel family on the σ grid through the adapter", () => {
    const folds = [ones.slice(0, 4).concat(zeros.slice(0, 4)), ones.slice(4, 8).concat(zeros.slice(4, 8))]
    const r = GridSearch.search(ds.X, ds.y, {
      Cs: [1, 10],
      sigmas: [0.5, 1],
      folds,
      kernel: (sigma) => KernelRows.shared(Kernel.matern({ nu: 2.5, lengthScale: sigma }))
    })
    expect(r.cells.length).toBe(4)
    for (const c of r.cells) {
      expect(c.cvAuc).toBeGreaterThan(0.5)
      expect(c.cvAuc).toBeLessThanOrEqual(1)
      assertClose(c.cvAuc, c.cvAucFolds.reduce((a, b) => a + b, 0) / 2, { rtol: 1e-15 }, "mean of folds")
    }
  })
})
