/**
 * Training loops for a `Network`: minibatch training by epochs (what `Mlp.fit` runs; `runWasm` is
 * the same loop on the wasm engine's `WasmNetwork`, one epoch loop over either engine) and a
 * full-batch replay of k optimiser steps (what PyTorch parity is checked with).
 *
 * Conventions: float32 tensors; each epoch visits every training row once, in an order drawn
 * afresh from the trial's generator (`Random.permutation`), in minibatches of `batchSize` (the last
 * one smaller, as PyTorch's DataLoader with drop_last=False; under batchnorm a last minibatch of
 * one row is skipped, since BatchNorm cannot train on one row). An epoch's `trainLoss` is the mean
 * of its minibatch losses (taken before each step, in training mode: batch statistics, dropout on);
 * `validLoss` is the loss on the validation set after the epoch (prediction mode). Epochs are
 * numbered from 1. Every step runs inside `tf.tidy`; the loss is read back once per epoch (no
 * per-step device sync). One training step is, in PyTorch's order: forward and backward, clip the
 * gradients to `clipNorm` (global norm), the optimiser's step with the schedule's learning rate of
 * that step (`Schedule.learningRate(plan, t)`, t counting steps from 0 across epochs).
 *
 * Early stopping (Keras' EarlyStopping(monitor, min_delta, patience, restore_best_weights) in
 * mode "min"): after each epoch the loss on the `monitor` data is compared with the best so far;
 * it improves when it is below best − minDelta; after `patience` epochs in a row without
 * improvement training stops, and in any case the net ends holding the weights (and BatchNorm
 * running statistics) of its best epoch.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { DivergenceError } from "../../core/Errors.ts"
import * as Random from "../../core/Random.ts"
import type { Matrix } from "../../linalg/Matrix.ts"
import type * as Arch from "../Arch.ts"
import type { EpochRecord } from "../Model.ts"
import * as Loss from "./Loss.ts"
import * as Network from "./Network.ts"
import * as Optimizer from "./Optimizer.ts"
import * as Schedule from "./Schedule.ts"
import * as WasmNetwork from "./WasmNetwork.ts"

/** Inputs (n, d) and targets (n, k) on the device (see `Loss.target`). */
export interface Data {
  readonly X: tf.Tensor2D
  readonly target: tf.Tensor2D
}

export interface EarlyStopping {
  /** Epochs without improvement before stopping (≥ 1). */
  readonly patience: number
  /** How far below the best a loss must be to count as an improvement (≥ 0). */
  readonly minDelta: number
}

export interface Options {
  readonly loss: Loss.Kind
  readonly optimizer: Optimizer.Settings
  readonly epochs: number
  readonly batchSize: number
  /** The learning rate of each step; default the optimiser's, constant. */
  readonly schedule?: Schedule.Plan
  /** Clip the gradients to this global L2 norm before each step; default none. */
  readonly clipNorm?: number
  /** Stop on the `monitor` data's loss (needs `monitor`). */
  readonly earlyStopping?: EarlyStopping
  /** Called after each epoch with its record (and validation loss when a validation set is given); true stops training there. */
  readonly stop?: (record: EpochRecord) => boolean
}

/** What a training run did. */
export interface Outcome {
  /** The training loss before the first step (prediction mode, all of the training data). */
  readonly initialLoss: number
  /** One record per epoch run (a diverged epoch excluded). */
  readonly curve: Array<EpochRecord>
  /** The monitor data's loss after each epoch (empty without monitor data). */
  readonly monitor: Array<number>
  /** The epoch whose weights the net holds at the end: early stopping's best, else the last. */
  readonly bestEpoch: number
  /** Early stopping ended training before `epochs`. */
  readonly stoppedEarly: boolean
  /** The first epoch whose training loss was NaN or infinite (training stopped there). */
  readonly divergence?: { readonly epoch: number; readonly trainLoss: number }
}

/** The mean loss of the net (prediction mode) over all of `data`, evaluated `chunk` rows at a time. */
export const evaluate = (net: Network.Network, data: Data, loss: Loss.Kind, chunk = 4096): number => {
  const [n] = data.X.shape
  let total = 0
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start)
    const part = tf.tidy(() => {
      const X = rows === n ? data.X : tf.slice(data.X, [start, 0], [rows, -1])
      const T = rows === n ? data.target : tf.slice(data.target, [start, 0], [rows, -1])
      return Loss.value(loss, Network.forward(net, X), T)
    })
    total += part.dataSync()[0] * rows
    part.dispose()
  }
  return total / n
}

/** A copy of every variable of the net (weights, γ, β, running statistics). */
interface Snapshot {
  tensors: Array<tf.Tensor>
}

