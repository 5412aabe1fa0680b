/**
 * Covariance kernels as values: a small algebra of families (RBF, Matérn, rational quadratic,
 * periodic, linear, white noise, constant) combined by `sum`, `product` and `scale`, each
 * hyperparameter declared with its bounds, and the kernel matrix, its diagonal and its exact
 * gradients with respect to the log-hyperparameters.
 *
 * Conventions (scikit-learn's, so that fitted values compare one to one):
 * - float64, inputs X (n × d) row-major; kernel matrices (n × m) row-major.
 * - Length-scales divide the inputs: r² = Σ_d ((x_d − x'_d)/ℓ_d)², one ℓ (isotropic) or one per
 *   column (ARD). RBF = exp(−r²/2); Matérn-ν = 2^{1−ν}/Γ(ν)·z^ν·K_ν(z), z = √(2ν)·r (closed forms
 *   for ν = ½, 3/2, 5/2); RQ = (1 + r²/(2α))^{−α}; periodic = exp(−2·Σ_d sin²(π|x_d − x'_d|/p)/ℓ²);
 *   linear = σ0² + x·x'; white = noise·[x is x'] ; constant = c. Amplitudes are a `constant`
 *   factor (`scale`), as sklearn's ConstantKernel: the constant IS the variance, not its square root.
 * - Optimisation happens in log space: `theta` gives log θ of the free hyperparameters, `bounds`
 *   their log bounds, and gradients are ∂K/∂log θ_j = θ_j·∂K/∂θ_j.
 * - Hyperparameter order: depth first, left operand before right; inside a family alphabetical
 *   as in sklearn (RQ: alpha, lengthScale; periodic: lengthScale, period). So
 *   `sum(scale(rbf(), …), white())` has order [amplitude, lengthScale, noise].
 * - White noise appears on the diagonal of `matrix(k, X)` and in `diag(k, X)`, but `matrix(k, X, Y)`
 *   with Y given (even Y = X) has none: noise is independent between distinct evaluations.
 * - Where a likelihood search starts beyond the kernel's own values is part of each family's
 *   definition: `startsFromData` states the rule (spread of the inputs for length-scales, y's
 *   variance for amplitudes and noise, periodogram peaks for periods).
 * - `format` prints a kernel as scikit-learn prints its fitted `kernel_`; `describe` is the
 *   shorter form with gpnn's names.
 *
 * Citation: Rasmussen & Williams, Gaussian Processes for Machine Learning (2006), ch. 4 and §5.4.1;
 * scikit-learn `sklearn.gaussian_process.kernels`.
 */
import { ConfigError, DataError } from "../../core/Errors.ts"
import * as Blas from "../../linalg/Blas.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import type * as FitFacts from "../FitFacts.ts"
import * as Periodogram from "./Periodogram.ts"
import * as Special from "./Special.ts"

export type Bounds = readonly [number, number] | "fixed"

/** One hyperparameter: its natural (not log) value and either positive bounds or "fixed". */
export interface Hyperparameter {
  readonly name: string
  readonly value: number
  readonly bounds: Bounds
}

export interface Rbf {
  readonly _tag: "Rbf"
  /** One entry: isotropic; d entries: ARD. */
  readonly lengthScale: ReadonlyArray<Hyperparameter>
}
export interface Matern {
  readonly _tag: "Matern"
  /** Smoothness ν > 0, fixed (not optimised, as in sklearn). */
  readonly nu: number
  readonly lengthScale: ReadonlyArray<Hyperparameter>
}
export interface RationalQuadratic {
  readonly _tag: "RationalQuadratic"
  readonly alpha: Hyperparameter
  readonly lengthScale: ReadonlyArray<Hyperparameter>
}
export interface Periodic {
  readonly _tag: "Periodic"
  readonly lengthScale: Hyperparameter
  readonly period: Hyperparameter
}
export interface Linear {
  readonly _tag: "Linear"
  readonly sigma0: Hyperparameter
}
export interface White {
  readonly _tag: "White"
  readonly noise: Hyperparameter
}
export interface Constant {
  readonly _tag: "Constant"
  readonly value: Hyperparameter
}
export interface Sum {
  readonly _tag: "Sum"
  readonly left: Kernel
  readonly right: Kernel
}
export interface Product {
  readonly _tag: "Product"
  readonly left: Kernel
  readonly right: Kernel
}

export type Kernel = Rbf | Matern | RationalQuadratic | Periodic | Linear | White | Constant | Sum | Product

// ---------------------------------------------------------------------------------------------
// Construction

const DEFAULT_BOUNDS: Bounds = [1e-5, 1e5]

const hyperparameter = (family: string, name: string, value: number, bounds: Bounds): Hyperparameter => {
  const field = `kernel.${family}.${name}`
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError({ field, message: `${family} ${name} must be a finite positive number, got ${value}` })
  }
  if (bounds !== "fixed") {
    const [lo, hi] = bounds
    if (!(lo > 0) || !(hi > lo) || !Number.isFinite(hi)) {
      throw new ConfigError({ field, message: `${family} ${name} bounds must satisfy 0 < lo < hi < ∞ (they are searched in log space), got [${lo}, ${hi}]` })
    }
    if (value < lo || value > hi) {
      throw new ConfigError({ field, message: `${family} ${name} = ${value} lies outside its bounds [${lo}, ${hi}]: widen the bounds or change the value` })
    }
  }
  return { name, value, bounds }
}

const lengthScales = (family: string, lengthScale: number | ReadonlyArray<number>, bounds: Bounds): ReadonlyArray<Hyperparameter> => {
  if (typeof lengthScale === "number") return [hyperparameter(family, "lengthScale", lengthScale, bounds)]
  if (lengthScale.length === 0) throw new ConfigError({ field: `kernel.${family}.lengthScale`, message: `${family} ARD length-scales: give at least one (one per input column)` })
  return lengthScale.map((v, d) => hyperparameter(family, `lengthScale[${d}]`, v, bounds))
}

