/**
 * Loss-curve diagnosis: every pathology induced on purpose in a real training run of a tiny MLP
 * (a far too high learning rate diverges or explodes, a tiny one crawls, dead ReLUs and a huge
 * weight decay pin the net to the mean, a big net on a dozen noisy points overfits, Adam at a
 * high rate bounces) gets its label, a sane run is healthy; synthetic curves pin each rule's
 * thresholds from both sides and the precedence between rules.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Diagnosis from "../src/models/mlp/Diagnosis.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as Network from "../src/models/mlp/Network.ts"
import type * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as Training from "../src/models/mlp/Training.ts"
import { assertClose } from "./support/assertClose.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

/** y = sin(3x) + noise on x ~ U(−1, 1), standardised (so the mean-prediction loss is 1). */
const task = (n: number, seed: number, noise = 0.3): Dataset => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 2 * rng.uniform() - 1)
  const y = x.map((v) => Math.sin(3 * v) + noise * rng.normal())
  const m = y.reduce((a, b) => a + b) / n
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / n)
  return { name: "sine", kind: "regression", X: Matrix.make(n, 1, x), y: y.map((v) => (v - m) / sd), classes: 0 }
}

const device = (ds: Dataset): Training.Data => ({ X: tf.tensor2d(Float32Array.from(ds.X.data), [ds.X.rows, 1]), target: Loss.target("mse", ds.y, ds.X.rows, 1) })

interface RunSpec {
  readonly width: number
  readonly depth: number
  readonly activation: Arch.Activation
  readonly optimizer: Optimizer.Settings
  readonly epochs: number
  readonly batchSize: number
  readonly n: number
  readonly valid?: number
  readonly noise?: number
  /** Every hidden bias set to this (a large negative value kills the ReLUs). */
  readonly hiddenBias?: number
  readonly warmupEpochs?: number
}

/** Trains a fresh net on `task(n)` and diagnoses its curve. */
const diagnoseRun = async (spec: RunSpec): Promise<{ readonly diagnosis: Diagnosis.Diagnosis; readonly outcome: Training.Outcome }> => {
  const arch: Arch.Arch = { inputDim: 1, width: spec.width, depth: spec.depth, outputDim: 1, activation: spec.activation, wStd: 1.5, bStd: 1 }
  const init = Arch.initialize(arch, "ntk-matched", Random.make(1))
  const { hiddenBias } = spec
  const params = hiddenBias === undefined ? init : { ...init, biases: init.biases.map((b, i) => (i < init.biases.length - 1 ? b.map(() => hiddenBias) : b)) }
  const net = Network.fromParams(params, spec.activation)
  const train = task(spec.n, 1, spec.noise)
  const data = device(train)
  const valid = spec.valid === undefined ? undefined : device(task(spec.valid, 2, spec.noise))
  const perEpoch = Math.ceil(spec.n / spec.batchSize)
  const options: Training.Options = {
    loss: "mse",
    optimizer: spec.optimizer,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    ...(spec.warmupEpochs === undefined ? {} : { schedule: { learningRate: spec.optimizer.learningRate, schedule: { type: "constant" }, warmup: spec.warmupEpochs * perEpoch } })
  }
  try {
    const outcome = await Effect.runPromise(Training.run(net, data, options, Random.make(2), valid === undefined ? {} : { validation: valid }))
    const diagnosis = Diagnosis.diagnose({
      train: outcome.curve.map((r) => r.trainLoss),
      ...(valid === undefined ? {} : { valid: outcome.curve.map((r) => r.validLoss!) }),
      meanLoss: Diagnosis.meanLoss("mse", train.y),
      initialLoss: outcome.initialLoss,
      ...(outcome.divergence === undefined ? {} : { divergence: outcome.divergence })
    })
    return { diagnosis, outcome }
  } finally {
    tf.dispose([data.X, data.target, ...(valid ? [valid.X, valid.target] : [])])
    Network.dispose(net)
  }
}

const small = { width: 16, depth: 2, n: 64, batchSize: 16 } as const

