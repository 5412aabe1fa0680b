/**
 * Log expected improvement, numerically stable for every z: the acquisition of GP-EI.
 *
 * For minimisation with incumbent f*, predictive mean μ and standard deviation σ,
 * EI = σ·h(z) with z = (f* − μ)/σ and h(z) = φ(z) + z·Φ(z). EI underflows to 0 (and its gradient
 * vanishes) once z ≲ −38, which stalls gradient-based maximisation in regions far from the
 * incumbent; log h stays finite and smooth. Following Ament et al. (2023), eq. (9):
 *   log h(z) = log(φ(z) + zΦ(z))                                    for z > −1,
 *            = −z²/2 − c₁ + log1mexp(log(erfcx(−z/√2)·|z|) + c₂)    for −1/√ε < z ≤ −1,
 *            = −z²/2 − c₁ − 2·log|z|                                 for z ≤ −1/√ε,
 * with c₁ = log(2π)/2, c₂ = log(π/2)/2, log1mexp(x) = log(1 − eˣ) (Mächler 2012) and ε the float64
 * epsilon. Its derivative is d log h/dz = Φ(z)/h(z).
 *
 * Citation: S. Ament, S. Daulton, D. Eriksson, M. Balandat, E. Bakshy, "Unexpected Improvements to
 * Expected Improvement for Bayesian Optimization", NeurIPS 2023 (arXiv:2310.20708), §4.1 and App. A;
 * M. Mächler, "Accurately computing log(1 − exp(−|a|))" (2012).
 */
import * as Normal from "./Normal.ts"

const C1 = 0.5 * Math.log(2 * Math.PI)
const C2 = 0.5 * Math.log(Math.PI / 2)
const INV_SQRT_EPS = 1 / Math.sqrt(Number.EPSILON)

/** log(1 − eˣ) for x < 0, accurate near 0 and for very negative x. */
export const log1mexp = (x: number): number => (x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x)))

/** log h(z), h(z) = φ(z) + z·Φ(z) = E[max(Z + z, 0)] for Z ~ N(0, 1). */
export const logH = (z: number): number => {
  if (z > -1) return Math.log(Normal.pdf(z) + z * Normal.cdf(z))
  if (z > -INV_SQRT_EPS) return -0.5 * z * z - C1 + log1mexp(Math.log(Normal.erfcx(-z / Math.SQRT2) * -z) + C2)
  return -0.5 * z * z - C1 - 2 * Math.log(-z)
}

/**
 * d log h / dz = Φ(z)/h(z), positive for every z. For z ≤ −1 the −z²/2 shared by log Φ(z) and
 * log h(z) is cancelled by hand (log Φ(z) = log(erfcx(−z/√2)/2) − z²/2), not by subtraction; for
 * z < −40, where 1 − |z|·√(π/2)·erfcx(−z/√2) ≈ 1/z² has lost digits (relative error ~ε·z²), the
 * ratio comes from the asymptotic series of Φ and h (A&S 26.2.12), w = 1/z²:
 * |z|·(1 − w + 3w² − 15w³ + 105w⁴)/(1 − 3w + 15w² − 105w³ + 945w⁴), whose omitted terms are
 * below 1e-12 relative there.
 */
export const dLogH = (z: number): number => {
  if (z > -1) return Normal.cdf(z) / (Normal.pdf(z) + z * Normal.cdf(z))
  if (z < -40) {
    const w = 1 / (z * z)
    return (-z * (1 - w * (1 - w * (3 - w * (15 - 105 * w))))) / (1 - w * (3 - w * (15 - w * (105 - 945 * w))))
  }
  return Math.exp(Math.log(0.5 * Normal.erfcx(-z / Math.SQRT2)) + C1 - log1mexp(Math.log(Normal.erfcx(-z / Math.SQRT2) * -z) + C2))
}

/** log EI for minimisation at incumbent `best`, mean `mu`, standard deviation `sigma` > 0. */
export const logEi = (best: number, mu: number, sigma: number): number => Math.log(sigma) + logH((best - mu) / sigma)
