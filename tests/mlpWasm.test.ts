/**
 * The gpnn-wasm MLP engine (`WasmNetwork`): PyTorch parity on fixtures/mlp_step.json (losses,
 * starting gradients, parameters after the optimiser steps), and equality with the tfjs net
 * (`Network` + `Optimizer`) for every activation, both losses, every optimiser with weight decay,
 * per-variable scales and clipping, on shapes that exercise the padding (widths and batches not
 * multiples of the tile, one input, one output), with both GEMM kernels.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Sgemm from "../src/linalg/Sgemm.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as WasmNetwork from "../src/models/mlp/WasmNetwork.ts"
import { assertClose } from "./support/assertClose.ts"
import { fixture, float32, settingsFor } from "./support/mlpStepFixture.ts"


const all = (rows: number): Int32Array => Int32Array.from({ length: rows }, (_, i) => i)

beforeAll(async () => {
  await Effect.runPromise(Backend.select("cpu"))
})

describe.skipIf(!Sgemm.available())("WasmNetwork", () => {
  describe("PyTorch parity (fixtures/mlp_step.json)", () => {
    describe.each(fixture.cases)("$name", (c) => {
      it.each(c.runs)("$optimizer × $steps steps: losses, starting gradients, final parameters", (run) => {
        const params: Arch.Params = { sizes: c.sizes, weights: c.W.map((W) => Float64Array.from(W.flat())), biases: c.b.map((b) => Float64Array.from(b)) }
        const net = WasmNetwork.make(params, c.activation, c.X.length)!
        const data = WasmNetwork.data(c.X.flat(), c.X.length, c.loss, c.y.flat(), c.sizes[c.sizes.length - 1])
        const opt = WasmNetwork.optimizer(settingsFor(run.optimizer), net)
        const losses: Array<number> = []
        for (let k = 0; k < run.steps; k++) {
          losses.push(WasmNetwork.lossAndGradients(net, data, all(c.X.length), c.loss))
          if (k === 0) {
            const g = WasmNetwork.gradients(net)
            run.gradsAtStart.W.forEach((W, i) => assertClose(g.weights[i], W.flat(), float32, `dW[${i}]`))
            run.gradsAtStart.b.forEach((b, i) => assertClose(g.biases[i]!, b, float32, `db[${i}]`))
          }
          opt.step()
        }
        assertClose(losses, run.losses, float32, "losses")
        const after = WasmNetwork.toParams(net)
        run.W.forEach((W, i) => assertClose(after.weights[i], W.flat(), float32, `W[${i}] after`))
        run.b.forEach((b, i) => assertClose(after.biases[i], b, float32, `b[${i}] after`))
      })
    })
  })

  const shapes = [
    { label: "1→9→9→1, batch 13", inputDim: 1, width: 9, depth: 2, outputDim: 1, batch: 13 },
    { label: "5→70→3, batch 6", inputDim: 5, width: 70, depth: 1, outputDim: 3, batch: 6 }
  ]
  const grid = Arch.activations.flatMap((activation) => shapes.flatMap((shape) => Loss.kinds.map((loss) => ({ activation, loss, ...shape }))))

  it.each(grid)("$activation, $loss, $label: loss, gradients and outputs equal the tfjs net's", (g) => {
    const rng = Random.make(Random.derive(21, `${g.activation}/${g.loss}/${g.label}`))
    const arch: Arch.Arch = { inputDim: g.inputDim, width: g.width, depth: g.depth, outputDim: g.outputDim, activation: g.activation, wStd: 1.3, bStd: 0.4 }
    const params = Arch.initialize(arch, "ntk-matched", rng)
    const n = g.batch + 5
    const X = Float64Array.from({ length: n * g.inputDim }, () => rng.normal())
    const y = g.loss === "ce" ? Array.from({ length: n }, () => rng.int(g.outputDim)) : Array.from({ length: n * g.outputDim }, () => rng.normal())
    // a batch of rows out of order, as a minibatch draws them
    const index = Int32Array.from(Random.permutation(rng, n).subarray(0, g.batch))
    const wnet = WasmNetwork.make(params, g.activation, 16)!
    const data = WasmNetwork.data(X, n, g.loss, y, g.outputDim)
    const loss = WasmNetwork.lossAndGradients(wnet, data, index, g.loss)
    const grads = WasmNetwork.gradients(wnet)

    const net = Network.fromParams(params, g.activation)
    const Xt = tf.tensor2d(Float32Array.from(X), [n, g.inputDim])
    const T = Loss.target(g.loss, y, n, g.outputDim)
    const rows = tf.tensor1d(index, "int32")
    const ref = tf.tidy(() => {
      const r = Network.lossAndGradients(net, tf.gather(Xt, rows), tf.gather(T, rows), g.loss)
      return [r.loss, ...r.gradients.weights.map((w) => tf.transpose(w)), ...(r.gradients.biases as Array<tf.Tensor1D>)]
    })
    const tol = { rtol: 2e-4, atol: 2e-6 }
    assertClose(loss, ref[0].dataSync()[0], tol, "loss")
    const L = params.weights.length
    for (let i = 0; i < L; i++) {
      assertClose(grads.weights[i], ref[1 + i].dataSync(), tol, `dW[${i}]`)
      assertClose(grads.biases[i]!, ref[1 + L + i].dataSync(), tol, `db[${i}]`)
    }
    // outputs in chunks of the capacity (16 rows; 11 or 18 here) against the tfjs forward pass
    const out = tf.tidy(() => Network.forward(net, Xt))
    assertClose(WasmNetwork.outputs(wnet, Float32Array.from(X), n), out.dataSync(), { rtol: 1e-4, atol: 2e-6 }, "outputs")
    assertClose(WasmNetwork.evaluate(wnet, data, g.loss), tf.tidy(() => Loss.value(g.loss, out, T).dataSync()[0]), tol, "evaluate")
    tf.dispose([...ref, out, Xt, T, rows])
    Network.dispose(net)
  })

  const optimizers: Array<{ readonly label: string; readonly settings: Optimizer.Settings; readonly clip?: number }> = [
    { label: "sgd, decay", settings: { name: "sgd", learningRate: 0.05, momentum: 0, weightDecay: 0.01 } },
    { label: "momentum, scales, clip", settings: { name: "momentum", learningRate: 0.05, momentum: 0.9, scales: [0.5, 2, 1, 0, 1.5, 1] }, clip: 0.3 },
    { label: "adam, decay", settings: { name: "adam", learningRate: 0.01, momentum: 0, weightDecay: 0.02 } },
    { label: "adamw, scales", settings: { name: "adamw", learningRate: 0.01, momentum: 0, weightDecay: 0.1, scales: [1, 0.5, 2, 1, 0, 1] } }
  ]
  const kernels = Sgemm.fusedAvailable() ? [true, false] : [false]

  describe.each(kernels.map((fused) => ({ kernel: fused ? "fused" : "plain", fused })))("$kernel kernel", ({ fused }) => {
    it.each(optimizers)("$label: four steps on minibatches move the parameters as the tfjs optimiser does", ({ settings, clip }) => {
      const rng = Random.make(Random.derive(5, settings.name))
      const arch: Arch.Arch = { inputDim: 3, width: 20, depth: 2, outputDim: 2, activation: "tanh", wStd: 1.5, bStd: 0.5 }
      const params = Arch.initialize(arch, "ntk-matched", rng)
      const n = 24
      const X = Float64Array.from({ length: n * 3 }, () => rng.normal())
      const y = Array.from({ length: n * 2 }, () => rng.normal())
      const wnet = WasmNetwork.make(params, "tanh", 16, fused)!
      expect(wnet.kind).toBe(fused ? "fused" : "plain")
      const data = WasmNetwork.data(X, n, "mse", y, 2)
      const wopt = WasmNetwork.optimizer(settings, wnet)
      const net = Network.fromParams(params, "tanh")
      const opt = Optimizer.make(settings, Network.variables(net))
      const Xt = tf.tensor2d(Float32Array.from(X), [n, 3])
      const T = Loss.target("mse", y, n, 2)
      for (let step = 0; step < 4; step++) {
        const index = Int32Array.from({ length: 10 }, (_, r) => (7 * step + 5 * r) % n)
        const lr = settings.learningRate * (1 - 0.2 * step)
        WasmNetwork.lossAndGradients(wnet, data, index, "mse")
        wopt.step(lr, clip)
        tf.tidy(() => {
          const rows = tf.tensor1d(index, "int32")
          const flat = Network.flatten(Network.lossAndGradients(net, tf.gather(Xt, rows), tf.gather(T, rows), "mse").gradients)
          opt.step(clip === undefined ? flat : Optimizer.clipByGlobalNorm(flat, clip), lr)
        })
      }
      const got = WasmNetwork.toParams(wnet)
      const want = Network.toParams(net)
      got.weights.forEach((w, i) => assertClose(w, want.weights[i], { rtol: 1e-4, atol: 1e-5 }, `W[${i}]`))
      got.biases.forEach((b, i) => assertClose(b, want.biases[i], { rtol: 1e-4, atol: 1e-5 }, `b[${i}]`))
      // the comparison has power: the starting parameters are far from where both ended
      expect(Math.max(...got.weights[0].map((w, q) => Math.abs(w - params.weights[0][q])))).toBeGreaterThan(1e-3)
      opt.dispose()
      Network.dispose(net)
      tf.dispose([Xt, T])
    })
  })

  it("restores a snapshot (weights, biases and their packed copies)", () => {
    const rng = Random.make(9)
    const arch: Arch.Arch = { inputDim: 2, width: 12, depth: 1, outputDim: 1, activation: "relu", wStd: 1, bStd: 0.3 }
    const params = Arch.initialize(arch, "torch", rng)
    const net = WasmNetwork.make(params, "relu", 8)!
    const X = Float32Array.from({ length: 10 }, () => rng.normal())
    const before = WasmNetwork.outputs(net, X, 5)
    const saved = WasmNetwork.snapshot(net)
    const data = WasmNetwork.data(X, 5, "mse", [1, 2, 3, 4, 5], 1)
    WasmNetwork.lossAndGradients(net, data, all(5), "mse")
    WasmNetwork.optimizer({ name: "sgd", learningRate: 0.1, momentum: 0 }, net).step()
    expect(Array.from(WasmNetwork.outputs(net, X, 5))).not.toEqual(Array.from(before))
    WasmNetwork.restore(net, saved)
    expect(Array.from(WasmNetwork.outputs(net, X, 5))).toEqual(Array.from(before))
  })
})

/** Three Gaussian blobs in 3-d, labels 0..2. */
const blobs = (n: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const X = Float64Array.from({ length: 3 * n }, (_, q) => rng.normal() + ((Math.floor(q / 3) % 3) === q % 3 ? 1.5 : 0))
  return { name: "blobs", kind: "classification", X: Matrix.make(n, 3, X), y: Float64Array.from({ length: n }, (_, i) => i % 3), classes: 3 }
}

