/**
 * Starting points read off the data (Kernel.startsFromData) and the periodogram behind the
 * period candidates (Periodogram.ts): the rule's values, Lomb–Scargle's defining properties, and
 * the reason for it all: on a clean sine the data's period finds the likelihood optimum that the
 * same number of log-uniform restarts misses (shown on the same data, so the test has power).
 */
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import * as Periodogram from "../src/models/kernels/Periodogram.ts"
import { assertClose } from "./support/assertClose.ts"

/** A clean sine of period `period` at n uneven points in [0, 10]. */
const cleanSine = (n: number, period: number, seed: number) => {
  const rng = Random.make(seed)
  const x = Float64Array.from({ length: n }, () => 10 * rng.uniform())
  return { x, y: Float64Array.from(x, (v) => Math.sin((2 * Math.PI * v) / period)) }
}

describe("Periodogram (Lomb–Scargle)", () => {
  it("the highest peak of a sine on uneven inputs is at its period, the trend removed first", () => {
    const { x, y } = cleanSine(60, 1.7, 11)
    const [top] = Periodogram.peaks(x, y.map((v, i) => v + 0.8 * x[i]), 3)
    assertClose(top.period, 1.7, { rtol: 0.02 }, "period")
  })

  it("on an even grid at a Fourier frequency it is the classical periodogram |Σ r e^{−iωx}|²/(n σ²)", () => {
    const n = 48
    const rng = Random.make(2)
    const x = Float64Array.from({ length: n }, (_, i) => 0.25 * i)
    const y = Float64Array.from({ length: n }, () => rng.normal())
    // detrended as the periodogram does, to form the classical sum
    const mx = x.reduce((s, v) => s + v, 0) / n
    const my = y.reduce((s, v) => s + v, 0) / n
    const slope = x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) / x.reduce((s, v) => s + (v - mx) ** 2, 0)
    const r = y.map((v, i) => v - my - slope * (x[i] - mx))
    const variance = r.reduce((s, v) => s + v * v, 0) / n
    const freqs = [3, 7, 11].map((k) => k / (n * 0.25))
    const classical = freqs.map((f) => {
      let c = 0
      let s = 0
      for (let i = 0; i < n; i++) {
        c += r[i] * Math.cos(2 * Math.PI * f * x[i])
        s += r[i] * Math.sin(2 * Math.PI * f * x[i])
      }
      return (c * c + s * s) / (n * variance)
    })
    assertClose(Periodogram.lombScargle(x, y, freqs), classical, { rtol: 1e-9 }, "power")
  })

  it("is unchanged by a shift of x on uneven inputs (the role of τ; without it the power moves)", () => {
    const { x, y } = cleanSine(40, 2.3, 5)
    const freqs = Periodogram.frequencies(x)
    const shifted = x.map((v) => v + 123.4)
    assertClose(Periodogram.lombScargle(shifted, y, freqs), Periodogram.lombScargle(x, y, freqs), { rtol: 1e-7, atol: 1e-9 }, "shifted")
    expect(freqs[0]).toBeCloseTo(1 / (Math.max(...x) - Math.min(...x)), 12)
  })
})

describe("Kernel.startsFromData: the rule", () => {
  const { x, y } = cleanSine(60, 1.7, 11)
  const X = Matrix.make(60, 1, x)
  const mean = y.reduce((s, v) => s + v, 0) / y.length
  const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length
  const spread = Math.sqrt(x.reduce((s, v) => s + (v - x.reduce((a, b) => a + b, 0) / 60) ** 2, 0) / 60)

  it("amplitude var(y), noise var(y)/10, length-scale the inputs' standard deviation", () => {
    const [start] = Kernel.startsFromData(Gp.kernelFor("rbf"), X, y)
    assertClose(Array.from(start, Math.exp), [variance, spread, variance / 10], { rtol: 1e-12 }, "amplitude, lengthScale, noise")
  })

  it("periodic: one start per periodogram peak, the highest first, at the sine's period; then the smooth limit", () => {
    const starts = Kernel.startsFromData(Gp.kernelFor("periodic"), X, y)
    expect(starts.length).toBe(4)
    // order [amplitude, lengthScale, period, noise]; at a peak the periodic length-scale keeps its value 1
    assertClose(Math.exp(starts[0][2]), 1.7, { rtol: 0.02 }, "period of the first start")
    expect(starts.slice(0, 3).map((s) => s[1])).toEqual([0, 0, 0])
    // the smooth limit: period 100·range, ℓ = 2π·spread/period (an RBF of length-scale = spread)
    const range = Math.max(...x) - Math.min(...x)
    assertClose([Math.exp(starts[3][2]), Math.exp(starts[3][1])], [100 * range, (2 * Math.PI * spread) / (100 * range)], { rtol: 1e-12 }, "smooth start")
  })

  it("like terms of a sum start apart, from the spread down to twice the spacing; fixed values and bounds are kept", () => {
    const k = Kernel.sum(
      Kernel.scale(Kernel.rbf()),
      Kernel.scale(Kernel.rbf({ lengthScale: 3, lengthScaleBounds: "fixed" })),
      Kernel.scale(Kernel.matern({ nu: 1.5, lengthScaleBounds: [1e-5, 1] })),
      Kernel.white({ noise: 0.5, noiseBounds: "fixed" })
    )
    const [start] = Kernel.startsFromData(k, X, y)
    const sorted = Float64Array.from(x).sort()
    const gaps = Array.from(sorted.subarray(1), (v, i) => v - sorted[i]).sort((a, b) => a - b)
    const spacing = gaps[Math.floor(gaps.length / 2)]
    // free: amp, ℓ₁, amp, amp, ℓ₃ (clamped to its upper bound 1); the second ℓ and the noise are fixed
    const expected = [variance / 3, spread, variance / 3, variance / 3, Math.min(1, 2 * spacing)]
    assertClose(Array.from(start, Math.exp), expected, { rtol: 1e-12 }, "start")
  })
})

describe("data starts find a clean sine's period where log-uniform starts do not", () => {
  // same data, same kernel, same rng, same number of restarts: only the start rule differs
  const { x, y } = cleanSine(60, 1.7, 11)
  const X = Matrix.make(60, 1, x)
  const spec = Gp.kernelFor("periodic")
  const periodOf = (k: Kernel.Kernel) => Kernel.hyperparameters(k).find((h) => h.name === "period")!.value
  const withData = Gp.fit(spec, X, y, { restarts: 10, rng: Random.make(5) })
  const logUniform = Gp.fit(spec, X, y, { restarts: 10, rng: Random.make(5), dataStarts: false })

  it("with data starts the fit has the sine's period and the optimum's LML", () => {
    assertClose(periodOf(withData.kernel), 1.7, { rtol: 1e-3 }, "period")
    // the optimum: a fit started at the true period (and the rule's other values) ends no higher
    const atTruth = Gp.fit(Kernel.withTheta(spec, Float64Array.from([0, 0, Math.log(1.7), Math.log(0.01)])), X, y)
    expect(withData.logMarginalLikelihood).toBeGreaterThanOrEqual(atTruth.logMarginalLikelihood - 1e-3 * Math.abs(atTruth.logMarginalLikelihood))
  })

  it("with log-uniform starts only, the same 10 restarts miss the period and end far lower", () => {
    expect(Math.abs(periodOf(logUniform.kernel) / 1.7 - 1)).toBeGreaterThan(0.05)
    expect(withData.logMarginalLikelihood - logUniform.logMarginalLikelihood).toBeGreaterThan(20)
  })
})
