/**
 * Conformance of the SVMs (src/models/svm/) with scikit-learn's libsvm (fixture kind "svm"): the
 * RBF C-SVC (C, γ) grid on the fixture's data and folds — support-vector counts, train, test and
 * cross-validated ROC-AUC, decision values and intercepts where given, the best cell and the
 * overfit flags — and ε-SVR predictions.
 *
 * Conventions (the fixture's description): labels 0/1, AUC from decision values, folds are the
 * held-out index sets. SMO stopping tolerance from "(libsvm, tol 1e-3" (default: gpnn's, 1e-3).
 * Tolerances: "AUCs atol 2e-3", "decisionTest rtol 1e-2 atol 1e-2" (also used for the intercept,
 * which states none), "nSupport within 3%", "the best cell's cvAuc within 2e-3", "svr …
 * atol 1e-2" (those are the defaults). The best cell passes when it is the reference's, or when
 * the reference's cell scores within the best-cell tolerance of ours (a near tie). Overfit flags
 * are recomputed from gpnn's numbers with the description's rule ("train AUC > 0.99 and CV AUC
 * more than 0.05 below the best") and compared exactly, except on cells whose reference numbers
 * lie within the AUC tolerance of a threshold (listed as not compared).
 */
import { Effect, Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as GridSearch from "../../models/svm/GridSearch.ts"
import * as KernelRows from "../../models/svm/KernelRows.ts"
import * as Svc from "../../models/svm/Svc.ts"
import * as Svr from "../../models/svm/Svr.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)
const Rows = Schema.Array(Numbers)

const Cell = Schema.Struct({
  C: Schema.Number,
  gamma: Schema.Number,
  nSupport: Schema.optionalKey(Schema.Number),
  trainAuc: Schema.optionalKey(Schema.Number),
  testAuc: Schema.optionalKey(Schema.Number),
  cvAuc: Schema.optionalKey(Schema.Number),
  cvAucFolds: Schema.optionalKey(Numbers),
  decisionTest: Schema.optionalKey(Numbers),
  intercept: Schema.optionalKey(Schema.Number),
  overfit: Schema.optionalKey(Schema.Boolean)
})

const Fixture = Schema.Struct({
  Xtrain: Schema.optionalKey(Rows),
  ytrain: Schema.optionalKey(Numbers),
  Xtest: Schema.optionalKey(Rows),
  ytest: Schema.optionalKey(Numbers),
  folds: Schema.optionalKey(Rows),
  grid: Schema.optionalKey(Schema.Array(Cell)),
  best: Schema.optionalKey(Schema.Struct({ C: Schema.Number, gamma: Schema.Number, cvAuc: Schema.optionalKey(Schema.Number) })),
  svr: Schema.optionalKey(Schema.Struct({
    X: Rows,
    y: Numbers,
    Xtest: Rows,
    C: Schema.Number,
    gamma: Schema.Number,
    epsilon: Schema.Number,
    predict: Numbers
  }))
})
type Fixture = typeof Fixture.Type
type FixtureCell = typeof Cell.Type

const cellName = (c: { readonly C: number; readonly gamma: number }): string => `C=${c.C} γ=${c.gamma}`

const unique = (values: ReadonlyArray<number>): Array<number> => [...new Set(values)]

/** Lines comparing one quantity over every cell that states it. */
const perCell = (
  file: string,
  check: string,
  grid: ReadonlyArray<FixtureCell>,
  ours: (c: FixtureCell) => ReadonlyArray<number> | number | undefined,
  theirs: (c: FixtureCell) => ReadonlyArray<number> | number | undefined,
  tol: Check.Tolerance
): Array<Check.Line> => {
  const actual: Array<number> = []
  const expected: Array<number> = []
  const labels: Array<string> = []
  for (const c of grid) {
    const e = theirs(c)
    if (e === undefined) continue
    const es = typeof e === "number" ? [e] : e
    const a = ours(c)
    const as = a === undefined ? es.map(() => Number.NaN) : typeof a === "number" ? [a] : a
    es.forEach((v, k) => {
      expected.push(v)
      actual.push(as[k] ?? Number.NaN)
      labels.push(es.length > 1 ? `${cellName(c)} fold ${k}` : cellName(c))
    })
  }
  return expected.length === 0 ? [] : [Check.close(file, check, actual, expected, tol, (i) => labels[i])]
}

const gridLines = (f: Fixture, grid: ReadonlyArray<FixtureCell>, { file, description }: Kind.Context): ReadonlyArray<Check.Line> => {
  if (f.Xtrain === undefined || f.ytrain === undefined || f.folds === undefined) {
    return [Check.failed(file, "grid", "a grid needs Xtrain, ytrain and folds")]
  }
  const aucTol = Description.tolerance(description, ["auc"], { rtol: 0, atol: 2e-3 })
  const decisionTol = Description.tolerance(description, ["decisionTest"], { rtol: 1e-2, atol: 1e-2 })
  const supportTol = Description.tolerance(description, ["nSupport"], { rtol: 0.03, atol: 0 })
  const bestTol = Description.tolerance(description, ["best cell"], { rtol: 0, atol: 2e-3 })
  const smoTol = Description.setting(description, "libsvm", String.raw`\btol\s*(N)`)
  const smo = smoTol === undefined ? {} : { tol: smoTol }

  const X = Matrix.fromRows(f.Xtrain)
  const y = Float64Array.from(f.ytrain)
  const test = f.Xtest !== undefined && f.ytest !== undefined ? { X: Matrix.fromRows(f.Xtest), y: f.ytest } : undefined
  const result = GridSearch.search(X, y, {
    Cs: unique(grid.map((c) => c.C)),
    gammas: unique(grid.map((c) => c.gamma)),
    folds: f.folds,
    ...(test === undefined ? {} : { test }),
    ...smo
  })
  const ourCell = (c: { readonly C: number; readonly gamma: number }) => result.cells.find((o) => o.C === c.C && o.gamma === c.gamma)
  const lines: Array<Check.Line> = [
    ...perCell(file, "grid: nSupport", grid, (c) => ourCell(c)?.nSupport, (c) => c.nSupport, supportTol),
    ...perCell(file, "grid: train AUC", grid, (c) => ourCell(c)?.trainAuc, (c) => c.trainAuc, aucTol),
    ...perCell(file, "grid: test AUC", grid, (c) => ourCell(c)?.testAuc, (c) => c.testAuc, aucTol),
    ...perCell(file, "grid: CV AUC per fold", grid, (c) => ourCell(c)?.cvAucFolds, (c) => c.cvAucFolds, aucTol),
    ...perCell(file, "grid: CV AUC", grid, (c) => ourCell(c)?.cvAuc, (c) => c.cvAuc, aucTol)
  ]

  for (const c of grid) {
    if (c.decisionTest === undefined && c.intercept === undefined) continue
    if (test === undefined && c.decisionTest !== undefined) {
      lines.push(Check.failed(file, `${cellName(c)}: decision values`, "decisionTest given but no Xtest"))
      continue
    }
    const sign = Float64Array.from(y, (v) => (v === 1 ? 1 : -1))
    const machine = Svc.fitMachine(X, sign, { C: c.C, kernel: KernelRows.rbf(c.gamma), platt: "none", ...smo })
    if (c.decisionTest !== undefined && test !== undefined) {
      lines.push(Check.close(file, `${cellName(c)}: decision values`, Svc.decision(machine, test.X), c.decisionTest, decisionTol))
    }
    if (c.intercept !== undefined) lines.push(Check.close(file, `${cellName(c)}: intercept −ρ`, -machine.rho, c.intercept, decisionTol))
  }

  const best = f.best
  if (best !== undefined) {
    const theirs = ourCell(best)
    const ours = result.best
    if (theirs === undefined) {
      lines.push(Check.failed(file, "best cell", `the reference's best ${cellName(best)} is not in the grid`))
    } else {
      const same = theirs === ours
      const gap = ours.cvAuc - theirs.cvAuc
      const nearTie = gap <= bestTol.atol + bestTol.rtol * Math.abs(ours.cvAuc)
      lines.push({
        file,
        check: "best cell",
        maxAbs: undefined,
        maxRel: undefined,
        tolerance: `exact or near tie (${Check.describeTolerance(bestTol)})`,
        outcome: same || nearTie ? "pass" : "fail",
        note: same ? `${cellName(ours)} vs ${cellName(best)}` : `${cellName(ours)} vs ${cellName(best)}: ours scores ${gap.toExponential(2)} above the reference's cell`
      })
    }
    if (best.cvAuc !== undefined) lines.push(Check.close(file, "best CV AUC", ours.cvAuc, best.cvAuc, bestTol))
  }

  const withFlag = grid.filter((c) => c.overfit !== undefined)
  if (withFlag.length > 0) {
    const trainAbove = Description.setting(description, "overfit", String.raw`train AUC\s*>\s*(N)`) ?? GridSearch.OVERFIT_TRAIN_AUC
    const margin = Description.setting(description, "overfit", String.raw`more than\s*(N)\s*below`) ?? GridSearch.OVERFIT_MARGIN
    const refBest = best?.cvAuc ?? Math.max(...grid.map((c) => c.cvAuc ?? Number.NEGATIVE_INFINITY))
    const borderline = (c: FixtureCell) =>
      c.trainAuc === undefined || c.cvAuc === undefined ||
      Math.abs(c.trainAuc - trainAbove) <= aucTol.atol || Math.abs(c.cvAuc - (refBest - margin)) <= 2 * aucTol.atol
    const compared = withFlag.filter((c) => !borderline(c))
    const flag = (c: FixtureCell) => {
      const o = ourCell(c)
      return o !== undefined && o.trainAuc > trainAbove && o.cvAuc < result.best.cvAuc - margin
    }
    const differ = compared.filter((c) => flag(c) !== c.overfit)
    const skippedCells = withFlag.length - compared.length
    lines.push(Check.exact(
      file,
      "overfit flags",
      differ.length === 0 ? `${compared.length} agree` : `${differ.length} differ (${differ.map(cellName).join(", ")})`,
      `${compared.length} agree`,
      `rule: train AUC > ${trainAbove} and CV AUC more than ${margin} below the best${skippedCells > 0 ? `; ${skippedCells} borderline cells not compared` : ""}`
    ))
  }
  return lines
}

const run = (f: Fixture, context: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const { file, description } = context
  const groups: Array<Effect.Effect<ReadonlyArray<Check.Line>>> = []
  const grid = f.grid
  if (grid !== undefined && grid.length > 0) groups.push(Check.guard(file, "grid", () => gridLines(f, grid, context)))
  const s = f.svr
  if (s !== undefined) {
    groups.push(Check.guard(file, "svr", () => {
      const tol = Description.tolerance(description, ["svr"], { rtol: 0, atol: 1e-2 })
      const model = Svr.fit(Matrix.fromRows(s.X), s.y, { C: s.C, epsilon: s.epsilon, kernel: KernelRows.rbf(s.gamma) })
      return [Check.close(file, `svr C=${s.C} γ=${s.gamma} ε=${s.epsilon}: predictions`, Svr.predict(model, Matrix.fromRows(s.Xtest)), s.predict, tol)]
    }))
  }
  return Effect.map(Effect.all(groups), (lines) => lines.flat())
}

export const kind: Kind.Kind = Kind.make({
  name: "svm",
  signature: "Xtrain, ytrain, folds, grid[{C, gamma, nSupport, trainAuc, cvAuc, …}], best, svr{X, y, Xtest, C, gamma, epsilon, predict}",
  schema: Fixture,
  present: (f) => ((f.grid ?? []).length === 0 && f.svr === undefined ? "neither a grid nor svr" : undefined),
  run
})
