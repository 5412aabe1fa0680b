import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"

const meanSd = (v: ArrayLike<number>): [number, number] => {
  const a = Array.from(v)
  const m = a.reduce((s, x) => s + x, 0) / a.length
  return [m, Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length)]
}
const col = (ds: Dataset, j: number) => Array.from({ length: ds.X.rows }, (_, i) => Matrix.get(ds.X, i, j))

const regressions = [
  ["sine-quadratic", (n: number, noise: number, seed: number) => Synthetic.sineQuadratic({ n, noise }, Random.make(seed)), Synthetic.sineQuadraticMean],
  ["smooth", (n: number, noise: number, seed: number) => Synthetic.smooth({ n, noise }, Random.make(seed)), Synthetic.smoothMean],
  ["periodic", (n: number, noise: number, seed: number) => Synthetic.periodic({ n, noise }, Random.make(seed)), (x: number) => Synthetic.periodicMean(x)]
] as const

describe.each(regressions)("Synthetic.%s", (name, make, truth) => {
  it("draws x ~ U(−3, 3) into an (n × 1) regression set, deterministic in the seed", () => {
    const ds = make(20000, 0.3, 1)
    expect([ds.name, ds.kind, ds.X.rows, ds.X.cols, ds.classes]).toEqual([name, "regression", 20000, 1, 0])
    const x = col(ds, 0)
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-3)
    expect(Math.max(...x)).toBeLessThan(3)
    const [m, sd] = meanSd(x)
    assertClose([m, sd], [0, Math.sqrt(3)], { atol: 0.05, rtol: 0.02 }, "x mean and sd")
    expect(make(50, 0.3, 1)).toEqual(make(50, 0.3, 1))
    expect(make(50, 0.3, 2).y).not.toEqual(make(50, 0.3, 1).y)
  })

  it("y = f(x) exactly without noise, and f(x) + N(0, noise²) with it", () => {
    const clean = make(200, 0, 3)
    assertClose(clean.y, col(clean, 0).map(truth), { rtol: 0, atol: 0 }, "noise-free y")
    const noisy = make(20000, 0.3, 4)
    const residuals = col(noisy, 0).map((x, i) => noisy.y[i] - truth(x))
    const [m, sd] = meanSd(residuals)
    assertClose([m, sd], [0, 0.3], { atol: 0.01, rtol: 0.03 }, "residual mean and sd")
  })
})

describe("Synthetic regression truths", () => {
  it("sineQuadraticMean is the width-sweep peer's sin(3x) + 0.3x²", () => {
    assertClose(Synthetic.sineQuadraticMean(1.2), Math.sin(3.6) + 0.3 * 1.44, { atol: 1e-14 }, "f(1.2)")
  })

  it("periodicMean repeats with its period (default and custom)", () => {
    for (const x of [-2.9, -1, 0.37, 2.2]) {
      assertClose(Synthetic.periodicMean(x + Synthetic.DEFAULT_PERIOD), Synthetic.periodicMean(x), { atol: 1e-12 }, `x=${x}`)
      assertClose(Synthetic.periodicMean(x + 0.8, 0.8), Synthetic.periodicMean(x, 0.8), { atol: 1e-12 }, `x=${x}, p=0.8`)
      expect(Math.abs(Synthetic.periodicMean(x + 0.4, 0.8) - Synthetic.periodicMean(x, 0.8))).toBeGreaterThan(1e-3)
    }
    const ds = Synthetic.periodic({ n: 100, noise: 0, period: 0.8 }, Random.make(5))
    assertClose(ds.y, col(ds, 0).map((x) => Synthetic.periodicMean(x, 0.8)), { atol: 0 }, "custom period data")
  })

  it("rough is an Ornstein–Uhlenbeck path: E[(f(x+Δ) − f(x))²] = 2(1 − exp(−Δ/ℓ)), linear in small Δ", () => {
    for (const lengthScale of [1, 0.3]) {
      const ds = Synthetic.rough({ n: 20000, noise: 0, lengthScale }, Random.make(7))
      const order = col(ds, 0).map((x, i) => [x, ds.y[i]]).sort((a, b) => a[0] - b[0])
      let observed = 0
      let expected = 0
      for (let k = 1; k < order.length; k++) {
        observed += (order[k][1] - order[k - 1][1]) ** 2
        expected += 2 * (1 - Math.exp(-(order[k][0] - order[k - 1][0]) / lengthScale))
      }
      assertClose(observed / expected, 1, { atol: 0.05 }, `increments, ℓ=${lengthScale}`)
    }
  })

  it("rough adds observation noise on top of the path", () => {
    const clean = Synthetic.rough({ n: 5000, noise: 0 }, Random.make(8))
    const noisy = Synthetic.rough({ n: 5000, noise: 0.5 }, Random.make(8))
    expect(noisy.X).toEqual(clean.X)
    const [m, sd] = meanSd(Array.from(noisy.y, (v, i) => v - clean.y[i]))
    assertClose([m, sd], [0, 0.5], { atol: 0.03, rtol: 0.03 }, "noise")
  })

  it("rejects bad parameters with a ConfigError naming the field", () => {
    expect(() => Synthetic.sineQuadratic({ n: 0, noise: 0.1 }, Random.make(0))).toThrow(/n must be an integer ≥ 1/)
    expect(() => Synthetic.smooth({ n: 10, noise: -1 }, Random.make(0))).toThrow(/noise must be a finite number ≥ 0/)
    expect(() => Synthetic.periodic({ n: 10, noise: 0, period: 0 }, Random.make(0))).toThrow(/period/)
    expect(() => Synthetic.circles({ n: 10, noise: 0, factor: 1 }, Random.make(0))).toThrow(/factor/)
  })
})

