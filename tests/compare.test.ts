/**
 * compare through the CLI: the quick profile stores every family's trials on shared folds with
 * the regression and classification scores, AIC/BIC where a likelihood exists, and a report with
 * leaderboards, the paired tests and the critical-difference diagram, whose ranks the test
 * recomputes from trials.csv. User CSV tasks run through --task end to end; a CSV that cannot be
 * used fails with a message naming the file, the line and the column while the other tasks'
 * trials are stored.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import * as RankTests from "../src/stats/RankTests.ts"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("compare")
const csv = (name: string, text: string): string => {
  const file = path.join(box.root, name)
  fs.writeFileSync(file, text)
  return file
}
/** y = 2·x1 − x2 plus small noise, from a fixed sequence (no generator needed). */
const linear = (n: number) =>
  ["x1,x2,y", ...Array.from({ length: n }, (_, i) => {
    const x1 = Math.sin(i * 1.7)
    const x2 = Math.cos(i * 0.9)
    return `${x1.toFixed(4)},${x2.toFixed(4)},${(2 * x1 - x2 + 0.05 * Math.sin(i * 7.3)).toFixed(4)}`
  })].join("\n") + "\n"

const mean = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0) / values.length

describe("compare, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "compare", "--profile", "quick", "--jobs", "1", ...box.dirs("quick")])
  }, 120_000)

  it("runs every role on shared folds with the regression and classification scores", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("quick", "compare"))
    // quick: sine-quadratic (8 models, periodic included) and moons (7), 3 folds, one repeat
    expect(rows).toHaveLength(45)
    expect(rows.filter((r) => r.status !== "ok")).toEqual([])
    for (const r of rows.filter((r) => r.task === "sine-quadratic")) {
      for (const m of ["rmse", "mae", "r2"]) expect(Number.isFinite(Number(r[m])), `${r.key} ${m}`).toBe(true)
    }
    for (const r of rows.filter((r) => r.task === "moons")) {
      for (const m of ["auc", "accuracy", "logLoss", "brier", "ece"]) expect(Number.isFinite(Number(r[m])), `${r.key} ${m}`).toBe(true)
    }
    // every model of a task is scored on the same held-out folds
    for (const task of ["sine-quadratic", "moons"]) {
      const sizes = new Set(rows.filter((r) => r.task === task).map((r) => `${r.fold}:${r.n_test}`))
      expect(sizes.size).toBe(3)
    }
    // AIC and BIC where the family has a likelihood and k: BIC − AIC = k (log n − 2)
    const gp = rows.filter((r) => r.family === "gp" || r.family === "gpc")
    expect(gp.length).toBeGreaterThan(0)
    for (const r of gp) expect(Number(r.bic) - Number(r.aic)).toBeCloseTo(Number(r.k) * (Math.log(Number(r.n_train)) - 2), 6)
    for (const r of rows.filter((r) => r.family === "svm" || r.family === "ntk")) expect(r.aic).toBe("")
    // the C-SVC's C and σ come from its inner CV, one choice per outer fold
    for (const r of rows.filter((r) => r.task === "moons" && r.model === "svm")) expect(Number(r["info.innerCvAuc"])).toBeGreaterThan(0.5)
  })

  it("reports leaderboards, the paired tests, DeLong, McNemar and a CD diagram whose ranks follow trials.csv", () => {
    const files = reportFiles(box.reportDir("quick", "compare"))
    const readme = files.get("README.md") ?? ""
    for (const text of ["ROC-AUC", "AIC", "BIC", "corrected t-test", "Holm", "Bayesian correlated t-test", "DeLong", "McNemar", "Win / tie / loss"]) expect(readme).toContain(text)
    const svg = files.get("figures/critical-difference.svg") ?? ""
    expect(svg).toContain("<svg")
    expect(files.has("figures/roc-moons.svg")).toBe(true)
    expect(files.has("figures/reliability-moons.svg")).toBe(true)
    // Recompute the average ranks from the stored rows: mean R² (sine-quadratic) and AUC (moons) per role.
    const rows = trialRecords(box.onlyRun("quick", "compare"))
    const roles = ["gp-rbf", "gp-matern52", "svm", "mlp-narrow", "mlp-wide", "nngp", "ntk"]
    const labels = ["GP RBF", "GP Matérn 5/2", "SVM", "MLP narrow", "MLP wide", "NNGP", "NTK-GP"]
    const score = (task: string, metric: string) => roles.map((m) => mean(rows.filter((r) => r.task === task && r.model === m).map((r) => Number(r[metric]))))
    const f = RankTests.friedman([score("sine-quadratic", "r2"), score("moons", "auc")])
    labels.forEach((l, i) => expect(svg).toContain(`${l} (${f.avgRanks[i].toFixed(2)})`))
    // The leaderboard's leader on moons is the best mean AUC of trials.csv.
    const moons = score("moons", "auc")
    const leader = labels[moons.indexOf(Math.max(...moons))]
    expect(readme).toMatch(new RegExp(`\\*\\*moons\\*\\* \\(classification\\): ${leader.replace("/", "\\/")} leads`))
  })
})

