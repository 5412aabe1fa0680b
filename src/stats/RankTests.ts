/**
 * Rank tests for comparing models across several tasks (data sets): Wilcoxon's signed-rank test
 * for two models, Friedman's test with the Iman–Davenport F correction for k models, their
 * average ranks, and the Nemenyi critical difference for all pairs.
 *
 * Conventions (scipy 1.10, as pinned by shared/fixtures/stats_tests.json):
 * - Wilcoxon on d = x − y, two-sided, no continuity correction. R+ / R− are the sums of the
 *   midranks of |d| over d > 0 / d < 0 and the statistic is T = min(R+, R−). zeroMethod "wilcox"
 *   drops zero differences before ranking; "pratt" ranks them (they take the lowest ranks) and
 *   then leaves their ranks out of both sums. The method is "exact" when there are no zeros, no
 *   ties among the |d| and n ≤ 25: the null distribution of R+ over the 2^n sign patterns gives
 *   p = min(1, 2·min(P(R+ ≤ r+), P(R+ ≥ r+))). Otherwise "approx": z = (T − μ)/σ with
 *   μ = n'(n'+1)/4, 24σ² = n'(n'+1)(2n'+1) − ½Σ t(t² − 1) over tie groups of equal nonzero |d|,
 *   for "pratt" (n' = n) also μ −= n₀(n₀+1)/4 and 24σ² −= n₀(n₀+1)(2n₀+1) (Cureton 1967), and
 *   p = 2(1 − Φ(|z|)).
 * - Friedman on an N × k score matrix (rows = tasks, columns = models): rank 1 is the best
 *   model of a row (highest score when `higherIsBetter`), ties share the mean rank;
 *   χ²_F = [12/(N k (k+1)) Σ_j R_j² − 3N(k+1)] / (1 − Σ(t³ − t)/(N k (k² − 1))) with R_j the rank
 *   sums and the sum over every row's tie groups (scipy.stats.friedmanchisquare), p from
 *   chi-square(k − 1); F_ID = (N − 1)χ²_F/(N(k − 1) − χ²_F) on (k − 1, (k − 1)(N − 1)) degrees of
 *   freedom. Rows tied throughout give χ²_F = 0, p = 1 (scipy returns NaN there).
 * - Nemenyi: CD = q_α √(k(k + 1)/(6N)) with q_α = studentized range quantile(1 − α, k, ν = ∞)/√2,
 *   computed (Distribution.studentizedRangeQuantile), not read from Demšar's three-decimal table;
 *   two models differ when their average ranks differ by more than CD.
 *
 * Citations: F. Wilcoxon, Biometrics Bulletin 1 (1945) 80–83; J. W. Pratt, JASA 54 (1959)
 * 655–667; E. E. Cureton, JASA 62 (1967) 1068–1069; M. Friedman, JASA 32 (1937) 675–701;
 * R. L. Iman & J. M. Davenport, Comm. Statist. A 9 (1980) 571–595; P. Nemenyi, PhD thesis,
 * Princeton (1963); J. Demšar, "Statistical comparisons of classifiers over multiple data sets",
 * JMLR 7 (2006) 1–30, §3.2.
 */
import { DataError } from "../core/Errors.ts"
import * as Distribution from "./Distribution.ts"
import * as Ranks from "./Ranks.ts"

/** Largest n whose exact Wilcoxon distribution is used (when there are no zeros or ties). */
export const WILCOXON_EXACT_MAX_N = 25

export type ZeroMethod = "wilcox" | "pratt"

export interface Wilcoxon {
  /** Number of pairs. */
  readonly n: number
  /** Number of zero differences. */
  readonly nZero: number
  /** Whether two nonzero |d| are equal. */
  readonly hasTies: boolean
  readonly method: "exact" | "approx"
  readonly rPlus: number
  readonly rMinus: number
  /** T = min(R+, R−). */
  readonly statistic: number
  /** (T − μ)/σ for the normal approximation; undefined for the exact method. */
  readonly z: number | undefined
  /** Two-sided p-value. */
  readonly p: number
}