export interface StationaryOptions {
  /** A number (isotropic) or one per input column (ARD). Default 1. */
  readonly lengthScale?: number | ReadonlyArray<number>
  /** Shared by every ARD length-scale. Default [1e-5, 1e5]. */
  readonly lengthScaleBounds?: Bounds
}

/** Squared-exponential exp(−r²/2): infinitely smooth functions. sklearn `RBF`. */
export const rbf = (options: StationaryOptions = {}): Kernel => ({
  _tag: "Rbf",
  lengthScale: lengthScales("rbf", options.lengthScale ?? 1, options.lengthScaleBounds ?? DEFAULT_BOUNDS)
})

/**
 * Matérn-ν, functions ⌈ν⌉−1 times differentiable. ν = ½, 3/2, 5/2 use closed forms; any other
 * ν > 0 goes through the Bessel function K_ν (about 30× slower per entry). sklearn `Matern`.
 * Gotcha: ν is fixed; ν → ∞ is `rbf`.
 */
export const matern = (options: StationaryOptions & { readonly nu: number }): Kernel => {
  if (!(options.nu > 0) || !Number.isFinite(options.nu)) {
    throw new ConfigError({ field: "kernel.matern.nu", message: `Matérn smoothness ν must be finite and > 0 (e.g. 0.5, 1.5, 2.5), got ${options.nu}; for ν = ∞ use rbf` })
  }
  return {
    _tag: "Matern",
    nu: options.nu,
    lengthScale: lengthScales("matern", options.lengthScale ?? 1, options.lengthScaleBounds ?? DEFAULT_BOUNDS)
  }
}

/** exp(−r): Matérn ν = ½, the Ornstein–Uhlenbeck covariance (continuous, nowhere differentiable paths). */
export const exponential = (options: StationaryOptions = {}): Kernel => matern({ ...options, nu: 0.5 })

/**
 * Rational quadratic (1 + r²/(2α))^{−α}: a scale mixture of RBFs; α → ∞ gives RBF.
 * sklearn `RationalQuadratic` (isotropic there; ARD length-scales allowed here).
 */
export const rationalQuadratic = (
  options: StationaryOptions & { readonly alpha?: number; readonly alphaBounds?: Bounds } = {}
): Kernel => ({
  _tag: "RationalQuadratic",
  alpha: hyperparameter("rq", "alpha", options.alpha ?? 1, options.alphaBounds ?? DEFAULT_BOUNDS),
  lengthScale: lengthScales("rq", options.lengthScale ?? 1, options.lengthScaleBounds ?? DEFAULT_BOUNDS)
})

/**
 * Periodic exp(−2·Σ_d sin²(π|x_d − x'_d|/p)/ℓ²), a product over input columns of sklearn's
 * `ExpSineSquared`, equal to it on 1-d inputs.
 *
 * Gotchas: sklearn applies the sine to the Euclidean distance, which is not positive definite for
 * d > 1 inputs (its Cholesky fails on 2-d data); the per-dimension product is, being a product of
 * PD kernels. The lecture's θ1·exp(−θ2·cos(|x − x'|/θ3)) is the same family with θ2's sign
 * flipped: 2 sin²(u) = 1 − cos(2u), so exp(−2 sin²(πd/p)/ℓ²) ∝ exp(+cos(2πd/p)/ℓ²), i.e.
 * θ2 = −1/ℓ² < 0 and θ3 = p/(2π). With θ2 > 0 the lecture's form is not positive definite.
 */
export const periodic = (
  options: { readonly lengthScale?: number; readonly period?: number; readonly lengthScaleBounds?: Bounds; readonly periodBounds?: Bounds } = {}
): Kernel => ({
  _tag: "Periodic",
  lengthScale: hyperparameter("periodic", "lengthScale", options.lengthScale ?? 1, options.lengthScaleBounds ?? DEFAULT_BOUNDS),
  period: hyperparameter("periodic", "period", options.period ?? 1, options.periodBounds ?? DEFAULT_BOUNDS)
})

/** Linear σ0² + x·x' (Bayesian linear regression with an intercept of prior variance σ0²). sklearn `DotProduct`. */
export const linear = (options: { readonly sigma0?: number; readonly sigma0Bounds?: Bounds } = {}): Kernel => ({
  _tag: "Linear",
  sigma0: hyperparameter("linear", "sigma0", options.sigma0 ?? 1, options.sigma0Bounds ?? DEFAULT_BOUNDS)
})

/** Independent noise of variance `noise` on each observation. sklearn `WhiteKernel`. */
export const white = (options: { readonly noise?: number; readonly noiseBounds?: Bounds } = {}): Kernel => ({
  _tag: "White",
  noise: hyperparameter("white", "noise", options.noise ?? 1, options.noiseBounds ?? DEFAULT_BOUNDS)
})

/** The constant c everywhere; as a factor it is an amplitude (a variance). sklearn `ConstantKernel`. */
export const constant = (options: { readonly value?: number; readonly bounds?: Bounds; readonly name?: string } = {}): Kernel => ({
  _tag: "Constant",
  value: hyperparameter("constant", options.name ?? "constant", options.value ?? 1, options.bounds ?? DEFAULT_BOUNDS)
})

const fold = (tag: "Sum" | "Product", kernels: ReadonlyArray<Kernel>): Kernel => {
  if (kernels.length === 0) throw new ConfigError({ field: `kernel.${tag.toLowerCase()}`, message: `${tag.toLowerCase()} needs at least one kernel` })
  return kernels.slice(1).reduce<Kernel>((left, right) => ({ _tag: tag, left, right }), kernels[0])
}

/** k₁ + k₂ + … (left-associated). */
export const sum = (...kernels: ReadonlyArray<Kernel>): Kernel => fold("Sum", kernels)

/** k₁ · k₂ · … elementwise (left-associated), e.g. `product(rbf(), periodic())` for a decaying periodicity. */
export const product = (...kernels: ReadonlyArray<Kernel>): Kernel => fold("Product", kernels)

