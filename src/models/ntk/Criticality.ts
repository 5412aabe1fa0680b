/**
 * Mean-field signal propagation through a deep, infinitely wide fully-connected net at
 * initialisation: how the length of a pre-activation vector and the correlation between two
 * inputs' pre-activations evolve with depth, where the order/chaos boundary lies, and the depth
 * scales ξ_q and ξ_c over which information about the input survives.
 *
 * Conventions (the parameterisation of Arch.ts, "ntk-matched" init): W ~ N(0, σ_w²/fan_in),
 * b ~ N(0, σ_b²), so σ_w² = wStd² and σ_b² = bStd². Pre-activations of layer l are Gaussian with
 * variance q^l, and of two inputs jointly Gaussian with covariance q^l·c^l. Float64 throughout.
 *   length map       V(q)  = σ_w² E_{z~N(0,q)}[φ(z)²] + σ_b²,  fixed point q* (from q = 1);
 *   correlation map  f(c)  = (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*,  (u₁,u₂) ~ N(0, q*[[1,c],[c,1]]);
 *   χ₁  = σ_w² E_{z~N(0,q*)}[φ′(z)²] = f′(1)  (χ₁ < 1 ordered, χ₁ > 1 chaotic, = 1 critical);
 *   χ_c = σ_w² E[φ′(u₁)φ′(u₂)] at c* = f′(c*);
 *   ξ_q⁻¹ = −log(χ₁ + σ_w² E[φ″(z)φ(z)]) = −log V′(q*),  ξ_c⁻¹ = −log χ_c  (ξ_c → ∞ at χ₁ = 1).
 * V′(q) = σ_w²(E[φ′²] + E[φφ″]) by the Gaussian heat equation d/dq E[g(z)] = ½E[g″(z)].
 * c* is the stable fixed point of f on [0, 1]: f is convex and increasing there (a power series
 * in c with non-negative coefficients, Mehler), f(1) = 1, so c* = 1 when χ₁ ≤ 1 and the unique
 * root of f(c) = c in [0, 1) otherwise.
 *
 * Expectations: closed forms for relu, erf and linear (erf: E[φ²] = (2/π)asin(2q/(1+2q)),
 * E[φ′²] = (4/π)/√(1+4q), E[φφ″] = −(8/π)q/((1+2q)√(1+4q))); every other activation by
 * Gauss–Hermite (`Quadrature.hermite`, 300 nodes) in one dimension and Dual.ts (closed forms or
 * the Mehler series) for the correlation map. φ″ comes from Activation.ts
 * (relu's φ″ is a point mass at 0 where φ = 0, so E[φφ″] = 0 for it).
 *
 * Where q* = 0 (σ_b² = 0 and χ₁ ≤ 1 at q = 0, e.g. tanh with σ_w² ≤ 1) the correlation map is its
 * q → 0 limit, evaluated at q = 1e-200.
 *
 * Failures: negative or non-finite variances and unknown activations throw ConfigError naming the
 * parameter (synchronous numerics, as elsewhere in models/ntk).
 *
 * Citation: Poole et al., "Exponential expressivity in deep neural networks through transient
 * chaos", NeurIPS 2016 (arXiv:1606.05340); Schoenholz et al., "Deep Information Propagation",
 * ICLR 2017 (arXiv:1611.01232), eqs. (3)–(9).
 */
import { ConfigError } from "../../core/Errors.ts"
import * as Activation from "./Activation.ts"
import * as Dual from "./Dual.ts"
import * as Quadrature from "./Quadrature.ts"

/** Gauss–Hermite nodes for the one-dimensional expectations. */
export const NODES = 300
/** The variance at which a q* = 0 correlation map is evaluated (its q → 0 limit). */
const TINY_Q = 1e-200

let rule: Quadrature.Rule | undefined
const gauss = (): Quadrature.Rule => (rule ??= Quadrature.hermite(NODES))


/** φ″(x) of an activation (`Activation.curvature`). */
export const secondDerivative = (act: Activation.Activation): ((x: number) => number) => act.curvature

