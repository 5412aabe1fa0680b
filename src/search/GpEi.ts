/**
 * Bayesian optimisation with gpnn's own Gaussian process and log expected improvement (GP-EI).
 *
 * Algorithm per proposal (after `startupTrials` uniform random proposals):
 * 1. Features: each numeric parameter is its unit-cube coordinate (`Space.toUnit`: log scale where
 *    the space says so); each categorical of k choices is a one-hot block of k columns. An inactive
 *    numeric parameter sits at 0.5, an inactive categorical's block is all zeros. The observed
 *    values (complete and pruned) are standardised as (y − worst)/sd(y) (`standardise`), so the
 *    GP's zero prior mean says "unexplored is as bad as the worst seen": where the data are far,
 *    EI then comes from σ alone, not from a mean that reverts to the average (with the average,
 *    on Rosenbrock-5 the box's edges and corners, whose values are 10–100× the median, drew 16 of 40
 *    the proposals of seed 2 from trial 11 to 50; seeds 1–6 at 50 trials: median regret 4.7 with "worst", 27 with "average").
 * 2. GP: amplitude·Matérn-5/2 with one length-scale per feature (ARD) + White noise, hyperparameters
 *    by marginal likelihood plus a Gamma(3, 6) prior on each length-scale (mean ½ on the unit cube;
 *    BoTorch's classic default), maximised by the projected L-BFGS of `GpRegression` from the
 *    kernel's start and `restarts` stratified log-uniform restarts (`fitSurrogate`). Bounds:
 *    length-scales [0.01, 20], amplitude [0.05, 20], noise [1e-6, 0.5] (on the standardised y).
 *    Why the prior: with plain maximum likelihood, once the points cluster in one basin the inputs
 *    that do not vary there get length-scales of 10+, the GP calls them irrelevant and EI never
 *    explores them again (Hartmann-6, seeds 1–6: 4 stuck in a local minimum, regret ≥ 0.12; with
 *    the prior, 20 seeds, median regret 2e-4 at 100 trials). Output transforms (bilog, log,
 *    Gaussian copula) were tried on Rosenbrock-5 and did not help beyond seed noise.
 * 3. Acquisition: log EI of the noise-free (latent) prediction at incumbent f* = the best observed
 *    (standardised) value (`LogEi`, Ament et al. 2023), with its exact gradient in x (below).
 * 4. Maximisation: `rawSamples` uniform points of the relaxed feature cube [0, 1]^D and
 *    `perturbedSamples` Gaussian perturbations (σ = 0.05 per coordinate, clipped) of the 5 best
 *    observed points are scored; the best `starts` of them start bounded L-BFGS
 *    (`Optimizer.minimize` on −log EI); the best end point is decoded.
 * 5. Decoding: numeric coordinates through `Space.unitValue` (ints rounded: a continuous
 *    relaxation), each categorical block by its argmax (a one-hot relaxation; Garrido-Merchán &
 *    Hernández-Lobato 2020 discuss its flat regions), conditionals by the decoded parents.
 * Pending trials: rule "constantLiar" (CL-max): a pending point enters the GP as an observation
 * of the worst value so far, so the next proposal moves away from it; its hyperparameters are
 * fitted on the lies too.
 *
 * Gradient (Matérn-5/2, amplitude a, r² = Σ_j ((x_j − x_ij)/ℓ_j)²): k_i = a(1 + √5r + 5r²/3)e^{−√5r},
 * ∂k_i/∂x_j = −(5a/3)(1 + √5r)e^{−√5r}·(x_j − x_ij)/ℓ_j²; μ = kᵀα, σ² = a − kᵀK⁻¹k, so
 * ∇μ = Σ α_i∇k_i and ∇σ² = −2 Σ (K⁻¹k)_i ∇k_i (GPML eq. 2.25–2.26).
 *
 * Randomness: the startup draws and the acquisition starts from this proposal's generator, the GP
 * restarts from its fork "gp-ei/restarts"; no timing enters. Cost: O(n³) per likelihood evaluation,
 * O(n²) per acquisition evaluation.
 * Citation: Jones, Schonlau & Welch, J. Global Optim. 13 (1998) (EI); Snoek, Larochelle & Adams,
 * NeurIPS 2012 (Matérn-5/2 ARD for hyperparameter search); Ament et al., NeurIPS 2023 (log EI,
 * arXiv:2310.20708); Ginsbourger, Le Riche & Carraro (2010) (constant liar).
 */
