/**
 * Sequential minimal optimisation for the SVM duals, as libsvm's `Solver` (Chang & Lin, LIBSVM: a
 * library for support vector machines, ACM TIST 2011, §4): two variables at a time, chosen by the
 * second-order working-set selection of Fan, Chen & Lin (JMLR 6, 2005, "WSS 2"), an LRU cache of
 * kernel rows (`Cache.ts`) and optional shrinking.
 *
 * The problem solved is libsvm's general form
 *     min_α ½ αᵀQα + pᵀα   s.t.  yᵀα = 0,  0 ≤ α_t ≤ C_t,   y_t ∈ {+1, −1},
 * with Q_ts = y_t y_s K(x_t, x_s).
 * - C-SVC (`classify`): p = −1, C_t = C (or C₊/C₋ per class); decision f(x) = Σ_i coef_i K(x_i, x) − ρ
 *   with coef_i = α_i y_i (libsvm's ρ convention; f > 0 means y = +1).
 * - ε-SVR (`regress`): 2n variables (α, α*), p = (ε − y, ε + y), y = (+1…, −1…), C_t = C;
 *   f(x) = Σ_i (α_i − α*_i) K(x_i, x) − ρ.
 * Stopping (libsvm's): the maximal violating pair's gap m(α) − M(α) < tol, default 1e-3. ρ is the
 * mean of y_t∇_t f over free variables, else the midpoint of the feasible interval.
 *
 * Conventions: float64 throughout (libsvm keeps Q in float32; solutions agree to the stopping
 * tolerance). τ = 1e-12 replaces a non-positive curvature, so indefinite kernels still terminate.
 * Comments "libsvm:" name the routine of svm.cpp a block follows.
 *
 * When to use: through `Svc` / `Svr`; directly when you want the raw dual (KKT checks, tests).
 * Gotchas: reaching `maxIterations` is not an error: the solution is returned with
 * `converged: false` and a `warning`, as libsvm prints and carries on.
 */
import { ConfigError, DataError, NumericalError } from "../../core/Errors.ts"
import * as Cache from "./Cache.ts"
import type { KernelRows } from "./KernelRows.ts"

export interface Options {
  /** Stopping tolerance on the maximal KKT violation m(α) − M(α). Default 1e-3 (libsvm's -e). */
  readonly tol?: number
  /** Kernel-row cache budget in MiB. Default 200 (scikit-learn's cache_size); 0 disables the cache. */
  readonly cacheMb?: number
  /** Temporarily drop bounded variables that are unlikely to move. Default true (libsvm's -h 1). */
  readonly shrinking?: boolean
  /** Iteration cap. Default max(10⁷, 100·l), l the number of dual variables (libsvm's). */
  readonly maxIterations?: number
}

export interface Solution {
  /** The dual variables, each in [0, C_t]: n of them for C-SVC, 2n (α then α*) for ε-SVR. */
  readonly alpha: Float64Array
  /** The expansion coefficients of f, one per training point: α_i y_i (SVC) or α_i − α*_i (SVR). */
  readonly coef: Float64Array
  /** f(x) = Σ coef_i K(x_i, x) − rho. */
  readonly rho: number
  /** Training indices with coef ≠ 0, ascending. */
  readonly support: Int32Array
  readonly iterations: number
  /** The dual objective ½αᵀQα + pᵀα at the solution. */
  readonly objective: number
  readonly converged: boolean
  readonly warning?: string
  readonly cacheHits: number
  readonly cacheMisses: number
}

const TAU = 1e-12
const LOWER = 0
const UPPER = 1
const FREE = 2

/** Q as the solver sees it: rows in the solver's current (permuted) order, its diagonal, and swaps. */
interface QMatrix {
  readonly qd: Float64Array
  getQ(i: number, len: number): Float64Array
  swap(i: number, j: number): void
  readonly cache: Cache.Cache
}

const makeCache = (n: number, cacheMb: number): Cache.Cache => (cacheMb > 0 ? Cache.make(n, cacheMb) : Cache.none(n))

