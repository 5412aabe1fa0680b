/**
 * Parzen estimators of the Tree-structured Parzen Estimator: a weighted mixture of one kernel per
 * observation plus a prior kernel, as optuna 3.1's `_ParzenEstimator`.
 *
 * Conventions (optuna 3.1 defaults: consider_prior, prior_weight 1, consider_magic_clip,
 * consider_endpoints = false):
 * - Coordinates are internal (`Space.internal`): t(v) = log v for log parameters; an int's range
 *   is widened by ½ on each side before t. Numeric kernels are normals truncated to the
 *   parameter's range (the widened one for ints, whose density is the mass of the bin
 *   [t(v − ½), t(v + ½)]); categorical kernels are probability vectors.
 * - Weights: observation i of n gets `weights(n)[i]` (observations in trial order; 1 for the 25
 *   newest, a linear ramp from 1/n up to 1 for older ones), the prior `priorWeight`; normalised.
 * - Univariate bandwidths: the observations and the prior mean (the range's midpoint) are sorted
 *   between the endpoints low and high; each kernel's σ is the larger of its gaps to its
 *   neighbours, the first and last use their inner gap only; then σ is clipped to
 *   [(high − low)/min(100, n + 2), high − low] ("magic clip"). Multivariate bandwidths (Falkner
 *   et al.'s rule): σ = 0.2·max(n, 1)^(−1/(d + 4))·(high − low) for every kernel, same clip.
 *   The prior kernel: mean the midpoint, σ = high − low. Equal values (ints) are sorted in
 *   trial order with the prior last among its equals; optuna 3.1 uses numpy's unstable argsort,
 *   so with tied values and unequal weights (more than 25 observations) or a value equal to the
 *   prior mean, which tied kernel gets which gap can differ from optuna's.
 * - Categorical kernel of observation c: prior_weight/(n + 1) on every choice plus 1 on c,
 *   normalised; the prior kernel is uniform.
 * - Continuous kernels' log densities follow optuna 3.1 by default (`exactDensity`: false).
 * - Multivariate mixtures share the kernel index across dimensions (a product kernel per
 *   observation); a univariate estimator is the one-dimensional case.
 *
 * Citation: Bergstra, Bardenet, Bengio & Kégl, NeurIPS 2011 (TPE); Falkner, Klein & Hutter, ICML
 * 2018 (BOHB: multivariate KDE bandwidth); Watanabe, arXiv:2304.11127 (2023), which documents
 * optuna's choices (§3); optuna v3.1 `optuna/samplers/_tpe/parzen_estimator.py`.
 */
import type * as Random from "../core/Random.ts"
import * as Normal from "./Normal.ts"
import * as Space from "./Space.ts"

export interface Options {
  /**
   * false (optuna 3.1–3.4, the anchor's version): a continuous kernel's log density is
   * log φ(z) − log(Φ(b) − Φ(a)) WITHOUT the −log σ of a proper density (optuna's
   * `_truncnorm.logpdf` forgot the scale until v3.5, commit "Fix logpdf for scaled truncnorm"), so
   * every kernel weighs in proportion to its bandwidth. true: the exact truncated-normal density.
   * Default false: it is what optuna's published TPE results (and tests/fixtures/hpo_anchor.json)
   * were measured with, and on the anchor's functions it does better than the exact density.
   */
  readonly exactDensity: boolean
  readonly priorWeight: number
  readonly considerMagicClip: boolean
  readonly considerEndpoints: boolean
  readonly multivariate: boolean
}

export const defaults: Options = { exactDensity: false, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, multivariate: false }

interface NumericDim {
  readonly kind: "numeric"
  readonly param: Space.FloatParam | Space.IntParam
  readonly low: number
  readonly high: number
  readonly mus: Float64Array
  readonly sigmas: Float64Array
}
interface CategoricalDim {
  readonly kind: "categorical"
  readonly param: Space.CategoricalParam
  /** probabilities[k]: the choice probabilities of kernel k. */
  readonly probabilities: ReadonlyArray<Float64Array>
}
export type Dim = NumericDim | CategoricalDim

export interface Estimator {
  readonly exactDensity: boolean
  /** Normalised mixture weights, one per kernel (observations, then the prior). */
  readonly weights: Float64Array
  readonly dims: ReadonlyArray<Dim>
}

/** optuna's default_weights(n): ones for the 25 newest, a ramp from 1/n to 1 over the older ones. */
export const observationWeights = (n: number): Float64Array => {
  if (n < 25) return new Float64Array(n).fill(1)
  const w = new Float64Array(n).fill(1)
  const ramp = n - 25
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1)
  return w
}

const univariateSigmas = (mus: ArrayLike<number>, low: number, high: number, considerEndpoints: boolean): Float64Array => {
  const n = mus.length
  const withPrior = [...Array.from(mus), 0.5 * (low + high)]
  const order = withPrior.map((_, i) => i).sort((a, b) => withPrior[a] - withPrior[b])
  const s = [low, ...order.map((i) => withPrior[i]), high]
  const sorted = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) sorted[i] = Math.max(s[i + 1] - s[i], s[i + 2] - s[i + 1])
  if (!considerEndpoints && s.length >= 4) {
    sorted[0] = s[2] - s[1]
    sorted[n] = s[s.length - 2] - s[s.length - 3]
  }
  const sigmas = new Float64Array(n)
  order.forEach((original, rank) => {
    if (original < n) sigmas[original] = sorted[rank]
  })
  return sigmas
}

