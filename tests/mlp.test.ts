/**
 * The "mlp" model family through the Model contract: training lowers the loss, the reported
 * likelihood, k and variance follow their definitions, seeds repeat, divergence is a typed
 * failure, and no tensor outlives `dispose()`.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import type { Fitted } from "../src/models/Model.ts"
import { assertClose } from "./support/assertClose.ts"

const backend = NnBackend.layer("auto")
const run = <A, E>(effect: Effect.Effect<A, E, NnBackend>) => Effect.runPromise(Effect.provide(effect, backend))
const runExit = <A, E>(effect: Effect.Effect<A, E, NnBackend>) => Effect.runPromiseExit(Effect.provide(effect, backend))

/** y = sin(2x) + 0.1ε on x ~ U(−2, 2): a one-dimensional curve an MLP fits easily. */
const curveTask = (n: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 4 * rng.uniform() - 2)
  const y = x.map((v) => Math.sin(2 * v) + 0.1 * rng.normal())
  return { name: "curve", kind: "regression", X: Matrix.make(n, 1, x), y, classes: 0 }
}

/** Two Gaussian blobs in 2-d, centred at ±(1.2, 1.2), labels 0/1. */
const blobs = (n: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const X = new Float64Array(2 * n)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    y[i] = i % 2
    const c = y[i] === 1 ? 1.2 : -1.2
    X[2 * i] = c + rng.normal()
    X[2 * i + 1] = c + rng.normal()
  }
  return { name: "blobs", kind: "classification", X: Matrix.make(n, 2, X), y, classes: 2 }
}

const config = (overrides: Partial<Mlp.MlpConfig>): Mlp.MlpConfig => ({ ...Mlp.defaults, width: 32, epochs: 40, batchSize: 16, learningRate: 1e-2, ...overrides })

const fitOnce = (cfg: Mlp.MlpConfig, train: Dataset, seed: number, validation?: Dataset): Promise<Fitted> =>
  run(Mlp.family.build(cfg).fit(train, validation === undefined ? { rng: Random.make(seed) } : { rng: Random.make(seed), validation }))

