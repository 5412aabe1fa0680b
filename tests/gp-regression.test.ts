import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

interface Case {
  readonly dataset: string
  readonly kernel: Gp.KernelFamily
  readonly names: ReadonlyArray<string>
  readonly X: ReadonlyArray<ReadonlyArray<number>>
  readonly y: ReadonlyArray<number>
  readonly Xtest: ReadonlyArray<ReadonlyArray<number>>
  readonly fixed: {
    readonly params: ReadonlyArray<number>
    readonly lml: number
    readonly lmlGradLog: ReadonlyArray<number>
    readonly mean: ReadonlyArray<number>
    readonly stdWithNoise: ReadonlyArray<number>
    readonly stdLatent: ReadonlyArray<number>
  }
  readonly fitted: {
    readonly params: ReadonlyArray<number>
    readonly lml: number
    readonly k: number
    readonly aic: number
    readonly bounds: readonly [number, number]
    readonly restarts: number
    readonly alpha: number
  }
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/gp_regression.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<Case>
}

// the fixture's description: "fixed lml, grads, mean, std: rtol 1e-6 atol 1e-8"
const TOL = { rtol: 1e-6, atol: 1e-8 }
// GaussianProcessRegressor(alpha=1e-10) for the fixed-hyperparameter values
const SKLEARN_ALPHA = 1e-10

/** Our position of each fixture name (the fixture's order is sklearn's; map by name, not position). */
const positions = (k: Kernel.Kernel, names: ReadonlyArray<string>): Array<number> => {
  const ours = Kernel.names(k)
  expect([...ours].sort(), "the fixture names the same hyperparameters").toEqual([...names].sort())
  return names.map((name) => ours.indexOf(name))
}

describe.each(fixture.cases.map((c) => [`${c.dataset} / ${c.kernel}`, c] as const))("GP regression vs scikit-learn: %s", (label, c) => {
  const X = Matrix.fromRows(c.X)
  const y = Float64Array.from(c.y)
  const Xs = Matrix.fromRows(c.Xtest)
  const spec = Gp.kernelFor(c.kernel, c.fitted.bounds)
  const at = positions(spec, c.names)
  const logTheta = new Float64Array(at.length)
  at.forEach((ours, j) => (logTheta[ours] = Math.log(c.fixed.params[j])))
  const kernel = Kernel.withTheta(spec, logTheta)

  it("log marginal likelihood and its gradient w.r.t. log θ at the fixed hyperparameters", () => {
    const l = Gp.logMarginalLikelihood(kernel, X, y, { alpha: SKLEARN_ALPHA })
    assertClose(l.value, c.fixed.lml, TOL, "lml")
    assertClose(at.map((ours) => l.gradient[ours]), c.fixed.lmlGradLog, TOL, "lmlGradLog")
  })

  it("predictive mean, std with noise and latent std at the fixed hyperparameters", () => {
    const fitted = Gp.fit(kernel, X, y, { optimize: false, alpha: SKLEARN_ALPHA })
    const p = Gp.predict(fitted, Xs)
    assertClose(p.mean, c.fixed.mean, TOL, "mean")
    assertClose(p.variance.map(Math.sqrt), c.fixed.stdWithNoise, TOL, "stdWithNoise")
    assertClose(p.latentVariance.map(Math.sqrt), c.fixed.stdLatent, TOL, "stdLatent")
  })

  it(`fit with ${c.fitted.restarts} restarts reaches sklearn's LML (within 1e-3 relative); AIC = −2 LML + 2k`, () => {
    const rng = Random.make(Random.derive(20240601, label))
    const fitted = Gp.fit(spec, X, y, { restarts: c.fitted.restarts, rng, alpha: c.fitted.alpha })
    expect(fitted.logMarginalLikelihood).toBeGreaterThanOrEqual(c.fitted.lml - 1e-3 * Math.abs(c.fitted.lml))
    expect(fitted.starts.length).toBe(c.fitted.restarts + 1)
    expect(fitted.freeParameters).toBe(c.fitted.k)
    assertClose(Gp.aic(fitted), -2 * fitted.logMarginalLikelihood + 2 * c.fitted.k, { rtol: 1e-14, atol: 1e-12 }, "aic")
    expect(Gp.aic(fitted)).toBeLessThanOrEqual(c.fitted.aic + 2e-3 * Math.abs(c.fitted.lml))
    // the reported LML is the LML of the returned kernel
    assertClose(Gp.logMarginalLikelihood(fitted.kernel, X, y, { alpha: c.fitted.alpha, gradient: false }).value, fitted.logMarginalLikelihood, { rtol: 1e-12, atol: 1e-12 }, "refit lml")
    // every hyperparameter within 0.1% of a bound is reported, and only those
    const th = Kernel.theta(fitted.kernel)
    const atBound = Kernel.bounds(fitted.kernel).filter(([lo, hi], j) => th[j] - lo < 1e-3 || hi - th[j] < 1e-3).length
    expect(fitted.atBound.length).toBe(atBound)
  })
})

