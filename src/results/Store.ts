/**
 * The result store: `results/<experiment>/<run-id>/` holding `manifest.json`, one JSON file per
 * finished trial under `trials/`, and the tidy tables `trials.csv` and `curves.csv` rebuilt from
 * them. Every write is atomic (temporary file, then rename), so a run killed at any instant keeps
 * each finished trial intact and `--resume` redoes only the missing ones.
 *
 * Integrity: a run directory is created exclusively (`createRun`), so two runs never share one;
 * a process working on a run holds `lock.json` (pid, host, start) for as long as it does, so two
 * `--resume` of one run cannot both compute it; a lock left by a process that no longer exists on
 * this host is stale and taken over. A trial file is read only under its own key's name.
 *
 * When to use: the pipeline writes through it, the reports read `load` alone. Provide
 * `ResultStore.layer(root)`; tests point `root` at a temporary directory.
 */
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { ConfigError, StoreError } from "../core/Errors.ts"
import * as Csv from "./Csv.ts"
import type { FitWarning } from "../models/FitFacts.ts"
import { Manifest, type RunRecord, StoredTask, TrialResult, type TrialRow } from "./Run.ts"

let tmpCounter = 0

const writeAtomic = (file: string, content: string): Effect.Effect<void, StoreError> =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`
      await fs.writeFile(tmp, content)
      await fs.rename(tmp, file)
    },
    catch: (cause) => new StoreError({ path: file, message: `cannot write: ${String(cause)}` })
  })

const readText = (file: string): Effect.Effect<string, StoreError> =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) => new StoreError({ path: file, message: `cannot read: ${String(cause)}` })
  })

const listDir = (dir: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.promise(() => fs.readdir(dir).catch(() => [] as Array<string>)).pipe(Effect.map((names) => [...names].sort()))

const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, file: string) =>
  (text: string): Effect.Effect<S["Type"], StoreError> =>
    Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (cause) => new StoreError({ path: file, message: `not JSON: ${String(cause)}` })
    }).pipe(
      Effect.flatMap((json) => Schema.decodeUnknownEffect(schema)(json)),
      Effect.mapError((e) => e._tag === "StoreError" ? e : new StoreError({ path: file, message: `unexpected content: ${e.message}` }))
    ) as Effect.Effect<S["Type"], StoreError>

/** A trial key as a file name: `task/model/fold=1/seed=0` → `task__model__fold-1__seed-0.json`. */
export const trialFile = (key: string): string => key.replace(/\//g, "__").replace(/=/g, "-").replace(/[^A-Za-z0-9._-]/g, "_") + ".json"

const metricOrder = ["rmse", "nll", "r2", "accuracy", "logLoss", "auc", "trainRmse", "trainAccuracy", "trainAuc", "logLik", "k", "aic"]

/** A warning as one short CSV token: `AtBound(noise, lower)`, `Jitter`. */
const warningToken = (w: FitWarning): string => {
  const detail = [w.parameter, w.side].filter((x) => x !== undefined)
  return detail.length === 0 ? w.code : `${w.code}(${detail.join(", ")})`
}

/**
 * The tidy trial table: fixed columns, then axes, then metrics (known ones first), then the
 * fitted hyperparameters `hp.*` (scale the fit used), `info.*`, the warnings as tokens
 * (`AtBound(noise, lower); Jitter`; the sentences are in the trial JSON) and the error.
 */
export const trialTable = (rows: ReadonlyArray<TrialRow>): string => {
  const axes = [...new Set(rows.flatMap((r) => Object.keys(r.axes)))].sort()
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))]
    .sort((a, b) => (metricOrder.indexOf(a) + 1 || 99) - (metricOrder.indexOf(b) + 1 || 99) || a.localeCompare(b))
  const hyper = [...new Set(rows.flatMap((r) => (r.hyperparameters ?? []).map((h) => h.name)))]
  const info = [...new Set(rows.flatMap((r) => Object.keys(r.info)))].sort()
  const diagnosed = rows.some((r) => r.diagnosis !== undefined)
  const evidence = [...new Set(rows.flatMap((r) => Object.keys(r.diagnosis?.evidence ?? {})))].sort()
  const diagnosis = diagnosed ? ["diagnosis", "diagnosis_others", ...evidence.map((k) => `diagnosis.${k}`), "diagnosis_advice"] : []
  const columns = ["key", "task", "model", "family", ...axes, "fold", "seed_index", "seed", "status", "n_train", "n_test", ...metrics, "fit_s", ...hyper.map((k) => `hp.${k}`), ...info.map((k) => `info.${k}`), ...diagnosis, "warnings", "error"]
  return Csv.format(columns, rows.map((r) => ({
    key: r.key, task: r.task, model: r.model, family: r.family, ...r.axes,
    fold: r.fold, seed_index: r.seedIndex, seed: r.seed, status: r.status, n_train: r.nTrain, n_test: r.nTest,
    ...r.metrics, fit_s: r.fitSeconds,
    ...Object.fromEntries((r.hyperparameters ?? []).map((h) => [`hp.${h.name}`, h.value])),
    ...Object.fromEntries(Object.entries(r.info).map(([k, v]) => [`info.${k}`, v])),
    ...(r.diagnosis === undefined
      ? {}
      : {
        diagnosis: r.diagnosis.label,
        diagnosis_others: r.diagnosis.others.join("; "),
        ...Object.fromEntries(Object.entries(r.diagnosis.evidence).map(([k, v]) => [`diagnosis.${k}`, v])),
        diagnosis_advice: r.diagnosis.advice
      }),
    warnings: (r.warnings ?? []).map(warningToken).join("; "),
    error: r.error
  })))
}

const curveTable = (results: ReadonlyArray<TrialResult>): string =>
  Csv.format(
    ["key", "model", "fold", "seed_index", "epoch", "train_loss", "valid_loss"],
    results.flatMap(({ row, curve }) =>
      (curve ?? []).map((e) => ({ key: row.key, model: row.model, fold: row.fold, seed_index: row.seedIndex, epoch: e.epoch, train_loss: e.trainLoss, valid_loss: e.validLoss }))
    )
  )

/**
 * Saves one trial's result under a run directory (`<runDir>/trials/<key>.json`, atomically): what
 * the store does for the driver, and what `gpnn worker` does in any process a launcher started.
 */
export const saveTrialIn = (runDir: string, result: TrialResult): Effect.Effect<void, StoreError> =>
  writeAtomic(path.join(runDir, "trials", trialFile(result.row.key)), JSON.stringify(result) + "\n")

/** Who holds a run's lock: a process on a host, since when. */
export interface LockHolder {
  readonly pid: number
  readonly host: string
  readonly since: string
}

/** Whether process `pid` exists on this host (EPERM: it exists, under another user). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** A lock whose holder can be seen to be gone: on this host, and its process no longer exists. */
export const isStale = (holder: LockHolder): boolean => holder.host === os.hostname() && !alive(holder.pid)

/** The holder in words, for messages. */
export const describeHolder = (holder: LockHolder): string =>
  `process ${holder.pid} on ${holder.host === os.hostname() ? "this host" : `host ${holder.host}`} (since ${holder.since})`

const readHolder = (file: string): Promise<LockHolder | undefined> =>
  fs.readFile(file, "utf8").then(
    (text) => {
      try {
        const json = JSON.parse(text) as Partial<LockHolder>
        return typeof json.pid === "number" && typeof json.host === "string" ? { pid: json.pid, host: json.host, since: String(json.since) } : undefined
      } catch {
        return undefined
      }
    },
    () => undefined
  )

export class ResultStore extends Context.Service<ResultStore, {
  readonly root: string
  runDir(experiment: string, runId: string): string
  /** Creates a new run's directory; false when it exists already (exclusive, so ids never collide). */
  createRun(experiment: string, runId: string): Effect.Effect<boolean, StoreError>
  /**
   * Holds the run's lock for the enclosing scope. Fails with a ConfigError naming the holder when
   * a live process holds it; a stale lock (its process gone from this host) is taken over.
   */
  lock(experiment: string, runId: string): Effect.Effect<void, ConfigError | StoreError, Scope.Scope>
  /** The live holder of a run's lock; undefined when unlocked or the lock is stale. */
  lockHolder(experiment: string, runId: string): Effect.Effect<LockHolder | undefined>
  writeManifest(manifest: Manifest): Effect.Effect<void, StoreError>
  readManifest(experiment: string, runId: string): Effect.Effect<Manifest, StoreError>
  saveTrial(experiment: string, runId: string, result: TrialResult): Effect.Effect<void, StoreError>
  readTrials(experiment: string, runId: string): Effect.Effect<ReadonlyArray<TrialResult>, StoreError>
  /** Rebuilds trials.csv and curves.csv from the stored trials. */
  writeTables(experiment: string, runId: string): Effect.Effect<void, StoreError>
  writeExtra(experiment: string, runId: string, name: string, value: unknown): Effect.Effect<void, StoreError>
  /** Stores what a task's report needs (`tasks/<name>.json`), once per run. */
  writeTask(experiment: string, runId: string, task: StoredTask): Effect.Effect<void, StoreError>
  /** Run ids of an experiment, oldest first (ids start with their UTC start time). */
  runs(experiment: string): Effect.Effect<ReadonlyArray<string>>
  load(experiment: string, runId: string): Effect.Effect<RunRecord, StoreError>
}>()("gpnn/results/ResultStore") {
  static layer(root: string) {
    return Layer.succeed(ResultStore, makeFileStore(path.resolve(root)))
  }
}

const makeFileStore = (root: string): ResultStore["Service"] => {
  const runDir = (experiment: string, runId: string) => path.join(root, experiment, runId)
  const readManifest = (experiment: string, runId: string) => {
    const file = path.join(runDir(experiment, runId), "manifest.json")
    return readText(file).pipe(Effect.flatMap(decodeJson(Manifest, file)))
  }
  /** Every `*.json` file of a run's subfolder (trials, tasks, extras), in name order, through `read`. */
  const readEach = <A, E>(experiment: string, runId: string, folder: string, read: (file: string, name: string, text: string) => Effect.Effect<A, E>) => {
    const dir = path.join(runDir(experiment, runId), folder)
    return listDir(dir).pipe(
      Effect.flatMap((names) =>
        Effect.forEach(names.filter((n) => n.endsWith(".json")), (name) => {
          const file = path.join(dir, name)
          return readText(file).pipe(Effect.flatMap((text) => read(file, name, text)))
        })
      )
    )
  }
  const readTrials = (experiment: string, runId: string) =>
    readEach(experiment, runId, "trials", (file, name, text) =>
      decodeJson(TrialResult, file)(text).pipe(
        Effect.flatMap((result) =>
          trialFile(result.row.key) === name
            ? Effect.succeed(result)
            : Effect.fail(new StoreError({
              path: file,
              message: `holds the result of trial ${result.row.key}, which belongs in ${trialFile(result.row.key)}; a copied or renamed file would count one trial twice and another not at all. Remove ${name} (its trial re-runs on --resume)`
            }))
        )
      )).pipe(Effect.map((results) => [...results].sort((a, b) => a.row.order - b.row.order)))
  const readExtras = (experiment: string, runId: string) =>
    readEach(experiment, runId, "extras", (file, name, text) =>
      Effect.try({
        try: () => [name.replace(/\.json$/, ""), JSON.parse(text) as unknown] as const,
        catch: (cause) => new StoreError({ path: file, message: `not JSON: ${String(cause)}` })
      })).pipe(Effect.map((entries) => new Map(entries)))
  const readTasks = (experiment: string, runId: string) =>
    readEach(experiment, runId, "tasks", (file, _name, text) => decodeJson(StoredTask, file)(text)).pipe(
      Effect.map((tasks) => new Map(tasks.map((t) => [t.name, t] as const)))
    )
  const lockFile = (experiment: string, runId: string) => path.join(runDir(experiment, runId), "lock.json")
  const liveHolder = async (file: string): Promise<LockHolder | undefined> => {
    const holder = await readHolder(file)
    return holder === undefined || isStale(holder) ? undefined : holder
  }
  const acquire = (experiment: string, runId: string) => {
    const file = lockFile(experiment, runId)
    const mine: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() }
    return Effect.tryPromise({
      try: async (): Promise<LockHolder | undefined> => {
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await fs.writeFile(file, JSON.stringify(mine) + "\n", { flag: "wx" })
            return undefined
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
          }
          const holder = await readHolder(file)
          if (holder !== undefined && !isStale(holder)) return holder
          // Stale (or unreadable): move it aside under a name of our own, then try again.
          await fs.rename(file, `${file}.${process.pid}.stale`).catch(() => undefined)
          await fs.rm(`${file}.${process.pid}.stale`, { force: true })
        }
        return readHolder(file)
      },
      catch: (cause) => new StoreError({ path: file, message: `cannot take the run's lock: ${String(cause)}` })
    }).pipe(
      Effect.flatMap((holder) =>
        holder === undefined
          ? Effect.void
          : Effect.fail(new ConfigError({
            field: "--run",
            message: `run ${runId} of ${experiment} is being worked on by ${describeHolder(holder)}: two processes on one run would both compute its trials. Wait for it to finish; if that process is gone (another host cannot be checked from here), delete ${file}`
          }))
      )
    )
  }
  const release = (experiment: string, runId: string) =>
    Effect.promise(async () => {
      const file = lockFile(experiment, runId)
      const holder = await readHolder(file)
      if (holder?.pid === process.pid && holder.host === os.hostname()) await fs.rm(file, { force: true })
    })
  return ResultStore.of({
    root,
    runDir,
    createRun: (experiment, runId) =>
      Effect.tryPromise({
        try: async () => {
          await fs.mkdir(path.join(root, experiment), { recursive: true })
          try {
            await fs.mkdir(runDir(experiment, runId))
            return true
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "EEXIST") return false
            throw error
          }
        },
        catch: (cause) => new StoreError({ path: runDir(experiment, runId), message: `cannot create the run directory: ${String(cause)}` })
      }),
    lock: (experiment, runId) => Effect.acquireRelease(acquire(experiment, runId), () => release(experiment, runId)),
    lockHolder: (experiment, runId) => Effect.promise(() => liveHolder(lockFile(experiment, runId))),
    writeManifest: (manifest) =>
      writeAtomic(path.join(runDir(manifest.experiment, manifest.runId), "manifest.json"), JSON.stringify(manifest, null, 2) + "\n"),
    readManifest,
    saveTrial: (experiment, runId, result) => saveTrialIn(runDir(experiment, runId), result),
    readTrials,
    writeTables: (experiment, runId) =>
      readTrials(experiment, runId).pipe(
        Effect.flatMap((results) =>
          Effect.andThen(
            writeAtomic(path.join(runDir(experiment, runId), "trials.csv"), trialTable(results.map((r) => r.row))),
            writeAtomic(path.join(runDir(experiment, runId), "curves.csv"), curveTable(results))
          )
        )
      ),
    writeExtra: (experiment, runId, name, value) =>
      writeAtomic(path.join(runDir(experiment, runId), "extras", `${name}.json`), JSON.stringify(value, null, 2) + "\n"),
    writeTask: (experiment, runId, task) =>
      writeAtomic(path.join(runDir(experiment, runId), "tasks", trialFile(task.name)), JSON.stringify(task) + "\n"),
    runs: (experiment) =>
      listDir(path.join(root, experiment)).pipe(
        Effect.flatMap((names) =>
          Effect.filter(names, (name) => Effect.promise(() => fs.access(path.join(root, experiment, name, "manifest.json")).then(() => true, () => false)))
        )
      ),
    load: (experiment, runId) =>
      Effect.all({
        manifest: readManifest(experiment, runId),
        results: readTrials(experiment, runId),
        extras: readExtras(experiment, runId),
        tasks: readTasks(experiment, runId)
      }).pipe(
        Effect.map(({ manifest, results, extras, tasks }) => ({
          tasks,
          manifest,
          rows: results.map((r) => r.row),
          curves: new Map(results.filter((r) => r.curve !== undefined).map((r) => [r.row.key, r.curve!])),
          probes: new Map(results.filter((r) => r.probe !== undefined).map((r) => [r.row.key, r.probe!])),
          heldOut: new Map(results.filter((r) => r.heldOut !== undefined).map((r) => [r.row.key, r.heldOut!])),
          stages: new Map(results.filter((r) => r.stages !== undefined).map((r) => [r.row.key, r.stages!])),
          extras
        }))
      )
  })
}
