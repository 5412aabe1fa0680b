import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as FitFacts from "../src/models/FitFacts.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

const task = (n: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const X = Matrix.make(n, 1, Float64Array.from({ length: n }, () => -3 + 6 * rng.uniform()))
  // the peer's task (shared/peers/gp_fit.py): sin(3x) + 0.3x² + N(0, 0.1²)
  const y = Float64Array.from(X.data, (x) => Math.sin(3 * x) + 0.3 * x * x + 0.1 * rng.normal())
  return { name: "sine-1d", kind: "regression", X, y, classes: 0 }
}

describe("the gp family through the Model contract", () => {
  const train = task(60, 1)
  const Xs = Matrix.fromRows([[-2.5], [0], [0.7], [2.9]])

  it.each([["rbf", 3], ["matern32", 3], ["rq", 4], ["periodic", 4]] as const)(
    "%s: fit → predict agrees with GpRegression.fit on the same rng stream; k = %i",
    (kernel, k) => {
      const config = { kernel, restarts: 1, normalizeY: false }
      const fitted = Effect.runSync(Gp.family.build(config).fit(train, { rng: Random.make(9) }))
      const direct = Gp.fit(Gp.kernelFor(kernel), train.X, train.y, { restarts: 1, rng: Random.make(9).fork("gp/restarts") })
      expect(fitted.freeParameters).toBe(k)
      assertClose(fitted.logLikelihood!, direct.logMarginalLikelihood, { rtol: 1e-12 }, "logLikelihood")
      const p = fitted.predict(Xs)
      const q = Gp.predict(direct, Xs)
      if (p.kind !== "regression") return expect.fail("a regression prediction")
      assertClose(p.mean, q.mean, { rtol: 1e-12, atol: 1e-12 }, "mean")
      assertClose(p.variance!, q.variance, { rtol: 1e-12 }, "variance (with noise)")
      for (const h of Kernel.hyperparameters(direct.kernel)) assertClose(FitFacts.find(fitted.hyperparameters, h.name)!.value, h.value, { rtol: 1e-12 }, h.name)
      expect(fitted.info.jitter).toBe(direct.jitter)
      expect(fitted.warnings.filter((w) => w.code === "AtBound")).toEqual(direct.atBound)
      fitted.dispose()
    }
  )

  it("the fitted rbf GP recovers the noise level and predicts the function", () => {
    const fitted = Effect.runSync(Gp.family.build({ kernel: "rbf", restarts: 2, normalizeY: true }).fit(task(120, 3), { rng: Random.make(4) }))
    assertClose(FitFacts.find(fitted.hyperparameters, "noise")!.value, 0.01, { rtol: 0.5 }, "noise variance ≈ 0.1²")
    const p = fitted.predict(Xs)
    if (p.kind !== "regression") return expect.fail("a regression prediction")
    const truth = Array.from(Xs.data, (x) => Math.sin(3 * x) + 0.3 * x * x)
    assertClose(p.mean, truth, { atol: 0.15 }, "mean near the noise-free function")
  })

  it("a classification task fails with a ConfigError saying what to use instead", () => {
    const ds: Dataset = { ...train, kind: "classification", classes: 2, y: train.y.map((v) => (v > 0 ? 1 : 0)) }
    const exit = Effect.runSyncExit(Gp.family.build(Gp.defaults).fit(ds, { rng: Random.make(1) }))
    if (!Exit.isFailure(exit)) return expect.fail("fit accepted a classification task")
    const error = Cause.squash(exit.cause)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(/regression tasks only/)
  })

  it("non-finite targets fail as a DataError, not a defect", () => {
    const y = Float64Array.from(train.y)
    y[5] = Number.POSITIVE_INFINITY
    const exit = Effect.runSyncExit(Gp.family.build(Gp.defaults).fit({ ...train, y }, { rng: Random.make(1) }))
    if (!Exit.isFailure(exit)) return expect.fail("fit accepted an infinite target")
    const error = Cause.squash(exit.cause)
    expect(error).toBeInstanceOf(DataError)
    expect((error as DataError).row).toBe(6)
    expect((error as DataError).message).toMatch(/target of row 6 is Infinity/)
  })

  it("decodeConfig fills defaults and rejects unknown kernels and negative restarts", () => {
    expect(Effect.runSync(Gp.family.decode({ kernel: "matern52" }))).toEqual({ kernel: "matern52", restarts: 0, normalizeY: false })
    const bad = Effect.runSyncExit(Gp.family.decode({ kernel: "laplace" }))
    if (!Exit.isFailure(bad)) return expect.fail("decodeConfig accepted kernel laplace")
    expect((Cause.squash(bad.cause) as ConfigError).field).toBe("gp")
    const negative = Effect.runSyncExit(Gp.family.decode({ restarts: -1 }))
    expect(Exit.isFailure(negative)).toBe(true)
    const notObject = Effect.runSyncExit(Gp.family.decode(3))
    if (!Exit.isFailure(notObject)) return expect.fail("decodeConfig(3) succeeded")
    expect(Cause.squash(notObject.cause)).toBeInstanceOf(ConfigError)
  })
})
