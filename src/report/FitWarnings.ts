/**
 * The fit warnings of a run, rendered from the typed `row.warnings` (code, parameter, side,
 * bound, value, message; see FitFacts): grouped counts for a report's findings, and the table of
 * every warning with its sentence for people. Nothing here reads a warning's message to find its
 * facts; the message is only printed.
 *
 * When to use: every report of a study whose models can warn (GP hyperparameters at a bound,
 * jitter, SMO/Newton/L-BFGS iteration limits). Gotchas: rows stored before warnings were data
 * have `warnings` undefined; they are counted as "not recorded", never as "no warning".
 */
import type { FitWarning } from "../models/FitFacts.ts"
import type { TrialRow } from "../results/Run.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"
import * as Literal from "./Literal.ts"

/** One warning of one trial. */
export interface Entry {
  readonly row: TrialRow
  readonly warning: FitWarning
}

/** Every warning of the rows, in row order. */
export const entries = (rows: ReadonlyArray<TrialRow>): Array<Entry> =>
  rows.flatMap((row) => (row.warnings ?? []).map((warning) => ({ row, warning })))

/** Warnings of the same kind on the same model: AtBound of `noise` on the `lower` side of gp-rbf. */
export interface Group {
  readonly model: string
  readonly code: FitWarning["code"]
  readonly parameter: string | undefined
  readonly side: "lower" | "upper" | undefined
  /** Trials with such a warning. */
  readonly count: number
  /** Tasks where it happened, in order of first appearance. */
  readonly tasks: ReadonlyArray<string>
}

/** The warnings grouped by model, code, parameter and side, in order of first appearance. */
export const groups = (rows: ReadonlyArray<TrialRow>): Array<Group> => {
  const found = new Map<string, { model: string; code: FitWarning["code"]; parameter: string | undefined; side: "lower" | "upper" | undefined; keys: Set<string>; tasks: Array<string> }>()
  for (const { row, warning } of entries(rows)) {
    const id = JSON.stringify([row.model, warning.code, warning.parameter ?? null, warning.side ?? null])
    const g = found.get(id) ?? { model: row.model, code: warning.code, parameter: warning.parameter, side: warning.side, keys: new Set<string>(), tasks: [] }
    g.keys.add(row.key)
    if (!g.tasks.includes(row.task)) g.tasks.push(row.task)
    found.set(id, g)
  }
  return [...found.values()].map((g) => ({ model: g.model, code: g.code, parameter: g.parameter, side: g.side, count: g.keys.size, tasks: g.tasks }))
}

/** What a group is, in words: "noise at its lower bound", "jitter added", "alpha: iteration limit reached". */
export const describe = (g: Pick<Group, "code" | "parameter" | "side">): string => {
  switch (g.code) {
    case "AtBound":
      return `${g.parameter ?? "a hyperparameter"} at ${g.side === undefined ? "a" : `its ${g.side}`} bound`
    case "Jitter":
      return "jitter added to factor the kernel matrix"
    case "NotConverged":
      return g.parameter === undefined ? "iteration limit reached" : `${g.parameter}: iteration limit reached`
  }
}

/**
 * The findings sentence: "3 of 45 fits raised a warning: gp-rq: alpha at its upper bound in 2
 * fits (smooth, rough); …". Rows without recorded warnings are said to be so.
 */
export const sentence = (rows: ReadonlyArray<TrialRow>, modelLabel: (model: string) => string = (m) => m): string => {
  const recorded = rows.filter((r) => r.warnings !== undefined)
  const notRecorded = rows.length - recorded.length
  if (rows.length > 0 && recorded.length === 0) return `The ${rows.length} trials were stored before warnings were recorded: whether any fit warned is unknown.`
  const tail = notRecorded === 0 ? "" : ` (${notRecorded} of ${rows.length} trials were stored before warnings were recorded)`
  const warned = recorded.filter((r) => r.warnings!.length > 0).length
  if (warned === 0) return `No fit of ${recorded.length} raised a warning${tail}.`
  const parts = groups(rows).map((g) => `${modelLabel(g.model)}: ${describe(g)} in ${g.count} fit${g.count === 1 ? "" : "s"} (${g.tasks.join(", ")})`)
  return `${warned} of ${recorded.length} fits raised a warning${tail}: ${parts.join("; ")}.`
}

/** Every warning as a table row: the trial, the code, the parameter, side, value and bound, and the sentence. */
export const table = (rows: ReadonlyArray<TrialRow>, options: { readonly trial?: (row: TrialRow) => string; readonly caption?: string } = {}): Document.Block => {
  const trial = options.trial ?? ((r: TrialRow) => `${r.task} / ${r.model} / fold ${r.fold}`)
  return Document.table({
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    columns: [
      { key: "trial", title: "trial" },
      { key: "code", title: "warning" },
      { key: "parameter", title: "parameter" },
      { key: "side", title: "side" },
      { key: "value", title: "value", align: "right" },
      { key: "bound", title: "bound", align: "right" },
      { key: "message", title: "what it means" }
    ],
    rows: entries(rows).map(({ row, warning }) => ({
      trial: Literal.text(trial(row)),
      code: warning.code,
      parameter: warning.parameter === undefined ? Format.missing : Literal.text(warning.parameter),
      side: warning.side ?? Format.missing,
      value: Format.scientific(warning.value, 3),
      bound: Format.scientific(warning.bound, 1),
      message: Literal.text(warning.message)
    }))
  })
}

/** The "Warnings" section: the table, or a sentence saying no fit warned (or that the run did not record warnings). */
export const section = (rows: ReadonlyArray<TrialRow>, options: { readonly trial?: (row: TrialRow) => string; readonly intro?: string } = {}): Document.Section => {
  const all = entries(rows)
  if (all.length === 0) return Document.section("Warnings", [Document.paragraph(sentence(rows))])
  return Document.section("Warnings", [
    ...(options.intro === undefined ? [] : [Document.paragraph(options.intro)]),
    table(rows, options.trial === undefined ? {} : { trial: options.trial })
  ])
}
