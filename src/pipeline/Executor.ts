/**
 * Where trials run, as a choice (`--executor`), each declared once in `executors` below:
 * `inline` runs one trial at a time on a single worker thread beside the driver; `threads` keeps
 * up to `jobs` worker threads, each with its own tfjs backend, and hands each a trial at a time
 * (a worker is started when a trial first needs it, so a run of 3 trials starts 3); a worker whose
 * trial runs alone uses a second core for it (the pool keeps a count of running trials that the
 * workers read, see linalg/WorkShare.ts), without changing any result. The driver's
 * own thread never runs a fit: a GP or SMO fit is synchronous and would block the event loop for
 * its whole length, so Ctrl-C or SIGTERM would wait for it; with the fit on a worker, the driver
 * answers a signal at once, terminates the workers and marks the run interrupted. Every executor runs
 * the same `TrialRunner.run`, and a trial's result depends only on its spec, so every executor
 * and any `--jobs` give the same rows (only the timings differ); tests/contract-executors.test.ts
 * holds each registered executor to that. `slurm` submits a run's pending trials as one Slurm job
 * array whose tasks run `gpnn worker <trial-specs.json> --out <run-dir>` (src/pipeline/Worker.ts)
 * on the cluster's nodes, and follows it from the driver (src/pipeline/Slurm.ts).
 *
 * Batches: an executor that submits many trials at once (a cluster array) offers `runAll` beside
 * `run`; `runAll` below is how the pipeline hands over a run's pending trials, using the
 * executor's `runAll` when it has one and `run` per trial, `jobs` at once, otherwise.
 *
 * Gotchas: a worker that dies mid-trial (out of memory, a crash in native code) turns that trial
 * into a `failed` row and is replaced; interrupting the run (Ctrl-C) terminates the workers, and
 * trials already saved stay saved; for `slurm`, it cancels the array (`scancel`).
 */
import { Context, Effect, Layer, Queue, Scope } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import type { ConfigError, SchedulerError } from "../core/Errors.ts"
import type { BackendName } from "../models/mlp/Backend.ts"
import { NnBackend } from "../models/mlp/Backend.ts"
import type { TrialResult } from "../results/Run.ts"
import * as Slurm from "./Slurm.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

export class Executor extends Context.Service<Executor, {
  /** As `--executor` names it (recorded with each session). */
  readonly name: string
  readonly jobs: number
  /**
   * The memory each trial runs in when it is not this machine's (a cluster allocation), with words
   * for it; the size check (`Limits`) plans with it. Absent: this machine's memory, shared by `jobs`.
   */
  readonly memory?: { readonly bytes: number; readonly where: string }
  /** Runs one trial. Never fails: a failure is a row with status "failed" or "diverged". */
  run(trial: TrialSpec): Effect.Effect<TrialResult>
  /**
   * Optional, for executors that run many trials as one batch outside this process (a cluster
   * array): runs `trials` of the run stored at `runDir` (where the batch's processes save their
   * results), calling `onResult` with each result as it becomes known, in any order. Fails only
   * when the batch cannot be submitted; a trial that fails is a failed row, as with `run`.
   */
  readonly runAll?: <E>(
    trials: ReadonlyArray<TrialSpec>,
    runDir: string,
    onResult: (result: TrialResult) => Effect.Effect<void, E>
  ) => Effect.Effect<void, E | ConfigError | SchedulerError>
}>()("gpnn/pipeline/Executor") {
  /**
   * Trials on the calling thread, one at a time, for tests and embedding (a program that provides
   * its own NnBackend). Not offered by the CLI: a synchronous fit here holds the event loop, so an
   * interruption waits for the fit to end.
   */
  static readonly inProcess: Layer.Layer<Executor, never, NnBackend> = Layer.effect(
    Executor,
    Effect.map(Effect.context<NnBackend>(), (context) =>
      Executor.of({ name: "in-process", jobs: 1, run: (trial) => Effect.provideContext(TrialRunner.run(trial), context) }))
  )

  /** Up to `jobs` worker threads, started as trials need them; `name` is recorded with each session. */
  static workers(jobs: number, backend: BackendName, name = "threads"): Layer.Layer<Executor> {
    return Layer.effect(Executor, makePool(jobs, backend, name))
  }
}

