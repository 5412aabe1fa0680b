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

/** The mean of the finite values only (a failed fold's NaN does not poison it); NaN when none. */
export const finiteMean = (values: ReadonlyArray<number>): number => mean(values.filter(Number.isFinite))

/** The median of the finite values (mean of the middle two for an even count); NaN when none. */
export const median = (values: ReadonlyArray<number>): number => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const m = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2
}

/** Which way a criterion or metric is better: the smallest ("min", errors) or the largest ("max", likelihoods). */
export type Direction = "min" | "max"

/**
 * Competition ranks (1 = best; ties share the better rank, "1224"), by `direction`. NaN values
 * get NaN and are not counted against the others.
 */
export const ranks = (values: ReadonlyArray<number>, direction: Direction): Array<number> =>
  values.map((v) =>
    Number.isFinite(v) ? 1 + values.filter((w) => Number.isFinite(w) && (direction === "min" ? w < v : w > v)).length : Number.NaN
  )

/** Index of the best finite value under `direction` (the first on ties); undefined when none is finite. */
export const argBest = (values: ReadonlyArray<number>, direction: Direction): number | undefined => {
  let found: number | undefined
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return
    if (found === undefined || (direction === "min" ? v < values[found] : v > values[found])) found = i
  })
  return found
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
  direction: Direction = "min"
): ModelSummary | undefined => {
  const i = argBest(summaries.map((s) => s.mean[metric]), direction)
  return i === undefined ? undefined : summaries[i]
}