/** An activation by name (ConfigError on `field` when unknown) or as given. */
const resolve = (activation: string | Activation.Activation, field = "Criticality.activation"): Activation.Activation =>
  typeof activation === "string" ? Activation.get(activation, field) : activation

const checkVariance = (value: number, field: string): void => {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError({ field, message: `${field} = ${value}: a variance must be finite and ≥ 0` })
  }
}

/** E_{z~N(0,q)}[g(z)] by Gauss–Hermite. */
export const gaussian = (g: (x: number) => number, q: number): number => {
  const { nodes, weights } = gauss()
  const s = Math.sqrt(Math.max(q, 0))
  let sum = 0
  for (let i = 0; i < nodes.length; i++) {
    const w = weights[i]
    if (w !== 0) sum += w * g(s * nodes[i])
  }
  return sum
}

/** The one-dimensional moments at variance q: E[φ²], E[φ′²], E[φφ″]. */
export interface Moments {
  readonly phi2: number
  readonly slope2: number
  readonly phiCurv: number
}

export const moments = (activation: string | Activation.Activation, q: number): Moments => {
  const act = resolve(activation)
  checkVariance(q, "Criticality.q")
  switch (act.dual) {
    case "relu":
      return { phi2: q / 2, slope2: 0.5, phiCurv: 0 }
    case "linear":
      return { phi2: q, slope2: 1, phiCurv: 0 }
    case "erf": {
      const root = Math.sqrt(1 + 4 * q)
      return {
        phi2: (2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)),
        slope2: 4 / Math.PI / root,
        phiCurv: (-8 / Math.PI) * q / ((1 + 2 * q) * root)
      }
    }
    case "quadrature": {
      const curv = secondDerivative(act)
      return {
        phi2: gaussian((x) => act.value(x) ** 2, q),
        slope2: gaussian((x) => act.slope(x) ** 2, q),
        phiCurv: gaussian((x) => act.value(x) * curv(x), q)
      }
    }
  }
}

/** The length map V(q) = σ_w² E[φ(z)²] + σ_b², z ~ N(0, q). */
export const lengthMap = (activation: string | Activation.Activation, weightVariance: number, biasVariance: number, q: number): number => {
  checkVariance(weightVariance, "Criticality.weightVariance")
  checkVariance(biasVariance, "Criticality.biasVariance")
  return weightVariance * moments(activation, q).phi2 + biasVariance
}

export interface LengthFixedPoint {
  /** q*: the limit of q^l from q⁰ = 1 (Infinity when q^l grows without bound). */
  readonly q: number
  readonly converged: boolean
  /** "iteration" when plain iteration met the tolerance; "bracket" when a bisection finished it. */
  readonly method: "iteration" | "bracket" | "diverged"
  readonly iterations: number
}

export interface FixedPointOptions {
  /** Plain iterations before the bracketing solve takes over. Default 500. */
  readonly iterations?: number
  /** Relative tolerance on q. Default 1e-13. */
  readonly tolerance?: number
}

/** q beyond which the length map is taken to diverge (relu with σ_w² > 2, linear with σ_w² > 1). */
const Q_MAX = 1e12

/**
 * q*, the fixed point of the length map reached from q = 1. Plain iteration first; where it is
 * slow (V′(q*) near 1, e.g. tanh with σ_b² = 0 near σ_w² = 1) the monotone iterates bracket the
 * fixed point and bisection on V(q) − q finishes it. q* = 0 when the iterates fall to 0 (σ_b² = 0
 * and V′(0) ≤ 1).
 */
