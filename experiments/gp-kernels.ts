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
 * - Fitted hyperparameters are read from the trial rows (`row.hyperparameters`) and taken to the
 *   original scale with each row's stored standardisation (`FitFacts.toOriginalScale`):
 *   length-scales and periods in units of x, amplitude and noise shown as sds in units of y
 *   (medians over folds); the linear kernel's σ₀, the RQ's α and the periodic kernel's ℓ (relative
 *   to its period) are unit-free or in standardised units and shown as fitted.
 * - The report reads only the stored run: the data points, folds, probe grid and true function
 *   come from the run's stored tasks (`keepData`), never from redrawing the data.
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as GpRegression from "../src/models/gp/GpRegression.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as Document from "../src/report/Document.ts"
import * as FitWarnings from "../src/report/FitWarnings.ts"
import * as Format from "../src/report/Format.ts"
import * as Hyperparameters from "../src/report/Hyperparameters.ts"
import * as ModelTable from "../src/report/ModelTable.ts"
import * as PosteriorBand from "../src/report/PosteriorBand.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"

const taskNames = ["smooth", "rough", "periodic"] as const
type TaskName = (typeof taskNames)[number]
type KernelFamily = GpRegression.KernelFamily

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(10),
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  tasks: Parameter.NonEmpty(Schema.Literals(taskNames)),
  kernels: Parameter.NonEmpty(Schema.Literals(GpRegression.kernelFamilies)),
  /** Optimiser starts beyond the first (GpRegression's stratified log-uniform restarts). */
  restarts: Parameter.NonNegativeInt,
  /** GpRegression's own y normalisation; y is already standardised on each training part. */
  normalizeY: Schema.Boolean,
  /** Probe grid: points over [−3 − margin, 3 + margin], where every fit stores its posterior. */
  probeSteps: Parameter.IntAtLeast(5),
  probeMargin: Parameter.NonNegative,
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

const probeXs = (p: Params): Array<number> => Grid.linspace(Synthetic.X_RANGE[0] - p.probeMargin, Synthetic.X_RANGE[1] + p.probeMargin, p.probeSteps)

const taskEntry = (p: Params, name: TaskName): Study.TaskEntry => ({
  name,
  spec: { task: name, n: p.n, noise: p.noise },
  probe: probeXs(p).map((x) => [x]),
  keepData: true
})

const metrics = ["logLik", "aic", "k", "rmse", "nll", "trainRmse"] as const

/** The selection criteria, in table order. */
const criteria: ReadonlyArray<Criteria.Criterion> = [
  { key: "logLik", title: "max LML", short: "LML", direction: "max" },
  { key: "aic", title: "min AIC", short: "AIC", direction: "min" },
  { key: "rmse", title: "min CV RMSE", short: "CV RMSE", direction: "min" },
  { key: "nll", title: "min CV NLL", short: "CV NLL", direction: "min" },
  { key: "pooledRmse", title: "min test RMSE (pooled out-of-fold)", short: "test RMSE", direction: "min" },
  { key: "truthRmse", title: "min RMSE to the true f", short: "RMSE to f", direction: "min" }
]

/** How a fitted hyperparameter is shown: its symbol, and variances as sds. */
const shown = (h: Pick<Hyperparameters.Values, "name" | "role">): string => {
  switch (h.name) {
    case "amplitude":
      return "σ_f"
    case "noise":
      return "σ_n"
    case "lengthScale":
      return h.role === "lengthScale" ? "ℓ" : "ℓ (rel. to p)"
    case "period":
      return "p"
    case "alpha":
      return "α"
    case "sigma0":
      return "σ₀ (std.)"
    default:
      return h.name
  }
}

interface KernelResult extends Criteria.Candidate {
  readonly kernel: KernelFamily
  readonly summary: Summary.ModelSummary
  readonly pooledNll: number
  /** Medians over folds on the original scale, variances as sds, by display symbol. */
  readonly hyper: ReadonlyArray<readonly [string, number]>
  readonly atBound: number
  /** The periodic kernel's fitted period per fold, original units (empty for other kernels). */
  readonly periods: ReadonlyArray<number>
}

/** Pooled out-of-fold RMSE and Gaussian NLL of a model's ok trials, from the stored held-out predictions. */
const pooledError = (run: RunRecord, rows: ReadonlyArray<TrialRow>): { readonly rmse: number; readonly nll: number } => {
  const ys: Array<number> = []
  const ms: Array<number> = []
  const vs: Array<number> = []
  for (const r of rows) {
    const held = run.heldOut.get(r.key)
    if (held?.prediction.mean === undefined) continue
    ys.push(...held.y)
    ms.push(...held.prediction.mean)
    vs.push(...(held.prediction.variance ?? held.y.map(() => Number.NaN)))
  }
  return {
    rmse: ys.length === 0 ? Number.NaN : Metrics.rmse(ys, ms),
    nll: ys.length === 0 || vs.some((v) => !(v > 0)) ? Number.NaN : Metrics.gaussianNll(ys, ms, vs)
  }
}

