/**
 * The standard normal distribution as the samplers need it, in float64: the CDF Φ and its log
 * into the far lower tail, the quantile Φ⁻¹, the scaled complementary error function erfcx, and
 * truncated-normal densities, masses and draws (TPE's Parzen kernels).
 *
 * Conventions: Φ(z) = ½·erfc(−z/√2) with erfc from models/ntk/Activation.ts (~1e-16 relative);
 * erfcx(x) = e^{x²}·erfc(x), by that erfc for x < 1.5 and by its continued fraction
 * (`Activation.erfcxContinuedFraction`: CPython's, renormalised so it cannot overflow) for x ≥ 1.5, which is
 * accurate to ~1e-16 relative up to x = ∞ where it tends to 1/(x√π). log Φ(z) for z < −1 is
 * log(erfcx(−z/√2)/2) − z²/2: finite for every finite z. Φ⁻¹ is Acklam's rational approximation
 * (1.15e-9 relative) refined by one Halley step on Φ, so ~1e-15.
 *
 * Citation: Abramowitz & Stegun 7.1.2 and 7.1.14 (continued fraction); P. J. Acklam, "An algorithm
 * for computing the inverse normal cumulative distribution function" (2003).
 */
import * as Activation from "../models/ntk/Activation.ts"

const SQRT_PI = Math.sqrt(Math.PI)
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/** The standard normal density φ(z). */
export const pdf = (z: number): number => Math.exp(-0.5 * z * z - LOG_SQRT_2PI)

/** log φ(z). */
export const logPdf = (z: number): number => -0.5 * z * z - LOG_SQRT_2PI

/** Φ(z). */
export const cdf = (z: number): number => 0.5 * Activation.erfc(-z / Math.SQRT2)

/** e^{x²}·erfc(x) for x ≥ 0 (also fine for x > −5, where e^{x²}·erfc(x) is still representable). */
export const erfcx = (x: number): number => {
  if (x < 1.5) return Math.exp(x * x) * Activation.erfc(x)
  if (x > 1e8) return 1 / (x * SQRT_PI)
  return Activation.erfcxContinuedFraction(x)
}

/** log Φ(z), finite for every finite z (no underflow in the lower tail). */
export const logCdf = (z: number): number =>
  z < -1 ? Math.log(0.5 * erfcx(-z / Math.SQRT2)) - 0.5 * z * z : Math.log1p(-0.5 * Activation.erfc(z / Math.SQRT2))

const A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
const B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
const C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
const D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
const P_LOW = 0.02425

/** Φ⁻¹(p) for p in (0, 1); ∓∞ at 0 and 1. */
export const quantile = (p: number): number => {
  if (p <= 0) return Number.NEGATIVE_INFINITY
  if (p >= 1) return Number.POSITIVE_INFINITY
  let x: number
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p))
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5
    const r = q * q
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1)
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p))
    x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1)
  }
  // one Halley step on Φ(x) − p
  const e = cdf(x) - p
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x)
  return x - u / (1 + 0.5 * x * u)
}

/** Φ(b) − Φ(a) for a ≤ b without cancellation in either tail. */
export const mass = (a: number, b: number): number => (a > 0 ? cdf(-a) - cdf(-b) : cdf(b) - cdf(a))

/**
 * log density at x of N(mu, sigma²) truncated to [low, high].
 * Gotcha: assumes the interval holds non-negligible mass (TPE's kernels have mu inside it and
 * sigma ≤ high − low, so at least Φ(1) − Φ(0) ≈ 0.34).
 */
export const truncatedLogPdf = (x: number, mu: number, sigma: number, low: number, high: number): number =>
  logPdf((x - mu) / sigma) - Math.log(sigma) - Math.log(mass((low - mu) / sigma, (high - mu) / sigma))

/** log of the mass of [x0, x1] under N(mu, sigma²) truncated to [low, high] (floored at 1e-300). */
export const truncatedLogMass = (x0: number, x1: number, mu: number, sigma: number, low: number, high: number): number =>
  Math.log(Math.max(mass((x0 - mu) / sigma, (x1 - mu) / sigma), 1e-300)) - Math.log(mass((low - mu) / sigma, (high - mu) / sigma))

/** A draw of N(mu, sigma²) truncated to [low, high] by inversion of the CDF from a uniform u in [0, 1). */
export const truncatedDraw = (u: number, mu: number, sigma: number, low: number, high: number): number => {
  const a = (low - mu) / sigma
  const b = (high - mu) / sigma
  // invert in the tail where the interval's mass sits, so neither end rounds to 0 or 1
  const x = a > 0
    ? -quantile(cdf(-a) - u * (cdf(-a) - cdf(-b)))
    : quantile(cdf(a) + u * (cdf(b) - cdf(a)))
  return Math.min(high, Math.max(low, mu + sigma * x))
}
