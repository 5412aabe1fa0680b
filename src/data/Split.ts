/**
 * Train / validation / test splits as index arrays into a Dataset, drawn once per run from a
 * seed and shared by every model, so comparisons between families are paired.
 *
 * Conventions: a `Fold` holds row indices (Int32Array, ascending) into the full data set; the
 * parts of one fold are disjoint and cover 0..n−1. K-fold follows scikit-learn's `KFold(shuffle)`
 * layout (a permutation cut into k contiguous chunks, the first n mod k one longer); stratified
 * k-fold deals each class's shuffled members round-robin over the folds, so every fold holds
 * ⌊n_c/k⌋ or ⌈n_c/k⌉ members of class c and the fold sizes differ by at most one. Holdout sizes
 * are round(n·test) and round(n·validation), the rest train; stratified, each class's share of
 * each part is within one point of n_c × part size / n (a controlled rounding, Bacharach 1966).
 *
 * When to use: `make(spec, data, rng)` in the pipeline; the pure `kfold`, `stratifiedKfold`,
 * `holdout` where indices are needed directly. Gotchas: an index array is not a copy of the
 * data; gather with `Dataset.subset(data, fold.train)`.
 */
import { Effect } from "effect"
import { DataError } from "../core/Errors.ts"
import * as Random from "../core/Random.ts"
import * as Dataset from "./Dataset.ts"

/** One split: indices of the rows to fit on, optionally to tune on, and to score on. */
export interface Fold {
  readonly train: Int32Array
  readonly validation?: Int32Array
  readonly test: Int32Array
}

/** Holdout part sizes as fractions of n; they must sum to 1. */
export interface Fractions {
  readonly train: number
  readonly validation: number
  readonly test: number
}

/**
 * How to split: k-fold (every point scored once), one holdout, or one forecasting split ("time":
 * train on the rows whose input `column` (default 0) lies before `cut`, test on the rest; no
 * shuffling, nothing drawn). `stratified` defaults to true for classification and must be absent
 * or false for regression; a time split is never stratified. `repeats` (k-fold only, default
 * 1) gives repeated k-fold, r × K folds (Bouckaert & Frank 2004): repeat 0 is the plain k-fold
 * of the generator, repeat j ≥ 1 a fresh k-fold from `rng.fork("repeat/j")`, so each repeat's
 * folds depend on the split seed and j alone, and `repeats: 1` is the plain k-fold.
 * "selection" is the model-selection layout (`selection`): per repeat an untouched test part and
 * K folds on the rest, with the fits nested CV needs.
 */
export type Spec =
  | { readonly kind: "kfold"; readonly folds: number; readonly stratified?: boolean; readonly repeats?: number }
  | Selection
  | ({ readonly kind: "holdout"; readonly stratified?: boolean } & Fractions)
  | { readonly kind: "time"; readonly cut: number; readonly column?: number; readonly stratified?: false }

/** The 70 / 20 / 10 workflow. */
export const DEFAULT_FRACTIONS: Fractions = { train: 0.7, validation: 0.2, test: 0.1 }

const SOURCE = "split"

const sorted = (values: ArrayLike<number>): Int32Array => Int32Array.from(values).sort()

/** Indices 0..n−1 not in `taken` (a membership mask), ascending. */
const complement = (n: number, taken: Uint8Array): Int32Array => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) if (taken[i] === 0) out.push(i)
  return Int32Array.from(out)
}

/** Folds over 0..n−1 from their test indices alone (train = the rest), e.g. folds stored by a peer. */
export const fromTestSets = (n: number, tests: ReadonlyArray<ArrayLike<number>>): Array<Fold> =>
  tests.map((t, f) => {
    const mask = new Uint8Array(n)
    for (let i = 0; i < t.length; i++) {
      if (!(Number.isInteger(t[i]) && t[i] >= 0 && t[i] < n)) {
        throw new DataError({ source: SOURCE, message: `test set ${f} holds index ${t[i]}, outside 0..${n - 1}` })
      }
      mask[t[i]] = 1
    }
    return { train: complement(n, mask), test: sorted(t) }
  })

