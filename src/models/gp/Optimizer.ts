/**
 * Bound-constrained minimisation of a smooth function with a gradient: projected L-BFGS with an
 * active set (not the Cauchy-point/subspace machinery of L-BFGS-B, but the same interface and,
 * on the GP likelihood, the same optima).
 *
 * Algorithm, per iteration: variables at a bound whose gradient pushes outwards are held fixed
 * (the ε-active set of Bertsekas' projected Newton method); the L-BFGS two-loop recursion
 * (memory `memory`, initial scaling sᵀy/yᵀy) gives a direction on the free ones, falling back to
 * steepest descent when it is not a descent direction; a strong-Wolfe line search (c1 = 1e-4,
 * c2 = 0.9, extrapolation and cubic zoom) runs along the projected path x(t) = P(x + t·d), so one
 * step may take several variables to their bounds. Curvature pairs with sᵀy ≤ 1e-10·yᵀy are
 * skipped. (Armijo backtracking alone was tried first: on the steep, exponential-looking
 * likelihood surfaces of badly started GPs it took tiny steps and stopped on ftol far from a
 * minimum.)
 * Stopping: ‖P(x − g) − x‖∞ ≤ `pgtol` or a relative decrease of f below `ftol` (scipy's
 * L-BFGS-B defaults: 1e-5 and factr·ε = 2.2e-9), else `maxIterations`.
 *
 * Conventions: x, bounds and gradients in float64; `bounds[i] = [lo, hi]` with lo ≤ hi (use
 * ±Infinity for a free side). The objective may return a non-finite value (e.g. a Cholesky that
 * failed): the line search then shortens the step, and a non-finite start is reported as failure.
 *
 * Citation: Bertsekas, SIAM J. Control Optim. 20(2) (1982) 221–246; Nocedal & Wright, Numerical
 * Optimization (2nd ed.), Alg. 7.4 (two-loop recursion) and Alg. 3.5–3.6 (line search); Kim, Sra
 * & Dhillon, Optim. Methods Softw. 25(3) (2010) (projected quasi-Newton with bounds).
 */

export interface Evaluation {
  readonly value: number
  readonly gradient: Float64Array
}

export type Objective = (x: Float64Array) => Evaluation

export interface MinimizeOptions {
  /** Iterations (line searches). Default 15000, as scipy's L-BFGS-B. */
  readonly maxIterations?: number
  /** Objective evaluations in all. Default 15000. */
  readonly maxEvaluations?: number
  /** Curvature pairs kept. Default 10. */
  readonly memory?: number
  /** Stop when the projected gradient's largest entry is at most this. Default 1e-5. */
  readonly pgtol?: number
  /** Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol. Default 2.220446e-9. */
  readonly ftol?: number
}

export interface MinimizeResult {
  readonly x: Float64Array
  readonly value: number
  readonly gradient: Float64Array
  readonly iterations: number
  readonly evaluations: number
  readonly converged: boolean
  /** Why it stopped, in words. */
  readonly message: string
}

const project = (x: Float64Array, bounds: ReadonlyArray<readonly [number, number]>): void => {
  for (let i = 0; i < x.length; i++) {
    const [lo, hi] = bounds[i]
    if (x[i] < lo) x[i] = lo
    else if (x[i] > hi) x[i] = hi
  }
}

const projectedGradientNorm = (x: Float64Array, g: Float64Array, bounds: ReadonlyArray<readonly [number, number]>): number => {
  let m = 0
  for (let i = 0; i < x.length; i++) {
    const [lo, hi] = bounds[i]
    const step = Math.min(hi, Math.max(lo, x[i] - g[i])) - x[i]
    m = Math.max(m, Math.abs(step))
  }
  return m
}

const dotv = (a: Float64Array, b: Float64Array): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

interface Point {
  readonly t: number
  readonly x: Float64Array<ArrayBuffer>
  readonly e: Evaluation
  /** φ(t) = f(P(x + t·d)); +∞ where f is not finite. */
  readonly phi: number
  /** φ'(t): the gradient along the unclipped components of d. */
  readonly dphi: number
}

const C1 = 1e-4
const C2 = 0.9

/**
 * Strong-Wolfe line search (Nocedal & Wright Alg. 3.5 and 3.6, cubic interpolation) on
 * φ(t) = f(P(x + t·d)), the objective along the projected path. Extrapolates ×4 while the slope
 * stays steep, up to the point where every component has reached its bound. Returns the accepted
 * point (Armijo at least) or undefined, and the evaluations spent.
 */
