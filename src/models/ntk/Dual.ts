/**
 * Dual activations: the bivariate Gaussian expectations that carry a covariance through one
 * nonlinearity of an infinitely wide layer,
 *   E[φ(u)φ(v)] and E[φ′(u)φ′(v)],  (u, v) ~ N(0, [[a, c], [c, b]]),  ρ = c/√(ab).
 *
 * Conventions: float64; scalar closed forms write `out` = [E φφ, E φ′φ′] (no allocation in the
 * kernel loops); ρ is clamped to [−1, 1]; a zero variance gives ρ = 0.
 *
 * Closed forms: relu (arc-cosine kernels of degree 1 and 0, Cho & Saul, NeurIPS 2009), erf
 * (Williams, NeurIPS 1997), linear.
 *
 * Every other activation goes through Gauss–Hermite quadrature in the form of Mehler's formula:
 * with h_k = He_k/√k! the orthonormal Hermite polynomials and, per point, the coefficients
 * c_k(a) = E[φ(√a z) h_k(z)] (one-dimensional Gauss sums),
 *   E[φ(u)φ(v)] = Σ_k ρ^k c_k(a) c_k(b)     (and the same with φ′ for the NTK term).
 * The quadrature is done once per point and layer; an entry then costs a K-term Horner sum, and
 * the truncated kernel is itself exactly positive semi-definite. The coefficients use the
 * half-normal Gauss rule mirrored about 0 (2 × 300 nodes), exact for activations that are
 * polynomial on each side of 0, so a kink at 0 costs no accuracy. K is the first number of terms
 * at which every point's tail T_i = E[φ(√aᵢ z)²] − Σ_{k<K} c_k² is below `tolerance`·E_i, so by
 * Cauchy–Schwarz every entry satisfies
 *   |error_ij| ≤ √(T_i T_j) ≤ tolerance · √(E_i E_j),
 * and `Series.truncation` reports the bound reached (it exceeds `tolerance` only when a point
 * needs more than `maxTerms` terms). Measured with the defaults (≤ 300 terms, tolerance 1e-12):
 * erf, tanh, GELU, SiLU agree with closed forms / brute-force 2-d quadrature to ~1e-14 relative
 * for variances ≤ 4; tanh at variance 8 reaches a bound of ~6e-7. Kinked activations converge
 * slowly near ρ = ±1 (relu: exact to 1e-15 for |ρ| ≤ 0.9 but a bound of 1.5e-2 at ρ = 1), which is
 * why relu keeps its closed form. tests/ntkDual.test.ts checks these figures.
 *
 * Citation: Mehler (1866); Daniely, Frostig & Singer, NeurIPS 2016 (dual activations via Hermite
 * expansions); Gautschi, Orthogonal Polynomials (2004) for the half-normal rule.
 */
import type * as Activation from "./Activation.ts"
import * as Quadrature from "./Quadrature.ts"

const TWO_PI = 2 * Math.PI

/** Closed-form relu dual: E[relu u relu v] = √(ab)(sin θ + (π − θ) cos θ)/2π, E[step step] = (π − θ)/2π. */
export const relu = (a: number, b: number, c: number, out: Float64Array): void => {
  const norm = Math.sqrt(a * b)
  let rho = norm > 0 ? c / norm : 0
  if (rho > 1) rho = 1
  else if (rho < -1) rho = -1
  const theta = Math.acos(rho)
  const pmt = Math.PI - theta
  out[0] = (norm * (Math.sqrt(1 - rho * rho) + pmt * rho)) / TWO_PI
  out[1] = pmt / TWO_PI
}

/** Closed-form erf dual: (2/π) asin(2c/√((1+2a)(1+2b))) and (4/π)/√((1+2a)(1+2b) − 4c²). */
export const erf = (a: number, b: number, c: number, out: Float64Array): void => {
  let s = (2 * c) / Math.sqrt((1 + 2 * a) * (1 + 2 * b))
  if (s > 1) s = 1
  else if (s < -1) s = -1
  out[0] = (2 / Math.PI) * Math.asin(s)
  out[1] = 4 / Math.PI / Math.sqrt(1 + 2 * (a + b) + 4 * Math.max(a * b - c * c, 0))
}

/** The identity: E[uv] = c, E[1·1] = 1. */
export const linear = (_a: number, _b: number, c: number, out: Float64Array): void => {
  out[0] = c
  out[1] = 1
}

export interface SeriesOptions {
  /** Nodes of the half-normal Gauss rule on each side of 0 (≤ 300, and ≥ `maxTerms`). */
  readonly halfNodes: number
  /** The most terms K any point may use. */
  readonly maxTerms: number
  /** Relative tail at which a point's series is cut (≥ 1e-14: the tail is a difference of sums). */
  readonly tolerance: number
}

export const defaultSeriesOptions: SeriesOptions = { halfNodes: 300, maxTerms: 300, tolerance: 1e-12 }

/** Hermite coefficients of φ(√aᵢ z) and φ′(√aᵢ z) for a set of points, K = `terms` each. */
export interface Series {
  readonly terms: number
  /** (points × terms) row-major: c_k(aᵢ) = E[φ(√aᵢ z) h_k(z)]. */
  readonly value: Float64Array
  /** (points × terms) row-major: the same for φ′. */
  readonly slope: Float64Array
  /** The largest relative tail left by any point's cut: the entrywise error bound (see above). */
  readonly truncation: number
}

interface Basis {
  readonly nodes: Float64Array
  readonly weights: Float64Array
  /** (maxTerms × nodes) row-major h_k(z_i): row k is contiguous for the coefficient sums. */
  readonly h: Float64Array
  readonly maxTerms: number
}

// A rule is a pure function of its sizes: build each once per process.
const bases = new Map<string, Basis>()