const checkK = (n: number, k: number): void => {
  if (!Number.isInteger(k) || k < 2) {
    throw new DataError({ source: SOURCE, message: `k-fold needs an integer number of folds ≥ 2, got ${k}` })
  }
  if (k > n) {
    throw new DataError({ source: SOURCE, message: `${k}-fold split of only ${n} points leaves empty test folds; use at most ${n} folds or more data` })
  }
}

/** Shuffled k-fold over n points (scikit-learn `KFold(k, shuffle=True)` layout, our generator). */
export const kfold = (n: number, k: number, rng: Random.Generator): Array<Fold> => {
  checkK(n, k)
  const perm = Random.permutation(rng, n)
  const tests: Array<Int32Array> = []
  let start = 0
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0)
    tests.push(perm.subarray(start, start + size))
    start += size
  }
  return fromTestSets(n, tests)
}

const checkLabels = (y: ArrayLike<number>, classes: number): void => {
  for (let i = 0; i < y.length; i++) {
    if (!(Number.isInteger(y[i]) && y[i] >= 0 && y[i] < classes)) {
      throw new DataError({ source: SOURCE, row: i + 1, message: `stratification needs class indices in 0..${classes - 1}; label ${y[i]} at row ${i + 1}` })
    }
  }
}

/** Each class's members, shuffled, in class order. */
const shuffledByClass = (y: ArrayLike<number>, classes: number, rng: Random.Generator): Array<Array<number>> => {
  const members: Array<Array<number>> = Array.from({ length: classes }, () => [])
  for (let i = 0; i < y.length; i++) members[y[i]].push(i)
  return members.map((m) => Array.from(Random.permutation(rng, m.length), (j) => m[j]))
}

/**
 * Stratified shuffled k-fold: labels `y` are class indices 0..classes−1. Each class's members
 * are shuffled and dealt round-robin (continuing across classes), so fold f holds ⌊n_c/k⌋ or
 * ⌈n_c/k⌉ of class c. A class smaller than k is absent from some test folds (`make` refuses
 * such a split with an error naming the class).
 */
export const stratifiedKfold = (y: ArrayLike<number>, classes: number, k: number, rng: Random.Generator): Array<Fold> => {
  checkK(y.length, k)
  checkLabels(y, classes)
  const tests: Array<Array<number>> = Array.from({ length: k }, () => [])
  let position = 0
  for (const members of shuffledByClass(y, classes, rng)) for (const i of members) tests[position++ % k].push(i)
  return fromTestSets(y.length, tests)
}

/** Part sizes [train, validation, test] for n points. */
const partSizes = (n: number, fractions: Fractions): [number, number, number] => {
  const { train, validation, test } = fractions
  const valid = [train, validation, test].every((f) => Number.isFinite(f) && f >= 0) && Math.abs(train + validation + test - 1) < 1e-9
  if (!valid) {
    throw new DataError({ source: SOURCE, message: `holdout fractions must be ≥ 0 and sum to 1, got train ${train}, validation ${validation}, test ${test}` })
  }
  const nTest = Math.round(n * test)
  const nValidation = Math.round(n * validation)
  const nTrain = n - nTest - nValidation
  if (nTrain < 1 || nTest < 1 || (validation > 0 && nValidation < 1)) {
    throw new DataError({
      source: SOURCE,
      message: `holdout of ${n} points into ${nTrain} / ${nValidation} / ${nTest} (train / validation / test) leaves a part empty; use more data or larger fractions`
    })
  }
  return [nTrain, nValidation, nTest]
}

