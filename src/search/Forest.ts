/**
 * A small regression random forest on inputs in the unit cube: the surrogate fANOVA decomposes.
 *
 * Conventions: X (n × d) row-major float64, y (n). Each tree grows on a bootstrap resample of the
 * rows (drawn with replacement, n of them); every node tries every feature (optuna's fANOVA
 * settings: max_features 1.0) and splits at the midpoint between consecutive distinct values that
 * most reduces the squared error, until a node has fewer than 2·minSamplesLeaf rows, is pure, or
 * reaches maxDepth. A leaf predicts its rows' mean. Trees are flat arrays: node i is a leaf when
 * feature[i] = −1.
 *
 * Citation: Breiman, "Random Forests", Mach. Learn. 45 (2001); Hutter, Hoos & Leyton-Brown,
 * ICML 2014 (fANOVA's forest: 64 trees there, fewer here).
 */
import type * as Random from "../core/Random.ts"

export interface Tree {
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly value: Float64Array
}

export interface Options {
  readonly trees?: number
  readonly maxDepth?: number
  readonly minSamplesLeaf?: number
}

/** One regression tree on the given rows (indices into X, repeats allowed). */
export const tree = (X: Float64Array, d: number, y: Float64Array, rows: Int32Array, options: Options = {}): Tree => {
  const { maxDepth = 32, minSamplesLeaf = 1 } = options
  const feature: Array<number> = []
  const threshold: Array<number> = []
  const left: Array<number> = []
  const right: Array<number> = []
  const value: Array<number> = []
  const grow = (idx: Int32Array, depth: number): number => {
    const node = feature.length
    let sum = 0
    for (const i of idx) sum += y[i]
    const mean = sum / idx.length
    feature.push(-1)
    threshold.push(0)
    left.push(-1)
    right.push(-1)
    value.push(mean)
    if (depth >= maxDepth || idx.length < 2 * minSamplesLeaf) return node
    let pure = true
    for (const i of idx) if (y[i] !== y[idx[0]]) pure = false
    if (pure) return node
    let bestGain = 0
    let bestFeature = -1
    let bestThreshold = 0
    const order = Array.from(idx)
    for (let j = 0; j < d; j++) {
      order.sort((a, b) => X[a * d + j] - X[b * d + j])
      let sumLeft = 0
      for (let k = 0; k < order.length - 1; k++) {
        sumLeft += y[order[k]]
        const nLeft = k + 1
        const nRight = order.length - nLeft
        const a = X[order[k] * d + j]
        const b = X[order[k + 1] * d + j]
        if (a === b || nLeft < minSamplesLeaf || nRight < minSamplesLeaf) continue
        const sumRight = sum - sumLeft
        // SSE reduction = nL·meanL² + nR·meanR² − n·mean²
        const gain = (sumLeft * sumLeft) / nLeft + (sumRight * sumRight) / nRight - (sum * sum) / order.length
        if (gain > bestGain + 1e-12 * Math.abs(gain)) {
          bestGain = gain
          bestFeature = j
          bestThreshold = 0.5 * (a + b)
        }
      }
    }
    if (bestFeature < 0) return node
    const goesLeft = Array.from(idx, (i) => X[i * d + bestFeature] <= bestThreshold)
    const l = Int32Array.from(Array.from(idx).filter((_, k) => goesLeft[k]))
    const r = Int32Array.from(Array.from(idx).filter((_, k) => !goesLeft[k]))
    feature[node] = bestFeature
    threshold[node] = bestThreshold
    left[node] = grow(l, depth + 1)
    right[node] = grow(r, depth + 1)
    return node
  }
  grow(rows, 0)
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value)
  }
}

/** `trees` trees (default 16), each on its own bootstrap resample drawn from `rng`. */
export const fit = (X: Float64Array, d: number, y: Float64Array, rng: Random.Generator, options: Options = {}): Array<Tree> => {
  const n = y.length
  return Array.from({ length: options.trees ?? 16 }, () => tree(X, d, y, Int32Array.from({ length: n }, () => rng.int(n)), options))
}

/** A tree's prediction at x (length d). */
export const predict = (t: Tree, x: ArrayLike<number>): number => {
  let i = 0
  while (t.feature[i] >= 0) i = x[t.feature[i]] <= t.threshold[i] ? t.left[i] : t.right[i]
  return t.value[i]
}
