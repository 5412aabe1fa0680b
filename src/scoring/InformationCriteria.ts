/**
 * Information criteria for comparing fitted models by their maximised log-likelihood and their
 * number of free parameters k (Akaike 1974; Schwarz 1978).
 *
 * Conventions: natural logarithms; logLik is the maximised log-likelihood on the original target
 * scale (after any standardisation Jacobian, see Standardise.logJacobian); k counts every fitted
 * parameter, the noise variance included. Lower AIC / BIC is better.
 *
 * Gotchas: AIC's k is meaningless for over-parameterised models fitted without a likelihood
 * (a wide MLP has k ≫ n, so AIC always rejects it while cross-validation may not): that contrast
 * is the point of the polynomial degree sweep in Polynomial.ts.
 */

/** AIC = −2 log L̂ + 2k. */
export const aic = (logLik: number, k: number): number => -2 * logLik + 2 * k

/** BIC = −2 log L̂ + k log n, n the number of training points. */
export const bic = (logLik: number, k: number, n: number): number => -2 * logLik + k * Math.log(n)

/**
 * The Gaussian log-likelihood of residuals rᵢ at the maximum-likelihood noise variance
 * σ̂² = RSS / n: −n/2 (log 2πσ̂² + 1). −∞ for an exact fit (σ̂² = 0).
 */
export const gaussianLogLikAtMle = (residuals: ArrayLike<number>): number => {
  const n = residuals.length
  let rss = 0
  for (let i = 0; i < n; i++) rss += residuals[i] * residuals[i]
  return -0.5 * n * (Math.log((2 * Math.PI * rss) / n) + 1)
}

/** The index of the smallest value (the first on ties; NaN is never chosen); −1 when all are NaN. */
export const argmin = (values: ReadonlyArray<number>): number => {
  let best = -1
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]) && (best === -1 || values[i] < values[best])) best = i
  return best
}