// libsvm: SVC_Q. The cache is indexed in the solver's order and rows may be partial. Position t
// of the solver holds training point order[t]; y is in the solver's order.
const svcQ = (rows: KernelRows, y: Int8Array, order: Int32Array, cacheMb: number): QMatrix => {
  const l = rows.n
  const index = Int32Array.from(order)
  const sign = Int8Array.from(y)
  const qd = Float64Array.from({ length: l }, (_, t) => rows.diag(order[t]))
  const cache = makeCache(l, cacheMb)
  const getQ = (i: number, len: number): Float64Array => {
    const start = cache.request(i, len)
    const data = cache.data(i)
    if (start < len) {
      rows.row(index[i], index, start, len, data)
      const si = sign[i]
      for (let j = start; j < len; j++) if (si !== sign[j]) data[j] = -data[j]
    }
    return data
  }
  const swap = (i: number, j: number): void => {
    cache.swap(i, j)
    let t = index[i]
    index[i] = index[j]
    index[j] = t
    t = sign[i]
    sign[i] = sign[j]
    sign[j] = t
    const q = qd[i]
    qd[i] = qd[j]
    qd[j] = q
  }
  return { qd, getQ, swap, cache }
}

// libsvm: SVR_Q. Full kernel rows cached by training index; Q rows assembled into two alternating buffers.
const svrQ = (rows: KernelRows, cacheMb: number): QMatrix => {
  const l = rows.n
  const identity = Int32Array.from({ length: l }, (_, i) => i)
  const sign = new Int8Array(2 * l)
  const index = new Int32Array(2 * l)
  const qd = new Float64Array(2 * l)
  for (let k = 0; k < l; k++) {
    sign[k] = 1
    sign[k + l] = -1
    index[k] = k
    index[k + l] = k
    qd[k] = rows.diag(k)
    qd[k + l] = qd[k]
  }
  const buffers = [new Float64Array(2 * l), new Float64Array(2 * l)]
  let nextBuffer = 0
  const cache = makeCache(l, cacheMb)
  const getQ = (i: number, len: number): Float64Array => {
    const real = index[i]
    if (cache.request(real, l) < l) rows.row(real, identity, 0, l, cache.data(real))
    const data = cache.data(real)
    const buf = buffers[nextBuffer]
    nextBuffer = 1 - nextBuffer
    const si = sign[i]
    for (let j = 0; j < len; j++) buf[j] = si * sign[j] * data[index[j]]
    return buf
  }
  const swap = (i: number, j: number): void => {
    let t = sign[i]
    sign[i] = sign[j]
    sign[j] = t
    t = index[i]
    index[i] = index[j]
    index[j] = t
    const q = qd[i]
    qd[i] = qd[j]
    qd[j] = q
  }
  return { qd, getQ, swap, cache }
}

interface Raw {
  readonly alpha: Float64Array
  readonly rho: number
  readonly objective: number
  readonly iterations: number
  readonly converged: boolean
}

