/**
 * Two stored runs of one experiment side by side (`gpnn diff <experiment> <runA> <runB>`): what
 * differs in parameters, seed, profile and code, and every metric of every model (per task) as A,
 * B and the change B − A, with whether the change exceeds the fold-to-fold noise. Markdown in the
 * style of `dvc exp diff --md`: one table of parameters, one of metrics.
 *
 * The noise rule. A model's metric is a mean over its finished trials (folds × seeds); "—" where
 * a side has none. The change Δ = mean_B − mean_A exceeds the fold-to-fold noise when a
 * two-sided Student t test of it gives p < 0.05, that is |Δ| > t₀.₉₇₅(df)·SE, with
 * - **paired** (a paired t test), when both runs split the task into the same folds (the stored
 *   folds are identical, or, for runs that stored none, the seed and every parameter are equal,
 *   so only the code differs): the differences d = B − A of the trials both runs finished with
 *   the same fold and seed index, SE = sd(d)/√m, df = m − 1 (m ≥ 2 pairs; Δ is then mean(d));
 * - **unpaired** (Welch's t test) otherwise (another seed draws other folds):
 *   SE = √(s_A²/n_A + s_B²/n_B), df by Welch–Satterthwaite (n ≥ 2 on both sides).
 * Fewer trials than that: "—" (no estimate of the noise). A zero SE (identical differences on
 * every fold) with Δ ≠ 0 exceeds any noise. With the 3–5 folds of a study t₀.₉₇₅ is 2.8–4.3, not
 * the 2 of a normal band: that is why it is a t test. A diff compares many metrics at once (every
 * metric of every model and task), so "beyond noise" is decided on Holm-adjusted p-values over all
 * the changes whose noise could be estimated (family-wise error ≤ 0.05; uncorrected, about one
 * change in twenty between two runs of the same code and another seed would be flagged by
 * chance); the table shows the raw p beside the adjusted one.
 *
 * When to use: after changing code, parameters or seed, to see what moved and whether it moved
 * by more than the folds disagree among themselves. Reads the stored runs only.
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { Manifest, RunRecord, StoredTask, TrialRow } from "../results/Run.ts"
import { ResultStore } from "../results/Store.ts"
import * as Distribution from "../stats/Distribution.ts"
import * as Holm from "../stats/Holm.ts"
import * as Format from "./Format.ts"
import { mean, sd } from "./Summary.ts"

export interface ParamChange {
  readonly name: string
  readonly a: string
  readonly b: string
  /** B − A for two numbers; undefined otherwise. */
  readonly change?: number | undefined
}

export type Pairing = "paired" | "unpaired"

export interface MetricChange {
  readonly task: string
  readonly model: string
  readonly metric: string
  readonly a: number
  readonly b: number
  readonly nA: number
  readonly nB: number
  /** b − a (NaN when a side has no value). */
  readonly change: number
  readonly pairing: Pairing
  /** Pairs used (paired), else 0. */
  readonly pairs: number
  /** The standard error of the change under `pairing`; NaN when it cannot be estimated. */
  readonly se: number
  /** The t test's degrees of freedom; NaN with `se`. */
  readonly df: number
  /** Two-sided p of the t test; NaN with `se`. */
  readonly p: number
  /** p < 0.05; undefined when the noise cannot be estimated. */
  readonly exceeds: boolean | undefined
}

/** A metric's change in a diff: its test, and the test Holm-adjusted over every change of the diff. */
export interface DiffedMetric extends MetricChange {
  /** Holm-adjusted p over the diff's changes with a finite p; NaN with `p`. */
  readonly pHolm: number
  /** Beyond the noise: pHolm < 0.05 (what the table marks); undefined when the noise cannot be estimated. */
  readonly exceedsHolm: boolean | undefined
}

export interface Diff {
  readonly experiment: string
  readonly a: string
  readonly b: string
  readonly params: ReadonlyArray<ParamChange>
  readonly metrics: ReadonlyArray<DiffedMetric>
}

/** The part of a stored run a diff reads. */
export type Side = Pick<RunRecord, "manifest" | "rows" | "tasks">

const show = (v: unknown): string => (v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v))

const code = (m: Manifest): string => `${m.git.commit.slice(0, 12)}${m.git.dirty ? `+dirty${m.git.diffHash === undefined ? "" : ` (${m.git.diffHash.slice(0, 8)})`}` : ""}`

const okTrials = (m: Manifest, rows: ReadonlyArray<TrialRow>): string =>
  `${rows.filter((r) => r.status === "ok").length} ok, ${rows.filter((r) => r.status === "diverged").length} diverged, ${rows.filter((r) => r.status === "failed").length} failed of ${m.trialCount}`

