/**
 * Sharing work with a helper thread (`linalg/WorkShare.ts`) for the MLP engine: Sgemm products
 * split by rows and by columns, the optimiser sweeps split by rows, and whole training runs of the
 * wasm engine give bitwise the results of one thread, on more memories than the helper keeps at
 * once (so memories travel to it, are dropped and sent again); the helper must have run pieces of
 * each, or the comparison proves nothing. And the executor's side: a trial worker shares only
 * while its pool's count of running trials says its trial runs alone, with the same row either way.
 * (The float64 kernel's and Cholesky's sharing: tests/linalg-threads.test.ts.)
 */
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { afterAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Sgemm from "../src/linalg/Sgemm.ts"
import * as WorkShare from "../src/linalg/WorkShare.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as WasmNetwork from "../src/models/mlp/WasmNetwork.ts"
import * as WasmUpdate from "../src/models/mlp/WasmUpdate.ts"
import * as Registry from "../src/models/Registry.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Study from "../src/pipeline/Study.ts"
import type { ThreadsProbe } from "../src/pipeline/TrialWorker.ts"
import type { TrialResult } from "../src/results/Run.ts"
import { differingEntries, oneAndTwoThreads } from "./support/threads.ts"
import { timelessResult } from "./support/runRecord.ts"

const initial = WorkShare.setThreads(true)
afterAll(() => {
  WorkShare.setThreads(initial)
})

const multiCore = availableParallelism() >= 2 && Sgemm.available()

describe("WorkShare.evenBounds", () => {
  it.each([[100, 4, 8], [37, 4, 8], [8, 8, 8], [1000, 1, 20], [5, 4, 3], [4096, 8, 8]])("total %i, quantum %i, %i pieces: covers [0, total) in increasing multiples of the quantum", (total, quantum, count) => {
    const b = WorkShare.evenBounds(total, quantum, count)
    expect(b[0]).toBe(0)
    expect(b.at(-1)).toBe(total)
    expect(b.length - 1).toBeLessThanOrEqual(Math.min(WorkShare.MAX_PIECES, count))
    expect(b.length - 1).toBe(Math.max(1, Math.min(WorkShare.MAX_PIECES, count, Math.ceil(total / quantum))))
    for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1])
    for (let i = 0; i < b.length - 1; i++) expect(b[i] % quantum).toBe(0)
  })
})

describe.skipIf(!multiCore)("the MLP engine's work shared with the helper thread", () => {
  it("starts a helper on a multi-core machine", async () => {
    expect(await WorkShare.startHelper()).toBe(true)
  })

  /** A product on its own workspace; returns C's floats. */
  const product = (ws: Sgemm.Workspace, m: number, n: number, k: number, seed: number, flags: number): Float32Array => {
    const rng = Random.make(seed)
    const a = 16, b = a + m * k + 16, c = b + k * n + 16, bias = c + m * n + 16
    for (let q = 0; q < m * k; q++) ws.heap[a + q] = rng.normal()
    for (let q = 0; q < k * n; q++) ws.heap[b + q] = rng.normal()
    for (let q = 0; q < m * n; q++) ws.heap[c + q] = rng.normal()
    for (let q = 0; q < n; q++) ws.heap[bias + q] = rng.normal()
    Sgemm.gemm(ws, { m, n, k, a: 4 * a, ars: 4 * k, aks: 4, b: 4 * b, ldb: 4 * n, bjs: 32, c: 4 * c, ldc: 4 * n, cjs: 32, flags, bias: 4 * bias })
    return ws.heap.slice(c, c + m * n)
  }

  const kinds = Sgemm.fusedAvailable() ? [true, false] : [false]
  it.each(kinds.flatMap((fused) => [
    { fused, m: 256, n: 64, k: 300, by: "rows" },
    { fused, m: 64, n: 520, k: 200, by: "columns" },
    { fused, m: 128, n: 128, k: 513, by: "rows" }
  ]))("Sgemm $m×$n×$k split by $by (fused $fused): bitwise the product on one thread, on six memories in turn", ({ fused, m, n, k }) => {
    expect(m * n * k).toBeGreaterThanOrEqual(Sgemm.THREAD_WORK)
    // more workspaces than the helper keeps, used round-robin: each job may need its memory re-sent
    const spaces = Array.from({ length: 6 }, () => Sgemm.make(4 * (m * k + k * n + m * n + n + 128), fused)!)
    expect(spaces.every((ws) => ws.memory.buffer instanceof SharedArrayBuffer)).toBe(true)
    const flags = Sgemm.ACCUMULATE | Sgemm.BIAS | Sgemm.RELU
    const r = oneAndTwoThreads(() => spaces.map((ws, i) => product(ws, m, n, k, i, flags)))
    for (const run of r.two) run.forEach((c, i) => expect(differingEntries(c, r.one[i]), `memory ${i}`).toBe(0))
    // the comparison has power: each memory's product differs from the next one's
    expect(differingEntries(r.one[0], r.one[1])).toBeGreaterThan(0)
  })

  const train = (settings: Optimizer.Settings, width: number, steps: number) => (): Float64Array => {
    const rng = Random.make(Random.derive(3, `workshare/${settings.name}/${width}`))
    const arch: Arch.Arch = { inputDim: 5, width, depth: 2, outputDim: 3, activation: "relu", wStd: 1.4, bStd: 0.1 }
    const params = Arch.initialize(arch, "torch", rng)
    const net = WasmNetwork.make(params, "relu", 64)!
    const n = 200
    const data = WasmNetwork.data(Float64Array.from({ length: n * 5 }, () => rng.normal()), n, "ce", Array.from({ length: n }, () => rng.int(3)), 3)
    const opt = WasmNetwork.optimizer(settings, net)
    for (let s = 0; s < steps; s++) {
      WasmNetwork.lossAndGradients(net, data, Int32Array.from({ length: 64 }, (_, r) => (37 * s + 11 * r) % n), "ce")
      opt.step(undefined, 5)
    }
    const out = WasmNetwork.toParams(net)
    return Float64Array.from([...out.weights.flatMap((w) => [...w]), ...out.biases.flatMap((b) => [...b])])
  }

  it.each([
    { name: "adam", settings: { name: "adam", learningRate: 1e-3, momentum: 0 } satisfies Optimizer.Settings },
    { name: "momentum", settings: { name: "momentum", learningRate: 0.01, momentum: 0.9, weightDecay: 1e-3 } satisfies Optimizer.Settings }
  ])("a wide net trained with $name for 12 steps: bitwise the parameters of one thread", ({ settings }) => {
    const width = 512
    // the products and the weight sweep are large enough to be shared
    expect(64 * width * width).toBeGreaterThanOrEqual(Sgemm.THREAD_WORK)
    expect(width * width).toBeGreaterThanOrEqual(WasmUpdate.THREAD_ENTRIES)
    const r = oneAndTwoThreads(train(settings, width, 12))
    for (const run of r.two) expect(differingEntries(run, r.one)).toBe(0)
  })
})

