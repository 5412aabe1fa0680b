/**
 * Selection rules over cross-validated losses: the minimum-CV pick, the one-standard-error rule,
 * and nested CV with the optimism of non-nested selection.
 *
 * Conventions: every score is a loss (lower is better): MSE as it is, ROC-AUC as 1 − AUC. Fold
 * losses are per fold, not pooled; the standard error of a candidate's mean CV loss is the sd of
 * its K fold losses over √K (ESL §7.10, the usual, optimistic, one: folds share training rows).
 * Candidates come in the caller's order; ties go to the first.
 *
 * Nested CV (Varma & Simon 2006; Cawley & Talbot, JMLR 11 (2010) 2079–2107) on K folds F_k of a
 * selection part S: for each outer fold k, every candidate is scored by the (K−1)-fold CV of S \ F_k
 * whose folds are the other F_j (`inner(c, j, k)`: the loss on F_j of c fitted on S \ (F_j ∪ F_k)),
 * the inner best is picked, and its loss on F_k (`cv[c][k]`: c fitted on S \ F_k) is the outer
 * score. The nested estimate, the mean outer score, is the CV estimate of the whole procedure
 * "select by CV, then fit". Two optimisms, both positive when selection flatters:
 * - `selectionBias` = nested estimate − min_c CV(c): how much the best CV score of non-nested
 *   selection understates the loss of the selected model (Cawley & Talbot's selection bias);
 * - `innerOptimism` = mean over k of (outer score − inner best score): the same gap inside each
 *   outer fold, between the inner-CV best and its own outer estimate.
 *
 * When to use: experiments/model-selection.ts reads fold losses off stored trials and applies
 * these. Gotchas: NaN losses are never picked; a candidate with any NaN fold loss has a NaN mean.
 */
import * as InformationCriteria from "./InformationCriteria.ts"

const mean = (values: ReadonlyArray<number>): number => values.reduce((a, b) => a + b, 0) / values.length

/** The mean of fold losses and its standard error sd/√K (NaN for K < 2). */
export const foldSummary = (losses: ReadonlyArray<number>): { readonly mean: number; readonly se: number } => {
  const m = mean(losses)
  const K = losses.length
  if (K < 2) return { mean: m, se: Number.NaN }
  const variance = losses.reduce((s, v) => s + (v - m) ** 2, 0) / (K - 1)
  return { mean: m, se: Math.sqrt(variance / K) }
}

/**
 * The one-standard-error rule (Breiman et al. 1984 §3.4.3; ESL §7.10): among the candidates whose
 * mean CV loss is at most the best mean plus the best candidate's standard error, the simplest.
 * `complexity[i]` orders the candidates (smaller = simpler; ties go to the earlier candidate).
 * Returns −1 when no mean is finite.
 */
export const oneStandardError = (
  summaries: ReadonlyArray<{ readonly mean: number; readonly se: number }>,
  complexity: ReadonlyArray<number>
): number => {
  const best = InformationCriteria.argmin(summaries.map((s) => s.mean))
  if (best === -1) return -1
  const threshold = summaries[best].mean + (Number.isFinite(summaries[best].se) ? summaries[best].se : 0)
  let pick = best
  for (let i = 0; i < summaries.length; i++) {
    if (!(summaries[i].mean <= threshold)) continue
    if (complexity[i] < complexity[pick] || (complexity[i] === complexity[pick] && i < pick)) pick = i
  }
  return pick
}

export interface Nested {
  /** The inner-CV pick of each outer fold. */
  readonly picks: ReadonlyArray<number>
  /** The inner-CV best mean loss of each outer fold. */
  readonly innerBest: ReadonlyArray<number>
  /** The loss of each outer fold's pick on that fold. */
  readonly outer: ReadonlyArray<number>
  /** Mean outer loss: nested CV's estimate of the loss of select-by-CV-then-fit. */
  readonly estimate: number
  /** min over candidates of the mean CV loss on all K folds: what non-nested selection reports. */
  readonly nonNestedBest: number
  /** estimate − nonNestedBest. */
  readonly selectionBias: number
  /** Mean over outer folds of (outer − innerBest). */
  readonly innerOptimism: number
}

/**
 * Nested CV from the fits of a selection split: `cv[c][k]` the loss on F_k of candidate c fitted
 * on S \ F_k (K ≥ 3 folds), `inner(c, j, k)` (j ≠ k) the loss on F_j of c fitted on S \ (F_j ∪ F_k).
 */
export const nested = (cv: ReadonlyArray<ReadonlyArray<number>>, inner: (c: number, j: number, k: number) => number): Nested => {
  const K = cv[0]?.length ?? 0
  const picks: Array<number> = []
  const innerBest: Array<number> = []
  const outer: Array<number> = []
  for (let k = 0; k < K; k++) {
    const scores = cv.map((_, c) => {
      const losses: Array<number> = []
      for (let j = 0; j < K; j++) if (j !== k) losses.push(inner(c, j, k))
      return mean(losses)
    })
    const pick = InformationCriteria.argmin(scores)
    picks.push(pick)
    innerBest.push(pick === -1 ? Number.NaN : scores[pick])
    outer.push(pick === -1 ? Number.NaN : cv[pick][k])
  }
  const estimate = mean(outer)
  const means = cv.map(mean)
  const best = InformationCriteria.argmin(means)
  const nonNestedBest = best === -1 ? Number.NaN : means[best]
  return {
    picks,
    innerBest,
    outer,
    estimate,
    nonNestedBest,
    selectionBias: estimate - nonNestedBest,
    innerOptimism: mean(outer.map((o, k) => o - innerBest[k]))
  }
}
