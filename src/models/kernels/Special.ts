/**
 * The special functions the general-ν Matérn kernel needs, in float64: log Γ(x) and the modified
 * Bessel function of the second kind K_ν(x) for real order ν ≥ 0 and x > 0.
 *
 * Conventions: relative accuracy about 1e-15 for log Γ on x > 0 (Lanczos, g = 7, nine terms) and
 * about 1e-14 for K_ν (checked against scipy.special.kv and the closed forms of half-integer
 * orders in tests/kernels-special.test.ts). K_ν(x) underflows to 0 for x ≳ 705 and overflows to
 * Infinity only for x so small that no kernel distance reaches it.
 *
 * Algorithm for K_ν (Numerical Recipes `bessik`, the K part): write ν = N + μ with |μ| ≤ ½; get
 * K_μ and K_{μ+1} from Temme's series for x ≤ 2 or Steed's continued fraction CF2 (Thompson &
 * Barnett) for x > 2, then recur upwards K_{μ+k+1} = (2(μ+k)/x)·K_{μ+k} + K_{μ+k−1}, which is
 * stable for K. Temme's Γ₁, Γ₂ come from the Taylor series of 1/Γ(1+z) (A&S 6.1.34), not the
 * book's Chebyshev fits.
 *
 * Citation: N. M. Temme, J. Comput. Phys. 19 (1975) 324–337; Press et al., Numerical Recipes
 * (3rd ed.) §6.6.2; Abramowitz & Stegun 6.1.34; Lanczos, SIAM J. Numer. Anal. B1 (1964).
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7
]

/** log Γ(x) for x > 0 (NaN otherwise). Reflection keeps 0 < x < ½ accurate. */
export const logGamma = (x: number): number => {
  if (!(x > 0)) return Number.NaN
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/** A&S 6.1.34: 1/Γ(z) = Σ_{k≥1} c_k z^k; RECIPROCAL_GAMMA[k−1] = c_k. */
const RECIPROCAL_GAMMA = [
  1.0, 0.5772156649015329, -0.6558780715202538, -0.0420026350340952, 0.1665386113822915,
  -0.0421977345555443, -0.009621971527877, 0.007218943246663, -0.0011651675918591,
  -0.0002152416741149, 0.0001280502823882, -0.0000201348547807, -0.0000012504934821,
  0.000001133027232, -0.0000002056338417, 0.000000006116095, 0.0000000050020075,
  -0.0000000011812746, 0.0000000001043427, 0.0000000000077823, -0.0000000000036968,
  0.00000000000051, -0.0000000000000206, -0.0000000000000054, 0.0000000000000014,
  0.0000000000000001
]

/**
 * Temme's Γ₁(μ) = (1/Γ(1−μ) − 1/Γ(1+μ))/(2μ) and Γ₂(μ) = (1/Γ(1−μ) + 1/Γ(1+μ))/2 for |μ| ≤ ½,
 * summed from the series so that neither suffers cancellation near μ = 0.
 */
const temmeGammas = (mu: number): { gam1: number; gam2: number } => {
  const m2 = mu * mu
  // 1/Γ(1+μ) = Σ c_k μ^{k−1}: even powers come from odd k, odd powers from even k
  let gam1 = 0
  let gam2 = 0
  for (let k = RECIPROCAL_GAMMA.length; k >= 1; k--) {
    if (k % 2 === 0) gam1 = gam1 * m2 - RECIPROCAL_GAMMA[k - 1]
    else gam2 = gam2 * m2 + RECIPROCAL_GAMMA[k - 1]
  }
  return { gam1, gam2 }
}

const EPS = 1e-16
const MAXIT = 10000

/** K_ν, K_{ν+1} and, when ν ≥ ½, K_{ν−1} (NaN otherwise) at x > 0. */
export interface BesselK {
  readonly k: number
  readonly kNext: number
  readonly kPrevious: number
}

/**
 * K_ν(x), K_{ν+1}(x) and (for ν ≥ ½) K_{ν−1}(x) in one evaluation. ν ≥ 0, x > 0.
 * Use `besselK` for K_ν alone. Gotcha: K_{ν−1} for ν < ½ is K_{1−ν}, a separate call.
 */
export const besselKWithNeighbours = (nu: number, x: number): BesselK => {
  if (!(x > 0) || !(nu >= 0)) return { k: Number.NaN, kNext: Number.NaN, kPrevious: Number.NaN }
  const nl = Math.floor(nu + 0.5)
  const mu = nu - nl
  const mu2 = mu * mu
  const xi = 1 / x
  const xi2 = 2 * xi
  let kMu: number
  let kMu1: number
  if (x < 2) {
    // Temme's series for K_μ and K_{μ+1}
    const x2 = 0.5 * x
    const pimu = Math.PI * mu
    const fact = Math.abs(pimu) < EPS ? 1 : pimu / Math.sin(pimu)
    const d = -Math.log(x2)
    const e = mu * d
    const fact2 = Math.abs(e) < EPS ? 1 : Math.sinh(e) / e
    const { gam1, gam2 } = temmeGammas(mu)
    const gampl = gam2 - mu * gam1 // 1/Γ(1+μ)
    const gammi = gam2 + mu * gam1 // 1/Γ(1−μ)
    let ff = fact * (gam1 * Math.cosh(e) + gam2 * fact2 * d)
    let sum = ff
    const ee = Math.exp(e)
    let p = (0.5 * ee) / gampl
    let q = 0.5 / (ee * gammi)
    let c = 1
    const dd = x2 * x2
    let sum1 = p
    let i = 1
    for (; i <= MAXIT; i++) {
      ff = (i * ff + p + q) / (i * i - mu2)
      c *= dd / i
      p /= i - mu
      q /= i + mu
      const del = c * ff
      sum += del
      sum1 += c * (p - i * ff)
      if (Math.abs(del) < Math.abs(sum) * EPS) break
    }
    kMu = sum
    kMu1 = sum1 * xi2
  } else {
    // Steed's algorithm for CF2 with Thompson–Barnett's sum for K_μ
    let b = 2 * (1 + x)
    let d = 1 / b
    let h = d
    let delh = d
    let q1 = 0
    let q2 = 1
    const a1 = 0.25 - mu2
    let q = a1
    let c = a1
    let a = -a1
    let s = 1 + q * delh
    for (let i = 2; i <= MAXIT; i++) {
      a -= 2 * (i - 1)
      c = (-a * c) / i
      const qnew = (q1 - b * q2) / a
      q1 = q2
      q2 = qnew
      q += c * qnew
      b += 2
      d = 1 / (b + a * d)
      delh = (b * d - 1) * delh
      h += delh
      const dels = q * delh
      s += dels
      if (Math.abs(dels / s) < EPS) break
    }
    h = a1 * h
    kMu = (Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x)) / s
    kMu1 = (kMu * (mu + x + 0.5 - h)) * xi
  }
  let previous = Number.NaN
  for (let i = 1; i <= nl; i++) {
    const next = (mu + i) * xi2 * kMu1 + kMu
    previous = kMu
    kMu = kMu1
    kMu1 = next
  }
  return { k: kMu, kNext: kMu1, kPrevious: previous }
}

/** K_ν(x), the modified Bessel function of the second kind, for real ν (K is even in ν) and x > 0. */
export const besselK = (nu: number, x: number): number => besselKWithNeighbours(Math.abs(nu), x).k
