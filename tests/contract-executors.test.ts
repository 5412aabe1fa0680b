/**
 * The executor contract: every registered executor (src/pipeline/Executor.ts) runs the same
 * trials to the same results as `TrialRunner.run` called directly, apart from timings, whatever
 * order they finish in; a trial that cannot fit becomes a `failed` row naming why, never an
 * executor failure. A new executor (a cluster one) is covered by registering it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Registry from "../src/models/Registry.ts"
import * as Executor from "../src/pipeline/Executor.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as TrialRunner from "../src/pipeline/TrialRunner.ts"
import type { TrialResult } from "../src/results/Run.ts"

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

/** A result without what measures time. */
const timeless = (r: TrialResult) => ({
  ...r,
  row: { ...r.row, fitSeconds: 0, info: Object.fromEntries(Object.entries(r.row.info).filter(([k]) => !k.endsWith("Seconds"))) }
})

const runOn = (definition: Executor.Definition) =>
  Effect.gen(function*() {
    const executor = yield* Executor.Executor
    const results = yield* Effect.forEach(plan, (trial) => executor.run(trial), { concurrency: executor.jobs })
    return { name: executor.name, jobs: executor.jobs, results }
  }).pipe(Effect.provide(definition.layer({ jobs: definition.jobs(2), backend: "auto" })), Effect.provide(NnBackend.layer("auto")))

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
    it.live("runs every trial to the result TrialRunner.run gives, in plan order, failures as rows", () =>
      Effect.gen(function*() {
        const outcome = yield* runOn(definition)
        expect(outcome.name).toBe(name)
        expect(outcome.jobs).toBe(definition.jobs(2))
        const expected = yield* Effect.promise(() => direct)
        expect(outcome.results.map(timeless)).toEqual(expected.map(timeless))
      }), 180_000)
  })
})
