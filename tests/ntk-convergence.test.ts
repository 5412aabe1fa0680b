/**
 * ntk-convergence through the CLI: the quick profile runs, every net records its empirical-NTK
 * distances, the distance at init shrinks with width, and the report regenerates byte for byte.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { logLogSlope } from "../experiments/ntk-convergence.ts"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("ntk-convergence")

describe("ntk-convergence, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "ntk-convergence", "--profile", "quick", "--jobs", "2", ...box.dirs("a")])
  }, 120_000)

  it("trains every net and measures its kernel; the NTK-GP runs at the same folds", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const rows = trialRecords(box.onlyRun("a", "ntk-convergence"))
    // quick: 3 widths × 3 seeds × 2 folds, and one NTK-GP per fold
    expect(rows.filter((r) => r.family === "mlp")).toHaveLength(18)
    expect(rows.filter((r) => r.family === "ntk")).toHaveLength(2)
    for (const r of rows) expect(r.status).toBe("ok")
    const byWidth = (w: number) => rows.filter((r) => r.width === String(w)).map((r) => Number(r["info.ntkInitDistance"]))
    const mean = (v: Array<number>) => v.reduce((a, b) => a + b, 0) / v.length
    expect(mean(byWidth(1024))).toBeLessThan(mean(byWidth(16)) / 3)
    const movement = (w: number) => mean(rows.filter((r) => r.width === String(w)).map((r) => Number(r["info.ntkMovement"])))
    expect(movement(1024)).toBeLessThan(movement(16))
  })

  it("writes the kernel and prediction figures and regenerates byte for byte", async () => {
    const before = reportFiles(box.reportDir("a", "ntk-convergence"))
    expect(before.get("README.md")).toMatch(/log-log slope is \*\*-0\.\d\d ± 0\.\d\d\*\*/)
    expect([...before.keys()]).toEqual(expect.arrayContaining(["figures/kernel-distance.svg", "figures/ensemble-gap.svg", "figures/mean-predictions.svg"]))
    const again = await box.gpnn(["report", "ntk-convergence", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "ntk-convergence"))).toEqual(before)
  }, 60_000)
})

describe("logLogSlope", () => {
  it("recovers an exact power law and its intercept, with zero standard error", () => {
    const x = [8, 64, 512, 4096]
    const fit = logLogSlope(x, x.map((w) => 3 * w ** -0.5))
    expect(fit.slope).toBeCloseTo(-0.5, 12)
    expect(Math.exp(fit.intercept)).toBeCloseTo(3, 10)
    expect(fit.se).toBeLessThan(1e-10)
  })
  it("ignores non-positive values and needs three points", () => {
    expect(logLogSlope([1, 2, 4, 8], [1, 0, 0.25, Number.NaN]).slope).toBeNaN()
    expect(logLogSlope([1, 2, 4, 8], [1, 0.5, 0.25, -1]).slope).toBeCloseTo(-1, 12)
  })
})
