/**
 * The MLP's arithmetic: PyTorch parity of loss, gradients and optimiser steps
 * (fixtures/mlp_step.json), the hand-written backward pass against tfjs autodiff for every
 * activation and both losses, and the forward pass against a float64 reference.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Network from "../src/models/mlp/Network.ts"
import type * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as Training from "../src/models/mlp/Training.ts"
import { assertClose } from "./support/assertClose.ts"
import { fixture, float32, type Params, settingsFor } from "./support/mlpStepFixture.ts"
import { randomMatrix } from "./support/matrices.ts"


const toParams = (sizes: Array<number>, p: Params): Arch.Params => ({
  sizes,
  weights: p.W.map((W) => Float64Array.from(W.flat())),
  biases: p.b.map((b) => Float64Array.from(b))
})

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

describe("PyTorch parity (fixtures/mlp_step.json)", () => {
  it("states the optimiser settings it was made with", () => {
    expect(settingsFor("sgd").learningRate).toBeGreaterThan(0)
    expect(settingsFor("momentum").momentum).toBeGreaterThan(0)
    expect(settingsFor("adam").learningRate).toBeGreaterThan(0)
  })

  describe.each(fixture.cases)("$name", (c) => {
    it.each(c.runs)("$optimizer × $steps steps: losses, starting gradients, final parameters", (run) => {
      const trace = Training.fullBatchSteps({
        params: toParams(c.sizes, c),
        activation: c.activation,
        loss: c.loss,
        X: Matrix.fromRows(c.X),
        y: c.y.flat(),
        optimizer: settingsFor(run.optimizer),
        steps: run.steps
      })
      assertClose(trace.losses, run.losses, float32, `${c.name}/${run.optimizer} losses`)
      run.gradsAtStart.W.forEach((W, i) => assertClose(trace.gradsAtStart.weights[i], W.flat(), float32, `dW[${i}]`))
      run.gradsAtStart.b.forEach((b, i) => assertClose(trace.gradsAtStart.biases[i]!, b, float32, `db[${i}]`))
      run.W.forEach((W, i) => assertClose(trace.layers.weights[i], W.flat(), float32, `W[${i}] after`))
      run.b.forEach((b, i) => assertClose(trace.layers.biases[i]!, b, float32, `b[${i}] after`))
    })
  })

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors
    const c = fixture.cases[0]
    Training.fullBatchSteps({
      params: toParams(c.sizes, c),
      activation: c.activation,
      loss: c.loss,
      X: Matrix.fromRows(c.X),
      y: c.y.flat(),
      optimizer: settingsFor("adam"),
      steps: 2
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})

// Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough for a float32 comparison.
const erf = (x: number): number => {
  const t = 1 / (1 + 0.3275911 * Math.abs(x))
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return x >= 0 ? y : -y
}
const phi64: Record<Arch.Activation, (x: number) => number> = {
  relu: (x) => Math.max(x, 0),
  tanh: Math.tanh,
  erf,
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  silu: (x) => x / (1 + Math.exp(-x)),
  linear: (x) => x
}

/** Float64 forward pass in PyTorch's layout: h ← φ(h·Wᵀ + b), linear readout. */
const forward64 = (p: Arch.Params, activation: Arch.Activation, X: Matrix.Matrix): Float64Array => {
  let h = X.data
  const rows = X.rows
  for (let l = 0; l + 1 < p.sizes.length; l++) {
    const fanIn = p.sizes[l], fanOut = p.sizes[l + 1]
    const next = new Float64Array(rows * fanOut)
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < fanOut; o++) {
        let z = p.biases[l][o]
        for (let k = 0; k < fanIn; k++) z += h[r * fanIn + k] * p.weights[l][o * fanIn + k]
        next[r * fanOut + o] = l + 2 < p.sizes.length ? phi64[activation](z) : z
      }
    }
    h = next
  }
  return h
}


// Two shapes so both formulations of dh = G·Wᵀ run: narrow layers with a large batch transpose
// W, wide layers with a small batch transpose the activations.
const shapes = [
  { label: "narrow, batch 33", inputDim: 3, width: 7, depth: 2, outputDim: 2, batch: 33 },
  { label: "wide, batch 5", inputDim: 4, width: 48, depth: 2, outputDim: 3, batch: 5 }
]
const grid = Arch.activations.flatMap((activation) =>
  shapes.flatMap((shape) => Loss.kinds.map((loss) => ({ activation, loss, ...shape })))
)

