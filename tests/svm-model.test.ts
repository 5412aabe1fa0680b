/**
 * The "svm" family through the Model contract: config decoding, fit → predict for binary,
 * multi-class and regression tasks (the same numbers as the modules it wraps), what it leaves
 * undefined (variance, log-likelihood, k), its info, and typed failures.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import type { Fitted } from "../src/models/Model.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Svc from "../src/models/svm/Svc.ts"
import * as Svm from "../src/models/svm/Svm.ts"
import * as Svr from "../src/models/svm/Svr.ts"
import { assertClose } from "./support/assertClose.ts"

const decode = (input: unknown) => Effect.runSync(Effect.result(Svm.family.decode(input)))
const config = (input: Record<string, unknown>): Svm.SvmConfig => {
  const r = decode(input)
  if (r._tag !== "Success") throw new Error(`config did not decode: ${String(r.failure)}`)
  return r.success
}
const fit = (cfg: Svm.SvmConfig, train: Dataset, seed = 1) =>
  Effect.runSync(Effect.result(Svm.family.build(cfg).fit(train, { rng: Random.make(seed) })))
const fitted = (cfg: Svm.SvmConfig, train: Dataset, seed = 1): Fitted => {
  const r = fit(cfg, train, seed)
  if (r._tag !== "Success") throw new Error(`fit failed: ${String(r.failure)}`)
  return r.success
}

const moonsTrain = Synthetic.moons({ n: 160, noise: 0.3 }, Random.make(41))
const moonsTest = Synthetic.moons({ n: 100, noise: 0.3 }, Random.make(42))

describe("Svm.decodeConfig", () => {
  it("fills libsvm's defaults and keeps what is given", () => {
    expect(config({})).toEqual(Svm.defaults)
    expect(config({ kind: "svr", C: 10, sigma: 0.5, epsilon: 0.2 })).toEqual({ ...Svm.defaults, kind: "svr", C: 10, sigma: 0.5, epsilon: 0.2 })
  })

  it.each([
    ["γ and σ together", { gamma: 1, sigma: 1 }, "not both"],
    ["C ≤ 0", { C: 0 }, "C"],
    ["an unknown kernel", { kernel: "poly" }, "kernel"],
    ["a negative ε", { epsilon: -0.1 }, "epsilon"],
    ["a non-object", 3, "object"]
  ])("rejects %s with a ConfigError", (_, input, text) => {
    const r = decode(input)
    expect(r._tag === "Failure" && r.failure._tag).toBe("ConfigError")
    if (r._tag === "Failure") expect(r.failure.message).toContain(text)
  })
})

describe("Svm.model", () => {
  it("binary classification: Platt probabilities and the SVM margin as decision, as Svc gives them", () => {
    const cfg = config({ C: 2, gamma: 1.5 })
    const f = fitted(cfg, moonsTrain, 7)
    const p = f.predict(moonsTest.X)
    expect(p.kind).toBe("classification")
    if (p.kind !== "classification") return
    const direct = Svc.fit(moonsTrain.X, moonsTrain.y, 2, { C: 2, kernel: KernelRows.rbf(1.5), rng: Random.make(7).fork("svm/platt") })
    assertClose(p.decision ?? [], Svc.decisions(direct, moonsTest.X)[0], { rtol: 1e-12, atol: 1e-14 }, "decision")
    assertClose(p.probabilities.data, Svc.probabilities(direct, moonsTest.X).data, { rtol: 1e-12, atol: 1e-14 }, "probabilities")
    expect([p.probabilities.rows, p.probabilities.cols]).toEqual([100, 2])
    expect(f.logLikelihood).toBeUndefined()
    expect(f.freeParameters).toBeUndefined()
    expect(f.info.nSupport).toBe(Svc.nSupport(direct))
    expect(f.info.iterations).toBe(direct.machines[0].iterations)
    expect(f.info.converged).toBe(true)
    expect(f.warnings).toEqual([])
    expect(f.info.gamma).toBe(1.5)
    assertClose(f.info.sigma as number, 1 / Math.sqrt(3), { rtol: 1e-15 }, "σ in info")
    expect(f.info.plattA).toBe(direct.machines[0].sigmoid?.a)
  })

  it("σ and the matching γ give the same machine; probability: false gives one-hot rows", () => {
    const byGamma = fitted(config({ gamma: 2, probability: false }), moonsTrain).predict(moonsTest.X)
    const bySigma = fitted(config({ sigma: 0.5, probability: false }), moonsTrain).predict(moonsTest.X)
    if (byGamma.kind !== "classification" || bySigma.kind !== "classification") throw new Error("not classification")
    assertClose(bySigma.decision ?? [], byGamma.decision ?? [], { rtol: 1e-12, atol: 1e-14 }, "decision")
    for (let i = 0; i < 100; i++) {
      const hard = byGamma.probabilities.data[2 * i + 1]
      expect(hard).toBe((byGamma.decision?.[i] ?? 0) > 0 ? 1 : 0)
      expect(byGamma.probabilities.data[2 * i] + hard).toBe(1)
    }
  })

  it("without γ or σ uses γ = 1/(d·Var X), scikit-learn's \"scale\"", () => {
    const f = fitted(config({}), moonsTrain)
    const x = moonsTrain.X.data
    const mean = x.reduce((a, b) => a + b, 0) / x.length
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length
    assertClose(f.info.gamma as number, 1 / (2 * variance), { rtol: 1e-12 }, "γ")
  })

  it("regression: the ε-SVR mean and no variance", () => {
    const train = Synthetic.sineQuadratic({ n: 120, noise: 0.2 }, Random.make(5))
    const Xs = Matrix.fromRows([[-2.5], [-1], [0], [0.7], [2.9]])
    const f = fitted(config({ kind: "svr", C: 10, gamma: 0.5, epsilon: 0.1 }), train)
    const p = f.predict(Xs)
    expect(p.kind).toBe("regression")
    if (p.kind !== "regression") return
    expect(p.variance).toBeUndefined()
    const direct = Svr.fit(train.X, train.y, { C: 10, epsilon: 0.1, kernel: KernelRows.rbf(0.5) })
    assertClose(p.mean, Svr.predict(direct, Xs), { rtol: 1e-12, atol: 1e-14 }, "mean")
    // It has learned the function: errors near the noise level against the noise-free truth.
    Xs.data.forEach((x, i) => expect(Math.abs(p.mean[i] - Synthetic.sineQuadraticMean(x))).toBeLessThan(0.35))
    expect(f.info.nSupport).toBe(direct.supportIndex.length)
    expect(f.info.epsilon).toBe(0.1)
    expect(f.logLikelihood).toBeUndefined()
  })

  it("three classes: one-vs-rest probabilities, no decision", () => {
    const rng = Random.make(8)
    const n = 90
    const X = Matrix.make(n, 2, Float64Array.from({ length: 2 * n }, (_, k) => rng.normal() * 0.4 + [0, 3, 6][Math.floor(k / 2) % 3] * (k % 2)))
    const y = Float64Array.from({ length: n }, (_, i) => i % 3)
    const f = fitted(config({ gamma: 1 }), { name: "blobs", kind: "classification", X, y, classes: 3 })
    const p = f.predict(X)
    if (p.kind !== "classification") throw new Error("not classification")
    expect(p.decision).toBeUndefined()
    expect([p.probabilities.rows, p.probabilities.cols]).toEqual([n, 3])
    let correct = 0
    for (let i = 0; i < n; i++) {
      const row = Array.from(Matrix.row(p.probabilities, i))
      assertClose(row.reduce((a, b) => a + b, 0), 1, { rtol: 1e-14 }, "row sum")
      if (row.indexOf(Math.max(...row)) === y[i]) correct++
    }
    expect(correct).toBeGreaterThan(0.95 * n)
    expect(f.info.multiclass).toBe("one-vs-rest")
  })

  it("runs other kernels through the shared kernel module", () => {
    const f = fitted(config({ kernel: "matern52", sigma: 0.7 }), moonsTrain)
    expect(f.info.kernel).toContain("Matern")
    const p = f.predict(moonsTest.X)
    if (p.kind !== "classification") throw new Error("not classification")
    let correct = 0
    for (let i = 0; i < 100; i++) if (((p.decision?.[i] ?? 0) > 0 ? 1 : 0) === moonsTest.y[i]) correct++
    expect(correct).toBeGreaterThan(80)
  })

  it("records an unconverged fit as a NotConverged warning instead of failing", () => {
    const f = fitted(config({ C: 100, gamma: 10, maxIterations: 3, probability: false }), moonsTrain)
    expect(f.info.converged).toBe(false)
    expect(f.info.iterations).toBe(3)
    expect(f.warnings.map((w) => w.code)).toEqual(["NotConverged"])
    expect(f.warnings[0].message).toContain("maxIterations")
  })

  it("fails with typed errors: a kind that does not fit the task, non-finite data, a missing class", () => {
    const svr = fit(config({ kind: "svr" }), moonsTrain)
    expect(svr._tag === "Failure" && svr.failure._tag).toBe("ConfigError")
    const X = Matrix.clone(moonsTrain.X)
    X.data[5] = Number.NaN
    const nan = fit(config({}), { ...moonsTrain, X })
    expect(nan._tag === "Failure" && nan.failure._tag).toBe("DataError")
    if (nan._tag === "Failure" && nan.failure._tag === "DataError") expect(nan.failure.row).toBe(3)
    const single = fit(config({}), { ...moonsTrain, y: new Float64Array(160) })
    expect(single._tag === "Failure" && single.failure._tag).toBe("DataError")
  })
})
