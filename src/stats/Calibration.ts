/**
 * How well predicted probabilities match observed frequencies: the Brier score, reliability-
 * diagram bins (scikit-learn's `calibration_curve`), top-label expected and maximum calibration
 * error, and the coverage of Gaussian predictive intervals for regression.
 *
 * Conventions (shared/fixtures/calibration.json, scikit-learn 1.2.1 / numpy 1.24):
 * - Binary: labels 0/1, `p` the predicted probability of class 1; multiclass: labels 0..C−1 and
 *   an (n × C) row-major probability matrix used as given (not renormalised).
 * - Brier: binary mean((p − y)²) (sklearn brier_score_loss); multiclass mean over points of
 *   Σ_c (p_c − 1[y = c])², twice the binary value for C = 2.
 * - Bins: `uniform` edges are the float64 numbers k/B (never ceil(B·p) − 1, which float products
 *   put off by one ulp); `quantile` edges are numpy's linear-interpolation percentiles of the
 *   values at linspace(0, 1, B + 1)·100 %. A value goes to bin b = the number of inner edges
 *   strictly below it (numpy.searchsorted side "left"): bins are [e₀, e₁], (e₁, e₂], …, so a
 *   value on an inner edge belongs to the bin below and 0 to the first. Empty bins are skipped.
 *   Sums run in data order, as numpy.bincount does.
 * - Top label: pred = argmax over classes (binary over [1 − p, p]), ties to the lower class (so
 *   p = ½ predicts 0), conf = that maximum. ECE = Σ_bins |B|/n·|acc_B − conf_B| over 10 uniform
 *   bins of conf (same edge rule: conf ½ is in (0.4, 0.5]); MCE = max_bins |acc_B − conf_B|.
 *
 * Citations: G. W. Brier, Monthly Weather Review 78 (1950) 1–3; M. P. Naeini, G. F. Cooper &
 * M. Hauskrecht, AAAI 2015 (ECE, MCE); C. Guo et al., "On calibration of modern neural
 * networks", ICML 2017 (top-label ECE, reliability diagrams); A. Niculescu-Mizil & R. Caruana,
 * ICML 2005 (calibration curves).
 */
import { DataError } from "../core/Errors.ts"
import type * as Matrix from "../linalg/Matrix.ts"
import * as Metrics from "../scoring/Metrics.ts"
import * as Distribution from "./Distribution.ts"

export type Strategy = "uniform" | "quantile"

/** Number of bins used by scikit-learn's calibration_curve default and by the ECE. */
export const DEFAULT_BINS = 10

const checkBinary = (what: string, y: ArrayLike<number>, p: ArrayLike<number>): void => {
  if (y.length !== p.length || y.length === 0) {
    throw new DataError({ source: `Calibration.${what}`, message: `${y.length} labels and ${p.length} probabilities; give one probability per labelled point, at least one` })
  }
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new DataError({ source: `Calibration.${what}`, message: `label ${i} is ${y[i]}; binary labels are 0 and 1` })
    if (!(p[i] >= 0 && p[i] <= 1)) throw new DataError({ source: `Calibration.${what}`, message: `probability ${i} is ${p[i]}; probabilities lie in [0, 1]` })
  }
}

const checkMulticlass = (what: string, y: ArrayLike<number>, proba: Matrix.Matrix): void => {
  if (y.length !== proba.rows || y.length === 0) {
    throw new DataError({ source: `Calibration.${what}`, message: `${y.length} labels and ${proba.rows} probability rows; give one row per labelled point, at least one` })
  }
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= proba.cols) {
      throw new DataError({ source: `Calibration.${what}`, message: `label ${i} is ${y[i]}; labels are class indices 0..${proba.cols - 1}` })
    }
  }
}

/** Binary Brier score mean((p − y)²). */
export const brier = (y: ArrayLike<number>, p: ArrayLike<number>): number => {
  checkBinary("brier", y, p)
  let s = 0
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2
  return s / y.length
}

