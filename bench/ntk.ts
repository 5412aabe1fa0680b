/**
 * Analytic NNGP/NTK kernels and the NTK-GP prediction (`node bench/ntk.ts`, or `run()` from the
 * bench driver), next to the numpy peer shared/peers/ntk_kernel.py.
 *
 * Workload (the peer's): a depth-3 ReLU net, W_std 1.5, b_std 0.05 (neural-tangents NTK
 * parameterisation); x ~ N(0, I₁₀); y = sin x₀ + 0.5·x₁x₂ + 0.25·cos 2x₃ + N(0, 0.1²); n training
 * points (1000 and 4000) and 1000 test points; NTK-GP at t = ∞ with ridge 1e-4·mean diag Θ.
 * Phases, as the peer times them:
 *   build   K(X, X) and Θ(X, X)                          (Kernels.train)
 *   cross   K(X*, X), Θ(X*, X) and the test diagonals     (Kernels.cross, Kernels.diagonal)
 *   fit     Cholesky of Θ + rI and α = (Θ + rI)⁻¹y        (Predict.ntk; the peer's factor + solve)
 *   predict mean Θ*X α and the ensemble variance         (Fit.predict; the peer's mean + cov)
 * Also the empirical NTK Θ̂ = JJᵀ (Empirical.kernel) of one width-512 net of the same
 * architecture at initialisation on 256 points, and its distance to the analytic Θ (the peer
 * computes the same quantity in torch under --check but does not time it).
 * Times are wall-clock `performance.now()` seconds, the minimum over `repeats` runs. The peer's
 * figures come from running it (`/usr/bin/python3` with numpy and scipy, 1 thread) when it can be
 * run, else the figures measured here and recorded in shared/peers/README.md.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Empirical from "../src/models/ntk/Empirical.ts"
import * as Kernels from "../src/models/ntk/Kernels.ts"
import * as Predict from "../src/models/ntk/Predict.ts"

export interface Phases {
  readonly build: number
  readonly cross: number
  readonly fit: number
  readonly predict: number
  readonly total: number
}

export interface Row {
  readonly n: number
  readonly gpnn: Phases
  readonly testRmse: number
  readonly peer?: Partial<Phases>
  readonly peerSource?: string
  /** gpnn's phase times as multiples of the peer's. */
  readonly ratios?: Partial<Phases>
}

export interface Figures {
  readonly rows: ReadonlyArray<Row>
  readonly empirical: EmpiricalRow
}

export interface Options {
  readonly sizes?: ReadonlyArray<number>
  readonly nTest?: number
  readonly repeats?: number
  /** Run the numpy peer when available (default true). */
  readonly peer?: boolean
}

const arch: Kernels.Spec = { depth: 3, activation: "relu", wStd: 1.5, bStd: 0.05, inputDim: 10 }
const DIAG_REG = 1e-4

const data = (n: number, rng: Random.Generator): { readonly X: Matrix.Matrix; readonly y: Float64Array } => {
  const X = Matrix.make(n, 10, Float64Array.from({ length: n * 10 }, () => rng.normal()))
  const y = Float64Array.from({ length: n }, (_, i) => {
    const x = Matrix.row(X, i)
    return Math.sin(x[0]) + 0.5 * x[1] * x[2] + 0.25 * Math.cos(2 * x[3]) + 0.1 * rng.normal()
  })
  return { X, y }
}

const time = <A>(f: () => A): [A, number] => {
  const t0 = performance.now()
  const out = f()
  return [out, (performance.now() - t0) / 1000]
}

const once = (n: number, nTest: number): { readonly phases: Phases; readonly testRmse: number } => {
  const rng = Random.make(Random.derive(0, `bench/ntk/${n}`))
  const train = data(n, rng)
  const test = data(nTest, rng)
  const [pair, build] = time(() => Kernels.train(arch, train.X))
  const [[cross, diag], crossS] = time(() => [Kernels.cross(arch, test.X, train.X), Kernels.diagonal(arch, test.X)] as const)
  const [fitted, fit] = time(() => Predict.ntk(pair, Matrix.make(n, 1, train.y), { diagReg: DIAG_REG }))
  const [post, predict] = time(() => fitted.predict(cross, diag))
  let sse = 0
  for (let j = 0; j < nTest; j++) sse += (post.mean.data[j] - test.y[j]) ** 2
  if (post.variance.some((v) => !(v > -1e-9))) throw new Error("bench/ntk: negative predictive variance")
  return { phases: { build, cross: crossS, fit, predict, total: build + crossS + fit + predict }, testRmse: Math.sqrt(sse / nTest) }
}

const PYTHON = "/usr/bin/python3"
const PEER = fileURLToPath(new URL("../../shared/peers/ntk_kernel.py", import.meta.url))

/** Measured on this machine by the peer's author (shared/peers/README.md, smoke figures). */
const recorded: Record<number, Partial<Phases>> = {
  1000: { build: 0.15, cross: 0.125, total: 0.41 },
  4000: { build: 3.1, cross: 0.42, fit: 0.68, predict: 1.5, total: 5.7 }
}

