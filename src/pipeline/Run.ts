/**
 * `gpnn run`: the whole pipeline as one Effect program. A validated spec becomes a study, the
 * study becomes trials, trials become rows in the result store (each saved the moment it
 * finishes), and the stored run becomes the report.
 *
 * Resuming: `--resume` picks the newest unfinished run of the experiment (or `--run <id>`),
 * checks that its parameters, seed and code version match, and runs only the trials with no
 * stored result. A run made at another commit (or from a tree with other uncommitted changes)
 * is refused with a message naming both versions, since its rows would mix two codes; the
 * override `--allow-code-change` is recorded in the session. Ctrl-C interrupts the trials in
 * flight; the manifest is marked "interrupted" and everything finished is kept.
 */
import { Clock, Console, DateTime, Effect, Exit } from "effect"
import { createHash } from "node:crypto"
import { ConfigError, type StoreError } from "../core/Errors.ts"
import * as Models from "../models/Registry.ts"
import { NnBackend } from "../models/mlp/Backend.ts"
import * as Environment from "../results/Environment.ts"
import type { Manifest, RunStatus, Session } from "../results/Run.ts"
import { ResultStore } from "../results/Store.ts"
import { Executor } from "./Executor.ts"
import type * as Experiment from "./Experiment.ts"
import { resolve } from "./Experiment.ts"
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
  readonly runId?: string
  readonly report: boolean
  readonly reportsDir: string
  /** Resume a run made by another version of the code (recorded in the session). */
  readonly allowCodeChange?: boolean
  /**
   * For tests of interruption: after this many trials are stored, the process sends itself
   * SIGINT, so Ctrl-C is exercised through the real signal path at a known point.
   */
  readonly interruptAfter?: number
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

/** The run to resume: the one named, else the newest of this experiment that is not complete. */
const findResumable = Effect.fn("Run.findResumable")(function*(experiment: string, runId: string | undefined) {
  const store = yield* ResultStore
  if (runId !== undefined) return yield* store.readManifest(experiment, runId)
  const ids = yield* store.runs(experiment)
  for (const id of [...ids].reverse()) {
    const manifest = yield* store.readManifest(experiment, id)
    if (manifest.status !== "complete") return manifest
  }
  return yield* new ConfigError({ field: "--resume", message: `no unfinished run of ${experiment} under ${store.root}; start one without --resume` })
})

export const run = Effect.fn("Run.run")(function*(options: Options) {
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
  const specHash = hashSpec({ experiment: experiment.name, params, seed })
  const startedAt = DateTime.formatIso(yield* DateTime.now)
  const started = yield* Clock.currentTimeMillis

  let manifest: Manifest
  let done = new Set<string>()
  const environment = yield* Environment.read
  let codeChangeAllowed = false
  if (options.resume) {
    manifest = yield* findResumable(experiment.name, options.runId)
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
    done = new Set((yield* store.readTrials(experiment.name, manifest.runId)).map((r) => r.row.key))
  } else {
    manifest = {
      experiment: experiment.name,
      title: experiment.title,
      runId: options.runId ?? `${stamp(yield* DateTime.now)}-${profile}-s${seed}`,
      profile,
      seed,
      params,
      study,
      specHash,
      trialCount: plan.length,
      ...environment,
      status: "running",
      sessions: []
    }
  }
  const pending = plan.filter((t) => !done.has(t.key))
  const session: Session = {
    startedAt,
    jobs: executor.jobs,
    executor: executor.name,
    backend: backend.name,
    git: environment.git,
    ...(codeChangeAllowed ? { codeChangeAllowed } : {}),
    trialsRun: 0,
    status: "running"
  }
  const runId = manifest.runId
  yield* store.writeManifest({ ...manifest, status: "running", sessions: [...manifest.sessions, session] })

  let trialsRun = 0
  const finish = (status: RunStatus): Effect.Effect<void, StoreError> =>
    Effect.gen(function*() {
      yield* progress.finish()
      yield* store.writeTables(experiment.name, runId)
      const wallSeconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      const closed: Session = { ...session, finishedAt: DateTime.formatIso(yield* DateTime.now), wallSeconds, trialsRun, status }
      yield* store.writeManifest({ ...manifest, status, sessions: [...manifest.sessions, closed] })
    })

  // What the report will need of each task (probes, truth, data when kept), stored before any trial.
  for (const task of study.tasks) yield* store.writeTask(experiment.name, runId, yield* TrialRunner.storedTask(seed, task, study.split))

  yield* progress.start(plan.length, done.size)
  const exit = yield* Effect.exit(
    Effect.forEach(
      pending,
      (trial) =>
        executor.run(trial).pipe(
          Effect.tap((result) => store.saveTrial(experiment.name, runId, result)),
          Effect.tap((result) => {
            trialsRun++
            if (trialsRun === options.interruptAfter) process.kill(process.pid, "SIGINT")
            return progress.advance(result.row)
          })
        ),
      { concurrency: executor.jobs, discard: true }
    ).pipe(Effect.onInterrupt(() =>
      Effect.orDie(finish("interrupted")).pipe(
        Effect.andThen(Console.error(`interrupted: ${done.size + trialsRun} of ${plan.length} trials are stored in ${store.runDir(experiment.name, runId)}; finish them with: gpnn run ${experiment.name} --resume --run ${runId}${profile === "default" ? "" : ` --profile ${profile}`}`))
      )
    ))
  )
  if (Exit.isFailure(exit)) {
    yield* finish("failed")
    return yield* Effect.failCause(exit.cause)
  }
  yield* finish("complete")
  if (options.report) yield* Report.write(experiment, runId, options.reportsDir)
  return runId
})
