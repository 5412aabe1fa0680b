/**
 * The per-model summary table of a report: one row per model (in the study's order), its chosen
 * metrics as mean ± sd over the finished trials (or the mean alone), any further columns the
 * experiment computes from the summary, and how many of its trials finished ("ok / trials").
 *
 * When to use: `ModelTable.table({ summaries: Summary.byModel(rows, metrics), columns: [...] })`
 * for the "every model" table of a report. Diverged and failed trials are never averaged in
 * (`Summary.byModel`); the "ok / trials" column says how many there were.
 */
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"
import type * as Summary from "./Summary.ts"

/** A metric column: mean ± sd over the ok trials (`meanSd`, the default) or the mean with `decimals` decimals. */
export interface MetricColumn {
  readonly metric: string
  readonly title: string
  readonly show?: "meanSd" | "mean"
  /** Decimals of a "mean" column (`Format.fixed`); default: `Format.number`. */
  readonly decimals?: number
}

/** A column the experiment computes from a model's summary (an axis value, a pooled score, a flag). */
export interface ValueColumn {
  readonly key: string
  readonly title: string
  readonly value: (summary: Summary.ModelSummary) => Document.Cell
  readonly align?: Document.Align
}

export type Column = MetricColumn | ValueColumn

const isMetric = (c: Column): c is MetricColumn => "metric" in c

const metricCell = (c: MetricColumn, s: Summary.ModelSummary): string => {
  const mean = s.mean[c.metric]
  if (c.show === "mean") return c.decimals === undefined ? Format.number(mean) : Format.fixed(mean, c.decimals)
  return Format.meanSd(mean, s.sd[c.metric])
}

/** The cell text of every column for one model, by column key (metric columns are keyed by their metric). */
export const cells = (summary: Summary.ModelSummary, columns: ReadonlyArray<Column>): Record<string, Document.Cell> =>
  Object.fromEntries(columns.map((c) => (isMetric(c) ? [c.metric, metricCell(c, summary)] : [c.key, c.value(summary)])))

export const table = (options: {
  readonly summaries: ReadonlyArray<Summary.ModelSummary>
  readonly columns: ReadonlyArray<Column>
  /** The model column: its title and each model's label. Default "model" and the model id. */
  readonly model?: { readonly title: string; readonly label: (summary: Summary.ModelSummary) => string }
  readonly caption?: string
}): Document.Block => {
  const model = options.model ?? { title: "model", label: (s: Summary.ModelSummary) => s.model }
  return Document.table({
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    columns: [
      { key: "__model", title: model.title },
      ...options.columns.map((c): Document.Column =>
        isMetric(c) ? { key: c.metric, title: c.title, align: "right" } : { key: c.key, title: c.title, ...(c.align === undefined ? {} : { align: c.align }) }
      ),
      { key: "__trials", title: "ok / trials", align: "right" }
    ],
    rows: options.summaries.map((s) => ({ __model: model.label(s), ...cells(s, options.columns), __trials: `${s.ok} / ${s.trials}` }))
  })
}
