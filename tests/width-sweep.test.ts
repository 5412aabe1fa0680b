/**
 * width-sweep's report from the committed run (results/width-sweep/, stored by an older
 * version): it still decodes and renders, and its claims follow the run's numbers. The "why
 * parameter counting fails" section appears only when CV and AIC pick different widths; with the
 * same run's AIC rearranged so they agree, the section and the disagreement sentence go.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import widthSweep from "../experiments/width-sweep.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Markdown from "../src/report/Markdown.ts"
import type { RunRecord } from "../src/results/Run.ts"
import { ResultStore } from "../src/results/Store.ts"

const runId = "20261125T084242Z-default-s0"

const readme = (run: RunRecord) =>
  Effect.runPromise(Effect.gen(function*() {
    const params = yield* Experiment.decodeStored(widthSweep, run)
    return Markdown.render(yield* widthSweep.report(params, run)).text
  }))

describe("width-sweep report, committed default run", () => {
  let run: RunRecord
  beforeAll(async () => {
    run = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* ResultStore
      return yield* store.load("width-sweep", runId)
    }).pipe(Effect.provide(ResultStore.layer(path.resolve("results")))))
  })

  it("states the disagreement the run shows, with the explanation", async () => {
    const text = await readme(run)
    expect(text).toContain("Cross-validation picks width **2048**")
    expect(text).toContain("AIC picks width **8**")
    expect(text).toContain("the two criteria disagree")
    expect(text).toContain("## Why parameter counting fails here")
    expect(text).toContain("In this run CV RMSE picks width 2048 and AIC picks width 8.")
    expect(text).toContain("All 160 trials finished.")
    expect(text).toMatch(/\| MLPs of every width \| 2048 \(0\.3501\) \| 2048 \(0\.3716\) \| 8 \(1175\.8\) \|/)
  }, 60_000)

  it("drops the explanation when, in the data, CV and AIC pick the same width", async () => {
    // The same run with every MLP's AIC replaced by its CV RMSE: AIC now picks width 2048 too.
    const agreeing: RunRecord = {
      ...run,
      rows: run.rows.map((r) => (r.family === "mlp" ? { ...r, metrics: { ...r.metrics, aic: r.metrics.rmse } } : r))
    }
    const text = await readme(agreeing)
    expect(text).toContain("AIC picks width **2048**")
    expect(text).toContain("here the two criteria agree")
    expect(text).not.toContain("Why parameter counting fails")
    expect(text).not.toContain("they part only among the MLPs")
  }, 60_000)
})
