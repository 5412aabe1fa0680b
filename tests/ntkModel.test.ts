import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Dataset from "../src/data/Dataset.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as SymmetricEigen from "../src/linalg/SymmetricEigen.ts"
import type { Fitted, Prediction } from "../src/models/Model.ts"
import * as Infinite from "../src/models/ntk/Infinite.ts"
import * as Kernels from "../src/models/ntk/Kernels.ts"
import * as Predict from "../src/models/ntk/Predict.ts"
import * as Ridge from "../src/models/ntk/Ridge.ts"
import { assertClose } from "./support/assertClose.ts"

const regression = (n: number, seed: number): Dataset.Dataset => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 6 * rng.uniform() - 3)
  const y = x.map((v) => Math.sin(3 * v) + 0.3 * v * v + 0.3 * rng.normal())
  // standardised, as the pipeline hands data to a model
  const std = (a: Float64Array) => {
    const m = a.reduce((s, v) => s + v, 0) / a.length
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length)
    return a.map((v) => (v - m) / sd)
  }
  return { name: "sine", kind: "regression", X: Matrix.make(n, 1, std(x)), y: std(y), classes: 0 }
}

const classification = (n: number, classes: number, seed: number): Dataset.Dataset => {
  const rng = Random.make(seed)
  const X = new Float64Array(n * 2)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const c = i % classes
    const angle = (2 * Math.PI * c) / classes
    X[2 * i] = 2 * Math.cos(angle) + 0.5 * rng.normal()
    X[2 * i + 1] = 2 * Math.sin(angle) + 0.5 * rng.normal()
    y[i] = c
  }
  return { name: "blobs", kind: "classification", X: Matrix.make(n, 2, X), y, classes }
}

const fit = (family: "nngp" | "ntk", config: Partial<Infinite.Config>, train: Dataset.Dataset): Fitted => {
  const decoded = Effect.runSync(Infinite.ntkFamily.decode(config))
  const model = family === "nngp" ? Infinite.nngpFamily.build(decoded) : Infinite.ntkFamily.build(decoded)
  expect(model.family).toBe(family)
  return Effect.runSync(model.fit(train, { rng: Random.make(1) }))
}

const regressionOf = (p: Prediction) => {
  if (p.kind !== "regression") throw new Error("expected a regression prediction")
  return p
}

describe("Infinite: config", () => {
  it("fills defaults (the width-sweep peer's settings), rejects a width (an infinite net has none) and bad values", () => {
    expect(Effect.runSync(Infinite.ntkFamily.decode({}))).toEqual(Infinite.defaults)
    expect(Effect.runSync(Infinite.ntkFamily.decode({ depth: 3, ridge: 0.01 }))).toEqual({ ...Infinite.defaults, depth: 3, ridge: 0.01 })
    const width = Effect.runSyncExit(Effect.flip(Infinite.ntkFamily.decode({ width: 512, depth: 3 })))
    if (width._tag !== "Success") return expect.fail("a width was accepted")
    expect(width.value.field).toBe("ntk.width")
    expect(width.value.message).toMatch(/no config key "width".*Known keys: depth, activation/)
    for (const bad of [{ depth: 0 }, { activation: "swish" }, { wStd: -1 }, { bStd: -0.5 }, { ridge: "auto" }, { ridge: -1 }, 3]) {
      const exit = Effect.runSyncExit(Infinite.ntkFamily.decode(bad))
      expect(Exit.isFailure(exit)).toBe(true)
    }
  })
})

/** Train and test parts of one standardised draw. */
const split = (n: number, nTest: number, seed: number): { readonly train: Dataset.Dataset; readonly test: Dataset.Dataset } => {
  const all = regression(n + nTest, seed)
  return {
    train: Dataset.subset(all, Array.from({ length: n }, (_, i) => i)),
    test: Dataset.subset(all, Array.from({ length: nTest }, (_, i) => n + i))
  }
}