const lineSearch = (
  f: Objective,
  x: Float64Array,
  fx: number,
  g: Float64Array,
  d: Float64Array,
  slope: number,
  bounds: ReadonlyArray<readonly [number, number]>,
  budget: number
): { readonly accepted: Point | undefined; readonly evaluations: number } => {
  const n = x.length
  let evaluations = 0
  // beyond tEnd the projected path no longer moves
  let tEnd = 0
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) continue
    const [lo, hi] = bounds[i]
    const room = d[i] > 0 ? (hi - x[i]) / d[i] : (lo - x[i]) / d[i]
    tEnd = Math.max(tEnd, room)
  }
  const at = (t: number): Point | undefined => {
    if (evaluations >= budget) return undefined
    evaluations++
    const xt = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const [lo, hi] = bounds[i]
      xt[i] = Math.min(hi, Math.max(lo, x[i] + t * d[i]))
    }
    const e = f(xt)
    const finite = Number.isFinite(e.value) && e.gradient.every((v) => Number.isFinite(v))
    let dphi = 0
    if (finite) {
      for (let i = 0; i < n; i++) {
        const [lo, hi] = bounds[i]
        const raw = x[i] + t * d[i]
        if (raw > lo && raw < hi) dphi += e.gradient[i] * d[i]
      }
    }
    return { t, x: xt, e, phi: finite ? e.value : Number.POSITIVE_INFINITY, dphi: finite ? dphi : Number.NaN }
  }
  const armijo = (p: Point): boolean => p.phi <= fx + C1 * p.t * slope
  const zoom = (lo: Point | undefined, hi: Point): Point | undefined => {
    let loT = lo?.t ?? 0
    let loPhi = lo?.phi ?? fx
    let loDphi = lo?.dphi ?? slope
    let best = lo
    let h = hi
    for (let k = 0; k < 30; k++) {
      const width = h.t - loT
      let t: number
      if (Number.isFinite(h.phi)) {
        // minimiser of the cubic through (loT, loPhi, loDphi) and (h.t, h.phi, h.dphi)
        const d1 = loDphi + h.dphi - (3 * (loPhi - h.phi)) / (loT - h.t)
        const disc = d1 * d1 - loDphi * h.dphi
        const d2 = Math.sign(h.t - loT) * Math.sqrt(Math.max(0, disc))
        t = h.t - (h.t - loT) * ((h.dphi + d2 - d1) / (h.dphi - loDphi + 2 * d2))
        if (!Number.isFinite(t) || disc < 0) t = loT + 0.5 * width
      } else t = loT + 0.1 * width
      const a = Math.min(loT, h.t)
      const b = Math.max(loT, h.t)
      t = Math.min(b - 0.1 * (b - a), Math.max(a + 0.1 * (b - a), t))
      const p = at(t)
      if (p === undefined) return best
      if (!armijo(p) || p.phi >= loPhi) h = p
      else {
        if (Math.abs(p.dphi) <= -C2 * slope) return p
        if (p.dphi * (h.t - loT) >= 0) h = { ...h, t: loT, phi: loPhi, dphi: loDphi }
        loT = p.t
        loPhi = p.phi
        loDphi = p.dphi
        best = p
      }
      if (Math.abs(h.t - loT) <= 1e-12 * Math.max(1, Math.abs(loT))) break
    }
    return best
  }
  let previous: Point | undefined
  let t = Math.min(1, tEnd)
  for (let k = 0; k < 30 && t > 0; k++) {
    const p = at(t)
    if (p === undefined) return { accepted: previous, evaluations }
    if (!armijo(p) || (previous !== undefined && p.phi >= previous.phi)) return { accepted: zoom(previous, p), evaluations }
    if (Math.abs(p.dphi) <= -C2 * slope) return { accepted: p, evaluations }
    if (p.dphi >= 0) return { accepted: zoom(p, previous ?? { t: 0, x: Float64Array.from(x), e: { value: fx, gradient: g }, phi: fx, dphi: slope }), evaluations }
    if (t >= tEnd) return { accepted: p, evaluations }
    previous = p
    t = Math.min(4 * t, tEnd)
  }
  return { accepted: previous, evaluations }
}

/**
 * Minimises f over the box `bounds` from x0 (projected onto the box first).
 *
 * When to use: smooth objectives of a few to a few hundred variables with cheap-enough gradients,
 * e.g. −log marginal likelihood over log-hyperparameters. Gotchas: finds a local minimum; restart
 * from several points for multimodal objectives. The result carries the best point evaluated.
 */
