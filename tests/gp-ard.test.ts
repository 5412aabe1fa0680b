/**
 * The gp family's `ard` option: one length-scale per input column, sized at fit time. On data
 * whose target ignores column 1, the fitted length-scale of column 1 grows far beyond column 0's
 * (automatic relevance determination, R&W §5.1), and the isotropic fit has a single one.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as GpRegression from "../src/models/gp/GpRegression.ts"
import type { Fitted } from "../src/models/Model.ts"

const rng = Random.make(3)
const rows = Array.from({ length: 60 }, () => [rng.normal(), rng.normal()])
const data: Dataset = {
  name: "ard",
  kind: "regression",
  X: Matrix.fromRows(rows),
  y: Float64Array.from(rows, ([a]) => Math.sin(2 * a) + 0.05 * rng.normal()),
  classes: 0
}
const fit = (config: Record<string, unknown>): Fitted =>
  Effect.runSync(Effect.flatMap(GpRegression.family.make(config), (m) => m.fit(data, { rng: Random.make(1) })) as Effect.Effect<Fitted>)

describe("gp ard", () => {
  it("fits one length-scale per column; the irrelevant column's is far longer", () => {
    for (const kernel of ["rbf", "matern52"]) {
      const ls = fit({ kernel, ard: true, restarts: 1 }).hyperparameters.filter((h) => h.role === "lengthScale")
      expect(ls.map((h) => h.dimension)).toEqual([0, 1])
      expect(ls[1].value).toBeGreaterThan(10 * ls[0].value)
    }
    expect(fit({ kernel: "rbf", restarts: 1 }).hyperparameters.filter((h) => h.role === "lengthScale")).toHaveLength(1)
  })

  it("refuses ard for a kernel without length-scales to repeat", () => {
    const r = Effect.runSync(Effect.result(GpRegression.family.make({ kernel: "periodic", ard: true })))
    expect(r._tag === "Failure" && r.failure.message).toContain("drop ard")
  })
})
