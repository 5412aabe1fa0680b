/**
 * `gpnn conformance`, in process: the comparison rules, tolerances read from descriptions, how a
 * file's kind is recognised, and the whole public set in tests/fixtures passing every wired check.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Check from "../src/conformance/Check.ts"
import * as Conformance from "../src/conformance/Conformance.ts"
import * as Description from "../src/conformance/Description.ts"

const fixtures = path.resolve("tests/fixtures")
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8"))
const descriptionOf = (file: string): string => read(file).description

/** A fresh directory holding `files` (name → JSON value, or raw text). */
const fixtureSet = (files: Record<string, unknown>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-conformance-"))
  for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof value === "string" ? value : JSON.stringify(value))
  return dir
}
const runOn = (dir: string) => Effect.runPromise(Conformance.run(dir))

describe("Check: the comparison rules", () => {
  const tol: Check.Tolerance = { rtol: 1e-6, atol: 1e-8, source: "description" }

  it("close passes exactly when |a − e| ≤ atol + rtol·|e| for every element, and reports the worst", () => {
    const e = [1, -2, 0, 1e3]
    const bound = e.map((v) => 1e-8 + 1e-6 * Math.abs(v))
    const inside = e.map((v, i) => v + 0.9 * bound[i])
    const line = Check.close("f", "c", inside, e, tol)
    expect(line.outcome).toBe("pass")
    expect(line.maxAbs).toBeCloseTo(0.9 * bound[3], 12)
    expect(line.maxRel).toBe(Number.POSITIVE_INFINITY) // e = 0 with a ≠ 0
    const outside = inside.slice()
    outside[1] = e[1] + 1.1 * bound[1]
    const bad = Check.close("f", "c", outside, e, tol, (i) => `item ${i}`)
    expect(bad.outcome).toBe("fail")
    expect(bad.note).toMatch(/^worst item 1:/)
    expect(bad.tolerance).toBe("rtol 1e-6 atol 1e-8")
  })

  it("close fails on NaN and on a length mismatch; equal infinities and exact zeros pass", () => {
    expect(Check.close("f", "c", [1, Number.NaN], [1, 2], tol).outcome).toBe("fail")
    expect(Check.close("f", "c", [1], [1, 2], tol).outcome).toBe("fail")
    expect(Check.close("f", "c", [Number.POSITIVE_INFINITY, 0], [Number.POSITIVE_INFINITY, 0], { rtol: 0, atol: 0, source: "default" }).outcome).toBe("pass")
    expect(Check.close("f", "c", [1e-300], [0], { rtol: 1, atol: 0, source: "default" }).outcome).toBe("fail")
    expect(Check.describeTolerance({ rtol: 0, atol: 2e-3, source: "default" })).toBe("atol 2e-3 (default)")
  })

  it("bound is one-sided, exact compares selections", () => {
    expect(Check.bound("f", "lml", 25.45, 25.455, 1e-3).outcome).toBe("pass")
    expect(Check.bound("f", "lml", 30, 25.455, 1e-3).outcome).toBe("pass")
    const short = Check.bound("f", "lml", 25.4, 25.455, 1e-3)
    expect(short.outcome).toBe("fail")
    expect(short.maxAbs).toBeCloseTo(0.055, 12)
    expect(Check.bound("f", "aic", -44, -44.91, 2e-3, { direction: "atMost", scale: { value: 25.46, label: "|lml|" } }).outcome).toBe("fail")
    expect(Check.bound("f", "aic", -44.9, -44.91, 2e-3, { direction: "atMost", scale: { value: 25.46, label: "|lml|" } }).outcome).toBe("pass")
    expect(Check.exact("f", "degree", 3, 3).outcome).toBe("pass")
    expect(Check.exact("f", "degree", 3, 4).outcome).toBe("fail")
  })
})

