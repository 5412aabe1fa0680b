/**
 * Scoring metrics as pure functions on Float64Array (and row-major Matrix for class
 * probabilities), matching scikit-learn 1.2 to rounding.
 *
 * Conventions: natural logarithms; `variance` is the predictive variance σ² (not the sd);
 * class labels are indices 0..k−1 stored as float64, and binary labels are 1 (positive) and 0;
 * `probabilities` is (n × k), row i the predicted distribution of point i. Averages are over
 * points. Metrics whose value is undefined for the input (an AUC with a single class present)
 * return NaN rather than throwing; callers decide whether to report them. Mismatched or empty
 * inputs throw a DataError.
 *
 * Gotchas: `logLoss` clips to [1e−15, 1 − 1e−15] and renormalises each row afterwards, as
 * scikit-learn 1.2's `log_loss` does; `rocCurve`'s first threshold is +∞ (scikit-learn ≥ 1.3;
 * 1.2 wrote max(score) + 1 there), every other value is identical.
 */
import { DataError } from "../core/Errors.ts"
import type * as Matrix from "../linalg/Matrix.ts"

/** Throws a DataError unless targets and predictions are equally many and not empty. */
const checkLengths = (what: string, a: ArrayLike<number>, b: ArrayLike<number>): void => {
  if (a.length !== b.length) {
    throw new DataError({ source: `Metrics.${what}`, message: `${a.length} targets but ${b.length} predictions; score predictions of the same points` })
  }
  if (a.length === 0) throw new DataError({ source: `Metrics.${what}`, message: "no points to score; check that the test part is not empty" })
}

/** Mean squared error (1/n) Σ (y − ŷ)². */
export const mse = (y: ArrayLike<number>, prediction: ArrayLike<number>): number => {
  checkLengths("mse", y, prediction)
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - prediction[i]
    s += d * d
  }
  return s / y.length
}

/** Root mean squared error √mse. */
export const rmse = (y: ArrayLike<number>, prediction: ArrayLike<number>): number => Math.sqrt(mse(y, prediction))

/** Mean absolute error mean|y − ŷ|. */
export const mae = (y: ArrayLike<number>, prediction: ArrayLike<number>): number => {
  checkLengths("mae", y, prediction)
  let s = 0
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - prediction[i])
  return s / y.length
}

/**
 * Coefficient of determination 1 − SS_res / SS_tot (scikit-learn `r2_score`): 1 for a perfect
 * fit, 0 for predicting the mean, negative for worse. Constant y: 1 if predicted exactly, else 0
 * (scikit-learn's `force_finite`).
 */
export const r2 = (y: ArrayLike<number>, prediction: ArrayLike<number>): number => {
  checkLengths("r2", y, prediction)
  let mean = 0
  for (let i = 0; i < y.length; i++) mean += y[i]
  mean /= y.length
  let ssRes = 0
  let ssTot = 0
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i] - prediction[i]) ** 2
    ssTot += (y[i] - mean) ** 2
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0
  return 1 - ssRes / ssTot
}

/**
 * Mean Gaussian negative log predictive density: (1/n) Σ ½ (log 2πσᵢ² + (yᵢ − μᵢ)² / σᵢ²).
 * `variance` is σ² of a new observation (noise included), one per point.
 */
export const gaussianNll = (y: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>): number => {
  checkLengths("gaussianNll", y, mean)
  checkLengths("gaussianNll", y, variance)
  let s = 0
  for (let i = 0; i < y.length; i++) s += 0.5 * (Math.log(2 * Math.PI * variance[i]) + (y[i] - mean[i]) ** 2 / variance[i])
  return s / y.length
}

/** Row-wise argmax of (n × k) probabilities; ties go to the lowest class (numpy `argmax`). */
export const argmax = (probabilities: Matrix.Matrix): Int32Array => {
  const { rows, cols, data } = probabilities
  const out = new Int32Array(rows)
  for (let i = 0; i < rows; i++) {
    let best = 0
    for (let j = 1; j < cols; j++) if (data[i * cols + j] > data[i * cols + best]) best = j
    out[i] = best
  }
  return out
}

/** Fraction of points whose most probable class (`argmax`) is the label. */
export const accuracy = (y: ArrayLike<number>, probabilities: Matrix.Matrix): number => {
  const predicted = argmax(probabilities)
  checkLengths("accuracy", y, predicted)
  let hits = 0
  for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) hits++
  return hits / y.length
}

/** Probability floor of `logLoss`. */
export const LOG_LOSS_EPS = 1e-15

/**
 * Mean cross-entropy −(1/n) Σ log p̂ᵢ[yᵢ] with natural logs; each row clipped to
 * [1e−15, 1 − 1e−15] and renormalised to sum to one (scikit-learn 1.2 `log_loss`).
 */