/** Multi-class Brier score: mean over points of Σ_c (p_c − 1[y = c])². */
export const brierMulticlass = (y: ArrayLike<number>, proba: Matrix.Matrix): number => {
  checkMulticlass("brierMulticlass", y, proba)
  const { cols, data } = proba
  let s = 0
  for (let i = 0; i < y.length; i++) {
    let row = 0
    for (let c = 0; c < cols; c++) row += (data[i * cols + c] - (y[i] === c ? 1 : 0)) ** 2
    s += row
  }
  return s / y.length
}

/** The B + 1 uniform edges k/B, k = 0..B. */
export const uniformEdges = (bins: number): Float64Array => Float64Array.from({ length: bins + 1 }, (_, k) => k / bins)

/** numpy's `_lerp`: a + (b − a)·t, computed from b's end when t ≥ ½. */
const lerp = (a: number, b: number, t: number): number => (t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t)

/**
 * The B + 1 quantile edges: numpy.percentile(values, linspace(0, 1, B + 1)·100) with linear
 * interpolation (position h = (n − 1)q in the sorted values), reproduced operation by operation
 * so edges that fall on data values do so exactly as in numpy.
 */
export const quantileEdges = (values: ArrayLike<number>, bins: number): Float64Array => {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  const step = 1 / bins
  return Float64Array.from({ length: bins + 1 }, (_, k) => {
    const fraction = k === bins ? 1 : k * step // numpy.linspace: k·step, the last set to 1
    const q = (fraction * 100) / 100 // percentile's ·100 and numpy's division by 100
    const h = (n - 1) * q
    if (h >= n - 1) return sorted[n - 1]
    const below = Math.floor(h)
    return lerp(sorted[below], sorted[below + 1], h - below)
  })
}

/** The bin of `value` among `edges`: the number of inner edges strictly below it. */
export const binOf = (value: number, edges: ArrayLike<number>): number => {
  let b = 0
  for (let e = 1; e < edges.length - 1; e++) if (edges[e] < value) b++
  return b
}

/** One non-empty bin of a reliability diagram. */
export interface CurveBin {
  /** 0-based bin index. */
  readonly bin: number
  readonly lower: number
  readonly upper: number
  readonly count: number
  /** Mean predicted probability in the bin. */
  readonly meanPredicted: number
  /** Observed fraction of positives in the bin. */
  readonly fractionPositive: number
}

export interface CalibrationCurve {
  readonly edges: Float64Array
  /** Non-empty bins in increasing order. */
  readonly bins: ReadonlyArray<CurveBin>
  /** scikit-learn's prob_true: fraction of positives per non-empty bin. */
  readonly probTrue: Float64Array
  /** scikit-learn's prob_pred: mean predicted probability per non-empty bin. */
  readonly probPred: Float64Array
}

/**
 * The reliability diagram of binary predictions, as scikit-learn's
 * calibration_curve(y, p, n_bins, strategy) plus each bin's edges and count.
 */
export const calibrationCurve = (
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  options: { readonly strategy?: Strategy; readonly bins?: number } = {}
): CalibrationCurve => {
  checkBinary("calibrationCurve", y, p)
  const nBins = options.bins ?? DEFAULT_BINS
  const edges = (options.strategy ?? "uniform") === "uniform" ? uniformEdges(nBins) : quantileEdges(p, nBins)
  const sums = new Float64Array(nBins)
  const positives = new Float64Array(nBins)
  const counts = new Float64Array(nBins)
  for (let i = 0; i < p.length; i++) {
    const b = binOf(p[i], edges)
    sums[b] += p[i]
    positives[b] += y[i]
    counts[b]++
  }
  const bins: Array<CurveBin> = []
  for (let b = 0; b < nBins; b++) {
    if (counts[b] === 0) continue
    bins.push({ bin: b, lower: edges[b], upper: edges[b + 1], count: counts[b], meanPredicted: sums[b] / counts[b], fractionPositive: positives[b] / counts[b] })
  }
  return { edges, bins, probTrue: Float64Array.from(bins, (b) => b.fractionPositive), probPred: Float64Array.from(bins, (b) => b.meanPredicted) }
}

export interface TopLabel {
  /** Predicted class: argmax, ties to the lower index. */
  readonly pred: Int32Array
  /** Its probability, the maximum. */
  readonly conf: Float64Array
}