export const minimize = (
  f: Objective,
  x0: ArrayLike<number>,
  bounds: ReadonlyArray<readonly [number, number]>,
  options: MinimizeOptions = {}
): MinimizeResult => {
  const { maxIterations = 15000, maxEvaluations = 15000, memory = 10, pgtol = 1e-5, ftol = 2.220446049250313e-9 } = options
  const n = x0.length
  if (bounds.length !== n) throw new RangeError(`Optimizer.minimize: ${bounds.length} bounds for ${n} variables`)
  let x: Float64Array<ArrayBuffer> = Float64Array.from(x0)
  project(x, bounds)
  let evaluations = 1
  const current = f(x)
  let fx = current.value
  let g = Float64Array.from(current.gradient)
  const done = (iterations: number, converged: boolean, message: string): MinimizeResult =>
    ({ x, value: fx, gradient: g, iterations, evaluations, converged, message })
  if (!Number.isFinite(fx) || g.some((v) => !Number.isFinite(v))) return done(0, false, `objective not finite at the start (f = ${fx})`)

  const S: Array<Float64Array> = []
  const Y: Array<Float64Array> = []
  const rho: Array<number> = []
  const free = new Uint8Array(n)
  const d = new Float64Array(n)
  const alphas = new Float64Array(memory)

  for (let iter = 0; iter < maxIterations; iter++) {
    const pgNorm = projectedGradientNorm(x, g, bounds)
    if (pgNorm <= pgtol) return done(iter, true, `projected gradient ${pgNorm.toExponential(2)} ≤ pgtol`)

    // ε-active set: at (or within ε of) a bound with the gradient pointing out of the box
    const eps = Math.min(1e-8, pgNorm)
    for (let i = 0; i < n; i++) {
      const [lo, hi] = bounds[i]
      free[i] = (x[i] <= lo + eps && g[i] > 0) || (x[i] >= hi - eps && g[i] < 0) ? 0 : 1
    }

    // two-loop recursion on the free variables
    const direction = (): void => {
      for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0
      if (S.length === 0) {
        const norm = Math.sqrt(dotv(d, d))
        if (norm > 1) for (let i = 0; i < n; i++) d[i] /= norm
        return
      }
      for (let k = S.length - 1; k >= 0; k--) {
        let a = 0
        for (let i = 0; i < n; i++) if (free[i]) a += S[k][i] * d[i]
        a *= rho[k]
        alphas[k] = a
        for (let i = 0; i < n; i++) if (free[i]) d[i] -= a * Y[k][i]
      }
      const last = S.length - 1
      const gamma = dotv(S[last], Y[last]) / dotv(Y[last], Y[last])
      for (let i = 0; i < n; i++) d[i] *= gamma
      for (let k = 0; k < S.length; k++) {
        let b = 0
        for (let i = 0; i < n; i++) if (free[i]) b += Y[k][i] * d[i]
        b *= rho[k]
        for (let i = 0; i < n; i++) if (free[i]) d[i] += S[k][i] * (alphas[k] - b)
      }
    }
    direction()
    let slope = dotv(g, d)
    if (!(slope < 0)) {
      S.length = 0
      Y.length = 0
      rho.length = 0
      direction()
      slope = dotv(g, d)
      if (!(slope < 0)) return done(iter, true, "no descent direction within the bounds")
    }

    const step = lineSearch(f, x, fx, g, d, slope, bounds, maxEvaluations - evaluations)
    evaluations += step.evaluations
    if (step.accepted === undefined) {
      if (evaluations >= maxEvaluations) return done(iter, false, `reached maxEvaluations = ${maxEvaluations}`)
      if (S.length > 0) {
        // the quasi-Newton model misled us: forget it and retry along −g
        S.length = 0
        Y.length = 0
        rho.length = 0
        continue
      }
      return done(iter, false, "line search found no decrease along the projected steepest-descent path")
    }
    const accepted = step.accepted

    const s = new Float64Array(n)
    const yv = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      s[i] = accepted.x[i] - x[i]
      yv[i] = accepted.e.gradient[i] - g[i]
    }
    const sy = dotv(s, yv)
    const yy = dotv(yv, yv)
    if (sy > 1e-10 * yy && yy > 0) {
      if (S.length === memory) {
        S.shift()
        Y.shift()
        rho.shift()
      }
      S.push(s)
      Y.push(yv)
      rho.push(1 / sy)
    }
    const previous = fx
    x = accepted.x
    fx = accepted.e.value
    g = Float64Array.from(accepted.e.gradient)
    if ((previous - fx) / Math.max(Math.abs(previous), Math.abs(fx), 1) <= ftol) {
      return done(iter + 1, true, "relative reduction of f below ftol")
    }
  }
  return done(maxIterations, false, `reached maxIterations = ${maxIterations}`)
}