describe("Infinite: nngp (prior a·K, noise a·r, r by marginal likelihood)", () => {
  const { train, test } = split(40, 15, 3)

  it("picks the grid ridge with the largest profiled LML, which an independent Cholesky evaluation confirms", () => {
    const fitted = fit("nngp", {}, train)
    const spec: Kernels.Spec = { ...Infinite.defaults, inputDim: 1 }
    const K = Kernels.train(spec, train.X).nngp.matrix
    const n = train.X.rows
    let trace = 0
    for (let i = 0; i < n; i++) trace += K.data[i * n + i]
    // LML of N(0, a(K + rI)) at the MLE a = yᵀ(K + rI)⁻¹y/n, by Cholesky
    const lml = (rel: number): { readonly value: number; readonly a: number } => {
      const A = Matrix.clone(K)
      for (let i = 0; i < n; i++) A.data[i * n + i] += (rel * trace) / n
      const L = Cholesky.factor(A)
      const alpha = Cholesky.solve(L, train.y)
      const q = alpha.reduce((s, v, i) => s + v * train.y[i], 0)
      const a = q / n
      return { value: -0.5 * q / a - 0.5 * (Cholesky.logDet(L) + n * Math.log(a)) - 0.5 * n * Math.log(2 * Math.PI), a }
    }
    const values = Ridge.grid.map((g) => lml(g).value)
    const best = values.indexOf(Math.max(...values))
    expect(fitted.info.ridgeRelative).toBe(Ridge.grid[best])
    assertClose(fitted.logLikelihood!, values[best], { rtol: 1e-9 }, "logLikelihood")
    assertClose(fitted.info.amplitude as number, lml(Ridge.grid[best]).a, { rtol: 1e-9 }, "amplitude")
    expect(fitted.freeParameters).toBe(2)
    expect(fitted.info.jitter).toBe(0)
    // predictions: mean K*X(K + rI)⁻¹y, variance a·(latent + r)
    const p = regressionOf(fitted.predict(test.X))
    const post = Predict.nngp(Kernels.train(spec, train.X), Matrix.make(n, 1, train.y), { diagReg: fitted.info.ridge as number, scale: "absolute" })
      .predict(Kernels.cross(spec, test.X, train.X), Kernels.diagonal(spec, test.X))
    assertClose(p.mean, post.mean.data, { rtol: 1e-12 }, "mean")
    const a = fitted.info.amplitude as number
    const r = fitted.info.ridge as number
    assertClose(p.variance!, Array.from(post.variance, (v) => a * (v + r)), { rtol: 1e-12 }, "variance")
  })

  it("a fixed relative ridge is used as given", () => {
    const fitted = fit("nngp", { ridge: 0.05 }, train)
    expect(fitted.info.ridgeRelative).toBe(0.05)
  })

  it("fits the sine task: test RMSE well below the target's sd", () => {
    const p = regressionOf(fit("nngp", {}, train).predict(test.X))
    const rmse = Math.sqrt(p.mean.reduce((s, m, i) => s + (m - test.y[i]) ** 2, 0) / test.y.length)
    expect(rmse).toBeLessThan(0.6)
  })
})

