import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Split from "../src/data/Split.ts"
import * as InformationCriteria from "../src/scoring/InformationCriteria.ts"
import * as Polynomial from "../src/scoring/Polynomial.ts"
import { assertClose } from "./support/assertClose.ts"

interface Row {
  readonly degree: number
  readonly logLik: number
  readonly k: number
  readonly aic: number
  readonly bic: number
  readonly cvMse: number
  readonly cvMseFolds: Array<number>
}
interface Fixture {
  readonly x: Array<number>
  readonly y: Array<number>
  readonly folds: Array<Array<number>>
  readonly rows: Array<Row>
  readonly selected: { aic: number; bic: number; cv: number }
}

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/model_selection.json", import.meta.url), "utf8"))
const tol = { rtol: 1e-9 }

describe("Polynomial degree sweep against numpy/scikit-learn (fixture model_selection.json)", () => {
  const folds = Split.fromTestSets(fixture.x.length, fixture.folds)
  const rows = Polynomial.sweep(fixture.x, fixture.y, fixture.rows.map((r) => r.degree), folds)

  for (const [i, expected] of fixture.rows.entries()) {
    it(`degree ${expected.degree}: logLik, k, AIC, BIC and CV MSE per fold`, () => {
      const row = rows[i]
      expect(row.degree).toBe(expected.degree)
      expect(row.k).toBe(expected.k)
      assertClose(row.logLik, expected.logLik, tol, "logLik")
      assertClose(row.aic, expected.aic, tol, "aic")
      assertClose(row.bic, expected.bic, tol, "bic")
      assertClose(row.cvMseFolds, expected.cvMseFolds, tol, "cvMseFolds")
      assertClose(row.cvMse, expected.cvMse, tol, "cvMse")
    })
  }

  it("each criterion selects the fixture's degree", () => {
    expect(Polynomial.selected(rows)).toEqual(fixture.selected)
  })
})

describe("InformationCriteria", () => {
  it("aic, bic and the Gaussian log-likelihood at the MLE follow their definitions", () => {
    expect(InformationCriteria.aic(-10, 3)).toBe(26)
    assertClose(InformationCriteria.bic(-10, 3, 50), 20 + 3 * Math.log(50), { rtol: 1e-15 }, "bic")
    const r = [0.5, -1, 2, 0]
    const s2 = (0.25 + 1 + 4) / 4
    assertClose(InformationCriteria.gaussianLogLikAtMle(r), -2 * (Math.log(2 * Math.PI * s2) + 1), { rtol: 1e-15 }, "logLik")
  })

  it("the MLE variance maximises the Gaussian likelihood of the residuals", () => {
    const r = [0.3, -0.7, 1.1, -0.2, 0.5]
    const logLik = (s2: number) => r.reduce((a, e) => a - 0.5 * (Math.log(2 * Math.PI * s2) + (e * e) / s2), 0)
    const s2 = r.reduce((a, e) => a + e * e, 0) / r.length
    assertClose(InformationCriteria.gaussianLogLikAtMle(r), logLik(s2), { rtol: 1e-14 }, "at the MLE")
    expect(logLik(s2 * 1.01)).toBeLessThan(logLik(s2))
    expect(logLik(s2 * 0.99)).toBeLessThan(logLik(s2))
  })

  it("argmin takes the first minimum and skips NaN", () => {
    expect(InformationCriteria.argmin([3, 1, 2, 1])).toBe(1)
    expect(InformationCriteria.argmin([Number.NaN, 2, 1])).toBe(2)
    expect(InformationCriteria.argmin([Number.NaN])).toBe(-1)
  })
})

describe("Polynomial.fit", () => {
  it("recovers an exact polynomial of degree 10 to near machine precision", () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => 5 + (i * 7) % 40 / 4)
    const truth = (t: number) => 1 - 0.5 * t + 0.01 * t ** 3 - 1e-9 * t ** 10
    const f = Polynomial.fit(x, x.map(truth), 10)
    const grid = [5, 7.3, 11.1, 14.75]
    assertClose(Polynomial.predict(f, grid), grid.map(truth), { rtol: 1e-9, atol: 1e-9 }, "predictions")
  })

  it("residuals are orthogonal to every monomial column (normal equations hold)", () => {
    const x = Float64Array.from({ length: 30 }, (_, i) => Math.cos(i))
    const y = x.map((v, i) => Math.sin(3 * v) + 0.1 * Math.cos(7 * i))
    const f = Polynomial.fit(x, y, 4)
    for (let j = 0; j <= 4; j++) {
      const dot = f.residuals.reduce((a, r, i) => a + r * ((x[i] - f.center) / f.scale) ** j, 0)
      assertClose(dot, 0, { atol: 1e-13 }, `column ${j}`)
    }
  })

  it("throws for too few distinct x or too few points", () => {
    expect(() => Polynomial.fit([1, 1, 1, 2], [0, 1, 2, 3], 2)).toThrow(/not identifiable/)
    expect(() => Polynomial.fit([1, 2], [0, 1], 2)).toThrow(/needs ≥ 3 points/)
  })
})