const foldFromParts = (train: ArrayLike<number>, validation: ArrayLike<number>, test: ArrayLike<number>): Fold =>
  validation.length > 0 ? { train: sorted(train), validation: sorted(validation), test: sorted(test) } : { train: sorted(train), test: sorted(test) }

/** One shuffled holdout split of n points; the validation part is absent when its fraction is 0. */
export const holdout = (n: number, fractions: Fractions, rng: Random.Generator): Fold => {
  const [nTrain, nValidation] = partSizes(n, fractions)
  const perm = Random.permutation(rng, n)
  return foldFromParts(perm.subarray(0, nTrain), perm.subarray(nTrain, nTrain + nValidation), perm.subarray(nTrain + nValidation))
}

/**
 * Round the table v[c][s] = rowTotal[c] · colTotal[s] / n to integers, each entry its floor or
 * ceiling, keeping every row and column total (controlled rounding; always feasible). The +1s
 * are placed by augmenting paths (Ford–Fulkerson) with rows visited in `rowOrder`.
 */
const controlledRounding = (rowTotals: ReadonlyArray<number>, colTotals: ReadonlyArray<number>, rowOrder: ArrayLike<number>): Array<Array<number>> => {
  const n = rowTotals.reduce((a, b) => a + b, 0)
  const R = rowTotals.length
  const C = colTotals.length
  const table = rowTotals.map((r) => colTotals.map((c) => Math.floor((r * c) / n)))
  const fractional = rowTotals.map((r) => colTotals.map((c) => (r * c) % n !== 0))
  const rowNeed = rowTotals.map((r, i) => r - table[i].reduce((a, b) => a + b, 0))
  const colNeed = colTotals.map((c, j) => c - table.reduce((a, row) => a + row[j], 0))
  const raised = table.map((row) => row.map(() => false))
  // An augmenting path from row i: raise a free fractional cell (i, j); if column j has no need
  // left, lower a raised cell (i2, j) and continue from row i2.
  const augment = (i: number, seen: Array<boolean>): boolean => {
    for (let j = 0; j < C; j++) {
      if (!fractional[i][j] || raised[i][j] || seen[j]) continue
      seen[j] = true
      if (colNeed[j] > 0) {
        colNeed[j]--
        raised[i][j] = true
        return true
      }
      for (let i2 = 0; i2 < R; i2++) {
        if (i2 !== i && raised[i2][j] && augment(i2, seen)) {
          raised[i2][j] = false
          raised[i][j] = true
          return true
        }
      }
    }
    return false
  }
  for (let k = 0; k < rowOrder.length; k++) {
    const i = rowOrder[k]
    while (rowNeed[i] > 0) {
      if (!augment(i, new Array<boolean>(C).fill(false))) throw new Error("Split: controlled rounding found no augmenting path")
      rowNeed[i]--
    }
  }
  return table.map((row, i) => row.map((v, j) => v + (raised[i][j] ? 1 : 0)))
}

/**
 * One stratified holdout split: part sizes as in `holdout`, and each class's count in each part
 * within one of its proportional share (n_c × part size / n), the +1s placed in a random class
 * order.
 */
export const stratifiedHoldout = (y: ArrayLike<number>, classes: number, fractions: Fractions, rng: Random.Generator): Fold => {
  checkLabels(y, classes)
  const sizes = partSizes(y.length, fractions)
  const members = shuffledByClass(y, classes, rng)
  const counts = controlledRounding(members.map((m) => m.length), sizes, Random.permutation(rng, classes))
  const parts: [Array<number>, Array<number>, Array<number>] = [[], [], []]
  members.forEach((m, c) => {
    let start = 0
    for (let s = 0; s < 3; s++) {
      parts[s].push(...m.slice(start, start + counts[c][s]))
      start += counts[c][s]
    }
  })
  return foldFromParts(parts[0], parts[1], parts[2])
}

/**
 * The forecasting split of n rows by their values `t` (one input column): train = rows with
 * t < cut, test = rows with t ≥ cut, each ascending by row index. Fails when either side is empty.
 */