describe("Infinite: ntk (NTK-GP at t = ∞, ridge by exact leave-one-out)", () => {
  const { train, test } = split(30, 10, 5)

  it("the hat-matrix LOO equals refitting without each point, and picks its minimum", () => {
    const fitted = fit("ntk", {}, train)
    const spec: Kernels.Spec = { ...Infinite.defaults, inputDim: 1 }
    const T = Kernels.train(spec, train.X).ntk.matrix
    const n = train.X.rows
    let trace = 0
    for (let i = 0; i < n; i++) trace += T.data[i * n + i]
    const looByRefit = (rel: number): number => {
      let sum = 0
      for (let k = 0; k < n; k++) {
        const keep = Array.from({ length: n }, (_, i) => i).filter((i) => i !== k)
        const A = Matrix.make(n - 1, n - 1, Float64Array.from({ length: (n - 1) ** 2 }, (_, q) => {
          const i = keep[Math.floor(q / (n - 1))]
          const j = keep[q % (n - 1)]
          return T.data[i * n + j] + (i === j ? (rel * trace) / n : 0)
        }))
        const alpha = Cholesky.solve(Cholesky.factor(A), Float64Array.from(keep, (i) => train.y[i]))
        const pred = keep.reduce((s, i, q) => s + T.data[k * n + i] * alpha[q], 0)
        sum += (train.y[k] - pred) ** 2
      }
      return sum / n
    }
    const Z = Matrix.make(n, 1, train.y)
    const spectrum = Ridge.spectrum(SymmetricEigen.decompose(T), Z)
    const hat = Ridge.grid.map((g) => Ridge.byLeaveOneOut(spectrum, Z, [g]).looMse)
    // refitting is well-conditioned from 1e-4 up; below that the two agree less tightly
    Ridge.grid.forEach((g, i) => {
      if (g >= 1e-4) assertClose(hat[i], looByRefit(g), { rtol: 1e-6 }, `LOO at ${g}`)
    })
    expect(fitted.info.ridgeRelative).toBe(Ridge.grid[hat.indexOf(Math.min(...hat))])
    assertClose(fitted.info.looMse as number, Math.min(...hat), { rtol: 1e-12 }, "looMse")
    expect(fitted.logLikelihood).toBeUndefined()
    expect(fitted.freeParameters).toBeUndefined()
  })

  it("predicts the NTK-GP mean with ensemble variance + residual noise variance", () => {
    const fitted = fit("ntk", {}, train)
    const spec: Kernels.Spec = { ...Infinite.defaults, inputDim: 1 }
    const n = train.X.rows
    const trainK = Kernels.train(spec, train.X)
    const ntkFit = Predict.ntk(trainK, Matrix.make(n, 1, train.y), { diagReg: fitted.info.ridge as number, scale: "absolute" })
    const post = ntkFit.predict(Kernels.cross(spec, test.X, train.X), Kernels.diagonal(spec, test.X))
    const p = regressionOf(fitted.predict(test.X))
    assertClose(p.mean, post.mean.data, { rtol: 1e-10 }, "mean")
    // the noise variance is the training residual mean square of the t = ∞ mean
    const onTrain = ntkFit.predict(Kernels.cross(spec, train.X, train.X), Kernels.diagonal(spec, train.X))
    const s2 = onTrain.mean.data.reduce((s, m, i) => s + (train.y[i] - m) ** 2, 0) / n
    assertClose(fitted.info.noiseVariance as number, s2, { rtol: 1e-8 }, "noise variance")
    assertClose(p.variance!, Array.from(post.variance, (v) => Math.max(v, 0) + s2), { rtol: 1e-8 }, "variance")
  })
})

describe("Infinite: classification through one-hot regression", () => {
  it.each(["nngp", "ntk"] as const)("%s: binary probabilities agree with the decision f₁ − f₀ and classify separable blobs", (family) => {
    const train = classification(60, 2, 7)
    const test = classification(40, 2, 8)
    const fitted = fit(family, { activation: "erf" }, train)
    expect(fitted.logLikelihood).toBeUndefined()
    const p = fitted.predict(test.X)
    if (p.kind !== "classification") throw new Error("expected classification")
    expect(p.probabilities.cols).toBe(2)
    let correct = 0
    for (let j = 0; j < test.X.rows; j++) {
      const row = Array.from(Matrix.row(p.probabilities, j))
      assertClose(row[0] + row[1], 1, { rtol: 1e-12 }, "rows sum to one")
      expect(row[1] > 0.5).toBe(p.decision![j] > 0)
      if ((row[1] > 0.5 ? 1 : 0) === test.y[j]) correct++
    }
    expect(correct / test.X.rows).toBeGreaterThan(0.9)
  })

  it("three classes: probabilities only, rows summing to one", () => {
    const train = classification(45, 3, 9)
    const p = fit("ntk", {}, train).predict(classification(12, 3, 10).X)
    if (p.kind !== "classification") throw new Error("expected classification")
    expect(p.decision).toBeUndefined()
    for (let j = 0; j < 12; j++) assertClose(Array.from(Matrix.row(p.probabilities, j)).reduce((s, v) => s + v, 0), 1, { rtol: 1e-10 }, `row ${j}`)
  })
})

describe("Infinite: failures are typed", () => {
  it("a non-finite target fails the fit with a DataError naming the row", () => {
    const bad = regression(10, 1)
    const y = Float64Array.from(bad.y)
    y[3] = NaN
    const exit = Effect.runSyncExit(Infinite.nngpFamily.build(Infinite.defaults).fit({ ...bad, y }, { rng: Random.make(1) }))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      expect(exit.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "DataError" && r.error.row === 4)).toBe(true)
    }
  })
})
