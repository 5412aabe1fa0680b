import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Activation from "../src/models/ntk/Activation.ts"
import * as Kernels from "../src/models/ntk/Kernels.ts"
import * as Predict from "../src/models/ntk/Predict.ts"
import { assertClose } from "./support/assertClose.ts"

interface PredictionCase {
  readonly activation: string
  readonly depth: number
  readonly sw2: number
  readonly sb2: number
  readonly diagReg: number
  readonly nngpMean: Array<number>
  readonly nngpVar: Array<number>
  readonly ntkMean: Array<number>
  readonly ntkVarInfTime: Array<number>
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/ntk.json", import.meta.url), "utf8")).predictions as {
  readonly Xtrain: Array<Array<number>>
  readonly ytrain: Array<number>
  readonly Xtest: Array<Array<number>>
  readonly cases: ReadonlyArray<PredictionCase>
}

const X = Matrix.fromRows(fixture.Xtrain)
const Xs = Matrix.fromRows(fixture.Xtest)
const Y = Matrix.make(X.rows, 1, Float64Array.from(fixture.ytrain))
const specOf = (c: PredictionCase): Kernels.Spec => ({ depth: c.depth, activation: c.activation, wStd: Math.sqrt(c.sw2), bStd: Math.sqrt(c.sb2) })
const blocks = (spec: Kernels.Spec, Xtrain: Matrix.Matrix, Xtest: Matrix.Matrix) => ({
  train: Kernels.train(spec, Xtrain),
  cross: Kernels.cross(spec, Xtest, Xtrain),
  diag: Kernels.diagonal(spec, Xtest)
})

describe("Predict vs the reference fixture", () => {
  // The fixture's diagReg is added to the train block as is; its variances are latent (no noise).
  it.each(fixture.cases.map((c) => [`${c.activation} depth ${c.depth}`, c] as const))("%s: NNGP posterior and NTK-GP at t = ∞", (_n, c) => {
    const { train, cross, diag } = blocks(specOf(c), X, Xs)
    const reg: Predict.Regularisation = { diagReg: c.diagReg, scale: "absolute" }
    const g = Predict.nngp(train, Y, reg)
    expect(g.ridge).toBe(c.diagReg)
    expect(g.jitter).toBe(0)
    const gp = g.predict(cross, diag)
    assertClose(gp.mean.data, c.nngpMean, { rtol: 1e-6 }, "nngp mean")
    assertClose(gp.variance, c.nngpVar, { rtol: 1e-6 }, "nngp variance")
    const t = Predict.ntk(train, Y, reg).predict(cross, diag)
    assertClose(t.mean.data, c.ntkMean, { rtol: 1e-6 }, "ntk mean")
    assertClose(t.variance, c.ntkVarInfTime, { rtol: 1e-6 }, "ntk variance (t = ∞)")
  })
})

