/**
 * mlp-1d through the CLI on the quick profile: every net stores its probe predictions; the kinks
 * the report counts are those of the stored predictions (and stay within width + 1 for one hidden
 * layer, as a ReLU net's must); the report regenerates byte for byte from the stored run.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { trialKinks } from "../experiments/mlp-1d.ts"
import * as Kinks from "../src/report/Kinks.ts"
import * as Stored from "../src/report/Stored.ts"
import { ResultStore } from "../src/results/Store.ts"
import { reportFiles, sandbox, trialRecords } from "./support/cli.ts"

const box = sandbox("mlp-1d")

describe("mlp-1d, quick profile", () => {
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "mlp-1d", "--profile", "quick", "--jobs", "2", ...box.dirs("a")])
  }, 120_000)

  it("fits every net; the pieces of a 1-hidden-layer net stay within width + 1, and wider nets fit better", async () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    const records = trialRecords(box.onlyRun("a", "mlp-1d"))
    // quick: widths 2, 4, 8, 32 at depth 1 and width 8 at depth 2, 2 folds × 1 seed
    expect(records).toHaveLength(10)
    for (const r of records) expect(r.status).toBe("ok")
    const runDir = box.onlyRun("a", "mlp-1d")
    const found = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* ResultStore
      const run = yield* store.load("mlp-1d", path.basename(runDir))
      const task = yield* Stored.dataAndProbe(run, "sine-quadratic")
      return trialKinks(run, task.probe.map(([x]) => x))
    }).pipe(Effect.provide(ResultStore.layer(path.dirname(path.dirname(runDir))))))
    expect(found).toHaveLength(10)
    for (const t of found) {
      if (t.row.axes.depth === 1) expect(t.pieces, t.row.key).toBeLessThanOrEqual(Number(t.row.axes.width) + 1)
      // piecewise-linear: every kink's slope change sits on a few nodes, never on a curved stretch
      for (const k of t.kinks) expect(k.nodes, t.row.key).toBeLessThanOrEqual(6)
    }
    const pieces = (width: number) => found.filter((t) => t.row.axes.depth === 1 && t.row.axes.width === width).map((t) => t.pieces)
    expect(Math.min(...pieces(32))).toBeGreaterThan(Math.max(...pieces(2)))
    const rmse = (model: string) => records.filter((r) => r.model === model).reduce((s, r) => s + Number(r.rmse), 0) / 2
    expect(rmse("d1-w32")).toBeLessThan(rmse("d1-w2"))
  }, 60_000)

  it("reports the stored kinks and regenerates byte for byte", async () => {
    const files = reportFiles(box.reportDir("a", "mlp-1d"))
    expect([...files.keys()]).toEqual(expect.arrayContaining(["figures/fits.svg", "figures/hinges.svg", "figures/pieces-vs-width.svg", "figures/rmse-vs-width.svg"]))
    const readme = files.get("README.md") ?? ""
    expect(readme).toContain("Every trial stays within the bound width + 1")
    // the drawn width-2 net's kinks, as the table prints them, are those of its stored probe
    const runDir = box.onlyRun("a", "mlp-1d")
    const kinks = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* ResultStore
      const run = yield* store.load("mlp-1d", path.basename(runDir))
      const task = yield* Stored.probe(run, "sine-quadratic")
      return Kinks.find(task.probe.map(([x]) => x), run.probes.get("sine-quadratic/d1-w2/fold=0/seed=0")!.mean!)
    }).pipe(Effect.provide(ResultStore.layer(path.dirname(path.dirname(runDir))))))
    expect(readme).toContain(`| 1 hidden layer × 2 | ${kinks.length + 1} |`)
    for (const k of kinks) expect(readme).toContain(`${k.x.toFixed(2)} (`)
    const again = await box.gpnn(["report", "mlp-1d", ...box.dirs("a")])
    expect(again.code, again.stderr).toBe(0)
    expect(reportFiles(box.reportDir("a", "mlp-1d"))).toEqual(files)
  }, 60_000)
})
