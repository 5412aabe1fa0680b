/**
 * Loss curves of iterative fits (MLPs), from what a run stored (`RunRecord.curves`): the mean
 * training and held-out loss per epoch for each model over its folds and seeds, and the figure
 * of them, one panel per model.
 *
 * Conventions: only trials that finished ("ok") are averaged, as in Summary (a diverged trial is
 * counted in the trial-status sentence, never averaged in); within them an epoch's value enters
 * its mean only when finite, and `trials` says how many did. "held-out" is the curve's
 * `validLoss`, the loss on the trial's test fold (read only for the curve, never for fitting).
 * Losses are those of the training loop (e.g. MSE on standardised targets, cross-entropy).
 *
 * When to use: a report section on how nets trained. Rows come out in the order of the stored
 * rows (first model first, epochs ascending), so regenerated figures are byte-identical.
 */
import { Effect } from "effect"
import type { ConfigError } from "../core/Errors.ts"
import type { RunRecord, TrialRow } from "../results/Run.ts"
import * as Chart from "./Chart.ts"
import * as Document from "./Document.ts"

export const splits = ["train", "held-out"] as const
export type Split = (typeof splits)[number]

/** One point of a model's mean curve. */
export interface Point {
  readonly model: string
  readonly epoch: number
  readonly split: Split
  /** Mean loss at this epoch over the model's ok trials with a finite value there. */
  readonly loss: number
  /** How many trials that mean is over. */
  readonly trials: number
}

/** Mean train and held-out loss per (model, epoch) over the ok trials among `rows` that stored a curve. */
export const means = (run: RunRecord, rows: ReadonlyArray<TrialRow> = run.rows): Array<Point> => {
  const acc = new Map<string, { model: string; epoch: number; split: Split; sum: number; n: number }>()
  for (const row of rows) {
    const curve = row.status === "ok" ? run.curves.get(row.key) : undefined
    if (curve === undefined) continue
    for (const e of curve) {
      for (const [split, value] of [["train", e.trainLoss], ["held-out", e.validLoss]] as const) {
        if (value === undefined || !Number.isFinite(value)) continue
        const key = `${row.model}/${e.epoch}/${split}`
        const a = acc.get(key) ?? { model: row.model, epoch: e.epoch, split, sum: 0, n: 0 }
        a.sum += value
        a.n++
        acc.set(key, a)
      }
    }
  }
  return [...acc.values()].map((a) => ({ model: a.model, epoch: a.epoch, split: a.split, loss: a.sum / a.n, trials: a.n }))
}

export interface FigureOptions {
  /** The figure's file name (`figures/<name>.svg`). Default "loss-curves". */
  readonly name?: string
  readonly title: string
  readonly caption: string
  /** The trials whose curves to draw. Default: every row of the run. */
  readonly rows?: ReadonlyArray<TrialRow>
  /**
   * What names a panel: a field of the model's axes (e.g. "width", so panels read 8, 16, …),
   * else the model id. Numeric axis values sort the panels ascending.
   */
  readonly panel?: { readonly axis: string; readonly title?: string }
  /** The loss axis title. Default "loss". */
  readonly loss?: string
  /** A log₁₀ loss axis. Default false. */
  readonly log?: boolean
  /** Panels per row. Default 3. */
  readonly columns?: number
}

/** The mean curves as small multiples, one panel per model, train and held-out in each. */
export const figure = (run: RunRecord, options: FigureOptions): Effect.Effect<Document.Block, ConfigError> => {
  const rows = options.rows ?? run.rows
  const field = options.panel?.axis ?? "model"
  const panelOf = new Map(rows.map((r) => [r.model, options.panel === undefined ? r.model : r.axes[options.panel.axis]] as const))
  const data = means(run, rows).map((p) => ({ [field]: panelOf.get(p.model), epoch: p.epoch, split: p.split, loss: p.loss }))
  return Chart.render(Chart.facet({
    title: options.title,
    by: { field, title: options.panel?.title ?? field },
    columns: options.columns ?? 3,
    chart: Chart.line({
      title: "",
      data,
      x: { field: "epoch", title: "epoch" },
      y: { field: "loss", title: options.loss ?? "loss", log: options.log ?? false },
      series: { field: "split", title: "", order: [...splits] },
      points: false
    })
  })).pipe(
    Effect.map((svg) => Document.figure({ name: options.name ?? "loss-curves", svg, caption: options.caption }))
  )
}
