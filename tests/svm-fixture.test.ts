/**
 * The SVM against scikit-learn (libsvm) on the reference fixture: the (C, γ) grid on noisy moons
 * with its given folds, the decision values of the cells that carry them, the best cell and the
 * overfit flags, and ε-SVR predictions. Tolerances are the fixture's own (its `description`).
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as GridSearch from "../src/models/svm/GridSearch.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Svc from "../src/models/svm/Svc.ts"
import * as Svr from "../src/models/svm/Svr.ts"
import { assertClose } from "./support/assertClose.ts"

interface FixtureCell {
  readonly C: number
  readonly gamma: number
  readonly nSupport: number
  readonly trainAuc: number
  readonly testAuc: number
  readonly cvAuc: number
  readonly cvAucFolds: ReadonlyArray<number>
  readonly overfit: boolean
  readonly decisionTest?: ReadonlyArray<number>
  readonly intercept?: number
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/svm.json", import.meta.url), "utf8")) as {
  readonly Xtrain: ReadonlyArray<ReadonlyArray<number>>
  readonly ytrain: ReadonlyArray<number>
  readonly Xtest: ReadonlyArray<ReadonlyArray<number>>
  readonly ytest: ReadonlyArray<number>
  readonly folds: ReadonlyArray<ReadonlyArray<number>>
  readonly grid: ReadonlyArray<FixtureCell>
  readonly best: { readonly C: number; readonly gamma: number; readonly cvAuc: number }
  readonly svr: {
    readonly X: ReadonlyArray<ReadonlyArray<number>>
    readonly y: ReadonlyArray<number>
    readonly Xtest: ReadonlyArray<ReadonlyArray<number>>
    readonly C: number
    readonly gamma: number
    readonly epsilon: number
    readonly predict: ReadonlyArray<number>
  }
}

const AUC_ATOL = 2e-3
const X = Matrix.fromRows(fixture.Xtrain)
const y = Float64Array.from(fixture.ytrain)
const Xtest = Matrix.fromRows(fixture.Xtest)
const Cs = [...new Set(fixture.grid.map((c) => c.C))]
const gammas = [...new Set(fixture.grid.map((c) => c.gamma))]

describe("GridSearch.search on the fixture's moons", () => {
  const result = GridSearch.search(X, y, { Cs, gammas, folds: fixture.folds, test: { X: Xtest, y: fixture.ytest } })
  const cellOf = (C: number, gamma: number) => result.cells.find((c) => c.C === C && c.gamma === gamma)

  it("covers the fixture's grid in its order (C-major, then γ)", () => {
    expect(result.cells.map((c) => [c.C, c.gamma])).toEqual(fixture.grid.map((c) => [c.C, c.gamma]))
  })

  it.each(fixture.grid.map((e) => [`C=${e.C} γ=${e.gamma}`, e] as const))("%s: nSupport within 3%%, AUCs within 2e-3", (_, e) => {
    const c = cellOf(e.C, e.gamma)
    expect(c).toBeDefined()
    if (c === undefined) return
    expect(Math.abs(c.nSupport - e.nSupport), `nSupport ${c.nSupport} vs ${e.nSupport}`).toBeLessThanOrEqual(0.03 * e.nSupport)
    assertClose(c.trainAuc, e.trainAuc, { atol: AUC_ATOL, rtol: 0 }, "train AUC")
    assertClose(c.testAuc ?? Number.NaN, e.testAuc, { atol: AUC_ATOL, rtol: 0 }, "test AUC")
    assertClose(c.cvAucFolds, e.cvAucFolds, { atol: AUC_ATOL, rtol: 0 }, "per-fold CV AUC")
    assertClose(c.cvAuc, e.cvAuc, { atol: AUC_ATOL, rtol: 0 }, "CV AUC")
    expect(c.converged).toBe(true)
  })

  it("finds a best cell as good as the reference's", () => {
    assertClose(result.best.cvAuc, fixture.best.cvAuc, { atol: AUC_ATOL, rtol: 0 }, "best CV AUC")
    const theirs = cellOf(fixture.best.C, fixture.best.gamma)
    expect(theirs).toBeDefined()
    expect(result.best.cvAuc - (theirs?.cvAuc ?? Number.NaN)).toBeLessThanOrEqual(AUC_ATOL)
    expect(Math.max(...result.cells.map((c) => c.cvAuc))).toBe(result.best.cvAuc)
  })

  it("flags overfitting cells as the reference does, wherever the flag is not within tolerance of its thresholds", () => {
    let compared = 0
    for (const e of fixture.grid) {
      const c = cellOf(e.C, e.gamma)
      if (c === undefined) continue
      // Our own flags follow the rule exactly from our own numbers.
      expect(c.overfit).toBe(c.trainAuc > GridSearch.OVERFIT_TRAIN_AUC && c.cvAuc < result.best.cvAuc - GridSearch.OVERFIT_MARGIN)
      const borderline = Math.abs(e.trainAuc - GridSearch.OVERFIT_TRAIN_AUC) <= AUC_ATOL ||
        Math.abs(e.cvAuc - (fixture.best.cvAuc - GridSearch.OVERFIT_MARGIN)) <= 2 * AUC_ATOL
      if (borderline) continue
      expect(c.overfit, `overfit flag of C=${e.C} γ=${e.gamma}`).toBe(e.overfit)
      compared++
    }
    expect(compared).toBeGreaterThan(fixture.grid.length / 2)
  })

  it("gives the same grid when σ is given instead of γ", () => {
    const bySigma = GridSearch.search(X, y, { Cs: [Cs[0]], sigmas: gammas.map(KernelRows.sigmaFromGamma), folds: fixture.folds })
    bySigma.cells.forEach((c, k) => {
      assertClose(c.gamma, gammas[k], { rtol: 1e-12 }, "γ from σ")
      assertClose(c.cvAucFolds, result.cells[k].cvAucFolds, { atol: 1e-9, rtol: 0 }, "per-fold CV AUC")
    })
  })
})

describe("Svc decision values against scikit-learn's decision_function", () => {
  const withDecision = fixture.grid.filter((c) => c.decisionTest !== undefined)

  it("has cells with decision values to compare", () => {
    expect(withDecision.length).toBeGreaterThan(0)
  })

  it.each(withDecision.map((e) => [`C=${e.C} γ=${e.gamma}`, e] as const))("%s: test decision values rtol 1e-2 atol 1e-2, intercept −ρ", (_, e) => {
    const sign = Float64Array.from(y, (v) => (v === 1 ? 1 : -1))
    const machine = Svc.fitMachine(X, sign, { C: e.C, kernel: KernelRows.rbf(e.gamma), platt: "none" })
    assertClose(Svc.decision(machine, Xtest), e.decisionTest ?? [], { rtol: 1e-2, atol: 1e-2 }, "decision values")
    if (e.intercept !== undefined) assertClose(-machine.rho, e.intercept, { rtol: 1e-2, atol: 1e-2 }, "intercept")
  })
})

describe("Svr against scikit-learn's SVR", () => {
  it("predicts within 1e-2", () => {
    const s = fixture.svr
    const model = Svr.fit(Matrix.fromRows(s.X), s.y, { C: s.C, epsilon: s.epsilon, kernel: KernelRows.rbf(s.gamma) })
    assertClose(Svr.predict(model, Matrix.fromRows(s.Xtest)), s.predict, { atol: 1e-2, rtol: 0 }, "SVR predictions")
  })
})
