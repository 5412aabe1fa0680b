/**
 * Synthetic tasks: four 1-d regression functions and three 2-d binary classification layouts,
 * each a pure function of (params, rng) returning a Dataset. Every draw comes from the given
 * generator, so a task repeats exactly from its seed.
 *
 * Conventions (float64, X row-major):
 * - regression: x ~ U(−3, 3), X is (n × 1), y = f(x) + N(0, noise²); the noise-free `f` of each
 *   task is exported (`sineQuadraticMean`, …) so tests and plots can draw the truth.
 * - classification: X is (n × 2), y ∈ {0, 1} stored as float64, classes = 2; the layouts follow
 *   scikit-learn's `make_moons` / `make_circles` (n // 2 points of class 0 on the outer curve,
 *   the rest class 1), shuffled, then N(0, noise²) added to every coordinate.
 *
 * Gotchas: our generator is not numpy's, so the draws differ from a Python peer's with the same
 * seed; the distributions are the same. `rough` draws a random function (an Ornstein–Uhlenbeck
 * path), so a different `n` or seed gives a different truth, not just different samples of it.
 */
import { ConfigError } from "../core/Errors.ts"
import * as Random from "../core/Random.ts"
import type { Dataset } from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

/** Size and observation noise of a regression task. */
export interface RegressionParams {
  /** Number of points, a positive integer. */
  readonly n: number
  /** Standard deviation of the additive Gaussian noise on y, ≥ 0. */
  readonly noise: number
}

/** Size and feature noise of a classification task. */
export interface ClassificationParams {
  /** Number of points, an integer ≥ 2 (both classes present). */
  readonly n: number
  /** Standard deviation of the Gaussian noise added to each coordinate, ≥ 0. */
  readonly noise: number
}

/** The x range of every 1-d regression task: x ~ U(−3, 3). */
export const X_RANGE: readonly [number, number] = [-3, 3]

/** Default period of `periodic`: four full periods on [−3, 3]. */
export const DEFAULT_PERIOD = 1.5
/** Default length-scale of `rough`'s Ornstein–Uhlenbeck path. */
export const DEFAULT_LENGTH_SCALE = 1
/** Default inner/outer radius ratio of `circles` (scikit-learn's default). */
export const DEFAULT_FACTOR = 0.8

const checkSize = (task: string, n: number, min: number): void => {
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError({ field: `${task}.n`, message: `${task}: n must be an integer ≥ ${min}, got ${n}` })
  }
}

const checkNonNegative = (task: string, field: string, v: number): void => {
  if (!Number.isFinite(v) || v < 0) {
    throw new ConfigError({ field: `${task}.${field}`, message: `${task}: ${field} must be a finite number ≥ 0, got ${v}` })
  }
}

const checkPositive = (task: string, field: string, v: number): void => {
  if (!Number.isFinite(v) || v <= 0) {
    throw new ConfigError({ field: `${task}.${field}`, message: `${task}: ${field} must be a finite number > 0, got ${v}` })
  }
}

const uniformX = (n: number, rng: Random.Generator): Float64Array => {
  const [lo, hi] = X_RANGE
  const x = new Float64Array(n)
  for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.uniform()
  return x
}

/** x drawn first, then the noise, in that order (as the peer's `make_task` does). */
const regression = (name: string, params: RegressionParams, rng: Random.Generator, f: (x: number) => number): Dataset => {
  checkSize(name, params.n, 1)
  checkNonNegative(name, "noise", params.noise)
  const x = uniformX(params.n, rng)
  const y = new Float64Array(params.n)
  for (let i = 0; i < params.n; i++) y[i] = f(x[i]) + params.noise * rng.normal()
  return { name, kind: "regression", X: Matrix.make(params.n, 1, x), y, classes: 0 }
}

/** f(x) = sin(3x) + 0.3x², the width-sweep task. */
export const sineQuadraticMean = (x: number): number => Math.sin(3 * x) + 0.3 * x * x