export const time = (t: ArrayLike<number>, cut: number): Fold => {
  if (!Number.isFinite(cut)) throw new DataError({ source: SOURCE, message: `a time split needs a finite cut, got ${cut}` })
  const train: Array<number> = []
  const test: Array<number> = []
  for (let i = 0; i < t.length; i++) (t[i] < cut ? train : test).push(i)
  if (train.length === 0 || test.length === 0) {
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (let i = 0; i < t.length; i++) {
      lo = Math.min(lo, t[i])
      hi = Math.max(hi, t[i])
    }
    throw new DataError({ source: SOURCE, message: `a time split at ${cut} leaves the ${train.length === 0 ? "training" : "test"} part empty (the split column spans ${lo} to ${hi}); choose a cut inside that range` })
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) }
}

/** Why `data` may be short of rows: the rows its load dropped, if any. */
const droppedNote = (data: Dataset.Dataset): string =>
  data.missing !== undefined && data.missing.dropped > 0 ? ` (${data.missing.dropped} of its ${data.missing.rows} rows were dropped for missing values)` : ""

/**
 * The model-selection split (Cawley & Talbot, JMLR 11 (2010) 2079–2107; Varma & Simon 2006): each
 * repeat r draws its own untouched test part T (round(n·test) rows) and cuts the rest, the
 * selection part S, into K folds F₀..F_{K−1}. Its folds, repeat-major (`selectionRole`):
 * - "cv" k = 0..K−1: train S \ F_k, test F_k (plain K-fold CV on S; nested CV's outer folds);
 * - "pair" (j, k), j < k, when `nested`: train S \ (F_j ∪ F_k), test F_j ∪ F_k. Its fit is the
 *   inner fit on fold j of outer fold k and on fold k of outer fold j: nested CV whose inner CV
 *   of the outer training part S \ F_k uses the other K − 1 folds, at K(K−1)/2 fits, not K(K−1);
 * - "refit": train S, test T (the criteria computed on the whole selection part, and the test
 *   error of what they pick).
 * Unlike the other kinds, a fold's parts need not cover 0..n−1 (T is in no CV fold). Stratified
 * (classification by default), T is a stratified holdout and the folds a stratified k-fold of S.
 * Repeat 0 draws from the generator, repeat j ≥ 1 from `rng.fork("repeat/j")`.
 */
export interface Selection {
  readonly kind: "selection"
  readonly folds: number
  readonly repeats: number
  /** The share of rows held out as each repeat's test part, in (0, 1). */
  readonly test: number
  readonly nested: boolean
  readonly stratified?: boolean
}

/** What fold f of a selection split is: its repeat, role, and CV fold(s) (`k`; `j` < `k` for a pair). */
export type SelectionRole =
  | { readonly repeat: number; readonly role: "cv"; readonly k: number }
  | { readonly repeat: number; readonly role: "pair"; readonly j: number; readonly k: number }
  | { readonly repeat: number; readonly role: "refit" }

/** Folds per repeat of a selection split: K CV folds, K(K−1)/2 pairs when nested, one refit. */
export const selectionFolds = (spec: Pick<Selection, "folds" | "nested">): number =>
  spec.folds + (spec.nested ? (spec.folds * (spec.folds - 1)) / 2 : 0) + 1

/** The role of fold f (0 ≤ f < count) of a selection split. */
export const selectionRole = (spec: Pick<Selection, "folds" | "nested">, f: number): SelectionRole => {
  const per = selectionFolds(spec)
  const repeat = Math.floor(f / per)
  let i = f % per
  if (i < spec.folds) return { repeat, role: "cv", k: i }
  i -= spec.folds
  if (spec.nested) {
    for (let k = 1; k < spec.folds; k++) {
      if (i < k) return { repeat, role: "pair", j: i, k }
      i -= k
    }
  }
  return { repeat, role: "refit" }
}