const basis = (halfNodes: number, maxTerms: number): Basis => {
  const key = `${halfNodes}/${maxTerms}`
  const cached = bases.get(key)
  if (cached !== undefined) return cached
  // The half-normal rule mirrored about 0: exact for piecewise polynomials with a break at 0.
  const half = Quadrature.halfHermite(halfNodes)
  const m = 2 * halfNodes
  const nodes = new Float64Array(m)
  const weights = new Float64Array(m)
  for (let i = 0; i < halfNodes; i++) {
    nodes[halfNodes - 1 - i] = -half.nodes[i]
    weights[halfNodes - 1 - i] = half.weights[i]
    nodes[halfNodes + i] = half.nodes[i]
    weights[halfNodes + i] = half.weights[i]
  }
  const h = new Float64Array(m * maxTerms)
  for (let i = 0; i < m; i++) {
    if (weights[i] === 0) continue // far-tail node: h_k may overflow, and it never counts
    const z = nodes[i]
    let prev = 0
    let cur = 1
    for (let k = 0; k < maxTerms; k++) {
      h[k * m + i] = cur
      const next = (z * cur - Math.sqrt(k) * prev) / Math.sqrt(k + 1)
      prev = cur
      cur = next
    }
  }
  const out = { nodes, weights, h, maxTerms }
  bases.set(key, out)
  return out
}

/** w∘f(√a z) at the nodes and E[f(√a z)²]. */
const weighted = (b: Basis, f: (x: number) => number, a: number): { readonly fw: Float64Array; readonly total: number } => {
  const sa = Math.sqrt(Math.max(a, 0))
  const m = b.nodes.length
  const fw = new Float64Array(m)
  let total = 0
  for (let i = 0; i < m; i++) {
    const w = b.weights[i]
    if (w === 0) continue
    const v = f(sa * b.nodes[i])
    fw[i] = w * v
    total += w * v * v
  }
  return { fw, total }
}

/** c_k = Σᵢ fwᵢ h_k(zᵢ) into out[k] for k in [from, to); returns Σ c_k² over those k. */
const fill = (b: Basis, fw: Float64Array, out: Float64Array, from: number, to: number): number => {
  const m = fw.length
  let sum = 0
  for (let k = from; k < to; k++) {
    const row = k * m
    let c = 0
    for (let i = 0; i < m; i++) c += fw[i] * b.h[row + i]
    out[k] = c
    sum += c * c
  }
  return sum
}

/** The number of terms after which f's relative tail first drops to `tolerance` (≤ maxTerms). */
const cut = (b: Basis, fw: Float64Array, total: number, tolerance: number, out: Float64Array): number => {
  if (total === 0) return 0
  let partial = 0
  for (let k = 0; k < b.maxTerms; k++) {
    partial += fill(b, fw, out, k, k + 1)
    if (total - partial <= tolerance * total) return k + 1
  }
  return b.maxTerms
}

/**
 * The Hermite series of φ and φ′ at each variance in `variances` (one per point), for Mehler
 * evaluation with `mehler`. All points share one number of terms K, so the bound √(T_i T_j) holds
 * for every pair. Cost O(distinct variances × nodes × K); equal variances share one computation.
 */
export const series = (act: Activation.Activation, variances: ArrayLike<number>, options: SeriesOptions = defaultSeriesOptions): Series => {
  const b = basis(options.halfNodes, options.maxTerms)
  const distinct = Float64Array.from(new Set(Array.from(variances))).sort()
  if (distinct.length === 0) return { terms: 0, value: new Float64Array(0), slope: new Float64Array(0), truncation: 0 }
  // Pass 1: K from nine quantiles of the variances (the tail grows with the variance for the
  // usual activations; pass 2 measures every point's tail, so a miss shows in `truncation`).
  const scratch = new Float64Array(options.maxTerms)
  let terms = 0
  for (let q = 0; q <= 8; q++) {
    const a = distinct[Math.round((q / 8) * (distinct.length - 1))]
    for (const f of [act.value, act.slope]) {
      const { fw, total } = weighted(b, f, a)
      terms = Math.max(terms, cut(b, fw, total, options.tolerance, scratch))
    }
  }
  // Pass 2: every distinct variance to the common K, with its tail there.
  const rows = new Map<number, { readonly value: Float64Array; readonly slope: Float64Array }>()
  let truncation = 0
  for (const a of distinct) {
    const value = new Float64Array(terms)
    const slope = new Float64Array(terms)
    for (const [f, out] of [[act.value, value], [act.slope, slope]] as const) {
      const { fw, total } = weighted(b, f, a)
      const partial = fill(b, fw, out, 0, terms)
      if (total > 0) truncation = Math.max(truncation, Math.max(total - partial, 0) / total)
    }
    rows.set(a, { value, slope })
  }
  const n = variances.length
  const value = new Float64Array(n * terms)
  const slope = new Float64Array(n * terms)
  for (let p = 0; p < n; p++) {
    const row = rows.get(variances[p])!
    value.set(row.value, p * terms)
    slope.set(row.slope, p * terms)
  }
  return { terms, value, slope, truncation }
}

/**
 * E[φ(u)φ(v)] and E[φ′(u)φ′(v)] for points i and j of `s` at correlation ρ, by Mehler's formula
 * (Horner in ρ).
 */
export const mehler = (s: Series, i: number, j: number, rho: number, out: Float64Array): void => {
  const K = s.terms
  const c = s.value
  const d = s.slope
  const oi = i * K
  const oj = j * K
  let s0 = 0
  let s1 = 0
  for (let k = K - 1; k >= 0; k--) {
    s0 = s0 * rho + c[oi + k] * c[oj + k]
    s1 = s1 * rho + d[oi + k] * d[oj + k]
  }
  out[0] = s0
  out[1] = s1
}