/** What an executor is given: how many trials at once, and which tfjs backend its processes select. */
export interface Options {
  readonly jobs: number
  readonly backend: BackendName
  /** The `--slurm-*` options (validated by `Slurm.options`); the slurm executor's defaults when absent. */
  readonly slurm?: Slurm.Options | undefined
}

/** An executor as the CLI offers it. */
export interface Definition {
  readonly name: string
  readonly description: string
  /** The jobs it actually runs at once for `requested` (inline always runs one). */
  readonly jobs: (requested: number) => number
  /** Fails (slurm only) when what the executor needs is missing, e.g. the Slurm commands. */
  readonly layer: (options: Options) => Layer.Layer<Executor, ConfigError, NnBackend>
}

export const executors: ReadonlyArray<Definition> = [
  {
    name: "inline",
    description: "one trial at a time, on one worker thread (debugging, tests)",
    jobs: () => 1,
    layer: (options) => Executor.workers(1, options.backend, "inline")
  },
  {
    name: "threads",
    description: "--jobs worker threads on this machine, each with its own tfjs backend",
    jobs: (requested) => requested,
    layer: (options) => Executor.workers(options.jobs, options.backend)
  },
  {
    name: "slurm",
    description: "a Slurm job array (sbatch) on the cluster's nodes, results on the shared filesystem; see --slurm-*",
    jobs: (requested) => requested,
    layer: (options) => Layer.effect(Executor, slurm(options))
  }
]

export const names = executors.map((e) => e.name)

/** The executor called `name`; "auto" is inline for one job and threads otherwise. */
export const choose = (name: string, jobs: number): Definition | undefined =>
  executors.find((e) => e.name === (name === "auto" ? (jobs === 1 ? "inline" : "threads") : name))

const workerUrl = new URL("./TrialWorker.ts", import.meta.url)

/** `running`: the pool's count of trials running now, which each worker's `WorkShare` reads. */
const spawn = (backend: BackendName, running: SharedArrayBuffer) =>
  Effect.acquireRelease(
    Effect.sync(() => new Worker(workerUrl, { workerData: { backend, running } })),
    (worker) => Effect.promise(() => worker.terminate())
  )

/** Sends one trial to a worker and waits for its result (or its death). */
const call = (worker: Worker, trial: TrialSpec): Effect.Effect<TrialResult, Error> =>
  Effect.callback<TrialResult, Error>((resume) => {
    const onMessage = (result: TrialResult) => {
      cleanup()
      resume(Effect.succeed(result))
    }
    const onError = (error: Error) => {
      cleanup()
      resume(Effect.fail(error))
    }
    const onExit = (code: number) => onError(new Error(`worker exited with code ${code}`))
    const cleanup = () => {
      worker.off("message", onMessage)
      worker.off("error", onError)
      worker.off("exit", onExit)
    }
    worker.on("message", onMessage)
    worker.on("error", onError)
    worker.on("exit", onExit)
    worker.postMessage(trial)
  })