/** The fold index of a role in a selection split, the inverse of `selectionRole` (a pair's j and k in either order). */
export const selectionIndex = (spec: Pick<Selection, "folds" | "nested">, role: SelectionRole): number => {
  const base = role.repeat * selectionFolds(spec)
  if (role.role === "cv") return base + role.k
  if (role.role === "refit") return base + selectionFolds(spec) - 1
  const j = Math.min(role.j, role.k)
  const k = Math.max(role.j, role.k)
  return base + spec.folds + (k * (k - 1)) / 2 + j
}

/** The folds of one repeat of a selection split of n rows, labels `y` when stratified. */
const selectionRepeat = (spec: Selection, n: number, y: ArrayLike<number>, classes: number, stratified: boolean, rng: Random.Generator): Array<Fold> => {
  const fractions = { train: 1 - spec.test, validation: 0, test: spec.test }
  const outer = stratified ? stratifiedHoldout(y, classes, fractions, rng) : holdout(n, fractions, rng)
  const S = outer.train
  const local = stratified ? stratifiedKfold(Array.from(S, (i) => y[i]), classes, spec.folds, rng) : kfold(S.length, spec.folds, rng)
  const F = local.map((fold) => sorted(Array.from(fold.test, (i) => S[i])))
  const without = (...parts: Array<Int32Array>): Int32Array => {
    const out = new Uint8Array(n)
    for (const p of parts) for (const i of p) out[i] = 1
    return Int32Array.from(Array.from(S).filter((i) => out[i] === 0))
  }
  const folds: Array<Fold> = F.map((Fk) => ({ train: without(Fk), test: Fk }))
  if (spec.nested) {
    for (let k = 1; k < spec.folds; k++) for (let j = 0; j < k; j++) folds.push({ train: without(F[j], F[k]), test: sorted([...F[j], ...F[k]]) })
  }
  folds.push({ train: S, test: outer.test })
  return folds
}

/** The number of folds a spec yields: r × K for (repeated) k-fold, r × `selectionFolds` for selection, 1 for holdout. */
export const count = (spec: Spec): number =>
  spec.kind === "kfold" ? spec.folds * (spec.repeats ?? 1) : spec.kind === "selection" ? spec.repeats * selectionFolds(spec) : 1

/** Fold f of a repeated k-fold as (repeat, fold within the repeat): f = repeat·K + fold (selection: repeat·`selectionFolds` + fold). */
export const position = (spec: Spec, f: number): { readonly repeat: number; readonly fold: number } =>
  spec.kind === "kfold"
    ? { repeat: Math.floor(f / spec.folds), fold: f % spec.folds }
    : spec.kind === "selection"
    ? { repeat: Math.floor(f / selectionFolds(spec)), fold: f % selectionFolds(spec) }
    : { repeat: 0, fold: 0 }

const checkRepeats = (repeats: number): void => {
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new DataError({ source: SOURCE, message: `repeated k-fold needs an integer number of repeats ≥ 1, got ${repeats}` })
  }
}

/** k-fold needs k ≤ n rows and, stratified, k ≤ the members of every class. */
const checkFolds = (data: Dataset.Dataset, k: number, stratified: boolean): void => {
  const source = Dataset.label(data)
  const n = data.X.rows
  if (Number.isInteger(k) && k > n) {
    throw new DataError({ source, message: `${source}: a ${k}-fold split needs at least ${k} rows, but it has ${n}${droppedNote(data)}; use at most ${n} folds or more data` })
  }
  if (!stratified || !Number.isInteger(k)) return
  const counts = new Array<number>(data.classes).fill(0)
  for (const label of data.y) if (label >= 0 && label < data.classes) counts[label]++
  const smallest = counts.reduce((m, c, i) => (c < counts[m] ? i : m), 0)
  if (counts[smallest] < k) {
    const name = data.classNames?.[smallest] ?? String(smallest)
    const column = data.columns?.target
    throw new DataError({
      source,
      ...(column === undefined ? {} : { column }),
      message: `${source}: class "${name}"${column === undefined ? "" : ` of column "${column}"`} has ${counts[smallest]} rows, fewer than the ${k} folds of a stratified split${droppedNote(data)}, so some test folds would lack it; use at most ${counts[smallest]} folds, or drop or merge the class`
    })
  }
}