/**
 * What the epoch loop needs from a net, whichever engine holds it: the tfjs `Network` here, the
 * wasm engine in `runWasm`. `step` takes one optimiser step on the rows `index` and adds the
 * batch's loss to a running sum that `epochLoss` reads back (and resets) once per epoch.
 */
interface Engine<D> {
  readonly rows: (data: D) => number
  readonly evaluate: (data: D) => number
  readonly step: (data: D, index: Int32Array, lr: number, seed: number | undefined) => void
  readonly epochLoss: () => number
  /** Keeps a copy of the current weights (early stopping's best). */
  readonly save: () => void
  /** Puts the saved copy back; false when nothing was saved. */
  readonly restore: () => boolean
}

/**
 * One optimiser step of `net` on rows `index` of `data` at rate `lr`, the gradients clipped to the
 * global norm `clipNorm` first: the minibatch's loss before the step and its gradients, tensors
 * the caller's `tf.tidy` owns. What training and the workflow stages (src/workflow/Engine.ts)
 * step tfjs nets with.
 */
export const step = (
  net: Network.Network,
  optimizer: Optimizer.Optimizer,
  data: Data,
  index: Int32Array,
  options: { readonly loss: Loss.Kind; readonly lr: number; readonly clipNorm?: number | undefined; readonly seed?: number | undefined }
): { readonly loss: tf.Scalar; readonly gradients: Network.Gradients } => {
  const rows = tf.tensor1d(index, "int32")
  const { loss, gradients } = Network.lossAndGradients(net, tf.gather(data.X, rows), tf.gather(data.target, rows), options.loss, options.seed)
  const flat = Network.flatten(gradients)
  optimizer.step(options.clipNorm === undefined ? flat : Optimizer.clipByGlobalNorm(flat, options.clipNorm), options.lr)
  return { loss, gradients }
}

/**
 * Trains `net` in place with shuffled minibatches drawn with `rng` and reports what happened;
 * stops (without failing) at the first epoch whose training loss is NaN or infinite, the net's
 * weights then being garbage. `validation` is only recorded; `monitor` is what early stopping
 * watches.
 */
export const run = (
  net: Network.Network,
  data: Data,
  options: Options,
  rng: Random.Generator,
  sets: { readonly validation?: Data; readonly monitor?: Data } = {}
): Effect.Effect<Outcome> =>
  Effect.acquireUseRelease(
    Effect.sync(() => ({ optimizer: Optimizer.make(options.optimizer, Network.variables(net)), best: { tensors: [] } as Snapshot })),
    ({ optimizer, best }) => {
      let lossSum: tf.Scalar = tf.scalar(0)
      const engine: Engine<Data> = {
        rows: (d) => d.X.shape[0],
        evaluate: (d) => evaluate(net, d, options.loss),
        step: (d, index, lr, seed) => {
          const previous = lossSum
          lossSum = tf.tidy(() => tf.add(previous, step(net, optimizer, d, index, { loss: options.loss, lr, clipNorm: options.clipNorm, seed }).loss))
          previous.dispose()
        },
        epochLoss: () => {
          const sum = lossSum.dataSync()[0]
          lossSum.dispose()
          lossSum = tf.scalar(0)
          return sum
        },
        save: () => {
          tf.dispose(best.tensors)
          best.tensors = Network.state(net).map((v) => tf.clone(v))
        },
        restore: () => {
          if (best.tensors.length === 0) return false
          Network.state(net).forEach((v, i) => v.assign(best.tensors[i]))
          return true
        }
      }
      return Effect.ensuring(
        epochs(engine, data, options, rng, net.structure, sets),
        Effect.sync(() => lossSum.dispose())
      )
    },
    ({ optimizer, best }) => Effect.sync(() => {
      optimizer.dispose()
      tf.dispose(best.tensors)
    })
  )

/**
 * `run` on the wasm engine (`WasmNetwork`, plain nets only): the same epochs, minibatch order,
 * schedule, clipping and early stopping, on float32 arrays.
 */
export const runWasm = (
  net: WasmNetwork.WasmNet,
  data: WasmNetwork.Data,
  options: Options,
  rng: Random.Generator,
  sets: { readonly validation?: WasmNetwork.Data; readonly monitor?: WasmNetwork.Data } = {}
): Effect.Effect<Outcome> =>
  Effect.suspend(() => {
    const optimizer = WasmNetwork.optimizer(options.optimizer, net)
    let lossSum = 0
    let best: WasmNetwork.Snapshot | undefined
    const engine: Engine<WasmNetwork.Data> = {
      rows: (d) => d.rows,
      evaluate: (d) => WasmNetwork.evaluate(net, d, options.loss),
      step: (d, index, lr) => {
        lossSum += WasmNetwork.lossAndGradients(net, d, index, options.loss)
        optimizer.step(lr, options.clipNorm)
      },
      epochLoss: () => {
        const sum = lossSum
        lossSum = 0
        return sum
      },
      save: () => {
        best = WasmNetwork.snapshot(net)
      },
      restore: () => {
        if (best === undefined) return false
        WasmNetwork.restore(net, best)
        return true
      }
    }
    return epochs(engine, data, options, rng, Network.plain, sets)
  })

