/**
 * Platt scaling: P(class 1 | f) = 1/(1 + exp(A·f + B)) fitted to decision values f, turning an SVM
 * margin into a probability (Platt, "Probabilistic outputs for support vector machines", 1999),
 * with the numerically stable Newton method and line search of Lin, Lin & Weng, "A note on Platt's
 * probabilistic outputs for support vector machines", Machine Learning 68 (2007), Algorithm 1
 * (libsvm's `sigmoid_train`).
 *
 * Conventions: labels are 1 (positive) and anything else (negative); Platt's smoothed targets
 * t₊ = (N₊ + 1)/(N₊ + 2), t₋ = 1/(N₋ + 2) replace 1 and 0, so the fit stays finite on separable
 * data. A good classifier has A < 0 (larger f, more likely class 1). The objective is the
 * cross-entropy F(A, B) = Σ_i [t_i·(Af_i + B) + log(1 + exp(−(Af_i + B)))], minimised with
 * Newton steps on a Hessian ridged by 1e-12, stopping when |∂F/∂A|, |∂F/∂B| < 1e-5.
 *
 * When to use: fit on decision values the SVM did not train on (cross-validated, `Svc` does 5-fold)
 * or the in-sample ones; in-sample values are over-confident (the margin was optimised on them).
 */
import { DataError } from "../../core/Errors.ts"

export interface Sigmoid {
  readonly a: number
  readonly b: number
  readonly iterations: number
  /** Set when the Newton iteration stopped without reaching the gradient tolerance. */
  readonly warning?: string
}

const MAX_ITER = 100
const MIN_STEP = 1e-10
const SIGMA = 1e-12
const EPS = 1e-5

/** The per-point loss t·z + log(1 + e^{−z}), written so that neither branch overflows. */
const loss = (t: number, z: number): number => (z >= 0 ? t * z + Math.log1p(Math.exp(-z)) : (t - 1) * z + Math.log1p(Math.exp(z)))

/** Platt's smoothed targets: t₊ = (N₊ + 1)/(N₊ + 2) for label 1, t₋ = 1/(N₋ + 2) otherwise. */
export const targets = (labels: ArrayLike<number>): Float64Array => {
  let prior1 = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) prior1++
  const prior0 = labels.length - prior1
  const hi = (prior1 + 1) / (prior1 + 2)
  const lo = 1 / (prior0 + 2)
  return Float64Array.from({ length: labels.length }, (_, i) => (labels[i] === 1 ? hi : lo))
}

/** F(A, B) for decision values f and smoothed targets t (see `targets`). */
export const objective = (f: ArrayLike<number>, t: ArrayLike<number>, a: number, b: number): number => {
  let v = 0
  for (let i = 0; i < f.length; i++) v += loss(t[i], f[i] * a + b)
  return v
}

/** Fits (A, B) to decision values f (n) and labels (n, 1 = positive). Lin, Lin & Weng (2007), Algorithm 1. */
export const fit = (f: ArrayLike<number>, labels: ArrayLike<number>): Sigmoid => {
  const n = f.length
  if (labels.length !== n || n === 0) {
    throw new DataError({ source: "Platt.fit", message: `${n} decision values and ${labels.length} labels: give one label per value, at least one` })
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(f[i])) throw new DataError({ source: "Platt.fit", row: i + 1, message: `decision value ${f[i]} is not finite` })
  }
  const t = targets(labels)
  let prior1 = 0
  for (let i = 0; i < n; i++) if (labels[i] === 1) prior1++
  const prior0 = n - prior1
  let a = 0
  let b = Math.log((prior0 + 1) / (prior1 + 1))
  let fval = objective(f, t, a, b)
  let iter = 0
  let warning: string | undefined
  for (; iter < MAX_ITER; iter++) {
    // Gradient and Hessian, p = P(y=1), q = 1 − p evaluated without overflow.
    let h11 = SIGMA
    let h22 = SIGMA
    let h21 = 0
    let g1 = 0
    let g2 = 0
    for (let i = 0; i < n; i++) {
      const z = f[i] * a + b
      let p: number
      let q: number
      if (z >= 0) {
        const e = Math.exp(-z)
        p = e / (1 + e)
        q = 1 / (1 + e)
      } else {
        const e = Math.exp(z)
        p = 1 / (1 + e)
        q = e / (1 + e)
      }
      const d2 = p * q
      h11 += f[i] * f[i] * d2
      h22 += d2
      h21 += f[i] * d2
      const d1 = t[i] - p
      g1 += f[i] * d1
      g2 += d1
    }
    if (Math.abs(g1) < EPS && Math.abs(g2) < EPS) break
    const det = h11 * h22 - h21 * h21
    const dA = -(h22 * g1 - h21 * g2) / det
    const dB = -(-h21 * g1 + h11 * g2) / det
    const gd = g1 * dA + g2 * dB
    let step = 1
    while (step >= MIN_STEP) {
      const na = a + step * dA
      const nb = b + step * dB
      const nf = objective(f, t, na, nb)
      if (nf < fval + 1e-4 * step * gd) {
        a = na
        b = nb
        fval = nf
        break
      }
      step /= 2
    }
    if (step < MIN_STEP) {
      warning = "Platt scaling: the line search failed; the sigmoid is the last point reached"
      break
    }
  }
  if (iter >= MAX_ITER) warning = `Platt scaling: no convergence in ${MAX_ITER} Newton iterations`
  return { a, b, iterations: iter, ...(warning === undefined ? {} : { warning }) }
}

/** P(class 1 | f) = 1/(1 + exp(A f + B)), evaluated without overflow. */
export const probability = (s: Sigmoid, f: number): number => {
  const z = f * s.a + s.b
  if (z >= 0) {
    const e = Math.exp(-z)
    return e / (1 + e)
  }
  return 1 / (1 + Math.exp(z))
}
