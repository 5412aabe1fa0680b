/**
 * Composite-kernel GP regression: the gp_composite fixture's values at fixed hyperparameters
 * (sklearn, normalize_y=True, CO₂), the additive decomposition of a fitted composite kernel
 * (Decomposition.predict, R&W §5.4.3), and a kernel expression as the gp family's config.
 * The fits against the fixture's LML run in tests/conformance.test.ts (the public set).
 */
import { Effect, Result } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Conformance from "../src/conformance/Conformance.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Decomposition from "../src/models/gp/Decomposition.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as Expression from "../src/models/kernels/Expression.ts"
import * as FitFacts from "../src/models/FitFacts.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

interface Case {
  readonly name: string
  readonly kernel: unknown
  readonly X: ReadonlyArray<ReadonlyArray<number>>
  readonly y: ReadonlyArray<number>
  readonly Xtest: ReadonlyArray<ReadonlyArray<number>>
  readonly fixed: {
    readonly params: ReadonlyArray<number>
    readonly lml: number
    readonly lmlOriginal: number
    readonly lmlGradLog: ReadonlyArray<number>
    readonly mean: ReadonlyArray<number>
    readonly std: ReadonlyArray<number>
    readonly stdLatent: ReadonlyArray<number>
  }
  readonly fitted: { readonly params: ReadonlyArray<number> }
}
const raw = fs.readFileSync(new URL("./fixtures/gp_composite.json", import.meta.url), "utf8")
const fixture = JSON.parse(raw) as { readonly description: string; readonly cases: ReadonlyArray<Case> }

// the description: "fixed lml, lmlOriginal, grads, mean, std, stdLatent: rtol 1e-6 atol 0"; alpha=1e-10, normalize_y=True
const TOL = { rtol: 1e-6 }
const ALPHA = 1e-10

const expressionOf = (u: unknown): Expression.Expression => {
  const r = Expression.decode(u)
  if (Result.isFailure(r)) return expect.fail(Expression.describeProblem(r.failure))
  return r.success
}
const at = (spec: Kernel.Kernel, params: ReadonlyArray<number>) => Kernel.withTheta(spec, Float64Array.from(params, Math.log))

describe.each(fixture.cases.map((c) => [c.name, c] as const))("gp_composite vs scikit-learn at fixed hyperparameters: %s", (_name, c) => {
  const spec = Expression.toKernel(expressionOf(c.kernel))
  const X = Matrix.fromRows(c.X)
  const y = Float64Array.from(c.y)
  const kernel = at(spec, c.fixed.params)
  const conditioned = Gp.fit(kernel, X, y, { optimize: false, normalizeY: true, alpha: ALPHA })

  it("LML on the normalised and original scales and its gradient in the fixture's name order", () => {
    const z = y.map((v) => (v - conditioned.yMean) / conditioned.yStd)
    const l = Gp.logMarginalLikelihood(kernel, X, z, { alpha: ALPHA })
    assertClose(l.value, c.fixed.lml, TOL, "lml")
    assertClose(conditioned.normalizedLml, c.fixed.lml, TOL, "normalizedLml")
    assertClose(conditioned.logMarginalLikelihood, c.fixed.lmlOriginal, TOL, "lmlOriginal")
    assertClose(l.gradient, c.fixed.lmlGradLog, TOL, "lmlGradLog")
  })

  it("predictive mean, std with noise and latent std on the first test months", () => {
    const p = Gp.predict(conditioned, Matrix.fromRows(c.Xtest.slice(0, c.fixed.mean.length)))
    assertClose(p.mean, c.fixed.mean, TOL, "mean")
    assertClose(p.variance.map(Math.sqrt), c.fixed.std, TOL, "std")
    assertClose(p.latentVariance.map(Math.sqrt), c.fixed.stdLatent, TOL, "stdLatent")
  })
})

