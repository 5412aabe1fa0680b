/**
 * Kinks: the breakpoints of a 1-hidden-layer ReLU net recovered from its values on a grid, exact
 * for kinks between nodes, with float32 rounding not counted; and the checks have power: a smooth
 * function is not mistaken for a few pieces, and neighbouring kinks merge as documented.
 */
import { describe, expect, it } from "vitest"
import * as Grid from "../src/core/Grid.ts"
import * as Kinks from "../src/report/Kinks.ts"
import { assertClose } from "./support/assertClose.ts"

/** c + Σ a_j relu(w_j x + b_j) on the grid, optionally rounded to float32 as an MLP's output is. */
const net = (units: ReadonlyArray<readonly [number, number, number]>, x: ReadonlyArray<number>, float32 = false) => {
  const f = x.map((xi) => 0.3 + units.reduce((s, [a, w, b]) => s + a * Math.max(0, w * xi + b), 0))
  return float32 ? Array.from(Float32Array.from(f)) : f
}

describe("Kinks.find", () => {
  const x = Grid.linspace(-3.5, 3.5, 701)
  // breakpoints −b/w: 1.2345, −0.8123 (w < 0), 2.9, and −5 (outside the grid: linear there)
  const units = [[1.5, 2, -2.469], [-0.7, -1.3, -1.05599], [0.4, 0.5, -1.45], [2, 1, 5]] as const
  const inside = [[-0.8123, 0.7 * 1.3 * -1], [1.2345, 1.5 * 2], [2.9, 0.4 * 0.5]]

  it("recovers each breakpoint −b/w inside the grid and its slope change a·|w|, in float64 and float32", () => {
    for (const float32 of [false, true]) {
      const kinks = Kinks.find(x, net(units, x, float32))
      expect(kinks).toHaveLength(3)
      assertClose(kinks.map((k) => k.x), inside.map(([t]) => t), { atol: float32 ? 1e-4 : 1e-9 }, "breakpoints")
      assertClose(kinks.map((k) => k.slopeChange), inside.map(([, d]) => d), { rtol: float32 ? 1e-3 : 1e-9 }, "slope changes")
    }
  })

  it("rebuilds the function from its linear part and one hinge per kink", () => {
    const f = net(units, x)
    const { linear, units: parts } = Kinks.hinges(x, f, Kinks.find(x, f))
    assertClose(x.map((_, i) => linear[i] + parts.reduce((s, p) => s + p[i], 0)), f, { atol: 1e-9 }, "linear + hinges")
  })

  it("has power: a smooth function is a run of many nodes, not a few kinks; kinks in one cell merge", () => {
    expect(Math.max(...Kinks.find(x, x.map(Math.sin)).map((k) => k.nodes))).toBeGreaterThan(50)
    expect(Math.max(...Kinks.find(x, net(units, x, true)).map((k) => k.nodes))).toBeLessThanOrEqual(2)
    // two breakpoints 0.004 apart (spacing 0.01): counted as one, with the summed slope change
    const close = Kinks.find(x, net([[1, 1, -0.501], [1, 1, -0.505]], x))
    expect(close).toHaveLength(1)
    assertClose(close[0].slopeChange, 2, { rtol: 1e-9 })
    expect(Kinks.find(x, net([[1, 1, -0.5], [1, 1, -0.55]], x))).toHaveLength(2)
  })
})