describe("GP regression properties", () => {
  const rng = Random.make(77)
  const n = 25
  const X = Matrix.make(n, 2, Float64Array.from({ length: 2 * n }, () => -2 + 4 * rng.uniform()))
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(2 * X.data[2 * i]) * Math.cos(X.data[2 * i + 1]) + 0.1 * rng.normal())
  const kernel = Kernel.sum(
    Kernel.scale(Kernel.product(Kernel.rbf({ lengthScale: [0.9, 1.4] }), Kernel.periodic({ lengthScale: 1.2, period: 3.1 })), { amplitude: 0.8 }),
    Kernel.white({ noise: 0.05 })
  )

  it("the LML gradient equals central finite differences of the LML (ARD, product, periodic)", () => {
    const th = Kernel.theta(kernel)
    const g = Gp.logMarginalLikelihood(kernel, X, y).gradient
    const h = 1e-5
    const fd = Array.from(th, (_, j) => {
      const up = Float64Array.from(th)
      const down = Float64Array.from(th)
      up[j] += h
      down[j] -= h
      const lu = Gp.logMarginalLikelihood(Kernel.withTheta(kernel, up), X, y, { gradient: false }).value
      const ld = Gp.logMarginalLikelihood(Kernel.withTheta(kernel, down), X, y, { gradient: false }).value
      return (lu - ld) / (2 * h)
    })
    assertClose(g, fd, { rtol: 1e-6, atol: 1e-7 }, "∂LML/∂log θ")
  })

  it("normalizeY: predictions are equivariant and the LML is reported on the original scale", () => {
    const a = 37.5
    const b = -12
    const ys = y.map((v) => a * v + b)
    const plain = Gp.fit(kernel, X, y, { optimize: false, normalizeY: true })
    const scaled = Gp.fit(kernel, X, ys, { optimize: false, normalizeY: true })
    const Xs = Matrix.fromRows([[0.1, 0.2], [1.5, -1.9], [3, 3]])
    const p = Gp.predict(plain, Xs)
    const q = Gp.predict(scaled, Xs)
    assertClose(q.mean, p.mean.map((m) => a * m + b), { rtol: 1e-10, atol: 1e-10 }, "mean")
    assertClose(q.variance, p.variance.map((v) => a * a * v), { rtol: 1e-10 }, "variance")
    assertClose(scaled.normalizedLml, plain.normalizedLml, { rtol: 1e-12 }, "normalised LML is scale free")
    assertClose(scaled.logMarginalLikelihood, plain.logMarginalLikelihood - n * Math.log(a), { rtol: 1e-12 }, "Jacobian of y → a·y + b")
    let mean = 0
    for (const v of ys) mean += v / n
    let v2 = 0
    for (const v of ys) v2 += (v - mean) ** 2 / n
    assertClose(scaled.logMarginalLikelihood, scaled.normalizedLml - n * Math.log(Math.sqrt(v2)), { rtol: 1e-12 }, "original-scale LML")
  })

  it("the predictive variance with noise exceeds the latent one by exactly the White noise", () => {
    const f = Gp.fit(kernel, X, y, { optimize: false })
    const p = Gp.predict(f, Matrix.fromRows([[0, 0], [0.5, 0.5], [5, 5]]))
    assertClose(p.variance.map((v, i) => v - p.latentVariance[i]), [0.05, 0.05, 0.05], { rtol: 1e-9 }, "noise")
  })

  it("a hyperparameter pushed against its bound is reported (sklearn only warns in passing)", () => {
    // signal variance ≈ 3, true noise variance ≈ 0.09, but the noise may not go below 0.5
    const k = Kernel.sum(Kernel.scale(Kernel.rbf()), Kernel.white({ noise: 1, noiseBounds: [0.5, 10] }))
    const f = Gp.fit(k, X, y.map((v) => 3 * v))
    expect(f.atBound.length).toBe(1)
    expect(f.atBound[0]).toMatchObject({ code: "AtBound", parameter: "noise", side: "lower" })
    assertClose([f.atBound[0].bound!, f.atBound[0].value!], [0.5, 0.5], { rtol: 1e-3 }, "bound and value")
    expect(f.atBound[0].message).toMatch(/^noise = 5\.000e-1 sits at its lower bound/)
  })

  it("restarts are drawn from the rng: the same seed gives the same fit", () => {
    const k = Gp.kernelFor("matern32")
    const a = Gp.fit(k, X, y, { restarts: 2, rng: Random.make(5) })
    const b = Gp.fit(k, X, y, { restarts: 2, rng: Random.make(5) })
    expect(Array.from(Kernel.theta(a.kernel))).toEqual(Array.from(Kernel.theta(b.kernel)))
    expect(a.starts.map((s) => Array.from(s.from))).toEqual(b.starts.map((s) => Array.from(s.from)))
    a.starts.slice(1).forEach((s) => Kernel.bounds(k).forEach(([lo, hi], j) => {
      expect(s.from[j]).toBeGreaterThanOrEqual(lo)
      expect(s.from[j]).toBeLessThanOrEqual(hi)
    }))
  })

  it("restart points are a Latin hypercube in the log box: one point per slice of every coordinate", () => {
    const bounds = [[-11.5, 11.5], [0, 1], [-3, 7]] as const
    const points = Gp.restartPoints(bounds, 9, Random.make(3))
    expect(points.length).toBe(9)
    bounds.forEach(([lo, hi], j) => {
      const slices = points.map((p) => Math.floor(((p[j] - lo) / (hi - lo)) * 9)).sort((u, v) => u - v)
      expect(slices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    })
  })

  it("bad data fail with DataError naming the row", () => {
    const bad = Float64Array.from(y)
    bad[3] = Number.NaN
    expect(() => Gp.fit(kernel, X, bad)).toThrow(DataError)
    expect(() => Gp.fit(kernel, X, bad)).toThrow(/y is NaN/)
    expect(() => Gp.logMarginalLikelihood(kernel, X, y.subarray(1))).toThrow(/25 rows but y has 24/)
  })
})

