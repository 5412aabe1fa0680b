/**
 * Choosing an RBF C-SVC's C and σ (γ) by cross-validated ROC-AUC over a grid, the lecture's recipe:
 * for every (C, γ), fit on each fold's training part, score the AUC of the decision values on its
 * held-out part, average over folds; report the training-set fit too, and flag cells that overfit.
 *
 * Conventions: binary labels 0/1 (1 positive); AUC from decision values f(x) (`Metrics.rocAuc`),
 * not from Platt probabilities (a monotone map of f per fold, so the same fold AUC, but it would
 * cost 5 more fits per cell). Folds are given as test-index sets; a fold's training part is every
 * other row. Cells run C-major then γ (scikit-learn's `ParameterGrid` order); the best cell is the
 * first with the largest mean CV AUC (ties go to the earlier cell, as `GridSearchCV`). A cell is
 * flagged `overfit` when its training AUC exceeds 0.99 while its CV AUC falls more than 0.05 below
 * the best cell's. γ = 1/(2σ²) (`KernelRows`); give either list.
 *
 * When to use: model selection for the SVM baseline, with the folds every other family uses (so
 * comparisons are paired). Gotchas: a fold whose training or held-out part holds a single class
 * makes the AUC undefined; that is a DataError naming the fold (use stratified folds), not a NaN.
 */
import { ConfigError, DataError } from "../../core/Errors.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Metrics from "../../scoring/Metrics.ts"
import * as KernelRows from "./KernelRows.ts"
import * as Smo from "./Smo.ts"
import * as Svc from "./Svc.ts"

export interface Options extends Smo.Options {
  /** Penalties to try, each > 0. */
  readonly Cs: ReadonlyArray<number>
  /** RBF γ values to try; or give `sigmas`. */
  readonly gammas?: ReadonlyArray<number>
  /** RBF σ values to try (γ = 1/(2σ²)); or give `gammas`. */
  readonly sigmas?: ReadonlyArray<number>
  /** Held-out index sets, one per fold. */
  readonly folds: ReadonlyArray<ArrayLike<number>>
  /** An independent test set, scored by the full-training fit of every cell (`testAuc`). */
  readonly test?: { readonly X: Matrix.Matrix; readonly y: ArrayLike<number> }
  /** Another kernel family on the σ grid instead of the built-in RBF, e.g. σ ↦ shared(matern({lengthScale: σ})). */
  readonly kernel?: (sigma: number) => KernelRows.Spec
}

export interface Cell {
  readonly C: number
  readonly gamma: number
  readonly sigma: number
  /** Support vectors of the fit on the whole training set. */
  readonly nSupport: number
  /** AUC of that fit on its own training set. */
  readonly trainAuc: number
  readonly testAuc?: number
  /** Mean of `cvAucFolds`. */
  readonly cvAuc: number
  readonly cvAucFolds: ReadonlyArray<number>
  readonly overfit: boolean
  /** SMO iterations of the full fit. */
  readonly iterations: number
  /** False when any fit of the cell stopped at maxIterations. */
  readonly converged: boolean
}

export interface Result {
  readonly cells: ReadonlyArray<Cell>
  readonly best: Cell
}

/** Training AUC above which a cell may be flagged as overfitting. */
export const OVERFIT_TRAIN_AUC = 0.99
/** How far below the best CV AUC an overfitting cell's CV AUC must fall. */
export const OVERFIT_MARGIN = 0.05

const classesIn = (y: ArrayLike<number>, index: ArrayLike<number>): { positives: number; negatives: number } => {
  let positives = 0
  for (let k = 0; k < index.length; k++) if (y[index[k]] === 1) positives++
  return { positives, negatives: index.length - positives }
}

const checkPositiveList = (field: string, values: ReadonlyArray<number>): void => {
  if (values.length === 0) throw new ConfigError({ field, message: `${field} is empty: give at least one value (e.g. a log grid 0.1, 1, 10)` })
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) throw new ConfigError({ field, message: `${field} holds ${v}; every value must be finite and > 0` })
  }
}

interface Fold {
  readonly train: Matrix.Matrix
  readonly trainSign: Float64Array
  readonly test: Matrix.Matrix
  readonly testY: Float64Array
}

