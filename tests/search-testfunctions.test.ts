/**
 * The test functions of src/search/TestFunctions.ts at their known minima (exact, not the
 * anchor's rounded figures), their names and boxes; Regret's percentiles against numpy 1.24's.
 */
import { describe, expect, it } from "vitest"
import * as Regret from "../src/search/Regret.ts"
import * as TestFunctions from "../src/search/TestFunctions.ts"
import { assertClose } from "./support/assertClose.ts"

describe("TestFunctions", () => {
  it("Branin is 5/(4π) at its three minimisers (−π, 12.275), (π, 2.275), (3π, 2.475), and larger beside them", () => {
    const { f } = TestFunctions.branin
    const minimisers = [[-Math.PI, 12.275], [Math.PI, 2.275], [3 * Math.PI, 2.475]]
    assertClose(minimisers.map(f), minimisers.map(() => 5 / (4 * Math.PI)), { rtol: 1e-14, atol: 0 })
    for (const [x1, x2] of minimisers) for (const d of [[1e-3, 0], [0, 1e-3], [-1e-3, -1e-3]]) expect(f([x1 + d[0], x2 + d[1]])).toBeGreaterThan(5 / (4 * Math.PI))
  })

  it("Hartmann-6 reaches −3.32237 at its published minimiser; other constants are used when given", () => {
    const x = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
    assertClose(TestFunctions.hartmann6().f(x), -3.32237, { rtol: 5e-6, atol: 0 })
    const doubled = TestFunctions.hartmann6({ ...TestFunctions.HARTMANN6, alpha: TestFunctions.HARTMANN6.alpha.map((a) => 2 * a) })
    assertClose(doubled.f(x), 2 * TestFunctions.hartmann6().f(x), { rtol: 1e-15, atol: 0 })
    expect(() => TestFunctions.hartmann6({ ...TestFunctions.HARTMANN6, P: TestFunctions.HARTMANN6.P.slice(1) })).toThrow(/m × 6 tables/)
  })

  it("Rosenbrock-d is 0 at (1, …, 1) in any dimension and 100 (x₂ − x₁²)² + (1 − x₁)² in two", () => {
    for (const d of [2, 5, 11]) expect(TestFunctions.rosenbrock(d).f(new Array(d).fill(1))).toBe(0)
    expect(TestFunctions.rosenbrock(2).f([0.5, -1])).toBeCloseTo(100 * 1.25 ** 2 + 0.25, 12)
    expect(TestFunctions.rosenbrock(3).f([0, 0, 0])).toBe(2)
  })

  it("byName: branin, hartmann6, rosenbrock<d> with their dimension and box; anything else names the known ones", () => {
    expect(TestFunctions.byName("branin").bounds).toEqual([[-5, 10], [0, 15]])
    expect(TestFunctions.byName("hartmann6").bounds).toEqual(new Array(6).fill([0, 1]))
    const r7 = TestFunctions.byName("rosenbrock7")
    expect([r7.name, r7.dim, r7.bounds]).toEqual(["rosenbrock7", 7, new Array(7).fill([-2, 2])])
    expect(() => TestFunctions.byName("ackley")).toThrow(/known are branin, hartmann6 and rosenbrock<d>/)
    expect(() => TestFunctions.byName("rosenbrock1")).toThrow(/at least 2/)
    // Hartmann's constants: all three from the caller, or none
    const x = [0.2, 0.15, 0.48, 0.28, 0.31, 0.66]
    const { alpha, A, P } = TestFunctions.HARTMANN6
    expect(TestFunctions.byName("hartmann6", { alpha: alpha.map((a) => -a), A, P }).f(x)).toBe(-TestFunctions.byName("hartmann6").f(x))
    expect(() => TestFunctions.byName("hartmann6", { alpha })).toThrow(/only some of alpha, A and P/)
  })
})

describe("Regret", () => {
  it("percentile is numpy.percentile (linear), to the bit where numpy's lerp differs from a + (b − a)t", () => {
    const v = [3.5, 1.25, 4, 1, 5.75, 9, 2, 6.5, 0.1, 7.3]
    // numpy 1.24: np.percentile(v, [0, 10, 25, 50, 75, 90, 100])
    assertClose([0, 10, 25, 50, 75, 90, 100].map((q) => Regret.percentile(v, q)), [0.1, 0.91, 1.4375, 3.75, 6.3125, 7.469999999999999, 9.0], { rtol: 1e-15, atol: 0 })
    // np.percentile([0.2550690257394217, 1.486305261275823], 60) = 0.9938107670612624; a + (b − a)·0.6 gives …625
    expect(Regret.percentile([1.486305261275823, 0.2550690257394217], 60)).toBe(0.9938107670612624)
    expect(Regret.percentile([], 50)).toBeNaN()
  })

  it("summary: median, quartiles and IQR of best − fmin per checkpoint", () => {
    const best = [[5, 3], [4, 4], [7, 1], [6, 2], [8, 0]]
    const s = Regret.summary(best, -1)
    expect(s).toEqual({ median: [7, 3], q25: [6, 2], q75: [8, 4], iqr: [2, 2] })
  })
})
