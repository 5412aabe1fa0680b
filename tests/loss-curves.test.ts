/**
 * loss-curves through the CLI on the quick profile: the robust pathologies are diagnosed as
 * induced in every trial; the report's intended-vs-diagnosed table is the count of the stored
 * rows' labels (and changes when the rows do); the report regenerates byte for byte.
 * Seed-sensitive settings (oscillating, overfitting) are only required to appear in the table.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import lossCurves, { agreement } from "../experiments/loss-curves.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Markdown from "../src/report/Markdown.ts"
import { ResultStore } from "../src/results/Store.ts"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("loss-curves")
const robust = ["healthy", "diverged", "stuck-at-mean", "exploded-recovered", "not-converged"]

describe("loss-curves, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "loss-curves", "--profile", "quick", "--jobs", "2", ...box.dirs("a")])
  }, 120_000)

  it("diagnoses every robust pathology as the one induced, in every trial", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("a", "loss-curves"))
    // quick: 7 settings × 2 folds × 2 seeds
    expect(rows).toHaveLength(28)
    for (const label of robust) {
      const own = rows.filter((r) => r.intended === label)
      expect(own).toHaveLength(4)
      for (const r of own) expect(r.diagnosis, `${r.key}`).toBe(label)
    }
    // the healthy baseline is never called a pathology; the diverged setting's rows are diverged trials
    expect(rows.filter((r) => r.intended === "diverged").every((r) => r.status === "diverged")).toBe(true)
    expect(rows.filter((r) => r.intended !== "diverged").every((r) => r.status === "ok")).toBe(true)
  })

  it("counts the intended-vs-diagnosed table from the stored rows, and regenerates byte for byte", async () => {
    const files = reportFiles(box.reportDir("a", "loss-curves"))
    const readme = files.get("README.md") ?? ""
    expect([...files.keys()]).toContain("figures/gallery.svg")
    const rows = trialRecords(box.onlyRun("a", "loss-curves"))
    for (const label of [...robust, "oscillating", "overfitting"]) {
      const matched = rows.filter((r) => r.intended === label && r.diagnosis === label).length
      expect(readme).toMatch(new RegExp(`\\| ${label} \\|[^\\n]*\\| ${matched}/4 \\(`))
    }
    const again = await box.gpnn(["report", "loss-curves", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "loss-curves"))).toEqual(files)
  }, 60_000)

  it("follows the stored labels: relabelling the healthy rows moves them in the table and the findings", async () => {
    const runDir = box.onlyRun("a", "loss-curves")
    const readme = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* ResultStore
      const run = yield* store.load("loss-curves", path.basename(runDir))
      const rows = run.rows.map((r) => r.axes.intended === "healthy" && r.diagnosis !== undefined ? { ...r, diagnosis: { ...r.diagnosis, label: "oscillating" } } : r)
      const counts = agreement(rows).find((a) => a.intended === "healthy")
      expect(counts?.matched).toBe(0)
      expect(counts?.counts.get("oscillating")).toBe(4)
      const params = yield* Experiment.decodeStored(lossCurves, run)
      return Markdown.render(yield* lossCurves.report(params, { ...run, rows })).text
    }).pipe(Effect.provide(ResultStore.layer(path.dirname(path.dirname(runDir))))))
    expect(readme).toMatch(/\| healthy \|[^\n]*\| 0\/4 \(0%\) \|/)
    expect(readme).toContain("healthy: named in 0 of 4 trials; the others were called oscillating (4)")
  }, 60_000)
})
