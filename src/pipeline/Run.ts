/**
 * `gpnn run`: the whole pipeline as one Effect program. A validated spec becomes a study, the
 * study becomes trials, trials become rows in the result store (each saved the moment it
 * finishes), and the stored run becomes the report.
 *
 * Adaptive searches (`Study.searches`) run after the fixed trials, round by round: each round is
 * proposed from the stored results of the earlier rounds (`Adaptive.ts`), so a resumed run, or one
 * with other `--jobs`, proposes exactly what an uninterrupted one does.
 *
 * Resuming: `--resume` picks the newest unfinished run of the experiment that no live process
 * holds (or `--run <id>`), checks that its parameters, seed, code version and input files match,
 * and runs the trials with no stored result and those that failed (a diverged trial is a result
 * and is kept). A run made at another commit (or from a tree with other uncommitted changes) is
 * refused with a message naming both versions, since its rows would mix two codes; the override
 * `--allow-code-change` is recorded in the session. Ctrl-C (or SIGTERM) interrupts the trials in
 * flight; the manifest is marked "interrupted" and everything finished is kept. The pending trials
 * go to the executor through `Executor.runAll`: one at a time per worker, or, for a batch executor
 * (`--executor slurm`), all at once as a job array, which an interruption cancels.
 *
 * Integrity: a new run gets a directory of its own (its id holds the start time and the process
 * id, created exclusively), and `--run <id>` of an existing run without `--resume` is refused; the
 * run's lock is held while it runs; sizes are checked against the machine's memory before any
 * work (Limits.ts); a run with a trial that failed on its data or configuration, or whose trials
 * all failed, ends "failed" with the first failure in the manifest and a non-zero exit.
 */
import { Clock, Console, DateTime, Effect, Exit } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { ConfigError, RunFailedError, type StoreError } from "../core/Errors.ts"
import * as Models from "../models/Registry.ts"
import { NnBackend } from "../models/mlp/Backend.ts"
import * as Environment from "../results/Environment.ts"
import type { Input, Manifest, RunFailure, RunStatus, Session, TrialResult } from "../results/Run.ts"
import { describeHolder, type LockHolder, ResultStore } from "../results/Store.ts"
import * as Adaptive from "./Adaptive.ts"
import { Executor, runAll as runTrials } from "./Executor.ts"
import type * as Experiment from "./Experiment.ts"
import { resolve } from "./Experiment.ts"
import * as Limits from "./Limits.ts"
import { Progress } from "./Progress.ts"
import { Rng } from "./Rng.ts"
import * as Report from "./Report.ts"
import * as Study from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

export interface Options {
  readonly experiment: Experiment.Any
  readonly profile: Experiment.Profile
  readonly overrides: ReadonlyArray<string>
  readonly resume: boolean
  readonly runId?: string | undefined
  readonly report: boolean
  /** Undefined: reports/<name>/ for the default profile, reports/.scratch/<name>-<profile>/ otherwise (Report.directory). */
  readonly reportsDir: string | undefined
  /** Resume a run made by another version of the code (recorded in the session). */
  readonly allowCodeChange?: boolean
  /**
   * For tests of interruption: after this many trials are stored, the process sends itself
   * SIGINT, so Ctrl-C is exercised through the real signal path at a known point.
   */
  readonly interruptAfter?: number | undefined
}

/** What differs between a stored run's parameters and seed and those asked for now, in words. */
const specDifferences = (manifest: Manifest, params: Readonly<Record<string, unknown>>, seed: number, profile: string): Array<string> => {
  const out: Array<string> = []
  if (manifest.seed !== seed) out.push(`seed ${manifest.seed} → ${seed}`)
  if (manifest.profile !== profile) out.push(`profile ${manifest.profile} → ${profile}`)
  for (const key of [...new Set([...Object.keys(manifest.params), ...Object.keys(params)])].sort()) {
    const before = JSON.stringify(manifest.params[key])
    const now = JSON.stringify(params[key])
    if (before !== now) out.push(`${key} ${before ?? "(absent)"} → ${now ?? "(absent)"}`)
  }
  return out
}

