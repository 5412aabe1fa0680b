/**
 * Loss-curve diagnosis: labels a training run from its per-epoch losses, with the evidence (epochs,
 * ratios) and one line of advice, so that a study can say *why* a net did badly.
 *
 * Inputs: the per-epoch mean training loss, optionally a validation loss per epoch, the loss of
 * predicting the mean (the reference a net that learned nothing reaches: Var(y) for MSE, the
 * entropy of the class frequencies for cross-entropy), the loss before training when known and,
 * when training stopped on a NaN or infinite loss, the epoch it did. Write E for the number of
 * finite epochs, L_e for the training loss of epoch e (1-based), L_0 for the loss before training
 * (L_1 when unknown), R = max(reference, L_0) for "where it started", and the tail for the epochs
 * after ⌊2E/3⌋ (its first epoch k = ⌊2E/3⌋, at least 1).
 *
 * Rules, tried in this order; the first that holds is the label, every other that holds is
 * listed in `others` (a diverged run is not judged further):
 * 1. diverged:           the loss became NaN/∞ (divergence given), or L_E ≥ 10·R.
 * 2. stuck-at-mean:      L_E ≥ 0.9·reference, the tail is flat, |L_k − L_E| < 0.02·L_k (E ≥ 3),
 *                        and the run is not still falling (rule 6 does not hold: a tiny learning
 *                        rate creeping down from above the mean is not converged, not stuck).
 *                        Ranked above rule 3: a run that blew up and then settled at the mean
 *                        (its ReLUs killed by the blow-up) is stuck, the blow-up in `others`.
 * 3. exploded-recovered: some L_e ≥ 10·R (e ≥ 1 when L_0 is known, else e ≥ 2), yet L_E < 10·R.
 * 4. oscillating:        over the last half of the epochs (≥ 6 of them) the direction of
 *                        L_{e+1} − L_e changes at ≥ 60 % of the chances, and the mean |L_{e+1} − L_e|
 *                        is ≥ 10 % of the mean loss there.
 * 5. overfitting:        with a validation curve (E ≥ 5): the final validation loss is ≥ 1.1× its
 *                        minimum, reached at epoch b < E, and the training loss kept falling after b
 *                        (L_E < L_b).
 * 6. not-converged:      still falling at the end (E ≥ 3): the tail's decrease L_k − L_E is ≥ 20 % of
 *                        the whole decrease L_1 − min L, and ≥ 0.1 % of L_k.
 * 7. healthy:            none of the above.
 * The thresholds are the exported `rules`; they are deliberately coarse (factors of 10 for
 * blow-ups, tens of percent for shapes) so that a label means a visible pathology, not noise.
 *
 * When to use: `diagnose` after a fit (Mlp does it on every fitted net; see `MlpFitted`), or on
 * any stored curve. Pure. Gotchas: a curve of one or two epochs can only be healthy, diverged or
 * exploded; the reference is for the training set (a validation curve is judged by its shape only).
 */
import type { CurveDiagnosis } from "../FitFacts.ts"

export const rules = {
  /** diverged / exploded: a loss ≥ this × R. */
  blowUp: 10,
  /** stuck: final loss ≥ this × the mean-prediction loss … */
  stuckRatio: 0.9,
  /** … and the tail moved by less than this fraction. */
  flatTail: 0.02,
  /** oscillating: share of direction changes in the last half … */
  oscillationChanges: 0.6,
  /** … and mean |step| / mean loss there. */
  oscillationAmplitude: 0.1,
  /** oscillating needs this many epochs in the last half. */
  oscillationEpochs: 6,
  /** overfitting: final validation loss ≥ this × its minimum. */
  overfitRise: 1.1,
  /** overfitting needs this many epochs. */
  overfitEpochs: 5,
  /** not converged: the tail's share of the whole decrease … */
  slowShare: 0.2,
  /** … and its relative size. */
  slowChange: 0.001
} as const

export const labels = ["healthy", "diverged", "stuck-at-mean", "exploded-recovered", "oscillating", "overfitting", "not-converged"] as const
export type Label = (typeof labels)[number]

