/**
 * Report sections of adaptive searches (`pipeline/Adaptive.ts`) scored by nested CV
 * (`pipeline/Objective.ts`): rows grouped back into their searches, best-so-far curves per
 * sampler, optimisation histories, slice plots, importance bars and the pruned trials' evidence.
 *
 * Conventions: a search's rows share the key prefix before "/trial=" and carry the axes `sampler`,
 * `repeat` and `trial` (0-based index); `metrics.objective` is the inner-CV loss (minimised), the
 * other metrics the outer fold's held-out scores. The incumbent after trial t is the completed
 * trial with the lowest objective among trials 0…t (a pruned trial's objective covers fewer folds
 * and never makes it the incumbent; ties go to the earlier trial). Optimism = outer loss − inner
 * loss of the final incumbent: positive when the inner best flatters the model.
 */
import type { TrialRow } from "../results/Run.ts"
import type * as Importance from "../search/Importance.ts"
import type * as Sampler from "../search/Sampler.ts"
import * as Space from "../search/Space.ts"
import * as Chart from "./Chart.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"
import * as Literal from "./Literal.ts"

export interface Search {
  readonly id: string
  readonly task: string
  readonly model: string
  readonly sampler: string
  readonly repeat: number
  /** The outer fold it searched on. */
  readonly fold: number
  /** Its rows by trial index. */
  readonly rows: ReadonlyArray<TrialRow>
}

/** The searches of a run's rows, in order of first appearance; rows without a `trial` axis are left out. */
export const group = (rows: ReadonlyArray<TrialRow>): Array<Search> => {
  const byId = new Map<string, Array<TrialRow>>()
  for (const row of rows) {
    const at = row.key.lastIndexOf("/trial=")
    if (at < 0 || typeof row.axes.trial !== "number") continue
    const id = row.key.slice(0, at)
    byId.set(id, [...(byId.get(id) ?? []), row])
  }
  return [...byId].map(([id, own]) => {
    const sorted = [...own].sort((a, b) => Number(a.axes.trial) - Number(b.axes.trial))
    const r = sorted[0]
    return { id, task: r.task, model: r.model, sampler: String(r.axes.sampler), repeat: Number(r.axes.repeat), fold: r.fold, rows: sorted }
  })
}

export interface Step {
  /** 1-based trial count. */
  readonly trial: number
  /** Inner objective of the incumbent after this trial (NaN before the first completed one). */
  readonly inner: number
  /** Outer log loss of that incumbent. */
  readonly outer: number
  /** Outer accuracy of that incumbent. */
  readonly accuracy: number
  /** 1-based trial number of the incumbent. */
  readonly at: number
}

/** The incumbent after each trial of a search. */
export const bestSoFar = (search: Search): Array<Step> => {
  let best: TrialRow | undefined
  return search.rows.map((row, i) => {
    if (row.status === "ok" && Number.isFinite(row.metrics.objective) && (best === undefined || row.metrics.objective < best.metrics.objective)) best = row
    return {
      trial: i + 1,
      inner: best?.metrics.objective ?? Number.NaN,
      outer: best?.metrics.logLoss ?? Number.NaN,
      accuracy: best?.metrics.accuracy ?? Number.NaN,
      at: best === undefined ? Number.NaN : Number(best.axes.trial) + 1
    }
  })
}

interface Moments {
  readonly mean: number
  readonly sd: number
}

const moments = (xs: ReadonlyArray<number>): Moments => {
  const v = xs.filter(Number.isFinite)
  if (v.length === 0) return { mean: Number.NaN, sd: Number.NaN }
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  return { mean, sd: v.length < 2 ? Number.NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) }
}

/** numpy's linear quantile of finite values (NaN when none). */
export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const h = (s.length - 1) * q
  const lo = Math.floor(h)
  return s[lo] + (h - lo) * (s[Math.ceil(h)] - s[lo])
}

