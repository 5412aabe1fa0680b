/**
 * Batch size by throughput: time training steps of the net at each candidate batch size on the
 * engine it will train on (`Engine.ts`: gpnn's wasm engine or the tfjs net, chosen by the caller as
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
 * When to use: `measure` inside a fit (on an `Engine` of the training rows), `choose` and
 * `linearScaling` anywhere (pure).
 */
import { Clock, Effect } from "effect"
import * as Random from "../core/Random.ts"
import type * as Optimizer from "../models/mlp/Optimizer.ts"
import type * as Engine from "./Engine.ts"

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
 * Times training steps on `engine` at each of `sizes` (the measurement in the header), with an
 * optimiser of `optimizer` at its rate; each size gets a fresh net and optimiser, disposed after,
 * and its own fork of `rng` (minibatches, dropout masks). Sizes above the row count are measured at
 * the row count (what training would use).
 */
export const measure = Effect.fn("BatchThroughput.measure")(function*(options: {
  readonly engine: Engine.Engine
  readonly optimizer: Optimizer.Settings
  readonly sizes: ReadonlyArray<number>
  readonly warmup: number
  readonly steps: number
  readonly rng: Random.Generator
}) {
  const { engine } = options
  const n = engine.rows
  const out: Array<Measurement> = []
  for (const size of options.sizes) {
    const b = Math.max(engine.minBatch, Math.min(size, n))
    const rng = options.rng.fork(`size/${size}`)
    const stepper = engine.make(options.optimizer, undefined, rng)
    const batches = rng.fork("batches")
    const step = () => stepper.step(Random.permutation(batches, n).subarray(0, b), options.optimizer.learningRate)
    try {
      for (let k = 0; k < options.warmup; k++) step()
      const started = yield* Clock.currentTimeNanos
      for (let k = 0; k < options.steps; k++) step()
      const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
      out.push({ batchSize: b, samplesPerSecond: (b * options.steps) / Math.max(seconds, 1e-9) })
    } finally {
      stepper.dispose()
    }
  }
  return out
})