/** amplitude · k, the amplitude a free hyperparameter named "amplitude" (sklearn's C·k). */
export const scale = (kernel: Kernel, options: { readonly amplitude?: number; readonly bounds?: Bounds } = {}): Kernel =>
  product(constant({ value: options.amplitude ?? 1, bounds: options.bounds ?? DEFAULT_BOUNDS, name: "amplitude" }), kernel)

// ---------------------------------------------------------------------------------------------
// Hyperparameters

const ownParameters = (k: Kernel): ReadonlyArray<Hyperparameter> => {
  switch (k._tag) {
    case "Rbf":
    case "Matern":
      return k.lengthScale
    case "RationalQuadratic":
      return [k.alpha, ...k.lengthScale]
    case "Periodic":
      return [k.lengthScale, k.period]
    case "Linear":
      return [k.sigma0]
    case "White":
      return [k.noise]
    case "Constant":
      return [k.value]
    case "Sum":
    case "Product":
      return []
  }
}

const allParameters = (k: Kernel): Array<Hyperparameter> =>
  k._tag === "Sum" || k._tag === "Product" ? [...allParameters(k.left), ...allParameters(k.right)] : [...ownParameters(k)]

const uniqueNames = (params: ReadonlyArray<Hyperparameter>): Array<string> => {
  const seen = new Map<string, number>()
  return params.map((p) => {
    const count = (seen.get(p.name) ?? 0) + 1
    seen.set(p.name, count)
    return count === 1 ? p.name : `${p.name}_${count}`
  })
}

/** Every hyperparameter, fixed ones included, in the documented order (names made unique with _2, _3, …). */
export const hyperparameters = (k: Kernel): Array<Hyperparameter> => {
  const params = allParameters(k)
  const names = uniqueNames(params)
  return params.map((p, i) => ({ ...p, name: names[i] }))
}

/**
 * How each hyperparameter of `k` (in `hyperparameters` order) rescales with the data: a
 * stationary kernel's length-scale is in units of its input column (`dimension` for ARD), a
 * period likewise, an amplitude or a noise is a variance of y; a periodic kernel's ℓ (relative to
 * the period), RQ's α and the linear σ0 are "other" (left as they are).
 */
export const roles = (k: Kernel): Array<{ readonly role: FitFacts.Role; readonly dimension?: number }> => {
  switch (k._tag) {
    case "Sum":
    case "Product":
      return [...roles(k.left), ...roles(k.right)]
    case "Rbf":
    case "Matern":
      return k.lengthScale.map((_, d) => (k.lengthScale.length > 1 ? { role: "lengthScale", dimension: d } : { role: "lengthScale" }))
    case "RationalQuadratic":
      return [{ role: "other" }, ...k.lengthScale.map((_, d) => (k.lengthScale.length > 1 ? { role: "lengthScale" as const, dimension: d } : { role: "lengthScale" as const }))]
    case "Periodic":
      return [{ role: "other" }, { role: "period" }]
    case "Linear":
      return [{ role: "other" }]
    case "White":
    case "Constant":
      return [{ role: "variance" }]
  }
}

/** The kernel's hyperparameters as fit facts (natural scale, role, bounds), names prefixed by `prefix`. */
export const facts = (k: Kernel, prefix = ""): Array<FitFacts.Hyperparameter> => {
  const rs = roles(k)
  return hyperparameters(k).map((h, i) => ({
    name: `${prefix}${h.name}`,
    value: h.value,
    ...rs[i],
    ...(h.bounds === "fixed" ? { fixed: true } : { lower: h.bounds[0], upper: h.bounds[1] })
  }))
}

const freeParameters = (k: Kernel): Array<Hyperparameter> => hyperparameters(k).filter((p) => p.bounds !== "fixed")

/** Names of the free hyperparameters, in theta order. */
export const names = (k: Kernel): Array<string> => freeParameters(k).map((p) => p.name)

/** log θ of the free hyperparameters. */
export const theta = (k: Kernel): Float64Array => Float64Array.from(freeParameters(k), (p) => Math.log(p.value))

/** Log bounds [log lo, log hi] of the free hyperparameters, in theta order (sklearn's `kernel.bounds`). */
export const bounds = (k: Kernel): Array<readonly [number, number]> =>
  freeParameters(k).map((p) => {
    const [lo, hi] = p.bounds as readonly [number, number]
    return [Math.log(lo), Math.log(hi)] as const
  })

/**
 * The kernel with its free hyperparameters set to exp(logTheta), fixed ones unchanged.
 * Values outside the bounds are accepted (finite differences and line searches probe there).
 */
export const withTheta = (k: Kernel, logTheta: ArrayLike<number>): Kernel => {
  let next = 0
  const set = (p: Hyperparameter): Hyperparameter => {
    if (p.bounds === "fixed") return p
    if (next >= logTheta.length) throw new RangeError(`Kernel.withTheta: ${logTheta.length} values for a kernel with more free hyperparameters`)
    return { ...p, value: Math.exp(logTheta[next++]) }
  }
  const go = (node: Kernel): Kernel => {
    switch (node._tag) {
      case "Rbf":
        return { ...node, lengthScale: node.lengthScale.map(set) }
      case "Matern":
        return { ...node, lengthScale: node.lengthScale.map(set) }
      case "RationalQuadratic": {
        const alpha = set(node.alpha)
        return { ...node, alpha, lengthScale: node.lengthScale.map(set) }
      }
      case "Periodic": {
        const lengthScale = set(node.lengthScale)
        return { ...node, lengthScale, period: set(node.period) }
      }
      case "Linear":
        return { ...node, sigma0: set(node.sigma0) }
      case "White":
        return { ...node, noise: set(node.noise) }
      case "Constant":
        return { ...node, value: set(node.value) }
      case "Sum":
      case "Product": {
        const left = go(node.left)
        return { ...node, left, right: go(node.right) }
      }
    }
  }
  const out = go(k)
  if (next !== logTheta.length) throw new RangeError(`Kernel.withTheta: ${logTheta.length} values for ${next} free hyperparameters`)
  return out
}

