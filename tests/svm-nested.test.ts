/**
 * The svm family's nested selection (`select`): C and σ chosen by an inner stratified k-fold of
 * the training part on ROC-AUC. Checked against GridSearch (an independent implementation of the
 * same recipe) on the same inner folds, shown to have power (a tiny σ that memorises is never the
 * choice on noisy moons), and run beyond two classes.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Split from "../src/data/Split.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as GridSearch from "../src/models/svm/GridSearch.ts"
import * as Nested from "../src/models/svm/Nested.ts"
import * as Svm from "../src/models/svm/Svm.ts"
import { assertClose } from "./support/assertClose.ts"

const moons = Synthetic.moons({ n: 120, noise: 0.3 }, Random.make(11))
const grid = { Cs: [0.1, 10], sigmas: [0.02, 0.5, 3] }

describe("Nested.select", () => {
  it("matches GridSearch's best cell and CV AUC on the same inner folds", () => {
    const rng = Random.make(4)
    const choice = Nested.select(moons.X, moons.y, 2, { solver: {}, ...grid, folds: 3, rng: rng.fork("inner") })
    const folds = Split.stratifiedKfold(moons.y, 2, 3, rng.fork("inner")).map((f) => f.test)
    const reference = GridSearch.search(moons.X, moons.y, { ...grid, folds })
    expect([choice.best.C, choice.best.sigma]).toEqual([reference.best.C, reference.best.sigma])
    assertClose(choice.cells.map((c) => c.auc), reference.cells.map((c) => c.cvAuc), { rtol: 1e-12, atol: 1e-12 })
  })

  it("has power: the memorising σ = 0.02 scores far below the chosen cell and is never chosen", () => {
    for (const seed of [1, 2, 3]) {
      const choice = Nested.select(moons.X, moons.y, 2, { solver: {}, ...grid, folds: 3, rng: Random.make(seed) })
      expect(choice.best.sigma).not.toBe(0.02)
      for (const c of choice.cells) expect(c.auc).toBeLessThanOrEqual(choice.best.auc)
      const tiny = choice.cells.filter((c) => c.sigma === 0.02)
      for (const c of tiny) expect(c.auc).toBeLessThan(choice.best.auc - 0.05)
    }
  })

  it("scores three classes by macro one-vs-rest AUC of the machines' margins", () => {
    const rng = Random.make(9)
    const rows: Array<Array<number>> = []
    const y: Array<number> = []
    for (let i = 0; i < 60; i++) {
      const c = i % 3
      rows.push([2 * c + 0.7 * rng.normal(), (c === 1 ? 1 : 0) + 0.7 * rng.normal()])
      y.push(c)
    }
    const choice = Nested.select(Matrix.fromRows(rows), Float64Array.from(y), 3, { solver: {}, Cs: [1], sigmas: [0.01, 1], folds: 3, rng })
    expect(choice.best.sigma).toBe(1)
    expect(choice.best.auc).toBeGreaterThan(0.85)
  })

  it("refuses a class with fewer rows than the inner folds, naming the class", () => {
    const y = Float64Array.from({ length: 20 }, (_, i) => (i < 18 ? 0 : 1))
    expect(() => Nested.select(Matrix.make(20, 1), y, 2, { solver: {}, Cs: [1], sigmas: [1], folds: 3, rng: Random.make(1) })).toThrow(/class 1 has 2 training rows/)
  })
})

describe("svm family with select", () => {
  it("fits the chosen pair, records it as hyperparameters and info, and depends on the seed only through the inner folds", () => {
    const model = Effect.runSync(Svm.family.make({ kind: "svc", probability: false, select: { ...grid, folds: 3 } }))
    const fit = (seed: number) => Effect.runSync(model.fit(moons, { rng: Random.make(seed) }) as Effect.Effect<import("../src/models/Model.ts").Fitted>)
    const fitted = fit(5)
    const expected = Nested.select(moons.X, moons.y, 2, { solver: { tol: 1e-3, cacheMb: 200, shrinking: true }, ...grid, folds: 3, rng: Random.make(5).fork("svm/select") }).best
    expect(fitted.info.C).toBe(expected.C)
    assertClose(Number(fitted.info.sigma), expected.sigma, { rtol: 1e-12 })
    expect(fitted.hyperparameters.map((h) => [h.name, h.value])).toEqual([["C", expected.C], ["sigma", expected.sigma]])
    expect(fitted.info.innerCvAuc).toBe(expected.auc)
    expect(fit(5).info.innerCvAuc).toBe(fitted.info.innerCvAuc)
  })

  it("rejects select on an ε-SVR or beside a fixed σ with a ConfigError saying what to change", () => {
    const svr = Effect.runSync(Effect.result(Svm.family.make({ kind: "svr", select: { ...grid, folds: 3 } })))
    expect(svr._tag === "Failure" && svr.failure.message).toContain('use kind "svc"')
    const both = Effect.runSync(Effect.result(Svm.family.make({ kind: "svc", sigma: 1, select: { ...grid, folds: 3 } })))
    expect(both._tag === "Failure" && both.failure.message).toContain("drop sigma")
  })
})