const peerRunnable = (): boolean =>
  existsSync(PYTHON) && existsSync(PEER) && spawnSync(PYTHON, ["-c", "import numpy, scipy"], { stdio: "ignore" }).status === 0

/** The peer's phases per n from one run (min over its repeats). */
const runPeer = (sizes: ReadonlyArray<number>, nTest: number, repeats: number): Map<number, Partial<Phases>> => {
  const out = spawnSync(PYTHON, [PEER, "--n", sizes.join(","), "--n-test", String(nTest), "--repeats", String(repeats), "--threads", "1"], {
    encoding: "utf8",
    maxBuffer: 1 << 24
  })
  const best = new Map<number, Partial<Phases>>()
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    const r = JSON.parse(line) as Record<string, number | string>
    if (r.record !== "result" || r.bench !== "ntk_gp") continue
    const phases: Partial<Phases> = {
      build: r.build_train_s as number,
      cross: r.build_cross_s as number,
      fit: (r.factor_s as number) + (r.mean_s as number),
      predict: r.cov_s as number,
      total: r.total_s as number
    }
    const prev = best.get(r.n as number)
    if (prev === undefined || (phases.total ?? Infinity) < (prev.total ?? Infinity)) best.set(r.n as number, phases)
  }
  return best
}

export interface EmpiricalRow {
  readonly width: number
  readonly n: number
  readonly seconds: number
  /** ‖Θ̂ − Θ‖_F/‖Θ‖_F against the analytic kernel. */
  readonly distance: number
}

/** The empirical NTK of one freshly drawn net, timed (minimum over `repeats`). */
export const empirical = (width = 512, n = 256, repeats = 3): EmpiricalRow => {
  const rng = Random.make(Random.derive(0, "bench/ntk/empirical"))
  const X = data(n, rng).X
  const params = Arch.initialize({ ...arch, inputDim: 10, outputDim: 1, width, activation: "relu" }, "ntk-matched", rng.fork("init"))
  let best = Infinity
  let theta = Matrix.make(0, 0)
  for (let r = 0; r < repeats; r++) {
    const [k, seconds] = time(() => Empirical.kernel(params, arch, X))
    theta = k
    best = Math.min(best, seconds)
  }
  return { width, n, seconds: best, distance: Empirical.relativeDistance(theta, Kernels.train(arch, X).ntk.matrix) }
}

export const run = (options: Options = {}): Figures => {
  const sizes = options.sizes ?? [1000, 4000]
  const nTest = options.nTest ?? 1000
  const repeats = options.repeats ?? 2
  const peer = (options.peer ?? true) && peerRunnable() ? runPeer(sizes, nTest, repeats) : undefined
  once(200, 50) // warm-up: compile the hot loops
  const rows = sizes.map((n): Row => {
    let best: { readonly phases: Phases; readonly testRmse: number } | undefined
    for (let r = 0; r < (n >= 4000 ? 1 : repeats); r++) {
      const m = once(n, nTest)
      if (best === undefined || m.phases.total < best.phases.total) best = m
    }
    const peerPhases = peer?.get(n) ?? recorded[n]
    return {
      n,
      gpnn: best!.phases,
      testRmse: best!.testRmse,
      ...(peerPhases === undefined ? {} : {
        peer: peerPhases,
        peerSource: peer?.has(n) ? "peer run now" : "shared/peers/README.md",
        ratios: Object.fromEntries(
          (["build", "cross", "fit", "predict", "total"] as const).flatMap((k) => {
            const p = peerPhases[k]
            return p === undefined ? [] : [[k, best!.phases[k] / p]]
          })
        )
      })
    }
  })
  console.log(print(rows, nTest))
  const e = empirical()
  console.log(`empirical NTK, width-${e.width} depth-3 ReLU net, ${e.n} points: ${fmt(e.seconds)} s; ‖Θ̂ − Θ‖/‖Θ‖ = ${e.distance.toFixed(3)} (one net at init)`)
  return { rows, empirical: e }
}

const fmt = (v: number | undefined, digits = 3): string => (v === undefined ? "—" : v.toFixed(digits))

export const print = (rows: ReadonlyArray<Row>, nTest: number): string => {
  const lines = [`NTK-GP, depth-3 ReLU (W_std 1.5, b_std 0.05), 10-d inputs, ${nTest} test points, 1 thread; seconds (gpnn / numpy peer = ratio)`]
  for (const r of rows) {
    lines.push(`n = ${r.n}   test RMSE ${r.testRmse.toFixed(4)}   peer figures: ${r.peerSource ?? "none"}`)
    for (const phase of ["build", "cross", "fit", "predict", "total"] as const) {
      const g = r.gpnn[phase]
      const p = r.peer?.[phase]
      lines.push(`  ${phase.padEnd(8)} ${fmt(g).padStart(8)}  ${fmt(p).padStart(8)}  ${p === undefined ? "" : (g / p).toFixed(2) + "×"}`)
    }
  }
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) run()
