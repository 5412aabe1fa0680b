/** Grid.linspace: numpy.linspace(start, stop, n) with endpoint=True. */
import { describe, expect, it } from "vitest"
import * as Grid from "../src/core/Grid.ts"
import { assertClose } from "./support/assertClose.ts"

describe("Grid.linspace", () => {
  it("starts and ends exactly on its bounds, however the step rounds", () => {
    for (const [a, b, n] of [[0.1, 0.3, 3], [-3.5, 3.5, 71], [0.02, 4, 200], [1e-3, 0.7, 7]] as const) {
      const g = Grid.linspace(a, b, n)
      expect(g).toHaveLength(n)
      expect(g[0]).toBe(a)
      expect(g[n - 1]).toBe(b)
    }
  })
  it("is evenly spaced: numpy.linspace(0, 1, 5) and (−3.5, 3.5, 8)", () => {
    expect(Grid.linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1])
    assertClose(Grid.linspace(-3.5, 3.5, 8), [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5], { atol: 1e-15 })
  })
  it("gives [start] for one point and nothing for none", () => {
    expect(Grid.linspace(2, 5, 1)).toEqual([2])
    expect(Grid.linspace(2, 5, 0)).toEqual([])
  })
})
