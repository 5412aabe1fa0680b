/**
 * The body of one worker thread of the `workers` executor: select the tfjs backend once, then run
 * each trial posted to it and post back its result.
 */
import { Effect, ManagedRuntime } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { NnBackend } from "../models/mlp/Backend.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

const port = parentPort
if (port === null) throw new Error("TrialWorker.ts runs only as a worker thread")
const runtime = ManagedRuntime.make(NnBackend.layer(workerData.backend))

port.on("message", (trial: TrialSpec) => {
  runtime.runPromise(TrialRunner.run(trial)).then(
    (result) => port.postMessage(result),
    (error) => port.postMessage(TrialRunner.failedResult(trial, `worker: ${String(error)}`, String(workerData.backend)))
  )
})
