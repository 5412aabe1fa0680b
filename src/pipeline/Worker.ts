/**
 * The worker side of any executor as a command: `gpnn worker <trial-specs.json> --out <run-dir>`
 * reads serialised trial specs (what `Study.trials` produced, as a JSON array, or an object with a
 * `trials` array), runs each in this process with `TrialRunner.run`, and saves each result the
 * moment it ends under `<run-dir>/trials/` exactly as the driver's store does. Any process
 * launcher (a shell loop, Slurm, a container runner) can therefore drive gpnn: hand each worker
 * its share of the specs, point it at the run directory, and `gpnn report` reads the union.
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