export interface Summary {
  readonly searches: number
  readonly trials: number
  readonly inner: Moments
  readonly outer: Moments
  readonly accuracy: Moments
  readonly optimism: Moments
  readonly foundAt: Moments
  /** Share of trials pruned. */
  readonly pruned: number
  readonly failed: number
}

/** The final incumbents of `searches`, summarised. */
export const summary = (searches: ReadonlyArray<Search>): Summary => {
  const finals = searches.map((s) => bestSoFar(s).at(-1)).filter((f) => f !== undefined)
  const rows = searches.flatMap((s) => s.rows)
  return {
    searches: searches.length,
    trials: rows.length,
    inner: moments(finals.map((f) => f.inner)),
    outer: moments(finals.map((f) => f.outer)),
    accuracy: moments(finals.map((f) => f.accuracy)),
    optimism: moments(finals.map((f) => f.outer - f.inner)),
    foundAt: moments(finals.map((f) => f.at)),
    pruned: rows.length === 0 ? Number.NaN : rows.filter((r) => r.status === "pruned").length / rows.length,
    failed: rows.filter((r) => r.status === "failed" || r.status === "diverged").length
  }
}

export const summaryColumns: ReadonlyArray<Document.Column> = [
  { key: "task", title: "task" },
  { key: "model", title: "model" },
  { key: "sampler", title: "sampler" },
  { key: "searches", title: "searches", align: "right" },
  { key: "inner", title: "inner best (log loss)", align: "right" },
  { key: "outer", title: "outer (log loss)", align: "right" },
  { key: "accuracy", title: "outer accuracy", align: "right" },
  { key: "optimism", title: "optimism", align: "right" },
  { key: "pruned", title: "pruned", align: "right" },
  { key: "foundAt", title: "found at trial", align: "right" }
]

export const summaryCells = (s: Summary): Record<string, Document.Cell> => ({
  searches: s.searches,
  inner: Format.meanSd(s.inner.mean, s.inner.sd),
  outer: Format.meanSd(s.outer.mean, s.outer.sd),
  accuracy: Format.meanSd(s.accuracy.mean, s.accuracy.sd),
  optimism: Format.meanSd(s.optimism.mean, s.optimism.sd),
  pruned: `${Format.percent(s.pruned, 0)}${s.failed > 0 ? ` (${s.failed} failed)` : ""}`,
  foundAt: Format.meanSd(s.foundAt.mean, s.foundAt.sd)
})

/** Median best-so-far per sampler and trial (band: quartiles), inner and outer side by side. */
export const renderBestSoFar = (searches: ReadonlyArray<Search>, options: { readonly title: string; readonly order: ReadonlyArray<string> }) => {
  const data: Array<Chart.Datum> = []
  const samplers = [...new Set(searches.map((s) => s.sampler))]
  for (const sampler of samplers) {
    const curves = searches.filter((s) => s.sampler === sampler).map(bestSoFar)
    const length = Math.max(0, ...curves.map((c) => c.length))
    for (let t = 0; t < length; t++) {
      for (const [score, pick] of [["inner CV (what the search sees)", (s: Step) => s.inner], ["outer fold (held out)", (s: Step) => s.outer]] as const) {
        const at = curves.map((c) => (c[t] === undefined ? Number.NaN : pick(c[t])))
        data.push({ score, sampler, trial: t + 1, median: quantile(at, 0.5), lo: quantile(at, 0.25), hi: quantile(at, 0.75) })
      }
    }
  }
  return Chart.render(Chart.facet({
    title: options.title,
    subtitle: "incumbent = best inner objective so far; median over searches, band: quartiles",
    by: { field: "score", title: "" },
    columns: 2,
    chart: Chart.line({
      title: "",
      width: 300,
      height: 200,
      data,
      x: { field: "trial", title: "trial" },
      y: { field: "median", title: "log loss of the incumbent", log: true },
      series: { field: "sampler", title: "sampler", order: options.order },
      interval: { lo: "lo", hi: "hi", style: "band" },
      points: false
    })
  }))
}

