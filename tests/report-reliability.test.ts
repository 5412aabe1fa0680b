/** Reliability: binning held-out forecasts against observed frequencies, and the diagram. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Reliability from "../src/report/Reliability.ts"
import { assertClose } from "./support/assertClose.ts"
import { row, runRecord } from "./support/runRecord.ts"

describe("Reliability.bins", () => {
  it("matches a hand-binned case: counts, mean forecasts, observed frequencies, omitted", () => {
    const p = [0.05, 0.15, 0.12, 0.95, 1.0, 0.5, 1.2, Number.NaN, -0.1]
    const event = [0, 1, 0, 1, 1, 0, 1, 1, 0]
    const { bins, omitted } = Reliability.bins(event, p, 10)
    expect(omitted).toBe(3)
    expect(bins.map((b) => b.count)).toEqual([1, 2, 0, 0, 0, 1, 0, 0, 0, 2])
    assertClose([0, 1, 5, 9].map((i) => bins[i].forecast), [0.05, 0.135, 0.5, 0.975], { atol: 1e-15 })
    assertClose([0, 1, 5, 9].map((i) => bins[i].observed), [0, 0.5, 0, 1])
    expect(bins[2].forecast).toBeNaN()
    expect(bins[2].observed).toBeNaN()
    assertClose(bins.map((b) => b.lo), bins.map((_, i) => i / 10))
  })
  it("puts a forecast on a bin edge in the upper bin, and p = 1 in the last", () => {
    const { bins } = Reliability.bins([1, 0, 1, 0], [0.25, 0.5, 0.75, 1], 4)
    expect(bins.map((b) => b.count)).toEqual([0, 1, 1, 2])
    assertClose(bins[3].observed, 0.5)
  })
})

describe("Reliability.forecasts", () => {
  it("reads P(class 1) for binary tasks and the top-label confidence otherwise, ok trials only", () => {
    const binary = row("svc")
    const multi = row("mlp")
    const diverged = row("svc", { fold: 1, status: "diverged" })
    const run = runRecord({
      rows: [binary, multi, diverged],
      heldOut: [
        [binary, { index: [0, 1], y: [1, 0], prediction: { classes: 2, probabilities: [0.2, 0.8, 0.6, 0.4] } }],
        [multi, { index: [0, 1], y: [2, 0], prediction: { classes: 3, probabilities: [0.1, 0.2, 0.7, 0.3, 0.5, 0.2] } }],
        [diverged, { index: [0], y: [1], prediction: { classes: 2, probabilities: [0, 1] } }]
      ]
    })
    expect(Reliability.forecasts(run, [binary, diverged])).toEqual({ p: [0.8, 0.4], event: [1, 0] })
    // top labels 2 (right, 0.7) and 1 (wrong: the label is 0, 0.5)
    expect(Reliability.forecasts(run, [multi])).toEqual({ p: [0.7, 0.5], event: [1, 0] })
  })
  it("draws the diagram and tabulates each bin", async () => {
    const r = row("svc")
    const run = runRecord({ rows: [r], heldOut: [[r, { index: [0, 1, 2], y: [1, 0, 1], prediction: { classes: 2, probabilities: [0.1, 0.9, 0.8, 0.2, 0.3, 0.7] } }]] })
    const blocks = await Effect.runPromise(Reliability.blocks(run, { title: "Reliability", caption: "c", bins: 5, models: [{ label: "SVC + Platt", rows: [r] }] }))
    expect(blocks.map((b) => b.kind)).toEqual(["figure", "table"])
    const table = blocks[1]
    if (table.kind !== "table") throw new Error("expected a table")
    // forecasts 0.9 (event), 0.2 (no), 0.7 (event): bins [0.2, 0.4) and [0.6, 0.8) and [0.8, 1]
    expect(table.rows.map((r) => r.n0)).toEqual([0, 1, 0, 1, 1])
    expect(table.rows.map((r) => r.o0)).toEqual(["—", "0.000", "—", "1.000", "1.000"])
    expect(table.rows[4].bin).toBe("[0.80, 1.00]")
  })
})
