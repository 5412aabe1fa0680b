/**
 * Nested choice of an RBF C-SVC's C and σ: an inner stratified k-fold on the training part
 * alone scores every (C, σ) of a grid by ROC-AUC of its held-out decision values; the best cell
 * (the first with the largest mean inner AUC, C-major then σ, as GridSearchCV) is then fitted on
 * the whole training part. Used as the svm family's `select` option, so in a study the outer
 * folds that score the model never take part in choosing it (Varma & Simon 2006; Cawley &
 * Talbot, JMLR 11 (2010) 2079–2107, on the optimistic bias of selecting on the scoring folds).
 *
 * Conventions: binary AUC from the machine's decision values (Metrics.rocAuc); beyond two
 * classes the macro one-vs-rest AUC of the k machines' decision values (Metrics.ovrMacroAuc
 * ranks each column, so margins serve as well as probabilities). σ is the RBF length-scale,
 * γ = 1/(2σ²) (KernelRows). The inner folds come from `rng` (the trial's generator forked), so
 * the choice depends on the trial's seed only. No Platt scaling inside: it does not change a
 * fold's AUC (a monotone map of the margins) and would cost five more fits per cell.
 *
 * When to use: `select(X, y, classes, options)` before `Svc.fit` with the chosen C and σ.
 * Gotchas: a class with fewer members than the inner folds is a DataError naming it (the inner
 * AUC would be undefined in some fold); cost is |Cs|·|σs|·folds SMO fits.
 */
import { DataError } from "../../core/Errors.ts"
import type * as Random from "../../core/Random.ts"
import * as Split from "../../data/Split.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Metrics from "../../scoring/Metrics.ts"
import * as KernelRows from "./KernelRows.ts"
import type * as Smo from "./Smo.ts"
import * as Svc from "./Svc.ts"

export interface Options {
  readonly solver: Smo.Options
  readonly Cs: ReadonlyArray<number>
  readonly sigmas: ReadonlyArray<number>
  /** Inner stratified folds, ≥ 2. */
  readonly folds: number
  /** Draws the inner folds. */
  readonly rng: Random.Generator
}

export interface Cell {
  readonly C: number
  readonly sigma: number
  /** Mean inner-fold ROC-AUC. */
  readonly auc: number
}

export interface Choice {
  readonly best: Cell
  readonly cells: ReadonlyArray<Cell>
}

/** ROC-AUC of decision values: binary from the one machine, else macro one-vs-rest. */
export const auc = (y: ArrayLike<number>, values: ReadonlyArray<Float64Array>): number => {
  if (values.length === 1) return Metrics.rocAuc(y, values[0])
  const m = y.length
  const k = values.length
  const M = Matrix.make(m, k)
  for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) M.data[i * k + c] = values[c][i]
  return Metrics.ovrMacroAuc(y, M)
}

const gather = (X: Matrix.Matrix, y: ArrayLike<number>, index: Int32Array) => ({
  X: Matrix.fromRows(Array.from(index, (i) => Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)))),
  y: Float64Array.from(index, (i) => y[i])
})

/** The (C, σ) of the grid with the best mean inner-CV ROC-AUC on (X, y), every cell's score beside it. */
export const select = (X: Matrix.Matrix, y: ArrayLike<number>, classes: number, options: Options): Choice => {
  const counts = new Array<number>(classes).fill(0)
  for (let i = 0; i < y.length; i++) counts[y[i]]++
  const smallest = counts.reduce((m, c, i) => (c < counts[m] ? i : m), 0)
  if (counts[smallest] < options.folds) {
    throw new DataError({
      source: "svm.select",
      message: `class ${smallest} has ${counts[smallest]} training rows, fewer than the ${options.folds} inner folds that choose C and σ; lower select.folds or use more data`
    })
  }
  const inner = Split.stratifiedKfold(y, classes, options.folds, options.rng).map((fold) => ({ train: gather(X, y, fold.train), test: gather(X, y, fold.test) }))
  const cells: Array<Cell> = []
  for (const C of options.Cs) {
    for (const sigma of options.sigmas) {
      let sum = 0
      for (const part of inner) {
        const model = Svc.fit(part.train.X, part.train.y, classes, { ...options.solver, C, kernel: KernelRows.rbfSigma(sigma), platt: "none" })
        sum += auc(part.test.y, Svc.decisions(model, part.test.X))
      }
      cells.push({ C, sigma, auc: sum / inner.length })
    }
  }
  const best = cells.reduce((b, c) => (c.auc > b.auc || Number.isNaN(b.auc) ? c : b), cells[0])
  return { best, cells }
}