/** RMSE of a fit's stored probe mean to the stored true f, over the probe points inside the data's range. */
const truthRmse = (run: RunRecord, row: TrialRow, task: Stored.TaskProbe): number => {
  const mu = run.probes.get(row.key)?.mean
  const f = task.truth
  if (mu === undefined || f === undefined) return Number.NaN
  const inside = task.probe.flatMap(([x], i) => (x >= Synthetic.X_RANGE[0] && x <= Synthetic.X_RANGE[1] ? [i] : []))
  return Math.sqrt(inside.reduce((s, i) => s + (mu[i] - f[i]) ** 2, 0) / inside.length)
}

const kernelResult = (run: RunRecord, task: Stored.TaskProbe, taskRows: ReadonlyArray<TrialRow>, summary: Summary.ModelSummary, kernel: KernelFamily): KernelResult => {
  const mine = taskRows.filter((r) => r.model === summary.model && r.status === "ok")
  const pooled = pooledError(run, mine)
  return {
    id: summary.model,
    label: label(kernel),
    kernel,
    summary,
    values: { ...summary.mean, pooledRmse: pooled.rmse, truthRmse: task.truth === undefined ? Number.NaN : Summary.finiteMean(mine.map((r) => truthRmse(run, r, task))) },
    pooledNll: pooled.nll,
    hyper: Hyperparameters.medians(mine, (h, v) => (h.role === "variance" ? Math.sqrt(v) : v)).map((h) => [shown(h), h.median] as const),
    atBound: mine.filter((r) => (r.warnings ?? []).some((w) => w.code === "AtBound")).length,
    periods: kernel === "periodic" ? Hyperparameters.of(mine, "period") : []
  }
}

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const plotted = p.plotKernels.filter((k) => p.kernels.includes(k)).length > 0
      ? p.kernels.filter((k) => p.plotKernels.includes(k))
      : p.kernels.slice(0, 3)

    const taskSections: Array<Document.Section> = []
    const picks: Array<{ task: TaskName; best: ReadonlyMap<string, Criteria.Candidate | undefined>; results: ReadonlyArray<KernelResult> }> = []
    const withTruth: Array<TaskName> = []

    for (const task of p.tasks) {
      const taskRows = rows.filter((r) => r.task === task)
      const stored = yield* Stored.dataAndProbe(run, task)
      const summaries = Summary.byModel(taskRows, metrics)
      const results = p.kernels.flatMap((kernel) => {
        const summary = summaries.find((s) => s.model === modelId(kernel))
        return summary === undefined ? [] : [kernelResult(run, stored, taskRows, summary, kernel)]
      })
      const best = Criteria.picks(results, criteria)
      picks.push({ task, best, results })

      const rankChart = yield* Chart.render(Criteria.rankHeatmap({
        title: `${task}: rank of each kernel under each criterion`,
        subtitle: "1 = the criterion's pick; LML ranked from the largest, the others from the smallest",
        candidates: results,
        criteria,
        label: (r) => short(r.kernel)
      }))

      const xs = stored.probe.map(([x]) => x)
      const domain: readonly [number, number] = [Math.min(...xs), Math.max(...xs)]
      const fold0 = stored.folds[0]
      const posterior = yield* Chart.render(yield* PosteriorBand.chart({
        title: `${task}: GP posteriors, fold-0 fit`,
        subtitle: `predictive mean ± 2 sd (noise included), grey: fold 0's training points, over [${Format.number(domain[0])}, ${Format.number(domain[1])}]; the data span [${Format.number(Math.min(...stored.X.map(([x]) => x)), 3)}, ${Format.number(Math.max(...stored.X.map(([x]) => x)), 3)}]`,
        task: stored,
        panels: plotted.map((kernel) => ({
          label: short(kernel),
          prediction: run.probes.get(taskRows.find((r) => r.model === modelId(kernel) && r.fold === 0 && r.status === "ok")?.key ?? ""),
          ...(fold0 === undefined ? {} : { points: fold0.train })
        }))
      }))
      const heldOut0 = new Set(fold0?.test ?? [])
      const dataChart = yield* Chart.render(Chart.scatter({
        title: `${task}: the data`,
        subtitle: `n = ${stored.y.length}, noise sd ${p.noise}; fold 0's training and held-out points`,
        width: 620,
        height: 240,
        data: stored.X.map(([x], i) => ({ x, y: stored.y[i], part: heldOut0.has(i) ? "fold 0 held out" : "fold 0 training" })),
        x: { field: "x", title: "x", domain },
        y: { field: "y", title: "y" },
        colour: { field: "part", title: "", order: ["fold 0 training", "fold 0 held out"] }
      }))

      const hasTruth = stored.truth !== undefined
      if (hasTruth) withTruth.push(task)
      const resultOf = (s: Summary.ModelSummary) => results.find((r) => r.id === s.model)!
      taskSections.push(Document.section(`Task: ${task}`, [
        Document.paragraph(`${taskDescriptions[task]}, x ~ U(−3, 3), n = ${stored.y.length}, noise sd ${p.noise}; ${p.folds}-fold CV.`),
        ModelTable.table({
          caption: `Every kernel on ${task}: LML (original scale, mean over folds), AIC, k, CV RMSE and NLL (mean ± sd over folds), the test error (pooled out-of-fold RMSE and NLL${hasTruth ? "; RMSE of the posterior mean to the true f inside [−3, 3], mean over folds" : ""}), fitted hyperparameters (medians over folds, original scale) and the fits with a hyperparameter at a bound.`,
          summaries: results.map((r) => r.summary),
          model: { title: "kernel", label: (s) => label(String(s.axes.kernel)) },
          columns: [
            { metric: "k", title: "k", show: "mean" },
            { metric: "logLik", title: "LML", show: "mean", decimals: 2 },
            { metric: "aic", title: "AIC", show: "mean", decimals: 2 },
            { metric: "rmse", title: "CV RMSE" },
            { metric: "nll", title: "CV NLL" },
            { key: "pooled", title: "test RMSE / NLL", align: "right", value: (s) => `${Format.fixed(resultOf(s).values.pooledRmse, 4)} / ${Format.fixed(resultOf(s).pooledNll, 3)}` },
            ...(hasTruth ? [{ key: "truth", title: "RMSE to f", align: "right" as const, value: (s: Summary.ModelSummary) => Format.fixed(resultOf(s).values.truthRmse, 4) }] : []),
            { key: "hyper", title: "fitted hyperparameters", value: (s) => resultOf(s).hyper.map(([sym, v]) => `${sym} = ${Format.significant(v, 3)}`).join(", ") },
            { key: "bound", title: "at bound", value: (s) => `${resultOf(s).atBound} / ${s.ok}` },
            { key: "picked", title: "picked by", value: (s) => Criteria.pickedBy(resultOf(s), best, criteria).map((t) => t.replace(" (pooled out-of-fold)", "")).join(", ") }
          ]
        }),
        Document.figure({ name: `ranks-${task}`, svg: rankChart, caption: `Rank of each kernel on ${task} under each criterion (1 = picked).` }),
        Document.figure({ name: `posterior-${task}`, svg: posterior, caption: `Posterior mean and ±2 sd predictive band of the fold-0 fit of ${plotted.map(label).join(", ")} on ${task}${hasTruth ? ", with the true f" : ""} (as stored with the run); the grid extends ${p.probeMargin} beyond [−3, 3] on each side.` }),
        Document.figure({ name: `data-${task}`, svg: dataChart, caption: `The ${task} data as stored with the run, coloured by fold 0's split (the fit in the posterior panels saw the training points only).` })
      ]))
    }

    const picksTable = Criteria.table({
      caption: "The kernel each criterion picks, per task, with its value. LML and AIC: fit on each training part, mean over folds; CV: mean over held-out folds; test: pooled out-of-fold; true f: RMSE of the posterior mean to the noise-free function (tasks where it is known).",
      groups: picks.map(({ task, results }) => ({ label: task, candidates: results })),
      criteria,
      groupTitle: "task",
      format: (c, v) => (c.key === "logLik" || c.key === "aic" ? Format.fixed(v, 1) : Format.fixed(v, 3))
    })

    const findings: Array<string> = []
    for (const { task, best, results } of picks) {
      const name = (key: string) => best.get(key)?.label ?? Format.missing
      const same = (a: string, b: string) => best.get(a) !== undefined && best.get(a)?.id === best.get(b)?.id
      const lmls = results.map((r) => r.values.logLik).filter(Number.isFinite).sort((a, b) => b - a)
      const margin = lmls.length >= 2 ? lmls[0] - lmls[1] : Number.NaN
      const runnerUp = results.find((r) => r.values.logLik === lmls[1])
      findings.push(
        `**${task}**: LML picks **${name("logLik")}**${Number.isFinite(margin) ? ` (${margin < 1 ? "a tie within 1 nat" : "ahead"} of the runner-up, ${runnerUp?.label ?? Format.missing}, by ${Format.significant(margin, 2)} nats, mean over folds)` : ""}, AIC **${name("aic")}**, CV RMSE **${name("rmse")}**, CV NLL **${name("nll")}**, the pooled test RMSE **${name("pooledRmse")}**${best.get("truthRmse") === undefined ? "" : ` and the RMSE to the true f **${name("truthRmse")}**`}: ` +
          (Criteria.agree(best, ["logLik", "aic", "rmse", "nll"])
            ? "the marginal-likelihood criteria and cross-validation agree."
            : same("logLik", "aic") && same("rmse", "nll")
            ? `LML and AIC agree on ${name("logLik")}, cross-validation (RMSE and NLL) on ${name("rmse")}.`
            : same("logLik", "nll")
            ? "LML and CV NLL agree; the other criteria differ."
            : "the marginal-likelihood criteria and cross-validation do not all agree.")
      )
    }
    const periodicTask = picks.find((x) => x.task === "periodic")
    const periodicKernel = periodicTask?.results.find((r) => r.kernel === "periodic")
    if (periodicTask !== undefined && periodicKernel !== undefined) {
      const standing = Criteria.used(periodicTask.results, criteria).map((c) => {
        const rank = Criteria.ranks(periodicTask.results, c)[periodicTask.results.indexOf(periodicKernel)]
        return `${c.short} ${Number.isFinite(rank) ? `#${rank}` : Format.missing}`
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
      const at = roughTask.results.indexOf(exponential)
      const rank = (key: string) => Criteria.ranks(roughTask.results, criteria.find((c) => c.key === key)!)[at]
      const ell = exponential.hyper.find(([s]) => s === "ℓ")?.[1]
      findings.push(
        `The rough task is a Matérn ½ sample with length-scale ${Synthetic.DEFAULT_LENGTH_SCALE}: the Matérn ½ kernel ranks #${Format.number(rank("logLik"))} by LML and #${Format.number(rank("nll"))} by CV NLL, with fitted ℓ = ${Format.significant(ell, 3)}.`
      )
    }
    for (const { task, best, results } of picks) {
      const b = results.find((r) => r.id === best.get("logLik")?.id)
      const sn = b?.hyper.find(([s]) => s === "σ_n")?.[1]
      if (b !== undefined && sn !== undefined) {
        findings.push(`Fitted noise sd of the LML pick on ${task} (${b.label}): ${Format.significant(sn, 3)}, against the true ${p.noise}.`)
      }
    }
    const kernelOf = new Map(rows.map((r) => [r.model, String(r.axes.kernel)]))
    findings.push(FitWarnings.sentence(rows, (model) => label(kernelOf.get(model) ?? model)))
    findings.push(RunFacts.trialStatus(manifest, rows))

    const bounds = [...new Set(rows.flatMap((r) => (r.hyperparameters ?? []).filter((h) => h.fixed !== true).map((h) => `[${Format.scientific(h.lower, 1)}, ${Format.scientific(h.upper, 1)}]`)))]
    return Document.make({
      title: "gp-kernels: which kernel does each criterion pick?",
      intro: `Every GP kernel (${p.kernels.map(label).join(", ")}), each as C·k + White so the noise is fitted, on the ${p.tasks.join(", ")} 1-d regression tasks (n = ${p.n}, noise sd ${p.noise}). Hyperparameters maximise the log marginal likelihood (L-BFGS on log θ from the kernel's defaults and ${p.restarts} more starts stratified log-uniformly over the bounds ${bounds.length === 0 ? "(not recorded by this run)" : bounds.join(", ")} of each hyperparameter, in standardised units) on each training part after x and y are standardised on it. ${p.folds}-fold CV on folds shared by every kernel.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Which kernel each criterion picks", [
          picksTable,
          Document.paragraph(`**Definitions.** LML = log p(y | X, θ̂) of each fold's fit on its training part (${p.folds - 1}/${p.folds} of the data), on the original scale of y, averaged over folds; AIC = −2·LML + 2k with k the free hyperparameters. CV RMSE / NLL: mean over the ${p.folds} held-out folds of the per-fold RMSE and mean Gaussian negative log predictive density (predictive variance including the fitted noise). **Test error**: the study has a single K-fold split and no separate test set, so the test error is the pooled out-of-fold error — every point predicted once, by the fit that did not see it, from the stored held-out predictions — and, for the tasks whose noise-free function the run stored (${withTruth.length === 0 ? "none here" : withTruth.join(", ")}), the RMSE of the posterior mean to that function on the probe grid inside [−3, 3], averaged over folds.`)
        ]),
        ...taskSections,
        FitWarnings.section(rows, {
          trial: (r) => `${r.task} / ${label(String(r.axes.kernel))} / fold ${r.fold}`,
          intro: "Every warning a fit raised, from the typed warnings stored with each trial. A hyperparameter at a bound means the likelihood still rises beyond it: the fit is the best inside the box, not an optimum. Jitter means the kernel matrix needed more than its noise term to factor."
        }),
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
    split: { kind: "kfold", folds: p.folds },
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
