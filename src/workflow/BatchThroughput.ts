/**
 * Batch size by throughput: time training steps of the net at each candidate batch size on the
 * engine it will train on (gpnn's wasm engine or the tfjs backend: `Engine`, chosen by the caller as
 * training chooses), and pick by a stated rule; and the linear-scaling rule that goes with a change
 * of batch size.
 *
 * The measurement: for each size b (in the order given), `warmup` untimed steps (kernel set-up,
 * allocation), then `steps` timed optimiser steps on minibatches of b rows (drawn as in training,
 * with replacement across epochs), the clock read after a device sync;
 * samplesPerSecond = b · steps / seconds. Timings are wall-clock and differ from one executor,
 * machine or load to the next: they are reported, never used to choose anything that a stored
 * row's identity depends on.
 *
 * The rule (`choose`): the smallest size whose throughput is at least 90 % of the best measured.
 * Past that point a larger batch buys less than 10 % speed per epoch but takes fewer steps per
 * epoch and tends to generalise worse at a fixed number of epochs (Keskar et al. 2017,
 * arXiv:1609.04836; McCandlish et al. 2018, arXiv:1812.06162: returns diminish past the "critical
 * batch size").
 *
 * Linear scaling (Goyal et al. 2017, arXiv:1706.02677 §2.1): when the batch grows k-fold, grow the
 * learning rate k-fold, lr(B) = lr₀ · B / B₀, so that k small steps and one large step move the
 * weights alike (valid while the rate stays below the stability limit; they add a warm-up for
 * large k).
 *
 * When to use: `measure` inside a fit (it needs the initial weights and the engine's data), `choose`
 * and `linearScaling` anywhere (pure).
 */
import * as tf from "@tensorflow/tfjs"
import { Clock, Effect } from "effect"
import * as Random from "../core/Random.ts"
import type * as Arch from "../models/Arch.ts"
import type * as Loss from "../models/mlp/Loss.ts"
import * as Network from "../models/mlp/Network.ts"
import * as Optimizer from "../models/mlp/Optimizer.ts"
import type * as Training from "../models/mlp/Training.ts"
import * as WasmNetwork from "../models/mlp/WasmNetwork.ts"

/** The share of the best throughput the chosen size must reach. */
export const SHARE = 0.9

export interface Measurement {
  readonly batchSize: number
  readonly samplesPerSecond: number
}

/**
 * The smallest batch size whose throughput is ≥ `share` × the best measured (the rule in the
 * header). Throws on an empty list or a non-positive throughput.
 */
export const choose = (measurements: ReadonlyArray<Measurement>, share = SHARE): number => {
  if (measurements.length === 0) throw new Error("BatchThroughput.choose: no measurements")
  if (measurements.some((m) => !(m.samplesPerSecond > 0))) {
    throw new Error(`BatchThroughput.choose: every throughput must be > 0, got ${measurements.map((m) => m.samplesPerSecond).join(", ")}`)
  }
  const best = Math.max(...measurements.map((m) => m.samplesPerSecond))
  return Math.min(...measurements.filter((m) => m.samplesPerSecond >= share * best).map((m) => m.batchSize))
}

/** lr(B) = lr₀ · B / B₀ (Goyal et al. 2017). */
export const linearScaling = (baseLearningRate: number, baseBatch: number, batch: number): number => baseLearningRate * batch / baseBatch

/**
 * One engine's training steps at one batch size, for timing: `step` takes one optimiser step on a
 * fresh minibatch and returns the minibatch's loss before it (read back, so a device has finished).
 */
export interface Stepper {
  readonly step: () => number
  readonly dispose: () => void
}

/**
 * An engine's steppers: `make(b, rng)` builds a fresh net and optimiser from the initial weights
 * that take steps on minibatches of b of the `rows` training rows drawn from `rng`; `minBatch` is
 * the smallest batch the net can take.
 */
