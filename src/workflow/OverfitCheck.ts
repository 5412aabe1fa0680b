/**
 * Overfit a small subset before a long study: a net and optimiser that cannot drive the training
 * loss near zero on a few dozen examples will not learn the full task either, and the reason is
 * cheaper to find here (Karpathy 2019, "A Recipe for Training Neural Networks": "overfit one
 * batch"; Goodfellow, Bengio & Courville 2016 §11.4, "fit a tiny dataset").
 *
 * The check: take `rows` training examples, take `steps` full-batch steps with the config's own
 * optimiser, rate and structure (dropout off: its training-mode loss is noisy and not the function
 * being fitted; every other setting, weight decay and normalisation included, as configured), and
 * compare the final loss with the loss of predicting the prior on those rows (Diagnosis.meanLoss:
 * the entropy of the class frequencies for cross-entropy, the variance of y for MSE).
 *
 * The rule, in order (the first that holds names the outcome):
 *   diverged     some step's loss is not finite;
 *   no-gradient  the gradient reaching the first layer's weights has norm ≤ 1e-8 at the start
 *                (dead units, zero weights, saturated activations: no signal flows back to the
 *                inputs, so at most the output bias can learn);
 *   no-progress  final loss ≥ 0.9 × the initial loss (the rate is zero or far too small, or the
 *                parameters are frozen or pinned by weight decay);
 *   stuck-at-prior  final loss ≥ 0.9 × the prior's loss (the net learned the class frequencies or
 *                the mean and nothing of the inputs: dead hidden units, collapsed weights);
 *   underfit     final loss > 0.05 × the prior's loss (it learns, but not enough in `steps`:
 *                too little capacity, too low a rate, too strong a regulariser);
 *   passed       otherwise: final loss ≤ 5 % of the prior's.
 * The initial loss is reported against the prior's as well (Karpathy's "verify loss @ init": a
 * well-initialised classifier starts near log k).
 *
 * When to use: `judge` on any recorded losses; `run` before training, on an `Engine` of the net's
 * initial weights and the check's rows (the engine that then trains; it steps a fresh net and
 * leaves no tensors). Gotchas: a pass says the net can memorise, not that it generalises.
 */
import * as Random from "../core/Random.ts"
import * as Diagnosis from "../models/mlp/Diagnosis.ts"
import type * as Loss from "../models/mlp/Loss.ts"
import type * as Optimizer from "../models/mlp/Optimizer.ts"
import type * as Engine from "./Engine.ts"

export const labels = ["passed", "diverged", "no-gradient", "no-progress", "stuck-at-prior", "underfit"] as const
export type Label = (typeof labels)[number]

/** Pass when the final loss is at most this share of the prior's loss. */
export const PASS_RATIO = 0.05
/** No progress when the final loss is at least this share of the initial loss. */
export const PROGRESS_RATIO = 0.9
/** Stuck at the prior when the final loss is at least this share of the prior's loss. */
export const PRIOR_RATIO = 0.9
/** No gradient when the first layer's weight gradient has at most this norm at the start. */
export const GRADIENT_FLOOR = 1e-8

export const advice: Record<Label, string> = {
  passed: "the net and optimiser can fit a small subset; go on to the full study",
  diverged: "the loss overflowed on a few dozen rows: lower the learning rate or clip the gradients",
  "no-gradient": "the gradient is zero at the start (dead ReLUs, zero or collapsed weights, saturated units): change the initialisation, the activation or the bias scale",
  "no-progress": "the loss did not move: the learning rate is zero or far too small, or weight decay pins the weights; raise the rate (run the range test) or lower the decay",
  "stuck-at-prior": "the net predicts the class frequencies (or the mean) and ignores its inputs: hidden units are dead or the weights collapsed; check the initialisation scale, the bias scale and the activation",
  underfit: "the loss fell but not near zero: raise the learning rate, take more steps, or give the net more capacity"
}

export interface Result {
  readonly label: Label
  readonly passed: boolean
  readonly rows: number
  readonly steps: number
  /** The loss of predicting the prior (class frequencies, or the mean) on the subset. */
  readonly priorLoss: number
  readonly initialLoss: number
  readonly finalLoss: number
  /** finalLoss / priorLoss: the number the pass rule reads. */
  readonly finalToPrior: number
  readonly initialToPrior: number
  /** The norm of the gradient of the first layer's weights at the start. */
  readonly firstLayerGradientNorm: number
  readonly advice: string
}

/**
 * The outcome from recorded losses: `losses[k]` the loss before step k (k = 0..steps), the last
 * one after all steps; `firstLayerGradientNorm` at step 0; `priorLoss` > 0.
 */
export const judge = (losses: ReadonlyArray<number>, firstLayerGradientNorm: number, priorLoss: number, rows: number): Result => {
  if (losses.length < 2) throw new Error(`OverfitCheck.judge: needs the loss before and after at least one step, got ${losses.length} value(s)`)
  if (!(priorLoss > 0)) throw new Error(`OverfitCheck.judge: the prior's loss must be > 0 (a subset of one class or one target value), got ${priorLoss}`)
  const initialLoss = losses[0]
  const finalLoss = losses[losses.length - 1]
  const label: Label = losses.some((l) => !Number.isFinite(l)) ? "diverged" :
    !(firstLayerGradientNorm > GRADIENT_FLOOR) ? "no-gradient" :
    finalLoss >= PROGRESS_RATIO * initialLoss ? "no-progress" :
    finalLoss >= PRIOR_RATIO * priorLoss ? "stuck-at-prior" :
    finalLoss > PASS_RATIO * priorLoss ? "underfit" :
    "passed"
  return {
    label,
    passed: label === "passed",
    rows,
    steps: losses.length - 1,
    priorLoss,
    initialLoss,
    finalLoss,
    finalToPrior: finalLoss / priorLoss,
    initialToPrior: initialLoss / priorLoss,
    firstLayerGradientNorm,
    advice: advice[label]
  }
}

/**
 * Runs the check on `engine`'s rows (built on the check's subset, dropout off: see the header):
 * `steps` full-batch steps from a fresh net of the initial weights (one more step reads the final
 * loss), judged against the prior's loss. `y`: the rows' class indices for "ce", values (one
 * output) for "mse"; `classes` the class count for "ce".
 */
export const run = (options: {
  readonly engine: Engine.Engine
  readonly loss: Loss.Kind
  readonly y: ArrayLike<number>
  readonly classes: number
  readonly optimizer: Optimizer.Settings
  readonly steps: number
  readonly clipNorm?: number
}): Result => {
  const { engine } = options
  const stepper = engine.make(options.optimizer, options.clipNorm, Random.make(0))
  const all = Int32Array.from({ length: engine.rows }, (_, i) => i)
  try {
    const losses: Array<number> = []
    for (let k = 0; k <= options.steps; k++) losses.push(stepper.step(all, options.optimizer.learningRate))
    return judge(losses, stepper.startGradientNorm(), Diagnosis.meanLoss(options.loss, options.y, options.classes), engine.rows)
  } finally {
    stepper.dispose()
  }
}
