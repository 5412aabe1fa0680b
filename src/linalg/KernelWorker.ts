/**
 * The body of `WasmKernel`'s helper thread: runs pieces of the large in-place updates and of the
 * row-splittable tasks that the main thread shares with it, on the same shared wasm memory (see
 * `WasmKernel.serveHelper`). Modules that register tasks are imported here so that the helper
 * knows them too.
 */
import { workerData } from "node:worker_threads"
import "./Cholesky.ts"
import * as WasmKernel from "./WasmKernel.ts"

WasmKernel.serveHelper(workerData)