/**
 * The width-sweep task: x ~ U(−3, 3), y = sin(3x) + 0.3x² + N(0, noise²); the peer's
 * `make_task` in /work/shared/peers/width_sweep_reference.py (default noise there 0.3).
 */
export const sineQuadratic = (params: RegressionParams, rng: Random.Generator): Dataset =>
  regression("sine-quadratic", params, rng, sineQuadraticMean)

/** f(x) = sin(x) + 0.5·sin(2x + 1) + 0.25·cos(3.5x): infinitely differentiable, a few wiggles. */
export const smoothMean = (x: number): number => Math.sin(x) + 0.5 * Math.sin(2 * x + 1) + 0.25 * Math.cos(3.5 * x)

/** A smooth sum of three sinusoids (`smoothMean`) plus noise: where RBF kernels shine. */
export const smooth = (params: RegressionParams, rng: Random.Generator): Dataset =>
  regression("smooth", params, rng, smoothMean)

/** f(x) = sin(2πx/p) + 0.5·cos(4πx/p): exactly periodic with period p. */
export const periodicMean = (x: number, period: number = DEFAULT_PERIOD): number =>
  Math.sin((2 * Math.PI * x) / period) + 0.5 * Math.cos((4 * Math.PI * x) / period)

/** A periodic signal (`periodicMean`, period `period`, default 1.5) plus noise. */
export const periodic = (params: RegressionParams & { readonly period?: number }, rng: Random.Generator): Dataset => {
  const period = params.period ?? DEFAULT_PERIOD
  checkPositive("periodic", "period", period)
  return regression("periodic", params, rng, (x) => periodicMean(x, period))
}

/**
 * A rough (continuous, nowhere differentiable) truth: a stationary Ornstein–Uhlenbeck path with
 * unit variance and length-scale ℓ (a sample of the GP with kernel exp(−|x−x'|/ℓ), Matérn-1/2),
 * drawn exactly at the sorted inputs — f(x₍ᵢ₊₁₎) = ρ f(x₍ᵢ₎) + √(1−ρ²) z, ρ = exp(−Δ/ℓ) —
 * then observed with noise. Draw order: x, the path, then the noise.
 */
export const rough = (params: RegressionParams & { readonly lengthScale?: number }, rng: Random.Generator): Dataset => {
  const lengthScale = params.lengthScale ?? DEFAULT_LENGTH_SCALE
  checkSize("rough", params.n, 1)
  checkNonNegative("rough", "noise", params.noise)
  checkPositive("rough", "lengthScale", lengthScale)
  const n = params.n
  const x = uniformX(n, rng)
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b])
  const f = new Float64Array(n)
  f[order[0]] = rng.normal()
  for (let k = 1; k < n; k++) {
    const rho = Math.exp(-(x[order[k]] - x[order[k - 1]]) / lengthScale)
    f[order[k]] = rho * f[order[k - 1]] + Math.sqrt(1 - rho * rho) * rng.normal()
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) y[i] = f[i] + params.noise * rng.normal()
  return { name: "rough", kind: "regression", X: Matrix.make(n, 1, x), y, classes: 0 }
}

/** numpy.linspace(start, stop, m, endpoint). */
const linspace = (start: number, stop: number, m: number, endpoint: boolean): Float64Array => {
  const out = new Float64Array(m)
  const div = endpoint ? m - 1 : m
  const step = div > 0 ? (stop - start) / div : 0
  for (let i = 0; i < m; i++) out[i] = start + i * step
  return out
}

/** Shuffle rows (`Random.permutation`), then add N(0, noise²) to every coordinate. */
const shuffledWithNoise = (name: string, points: Float64Array, labels: Float64Array, noise: number, rng: Random.Generator): Dataset => {
  const n = labels.length
  const X = new Float64Array(2 * n)
  const y = new Float64Array(n)
  const perm = Random.permutation(rng, n)
  for (let i = 0; i < n; i++) {
    X[2 * i] = points[2 * perm[i]]
    X[2 * i + 1] = points[2 * perm[i] + 1]
    y[i] = labels[perm[i]]
  }
  if (noise > 0) for (let i = 0; i < 2 * n; i++) X[i] += noise * rng.normal()
  return { name, kind: "classification", X: Matrix.make(n, 2, X), y, classes: 2 }
}