/**
 * The kernel of the noise-free latent function: White terms dropped from sums (a lone White
 * becomes the fixed constant 0). Gotcha: White inside a product is kept.
 */
export const latent = (k: Kernel): Kernel => {
  const strip = (node: Kernel): Kernel | undefined => {
    if (node._tag === "White") return undefined
    if (node._tag !== "Sum") return node
    const left = strip(node.left)
    const right = strip(node.right)
    if (left === undefined) return right
    if (right === undefined) return left
    return { _tag: "Sum", left, right }
  }
  return strip(k) ?? { _tag: "Constant", value: { name: "zero", value: 0, bounds: "fixed" } }
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? Number(v.toPrecision(4)).toString() : v.toExponential(3))

/** A readable one-line form, e.g. `0.9944·RBF(lengthScale=0.9479) + White(noise=0.004752)`. */
export const describe = (k: Kernel): string => {
  const ps = (params: ReadonlyArray<Hyperparameter>): string => params.map((p) => `${p.name}=${fmt(p.value)}`).join(", ")
  switch (k._tag) {
    case "Rbf":
      return `RBF(${ps(k.lengthScale)})`
    case "Matern":
      return `Matern(nu=${k.nu}, ${ps(k.lengthScale)})`
    case "RationalQuadratic":
      return `RQ(${ps([k.alpha, ...k.lengthScale])})`
    case "Periodic":
      return `Periodic(${ps([k.lengthScale, k.period])})`
    case "Linear":
      return `Linear(${ps([k.sigma0])})`
    case "White":
      return `White(${ps([k.noise])})`
    case "Constant":
      return fmt(k.value.value)
    case "Sum":
      return `${describe(k.left)} + ${describe(k.right)}`
    case "Product": {
      const wrap = (c: Kernel): string => (c._tag === "Sum" ? `(${describe(c)})` : describe(c))
      return `${wrap(k.left)}·${wrap(k.right)}`
    }
  }
}

/** Python's `"{:.3g}".format(v)`: 3 significant digits, exponent form below 1e-4 and from 1e3, trailing zeros dropped. */
const g3 = (v: number): string => {
  if (v === 0) return "0"
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf"
  const [mantissa, exponent] = v.toExponential(2).split("e")
  const e = Number(exponent)
  const strip = (s: string): string => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s)
  if (e < -4 || e >= 3) return `${strip(mantissa)}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`
  return strip(v.toFixed(2 - e))
}

/**
 * scikit-learn's printout of a fitted `kernel_`, e.g.
 * `5.64**2 * RBF(length_scale=57.4) + 0.286**2 * RBF(length_scale=166) * ExpSineSquared(length_scale=1.53, periodicity=1) + WhiteKernel(noise_level=0.000436)`:
 * sklearn's class and parameter names, values to 3 significant digits, a constant c as √c**2.
 * When to use: reports and logs of composite kernels, to read beside sklearn's. Gotcha: sklearn
 * prints a sum inside a product without brackets (ambiguous); here it is bracketed unless
 * `brackets: false` asks for sklearn's string exactly (conformance compares with it).
 */
export const format = (k: Kernel, options: { readonly brackets?: boolean } = {}): string => {
  const brackets = options.brackets ?? true
  const ls = (params: ReadonlyArray<Hyperparameter>): string =>
    params.length === 1 ? g3(params[0].value) : `[${params.map((p) => g3(p.value)).join(", ")}]`
  switch (k._tag) {
    case "Rbf":
      return `RBF(length_scale=${ls(k.lengthScale)})`
    case "Matern":
      return `Matern(length_scale=${ls(k.lengthScale)}, nu=${g3(k.nu)})`
    case "RationalQuadratic":
      return `RationalQuadratic(alpha=${g3(k.alpha.value)}, length_scale=${ls(k.lengthScale)})`
    case "Periodic":
      return `ExpSineSquared(length_scale=${g3(k.lengthScale.value)}, periodicity=${g3(k.period.value)})`
    case "Linear":
      return `DotProduct(sigma_0=${g3(k.sigma0.value)})`
    case "White":
      return `WhiteKernel(noise_level=${g3(k.noise.value)})`
    case "Constant":
      return `${g3(Math.sqrt(k.value.value))}**2`
    case "Sum":
      return `${format(k.left, options)} + ${format(k.right, options)}`
    case "Product": {
      const wrap = (c: Kernel): string => (c._tag === "Sum" && brackets ? `(${format(c, options)})` : format(c, options))
      return `${wrap(k.left)} * ${wrap(k.right)}`
    }
  }
}

/** The additive terms of k: its sums flattened, left to right (k itself when it is not a sum). */
export const terms = (k: Kernel): Array<Kernel> => (k._tag === "Sum" ? [...terms(k.left), ...terms(k.right)] : [k])

// ---------------------------------------------------------------------------------------------
// Starting points from the data

/** Candidate periods tried per free period (the highest periodogram peaks). */
const PERIOD_CANDIDATES = 3

const median = (v: Array<number>): number => {
  v.sort((a, b) => a - b)
  return v.length === 0 ? 0 : v[Math.floor(v.length / 2)]
}

/** Per input column: standard deviation and median gap between sorted distinct values. */
const columnScales = (X: Matrix.Matrix): Array<{ readonly spread: number; readonly spacing: number }> =>
  Array.from({ length: X.cols }, (_, j) => {
    const col = Float64Array.from({ length: X.rows }, (_, i) => X.data[i * X.cols + j]).sort()
    let mean = 0
    for (const v of col) mean += v / col.length
    let variance = 0
    for (const v of col) variance += (v - mean) ** 2 / col.length
    const gaps: Array<number> = []
    for (let i = 1; i < col.length; i++) if (col[i] > col[i - 1]) gaps.push(col[i] - col[i - 1])
    return { spread: Math.sqrt(variance), spacing: median(gaps) }
  })