/** The code version of a manifest or session, in words. */
const describeCode = (git: Environment.Git): string =>
  `${git.commit.slice(0, 12)}${git.dirty ? ` with uncommitted changes${git.diffHash === undefined ? "" : ` (diff ${git.diffHash})`}` : ""}`

const sameCode = (a: Environment.Git, b: Environment.Git): boolean =>
  a.commit === b.commit && a.dirty === b.dirty && (a.diffHash ?? "") === (b.diffHash ?? "")

const hashSpec = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)

const stamp = (now: DateTime.Utc): string => DateTime.formatIso(now).replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "")

/** A run's status as a user should read it: "running" with no live lock holder was killed (kill -9, a crash) and is interrupted. */
export const effectiveStatus = (manifest: Manifest, holder: LockHolder | undefined): RunStatus =>
  manifest.status === "running" && holder === undefined ? "interrupted" : manifest.status

/** The run ids of an experiment with their status, for messages and `gpnn runs`. */
export const listRuns = Effect.fn("Run.listRuns")(function*(experiment: string) {
  const store = yield* ResultStore
  const out: Array<{ readonly runId: string; readonly status: RunStatus; readonly stored: number; readonly trialCount: number; readonly holder: LockHolder | undefined }> = []
  for (const runId of yield* store.runs(experiment)) {
    const manifest = yield* store.readManifest(experiment, runId)
    const holder = yield* store.lockHolder(experiment, runId)
    const stored = (yield* Effect.promise(() => fs.readdir(path.join(store.runDir(experiment, runId), "trials")).catch(() => [] as Array<string>))).filter((n) => n.endsWith(".json")).length
    out.push({ runId, status: effectiveStatus(manifest, holder), stored, trialCount: manifest.trialCount, holder })
  }
  return out
})

/** One line per run: id, status, trials stored, and who works on it. */
export const describeRuns = (runs: Effect.Success<ReturnType<typeof listRuns>>): Array<string> =>
  runs.map((r) => `${r.runId}  ${r.status}${r.status === "interrupted" || r.status === "failed" ? " (resumable)" : ""}  ${r.stored}/${r.trialCount} trials stored${r.holder === undefined ? "" : `  locked by ${describeHolder(r.holder)}`}`)

/** The manifest of run `runId`, or a ConfigError that lists the runs there are. */
export const findRun = Effect.fn("Run.findRun")(function*(experiment: string, runId: string) {
  const store = yield* ResultStore
  const ids = yield* store.runs(experiment)
  if (!ids.includes(runId)) {
    const runs = yield* listRuns(experiment)
    return yield* new ConfigError({
      field: "--run",
      message: `no run ${runId} of ${experiment} under ${store.root}. ${runs.length === 0 ? "There are no runs of it yet." : `Its runs:\n  ${describeRuns(runs).join("\n  ")}`}`
    })
  }
  return yield* store.readManifest(experiment, runId)
})

/** The run to resume: the one named, else the newest of this experiment that is not complete and not locked by a live process. */
const findResumable = Effect.fn("Run.findResumable")(function*(experiment: string, runId: string | undefined) {
  const store = yield* ResultStore
  if (runId !== undefined) return yield* findRun(experiment, runId)
  const ids = yield* store.runs(experiment)
  const busy: Array<string> = []
  for (const id of [...ids].reverse()) {
    const manifest = yield* store.readManifest(experiment, id)
    if (manifest.status === "complete") continue
    const holder = yield* store.lockHolder(experiment, id)
    if (holder !== undefined) {
      busy.push(`${id} (worked on by ${describeHolder(holder)})`)
      continue
    }
    return manifest
  }
  return yield* new ConfigError({
    field: "--resume",
    message: `no unfinished run of ${experiment} under ${store.root} is free to resume${busy.length === 0 ? "" : `; skipped, being worked on: ${busy.join(", ")}`}; start one without --resume`
  })
})