describe("Decomposition: the CO₂ kernel's additive components (R&W §5.4.3)", () => {
  const c = fixture.cases.find((k) => k.name === "composite")!
  const spec = Expression.toKernel(expressionOf(c.kernel))
  const X = Matrix.fromRows(c.X)
  const fitted = Gp.fit(at(spec, c.fitted.params), X, Float64Array.from(c.y), { optimize: false, normalizeY: true, alpha: ALPHA })
  // every month of 1990–1991
  const Xs = Matrix.make(24, 1, Float64Array.from({ length: 24 }, (_, i) => 1990 + i / 12))
  const parts = Decomposition.predict(fitted, Xs)

  it("one component per term of the sum, labelled as sklearn prints it; their means add up to the predictive mean", () => {
    expect(parts.map((p) => p.label.split("(")[0])).toEqual(["5.64**2 * RBF", "0.286**2 * RBF", "0.0761**2 * RationalQuadratic", "0.0308**2 * RBF", "WhiteKernel"])
    const total = Gp.predict(fitted, Xs)
    const summed = total.mean.map((_, i) => fitted.yMean + parts.reduce((s, p) => s + p.mean[i], 0))
    assertClose(summed, total.mean, { rtol: 1e-12 }, "Σ component means + yMean")
    // the White component: mean 0, variance its noise on the original scale
    assertClose(parts[4].mean, new Float64Array(24), { atol: 0 }, "noise mean")
    assertClose(parts[4].variance, new Float64Array(24).fill(c.fitted.params[10] * fitted.yStd ** 2), { rtol: 1e-12 }, "noise variance")
  })

  it("each component's variance equals k_c(x*, x*) − k_c*ᵀ(K + αI)⁻¹k_c* formed with the explicit inverse", () => {
    const n = X.rows
    const Kinv = Cholesky.inverse(fitted.L)
    Kernel.terms(fitted.kernel).forEach((term, t) => {
      const Ks = Kernel.matrix(term, Xs, X)
      const prior = Kernel.diag(term, Xs)
      const expected = Array.from({ length: Xs.rows }, (_, i) => {
        let q = 0
        for (let a = 0; a < n; a++) {
          let row = 0
          for (let b = 0; b < n; b++) row += Kinv.data[a * n + b] * Ks.data[i * n + b]
          q += Ks.data[i * n + a] * row
        }
        return (prior[i] - q) * fitted.yStd ** 2
      })
      // the trend's posterior variance (≈ 8 ppm²) is its prior (≈ 4100 ppm²) less almost all of it:
      // the explicit inverse of a matrix with condition ~1e7 carries ~1e-7 of the prior in error
      assertClose(parts[t].variance, expected, { rtol: 1e-5, atol: 1e-9 }, `variance of term ${t}`)
    })
  })

  it("reads as R&W's Figure 5.7: a rising trend and a seasonal cycle of a few ppm with a one-year period", () => {
    const trend = parts[0].mean
    for (let i = 1; i < 24; i++) expect(trend[i]).toBeGreaterThan(trend[i - 1])
    const season = parts[1].mean
    const swing = Math.max(...season) - Math.min(...season)
    expect(swing).toBeGreaterThan(3)
    expect(swing).toBeLessThan(12)
    assertClose(Array.from(season.subarray(12)), Array.from(season.subarray(0, 12)), { atol: 0.05 * swing }, "one-year period")
    // the seasonal peak falls in spring (May), as the Mauna Loa record does
    expect(season.indexOf(Math.max(...season)) % 12).toBeGreaterThanOrEqual(3)
    expect(season.indexOf(Math.max(...season)) % 12).toBeLessThanOrEqual(5)
  })
})

describe("the gp family with a kernel expression as its config", () => {
  const rng = Random.make(21)
  const n = 40
  const X = Matrix.make(n, 1, Float64Array.from({ length: n }, () => 6 * rng.uniform()))
  const y = Float64Array.from(X.data, (x) => 0.3 * x + Math.sin(2 * Math.PI * x) + 0.05 * rng.normal())
  const train: Dataset = { name: "trend+season", kind: "regression", X, y, classes: 0 }
  const kernel = {
    sum: [
      { product: [{ kernel: "constant" }, { kernel: "rbf", params: { lengthScale: 3 } }] },
      { product: [{ kernel: "constant" }, { kernel: "periodic", bounds: { period: [0.2, 5] } }] },
      { kernel: "white", params: { noise: 0.1 } }
    ]
  }

  it("decodes, fits as GpRegression.fit does, and reports path-named values, the printout and the fitted tree", () => {
    const config = Effect.runSync(Gp.family.decode({ kernel, restarts: 2, normalizeY: true }))
    const fitted = Effect.runSync(Gp.family.build(config).fit(train, { rng: Random.make(3) }))
    const expression = expressionOf(kernel)
    const direct = Gp.fit(Expression.toKernel(expression), X, y, { restarts: 2, rng: Random.make(3).fork("gp/restarts"), normalizeY: true })
    assertClose(fitted.logLikelihood!, direct.logMarginalLikelihood, { rtol: 1e-12 }, "logLikelihood")
    expect(fitted.info.kernel).toBe(Kernel.format(direct.kernel))
    for (const v of Expression.values(expression, direct.kernel)) assertClose(FitFacts.find(fitted.hyperparameters, v.name)!.value, v.value, { rtol: 1e-12 }, v.name)
    expect(FitFacts.find(fitted.hyperparameters, "sum[1].product[1].periodic.period")?.role).toBe("period")
    assertClose(FitFacts.find(fitted.hyperparameters, "sum[1].product[1].periodic.period")!.value, 1, { rtol: 0.01 }, "the seasonal period")
    const tree = expressionOf(JSON.parse(fitted.info.expression as string))
    assertClose(Kernel.theta(Expression.toKernel(tree)), Kernel.theta(direct.kernel), { rtol: 1e-14 }, "fitted tree")
    fitted.dispose()
  })

  it("a bad node fails the config with its path and the allowed kernels; family names still work", () => {
    const bad = Effect.runSyncExit(Effect.flip(Gp.family.decode({ kernel: { sum: [{ kernel: "rbf" }, { kernel: "sine" }] } })))
    if (bad._tag !== "Success") return expect.fail("a bad expression decoded")
    expect(bad.value.message).toMatch(/kernel expression at sum\[1\]\.kernel: "sine" is not a kernel; allowed: constant, rbf, matern, rq, periodic, linear, white/)
    expect(Effect.runSync(Gp.family.decode({ kernel: "matern32" })).kernel).toBe("matern32")
  })
})

