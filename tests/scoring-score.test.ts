import { describe, expect, it } from "vitest"
import { NumericalError } from "../src/core/Errors.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import * as Score from "../src/scoring/Score.ts"
import { assertClose } from "./support/assertClose.ts"

const regression: Dataset = { name: "r", kind: "regression", X: Matrix.make(4, 1), y: Float64Array.from([1, 2, 3, 5]), classes: 0 }
const binary: Dataset = { name: "b", kind: "classification", X: Matrix.make(5, 1), y: Float64Array.from([0, 1, 1, 0, 1]), classes: 2 }
const threeClass: Dataset = { name: "m", kind: "classification", X: Matrix.make(4, 1), y: Float64Array.from([0, 1, 2, 2]), classes: 3 }

describe("Score.score", () => {
  it("regression: rmse and r2, plus nll only when a variance is given", () => {
    const mean = Float64Array.from([1.5, 2, 2.5, 4])
    const variance = Float64Array.from([0.5, 1, 1, 2])
    expect(Object.keys(Score.score({ kind: "regression", mean }, regression)).sort()).toEqual(["mae", "r2", "rmse"])
    const s = Score.score({ kind: "regression", mean, variance }, regression)
    assertClose(s.rmse, Math.sqrt((0.25 + 0 + 0.25 + 1) / 4), { rtol: 1e-15 }, "rmse")
    assertClose(s.r2, Metrics.r2(regression.y, mean), { rtol: 1e-15 }, "r2")
    assertClose(s.nll, Metrics.gaussianNll(regression.y, mean, variance), { rtol: 1e-15 }, "nll")
    assertClose(s.mae, (0.5 + 0 + 0.5 + 1) / 4, { rtol: 1e-15 }, "mae")
    // |y − μ| ≤ 1.96σ: 0.5 ≤ 1.386, 0 ≤ 1.96, 0.5 ≤ 1.96, 1 ≤ 2.77: all four inside; a tighter variance leaves the last out
    expect(s.coverage95).toBe(1)
    expect(Score.score({ kind: "regression", mean, variance: Float64Array.from([0.5, 1, 1, 0.2]) }, regression).coverage95).toBe(0.75)
  })

  it("classification: Brier on P(class 1) for two classes, summed over classes beyond, and the top-label ECE", () => {
    const p1 = [0.2, 0.8, 0.25, 0.3, 0.9]
    const s = Score.score({ kind: "classification", probabilities: Matrix.fromRows(p1.map((p) => [1 - p, p])) }, binary)
    assertClose(s.brier, (0.04 + 0.04 + 0.5625 + 0.09 + 0.01) / 5, { rtol: 1e-15 }, "brier")
    // top-label confidences 0.85, 0.85, 0.75, 0.65, 0.95 (hits 1, 1, 0, 1, 1), one bin each but the two 0.85s
    const q1 = [0.15, 0.85, 0.25, 0.35, 0.95]
    const e = Score.score({ kind: "classification", probabilities: Matrix.fromRows(q1.map((p) => [1 - p, p])) }, binary)
    assertClose(e.ece, (2 / 5) * 0.15 + (1 / 5) * 0.75 + (1 / 5) * 0.35 + (1 / 5) * 0.05, { rtol: 1e-12 }, "ece")
    const probabilities = Matrix.fromRows([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]])
    const m = Score.score({ kind: "classification", probabilities }, threeClass)
    assertClose(m.brier, (0.16 + 0.09 + 0.01 + 0.04 + 0.25 + 0.09 + 0.01 + 0.04 + 0.09 + 0.09 + 0.16 + 0.49) / 4, { rtol: 1e-12 }, "multiclass brier")
  })

  it("binary: the AUC comes from the decision values when present, else from P(class 1)", () => {
    const p1 = [0.2, 0.8, 0.25, 0.3, 0.9]
    const probabilities = Matrix.fromRows(p1.map((p) => [1 - p, p]))
    const fromProbabilities = Score.score({ kind: "classification", probabilities }, binary)
    assertClose(fromProbabilities.auc, 5 / 6, { rtol: 1e-15 }, "auc from P(class 1)")
    assertClose(fromProbabilities.accuracy, 4 / 5, { rtol: 1e-15 }, "accuracy")
    assertClose(fromProbabilities.logLoss, Metrics.logLoss(binary.y, probabilities), { rtol: 1e-15 }, "log loss")
    const decision = Float64Array.from([-1, 2, 3, -2, 1])
    assertClose(Score.score({ kind: "classification", probabilities, decision }, binary).auc, 1, { rtol: 1e-15 }, "auc from decision")
  })

  it("multiclass: the AUC is the macro one-vs-rest AUC", () => {
    const probabilities = Matrix.fromRows([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]])
    const s = Score.score({ kind: "classification", probabilities }, threeClass)
    assertClose(s.auc, Metrics.ovrMacroAuc(threeClass.y, probabilities), { rtol: 1e-15 }, "auc")
    assertClose(s.accuracy, 3 / 4, { rtol: 1e-15 }, "accuracy")
  })

  it("leaves the AUC out when the target holds a single class", () => {
    const single: Dataset = { ...binary, X: Matrix.make(2, 1), y: Float64Array.from([1, 1]) }
    const s = Score.score({ kind: "classification", probabilities: Matrix.fromRows([[0.4, 0.6], [0.1, 0.9]]) }, single)
    expect(s.auc).toBeUndefined()
    expect(s.accuracy).toBe(1)
  })

  it("throws a NumericalError for non-finite predictions, or gives NaN metrics with allowNonFinite", () => {
    const mean = Float64Array.from([1, Number.NaN, 3, 4])
    expect(() => Score.score({ kind: "regression", mean }, regression)).toThrow(NumericalError)
    const s = Score.score({ kind: "regression", mean }, regression, { allowNonFinite: true })
    expect(s.rmse).toBeNaN()
    const badVariance = Float64Array.from([1, 0, 1, 1])
    expect(() => Score.score({ kind: "regression", mean: regression.y, variance: badVariance }, regression)).toThrow(/non-positive variance/)
    const withVariance = Score.score({ kind: "regression", mean: regression.y, variance: badVariance }, regression, { allowNonFinite: true })
    expect(withVariance.rmse).toBe(0)
    expect(withVariance.nll).toBeNaN()
    const probabilities = Matrix.fromRows([[0.5, 0.5], [Number.NaN, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    expect(() => Score.score({ kind: "classification", probabilities }, binary)).toThrow(NumericalError)
  })

  it("throws a DataError for a prediction of the wrong kind or size", () => {
    expect(() => Score.score({ kind: "regression", mean: new Float64Array(5) }, binary)).toThrow(/cannot score/)
    expect(() => Score.score({ kind: "regression", mean: new Float64Array(3) }, regression)).toThrow(/3 predicted means for 4 points/)
    expect(() => Score.score({ kind: "classification", probabilities: Matrix.make(5, 3) }, binary)).toThrow(/5 × 3/)
  })
})
