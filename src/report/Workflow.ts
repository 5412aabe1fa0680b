/**
 * Report sections for the workflow stages a fit ran (src/workflow/), read from the stages each
 * trial stored (`RunRecord.stages`): the LR range test's smoothed loss against the rate with the
 * suggestion marked, and the throughput sweep's samples/s against the batch size with the size the
 * 90 %-of-best rule picks.
 *
 * Conventions: a trial's range test is the stage "lrRangeTest" (columns learningRate, loss,
 * smoothed), its throughput sweep the stage "throughput" (columns batchSize, samplesPerSecond).
 * Throughputs are timings: a model's figure is the median over its trials, and the pick is made
 * from those medians, so it describes the machine and load of the run, nothing stored in rows.
 */
import { Effect } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import type { RunRecord, TrialRow } from "../results/Run.ts"
import * as BatchThroughput from "../workflow/BatchThroughput.ts"
import * as Chart from "./Chart.ts"
import * as Document from "./Document.ts"
import * as RunFacts from "./RunFacts.ts"
import * as Summary from "./Summary.ts"

/** A trial's range test as stored: rates, raw and smoothed losses; undefined when it ran none. */
export const rangeTest = (run: RunRecord, row: TrialRow) => {
  const stage = run.stages.get(row.key)?.lrRangeTest
  return stage === undefined ? undefined : { rates: stage.learningRate, losses: stage.loss, smoothed: stage.smoothed }
}

/**
 * The range tests of `rows` as one figure: the smoothed loss against the rate (log), one line per
 * `series(row)`, and the rate each trial trained at (info.lrSuggested) as a point on its line.
 */
export const rangeTestFigure = (run: RunRecord, rows: ReadonlyArray<TrialRow>, options: {
  readonly name: string
  readonly title: string
  readonly caption: string
  readonly series: (row: TrialRow) => string
  readonly order?: ReadonlyArray<string>
}): Effect.Effect<Document.Block, ConfigError> => {
  const data = rows.flatMap((row) => {
    const t = rangeTest(run, row)
    return t === undefined ? [] : t.rates.map((lr, i) => ({ series: options.series(row), learningRate: lr, loss: t.smoothed[i] })).filter((d) => Number.isFinite(d.loss))
  })
  const overlay = rows.flatMap((row) => {
    const t = rangeTest(run, row)
    const lr = Number(row.info.lrSuggested)
    const i = t?.rates.indexOf(lr) ?? -1
    return t === undefined || i < 0 ? [] : [{ learningRate: lr, loss: t.smoothed[i] }]
  })
  return Chart.render(Chart.line({
    title: options.title,
    subtitle: "smoothed training loss (β = 0.98, bias-corrected) per step of the sweep; grey points: the suggested rates",
    data,
    x: { field: "learningRate", title: "learning rate", log: true },
    y: { field: "loss", title: "smoothed loss" },
    series: { field: "series", title: "", ...(options.order === undefined ? {} : { order: options.order }) },
    points: false,
    overlay: { data: overlay, x: "learningRate", y: "loss" }
  })).pipe(Effect.map((svg) => Document.figure({ name: options.name, svg, caption: options.caption })))
}

/** One model's throughput at one batch size: the median over its trials' measurements. */
export interface ThroughputPoint {
  readonly model: string
  readonly batchSize: number
  readonly samplesPerSecond: number
  readonly trials: number
}

/** The medians per (model, batch size) of the throughput sweeps stored by `rows`, in row then size order. */
export const throughput = (run: RunRecord, rows: ReadonlyArray<TrialRow>): Array<ThroughputPoint> => {
  const acc = new Map<string, { model: string; batchSize: number; values: Array<number> }>()
  for (const row of rows) {
    const stage = run.stages.get(row.key)?.throughput
    if (stage === undefined) continue
    stage.batchSize.forEach((b, i) => {
      const key = `${row.model}/${b}`
      const a = acc.get(key) ?? { model: row.model, batchSize: b, values: [] }
      a.values.push(stage.samplesPerSecond[i])
      acc.set(key, a)
    })
  }
  return [...acc.values()].map((a) => ({ model: a.model, batchSize: a.batchSize, samplesPerSecond: Summary.median(a.values), trials: a.values.length }))
}

/** In words, the engine(s) that timed the throughput stages of `rows` (`RunFacts.mlpEngines` on info.stagesEngine). */
export const throughputEngines = (run: RunRecord, rows: ReadonlyArray<TrialRow>): string =>
  RunFacts.mlpEngines(rows.filter((r) => run.stages.get(r.key)?.throughput !== undefined), run.manifest, "stagesEngine")

/** Per model, the batch size the 90 %-of-best rule picks from its median throughputs. */
export const picks = (points: ReadonlyArray<ThroughputPoint>): Map<string, number> => {
  const models = [...new Set(points.map((p) => p.model))]
  return new Map(models.map((m) => [m, BatchThroughput.choose(points.filter((p) => p.model === m))]))
}

/** Samples/s against the batch size (both log), one line per model. */
export const throughputFigure = (points: ReadonlyArray<ThroughputPoint>, options: {
  readonly name: string
  readonly title: string
  readonly caption: string
  readonly label?: (model: string) => string
}): Effect.Effect<Document.Block, ConfigError> =>
  Chart.render(Chart.line({
    title: options.title,
    subtitle: "training samples per second (median over trials), measured on the run's backend",
    data: points.map((p) => ({ model: options.label?.(p.model) ?? p.model, batchSize: p.batchSize, samplesPerSecond: p.samplesPerSecond })),
    x: { field: "batchSize", title: "batch size", log: true },
    y: { field: "samplesPerSecond", title: "samples / s", log: true },
    series: { field: "model", title: "" }
  })).pipe(Effect.map((svg) => Document.figure({ name: options.name, svg, caption: options.caption })))
