/**
 * C-SVC fit and decision-function time (`node bench/svm.ts`, or `run()` from the bench driver),
 * next to scikit-learn's SVC (libsvm) run by the peer shared/peers/svc_fit.py.
 *
 * Workload (the peer's): noisy moons (make_moons, noise 0.3, labels 0/1, no scaling), RBF with
 * γ = 1 (σ = 1/√2), C = 1, tol 1e-3, shrinking, a 200 MiB kernel cache; n = 1000 and 5000 training
 * points; decision values on 1000 test points from an independent draw. Our moons come from
 * `Synthetic.moons` with our generator, so the points differ from numpy's but not their
 * distribution; n_SV and test AUC are printed to show the problems are alike.
 * Times are wall-clock `performance.now()` seconds, the minimum over `repeats` runs after V8 has
 * compiled the solver (`warmup` untimed fits of each size: the first fits of a process run
 * 3–8× slower while the JIT tiers up). The cold time of a process's very first fit is printed too.
 * The peer runs with 1 thread (`--threads 1`), the fair match for single-threaded JS; its figures
 * are the minimum over the same number of repeats.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Random from "../src/core/Random.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as KernelRows from "../src/models/svm/KernelRows.ts"
import * as Smo from "../src/models/svm/Smo.ts"
import * as Svc from "../src/models/svm/Svc.ts"
import * as Metrics from "../src/scoring/Metrics.ts"

export interface Side {
  readonly fitS: number
  /** The first fit of this size in the process (gpnn only: includes JIT compilation when it is the process's first). */
  readonly coldFitS?: number
  readonly decisionS: number
  readonly nSupport: number
  readonly iterations?: number
  readonly testAuc: number
}

export interface Row {
  readonly n: number
  readonly gpnn: Side
  readonly peer?: Side
  /** gpnn's times as multiples of scikit-learn's. */
  readonly ratios?: { readonly fit: number; readonly decision: number }
}

export interface Options {
  readonly sizes?: ReadonlyArray<number>
  readonly nTest?: number
  readonly repeats?: number
  /** Untimed fits before the timed ones. Default 5. */
  readonly warmup?: number
  /** Run the scikit-learn peer when available (default true). */
  readonly peer?: boolean
}

const PYTHON = "/usr/bin/python3"
const PEER = fileURLToPath(new URL("../../shared/peers/svc_fit.py", import.meta.url))
const C = 1
const GAMMA = 1
const NOISE = 0.3
const CACHE_MB = 200

const measure = (n: number, nTest: number, repeats: number, warmup: number): Side => {
  const train = Synthetic.moons({ n, noise: NOISE }, Random.make(Random.derive(0, `bench/svm/train/${n}`)))
  const test = Synthetic.moons({ n: nTest, noise: NOISE }, Random.make(Random.derive(0, "bench/svm/test")))
  const sign = Float64Array.from(train.y, (v) => (v === 1 ? 1 : -1))
  const options: Svc.Options = { C, kernel: KernelRows.rbf(GAMMA), cacheMb: CACHE_MB, tol: 1e-3, shrinking: true, platt: "none" }
  const c0 = performance.now()
  Svc.fitMachine(train.X, sign, options)
  const coldFitS = (performance.now() - c0) / 1000
  for (let w = 1; w < warmup; w++) Svc.fitMachine(train.X, sign, options)
  let fitS = Infinity
  let decisionS = Infinity
  let machine: Svc.Binary | undefined
  let decision: Float64Array = new Float64Array(0)
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    machine = Svc.fitMachine(train.X, sign, options)
    const t1 = performance.now()
    decision = Svc.decision(machine, test.X)
    const t2 = performance.now()
    fitS = Math.min(fitS, (t1 - t0) / 1000)
    decisionS = Math.min(decisionS, (t2 - t1) / 1000)
  }
  const m = machine as Svc.Binary
  return { fitS, coldFitS, decisionS, nSupport: m.supportIndex.length, iterations: m.iterations, testAuc: Metrics.rocAuc(test.y, decision) }
}

