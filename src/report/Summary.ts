/**
 * Per-model summaries of a run's trial rows, computed with arquero: for every model (one value
 * of its axes) the number of finished trials and the mean and sample standard deviation (n − 1)
 * of each metric over folds and seeds. Diverged and failed trials are counted, never averaged in.
 *
 * When to use: the tables and the findings of every experiment report. Rows come out in the
 * study's model order (first appearance in the stored rows), so reports are stable.
 */
import * as aq from "arquero"
import type { TrialRow } from "../results/Run.ts"

export interface ModelSummary {
  readonly model: string
  readonly family: string
  readonly axes: Readonly<Record<string, number | string>>
  readonly trials: number
  readonly ok: number
  readonly diverged: number
  readonly failed: number
  readonly mean: Readonly<Record<string, number>>
  readonly sd: Readonly<Record<string, number>>
  readonly fitSeconds: number
}

/** The arithmetic mean; NaN for no values. */
export const mean = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length

/** The sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
export const sd = (values: ReadonlyArray<number>): number => {
  if (values.length < 2) return Number.NaN
  const m = mean(values)
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1))
}

/** Flat records (one per ok trial) with the metric columns, for arquero and for charts. */
export const okRecords = (rows: ReadonlyArray<TrialRow>, metrics: ReadonlyArray<string>) =>
  rows.filter((r) => r.status === "ok").map((r) => ({
    model: r.model,
    ...Object.fromEntries(metrics.map((m) => [m, r.metrics[m] ?? Number.NaN]))
  }))

export const byModel = (rows: ReadonlyArray<TrialRow>, metrics: ReadonlyArray<string>): ReadonlyArray<ModelSummary> => {
  const order = [...new Set(rows.map((r) => r.model))]
  const records = okRecords(rows, metrics)
  const stats = new Map<string, Record<string, number>>()
  if (records.length > 0) {
    const rollup: Record<string, unknown> = { n: aq.op.count() }
    for (const m of metrics) {
      rollup[`${m}__mean`] = aq.op.mean(m)
      rollup[`${m}__sd`] = aq.op.stdev(m)
    }
    const table = aq.from(records).groupby("model").rollup(rollup as never)
    for (const object of table.objects() as Array<Record<string, number> & { model: string }>) stats.set(object.model, object)
  }
  return order.map((model) => {
    const mine = rows.filter((r) => r.model === model)
    const s = stats.get(model)
    const pick = (suffix: string) =>
      Object.fromEntries(metrics.map((m) => [m, s === undefined ? Number.NaN : numberOrNaN(s[`${m}__${suffix}`])]))
    return {
      model,
      family: mine[0].family,
      axes: mine[0].axes,
      trials: mine.length,
      ok: mine.filter((r) => r.status === "ok").length,
      diverged: mine.filter((r) => r.status === "diverged").length,
      failed: mine.filter((r) => r.status === "failed").length,
      mean: pick("mean"),
      sd: pick("sd"),
      fitSeconds: mine.reduce((t, r) => t + r.fitSeconds, 0)
    }
  })
}

const numberOrNaN = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : Number.NaN)

/** The summary whose mean `metric` is smallest (or largest), ignoring NaN; undefined if none. */
export const best = (
  summaries: ReadonlyArray<ModelSummary>,
  metric: string,
  direction: "min" | "max" = "min"
): ModelSummary | undefined => {
  let found: ModelSummary | undefined
  for (const s of summaries) {
    const v = s.mean[metric]
    if (!Number.isFinite(v)) continue
    if (found === undefined || (direction === "min" ? v < found.mean[metric] : v > found.mean[metric])) found = s
  }
  return found
}