describe("boundWarnings", () => {
  it("says what a hyperparameter at a bound usually means", () => {
    const boundWarnings = (k: Kernel.Kernel, hint?: string) => Gp.boundWarnings(k, hint).map((w) => w.message)
    const rq = Kernel.rationalQuadratic({ alpha: 1e5, alphaBounds: [1e-5, 1e5] })
    expect(boundWarnings(rq).join("\n")).toMatch(/alpha = 1\.000e\+5 sits at its upper bound .*has become an RBF/)
    const periodic = Kernel.periodic({ period: 1e5, periodBounds: [1e-2, 1e5] })
    expect(boundWarnings(periodic).join("\n")).toMatch(/period .* upper bound .*no period within the data's span/)
    expect(boundWarnings(Kernel.rbf({ lengthScale: 0.5, lengthScaleBounds: [0.5, 2] }), "custom hint").join("\n")).toMatch(/lower bound .*every point as unrelated/)
    expect(boundWarnings(Kernel.rbf({ lengthScale: 1, lengthScaleBounds: [0.5, 2] }))).toEqual([])
    expect(Gp.boundWarnings(rq)).toMatchObject([{ code: "AtBound", parameter: "alpha", side: "upper" }])
  })
})

describe("duplicate inputs with no noise", () => {
  it("factor with recorded jitter and a warning that names the cause, never NaN", () => {
    const X = Matrix.make(6, 1, Float64Array.from([0, 0, 1, 1, 2, 3]))
    const y = Float64Array.from([0, 1, 0.5, 0.7, 1, 2])
    const f = Gp.fit(Kernel.rbf({ lengthScale: 1 }), X, y, { optimize: false, alpha: 0 })
    expect(f.jitter).toBeGreaterThan(0)
    expect(Number.isFinite(f.logMarginalLikelihood)).toBe(true)
    expect(f.warnings).toMatchObject([{ code: "Jitter", value: f.jitter }])
    expect(f.warnings[0].message).toMatch(/needed jitter .*duplicate or near-duplicate inputs.*add a White term/)
    const p = Gp.predict(f, Matrix.make(2, 1, Float64Array.from([0.5, 2.5])))
    for (const v of [...p.mean, ...p.variance]) expect(Number.isFinite(v)).toBe(true)
    // with a noise term the same data need no jitter and raise no warning
    const noisy = Gp.fit(Kernel.sum(Kernel.rbf({ lengthScale: 1 }), Kernel.white({ noise: 0.1 })), X, y, { optimize: false })
    expect(noisy.jitter).toBe(0)
    expect(noisy.warnings).toEqual([])
  })
})