export const logLoss = (y: ArrayLike<number>, probabilities: Matrix.Matrix): number => {
  const { rows, cols, data } = probabilities
  checkLengths("logLoss", y, { length: rows })
  let s = 0
  for (let i = 0; i < rows; i++) {
    let total = 0
    for (let j = 0; j < cols; j++) total += Math.min(Math.max(data[i * cols + j], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS)
    const p = Math.min(Math.max(data[i * cols + y[i]], LOG_LOSS_EPS), 1 - LOG_LOSS_EPS) / total
    s -= Math.log(p)
  }
  return s / rows
}

/** Indices ordering `score` ascending (stable). */
const ascending = (score: ArrayLike<number>): Array<number> =>
  Array.from({ length: score.length }, (_, i) => i).sort((a, b) => (score[a] < score[b] ? -1 : score[a] > score[b] ? 1 : a - b))

/**
 * Binary ROC-AUC from real-valued scores (higher = more positive): the probability that a random
 * positive outscores a random negative, ties counting ½ (Mann–Whitney U / (P·N)); equal to
 * scikit-learn's `roc_auc_score`. `y` holds 1 for positives, anything else is negative. NaN when
 * only one class is present or a score is NaN (±∞ rank as usual).
 */
export const rocAuc = (y: ArrayLike<number>, score: ArrayLike<number>): number => {
  checkLengths("rocAuc", y, score)
  for (let i = 0; i < score.length; i++) if (Number.isNaN(score[i])) return Number.NaN
  const order = ascending(score)
  let negativesBelow = 0
  let positives = 0
  let u = 0
  for (let start = 0; start < order.length;) {
    let end = start
    let pos = 0
    let neg = 0
    while (end < order.length && score[order[end]] === score[order[start]]) {
      if (y[order[end]] === 1) pos++
      else neg++
      end++
    }
    u += pos * (negativesBelow + neg / 2)
    negativesBelow += neg
    positives += pos
    start = end
  }
  const negatives = negativesBelow
  return positives === 0 || negatives === 0 ? Number.NaN : u / (positives * negatives)
}

export interface RocCurve {
  /** False positive rate at each threshold, from 0 up to 1. */
  readonly fpr: Float64Array
  /** True positive rate at each threshold, from 0 up to 1. */
  readonly tpr: Float64Array
  /** Decreasing thresholds: a point is called positive when score ≥ threshold; the first is +∞. */
  readonly thresholds: Float64Array
}

/**
 * The ROC curve of scikit-learn's `roc_curve(y, score, drop_intermediate)`: one point per
 * distinct score (descending), preceded by (0, 0) at threshold +∞; with `dropIntermediate`
 * (default true) the points collinear with their neighbours are removed (the corners remain).
 * `y` holds 1 for positives. With no positives (negatives) tpr (fpr) is NaN, as in scikit-learn.
 */
export const rocCurve = (y: ArrayLike<number>, score: ArrayLike<number>, options: { readonly dropIntermediate?: boolean } = {}): RocCurve => {
  checkLengths("rocCurve", y, score)
  const order = ascending(score).reverse()
  // scikit-learn _binary_clf_curve: cumulative counts at the last index of each distinct score.
  let tp = 0
  let fp = 0
  const tps: Array<number> = []
  const fps: Array<number> = []
  const thresholds: Array<number> = []
  for (let k = 0; k < order.length; k++) {
    if (y[order[k]] === 1) tp++
    else fp++
    if (k === order.length - 1 || score[order[k + 1]] !== score[order[k]]) {
      tps.push(tp)
      fps.push(fp)
      thresholds.push(score[order[k]])
    }
  }
  let keep = tps.map((_, i) => i)
  if ((options.dropIntermediate ?? true) && tps.length > 2) {
    // keep i where the second difference of fps or tps is non-zero, and both ends
    keep = keep.filter((i) =>
      i === 0 || i === tps.length - 1 || fps[i - 1] - 2 * fps[i] + fps[i + 1] !== 0 || tps[i - 1] - 2 * tps[i] + tps[i + 1] !== 0
    )
  }
  const m = keep.length + 1
  const fpr = new Float64Array(m)
  const tpr = new Float64Array(m)
  const thr = new Float64Array(m)
  thr[0] = Number.POSITIVE_INFINITY
  keep.forEach((i, k) => {
    fpr[k + 1] = fps[i] / fp
    tpr[k + 1] = tps[i] / tp
    thr[k + 1] = thresholds[i]
  })
  if (fp === 0) fpr.fill(Number.NaN)
  if (tp === 0) tpr.fill(Number.NaN)
  return { fpr, tpr, thresholds: thr }
}

/**
 * Macro one-vs-rest ROC-AUC for (n × k) class probabilities: the mean over classes c of
 * rocAuc(y = c, probabilities[:, c]) (scikit-learn `roc_auc_score(multi_class="ovr",
 * average="macro")`). Classes absent from `y` are left out of the mean (scikit-learn raises
 * there); NaN when fewer than two classes are present.
 */
export const ovrMacroAuc = (y: ArrayLike<number>, probabilities: Matrix.Matrix): number => {
  const { rows, cols, data } = probabilities
  checkLengths("ovrMacroAuc", y, { length: rows })
  const present = new Set(Array.from(y))
  if (present.size < 2) return Number.NaN
  let sum = 0
  let count = 0
  const isClass = new Float64Array(rows)
  const column = new Float64Array(rows)
  for (let c = 0; c < cols; c++) {
    if (!present.has(c)) continue
    for (let i = 0; i < rows; i++) {
      isClass[i] = y[i] === c ? 1 : 0
      column[i] = data[i * cols + c]
    }
    sum += rocAuc(isClass, column)
    count++
  }
  return sum / count
}