const failOnDivergence = (outcome: Outcome, options: Options): Effect.Effect<Outcome, DivergenceError> =>
  outcome.divergence === undefined
    ? Effect.succeed(outcome)
    : Effect.fail(
      new DivergenceError({
        epoch: outcome.divergence.epoch,
        message: `training loss became ${outcome.divergence.trainLoss} in epoch ${outcome.divergence.epoch} (${options.optimizer.name}, learning rate ${options.optimizer.learningRate}): ` +
          `lower the learning rate or standardise the data`
      })
    )

/**
 * `run`, failing with DivergenceError at the first epoch whose training loss is NaN or infinite
 * (the net's weights are then garbage; the caller disposes it).
 */
export const train = (
  net: Network.Network,
  data: Data,
  options: Options,
  rng: Random.Generator,
  sets: { readonly validation?: Data; readonly monitor?: Data } = {}
): Effect.Effect<Outcome, DivergenceError> => Effect.flatMap(run(net, data, options, rng, sets), (outcome) => failOnDivergence(outcome, options))

/** `runWasm`, failing with DivergenceError as `train` does. */
export const trainWasm = (
  net: WasmNetwork.WasmNet,
  data: WasmNetwork.Data,
  options: Options,
  rng: Random.Generator,
  sets: { readonly validation?: WasmNetwork.Data; readonly monitor?: WasmNetwork.Data } = {}
): Effect.Effect<Outcome, DivergenceError> => Effect.flatMap(runWasm(net, data, options, rng, sets), (outcome) => failOnDivergence(outcome, options))

const epochs = <D>(
  engine: Engine<D>,
  data: D,
  options: Options,
  rng: Random.Generator,
  structure: Network.Structure,
  sets: { readonly validation?: D; readonly monitor?: D }
): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    const n = engine.rows(data)
    const batch = Math.max(1, Math.min(options.batchSize, n))
    const plan = options.schedule ?? Schedule.constant(options.optimizer.learningRate)
    const { earlyStopping } = options
    const { validation, monitor } = sets
    if (earlyStopping !== undefined && monitor === undefined) throw new Error("Training.run: early stopping needs monitor data")
    const skipSingle = structure.norm === "batchnorm"
    const seeds = structure.dropout > 0 ? rng.fork("dropout") : undefined
    const curve: Array<EpochRecord> = []
    const monitorLosses: Array<number> = []
    let bestLoss = Infinity
    let bestEpoch = 0
    let wait = 0
    let t = 0
    const initialLoss = engine.evaluate(data)
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = Random.permutation(rng, n)
      let batches = 0
      for (let start = 0; start < n; start += batch) {
        const index = order.subarray(start, Math.min(start + batch, n))
        if (skipSingle && index.length < 2) continue
        engine.step(data, index, Schedule.learningRate(plan, t), seeds?.nextUint32())
        batches += 1
        t += 1
      }
      const trainLoss = engine.epochLoss() / batches
      if (!Number.isFinite(trainLoss)) {
        return { initialLoss, curve, monitor: monitorLosses, bestEpoch: curve.length, stoppedEarly: false, divergence: { epoch, trainLoss } }
      }
      curve.push(validation === undefined ? { epoch, trainLoss } : { epoch, trainLoss, validLoss: engine.evaluate(validation) })
      if (monitor !== undefined) monitorLosses.push(engine.evaluate(monitor))
      if (options.stop?.(curve[curve.length - 1]) === true) break
      if (earlyStopping !== undefined) {
        const current = monitorLosses[monitorLosses.length - 1]
        if (current < bestLoss - earlyStopping.minDelta) {
          bestLoss = current
          bestEpoch = epoch
          wait = 0
          engine.save()
        } else if (++wait >= earlyStopping.patience) {
          break
        }
      }
      yield* Effect.yieldNow
    }
    if (earlyStopping !== undefined && engine.restore()) {
      return { initialLoss, curve, monitor: monitorLosses, bestEpoch, stoppedEarly: curve.length < options.epochs }
    }
    return { initialLoss, curve, monitor: monitorLosses, bestEpoch: curve.length, stoppedEarly: false }
  })