describe("Mlp regression", () => {
  const train = curveTask(160, 1)
  const valid = curveTask(80, 2)

  it("lowers the training loss and reports σ̂², log L̂ and k by their definitions", async () => {
    const cfg = config({})
    const fitted = await fitOnce(cfg, train, 7, valid)
    try {
      const curve = fitted.curve!
      expect(curve.map((r) => r.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      // Var(y) ≈ 0.5 on this task, the noise floor 0.01: a working fit ends far below the start.
      expect(curve[39].trainLoss).toBeLessThan(0.25 * curve[0].trainLoss)
      expect(curve[39].trainLoss).toBeLessThan(0.05)

      const p = fitted.predict(train.X)
      if (p.kind !== "regression") throw new Error("expected a regression prediction")
      let rss = 0
      for (let i = 0; i < train.y.length; i++) rss += (train.y[i] - p.mean[i]) ** 2
      const s2 = rss / train.y.length
      assertClose(p.variance!, new Float64Array(train.y.length).fill(s2), { rtol: 1e-9 }, "variance = σ̂²")
      assertClose(fitted.logLikelihood!, -0.5 * train.y.length * (Math.log(2 * Math.PI * s2) + 1), { rtol: 1e-9 }, "log L̂")
      const arch: Arch.Arch = { inputDim: 1, outputDim: 1, width: 32, depth: 2, activation: "relu", wStd: 1.5, bStd: 1 }
      expect(fitted.freeParameters).toBe(Arch.parameterCount(arch) + 1)
      expect(fitted.info.parameters).toBe(32 + 32 + 32 * 32 + 32 + 32 + 1)
      expect(fitted.info.epochsRun).toBe(40)
      expect(fitted.info.finalTrainLoss).toBe(curve[39].trainLoss)
      expect(typeof fitted.info.backend).toBe("string")

      // The last validation loss is the MSE of the final net on the validation set.
      const pv = fitted.predict(valid.X)
      if (pv.kind !== "regression") throw new Error("expected a regression prediction")
      let vss = 0
      for (let i = 0; i < valid.y.length; i++) vss += (valid.y[i] - pv.mean[i]) ** 2
      assertClose(curve[39].validLoss!, vss / valid.y.length, { rtol: 1e-4 }, "validLoss")
    } finally {
      fitted.dispose()
    }
  })

  it("repeats exactly from the same seed and differs across seeds", async () => {
    const cfg = config({ epochs: 5, optimizer: "momentum", learningRate: 0.02 })
    const [a, b, c] = [await fitOnce(cfg, train, 3), await fitOnce(cfg, train, 3), await fitOnce(cfg, train, 4)]
    try {
      const pa = a.predict(valid.X), pb = b.predict(valid.X), pc = c.predict(valid.X)
      if (pa.kind !== "regression" || pb.kind !== "regression" || pc.kind !== "regression") throw new Error("expected regression")
      expect(Array.from(pb.mean)).toEqual(Array.from(pa.mean))
      expect(b.curve).toEqual(a.curve)
      expect(Array.from(pc.mean)).not.toEqual(Array.from(pa.mean))
    } finally {
      a.dispose(), b.dispose(), c.dispose()
    }
  })

  it("fails with DivergenceError on an absurd learning rate, leaving no tensors", async () => {
    await run(Effect.void) // select the backend before counting tensors
    const before = tf.memory().numTensors
    const exit = await runExit(Mlp.family.build(config({ optimizer: "sgd", learningRate: 1e6, epochs: 20 })).fit(train, { rng: Random.make(1) }))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const error = exit.cause.reasons.map((r) => (r._tag === "Fail" ? r.error : undefined)).find((e) => e !== undefined)
      expect(error?._tag).toBe("DivergenceError")
      if (error?._tag === "DivergenceError") {
        expect(error.epoch).toBeGreaterThanOrEqual(1)
        expect(error.epoch).toBeLessThanOrEqual(20)
      }
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it("on tfjs holds tensors only until dispose; on the wasm engine holds none", async () => {
    await run(Effect.void)
    const before = tf.memory().numTensors
    process.env.GPNN_MLP_ENGINE = "tfjs"
    try {
      const fitted = await fitOnce(config({ epochs: 2, optimizer: "adam" }), train, 5, valid)
      expect(fitted.info.backend).not.toMatch(/gpnn-wasm/)
      expect(tf.memory().numTensors).toBeGreaterThan(before)
      fitted.predict(valid.X)
      fitted.dispose()
      fitted.dispose()
      expect(tf.memory().numTensors).toBe(before)
    } finally {
      delete process.env.GPNN_MLP_ENGINE
    }
    const fitted = await fitOnce(config({ epochs: 2, optimizer: "adam" }), train, 5, valid)
    if (String(fitted.info.backend).startsWith("gpnn-wasm")) expect(tf.memory().numTensors).toBe(before)
    fitted.predict(valid.X)
    fitted.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects non-finite data and bad configs with typed errors", async () => {
    const bad: Dataset = { ...train, y: Float64Array.from(train.y, (v, i) => (i === 9 ? Number.NaN : v)) }
    const exit = await runExit(Mlp.family.build(config({ epochs: 1 })).fit(bad, { rng: Random.make(1) }))
    expect(Exit.isFailure(exit) && exit.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "DataError" && r.error.row === 10)).toBe(true)
    const cfgError = await Effect.runPromise(Effect.flip(Mlp.family.decode({ width: 16, batchSize: 0 })))
    expect(cfgError._tag).toBe("ConfigError")
    expect(cfgError.message).toMatch(/batchSize/)
    expect(await Effect.runPromise(Mlp.family.decode({ width: 16 }))).toEqual({ ...Mlp.defaults, width: 16 })
  })
})

describe("Mlp classification", () => {
  it("separates two blobs; probabilities, decision, log L̂ and k follow their definitions", async () => {
    const train = blobs(200, 11)
    const test = blobs(100, 12)
    const fitted = await fitOnce(config({ activation: "tanh", wStd: 1, bStd: 0.1, epochs: 30 }), train, 2)
    try {
      const p = fitted.predict(test.X)
      if (p.kind !== "classification") throw new Error("expected classification")
      expect(p.probabilities.rows).toBe(100)
      expect(p.probabilities.cols).toBe(2)
      let correct = 0
      for (let i = 0; i < 100; i++) {
        const p0 = Matrix.get(p.probabilities, i, 0), p1 = Matrix.get(p.probabilities, i, 1)
        assertClose(p0 + p1, 1, { rtol: 1e-12 }, `row ${i} sums to one`)
        assertClose(p.decision![i], Math.log(p1 / p0), { rtol: 1e-6, atol: 1e-6 }, `decision ${i} = logit₁ − logit₀`)
        if ((p1 > 0.5 ? 1 : 0) === test.y[i]) correct++
      }
      // Bayes accuracy of these blobs is Φ(1.2·√2) ≈ 0.95.
      expect(correct).toBeGreaterThanOrEqual(85)

      const pt = fitted.predict(train.X)
      if (pt.kind !== "classification") throw new Error("expected classification")
      let ll = 0
      for (let i = 0; i < 200; i++) ll += Math.log(Matrix.get(pt.probabilities, i, train.y[i]))
      assertClose(fitted.logLikelihood!, ll, { rtol: 1e-9 }, "log L̂ = −Σ cross-entropy")
      expect(fitted.freeParameters).toBe(2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2)
    } finally {
      fitted.dispose()
    }
  })
})
