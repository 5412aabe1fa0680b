/**
 * The distribution functions the comparison tests need, in float64: the regularised incomplete
 * gamma and beta functions and, from them, the normal, Student t, chi-square, F and binomial
 * tails; the studentized range distribution with infinite degrees of freedom (for Nemenyi's
 * critical difference).
 *
 * Conventions: `cdf` is P(X ≤ x), `sf` the upper tail P(X > x), computed directly (never as
 * 1 − cdf) so small tail probabilities keep their relative accuracy. Relative accuracy is about
 * 1e-14 for the incomplete gamma/beta away from their extreme arguments (checked against
 * scipy.special in tests/stats-distribution.test.ts); the studentized range CDF is a trapezoid
 * rule over z ∈ [−10, 10] with step 1/32, which for this entire, rapidly decaying integrand is
 * accurate to rounding (Trefethen & Weideman, SIAM Review 56 (2014) 385–458), and its quantile
 * is computed, not tabulated (safeguarded Newton to 1e-14 relative).
 *
 * Algorithms: P(a, x) by its series for x < a + 1, Q(a, x) by the Legendre continued fraction
 * otherwise (Numerical Recipes 3rd ed. §6.2, `gser`/`gcf`); I_x(a, b) by its continued fraction
 * evaluated with the modified Lentz method on whichever side of x = (a + 1)/(a + b + 2) converges
 * (NR §6.4, `betacf`); erfc(x) = Q(½, x²); log Γ from ../models/kernels/Special.ts (Lanczos).
 * Studentized range with ν = ∞: P(R ≤ q) = k ∫ φ(z) [Φ(z + q) − Φ(z)]^{k−1} dz (Hartley 1944;
 * scipy.stats.studentized_range with df = ∞ integrates the same expression).
 *
 * Gotchas: arguments outside the domain give NaN; the continued fractions stop after 10 000
 * terms, more than any a, b below 1e7 need.
 */
import * as Special from "../models/kernels/Special.ts"

const EPS = 2.220446049250313e-16
const TINY = 1e-300
const MAXIT = 10000

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export const logBeta = (a: number, b: number): number => Special.logGamma(a) + Special.logGamma(b) - Special.logGamma(a + b)

/** NR `gser`: P(a, x) by its series, for x < a + 1. */
const gammaSeries = (a: number, x: number): number => {
  let ap = a
  let del = 1 / a
  let sum = del
  for (let n = 0; n < MAXIT; n++) {
    ap += 1
    del *= x / ap
    sum += del
    if (Math.abs(del) < Math.abs(sum) * EPS) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - Special.logGamma(a))
}

/** NR `gcf`: Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1. */
const gammaFraction = (a: number, x: number): number => {
  let b = x + 1 - a
  let c = 1 / TINY
  let d = 1 / b
  let h = d
  for (let i = 1; i < MAXIT; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < TINY) d = TINY
    c = b + an / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return Math.exp(-x + a * Math.log(x) - Special.logGamma(a)) * h
}

/** The regularised lower incomplete gamma P(a, x) = γ(a, x)/Γ(a); a > 0, x ≥ 0. */
export const gammaP = (a: number, x: number): number => {
  if (!(a > 0) || !(x >= 0)) return Number.NaN
  if (x === 0) return 0
  if (x === Number.POSITIVE_INFINITY) return 1
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaFraction(a, x)
}

/** The regularised upper incomplete gamma Q(a, x) = 1 − P(a, x); a > 0, x ≥ 0. */
export const gammaQ = (a: number, x: number): number => {
  if (!(a > 0) || !(x >= 0)) return Number.NaN
  if (x === 0) return 1
  if (x === Number.POSITIVE_INFINITY) return 0
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaFraction(a, x)
}