const peerAvailable = (): boolean =>
  existsSync(PYTHON) && existsSync(PEER) && spawnSync(PYTHON, ["-c", "import sklearn"], { stdio: "ignore" }).status === 0

const runPeer = (sizes: ReadonlyArray<number>, nTest: number, repeats: number): Map<number, Side> => {
  const args = [PEER, "--n", sizes.join(","), "--n-test", String(nTest), "--repeats", String(repeats), "--grid-n", "0", "--threads", "1"]
  const out = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 1 << 24 })
  const rows = new Map<number, Side>()
  if (out.status !== 0) {
    console.error(`  peer failed (exit ${out.status}): ${out.stderr.trim().split("\n").slice(-3).join(" | ")}`)
    return rows
  }
  for (const line of out.stdout.split("\n")) {
    if (line.trim() === "") continue
    const r = JSON.parse(line) as Record<string, unknown>
    if (r.record !== "result" || r.bench !== "svc_fit") continue
    const iters = r.libsvm_iters as ReadonlyArray<number> | undefined
    rows.set(r.n as number, {
      fitS: r.fit_min_s as number,
      decisionS: r.decision_min_s as number,
      nSupport: r.n_sv as number,
      ...(iters !== undefined && iters.length > 0 ? { iterations: iters[0] } : {}),
      testAuc: r.test_auc as number
    })
  }
  return rows
}

const fmtS = (s: number): string => (s < 0.1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(3)} s`)

/** Measures every size, prints the table with ratios to the peer, and returns the rows. */
export const run = (options: Options = {}): ReadonlyArray<Row> => {
  const sizes = options.sizes ?? [1000, 5000]
  const nTest = options.nTest ?? 1000
  const repeats = options.repeats ?? 3
  const warmup = options.warmup ?? 5
  console.log(`C-SVC on moons(noise ${NOISE}), RBF γ = ${GAMMA}, C = ${C}, tol 1e-3, shrinking, cache ${CACHE_MB} MiB; decision on ${nTest} points; min of ${repeats} after ${warmup} warm-up fits`)
  const peer = options.peer === false ? new Map<number, Side>() : peerAvailable() ? runPeer(sizes, nTest, repeats) : undefined
  if (peer === undefined) console.log("  peer: not available (needs /usr/bin/python3 with scikit-learn and shared/peers/svc_fit.py)")
  const rows: Array<Row> = []
  console.log("      n │   gpnn fit   sklearn fit   ratio │ gpnn decision  sklearn dec.  ratio │ n_SV gpnn/sk │ iters gpnn/sk │ test AUC gpnn/sk")
  for (const n of sizes) {
    const gpnn = measure(n, nTest, repeats, warmup)
    const p = peer?.get(n)
    rows.push({ n, gpnn, ...(p === undefined ? {} : { peer: p, ratios: { fit: gpnn.fitS / p.fitS, decision: gpnn.decisionS / p.decisionS } }) })
    const ratio = (a: number, b: number | undefined): string => (b === undefined ? "    -" : `${(a / b).toFixed(2)}×`)
    console.log(
      `${String(n).padStart(7)} │ ${fmtS(gpnn.fitS).padStart(10)} ${p === undefined ? "            -" : fmtS(p.fitS).padStart(13)} ${ratio(gpnn.fitS, p?.fitS).padStart(7)} │ ` +
        `${fmtS(gpnn.decisionS).padStart(13)} ${p === undefined ? "            -" : fmtS(p.decisionS).padStart(13)} ${ratio(gpnn.decisionS, p?.decisionS).padStart(6)} │ ` +
        `${String(gpnn.nSupport).padStart(5)}/${p === undefined ? "-" : String(p.nSupport).padEnd(5)} │ ${String(gpnn.iterations ?? "-").padStart(6)}/${p?.iterations ?? "-"} │ ` +
        `${gpnn.testAuc.toFixed(4)}/${p === undefined ? "-" : p.testAuc.toFixed(4)}`
    )
  }
  console.log(`  cold first fit (gpnn, JIT included): ${rows.map((r) => `n=${r.n} ${fmtS(r.gpnn.coldFitS ?? Number.NaN)}`).join(", ")}`)
  return rows
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) run()