/**
 * Starting points for the likelihood search read off the data, as log θ of the free
 * hyperparameters (theta order), each value clamped into its bounds. The rule, family by family:
 * - amplitude (`constant`): var(y)/m, m the number of additive terms that are not White noise;
 * - `white` noise: var(y)/10;
 * - length-scales of `rbf`, `matern`, `rq`: the spread of the inputs, the standard deviation per
 *   column (ARD) or √(Σ_d var_d) (isotropic). With L such leaves, leaf i (0-based, depth first)
 *   starts at spread^{1−t}·(2·spacing)^t, t = i/(L − 1), spacing the median gap between sorted
 *   input values (√(Σ_d gap_d²) isotropic): geometrically from the spread down to the finest scale
 *   the inputs resolve, so that like terms of a sum do not start identical (a symmetric start
 *   stays symmetric under gradient steps);
 * - `periodic` period, on 1-d inputs: the periods of the 3 highest peaks of the Lomb–Scargle
 *   periodogram of the training data (Periodogram.peaks; x may be uneven), one start per peak,
 *   then one more start at the kernel's smooth limit, for data with no period: period 100·R (R
 *   the range of x) and length-scale 2π·spread/period, where exp(−2 sin²(πd/p)/ℓ²) ≈ an RBF of
 *   length-scale p·ℓ/(2π) = spread (with several periodic leaves, start c gives leaf j candidate
 *   (c + j) mod the number of candidates);
 * - everything else (rq α, linear σ0, the periodic length-scale of a peak start, any period on
 *   d > 1 inputs) keeps the kernel's own value; fixed hyperparameters are never changed.
 * One start, or one per candidate period. Gotcha: y is the y being fitted (normalised when
 * normalizeY), so the variances are on its scale.
 */
export const startsFromData = (k: Kernel, X: Matrix.Matrix, y: ArrayLike<number>): Array<Float64Array> => {
  const n = y.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += y[i] / n
  let variance = 0
  for (let i = 0; i < n; i++) variance += (y[i] - mean) ** 2 / n
  if (!(variance > 0)) variance = 1
  const signalTerms = Math.max(1, terms(k).filter((t) => t._tag !== "White").length)
  const scales = columnScales(X)
  const isoSpread = Math.sqrt(scales.reduce((s, c) => s + c.spread ** 2, 0))
  const isoSpacing = Math.sqrt(scales.reduce((s, c) => s + c.spacing ** 2, 0))
  const ladder = (spread: number, spacing: number, t: number): number => (2 * spacing < spread ? spread ** (1 - t) * (2 * spacing) ** t : spread)

  const leaves: Array<Kernel> = []
  const collect = (node: Kernel): void => {
    if (node._tag === "Sum" || node._tag === "Product") {
      collect(node.left)
      collect(node.right)
    } else leaves.push(node)
  }
  collect(k)
  const stationary = leaves.filter((l) => l._tag === "Rbf" || l._tag === "Matern" || l._tag === "RationalQuadratic").length
  const freePeriods = leaves.filter((l) => l._tag === "Periodic" && isFree(l.period)).length
  const periods: Array<{ readonly period: number; readonly lengthScale?: number }> = []
  if (freePeriods > 0 && X.cols === 1) {
    periods.push(...Periodogram.peaks(X.data, y, PERIOD_CANDIDATES).map((p) => ({ period: p.period })))
    let lo = X.data[0]
    let hi = X.data[0]
    for (const v of X.data) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
    const smooth = 100 * (hi - lo)
    if (smooth > 0) periods.push({ period: smooth, lengthScale: (2 * Math.PI * isoSpread) / smooth })
  }

  const set = (p: Hyperparameter, v: number): Hyperparameter => {
    if (p.bounds === "fixed" || !(v > 0) || !Number.isFinite(v)) return p
    return { ...p, value: Math.min(p.bounds[1], Math.max(p.bounds[0], v)) }
  }
  const start = (candidate: number): Float64Array => {
    let lengthScaleLeaf = 0
    let periodicLeaf = 0
    const go = (node: Kernel): Kernel => {
      switch (node._tag) {
        case "Sum":
        case "Product": {
          const left = go(node.left)
          return { ...node, left, right: go(node.right) }
        }
        case "Constant":
          return { ...node, value: set(node.value, variance / signalTerms) }
        case "White":
          return { ...node, noise: set(node.noise, variance / 10) }
        case "Rbf":
        case "Matern":
        case "RationalQuadratic": {
          const t = stationary > 1 ? lengthScaleLeaf++ / (stationary - 1) : 0
          const ard = node.lengthScale.length > 1
          const lengthScale = node.lengthScale.map((p, j) =>
            set(p, ard ? ladder(scales[j].spread, scales[j].spacing, t) : ladder(isoSpread, isoSpacing, t))
          )
          return { ...node, lengthScale }
        }
        case "Periodic": {
          if (!isFree(node.period) || periods.length === 0) return node
          const c = periods[(candidate + periodicLeaf++) % periods.length]
          return { ...node, period: set(node.period, c.period), lengthScale: c.lengthScale === undefined ? node.lengthScale : set(node.lengthScale, c.lengthScale) }
        }
        case "Linear":
          return node
      }
    }
    return theta(go(k))
  }
  return Array.from({ length: Math.max(1, periods.length) }, (_, c) => start(c))
}

// ---------------------------------------------------------------------------------------------
// Radial profiles: value v(r²) and h(r²) = −r·dv/dr = ∂v/∂log ℓ for an isotropic length-scale

/** Writes v into out[0], h into out[1] and (RQ only) ∂v/∂log α into out[2]. */
type Profile = (r2: number, out: Float64Array) => void

const SQRT3 = Math.sqrt(3)
const SQRT5 = Math.sqrt(5)