describe("Predict: NTK-GP along gradient-descent time", () => {
  const spec: Kernels.Spec = { depth: 2, activation: "relu", wStd: 1.2, bStd: 0.3 }
  const { train, cross, diag } = blocks(spec, X, Xs)
  const reg: Predict.Regularisation = { diagReg: 1e-3 }

  it("is the prior at t = 0 and tends to the t = ∞ prediction as t grows", () => {
    const traj = Predict.ntkGradientDescent(train, Y, reg, 0.5)
    const start = traj.predict(cross, diag, 0)
    assertClose(start.mean.data, new Array(Xs.rows).fill(0), { atol: 0 }, "mean at t = 0")
    assertClose(start.variance, diag.nngp, { rtol: 1e-12 }, "variance at t = 0 is K**")
    const inf = Predict.ntk(train, Y, reg).predict(cross, diag)
    expect(traj.ridge).toBe(Predict.ntk(train, Y, reg).ridge)
    let previous = Infinity
    for (const time of [1, 10, 100, 1e3, 1e4, 1e5]) {
      const p = traj.predict(cross, diag, time)
      let err = 0
      for (let j = 0; j < Xs.rows; j++) err = Math.max(err, Math.abs(p.mean.data[j] - inf.mean.data[j]), Math.abs(p.variance[j] - inf.variance[j]))
      expect(err).toBeLessThanOrEqual(previous)
      previous = err
    }
    const late = traj.predict(cross, diag, 1e9)
    assertClose(late.mean.data, inf.mean.data, { rtol: 1e-8, atol: 1e-10 }, "mean at t → ∞")
    assertClose(late.variance, inf.variance, { rtol: 1e-7, atol: 1e-10 }, "variance at t → ∞")
  })

  it("follows the gradient-flow ODE df/dt = −η(Θ + rI)(f − y)/n, df*/dt = −ηΘ*X(f − y)/n (RK4)", () => {
    const eta = 2
    const time = 30
    const traj = Predict.ntkGradientDescent(train, Y, reg, eta)
    const n = X.rows
    const m = Xs.rows
    const r = traj.ridge
    const T = train.ntk.matrix.data
    const Ts = cross.ntk.matrix.data
    const y = Y.data
    // state: [f (n), f* (m)]
    const deriv = (s: Float64Array): Float64Array => {
      const out = new Float64Array(n + m)
      const resid = Float64Array.from({ length: n }, (_, i) => s[i] - y[i])
      for (let i = 0; i < n; i++) {
        let v = r * resid[i]
        for (let k = 0; k < n; k++) v += T[i * n + k] * resid[k]
        out[i] = (-eta * v) / n
      }
      for (let j = 0; j < m; j++) {
        let v = 0
        for (let k = 0; k < n; k++) v += Ts[j * n + k] * resid[k]
        out[n + j] = (-eta * v) / n
      }
      return out
    }
    let s = new Float64Array(n + m)
    const steps = 3000
    const h = time / steps
    const axpy = (a: Float64Array, b: Float64Array, c: number) => a.map((v, i) => v + c * b[i])
    for (let k = 0; k < steps; k++) {
      const k1 = deriv(s)
      const k2 = deriv(axpy(s, k1, h / 2))
      const k3 = deriv(axpy(s, k2, h / 2))
      const k4 = deriv(axpy(s, k3, h))
      s = s.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]))
    }
    assertClose(traj.predict(cross, diag, time).mean.data, s.subarray(n), { rtol: 1e-9, atol: 1e-12 }, "test mean at t")
    // η and t only enter as η·t
    assertClose(Predict.ntkGradientDescent(train, Y, reg, 1).predict(cross, diag, eta * time).mean.data, s.subarray(n), { rtol: 1e-9, atol: 1e-12 }, "η·t")
    // the mean on the training inputs, from the decomposition, is the prediction there
    const atTrain = traj.predict(Kernels.cross(spec, X, X), Kernels.diagonal(spec, X), time).mean.data
    assertClose(traj.trainMean(time).data, atTrain, { rtol: 1e-9, atol: 1e-12 }, "train mean at t")
    expect(() => traj.trainMean(-1)).toThrow(ConfigError)
  })

  it("rejects a negative time or learning rate", () => {
    expect(() => Predict.ntkGradientDescent(train, Y, reg, 0)).toThrow(ConfigError)
    expect(() => Predict.ntkGradientDescent(train, Y, reg).predict(cross, diag, -1)).toThrow(ConfigError)
  })
})