describe("compare with user tasks", () => {
  it("runs a CSV given with --task end to end beside a built-in task", async () => {
    const file = csv("linear.csv", linear(36))
    const out = await box.gpnn(["run", "compare", "--profile", "quick", "--jobs", "1", "--set", "tasks=moons", "--task", `csv:${file}:y:regression`, ...box.dirs("csv")])
    expect(out.code, out.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("csv", "compare"))
    const mine = rows.filter((r) => r.task === "csv-linear-y")
    expect(mine).toHaveLength(7 * 3)
    expect(mine.filter((r) => r.status !== "ok")).toEqual([])
    // a linear target in two inputs: the GP explains almost all of it
    expect(mean(mine.filter((r) => r.model === "gp-rbf").map((r) => Number(r.r2)))).toBeGreaterThan(0.9)
    const readme = reportFiles(box.reportDir("csv", "compare")).get("README.md") ?? ""
    expect(readme).toContain("## Task: csv-linear-y")
  }, 120_000)

  it("fails a CSV with a text cell or one class with a message naming file, line and column; the other task's trials are stored and the run exits non-zero", async () => {
    const text = csv("text.csv", linear(30).replace(/\n(.*?),(.*?),(.*?)\n/, "\n$1,$2,oops\n"))
    const single = csv("single.csv", ["x,label", ...Array.from({ length: 20 }, (_, i) => `${i},yes`)].join("\n") + "\n")
    const out = await box.gpnn([
      "run", "compare", "--profile", "quick", "--jobs", "1", "--set", "tasks=sine-quadratic",
      "--task", `csv:${text}:y:regression`, "--task", `csv:${single}:label:classification`, ...box.dirs("bad")
    ])
    // a data error fails the run (it must not look like success), naming the first failed trial
    expect(out.code).not.toBe(0)
    expect(out.stderr).toContain(text)
    const rows = trialRecords(box.onlyRun("bad", "compare"))
    expect(rows.filter((r) => r.task === "sine-quadratic" && r.status === "ok")).toHaveLength(24)
    const textRows = rows.filter((r) => r.task === "csv-text-y")
    expect(textRows.length).toBe(21)
    for (const r of textRows) {
      expect(r.status).toBe("failed")
      expect(r.error).toContain(text)
      expect(r.error).toMatch(/line 2\b/)
      expect(r.error).toContain('column "y"')
    }
    const singleRows = rows.filter((r) => r.task === "csv-single-label")
    for (const r of singleRows) expect(r.error).toMatch(new RegExp(`${single.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*"label".*single class`))
    // the failed run writes no report by itself; asked for one, it says which tasks have nothing
    const report = await box.gpnn(["report", "compare", ...box.dirs("bad")])
    expect(report.code, report.stderr).toBe(0)
    const readme = reportFiles(box.reportDir("bad", "compare")).get("README.md") ?? ""
    expect(readme).toContain("No trial of this task finished")
  }, 120_000)

  it("refuses a CSV task without its kind, and --task for a study without tasks", async () => {
    const file = csv("nokind.csv", linear(20))
    const out = await box.gpnn(["run", "compare", "--profile", "quick", "--task", `csv:${file}:y`, ...box.dirs("nokind")])
    expect(out.code).not.toBe(0)
    expect(out.stderr + out.stdout).toContain(`csv:${file}:y:regression`)
    const other = await box.gpnn(["run", "svm-grid", "--profile", "quick", "--task", `csv:${file}:y:regression`, ...box.dirs("other")])
    expect(other.code).not.toBe(0)
    expect(other.stderr + other.stdout).toContain("--task: svm-grid takes no user tasks")
  }, 60_000)
})
