/**
 * The MLP's regularisation and schedule features beyond what the PyTorch fixture pins: the
 * LayerNorm/BatchNorm/dropout backward pass against tfjs autodiff, inverted dropout's scaling,
 * the schedules against PyTorch's own (recursive) formulas and OneCycle's shape, coupled weight
 * decay and clipping against float64 arithmetic, early stopping's stop rule and restored weights,
 * and the MLP config fields end to end.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as Schedule from "../src/models/mlp/Schedule.ts"
import * as Training from "../src/models/mlp/Training.ts"
import { assertClose } from "./support/assertClose.ts"
import { randomMatrix } from "./support/matrices.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

const grid = (["layernorm", "batchnorm"] as const).flatMap((norm) =>
  (["relu", "tanh", "gelu"] as const).flatMap((activation) => [0, 0.3].map((dropout) => ({ norm, activation, dropout, loss: dropout > 0 ? ("ce" as const) : ("mse" as const) })))
)

describe("normalised and dropout backward pass", () => {
  it.each(grid)("$norm, $activation, dropout $dropout, $loss: gradients equal tfjs autodiff of the same training pass", (g) => {
    const rng = Random.make(Random.derive(5, `${g.norm}/${g.activation}/${g.dropout}`))
    const arch: Arch.Arch = { inputDim: 3, width: 6, depth: 2, outputDim: 2, activation: g.activation, wStd: 1.3, bStd: 0.4 }
    const structure: Network.Structure = { ...Network.plain, norm: g.norm, dropout: g.dropout }
    const layers = Network.initialLayers(Arch.initialize(arch, "ntk-matched", rng), structure)
    // γ, β away from 1, 0 so their gradients and their effect on dz are both exercised.
    const perturbed: Network.Layers = { ...layers, gammas: layers.gammas.map((v) => v.map(() => 0.5 + rng.uniform())), betas: layers.betas.map((v) => v.map(() => rng.normal() * 0.3)) }
    const net = Network.fromLayers(perturbed, g.activation, structure)
    const X = tf.tensor2d(Float32Array.from(randomMatrix(rng, 9, 3).data), [9, 3])
    const T = Loss.target(g.loss, g.loss === "ce" ? Array.from({ length: 9 }, () => rng.int(2)) : Array.from({ length: 18 }, () => rng.normal()), 9, 2)
    const before = tf.memory().numTensors
    const manual = tf.tidy(() => {
      const { loss, gradients } = Network.lossAndGradients(net, X, T, g.loss, 77)
      return [loss, ...Network.flatten(gradients)]
    })
    const auto = tf.tidy(() => {
      const vars = Network.variables(net)
      const { value, grads } = tf.variableGrads(() => Network.lossAndGradients(net, X, T, g.loss, 77).loss, vars)
      return [value, ...vars.map((v) => grads[v.name])]
    })
    expect(manual.length).toBe(auto.length)
    manual.forEach((m, i) => assertClose(m.dataSync(), auto[i].dataSync(), { rtol: 2e-4, atol: 2e-6 }, `tensor ${i} (0: loss, then W, b, γ, β per layer)`))
    tf.dispose([...manual, ...auto])
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([X, T])
    Network.dispose(net)
  })

  it("a net without norm or dropout keeps the plain variables and rejects a dropout rate of 1", () => {
    const params = Arch.initialize({ inputDim: 2, width: 4, depth: 1, outputDim: 1, activation: "relu", wStd: 1, bStd: 1 }, "torch", Random.make(1))
    const net = Network.fromParams(params, "relu")
    expect(Network.variables(net).map((v) => v.shape)).toEqual([[2, 4], [4], [4, 1], [1]])
    Network.dispose(net)
    const bn = Network.fromParams(params, "relu", { ...Network.plain, norm: "batchnorm" })
    // Under batchnorm the hidden bias goes; γ and β come in.
    expect(Network.variables(bn).map((v) => v.shape)).toEqual([[2, 4], [4], [4], [4, 1], [1]])
    Network.dispose(bn)
    expect(() => Network.fromParams(params, "relu", { ...Network.plain, dropout: 1 })).toThrow(/dropout rate 1/)
  })
})

describe("inverted dropout", () => {
  // One input x = 1, a linear hidden layer of 4000 copies of it and a readout averaging them: the
  // training output is mean(mask)/(1 − p), whose sd is √(p/((1 − p)·4000)).
  const width = 4000
  const p = 0.3
  const params: Arch.Params = {
    sizes: [1, width, 1],
    weights: [new Float64Array(width).fill(1), new Float64Array(width).fill(1 / width)],
    biases: [new Float64Array(width), new Float64Array(1)]
  }

  it("keeps a unit with probability 1 − p and scales it by 1/(1 − p) in training; is the identity at prediction", () => {
    const net = Network.fromParams(params, "linear", { ...Network.plain, dropout: p })
    const X = tf.tensor2d([[1]])
    const T = tf.tensor2d([[0]])
    const [loss, dW1] = tf.tidy(() => {
      const { loss, gradients } = Network.lossAndGradients(net, X, T, "mse", 3)
      return [loss, gradients.weights[1]]
    })
    const out = Math.sqrt(loss.dataSync()[0])
    const sd = Math.sqrt(p / ((1 - p) * width))
    expect(Math.abs(out - 1)).toBeLessThan(4 * sd)
    // A dropout without the 1/(1 − p) scaling would give ≈ 0.7, 20 sd away.
    expect(Math.abs(0.7 - 1)).toBeGreaterThan(20 * sd)
    // dL/dW₁ⱼ = 2·out·hⱼ with hⱼ ∈ {0, 1/(1 − p)}.
    const g = dW1.dataSync()
    const dropped = g.filter((v) => v === 0).length
    expect(Math.abs(dropped - p * width)).toBeLessThan(4 * Math.sqrt(width * p * (1 - p)))
    assertClose(g.filter((v) => v !== 0), new Float64Array(width - dropped).fill((2 * out) / (1 - p)), { rtol: 1e-4 }, "kept units")
    assertClose(Network.outputs(net, X), [1], { rtol: 1e-4 }, "prediction: no dropout (float32 sum of 4000 terms)")
    // The same seed draws the same mask, another seed another.
    const mask = (seed: number) => tf.tidy(() => Array.from(Network.lossAndGradients(net, X, T, "mse", seed).gradients.weights[1].dataSync(), (v) => v === 0))
    expect(mask(3)).toEqual(Array.from(g, (v) => v === 0))
    expect(mask(4)).not.toEqual(Array.from(g, (v) => v === 0))
    tf.dispose([loss, dW1, X, T])
    Network.dispose(net)
  })
})

describe("Schedule", () => {
  const plan = (schedule: Schedule.Schedule, warmup = 0): Schedule.Plan => ({ learningRate: 0.1, schedule, warmup })

  it("StepLR: lr·γ^⌊t/stepSize⌋", () => {
    const lrs = Array.from({ length: 8 }, (_, t) => Schedule.learningRate(plan({ type: "step", stepSize: 3, gamma: 0.5 }), t))
    assertClose(lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025], { rtol: 1e-15 }, "StepLR")
  })

  it("cosine: equals PyTorch's recursive CosineAnnealingLR over two periods", () => {
    // torch/optim/lr_scheduler.py (1.13) CosineAnnealingLR.get_lr, the chainable form.
    const base = 0.1, etaMin = 0.002, T = 7
    const recursive = [base]
    for (let t = 1; t < 2 * T + 3; t++) {
      const lr = recursive[t - 1]
      recursive.push(
        (t - 1 - T) % (2 * T) === 0
          ? lr + ((base - etaMin) * (1 - Math.cos(Math.PI / T))) / 2
          : ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lr - etaMin) + etaMin
      )
    }
    const closed = recursive.map((_, t) => Schedule.learningRate(plan({ type: "cosine", tMax: T, etaMin }), t))
    assertClose(closed, recursive, { rtol: 1e-12, atol: 1e-15 }, "cosine")
  })

  it("one-cycle: from max/25 up to max at step 0.3·total − 1, then down to max/25/1e4 at the last step", () => {
    const total = 20
    const s: Schedule.Schedule = { type: "onecycle", totalSteps: total, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 }
    const lrs = Array.from({ length: total }, (_, t) => Schedule.learningRate(plan(s), t))
    assertClose(lrs[0], 0.1 / 25, { rtol: 1e-12 }, "start")
    assertClose(lrs[5], 0.1, { rtol: 1e-12 }, "peak")
    assertClose(lrs[total - 1], 0.1 / 25 / 1e4, { rtol: 1e-9 }, "end")
    for (let t = 1; t <= 5; t++) expect(lrs[t]).toBeGreaterThan(lrs[t - 1])
    for (let t = 6; t < total; t++) expect(lrs[t]).toBeLessThan(lrs[t - 1])
    // Halfway through the descent the cosine is at its midpoint.
    const mid = 5 + (total - 1 - 5) / 2
    assertClose(Schedule.learningRate(plan(s), mid), (0.1 + 0.1 / 25 / 1e4) / 2, { rtol: 1e-12 }, "midpoint")
  })

  it("linear warm-up multiplies by (t + 1)/W over the first W steps", () => {
    const lrs = Array.from({ length: 6 }, (_, t) => Schedule.learningRate(plan({ type: "constant" }, 4), t))
    assertClose(lrs, [0.025, 0.05, 0.075, 0.1, 0.1, 0.1], { rtol: 1e-15 }, "warm-up")
    const stepped = Schedule.learningRate(plan({ type: "step", stepSize: 1, gamma: 0.5 }, 4), 1)
    assertClose(stepped, 0.1 * 0.5 * 0.5, { rtol: 1e-15 }, "warm-up × StepLR")
  })
})

describe("Optimizer: coupled weight decay, per-step learning rates, clipping", () => {
  const w0 = [0.5, -1.2, 2.0]
  const grads = [[0.3, -0.1, 0.2], [-0.2, 0.4, 0.1], [0.05, 0.05, -0.3]]
  const lrs = [0.1, 0.05, 0.02]
  const decay = 0.1

  /** Float64 PyTorch updates with g ← g + λw (SGD momentum and Adam with weight_decay). */
  const reference = (name: "momentum" | "adam"): Array<number> => {
    const w = [...w0]
    const buf = [0, 0, 0], m = [0, 0, 0], v = [0, 0, 0]
    grads.forEach((g0, t) => {
      for (let i = 0; i < 3; i++) {
        const g = g0[i] + decay * w[i]
        if (name === "momentum") {
          buf[i] = t === 0 ? g : 0.9 * buf[i] + g
          w[i] -= lrs[t] * buf[i]
        } else {
          m[i] = 0.9 * m[i] + 0.1 * g
          v[i] = 0.999 * v[i] + 0.001 * g * g
          w[i] -= (lrs[t] * (m[i] / (1 - 0.9 ** (t + 1)))) / (Math.sqrt(v[i] / (1 - 0.999 ** (t + 1))) + 1e-8)
        }
      }
    })
    return w
  }

  it.each(["momentum", "adam"] as const)("%s with weight decay follows PyTorch's weight_decay, with the learning rate of each step", (name) => {
    const w = tf.variable(tf.tensor1d(w0))
    const opt = Optimizer.make({ name, learningRate: 1, momentum: 0.9, weightDecay: decay }, [w])
    grads.forEach((g, t) => tf.tidy(() => opt.step([tf.tensor1d(g)], lrs[t])))
    assertClose(w.dataSync(), reference(name), { rtol: 2e-6 }, name)
    // Without the decay the result is elsewhere (the check has power).
    const plain = tf.variable(tf.tensor1d(w0))
    const noDecay = Optimizer.make({ name, learningRate: 1, momentum: 0.9 }, [plain])
    grads.forEach((g, t) => tf.tidy(() => noDecay.step([tf.tensor1d(g)], lrs[t])))
    expect(Math.max(...Array.from(plain.dataSync(), (x, i) => Math.abs(x - reference(name)[i])))).toBeGreaterThan(1e-4)
    opt.dispose(), noDecay.dispose(), w.dispose(), plain.dispose()
  })

  it("clipByGlobalNorm scales all gradients by maxNorm/(‖g‖ + 1e-6) when above, leaves them when below", () => {
    tf.tidy(() => {
      const g = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])] // ‖g‖ = 5
      assertClose(Optimizer.globalNorm(g).dataSync(), [5], { rtol: 1e-7 }, "norm")
      const clipped = Optimizer.clipByGlobalNorm(g, 2)
      const c = 2 / (5 + 1e-6)
      assertClose([...clipped[0].dataSync(), ...clipped[1].dataSync()], [3 * c, 0, 0, 4 * c], { rtol: 1e-7 }, "clipped")
      const kept = Optimizer.clipByGlobalNorm(g, 10)
      assertClose([...kept[0].dataSync(), ...kept[1].dataSync()], [3, 0, 0, 4], { rtol: 1e-7 }, "below maxNorm")
    })
  })
})

