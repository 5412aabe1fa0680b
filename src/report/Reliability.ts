/**
 * Reliability diagrams of a classifier's held-out probabilities: does an event forecast with
 * probability p happen a fraction p of the time? The forecasts are binned, and each bin's mean
 * forecast is set against the observed frequency of the event in it (DeGroot & Fienberg, "The
 * Comparison and Evaluation of Forecasters", 1983; Niculescu-Mizil & Caruana, ICML 2005).
 *
 * Conventions (`bins`): `count` equal-width bins on [0, 1]; bin i holds the forecasts p with
 * i/count ≤ p < (i + 1)/count, the last bin also p = 1. A forecast that is not finite or lies
 * outside [0, 1] is left out and counted in `omitted`. An empty bin has count 0 and NaN mean
 * forecast and frequency (it is drawn as nothing). The event is "label = 1".
 *
 * What is forecast (`forecasts`): for a binary task, P(class 1) against "the label is 1"; for
 * more classes, the top-label confidence max_k P(k) against "the top label is the true label"
 * (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017). Probabilities are the
 * stored held-out ones (`keepPredictions`), pooled over folds and seeds.
 */
import { Effect } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import type { RunRecord, TrialRow } from "../results/Run.ts"
import * as Chart from "./Chart.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"

export interface Bin {
  /** The bin is [lo, hi) (the last [lo, 1]). */
  readonly lo: number
  readonly hi: number
  readonly count: number
  /** Mean forecast of the bin's points; NaN when empty. */
  readonly forecast: number
  /** Fraction of the bin's points where the event happened; NaN when empty. */
  readonly observed: number
}

export interface Binned {
  readonly bins: ReadonlyArray<Bin>
  /** Forecasts left out: not finite, or outside [0, 1]. */
  readonly omitted: number
}

/** Forecasts `p` of events `event` (1 happened, 0 not) in `count` equal-width bins on [0, 1]. */
export const bins = (event: ReadonlyArray<number>, p: ReadonlyArray<number>, count = 10): Binned => {
  const n = Array<number>(count).fill(0)
  const sumP = Array<number>(count).fill(0)
  const hits = Array<number>(count).fill(0)
  let omitted = 0
  p.forEach((pi, i) => {
    if (!(pi >= 0 && pi <= 1)) {
      omitted++
      return
    }
    const b = Math.min(Math.floor(pi * count), count - 1)
    n[b]++
    sumP[b] += pi
    hits[b] += event[i] === 1 ? 1 : 0
  })
  return {
    bins: n.map((c, b) => ({
      lo: b / count,
      hi: (b + 1) / count,
      count: c,
      forecast: c === 0 ? Number.NaN : sumP[b] / c,
      observed: c === 0 ? Number.NaN : hits[b] / c
    })),
    omitted
  }
}

/** The pooled held-out forecasts and events of `rows` (ok trials with stored probabilities). */
export const forecasts = (run: RunRecord, rows: ReadonlyArray<TrialRow>): { readonly p: Array<number>; readonly event: Array<number> } => {
  const p: Array<number> = []
  const event: Array<number> = []
  for (const row of rows) {
    const held = row.status === "ok" ? run.heldOut.get(row.key) : undefined
    const probabilities = held?.prediction.probabilities
    const classes = held?.prediction.classes
    if (held === undefined || probabilities === undefined || classes === undefined || classes < 2) continue
    held.y.forEach((label, i) => {
      const probs = probabilities.slice(i * classes, (i + 1) * classes)
      if (classes === 2) {
        p.push(probs[1])
        event.push(label === 1 ? 1 : 0)
      } else {
        const top = probs.indexOf(Math.max(...probs))
        p.push(probs[top])
        event.push(label === top ? 1 : 0)
      }
    })
  }
  return { p, event }
}

export interface FigureOptions {
  /** Default "reliability". */
  readonly name?: string
  readonly title: string
  readonly caption: string
  /** One curve per entry: its legend label and its trials. */
  readonly models: ReadonlyArray<{ readonly label: string; readonly rows: ReadonlyArray<TrialRow> }>
  /** Default 10. */
  readonly bins?: number
}

/**
 * The diagram (mean forecast against observed frequency per bin, one line per model, the
 * diagonal of perfect calibration) and a table of each bin's count and frequency.
 */
export const blocks = (run: RunRecord, options: FigureOptions): Effect.Effect<ReadonlyArray<Document.Block>, ConfigError> => {
  const count = options.bins ?? 10
  const binned = options.models.map((m) => {
    const f = forecasts(run, m.rows)
    return { label: m.label, ...bins(f.event, f.p, count) }
  })
  const diagonal = "perfectly calibrated"
  const data = [
    ...[0, 1].map((v) => ({ forecast: v, observed: v, series: diagonal })),
    ...binned.flatMap((m) => m.bins.map((b) => ({ forecast: b.forecast, observed: b.observed, series: m.label })))
  ]
  const omitted = binned.reduce((t, m) => t + m.omitted, 0)
  return Chart.render(Chart.line({
    title: options.title,
    subtitle: `${count} equal-width bins of the held-out forecasts, pooled over folds and seeds${omitted > 0 ? `; ${omitted} forecast(s) outside [0, 1] left out` : ""}`,
    data,
    x: { field: "forecast", title: "mean forecast probability", domain: [0, 1] },
    y: { field: "observed", title: "observed frequency", domain: [0, 1] },
    series: { field: "series", title: "", order: [...options.models.map((m) => m.label), diagonal] }
  })).pipe(Effect.map((svg) => [
    Document.figure({ name: options.name ?? "reliability", svg, caption: options.caption }),
    Document.table({
      caption: "Each bin's forecasts: how many, their mean, and how often the event happened.",
      columns: [
        { key: "bin", title: "bin" },
        ...binned.flatMap((m, i) => [
          { key: `n${i}`, title: `${m.label}: n` },
          { key: `f${i}`, title: `${m.label}: forecast` },
          { key: `o${i}`, title: `${m.label}: observed` }
        ])
      ],
      rows: Array.from({ length: count }, (_, b) => ({
        bin: `[${Format.fixed(b / count, 2)}, ${Format.fixed((b + 1) / count, 2)}${b === count - 1 ? "]" : ")"}`,
        ...Object.fromEntries(binned.flatMap((m, i) => [
          [`n${i}`, m.bins[b].count],
          [`f${i}`, Format.fixed(m.bins[b].forecast, 3)],
          [`o${i}`, Format.fixed(m.bins[b].observed, 3)]
        ]))
      }))
    })
  ]))
}