describe("Description: tolerances and settings as the fixtures state them", () => {
  it("reads the public set's tolerances", () => {
    const gp = descriptionOf("gp_regression.json")
    expect(Description.tolerance(gp, ["lml"], { rtol: 0, atol: 0 })).toEqual({ rtol: 1e-6, atol: 1e-8, source: "description" })
    expect(Description.tolerance(gp, ["maternGeneral"], { rtol: 0, atol: 0 })).toEqual({ rtol: 1e-8, atol: 0, source: "description" })
    expect(Description.setting(gp, "fitted.lml", String.raw`fitted\.lml\s*-\s*(N)\s*\*`)).toBe(1e-3)
    expect(Description.tolerance(descriptionOf("metrics.json"), ["tolerance"], { rtol: 0, atol: 0 }).rtol).toBe(1e-12)
    expect(Description.tolerance(descriptionOf("mlp_step.json"), ["float32"], { rtol: 0, atol: 0 })).toEqual({ rtol: 1e-4, atol: 1e-6, source: "description" })
    const ntk = descriptionOf("ntk.json")
    expect(Description.tolerance(ntk, ["kernels"], { rtol: 0, atol: 0 }).rtol).toBe(1e-10)
    expect(Description.tolerance(ntk, ["quadrature"], { rtol: 0, atol: 0 }).rtol).toBe(1e-6)
    expect(Description.tolerance(ntk, ["predictions"], { rtol: 0, atol: 0 }).rtol).toBe(1e-6)
    const svm = descriptionOf("svm.json")
    expect(Description.tolerance(svm, ["auc"], { rtol: 1, atol: 1 })).toEqual({ rtol: 0, atol: 2e-3, source: "description" })
    expect(Description.tolerance(svm, ["decisionTest"], { rtol: 1, atol: 1 })).toEqual({ rtol: 1e-2, atol: 1e-2, source: "description" })
    expect(Description.tolerance(svm, ["nSupport"], { rtol: 1, atol: 1 })).toEqual({ rtol: 0.03, atol: 0, source: "description" })
    expect(Description.tolerance(svm, ["best cell"], { rtol: 1, atol: 1 })).toEqual({ rtol: 0, atol: 2e-3, source: "description" })
    expect(Description.tolerance(svm, ["svr"], { rtol: 1, atol: 1 })).toEqual({ rtol: 0, atol: 1e-2, source: "description" })
    const gpc = descriptionOf("gp_classification.json")
    expect(Description.tolerance(gpc, ["proba"], { rtol: 1, atol: 1 })).toEqual({ rtol: 0, atol: 1e-4, source: "description" })
    expect(Description.setting(gpc, "restarts", String.raw`with\s*(N)\s*restarts`)).toBe(5)
  })

  it("follows a set that states other tolerances, and falls back to the default (marked) when none is stated", () => {
    const changed = descriptionOf("gp_regression.json").replace("rtol 1e-6 atol 1e-8", "rtol 3e-5 atol 2e-7")
    expect(Description.tolerance(changed, ["grad"], { rtol: 0, atol: 0 })).toEqual({ rtol: 3e-5, atol: 2e-7, source: "description" })
    expect(Description.tolerance("no tolerances here", ["lml"], { rtol: 1e-6, atol: 1e-8 })).toEqual({ rtol: 1e-6, atol: 1e-8, source: "default" })
  })

  it("reads the optimiser settings of mlp_step.json", async () => {
    const { settingsFor } = await import("../src/conformance/checks/MlpStep.ts")
    const d = descriptionOf("mlp_step.json")
    expect(settingsFor(d, "sgd")).toEqual({ name: "sgd", learningRate: 0.1, momentum: 0 })
    expect(settingsFor(d, "momentum")).toEqual({ name: "momentum", learningRate: 0.1, momentum: 0.9 })
    expect(settingsFor(d, "adam")).toEqual({ name: "adam", learningRate: 0.01, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    expect(settingsFor(d.replace("lr 0.01", "step size 0.01"), "adam")).toMatch(/no learning rate/)
  })
})

describe("recognising a file's kind", () => {
  it("by structure, whatever the name; unknown and broken files are listed, not fatal", async () => {
    const dir = fixtureSet({
      "a.json": { description: "Tolerance: 1e-12 relative.", regression: read("metrics.json").regression, calibration: { bins: 10 } },
      "b.json": { ...read("model_selection.json"), rows: read("model_selection.json").rows.slice(0, 3), selected: undefined },
      "metrics_hidden.json": { binary: [{ y: [0, 1] }] },
      "notes.json": { title: "not a fixture" },
      "broken.json": "{ not json",
      "readme.txt": "ignored: not *.json"
    })
    const report = await runOn(dir)
    const kinds = Object.fromEntries(report.files.map((f) => [f.file, f.kind]))
    expect(kinds).toEqual({ "a.json": "metrics", "b.json": "model_selection", "broken.json": undefined, "metrics_hidden.json": undefined, "notes.json": undefined })
    const byFile = (file: string) => report.files.find((f) => f.file === file)!.lines
    // reference values of a kind gpnn does not know are listed, not silently dropped
    expect(byFile("a.json").map((l) => [l.check, l.outcome])).toEqual([["regression: mse", "pass"], ["regression: r2", "pass"], ["calibration", "skip"]])
    expect(byFile("b.json").map((l) => l.check)).toEqual(["logLik", "aic", "bic", "cvMse", "cvMseFolds", "k per degree"])
    expect(byFile("metrics_hidden.json")[0]).toMatchObject({ outcome: "fail" })
    expect(byFile("metrics_hidden.json")[0].note).toMatch(/named like metrics but .*score/)
    expect(byFile("notes.json")[0]).toMatchObject({ outcome: "skip" })
    expect(byFile("notes.json")[0].note).toMatch(/not a known fixture kind \(top-level keys: title/)
    expect(byFile("broken.json")[0]).toMatchObject({ outcome: "fail", check: "parse" })
    expect(Conformance.summary(report)).toEqual({ passed: 8, failed: 2, skipped: 2 })
  })

  it("a missing or empty directory is a DataError naming it", async () => {
    const missing = await Effect.runPromise(Effect.flip(Conformance.run("/nonexistent/fixtures")))
    expect(missing._tag).toBe("DataError")
    expect(missing.message).toMatch(/cannot read the fixture directory/)
    const empty = await Effect.runPromise(Effect.flip(Conformance.run(fixtureSet({}))))
    expect(empty.message).toMatch(/no \*\.json fixtures/)
  })
})

describe("the public set (tests/fixtures)", () => {
  it("every wired check passes; each file is recognised and checked in full", async () => {
    const report = await runOn(fixtures)
    const failures = Conformance.lines(report).filter((l) => l.outcome === "fail")
    expect(failures.map((l) => `${l.file} ${l.check}: ${l.note}`)).toEqual([])
    const kinds = Object.fromEntries(report.files.map((f) => [f.file, f.kind]))
    for (const file of fs.readdirSync(fixtures).filter((f) => f.endsWith(".json"))) expect(kinds[file], file).toBe(file.replace(/\.json$/, ""))

    const count = (file: string) => report.files.find((f) => f.file === file)?.lines.filter((l) => l.outcome === "pass").length
    const metrics = read("metrics.json")
    expect(count("metrics.json")).toBe(6 * metrics.binary.length + 3 + 2)
    const ntk = read("ntk.json")
    expect(count("ntk.json")).toBe(2 * ntk.cases.length + 4 * ntk.predictions.cases.length)
    const gp = read("gp_regression.json")
    expect(count("gp_regression.json")).toBe(8 * gp.cases.length + gp.maternGeneral.length)
    // names, lml, lmlOriginal, gradient, mean, std, latent std, printout, fitted lml
    expect(count("gp_composite.json")).toBe(9 * read("gp_composite.json").cases.length)
    const mlp = read("mlp_step.json")
    expect(count("mlp_step.json")).toBe(3 * mlp.cases.reduce((s: number, c: { runs: Array<unknown> }) => s + c.runs.length, 0))
    // mlp_norm_step: loss and gradients at the start per case; per run losses, lrs, gradient norms,
    // parameters, prediction-mode outputs, and the running statistics under batchnorm.
    const norm = read("mlp_norm_step.json")
    expect(count("mlp_norm_step.json")).toBe(norm.cases.reduce((s: number, c: { norm: string; runs: Array<unknown> }) => s + 2 + (c.norm === "batchnorm" ? 6 : 5) * c.runs.length, 0))
    expect(count("model_selection.json")).toBe(6 + 3)
    expect(count("gp_classification.json")).toBe(4)
    const svm = read("svm.json")
    expect(count("svm.json")).toBe(5 + 2 * svm.grid.filter((c: { decisionTest?: unknown }) => c.decisionTest !== undefined).length + 3 + 1)
    // per function its dim and bounds and f at the minimisers; four regret figures per result
    const anchor = read("hpo_anchor.json")
    expect(count("hpo_anchor.json")).toBe(2 * anchor.functions.length + 4 * anchor.results.length)
    // the two skips: the generator's own Monte Carlo error, which is not a gpnn quantity, and the
    // optuna anchor's quality comparison, which is a benchmark (running gpnn's samplers), not a check
    const skips = Conformance.lines(report).filter((l) => l.outcome === "skip")
    expect(skips.map((l) => `${l.file} ${l.check}`)).toEqual(["hpo_anchor.json quality vs optuna", "ntk.json monteCarlo"])
    expect(skips[0].note).toBe("side-by-side quality comparison: run make bench ARGS=hpo")

    const table = Conformance.format(report)
    expect(table[0]).toMatch(/^file\s+check\s+max abs err\s+max rel err\s+tolerance\s+result\s+note$/)
    const s = Conformance.summary(report)
    expect(table.at(-1)).toBe(`conformance: ${s.passed} passed, 0 failed, 2 skipped`)
    // aligned: the result column starts at the same place on every row
    const at = table[0].indexOf("result")
    for (const row of table.slice(1, -1)) expect(row.slice(at, at + 4)).toMatch(/^(pass|FAIL|skip)$/)
    // every fixture of every kind: ~45 s of CPU idle (fitted likelihoods with 30 restarts, gp_composite's CO₂ kernel); more on a shared machine
  }, 300_000)
})
