/**
 * Exact GP regression timings (`node bench/gp.ts`, or `run()` from a bench driver).
 *
 * The peer's task and model (shared/peers/gp_fit.py): x ~ U(−3, 3), y = sin(3x) + 0.3x² +
 * N(0, 0.1²); kernel C(1)·RBF(1) + White(0.1), bounds [1e-5, 1e5], alpha 1e-10, no restarts.
 * At n = 1000 and 2000 it times one log-marginal-likelihood + gradient evaluation at the initial
 * hyperparameters (min of 2), a full fit (projected L-BFGS from the initial hyperparameters), and
 * predict with variances at 1000 test points; and prints the ratio to scikit-learn 1.2.1, whose
 * figures come from running the peer (1 thread) when /usr/bin/python3 has sklearn, else from the
 * run recorded on this machine (below). sklearn's "LML+grad" is its fit time per likelihood
 * evaluation (`fit_s_per_lml_eval`): its fit makes only gradient calls.
 *
 * Our data are drawn from gpnn's own generator, not numpy's, so the data sets differ from the
 * peer's draw of the same distribution; fitted likelihoods agree to the noise of the draw.
 */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"

const PYTHON = "/usr/bin/python3"
const PEER = fileURLToPath(new URL("../../shared/peers/gp_fit.py", import.meta.url))

export interface SklearnFigures {
  readonly fitS: number
  readonly evaluations: number
  readonly lmlGradS: number
  readonly predictS: number
  readonly lml: number
  readonly source: "measured" | "recorded"
}

/** gp_fit.py --tasks 1d --n 1000,2000 --restarts 0 --threads 1, this 2-core AMD EPYC, 2026-11-25. */
const RECORDED: Readonly<Record<number, SklearnFigures>> = {
  1000: { fitS: 2.697, evaluations: 20, lmlGradS: 0.1349, predictS: 0.0393, lml: 817.11, source: "recorded" },
  2000: { fitS: 17.32, evaluations: 22, lmlGradS: 0.7874, predictS: 0.1273, lml: 1715.59, source: "recorded" }
}

export interface Row {
  readonly n: number
  readonly lmlGradS: number
  readonly fitS?: number
  readonly fitEvaluations?: number
  readonly fitLml?: number
  readonly fittedKernel?: string
  readonly predictS?: number
  readonly sklearn?: SklearnFigures
  /** gpnn's times as multiples of scikit-learn's. */
  readonly ratios?: { readonly lmlGrad?: number | undefined; readonly fit?: number | undefined; readonly predict?: number | undefined }
}

export interface Options {
  readonly sizes?: ReadonlyArray<number>
  /** Time the full fit and predict too (default true). */
  readonly fit?: boolean
  /** Run the scikit-learn peer when available (default true). */
  readonly peer?: boolean
}

const task = (n: number, seed: string): { X: Matrix.Matrix; y: Float64Array } => {
  const rng = Random.make(Random.derive(0, seed))
  const X = Matrix.make(n, 1, Float64Array.from({ length: n }, () => -3 + 6 * rng.uniform()))
  const y = Float64Array.from(X.data, (x) => Math.sin(3 * x) + 0.3 * x * x + 0.1 * rng.normal())
  return { X, y }
}

const sklearnInstalled = (): boolean =>
  existsSync(PYTHON) && existsSync(PEER) && spawnSync(PYTHON, ["-c", "import sklearn"], { stdio: "ignore" }).status === 0

const peer = (sizes: ReadonlyArray<number>): Map<number, SklearnFigures> => {
  const out = spawnSync(PYTHON, [PEER, "--tasks", "1d", "--n", sizes.join(","), "--restarts", "0", "--no-cholesky", "--threads", "1"], { encoding: "utf8", maxBuffer: 1 << 24 })
  const figures = new Map<number, SklearnFigures>()
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    const r = JSON.parse(line) as Record<string, unknown>
    if (r.record !== "result" || r.bench !== "gp_fit") continue
    figures.set(r.n as number, {
      fitS: r.fit_s as number,
      evaluations: r.lml_evals as number,
      lmlGradS: r.fit_s_per_lml_eval as number,
      predictS: r.predict_std_s as number,
      lml: r.lml_final as number,
      source: "measured"
    })
  }
  return figures
}

const seconds = (f: () => void): number => {
  const t = performance.now()
  f()
  return (performance.now() - t) / 1e3
}

const divide = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b)
const fmt = (v: number | undefined, digits = 3): string => (v === undefined ? "—" : v.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? "—" : `${(a / b).toFixed(1)}×`)

export const run = (options: Options = {}): ReadonlyArray<Row> => {
  const sizes = options.sizes ?? [1000, 2000]
  const withFit = options.fit ?? true
  const measured = (options.peer ?? true) && sklearnInstalled() ? peer(sizes) : new Map<number, SklearnFigures>()
  const Xs = task(1000, "bench/gp/test").X
  const rows = sizes.map((n): Row => {
    const { X, y } = task(n, `bench/gp/${n}`)
    const kernel = Gp.kernelFor("rbf")
    Gp.logMarginalLikelihood(kernel, X, y)
    const lmlGradS = Math.min(seconds(() => Gp.logMarginalLikelihood(kernel, X, y)), seconds(() => Gp.logMarginalLikelihood(kernel, X, y)))
    const sklearn = measured.get(n) ?? RECORDED[n]
    if (!withFit) return { n, lmlGradS, sklearn, ratios: { lmlGrad: divide(lmlGradS, sklearn?.lmlGradS) } }
    let fitted: Gp.Fitted | undefined
    const fitS = seconds(() => {
      fitted = Gp.fit(kernel, X, y)
    })
    const f = fitted!
    const predictS = seconds(() => Gp.predict(f, Xs))
    return {
      n,
      lmlGradS,
      fitS,
      fitEvaluations: f.starts[0].evaluations,
      fitLml: f.logMarginalLikelihood,
      fittedKernel: Kernel.describe(f.kernel),
      predictS,
      sklearn,
      ratios: { lmlGrad: divide(lmlGradS, sklearn?.lmlGradS), fit: divide(fitS, sklearn?.fitS), predict: divide(predictS, sklearn?.predictS) }
    }
  })
  console.log("GP regression, C·RBF + White on the peer's 1-d task (float64, 1 thread); seconds, gpnn/sklearn time ratio")
  console.log("      n   LML+grad  sklearn  ratio     fit (evals)  sklearn (evals)  ratio   predict 1000  sklearn  ratio")
  for (const r of rows) {
    const s = r.sklearn
    console.log(
      `  ${String(r.n).padStart(5)}  ${fmt(r.lmlGradS).padStart(8)}  ${fmt(s?.lmlGradS).padStart(7)}  ${ratio(r.lmlGradS, s?.lmlGradS).padStart(5)}  ${fmt(r.fitS, 2).padStart(8)} (${r.fitEvaluations ?? "—"})  ${fmt(s?.fitS, 2).padStart(8)} (${s?.evaluations ?? "—"})  ${ratio(r.fitS, s?.fitS).padStart(6)}  ${fmt(r.predictS).padStart(12)}  ${fmt(s?.predictS).padStart(7)}  ${ratio(r.predictS, s?.predictS).padStart(5)}${s?.source === "recorded" ? "  (sklearn recorded, not run)" : ""}`
    )
    if (r.fittedKernel !== undefined) console.log(`         fitted ${r.fittedKernel}, LML ${fmt(r.fitLml, 2)} (sklearn on its own draw: ${fmt(s?.lml, 2)})`)
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) run()
