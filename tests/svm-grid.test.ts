/**
 * svm-grid through the CLI: the quick profile runs, every cell is scored by CV and training
 * ROC-AUC from decision values, the report names the best and an overfitted cell consistently
 * with the stored rows, draws the stored moons, regenerates byte for byte, and refuses a run
 * stored without its task data with a message that says to re-run.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("svm-grid")

describe("svm-grid, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "svm-grid", "--profile", "quick", "--jobs", "1", ...box.dirs("a")])
  }, 120_000)

  it("scores every (C, σ) cell on every fold with CV and training AUC", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("a", "svm-grid"))
    // quick: C ∈ {1, 100}, σ ∈ {0.03, 0.3}, 3 folds
    expect(rows).toHaveLength(12)
    for (const r of rows) {
      expect(r.status).toBe("ok")
      const auc = Number(r.auc)
      const trainAuc = Number(r.trainAuc)
      expect(auc).toBeGreaterThan(0.5)
      expect(auc).toBeLessThanOrEqual(1)
      expect(trainAuc).toBeGreaterThanOrEqual(auc - 0.05)
    }
  })

  it("shows the tiny-σ, large-C cell memorising the training folds but not generalising", () => {
    const rows = trialRecords(box.onlyRun("a", "svm-grid"))
    const mean = (model: string, metric: string) => {
      const values = rows.filter((r) => r.model === model).map((r) => Number(r[metric]))
      return values.reduce((a, b) => a + b, 0) / values.length
    }
    expect(mean("svc-C100-s0.03", "trainAuc")).toBeGreaterThan(0.99)
    expect(mean("svc-C100-s0.03", "auc")).toBeLessThan(mean("svc-C1-s0.3", "auc") - 0.03)
    const readme = reportFiles(box.reportDir("a", "svm-grid")).get("README.md") ?? ""
    expect(readme).toContain("Cross-validated ROC-AUC picks **C = 1, σ = 0.3**")
    expect(readme).toContain("**C = 100, σ = 0.03**")
  })

  it("draws the heatmaps, both decision boundaries and the ROC curves, and regenerates byte for byte", async () => {
    const before = reportFiles(box.reportDir("a", "svm-grid"))
    expect([...before.keys()]).toEqual(expect.arrayContaining(["figures/cv-auc-heatmap.svg", "figures/boundary-best.svg", "figures/boundary-overfit.svg", "figures/roc.svg"]))
    for (const [name, text] of before) if (name.endsWith(".svg")) expect(text.startsWith("<svg")).toBe(true)
    const again = await box.gpnn(["report", "svm-grid", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "svm-grid"))).toEqual(before)
  }, 60_000)

  it("stores the moons it drew (every point in one held-out fold) and plots them, not a redraw", () => {
    const task = JSON.parse(fs.readFileSync(path.join(box.onlyRun("a", "svm-grid"), "tasks", "moons.json"), "utf8"))
    expect(task.X).toHaveLength(200)
    expect(task.folds).toHaveLength(3)
    expect(task.folds.flatMap((f: { test: Array<number> }) => f.test).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    const readme = reportFiles(box.reportDir("a", "svm-grid")).get("README.md") ?? ""
    expect(readme).toContain("All 12 trials finished.")
    expect(readme).toMatch(/\| moons \| C = 1, σ = 0\.3 \(0\.941\) \|/)
  })

  it("fails with a ConfigError naming the run and asking for a re-run when the run has no stored tasks", async () => {
    const run = box.onlyRun("a", "svm-grid")
    const old = path.join(box.root, "old", "results", "svm-grid", path.basename(run))
    fs.cpSync(run, old, { recursive: true })
    fs.rmSync(path.join(old, "tasks"), { recursive: true })
    const outcome = await box.gpnn(["report", "svm-grid", ...box.dirs("old")])
    expect(outcome.code).not.toBe(0)
    expect(outcome.stderr).toContain(`run ${path.basename(run)} of svm-grid has no stored data for task "moons": it was stored before runs stored their tasks`)
    expect(outcome.stderr).toContain("re-run it")
  }, 60_000)
})
