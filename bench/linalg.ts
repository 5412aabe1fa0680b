/**
 * Dense Cholesky throughput (`node bench/linalg.ts`, or `run()` from a bench driver).
 *
 * Measures `Cholesky.factor` (n³/3 flops) and `Cholesky.inverse` (2n³/3 flops) on a GP kernel
 * matrix (the fitted C·RBF + White of the peer's 1-d task, K = 9.8·exp(−d²/(2·0.95²)) + 0.0096·I on
 * x ~ U(−3, 3)), at n = 500, 1000, 2000; ml-matrix's CholeskyDecomposition at n = 500 for
 * contrast; and scipy's `cho_factor` (OpenBLAS, 1 thread) from shared/peers/gp_fit.py when
 * /usr/bin/python3 has scikit-learn, else the figures recorded on this machine (below).
 *
 * Method: one untimed warm-up, then the minimum wall time (`performance.now()`) over `repeats`
 * runs (default 5 at n ≤ 1000, 3 above), as the peer's min over repeats. GFLOP/s = flops / min.
 * gpnn runs its large kernel updates on two threads (`WasmKernel`'s helper, started before timing)
 * unless `GPNN_WASM_THREADS=0`; the factorisation is also timed on one thread, right after, for
 * contrast. The 1-minute load average is printed beside the figures: on this shared 2-core machine
 * the two-thread figures only mean something at a load well below 1.
 */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { CholeskyDecomposition, Matrix as MlMatrix } from "ml-matrix"
import * as Random from "../src/core/Random.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as WasmKernel from "../src/linalg/WasmKernel.ts"
import * as WorkShare from "../src/linalg/WorkShare.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"

const PYTHON = "/usr/bin/python3"
const PEER = fileURLToPath(new URL("../../shared/peers/gp_fit.py", import.meta.url))

/**
 * scipy cho_factor seconds (min of 3) from `gp_fit.py --tasks 1d --n 500,1000,2000 --restarts 0
 * --threads 1` on this 2-core AMD EPYC, 2026-11-25 (OpenBLAS 0.3.21), used when the peer cannot run.
 */
const RECORDED_SCIPY: Readonly<Record<number, number>> = { 500: 0.00152, 1000: 0.01015, 2000: 0.07332 }

export interface Row {
  readonly n: number
  readonly factorMs: number
  readonly factorGflops: number
  /** The factorisation with the helper thread switched off, timed right after. */
  readonly factorOneThreadMs: number
  readonly factorOneThreadGflops: number
  readonly inverseMs: number
  readonly inverseGflops: number
  /** scipy cho_factor, ms, and whether it was measured now or recorded. */
  readonly scipyMs?: number | undefined
  readonly scipySource?: "measured" | "recorded" | undefined
  /** factorMs / scipyMs: gpnn's time as a multiple of scipy's. */
  readonly ratioToScipy?: number | undefined
}

export interface Figures {
  /** Whether the kernel's helper thread ran (two threads) during the main figures. */
  readonly twoThreads: boolean
  /** 1-minute load average before and after the runs. */
  readonly load: readonly [number, number]
  readonly rows: ReadonlyArray<Row>
  readonly mlMatrix: { readonly n: number; readonly ms: number; readonly gflops: number }
}

export interface Options {
  readonly sizes?: ReadonlyArray<number>
  /** Run the scipy peer when available (default true). */
  readonly peer?: boolean
}

const kernelMatrix = (n: number): Matrix.Matrix => {
  const rng = Random.make(Random.derive(0, `bench/linalg/${n}`))
  const X = Matrix.make(n, 1, Float64Array.from({ length: n }, () => -3 + 6 * rng.uniform()))
  const k = Kernel.sum(Kernel.scale(Kernel.rbf({ lengthScale: 0.95 }), { amplitude: 9.8 }), Kernel.white({ noise: 0.0096 }))
  return Kernel.matrix(k, X)
}

const minTime = (repeats: number, f: () => void): number => {
  f()
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < repeats; r++) {
    const t = performance.now()
    f()
    best = Math.min(best, performance.now() - t)
  }
  return best
}

const sklearnInstalled = (): boolean =>
  existsSync(PYTHON) && existsSync(PEER) && spawnSync(PYTHON, ["-c", "import sklearn"], { stdio: "ignore" }).status === 0