const prepareFolds = (X: Matrix.Matrix, y: ArrayLike<number>, folds: ReadonlyArray<ArrayLike<number>>): Array<Fold> => {
  const n = X.rows
  if (folds.length === 0) throw new ConfigError({ field: "svm.grid.folds", message: "no folds: give the held-out index set of each fold (e.g. 5 stratified folds)" })
  return folds.map((held, k) => {
    const inTest = new Uint8Array(n)
    for (let t = 0; t < held.length; t++) {
      const i = held[t]
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new DataError({ source: `GridSearch fold ${k}`, message: `held-out index ${i} is not a row of the ${n}-row training set` })
      }
      inTest[i] = 1
    }
    const train: Array<number> = []
    for (let i = 0; i < n; i++) if (inTest[i] === 0) train.push(i)
    const tr = classesIn(y, train)
    if (tr.positives === 0 || tr.negatives === 0) {
      throw new DataError({
        source: `GridSearch fold ${k}`,
        message: `the training part of fold ${k} (${train.length} rows) holds only class ${tr.positives === 0 ? 0 : 1}: use stratified folds or fewer folds`
      })
    }
    const te = classesIn(y, held)
    if (te.positives === 0 || te.negatives === 0) {
      throw new DataError({
        source: `GridSearch fold ${k}`,
        message: `the held-out part of fold ${k} (${held.length} rows) holds only class ${te.positives === 0 ? 0 : 1}, so its ROC-AUC is undefined: use stratified folds or fewer folds`
      })
    }
    return {
      train: Matrix.takeRows(X, train),
      trainSign: Float64Array.from(train, (i) => (y[i] === 1 ? 1 : -1)),
      test: Matrix.takeRows(X, held),
      testY: Float64Array.from(held as ArrayLike<number>, (i) => y[i])
    }
  })
}

/**
 * Evaluates every (C, γ) of the grid on X (n × d), labels y (n, 0/1) and the given folds. Throws
 * a DataError for labels other than 0/1 or a fold with a single class on either side.
 */
export const search = (X: Matrix.Matrix, y: ArrayLike<number>, options: Options): Result => {
  const n = X.rows
  if (y.length !== n) throw new DataError({ source: "GridSearch", message: `${n} rows of X but ${y.length} labels` })
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new DataError({ source: "GridSearch", row: i + 1, message: `label ${y[i]} is not 0 or 1; the ROC-AUC grid search is for binary tasks` })
  }
  checkPositiveList("svm.grid.Cs", options.Cs)
  if ((options.gammas === undefined) === (options.sigmas === undefined)) {
    throw new ConfigError({ field: "svm.grid", message: "give exactly one of gammas and sigmas (γ = 1/(2σ²))" })
  }
  const gammas = options.gammas ?? (options.sigmas as ReadonlyArray<number>).map(KernelRows.gammaFromSigma)
  checkPositiveList(options.gammas === undefined ? "svm.grid.sigmas" : "svm.grid.gammas", options.gammas ?? (options.sigmas as ReadonlyArray<number>))
  const folds = prepareFolds(X, y, options.folds)
  const sign = Float64Array.from({ length: n }, (_, i) => (y[i] === 1 ? 1 : -1))

  const raw = options.Cs.flatMap((C) =>
    gammas.map((gamma) => {
      const sigma = KernelRows.sigmaFromGamma(gamma)
      const kernel = options.kernel === undefined ? KernelRows.rbf(gamma) : options.kernel(sigma)
      const fitOptions: Svc.Options = { ...options, C, kernel, platt: "none" }
      const full = Svc.fitMachine(X, sign, fitOptions)
      let converged = full.converged
      const cvAucFolds = folds.map((fold) => {
        const machine = Svc.fitMachine(fold.train, fold.trainSign, fitOptions)
        converged &&= machine.converged
        return Metrics.rocAuc(fold.testY, Svc.decision(machine, fold.test))
      })
      const cvAuc = cvAucFolds.reduce((s, v) => s + v, 0) / cvAucFolds.length
      const trainAuc = Metrics.rocAuc(y, Svc.decision(full, X))
      const testAuc = options.test === undefined ? undefined : Metrics.rocAuc(options.test.y, Svc.decision(full, options.test.X))
      return {
        C,
        gamma,
        sigma,
        nSupport: full.supportIndex.length,
        trainAuc,
        ...(testAuc === undefined ? {} : { testAuc }),
        cvAuc,
        cvAucFolds,
        iterations: full.iterations,
        converged
      }
    })
  )
  let bestIndex = 0
  for (let k = 1; k < raw.length; k++) if (raw[k].cvAuc > raw[bestIndex].cvAuc) bestIndex = k
  const bestAuc = raw[bestIndex].cvAuc
  const cells: Array<Cell> = raw.map((c) => ({ ...c, overfit: c.trainAuc > OVERFIT_TRAIN_AUC && c.cvAuc < bestAuc - OVERFIT_MARGIN }))
  return { cells, best: cells[bestIndex] }
}