export interface Curve {
  /** Per-epoch mean training loss (finite epochs only). */
  readonly train: ReadonlyArray<number>
  /** Per-epoch validation loss, same length as `train`, if recorded. */
  readonly valid?: ReadonlyArray<number>
  /** The training loss of predicting the mean (Var(y) for MSE, the class entropy for CE). */
  readonly meanLoss: number
  /** The training loss before the first step, when known (else epoch 1's stands in). */
  readonly initialLoss?: number
  /** Set when training stopped on a NaN or infinite training loss. */
  readonly divergence?: { readonly epoch: number; readonly trainLoss: number }
}

/** What a rule saw, per label. Ratios are dimensionless; epochs are 1-based. */
export type Finding =
  | { readonly label: "healthy"; readonly epochs: number; readonly finalToMean: number }
  | { readonly label: "diverged"; readonly epoch: number; readonly finalToStart: number }
  | { readonly label: "exploded-recovered"; readonly spikeEpoch: number; readonly spikeToStart: number; readonly finalToStart: number }
  | { readonly label: "stuck-at-mean"; readonly finalToMean: number; readonly tailChange: number }
  | { readonly label: "oscillating"; readonly directionChanges: number; readonly amplitude: number }
  | { readonly label: "overfitting"; readonly bestValidEpoch: number; readonly validRise: number; readonly finalValidToTrain: number }
  | { readonly label: "not-converged"; readonly tailShare: number; readonly tailChange: number; readonly finalToMean: number }

export interface Diagnosis {
  readonly label: Label
  readonly finding: Finding
  readonly advice: string
  /** Other rules that also held, in rule order. */
  readonly others: ReadonlyArray<Finding>
}

export const advice: Record<Label, string> = {
  healthy: "nothing to fix",
  diverged: "lower the learning rate (×0.1), clip gradients or standardise the data",
  "exploded-recovered": "lower the learning rate or add warm-up / gradient clipping: the run survived a blow-up by luck",
  "stuck-at-mean": "the net predicts the mean: reduce weight decay, check for dead ReLUs (init, bias) or raise the learning rate",
  oscillating: "the learning rate is at the edge of stability: lower it or decay it (step/cosine schedule), or use larger batches",
  overfitting: "stop earlier (early stopping), add weight decay or dropout, or use a smaller net or more data",
  "not-converged": "train longer or raise the learning rate: the loss was still falling at the end"
}

const mean = (xs: ReadonlyArray<number>): number => xs.reduce((s, x) => s + x, 0) / xs.length

const tailStart = (E: number): number => Math.max(1, Math.floor((2 * E) / 3))

const diverged = (c: Curve, R: number): Finding | undefined => {
  const L = c.train
  if (c.divergence !== undefined) return { label: "diverged", epoch: c.divergence.epoch, finalToStart: Infinity }
  const last = L[L.length - 1]
  if (!Number.isFinite(last)) return { label: "diverged", epoch: L.length, finalToStart: Infinity }
  return last >= rules.blowUp * R ? { label: "diverged", epoch: L.length, finalToStart: last / R } : undefined
}

const exploded = (c: Curve, R: number): Finding | undefined => {
  const L = c.train
  const from = c.initialLoss === undefined ? 1 : 0
  if (L.length <= from) return undefined
  let spike = from
  for (let e = from + 1; e < L.length; e++) if (L[e] > L[spike]) spike = e
  if (L[spike] < rules.blowUp * R) return undefined
  const last = L[L.length - 1]
  return last < rules.blowUp * R ? { label: "exploded-recovered", spikeEpoch: spike + 1, spikeToStart: L[spike] / R, finalToStart: last / R } : undefined
}

const stuck = (c: Curve): Finding | undefined => {
  const L = c.train
  const E = L.length
  if (E < 3) return undefined
  const k = tailStart(E)
  const tailChange = Math.abs(L[k - 1] - L[E - 1]) / L[k - 1]
  const finalToMean = L[E - 1] / c.meanLoss
  return finalToMean >= rules.stuckRatio && tailChange < rules.flatTail && notConverged(c) === undefined
    ? { label: "stuck-at-mean", finalToMean, tailChange }
    : undefined
}

