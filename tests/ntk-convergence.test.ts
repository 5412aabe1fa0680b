/**
 * ntk-convergence through the CLI: the quick profile runs, every net records its empirical-NTK
 * distances, the distance at init shrinks with width, the report's lazy-training claim follows
 * its stated rule on the stored numbers, and the report regenerates byte for byte.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import ntkConvergence from "../experiments/ntk-convergence.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Markdown from "../src/report/Markdown.ts"
import { ResultStore } from "../src/results/Store.ts"
import * as PowerLaw from "../src/scoring/PowerLaw.ts"
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
    // The lazy-training sentence follows its rule (slope + 2 se < 0) on the stored movements.
    const rows = trialRecords(box.onlyRun("a", "ntk-convergence")).filter((r) => r.family === "mlp")
    const widths = [...new Set(rows.map((r) => Number(r.width)))]
    const movement = widths.map((w) => {
      const v = rows.filter((r) => Number(r.width) === w).map((r) => Number(r["info.ntkMovement"]))
      return v.reduce((a, b) => a + b, 0) / v.length
    })
    const fit = PowerLaw.fit(widths, movement)
    expect(before.get("README.md")).toContain(fit.slope + 2 * fit.se < 0 ? "so wider nets train lazily here" : "so this run shows no lazy-training trend")
    expect([...before.keys()]).toEqual(expect.arrayContaining(["figures/kernel-distance.svg", "figures/ensemble-gap.svg", "figures/mean-predictions.svg"]))
    const again = await box.gpnn(["report", "ntk-convergence", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "ntk-convergence"))).toEqual(before)
  }, 60_000)

  it("claims lazy training only when the movement slope's 2-se interval is below 0", async () => {
    const runDir = box.onlyRun("a", "ntk-convergence")
    const readme = (flat: boolean) =>
      Effect.runPromise(Effect.gen(function*() {
        const store = yield* ResultStore
        const run = yield* store.load("ntk-convergence", path.basename(runDir))
        // flat: every net's kernel movement replaced by one value, whatever its width
        const rows = flat ? run.rows.map((r) => (r.family === "mlp" ? { ...r, info: { ...r.info, ntkMovement: 0.05 + 0.01 * r.seedIndex } } : r)) : run.rows
        const params = yield* Experiment.decodeStored(ntkConvergence, run)
        return Markdown.render(yield* ntkConvergence.report(params, { ...run, rows })).text
      }).pipe(Effect.provide(ResultStore.layer(path.dirname(path.dirname(runDir))))))
    expect(await readme(false)).toContain("so wider nets train lazily here")
    const flat = await readme(true)
    expect(flat).toContain("so this run shows no lazy-training trend")
    expect(flat).not.toContain("train lazily here")
  }, 60_000)
})
