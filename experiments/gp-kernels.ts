/**
 * gp-kernels: every GP kernel family on three 1-d regression tasks — smooth (a sum of
 * sinusoids), rough (an Ornstein–Uhlenbeck path) and periodic — each kernel as C·k + White so the
 * noise is fitted, hyperparameters by type-II maximum likelihood with restarts (GpRegression's
 * own fitting). For each (task, kernel): the log marginal likelihood and AIC of the fitted model,
 * K-fold CV RMSE and NLL, and a test error; which kernel each criterion picks; and the posterior
 * (mean ± 2 sd over a probe grid) of a few kernels.
 *
 * Definitions (stated in the report too):
 * - LML and AIC are those of each fold's fit on its training part (original scale of y, the
 *   standardisation's Jacobian included), averaged over folds; AIC = −2·LML + 2k with k the free
 *   hyperparameters (amplitude, kernel parameters, noise).
 * - The study has one K-fold split, so there is no separate held-out test set: the "test error"
 *   is the pooled out-of-fold RMSE / NLL (every point predicted once, by the fit that did not see
 *   it, from the stored held-out predictions) and, where the task's noise-free function is known
 *   (smooth, periodic), the RMSE of the posterior mean to that function on the probe grid inside
 *   the data range, averaged over folds.
 * - Fitted hyperparameters are reported on the original scale: length-scales and periods times
 *   the training part's x sd, amplitude and noise as sds times its y sd (medians over folds);
 *   the linear kernel's σ₀ and the RQ's α stay in standardised units.
 */
import { Effect, Schema } from "effect"
import * as Random from "../src/core/Random.ts"
import * as Dataset from "../src/data/Dataset.ts"
import * as Split from "../src/data/Split.ts"
import * as Standardise from "../src/data/Standardise.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Task from "../src/data/Task.ts"
import * as GpRegression from "../src/models/gp/GpRegression.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"

const taskNames = ["smooth", "rough", "periodic"] as const
type TaskName = (typeof taskNames)[number]
type KernelFamily = GpRegression.KernelFamily

const Params = Schema.Struct({
  n: Schema.Int.check(Schema.isGreaterThanOrEqualTo(10)),
  noise: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  folds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)),
  tasks: Schema.Array(Schema.Literals(taskNames)).check(Schema.isMinLength(1)),
  kernels: Schema.Array(Schema.Literals(GpRegression.kernelFamilies)).check(Schema.isMinLength(1)),
  /** Optimiser starts beyond the first (GpRegression's stratified log-uniform restarts). */
  restarts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** GpRegression's own y normalisation; y is already standardised on each training part. */
  normalizeY: Schema.Boolean,
  /** Probe grid: points over [−3 − margin, 3 + margin], where every fit stores its posterior. */
  probeSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(5)),
  probeMargin: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Kernels whose posterior is drawn (those present in `kernels`; empty: the first three). */
  plotKernels: Schema.Array(Schema.Literals(GpRegression.kernelFamilies))
})
type Params = typeof Params.Type

const modelId = (kernel: KernelFamily): string => `gp-${kernel}`

const kernelLabels: Record<KernelFamily, string> = {
  rbf: "RBF",
  matern12: "Matérn ½ (exponential)",
  matern32: "Matérn 3/2",
  matern52: "Matérn 5/2",
  periodic: "periodic",
  rq: "rational quadratic",
  linear: "linear"
}
const label = (kernel: string): string => kernelLabels[kernel as KernelFamily] ?? kernel

/** Shorter names for chart axes, panels and legends. */
const shortLabels: Record<KernelFamily, string> = { ...kernelLabels, matern12: "Matérn ½", rq: "RQ" }
const short = (kernel: string): string => shortLabels[kernel as KernelFamily] ?? kernel