/** Each trial's objective (grey) and the best so far (line), one panel per search given. */
export const renderHistory = (searches: ReadonlyArray<Search>, options: { readonly title: string; readonly order: ReadonlyArray<string> }) => {
  const lines = searches.flatMap((s) => bestSoFar(s).map((step) => ({ sampler: s.sampler, trial: step.trial, best: step.inner })))
  const points = searches.flatMap((s) => s.rows.map((r, i) => ({ sampler: s.sampler, trial: i + 1, value: r.metrics.objective ?? Number.NaN })))
  return Chart.render(Chart.facet({
    title: options.title,
    subtitle: "points: every trial's objective (pruned: the mean of the folds it ran); line: the best completed so far",
    by: { field: "sampler", title: "", order: options.order },
    columns: Math.min(4, searches.length),
    chart: Chart.line({
      title: "",
      width: 220,
      height: 170,
      data: lines,
      x: { field: "trial", title: "trial" },
      y: { field: "best", title: "inner log loss", log: true },
      series: { field: "sampler", title: "sampler", order: options.order },
      points: false,
      overlay: { data: points, x: "trial", y: "value" }
    })
  }))
}

/** A parameter's panel title: its name and range (or choices). */
export const describeParam = (p: Space.Param): string =>
  p.type === "categorical"
    ? `${p.name}: ${p.choices.map(String).join(" | ")}`
    : p.type === "int"
    ? `${p.name} ${p.low}…${p.high}${p.log ? " (log)" : ""}`
    : `${p.name} ${Format.significant(p.low, 2)}…${Format.significant(p.high, 2)}${p.log ? " (log)" : ""}`

/** The objective against each parameter alone, at its position in the parameter's range (unit coordinate). */
export const renderSlices = (space: Space.Space, trials: ReadonlyArray<Sampler.Trial>, options: { readonly title: string }) => {
  const data: Array<Chart.Datum> = []
  for (const t of trials) {
    const u = Space.toUnit(space, t.params)
    space.params.forEach((p, j) => {
      if (Number.isFinite(u[j])) data.push({ param: describeParam(p), position: u[j], value: t.value ?? Number.NaN })
    })
  }
  return Chart.render(Chart.facet({
    title: options.title,
    subtitle: "x: position in the parameter's range (0 = low, 1 = high; categoricals: choices left to right)",
    by: { field: "param", title: "", order: space.params.map(describeParam) },
    columns: Math.min(4, space.params.length),
    chart: Chart.scatter({
      title: "",
      width: 170,
      height: 140,
      data,
      x: { field: "position", title: "position in range", domain: [0, 1] },
      y: { field: "value", title: "inner log loss", log: true }
    })
  }))
}

/** fANOVA importances as dots with 5–95 % whiskers, most important first. */
export const renderImportance = (importance: ReadonlyArray<Importance.Importance>, options: { readonly title: string }) => {
  const sorted = [...importance].sort((a, b) => b.mean - a.mean)
  return Chart.render(Chart.line({
    title: options.title,
    subtitle: "share of the objective's variance explained by each parameter alone; whiskers: 5–95 % over bootstrap resamples",
    width: 520,
    height: 220,
    data: sorted.map((imp, i) => ({ rank: i + 1, parameter: imp.name, mean: imp.mean, lo: imp.q05, hi: imp.q95 })),
    x: { field: "rank", title: "rank", domain: [0.5, sorted.length + 0.5] },
    y: { field: "mean", title: "importance", domain: [0, 1] },
    series: { field: "parameter", title: "parameter", order: sorted.map((s) => s.name) },
    interval: { lo: "lo", hi: "hi", style: "bars" }
  }))
}

