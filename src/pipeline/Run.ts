/**
 * `gpnn run`: the whole pipeline as one Effect program. A validated spec becomes a study, the
 * study becomes trials, trials become rows in the result store (each saved the moment it
 * finishes), and the stored run becomes the report.
 *
 * Resuming: `--resume` picks the newest unfinished run of the experiment (or `--run <id>`),
 * checks that its spec hash matches, and runs only the trials with no stored result. Ctrl-C
 * interrupts the trials in flight; the manifest is marked "interrupted" and everything finished
 * is kept.
 */
import { Clock, DateTime, Effect, Exit } from "effect"
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
}

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
  if (options.resume) {
    manifest = yield* findResumable(experiment.name, options.runId)
    if (manifest.specHash !== specHash) {
      return yield* new ConfigError({
        field: "--resume",
        message: `run ${manifest.runId} was made with other parameters or seed (profile ${manifest.profile}, seed ${manifest.seed}); resume it with the same --profile/--seed/--set, or start a new run`
      })
    }
    done = new Set((yield* store.readTrials(experiment.name, manifest.runId)).map((r) => r.row.key))
  } else {
    const environment = yield* Environment.read
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
  const session: Session = { startedAt, jobs: executor.jobs, backend: backend.name, trialsRun: 0, status: "running" }
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
            return progress.advance(result.row)
          })
        ),
      { concurrency: executor.jobs, discard: true }
    ).pipe(Effect.onInterrupt(() => Effect.orDie(finish("interrupted"))))
  )
  if (Exit.isFailure(exit)) {
    yield* finish("failed")
    return yield* exit
  }
  yield* finish("complete")
  if (options.report) yield* Report.write(experiment, runId, options.reportsDir)
  return runId
})
