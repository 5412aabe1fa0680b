/**
 * gp-kernels through the CLI: the quick profile runs, every (task, kernel, fold) row carries the
 * fitted model's log marginal likelihood, AIC and CV RMSE, the report has the picks table, the
 * per-task tables and the SVG figures, and it regenerates byte for byte from the stored run.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("gp-kernels")

// The quick profile: tasks smooth and periodic, kernels rbf, matern12 and periodic, 3 folds.
const tasks = ["smooth", "periodic"]
const kernels = ["rbf", "matern12", "periodic"]

describe("gp-kernels, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "gp-kernels", "--profile", "quick", "--jobs", "1", ...box.dirs("a")])
  }, 60_000)

  it("fits every kernel on every task and fold, with LML, AIC and held-out error", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("a", "gp-kernels"))
    expect(rows).toHaveLength(tasks.length * kernels.length * 3)
    for (const task of tasks) {
      for (const kernel of kernels) {
        const mine = rows.filter((r) => r.task === task && r.model === `gp-${kernel}`)
        expect(mine.map((r) => Number(r.fold)).sort()).toEqual([0, 1, 2])
        for (const r of mine) {
          expect(r.status).toBe("ok")
          for (const metric of ["logLik", "aic", "rmse", "nll"]) expect(Number.isFinite(Number(r[metric])), `${r.key} ${metric}`).toBe(true)
          // AIC = −2·LML + 2k
          expect(Number(r.aic)).toBeCloseTo(-2 * Number(r.logLik) + 2 * Number(r.k), 6)
          expect(Number(r.k)).toBe(kernel === "periodic" ? 4 : 3)
        }
      }
    }
  })

  it("reports which kernel each criterion picks, per-task tables and the posterior figures", () => {
    const files = reportFiles(box.reportDir("a", "gp-kernels"))
    const readme = files.get("README.md") ?? ""
    expect(readme).toContain("## Which kernel each criterion picks")
    expect(readme).toMatch(/\| task \| max LML \| min AIC \| min CV RMSE \| min CV NLL \|/)
    for (const task of tasks) {
      expect(readme).toContain(`## Task: ${task}`)
      expect(readme).toMatch(new RegExp(`^\\| ${task} \\| `, "m"))
    }
    expect(readme).toContain("## Warnings")
    expect(readme).toContain("pooled out-of-fold")
    const figures = [...files.keys()].filter((f) => f.startsWith("figures/"))
    expect(figures).toEqual(expect.arrayContaining(tasks.flatMap((t) => [`figures/posterior-${t}.svg`, `figures/ranks-${t}.svg`, `figures/data-${t}.svg`])))
    for (const f of figures) expect(files.get(f)?.startsWith("<svg")).toBe(true)
    expect(files.get("index.html")).toContain("<svg")
  })

  it("reports the fitted periods from the stored hyperparameters, on the original scale, and every stored warning", () => {
    const dir = path.join(box.onlyRun("a", "gp-kernels"), "trials")
    const trials = fs.readdirSync(dir).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).row)
    const readme = reportFiles(box.reportDir("a", "gp-kernels")).get("README.md") ?? ""
    const periodic = trials.filter((r) => r.task === "periodic" && r.model === "gp-periodic").sort((a, b) => a.fold - b.fold)
    // period (standardised units) × the training part's x sd, in fold order
    const periods = periodic.map((r) => r.hyperparameters.find((h: { name: string }) => h.name === "period").value * r.standardisation.xSd[0])
    expect(readme).toContain(`Fitted periods of the periodic kernel on periodic, fold by fold: ${periods.map((v) => v.toPrecision(3)).join(", ")}`)
    for (const v of periods) expect(Math.abs(v - 1.5)).toBeLessThan(0.1)
    const warned = trials.filter((r) => r.warnings.length > 0)
    const count = trials.reduce((n, r) => n + r.warnings.length, 0)
    const warningsSection = readme.slice(readme.indexOf("## Warnings"), readme.indexOf("## Environment"))
    expect(warningsSection.split("\n").filter((line) => /^\| (smooth|periodic) \/ /.test(line))).toHaveLength(count)
    expect(readme).toContain(warned.length === 0 ? "No fit of 18 raised a warning." : `${warned.length} of 18 fits raised a warning`)
  })

  it("regenerates the report byte for byte", async () => {
    const before = reportFiles(box.reportDir("a", "gp-kernels"))
    const again = await box.gpnn(["report", "gp-kernels", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "gp-kernels"))).toEqual(before)
  }, 60_000)
})