/** Top label of binary predictions: argmax over [1 − p, p], so p = ½ predicts 0. */
export const topLabelBinary = (p: ArrayLike<number>): TopLabel => {
  const pred = new Int32Array(p.length)
  const conf = new Float64Array(p.length)
  for (let i = 0; i < p.length; i++) {
    const q = 1 - p[i]
    pred[i] = p[i] > q ? 1 : 0
    conf[i] = p[i] > q ? p[i] : q
  }
  return { pred, conf }
}

/** Top label of (n × C) class probabilities: Metrics.argmax and the row maximum. */
export const topLabel = (proba: Matrix.Matrix): TopLabel => {
  const pred = Metrics.argmax(proba)
  const conf = Float64Array.from(pred, (c, i) => proba.data[i * proba.cols + c])
  return { pred, conf }
}

/** One non-empty confidence bin of the ECE. */
export interface EceBin {
  readonly bin: number
  readonly lower: number
  readonly upper: number
  readonly count: number
  /** Fraction of the bin's points whose predicted class is the label. */
  readonly acc: number
  /** Mean confidence in the bin. */
  readonly conf: number
  /** |acc − conf|. */
  readonly gap: number
}

export interface Ece {
  /** Σ |B|/n·gap_B. */
  readonly ece: number
  /** max gap_B. */
  readonly mce: number
  readonly bins: ReadonlyArray<EceBin>
}

/**
 * Expected and maximum calibration error of top-label predictions `pred` with confidences
 * `conf` against labels `y`, over `bins` equal-width confidence bins (default 10).
 */
export const ece = (y: ArrayLike<number>, { pred, conf }: TopLabel, bins: number = DEFAULT_BINS): Ece => {
  if (y.length !== pred.length || y.length !== conf.length || y.length === 0) {
    throw new DataError({ source: "Calibration.ece", message: `${y.length} labels, ${pred.length} predictions, ${conf.length} confidences; give one of each per point, at least one` })
  }
  const edges = uniformEdges(bins)
  const counts = new Float64Array(bins)
  const hits = new Float64Array(bins)
  const sums = new Float64Array(bins)
  for (let i = 0; i < y.length; i++) {
    const b = binOf(conf[i], edges)
    counts[b]++
    if (pred[i] === y[i]) hits[b]++
    sums[b] += conf[i]
  }
  const out: Array<EceBin> = []
  let total = 0
  let worst = 0
  for (let b = 0; b < bins; b++) {
    if (counts[b] === 0) continue
    const acc = hits[b] / counts[b]
    const mean = sums[b] / counts[b]
    const gap = Math.abs(acc - mean)
    out.push({ bin: b, lower: edges[b], upper: edges[b + 1], count: counts[b], acc, conf: mean, gap })
    total += (counts[b] / y.length) * gap
    worst = Math.max(worst, gap)
  }
  return { ece: total, mce: worst, bins: out }
}

/**
 * Empirical coverage of central Gaussian predictive intervals: the fraction of points with
 * |y − μ| ≤ z·σ, z = Φ⁻¹((1 + level)/2), for each nominal `level` in (0, 1). A calibrated
 * regressor covers about `level` of the points; `variance` is σ² of a new observation.
 */
export const intervalCoverage = (
  y: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  levels: ReadonlyArray<number>
): Float64Array => {
  if (y.length !== mean.length || y.length !== variance.length || y.length === 0) {
    throw new DataError({ source: "Calibration.intervalCoverage", message: `${y.length} targets, ${mean.length} means, ${variance.length} variances; give one of each per point, at least one` })
  }
  return Float64Array.from(levels, (level) => {
    if (!(level > 0 && level < 1)) throw new DataError({ source: "Calibration.intervalCoverage", message: `level ${level}; nominal coverage levels lie in (0, 1), e.g. 0.9` })
    const z = Distribution.normalQuantile((1 + level) / 2)
    let inside = 0
    for (let i = 0; i < y.length; i++) if (Math.abs(y[i] - mean[i]) <= z * Math.sqrt(variance[i])) inside++
    return inside / y.length
  })
}
