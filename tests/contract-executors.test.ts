/**
 * The executor contract: every registered executor (src/pipeline/Executor.ts) runs the same
 * trials to the same results as `TrialRunner.run` called directly, apart from timings, whatever
 * order they finish in; a trial that cannot fit becomes a `failed` row naming why, never an
 * executor failure. A new executor (a cluster one) is covered by registering it. Trials are handed
 * over as the pipeline hands them (`Executor.runAll`, into a run directory), so a batch executor
 * is held to its batch path. `slurm` runs on the private single-node cluster
 * (tests/support/slurmCluster.ts) and is skipped, saying why, only where that cannot start.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Registry from "../src/models/Registry.ts"
import * as Executor from "../src/pipeline/Executor.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Slurm from "../src/pipeline/Slurm.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as TrialRunner from "../src/pipeline/TrialRunner.ts"
import type { TrialResult } from "../src/results/Run.ts"
import * as Cluster from "./support/slurmCluster.ts"
import { timelessResult } from "./support/runRecord.ts"

const study: Study.Study = {
  tasks: [
    { name: "moons", spec: { task: "moons", n: 60, noise: 0.2 } },
    { name: "sine", spec: { task: "sine-quadratic", n: 40, noise: 0.2 }, probe: [[-1], [0], [1]] }
  ],
  split: { kind: "kfold", folds: 2 },
  seeds: 2,
  keepPredictions: true,
  models: [
    { id: "mlp", family: "mlp", axes: { width: 8 }, config: { width: 8, depth: 1, epochs: 3, batchSize: 16 } },
    { id: "nngp", family: "nngp", axes: {}, config: { depth: 1 } },
    // regression only: its trials on moons must come back as failed rows
    { id: "gp", family: "gp", axes: {}, config: { kernel: "rbf" } }
  ]
}
const plan = Study.trials(study, Rng.make(7), Registry.isStochastic)

/** Every executor gets the same options: 2 trials at once (slurm: an array of 2 at once, 4 trials a task). */
const runOn = (definition: Executor.Definition) =>
  Effect.gen(function*() {
    const executor = yield* Executor.Executor
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `gpnn-contract-${definition.name}-`))
    const byKey = new Map<string, TrialResult>()
    let delivered = 0
    yield* Executor.runAll(executor, plan, runDir, (result) =>
      Effect.sync(() => {
        delivered++
        byKey.set(result.row.key, result)
      }))
    fs.rmSync(runDir, { recursive: true, force: true })
    return { name: executor.name, jobs: executor.jobs, delivered, results: plan.map((t) => byKey.get(t.key)) }
  }).pipe(
    Effect.provide(definition.layer({ jobs: definition.jobs(2), backend: "auto", slurm: Effect.runSync(Slurm.options({ parallel: 2, perTask: 4, poll: 1 })) })),
    Effect.provide(NnBackend.layer("auto"))
  )

describe("every registered executor", () => {
  const direct = Effect.runPromise(Effect.forEach(plan, (trial) => TrialRunner.run(trial)).pipe(Effect.provide(NnBackend.layer("auto"))))

  it("the plan covers fits that succeed and fits that must fail", async () => {
    const results = await direct
    expect(results.filter((r) => r.row.status === "ok").length).toBeGreaterThan(0)
    const failed = results.filter((r) => r.row.status === "failed")
    expect(failed.map((r) => r.row.key).every((k) => k.startsWith("moons/gp/"))).toBe(true)
    expect(failed.length).toBe(2)
    expect(failed[0].row.error).toMatch(/ConfigError: .*regression tasks only/)
  }, 120_000)

  describe.each(Executor.executors.map((e) => [e.name, e] as const))("%s", (name, definition) => {
    // The cluster's first start may install Slurm from apt: minutes, hence the hook's own limit.
    let cluster: Cluster.Cluster | undefined
    beforeAll(async () => {
      if (name !== "slurm") return
      cluster = await Cluster.up()
      if (!cluster.up) console.warn(`skipping the slurm executor's contract: ${cluster.reason}`)
    }, 300_000)
    afterAll(() => (name === "slurm" ? Cluster.down() : undefined), 120_000)

    it("runs every trial to the result TrialRunner.run gives, once each, failures as rows", async (ctx) => {
      if (cluster !== undefined && !cluster.up) ctx.skip(cluster.reason)
      const outcome = await Effect.runPromise(runOn(definition))
      expect(outcome.name).toBe(name)
      expect(outcome.jobs).toBe(definition.jobs(2))
      expect(outcome.delivered).toBe(plan.length)
      const expected = await direct
      expect(outcome.results.map((r) => r === undefined ? undefined : timelessResult(r))).toEqual(expected.map(timelessResult))
    }, 180_000)
  })
})