const taskDescriptions: Record<TaskName, string> = {
  smooth: "f(x) = sin x + 0.5 sin(2x + 1) + 0.25 cos 3.5x",
  rough: `An Ornstein–Uhlenbeck path (unit variance, length-scale ${Synthetic.DEFAULT_LENGTH_SCALE}): a Matérn ½ sample`,
  periodic: `f(x) = sin(2πx/p) + 0.5 cos(4πx/p), p = ${Synthetic.DEFAULT_PERIOD}`
}

/** The noise-free function where it is known in closed form (the rough path is a random draw). */
const truth: Record<TaskName, ((x: number) => number) | undefined> = {
  smooth: Synthetic.smoothMean,
  rough: undefined,
  periodic: (x) => Synthetic.periodicMean(x)
}

const probeXs = (p: Params): Array<number> => {
  const [lo, hi] = [Synthetic.X_RANGE[0] - p.probeMargin, Synthetic.X_RANGE[1] + p.probeMargin]
  return Array.from({ length: p.probeSteps }, (_, i) => lo + ((hi - lo) * i) / (p.probeSteps - 1))
}

const taskEntry = (p: Params, name: TaskName): Study.TaskEntry => ({
  name,
  spec: { task: name, n: p.n, noise: p.noise },
  probe: probeXs(p).map((x) => [x])
})

const split = (p: Params): Study.SplitSpec => ({ kind: "kfold", folds: p.folds })

const metrics = ["logLik", "aic", "k", "rmse", "nll", "trainRmse"] as const

interface Criterion {
  readonly key: string
  readonly title: string
  /** The column label of the rank heatmap. */
  readonly short: string
  readonly direction: "min" | "max"
}

/** The selection criteria, in table order. */
const criteria: ReadonlyArray<Criterion> = [
  { key: "logLik", title: "max LML", short: "LML", direction: "max" },
  { key: "aic", title: "min AIC", short: "AIC", direction: "min" },
  { key: "rmse", title: "min CV RMSE", short: "CV RMSE", direction: "min" },
  { key: "nll", title: "min CV NLL", short: "CV NLL", direction: "min" },
  { key: "pooledRmse", title: "min test RMSE (pooled out-of-fold)", short: "test RMSE", direction: "min" },
  { key: "truthRmse", title: "min RMSE to the true f", short: "RMSE to f", direction: "min" }
]

interface KernelResult {
  readonly kernel: KernelFamily
  readonly model: string
  readonly summary: Summary.ModelSummary
  readonly values: Readonly<Record<string, number>>
  readonly pooledNll: number
  readonly hyper: ReadonlyArray<readonly [string, number]>
  readonly atBound: number
  readonly jittered: number
  /** The periodic kernel's fitted period per fold, original units (empty for other kernels). */
  readonly periods: ReadonlyArray<number>
}

const median = (values: ReadonlyArray<number>): number => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const m = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2
}

/** The mean of the finite values (a failed fold's NaN does not poison it). */
const mean = (values: ReadonlyArray<number>): number => Summary.mean(values.filter(Number.isFinite))

/** A fitted hyperparameter on the original scale, with the symbol it is shown under. */
const hyperOnOriginalScale = (name: string, value: number, scaler: Standardise.Scaler): readonly [string, number] => {
  switch (name) {
    case "amplitude":
      return ["σ_f", Math.sqrt(value) * scaler.ySd]
    case "noise":
      return ["σ_n", Math.sqrt(value) * scaler.ySd]
    case "lengthScale":
      return ["ℓ", value * scaler.xSd[0]]
    case "period":
      return ["p", value * scaler.xSd[0]]
    case "alpha":
      return ["α", value]
    case "sigma0":
      return ["σ₀ (std.)", value]
    default:
      return [name, value]
  }
}

/** Keys of a GP trial's `info` that are not hyperparameters. */
const infoNotHyper = new Set(["kernel", "jitter", "lml", "atBound", "warning", "backend"])