export const lengthFixedPoint = (
  activation: string | Activation.Activation,
  weightVariance: number,
  biasVariance: number,
  options: FixedPointOptions = {}
): LengthFixedPoint => {
  const act = resolve(activation)
  checkVariance(weightVariance, "Criticality.weightVariance")
  checkVariance(biasVariance, "Criticality.biasVariance")
  const maxIterations = options.iterations ?? 500
  const tolerance = options.tolerance ?? 1e-13
  const V = (q: number) => weightVariance * moments(act, q).phi2 + biasVariance
  let q = 1
  let previous = 1
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    const next = V(q)
    if (!Number.isFinite(next) || next > Q_MAX) return { q: Number.POSITIVE_INFINITY, converged: false, method: "diverged", iterations: iterations + 1 }
    previous = q
    q = next
    if (Math.abs(q - previous) <= tolerance * q || q === 0) return { q, converged: true, method: "iteration", iterations: iterations + 1 }
  }
  // Bracket: g(q) = V(q) − q changes sign between the last iterate and a point beyond it.
  const g = (x: number) => V(x) - x
  let lo: number
  let hi: number
  if (q < previous) {
    // Falling: g(q) < 0; halve until g > 0 (or reach 0: then q* = 0).
    hi = q
    lo = q / 2
    while (lo > 0 && !(g(lo) > 0)) {
      hi = lo
      lo /= 2
    }
    if (lo === 0) return { q: 0, converged: true, method: "bracket", iterations }
  } else {
    lo = q
    hi = 2 * q
    while (hi <= Q_MAX && !(g(hi) < 0)) {
      lo = hi
      hi *= 2
    }
    if (hi > Q_MAX) return { q: Number.POSITIVE_INFINITY, converged: false, method: "diverged", iterations }
  }
  for (let i = 0; i < 200 && hi - lo > tolerance * hi; i++) {
    const mid = 0.5 * (lo + hi)
    if (g(mid) > 0) lo = mid
    else hi = mid
  }
  return { q: 0.5 * (lo + hi), converged: true, method: "bracket", iterations }
}

/** [E φ(u₁)φ(u₂), E φ′(u₁)φ′(u₂)] as a function of c at a fixed variance q (one Dual series per q). */
export type Bivariate = (c: number) => readonly [number, number]

export const bivariate = (activation: string | Activation.Activation, q: number): Bivariate => {
  const act = resolve(activation)
  checkVariance(q, "Criticality.q")
  const a = Math.max(q, TINY_Q)
  const out = new Float64Array(2)
  switch (act.dual) {
    case "relu":
      return (c) => (Dual.relu(a, a, c * a, out), [out[0], out[1]] as const)
    case "erf":
      return (c) => (Dual.erf(a, a, c * a, out), [out[0], out[1]] as const)
    case "linear":
      return (c) => (Dual.linear(a, a, c * a, out), [out[0], out[1]] as const)
    case "quadrature": {
      const series = Dual.series(act, [a])
      return (c) => (Dual.mehler(series, 0, 0, Math.max(-1, Math.min(1, c)), out), [out[0], out[1]] as const)
    }
  }
}

/** The correlation map c ↦ f(c) and its slope f′(c) = σ_w² E[φ′(u₁)φ′(u₂)] at the variance q*. */
export interface CorrelationMap {
  readonly value: (c: number) => number
  readonly slope: (c: number) => number
}

export const correlationMap = (
  activation: string | Activation.Activation,
  weightVariance: number,
  biasVariance: number,
  qStar: number
): CorrelationMap => {
  checkVariance(weightVariance, "Criticality.weightVariance")
  checkVariance(biasVariance, "Criticality.biasVariance")
  const E = bivariate(activation, qStar)
  const q = Math.max(qStar, TINY_Q)
  return {
    value: (c) => (weightVariance * E(c)[0] + biasVariance) / q,
    slope: (c) => weightVariance * E(c)[1]
  }
}

/**
 * c*, the stable fixed point of the correlation map on [0, 1]: 1 when f′(1) ≤ 1 (ordered), else
 * the root of f(c) = c in [0, 1) by bisection (to 1e-15).
 */
export const correlationFixedPoint = (map: CorrelationMap, chi1: number): number => {
  if (chi1 <= 1) return 1
  const g = (c: number) => map.value(c) - c
  let lo = 0
  if (!(g(lo) > 0)) return 0
  // Find a point below 1 where g < 0 (g(1) = 0 and g′(1) = χ₁ − 1 > 0).
  let delta = 0.5
  let hi = 1 - delta
  for (;;) {
    const value = g(hi)
    if (value < 0) break
    if (value > 0) lo = hi
    delta /= 2
    if (delta < 1e-15) return 1
    hi = 1 - delta
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = 0.5 * (lo + hi)
    if (g(mid) > 0) lo = mid
    else hi = mid
  }
  return 0.5 * (lo + hi)
}

