import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import { assertClose } from "./support/assertClose.ts"

interface Roc {
  readonly fpr: Array<number>
  readonly tpr: Array<number>
  readonly thresholds?: Array<number>
}
interface Fixture {
  readonly description: string
  readonly binary: Array<{ name: string; y: Array<number>; score: Array<number>; auc: number; rocFull: Roc; rocDropped: Roc }>
  readonly multiclass: { y: Array<number>; proba: Array<Array<number>>; ovrMacroAuc: number; logLoss: number; accuracy: number }
  readonly regression: { y: Array<number>; pred: Array<number>; mse: number; r2: number }
}

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/metrics.json", import.meta.url), "utf8"))
const tol = { rtol: 1e-12, atol: 0 }
/** fpr/tpr values of 0 compare absolutely, since a relative tolerance of 0 would demand exact zeros anyway. */
const rateTol = { rtol: 1e-12, atol: 1e-15 }

/**
 * The fixture's first threshold: +∞ stored as 1e308 by the description, while scikit-learn 1.2
 * (the generator) writes max(score) + 1. Ours is +∞ (scikit-learn ≥ 1.3); accept the fixture
 * only in one of those two forms, so a fixture with some other first threshold still fails.
 */
const checkFirstThreshold = (ours: number, theirs: ReadonlyArray<number>, what: string) => {
  expect(ours, what).toBe(Number.POSITIVE_INFINITY)
  const sklearn12 = Math.abs(theirs[0] - (theirs[1] + 1)) <= 1e-12 * Math.abs(theirs[1] + 1)
  expect(theirs[0] >= 1e308 || sklearn12, `${what}: fixture first threshold ${theirs[0]}`).toBe(true)
}

describe("Metrics: binary ROC against scikit-learn (fixture metrics.json)", () => {
  for (const c of fixture.binary) {
    const y = Float64Array.from(c.y)
    const score = Float64Array.from(c.score)

    it(`${c.name}: rocAuc equals roc_auc_score`, () => {
      assertClose(Metrics.rocAuc(y, score), c.auc, tol, `${c.name} auc`)
    })

    it(`${c.name}: rocCurve(dropIntermediate=false) equals roc_curve`, () => {
      const roc = Metrics.rocCurve(y, score, { dropIntermediate: false })
      assertClose(roc.fpr, c.rocFull.fpr, rateTol, `${c.name} fpr`)
      assertClose(roc.tpr, c.rocFull.tpr, rateTol, `${c.name} tpr`)
      const thresholds = c.rocFull.thresholds ?? []
      assertClose(roc.thresholds.subarray(1), thresholds.slice(1), { rtol: 1e-12, atol: 1e-300 }, `${c.name} thresholds`)
      checkFirstThreshold(roc.thresholds[0], thresholds, `${c.name} first threshold`)
    })

    it(`${c.name}: rocCurve(dropIntermediate=true) removes the same collinear points`, () => {
      const roc = Metrics.rocCurve(y, score, { dropIntermediate: true })
      assertClose(roc.fpr, c.rocDropped.fpr, rateTol, `${c.name} fpr`)
      assertClose(roc.tpr, c.rocDropped.tpr, rateTol, `${c.name} tpr`)
      if (c.rocDropped.thresholds !== undefined) {
        assertClose(roc.thresholds.subarray(1), c.rocDropped.thresholds.slice(1), { rtol: 1e-12, atol: 1e-300 }, `${c.name} thresholds`)
      }
    })

    it(`${c.name}: the AUC is the trapezoidal area under the dropped curve`, () => {
      const roc = Metrics.rocCurve(y, score)
      let area = 0
      for (let i = 1; i < roc.fpr.length; i++) area += ((roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1])) / 2
      assertClose(area, Metrics.rocAuc(y, score), { rtol: 1e-12, atol: 1e-15 }, `${c.name} area`)
    })
  }
})