import { NumericalError } from "../core/Errors.ts"
import type * as Random from "../core/Random.ts"
import * as Cholesky from "../linalg/Cholesky.ts"
import * as Matrix from "../linalg/Matrix.ts"
import * as Gp from "../models/gp/GpRegression.ts"
import * as Optimizer from "../models/gp/Optimizer.ts"
import * as Kernel from "../models/kernels/Kernel.ts"
import * as LogEi from "./LogEi.ts"
import * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

export interface Options {
  /** Uniform random proposals before the GP takes over. Default 10 (as TPE and optuna's GPSampler). */
  readonly startupTrials?: number
  /** Extra starts of the marginal-likelihood fit. Default 2. */
  readonly restarts?: number
  /** Uniform points scored to seed the acquisition search. Default 512. */
  readonly rawSamples?: number
  /** Perturbations of the best observed points scored likewise. Default 256. */
  readonly perturbedSamples?: number
  /** L-BFGS starts on the acquisition. Default 5. */
  readonly starts?: number
  /** Bounds of every ARD length-scale (inputs in [0, 1]). Default [0.01, 20]. */
  readonly lengthScaleBounds?: readonly [number, number]
  /** Bounds of the White noise on the standardised y. Default [1e-6, 0.5]. */
  readonly noiseBounds?: readonly [number, number]
  /** Gamma(shape, rate) prior on every length-scale, added to the marginal likelihood (type-II MAP); "none" for plain ML. Default [3, 6]. */
  readonly lengthScalePrior?: readonly [number, number] | "none"
  /** Where the GP's zero prior mean sits: at the worst value seen ("worst") or at their average ("average"). Default "worst". */
  readonly priorMean?: "worst" | "average"
}

const SQRT5 = Math.sqrt(5)

/** Column offset of each parameter in the feature vector, and the total width D. */
export const layout = (space: Space.Space): { readonly offsets: ReadonlyArray<number>; readonly width: number } => {
  const offsets: Array<number> = []
  let width = 0
  for (const p of space.params) {
    offsets.push(width)
    width += p.type === "categorical" ? p.choices.length : 1
  }
  return { offsets, width }
}

/** The feature vector of a point (length D). */
export const features = (space: Space.Space, point: Space.Params): Float64Array => {
  const { offsets, width } = layout(space)
  const u = Space.toUnit(space, point)
  const x = new Float64Array(width)
  space.params.forEach((p, j) => {
    const v = point[p.name]
    if (p.type === "categorical") {
      if (v !== undefined) x[offsets[j] + p.choices.indexOf(v)] = 1
    } else x[offsets[j]] = Number.isNaN(u[j]) ? 0.5 : u[j]
  })
  return x
}

/** The point of a (relaxed) feature vector: numeric coordinates decoded, categorical blocks by argmax. */
export const decode = (space: Space.Space, x: ArrayLike<number>): Space.Params => {
  const { offsets } = layout(space)
  const point: Record<string, Space.Choice> = {}
  space.params.forEach((p, j) => {
    if (!Space.isActive(p, point)) return
    if (p.type === "categorical") {
      let best = 0
      for (let c = 1; c < p.choices.length; c++) if (x[offsets[j] + c] > x[offsets[j] + best]) best = c
      point[p.name] = p.choices[best]
    } else point[p.name] = Space.unitValue(p, x[offsets[j]])
  })
  return point
}

/** The fitted GP's pieces the acquisition needs, on the standardised scale. */
export interface Surrogate {
  readonly X: Matrix.Matrix
  readonly L: Matrix.Matrix
  readonly alpha: Float64Array
  readonly amplitude: number
  /** 1/ℓ_j². */
  readonly inverseSquaredLengths: Float64Array
  /** The incumbent: min of the standardised observations. */
  readonly best: number
}

/** amplitude·Matérn-5/2(ARD over `width` features) + White, started at length-scales ½, amplitude 1, noise 1e-3 (clamped into the bounds). */
export const kernel = (width: number, lengthScaleBounds: readonly [number, number] = [0.01, 20], noiseBounds: readonly [number, number] = [1e-6, 0.5]): Kernel.Kernel =>
  Kernel.sum(
    Kernel.scale(Kernel.matern({ nu: 2.5, lengthScale: new Array<number>(width).fill(Math.min(lengthScaleBounds[1], Math.max(lengthScaleBounds[0], 0.5))), lengthScaleBounds }), { bounds: [0.05, 20] }),
    Kernel.white({ noise: Math.min(noiseBounds[1], Math.max(noiseBounds[0], 1e-3)), noiseBounds })
  )

