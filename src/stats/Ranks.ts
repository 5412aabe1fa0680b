/**
 * Ranks with ties averaged (midranks), the building block of the rank tests (Wilcoxon,
 * Friedman) and of DeLong's fast AUC covariance.
 *
 * Conventions: ranks are 1-based and ascending (the smallest value has rank 1); a group of t
 * equal values shares the mean of the t ranks it spans, as scipy.stats.rankdata(method="average").
 * Equality is exact float64 equality. NaN is not ranked: callers reject it first.
 */

/** Midranks of `values`, 1-based, ascending. */
export const midranks = (values: ArrayLike<number>): Float64Array => {
  const n = values.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b])
  const ranks = new Float64Array(n)
  for (let start = 0; start < n;) {
    let end = start + 1
    while (end < n && values[order[end]] === values[order[start]]) end++
    // positions start..end−1 hold ranks start+1..end, whose mean is (start + 1 + end)/2
    const rank = (start + 1 + end) / 2
    for (let i = start; i < end; i++) ranks[order[i]] = rank
    start = end
  }
  return ranks
}

/** The sizes of the groups of equal values with more than one member (the tie groups). */
export const tieGroups = (values: ArrayLike<number>): Array<number> => {
  const sorted = Float64Array.from(values).sort()
  const groups: Array<number> = []
  for (let start = 0; start < sorted.length;) {
    let end = start + 1
    while (end < sorted.length && sorted[end] === sorted[start]) end++
    if (end - start > 1) groups.push(end - start)
    start = end
  }
  return groups
}