/** Everything mean-field theory says about one (activation, σ_w², σ_b²). */
export interface Propagation {
  readonly activation: Activation.Name
  readonly weightVariance: number
  readonly biasVariance: number
  readonly qStar: number
  readonly converged: boolean
  readonly cStar: number
  /** σ_w² E[φ′(z)²] at q*: the slope of the correlation map at c = 1. */
  readonly chi1: number
  /** σ_w² E[φ′(u₁)φ′(u₂)] at (q*, c*). */
  readonly chiC: number
  /** V′(q*) = χ₁ + σ_w² E[φφ″]. */
  readonly lengthSlope: number
  /** −1/log V′(q*) (Infinity where V′(q*) ≥ 1). */
  readonly xiQ: number
  /** −1/log χ_c (Infinity where χ_c ≥ 1: the critical line). */
  readonly xiC: number
}

const depthScale = (rate: number): number => (rate >= 1 ? Number.POSITIVE_INFINITY : rate <= 0 ? 0 : -1 / Math.log(rate))

/** χ₁ = σ_w² E_{z~N(0,q)}[φ′(z)²]. */
export const chi1 = (activation: string | Activation.Activation, weightVariance: number, q: number): number => {
  checkVariance(weightVariance, "Criticality.weightVariance")
  return weightVariance * moments(activation, q).slope2
}

export const propagation = (
  activation: string | Activation.Activation,
  weightVariance: number,
  biasVariance: number,
  options: FixedPointOptions = {}
): Propagation => {
  const act = resolve(activation)
  const fixed = lengthFixedPoint(act, weightVariance, biasVariance, options)
  const base = { activation: act.name, weightVariance, biasVariance, qStar: fixed.q, converged: fixed.converged }
  if (!Number.isFinite(fixed.q)) {
    return { ...base, cStar: Number.NaN, chi1: Number.NaN, chiC: Number.NaN, lengthSlope: Number.NaN, xiQ: Number.NaN, xiC: Number.NaN }
  }
  const m = moments(act, fixed.q)
  const x1 = weightVariance * m.slope2
  const lengthSlope = x1 + weightVariance * m.phiCurv
  const map = correlationMap(act, weightVariance, biasVariance, fixed.q)
  const cStar = correlationFixedPoint(map, x1)
  const chiC = cStar === 1 ? x1 : map.slope(cStar)
  return { ...base, cStar, chi1: x1, chiC, lengthSlope, xiQ: depthScale(lengthSlope), xiC: depthScale(chiC) }
}

/**
 * σ_w² on the critical line χ₁(σ_w², σ_b²) = 1 at the given σ_b², by bisection (relative
 * tolerance 1e-15) on the smallest bracket [σ_w²/2, σ_w²] found by doubling from 1. A ConfigError
 * when χ₁ stays below 1 up to σ_w² = 2²⁰ (no critical line for this activation and σ_b²).
 */
export const criticalWeightVariance = (activation: string | Activation.Activation, biasVariance: number): number => {
  const act = resolve(activation)
  checkVariance(biasVariance, "Criticality.biasVariance")
  const chi = (w: number): number => {
    const q = lengthFixedPoint(act, w, biasVariance).q
    return Number.isFinite(q) ? chi1(act, w, q) : Number.POSITIVE_INFINITY
  }
  let lo = 0
  let hi = 1
  while (!(chi(hi) >= 1)) {
    lo = hi
    hi *= 2
    if (hi > 2 ** 20) {
      throw new ConfigError({ field: "Criticality.biasVariance", message: `χ₁ < 1 for every σ_w² ≤ 2²⁰ with ${act.name} and σ_b² = ${biasVariance}: no order/chaos transition` })
    }
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi)
    if (chi(mid) < 1) lo = mid
    else hi = mid
  }
  return 0.5 * (lo + hi)
}