const oscillating = (c: Curve): Finding | undefined => {
  const half = c.train.slice(Math.floor(c.train.length / 2))
  if (half.length < rules.oscillationEpochs) return undefined
  const steps = half.slice(1).map((x, i) => x - half[i])
  let changes = 0
  for (let i = 1; i < steps.length; i++) if (Math.sign(steps[i]) !== Math.sign(steps[i - 1]) && steps[i] !== 0) changes++
  const directionChanges = changes / (steps.length - 1)
  const amplitude = mean(steps.map(Math.abs)) / mean(half)
  return directionChanges >= rules.oscillationChanges && amplitude >= rules.oscillationAmplitude
    ? { label: "oscillating", directionChanges, amplitude }
    : undefined
}

const overfitting = (c: Curve): Finding | undefined => {
  const V = c.valid
  const L = c.train
  const E = L.length
  if (V === undefined || V.length !== E || E < rules.overfitEpochs) return undefined
  let b = 0
  for (let e = 1; e < E; e++) if (V[e] < V[b]) b = e
  const validRise = V[E - 1] / V[b]
  return b < E - 1 && validRise >= rules.overfitRise && L[E - 1] < L[b]
    ? { label: "overfitting", bestValidEpoch: b + 1, validRise, finalValidToTrain: V[E - 1] / L[E - 1] }
    : undefined
}

const notConverged = (c: Curve): Finding | undefined => {
  const L = c.train
  const E = L.length
  if (E < 3) return undefined
  const k = tailStart(E)
  const total = L[0] - Math.min(...L)
  const tail = L[k - 1] - L[E - 1]
  if (!(total > 0)) return undefined
  const tailShare = tail / total
  const tailChange = tail / L[k - 1]
  return tailShare >= rules.slowShare && tailChange >= rules.slowChange
    ? { label: "not-converged", tailShare, tailChange, finalToMean: L[E - 1] / c.meanLoss }
    : undefined
}

/** Labels a training curve by the rules above. Throws on a curve with no epoch and no divergence. */
export const diagnose = (c: Curve): Diagnosis => {
  if (c.train.length === 0 && c.divergence === undefined) throw new Error("Diagnosis.diagnose: the curve has no epochs")
  if (!(c.meanLoss > 0)) throw new Error(`Diagnosis.diagnose: the mean-prediction loss must be > 0, got ${c.meanLoss}`)
  const start = c.initialLoss ?? (c.train.length > 0 ? c.train[0] : c.meanLoss)
  const R = Math.max(c.meanLoss, Number.isFinite(start) ? start : c.meanLoss)
  const first = diverged(c, R)
  const found = (first !== undefined ? [first] : [stuck(c), exploded(c, R), oscillating(c), overfitting(c), notConverged(c)])
    .filter((f) => f !== undefined)
  if (found.length === 0) {
    const E = c.train.length
    found.push({ label: "healthy", epochs: E, finalToMean: c.train[E - 1] / c.meanLoss })
  }
  const [finding, ...others] = found
  return { label: finding.label, finding, advice: advice[finding.label], others }
}

/**
 * The loss of predicting the training mean: the population variance of `y` (MSE, one output), or
 * the entropy −Σ p_c log p_c of the class frequencies (CE, labels 0..classes−1).
 */
export const meanLoss = (kind: "mse" | "ce", y: ArrayLike<number>, classes = 0): number => {
  const n = y.length
  if (kind === "mse") {
    let s = 0
    for (let i = 0; i < n; i++) s += y[i]
    const m = s / n
    let ss = 0
    for (let i = 0; i < n; i++) ss += (y[i] - m) ** 2
    return ss / n
  }
  const counts = new Float64Array(classes)
  for (let i = 0; i < n; i++) counts[y[i]] += 1
  let h = 0
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n)
  return h
}

/** A diagnosis as the fit facts a trial row stores: the label, the finding's numbers as evidence, the advice, the other labels. */
export const toFacts = (d: Diagnosis): CurveDiagnosis => ({
  label: d.label,
  evidence: Object.fromEntries(Object.entries(d.finding).filter((e): e is [string, number] => typeof e[1] === "number")),
  advice: d.advice,
  others: d.others.map((f) => f.label)
})