/** The acquisition's view of a GP fitted to `yt` (the incumbent is the best of `yt`). */
export const surrogate = (fitted: Gp.Fitted, yt: Float64Array): Surrogate => {
  const k = fitted.kernel
  if (k._tag !== "Sum" || k.left._tag !== "Product" || k.left.left._tag !== "Constant" || k.left.right._tag !== "Matern") {
    throw new Error(`GpEi: unexpected fitted kernel ${Kernel.describe(k)}`)
  }
  let best = Number.POSITIVE_INFINITY
  for (const v of yt) best = Math.min(best, v)
  return {
    X: fitted.X,
    L: fitted.L,
    alpha: fitted.alpha,
    amplitude: k.left.left.value.value,
    inverseSquaredLengths: Float64Array.from(k.left.right.lengthScale, (h) => 1 / (h.value * h.value)),
    best
  }
}

/**
 * The values the GP models: (y − c)/sd(y) with c the worst (largest) value ("worst") or the mean
 * ("average"); sd is the population standard deviation (1 when every value is equal).
 */
export const standardise = (y: Float64Array, priorMean: "worst" | "average"): Float64Array => {
  const n = y.length
  let mean = 0
  let worst = Number.NEGATIVE_INFINITY
  for (const v of y) {
    mean += v / n
    worst = Math.max(worst, v)
  }
  let variance = 0
  for (const v of y) variance += (v - mean) ** 2 / n
  const sd = variance > 0 ? Math.sqrt(variance) : 1
  const c = priorMean === "worst" ? worst : mean
  return Float64Array.from(y, (v) => (v - c) / sd)
}

/**
 * The GP of step 2 on standardised values `yt`: hyperparameters maximising
 * log p(yt | X, θ) + Σ_j log Gamma(ℓ_j; shape, rate) over log θ within the bounds
 * (`GpRegression.minimizeWithRestarts`, the optimiser `GpRegression.fit` uses), then conditioned
 * on the data by `GpRegression.fit` with those hyperparameters kept.
 */
export const fitSurrogate = (
  k0: Kernel.Kernel,
  X: Matrix.Matrix,
  yt: Float64Array,
  prior: readonly [number, number] | "none",
  restarts: number,
  rng: Random.Generator
): Gp.Fitted => {
  if (prior === "none") return Gp.fit(k0, X, yt, { restarts, rng, optimizer: { maxEvaluations: 200 } })
  const [shape, rate] = prior
  const isLength = Kernel.names(k0).map((name) => name.startsWith("lengthScale"))
  const objective = (logTheta: Float64Array) => {
    try {
      const l = Gp.logMarginalLikelihood(Kernel.withTheta(k0, logTheta), X, yt)
      let value = l.value
      const gradient = Float64Array.from(l.gradient)
      logTheta.forEach((t, j) => {
        if (!isLength[j]) return
        // log Gamma(ℓ; a, b) = (a − 1)·log ℓ − b·ℓ + const; d/d log ℓ = (a − 1) − b·ℓ
        value += (shape - 1) * t - rate * Math.exp(t)
        gradient[j] += shape - 1 - rate * Math.exp(t)
      })
      return { value: -value, gradient: gradient.map((g) => -g) }
    } catch (error) {
      if (error instanceof NumericalError) return { value: Number.POSITIVE_INFINITY, gradient: new Float64Array(logTheta.length) }
      throw error
    }
  }
  const { best } = Gp.minimizeWithRestarts(objective, Kernel.theta(k0), Kernel.bounds(k0), restarts, rng, { maxEvaluations: 200 })
  return Gp.fit(best === undefined ? k0 : Kernel.withTheta(k0, best), X, yt, { optimize: false })
}

