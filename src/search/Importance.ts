/**
 * Hyperparameter importance by fANOVA on a random forest fitted to the trials, with bootstrap
 * uncertainty.
 *
 * Method: the trials' points in the unit cube (`Space.toUnit`) and values train a regression
 * forest (`Forest.fit`). For each tree, a piecewise-constant function on boxes, the functional
 * ANOVA under the uniform measure on [0, 1]^d is exact: with leaves ℓ of volume |ℓ| and value v_ℓ,
 * the total variance is V = Σ|ℓ|v_ℓ² − (Σ|ℓ|v_ℓ)², and the main effect of parameter j is the
 * marginal f_j(u) = Σ_{ℓ ∋ u} v_ℓ·|ℓ|/w_j(ℓ) (w_j the leaf's width along j), piecewise constant
 * between the tree's thresholds on j, with variance V_j. The importance of j is V_j/V (its
 * main-effect share of the variance; interactions make the shares sum to less than 1), averaged
 * over the trees (Hutter et al. 2014, eq. 3–5 and Alg. 1 restricted to single parameters).
 * Uncertainty: the whole fit is repeated on `resamples` bootstrap resamples of the trials; each
 * parameter gets the mean, the standard deviation and the 5–95% range of its importance over them.
 *
 * Scope: only parameters active in every trial enter (optuna's fANOVA also works on the
 * intersection space); a categorical enters by its unit coordinate (i + ½)/k, so trees split its
 * choices in declaration order. Failed trials and trials without a finite value are left out.
 * Randomness: resample b draws from Random.derive(seed, `importance/resample/<b>`).
 *
 * Citation: F. Hutter, H. Hoos, K. Leyton-Brown, "An Efficient Approach for Assessing
 * Hyperparameter Importance", ICML 2014; optuna's FanovaImportanceEvaluator.
 */
import * as Random from "../core/Random.ts"
import * as Forest from "./Forest.ts"
import * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

export interface Importance {
  readonly name: string
  /** Mean over the bootstrap resamples of V_j/V. */
  readonly mean: number
  readonly sd: number
  readonly q05: number
  readonly q95: number
}

export interface Options {
  readonly resamples?: number
  readonly trees?: number
  readonly maxDepth?: number
  readonly seed?: number
}

interface Leaf {
  readonly lo: Float64Array
  readonly hi: Float64Array
  readonly value: number
}

const leaves = (t: Forest.Tree, d: number): Array<Leaf> => {
  const out: Array<Leaf> = []
  const walk = (i: number, lo: Float64Array, hi: Float64Array): void => {
    if (t.feature[i] < 0) {
      out.push({ lo, hi, value: t.value[i] })
      return
    }
    const j = t.feature[i]
    const c = Math.min(hi[j], Math.max(lo[j], t.threshold[i]))
    const hiLeft = Float64Array.from(hi)
    hiLeft[j] = c
    const loRight = Float64Array.from(lo)
    loRight[j] = c
    walk(t.left[i], lo, hiLeft)
    walk(t.right[i], loRight, hi)
  }
  walk(0, new Float64Array(d), new Float64Array(d).fill(1))
  return out
}

/** V_j/V of every input j for one tree under the uniform measure on [0, 1]^d; zeros when V = 0. */
export const treeShares = (t: Forest.Tree, d: number): Float64Array => {
  const ls = leaves(t, d).map((l) => {
    let vol = 1
    for (let j = 0; j < d; j++) vol *= l.hi[j] - l.lo[j]
    return { ...l, vol }
  }).filter((l) => l.vol > 0)
  let mean = 0
  let second = 0
  for (const l of ls) {
    mean += l.vol * l.value
    second += l.vol * l.value * l.value
  }
  const total = second - mean * mean
  const shares = new Float64Array(d)
  if (!(total > 1e-300)) return shares
  for (let j = 0; j < d; j++) {
    const cuts = [...new Set([0, 1, ...ls.flatMap((l) => [l.lo[j], l.hi[j]])])].sort((a, b) => a - b)
    let vj = 0
    for (let k = 0; k + 1 < cuts.length; k++) {
      const width = cuts[k + 1] - cuts[k]
      const u = 0.5 * (cuts[k] + cuts[k + 1])
      let f = 0
      for (const l of ls) if (l.lo[j] <= u && u < l.hi[j]) f += (l.value * l.vol) / (l.hi[j] - l.lo[j])
      vj += width * (f - mean) ** 2
    }
    shares[j] = vj / total
  }
  return shares
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  return sorted[lo] + (h - lo) * (sorted[Math.ceil(h)] - sorted[lo])
}

/** fANOVA main-effect importances of the parameters active in every trial, with bootstrap spread. */
export const fanova = (space: Space.Space, trials: ReadonlyArray<Sampler.Trial>, options: Options = {}): Array<Importance> => {
  const { resamples = 20, trees = 16, maxDepth = 32, seed = 0 } = options
  const observed = Sampler.observed(trials)
  const params = space.params.filter((p) => observed.length > 0 && observed.every((t) => p.name in t.params))
  const d = params.length
  const n = observed.length
  const sub = Space.make(params.map((p) => ({ ...p, when: undefined })))
  const X = new Float64Array(n * d)
  observed.forEach((t, i) => X.set(Space.toUnit(sub, Object.fromEntries(params.map((p) => [p.name, t.params[p.name]]))), i * d))
  const y = Float64Array.from(observed, (t) => t.value)
  const draws = params.map(() => [] as Array<number>)
  for (let b = 0; b < resamples; b++) {
    const rng = Random.make(Random.derive(seed, `importance/resample/${b}`))
    const rows = Int32Array.from({ length: n }, () => rng.int(n))
    const Xb = new Float64Array(n * d)
    rows.forEach((r, i) => Xb.set(X.subarray(r * d, (r + 1) * d), i * d))
    const yb = Float64Array.from(rows, (r) => y[r])
    const forest = Forest.fit(Xb, d, yb, rng.fork("forest"), { trees, maxDepth })
    const mean = new Float64Array(d)
    for (const t of forest) {
      const s = treeShares(t, d)
      for (let j = 0; j < d; j++) mean[j] += s[j] / forest.length
    }
    for (let j = 0; j < d; j++) draws[j].push(mean[j])
  }
  return params.map((p, j) => {
    const v = [...draws[j]].sort((a, b) => a - b)
    const m = v.reduce((a, b) => a + b, 0) / v.length
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1))
    return { name: p.name, mean: m, sd, q05: quantile(v, 0.05), q95: quantile(v, 0.95) }
  })
}
