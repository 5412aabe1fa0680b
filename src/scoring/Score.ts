/**
 * The metrics of one prediction against the targets it predicts: what every trial row records,
 * for every model family alike.
 *
 * Conventions: regression → `rmse`, `mae`, `r2`, and, only when the prediction has a variance,
 * `nll` (mean Gaussian negative log predictive density, natural log) and `coverage95` (share of
 * points inside the central 95 % Gaussian predictive interval, Calibration.intervalCoverage);
 * classification → `accuracy`, `logLoss`, `brier` (binary mean (p₁ − y)²; beyond two classes
 * mean Σ_c (p_c − 1[y = c])², Calibration.brierMulticlass), `ece` (top-label expected
 * calibration error over 10 equal-width confidence bins, Calibration.ece), and `auc`: binary from `decision` when present, else from the probability of class
 * 1; multiclass the macro one-vs-rest AUC of the probabilities (Metrics.ts). Scores are on the
 * scale of `target` — invert any standardisation first (Standardise.invert).
 *
 * Gotchas: an AUC undefined for the target (a single class in the test part) is left out of the
 * record rather than stored as NaN. A non-finite prediction (NaN/∞ mean, non-positive or
 * non-finite variance, NaN/∞/negative probability or decision) throws a NumericalError
 * ("NonFinite") unless `allowNonFinite` is set, in which case the affected metrics are NaN.
 * A prediction of the wrong kind or size throws a DataError. Both are thrown, not returned:
 * effectful callers wrap the call in `Effect.try`.
 */
import { DataError, NumericalError } from "../core/Errors.ts"
import type { Dataset } from "../data/Dataset.ts"
import type { Prediction } from "../models/Model.ts"
import * as Calibration from "../stats/Calibration.ts"
import * as Metrics from "./Metrics.ts"

export interface Options {
  /** Score non-finite predictions as NaN metrics instead of throwing. Default false. */
  readonly allowNonFinite?: boolean
}

const allFinite = (values: ArrayLike<number>, valid: (v: number) => boolean = Number.isFinite): boolean => {
  for (let i = 0; i < values.length; i++) if (!valid(values[i])) return false
  return true
}

const nonFinite = (target: Dataset, what: string): NumericalError =>
  new NumericalError({
    reason: "NonFinite",
    message: `the prediction for ${target.name} has ${what}; the fit probably diverged: lower the learning rate or check the inputs`
  })

/** Metrics of `prediction` for the points of `target`, in the same order. */
export const score = (prediction: Prediction, target: Dataset, options: Options = {}): Record<string, number> => {
  const n = target.y.length
  if (prediction.kind !== target.kind) {
    throw new DataError({ source: target.name, message: `a ${prediction.kind} prediction cannot score the ${target.kind} task ${target.name}` })
  }
  const allow = options.allowNonFinite ?? false
  if (prediction.kind === "regression") {
    const { mean, variance } = prediction
    if (mean.length !== n || (variance !== undefined && variance.length !== n)) {
      throw new DataError({ source: target.name, message: `${mean.length} predicted means${variance === undefined ? "" : ` and ${variance.length} variances`} for ${n} points of ${target.name}` })
    }
    const meanOk = allFinite(mean)
    const varianceOk = variance === undefined || allFinite(variance, (v) => Number.isFinite(v) && v > 0)
    if (!allow && !meanOk) throw nonFinite(target, "a non-finite mean")
    if (!allow && !varianceOk) throw nonFinite(target, "a non-finite or non-positive variance")
    const out: Record<string, number> = {
      rmse: meanOk ? Metrics.rmse(target.y, mean) : Number.NaN,
      mae: meanOk ? Metrics.mae(target.y, mean) : Number.NaN,
      r2: meanOk ? Metrics.r2(target.y, mean) : Number.NaN
    }
    if (variance !== undefined) {
      out.nll = meanOk && varianceOk ? Metrics.gaussianNll(target.y, mean, variance) : Number.NaN
      out.coverage95 = meanOk && varianceOk ? Calibration.intervalCoverage(target.y, mean, variance, [0.95])[0] : Number.NaN
    }
    return out
  }
  const { probabilities, decision } = prediction
  if (probabilities.rows !== n || probabilities.cols !== target.classes || (decision !== undefined && decision.length !== n)) {
    throw new DataError({
      source: target.name,
      message: `a ${probabilities.rows} × ${probabilities.cols} probability matrix${decision === undefined ? "" : ` and ${decision.length} decision values`} for ${n} points and ${target.classes} classes of ${target.name}`
    })
  }
  const probabilitiesOk = allFinite(probabilities.data, (p) => Number.isFinite(p) && p >= 0)
  const decisionOk = decision === undefined || allFinite(decision)
  if (!allow && !probabilitiesOk) throw nonFinite(target, "a non-finite or negative probability")
  if (!allow && !decisionOk) throw nonFinite(target, "a non-finite decision value")
  const out: Record<string, number> = {
    accuracy: probabilitiesOk ? Metrics.accuracy(target.y, probabilities) : Number.NaN,
    logLoss: probabilitiesOk ? Metrics.logLoss(target.y, probabilities) : Number.NaN,
    brier: !probabilitiesOk
      ? Number.NaN
      : target.classes === 2
      ? Calibration.brier(target.y, probabilities.data.filter((_, k) => k % 2 === 1))
      : Calibration.brierMulticlass(target.y, probabilities),
    ece: probabilitiesOk ? Calibration.ece(target.y, Calibration.topLabel(probabilities)).ece : Number.NaN
  }
  let auc: number
  if (target.classes === 2) {
    if (decision !== undefined) auc = decisionOk ? Metrics.rocAuc(target.y, decision) : Number.NaN
    else auc = probabilitiesOk ? Metrics.rocAuc(target.y, probabilities.data.filter((_, k) => k % 2 === 1)) : Number.NaN
  } else auc = probabilitiesOk ? Metrics.ovrMacroAuc(target.y, probabilities) : Number.NaN
  const aucDefined = new Set(target.y).size >= 2
  if (aucDefined) out.auc = auc
  return out
}