const makePool = Effect.fnUntraced(function*(jobs: number, backend: BackendName, name: string) {
  const idle = yield* Queue.unbounded<Worker>()
  const scope = yield* Effect.scope
  let started = 0
  // Trials running now, shared with the workers: a worker whose trial runs alone (--jobs 1, inline,
  // a run's tail) splits its large products with a helper thread (linalg/WorkShare.ts).
  const running = new SharedArrayBuffer(4)
  const count = new Int32Array(running)
  // The run calls at most `jobs` trials at once: a trial takes an idle worker, or starts one.
  const take = Effect.gen(function*() {
    const ready = yield* Queue.poll(idle)
    if (ready._tag === "Some") return ready.value
    if (started < jobs) {
      started++
      return yield* spawn(backend, running).pipe(Effect.provideService(Scope.Scope, scope))
    }
    return yield* Queue.take(idle)
  })
  const run = (trial: TrialSpec): Effect.Effect<TrialResult> =>
    Effect.gen(function*() {
      const worker = yield* take
      Atomics.add(count, 0, 1)
      const outcome = yield* Effect.result(call(worker, trial)).pipe(Effect.ensuring(Effect.sync(() => Atomics.sub(count, 0, 1))))
      if (outcome._tag === "Success") {
        yield* Queue.offer(idle, worker)
        return outcome.success
      }
      // The worker is gone: replace it so the pool keeps its size, and record the trial as failed.
      yield* Effect.promise(() => worker.terminate())
      yield* Queue.offer(idle, yield* spawn(backend, running).pipe(Effect.provideService(Scope.Scope, scope)))
      return TrialRunner.failedResult(trial, `worker died: ${outcome.failure.message}`, backend)
    })
  return Executor.of({ name, jobs, run })
})

/**
 * The slurm executor: `runAll` submits the batch as one array (Slurm.ts). `jobs` is the array's
 * `--slurm-parallel`, else `Slurm.maxArrayTasks` (the scheduler decides). `run` alone (embedding,
 * no run directory) submits a one-task array working in a scratch directory under the current
 * directory, which the nodes must share.
 */
const slurm = Effect.fnUntraced(function*(options: Options) {
  yield* Slurm.requireCommands
  const settings = options.slurm ?? (yield* Slurm.options())
  const runAll = <E>(trials: ReadonlyArray<TrialSpec>, runDir: string, onResult: (result: TrialResult) => Effect.Effect<void, E>) =>
    Slurm.runAll(settings, options.backend, trials, runDir, onResult)
  const run = (trial: TrialSpec): Effect.Effect<TrialResult> =>
    Effect.acquireUseRelease(
      Effect.promise(() => fs.mkdtemp(path.join(process.cwd(), ".gpnn-slurm-"))),
      (dir) =>
        Effect.gen(function*() {
          let result: TrialResult | undefined
          yield* runAll([trial], dir, (r) => Effect.sync(() => void (result = r)))
          return result ?? TrialRunner.failedResult(trial, "slurm: the array ended without a result", options.backend)
        }).pipe(Effect.catch((error) => Effect.succeed(TrialRunner.failedResult(trial, `slurm: ${error.message}`, options.backend)))),
      (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
    )
  // with --slurm-mem each array task has that memory on its node; without it, the cluster's default
  // is unknown here and the size check keeps to this machine's memory
  const memory = settings.mem === undefined ? undefined : { bytes: Slurm.memBytes(settings.mem), where: `each Slurm array task (--slurm-mem ${settings.mem})` }
  return Executor.of({ name: "slurm", jobs: settings.parallel ?? Slurm.maxArrayTasks, run, runAll, ...(memory === undefined ? {} : { memory }) })
})

/**
 * Runs `trials` of the run stored at `runDir` on `executor`, calling `onResult` with each result
 * as it ends: as one batch where the executor has `runAll`, else `run` per trial, `jobs` at once.
 */
export const runAll = <E>(
  executor: Executor["Service"],
  trials: ReadonlyArray<TrialSpec>,
  runDir: string,
  onResult: (result: TrialResult) => Effect.Effect<void, E>
): Effect.Effect<void, E | ConfigError | SchedulerError> =>
  executor.runAll !== undefined
    ? executor.runAll(trials, runDir, onResult)
    : Effect.forEach(trials, (trial) => Effect.flatMap(executor.run(trial), onResult), {
      concurrency: Math.max(1, Math.min(executor.jobs, trials.length)),
      discard: true
    })