describe("pathologies induced in real training runs", () => {
  it("a sane run (Adam 1e-2) is healthy", async () => {
    const { diagnosis } = await diagnoseRun({ ...small, activation: "tanh", optimizer: { name: "adam", learningRate: 0.01, momentum: 0 }, epochs: 60 })
    expect(diagnosis.label).toBe("healthy")
    if (diagnosis.finding.label !== "healthy") throw new Error("unreachable")
    expect(diagnosis.finding.finalToMean).toBeLessThan(0.2)
  })

  it("SGD at learning rate 1e3 diverges: the loss is not finite by epoch 2", async () => {
    const { diagnosis, outcome } = await diagnoseRun({ ...small, activation: "relu", optimizer: { name: "sgd", learningRate: 1e3, momentum: 0 }, epochs: 10 })
    expect(outcome.divergence).toBeDefined()
    expect(diagnosis.label).toBe("diverged")
    expect(diagnosis.finding).toEqual({ label: "diverged", epoch: outcome.divergence!.epoch, finalToStart: Infinity })
    expect(diagnosis.advice).toMatch(/lower the learning rate/)
  })

  it("Adam at learning rate 0.3 blows up in epoch 1 (80× the start) and recovers", async () => {
    const { diagnosis } = await diagnoseRun({ ...small, activation: "relu", optimizer: { name: "adam", learningRate: 0.3, momentum: 0 }, epochs: 30 })
    expect(diagnosis.label).toBe("exploded-recovered")
    if (diagnosis.finding.label !== "exploded-recovered") throw new Error("unreachable")
    expect(diagnosis.finding.spikeEpoch).toBe(1)
    expect(diagnosis.finding.spikeToStart).toBeGreaterThan(10)
    expect(diagnosis.finding.finalToStart).toBeLessThan(1)
  })

  it("SGD at learning rate 1e-4 is too slow: still falling steadily at the end", async () => {
    const { diagnosis } = await diagnoseRun({ ...small, activation: "tanh", optimizer: { name: "sgd", learningRate: 1e-4, momentum: 0 }, epochs: 20 })
    expect(diagnosis.label).toBe("not-converged")
    if (diagnosis.finding.label !== "not-converged") throw new Error("unreachable")
    expect(diagnosis.finding.tailShare).toBeGreaterThan(0.25)
    expect(diagnosis.finding.finalToMean).toBeGreaterThan(0.9)
  })

  it("dead ReLUs (hidden biases −20) leave only the readout bias: stuck at the mean", async () => {
    const { diagnosis } = await diagnoseRun({ ...small, activation: "relu", hiddenBias: -20, optimizer: { name: "adam", learningRate: 0.01, momentum: 0 }, epochs: 30 })
    expect(diagnosis.label).toBe("stuck-at-mean")
    if (diagnosis.finding.label !== "stuck-at-mean") throw new Error("unreachable")
    assertClose(diagnosis.finding.finalToMean, 1, { rtol: 0.01 }, "final loss / mean-prediction loss")
  })

  it("Adam at learning rate 0.3 after a 3-epoch warm-up bounces: oscillating", async () => {
    const { diagnosis } = await diagnoseRun({ ...small, n: 64, batchSize: 8, activation: "tanh", optimizer: { name: "adam", learningRate: 0.3, momentum: 0 }, epochs: 30, warmupEpochs: 3 })
    expect(diagnosis.label).toBe("oscillating")
    if (diagnosis.finding.label !== "oscillating") throw new Error("unreachable")
    expect(diagnosis.finding.amplitude).toBeGreaterThan(0.2)
  })

  it("a width-128 net on 12 noisy points for 200 epochs overfits: validation turns up while training falls", async () => {
    const { diagnosis } = await diagnoseRun({ width: 128, depth: 2, n: 12, batchSize: 12, valid: 100, noise: 0.6, activation: "relu", optimizer: { name: "adam", learningRate: 0.003, momentum: 0 }, epochs: 200 })
    expect(diagnosis.label).toBe("overfitting")
    if (diagnosis.finding.label !== "overfitting") throw new Error("unreachable")
    expect(diagnosis.finding.bestValidEpoch).toBeLessThan(150)
    expect(diagnosis.finding.validRise).toBeGreaterThan(1.2)
    expect(diagnosis.finding.finalValidToTrain).toBeGreaterThan(2)
  })

  it("every fitted MLP carries its diagnosis: a huge weight decay (λ = 5) is stuck at the mean, the default decay healthy", async () => {
    const fit = (weightDecay: number) =>
      Effect.runPromiseExit(Effect.provide(
        Mlp.fit({ ...Mlp.defaults, width: 16, epochs: 30, batchSize: 16, optimizer: "sgd", learningRate: 0.1, weightDecay }, task(64, 1), { rng: Random.make(3) }),
        Backend.NnBackend.layer("auto")
      ))
    const [decayed, plain] = [await fit(5), await fit(0)]
    if (Exit.isFailure(decayed) || Exit.isFailure(plain)) throw new Error("fit failed")
    expect(decayed.value.diagnosis.label).toBe("stuck-at-mean")
    expect(plain.value.diagnosis.label).toBe("healthy")
    decayed.value.dispose(), plain.value.dispose()
  })
})