/** y = sin(3x) + 0.3ε: a handful of rows that a wide net memorises. */
const curveTask = (n: number, seed: number): Dataset => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 2 * rng.uniform() - 1)
  return { name: "curve", kind: "regression", X: Matrix.make(n, 1, x), y: x.map((v) => Math.sin(3 * v) + 0.3 * rng.normal()), classes: 0 }
}

const device = (ds: Dataset): Training.Data => ({ X: tf.tensor2d(Float32Array.from(ds.X.data), [ds.X.rows, 1]), target: Loss.target("mse", ds.y, ds.X.rows, 1) })

describe("early stopping", () => {
  it("stops `patience` epochs after the best monitor loss and ends holding the best epoch's weights", async () => {
    const arch: Arch.Arch = { inputDim: 1, width: 64, depth: 2, outputDim: 1, activation: "relu", wStd: 1.5, bStd: 1 }
    const net = Network.fromParams(Arch.initialize(arch, "ntk-matched", Random.make(2)), "relu", { ...Network.plain, norm: "batchnorm" })
    const train = device(curveTask(12, 1)), monitor = device(curveTask(40, 2))
    const before = tf.memory().numTensors
    const options: Training.Options = { loss: "mse", optimizer: { name: "adam", learningRate: 0.02, momentum: 0 }, epochs: 150, batchSize: 4, earlyStopping: { patience: 5, minDelta: 0 } }
    const outcome = await Effect.runPromise(Training.run(net, train, options, Random.make(3), { monitor }))
    expect(tf.memory().numTensors).toBe(before) // the snapshot and the optimiser state are freed
    expect(outcome.stoppedEarly).toBe(true)
    expect(outcome.curve.length).toBe(outcome.bestEpoch + 5)
    expect(outcome.monitor.length).toBe(outcome.curve.length)
    const best = Math.min(...outcome.monitor)
    expect(outcome.monitor[outcome.bestEpoch - 1]).toBe(best)
    for (const later of outcome.monitor.slice(outcome.bestEpoch)) expect(later).toBeGreaterThanOrEqual(best)
    // The weights and running statistics are the best epoch's: its monitor loss is reproduced.
    assertClose(Training.evaluate(net, monitor, "mse"), best, { rtol: 1e-6 }, "monitor loss after restore")
    expect(Training.evaluate(net, monitor, "mse")).not.toBe(outcome.monitor[outcome.monitor.length - 1])

    // A minDelta no improvement can clear: the first epoch stays best and training stops patience epochs later.
    const strict = await Effect.runPromise(Training.run(net, train, { ...options, earlyStopping: { patience: 3, minDelta: 1e9 } }, Random.make(3), { monitor }))
    expect(strict.bestEpoch).toBe(1)
    expect(strict.curve.length).toBe(4)
    tf.dispose([train.X, train.target, monitor.X, monitor.target])
    Network.dispose(net)
  })
})

