/**
 * co2: Rasmussen & Williams (2006) §5.4.3 on the Mauna Loa record. A GP with the composite kernel
 *   long-term trend      c₁·RBF(ℓ₁)
 * + seasonal             c₂·RBF(ℓ₂)·ExpSineSquared(ℓ₃, p)      p one year, tightly bounded
 * + medium-term          c₃·RationalQuadratic(α, ℓ₄)
 * + correlated noise     c₄·RBF(ℓ₅)
 * + White
 * fitted by marginal likelihood on the months before a cut year, then forecast after it; beside it
 * simpler kernels (c·RBF + White; c·RBF·ExpSineSquared + White), a narrow and a wide MLP and the
 * NTK-GP, all trained on the same months and extrapolating the same span.
 *
 * Definitions (stated in the report too):
 * - The split is a forecasting split (Split "time"): train = months before `cut`, test = the
 *   months from `cut` to the end of the record (April 2020). No shuffling; one fold.
 * - Every fit sees x (decimal year) and y (ppm) standardised on the training months (the
 *   pipeline's rule). Start values and bounds are scikit-learn's CO₂ example (50²·RBF(50) +
 *   2²·RBF(100)·ExpSineSquared(1, 1) + 0.5²·RQ(α 1, ℓ 1) + 0.1²·RBF(0.1) + White(0.1²), default
 *   bounds [1e-5, 1e5]) taken to standardised units with the x sd of the training months' calendar
 *   (`nominalXSd`: the months from March 1958 before the cut, every k-th; the record lacks four
 *   of them) and a nominal y sd of 20 ppm (`PPM_SD`; these only place the optimiser's first start
 *   and the bounds). sklearn fixes the period; here x is standardised per training part, whose sd
 *   the config cannot know exactly, so the period is bounded to one year ± `periodBand` (relative)
 *   instead, and its fitted value (in years, by each row's stored x sd) is reported.
 * - LML: log marginal likelihood of the fit on the training months, original scale of y (the
 *   standardisation's Jacobian included). Forecast RMSE and 95 % coverage (the share of test months
 *   inside mean ± 1.96 predictive sd, noise included) are computed from the stored held-out
 *   predictions, by horizon bin (years after the cut); an MLP's predictive variance is its
 *   maximum-likelihood noise variance (Mlp.ts), the same at every input. Stochastic models (MLPs)
 *   are averaged over seeds; the figures draw seed 0.
 * - The components of the composite fit are its additive terms predicted separately
 *   (Decomposition.ts), stored with its probe predictions (gp `components: true`).
 * - The report reads only the stored run: data, split and probe grid from the stored task.
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as VegaDatasets from "../src/data/VegaDatasets.ts"
import type * as Expression from "../src/models/kernels/Expression.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as FittedKernel from "../src/report/FittedKernel.ts"
import * as FitWarnings from "../src/report/FitWarnings.ts"
import * as Format from "../src/report/Format.ts"
import * as ModelTable from "../src/report/ModelTable.ts"
import * as PosteriorBand from "../src/report/PosteriorBand.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, StoredPrediction, TrialRow } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"

const Params = Schema.Struct({
  /** The forecast origin (decimal year): fit on the months before it, forecast the rest. */
  cut: Schema.Finite.check(Schema.isGreaterThan(1960), Schema.isLessThan(2020)),
  /** Keep every k-th month of the record (1: all). */
  every: Parameter.PositiveInt,
  /** Optimiser starts beyond the first for each GP (GpRegression's data-driven starts, then draws). */
  restarts: Parameter.NonNegativeInt,
  /** The period's bounds: one year × [1 − band, 1 + band]. */
  periodBand: Parameter.OpenUnit,
  /** MLP widths (the narrow and the wide one). */
  widths: Parameter.NonEmpty(Parameter.PositiveInt),
  depth: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  learningRate: Parameter.Positive,
  batchSize: Parameter.PositiveInt,
  seeds: Parameter.PositiveInt,
  /** Edges of the horizon bins in years after the cut; the last bin runs to the end of the record. */
  horizons: Parameter.NonEmpty(Parameter.Positive),
  /** The probe grid: `probeSteps` points from the record's start to `probeEnd`. */
  probeSteps: Parameter.IntAtLeast(10),
  probeEnd: Parameter.Positive
})
type Params = typeof Params.Type

