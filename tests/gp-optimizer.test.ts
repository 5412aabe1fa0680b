import { describe, expect, it } from "vitest"
import * as Optimizer from "../src/models/gp/Optimizer.ts"
import { assertClose } from "./support/assertClose.ts"

const free = (n: number): Array<readonly [number, number]> => Array.from({ length: n }, () => [-Infinity, Infinity] as const)

/** Extended Rosenbrock Σ 100(x_{2i+1} − x_{2i}²)² + (1 − x_{2i})², minimum 0 at (1, …, 1). */
const rosenbrock: Optimizer.Objective = (x) => {
  const g = new Float64Array(x.length)
  let f = 0
  for (let i = 0; i + 1 < x.length; i += 2) {
    const a = x[i + 1] - x[i] * x[i]
    const b = 1 - x[i]
    f += 100 * a * a + b * b
    g[i] = -400 * x[i] * a - 2 * b
    g[i + 1] = 200 * a
  }
  return { value: f, gradient: g }
}

describe("Optimizer.minimize (projected L-BFGS)", () => {
  it("finds the Rosenbrock minimum without bounds", () => {
    const r = Optimizer.minimize(rosenbrock, [-1.2, 1, -1.2, 1, 0.5, -0.7], free(6), { pgtol: 1e-9, ftol: 0 })
    expect(r.converged).toBe(true)
    assertClose(r.x, [1, 1, 1, 1, 1, 1], { atol: 1e-6 }, "argmin")
    expect(r.value).toBeLessThan(1e-12)
  })

  it("stops on the boundary with the KKT signs when the minimum lies outside the box", () => {
    // f = Σ (x_i − c_i)², c = (3, −2, 0.5) in the box [0, 1]³: solution (1, 0, 0.5)
    const c = [3, -2, 0.5]
    const f: Optimizer.Objective = (x) => ({
      value: x.reduce((s, v, i) => s + (v - c[i]) ** 2, 0),
      gradient: x.map((v, i) => 2 * (v - c[i]))
    })
    const r = Optimizer.minimize(f, [0.2, 0.9, 0.1], [[0, 1], [0, 1], [0, 1]])
    expect(r.converged).toBe(true)
    assertClose(r.x, [1, 0, 0.5], { atol: 1e-8 }, "argmin")
    expect(r.gradient[0]).toBeLessThan(0) // at the upper bound f still falls outwards
    expect(r.gradient[1]).toBeGreaterThan(0) // at the lower bound likewise
    assertClose(r.gradient[2], 0, { atol: 1e-5 }, "interior component")
  })

  it("projects the start into the box and honours a bounded Rosenbrock", () => {
    // with x0 ≤ 0.5 the constrained minimum is at x0 = 0.5, x1 = 0.25
    const r = Optimizer.minimize(rosenbrock, [5, 5], [[-2, 0.5], [-2, 2]], { pgtol: 1e-9 })
    assertClose(r.x, [0.5, 0.25], { atol: 1e-6 }, "argmin")
  })

  it("treats a non-finite value as a wall: shortens the step and still converges", () => {
    // f = (x − 2)² but undefined for x > 2.5 (like a likelihood whose Cholesky fails)
    const f: Optimizer.Objective = (x) =>
      x[0] > 2.5 ? { value: Number.POSITIVE_INFINITY, gradient: new Float64Array(1) } : { value: (x[0] - 2) ** 2, gradient: Float64Array.of(2 * (x[0] - 2)) }
    const r = Optimizer.minimize(f, [-40], free(1))
    assertClose(r.x[0], 2, { atol: 1e-5 }, "argmin")
    const bad = Optimizer.minimize(f, [3], free(1))
    expect(bad.converged).toBe(false)
    expect(bad.message).toMatch(/not finite at the start/)
  })

  it("respects maxEvaluations and says so", () => {
    let calls = 0
    const counted: Optimizer.Objective = (x) => {
      calls++
      return rosenbrock(x)
    }
    const r = Optimizer.minimize(counted, [-1.2, 1], free(2), { maxEvaluations: 7 })
    expect(calls).toBeLessThanOrEqual(7)
    expect(r.evaluations).toBe(calls)
    expect(r.converged).toBe(false)
  })
})