describe("MLP config fields", () => {
  const backend = Backend.NnBackend.layer("auto")
  const fit = (config: Mlp.MlpConfig, train: Dataset, validation?: Dataset) =>
    Effect.runPromiseExit(Effect.provide(Mlp.fit(config, train, validation === undefined ? { rng: Random.make(4) } : { rng: Random.make(4), validation }), backend))

  it("defaults switch every feature off, and bad values are ConfigErrors", async () => {
    expect(Mlp.defaults).toMatchObject({ norm: "none", dropout: 0, weightDecay: 0, clipNorm: null, schedule: "constant", warmupEpochs: 0, patience: null })
    for (const bad of [{ dropout: 1 }, { clipNorm: 0 }, { norm: "groupnorm" }, { schedule: "exp" }, { patience: 0 }, { validationFraction: 1 }, { weightDecay: -1 }]) {
      const error = await Effect.runPromise(Effect.flip(Mlp.family.decode(bad)))
      expect(error._tag, JSON.stringify(bad)).toBe("ConfigError")
    }
    const exit = await fit({ ...Mlp.defaults, norm: "layernorm", parameterization: "ntk" }, curveTask(20, 1))
    expect(Exit.isFailure(exit) && exit.cause.reasons.some((r) => r._tag === "Fail" && r.error._tag === "ConfigError" && r.error.message.includes("norm"))).toBe(true)
  })

  it.each(["batchnorm", "layernorm"] as const)("%s + dropout + AdamW + warm-up cosine + clipping + early stopping: trains, predicts deterministically, frees its tensors", async (norm) => {
    const config: Mlp.MlpConfig = {
      ...Mlp.defaults, width: 24, depth: 2, norm, dropout: 0.1, optimizer: "adamw", weightDecay: 0.01, learningRate: 0.01,
      schedule: "cosine", warmupEpochs: 2, clipNorm: 1, patience: 6, validationFraction: 0.25, epochs: 40, batchSize: 16
    }
    // 87 rows, 22 held out: 65 fitting rows = 4·16 + 1, so batchnorm skips a one-row batch each epoch.
    const train = curveTask(87, 5)
    const before = tf.memory().numTensors
    const exit = await fit(config, train, curveTask(30, 6))
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const fitted = exit.value
    const curve = fitted.curve!
    expect(curve[curve.length - 1].trainLoss).toBeLessThan(0.6 * curve[0].trainLoss)
    expect(fitted.bestEpoch).toBe(fitted.info.bestEpoch)
    expect(fitted.bestEpoch).toBeLessThanOrEqual(curve.length)
    expect(typeof fitted.diagnosis.label).toBe("string")
    // k: W₀ 24, W₁ 24·24, readout 24 + 1; γ, β 2·24 per hidden layer; hidden biases only without batchnorm.
    expect(fitted.info.parameters).toBe(24 + 576 + 25 + 2 * 48 + (norm === "batchnorm" ? 0 : 48))
    const a = fitted.predict(train.X), b = fitted.predict(train.X)
    if (a.kind !== "regression" || b.kind !== "regression") throw new Error("expected regression")
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean))
    fitted.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