/** NR `betacf`: the continued fraction of I_x(a, b), modified Lentz. */
const betaFraction = (x: number, a: number, b: number): number => {
  const qab = a + b
  const qap = a + 1
  const qam = a - 1
  let c = 1
  let d = 1 - (qab * x) / qap
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  for (let m = 1; m < MAXIT; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2))
    d = 1 + aa * d
    if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < EPS) break
  }
  return h
}

/**
 * The regularised incomplete beta I_x(a, b) = B(x; a, b)/B(a, b); a, b > 0, 0 ≤ x ≤ 1.
 * `y` = 1 − x may be passed when it is known more accurately than the subtraction gives.
 */
export const betaI = (x: number, a: number, b: number, y: number = 1 - x): number => {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return Number.NaN
  if (x === 0) return 0
  if (y === 0) return 1
  // NR eq. 6.4.9's prefactor x^a (1−x)^b / (a B(a, b)), in logs
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b))
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(y, b, a)) / b
}

/** The complementary error function erfc(x) = 2/√π ∫ₓ^∞ e^{−t²} dt = Q(½, x²) for x ≥ 0. */
export const erfc = (x: number): number => {
  if (Number.isNaN(x)) return Number.NaN
  return x >= 0 ? gammaQ(0.5, x * x) : 1 + gammaP(0.5, x * x)
}

/** Standard normal density φ(x). */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)

/** Standard normal Φ(x). */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2)

/** Standard normal upper tail 1 − Φ(x), accurate far into the tail. */
export const normalSf = (x: number): number => 0.5 * erfc(x / Math.SQRT2)

/**
 * Solves cdf(x) = p for an increasing `cdf` with density `pdf` on the bracket [lo, hi]: Newton
 * steps, falling back to bisection whenever a step leaves the bracket, until the step is below
 * 1e-14 relative (or 200 iterations).
 */
const invert = (cdf: (x: number) => number, pdf: (x: number) => number, p: number, lo: number, hi: number, start: number): number => {
  let x = start
  for (let i = 0; i < 200; i++) {
    const f = cdf(x) - p
    if (f === 0) return x
    if (f < 0) lo = x
    else hi = x
    const density = pdf(x)
    let next = density > 0 ? x - f / density : Number.NaN
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi)
    if (Math.abs(next - x) <= 1e-14 * Math.max(1, Math.abs(x))) return next
    x = next
  }
  return x
}

/**
 * The standard normal quantile Φ⁻¹(p), 0 < p < 1 (±∞ at 0 and 1): safeguarded Newton on the
 * smaller tail, so p = 1e-300 and 1 − 1e-16 are both handled.
 */
export const normalQuantile = (p: number): number => {
  if (!(p >= 0 && p <= 1)) return Number.NaN
  if (p === 0) return Number.NEGATIVE_INFINITY
  if (p === 1) return Number.POSITIVE_INFINITY
  if (p > 0.5) return -normalQuantile(1 - p)
  // lower tail: solve Φ(x) = p for x ≤ 0, starting from the tail asymptote x ≈ −√(−2 log p)
  return invert(normalCdf, normalPdf, p, -40, 0, p > 0.3 ? 0 : -Math.sqrt(-2 * Math.log(p)) + 1)
}

/** Student t upper tail P(T > t) with ν > 0 degrees of freedom: ½ I_{ν/(ν+t²)}(ν/2, ½). */
export const studentTSf = (t: number, df: number): number => {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN
  if (t === Number.POSITIVE_INFINITY) return 0
  if (t === Number.NEGATIVE_INFINITY) return 1
  const t2 = t * t
  const tail = 0.5 * betaI(df / (df + t2), df / 2, 0.5, t2 / (df + t2))
  return t >= 0 ? tail : 1 - tail
}

/** Student t CDF P(T ≤ t). */
export const studentTCdf = (t: number, df: number): number => studentTSf(-t, df)

/** Two-sided Student t p-value 2·P(T > |t|). */
export const studentTTwoSided = (t: number, df: number): number => {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN
  if (!Number.isFinite(t)) return 0
  const t2 = t * t
  return betaI(df / (df + t2), df / 2, 0.5, t2 / (df + t2))
}

