/**
 * Model selection by several criteria side by side: which candidate each criterion picks, whether
 * they agree, the agreement table (one row per group, e.g. per task) and the rank heatmap.
 * A criterion is a value key with a direction ({ key: "logLik", title: "max LML", direction:
 * "max" }); a candidate is a model with its values under those keys (means over folds, pooled
 * scores, anything the report computed from the stored run).
 *
 * When to use: "which kernel does each criterion pick", "does CV AUC pick the same cell as train
 * AUC". Gotchas: a criterion with no finite value among the candidates picks nothing (undefined)
 * and is left out of `used`, so a table of tasks where the true function is unknown shows "—".
 * Ties go to the first candidate in order (`Summary.argBest`).
 */
import * as Chart from "./Chart.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"
import * as Summary from "./Summary.ts"

export interface Criterion {
  readonly key: string
  readonly title: string
  readonly direction: Summary.Direction
  /** A short label for chart axes; default the title. */
  readonly short?: string
}

export interface Candidate {
  readonly id: string
  /** How the candidate is named in tables and charts. */
  readonly label: string
  readonly values: Readonly<Record<string, number>>
}

const valueOf = (c: Candidate, key: string): number => c.values[key] ?? Number.NaN

/** The candidate each criterion picks, by criterion key (undefined where no value is finite). */
export const picks = (candidates: ReadonlyArray<Candidate>, criteria: ReadonlyArray<Criterion>): ReadonlyMap<string, Candidate | undefined> =>
  new Map(criteria.map((c) => {
    const i = Summary.argBest(candidates.map((x) => valueOf(x, c.key)), c.direction)
    return [c.key, i === undefined ? undefined : candidates[i]] as const
  }))

/** The criteria with at least one finite value among the candidates. */
export const used = (candidates: ReadonlyArray<Candidate>, criteria: ReadonlyArray<Criterion>): ReadonlyArray<Criterion> =>
  criteria.filter((c) => candidates.some((x) => Number.isFinite(valueOf(x, c.key))))

/** Whether every criterion in `keys` that picks something picks the same candidate (and at least one picks). */
export const agree = (chosen: ReadonlyMap<string, Candidate | undefined>, keys: ReadonlyArray<string>): boolean => {
  const ids = keys.map((k) => chosen.get(k)?.id).filter((id) => id !== undefined)
  return ids.length > 0 && ids.every((id) => id === ids[0])
}

/** The titles of the criteria that pick `candidate`. */
export const pickedBy = (candidate: Candidate, chosen: ReadonlyMap<string, Candidate | undefined>, criteria: ReadonlyArray<Criterion>): Array<string> =>
  criteria.filter((c) => chosen.get(c.key)?.id === candidate.id).map((c) => c.title)

/** The rank (1 = the criterion's pick) of every candidate under a criterion, in candidate order. */
export const ranks = (candidates: ReadonlyArray<Candidate>, criterion: Criterion): Array<number> =>
  Summary.ranks(candidates.map((x) => valueOf(x, criterion.key)), criterion.direction)

/**
 * The agreement table: one row per group (a task, a data set), one column per criterion, each
 * cell the picked candidate with its value ("RBF (−45.2)"); "—" where the criterion picks none.
 */
export const table = (options: {
  readonly groups: ReadonlyArray<{ readonly label: string; readonly candidates: ReadonlyArray<Candidate> }>
  readonly criteria: ReadonlyArray<Criterion>
  readonly groupTitle: string
  /** The value's text in a cell; default `Format.number`. */
  readonly format?: (criterion: Criterion, value: number) => string
  readonly caption?: string
}): Document.Block => {
  const format = options.format ?? ((_: Criterion, v: number) => Format.number(v))
  return Document.table({
    ...(options.caption === undefined ? {} : { caption: options.caption }),
    columns: [{ key: "__group", title: options.groupTitle }, ...options.criteria.map((c) => ({ key: c.key, title: c.title }))],
    rows: options.groups.map((g) => {
      const chosen = picks(g.candidates, options.criteria)
      return {
        __group: g.label,
        ...Object.fromEntries(options.criteria.map((c) => {
          const b = chosen.get(c.key)
          return [c.key, b === undefined ? Format.missing : `${b.label} (${format(c, valueOf(b, c.key))})`]
        }))
      }
    })
  })
}

/** The rank heatmap: candidates down, the criteria that have values across, rank in each cell. */
export const rankHeatmap = <C extends Candidate>(options: {
  readonly title: string
  readonly subtitle?: string
  readonly candidates: ReadonlyArray<C>
  readonly criteria: ReadonlyArray<Criterion>
  /** A candidate's row label; default its `label`. */
  readonly label?: (candidate: C) => string
  readonly width?: number
}): Chart.Heatmap => {
  const shown = used(options.candidates, options.criteria)
  const short = (c: Criterion) => c.short ?? c.title
  const label = options.label ?? ((x: C) => x.label)
  return Chart.heatmap({
    title: options.title,
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    width: options.width ?? 620,
    height: Math.max(160, 34 * options.candidates.length + 60),
    data: shown.flatMap((c) => {
      const rk = ranks(options.candidates, c)
      return options.candidates.map((x, i) => ({ criterion: short(c), candidate: label(x), rank: rk[i] }))
    }),
    x: { field: "criterion", title: "", order: shown.map(short) },
    y: { field: "candidate", title: "", order: options.candidates.map(label) },
    value: { field: "rank", title: "rank", domain: [1, Math.max(2, options.candidates.length)], format: (v) => Format.number(v) }
  })
}