describe.skipIf(!multiCore)("the optimiser sweep alone shared with the helper", () => {
  it("Adam steps on fixed gradients of a 512-wide net: bitwise the weights of one thread (only the sweep can share here)", () => {
    const r = oneAndTwoThreads(() => {
      const rng = Random.make(11)
      const arch: Arch.Arch = { inputDim: 3, width: 512, depth: 2, outputDim: 1, activation: "relu", wStd: 1.4, bStd: 0.1 }
      const net = WasmNetwork.make(Arch.initialize(arch, "torch", rng), "relu", 4)!
      const data = WasmNetwork.data(Float64Array.from({ length: 12 }, () => rng.normal()), 4, "mse", Array.from({ length: 4 }, () => rng.normal()), 1)
      // one batch of 4: its products stay below Sgemm.THREAD_WORK, so any helper piece is the sweep's
      expect(4 * 512 * 512).toBeLessThan(Sgemm.THREAD_WORK)
      WasmNetwork.lossAndGradients(net, data, Int32Array.from({ length: 4 }, (_, i) => i), "mse")
      const opt = WasmNetwork.optimizer({ name: "adam", learningRate: 1e-2, momentum: 0, weightDecay: 1e-3 }, net)
      for (let s = 0; s < 5; s++) opt.step(undefined, 1)
      const out = WasmNetwork.toParams(net)
      return Float64Array.from(out.weights.flatMap((w) => [...w]))
    })
    for (const run of r.two) expect(differingEntries(run, r.one)).toBe(0)
  })
})

describe.skipIf(!multiCore)("a trial worker shares only while its trial runs alone", () => {
  const study: Study.Study = {
    tasks: [{ name: "moons", spec: { task: "moons", n: 160, noise: 0.2 } }],
    split: { kind: "kfold", folds: 2 },
    seeds: 1,
    models: [{ id: "mlp", family: "mlp", axes: { width: 256 }, config: { width: 256, depth: 2, epochs: 4, batchSize: 64 } }]
  }
  const trial = Study.trials(study, Rng.make(5), Registry.isStochastic)[0]

  /** Posts `message` to `worker` and resolves with its next answer. */
  const ask = <T>(worker: Worker, message: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      worker.once("message", resolve)
      worker.once("error", reject)
      worker.postMessage(message)
    })

  it("no helper pieces while the pool counts other trials; pieces once it runs alone; the same row", async () => {
    const running = new SharedArrayBuffer(4)
    const count = new Int32Array(running)
    const worker = new Worker(new URL("../src/pipeline/TrialWorker.ts", import.meta.url), { workerData: { backend: "cpu", running } })
    try {
      // as many trials as cores: not alone
      Atomics.store(count, 0, availableParallelism())
      const busy = await ask<TrialResult>(worker, trial)
      expect(busy.row.status).toBe("ok")
      expect(String(busy.row.info.backend)).toMatch(/^gpnn-wasm/)
      const afterBusy = await ask<ThreadsProbe>(worker, { probe: "threads" })
      expect(afterBusy.helperPieces).toBe(0)
      // alone: the same trial again, until the helper has taken pieces (it starts on the first job
      // the worker may share, and the jobs until it is up run on one thread)
      Atomics.store(count, 0, 1)
      let alone = busy
      let probe = afterBusy
      for (let r = 0; r < 20 && probe.helperPieces === 0; r++) {
        if (r > 0) await new Promise((resolve) => setTimeout(resolve, 250))
        alone = await ask<TrialResult>(worker, trial)
        probe = await ask<ThreadsProbe>(worker, { probe: "threads" })
      }
      expect(probe.helperRunning).toBe(true)
      expect(probe.helperPieces).toBeGreaterThan(0)
      expect(timelessResult(alone)).toEqual(timelessResult(busy))
    } finally {
      await worker.terminate()
    }
  }, 120_000)
})