/** log EI at x and, when `gradient` is given, its gradient written into it. */
export const acquisition = (s: Surrogate, x: Float64Array, gradient?: Float64Array): number => {
  const n = s.X.rows
  const D = s.X.cols
  const Xd = s.X.data
  const kv = new Float64Array(n)
  const coef = new Float64Array(n)
  let mu = 0
  for (let i = 0; i < n; i++) {
    let r2 = 0
    for (let j = 0; j < D; j++) {
      const d = x[j] - Xd[i * D + j]
      r2 += d * d * s.inverseSquaredLengths[j]
    }
    const r = Math.sqrt(r2)
    const e = Math.exp(-SQRT5 * r)
    kv[i] = s.amplitude * (1 + SQRT5 * r + (5 / 3) * r2) * e
    coef[i] = -(5 / 3) * s.amplitude * (1 + SQRT5 * r) * e
    mu += kv[i] * s.alpha[i]
  }
  const v = Cholesky.solveLower(s.L, kv)
  let q = 0
  for (let i = 0; i < n; i++) q += v[i] * v[i]
  const variance = Math.max(s.amplitude - q, 1e-12 * s.amplitude)
  const sigma = Math.sqrt(variance)
  const z = (s.best - mu) / sigma
  const value = Math.log(sigma) + LogEi.logH(z)
  if (gradient !== undefined) {
    const w = Cholesky.solveUpper(s.L, v)
    const dh = LogEi.dLogH(z)
    for (let j = 0; j < D; j++) {
      let dmu = 0
      let dvar = 0
      for (let i = 0; i < n; i++) {
        const dk = coef[i] * (x[j] - Xd[i * D + j]) * s.inverseSquaredLengths[j]
        dmu += s.alpha[i] * dk
        dvar -= 2 * w[i] * dk
      }
      const dsigma = dvar / (2 * sigma)
      gradient[j] = dsigma / sigma + dh * (-dmu / sigma - (z * dsigma) / sigma)
    }
  }
  return value
}

export const sampler = (options: Options = {}): Sampler.Sampler => {
  const startup = options.startupTrials ?? 10
  const restarts = options.restarts ?? 2
  const rawSamples = options.rawSamples ?? 512
  const perturbedSamples = options.perturbedSamples ?? 256
  const starts = options.starts ?? 5
  return {
    name: "gp-ei",
    pending: "constantLiar",
    propose: ({ space, trials, rng }) => {
      const observed = Sampler.observed(trials)
      if (observed.length < startup) return Space.fromUnit(space, Float64Array.from(space.params, () => rng.uniform()))
      const { width } = layout(space)
      const n = observed.length
      const X = Matrix.make(n, width)
      observed.forEach((t, i) => X.data.set(features(space, t.params), i * width))
      const y = Float64Array.from(observed, (t) => t.value)
      const yt = standardise(y, options.priorMean ?? "worst")
      const fitted = fitSurrogate(kernel(width, options.lengthScaleBounds, options.noiseBounds), X, yt, options.lengthScalePrior ?? [3, 6], restarts, rng.fork("gp-ei/restarts"))
      const s = surrogate(fitted, yt)

      // candidates: uniform points and perturbations of the best observed points
      const bestRows = observed.map((_, i) => i).sort((a, b) => y[a] - y[b]).slice(0, 5)
      const candidates: Array<Float64Array> = []
      for (let c = 0; c < rawSamples; c++) candidates.push(Float64Array.from({ length: width }, () => rng.uniform()))
      for (let c = 0; c < perturbedSamples; c++) {
        const base = X.data.subarray(bestRows[c % bestRows.length] * width, (bestRows[c % bestRows.length] + 1) * width)
        candidates.push(Float64Array.from(base, (b) => Math.min(1, Math.max(0, b + 0.05 * rng.normal()))))
      }
      const scored = candidates.map((x) => ({ x, value: acquisition(s, x) })).sort((a, b) => b.value - a.value)
      const bounds = new Array<readonly [number, number]>(width).fill([0, 1])
      let bestX = scored[0].x
      let bestValue = scored[0].value
      for (const start of scored.slice(0, starts)) {
        const res = Optimizer.minimize((x) => {
          const g = new Float64Array(width)
          const value = acquisition(s, x, g)
          for (let j = 0; j < width; j++) g[j] = -g[j]
          return { value: -value, gradient: g }
        }, start.x, bounds, { maxEvaluations: 100 })
        if (-res.value > bestValue) {
          bestValue = -res.value
          bestX = res.x
        }
      }
      return decode(space, bestX)
    }
  }
}