/** sha256 of each file a task reads (CSV `path`), with its rows and columns for the size limits. */
const readInputs = (study: Study.Study) =>
  Effect.promise(async () => {
    const inputs: Array<Input> = []
    const sizes = new Map<string, Limits.TaskSize>()
    for (const task of study.tasks) {
      if (task.spec.task !== "csv") {
        const size = Limits.taskSize(task.spec)
        if (size !== undefined) sizes.set(task.name, size)
        continue
      }
      const file = task.spec.path
      const bytes = await fs.readFile(file).catch(() => undefined)
      if (bytes === undefined) {
        inputs.push({ task: task.name, path: file })
        continue
      }
      inputs.push({ task: task.name, path: file, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length })
      const text = bytes.toString("utf8")
      const lines = text.split("\n").filter((l) => l.trim() !== "")
      sizes.set(task.name, { n: Math.max(0, lines.length - 1), d: Math.max(1, (lines[0] ?? "").split(",").length - 1) })
    }
    return { inputs, sizes }
  })

/**
 * Inputs that changed since the run started. A change is refused while the run holds results
 * computed from the file (rows would mix two data sets); when every stored trial of its task
 * failed, the change is the fix the user made, and is taken.
 */
const checkInputs = (manifest: Manifest, now: ReadonlyArray<Input>, stored: ReadonlyArray<TrialResult>): Effect.Effect<ReadonlyArray<string>, ConfigError> => {
  const changed: Array<string> = []
  for (const before of manifest.inputs ?? []) {
    const after = now.find((i) => i.task === before.task && i.path === before.path)
    if (after === undefined || after.sha256 === before.sha256) continue
    const used = stored.filter((r) => r.row.task === before.task && r.row.status !== "failed")
    const describe = (i: Input | undefined) => (i?.sha256 === undefined ? "unreadable" : `sha256 ${i.sha256.slice(0, 12)}…`)
    if (used.length > 0) {
      return Effect.fail(new ConfigError({
        field: "--resume",
        message: `${before.path} (task ${before.task}) changed since run ${manifest.runId} started (${describe(before)} → ${describe(after)}), and ${used.length} stored trial(s) were computed from the old file: resuming would mix two data sets. Restore the file, or start a new run`
      }))
    }
    changed.push(`${before.path}: ${describe(before)} → ${describe(after)}`)
  }
  return Effect.succeed(changed)
}

/** The failure that makes a run no result: a data or config failure, or every trial failed. */
const runFailure = (results: ReadonlyArray<TrialResult>): RunFailure | undefined => {
  const failed = results.filter((r) => r.row.status === "failed")
  const fatal = failed.find((r) => r.row.failure === "data" || r.row.failure === "config")
  const first = fatal ?? (failed.length > 0 && failed.length === results.length ? failed[0] : undefined)
  if (first === undefined) return undefined
  return { failed: failed.length, key: first.row.key, ...(first.row.failure === undefined ? {} : { kind: first.row.failure }), error: first.row.error ?? "no message" }
}

/** A manifest as a new session opens it: a failure recorded by an earlier session no longer stands. */
const withoutFailure = (manifest: Manifest): Manifest => {
  const { failure, ...rest } = manifest
  return failure === undefined ? manifest : rest
}

/** The id of a new run: its start time, profile and seed, and this process, so two runs started in one second differ. */
const newRunId = (now: DateTime.Utc, profile: string, seed: number): string => `${stamp(now)}-${profile}-s${seed}-p${process.pid}`