// libsvm: Solver::Solve. Arrays are permuted in place by shrinking; `active` maps back.
const solve = (
  l: number,
  Q: QMatrix,
  p0: Float64Array,
  y0: Int8Array,
  Cp: number,
  Cn: number,
  eps: number,
  shrinking: boolean,
  maxIter: number
): Raw => {
  const p = Float64Array.from(p0)
  const y = Int8Array.from(y0)
  const alpha = new Float64Array(l)
  const status = new Uint8Array(l)
  const active = Int32Array.from({ length: l }, (_, i) => i)
  const G = new Float64Array(l)
  const Gbar = new Float64Array(l)
  const QD = Q.qd
  let activeSize = l
  let unshrink = false

  const getC = (i: number): number => (y[i] > 0 ? Cp : Cn)
  const updateStatus = (i: number): void => {
    status[i] = alpha[i] >= getC(i) ? UPPER : alpha[i] <= 0 ? LOWER : FREE
  }
  for (let i = 0; i < l; i++) updateStatus(i)
  // α starts at 0 (all at the lower bound), so ∇f = p and Ḡ = 0.
  for (let i = 0; i < l; i++) G[i] = p[i]

  const swapIndex = (i: number, j: number): void => {
    Q.swap(i, j)
    let t = y[i]
    y[i] = y[j]
    y[j] = t
    let d = G[i]
    G[i] = G[j]
    G[j] = d
    t = status[i]
    status[i] = status[j]
    status[j] = t
    d = alpha[i]
    alpha[i] = alpha[j]
    alpha[j] = d
    d = p[i]
    p[i] = p[j]
    p[j] = d
    t = active[i]
    active[i] = active[j]
    active[j] = t
    d = Gbar[i]
    Gbar[i] = Gbar[j]
    Gbar[j] = d
  }

  // libsvm: Solver::reconstruct_gradient. ∇f of inactive variables from Ḡ and the free α.
  const reconstructGradient = (): void => {
    if (activeSize === l) return
    for (let j = activeSize; j < l; j++) G[j] = Gbar[j] + p[j]
    let nFree = 0
    for (let j = 0; j < activeSize; j++) if (status[j] === FREE) nFree++
    if (nFree * l > 2 * activeSize * (l - activeSize)) {
      for (let i = activeSize; i < l; i++) {
        const Qi = Q.getQ(i, activeSize)
        let g = 0
        for (let j = 0; j < activeSize; j++) if (status[j] === FREE) g += alpha[j] * Qi[j]
        G[i] += g
      }
    } else {
      for (let i = 0; i < activeSize; i++) {
        if (status[i] !== FREE) continue
        const Qi = Q.getQ(i, l)
        const ai = alpha[i]
        for (let j = activeSize; j < l; j++) G[j] += ai * Qi[j]
      }
    }
  }

  // libsvm: Solver::select_working_set (WSS 2 of Fan, Chen & Lin 2005).
  let outI = -1
  let outJ = -1
  const selectWorkingSet = (): boolean => {
    const n = activeSize
    const g = G
    const ys = y
    const st = status
    const qd = QD
    let Gmax = -Infinity
    let Gmax2 = -Infinity
    let GmaxIdx = -1
    let GminIdx = -1
    let objDiffMin = Infinity
    for (let t = 0; t < n; t++) {
      if (ys[t] === 1) {
        if (st[t] !== UPPER && -g[t] >= Gmax) {
          Gmax = -g[t]
          GmaxIdx = t
        }
      } else if (st[t] !== LOWER && g[t] >= Gmax) {
        Gmax = g[t]
        GmaxIdx = t
      }
    }
    const i = GmaxIdx
    if (i === -1) return true
    const Qi = Q.getQ(i, n)
    const QDi = qd[i]
    const yi = ys[i]
    for (let j = 0; j < n; j++) {
      if (ys[j] === 1) {
        if (st[j] !== LOWER) {
          const gj = g[j]
          const gradDiff = Gmax + gj
          if (gj >= Gmax2) Gmax2 = gj
          if (gradDiff > 0) {
            const quad = QDi + qd[j] - 2 * yi * Qi[j]
            const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU)
            if (objDiff <= objDiffMin) {
              GminIdx = j
              objDiffMin = objDiff
            }
          }
        }
      } else if (st[j] !== UPPER) {
        const gj = g[j]
        const gradDiff = Gmax - gj
        if (-gj >= Gmax2) Gmax2 = -gj
        if (gradDiff > 0) {
          const quad = QDi + qd[j] + 2 * yi * Qi[j]
          const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU)
          if (objDiff <= objDiffMin) {
            GminIdx = j
            objDiffMin = objDiff
          }
        }
      }
    }
    if (Gmax + Gmax2 < eps || GminIdx === -1) return true
    outI = GmaxIdx
    outJ = GminIdx
    return false
  }

  // libsvm: Solver::be_shrunk.
  const beShrunk = (i: number, Gmax1: number, Gmax2: number): boolean => {
    if (status[i] === UPPER) return y[i] === 1 ? -G[i] > Gmax1 : -G[i] > Gmax2
    if (status[i] === LOWER) return y[i] === 1 ? G[i] > Gmax2 : G[i] > Gmax1
    return false
  }

  // libsvm: Solver::do_shrinking.
  const doShrinking = (): void => {
    let Gmax1 = -Infinity // max { −y_i ∇_i f | i ∈ I_up(α) }
    let Gmax2 = -Infinity // max { y_i ∇_i f | i ∈ I_low(α) }
    for (let i = 0; i < activeSize; i++) {
      if (y[i] === 1) {
        if (status[i] !== UPPER && -G[i] >= Gmax1) Gmax1 = -G[i]
        if (status[i] !== LOWER && G[i] >= Gmax2) Gmax2 = G[i]
      } else {
        if (status[i] !== UPPER && -G[i] >= Gmax2) Gmax2 = -G[i]
        if (status[i] !== LOWER && G[i] >= Gmax1) Gmax1 = G[i]
      }
    }
    if (!unshrink && Gmax1 + Gmax2 <= eps * 10) {
      unshrink = true
      reconstructGradient()
      activeSize = l
    }
    for (let i = 0; i < activeSize; i++) {
      if (!beShrunk(i, Gmax1, Gmax2)) continue
      activeSize--
      while (activeSize > i) {
        if (!beShrunk(activeSize, Gmax1, Gmax2)) {
          swapIndex(i, activeSize)
          break
        }
        activeSize--
      }
    }
  }

  let iter = 0
  let counter = Math.min(l, 1000) + 1
  while (iter < maxIter) {
    if (--counter === 0) {
      counter = Math.min(l, 1000)
      if (shrinking) doShrinking()
    }
    if (selectWorkingSet()) {
      reconstructGradient()
      activeSize = l
      if (selectWorkingSet()) break
      counter = 1 // shrink again at the next iteration
    }
    iter++
    const i = outI
    const j = outJ

    // Two-variable sub-problem, clipped to the box (libsvm: Solver::Solve, "update alpha[i] and alpha[j]").
    const Qi = Q.getQ(i, activeSize)
    const Qj = Q.getQ(j, activeSize)
    const Ci = getC(i)
    const Cj = getC(j)
    const oldAi = alpha[i]
    const oldAj = alpha[j]
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * Qi[j]
      if (quad <= 0) quad = TAU
      const delta = (-G[i] - G[j]) / quad
      const diff = alpha[i] - alpha[j]
      alpha[i] += delta
      alpha[j] += delta
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0
          alpha[i] = diff
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0
        alpha[j] = -diff
      }
      if (diff > Ci - Cj) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci
          alpha[j] = Ci - diff
        }
      } else if (alpha[j] > Cj) {
        alpha[j] = Cj
        alpha[i] = Cj + diff
      }
    } else {
      let quad = QD[i] + QD[j] - 2 * Qi[j]
      if (quad <= 0) quad = TAU
      const delta = (G[i] - G[j]) / quad
      const sum = alpha[i] + alpha[j]
      alpha[i] -= delta
      alpha[j] += delta
      if (sum > Ci) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci
          alpha[j] = sum - Ci
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0
        alpha[i] = sum
      }
      if (sum > Cj) {
        if (alpha[j] > Cj) {
          alpha[j] = Cj
          alpha[i] = sum - Cj
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0
        alpha[j] = sum
      }
    }

    const dAi = alpha[i] - oldAi
    const dAj = alpha[j] - oldAj
    for (let k = 0; k < activeSize; k++) G[k] += Qi[k] * dAi + Qj[k] * dAj

    // Ḡ_k = Σ_{t at upper bound} C_t Q_tk, kept for reconstructing the gradient after shrinking.
    const wasUpperI = status[i] === UPPER
    const wasUpperJ = status[j] === UPPER
    updateStatus(i)
    updateStatus(j)
    if (wasUpperI !== (status[i] === UPPER)) {
      const row = Q.getQ(i, l)
      const c = wasUpperI ? -Ci : Ci
      for (let k = 0; k < l; k++) Gbar[k] += c * row[k]
    }
    if (wasUpperJ !== (status[j] === UPPER)) {
      const row = Q.getQ(j, l)
      const c = wasUpperJ ? -Cj : Cj
      for (let k = 0; k < l; k++) Gbar[k] += c * row[k]
    }
  }

  const converged = iter < maxIter
  if (!converged && activeSize < l) {
    reconstructGradient()
    activeSize = l
  }

  // libsvm: Solver::calculate_rho.
  let ub = Infinity
  let lb = -Infinity
  let nFree = 0
  let sumFree = 0
  for (let i = 0; i < activeSize; i++) {
    const yG = y[i] * G[i]
    if (status[i] === UPPER) {
      if (y[i] === -1) ub = Math.min(ub, yG)
      else lb = Math.max(lb, yG)
    } else if (status[i] === LOWER) {
      if (y[i] === 1) ub = Math.min(ub, yG)
      else lb = Math.max(lb, yG)
    } else {
      nFree++
      sumFree += yG
    }
  }
  const rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2

  // Here activeSize = l (the loop unshrinks before it stops), so G is the full gradient.
  let v = 0
  for (let i = 0; i < l; i++) v += alpha[i] * (G[i] + p[i])

  const out = new Float64Array(l)
  for (let i = 0; i < l; i++) out[active[i]] = alpha[i]
  return { alpha: out, rho, objective: v / 2, iterations: iter, converged }
}

