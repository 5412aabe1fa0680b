/**
 * Where trials run. `inProcess` runs them on this thread (jobs = 1, tests, debugging); `workers`
 * keeps `jobs` worker threads, each with its own tfjs backend, and hands each a trial at a time.
 * Both run the same `TrialRunner.run`, and a trial's result depends only on its spec, so any
 * `--jobs` gives the same rows (only the timings differ).
 *
 * Gotchas: a worker that dies mid-trial (out of memory, a crash in native code) turns that trial
 * into a `failed` row and is replaced; interrupting the run (Ctrl-C) terminates the workers, and
 * trials already saved stay saved.
 */
import { Context, Effect, Layer, Queue, Scope } from "effect"
import { Worker } from "node:worker_threads"
import type { BackendName } from "../models/mlp/Backend.ts"
import { NnBackend } from "../models/mlp/Backend.ts"
import type { TrialResult } from "../results/Run.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

export class Executor extends Context.Service<Executor, {
  readonly jobs: number
  /** Runs one trial. Never fails: a failure is a row with status "failed" or "diverged". */
  run(trial: TrialSpec): Effect.Effect<TrialResult>
}>()("gpnn/pipeline/Executor") {
  static readonly inProcess: Layer.Layer<Executor, never, NnBackend> = Layer.effect(
    Executor,
    Effect.map(Effect.context<NnBackend>(), (context) =>
      Executor.of({ jobs: 1, run: (trial) => Effect.provideContext(TrialRunner.run(trial), context) }))
  )

  static workers(jobs: number, backend: BackendName): Layer.Layer<Executor> {
    return Layer.effect(Executor, makePool(jobs, backend))
  }
}

const workerUrl = new URL("./TrialWorker.ts", import.meta.url)

const spawn = (backend: BackendName) =>
  Effect.acquireRelease(
    Effect.sync(() => new Worker(workerUrl, { workerData: { backend } })),
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

const makePool = Effect.fnUntraced(function*(jobs: number, backend: BackendName) {
  const idle = yield* Queue.unbounded<Worker>()
  for (let i = 0; i < jobs; i++) yield* Queue.offer(idle, yield* spawn(backend))
  const scope = yield* Effect.scope
  const run = (trial: TrialSpec): Effect.Effect<TrialResult> =>
    Effect.gen(function*() {
      const worker = yield* Queue.take(idle)
      const outcome = yield* Effect.result(call(worker, trial))
      if (outcome._tag === "Success") {
        yield* Queue.offer(idle, worker)
        return outcome.success
      }
      // The worker is gone: replace it so the pool keeps its size, and record the trial as failed.
      yield* Effect.promise(() => worker.terminate())
      yield* Queue.offer(idle, yield* spawn(backend).pipe(Effect.provideService(Scope.Scope, scope)))
      return TrialRunner.failedResult(trial, `worker died: ${outcome.failure.message}`, backend)
    })
  return Executor.of({ jobs, run })
})
