/**
 * The body of a `WorkShare` helper thread: claims pieces of the jobs its poster shares with it, on
 * the poster's shared wasm memories (see `WorkShare.serve`). Every module that registers a task is
 * imported here, so that the helper knows its tasks too.
 */
import { workerData } from "node:worker_threads"
import "./Cholesky.ts"
import "./Sgemm.ts"
import "../models/mlp/WasmUpdate.ts"
import * as WorkShare from "./WorkShare.ts"

WorkShare.serve(workerData)
