/**
 * Posterior bands of 1-d regressions: each trial's stored predictive mean ± 2 sd over the task's
 * probe grid, the stored noise-free function there (when the task has one, `StoredTask.truth`)
 * and the stored data points the fit saw, one panel per fit. Everything is read from the stored
 * run; nothing is redrawn.
 *
 * When to use: GP (or any model with a predictive variance) on a 1-d synthetic task whose task
 * entry has a `probe` and `keepData`. The band is the predictive one (noise included) when the
 * model's stored variance includes the noise, as GpRegression's does.
 * Gotchas: fails with ConfigError when the task is not 1-d; a panel whose trial stored no
 * prediction draws its points and truth only (the missing band is counted in the subtitle).
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { StoredPrediction } from "../results/Run.ts"
import * as Chart from "./Chart.ts"
import type * as Stored from "./Stored.ts"

export interface Panel {
  readonly label: string
  /** The trial's predictions at the probe rows (mean and variance). */
  readonly prediction: StoredPrediction | undefined
  /** The rows of the data drawn under the band (e.g. the training part of the fit's fold); default all. */
  readonly points?: ReadonlyArray<number>
}

export const bandSeries = "mean ± 2 sd"
export const truthSeries = "true f"

/** The band rows of one panel (x, mean, mean ± 2 sd) and, when the task stores it, the true f. */
export const rows = (task: Stored.TaskProbe, panel: Panel): Array<Chart.Datum> => {
  const mu = panel.prediction?.mean ?? []
  const v = panel.prediction?.variance ?? []
  const band = task.probe.map(([x], i) => {
    const m = mu[i] ?? Number.NaN
    const sd = Math.sqrt(v[i] ?? Number.NaN)
    return { x, y: m, lo: m - 2 * sd, hi: m + 2 * sd, series: bandSeries, panel: panel.label }
  })
  const truth = task.truth === undefined ? [] : task.probe.map(([x], i) => ({ x, y: task.truth![i], lo: null, hi: null, series: truthSeries, panel: panel.label }))
  return [...band, ...truth]
}

/** The data points of one panel (x, y). */
export const points = (task: Stored.TaskData, panel: Panel): Array<Chart.Datum> =>
  (panel.points ?? task.y.map((_, i) => i)).map((i) => ({ x: task.X[i][0], y: task.y[i], panel: panel.label }))

export const chart = (options: {
  readonly title: string
  readonly subtitle?: string
  readonly task: Stored.TaskData & Stored.TaskProbe
  readonly panels: ReadonlyArray<Panel>
  readonly columns?: number
  readonly width?: number
  readonly height?: number
}): Effect.Effect<Chart.Facet, ConfigError> => {
  const { task } = options
  if (task.probe.some((row) => row.length !== 1) || task.X.some((row) => row.length !== 1)) {
    return Effect.fail(new ConfigError({ field: `PosteriorBand(${task.name})`, message: `task "${task.name}" is not 1-d; a posterior band needs one input column and a 1-d probe grid` }))
  }
  const xs = task.probe.map(([x]) => x)
  const domain: readonly [number, number] = [Math.min(...xs), Math.max(...xs)]
  return Effect.succeed(Chart.facet({
    title: options.title,
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    by: { field: "panel", title: "", order: options.panels.map((p) => p.label) },
    columns: options.columns ?? 2,
    chart: Chart.line({
      title: "",
      width: options.width ?? 300,
      height: options.height ?? 190,
      data: options.panels.flatMap((p) => rows(task, p)),
      x: { field: "x", title: "x", domain },
      y: { field: "y", title: "y" },
      series: { field: "series", title: "", order: task.truth === undefined ? [bandSeries] : [bandSeries, truthSeries] },
      interval: { lo: "lo", hi: "hi", style: "band" },
      points: false,
      overlay: { data: options.panels.flatMap((p) => points(task, p)), x: "x", y: "y" }
    })
  }))
}
