import { describe, expect, it } from "vitest"
import * as CriticalDifference from "../src/report/CriticalDifference.ts"
import * as Document from "../src/report/Document.ts"

describe("CriticalDifference", () => {
  it("joins the maximal runs of sorted ranks that span at most CD (Demšar's bars)", () => {
    expect(CriticalDifference.cliques([1, 1.5, 3, 3.2, 5], 1)).toEqual([[0, 1], [2, 3]])
    // a span equal to CD is not a difference; a run inside another is not drawn again
    expect(CriticalDifference.cliques([1, 2, 2.5, 3], 2)).toEqual([[0, 3]])
    expect(CriticalDifference.cliques([1, 2, 3.5], 1.6)).toEqual([[0, 1], [1, 2]])
    // far apart: no bars
    expect(CriticalDifference.cliques([1, 3, 5], 1)).toEqual([])
  })

  it("draws each model at its average rank with its name, usable as a report figure", () => {
    const svg = CriticalDifference.svg({ title: "CD", names: ["a", "b", "c"], avgRanks: [2.5, 1, 2.5], cd: 1.2, nTasks: 4, alpha: 0.05 })
    expect(svg).toContain("b (1.00)")
    expect(svg).toContain("a (2.50)")
    expect(svg).toContain("CD = 1.20")
    expect(() => Document.figure({ name: "cd", svg, caption: "x" })).not.toThrow()
    // one bar (a, b, c within 1.5 ≤ 1.2? no: b..a spans 1.5 > 1.2, so a–c only): exactly one thick line
    expect(svg.match(/stroke-width="4"/g)?.length).toBe(1)
  })
})