/** scipy cho_factor ms per n, from one run of the peer. */
const peer = (sizes: ReadonlyArray<number>): Map<number, number> => {
  const out = spawnSync(PYTHON, [PEER, "--tasks", "1d", "--n", sizes.join(","), "--restarts", "0", "--chol-repeats", "3", "--threads", "1"], { encoding: "utf8", maxBuffer: 1 << 24 })
  const figures = new Map<number, number>()
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    const r = JSON.parse(line) as { record?: string; bench?: string; n?: number; factor_min_s?: number }
    if (r.record === "result" && r.bench === "cholesky" && r.n !== undefined && r.factor_min_s !== undefined) figures.set(r.n, r.factor_min_s * 1e3)
  }
  return figures
}

const fmt = (v: number | undefined, digits = 2): string => (v === undefined ? "—" : v.toFixed(digits))

const loadAverage = (): number => {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0])
  } catch {
    return Number.NaN
  }
}

export const run = async (options: Options = {}): Promise<Figures> => {
  const sizes = options.sizes ?? [500, 1000, 2000]
  const twoThreads = await WorkShare.startHelper()
  const loadBefore = loadAverage()
  const measured = (options.peer ?? true) && sklearnInstalled() ? peer(sizes) : new Map<number, number>()
  const rows = sizes.map((n): Row => {
    const A = kernelMatrix(n)
    const repeats = n > 1000 ? 3 : 5
    let L = Cholesky.factor(A)
    const factorMs = minTime(repeats, () => {
      L = Cholesky.factor(A)
    })
    const inverseMs = minTime(Math.min(repeats, 3), () => Cholesky.inverse(L))
    const threads = WorkShare.setThreads(false)
    const factorOneThreadMs = minTime(repeats, () => Cholesky.factor(A))
    WorkShare.setThreads(threads)
    const scipyMs = measured.get(n) ?? (RECORDED_SCIPY[n] === undefined ? undefined : RECORDED_SCIPY[n] * 1e3)
    return {
      n,
      factorMs,
      factorGflops: n ** 3 / 3 / factorMs / 1e6,
      factorOneThreadMs,
      factorOneThreadGflops: n ** 3 / 3 / factorOneThreadMs / 1e6,
      inverseMs,
      inverseGflops: (2 * n ** 3) / 3 / inverseMs / 1e6,
      scipyMs,
      scipySource: measured.has(n) ? "measured" : scipyMs === undefined ? undefined : "recorded",
      ratioToScipy: scipyMs === undefined ? undefined : factorMs / scipyMs
    }
  })
  const nMl = 500
  const Aml = new MlMatrix(Matrix.toRows(kernelMatrix(nMl)))
  const mlMs = minTime(3, () => new CholeskyDecomposition(Aml))
  const figures: Figures = { twoThreads, load: [loadBefore, loadAverage()], rows, mlMatrix: { n: nMl, ms: mlMs, gflops: nMl ** 3 / 3 / mlMs / 1e6 } }

  console.log(`Cholesky of a GP kernel matrix (float64, ${twoThreads ? "2 threads" : "1 thread"}; GFLOP/s = n³/3 / min time; load average ${figures.load[0]} → ${figures.load[1]})`)
  console.log("      n   factor ms  GFLOP/s  1-thread GFLOP/s   inverse ms  GFLOP/s   scipy ms  scipy GFLOP/s  gpnn/scipy time")
  for (const r of rows) {
    const scipyG = r.scipyMs === undefined ? undefined : r.n ** 3 / 3 / r.scipyMs / 1e6
    console.log(
      `  ${String(r.n).padStart(5)}  ${fmt(r.factorMs, 1).padStart(10)}  ${fmt(r.factorGflops).padStart(7)}  ${fmt(r.factorOneThreadGflops).padStart(16)}  ${fmt(r.inverseMs, 1).padStart(11)}  ${fmt(r.inverseGflops).padStart(7)}  ${fmt(r.scipyMs, 2).padStart(9)}  ${fmt(scipyG, 1).padStart(13)}  ${r.scipyMs === undefined ? "—" : (r.factorMs / r.scipyMs).toFixed(1) + "×"}${r.scipySource === "recorded" ? " (scipy recorded)" : ""}`
    )
  }
  console.log(`  ml-matrix CholeskyDecomposition n = ${nMl}: ${fmt(mlMs, 1)} ms, ${fmt(figures.mlMatrix.gflops)} GFLOP/s (gpnn ${fmt((rows.find((r) => r.n === nMl)?.factorGflops ?? Number.NaN) / figures.mlMatrix.gflops, 1)}× faster)`)
  return figures
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
