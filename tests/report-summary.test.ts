/** The small statistics the reports share: mean and sample sd, with NaN where undefined. */
import { describe, expect, it } from "vitest"
import * as Summary from "../src/report/Summary.ts"

describe("Summary.mean and Summary.sd", () => {
  it("match the textbook values and R's sd (n − 1)", () => {
    expect(Summary.mean([1, 2, 3, 4])).toBe(2.5)
    expect(Summary.sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 14)
  })
  it("are NaN where undefined, not 0", () => {
    expect(Summary.mean([])).toBeNaN()
    expect(Summary.sd([3])).toBeNaN()
  })
})