/** What differs between the runs' settings: profile, seed, code, versions and each parameter. Equal ones are left out. */
export const paramChanges = (a: Side, b: Side): Array<ParamChange> => {
  const out: Array<ParamChange> = []
  const push = (name: string, va: unknown, vb: unknown) => {
    const sa = show(va)
    const sb = show(vb)
    if (sa === sb) return
    out.push({ name, a: sa, b: sb, change: typeof va === "number" && typeof vb === "number" ? vb - va : undefined })
  }
  push("profile", a.manifest.profile, b.manifest.profile)
  push("seed", a.manifest.seed, b.manifest.seed)
  push("code", code(a.manifest), code(b.manifest))
  for (const key of [...new Set([...Object.keys(a.manifest.versions), ...Object.keys(b.manifest.versions)])].sort()) {
    push(`version of ${key}`, a.manifest.versions[key], b.manifest.versions[key])
  }
  for (const key of [...new Set([...Object.keys(a.manifest.params), ...Object.keys(b.manifest.params)])].sort()) {
    push(key, a.manifest.params[key], b.manifest.params[key])
  }
  push("status", a.manifest.status, b.manifest.status)
  push("trials", okTrials(a.manifest, a.rows), okTrials(b.manifest, b.rows))
  return out
}

const sameParams = (a: Manifest, b: Manifest): boolean =>
  a.seed === b.seed && JSON.stringify(Object.entries(a.params).sort()) === JSON.stringify(Object.entries(b.params).sort())

/** Whether a task was split into the same folds by both runs (see the header). */
export const sameFolds = (a: Side, b: Side, task: string): boolean => {
  const fa: StoredTask["folds"] = a.tasks.get(task)?.folds
  const fb: StoredTask["folds"] = b.tasks.get(task)?.folds
  if (fa !== undefined && fb !== undefined) return JSON.stringify(fa) === JSON.stringify(fb)
  return fa === undefined && fb === undefined && sameParams(a.manifest, b.manifest)
}

/** The change of one metric with its noise, from each side's finished trials keyed by fold and seed index. */
export const compareMetric = (
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
  pairing: Pairing
): Pick<MetricChange, "a" | "b" | "nA" | "nB" | "change" | "pairs" | "se" | "df" | "p" | "exceeds" | "pairing"> => {
  const va = [...a.values()]
  const vb = [...b.values()]
  const ma = mean(va)
  const mb = mean(vb)
  let change = mb - ma
  let se = Number.NaN
  let df = Number.NaN
  let pairs = 0
  if (pairing === "paired") {
    const d: Array<number> = []
    for (const [k, x] of a) {
      const y = b.get(k)
      if (y !== undefined) d.push(y - x)
    }
    pairs = d.length
    if (pairs >= 2) {
      // The test is of the mean paired difference (equal to mb − ma when every trial paired).
      change = mean(d)
      se = sd(d) / Math.sqrt(pairs)
      df = pairs - 1
    }
  } else if (va.length >= 2 && vb.length >= 2) {
    const qa = sd(va) ** 2 / va.length
    const qb = sd(vb) ** 2 / vb.length
    se = Math.sqrt(qa + qb)
    // Welch–Satterthwaite.
    df = (qa + qb) ** 2 / (qa ** 2 / (va.length - 1) + qb ** 2 / (vb.length - 1))
  }
  const p = Number.isNaN(se) || Number.isNaN(change) ? Number.NaN : se === 0 ? (change === 0 ? 1 : 0) : Distribution.studentTTwoSided(Math.abs(change) / se, df)
  const exceeds = Number.isNaN(p) ? undefined : p < 0.05
  return { a: ma, b: mb, nA: va.length, nB: vb.length, change, pairing, pairs, se, df, p, exceeds }
}

/** Every metric of every (task, model) of either run, in the order of run A's rows, then B's. */
export const metricChanges = (a: Side, b: Side): Array<MetricChange> => {
  const groups = new Map<string, { task: string; model: string }>()
  for (const r of [...a.rows, ...b.rows]) {
    const k = `${r.task}\u0000${r.model}`
    if (!groups.has(k)) groups.set(k, { task: r.task, model: r.model })
  }
  const out: Array<MetricChange> = []
  for (const { task, model } of groups.values()) {
    const ok = (s: Side) => s.rows.filter((r) => r.task === task && r.model === model && r.status === "ok")
    const ra = ok(a)
    const rb = ok(b)
    const names: Array<string> = []
    for (const r of [...ra, ...rb]) for (const m of Object.keys(r.metrics)) if (!names.includes(m)) names.push(m)
    const pairing: Pairing = sameFolds(a, b, task) ? "paired" : "unpaired"
    for (const metric of names) {
      const values = (rows: ReadonlyArray<TrialRow>) =>
        new Map(rows.filter((r) => Number.isFinite(r.metrics[metric])).map((r) => [`${r.fold}/${r.seedIndex}`, r.metrics[metric]]))
      out.push({ task, model, metric, ...compareMetric(values(ra), values(rb), pairing) })
    }
  }
  return out
}

