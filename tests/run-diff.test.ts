/**
 * `gpnn diff` and `gpnn runs`: the noise rule against scipy's t tests (paired and Welch), its
 * power (a real shift is flagged, the same numbers are not, pairing finds a consistent shift
 * Welch cannot), the parameter table, and through the CLI two quick svm-grid runs of different
 * seeds, whose reports go to reports/.scratch/ and not over the committed report.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import type { Manifest, TrialRow } from "../src/results/Run.ts"
import * as RunDiff from "../src/report/RunDiff.ts"
import * as RunList from "../src/report/RunList.ts"
import { assertClose } from "./support/assertClose.ts"
import { type Outcome, sandbox } from "./support/cli.ts"

const folds = (values: ReadonlyArray<number>): Map<string, number> => new Map(values.map((v, i) => [`${i}/0`, v]))

describe("RunDiff.compareMetric", () => {
  it("is scipy's paired t test over shared folds", () => {
    // scipy.stats.ttest_rel([1.1, 1.4, 1.2, 1.5], [1.0, 1.2, 1.15, 1.3]): t = 3.6667, p = 0.035082, df = 3.
    const c = RunDiff.compareMetric(folds([1.0, 1.2, 1.15, 1.3]), folds([1.1, 1.4, 1.2, 1.5]), "paired")
    assertClose(c.change, 0.1375, { rtol: 1e-12 }, "mean difference")
    assertClose(c.change / c.se, 3.6666666666666696, { rtol: 1e-10 }, "t")
    assertClose(c.p, 0.03508151471548184, { rtol: 1e-8 }, "p")
    expect(c.df).toBe(3)
    expect(c.pairs).toBe(4)
    expect(c.exceeds).toBe(true)
  })

  it("is scipy's Welch test when the folds differ", () => {
    // scipy.stats.ttest_ind(b, a, equal_var=False): t = −1.42411, p = 0.236111, df = 3.547444.
    const c = RunDiff.compareMetric(folds([0.61, 0.55, 0.68]), folds([0.52, 0.5, 0.6, 0.58]), "unpaired")
    assertClose(c.change / c.se, -1.4241102090921374, { rtol: 1e-10 }, "t")
    assertClose(c.df, 3.5474444382242605, { rtol: 1e-10 }, "Welch–Satterthwaite df")
    assertClose(c.p, 0.23611125615899417, { rtol: 1e-8 }, "p")
    expect(c.exceeds).toBe(false)
    expect([c.nA, c.nB]).toEqual([3, 4])
  })

  it("has power: flags a shift beyond the noise, not the same numbers, and pairing sees a consistent shift Welch cannot", () => {
    const a = [0.80, 0.86, 0.74, 0.90, 0.78]
    expect(RunDiff.compareMetric(folds(a), folds(a), "paired")).toMatchObject({ change: 0, exceeds: false })
    expect(RunDiff.compareMetric(folds(a), folds(a), "unpaired").exceeds).toBe(false)
    const far = a.map((v) => v + 0.2)
    expect(RunDiff.compareMetric(folds(a), folds(far), "unpaired").exceeds).toBe(true)
    // +0.01 on every fold: far below the fold spread (sd 0.06), exactly the same on each fold.
    const nudged = a.map((v, i) => v + 0.01 + (i % 2 === 0 ? 1e-4 : -1e-4))
    expect(RunDiff.compareMetric(folds(a), folds(nudged), "paired").exceeds).toBe(true)
    expect(RunDiff.compareMetric(folds(a), folds(nudged), "unpaired").exceeds).toBe(false)
    // Too few trials to estimate the noise: no verdict.
    expect(RunDiff.compareMetric(folds([0.5]), folds([0.9]), "unpaired").exceeds).toBeUndefined()
  })
})

const manifest = (over: Partial<Manifest>): Manifest => ({
  experiment: "toy", title: "toy", runId: "r", profile: "quick", seed: 0, params: { n: 100, widths: [8, 64] }, study: {}, specHash: "h", trialCount: 2,
  git: { commit: "a".repeat(40), dirty: false }, versions: { node: "22" }, host: { platform: "linux", cpus: 2, cpuModel: "x", memoryGiB: 8 }, status: "complete", sessions: [], ...over
})
const row = (model: string, fold: number, metrics: Record<string, number>, status: TrialRow["status"] = "ok"): TrialRow => ({
  order: fold, key: `${model}-${fold}`, task: "t", model, family: "gp", axes: {}, fold, seedIndex: 0, seed: 0, status, nTrain: 10, nTest: 5, metrics, info: {}, fitSeconds: 1
})

describe("RunDiff.diff and markdown", () => {
  const a = { manifest: manifest({ runId: "A" }), rows: [row("gp", 0, { rmse: 1 }), row("gp", 1, { rmse: 1.2 })], tasks: new Map() }
  const b = {
    manifest: manifest({ runId: "B", seed: 7, trialCount: 3, params: { n: 200, widths: [8, 64] }, git: { commit: "b".repeat(40), dirty: true, diffHash: "0123456789" } }),
    rows: [row("gp", 0, { rmse: 0.9 }), row("gp", 1, {}, "failed"), row("svm", 0, { rmse: 2 })],
    tasks: new Map()
  }
  it("lists what differs in settings, and each metric per model with its pairing", () => {
    const d = RunDiff.diff("toy", a, b)
    expect(d.params).toEqual([
      { name: "seed", a: "0", b: "7", change: 7 },
      { name: "code", a: "aaaaaaaaaaaa", b: "bbbbbbbbbbbb+dirty (01234567)", change: undefined },
      { name: "n", a: "100", b: "200", change: 100 },
      { name: "trials", a: "2 ok, 0 diverged, 0 failed of 2", b: "2 ok, 0 diverged, 1 failed of 3", change: undefined }
    ])
    expect(d.metrics.map((m) => [m.model, m.metric, m.a, m.b, m.pairing])).toEqual([["gp", "rmse", 1.1, 0.9, "unpaired"], ["svm", "rmse", Number.NaN, 2, "unpaired"]])
    // Same seed and parameters, no stored folds: the runs split alike and pair.
    expect(RunDiff.metricChanges(a, { ...a, manifest: manifest({ runId: "A2" }) })[0].pairing).toBe("paired")
  })
  it("writes Markdown tables like dvc exp diff --md", () => {
    const md = RunDiff.markdown(RunDiff.diff("toy", a, b))
    expect(md).toContain("| Param  | A                               | B                               | Change |")
    expect(md).toContain("| seed   | 0                               | 7                               | +7     |")
    expect(md).toContain("| t    | gp    | rmse   | 1.1 (n=2) | 0.9 (n=1) | -0.2   | —  | — | —        | —            |")
    expect(md).toContain("| t    | svm   | rmse   | — (n=0)   | 2 (n=1)   | —      | —  | — | —        | —            |")
    expect(RunDiff.markdown(RunDiff.diff("toy", a, a))).toContain("Parameters, seed, profile and code: the same.")
  })
})

describe("RunDiff.holm: beyond noise over every change a diff compares", () => {
  // five metrics of one model, each shifted on four paired folds; the shifts are chosen so that
  // three raw p-values fall below 0.05 and Holm keeps one of them
  const base = [1.0, 1.3, 0.9, 1.2]
  const shifts = [[0.5, 0.52, 0.49, 0.51], [0.1, 0.2, 0.05, 0.15], [0.1, 0.18, 0.07, 0.15], [0.1, -0.1, 0.2, 0.0], [0.0, 0.01, -0.01, 0.0]]
  const side = (runId: string, shift: (m: number, f: number) => number) => ({
    manifest: manifest({ runId }),
    rows: base.map((v, f) => row("gp", f, Object.fromEntries(shifts.map((_, m) => [`m${m}`, v + shift(m, f)])))),
    tasks: new Map()
  })
  const a = side("A", () => 0)
  const b = side("B", (m, f) => shifts[m][f])
  const d = RunDiff.diff("toy", a, b)

  it("adjusts the raw p-values as statsmodels' multipletests(method='holm') does", () => {
    const raw = d.metrics.map((m) => m.p)
    expect(d.metrics.every((m) => m.pairing === "paired")).toBe(true)
    // Holm by hand: sort, multiply by (m − rank), running maximum, capped at 1
    const order = raw.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0])
    const want = new Array<number>(raw.length)
    let running = 0
    order.forEach(([p, i], rank) => {
      running = Math.max(running, Math.min(1, (raw.length - rank) * p))
      want[i] = running
    })
    assertClose(d.metrics.map((m) => m.pHolm), want, { rtol: 1e-12 })
  })

  it("marks beyond noise on the adjusted p: raw p < 0.05 in three metrics, two of them not after Holm", () => {
    expect(d.metrics.filter((m) => m.p < 0.05).length).toBe(3)
    expect(d.metrics.filter((m) => m.exceeds).length).toBe(3)
    expect(d.metrics.filter((m) => m.exceedsHolm).map((m) => m.metric)).toEqual(["m0"])
    const md = RunDiff.markdown(d)
    expect(md).toContain("Holm-adjusted p < 0.05 over the 5 change(s) tested here")
    expect(md.split("\n").filter((l) => l.includes("**yes**")).length).toBe(1)
  })
})

describe("RunList.entry", () => {
  it("counts trials by status, sums wall time and calls a run without a live holder interrupted", () => {
    const m = manifest({ status: "running", trialCount: 5, sessions: [
      { startedAt: "x", wallSeconds: 60, jobs: 1, backend: "cpu", trialsRun: 2, status: "interrupted" },
      { startedAt: "y", jobs: 1, backend: "cpu", trialsRun: 1, status: "running" }
    ] })
    const e = RunList.entry(m, [{ status: "ok" }, { status: "ok" }, { status: "failed" }], undefined)
    expect(e).toMatchObject({ status: "interrupted", ok: 2, failed: 1, diverged: 0, planned: 5, wallSeconds: 60, wallOpen: true, commit: "aaaaaaaaaa" })
    const [head, line] = RunList.table([e])
    expect(head).toMatch(/^run +status +profile +seed +commit +ok +diverged +failed +planned +wall +lock$/)
    expect(line).toMatch(/^r +interrupted \(resumable\) +quick +0 +aaaaaaaaaa +2 +0 +1 +5 +≥ 1 min$/)
  })
})

describe("gpnn runs and gpnn diff on two quick svm-grid runs", () => {
  const box = sandbox("diff")
  const results = ["--results", path.join(box.root, "results")]
  let s0: Outcome
  let s1: Outcome
  beforeAll(async () => {
    s0 = await box.gpnn(["run", "svm-grid", "--profile", "quick", "--jobs", "1", "--seed", "0", ...results])
    s1 = await box.gpnn(["run", "svm-grid", "--profile", "quick", "--jobs", "1", "--seed", "1", ...results])
  }, 120_000)

  it("writes quick reports to reports/.scratch/, never to reports/<name>/", () => {
    expect(s0.code, s0.stderr).toBe(0)
    expect(s1.code, s1.stderr).toBe(0)
    expect(s0.stdout).toContain(`report: ${path.join(box.root, "reports", ".scratch", "svm-grid-quick")}/README.md`)
    expect(fs.existsSync(path.join(box.root, "reports", ".scratch", "svm-grid-quick", "index.html"))).toBe(true)
    expect(fs.existsSync(path.join(box.root, "reports", "svm-grid"))).toBe(false)
  })

  it("lists both runs with profile, seed, commit, trial counts and wall time", async () => {
    const out = await box.gpnn(["runs", ...results])
    expect(out.code, out.stderr).toBe(0)
    const lines = out.stdout.trim().split("\n")
    expect(lines[0]).toBe("svm-grid:")
    expect(lines[1]).toMatch(/^run +status +profile +seed +commit +ok +diverged +failed +planned +wall +lock$/)
    expect(lines[2]).toMatch(/-quick-s0-p\d+ +complete +quick +0 +[0-9a-f]{10}(\+dirty)? +12 +0 +0 +12 +[\d.]+ m?s$/)
    expect(lines[3]).toMatch(/-quick-s1-p\d+ +complete +quick +1 +[0-9a-f]{10}(\+dirty)? +12 +0 +0 +12 +[\d.]+ m?s$/)
  })

  it("diffs them: the seed changed, folds differ (Welch), every metric of every model; a run against itself pairs and moves nothing", async () => {
    const ids = fs.readdirSync(path.join(box.root, "results", "svm-grid")).sort()
    const out = await box.gpnn(["diff", "svm-grid", ids[0], ids[1].slice(0, 17), ...results])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/\| seed +\| 0 +\| 1 +\| \+1 +\|/)
    const metricRows = out.stdout.split("\n").filter((l) => l.startsWith("| moons"))
    // 4 models × 7 metrics (accuracy, logLoss, brier, ece, auc, trainAccuracy, trainAuc).
    expect(metricRows).toHaveLength(28)
    for (const l of metricRows) expect(l).toMatch(/\(Welch\) +\| [\d.<e -]+\| [\d.<e -]+\| (no|\*\*yes\*\*) +\|$/)
    const self = await box.gpnn(["diff", "svm-grid", ids[0], ids[0], ...results])
    expect(self.stdout).toContain("Parameters, seed, profile and code: the same.")
    for (const l of self.stdout.split("\n").filter((x) => x.startsWith("| moons"))) expect(l).toMatch(/\| 0 +\| 0 \(paired, 3 folds\) \| 1\.0 +\| 1\.0 +\| no +\|$/)
    const bad = await box.gpnn(["diff", "svm-grid", "2026", ids[0], ...results])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain(`2 runs of svm-grid under ${path.join(box.root, "results")} start with "2026"; give a full id`)
  })
})