export interface Engine {
  readonly rows: number
  readonly minBatch: number
  readonly make: (batch: number, rng: Random.Generator) => Stepper
}

/** The tfjs net (`Network.ts`) on device data: what norm and dropout nets, and every net on a native backend, train on. */
export const tfjsEngine = (options: {
  readonly layers: Network.Layers
  readonly activation: Network.Network["activation"]
  readonly structure: Network.Structure
  readonly data: Training.Data
  readonly loss: Loss.Kind
  readonly optimizer: Optimizer.Settings
}): Engine => {
  const n = options.data.X.shape[0]
  return {
    rows: n,
    minBatch: options.structure.norm === "batchnorm" ? 2 : 1,
    make: (b, rng) => {
      const net = Network.fromLayers(options.layers, options.activation, options.structure)
      const optimizer = Optimizer.make(options.optimizer, Network.variables(net))
      const seeds = options.structure.dropout > 0 ? rng.fork("dropout") : undefined
      const batches = rng.fork("batches")
      return {
        step: () =>
          tf.tidy(() => {
            const rows = tf.tensor1d(Random.permutation(batches, n).subarray(0, b), "int32")
            const { loss, gradients } = Network.lossAndGradients(net, tf.gather(options.data.X, rows), tf.gather(options.data.target, rows), options.loss, seeds?.nextUint32())
            optimizer.step(Network.flatten(gradients))
            return loss.dataSync()[0]
          }),
        dispose: () => {
          optimizer.dispose()
          Network.dispose(net)
        }
      }
    }
  }
}

/**
 * gpnn's float32 wasm engine (`WasmNetwork.ts`): what plain nets train on unless a native
 * TensorFlow backend loaded. Its steps share large products with a helper thread where the trial
 * runs alone, as training does.
 */
export const wasmEngine = (options: {
  readonly params: Arch.Params
  readonly activation: Arch.Activation
  readonly data: WasmNetwork.Data
  readonly loss: Loss.Kind
  readonly optimizer: Optimizer.Settings
}): Engine => ({
  rows: options.data.rows,
  minBatch: 1,
  make: (b, rng) => {
    const net = WasmNetwork.make(options.params, options.activation, b)
    if (net === undefined) throw new Error(`BatchThroughput: the wasm engine cannot hold a net of sizes ${options.params.sizes.join("-")} at batch ${b} (no wasm SIMD or memory)`)
    const optimizer = WasmNetwork.optimizer(options.optimizer, net)
    const batches = rng.fork("batches")
    return {
      step: () => {
        const value = WasmNetwork.lossAndGradients(net, options.data, Random.permutation(batches, options.data.rows).subarray(0, b), options.loss)
        optimizer.step()
        return value
      },
      dispose: () => {}
    }
  }
})

/**
 * Times training steps on `engine` at each of `sizes` (the measurement in the header); each size
 * gets a fresh net and optimiser, disposed after, and its own fork of `rng`. Sizes above the row
 * count are measured at the row count (what training would use).
 */
export const measure = Effect.fn("BatchThroughput.measure")(function*(options: {
  readonly engine: Engine
  readonly sizes: ReadonlyArray<number>
  readonly warmup: number
  readonly steps: number
  readonly rng: Random.Generator
}) {
  const { engine } = options
  const out: Array<Measurement> = []
  for (const size of options.sizes) {
    const b = Math.max(engine.minBatch, Math.min(size, engine.rows))
    const stepper = engine.make(b, options.rng.fork(`size/${size}`))
    try {
      for (let k = 0; k < options.warmup; k++) stepper.step()
      const started = yield* Clock.currentTimeNanos
      for (let k = 0; k < options.steps; k++) stepper.step()
      const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
      out.push({ batchSize: b, samplesPerSecond: (b * options.steps) / Math.max(seconds, 1e-9) })
    } finally {
      stepper.dispose()
    }
  }
  return out
})
