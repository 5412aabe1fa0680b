/**
 * Training loops for a `Network`: minibatch training by epochs (what `Mlp.fit` runs) and a
 * full-batch replay of k optimiser steps (what PyTorch parity is checked with).
 *
 * Conventions: float32 tensors; each epoch visits every training row once, in an order drawn
 * afresh from the trial's generator (`Random.permutation`), in minibatches of `batchSize` (the last
 * one smaller, as PyTorch's DataLoader with drop_last=False). An epoch's `trainLoss` is the mean
 * of its minibatch losses (taken before each step); `validLoss` is the loss on the validation set
 * after the epoch. Epochs are numbered from 1. Every step runs inside `tf.tidy`; the loss is read
 * back once per epoch (no per-step device sync).
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

/** Inputs (n, d) and targets (n, k) on the device (see `Loss.target`). */
export interface Data {
  readonly X: tf.Tensor2D
  readonly target: tf.Tensor2D
}

export interface Options {
  readonly loss: Loss.Kind
  readonly optimizer: Optimizer.Settings
  readonly epochs: number
  readonly batchSize: number
}

/** The mean loss of the net over all of `data`, evaluated `chunk` rows at a time. */
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

/**
 * Trains `net` in place for `options.epochs` epochs of shuffled minibatches drawn with `rng`,
 * returning the per-epoch curve. Fails with DivergenceError at the first epoch whose training
 * loss is NaN or infinite (the net's weights are then garbage; the caller disposes it).
 */
export const train = (
  net: Network.Network,
  data: Data,
  options: Options,
  rng: Random.Generator,
  validation?: Data
): Effect.Effect<Array<EpochRecord>, DivergenceError> =>
  Effect.acquireUseRelease(
    Effect.sync(() => Optimizer.make(options.optimizer, Network.variables(net))),
    (optimizer) => epochs(net, data, options, rng, optimizer, validation),
    (optimizer) => Effect.sync(() => optimizer.dispose())
  )

const epochs = (
  net: Network.Network,
  data: Data,
  options: Options,
  rng: Random.Generator,
  optimizer: Optimizer.Optimizer,
  validation: Data | undefined
): Effect.Effect<Array<EpochRecord>, DivergenceError> =>
  Effect.gen(function*() {
    const n = data.X.shape[0]
    const batch = Math.max(1, Math.min(options.batchSize, n))
    const batches = Math.ceil(n / batch)
    const curve: Array<EpochRecord> = []
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = Random.permutation(rng, n)
      let lossSum: tf.Scalar = tf.scalar(0)
      for (let start = 0; start < n; start += batch) {
        const index = order.subarray(start, Math.min(start + batch, n))
        const previous = lossSum
        lossSum = tf.tidy(() => {
          const rows = tf.tensor1d(index, "int32")
          const { loss, gradients } = Network.lossAndGradients(net, tf.gather(data.X, rows), tf.gather(data.target, rows), options.loss)
          optimizer.step(Network.flatten(gradients))
          return tf.add(previous, loss)
        })
        previous.dispose()
      }
      const trainLoss = lossSum.dataSync()[0] / batches
      lossSum.dispose()
      if (!Number.isFinite(trainLoss)) {
        return yield* new DivergenceError({
          epoch,
          message: `training loss became ${trainLoss} in epoch ${epoch} (${options.optimizer.name}, learning rate ${options.optimizer.learningRate}): ` +
            `lower the learning rate or standardise the data`
        })
      }
      curve.push(validation === undefined ? { epoch, trainLoss } : { epoch, trainLoss, validLoss: evaluate(net, validation, options.loss) })
      yield* Effect.yieldNow
    }
    return curve
  })

/** What `fullBatchSteps` observed. Weights in PyTorch's (out, in) layout, float64. */
export interface StepTrace {
  /** losses[k]: the loss before step k. */
  readonly losses: Array<number>
  /** The gradients of the loss at the starting parameters. */
  readonly gradsAtStart: { readonly weights: Array<Float64Array>; readonly biases: Array<Float64Array> }
  /** The parameters after all steps. */
  readonly params: Arch.Params
}

/**
 * Builds a net from `params`, takes `steps` optimiser steps on the one batch (X, y) and reports
 * losses, starting gradients and final parameters: the quantities PyTorch parity is checked on
 * (tests/fixtures/mlp_step.json). `y`: (n × k) values for "mse", n class indices for "ce".
 * Leaves no tensors behind.
 */
export const fullBatchSteps = (options: {
  readonly params: Arch.Params
  readonly activation: Arch.Activation
  readonly loss: Loss.Kind
  readonly X: Matrix
  readonly y: ArrayLike<number>
  readonly optimizer: Optimizer.Settings
  readonly steps: number
}): StepTrace => {
  const { params, X } = options
  const net = Network.fromParams(params, options.activation)
  const optimizer = Optimizer.make(options.optimizer, Network.variables(net))
  const Xt = tf.tensor2d(Float32Array.from(X.data), [X.rows, X.cols])
  const target = Loss.target(options.loss, options.y, X.rows, params.sizes[params.sizes.length - 1])
  try {
    const losses: Array<number> = []
    let gradsAtStart: StepTrace["gradsAtStart"] = { weights: [], biases: [] }
    for (let k = 0; k < options.steps; k++) {
      tf.tidy(() => {
        const { loss, gradients } = Network.lossAndGradients(net, Xt, target, options.loss)
        losses.push(loss.dataSync()[0])
        if (k === 0) {
          gradsAtStart = {
            weights: gradients.weights.map(Network.readTransposed),
            biases: gradients.biases.map((g) => Float64Array.from(g.dataSync()))
          }
        }
        optimizer.step(Network.flatten(gradients))
      })
    }
    return { losses, gradsAtStart, params: Network.toParams(net) }
  } finally {
    optimizer.dispose()
    Network.dispose(net)
    Xt.dispose()
    target.dispose()
  }
}
