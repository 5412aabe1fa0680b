/**
 * McNemar's test for two classifiers' accuracies on the same test items, from their per-item
 * correctness.
 *
 * Conventions: `correct1`, `correct2` are 0/1 per item (1 = classified correctly). b = #(1
 * right, 2 wrong), c = #(1 wrong, 2 right); only these discordant items carry information. Both
 * p-values are two-sided and reported: the exact one, p = min(1, 2·P(X ≤ min(b, c))) with
 * X ~ Binomial(b + c, ½) (scipy.stats.binomtest), which is the one to use when b + c is small
 * (below about 25); and the chi-square one with continuity correction, χ² = (|b − c| − 1)²/(b + c)
 * on 1 degree of freedom, not clamped at |b − c| < 1 (statsmodels mcnemar(exact=False,
 * correction=True)). With no discordant items: p = 1, χ² = 0.
 *
 * Citation: Q. McNemar, Psychometrika 12 (1947) 153–157; T. G. Dietterich, "Approximate
 * statistical tests for comparing supervised classification learning algorithms", Neural
 * Computation 10 (1998) 1895–1923.
 */
import { DataError } from "../core/Errors.ts"
import * as Distribution from "./Distribution.ts"

export interface McNemar {
  /** Items only classifier 1 gets right. */
  readonly b: number
  /** Items only classifier 2 gets right. */
  readonly c: number
  /** Items both get right. */
  readonly n11: number
  /** Items both get wrong. */
  readonly n00: number
  /** Exact two-sided binomial p-value. */
  readonly pExact: number
  /** Continuity-corrected statistic (|b − c| − 1)²/(b + c). */
  readonly chi2: number
  /** Chi-square(1) upper tail of `chi2`. */
  readonly pChi2: number
}

/** McNemar's test on two 0/1 correctness vectors of the same items. */
export const test = (correct1: ArrayLike<number>, correct2: ArrayLike<number>): McNemar => {
  if (correct1.length !== correct2.length || correct1.length === 0) {
    throw new DataError({ source: "McNemar.test", message: `${correct1.length} and ${correct2.length} items; give both classifiers' correctness on the same, non-empty test items` })
  }
  let b = 0
  let c = 0
  let n11 = 0
  let n00 = 0
  for (let i = 0; i < correct1.length; i++) {
    const x = correct1[i]
    const y = correct2[i]
    if ((x !== 0 && x !== 1) || (y !== 0 && y !== 1)) {
      throw new DataError({ source: "McNemar.test", message: `item ${i} has correctness ${x}, ${y}; give 1 for a correct and 0 for a wrong prediction` })
    }
    if (x === 1 && y === 0) b++
    else if (x === 0 && y === 1) c++
    else if (x === 1) n11++
    else n00++
  }
  const n = b + c
  if (n === 0) return { b, c, n11, n00, pExact: 1, chi2: 0, pChi2: 1 }
  const pExact = Math.min(1, 2 * Distribution.binomialCdf(Math.min(b, c), n, 0.5))
  const chi2 = (Math.abs(b - c) - 1) ** 2 / n
  return { b, c, n11, n00, pExact, chi2, pChi2: Distribution.chiSquareSf(chi2, 1) }
}