const checkOptions = (l: number, options: Options): { tol: number; cacheMb: number; shrinking: boolean; maxIter: number } => {
  const tol = options.tol ?? 1e-3
  const cacheMb = options.cacheMb ?? 200
  const maxIter = options.maxIterations ?? Math.max(10_000_000, 100 * l)
  if (!(tol > 0) || !Number.isFinite(tol)) throw new ConfigError({ field: "svm.tol", message: `the SMO tolerance must be finite and > 0 (libsvm's default is 1e-3), got ${tol}` })
  if (!(cacheMb >= 0) || !Number.isFinite(cacheMb)) throw new ConfigError({ field: "svm.cacheMb", message: `the kernel cache budget must be ≥ 0 MiB (0 disables it; default 200), got ${cacheMb}` })
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new ConfigError({ field: "svm.maxIterations", message: `maxIterations must be a positive integer, got ${maxIter}` })
  return { tol, cacheMb, shrinking: options.shrinking ?? true, maxIter }
}

const checkC = (field: string, C: number): void => {
  if (!(C > 0) || !Number.isFinite(C)) throw new ConfigError({ field, message: `the SVM penalty must be finite and > 0 (try a log grid 0.1 … 1000), got ${C}` })
}

const finish = (raw: Raw, coef: Float64Array, Q: QMatrix, maxIter: number): Solution => {
  if (!Number.isFinite(raw.rho) || !Number.isFinite(raw.objective)) {
    throw new NumericalError({ reason: "NonFinite", message: `SMO ended with ρ = ${raw.rho}, objective ${raw.objective}: the kernel gave non-finite values; check the inputs and the kernel's hyperparameters` })
  }
  const support: Array<number> = []
  for (let i = 0; i < coef.length; i++) if (coef[i] !== 0) support.push(i)
  return {
    alpha: raw.alpha,
    coef,
    rho: raw.rho,
    support: Int32Array.from(support),
    iterations: raw.iterations,
    objective: raw.objective,
    converged: raw.converged,
    ...(raw.converged ? {} : { warning: `SMO reached maxIterations = ${maxIter} before the KKT gap fell below tol; raise maxIterations or tol, or scale the inputs` }),
    cacheHits: Q.cache.stats.hits,
    cacheMisses: Q.cache.stats.misses
  }
}