describe("Synthetic classification", () => {
  it("moons: ⌊n/2⌋ points of class 0 on the upper unit half circle, the rest on the shifted lower one", () => {
    const ds = Synthetic.moons({ n: 301, noise: 0 }, Random.make(1))
    expect([ds.name, ds.kind, ds.X.rows, ds.X.cols, ds.classes]).toEqual(["moons", "classification", 301, 2, 2])
    expect(ds.y.filter((v) => v === 0).length).toBe(150)
    for (let i = 0; i < ds.X.rows; i++) {
      const [a, b] = [Matrix.get(ds.X, i, 0), Matrix.get(ds.X, i, 1)]
      if (ds.y[i] === 0) {
        assertClose(a * a + b * b, 1, { atol: 1e-12 }, "outer radius")
        expect(b).toBeGreaterThanOrEqual(-1e-12)
      } else {
        assertClose((a - 1) ** 2 + (b - 0.5) ** 2, 1, { atol: 1e-12 }, "inner radius")
        expect(b).toBeLessThanOrEqual(0.5 + 1e-12)
      }
    }
  })

  it("moons: the points of scikit-learn make_moons(6, shuffle=False), shuffled", () => {
    const ds = Synthetic.moons({ n: 6, noise: 0 }, Random.make(2))
    const rows = Matrix.toRows(ds.X).map((r, i) => [...r.map((v) => Math.round(v * 1e12) / 1e12 + 0), ds.y[i]])
    rows.sort((p, q) => p[2] - q[2] || p[0] - q[0] || p[1] - q[1])
    expect(rows).toEqual([[-1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0.5, 1], [1, -0.5, 1], [2, 0.5, 1]])
  })

  it("circles: class 0 on the unit circle, class 1 on radius factor", () => {
    const ds = Synthetic.circles({ n: 101, noise: 0, factor: 0.4 }, Random.make(3))
    expect(ds.y.filter((v) => v === 0).length).toBe(50)
    for (let i = 0; i < ds.X.rows; i++) {
      const r = Math.hypot(Matrix.get(ds.X, i, 0), Matrix.get(ds.X, i, 1))
      assertClose(r, ds.y[i] === 0 ? 1 : 0.4, { atol: 1e-12 }, "radius")
    }
  })

  it("xor: label 1 exactly where x₁·x₂ > 0 without noise, on [−1, 1]²", () => {
    const ds = Synthetic.xor({ n: 4000, noise: 0 }, Random.make(4))
    for (let i = 0; i < ds.X.rows; i++) {
      const [a, b] = [Matrix.get(ds.X, i, 0), Matrix.get(ds.X, i, 1)]
      expect(Math.max(Math.abs(a), Math.abs(b))).toBeLessThanOrEqual(1)
      expect(ds.y[i]).toBe(a * b > 0 ? 1 : 0)
    }
    assertClose(meanSd(ds.y)[0], 0.5, { atol: 0.03 }, "class balance")
  })

  it.each([
    ["moons", (noise: number) => Synthetic.moons({ n: 5000, noise }, Random.make(9))],
    ["circles", (noise: number) => Synthetic.circles({ n: 5000, noise }, Random.make(9))],
    ["xor", (noise: number) => Synthetic.xor({ n: 5000, noise }, Random.make(9))]
  ] as const)("%s: noise adds N(0, noise²) to each coordinate and keeps the labels", (_, make) => {
    const clean = make(0)
    const noisy = make(0.2)
    expect(noisy.y).toEqual(clean.y)
    const [m, sd] = meanSd(Array.from(noisy.X.data, (v, k) => v - clean.X.data[k]))
    assertClose([m, sd], [0, 0.2], { atol: 0.01, rtol: 0.03 }, "feature noise")
    expect(make(0.2)).toEqual(noisy)
  })
})