const numericDim = (param: Space.FloatParam | Space.IntParam, obs: ArrayLike<number>, options: Options, dims: number): NumericDim => {
  const [low, high] = Space.internalBounds(param)
  const n = obs.length
  const raw = options.multivariate
    ? new Float64Array(n).fill(0.2 * Math.max(n, 1) ** (-1 / (dims + 4)) * (high - low))
    : univariateSigmas(obs, low, high, options.considerEndpoints)
  const maxSigma = high - low
  const minSigma = options.considerMagicClip ? (high - low) / Math.min(100, 1 + (n + 1)) : 1e-12
  const mus = new Float64Array(n + 1)
  const sigmas = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    mus[i] = obs[i]
    sigmas[i] = Math.min(maxSigma, Math.max(minSigma, raw[i]))
  }
  mus[n] = 0.5 * (low + high)
  sigmas[n] = high - low
  return { kind: "numeric", param, low, high, mus, sigmas }
}

const categoricalDim = (param: Space.CategoricalParam, obs: ArrayLike<number>, options: Options): CategoricalDim => {
  const k = param.choices.length
  const n = obs.length
  const probabilities = Array.from({ length: n + 1 }, (_, i) => {
    const row = new Float64Array(k).fill(n === 0 ? 1 / k : options.priorWeight / (n + 1))
    if (i < n) row[obs[i]] += 1
    let total = 0
    for (let c = 0; c < k; c++) total += row[c]
    for (let c = 0; c < k; c++) row[c] = total > 0 ? row[c] / total : 1 / k
    return row
  })
  return { kind: "categorical", param, probabilities }
}

/**
 * The estimator of `params` from `observations[j]` (internal coordinates of parameter j, one per
 * observation, in trial order; all the same length n).
 */
export const fit = (params: ReadonlyArray<Space.Param>, observations: ReadonlyArray<ArrayLike<number>>, options: Options = defaults): Estimator => {
  const n = observations.length === 0 ? 0 : observations[0].length
  const weights = new Float64Array(n + 1)
  weights.set(observationWeights(n))
  weights[n] = n === 0 ? 1 : options.priorWeight
  let total = 0
  for (const w of weights) total += w
  for (let i = 0; i <= n; i++) weights[i] /= total
  const dims = params.map((p, j) => (p.type === "categorical" ? categoricalDim(p, observations[j], options) : numericDim(p, observations[j], options, params.length)))
  return { exactDensity: options.exactDensity, weights, dims }
}

const pickKernel = (weights: Float64Array, u: number): number => {
  let acc = 0
  for (let k = 0; k < weights.length; k++) {
    acc += weights[k]
    if (u < acc) return k
  }
  return weights.length - 1
}

/** `size` draws (each of internal coordinates, one per dim); int draws are rounded onto their integers. */
export const sample = (estimator: Estimator, rng: Random.Generator, size: number): Array<Float64Array> =>
  Array.from({ length: size }, () => {
    const k = pickKernel(estimator.weights, rng.uniform())
    return Float64Array.from(estimator.dims, (dim) => {
      if (dim.kind === "categorical") return pickKernel(dim.probabilities[k], rng.uniform())
      const t = Normal.truncatedDraw(rng.uniform(), dim.mus[k], dim.sigmas[k], dim.low, dim.high)
      return dim.param.type === "int" ? Space.internal(dim.param, Space.fromInternal(dim.param, t)) : t
    })
  })

const kernelLogDensity = (dim: Dim, k: number, x: number, exact: boolean): number => {
  if (dim.kind === "categorical") return Math.log(dim.probabilities[k][x])
  const p = dim.param
  if (p.type === "int") {
    const v = Space.fromInternal(p, x) as number
    const t = (u: number) => (p.log ? Math.log(u) : u)
    return Normal.truncatedLogMass(t(v - 0.5), t(v + 0.5), dim.mus[k], dim.sigmas[k], dim.low, dim.high)
  }
  const density = Normal.truncatedLogPdf(x, dim.mus[k], dim.sigmas[k], dim.low, dim.high)
  return exact ? density : density + Math.log(dim.sigmas[k])
}

/** log density of the mixture at x (see `exactDensity` for the continuous kernels' convention) (internal coordinates, one per dim), by log-sum-exp over kernels. */
export const logPdf = (estimator: Estimator, x: ArrayLike<number>): number => {
  const K = estimator.weights.length
  const terms = new Float64Array(K)
  let max = Number.NEGATIVE_INFINITY
  for (let k = 0; k < K; k++) {
    let s = Math.log(estimator.weights[k])
    estimator.dims.forEach((dim, j) => {
      s += kernelLogDensity(dim, k, x[j], estimator.exactDensity)
    })
    terms[k] = s
    if (s > max) max = s
  }
  if (max === Number.NEGATIVE_INFINITY) return max
  let acc = 0
  for (let k = 0; k < K; k++) acc += Math.exp(terms[k] - max)
  return max + Math.log(acc)
}