/**
 * C-SVC dual: labels y ∈ {+1, −1} (n), penalty C (or `{ positive, negative }` for class-weighted
 * C₊, C₋). Returns α ∈ [0, C] (n) and coef_i = α_i y_i with Σ coef_i = 0; f(x) = Σ coef_i K(x_i, x) − ρ.
 * Throws a DataError when y holds anything but ±1 or lacks a class.
 */
export const classify = (
  rows: KernelRows,
  y: ArrayLike<number>,
  C: number | { readonly positive: number; readonly negative: number },
  options: Options = {}
): Solution => {
  const l = rows.n
  if (y.length !== l) throw new DataError({ source: "Smo.classify", message: `${y.length} labels for ${l} kernel rows; give one ±1 label per training point` })
  const Cp = typeof C === "number" ? C : C.positive
  const Cn = typeof C === "number" ? C : C.negative
  checkC("svm.C", Cp)
  checkC("svm.C", Cn)
  const o = checkOptions(l, options)
  let positives = 0
  for (let i = 0; i < l; i++) {
    if (y[i] !== 1 && y[i] !== -1) throw new DataError({ source: "Smo.classify", row: i + 1, message: `label ${y[i]} is not ±1; map class 1 to +1 and class 0 to −1` })
    if (y[i] === 1) positives++
  }
  if (positives === 0 || positives === l) {
    throw new DataError({ source: "Smo.classify", message: `all ${l} labels are ${positives === 0 ? "−1" : "+1"}: a C-SVC needs both classes in its training set` })
  }
  // libsvm: svm_group_classes. The solver sees the +1 points first, then the −1 points (each in
  // the caller's order), so the per-variable label tests in its scans are predictable branches.
  const order = new Int32Array(l)
  const ys = new Int8Array(l)
  for (let i = 0, a = 0, b = positives; i < l; i++) {
    const t = y[i] === 1 ? a++ : b++
    order[t] = i
    ys[t] = y[i]
  }
  const Q = svcQ(rows, ys, order, o.cacheMb)
  const p = new Float64Array(l).fill(-1)
  const raw = solve(l, Q, p, ys, Cp, Cn, o.tol, o.shrinking, o.maxIter)
  const alpha = new Float64Array(l)
  const coef = new Float64Array(l)
  for (let t = 0; t < l; t++) {
    alpha[order[t]] = raw.alpha[t]
    coef[order[t]] = raw.alpha[t] * ys[t]
  }
  return finish({ ...raw, alpha }, coef, Q, o.maxIter)
}

