/**
 * The body of one worker thread of the `workers` executor: select the tfjs backend once, then run
 * each trial posted to it and post back its result. The pool's count of running trials
 * (`workerData.running`) tells `WorkShare` when this thread's trial runs alone and may use a
 * helper thread. A `{ probe: "threads" }` message is answered with this thread's sharing state
 * (`ThreadsProbe`), for tests.
 */
import { Effect, ManagedRuntime } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import * as WorkShare from "../linalg/WorkShare.ts"
import { NnBackend } from "../models/mlp/Backend.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

const port = parentPort
if (port === null) throw new Error("TrialWorker.ts runs only as a worker thread")
const runtime = ManagedRuntime.make(NnBackend.layer(workerData.backend))

if (workerData.running instanceof SharedArrayBuffer) WorkShare.setRunning(workerData.running)

/** This worker's sharing state: whether its helper is up and sharing allowed now, and the pieces it ran. */
export interface ThreadsProbe {
  readonly helperRunning: boolean
  readonly helperPieces: number
}

port.on("message", (message: TrialSpec | { readonly probe: "threads" }) => {
  if ("probe" in message) {
    port.postMessage({ helperRunning: WorkShare.helperRunning(), helperPieces: WorkShare.helperPieces() } satisfies ThreadsProbe)
    return
  }
  const trial = message
  runtime.runPromise(TrialRunner.run(trial)).then(
    (result) => port.postMessage(result),
    (error) => port.postMessage(TrialRunner.failedResult(trial, `worker: ${String(error)}`, String(workerData.backend)))
  )
})