const runScoped = Effect.fn("Run.run")(function*(options: Options) {
  const { experiment, profile } = options
  const store = yield* ResultStore
  const executor = yield* Executor
  const backend = yield* NnBackend
  const progress = yield* Progress
  const params = yield* resolve(experiment, profile, options.overrides)
  const rng = yield* Rng
  const seed = rng.runSeed
  const study = experiment.study(params)
  const plan = Study.trials(study, rng, Models.isStochastic)
  yield* Adaptive.check(study, Study.foldCount(study.split))
  // Every trial the run will store: the fixed ones and each adaptive search's budget.
  const planned = plan.length + Adaptive.trialCount(study)
  const specHash = hashSpec({ experiment: experiment.name, params, seed })
  const startedAt = DateTime.formatIso(yield* DateTime.now)
  const started = yield* Clock.currentTimeMillis
  const { inputs, sizes } = yield* readInputs(study)
  // Sizes are checked before anything is created or computed.
  // A batch executor (a cluster array) runs each trial in an allocation of its own, not beside the others here.
  const concurrentHere = executor.runAll === undefined ? Math.max(1, Math.min(executor.jobs, planned)) : 1
  yield* Limits.check(study, params, sizes, executor.memory === undefined
    ? { memory: os.totalmem(), concurrent: concurrentHere }
    : { memory: executor.memory.bytes, concurrent: 1, where: executor.memory.where })
  const resumeHint = (id: string) => `gpnn run ${experiment.name} --resume --run ${id}${profile === "default" ? "" : ` --profile ${profile}`}`

  let manifest: Manifest
  let stored: ReadonlyArray<TrialResult> = []
  const environment = yield* Environment.read
  let codeChangeAllowed = false
  let inputsChanged: ReadonlyArray<string> = []
  if (options.resume) {
    const found = yield* findResumable(experiment.name, options.runId)
    yield* store.lock(experiment.name, found.runId)
    // Read again under the lock: the process that held it may have finished the run meanwhile.
    manifest = yield* store.readManifest(experiment.name, found.runId)
    if (manifest.specHash !== specHash) {
      const differences = specDifferences(manifest, params, seed, profile)
      return yield* new ConfigError({
        field: "--resume",
        message: `run ${manifest.runId} was made with other parameters or seed: ${differences.length > 0 ? differences.join("; ") : "its spec hash differs"}. Resume it with the same --profile/--seed/--set, or start a new run`
      })
    }
    const madeWith = manifest.sessions.at(-1)?.git ?? manifest.git
    if (!sameCode(madeWith, environment.git)) {
      if (options.allowCodeChange !== true) {
        return yield* new ConfigError({
          field: "--resume",
          message: `run ${manifest.runId} was made by code at ${describeCode(madeWith)}, but this is ${describeCode(environment.git)}: resuming would mix rows of two versions. Start a new run, check out ${madeWith.commit.slice(0, 12)}, or pass --allow-code-change to resume anyway (recorded in the manifest)`
        })
      }
      codeChangeAllowed = true
    }
    stored = yield* store.readTrials(experiment.name, manifest.runId)
    inputsChanged = yield* checkInputs(manifest, inputs, stored)
  } else {
    if (options.runId !== undefined && !(yield* store.createRun(experiment.name, options.runId))) {
      return yield* new ConfigError({
        field: "--run",
        message: `run ${options.runId} of ${experiment.name} exists already under ${store.root}; its trials would mix with this run's. Continue it with --resume --run ${options.runId}, or choose another id`
      })
    }
    let runId = options.runId ?? newRunId(yield* DateTime.now, profile, seed)
    // The same process starting two runs in one second (tests, embedding) takes the next free suffix.
    for (let k = 2; options.runId === undefined && !(yield* store.createRun(experiment.name, runId)); k++) {
      runId = `${newRunId(yield* DateTime.now, profile, seed)}-${k}`
    }
    yield* store.lock(experiment.name, runId)
    manifest = {
      experiment: experiment.name,
      title: experiment.title,
      runId,
      profile,
      seed,
      params,
      study,
      specHash,
      trialCount: planned,
      ...environment,
      status: "running",
      inputs,
      sessions: []
    }
  }
  // Failed trials are not results: they run again (a diverged one is a result, and is kept).
  const done = new Set(stored.filter((r) => r.row.status !== "failed").map((r) => r.row.key))
  const pending = plan.filter((t) => !done.has(t.key))
  const toRun = pending.length + Adaptive.trialCount(study) - (done.size - (plan.length - pending.length))
  const concurrency = Math.max(1, Math.min(executor.jobs, toRun))
  if (concurrency < executor.jobs && executor.runAll === undefined) yield* Console.error(`note: ${toRun} trial(s) to run, so ${concurrency} at once rather than --jobs ${executor.jobs}`)

  const session: Session = {
    startedAt,
    jobs: concurrency,
    executor: executor.name,
    backend: backend.name,
    git: environment.git,
    ...(codeChangeAllowed ? { codeChangeAllowed } : {}),
    ...(inputsChanged.length > 0 ? { inputsChanged: [...inputsChanged] } : {}),
    trialsRun: 0,
    status: "running"
  }
  const runId = manifest.runId
  manifest = withoutFailure({ ...manifest, ...(inputsChanged.length > 0 ? { inputs } : {}) })
  yield* store.writeManifest({ ...manifest, status: "running", sessions: [...manifest.sessions, session] })

  let trialsRun = 0
  const finish = (status: RunStatus, failure?: RunFailure): Effect.Effect<void, StoreError> =>
    Effect.gen(function*() {
      yield* progress.finish()
      yield* store.writeTables(experiment.name, runId)
      const wallSeconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      const closed: Session = { ...session, finishedAt: DateTime.formatIso(yield* DateTime.now), wallSeconds, trialsRun, status }
      yield* store.writeManifest({ ...manifest, status, ...(failure === undefined ? {} : { failure }), sessions: [...manifest.sessions, closed] })
    })

  // What the report will need of each task (probes, truth, data when kept), stored before any trial.
  for (const task of study.tasks) yield* store.writeTask(experiment.name, runId, yield* TrialRunner.storedTask(seed, task, study.split))

  yield* progress.start(planned, done.size)
  // The results so far by key: adaptive searches propose each round from those of earlier rounds.
  const sofar = new Map(stored.map((r) => [r.row.key, r]))
  const runAll = (trials: ReadonlyArray<Study.TrialSpec>) =>
    runTrials(executor, trials.filter((t) => !done.has(t.key)), store.runDir(experiment.name, runId), (result) =>
      store.saveTrial(experiment.name, runId, result).pipe(
        Effect.andThen(Effect.suspend(() => {
          trialsRun++
          sofar.set(result.row.key, result)
          if (trialsRun === options.interruptAfter) process.kill(process.pid, "SIGINT")
          return progress.advance(result.row)
        }))
      ))
  const exit = yield* Effect.exit(
    Effect.gen(function*() {
      yield* runAll(pending)
      for (let round = 0; ; round++) {
        const trials = yield* Adaptive.round(study, round, sofar, rng, plan.length)
        if (trials.length === 0) break
        yield* runAll(trials)
      }
    }).pipe(Effect.onInterrupt(() =>
      Effect.orDie(finish("interrupted")).pipe(
        Effect.andThen(Console.error(`interrupted: ${done.size + trialsRun} of ${planned} trials are stored in ${store.runDir(experiment.name, runId)}; finish them with: ${resumeHint(runId)}`))
      )
    ))
  )
  if (Exit.isFailure(exit)) {
    yield* finish("failed")
    return yield* Effect.failCause(exit.cause)
  }
  const results = yield* store.readTrials(experiment.name, runId)
  const failure = runFailure(results)
  if (failure !== undefined) {
    yield* finish("failed", failure)
    return yield* new RunFailedError({
      runId,
      message: `run ${runId} of ${experiment.name} failed: ${failure.failed} of ${planned} trials failed${failure.kind === "data" || failure.kind === "config" ? ` (a ${failure.kind} error fails the run)` : " (every trial)"}; the first, ${failure.key}: ${failure.error}. No report was written. Fix the cause, then re-run the failed trials with: ${resumeHint(runId)}`
    })
  }
  yield* finish("complete")
  const failed = results.filter((r) => r.row.status === "failed")
  if (failed.length > 0) yield* Console.error(`note: ${failed.length} of ${planned} trials failed (the first, ${failed[0].row.key}: ${failed[0].row.error}); they re-run with: ${resumeHint(runId)}`)
  if (options.report) yield* Report.write(experiment, runId, options.reportsDir)
  return runId
})

/** Runs (or resumes) an experiment, holding the run's lock throughout; returns the run id. */
export const run = (options: Options) => Effect.scoped(runScoped(options))
