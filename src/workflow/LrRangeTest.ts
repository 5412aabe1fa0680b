/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
 * Networks", WACV, arXiv:1506.01186 §3.3; as fastai's `lr_find` and PyTorch Lightning's
 * `Tuner.lr_find`): train for a few hundred minibatch steps while the learning rate grows
 * exponentially from `minLr` to `maxLr`, record the loss of every step, and suggest the rate where
 * the smoothed loss falls fastest.
 *
 * The rules, stated once (Lightning's `_LRCallback` and `_LRFinder.suggestion`, fastai's defaults):
 * - rates: step i of S uses lr_i = minLr · (maxLr/minLr)^(i/(S−1)), i = 0..S−1 (both ends swept);
 * - loss_i is the minibatch loss computed at step i before its update (training mode);
 * - smoothing: a bias-corrected exponential moving average, a_i = β·a_{i−1} + (1−β)·loss_i with
 *   a_{−1} = 0 and s_i = a_i / (1 − β^(i+1)), β = 0.98;
 * - divergence stop: after step i ≥ 2, stop when s_i > 4 × min(s_0..s_{i−1}) or loss_i is not
 *   finite (the last, diverging point is kept, as in Lightning);
 * - suggestion: drop the first 10 and the last 1 points, keep the finite ones, take the gradient
 *   of s with respect to the step index (central differences inside, one-sided at the two ends:
 *   `numpy.gradient` / `torch.gradient`; the index is log-lr up to a constant, so this is the
 *   slope against log lr) and suggest the rate of the most negative one. With fewer than two
 *   points left there is no suggestion.
 *
 * When to use: `suggest` on any recorded (rates, losses); `run` before training, on an `Engine`
 * of the net's initial weights and training rows (the engine that then trains), and train at the
 * suggestion. Gotchas: the suggestion is where the loss drops fastest, not where it is lowest;
 * the rate at the loss minimum is typically 3–10× larger and already close to divergence. On small
 * minibatches (≈ 16 rows) the bias-corrected average of the first few noisy losses moves more per
 * step than the real descent does later, so the steepest slope can land just after the skipped
 * start at a useless rate; sweep with batches of 64 or more (or full batch on small data). The
 * lr-scan study shows where the suggestion lands against a grid of fixed rates.
 */
import * as Random from "../core/Random.ts"
import type * as Optimizer from "../models/mlp/Optimizer.ts"
import type * as Engine from "./Engine.ts"

/** Lightning's and fastai's smoothing factor β of the moving average. */
export const BETA = 0.98
/** Stop once the smoothed loss exceeds this multiple of its best so far (fastai, Lightning). */
export const DIVERGENCE_FACTOR = 4
/** Points dropped at the start and at the end before the suggestion (Lightning's defaults). */
export const SKIP_BEGIN = 10
export const SKIP_END = 1

export interface Sweep {
  readonly minLr: number
  readonly maxLr: number
  /** Steps S of the full sweep (≥ 2). */
  readonly steps: number
}

/** Lightning's defaults but for the range: 100 steps from 1e-6 to 1 (Lightning sweeps from 1e-8). */
export const defaultSweep: Sweep = { minLr: 1e-6, maxLr: 1, steps: 100 }

/** The rate of step i of a sweep. */
export const rate = (sweep: Sweep, i: number): number => sweep.minLr * (sweep.maxLr / sweep.minLr) ** (i / (sweep.steps - 1))

/** The bias-corrected exponential moving average s of `losses` with factor β. */
export const smooth = (losses: ReadonlyArray<number>, beta = BETA): Array<number> => {
  let avg = 0
  return losses.map((loss, i) => {
    avg = beta * avg + (1 - beta) * loss
    return avg / (1 - beta ** (i + 1))
  })
}

/** True when the sweep stops after step i (0-based) of the smoothed losses `s` and raw `loss`. */
export const diverges = (s: ReadonlyArray<number>, loss: number, i: number): boolean => {
  if (!Number.isFinite(loss) || !Number.isFinite(s[i])) return true
  if (i < 2) return false
  let best = Number.POSITIVE_INFINITY
  for (let j = 0; j < i; j++) best = Math.min(best, s[j])
  return s[i] > DIVERGENCE_FACTOR * best
}

/** `numpy.gradient` with unit spacing: central differences inside, one-sided at the ends. */
export const gradient = (v: ReadonlyArray<number>): Array<number> =>
  v.map((_, i) =>
    v.length < 2 ? 0 : i === 0 ? v[1] - v[0] : i === v.length - 1 ? v[i] - v[i - 1] : (v[i + 1] - v[i - 1]) / 2
  )

