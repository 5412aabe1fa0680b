/**
 * DeLong's test for two correlated ROC AUCs: two scorers evaluated on the same labelled items
 * (e.g. two models' pooled out-of-fold predictions).
 *
 * Conventions: `y` holds 1 for positives and 0 for negatives; scores are higher = more
 * positive; AUC is the Mann–Whitney statistic with ties counting ½ (as Metrics.rocAuc). For the
 * m positives X_i and n negatives Y_j, each in the order they appear in `y`, the structural
 * components are V10_i = mean_j ψ(X_i, Y_j) and V01_j = mean_i ψ(X_i, Y_j), ψ = 1, ½, 0 for
 * X > Y, X = Y, X < Y; cov = S10/m + S01/n with S10, S01 their 2 × 2 sample covariances (ddof
 * 1); z = (AUC1 − AUC2)/√(var AUC1 + var AUC2 − 2 cov), two-sided normal p. A zero variance of
 * the difference gives z = 0, p = 1 when the AUCs are equal, else z = ±∞, p = 0.
 *
 * Algorithm: the fast version of Sun & Xu (2014), O((m + n) log(m + n)) per scorer: with T_Z the
 * midranks over all items, T_X over the positives alone and T_Y over the negatives alone,
 * V10_i = (T_Z(X_i) − T_X(X_i))/n and V01_j = 1 − (T_Z(Y_j) − T_Y(Y_j))/m.
 *
 * Citations: E. R. DeLong, D. M. DeLong & D. L. Clarke-Pearson, Biometrics 44 (1988) 837–845;
 * X. Sun & W. Xu, "Fast implementation of DeLong's algorithm for comparing the areas under
 * correlated receiver operating characteristic curves", IEEE Signal Processing Letters 21(11)
 * (2014) 1389–1393.
 */
import { DataError } from "../core/Errors.ts"
import * as Distribution from "./Distribution.ts"
import * as Ranks from "./Ranks.ts"

export interface DeLong {
  readonly nPos: number
  readonly nNeg: number
  readonly auc1: number
  readonly auc2: number
  /** V10: m rows [scorer 1, scorer 2], positives in order. */
  readonly v10: ReadonlyArray<readonly [number, number]>
  /** V01: n rows [scorer 1, scorer 2], negatives in order. */
  readonly v01: ReadonlyArray<readonly [number, number]>
  /** 2 × 2 covariance of (AUC1, AUC2). */
  readonly cov: readonly [readonly [number, number], readonly [number, number]]
  /** Variance of AUC1 − AUC2. */
  readonly varDiff: number
  readonly z: number
  /** Two-sided p = 2(1 − Φ(|z|)). */
  readonly p: number
}

/** Structural components of one scorer by Sun & Xu's midrank algorithm. */
const components = (positives: Float64Array, negatives: Float64Array): { readonly v10: Float64Array; readonly v01: Float64Array } => {
  const m = positives.length
  const n = negatives.length
  const all = new Float64Array(m + n)
  all.set(positives)
  all.set(negatives, m)
  const tz = Ranks.midranks(all)
  const tx = Ranks.midranks(positives)
  const ty = Ranks.midranks(negatives)
  const v10 = new Float64Array(m)
  const v01 = new Float64Array(n)
  for (let i = 0; i < m; i++) v10[i] = (tz[i] - tx[i]) / n
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j] - ty[j]) / m
  return { v10, v01 }
}

const mean = (v: Float64Array): number => {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]
  return s / v.length
}

/** Sample covariance (ddof 1) of two equally long vectors. */
const covariance = (a: Float64Array, b: Float64Array): number => {
  const ma = mean(a)
  const mb = mean(b)
  let s = 0
  for (let i = 0; i < a.length; i++) s += (a[i] - ma) * (b[i] - mb)
  return s / (a.length - 1)
}

/** DeLong's test of AUC(score1) = AUC(score2) on the same binary labels. */
export const test = (y: ArrayLike<number>, score1: ArrayLike<number>, score2: ArrayLike<number>): DeLong => {
  if (y.length !== score1.length || y.length !== score2.length) {
    throw new DataError({ source: "DeLong.test", message: `${y.length} labels, ${score1.length} and ${score2.length} scores; score the same items with both models` })
  }
  const pos: Array<number> = []
  const neg: Array<number> = []
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new DataError({ source: "DeLong.test", message: `label ${i} is ${y[i]}; give 1 for positives and 0 for negatives` })
    if (Number.isNaN(score1[i]) || Number.isNaN(score2[i])) throw new DataError({ source: "DeLong.test", message: `score ${i} is NaN; drop the item or fix the model` })
    ;(y[i] === 1 ? pos : neg).push(i)
  }
  const m = pos.length
  const n = neg.length
  if (m < 2 || n < 2) throw new DataError({ source: "DeLong.test", message: `${m} positives and ${n} negatives; DeLong's variance needs at least two of each` })
  const pick = (score: ArrayLike<number>, idx: Array<number>) => Float64Array.from(idx, (i) => score[i])
  const a = components(pick(score1, pos), pick(score1, neg))
  const b = components(pick(score2, pos), pick(score2, neg))
  const auc1 = mean(a.v10)
  const auc2 = mean(b.v10)
  // DeLong et al. (1988) eq. for S = S10/m + S01/n
  const c00 = covariance(a.v10, a.v10) / m + covariance(a.v01, a.v01) / n
  const c11 = covariance(b.v10, b.v10) / m + covariance(b.v01, b.v01) / n
  const c01 = covariance(a.v10, b.v10) / m + covariance(a.v01, b.v01) / n
  const varDiff = c00 + c11 - 2 * c01
  const diff = auc1 - auc2
  let z: number
  let p: number
  if (varDiff <= 0) {
    z = diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY
    p = diff === 0 ? 1 : 0
  } else {
    z = diff / Math.sqrt(varDiff)
    p = 2 * Distribution.normalSf(Math.abs(z))
  }
  return {
    nPos: m,
    nNeg: n,
    auc1,
    auc2,
    v10: Array.from(a.v10, (v, i) => [v, b.v10[i]] as const),
    v01: Array.from(a.v01, (v, j) => [v, b.v01[j]] as const),
    cov: [[c00, c01], [c01, c11]],
    varDiff,
    z,
    p
  }
}