/** A point's parameter values as short text, in the space's order (inactive ones left out). */
export const describePoint = (space: Space.Space, axes: TrialRow["axes"]): string =>
  space.params.filter((p) => p.name in axes).map((p) => {
    const v = axes[p.name]
    return `${p.name} ${typeof v === "number" && p.type === "float" ? Format.significant(v, 3) : String(v)}`
  }).join(", ")

/** The final incumbent of each search, best inner objective first: what `study.best_params` gives, with its held-out score beside it. */
export const incumbentsTable = (space: Space.Space, searches: ReadonlyArray<Search>, shown = 12): Document.Block => {
  const finals = searches.flatMap((s) => {
    const at = bestSoFar(s).at(-1)?.at
    const row = at === undefined || Number.isNaN(at) ? undefined : s.rows[at - 1]
    return row === undefined ? [] : [{ search: s, row }]
  }).sort((a, b) => a.row.metrics.objective - b.row.metrics.objective)
  return Document.table({
    caption: `The final incumbent of each search (the ${Math.min(shown, finals.length)} with the lowest inner objective of ${finals.length}): sampler, outer fold, trial, parameters, inner log loss and the held-out outer-fold log loss and accuracy of its refit.`,
    columns: [
      { key: "sampler", title: "sampler" },
      { key: "fold", title: "outer fold", align: "right" },
      { key: "trial", title: "trial", align: "right" },
      { key: "params", title: "parameters" },
      { key: "inner", title: "inner", align: "right" },
      { key: "outer", title: "outer", align: "right" },
      { key: "accuracy", title: "outer accuracy", align: "right" }
    ],
    rows: finals.slice(0, shown).map(({ search, row }) => ({
      sampler: search.sampler,
      fold: search.fold,
      trial: Number(row.axes.trial) + 1,
      params: describePoint(space, row.axes),
      inner: Format.significant(row.metrics.objective, 3),
      outer: Format.significant(row.metrics.logLoss, 3),
      accuracy: Format.significant(row.metrics.accuracy, 3)
    }))
  })
}

/** The pruned trials' evidence: how many, and the first few with rule, step, value, threshold and reason. */
export const prunedTable = (rows: ReadonlyArray<TrialRow>, shown = 6): Array<Document.Block> => {
  const pruned = rows.filter((r) => r.status === "pruned")
  if (pruned.length === 0) return [Document.paragraph("No trial was pruned.")]
  const byStep = new Map<number, number>()
  for (const r of pruned) byStep.set(Number(r.info.pruneStep), (byStep.get(Number(r.info.pruneStep)) ?? 0) + 1)
  return [
    Document.paragraph(`${pruned.length} of ${rows.length} trials were pruned (${[...byStep].sort((a, b) => a[0] - b[0]).map(([step, n]) => `${n} after ${step} inner fold${step === 1 ? "" : "s"}`).join(", ")}), each stored as a row with its evidence. The first ${Math.min(shown, pruned.length)}:`),
    Document.table({
      caption: "Pruned trials: the rule, the inner folds run, the trial's mean over them, the threshold it was compared with and over how many earlier trials.",
      columns: [
        { key: "trial", title: "trial" },
        { key: "rule", title: "rule" },
        { key: "step", title: "folds run", align: "right" },
        { key: "value", title: "mean so far", align: "right" },
        { key: "threshold", title: "threshold", align: "right" },
        { key: "peers", title: "peers", align: "right" },
        { key: "reason", title: "reason" }
      ],
      rows: pruned.slice(0, shown).map((r) => ({
        trial: Literal.text(r.key),
        rule: String(r.info.pruneRule),
        step: Number(r.info.pruneStep),
        value: Format.significant(Number(r.info.pruneValue), 4),
        threshold: r.info.pruneThreshold === undefined ? Format.missing : Format.significant(Number(r.info.pruneThreshold), 4),
        peers: Number(r.info.prunePeers),
        reason: Literal.text(String(r.info.pruneReason))
      }))
    })
  ]
}
