/**
 * One trial through TrialRunner in-process: a good fit gives an ok row with metrics on the
 * original scale; an absurd learning rate gives a `diverged` row; a bad CSV a `failed` row that
 * names the line; and the result store round-trips rows in plan order.
 */
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as TrialRunner from "../src/pipeline/TrialRunner.ts"
import { ResultStore } from "../src/results/Store.ts"

const backend = NnBackend.layer("auto")
const runTrial = (trial: Study.TrialSpec) => Effect.runPromise(TrialRunner.run(trial).pipe(Effect.provide(backend)))

const mlp = (overrides: Record<string, unknown>): Study.ModelEntry => ({
  id: "mlp-w16",
  family: "mlp",
  axes: { width: 16 },
  config: { width: 16, depth: 1, activation: "tanh", optimizer: "adam", learningRate: 0.01, epochs: 30, batchSize: 32, ...overrides }
})

const study = (model: Study.ModelEntry, task: Study.TaskEntry = { name: "sine", spec: { task: "sine-quadratic", n: 120, noise: 0.1 } }): Study.Study => ({
  tasks: [task],
  split: { kind: "kfold", folds: 3 },
  models: [model],
  seeds: 1
})

describe("TrialRunner.run", () => {
  it("fits, scores on the original scale and fills AIC", async () => {
    const [trial] = Study.trials(study(mlp({})), Rng.make(1), () => true)
    const { row, curve } = await runTrial(trial)
    expect(row.status, row.error).toBe("ok")
    expect(row.nTrain + row.nTest).toBe(120)
    expect(row.metrics.rmse).toBeGreaterThan(0.05)
    expect(row.metrics.rmse).toBeLessThan(1.5)
    expect(row.metrics.k).toBe(16 + 16 + 16 + 1 + 1)
    expect(row.metrics.aic).toBeCloseTo(-2 * row.metrics.logLik + 2 * row.metrics.k, 9)
    expect(curve).toHaveLength(30)
    expect(curve![29].trainLoss).toBeLessThan(curve![0].trainLoss)
  })

  it("predicts at the task's probe points and keeps held-out predictions when asked", async () => {
    const probe = [[-2], [0], [2]]
    const task: Study.TaskEntry = { name: "sine", spec: { task: "sine-quadratic", n: 120, noise: 0.1 }, probe }
    const [trial] = Study.trials({ ...study(mlp({}), task), keepPredictions: true }, Rng.make(1), () => true)
    const { row, probe: atProbe, heldOut } = await runTrial(trial)
    expect(atProbe?.mean).toHaveLength(3)
    expect(atProbe?.variance).toHaveLength(3)
    expect(heldOut?.index).toHaveLength(row.nTest)
    const rmse = Math.sqrt(heldOut!.y.reduce((t, y, i) => t + (y - heldOut!.prediction.mean![i]) ** 2, 0) / row.nTest)
    expect(rmse).toBeCloseTo(row.metrics.rmse, 12)
  })

  it("records a diverged trial instead of failing the run", async () => {
    const [trial] = Study.trials(study(mlp({ optimizer: "sgd", learningRate: 1e12, activation: "relu" })), Rng.make(1), () => true)
    const { row } = await runTrial(trial)
    expect(row.status).toBe("diverged")
    expect(row.error).toContain("DivergenceError")
  })

  it("turns bad data into a failed row that names the line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-trial-"))
    const file = path.join(dir, "bad.csv")
    fs.writeFileSync(file, "x,y\n1,2\n2,oops\n3,4\n")
    const [trial] = Study.trials(study(mlp({}), { name: "csv", spec: { task: "csv", path: file, target: "y", kind: "regression" } }), Rng.make(1), () => true)
    const { row } = await runTrial(trial)
    expect(row.status).toBe("failed")
    expect(row.error).toMatch(/DataError.*line 3/)
  })

  it("rejects an unknown model family with the known ones", async () => {
    const [trial] = Study.trials(study({ id: "x", family: "forest", axes: {}, config: {} }), Rng.make(1), () => true)
    const { row } = await runTrial(trial)
    expect(row.status).toBe("failed")
    expect(row.error).toContain("known families: mlp")
  })
})

describe("ResultStore", () => {
  it("stores trials atomically and reads them back in plan order", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-store-"))
    const trials = Study.trials(study(mlp({})), Rng.make(1), () => true)
    const rows = trials.map((t) => TrialRunner.failedResult(t, "synthetic", "cpu"))
    const program = Effect.gen(function*() {
      const store = yield* ResultStore
      for (const r of [...rows].reverse()) yield* store.saveTrial("exp", "run1", r)
      yield* store.writeTables("exp", "run1")
      return yield* store.readTrials("exp", "run1")
    })
    const back = await Effect.runPromise(program.pipe(Effect.provide(ResultStore.layer(root))))
    expect(back.map((r) => r.row.key)).toEqual(trials.map((t) => t.key))
    const dir = path.join(root, "exp", "run1")
    expect(fs.readdirSync(path.join(dir, "trials")).some((f) => f.endsWith(".tmp"))).toBe(false)
    expect(fs.readFileSync(path.join(dir, "trials.csv"), "utf8").trim().split("\n")).toHaveLength(trials.length + 1)
  })
})
