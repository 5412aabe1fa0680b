/**
 * The worker side of any executor as a command: `gpnn worker <trial-specs.json> --out <run-dir>`
 * reads serialised trial specs (what `Study.trials` produced, as a JSON array, or an object with a
 * `trials` array), runs each in this process with `TrialRunner.run`, and saves each result the
 * moment it ends under `<run-dir>/trials/` exactly as the driver's store does. Any process
 * launcher (a shell loop, Slurm, a container runner) can therefore drive gpnn: hand each worker
 * its share of the specs, point it at the run directory, and `gpnn report` reads the union.
 *
 * A job array shares one spec file among its tasks: `--task-index i --task-size k` runs specs
 * [i·k, (i+1)·k) only (the slurm executor passes `$SLURM_ARRAY_TASK_ID` as i).
 *
 * Gotchas: a spec file must hold specs of one run (the driver writes them); a trial whose result
 * is already stored is skipped, so a re-launched worker redoes only what is missing or failed (a
 * diverged trial is a result, and is kept), as `--resume` does.
 */
import { Effect, Schema } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ConfigError, StoreError } from "../core/Errors.ts"
import type { TrialResult } from "../results/Run.ts"
import * as Store from "../results/Store.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

/** The fields every spec must have to be run and stored; the rest is checked by the trial itself. */
const SpecShape = Schema.Struct({
  order: Schema.Number,
  key: Schema.String,
  runSeed: Schema.Number,
  fold: Schema.Number,
  seedIndex: Schema.Number,
  seed: Schema.Number,
  task: Schema.Struct({ name: Schema.String, spec: Schema.Unknown }),
  model: Schema.Struct({ id: Schema.String, family: Schema.String, config: Schema.Unknown }),
  split: Schema.Unknown
})

/** Reads and checks a trial-spec file: a JSON array of specs, or `{ "trials": [...] }`. */
export const readSpecs = Effect.fn("Worker.readSpecs")(function*(file: string) {
  const text = yield* Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) => new StoreError({ path: file, message: `cannot read the trial specs: ${String(cause)}` })
  })
  const json = yield* Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (cause) => new ConfigError({ field: "worker", message: `${file} is not JSON: ${String(cause)}` })
  })
  const list = Array.isArray(json) ? json : typeof json === "object" && json !== null && Array.isArray((json as { trials?: unknown }).trials) ? (json as { trials: Array<unknown> }).trials : undefined
  if (list === undefined) {
    return yield* new ConfigError({ field: "worker", message: `${file} holds no trial specs: expected a JSON array of specs or an object with a "trials" array (as the driver writes them)` })
  }
  for (const [i, item] of list.entries()) {
    const decoded = Schema.decodeUnknownExit(SpecShape)(item)
    if (decoded._tag === "Failure") {
      return yield* new ConfigError({ field: `worker.trials.${i}`, message: `${file}: trial spec ${i} is not a trial spec of gpnn: ${String(decoded.cause)}` })
    }
  }
  return list as ReadonlyArray<TrialSpec>
})

/** Task `index`'s share of the specs when each of an array's tasks runs `size` of them: [index·size, (index+1)·size). */
export const share = (specs: ReadonlyArray<TrialSpec>, index: number, size: number): Effect.Effect<ReadonlyArray<TrialSpec>, ConfigError> => {
  if (!Number.isInteger(size) || size < 1) return Effect.fail(new ConfigError({ field: "--task-size", message: `--task-size must be a whole number ≥ 1 (trials per task), got ${size}` }))
  const tasks = Math.ceil(specs.length / size)
  if (!Number.isInteger(index) || index < 0 || index >= tasks) {
    return Effect.fail(new ConfigError({ field: "--task-index", message: `--task-index must be a whole number from 0 to ${tasks - 1} (${specs.length} specs, ${size} a task), got ${index}` }))
  }
  return Effect.succeed(specs.slice(index * size, (index + 1) * size))
}

/** The trial files under `runDir` that hold a result (not a failure). */
const results = (runDir: string): Promise<Set<string>> =>
  fs.readdir(path.join(runDir, "trials")).catch(() => [] as Array<string>).then(async (names) => {
    const kept = await Promise.all(names.filter((n) => n.endsWith(".json")).map(async (name) => {
      const text = await fs.readFile(path.join(runDir, "trials", name), "utf8").catch(() => "")
      try {
        return (JSON.parse(text) as { row?: { status?: string } }).row?.status !== "failed" ? name : undefined
      } catch {
        return undefined
      }
    }))
    return new Set(kept.filter((n) => n !== undefined))
  })

/** Runs the specs one after another, saving each result under `runDir`; skips trials whose result is stored. */
export const runAll = Effect.fn("Worker.runAll")(function*(specs: ReadonlyArray<TrialSpec>, runDir: string, onResult: (result: TrialResult) => Effect.Effect<void> = () => Effect.void) {
  const stored = yield* Effect.promise(() => results(runDir))
  let ran = 0
  for (const spec of specs) {
    if (stored.has(Store.trialFile(spec.key))) continue
    const result = yield* TrialRunner.run(spec)
    yield* Store.saveTrialIn(runDir, result)
    yield* onResult(result)
    ran++
  }
  return { ran, skipped: specs.length - ran }
})