describe("hand-written backward pass", () => {
  it.each(grid)("$activation, $loss, $label: gradients equal tfjs autodiff; forward equals float64", (g) => {
    const rng = Random.make(Random.derive(11, `${g.activation}/${g.loss}/${g.label}`))
    const arch: Arch.Arch = { inputDim: g.inputDim, width: g.width, depth: g.depth, outputDim: g.outputDim, activation: g.activation, wStd: 1.3, bStd: 0.4 }
    const params = Arch.initialize(arch, "ntk-matched", rng)
    const X = randomMatrix(rng, g.batch, g.inputDim)
    const labels = Array.from({ length: g.batch }, () => rng.int(g.outputDim))
    const values = Array.from({ length: g.batch * g.outputDim }, () => rng.normal())
    const net = Network.fromParams(params, g.activation)
    const before = tf.memory().numTensors
    const Xt = tf.tensor2d(Float32Array.from(X.data), [X.rows, X.cols])
    const T = Loss.target(g.loss, g.loss === "ce" ? labels : values, g.batch, g.outputDim)

    const manual = tf.tidy(() => {
      const { loss, gradients } = Network.lossAndGradients(net, Xt, T, g.loss)
      return [loss, ...Network.flatten(gradients)]
    })
    const auto = tf.tidy(() => {
      const vars = Network.variables(net)
      const { value, grads } = tf.variableGrads(() => Loss.value(g.loss, Network.forward(net, Xt), T), vars)
      return [value, ...vars.map((v) => grads[v.name])]
    })
    manual.forEach((m, i) => assertClose(m.dataSync(), auto[i].dataSync(), { rtol: 2e-4, atol: 2e-6 }, `tensor ${i} (0: loss, then dW₀, db₀, …)`))

    const out = tf.tidy(() => Network.forward(net, Xt))
    assertClose(out.dataSync(), forward64(params, g.activation, X), { rtol: 1e-4, atol: 2e-5 }, "forward")

    tf.dispose([...manual, ...auto, out, Xt, T])
    expect(tf.memory().numTensors).toBe(before)
    Network.dispose(net)
  })
})

describe("Arch", () => {
  it("counts weights and biases layer by layer", () => {
    const arch: Arch.Arch = { inputDim: 784, width: 512, depth: 2, outputDim: 10, activation: "relu", wStd: 1, bStd: 0 }
    expect(Arch.layerSizes(arch)).toEqual([784, 512, 512, 10])
    expect(Arch.parameterCount(arch)).toBe(784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10)
    const init = Arch.initialize(arch, "torch", Random.make(1))
    expect(init.weights.reduce((s, w) => s + w.length, 0) + init.biases.reduce((s, b) => s + b.length, 0)).toBe(Arch.parameterCount(arch))
  })

  it("draws ntk-matched weights with variance wStd²/fan_in and biases with variance bStd²", () => {
    const arch: Arch.Arch = { inputDim: 400, width: 300, depth: 1, outputDim: 200, activation: "relu", wStd: 1.5, bStd: 0.7 }
    const p = Arch.initialize(arch, "ntk-matched", Random.make(3))
    const moments = (a: Float64Array) => {
      let s = 0, s2 = 0
      for (const v of a) (s += v), (s2 += v * v)
      return { mean: s / a.length, variance: s2 / a.length - (s / a.length) ** 2 }
    }
    // W₀: 120 000 draws, variance 1.5²/400; relative sd of the sample variance ≈ √(2/n) ≈ 0.4 %.
    const w0 = moments(p.weights[0])
    assertClose(w0.variance, 1.5 ** 2 / 400, { rtol: 0.02 }, "Var W₀")
    assertClose(w0.mean, 0, { atol: 4 * Math.sqrt(1.5 ** 2 / 400 / p.weights[0].length) }, "mean W₀")
    assertClose(moments(p.weights[1]).variance, 1.5 ** 2 / 300, { rtol: 0.03 }, "Var W₁")
    const biases = Float64Array.from([...p.biases[0], ...p.biases[1]])
    assertClose(moments(biases).variance, 0.49, { rtol: 0.15 }, "Var b")
  })

  it("draws torch-default weights inside ±1/√fan_in with the uniform's variance", () => {
    const arch: Arch.Arch = { inputDim: 250, width: 400, depth: 1, outputDim: 3, activation: "tanh", wStd: 9, bStd: 9 }
    const p = Arch.initialize(arch, "torch", Random.make(4))
    const bound = 1 / Math.sqrt(250)
    expect(Math.max(...p.weights[0].map(Math.abs))).toBeLessThanOrEqual(bound)
    expect(Math.max(...p.biases[0].map(Math.abs))).toBeLessThanOrEqual(bound)
    const s2 = p.weights[0].reduce((s, v) => s + v * v, 0) / p.weights[0].length
    assertClose(s2, bound ** 2 / 3, { rtol: 0.02 }, "Var W₀ (uniform: bound²/3)")
  })

  it("repeats from the seed", () => {
    const arch: Arch.Arch = { inputDim: 2, width: 5, depth: 2, outputDim: 1, activation: "relu", wStd: 1.5, bStd: 1 }
    expect(Arch.initialize(arch, "ntk-matched", Random.make(9))).toEqual(Arch.initialize(arch, "ntk-matched", Random.make(9)))
    expect(Arch.initialize(arch, "ntk-matched", Random.make(9)).weights[1]).not.toEqual(Arch.initialize(arch, "ntk-matched", Random.make(10)).weights[1])
  })

  it("rejects a malformed architecture with a ConfigError", async () => {
    const error = await Effect.runPromise(Effect.flip(Arch.decode({ inputDim: 1, outputDim: 1, width: 0, depth: 2, activation: "relu", wStd: 1, bStd: 0 })))
    expect(error._tag).toBe("ConfigError")
    expect(error.message).toMatch(/width/)
  })
})
