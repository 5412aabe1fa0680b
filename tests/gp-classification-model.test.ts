import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import type { Fitted, Prediction } from "../src/models/Model.ts"
import * as Gpc from "../src/models/gp/GpClassification.ts"
import * as FitFacts from "../src/models/FitFacts.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

/** Gaussian blobs: `classes` centres on a circle of radius `radius`, `perClass` points each. */
const blobs = (classes: number, perClass: number, radius: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const rows: Array<Array<number>> = []
  const y: Array<number> = []
  for (let i = 0; i < classes * perClass; i++) {
    const c = i % classes
    const angle = (2 * Math.PI * c) / classes
    rows.push([radius * Math.cos(angle) + rng.normal(), radius * Math.sin(angle) + rng.normal()])
    y.push(c)
  }
  return { name: `blobs-${classes}`, kind: "classification", X: Matrix.fromRows(rows), y: Float64Array.from(y), classes }
}

const classification = (p: Prediction) => {
  if (p.kind !== "classification") return expect.fail("a classification prediction")
  return p
}

const fitWith = (config: Gpc.GpcConfig, train: Dataset, seed: number): Fitted =>
  Effect.runSync(Gpc.family.build(config).fit(train, { rng: Random.make(seed) }))

const failureOf = (config: Gpc.GpcConfig, train: Dataset): unknown => {
  const exit = Effect.runSyncExit(Gpc.family.build(config).fit(train, { rng: Random.make(1) }))
  if (!Exit.isFailure(exit)) return expect.fail(`fit accepted ${train.name}`)
  return Cause.squash(exit.cause)
}

