/**
 * Training in the NTK parameterisation, and the NTK-GP at finite time that it is compared with:
 * one full-batch step moves a net's outputs by exactly −(2η/n)·Θ̂(x, X)(f₀ − y) (its own empirical
 * NTK); the finite-time NTK-GP starts at the prior and ends at the t = ∞ fit; bad configs are
 * typed errors.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type * as Dataset from "../src/data/Dataset.ts"
import * as Blas from "../src/linalg/Blas.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"
import type { Prediction } from "../src/models/Model.ts"
import * as Empirical from "../src/models/ntk/Empirical.ts"
import * as Infinite from "../src/models/ntk/Infinite.ts"
import { assertClose } from "./support/assertClose.ts"

const run = <A, E>(effect: Effect.Effect<A, E, NnBackend>) => Effect.runPromise(Effect.provide(effect, NnBackend.layer("auto")))

const data = (n: number, seed: number): Dataset.Dataset => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 3 * rng.uniform() - 1.5)
  return { name: "sine", kind: "regression", X: Matrix.make(n, 1, x), y: x.map((v) => Math.sin(2 * v) + 0.1 * rng.normal()), classes: 0 }
}
const grid = Matrix.make(7, 1, Float64Array.from({ length: 7 }, (_, i) => -1.5 + i / 2))
const meanOf = (p: Prediction): Float64Array => (p.kind === "regression" ? p.mean : new Float64Array())

describe("Optimizer scales", () => {
  it("multiply each variable's learning rate, and 0 freezes a variable", () => {
    const a = tf.variable(tf.tensor1d([1, 2]))
    const b = tf.variable(tf.tensor1d([3]))
    for (const name of ["sgd", "momentum"] as const) {
      a.assign(tf.tensor1d([1, 2]))
      b.assign(tf.tensor1d([3]))
      const opt = Optimizer.make({ name, learningRate: 0.5, momentum: 0.9, scales: [0.1, 0] }, [a, b])
      tf.tidy(() => opt.step([tf.tensor1d([1, -1]), tf.tensor1d([5])]))
      assertClose(Array.from(a.dataSync()), [1 - 0.05, 2 + 0.05], { atol: 1e-7 }, `${name}: scaled`)
      expect(Array.from(b.dataSync())).toEqual([3])
      opt.dispose()
    }
    expect(() => Optimizer.make({ name: "sgd", learningRate: 1, momentum: 0, scales: [1] }, [a, b])).toThrow(/2 variables/)
    a.dispose()
    b.dispose()
  })
})

describe("MLP in the NTK parameterisation", () => {
  it("moves its outputs by one step of its own empirical-NTK dynamics", async () => {
    const train = data(12, 1)
    const config: Mlp.MlpConfig = { ...Mlp.defaults, width: 256, depth: 2, activation: "tanh", wStd: 1.3, bStd: 0.3, parameterization: "ntk", optimizer: "sgd", learningRate: 0.01, epochs: 1, batchSize: 12 }
    const before = await run(Effect.gen(function*() {
      const fitted = yield* Mlp.family.build({ ...config, learningRate: 1e-30 }).fit(train, { rng: Random.make(4) })
      const out = { train: meanOf(fitted.predict(train.X)), grid: meanOf(fitted.predict(grid)) }
      fitted.dispose()
      return out
    }))
    const after = await run(Effect.gen(function*() {
      const fitted = yield* Mlp.family.build(config).fit(train, { rng: Random.make(4) })
      const out = meanOf(fitted.predict(grid))
      fitted.dispose()
      return out
    }))
    // The same initial weights, drawn as the fit draws them.
    const params = Arch.initialize({ inputDim: 1, outputDim: 1, width: 256, depth: 2, activation: "tanh", wStd: 1.3, bStd: 0.3 }, "ntk-matched", Random.make(4).fork("init"))
    const theta = Empirical.kernel(params, { activation: "tanh", wStd: 1.3, bStd: 0.3 }, grid, train.X)
    const residual = before.train.map((f, i) => (2 * 0.01 * (f - train.y[i])) / 12)
    const predicted = Blas.matVec(theta, residual).map((d, i) => before.grid[i] - d)
    // float32 training: the step is ~1e-2, matched to ~1e-4 of the output scale
    assertClose(after, predicted, { atol: 2e-4, rtol: 1e-3 }, "outputs after one step")
    expect(Math.max(...after.map((v, i) => Math.abs(v - before.grid[i])))).toBeGreaterThan(1e-3)
  })

  it("records the empirical NTK's distances when asked, and refuses configurations it cannot compare", async () => {
    const train = data(10, 2)
    const info = await run(Effect.gen(function*() {
      const fitted = yield* Mlp.family.build({ ...Mlp.defaults, width: 512, depth: 1, parameterization: "ntk", optimizer: "sgd", learningRate: 0.05, epochs: 20, batchSize: 10, tangentKernel: true }).fit(train, { rng: Random.make(1) })
      fitted.dispose()
      return fitted.info
    }))
    for (const key of ["ntkInitDistance", "ntkTrainedDistance", "ntkMovement"]) {
      expect(info[key]).toBeGreaterThan(0)
      expect(info[key]).toBeLessThan(0.5)
    }
    const exit = await Effect.runPromiseExit(Effect.provide(Mlp.family.build({ ...Mlp.defaults, init: "torch", parameterization: "ntk" }).fit(train, { rng: Random.make(1) }), NnBackend.layer("auto")))
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/parameterization/)
    const shallow = await Effect.runPromiseExit(Effect.provide(Mlp.family.build({ ...Mlp.defaults, depth: 0, tangentKernel: true }).fit(train, { rng: Random.make(1) }), NnBackend.layer("auto")))
    expect(Exit.isFailure(shallow) && String(shallow.cause)).toMatch(/tangentKernel needs .*depth ≥ 1/)
  })
})

describe("NTK-GP at a finite training time", () => {
  const train = data(15, 3)
  const fit = (config: Partial<Infinite.Config>) => Effect.runSync(Infinite.ntkFamily.build({ ...Infinite.defaults, depth: 1, ...config }).fit(train, { rng: Random.make(0) }))

  it("is the prior at t = 0 and the t = ∞ fit at large t", () => {
    const atZero = meanOf(fit({ ridge: 0, time: 0 }).predict(grid))
    assertClose(atZero, new Float64Array(7), { atol: 1e-12 }, "t = 0 mean")
    const late = meanOf(fit({ ridge: 1e-3, time: 1e9 }).predict(grid))
    const infinite = meanOf(fit({ ridge: 1e-3, time: "infinity" }).predict(grid))
    assertClose(late, infinite, { atol: 1e-6 }, "t → ∞")
    // in between, the training residual falls monotonically with time
    const residuals = [1, 10, 100].map((t) => fit({ ridge: 0, time: t }).info.noiseVariance as number)
    expect(residuals[1]).toBeLessThan(residuals[0])
    expect(residuals[2]).toBeLessThan(residuals[1])
  })

  it("needs a numeric ridge", () => {
    const exit = Effect.runSyncExit(Infinite.ntkFamily.build({ ...Infinite.defaults, ridge: "grid", time: 5 }).fit(train, { rng: Random.make(0) }))
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/numeric ridge/)
  })
})