/**
 * Two interleaving half circles, scikit-learn `make_moons`: ⌊n/2⌋ points of class 0 evenly on
 * (cos t, sin t), t ∈ [0, π], and the rest class 1 on (1 − cos t, 1 − sin t − 0.5); shuffled,
 * then N(0, noise²) on each coordinate.
 */
export const moons = (params: ClassificationParams, rng: Random.Generator): Dataset => {
  checkSize("moons", params.n, 2)
  checkNonNegative("moons", "noise", params.noise)
  const nOut = Math.floor(params.n / 2)
  const nIn = params.n - nOut
  const points = new Float64Array(2 * params.n)
  const labels = new Float64Array(params.n)
  const tOut = linspace(0, Math.PI, nOut, true)
  const tIn = linspace(0, Math.PI, nIn, true)
  for (let i = 0; i < nOut; i++) {
    points[2 * i] = Math.cos(tOut[i])
    points[2 * i + 1] = Math.sin(tOut[i])
  }
  for (let i = 0; i < nIn; i++) {
    const r = nOut + i
    points[2 * r] = 1 - Math.cos(tIn[i])
    points[2 * r + 1] = 1 - Math.sin(tIn[i]) - 0.5
    labels[r] = 1
  }
  return shuffledWithNoise("moons", points, labels, params.noise, rng)
}

/**
 * Two concentric circles, scikit-learn `make_circles`: ⌊n/2⌋ points of class 0 evenly on the
 * unit circle (angles 2πi/m, no endpoint) and the rest class 1 on the circle of radius `factor`
 * (default 0.8, in [0, 1)); shuffled, then N(0, noise²) on each coordinate.
 */
export const circles = (params: ClassificationParams & { readonly factor?: number }, rng: Random.Generator): Dataset => {
  const factor = params.factor ?? DEFAULT_FACTOR
  checkSize("circles", params.n, 2)
  checkNonNegative("circles", "noise", params.noise)
  if (!(factor >= 0 && factor < 1)) {
    throw new ConfigError({ field: "circles.factor", message: `circles: factor must be in [0, 1), got ${factor}` })
  }
  const nOut = Math.floor(params.n / 2)
  const nIn = params.n - nOut
  const points = new Float64Array(2 * params.n)
  const labels = new Float64Array(params.n)
  const tOut = linspace(0, 2 * Math.PI, nOut, false)
  const tIn = linspace(0, 2 * Math.PI, nIn, false)
  for (let i = 0; i < nOut; i++) {
    points[2 * i] = Math.cos(tOut[i])
    points[2 * i + 1] = Math.sin(tOut[i])
  }
  for (let i = 0; i < nIn; i++) {
    const r = nOut + i
    points[2 * r] = factor * Math.cos(tIn[i])
    points[2 * r + 1] = factor * Math.sin(tIn[i])
    labels[r] = 1
  }
  return shuffledWithNoise("circles", points, labels, params.noise, rng)
}

/**
 * XOR: points uniform on the square [−1, 1]², label 1 where x₁·x₂ > 0 (first and third
 * quadrants) and 0 otherwise, decided on the clean point; then N(0, noise²) on each coordinate,
 * which blurs the boundary (labels are not flipped). Class sizes are random, not balanced.
 */
export const xor = (params: ClassificationParams, rng: Random.Generator): Dataset => {
  checkSize("xor", params.n, 2)
  checkNonNegative("xor", "noise", params.noise)
  const n = params.n
  const X = new Float64Array(2 * n)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const a = 2 * rng.uniform() - 1
    const b = 2 * rng.uniform() - 1
    X[2 * i] = a
    X[2 * i + 1] = b
    y[i] = a * b > 0 ? 1 : 0
  }
  if (params.noise > 0) for (let i = 0; i < 2 * n; i++) X[i] += params.noise * rng.normal()
  return { name: "xor", kind: "classification", X: Matrix.make(n, 2, X), y, classes: 2 }
}