const TASK = "co2"
const FIRST_MONTH = 1958.16
/** A nominal sd of the training months' CO₂ (ppm): places the starts, see the header. */
const PPM_SD = 20
const Z95 = 1.959963984540054

/** The sd of the decimal years of the months from March 1958 before `cut`, every k-th (population sd, as Standardise). */
export const nominalXSd = (cut: number, every: number): number => {
  const xs: Array<number> = []
  for (let m = 2; ; m++) {
    const year = 1958 + Math.floor(m / 12)
    const x = VegaDatasets.decimalYear(`${year}-${String((m % 12) + 1).padStart(2, "0")}-01`)!
    if (x >= cut) break
    xs.push(x)
  }
  const kept = xs.filter((_, i) => i % every === 0)
  const mean = kept.reduce((s, v) => s + v, 0) / kept.length
  return Math.sqrt(kept.reduce((s, v) => s + (v - mean) ** 2, 0) / kept.length)
}

/** The kernel expressions, in standardised units (see the header). */
const kernels = (p: Params): Record<"composite" | "rbf" | "rbfPeriodic", Expression.Expression> => {
  const sx = nominalXSd(p.cut, p.every)
  const amplitude = (ppm: number): Expression.Expression => ({ kernel: "constant", params: { value: (ppm / PPM_SD) ** 2 } })
  const rbf = (years: number): Expression.Expression => ({ kernel: "rbf", params: { lengthScale: years / sx } })
  const periodic: Expression.Expression = {
    kernel: "periodic",
    params: { lengthScale: 1, period: 1 / sx },
    bounds: { period: [(1 - p.periodBand) / sx, (1 + p.periodBand) / sx] }
  }
  const white: Expression.Expression = { kernel: "white", params: { noise: (0.1 / PPM_SD) ** 2 } }
  return {
    composite: {
      sum: [
        { product: [amplitude(50), rbf(50)] },
        { product: [amplitude(2), rbf(100), periodic] },
        { product: [amplitude(0.5), { kernel: "rq", params: { alpha: 1, lengthScale: 1 / sx } }] },
        { product: [amplitude(0.1), rbf(0.1)] },
        white
      ]
    },
    rbf: { sum: [{ product: [amplitude(50), rbf(50)] }, white] },
    rbfPeriodic: { sum: [{ product: [amplitude(50), rbf(100), periodic] }, white] }
  }
}

/** The composite kernel's summands, in order. */
const componentNames = ["long-term trend", "seasonal", "medium-term irregularities", "correlated noise", "white noise"] as const
const PERIOD = "sum[1].product[2].periodic.period"

const gpLabels: Record<string, string> = {
  "gp-composite": "GP, composite (R&W)",
  "gp-rbf": "GP, RBF + White",
  "gp-rbf-periodic": "GP, RBF × periodic + White",
  ntk: "NTK-GP"
}
const isGp = (model: string): boolean => model.startsWith("gp-")
const label = (model: string): string => gpLabels[model] ?? (model.startsWith("mlp-w") ? `MLP, width ${model.slice(5)}` : model)

const metrics = ["logLik", "k", "rmse", "nll", "trainRmse"] as const

interface Bin {
  readonly lo: number
  readonly hi: number
  readonly name: string
}

const bins = (p: Params, end: number): Array<Bin> => {
  const edges = [0, ...[...p.horizons].sort((a, b) => a - b).filter((h) => h < end), end]
  return edges.slice(1).map((hi, i) => ({ lo: edges[i], hi, name: i === edges.length - 2 ? `${Format.number(edges[i])}–${Format.number(hi, 3)} y (end)` : `${Format.number(edges[i])}–${Format.number(hi)} y` }))
}

interface Horizon {
  readonly rmse: number
  readonly coverage: number
  readonly n: number
}

/** Forecast RMSE and 95 % coverage of one stored held-out prediction per bin (by years after the cut). */
const byHorizon = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, prediction: StoredPrediction, cut: number, bs: ReadonlyArray<Bin>): Array<Horizon> =>
  bs.map((b, k) => {
    const last = k === bs.length - 1
    const at = x.flatMap((v, i) => (v - cut >= b.lo && (v - cut < b.hi || (last && v - cut <= b.hi)) ? [i] : []))
    const mean = prediction.mean ?? []
    const variance = prediction.variance
    const rmse = at.length === 0 ? Number.NaN : Metrics.rmse(at.map((i) => y[i]), at.map((i) => mean[i]))
    const coverage = at.length === 0 || variance === undefined
      ? Number.NaN
      : at.filter((i) => Math.abs(y[i] - mean[i]) <= Z95 * Math.sqrt(variance[i])).length / at.length
    return { rmse, coverage, n: at.length }
  })

