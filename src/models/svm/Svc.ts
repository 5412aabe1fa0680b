/**
 * C-support-vector classification (Cortes & Vapnik 1995) on the SMO solver, with Platt-scaled
 * probabilities; more than two classes by one-vs-rest.
 *
 * Conventions: labels are class indices 0..K−1 (as in `Dataset`); a binary machine maps class 1
 * to +1 and class 0 to −1 internally, so decision f(x) = Σ_s coef_s K(x_s, x) − ρ > 0 means
 * class 1, as scikit-learn's `decision_function`. coef_s = α_s y_s (libsvm's `sv_coef`), ρ is
 * libsvm's (scikit-learn's `intercept_` = −ρ).
 * Probabilities: P(class 1) = 1/(1 + exp(A f + B)) (`Platt.ts`), fitted by default on 5-fold
 * cross-validated decision values as libsvm's `svm_binary_svc_probability` (random folds from
 * the given generator; a fold whose training part lacks a class gets decision ±1, as libsvm),
 * or on the in-sample decision values (`platt: "in-sample"`, over-confident), or not at all
 * (`platt: "none"`: probabilities are then one-hot at the predicted class).
 * Multi-class: one-vs-rest (class k against the others, K machines); probabilities are the K
 * Platt probabilities renormalised to sum to one. (libsvm does one-vs-one with pairwise coupling;
 * one-vs-rest needs K rather than K(K−1)/2 machines and gives each class its own margin.)
 *
 * When to use: `fit` then `decision` (binary) or `probabilities`. Gotchas: the features are used as
 * given; the RBF γ is relative to their scale, so standardise first unless they are O(1).
 */
import { ConfigError, DataError } from "../../core/Errors.ts"
import * as Random from "../../core/Random.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as KernelRows from "./KernelRows.ts"
import * as Platt from "./Platt.ts"
import * as Smo from "./Smo.ts"

export type PlattMode = "cv" | "in-sample" | "none"

export interface Options extends Smo.Options {
  /** Penalty C > 0. */
  readonly C: number
  readonly kernel: KernelRows.Spec
  /** How to fit the Platt sigmoid. Default "cv". */
  readonly platt?: PlattMode
  /** Folds of the cross-validated Platt fit. Default 5 (libsvm's). */
  readonly plattFolds?: number
  /** Draws the Platt folds; required when platt is "cv". */
  readonly rng?: Random.Generator
}

/** One fitted binary machine. */
export interface Binary {
  readonly kernel: KernelRows.Spec
  /** The support vectors (nSupport × d). */
  readonly support: Matrix.Matrix
  /** Their rows in the training set. */
  readonly supportIndex: Int32Array
  /** α_s y_s per support vector. */
  readonly coef: Float64Array
  readonly rho: number
  readonly iterations: number
  readonly converged: boolean
  readonly sigmoid?: Platt.Sigmoid
  readonly warnings: ReadonlyArray<string>
}

export interface Fitted {
  readonly classes: number
  /** One machine for two classes; one per class (k against the rest) otherwise. */
  readonly machines: ReadonlyArray<Binary>
}

/** f(z) for every row of Z (q × d): q decision values, > 0 meaning class 1 (binary) or "this class" (one-vs-rest). */
export const decision = (m: Binary, Z: Matrix.Matrix): Float64Array => KernelRows.expansion(m.kernel, m.support, m.coef, m.rho, Z)

/**
 * The binary machine of ±1 labels `sign` on X (n × d), without Platt scaling: the SMO solution as
 * support vectors. Throws a DataError when a class is missing.
 */
export const fitMachine = (X: Matrix.Matrix, sign: ArrayLike<number>, options: Options): Binary => {
  const solution = Smo.classify(KernelRows.rows(options.kernel, X), sign, options.C, options)
  return {
    kernel: options.kernel,
    support: Matrix.takeRows(X, solution.support),
    supportIndex: solution.support,
    coef: Float64Array.from(solution.support, (i) => solution.coef[i]),
    rho: solution.rho,
    iterations: solution.iterations,
    converged: solution.converged,
    warnings: solution.warning === undefined ? [] : [solution.warning]
  }
}

// libsvm: svm_binary_svc_probability. Out-of-fold decision values from `folds` random folds.
const crossValidatedDecision = (X: Matrix.Matrix, sign: ArrayLike<number>, options: Options, folds: number, rng: Random.Generator): Float64Array => {
  const n = X.rows
  const perm = Random.permutation(rng, n)
  const out = new Float64Array(n)
  for (let k = 0; k < folds; k++) {
    const begin = Math.floor((k * n) / folds)
    const end = Math.floor(((k + 1) * n) / folds)
    if (end === begin) continue
    const train: Array<number> = []
    for (let j = 0; j < begin; j++) train.push(perm[j])
    for (let j = end; j < n; j++) train.push(perm[j])
    const held = perm.subarray(begin, end)
    let positives = 0
    for (const i of train) if (sign[i] === 1) positives++
    if (positives === 0 || positives === train.length) {
      const v = train.length === 0 ? 0 : positives > 0 ? 1 : -1
      for (const i of held) out[i] = v
      continue
    }
    const machine = fitMachine(Matrix.takeRows(X, train), train.map((i) => sign[i]), { ...options, platt: "none" })
    const f = decision(machine, Matrix.takeRows(X, held))
    held.forEach((i, r) => (out[i] = f[r]))
  }
  return out
}