/** Holm's adjustment over the changes with a finite p (the others keep NaN). */
export const holm = (changes: ReadonlyArray<MetricChange>): Array<DiffedMetric> => {
  const tested = changes.flatMap((c, i) => (Number.isNaN(c.p) ? [] : [i]))
  const adjusted = Holm.adjust(tested.map((i) => changes[i].p))
  const byIndex = new Map(tested.map((i, k) => [i, adjusted[k]]))
  return changes.map((c, i) => {
    const pHolm = byIndex.get(i) ?? Number.NaN
    return { ...c, pHolm, exceedsHolm: Number.isNaN(pHolm) ? undefined : pHolm < 0.05 }
  })
}

export const diff = (experiment: string, a: Side, b: Side): Diff => ({
  experiment,
  a: a.manifest.runId,
  b: b.manifest.runId,
  params: paramChanges(a, b),
  metrics: holm(metricChanges(a, b))
})

const cell = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ")

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)))
  const line = (r: ReadonlyArray<string>) => `| ${r.map((c, j) => c.padEnd(widths[j])).join(" | ")} |`
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)]
}

const pCell = (p: number): string => (Number.isNaN(p) ? Format.missing : p < 1e-4 ? "< 1e-4" : Format.significant(p, 2))

const signed = (x: number): string => (Number.isNaN(x) ? Format.missing : `${x > 0 ? "+" : ""}${Format.number(x, 4)}`)

/** The diff as Markdown: a parameter table and a metric table, each after one line naming A and B. */
export const markdown = (d: Diff): string => {
  const lines: Array<string> = [`A: \`${d.a}\`, B: \`${d.b}\` (${d.experiment})`, ""]
  if (d.params.length === 0) lines.push("Parameters, seed, profile and code: the same.")
  else lines.push(...table(["Param", "A", "B", "Change"], d.params.map((p) => [p.name, p.a, p.b, p.change === undefined ? "" : signed(p.change)].map(cell))))
  lines.push("")
  if (d.metrics.length === 0) lines.push("No finished trials with metrics in either run.")
  else {
    lines.push(...table(
      ["Task", "Model", "Metric", "A", "B", "Change", "SE", "p", "p (Holm)", "Beyond noise"],
      d.metrics.map((m) => [
        m.task,
        m.model,
        m.metric,
        `${Format.number(m.a, 4)} (n=${m.nA})`,
        `${Format.number(m.b, 4)} (n=${m.nB})`,
        signed(m.change),
        Number.isNaN(m.se) ? Format.missing : `${Format.number(m.se, 3)} (${m.pairing === "paired" ? `paired, ${m.pairs} folds` : "Welch"})`,
        pCell(m.p),
        pCell(m.pHolm),
        m.exceedsHolm === undefined ? Format.missing : m.exceedsHolm ? "**yes**" : "no"
      ].map(cell))
    ))
    const tested = d.metrics.filter((m) => !Number.isNaN(m.p)).length
    lines.push("", `Beyond noise: Holm-adjusted p < 0.05 over the ${tested} change(s) tested here (family-wise error ≤ 0.05), each a two-sided t test of the change, paired over the folds both runs share when they split the data alike, else Welch's (see \`gpnn diff --help\`).`)
  }
  return `${lines.join("\n")}\n`
}

/** The stored run with this id, or the one whose id starts with it; a ConfigError listing the runs otherwise. */
export const resolveRun = Effect.fn("RunDiff.resolveRun")(function*(experiment: string, id: string) {
  const store = yield* ResultStore
  const ids = yield* store.runs(experiment)
  if (ids.includes(id)) return id
  const matches = ids.filter((r) => r.startsWith(id))
  if (matches.length === 1) return matches[0]
  return yield* new ConfigError({
    field: "run",
    message: `${matches.length === 0 ? "no" : `${matches.length}`} runs of ${experiment} under ${store.root} ${matches.length === 0 ? "match" : "start with"} "${id}"; give a full id (see \`gpnn runs ${experiment}\`)${ids.length === 0 ? "" : `: ${ids.join(", ")}`}`
  })
})

/** Loads runs A and B (full ids or unique prefixes) and compares them. */
export const between = Effect.fn("RunDiff.between")(function*(experiment: string, idA: string, idB: string) {
  const store = yield* ResultStore
  const a = yield* store.load(experiment, yield* resolveRun(experiment, idA))
  const b = yield* store.load(experiment, yield* resolveRun(experiment, idB))
  return diff(experiment, a, b)
})