/** Chi-square upper tail P(X > x) with k > 0 degrees of freedom: Q(k/2, x/2). */
export const chiSquareSf = (x: number, df: number): number => (x <= 0 && df > 0 ? 1 : gammaQ(df / 2, x / 2))

/** F(d1, d2) upper tail P(X > x) = I_{d2/(d2 + d1 x)}(d2/2, d1/2). */
export const fSf = (x: number, d1: number, d2: number): number => {
  if (Number.isNaN(x) || !(d1 > 0) || !(d2 > 0)) return Number.NaN
  if (x <= 0) return 1
  if (x === Number.POSITIVE_INFINITY) return 0
  const denominator = d2 + d1 * x
  return betaI(d2 / denominator, d2 / 2, d1 / 2, (d1 * x) / denominator)
}

/** Binomial CDF P(X ≤ k) for X ~ Binomial(n, p): I_{1−p}(n − k, k + 1) (NR eq. 6.4.12). */
export const binomialCdf = (k: number, n: number, p: number): number => {
  if (!(n >= 0) || !(p >= 0 && p <= 1) || Number.isNaN(k)) return Number.NaN
  const m = Math.floor(k)
  if (m < 0) return 0
  if (m >= n) return 1
  return betaI(1 - p, n - m, m + 1, p)
}

// The studentized range with ν = ∞ by the trapezoid rule on a fixed grid.
const Z_MAX = 10
const Z_STEP = 1 / 32
const GRID = Array.from({ length: Math.round((2 * Z_MAX) / Z_STEP) + 1 }, (_, i) => -Z_MAX + i * Z_STEP)
const GRID_PDF = GRID.map(normalPdf)

/** Φ(b) − Φ(a) for a ≤ b, from the tail where it does not cancel. */
const normalMass = (a: number, b: number): number => (a + b > 0 ? normalSf(a) - normalSf(b) : normalCdf(b) - normalCdf(a))

/**
 * CDF of the studentized range of k ≥ 2 independent standard normals with infinite degrees of
 * freedom, P(R ≤ q) = k ∫ φ(z) [Φ(z + q) − Φ(z)]^{k−1} dz.
 */
export const studentizedRangeCdf = (q: number, k: number): number => {
  if (!(k >= 2) || Number.isNaN(q)) return Number.NaN
  if (q <= 0) return 0
  if (q === Number.POSITIVE_INFINITY) return 1
  let s = 0
  for (let i = 0; i < GRID.length; i++) s += GRID_PDF[i] * normalMass(GRID[i], GRID[i] + q) ** (k - 1)
  return Math.min(1, k * s * Z_STEP)
}

/** Density of the studentized range (ν = ∞): k(k − 1) ∫ φ(z) φ(z + q) [Φ(z + q) − Φ(z)]^{k−2} dz. */
export const studentizedRangePdf = (q: number, k: number): number => {
  if (!(k >= 2) || Number.isNaN(q)) return Number.NaN
  if (q < 0 || q === Number.POSITIVE_INFINITY) return 0
  let s = 0
  for (let i = 0; i < GRID.length; i++) s += GRID_PDF[i] * normalPdf(GRID[i] + q) * normalMass(GRID[i], GRID[i] + q) ** (k - 2)
  return k * (k - 1) * s * Z_STEP
}

/**
 * Quantile of the studentized range (ν = ∞): the q with P(R ≤ q) = p, for k ≥ 2 and 0 < p < 1.
 * Demšar (2006) Table 5 lists q_α/√2 for α = 0.05, 0.10 to three decimals; this computes it.
 */
export const studentizedRangeQuantile = (p: number, k: number): number => {
  if (!(k >= 2) || !(p > 0 && p < 1)) return Number.NaN
  return invert((q) => studentizedRangeCdf(q, k), (q) => studentizedRangePdf(q, k), p, 0, 40, 3)
}