/** Rank of each value (1 = best) under a direction; NaN stays NaN. */
const ranks = (values: ReadonlyArray<number>, direction: "min" | "max"): Array<number> =>
  values.map((v) =>
    Number.isFinite(v) ? 1 + values.filter((w) => Number.isFinite(w) && (direction === "min" ? w < v : w > v)).length : Number.NaN
  )

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const xs = probeXs(p)
    const plotted = (p.plotKernels.filter((k) => p.kernels.includes(k)).length > 0
      ? p.kernels.filter((k) => p.plotKernels.includes(k))
      : p.kernels.slice(0, 3))

    const taskSections: Array<Document.Section> = []
    const picks: Array<{ task: TaskName; best: Record<string, KernelResult | undefined>; results: ReadonlyArray<KernelResult> }> = []

    for (const task of p.tasks) {
      const taskRows = rows.filter((r) => r.task === task)
      // The data and folds are pure functions of the run seed and the task name: redraw them.
      const data = yield* Task.load(taskEntry(p, task).spec, Random.make(Study.dataSeed(manifest.seed, task))).pipe(Effect.orDie)
      const folds = yield* Split.make(split(p), data, Random.make(Study.splitSeed(manifest.seed, task))).pipe(Effect.orDie)
      const scalers = folds.map((f) => Standardise.fit(Dataset.subset(data, f.train)))
      const f = truth[task]
      const inside = xs.map((x) => x >= Synthetic.X_RANGE[0] && x <= Synthetic.X_RANGE[1])

      const summaries = Summary.byModel(taskRows, metrics)
      const results: Array<KernelResult> = p.kernels.flatMap((kernel) => {
        const summary = summaries.find((s) => s.model === modelId(kernel))
        if (summary === undefined) return []
        const mine = taskRows.filter((r) => r.model === modelId(kernel) && r.status === "ok")
        // Pooled out-of-fold predictions.
        const ys: Array<number> = []
        const ms: Array<number> = []
        const vs: Array<number> = []
        for (const r of mine) {
          const held = run.heldOut.get(r.key)
          if (held?.prediction.mean === undefined) continue
          ys.push(...held.y)
          ms.push(...held.prediction.mean)
          vs.push(...(held.prediction.variance ?? held.y.map(() => Number.NaN)))
        }
        const pooledRmse = ys.length === 0 ? Number.NaN : Metrics.rmse(ys, ms)
        const pooledNll = ys.length === 0 || vs.some((v) => !(v > 0)) ? Number.NaN : Metrics.gaussianNll(ys, ms, vs)
        const truthRmse = f === undefined ? Number.NaN : mean(mine.map((r) => {
          const mu = run.probes.get(r.key)?.mean
          if (mu === undefined) return Number.NaN
          let s = 0
          let c = 0
          xs.forEach((x, i) => {
            if (!inside[i]) return
            s += (mu[i] - f(x)) ** 2
            c++
          })
          return Math.sqrt(s / c)
        }))
        const byName = new Map<string, Array<number>>()
        for (const r of mine) {
          const scaler = scalers[r.fold]
          for (const [name, value] of Object.entries(r.info)) {
            if (infoNotHyper.has(name) || typeof value !== "number" || scaler === undefined) continue
            const [symbol, v] = hyperOnOriginalScale(name, value, scaler)
            byName.set(symbol, [...(byName.get(symbol) ?? []), v])
          }
        }
        return [{
          kernel,
          model: modelId(kernel),
          summary,
          values: { ...summary.mean, pooledRmse, truthRmse },
          pooledNll,
          hyper: [...byName.entries()].map(([s, v]) => [s, median(v)] as const),
          atBound: mine.filter((r) => r.info.atBound === true).length,
          jittered: mine.filter((r) => typeof r.info.jitter === "number" && r.info.jitter > 0).length,
          periods: mine.flatMap((r) => typeof r.info.period === "number" && scalers[r.fold] !== undefined ? [r.info.period * scalers[r.fold].xSd[0]] : [])
        }]
      })

      const best: Record<string, KernelResult | undefined> = {}
      for (const c of criteria) {
        let found: KernelResult | undefined
        for (const r of results) {
          const v = r.values[c.key]
          if (!Number.isFinite(v)) continue
          if (found === undefined || (c.direction === "min" ? v < found.values[c.key] : v > found.values[c.key])) found = r
        }
        best[c.key] = found
      }
      picks.push({ task, best, results })

      const used = criteria.filter((c) => results.some((r) => Number.isFinite(r.values[c.key])))
      const rankData = used.flatMap((c) => {
        const rk = ranks(results.map((r) => r.values[c.key]), c.direction)
        return results.map((r, i) => ({ criterion: c.short, kernel: short(r.kernel), rank: rk[i] }))
      })
      const rankChart = yield* Chart.render(Chart.heatmap({
        title: `${task}: rank of each kernel under each criterion`,
        subtitle: "1 = the criterion's pick; LML ranked from the largest, the others from the smallest",
        width: 620,
        height: Math.max(160, 34 * results.length + 60),
        data: rankData,
        x: { field: "criterion", title: "", order: used.map((c) => c.short) },
        y: { field: "kernel", title: "", order: results.map((r) => short(r.kernel)) },
        value: { field: "rank", title: "rank", domain: [1, Math.max(2, results.length)], format: (v) => Format.number(v) }
      }))

      // Posterior of the fold-0 fit of each plotted kernel, with the true f where known.
      const bandRows = plotted.flatMap((kernel) => {
        const key = taskRows.find((r) => r.model === modelId(kernel) && r.fold === 0 && r.status === "ok")?.key
        const probe = key === undefined ? undefined : run.probes.get(key)
        const mu = probe?.mean ?? []
        const v = probe?.variance ?? []
        return [
          ...xs.map((x, i) => {
            const sd = Math.sqrt(v[i] ?? Number.NaN)
            return { x, y: mu[i] ?? Number.NaN, lo: (mu[i] ?? Number.NaN) - 2 * sd, hi: (mu[i] ?? Number.NaN) + 2 * sd, series: "mean ± 2 sd", kernel: short(kernel) }
          }),
          ...(f === undefined ? [] : xs.map((x) => ({ x, y: f(x), lo: null, hi: null, series: "true f", kernel: short(kernel) })))
        ]
      })
      const domain: readonly [number, number] = [xs[0], xs[xs.length - 1]]
      const fold0 = folds[0]
      const posterior = yield* Chart.render(Chart.facet({
        title: `${task}: GP posteriors, fold-0 fit`,
        subtitle: `predictive mean ± 2 sd (noise included), grey: fold 0's training points, over [${Format.number(domain[0])}, ${Format.number(domain[1])}]; the data span [−3, 3]`,
        by: { field: "kernel", title: "", order: plotted.map(short) },
        columns: 2,
        chart: Chart.line({
          title: "",
          width: 300,
          height: 190,
          data: bandRows,
          x: { field: "x", title: "x", domain },
          y: { field: "y", title: "y" },
          series: { field: "series", title: "", order: f === undefined ? ["mean ± 2 sd"] : ["mean ± 2 sd", "true f"] },
          interval: { lo: "lo", hi: "hi", style: "band" },
          points: false,
          // fold 0's training points, which the plotted fits saw
          overlay: { data: plotted.flatMap((kernel) => Array.from(fold0?.train ?? [], (i) => ({ x: data.X.data[i], y: data.y[i], kernel: short(kernel) }))), x: "x", y: "y" }
        })
      }))
      const heldOut0 = new Set(Array.from(fold0?.test ?? []))
      const dataChart = yield* Chart.render(Chart.scatter({
        title: `${task}: the data`,
        subtitle: `n = ${data.X.rows}, noise sd ${p.noise}; fold 0's training and held-out points`,
        width: 620,
        height: 240,
        data: Array.from({ length: data.X.rows }, (_, i) => ({ x: data.X.data[i], y: data.y[i], part: heldOut0.has(i) ? "fold 0 held out" : "fold 0 training" })),
        x: { field: "x", title: "x", domain },
        y: { field: "y", title: "y" },
        colour: { field: "part", title: "", order: ["fold 0 training", "fold 0 held out"] }
      }))

      const pickedBy = (r: KernelResult) => criteria.filter((c) => best[c.key] === r).map((c) => c.title.replace(" (pooled out-of-fold)", ""))
      taskSections.push(Document.section(`Task: ${task}`, [
        Document.paragraph(`${taskDescriptions[task]}, x ~ U(−3, 3), n = ${data.X.rows}, noise sd ${p.noise}; ${p.folds}-fold CV.`),
        Document.table({
          caption: `Every kernel on ${task}: LML (original scale, mean over folds), AIC, k, CV RMSE and NLL (mean ± sd over folds), the test error (pooled out-of-fold RMSE and NLL${f === undefined ? "" : "; RMSE of the posterior mean to the true f inside [−3, 3], mean over folds"}), fitted hyperparameters (medians over folds, original scale) and the fits with a hyperparameter at a bound.`,
          columns: [
            { key: "kernel", title: "kernel" },
            { key: "k", title: "k" },
            { key: "lml", title: "LML", align: "right" },
            { key: "aic", title: "AIC", align: "right" },
            { key: "rmse", title: "CV RMSE", align: "right" },
            { key: "nll", title: "CV NLL", align: "right" },
            { key: "pooled", title: "test RMSE / NLL", align: "right" },
            ...(f === undefined ? [] : [{ key: "truth", title: "RMSE to f", align: "right" as const }]),
            { key: "hyper", title: "fitted hyperparameters" },
            { key: "bound", title: "at bound" },
            { key: "trials", title: "ok / trials" },
            { key: "picked", title: "picked by" }
          ],
          rows: results.map((r) => ({
            kernel: label(r.kernel),
            k: r.summary.mean.k,
            lml: Format.fixed(r.values.logLik, 2),
            aic: Format.fixed(r.values.aic, 2),
            rmse: Format.meanSd(r.summary.mean.rmse, r.summary.sd.rmse),
            nll: Format.meanSd(r.summary.mean.nll, r.summary.sd.nll),
            pooled: `${Format.fixed(r.values.pooledRmse, 4)} / ${Format.fixed(r.pooledNll, 3)}`,
            truth: Format.fixed(r.values.truthRmse, 4),
            hyper: r.hyper.map(([s, v]) => `${s} = ${Format.significant(v, 3)}`).join(", "),
            bound: `${r.atBound} / ${r.summary.ok}`,
            trials: `${r.summary.ok} / ${r.summary.trials}`,
            picked: pickedBy(r).join(", ")
          }))
        }),
        Document.figure({ name: `ranks-${task}`, svg: rankChart, caption: `Rank of each kernel on ${task} under each criterion (1 = picked).` }),
        Document.figure({ name: `posterior-${task}`, svg: posterior, caption: `Posterior mean and ±2 sd predictive band of the fold-0 fit of ${plotted.map(label).join(", ")} on ${task}${f === undefined ? "" : ", with the true f"}; the grid extends ${p.probeMargin} beyond the data on each side.` }),
        Document.figure({ name: `data-${task}`, svg: dataChart, caption: `The ${task} data, coloured by fold 0's split (the fit in the posterior panels saw the training points only).` })
      ]))
    }

    // "Which kernel each criterion picks", one row per task.
    const picksTable = Document.table({
      caption: "The kernel each criterion picks, per task, with its value. LML and AIC: fit on each training part, mean over folds; CV: mean over held-out folds; test: pooled out-of-fold; true f: RMSE of the posterior mean to the noise-free function (smooth and periodic only).",
      columns: [
        { key: "task", title: "task" },
        ...criteria.map((c) => ({ key: c.key, title: c.title }))
      ],
      rows: picks.map(({ task, best }) => ({
        task,
        ...Object.fromEntries(criteria.map((c) => {
          const b = best[c.key]
          return [c.key, b === undefined ? Format.missing : `${label(b.kernel)} (${c.key === "logLik" || c.key === "aic" ? Format.fixed(b.values[c.key], 1) : Format.fixed(b.values[c.key], 3)})`]
        }))
      }))
    })

    const findings: Array<string> = []
    for (const { task, best, results } of picks) {
      const name = (key: string) => (best[key] === undefined ? Format.missing : label(best[key]!.kernel))
      const evidence = [best.logLik, best.aic].map((b) => b?.kernel)
      const cv = [best.rmse, best.nll].map((b) => b?.kernel)
      const all = [...evidence, ...cv].filter((k) => k !== undefined)
      const agree = all.length > 0 && all.every((k) => k === all[0])
      const lmls = results.map((r) => r.values.logLik).filter(Number.isFinite).sort((a, b) => b - a)
      const margin = lmls.length >= 2 ? lmls[0] - lmls[1] : Number.NaN
      const runnerUp = results.find((r) => r.values.logLik === lmls[1])
      findings.push(
        `**${task}**: LML picks **${name("logLik")}**${Number.isFinite(margin) ? ` (${margin < 1 ? "a tie within 1 nat" : "ahead"} of the runner-up, ${label(runnerUp?.kernel ?? "")}, by ${Format.significant(margin, 2)} nats, mean over folds)` : ""}, AIC **${name("aic")}**, CV RMSE **${name("rmse")}**, CV NLL **${name("nll")}**, the pooled test RMSE **${name("pooledRmse")}**${best.truthRmse === undefined ? "" : ` and the RMSE to the true f **${name("truthRmse")}**`}: ` +
          (agree
            ? "the marginal-likelihood criteria and cross-validation agree."
            : evidence[0] === evidence[1] && cv[0] === cv[1]
            ? `LML and AIC agree on ${name("logLik")}, cross-validation (RMSE and NLL) on ${name("rmse")}.`
            : evidence[0] === cv[1]
            ? "LML and CV NLL agree; the other criteria differ."
            : "the marginal-likelihood criteria and cross-validation do not all agree.")
      )
    }
    const periodicTask = picks.find((x) => x.task === "periodic")
    const periodicKernel = periodicTask?.results.find((r) => r.kernel === "periodic")
    if (periodicTask !== undefined && periodicKernel !== undefined) {
      const standing = criteria.flatMap((c) => {
        const values = periodicTask.results.map((r) => r.values[c.key])
        if (!values.some(Number.isFinite)) return []
        const rank = ranks(values, c.direction)[periodicTask.results.indexOf(periodicKernel)]
        return [`${c.short} ${Number.isFinite(rank) ? `#${rank}` : Format.missing}`]
      })
      findings.push(`On the periodic task the periodic kernel ranks ${standing.join(", ")} of ${periodicTask.results.length}.`)
    }
    // The fitted period fold by fold: the likelihood is multimodal in the period, and a fit that
    // misses the basin of the true period ends in the RBF limit (period ≫ data span).
    for (const { task, results } of picks) {
      const periodic = results.find((r) => r.kernel === "periodic")
      if (periodic === undefined) continue
      const span = Synthetic.X_RANGE[1] - Synthetic.X_RANGE[0]
      const periods = periodic.periods
      const collapsed = periods.filter((v) => v > span).length
      const found = task === "periodic"
        ? periods.filter((v) => {
          const ratio = v / Synthetic.DEFAULT_PERIOD
          return v <= span && Math.round(ratio) >= 1 && Math.abs(ratio - Math.round(ratio)) < 0.05 * Math.round(ratio)
        }).length
        : undefined
      findings.push(
        `Fitted periods of the periodic kernel on ${task}, fold by fold: ${periods.map((v) => Format.significant(v, 3)).join(", ")}` +
          (found === undefined ? "" : ` (true period ${Synthetic.DEFAULT_PERIOD}; ${found} of ${periods.length} fits found it or a multiple of it within 5%)`) +
          (collapsed === 0 ? "." : `; ${collapsed} of ${periods.length} exceed the data span (${span}), where the kernel sees no repetition and acts as a smooth stationary kernel (the RBF is its limit as the period grows)${task === "periodic" ? ": a local optimum that the restarts did not escape" : ""}.`)
      )
    }
    const roughTask = picks.find((x) => x.task === "rough")
    const exponential = roughTask?.results.find((r) => r.kernel === "matern12")
    if (roughTask !== undefined && exponential !== undefined) {
      const rk = ranks(roughTask.results.map((r) => r.values.logLik), "max")[roughTask.results.indexOf(exponential)]
      const rkCv = ranks(roughTask.results.map((r) => r.values.nll), "min")[roughTask.results.indexOf(exponential)]
      const ell = exponential.hyper.find(([s]) => s === "ℓ")?.[1]
      findings.push(
        `The rough task is a Matérn ½ sample with length-scale ${Synthetic.DEFAULT_LENGTH_SCALE}: the Matérn ½ kernel ranks #${Format.number(rk)} by LML and #${Format.number(rkCv)} by CV NLL, with fitted ℓ = ${Format.significant(ell, 3)}.`
      )
    }
    for (const { task, best } of picks) {
      const b = best.logLik
      const sn = b?.hyper.find(([s]) => s === "σ_n")?.[1]
      if (b !== undefined && sn !== undefined) {
        findings.push(`Fitted noise sd of the LML pick on ${task} (${label(b.kernel)}): ${Format.significant(sn, 3)}, against the true ${p.noise}.`)
      }
    }
    const boundRows = rows.filter((r) => r.info.atBound === true)
    // At-bound fits grouped by kernel, hyperparameter and side, from GpRegression's warning text.
    const boundGroups = new Map<string, { kernel: string; name: string; side: string; tasks: Set<string>; count: number }>()
    for (const r of boundRows) {
      for (const m of String(r.info.warning).matchAll(/(\w+) = \S+ sits at its (lower|upper) bound/g)) {
        const key = `${r.axes.kernel}/${m[1]}/${m[2]}`
        const g = boundGroups.get(key) ?? { kernel: String(r.axes.kernel), name: m[1], side: m[2], tasks: new Set<string>(), count: 0 }
        g.tasks.add(r.task)
        g.count++
        boundGroups.set(key, g)
      }
    }
    const boundMeaning = (g: { kernel: string; name: string; side: string }): string =>
      g.kernel === "rq" && g.name === "alpha" && g.side === "upper" ? ": the RQ has become the RBF (α → ∞)"
      : g.kernel === "linear" && g.name === "sigma0" && g.side === "lower" ? ": the intercept term is switched off"
      : g.name === "amplitude" && g.side === "lower" ? ": the kernel term is switched off, leaving a constant plus noise"
      : g.name === "lengthScale" && g.side === "upper" ? ": the function is flat at the scale of the data"
      : g.name === "noise" && g.side === "lower" ? ": the fit interpolates the data"
      : ""
    if (boundGroups.size > 0) {
      findings.push(
        `Hyperparameters at a bound: ${[...boundGroups.values()].map((g) => `${label(g.kernel)} ${g.name} at its ${g.side} bound in ${g.count} fit(s) (${[...g.tasks].join(", ")})${boundMeaning(g)}`).join("; ")}.`
      )
    }
    const notOk = rows.filter((r) => r.status !== "ok")
    findings.push(
      `${boundRows.length} of ${rows.length} fits have a hyperparameter at a bound (listed under Warnings); ${notOk.length} trial(s) failed. The run took ${Format.duration(RunFacts.wallSeconds(manifest) * 1000)} of wall time.`
    )

    const warningItems = [
      ...boundRows.map((r) => `${r.task} / ${label(String(r.axes.kernel))} / fold ${r.fold}: ${String(r.info.warning)}`),
      ...rows.filter((r) => typeof r.info.jitter === "number" && r.info.jitter > 0)
        .map((r) => `${r.task} / ${label(String(r.axes.kernel))} / fold ${r.fold}: jitter ${Format.scientific(r.info.jitter as number, 2)} was added to the kernel matrix's diagonal to factor it.`),
      ...notOk.map((r: TrialRow) => `${r.task} / ${label(String(r.axes.kernel))} / fold ${r.fold}: ${r.status}: ${r.error ?? "no message"}`)
    ]

    return Document.make({
      title: "gp-kernels: which kernel does each criterion pick?",
      intro: `Every GP kernel (${p.kernels.map(label).join(", ")}), each as C·k + White so the noise is fitted, on the ${p.tasks.join(", ")} 1-d regression tasks (n = ${p.n}, noise sd ${p.noise}). Hyperparameters maximise the log marginal likelihood (L-BFGS on log θ from the kernel's defaults and ${p.restarts} more starts stratified log-uniformly over the bounds [1e-5, 1e5] of each hyperparameter) on each training part after x and y are standardised on it. ${p.folds}-fold CV on folds shared by every kernel.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Which kernel each criterion picks", [
          picksTable,
          Document.paragraph(`**Definitions.** LML = log p(y | X, θ̂) of each fold's fit on its training part (${p.folds - 1}/${p.folds} of the data), on the original scale of y, averaged over folds; AIC = −2·LML + 2k with k the free hyperparameters. CV RMSE / NLL: mean over the ${p.folds} held-out folds of the per-fold RMSE and mean Gaussian negative log predictive density (predictive variance including the fitted noise). **Test error**: the study has a single K-fold split and no separate test set, so the test error is the pooled out-of-fold error — every point predicted once, by the fit that did not see it, from the stored held-out predictions — and, for the tasks whose noise-free function is known (smooth, periodic), the RMSE of the posterior mean to that function on the probe grid inside [−3, 3], averaged over folds.`)
        ]),
        ...taskSections,
        Document.section("Warnings", warningItems.length === 0
          ? [Document.paragraph("No fit has a hyperparameter at a bound, none needed jitter, and every trial finished.")]
          : [
            Document.paragraph("A hyperparameter at a bound means the likelihood still rises beyond it (GpRegression's `atBound`); the fit is the best inside the box, not an optimum. Jitter, failures and divergences are listed too."),
            Document.bullets(warningItems)
          ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "gp-kernels",
  title: "GP kernels on smooth, rough and periodic regression: LML, AIC and CV side by side",
  description: "Every GP kernel (C·k + White, fitted by marginal likelihood) on smooth, rough and periodic 1-d tasks: log marginal likelihood, AIC, CV RMSE/NLL and test error, which kernel each criterion picks, and posterior bands.",
  params: Params,
  defaults: {
    n: 250,
    noise: 0.3,
    folds: 5,
    tasks: ["smooth", "rough", "periodic"],
    kernels: ["rbf", "matern12", "matern32", "matern52", "periodic", "rq", "linear"],
    restarts: 9,
    normalizeY: false,
    probeSteps: 141,
    probeMargin: 0.5,
    plotKernels: ["rbf", "matern12", "periodic", "linear"]
  },
  profiles: {
    quick: { n: 60, folds: 3, tasks: ["smooth", "periodic"], kernels: ["rbf", "matern12", "periodic"], restarts: 1, probeSteps: 61 },
    full: { n: 400, folds: 10, restarts: 19, probeSteps: 281 }
  },
  seed: 0,
  study: (p) => ({
    tasks: p.tasks.map((t) => taskEntry(p, t)),
    split: split(p),
    seeds: 1,
    keepPredictions: true,
    models: p.kernels.map((kernel): Study.ModelEntry => ({
      id: modelId(kernel),
      family: "gp",
      axes: { kernel },
      config: { kernel, restarts: p.restarts, normalizeY: p.normalizeY }
    }))
  }),
  report
})
