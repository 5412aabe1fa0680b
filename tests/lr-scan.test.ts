/**
 * lr-scan's summary from stored rows: per (architecture, optimiser) the best grid rate on mean
 * validation accuracy (a diverged rate never best), the median suggestion's ratio to it, and the
 * found net's accuracy; and the study's plan: one range-test net plus one net per grid rate for
 * every combination.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import lrScan, { combinations } from "../experiments/lr-scan.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import type { TrialRow } from "../src/results/Run.ts"
import { assertClose } from "./support/assertClose.ts"
import { row } from "./support/runRecord.ts"

const at = (rate: number | "found", seedIndex: number, accuracy: number, suggested?: number, status: TrialRow["status"] = "ok"): TrialRow => ({
  ...row(`1x8-adam-${rate}`, { axes: { arch: "1x8", optimizer: "adam", rate }, seedIndex, status }),
  metrics: status === "ok" ? { validAccuracy: accuracy } : {},
  info: suggested === undefined ? {} : { lrSuggested: suggested }
})

describe("lr-scan", () => {
  it("finds the grid's best rate and the suggestion's ratio to it", () => {
    const rows = [
      at(0.001, 0, 0.80), at(0.001, 1, 0.82),
      at(0.01, 0, 0.90), at(0.01, 1, 0.94),
      at(0.1, 0, 0.99, undefined, "diverged"), at(0.1, 1, 0.10),
      at("found", 0, 0.91, 0.004), at("found", 1, 0.93, 0.006)
    ]
    const [c] = combinations(rows)
    expect(c.bestRate).toBe(0.01)
    assertClose([c.bestAccuracy, c.foundAccuracy, c.ratio], [0.92, 0.92, 0.5], { rtol: 1e-12 })
    expect(c.grid.map((g) => [g.rate, g.ok, g.trials])).toEqual([[0.001, 2, 2], [0.01, 2, 2], [0.1, 1, 2]])
  })

  it("plans one range-test net and one net per grid rate for every architecture and optimiser", async () => {
    const params = await Effect.runPromise(Experiment.resolve(lrScan, "quick", []))
    const study = lrScan.study(params)
    expect(study.models).toHaveLength(params.archs.length * params.optimizers.length * (params.rates.length + 1))
    const found = study.models.filter((m) => m.axes.rate === "found")
    expect(found.every((m) => m.config.lrRangeTest === true && m.config.learningRate === undefined)).toBe(true)
    expect(study.split).toEqual({ kind: "holdout", train: 0.7, validation: 0.2, test: 0.1 })
  })
})