describe("Predict: properties and errors", () => {
  const rng = Random.make(9)
  const Xr = Matrix.make(30, 2, Float64Array.from({ length: 60 }, () => rng.normal()))
  const Xt = Matrix.make(7, 2, Float64Array.from({ length: 14 }, () => rng.normal()))
  const yr = Matrix.make(30, 2, Float64Array.from({ length: 60 }, () => rng.normal()))

  it("relative regularisation is diagReg × mean diagonal; multi-output equals output by output", () => {
    const spec: Kernels.Spec = { depth: 2, activation: "erf", wStd: 1.3, bStd: 0.2 }
    const { train, cross, diag } = blocks(spec, Xr, Xt)
    const n = Xr.rows
    let trace = 0
    for (let i = 0; i < n; i++) trace += train.ntk.matrix.data[i * n + i]
    const fit = Predict.ntk(train, yr, { diagReg: 1e-2 })
    assertClose(fit.ridge, (1e-2 * trace) / n, { rtol: 1e-15 }, "ridge")
    const both = fit.predict(cross, diag)
    for (let c = 0; c < 2; c++) {
      const col = Matrix.make(n, 1, Float64Array.from({ length: n }, (_, i) => yr.data[i * 2 + c]))
      const one = Predict.ntk(train, col, { diagReg: 1e-2 }).predict(cross, diag)
      assertClose(Array.from({ length: Xt.rows }, (_, j) => both.mean.data[j * 2 + c]), one.mean.data, { rtol: 1e-12 }, `output ${c}`)
      assertClose(both.variance, one.variance, { rtol: 1e-12 }, "shared variance")
    }
    // variances are non-negative and the NNGP posterior shrinks the prior
    const post = Predict.nngp(train, yr, { diagReg: 1e-2 }).predict(cross, diag)
    for (let j = 0; j < Xt.rows; j++) {
      expect(post.variance[j]).toBeGreaterThan(0)
      expect(post.variance[j]).toBeLessThanOrEqual(diag.nngp[j])
      expect(both.variance[j]).toBeGreaterThan(-1e-12)
    }
  })

  it("at the training inputs with a tiny ridge, both posteriors interpolate", () => {
    const spec: Kernels.Spec = { depth: 1, activation: "relu", wStd: 1.4, bStd: 0.5 }
    const train = Kernels.train(spec, Xr)
    const cross = Kernels.cross(spec, Xr, Xr)
    const diag = Kernels.diagonal(spec, Xr)
    for (const fit of [Predict.nngp(train, yr, { diagReg: 1e-10 }), Predict.ntk(train, yr, { diagReg: 1e-10 })]) {
      const p = fit.predict(cross, diag)
      assertClose(p.mean.data, yr.data, { atol: 1e-5 }, "interpolation")
      assertClose(p.variance, new Array(Xr.rows).fill(0), { atol: 1e-5 }, "no variance at the data")
    }
  })

  it("rejects blocks that do not fit together", () => {
    const a = blocks({ depth: 2, activation: "relu", wStd: 1, bStd: 0.1 }, Xr, Xt)
    const b = blocks({ depth: 3, activation: "relu", wStd: 1, bStd: 0.1 }, Xr, Xt)
    expect(() => Predict.ntk(a.train, yr, { diagReg: 1e-3 }).predict(b.cross, b.diag)).toThrow(ConfigError)
    expect(() => Predict.nngp(a.cross, yr, { diagReg: 1e-3 })).toThrow(ConfigError)
    expect(() => Predict.nngp(a.train, Matrix.make(3, 1), { diagReg: 1e-3 })).toThrow(DataError)
    expect(() => Predict.nngp(a.train, yr, { diagReg: -1 })).toThrow(ConfigError)
    const other = blocks({ depth: 2, activation: "relu", wStd: 1, bStd: 0.1 }, Xt, Xt)
    expect(() => Predict.nngp(a.train, yr, { diagReg: 1e-3 }).predict(other.cross, other.diag)).toThrow(DataError)
  })
})

describe("Predict: classification through regression", () => {
  it("centres one-hot targets and rejects labels outside 0..C−1", () => {
    const T = Predict.oneHot(Float64Array.from([0, 2, 1]), 3)
    assertClose(T.data, [2 / 3, -1 / 3, -1 / 3, -1 / 3, -1 / 3, 2 / 3, -1 / 3, 2 / 3, -1 / 3], { rtol: 1e-15 }, "one-hot")
    expect(() => Predict.oneHot(Float64Array.from([0, 3]), 3)).toThrow(DataError)
    expect(() => Predict.oneHot(Float64Array.from([0.5]), 2)).toThrow(DataError)
  })

  it("turns Gaussian outputs into the probability of the largest draw (vs Monte Carlo)", () => {
    const mean = Matrix.fromRows([[0.2, 0.1, -0.3], [1, 1, 1], [0.5, -2, 0.4], [0.3, -0.3, 0]])
    const variance = Float64Array.from([0.04, 0.3, 1, 0])
    const p = Predict.classProbabilities(mean, variance)
    for (let j = 0; j < mean.rows; j++) assertClose(Array.from(Matrix.row(p, j)).reduce((s, v) => s + v, 0), 1, { rtol: 1e-12 }, `row ${j} sums to 1`)
    assertClose(Array.from(Matrix.row(p, 1)), [1 / 3, 1 / 3, 1 / 3], { rtol: 1e-10 }, "ties")
    assertClose(Array.from(Matrix.row(p, 3)), [1, 0, 0], { atol: 0 }, "zero variance is the argmax")
    const rng = Random.make(4)
    const draws = 200_000
    for (const j of [0, 2]) {
      const counts = [0, 0, 0]
      const sd = Math.sqrt(variance[j])
      for (let k = 0; k < draws; k++) {
        let best = 0
        let top = -Infinity
        for (let c = 0; c < 3; c++) {
          const g = mean.data[j * 3 + c] + sd * rng.normal()
          if (g > top) {
            top = g
            best = c
          }
        }
        counts[best]++
      }
      assertClose(Array.from(Matrix.row(p, j)), counts.map((c) => c / draws), { atol: 4e-3 }, `row ${j} vs Monte Carlo`)
    }
    // two classes: P(g₁ > g₀) = Φ((f₁ − f₀)/√(2v))
    const two = Predict.classProbabilities(Matrix.fromRows([[0.1, 0.4]]), Float64Array.from([0.09]))
    assertClose(two.data[1], Activation.normalCdf(0.3 / Math.sqrt(0.18)), { rtol: 1e-15 }, "binary closed form")
  })
})
