/**
 * batch-size: the plan (one net at B₀ that also times every size; at every other size a fixed-rate
 * and a linearly scaled net with warm-up) and the summary (the B₀ net counts for both rules,
 * learning rates by the rule, gap = train − validation).
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import batchSize, { points } from "../experiments/batch-size.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import { assertClose } from "./support/assertClose.ts"
import { row } from "./support/runRecord.ts"

describe("batch-size", async () => {
  const params = await Effect.runPromise(Experiment.resolve(batchSize, "default", []))

  it("plans the B₀ net once (timing every size) and two nets at every other size, rates by linear scaling", () => {
    const models = batchSize.study(params).models
    expect(models).toHaveLength(2 * params.batchSizes.length - 1)
    const base = models.filter((m) => m.axes.batch === params.baseBatch)
    expect(base.map((m) => m.axes.rule)).toEqual(["both"])
    expect(base[0].config.throughputSizes).toEqual(params.batchSizes)
    const scaled = models.find((m) => m.id === "b256-scaled")!
    assertClose(Number(scaled.config.learningRate), params.baseRate * 256 / params.baseBatch, { rtol: 1e-12 })
    expect(scaled.config.warmupEpochs).toBe(params.warmupEpochs)
    expect(models.find((m) => m.id === "b256-fixed")!.config.learningRate).toBe(params.baseRate)
  })

  it("summarises per size and rule, the B₀ net standing for both", () => {
    const r = (batch: number, rule: string, train: number, valid: number) => ({ ...row(`b${batch}-${rule}`, { axes: { batch, rule } }), metrics: { trainAccuracy: train, validAccuracy: valid } })
    const pts = points(params, [r(32, "both", 0.95, 0.9), r(256, "fixed", 0.85, 0.84), r(256, "scaled", 0.97, 0.91)])
    expect(pts.map((q) => [q.batch, q.rule, q.ok])).toEqual([[32, "fixed", 1], [256, "fixed", 1], [32, "scaled", 1], [256, "scaled", 1]])
    const scaled = pts.find((q) => q.batch === 256 && q.rule === "scaled")!
    assertClose([scaled.learningRate, scaled.gap], [params.baseRate * 8, 0.06], { rtol: 1e-12 })
  })
})
