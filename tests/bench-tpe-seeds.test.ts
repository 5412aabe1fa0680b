/**
 * The statistics bench/tpeSeeds.ts prints to tell gpnn's TPE from optuna's: the two-sided
 * Mann–Whitney U p-value against scipy.stats.mannwhitneyu(..., method="asymptotic") (continuity-
 * and tie-corrected normal approximation), with ties and without.
 */
import { describe, expect, it } from "vitest"
import { mannWhitneyP } from "../bench/tpeSeeds.ts"
import { assertClose } from "./support/assertClose.ts"

describe("tpeSeeds: Mann–Whitney U", () => {
  it("matches scipy's asymptotic p-value, with ties and without", () => {
    const a = [1.2, 3.4, 2.2, 5.0, 0.7, 3.4, 8.1, 2.9]
    const b = [4.4, 6.1, 3.4, 9.0, 5.5, 7.2, 2.2]
    assertClose(mannWhitneyP(a, b), 0.1036379640139623, { rtol: 1e-10, atol: 0 })
    assertClose(mannWhitneyP(b, a), 0.1036379640139623, { rtol: 1e-10, atol: 0 })
    const c = Array.from({ length: 30 }, (_, i) => 0.1 * i)
    const d = Array.from({ length: 25 }, (_, i) => 0.1 * i + 0.35)
    assertClose(mannWhitneyP(c, d), 0.6787821365043434, { rtol: 1e-10, atol: 0 })
  })

  it("has power: clearly shifted samples give a small p", () => {
    const a = Array.from({ length: 20 }, (_, i) => i)
    expect(mannWhitneyP(a, a.map((v) => v + 15))).toBeLessThan(1e-4)
  })
})
