/**
 * A metric over two axes of a study as a heatmap: one cell per model, placed by two of its axes
 * (C × σ of an SVM grid, depth × σ_w of an initialisation sweep), coloured and labelled by the
 * mean of a metric over its finished trials.
 *
 * When to use: `Heatmap.chart({ summaries, x: { axis: "sigma", … }, y: { axis: "C", … }, metric:
 * "auc" })` for any grid study. Axis values are shown as categories (their `String`), in the
 * order given (a study's parameter list) or, without one, in order of first appearance. A model
 * whose mean is NaN (every trial failed) is left out by the chart and counted in its subtitle.
 */
import * as Chart from "./Chart.ts"
import * as Format from "./Format.ts"
import type * as Summary from "./Summary.ts"

export interface AxisSpec {
  /** The model axis (`ModelSummary.axes` key) placed along this direction. */
  readonly axis: string
  readonly title?: string
  /** The axis values in display order (top to bottom for y). */
  readonly order?: ReadonlyArray<number | string>
}

/** The cells: one per summary, with the two axis values as strings and the metric's mean. */
export const cells = (summaries: ReadonlyArray<Summary.ModelSummary>, x: string, y: string, metric: string): Array<Chart.Datum> =>
  summaries.map((s) => ({ [x]: String(s.axes[x]), [y]: String(s.axes[y]), [metric]: s.mean[metric] ?? Number.NaN }))

export const chart = (options: {
  readonly title: string
  readonly subtitle?: string
  readonly summaries: ReadonlyArray<Summary.ModelSummary>
  readonly x: AxisSpec
  readonly y: AxisSpec
  readonly metric: string
  readonly value?: { readonly title?: string; readonly domain?: readonly [number, number]; readonly format?: (v: number) => string }
  readonly width?: number
  readonly height?: number
}): Chart.Heatmap =>
  Chart.heatmap({
    title: options.title,
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    data: cells(options.summaries, options.x.axis, options.y.axis, options.metric),
    x: { field: options.x.axis, title: options.x.title ?? options.x.axis, ...(options.x.order === undefined ? {} : { order: options.x.order.map(String) }) },
    y: { field: options.y.axis, title: options.y.title ?? options.y.axis, ...(options.y.order === undefined ? {} : { order: options.y.order.map(String) }) },
    value: {
      field: options.metric,
      title: options.value?.title ?? options.metric,
      format: options.value?.format ?? ((v) => Format.number(v, 3)),
      ...(options.value?.domain === undefined ? {} : { domain: options.value.domain })
    }
  })