/**
 * The folds of a data set for a split spec, drawn from `rng`: r × k folds for "kfold" (repeat-
 * major, see `position`), r × `selectionFolds` for "selection" (`selectionRole`), one for
 * "holdout" and for "time" (which draws nothing). Stratifies classification data unless
 * `stratified: false`. Fails with a DataError naming the data set's file for fewer rows than
 * folds, a class with fewer rows than the folds of a stratified k-fold, fractions that do not sum
 * to 1, a selection test share outside (0, 1), or stratification of regression data.
 */
export const make = (spec: Spec, data: Dataset.Dataset, rng: Random.Generator): Effect.Effect<ReadonlyArray<Fold>, DataError> =>
  Effect.try({
    try: (): ReadonlyArray<Fold> => {
      const n = data.X.rows
      if (spec.kind === "time") {
        const column = spec.column ?? 0
        if (!(Number.isInteger(column) && column >= 0 && column < data.X.cols)) {
          throw new DataError({ source: Dataset.label(data), message: `a time split on input column ${column}, but ${data.name} has ${data.X.cols} input column(s) (0..${data.X.cols - 1})` })
        }
        return [time(Array.from({ length: n }, (_, i) => data.X.data[i * data.X.cols + column]), spec.cut)]
      }
      const stratified = spec.stratified ?? data.kind === "classification"
      if (stratified && data.kind !== "classification") {
        throw new DataError({ source: Dataset.label(data), message: `stratified splits need class labels, but ${data.name} is a regression task; drop "stratified"` })
      }
      if (spec.kind === "kfold") {
        checkFolds(data, spec.folds, stratified)
        const repeats = spec.repeats ?? 1
        checkRepeats(repeats)
        const once = (g: Random.Generator) => (stratified ? stratifiedKfold(data.y, data.classes, spec.folds, g) : kfold(n, spec.folds, g))
        return Array.from({ length: repeats }, (_, j) => once(j === 0 ? rng : rng.fork(`repeat/${j}`))).flat()
      }
      if (spec.kind === "selection") {
        checkRepeats(spec.repeats)
        if (!(spec.test > 0 && spec.test < 1)) {
          throw new DataError({ source: Dataset.label(data), message: `a selection split's test share must lie in (0, 1), got ${spec.test}` })
        }
        checkFolds(data, spec.folds, stratified)
        const S = n - Math.round(n * spec.test)
        if (Number.isInteger(spec.folds) && spec.folds > S) {
          throw new DataError({ source: Dataset.label(data), message: `${Dataset.label(data)}: ${spec.folds} folds of a ${S}-row selection part (${n} rows less the test share ${spec.test}) leave empty folds; use fewer folds or more data` })
        }
        return Array.from({ length: spec.repeats }, (_, j) => selectionRepeat(spec, n, data.y, data.classes, stratified, j === 0 ? rng : rng.fork(`repeat/${j}`))).flat()
      }
      const fractions = { train: spec.train, validation: spec.validation, test: spec.test }
      return [stratified ? stratifiedHoldout(data.y, data.classes, fractions, rng) : holdout(n, fractions, rng)]
    },
    catch: (e) => {
      const source = Dataset.label(data)
      if (!(e instanceof DataError)) return new DataError({ source, message: `${source}: split failed: ${String(e)}` })
      return e.source === SOURCE ? new DataError({ source, ...(e.row === undefined ? {} : { row: e.row }), message: `${source}: ${e.message}` }) : e
    }
  })
