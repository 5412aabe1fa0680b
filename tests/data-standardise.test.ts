import { describe, expect, it } from "vitest"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Standardise from "../src/data/Standardise.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"

const train: Dataset = {
  name: "t",
  kind: "regression",
  X: Matrix.fromRows([[1, 10, 7], [2, 30, 7], [3, 20, 7], [4, 60, 7]]),
  y: Float64Array.from([1, 3, 2, 10]),
  classes: 0
}

const columnMoments = (X: Matrix.Matrix, j: number): [number, number] => {
  const v = Array.from({ length: X.rows }, (_, i) => Matrix.get(X, i, j))
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  return [mean, Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length)]
}

const logNormal = (y: number, mean: number, variance: number) => -0.5 * (Math.log(2 * Math.PI * variance) + (y - mean) ** 2 / variance)

describe("Standardise", () => {
  const scaler = Standardise.fit(train)

  it("uses the mean and population sd of the training part (numpy std), sd 0 → 1", () => {
    assertClose(scaler.xMean, [2.5, 30, 7], { rtol: 1e-15 }, "xMean")
    assertClose(scaler.xSd, [Math.sqrt(1.25), Math.sqrt(350), 1], { rtol: 1e-15 }, "xSd")
    assertClose([scaler.yMean, scaler.ySd], [4, Math.sqrt(12.5)], { rtol: 1e-15 }, "y moments")
  })

  it("maps the training part to zero mean and unit sd per column; a constant column to zeros", () => {
    const z = scaler.apply(train)
    for (let j = 0; j < 2; j++) assertClose(columnMoments(z.X, j), [0, 1], { atol: 1e-15, rtol: 1e-14 }, `column ${j}`)
    assertClose(Array.from({ length: 4 }, (_, i) => Matrix.get(z.X, i, 2)), [0, 0, 0, 0], { atol: 0 }, "constant column")
    assertClose(z.y, Array.from(train.y, (v) => (v - 4) / Math.sqrt(12.5)), { rtol: 1e-15 }, "y")
  })

  it("applies the training statistics to other data (no refit)", () => {
    const X = Matrix.fromRows([[5, 0, 8]])
    assertClose(scaler.applyX(X).data, [(5 - 2.5) / Math.sqrt(1.25), -30 / Math.sqrt(350), 1], { rtol: 1e-15 }, "test row")
  })

  it("invert brings means and variances back to the y scale", () => {
    const z = scaler.apply(train)
    const back = scaler.invert({ kind: "regression", mean: z.y, variance: Float64Array.from([1, 2, 0.5, 4]) })
    if (back.kind !== "regression") throw new Error("kind")
    assertClose(back.mean, train.y, { rtol: 1e-15 }, "mean round trip")
    assertClose(back.variance ?? [], [12.5, 25, 6.25, 50], { rtol: 1e-15 }, "variance × s²")
  })

  it("logJacobian turns a log-density of standardised targets into one of the originals", () => {
    const z = scaler.apply(train)
    const mu = [0.1, -0.3, 0.2, 1.5]
    const v = [0.5, 1, 2, 0.25]
    const onZ = mu.reduce((a, m, i) => a + logNormal(z.y[i], m, v[i]), 0)
    const back = scaler.invert({ kind: "regression", mean: Float64Array.from(mu), variance: Float64Array.from(v) })
    if (back.kind !== "regression" || back.variance === undefined) throw new Error("kind")
    const onY = train.y.reduce((a, y, i) => a + logNormal(y, back.mean[i], back.variance![i]), 0)
    assertClose(onZ + scaler.logJacobian(4), onY, { rtol: 1e-13 }, "log-likelihood on the y scale")
  })

  it("leaves classification targets and predictions alone", () => {
    const ds: Dataset = { name: "c", kind: "classification", X: train.X, y: Float64Array.from([0, 1, 1, 0]), classes: 2 }
    const s = Standardise.fit(ds)
    expect(s.apply(ds).y).toEqual(ds.y)
    expect(s.logJacobian(4)).toBe(0)
    const p = { kind: "classification" as const, probabilities: Matrix.fromRows([[0.3, 0.7]]) }
    expect(s.invert(p)).toBe(p)
  })

  it("throws a DataError for X with other columns", () => {
    expect(() => scaler.applyX(Matrix.make(1, 2))).toThrow(/fitted on 3/)
  })
})