const maternGeneral = (nu: number): Profile => {
  const logC = (1 - nu) * Math.LN2 - Special.logGamma(nu)
  const c = Math.exp(logC)
  const s = Math.sqrt(2 * nu)
  return (r2, out) => {
    if (r2 === 0) {
      out[0] = 1
      out[1] = 0
      return
    }
    const z = s * Math.sqrt(r2)
    const kk = Special.besselKWithNeighbours(nu, z)
    const logZ = Math.log(z)
    out[0] = kk.k === 0 ? 0 : Math.exp(logC + nu * logZ + Math.log(kk.k))
    // h = −z·d/dz[c z^ν K_ν(z)] = c·z^{ν+1}·K_{ν−1}(z)
    const kPrev = nu >= 0.5 ? kk.kPrevious : Special.besselK(1 - nu, z)
    out[1] = kPrev === 0 ? 0 : c * Math.exp((nu + 1) * logZ + Math.log(kPrev))
  }
}

const profileOf = (k: Rbf | Matern | RationalQuadratic): Profile => {
  switch (k._tag) {
    case "Rbf":
      return (r2, out) => {
        const v = Math.exp(-0.5 * r2)
        out[0] = v
        out[1] = r2 * v
      }
    case "Matern":
      if (k.nu === 0.5) {
        return (r2, out) => {
          const r = Math.sqrt(r2)
          const v = Math.exp(-r)
          out[0] = v
          out[1] = r * v
        }
      }
      if (k.nu === 1.5) {
        return (r2, out) => {
          const s = SQRT3 * Math.sqrt(r2)
          const e = Math.exp(-s)
          out[0] = (1 + s) * e
          out[1] = s * s * e
        }
      }
      if (k.nu === 2.5) {
        return (r2, out) => {
          const s = SQRT5 * Math.sqrt(r2)
          const e = Math.exp(-s)
          out[0] = (1 + s + (s * s) / 3) * e
          out[1] = ((s * s) / 3) * (1 + s) * e
        }
      }
      return maternGeneral(k.nu)
    case "RationalQuadratic": {
      const alpha = k.alpha.value
      const half = 0.5 / alpha
      return (r2, out) => {
        const base = 1 + r2 * half
        const logBase = Math.log1p(r2 * half)
        const v = Math.exp(-alpha * logBase)
        out[0] = v
        out[1] = (r2 * v) / base
        out[2] = v * (-alpha * logBase + r2 / (2 * base))
      }
    }
  }
}

/** X with each column divided by its length-scale (a copy), after checking the ARD length. */
const scaledInputs = (X: Matrix.Matrix, ls: ReadonlyArray<Hyperparameter>, family: string): Float64Array => {
  const d = X.cols
  if (ls.length !== 1 && ls.length !== d) {
    throw new ConfigError({ field: `kernel.${family}.lengthScale`, message: `${family} has ${ls.length} ARD length-scales but the inputs have ${d} columns: give one per column, or a single number` })
  }
  const inv = Float64Array.from({ length: d }, (_, j) => 1 / ls[ls.length === 1 ? 0 : j].value)
  const out = new Float64Array(X.rows * d)
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < d; j++) out[i * d + j] = X.data[i * d + j] * inv[j]
  return out
}

