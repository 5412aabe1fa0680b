/**
 * Power laws y ≈ C·x^slope fitted by ordinary least squares of log y on log x: how a distance,
 * an error or a movement scales with width (theory often says x^(−½)).
 *
 * Conventions: natural logarithms; points where x or y is not positive or not finite are left
 * out (and not counted in `n`). `se` is the usual OLS standard error of the slope,
 * √(RSS/(n − 2) / Σ(log xᵢ − mean)²), so `slope ± 2·se` is roughly a 95% interval when the
 * log-residuals are independent and homoscedastic; with fewer than three usable points every
 * field but `n` is NaN. Reference: e.g. Weisberg, Applied Linear Regression (4th ed.), §2.4.
 *
 * Gotchas: points of a sweep are often not independent (one ensemble, shared folds), so `se`
 * is a guide, not a test; and a log-log fit weights every point equally, however noisy.
 */

export interface Fit {
  /** d log y / d log x. */
  readonly slope: number
  /** log C: the fitted log y at x = 1. */
  readonly intercept: number
  /** Standard error of the slope. */
  readonly se: number
  /** Points used. */
  readonly n: number
}

/** The least-squares power law through the (x, y) pairs with x > 0 and y > 0. */
export const fit = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): Fit => {
  const points = x.map((xi, i) => [Math.log(xi), Math.log(y[i])] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
  const n = points.length
  if (n < 3) return { slope: Number.NaN, intercept: Number.NaN, se: Number.NaN, n }
  const mx = points.reduce((s, [a]) => s + a, 0) / n
  const my = points.reduce((s, [, b]) => s + b, 0) / n
  let sxx = 0
  let sxy = 0
  for (const [a, b] of points) {
    sxx += (a - mx) ** 2
    sxy += (a - mx) * (b - my)
  }
  const slope = sxy / sxx
  const intercept = my - slope * mx
  let rss = 0
  for (const [a, b] of points) rss += (b - intercept - slope * a) ** 2
  return { slope, intercept, se: Math.sqrt(rss / (n - 2) / sxx), n }
}

/** The fitted C·x^slope at `x`. */
export const at = (f: Fit, x: number): number => Math.exp(f.intercept) * x ** f.slope
