/**
 * The stored runs of an experiment as a table (`gpnn runs [experiment]`): id, status, profile,
 * seed, the commit that made it, trials ok / diverged / failed of those planned, wall time, and
 * who holds its lock. A "running" run whose process is gone shows as interrupted (resumable).
 *
 * Conventions: trial counts come from the stored trial files (the truth while a run is under
 * way; trials.csv is rebuilt only at its end). Wall time is the sum of the sessions' recorded
 * wall times; a session still running, or killed, has none and the time reads "≥ …".
 */
import { Effect } from "effect"
import type { Manifest, RunStatus, TrialRow } from "../results/Run.ts"
import { describeHolder, type LockHolder, ResultStore } from "../results/Store.ts"
import * as Format from "./Format.ts"

export interface Entry {
  readonly experiment: string
  readonly runId: string
  readonly status: RunStatus
  readonly profile: string
  readonly seed: number
  /** Short commit, "+dirty" for uncommitted changes. */
  readonly commit: string
  readonly ok: number
  readonly diverged: number
  readonly failed: number
  readonly planned: number
  readonly wallSeconds: number
  /** Some session recorded no wall time (still running, or killed). */
  readonly wallOpen: boolean
  readonly holder: LockHolder | undefined
}

/** A run's entry from its manifest, its stored rows and its lock holder. Pure. */
export const entry = (manifest: Manifest, rows: ReadonlyArray<Pick<TrialRow, "status">>, holder: LockHolder | undefined): Entry => ({
  experiment: manifest.experiment,
  runId: manifest.runId,
  // A "running" run nobody holds was killed (kill -9, a crash): interrupted, as Run.effectiveStatus.
  status: manifest.status === "running" && holder === undefined ? "interrupted" : manifest.status,
  profile: manifest.profile,
  seed: manifest.seed,
  commit: `${manifest.git.commit.slice(0, 10)}${manifest.git.dirty ? "+dirty" : ""}`,
  ok: rows.filter((r) => r.status === "ok").length,
  diverged: rows.filter((r) => r.status === "diverged").length,
  failed: rows.filter((r) => r.status === "failed").length,
  planned: manifest.trialCount,
  wallSeconds: manifest.sessions.reduce((s, x) => s + (x.wallSeconds ?? 0), 0),
  wallOpen: manifest.sessions.some((x) => x.wallSeconds === undefined),
  holder
})

/** The entries of an experiment's runs, oldest first. */
export const list = Effect.fn("RunList.list")(function*(experiment: string) {
  const store = yield* ResultStore
  const out: Array<Entry> = []
  for (const runId of yield* store.runs(experiment)) {
    const manifest = yield* store.readManifest(experiment, runId)
    const rows = (yield* store.readTrials(experiment, runId)).map((t) => t.row)
    out.push(entry(manifest, rows, yield* store.lockHolder(experiment, runId)))
  }
  return out
})

const resumable = (s: RunStatus): boolean => s === "interrupted" || s === "failed"

/** The entries as an aligned text table with a header, one line per run. */
export const table = (entries: ReadonlyArray<Entry>): Array<string> => {
  const head = ["run", "status", "profile", "seed", "commit", "ok", "diverged", "failed", "planned", "wall", "lock"]
  const rows = entries.map((e) => [
    e.runId,
    `${e.status}${resumable(e.status) ? " (resumable)" : ""}`,
    e.profile,
    String(e.seed),
    e.commit,
    String(e.ok),
    String(e.diverged),
    String(e.failed),
    String(e.planned),
    `${e.wallOpen ? "≥ " : ""}${Format.duration(e.wallSeconds * 1000)}`,
    e.holder === undefined ? "" : describeHolder(e.holder)
  ])
  const right = new Set([3, 5, 6, 7, 8, 9])
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)))
  const line = (r: ReadonlyArray<string>) => r.map((c, j) => (right.has(j) ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join("  ").trimEnd()
  return [line(head), ...rows.map(line)]
}