/**
 * ε-SVR dual with 2n variables (α, α*) as libsvm: targets y (n), penalty C, tube half-width ε ≥ 0.
 * Returns alpha (2n: α then α*) and coef_i = α_i − α*_i; f(x) = Σ coef_i K(x_i, x) − ρ.
 */
export const regress = (rows: KernelRows, y: ArrayLike<number>, C: number, epsilon: number, options: Options = {}): Solution => {
  const l = rows.n
  if (y.length !== l) throw new DataError({ source: "Smo.regress", message: `${y.length} targets for ${l} kernel rows; give one target per training point` })
  if (l === 0) throw new DataError({ source: "Smo.regress", message: "no training points" })
  checkC("svm.C", C)
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new ConfigError({ field: "svm.epsilon", message: `ε must be finite and ≥ 0 (the half-width of the insensitive tube, in target units), got ${epsilon}` })
  const o = checkOptions(2 * l, options)
  const p = new Float64Array(2 * l)
  const ys = new Int8Array(2 * l)
  for (let i = 0; i < l; i++) {
    if (!Number.isFinite(y[i])) throw new DataError({ source: "Smo.regress", row: i + 1, message: `target ${y[i]} is not finite; drop or impute it` })
    p[i] = epsilon - y[i]
    ys[i] = 1
    p[i + l] = epsilon + y[i]
    ys[i + l] = -1
  }
  const Q = svrQ(rows, o.cacheMb)
  const raw = solve(2 * l, Q, p, ys, C, C, o.tol, o.shrinking, o.maxIter)
  const coef = new Float64Array(l)
  for (let i = 0; i < l; i++) coef[i] = raw.alpha[i] - raw.alpha[i + l]
  return finish(raw, coef, Q, o.maxIter)
}