describe("Metrics: multiclass and regression against scikit-learn (fixture metrics.json)", () => {
  const m = fixture.multiclass
  const y = Float64Array.from(m.y)
  const P = Matrix.fromRows(m.proba)

  it("ovrMacroAuc equals roc_auc_score(multi_class='ovr', average='macro')", () => {
    assertClose(Metrics.ovrMacroAuc(y, P), m.ovrMacroAuc, tol, "ovr macro auc")
  })
  it("logLoss equals log_loss", () => {
    assertClose(Metrics.logLoss(y, P), m.logLoss, tol, "log loss")
  })
  it("accuracy equals accuracy_score of the argmax", () => {
    assertClose(Metrics.accuracy(y, P), m.accuracy, tol, "accuracy")
  })

  const r = fixture.regression
  it("mse, rmse and r2 equal mean_squared_error and r2_score", () => {
    assertClose(Metrics.mse(r.y, r.pred), r.mse, tol, "mse")
    assertClose(Metrics.rmse(r.y, r.pred), Math.sqrt(r.mse), tol, "rmse")
    assertClose(Metrics.r2(r.y, r.pred), r.r2, tol, "r2")
  })
})

describe("Metrics: closed forms and properties", () => {
  it("gaussianNll is ½(log 2πσ² + (y−μ)²/σ²) averaged", () => {
    const y = [0, 1, 3]
    const mu = [0, 0, 1]
    const v = [1, 4, 0.5]
    const expected = [0, 1, 2].map((i) => 0.5 * (Math.log(2 * Math.PI * v[i]) + (y[i] - mu[i]) ** 2 / v[i])).reduce((a, b) => a + b) / 3
    assertClose(Metrics.gaussianNll(y, mu, v), expected, { rtol: 1e-15 }, "nll")
    // at y = μ, σ² = 1: ½ log 2π
    assertClose(Metrics.gaussianNll([2], [2], [1]), 0.5 * Math.log(2 * Math.PI), { rtol: 1e-15 }, "nll at the mean")
  })

  it("rocAuc counts ties ½ and is invariant to monotone transforms of the score", () => {
    expect(Metrics.rocAuc([0, 1], [0.5, 0.5])).toBe(0.5)
    expect(Metrics.rocAuc([0, 0, 1, 1], [1, 2, 2, 3])).toBe((1 + 1 + 0.5 + 1) / 4)
    const y = Float64Array.from({ length: 40 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0)
    const s = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.3))
    assertClose(Metrics.rocAuc(y, s.map((v) => Math.exp(3 * v) - 2)), Metrics.rocAuc(y, s), { rtol: 1e-15 }, "monotone")
    assertClose(Metrics.rocAuc(y, s.map((v) => -v)), 1 - Metrics.rocAuc(y, s), { rtol: 1e-14 }, "reversed")
  })

  it("rocAuc is NaN with a single class present; ±∞ scores rank normally", () => {
    expect(Metrics.rocAuc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNaN()
    expect(Metrics.rocAuc([0, 1, 0, 1], [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, 1])).toBe(1)
  })

  it("logLoss clips probabilities at 1e-15", () => {
    const P = Matrix.fromRows([[1, 0], [0.5, 0.5]])
    const expected = (-Math.log(Metrics.LOG_LOSS_EPS) - Math.log(0.5)) / 2
    assertClose(Metrics.logLoss([1, 0], P), expected, { rtol: 1e-12 }, "clipped log loss")
  })

  it("ovrMacroAuc leaves absent classes out and equals the binary AUC for two classes", () => {
    const y = Float64Array.from([0, 1, 0, 1, 1, 0])
    const p1 = [0.2, 0.7, 0.6, 0.4, 0.9, 0.1]
    const P = Matrix.fromRows(p1.map((p) => [1 - p, p, 0]))
    assertClose(Metrics.ovrMacroAuc(y, P), Metrics.rocAuc(y, p1), { rtol: 1e-15 }, "two present classes")
  })

  it("r2 of constant targets follows scikit-learn's force_finite", () => {
    expect(Metrics.r2([2, 2], [2, 2])).toBe(1)
    expect(Metrics.r2([2, 2], [1, 2])).toBe(0)
  })

  it("mismatched lengths throw a DataError", () => {
    expect(() => Metrics.mse([1, 2], [1])).toThrow(/2 targets but 1 predictions/)
  })
})
