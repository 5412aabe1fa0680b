/**
 * Comparing two models on one task from their r × K repeated cross-validation scores: the
 * Nadeau–Bengio corrected resampled t-test and the Bayesian correlated t-test of Corani &
 * Benavoli with a region of practical equivalence (rope).
 *
 * Conventions: `d` holds the J = r·K per-split score differences (model A − model B, repeat-
 * major, though the order does not matter); `nTrain` / `nTest` are the training / test set sizes
 * of one split. mean = Σd/J, s² = Σ(d − mean)²/(J − 1) (two-pass, ddof 1), df = J − 1. A
 * positive mean favours A when higher scores are better. Both tests follow
 * shared/fixtures/stats_tests.json (scipy 1.10 / baycomp conventions), degenerate cases included.
 *
 * Why corrected: the J training sets overlap, so the plain t-test's variance s²/J is far too
 * small and its type I error far above α; Nadeau & Bengio's heuristic inflates it to
 * (1/J + nTest/nTrain)·s². The Bayesian test uses the same correlation ρ = nTest/(nTest + nTrain)
 * in the posterior scale √((1/J + ρ/(1 − ρ))·s²) (equal to baycomp's 1/J + 1/(K − 1) for equal
 * folds) and reports P(mean < −rope), P(|mean| ≤ rope), P(mean > rope) instead of a p-value.
 *
 * Citations: C. Nadeau & Y. Bengio, "Inference for the generalization error", Machine Learning
 * 52 (2003) 239–281; R. Bouckaert & E. Frank, PAKDD 2004 (r × K repetition); G. Corani &
 * A. Benavoli, "A Bayesian approach for comparing cross-validated algorithms on multiple data
 * sets", Machine Learning 100 (2015) 285–304; A. Benavoli et al., JMLR 18(77) (2017), and the
 * baycomp package's CorrelatedTTest.
 */
import { DataError } from "../core/Errors.ts"
import * as Distribution from "./Distribution.ts"

export interface Splits {
  /** Training set size of one split. */
  readonly nTrain: number
  /** Test set size of one split. */
  readonly nTest: number
}

const moments = (what: string, d: ArrayLike<number>, { nTrain, nTest }: Splits): { readonly mean: number; readonly variance: number } => {
  if (d.length < 2) throw new DataError({ source: `CvPaired.${what}`, message: `${d.length} score differences; the test needs at least two splits (r·K ≥ 2)` })
  if (!(nTrain > 0) || !(nTest > 0)) {
    throw new DataError({ source: `CvPaired.${what}`, message: `nTrain = ${nTrain}, nTest = ${nTest}; give the positive training and test sizes of one split` })
  }
  let sum = 0
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) throw new DataError({ source: `CvPaired.${what}`, message: `score difference ${i} is ${d[i]}; drop or rescore the failed split` })
    sum += d[i]
  }
  const mean = sum / d.length
  let ss = 0
  for (let i = 0; i < d.length; i++) ss += (d[i] - mean) ** 2
  return { mean, variance: ss / (d.length - 1) }
}

export interface CorrectedT {
  readonly mean: number
  /** s², the sample variance of the differences (ddof 1). */
  readonly variance: number
  /** (1/J + nTest/nTrain)·s². */
  readonly correctedVariance: number
  readonly t: number
  readonly df: number
  /** Two-sided p = 2·P(T_df > |t|). */
  readonly p: number
}

/**
 * Nadeau & Bengio's corrected resampled t-test on the J = r·K differences `d`. Zero corrected
 * variance gives t = 0, p = 1 when the mean is 0, else t = sign(mean)·∞ and p = 0.
 */
export const correctedT = (d: ArrayLike<number>, splits: Splits): CorrectedT => {
  const { mean, variance } = moments("correctedT", d, splits)
  const J = d.length
  const correctedVariance = (1 / J + splits.nTest / splits.nTrain) * variance
  const df = J - 1
  if (correctedVariance === 0) {
    return mean === 0
      ? { mean, variance, correctedVariance, t: 0, df, p: 1 }
      : { mean, variance, correctedVariance, t: Math.sign(mean) * Number.POSITIVE_INFINITY, df, p: 0 }
  }
  const t = mean / Math.sqrt(correctedVariance)
  return { mean, variance, correctedVariance, t, df, p: Distribution.studentTTwoSided(t, df) }
}

export interface BayesCorrelatedT {
  /** ρ = nTest/(nTest + nTrain), the correlation between the splits' differences. */
  readonly rho: number
  readonly df: number
  /** Posterior location: the mean difference. */
  readonly loc: number
  /** Posterior scale √((1/J + ρ/(1 − ρ))·s²). */
  readonly scale: number
  /** P(mean difference < −rope): B better when higher is better. */
  readonly pLeft: number
  /** P(−rope ≤ mean difference ≤ rope): practically equivalent. */
  readonly pRope: number
  /** P(mean difference > rope): A better when higher is better. */
  readonly pRight: number
}

/**
 * The Bayesian correlated t-test: the posterior of the mean difference is Student t with J − 1
 * degrees of freedom, location mean(d) and the correlated scale; `rope` (≥ 0) is the half-width
 * of the region of practical equivalence, in score units. With rope = 0, pRope = 0. A zero scale
 * puts all mass on the mean (baycomp's rule).
 */
export const bayesCorrelatedT = (d: ArrayLike<number>, splits: Splits & { readonly rope: number }): BayesCorrelatedT => {
  if (!(splits.rope >= 0)) throw new DataError({ source: "CvPaired.bayesCorrelatedT", message: `rope = ${splits.rope}; give the half-width of the region of practical equivalence, 0 or more` })
  const { mean, variance } = moments("bayesCorrelatedT", d, splits)
  const J = d.length
  const rho = splits.nTest / (splits.nTest + splits.nTrain)
  const scale = Math.sqrt((1 / J + rho / (1 - rho)) * variance)
  const df = J - 1
  const rope = splits.rope
  if (scale === 0) {
    const pLeft = mean < -rope ? 1 : 0
    const pRight = mean > rope ? 1 : 0
    return { rho, df, loc: mean, scale, pLeft, pRope: 1 - pLeft - pRight, pRight }
  }
  // P(μ > rope) = P(T > (rope − loc)/scale); P(μ < −rope) = P(T < (−rope − loc)/scale)
  const pRight = Distribution.studentTSf((rope - mean) / scale, df)
  if (rope === 0) return { rho, df, loc: mean, scale, pLeft: 1 - pRight, pRope: 0, pRight }
  const pLeft = Distribution.studentTCdf((-rope - mean) / scale, df)
  return { rho, df, loc: mean, scale, pLeft, pRope: 1 - pLeft - pRight, pRight }
}