interface ModelResult {
  readonly model: string
  readonly summary: Summary.ModelSummary
  /** Per bin: mean over the model's ok trials (seeds). */
  readonly horizons: ReadonlyArray<Horizon>
  readonly coverage: number
}

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const stored = yield* Stored.dataAndProbe(run, TASK)
    const fold = stored.folds[0]
    const xOf = (i: number) => stored.X[i][0]
    const lastX = Math.max(...fold.test.map(xOf))
    const bs = bins(p, lastX - p.cut)
    const summaries = Summary.byModel(rows, metrics)
    const results: Array<ModelResult> = summaries.map((summary) => {
      const mine = rows.filter((r) => r.model === summary.model && r.status === "ok")
      const per = mine.flatMap((r) => {
        const held = run.heldOut.get(r.key)
        if (held === undefined) return []
        const x = held.index.map(xOf)
        const all = byHorizon(x, held.y, held.prediction, p.cut, [{ lo: 0, hi: Number.POSITIVE_INFINITY, name: "all" }])[0]
        return [{ bins: byHorizon(x, held.y, held.prediction, p.cut, bs), all }]
      })
      return {
        model: summary.model,
        summary,
        horizons: bs.map((_, k) => ({
          rmse: Summary.mean(per.map((t) => t.bins[k].rmse)),
          coverage: Summary.mean(per.map((t) => t.bins[k].coverage)),
          n: per[0]?.bins[k].n ?? 0
        })),
        coverage: Summary.mean(per.map((t) => t.all.coverage))
      }
    })
    const resultOf = (s: Summary.ModelSummary) => results.find((r) => r.model === s.model)!

    // --- tables
    const modelTable = ModelTable.table({
      caption: `Every model fitted on the ${fold.train.length} months before ${p.cut} and forecasting the ${fold.test.length} months from ${p.cut} to ${Format.number(lastX, 6)}: LML and k (free hyperparameters) of the GP fits (original scale of y, the standardisation's Jacobian included), RMSE on the training months, forecast RMSE and NLL over all test months, and the share of test months inside the 95 % predictive interval (mean ± 1.96 sd, noise included; an MLP's predictive variance is its maximum-likelihood noise variance, the mean squared training residual, the same at every input). MLPs: mean ± sd over ${p.seeds} seed(s).`,
      summaries,
      model: { title: "model", label: (s) => label(s.model) },
      columns: [
        { key: "lml", title: "LML", align: "right", value: (s) => (isGp(s.model) ? Format.fixed(s.mean.logLik, 1) : Format.missing) },
        { key: "k", title: "k", align: "right", value: (s) => (isGp(s.model) ? Format.number(s.mean.k) : Format.missing) },
        { metric: "trainRmse", title: "train RMSE (ppm)" },
        { metric: "rmse", title: "forecast RMSE (ppm)" },
        { metric: "nll", title: "forecast NLL" },
        { key: "coverage", title: "95 % coverage", align: "right", value: (s) => Format.percent(resultOf(s).coverage) }
      ]
    })
    const horizonTable = Document.table({
      caption: `Forecast RMSE (ppm) and 95 % coverage by horizon (years after ${p.cut}; months per bin in the header), from the stored held-out predictions; the MLPs' intervals are ± 1.96 × their training residual sd.`,
      columns: [
        { key: "model", title: "model" },
        ...bs.flatMap((b, k) => [
          { key: `rmse${k}`, title: `RMSE ${b.name} (n = ${results[0]?.horizons[k].n ?? 0})`, align: "right" as const },
          { key: `cov${k}`, title: `cov. ${b.name}`, align: "right" as const }
        ])
      ],
      rows: results.map((r) => ({
        model: label(r.model),
        ...Object.fromEntries(r.horizons.flatMap((h, k) => [[`rmse${k}`, Format.fixed(h.rmse, 2)], [`cov${k}`, Format.percent(h.coverage, 0)]]))
      }))
    })
    const horizonChart = yield* Chart.render(Chart.line({
      title: "Forecast RMSE against the horizon",
      subtitle: `per bin of years after ${p.cut}, from the stored held-out predictions; MLPs: mean over seeds`,
      width: 560,
      height: 260,
      data: results.flatMap((r) => r.horizons.map((h, k) => ({ x: (bs[k].lo + bs[k].hi) / 2, y: h.rmse, series: label(r.model) }))),
      x: { field: "x", title: "years after the cut (bin centre)" },
      y: { field: "y", title: "forecast RMSE (ppm)", log: true },
      series: { field: "series", title: "", order: results.map((r) => label(r.model)) }
    }))

    // --- the fitted kernels, as sklearn prints them
    const gpRows = rows.filter((r) => r.family === "gp" && r.status === "ok" && r.fold === 0)
    const compositeRow = gpRows.find((r) => r.model === "gp-composite")
    const kernelLines = gpRows.map((r) => `${label(r.model)}:\n  ${FittedKernel.originalScale(r) ?? "(the row stores no fitted expression)"}`)
    const period = compositeRow === undefined ? undefined : FittedKernel.value(compositeRow, PERIOD)
    const periodAtBound = (compositeRow?.warnings ?? []).some((w) => w.code === "AtBound" && w.parameter === PERIOD)

    // --- the forecast plot
    const panelOf = (model: string) => ({
      label: label(model),
      prediction: run.probes.get(rows.find((r) => r.model === model && r.status === "ok" && r.seedIndex === 0)?.key ?? ""),
      points: stored.y.map((_, i) => i)
    })
    const panels = results.map((r) => panelOf(r.model))
    const forecast = yield* Chart.render(yield* PosteriorBand.chart({
      title: `Mauna Loa CO₂: fits on the months before ${p.cut} and their forecasts`,
      subtitle: `predictive mean ± 2 sd over the probe grid (MLPs: ± 2 training residual sd); grey: every stored month, training and test (after ${p.cut})`,
      task: stored,
      panels,
      columns: 2
    }))
    // The same, from five years before the cut: the forecasts themselves.
    const from = stored.probe.findIndex(([x]) => x >= p.cut - 5)
    const zoomTask = { ...stored, probe: stored.probe.slice(from) }
    const zoom = yield* Chart.render(yield* PosteriorBand.chart({
      title: `The forecasts from ${p.cut}`,
      subtitle: `as above, from ${Format.number(p.cut - 5)}; the vertical spread of the grey points is the seasonal cycle`,
      task: zoomTask,
      panels: panels.map((panel) => ({
        ...panel,
        prediction: panel.prediction === undefined ? undefined : {
          ...(panel.prediction.mean === undefined ? {} : { mean: panel.prediction.mean.slice(from) }),
          ...(panel.prediction.variance === undefined ? {} : { variance: panel.prediction.variance.slice(from) })
        },
        points: stored.y.flatMap((_, i) => (xOf(i) >= p.cut - 5 ? [i] : []))
      })),
      columns: 2
    }))

    // --- the components of the composite fit
    const compositeProbe = compositeRow === undefined ? undefined : run.probes.get(compositeRow.key)
    const fittedTree = compositeRow === undefined ? undefined : FittedKernel.expression(compositeRow)
    const componentFigures: Array<Document.Block> = []
    const components = compositeProbe?.components ?? []
    const yMean = compositeRow?.standardisation?.yMean ?? 0
    const xs = stored.probe.map(([x]) => x)
    for (let c = 0; c < Math.min(components.length, componentNames.length - 1); c++) {
      const comp = components[c]
      const shift = c === 0 ? yMean : 0
      const term = fittedTree !== undefined && "sum" in fittedTree ? fittedTree.sum[c] : undefined
      const svg = yield* Chart.render(Chart.line({
        title: `Component ${c + 1}: ${componentNames[c]}`,
        subtitle: `${c === 0 ? "posterior mean + the training months' mean of y" : "posterior mean"} ± 2 sd, fit on the months before ${p.cut}`,
        width: 560,
        height: 200,
        data: xs.map((x, i) => {
          const sd = Math.sqrt(comp.variance[i])
          return { x, y: comp.mean[i] + shift, lo: comp.mean[i] + shift - 2 * sd, hi: comp.mean[i] + shift + 2 * sd, series: componentNames[c] }
        }),
        x: { field: "x", title: "year", domain: [xs[0], xs[xs.length - 1]] },
        y: { field: "y", title: "ppm" },
        interval: { lo: "lo", hi: "hi", style: "band" },
        points: false
      }))
      componentFigures.push(Document.figure({
        name: `component-${c + 1}`,
        svg,
        caption: `The ${componentNames[c]} part of the composite GP${term === undefined ? "" : ` (${FittedKernel.format(term)})`}, predicted separately over the probe grid and stored with the run.`
      }))
    }
    const whiteVariance = components[componentNames.length - 1]?.variance[0]

    // --- findings
    const findings: Array<string> = []
    const ranked = (k: number) => [...results].filter((r) => Number.isFinite(r.horizons[k].rmse)).sort((a, b) => a.horizons[k].rmse - b.horizons[k].rmse)
    const allRanked = [...results].filter((r) => Number.isFinite(r.summary.mean.rmse)).sort((a, b) => a.summary.mean.rmse - b.summary.mean.rmse)
    if (allRanked.length > 0) {
      findings.push(`Over all ${fold.test.length} test months, the lowest forecast RMSE is **${label(allRanked[0].model)}**'s (${Format.fixed(allRanked[0].summary.mean.rmse, 2)} ppm), then ${allRanked.slice(1).map((r) => `${label(r.model)} ${Format.fixed(r.summary.mean.rmse, 2)}`).join(", ")}.`)
    }
    findings.push(`By horizon, the best forecast: ${bs.map((b, k) => {
      const r = ranked(k)
      return r.length === 0 ? `${b.name} ${Format.missing}` : `${b.name}: ${label(r[0].model)} (${Format.fixed(r[0].horizons[k].rmse, 2)} ppm${r.length > 1 ? `; next ${label(r[1].model)} ${Format.fixed(r[1].horizons[k].rmse, 2)}` : ""})`
    }).join("; ")}.`)
    const withVariance = results.filter((r) => Number.isFinite(r.coverage))
    if (withVariance.length > 0) {
      findings.push(`95 % coverage over all test months (nominal 95 %; an MLP's interval is ± 1.96 × its training residual sd): ${withVariance.map((r) => `${label(r.model)} ${Format.percent(r.coverage, 0)} (by horizon ${r.horizons.map((h) => Format.percent(h.coverage, 0)).join(" → ")})`).join("; ")}.`)
    }
    const lmls = results.filter((r) => isGp(r.model) && Number.isFinite(r.summary.mean.logLik)).sort((a, b) => b.summary.mean.logLik - a.summary.mean.logLik)
    if (lmls.length > 0) findings.push(`Log marginal likelihood on the training months: ${lmls.map((r) => `${label(r.model)} ${Format.fixed(r.summary.mean.logLik, 1)}`).join(" > ")}.`)
    if (period !== undefined) {
      findings.push(`The composite kernel's fitted period is ${Format.significant(period, 5)} years (bounded to [${Format.number(1 - p.periodBand)}, ${Format.number(1 + p.periodBand)}] years by the training months' calendar sd)${periodAtBound ? ", at a bound" : ", inside its bounds"}.`)
    }
    if (whiteVariance !== undefined) findings.push(`The white-noise term's fitted sd: ${Format.significant(Math.sqrt(whiteVariance), 3)} ppm.`)
    findings.push(FitWarnings.sentence(rows, label))
    findings.push(RunFacts.trialStatus(manifest, rows))

    return Document.make({
      title: "co2: the Mauna Loa forecast of R&W §5.4.3, GP kernels beside MLPs and the NTK-GP",
      intro: `Mauna Loa monthly mean CO₂ (vega-datasets, ${stored.y.length} months${p.every === 1 ? "" : `, every ${p.every}th month`}), x = decimal year. Every model is fitted on the ${fold.train.length} months before ${p.cut} (x and y standardised on them) and forecasts the ${fold.test.length} months after. GP hyperparameters maximise the log marginal likelihood (L-BFGS, ${p.restarts} starts beyond the first: data-driven, then log-uniform draws); start values and bounds are scikit-learn's CO₂ example in standardised units (x by the calendar sd of the training months, y by a nominal ${PPM_SD} ppm), except that the period is bounded to one year ± ${Format.percent(p.periodBand, 0)} rather than fixed. MLPs: depth ${p.depth}, ReLU, Adam (learning rate ${p.learningRate}), ${p.epochs} epochs, batch ${p.batchSize}, ${p.seeds} seed(s); NTK-GP: the same depth, ridge chosen on its grid.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Forecast error and coverage against the horizon", [
          horizonTable,
          Document.figure({ name: "horizon-rmse", svg: horizonChart, caption: "Forecast RMSE per horizon bin (log scale), each model." }),
          modelTable
        ]),
        Document.section("The fitted kernels", [
          Document.paragraph("Each GP's fitted kernel on the original scale (years, ppm) as scikit-learn prints a fitted `kernel_`: constants as √c**2, length-scales and the period in years, RQ's α and ExpSineSquared's length-scale unit-free."),
          Document.code(kernelLines.join("\n"))
        ]),
        Document.section("The forecasts", [
          Document.figure({ name: "forecast", svg: forecast, caption: `Each model's predictive mean ± 2 sd over the probe grid (${stored.probe.length} points from ${Format.number(xs[0], 6)} to ${Format.number(xs[xs.length - 1], 6)}), fitted on the months before ${p.cut}, with every stored month in grey.` }),
          Document.figure({ name: "forecast-zoom", svg: zoom, caption: `The same from ${Format.number(p.cut - 5)}: the forecast span.` })
        ]),
        Document.section("The composite fit, component by component", [
          Document.paragraph(`The composite GP's posterior split into its additive terms (Decomposition.ts; R&W §5.4.3, Fig. 5.7): each term's posterior mean and ± 2 sd over the probe grid, predicted in the trial and stored with the run. The terms sum to the predictive mean less the training months' mean of y (${Format.fixed(yMean, 2)} ppm), added here to the trend. The white-noise term is 0 in mean at new inputs; its variance is its noise level.`),
          ...(componentFigures.length === 0 ? [Document.paragraph("The run stored no components for the composite fit.")] : componentFigures)
        ]),
        FitWarnings.section(rows, { trial: (r) => `${label(r.model)} / seed ${r.seedIndex}` }),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "co2",
  title: "Mauna Loa CO₂: R&W's composite GP forecast beside simpler kernels, MLPs and the NTK-GP",
  description: "R&W §5.4.3: the composite-kernel GP fitted by marginal likelihood on the Mauna Loa months before a cut year and its forecast after it, beside simpler kernels, a narrow and a wide MLP and the NTK-GP; LML, forecast RMSE and 95 % coverage by horizon, the fitted kernel as sklearn prints it, and the fit split into its components.",
  params: Params,
  defaults: {
    cut: 2004,
    every: 1,
    restarts: 3,
    periodBand: 0.05,
    widths: [16, 512],
    depth: 2,
    epochs: 200,
    learningRate: 1e-3,
    batchSize: 64,
    seeds: 2,
    horizons: [2, 5, 10],
    probeSteps: 400,
    probeEnd: 2022
  },
  profiles: {
    // Every 4th month (137 before 2004), one start, a narrower wide MLP: ~10 s of trials.
    quick: { every: 4, restarts: 0, widths: [16, 256], epochs: 40, seeds: 1, probeSteps: 160 },
    full: { restarts: 9, epochs: 1000, seeds: 5, probeSteps: 800 }
  },
  seed: 0,
  study: (p) => {
    const k = kernels(p)
    const gp = (id: string, kernel: Expression.Expression, components: boolean): Study.ModelEntry => ({
      id,
      family: "gp",
      axes: { model: id },
      config: { kernel, restarts: p.restarts, normalizeY: false, ...(components ? { components: true } : {}) }
    })
    return {
      tasks: [{
        name: TASK,
        spec: { task: "co2", ...(p.every === 1 ? {} : { every: p.every }) },
        probe: Grid.linspace(FIRST_MONTH, p.probeEnd, p.probeSteps).map((x) => [x]),
        keepData: true
      }],
      split: { kind: "time", cut: p.cut },
      seeds: p.seeds,
      keepPredictions: true,
      models: [
        gp("gp-composite", k.composite, true),
        gp("gp-rbf", k.rbf, false),
        gp("gp-rbf-periodic", k.rbfPeriodic, false),
        ...p.widths.map((width): Study.ModelEntry => ({
          id: `mlp-w${width}`,
          family: "mlp",
          axes: { model: `mlp-w${width}` },
          config: { width, depth: p.depth, activation: "relu", optimizer: "adam", learningRate: p.learningRate, epochs: p.epochs, batchSize: p.batchSize }
        })),
        { id: "ntk", family: "ntk", axes: { model: "ntk" }, config: { depth: p.depth, activation: "relu", ridge: "grid" } }
      ]
    }
  },
  report
})