const sqDist = (a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number => {
  let s = 0
  for (let t = 0; t < d; t++) {
    const u = a[ao + t] - b[bo + t]
    s += u * u
  }
  return s
}

const checkSameWidth = (X: Matrix.Matrix, Y: Matrix.Matrix): void => {
  if (X.cols !== Y.cols) {
    throw new DataError({ source: "Kernel.matrix", message: `X has ${X.cols} columns but Y has ${Y.cols}: both inputs must have the same features` })
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel matrix and diagonal

const evaluate = (k: Kernel, X: Matrix.Matrix, Y: Matrix.Matrix | undefined): Float64Array => {
  const n = X.rows
  const m = Y === undefined ? n : Y.rows
  const d = X.cols
  switch (k._tag) {
    case "Rbf":
    case "Matern":
    case "RationalQuadratic": {
      const profile = profileOf(k)
      const scratch = new Float64Array(3)
      const xs = scaledInputs(X, k.lengthScale, k._tag)
      const out = new Float64Array(n * m)
      if (Y === undefined) {
        for (let i = 0; i < n; i++) {
          out[i * n + i] = 1
          for (let j = 0; j < i; j++) {
            profile(sqDist(xs, i * d, xs, j * d, d), scratch)
            out[i * n + j] = scratch[0]
            out[j * n + i] = scratch[0]
          }
        }
      } else {
        const ys = scaledInputs(Y, k.lengthScale, k._tag)
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            profile(sqDist(xs, i * d, ys, j * d, d), scratch)
            out[i * m + j] = scratch[0]
          }
        }
      }
      return out
    }
    case "Periodic": {
      const w = Math.PI / k.period.value
      const g = -2 / (k.lengthScale.value * k.lengthScale.value)
      const x = X.data
      const y = Y === undefined ? x : Y.data
      const out = new Float64Array(n * m)
      for (let i = 0; i < n; i++) {
        const jEnd = Y === undefined ? i + 1 : m
        for (let j = 0; j < jEnd; j++) {
          let arg = 0
          for (let t = 0; t < d; t++) {
            const s = Math.sin(w * Math.abs(x[i * d + t] - y[j * d + t]))
            arg += s * s
          }
          const v = Math.exp(g * arg)
          out[i * m + j] = v
          if (Y === undefined) out[j * m + i] = v
        }
      }
      return out
    }
    case "Linear": {
      const G = Blas.gemmNT(X, Y ?? X)
      const s2 = k.sigma0.value * k.sigma0.value
      const out = G.data
      for (let i = 0; i < out.length; i++) out[i] += s2
      return out
    }
    case "White": {
      const out = new Float64Array(n * m)
      if (Y === undefined) for (let i = 0; i < n; i++) out[i * n + i] = k.noise.value
      return out
    }
    case "Constant":
      return new Float64Array(n * m).fill(k.value.value)
    case "Sum": {
      // a White or Constant operand is added in place rather than formed as a matrix
      const [other, simple] = k.right._tag === "White" || k.right._tag === "Constant" ? [k.left, k.right] : [k.right, k.left]
      if (simple._tag === "White") {
        const a = evaluate(other, X, Y)
        if (Y === undefined) for (let i = 0; i < n; i++) a[i * n + i] += simple.noise.value
        return a
      }
      if (simple._tag === "Constant") {
        const a = evaluate(other, X, Y)
        for (let i = 0; i < a.length; i++) a[i] += simple.value.value
        return a
      }
      const a = evaluate(k.left, X, Y)
      const b = evaluate(k.right, X, Y)
      for (let i = 0; i < a.length; i++) a[i] += b[i]
      return a
    }
    case "Product": {
      const [other, simple] = k.right._tag === "Constant" ? [k.left, k.right] : [k.right, k.left]
      if (simple._tag === "Constant") {
        const a = evaluate(other, X, Y)
        for (let i = 0; i < a.length; i++) a[i] *= simple.value.value
        return a
      }
      const a = evaluate(k.left, X, Y)
      const b = evaluate(k.right, X, Y)
      for (let i = 0; i < a.length; i++) a[i] *= b[i]
      return a
    }
  }
}

/**
 * The kernel matrix K(X, Y) (n × m), or K(X, X) (n × n, white noise on the diagonal) when Y is
 * omitted. Symmetric inputs are computed on one triangle and mirrored.
 */
export const matrix = (k: Kernel, X: Matrix.Matrix, Y?: Matrix.Matrix): Matrix.Matrix => {
  if (Y !== undefined) checkSameWidth(X, Y)
  return Matrix.make(X.rows, Y === undefined ? X.rows : Y.rows, evaluate(k, X, Y))
}

/** The diagonal of `matrix(k, X)` (white noise included) in O(n·d). */
export const diag = (k: Kernel, X: Matrix.Matrix): Float64Array => {
  const n = X.rows
  const d = X.cols
  switch (k._tag) {
    case "Rbf":
    case "Matern":
    case "RationalQuadratic":
      scaledInputs(X, k.lengthScale, k._tag)
      return new Float64Array(n).fill(1)
    case "Periodic":
      return new Float64Array(n).fill(1)
    case "Linear": {
      const out = new Float64Array(n)
      const s2 = k.sigma0.value * k.sigma0.value
      for (let i = 0; i < n; i++) out[i] = s2 + Blas.dotAt(X.data, i * d, X.data, i * d, d)
      return out
    }
    case "White":
      return new Float64Array(n).fill(k.noise.value)
    case "Constant":
      return new Float64Array(n).fill(k.value.value)
    case "Sum": {
      const a = diag(k.left, X)
      const b = diag(k.right, X)
      for (let i = 0; i < n; i++) a[i] += b[i]
      return a
    }
    case "Product": {
      const a = diag(k.left, X)
      const b = diag(k.right, X)
      for (let i = 0; i < n; i++) a[i] *= b[i]
      return a
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gradients

const isFree = (p: Hyperparameter): boolean => p.bounds !== "fixed"

/**
 * Visits each pair i ≥ j of a leaf's symmetric K(X, X) with the derivatives of K_ij with respect
 * to the leaf's free log-hyperparameters: `visit(i, j, value, grads)` with grads[q] for the q-th
 * free hyperparameter. The one place each family's derivatives are written.
 */
const visitLeafPairs = (
  k: Exclude<Kernel, Sum | Product>,
  X: Matrix.Matrix,
  visit: (i: number, j: number, value: number, grads: Float64Array) => void
): number => {
  const n = X.rows
  const d = X.cols
  switch (k._tag) {
    case "Rbf":
    case "Matern":
    case "RationalQuadratic": {
      const profile = profileOf(k)
      const scratch = new Float64Array(3)
      const xs = scaledInputs(X, k.lengthScale, k._tag)
      const ard = k.lengthScale.length > 1
      const lsFree = isFree(k.lengthScale[0])
      const alphaFree = k._tag === "RationalQuadratic" && isFree(k.alpha)
      const nAlpha = alphaFree ? 1 : 0
      const count = nAlpha + (lsFree ? k.lengthScale.length : 0)
      const grads = new Float64Array(count)
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          const r2 = i === j ? 0 : sqDist(xs, i * d, xs, j * d, d)
          profile(r2, scratch)
          if (alphaFree) grads[0] = scratch[2]
          if (lsFree) {
            if (!ard) grads[nAlpha] = scratch[1]
            else {
              const hr = r2 > 0 ? scratch[1] / r2 : 0
              for (let t = 0; t < d; t++) {
                const u = xs[i * d + t] - xs[j * d + t]
                grads[nAlpha + t] = hr * u * u
              }
            }
          }
          visit(i, j, i === j ? 1 : scratch[0], grads)
        }
      }
      return count
    }
    case "Periodic": {
      const p = k.period.value
      const l2 = k.lengthScale.value * k.lengthScale.value
      const w = Math.PI / p
      const lFree = isFree(k.lengthScale)
      const pFree = isFree(k.period)
      const count = (lFree ? 1 : 0) + (pFree ? 1 : 0)
      const grads = new Float64Array(count)
      const x = X.data
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let arg = 0
          let dp = 0
          for (let t = 0; t < d; t++) {
            const u = w * Math.abs(x[i * d + t] - x[j * d + t])
            const s = Math.sin(u)
            arg += s * s
            dp += Math.sin(2 * u) * u
          }
          const v = Math.exp((-2 * arg) / l2)
          let q = 0
          if (lFree) grads[q++] = (v * 4 * arg) / l2
          if (pFree) grads[q] = (v * 2 * dp) / l2
          visit(i, j, v, grads)
        }
      }
      return count
    }
    case "Linear": {
      const s2 = k.sigma0.value * k.sigma0.value
      const free = isFree(k.sigma0)
      const grads = new Float64Array(free ? 1 : 0)
      if (free) grads[0] = 2 * s2
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) visit(i, j, s2 + Blas.dotAt(X.data, i * d, X.data, j * d, d), grads)
      }
      return grads.length
    }
    case "White": {
      const free = isFree(k.noise)
      const grads = new Float64Array(free ? 1 : 0)
      const zero = new Float64Array(grads.length)
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          if (i === j) {
            if (free) grads[0] = k.noise.value
            visit(i, j, k.noise.value, grads)
          } else visit(i, j, 0, zero)
        }
      }
      return grads.length
    }
    case "Constant": {
      const free = isFree(k.value)
      const grads = new Float64Array(free ? 1 : 0)
      if (free) grads[0] = k.value.value
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) visit(i, j, k.value.value, grads)
      return grads.length
    }
  }
}

