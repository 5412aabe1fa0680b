/**
 * Simple regret over seeds, summarised the way the optuna anchor (tests/fixtures/hpo_anchor.json)
 * reports it: per checkpoint, the median, 25 % and 75 % percentiles and the IQR of best − fmin
 * over the seeds.
 *
 * Conventions: percentiles are numpy.percentile's default "linear" method (numpy ≥ 1.22): the
 * position h = (n − 1)·q/100 in the sorted values, interpolated with numpy's `_lerp`
 * (a + (b − a)·t, computed from b's end when t ≥ ½), so values agree with numpy to the last bit
 * or nearly; the IQR is Q75 − Q25. Regret is taken against the fmin given (the anchor's own,
 * rounded to 6 significant digits), not the exact minimum.
 *
 * When to use: `make bench ARGS=hpo` summarises gpnn's samplers with it, and the conformance
 * kind hpo_anchor checks that it reproduces the anchor's figures from the anchor's per-seed
 * bests. Gotchas: NaN sorts last and is not rejected; an empty list gives NaN.
 */

/** numpy.percentile(values, q), q in [0, 100], linear interpolation. */
export const percentile = (values: ArrayLike<number>, q: number): number => {
  const s = Float64Array.from(values).sort()
  const n = s.length
  if (n === 0) return Number.NaN
  const h = (n - 1) * (q / 100)
  if (h >= n - 1) return s[n - 1]
  const lo = Math.floor(h)
  const t = h - lo
  const a = s[lo]
  const b = s[lo + 1]
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
}

export interface Summary {
  readonly median: Array<number>
  readonly q25: Array<number>
  readonly q75: Array<number>
  readonly iqr: Array<number>
}

/**
 * The regret summary per checkpoint. `best[s][k]`: the best value of seed s after checkpoint k
 * (every seed with as many checkpoints).
 */
export const summary = (best: ReadonlyArray<ArrayLike<number>>, fmin: number): Summary => {
  const checkpoints = best[0]?.length ?? 0
  const regrets = Array.from({ length: checkpoints }, (_, k) => best.map((b) => b[k] - fmin))
  const q25 = regrets.map((r) => percentile(r, 25))
  const q75 = regrets.map((r) => percentile(r, 75))
  return { median: regrets.map((r) => percentile(r, 50)), q25, q75, iqr: q75.map((v, k) => v - q25[k]) }
}