/** counts[s] = number of the 2^n sign patterns whose R+ is s (ranks 1..n, no ties). */
const signedRankCounts = (n: number): Float64Array => {
  const total = (n * (n + 1)) / 2
  const counts = new Float64Array(total + 1)
  counts[0] = 1
  for (let r = 1; r <= n; r++) for (let s = total; s >= r; s--) counts[s] += counts[s - r]
  return counts
}

/** Wilcoxon's signed-rank test of x against y (paired), two-sided. */
export const wilcoxon = (x: ArrayLike<number>, y: ArrayLike<number>, options: { readonly zeroMethod?: ZeroMethod } = {}): Wilcoxon => {
  const zeroMethod = options.zeroMethod ?? "wilcox"
  if (x.length !== y.length) throw new DataError({ source: "RankTests.wilcoxon", message: `${x.length} and ${y.length} values; give one score per task for each model` })
  const n = x.length
  const d = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    d[i] = x[i] - y[i]
    if (!Number.isFinite(d[i])) throw new DataError({ source: "RankTests.wilcoxon", message: `pair ${i} gives difference ${d[i]}; every score must be finite` })
  }
  let nZero = 0
  for (let i = 0; i < n; i++) if (d[i] === 0) nZero++
  const nonzero = d.filter((v) => v !== 0)
  if (nonzero.length === 0) throw new DataError({ source: "RankTests.wilcoxon", message: `all ${n} differences are zero; the two models cannot be told apart by ranks` })
  const ties = Ranks.tieGroups(nonzero.map(Math.abs))
  const hasTies = ties.length > 0
  // "wilcox" ranks the nonzero |d| only; "pratt" ranks all and drops the zeros' ranks afterwards
  const ranked = zeroMethod === "wilcox" ? nonzero : d
  const ranks = Ranks.midranks(ranked.map(Math.abs))
  let rPlus = 0
  let rMinus = 0
  for (let i = 0; i < ranked.length; i++) {
    if (ranked[i] > 0) rPlus += ranks[i]
    else if (ranked[i] < 0) rMinus += ranks[i]
  }
  const statistic = Math.min(rPlus, rMinus)
  const method = nZero === 0 && !hasTies && n <= WILCOXON_EXACT_MAX_N ? "exact" : "approx"
  if (method === "exact") {
    const counts = signedRankCounts(n)
    const total = 2 ** n
    let below = 0
    for (let s = 0; s <= rPlus; s++) below += counts[s]
    let above = 0
    for (let s = rPlus; s < counts.length; s++) above += counts[s]
    const p = Math.min(1, (2 * Math.min(below, above)) / total)
    return { n, nZero, hasTies, method, rPlus, rMinus, statistic, z: undefined, p }
  }
  const count = ranked.length
  let mu = (count * (count + 1)) / 4
  let variance24 = count * (count + 1) * (2 * count + 1)
  if (zeroMethod === "pratt") {
    mu -= (nZero * (nZero + 1)) / 4
    variance24 -= nZero * (nZero + 1) * (2 * nZero + 1)
  }
  for (const t of ties) variance24 -= 0.5 * t * (t * t - 1)
  const z = (statistic - mu) / Math.sqrt(variance24 / 24)
  return { n, nZero, hasTies, method, rPlus, rMinus, statistic, z, p: 2 * Distribution.normalSf(Math.abs(z)) }
}

export interface Friedman {
  readonly nDatasets: number
  readonly k: number
  /** N × k ranks, rank 1 = best in its row. */
  readonly ranks: ReadonlyArray<Float64Array>
  /** Column means of `ranks`: each model's average rank. */
  readonly avgRanks: Float64Array
  readonly chi2: number
  readonly p: number
  readonly imanDavenportF: number
  readonly df1: number
  readonly df2: number
  /** Upper tail of F(df1, df2) at imanDavenportF. */
  readonly pF: number
}