const fitBinary = (X: Matrix.Matrix, sign: Float64Array, options: Options): Binary => {
  const machine = fitMachine(X, sign, options)
  const mode = options.platt ?? "cv"
  if (mode === "none") return machine
  let f: Float64Array
  if (mode === "cv") {
    const folds = options.plattFolds ?? 5
    if (!Number.isInteger(folds) || folds < 2) {
      throw new ConfigError({ field: "svm.plattFolds", message: `Platt cross-validation needs an integer ≥ 2 folds (libsvm uses 5), got ${folds}` })
    }
    if (options.rng === undefined) {
      throw new ConfigError({ field: "svm.rng", message: "cross-validated Platt scaling draws random folds: pass an rng, or set platt to \"in-sample\" or \"none\"" })
    }
    f = crossValidatedDecision(X, sign, options, folds, options.rng)
  } else {
    f = decision(machine, X)
  }
  const sigmoid = Platt.fit(f, sign)
  return { ...machine, sigmoid, warnings: sigmoid.warning === undefined ? machine.warnings : [...machine.warnings, sigmoid.warning] }
}

/**
 * Fits a C-SVC to X (n × d) and class indices y (n) of `classes` ≥ 2 classes: one machine for two
 * classes, one-vs-rest for more. Throws a DataError on a label outside 0..classes−1 or a class
 * with no points.
 */
export const fit = (X: Matrix.Matrix, y: ArrayLike<number>, classes: number, options: Options): Fitted => {
  const n = X.rows
  if (y.length !== n) throw new DataError({ source: "Svc.fit", message: `${n} rows of X but ${y.length} labels` })
  if (!Number.isInteger(classes) || classes < 2) {
    throw new DataError({ source: "Svc.fit", message: `classification needs at least 2 classes, got ${classes}` })
  }
  const counts = new Int32Array(classes)
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) {
      throw new DataError({ source: "Svc.fit", row: i + 1, message: `label ${y[i]} is not a class index 0..${classes - 1}` })
    }
    counts[y[i]]++
  }
  const empty = counts.findIndex((c) => c === 0)
  if (empty >= 0) {
    throw new DataError({ source: "Svc.fit", message: `class ${empty} has no training points: a C-SVC needs every class present (use stratified folds)` })
  }
  const signFor = (positive: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (y[i] === positive ? 1 : -1))
  if (classes === 2) return { classes, machines: [fitBinary(X, signFor(1), options)] }
  const machines = Array.from({ length: classes }, (_, k) =>
    fitBinary(X, signFor(k), { ...options, ...(options.rng === undefined ? {} : { rng: options.rng.fork(`svc/ovr/${k}`) }) })
  )
  return { classes, machines }
}

/** The decision values of every machine on Z (q × d): one array of q values per machine. */
export const decisions = (model: Fitted, Z: Matrix.Matrix): Array<Float64Array> => model.machines.map((m) => decision(m, Z))

/**
 * Class probabilities (q × classes), rows summing to one, from the machines' decision values
 * (`decisions`): binary [1 − p, p] with p the Platt probability of class 1; one-vs-rest the
 * renormalised per-class Platt probabilities. Without a sigmoid (platt "none") one-hot at the
 * largest decision value.
 */
export const probabilitiesFrom = (model: Fitted, values: ReadonlyArray<Float64Array>): Matrix.Matrix => {
  const K = model.classes
  const q = values[0].length
  const out = Matrix.make(q, K)
  const P = out.data
  const calibrated = model.machines.every((m) => m.sigmoid !== undefined)
  for (let r = 0; r < q; r++) {
    if (K === 2) {
      const f = values[0][r]
      const sigmoid = model.machines[0].sigmoid
      const p = sigmoid === undefined ? (f > 0 ? 1 : 0) : Platt.probability(sigmoid, f)
      P[r * 2] = 1 - p
      P[r * 2 + 1] = p
      continue
    }
    if (calibrated) {
      let s = 0
      for (let k = 0; k < K; k++) {
        const p = Platt.probability(model.machines[k].sigmoid as Platt.Sigmoid, values[k][r])
        P[r * K + k] = p
        s += p
      }
      for (let k = 0; k < K; k++) P[r * K + k] = s > 0 ? P[r * K + k] / s : 1 / K
    } else {
      let best = 0
      for (let k = 1; k < K; k++) if (values[k][r] > values[best][r]) best = k
      P[r * K + best] = 1
    }
  }
  return out
}

/** Class probabilities (q × classes) of the rows of Z; see `probabilitiesFrom`. */
export const probabilities = (model: Fitted, Z: Matrix.Matrix): Matrix.Matrix => probabilitiesFrom(model, decisions(model, Z))

/** Training points that are a support vector of at least one machine. */
export const nSupport = (model: Fitted): number => new Set(model.machines.flatMap((m) => Array.from(m.supportIndex))).size
