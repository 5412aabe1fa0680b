/** PowerLaw.fit: least squares of log y on log x, and its slope's standard error. */
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as PowerLaw from "../src/scoring/PowerLaw.ts"
import { assertClose } from "./support/assertClose.ts"

describe("PowerLaw.fit", () => {
  it("recovers an exact power law and its constant, with zero standard error", () => {
    const x = [8, 64, 512, 4096]
    const fit = PowerLaw.fit(x, x.map((w) => 3 * w ** -0.5))
    assertClose(fit.slope, -0.5, { atol: 1e-12 })
    assertClose(PowerLaw.at(fit, 1), 3, { rtol: 1e-10 })
    assertClose(PowerLaw.at(fit, 100), 0.3, { rtol: 1e-10 })
    expect(fit.se).toBeLessThan(1e-10)
    expect(fit.n).toBe(4)
  })

  it("matches a hand-computed OLS fit on noisy log-values (slope, intercept, se)", () => {
    // log x = 0, 1, 2, 3; log y = 0, −0.4, −1.1, −1.5: Sxx = 5, Sxy = −2.6, slope −0.52,
    // intercept 0.03, residuals ∓0.03, ±0.09, RSS 0.018, se = √(0.018 / 2 / 5) = √0.0018.
    const x = [0, 1, 2, 3].map(Math.exp)
    const y = [0, -0.4, -1.1, -1.5].map(Math.exp)
    const fit = PowerLaw.fit(x, y)
    assertClose(fit.slope, -0.52, { atol: 1e-12 })
    assertClose(fit.intercept, 0.03, { atol: 1e-12 })
    assertClose(fit.se, Math.sqrt(0.0018), { rtol: 1e-10 })
  })

  it("has a standard error whose square averages the slope's true variance σ²/Sxx (n − 2 in the denominator)", () => {
    // 2000 fits of y = x^(−½)·e^ε, ε ~ N(0, 0.1²), at 10 widths. The mean of se² estimates
    // σ²/Sxx to about ±1.1% (se² ~ σ²/Sxx · χ²₈/8), and so does the spread of the slopes (±3.2%).
    // Dividing RSS by n instead of n − 2 would give 0.8·σ²/Sxx: far outside these tolerances.
    const rng = Random.make(11)
    const x = Array.from({ length: 10 }, (_, i) => 2 ** (i + 3))
    const lx = x.map(Math.log)
    const mx = lx.reduce((a, b) => a + b, 0) / lx.length
    const sxx = lx.reduce((s, a) => s + (a - mx) ** 2, 0)
    const trueVariance = 0.01 / sxx
    const slopes: Array<number> = []
    let se2 = 0
    const reps = 2000
    for (let r = 0; r < reps; r++) {
      const fit = PowerLaw.fit(x, x.map((w) => w ** -0.5 * Math.exp(0.1 * rng.normal())))
      slopes.push(fit.slope)
      se2 += fit.se ** 2 / reps
    }
    const mean = slopes.reduce((a, b) => a + b, 0) / reps
    const variance = slopes.reduce((s, v) => s + (v - mean) ** 2, 0) / (reps - 1)
    assertClose(mean, -0.5, { atol: 4 * Math.sqrt(trueVariance / reps) })
    assertClose(se2, trueVariance, { rtol: 0.045 })
    assertClose(variance, trueVariance, { rtol: 0.13 })
    expect(Math.abs(se2 - 0.8 * trueVariance)).toBeGreaterThan(0.1 * trueVariance)
  })

  it("leaves out non-positive and non-finite points and needs three", () => {
    expect(PowerLaw.fit([1, 2, 4, 8], [1, 0, 0.25, Number.NaN]).slope).toBeNaN()
    const fit = PowerLaw.fit([1, 2, 4, 8, -1], [1, 0.5, 0.25, -1, 3])
    assertClose(fit.slope, -1, { atol: 1e-12 })
    expect(fit.n).toBe(3)
  })
})