describe("gp_composite conformance on another set of the same schema", () => {
  it("a bad tree fails its own case naming the node; a name list in another order fails; the rest is checked", async () => {
    // the rbf case without its fit (fits are exercised on the public set in tests/conformance.test.ts)
    const { fitted: _fitted, ...plain } = JSON.parse(raw).cases.find((c: Case) => c.name === "rbf")
    const cases = [
      plain,
      { ...plain, name: "bad", kernel: { sum: [plain.kernel.sum[0], { kernel: "whitenoise", params: { noise: 0.01 } }] } },
      { ...plain, name: "swapped", names: [...plain.names].reverse() }
    ]
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-composite-"))
    fs.writeFileSync(path.join(dir, "hidden_gp_composite.json"), JSON.stringify({ description: fixture.description, cases }))
    const report = await Effect.runPromise(Conformance.run(dir))
    expect(report.files[0].kind).toBe("gp_composite")
    const lines = Conformance.lines(report)
    const of = (name: string) => lines.filter((l) => l.check.startsWith(`co2/${name}:`))
    expect(of("rbf").map((l) => l.outcome)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", "pass"])
    expect(of("bad").map((l) => [l.outcome, l.note])).toEqual([
      ["fail", expect.stringMatching(/kernel expression at sum\[1\]\.kernel: "whitenoise" is not a kernel; allowed: constant, rbf, matern, rq, periodic, linear, white/)]
    ])
    expect(of("swapped").map((l) => l.outcome)).toEqual(["fail"])
  })

  it("other data by invariance: x shifted, y → 3y − 100 (normalize_y): every check passes; one moved value fails alone", async () => {
    // stationary kernels ignore a shift of x; under normalize_y the normalised problem is unchanged,
    // so lml, its gradient and the fit stay, lmlOriginal loses n·log 3, mean → 3·mean − 100, std × 3
    const a = 3
    const b = -100
    const shift = (rows: ReadonlyArray<ReadonlyArray<number>>) => rows.map(([x]) => [x + 7.25])
    const cases = JSON.parse(raw).cases.map((c: Case & { fitted: Record<string, unknown> }) => {
      const moved = {
        ...c,
        X: shift(c.X),
        Xtest: shift(c.Xtest),
        y: c.y.map((v) => a * v + b),
        fixed: {
          ...c.fixed,
          lmlOriginal: c.fixed.lmlOriginal - c.y.length * Math.log(a),
          mean: c.fixed.mean.map((v) => a * v + b),
          std: c.fixed.std.map((v) => a * v),
          stdLatent: c.fixed.stdLatent.map((v) => a * v)
        }
      }
      // the 11-parameter fit is checked on the public set; keep this test fast
      if (c.name !== "composite") return moved
      const { fitted: _fitted, ...withoutFit } = moved
      return withoutFit
    })
    const run = async (cs: ReadonlyArray<unknown>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-composite-"))
      fs.writeFileSync(path.join(dir, "gp_composite.json"), JSON.stringify({ description: fixture.description, cases: cs }))
      return Conformance.lines(await Effect.runPromise(Conformance.run(dir)))
    }
    const lines = await run(cases)
    expect(lines.filter((l) => l.outcome !== "pass").map((l) => `${l.check}: ${l.note}`)).toEqual([])
    expect(lines.length).toBe(7 + 9 + 9)
    const wrong = cases.map(({ fitted: _fitted, ...c }: Case) => (c.name === "rbf" ? { ...c, fixed: { ...c.fixed, lmlOriginal: c.fixed.lmlOriginal * (1 + 3e-6) } } : c))
    expect((await run(wrong)).filter((l) => l.outcome === "fail").map((l) => l.check)).toEqual(["co2/rbf: lmlOriginal"])
  })
})
