/**
 * The body of `WasmKernel`'s helper thread: runs pieces of the large in-place updates that the main
 * thread shares with it, on the same shared wasm memory (see `WasmKernel.serveHelper`).
 */
import { workerData } from "node:worker_threads"
import * as WasmKernel from "./WasmKernel.ts"

WasmKernel.serveHelper(workerData)