describe("rules on synthetic curves", () => {
  const flat = (value: number, n: number) => new Array<number>(n).fill(value)

  it("needs epochs or a divergence and a positive reference", () => {
    expect(() => Diagnosis.diagnose({ train: [], meanLoss: 1 })).toThrow(/no epochs/)
    expect(() => Diagnosis.diagnose({ train: [1], meanLoss: 0 })).toThrow(/> 0/)
    expect(Diagnosis.diagnose({ train: [], meanLoss: 1, divergence: { epoch: 1, trainLoss: Number.NaN } }).label).toBe("diverged")
  })

  it("diverged: a non-finite last loss, or a finite one ≥ 10× the start; 9× is not", () => {
    expect(Diagnosis.diagnose({ train: [1, 2, Infinity], meanLoss: 1 }).label).toBe("diverged")
    const blown = Diagnosis.diagnose({ train: [1, 5, 12], meanLoss: 1 })
    expect(blown.finding).toEqual({ label: "diverged", epoch: 3, finalToStart: 12 })
    expect(Diagnosis.diagnose({ train: [1, 5, 9], meanLoss: 1 }).label).not.toBe("diverged")
  })

  it("exploded-recovered: a spike ≥ 10× the start after epoch 1 (or in it, when the loss before training is known)", () => {
    const late = Diagnosis.diagnose({ train: [1, 0.8, 15, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2], meanLoss: 1 })
    expect(late.finding).toEqual({ label: "exploded-recovered", spikeEpoch: 3, spikeToStart: 15, finalToStart: 0.2 })
    expect(Diagnosis.diagnose({ train: [1, 0.8, 9, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2], meanLoss: 1 }).label).toBe("healthy")
    // Without the loss before training, a large first epoch is where it started.
    expect(Diagnosis.diagnose({ train: [50, 0.5, 0.3, 0.2], meanLoss: 1 }).label).toBe("healthy")
    expect(Diagnosis.diagnose({ train: [50, 0.5, 0.3, 0.2], meanLoss: 1, initialLoss: 1.2 }).label).toBe("exploded-recovered")
  })

  it("stuck-at-mean: flat at ≥ 0.9× the mean-prediction loss; flat at 0.85× is healthy; a blow-up first goes to others", () => {
    expect(Diagnosis.diagnose({ train: [1.2, 1, ...flat(0.95, 10)], meanLoss: 1 }).label).toBe("stuck-at-mean")
    expect(Diagnosis.diagnose({ train: [1.2, 1, ...flat(0.85, 10)], meanLoss: 1 }).label).toBe("healthy")
    const after = Diagnosis.diagnose({ train: [40, 3, ...flat(1, 10)], meanLoss: 1, initialLoss: 1 })
    expect(after.label).toBe("stuck-at-mean")
    expect(after.others.map((f) => f.label)).toEqual(["exploded-recovered"])
  })

  it("oscillating: direction flips at ≥ 60 % of epochs with steps ≥ 10 % of the level; 2 % steps are noise", () => {
    const zigzag = (amp: number) => [1, 0.6, ...Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 0.5 : 0.5 - amp))]
    const d = Diagnosis.diagnose({ train: zigzag(0.1), meanLoss: 1 })
    expect(d.label).toBe("oscillating")
    if (d.finding.label !== "oscillating") throw new Error("unreachable")
    expect(d.finding.directionChanges).toBe(1)
    // The last half: five 0.5s and five 0.4s, nine steps of 0.1.
    assertClose(d.finding.amplitude, 0.1 / 0.45, { rtol: 1e-12 }, "mean |step| / mean level")
    expect(Diagnosis.diagnose({ train: zigzag(0.01), meanLoss: 1 }).label).toBe("healthy")
  })

  it("overfitting: validation ≥ 1.1× its minimum while training keeps falling; not when training rose too", () => {
    const train = [1, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.08]
    const valid = [1, 0.7, 0.5, 0.45, 0.5, 0.55, 0.6, 0.62]
    const d = Diagnosis.diagnose({ train, valid, meanLoss: 1 })
    expect(d.finding).toEqual({ label: "overfitting", bestValidEpoch: 4, validRise: 0.62 / 0.45, finalValidToTrain: 0.62 / 0.08 })
    expect(Diagnosis.diagnose({ train, valid: valid.map((v, i) => (i >= 4 ? 0.48 : v)), meanLoss: 1 }).label).toBe("healthy")
    expect(Diagnosis.diagnose({ train: [...train.slice(0, 4), 0.35, 0.4, 0.45, 0.5], valid, meanLoss: 1 }).label).not.toBe("overfitting")
  })

  it("not-converged: the last third carries ≥ 20 % of the decrease; an exponential decay that has levelled off is healthy", () => {
    const linear = Array.from({ length: 12 }, (_, i) => 1 - 0.03 * i)
    expect(Diagnosis.diagnose({ train: linear, meanLoss: 1 }).label).toBe("not-converged")
    const decayed = Array.from({ length: 12 }, (_, i) => 0.1 + 0.9 * Math.exp(-i))
    expect(Diagnosis.diagnose({ train: decayed, meanLoss: 1 }).label).toBe("healthy")
  })

  it("one line of advice per label", () => {
    for (const label of Diagnosis.labels) expect(Diagnosis.advice[label].length).toBeGreaterThan(10)
  })

  it("meanLoss: the variance of y for MSE, the entropy of the class frequencies for CE", () => {
    assertClose(Diagnosis.meanLoss("mse", [1, 2, 3, 4]), 1.25, { rtol: 1e-15 }, "population variance")
    assertClose(Diagnosis.meanLoss("ce", [0, 0, 1, 2], 3), -(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25)), { rtol: 1e-15 }, "entropy")
  })
})