/** What `fullBatchSteps` observed. Weights in PyTorch's (out, in) layout, float64. */
export interface StepTrace {
  /** losses[k]: the loss before step k (training mode). */
  readonly losses: Array<number>
  /** lrs[k]: the learning rate step k used. */
  readonly lrs: Array<number>
  /** gradNorms[k]: the global L2 norm of the gradients at step k, before clipping and decay. */
  readonly gradNorms: Array<number>
  /** The gradients of the loss at the starting parameters, in the layout of `Network.Layers`. */
  readonly gradsAtStart: Network.Layers
  /** The parameters after all steps. */
  readonly layers: Network.Layers
  /** BatchNorm's running statistics after all steps (empty without batchnorm). */
  readonly running: Array<Network.Running>
  /** The outputs (n, k) row-major in prediction mode on `Xtest` after all steps (when given). */
  readonly evalOutputs?: Float64Array
}

const isLayers = (p: Arch.Params | Network.Layers): p is Network.Layers => "gammas" in p

/**
 * Builds a net from `params` (plain `Arch.Params`, or `Network.Layers` with γ, β and absent
 * biases for a `structure` with a norm), takes `steps` optimiser steps on the one batch (X, y) and
 * reports losses, learning rates, gradient norms, starting gradients, final parameters, running
 * statistics and prediction-mode outputs on `Xtest`: the quantities PyTorch parity is checked on
 * (tests/fixtures/mlp_step.json, mlp_norm_step.json). `y`: (n × k) values for "mse", n class
 * indices for "ce". The schedule is stepped after every step. Leaves no tensors behind.
 */
export const fullBatchSteps = (options: {
  readonly params: Arch.Params | Network.Layers
  readonly activation: Arch.Activation
  readonly structure?: Network.Structure
  readonly loss: Loss.Kind
  readonly X: Matrix
  readonly y: ArrayLike<number>
  readonly optimizer: Optimizer.Settings
  readonly steps: number
  readonly schedule?: Schedule.Plan
  readonly clipNorm?: number
  readonly Xtest?: Matrix
  /** Seed of the generator of the dropout masks' seeds (needed when the structure has dropout). */
  readonly seed?: number
}): StepTrace => {
  const { params, X } = options
  const structure = options.structure ?? Network.plain
  const net = isLayers(params) ? Network.fromLayers(params, options.activation, structure) : Network.fromParams(params, options.activation, structure)
  const optimizer = Optimizer.make(options.optimizer, Network.variables(net))
  const plan = options.schedule ?? Schedule.constant(options.optimizer.learningRate)
  const Xt = tf.tensor2d(Float32Array.from(X.data), [X.rows, X.cols])
  const target = Loss.target(options.loss, options.y, X.rows, params.sizes[params.sizes.length - 1])
  const read = (v: tf.Tensor1D) => Float64Array.from(v.dataSync())
  try {
    const losses: Array<number> = []
    const lrs: Array<number> = []
    const gradNorms: Array<number> = []
    let gradsAtStart: Network.Layers = { sizes: params.sizes, weights: [], biases: [], gammas: [], betas: [] }
    const seeds = options.seed === undefined ? undefined : Random.make(options.seed)
    for (let k = 0; k < options.steps; k++) {
      tf.tidy(() => {
        const seed = seeds?.nextUint32()
        const { loss, gradients } = Network.lossAndGradients(net, Xt, target, options.loss, seed)
        const flat = Network.flatten(gradients)
        losses.push(loss.dataSync()[0])
        gradNorms.push(Optimizer.globalNorm(flat).dataSync()[0])
        if (k === 0) {
          gradsAtStart = {
            sizes: params.sizes,
            weights: gradients.weights.map(Network.readTransposed),
            biases: gradients.biases.map((g) => (g === undefined ? undefined : read(g))),
            gammas: gradients.gammas.map(read),
            betas: gradients.betas.map(read)
          }
        }
        const lr = Schedule.learningRate(plan, k)
        lrs.push(lr)
        optimizer.step(options.clipNorm === undefined ? flat : Optimizer.clipByGlobalNorm(flat, options.clipNorm), lr)
      })
    }
    let evalOutputs: Float64Array | undefined
    if (options.Xtest !== undefined) {
      const Xs = tf.tensor2d(Float32Array.from(options.Xtest.data), [options.Xtest.rows, options.Xtest.cols])
      evalOutputs = Float64Array.from(Network.outputs(net, Xs))
      Xs.dispose()
    }
    return { losses, lrs, gradNorms, gradsAtStart, layers: Network.toLayers(net), running: Network.running(net), ...(evalOutputs ? { evalOutputs } : {}) }
  } finally {
    optimizer.dispose()
    Network.dispose(net)
    Xt.dispose()
    target.dispose()
  }
}