const freeCount = (k: Kernel): number => freeParameters(k).length

const gradientsRaw = (k: Kernel, X: Matrix.Matrix): Array<Float64Array> => {
  const n = X.rows
  switch (k._tag) {
    case "Sum":
      return [...gradientsRaw(k.left, X), ...gradientsRaw(k.right, X)]
    case "Product": {
      const a = evaluate(k.left, X, undefined)
      const b = evaluate(k.right, X, undefined)
      const ga = gradientsRaw(k.left, X)
      const gb = gradientsRaw(k.right, X)
      for (const g of ga) for (let i = 0; i < g.length; i++) g[i] *= b[i]
      for (const g of gb) for (let i = 0; i < g.length; i++) g[i] *= a[i]
      return [...ga, ...gb]
    }
    default: {
      const out = Array.from({ length: freeCount(k) }, () => new Float64Array(n * n))
      visitLeafPairs(k, X, (i, j, _v, grads) => {
        for (let q = 0; q < grads.length; q++) {
          out[q][i * n + j] = grads[q]
          out[q][j * n + i] = grads[q]
        }
      })
      return out
    }
  }
}

/**
 * ∂K(X, X)/∂log θ_j for each free hyperparameter j, in theta order: one (n × n) matrix each.
 * Gotcha: p dense matrices; the likelihood gradient uses `contract`, which allocates none of them.
 */
export const gradients = (k: Kernel, X: Matrix.Matrix): Array<Matrix.Matrix> =>
  gradientsRaw(k, X).map((g) => Matrix.make(X.rows, X.rows, g))

/**
 * Accumulates s·Σ_ij W_ij·∂K_ij/∂log θ_q into out[offset + q] and returns Σ_ij W_ij·K_ij (unscaled).
 * Products with a constant factor pass the constant down as a scale instead of forming matrices.
 */
const contractInto = (k: Kernel, X: Matrix.Matrix, W: Float64Array, s: number, out: Float64Array, offset: number): number => {
  const n = X.rows
  switch (k._tag) {
    case "Sum": {
      const a = contractInto(k.left, X, W, s, out, offset)
      return a + contractInto(k.right, X, W, s, out, offset + freeCount(k.left))
    }
    case "Product": {
      const { left, right } = k
      if (left._tag === "Constant" || right._tag === "Constant") {
        const c = left._tag === "Constant" ? left : (right as Constant)
        const other = left._tag === "Constant" ? right : left
        const cFree = isFree(c.value) ? 1 : 0
        const cAt = left._tag === "Constant" ? offset : offset + freeCount(other)
        const otherAt = left._tag === "Constant" ? offset + cFree : offset
        const ws = contractInto(other, X, W, s * c.value.value, out, otherAt)
        if (cFree) out[cAt] += s * c.value.value * ws
        return c.value.value * ws
      }
      const a = evaluate(left, X, undefined)
      const b = evaluate(right, X, undefined)
      const wa = new Float64Array(n * n)
      const wb = new Float64Array(n * n)
      for (let i = 0; i < wa.length; i++) {
        wa[i] = W[i] * b[i]
        wb[i] = W[i] * a[i]
      }
      const total = contractInto(left, X, wa, s, out, offset)
      contractInto(right, X, wb, s, out, offset + freeCount(left))
      return total
    }
    case "White": {
      let trace = 0
      for (let i = 0; i < n; i++) trace += W[i * n + i]
      if (isFree(k.noise)) out[offset] += s * k.noise.value * trace
      return k.noise.value * trace
    }
    case "Constant": {
      let total = 0
      for (let i = 0; i < W.length; i++) total += W[i]
      if (isFree(k.value)) out[offset] += s * k.value.value * total
      return k.value.value * total
    }
    default: {
      let total = 0
      const acc = new Float64Array(freeCount(k))
      visitLeafPairs(k, X, (i, j, v, grads) => {
        const w = i === j ? W[i * n + i] : W[i * n + j] + W[j * n + i]
        total += w * v
        for (let q = 0; q < grads.length; q++) acc[q] += w * grads[q]
      })
      for (let q = 0; q < acc.length; q++) out[offset + q] += s * acc[q]
      return total
    }
  }
}

/**
 * tr(W·∂K/∂log θ_j) = Σ_ij W_ij·∂K_ij/∂log θ_j for each free hyperparameter, without forming the
 * gradient matrices: one pass over the pairs of each leaf. W (n × n) need not be symmetric (its
 * symmetric part is what counts). GPML eq. 5.9 is ½·contract(k, X, ααᵀ − K⁻¹).
 */
export const contract = (k: Kernel, X: Matrix.Matrix, W: Matrix.Matrix): Float64Array => {
  if (W.rows !== X.rows || W.cols !== X.rows) {
    throw new RangeError(`Kernel.contract: W is ${W.rows}×${W.cols} but X has ${X.rows} rows`)
  }
  const out = new Float64Array(freeCount(k))
  contractInto(k, X, W.data, 1, out, 0)
  return out
}