describe("the gpc family through the Model contract", () => {
  const binary = blobs(2, 25, 1.2, 7)
  const grid = Matrix.fromRows([[-2, 0], [-0.5, 0.3], [0, 0], [0.4, -1], [1.5, 0.5], [3, 3]])

  it("binary: probabilities, decision, likelihood and info agree with GpClassification.fit on the same rng stream", () => {
    const fitted = fitWith({ kernel: "rbf", restarts: 2 }, binary, 9)
    const direct = Gpc.fitBinary(Gpc.kernelFor("rbf"), binary.X, binary.y, { restarts: 2, rng: Random.make(9).fork("gpc/restarts") })
    expect(fitted.freeParameters).toBe(2)
    assertClose(fitted.logLikelihood!, direct.logMarginalLikelihood, { rtol: 1e-12 }, "logLikelihood")
    const p = classification(fitted.predict(grid))
    expect([p.probabilities.rows, p.probabilities.cols]).toEqual([grid.rows, 2])
    const q = Gpc.probability(direct, grid)
    const latent = Gpc.latent(direct, grid)
    for (let i = 0; i < grid.rows; i++) {
      assertClose(Matrix.get(p.probabilities, i, 1), q[i], { rtol: 1e-12, atol: 1e-15 }, `P(y = 1) at row ${i}`)
      assertClose(Matrix.get(p.probabilities, i, 0) + Matrix.get(p.probabilities, i, 1), 1, { atol: 1e-15 }, `row ${i} sum`)
    }
    assertClose(p.decision!, latent.mean, { rtol: 1e-12, atol: 1e-15 }, "decision = f̄*")
    // the decision is on the side of 0 where the probability is on the side of ½
    p.decision!.forEach((d, i) => {
      if (Math.abs(q[i] - 0.5) > 1e-9) expect(Math.sign(d), `row ${i}`).toBe(Math.sign(q[i] - 0.5))
    })
    for (const h of Kernel.hyperparameters(direct.kernel)) assertClose(FitFacts.find(fitted.hyperparameters, h.name)!.value, h.value, { rtol: 1e-12 }, h.name)
    expect(fitted.warnings.filter((w) => w.code === "AtBound")).toEqual(direct.atBound)
    fitted.dispose()
    fitted.dispose()
  })

  it.each([["matern52", 2], ["rq", 3], ["periodic", 3], ["linear", 2]] as const)(
    "%s kernel: k = %i free hyperparameters, probabilities in [0, 1]",
    (kernel, k) => {
      const fitted = fitWith({ kernel, restarts: 0 }, binary, 3)
      expect(fitted.freeParameters).toBe(k)
      const p = classification(fitted.predict(grid))
      for (const v of p.probabilities.data) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(1)
      }
      expect(Number.isFinite(fitted.logLikelihood!)).toBe(true)
    }
  )

  it("three classes by one-vs-rest: rows sum to 1 and are the binary P(y = c) over their sum", () => {
    const train = blobs(3, 15, 3, 5)
    const fitted = fitWith({ kernel: "rbf", restarts: 1 }, train, 4)
    expect(fitted.freeParameters).toBe(6)
    const p = classification(fitted.predict(train.X))
    expect(p.decision).toBeUndefined()
    expect([p.probabilities.rows, p.probabilities.cols]).toEqual([train.X.rows, 3])
    const rng = Random.make(4).fork("gpc/restarts")
    const direct = [0, 1, 2].map((c) =>
      Gpc.fitBinary(Gpc.kernelFor("rbf"), train.X, Float64Array.from(train.y, (v) => (v === c ? 1 : 0)), { restarts: 1, rng: rng.fork(`class=${c}`) })
    )
    assertClose(fitted.logLikelihood!, direct.reduce((s, m) => s + m.logMarginalLikelihood, 0), { rtol: 1e-12 }, "sum of binary LMLs")
    const binaries = direct.map((m) => Gpc.probability(m, train.X))
    let correct = 0
    for (let i = 0; i < train.X.rows; i++) {
      const row = Array.from(Matrix.row(p.probabilities, i))
      assertClose(row.reduce((s, v) => s + v, 0), 1, { atol: 1e-12 }, `row ${i} sum`)
      const total = binaries.reduce((s, b) => s + b[i], 0)
      assertClose(row, binaries.map((b) => b[i] / total), { rtol: 1e-12, atol: 1e-15 }, `row ${i}`)
      if (row.indexOf(Math.max(...row)) === train.y[i]) correct++
    }
    expect(correct / train.X.rows).toBeGreaterThan(0.9)
    for (const c of [0, 1, 2]) assertClose(FitFacts.find(fitted.hyperparameters, `class${c}.amplitude`)!.value, Kernel.hyperparameters(direct[c].kernel)[0].value, { rtol: 1e-12 }, `class ${c} amplitude`)
  })

  it("a single-class training set fails with a DataError naming the problem", () => {
    const error = failureOf(Gpc.defaults, { ...binary, name: "one-class", y: new Float64Array(binary.y.length) })
    expect(error).toBeInstanceOf(DataError)
    expect((error as DataError).message).toMatch(/only class 0/)
  })

  it("a class with no training rows (one-vs-rest) fails with a DataError naming the class", () => {
    const train = blobs(3, 10, 3, 2)
    const y = Float64Array.from(train.y, (v) => (v === 1 ? 0 : v))
    const error = failureOf(Gpc.defaults, { ...train, y })
    expect(error).toBeInstanceOf(DataError)
    expect((error as DataError).message).toMatch(/class 1 has no training rows/)
  })

  it("a regression task fails with a ConfigError saying what to use instead", () => {
    const error = failureOf(Gpc.defaults, { ...binary, kind: "regression", classes: 0 })
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(/classification tasks only/)
  })

  it("decodeConfig fills defaults and rejects unknown kernels and negative restarts", () => {
    expect(Effect.runSync(Gpc.family.decode({ kernel: "matern32" }))).toEqual({ kernel: "matern32", restarts: 0 })
    for (const bad of [{ kernel: "laplace" }, { restarts: -1 }, { restarts: 1.5 }, 3]) {
      const exit = Effect.runSyncExit(Gpc.family.decode(bad))
      if (!Exit.isFailure(exit)) return expect.fail(`decodeConfig accepted ${JSON.stringify(bad)}`)
      expect((Cause.squash(exit.cause) as ConfigError).field).toBe("gpc")
    }
  })
})
