import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as GpEi from "../src/search/GpEi.ts"
import * as LogEi from "../src/search/LogEi.ts"
import * as Space from "../src/search/Space.ts"
import { assertClose } from "./support/assertClose.ts"

const fitted = () => {
  const rng = Random.make(4)
  const n = 15
  const X = Matrix.make(n, 3, Float64Array.from({ length: 3 * n }, () => rng.uniform()))
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(5 * X.data[3 * i]) + (X.data[3 * i + 1] - 0.4) ** 2 + 0.3 * X.data[3 * i + 2])
  const yt = GpEi.standardise(y, "worst")
  const gp = GpEi.fitSurrogate(GpEi.kernel(3), X, yt, [3, 6], 1, Random.make(5))
  return { gp, yt, s: GpEi.surrogate(gp, yt) }
}

describe("GP-EI acquisition", () => {
  const { gp, yt, s } = fitted()

  it("equals log EI of GpRegression.predict's latent mean and standard deviation", () => {
    const x = Float64Array.from([0.3, 0.6, 0.1])
    const p = Gp.predict(gp, Matrix.make(1, 3, x))
    const expected = LogEi.logEi(Math.min(...yt), p.mean[0], Math.sqrt(p.latentVariance[0]))
    assertClose(GpEi.acquisition(s, x), expected, { rtol: 1e-9 })
  })

  it("has the gradient of finite differences", () => {
    for (const x of [[0.3, 0.6, 0.1], [0.9, 0.05, 0.7], [0.5, 0.5, 0.5]].map((v) => Float64Array.from(v))) {
      const g = new Float64Array(3)
      GpEi.acquisition(s, x, g)
      const fd = Array.from(x, (_, j) => {
        const h = 1e-6
        const up = Float64Array.from(x)
        const down = Float64Array.from(x)
        up[j] += h
        down[j] -= h
        return (GpEi.acquisition(s, up) - GpEi.acquisition(s, down)) / (2 * h)
      })
      assertClose(g, fd, { rtol: 1e-4, atol: 1e-6 }, `∇ log EI at ${Array.from(x)}`)
    }
  })

  it("standardises so that the worst value sits at the prior mean 0", () => {
    const z = GpEi.standardise(Float64Array.from([1, 2, 5]), "worst")
    const sd = Math.sqrt(((1 - 8 / 3) ** 2 + (2 - 8 / 3) ** 2 + (5 - 8 / 3) ** 2) / 3)
    assertClose(z, [-4 / sd, -3 / sd, 0], { rtol: 1e-14 })
    assertClose(GpEi.standardise(Float64Array.from([1, 2, 5]), "average"), [(1 - 8 / 3) / sd, (2 - 8 / 3) / sd, (5 - 8 / 3) / sd], { rtol: 1e-14 })
  })

  it("features one-hot encode categoricals and decode by argmax", () => {
    const space = Space.make([Space.categorical("opt", ["sgd", "sgd-momentum", "adam"]), Space.float("m", 0, 1, { when: { parent: "opt", values: ["sgd-momentum"] } }), Space.float("lr", 1e-3, 1, { log: true })])
    assertClose(GpEi.features(space, { opt: "adam", lr: 0.1 }), [0, 0, 1, 0.5, 2 / 3], { atol: 1e-15 })
    const p = GpEi.decode(space, [0.2, 0.7, 0.4, 0.25, 1 / 3])
    expect(p.opt).toBe("sgd-momentum")
    assertClose([p.m as number, p.lr as number], [0.25, 0.01], { rtol: 1e-12 })
  })
})