export interface Suggestion {
  /** The index into the recorded steps of the suggested rate. */
  readonly index: number
  readonly learningRate: number
  /** The slope of the smoothed loss there, per step (negative). */
  readonly slope: number
}

/**
 * The steepest-descent suggestion on smoothed losses `smoothed` recorded at `rates` (the rule in
 * the header); undefined when fewer than two finite points remain after the skips.
 */
export const suggest = (rates: ReadonlyArray<number>, smoothed: ReadonlyArray<number>, skipBegin = SKIP_BEGIN, skipEnd = SKIP_END): Suggestion | undefined => {
  const kept: Array<number> = []
  for (let i = skipBegin; i < smoothed.length - skipEnd; i++) if (Number.isFinite(smoothed[i])) kept.push(i)
  if (kept.length < 2) return undefined
  const slopes = gradient(kept.map((i) => smoothed[i]))
  let best = 0
  for (let k = 1; k < slopes.length; k++) if (slopes[k] < slopes[best]) best = k
  return { index: kept[best], learningRate: rates[kept[best]], slope: slopes[best] }
}

/** What a range test recorded: one entry per step run. */
export interface Trace {
  readonly rates: Array<number>
  readonly losses: Array<number>
  readonly smoothed: Array<number>
  /** "diverged": stopped by the divergence rule before the last step; "completed": swept to maxLr. */
  readonly stop: "diverged" | "completed"
}

export interface Outcome {
  readonly trace: Trace
  readonly suggestion: Suggestion | undefined
  /** The rate of the lowest smoothed loss (fastai's "minimum", for reference). */
  readonly minimumLr: number
}

/** The suggestion and the minimum of a finished trace. */
export const conclude = (trace: Trace): Outcome => {
  let lowest = 0
  for (let i = 1; i < trace.smoothed.length; i++) if (trace.smoothed[i] < trace.smoothed[lowest]) lowest = i
  return { trace, suggestion: suggest(trace.rates, trace.smoothed), minimumLr: trace.rates[lowest] }
}

/**
 * Runs the sweep on a fresh net of `engine` (the initial weights; the stepped net is then dropped).
 * Minibatches of `batchSize` rows are drawn as in training: an epoch's order from
 * `Random.permutation(rng, n)`, the next epoch a fresh order once it is used up; under batchnorm a
 * last minibatch of one row is skipped. `optimizer.learningRate` is ignored (the sweep sets each
 * step's rate). Synchronous; one read of the loss per step (the divergence rule needs it).
 */
export const run = (
  engine: Engine.Engine,
  options: { readonly optimizer: Optimizer.Settings; readonly batchSize: number; readonly sweep: Sweep; readonly clipNorm?: number },
  rng: Random.Generator
): Outcome => {
  const n = engine.rows
  const batch = Math.max(1, Math.min(options.batchSize, n))
  const { sweep } = options
  if (!(sweep.steps >= 2 && sweep.minLr > 0 && sweep.maxLr > sweep.minLr)) {
    throw new Error(`LrRangeTest.run: the sweep needs steps ≥ 2 and 0 < minLr < maxLr, got ${JSON.stringify(sweep)}`)
  }
  const stepper = engine.make(options.optimizer, options.clipNorm, rng)
  const rates: Array<number> = []
  const losses: Array<number> = []
  const smoothed: Array<number> = []
  let avg = 0
  let order = Random.permutation(rng, n)
  let start = 0
  try {
    for (let i = 0; i < sweep.steps; i++) {
      if (start >= n || n - start < engine.minBatch) {
        order = Random.permutation(rng, n)
        start = 0
      }
      const index = order.subarray(start, Math.min(start + batch, n))
      start += batch
      const lr = rate(sweep, i)
      const loss = stepper.step(index, lr)
      rates.push(lr)
      losses.push(loss)
      // The smoothing of `smooth`, one step at a time.
      avg = BETA * avg + (1 - BETA) * loss
      smoothed.push(avg / (1 - BETA ** (i + 1)))
      if (diverges(smoothed, loss, i)) {
        return conclude({ rates, losses, smoothed, stop: i === sweep.steps - 1 ? "completed" : "diverged" })
      }
    }
    return conclude({ rates, losses, smoothed, stop: "completed" })
  } finally {
    stepper.dispose()
  }
}