/** Fits `config` on `train` with the engine chosen by GPNN_MLP_ENGINE (`tfjs` or unset). */
const fitWith = async (engine: "tfjs" | "wasm", config: Partial<Mlp.MlpConfig>, train: Dataset) => {
  if (engine === "tfjs") process.env.GPNN_MLP_ENGINE = "tfjs"
  try {
    return await Effect.runPromise(Effect.provide(Mlp.family.build({ ...Mlp.defaults, ...config }).fit(train, { rng: Random.make(4) }), NnBackend.layer("cpu")))
  } finally {
    delete process.env.GPNN_MLP_ENGINE
  }
}

describe.skipIf(!Sgemm.available())("Mlp.fit on the wasm engine", () => {
  it.each([
    { label: "momentum, cosine schedule, clipping", config: { optimizer: "momentum", learningRate: 0.05, schedule: "cosine", clipNorm: 1 } },
    { label: "adam, early stopping", config: { optimizer: "adam", learningRate: 0.01, patience: 2, minDelta: 0.05 } }
  ] as const)("$label: the same curve, best epoch and predictions as on tfjs", async ({ config }) => {
    const train = blobs(90, 3)
    const cfg = { width: 24, depth: 2, activation: "tanh" as const, epochs: 6, batchSize: 16, ...config }
    const wasm = await fitWith("wasm", cfg, train)
    const tfjs = await fitWith("tfjs", cfg, train)
    expect(String(wasm.info.backend)).toMatch(/^gpnn-wasm/)
    expect(String(tfjs.info.backend)).toBe("cpu")
    const curve = (f: typeof wasm) => (f.curve ?? []).map((r) => r.trainLoss)
    expect(curve(wasm).length).toBe(curve(tfjs).length)
    assertClose(curve(wasm), curve(tfjs), { rtol: 1e-4 }, "train losses")
    expect(wasm.info.bestEpoch).toBe(tfjs.info.bestEpoch)
    const test = blobs(20, 8)
    const pw = wasm.predict(test.X), pt = tfjs.predict(test.X)
    if (pw.kind !== "classification" || pt.kind !== "classification") throw new Error("classification expected")
    assertClose(pw.probabilities.data, pt.probabilities.data, { rtol: 1e-3, atol: 1e-5 }, "probabilities")
    assertClose(wasm.logLikelihood ?? Number.NaN, tfjs.logLikelihood ?? Number.NaN, { rtol: 1e-4 }, "log-likelihood")
    wasm.dispose()
    tfjs.dispose()
  })
})