/** Friedman's test with the Iman–Davenport correction on an N × k matrix of scores. */
export const friedman = (scores: ReadonlyArray<ArrayLike<number>>, options: { readonly higherIsBetter?: boolean } = {}): Friedman => {
  const higherIsBetter = options.higherIsBetter ?? true
  const N = scores.length
  const k = N === 0 ? 0 : scores[0].length
  if (N < 2 || k < 2) throw new DataError({ source: "RankTests.friedman", message: `${N} tasks × ${k} models; Friedman's test needs at least two of each` })
  const ranks: Array<Float64Array> = []
  const rankSums = new Float64Array(k)
  let tieSum = 0
  for (const [i, row] of scores.entries()) {
    if (row.length !== k) throw new DataError({ source: "RankTests.friedman", message: `task ${i} has ${row.length} scores, task 0 has ${k}; give every model's score on every task` })
    const oriented = Float64Array.from(row, (v, j) => {
      if (!Number.isFinite(v)) throw new DataError({ source: "RankTests.friedman", message: `task ${i}, model ${j} scored ${v}; every score must be finite` })
      return higherIsBetter ? -v : v
    })
    const r = Ranks.midranks(oriented)
    ranks.push(r)
    for (let j = 0; j < k; j++) rankSums[j] += r[j]
    for (const t of Ranks.tieGroups(oriented)) tieSum += t * t * t - t
  }
  const avgRanks = rankSums.map((s) => s / N)
  let ssq = 0
  for (let j = 0; j < k; j++) ssq += rankSums[j] * rankSums[j]
  const tieCorrection = 1 - tieSum / (N * k * (k * k - 1))
  const chi2 = tieCorrection === 0 ? 0 : ((12 / (N * k * (k + 1))) * ssq - 3 * N * (k + 1)) / tieCorrection
  const df1 = k - 1
  const df2 = (k - 1) * (N - 1)
  const denominator = N * (k - 1) - chi2
  const imanDavenportF = denominator <= 0 ? Number.POSITIVE_INFINITY : ((N - 1) * chi2) / denominator
  return {
    nDatasets: N,
    k,
    ranks,
    avgRanks,
    chi2,
    p: Distribution.chiSquareSf(chi2, df1),
    imanDavenportF,
    df1,
    df2,
    pF: Distribution.fSf(imanDavenportF, df1, df2)
  }
}

export interface Nemenyi {
  readonly alpha: number
  /** q_α = studentized range quantile(1 − α, k, ∞)/√2. */
  readonly q: number
  /** Critical difference of average ranks. */
  readonly cd: number
  /** Model pairs [i, j], i < j in lexicographic order, whose average ranks differ by more than cd. */
  readonly pairs: ReadonlyArray<readonly [number, number]>
}

/** The Nemenyi q_α for k models: studentized range quantile(1 − α, k, ν = ∞)/√2. */
export const nemenyiQ = (k: number, alpha: number): number => Distribution.studentizedRangeQuantile(1 - alpha, k) / Math.SQRT2

/** Nemenyi's post-hoc test on average ranks over `nDatasets` tasks at level `alpha`. */
export const nemenyi = (avgRanks: ArrayLike<number>, nDatasets: number, alpha: number): Nemenyi => {
  const k = avgRanks.length
  if (k < 2 || !(nDatasets >= 1) || !(alpha > 0 && alpha < 1)) {
    throw new DataError({ source: "RankTests.nemenyi", message: `k = ${k} models, N = ${nDatasets} tasks, α = ${alpha}; give at least two models, one task and 0 < α < 1` })
  }
  const q = nemenyiQ(k, alpha)
  const cd = q * Math.sqrt((k * (k + 1)) / (6 * nDatasets))
  const pairs: Array<readonly [number, number]> = []
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (Math.abs(avgRanks[i] - avgRanks[j]) > cd) pairs.push([i, j])
  return { alpha, q, cd, pairs }
}
