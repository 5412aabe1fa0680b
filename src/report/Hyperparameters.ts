/**
 * Fitted hyperparameters of a run's trials, read from the typed `row.hyperparameters` and taken
 * back to the task's original scale with the row's stored standardisation
 * (`FitFacts.toOriginalScale`): length-scales and periods in units of x, variances in units of
 * y², "other" (shape parameters such as RQ's α, a periodic kernel's relative ℓ) unchanged.
 *
 * When to use: tables and findings about what the fits chose ("median ℓ over folds"). Gotchas:
 * rows stored before hyperparameters were data have none; they contribute nothing, and
 * `values` of such a run is empty (say so rather than print a number).
 */
import * as FitFacts from "../models/FitFacts.ts"
import type { TrialRow } from "../results/Run.ts"
import * as Summary from "./Summary.ts"

/** One hyperparameter's values over trials (original scale), with its role. */
export interface Values {
  readonly name: string
  readonly role: FitFacts.Role
  readonly values: ReadonlyArray<number>
}

/** A trial's fitted hyperparameters on the original scale, in the model's order. */
export const originalScale = (row: TrialRow): Array<{ readonly name: string; readonly role: FitFacts.Role; readonly value: number }> =>
  (row.hyperparameters ?? []).map((h) => ({ name: h.name, role: h.role, value: FitFacts.toOriginalScale(h, row.standardisation) }))

/** Every hyperparameter's original-scale values over the ok rows, by name in order of first appearance. */
export const values = (rows: ReadonlyArray<TrialRow>): Array<Values> => {
  const found = new Map<string, { role: FitFacts.Role; values: Array<number> }>()
  for (const row of rows) {
    if (row.status !== "ok") continue
    for (const h of originalScale(row)) {
      const entry = found.get(h.name) ?? { role: h.role, values: [] }
      entry.values.push(h.value)
      found.set(h.name, entry)
    }
  }
  return [...found.entries()].map(([name, e]) => ({ name, role: e.role, values: e.values }))
}

/** One hyperparameter's original-scale value in each ok row that has it (row order). */
export const of = (rows: ReadonlyArray<TrialRow>, name: string): ReadonlyArray<number> =>
  values(rows).find((v) => v.name === name)?.values ?? []

/**
 * The median over ok rows of each hyperparameter, shown through `show` first (e.g. a variance as
 * its square root, an sd): the median of the shown values, so an even count averages shown values.
 */
export const medians = (
  rows: ReadonlyArray<TrialRow>,
  show: (v: Values, value: number) => number = (_, value) => value
): Array<{ readonly name: string; readonly role: FitFacts.Role; readonly median: number }> =>
  values(rows).map((v) => ({ name: v.name, role: v.role, median: Summary.median(v.values.map((x) => show(v, x))) }))
