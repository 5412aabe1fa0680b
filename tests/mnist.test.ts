/**
 * mnist's report from stored rows alone: the normalisation is chosen on mean validation accuracy
 * (failed trials left out), the test accuracy reported is the chosen net's only (a net with a
 * better test score but a worse validation score is not reported), an overfit-check failure is
 * named in the findings, and the throughput rule's pick is computed from the stored timings.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import mnist, { choose, summaries } from "../experiments/mnist.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Markdown from "../src/report/Markdown.ts"
import type { TrialRow } from "../src/results/Run.ts"
import { manifest, row, runRecord } from "./support/runRecord.ts"

const trial = (norm: string, seedIndex: number, valid: number, test: number, status: TrialRow["status"] = "ok"): TrialRow => ({
  ...row(norm, { axes: { norm }, seedIndex, status }),
  metrics: status === "ok" ? { validAccuracy: valid, accuracy: test, trainAccuracy: 1 } : {},
  info: status === "ok" ? { lrSuggested: 0.004, overfitFinalToPrior: 0.001 } : {},
  ...(status === "failed" ? { error: "ConfigError: the overfit check failed (no-progress): …", failure: "config" as const } : {})
})

const rows = [
  trial("none", 0, 0.90, 0.99), trial("none", 1, 0.92, 0.97),
  trial("layernorm", 0, 0.93, 0.80), trial("layernorm", 1, 0.95, 0.84),
  trial("batchnorm", 0, 0.99, 0.99, "failed"), trial("batchnorm", 1, 0.91, 0.90)
]

describe("mnist report", () => {
  it("chooses on mean validation accuracy over the trials that finished", () => {
    const s = summaries(rows)
    expect(s.map((x) => [x.norm, x.ok])).toEqual([["none", 2], ["layernorm", 2], ["batchnorm", 1]])
    expect(choose(s)?.norm).toBe("layernorm")
    // Power: counting the failed batchnorm trial's would-be 0.99 would have chosen batchnorm.
    expect(choose(summaries(rows.map((r) => ({ ...r, status: "ok" as const, metrics: { ...r.metrics, validAccuracy: r.metrics.validAccuracy ?? 0.99 } }))))?.norm).toBe("batchnorm")
  })

  it("reports the chosen net's test accuracy alone, names a failed overfit check, and picks the batch size from stored timings", async () => {
    const params = await Effect.runPromise(Experiment.resolve(mnist, "quick", []))
    const stages = rows.filter((r) => r.status === "ok").map((r) => [r, { throughput: { batchSize: [16, 64, 256], samplesPerSecond: [1000, 2000, 2100] } }] as const)
    const run = { ...runRecord({ rows, stages }), manifest: { ...manifest, experiment: "mnist", trialCount: rows.length, params } }
    const doc = await Effect.runPromise(mnist.report(params, run))
    const text = Markdown.render(doc).text
    expect(text).toContain("**LayerNorm**, validation accuracy 94.0% ± 1.4% (no normalisation 91.0%, BatchNorm 91.0%); its lead over no normalisation is 3.0 points, more than the seeds' sd (1.4 points)")
    expect(text).toContain("scored once on the 1 held-back digits: **82.0% ± 2.8%**")
    expect(text).not.toContain("98.0%")
    expect(text).toContain("1 trial(s) failed and stopped before training")
    // 0.9 × 2100 = 1890: 64 (2000) qualifies, 16 does not.
    expect(text).toContain("the throughput rule picks 64 for no normalisation, 64 for LayerNorm, 64 for BatchNorm")
  }, 30_000)
})
