/**
 * Small stored runs built in memory, for testing report sections without running a study:
 * `runRecord({ rows, curves, heldOut })` fills a complete manifest and empty maps around them.
 */
import type { EpochRecord, HeldOut, Manifest, RunRecord, StoredPrediction, TrialRow, TrialStatus } from "../../src/results/Run.ts"

export const manifest: Manifest = {
  experiment: "test",
  title: "a run built in memory",
  runId: "20260101T000000Z-quick-s0",
  profile: "quick",
  seed: 0,
  params: {},
  study: {},
  specHash: "0",
  trialCount: 0,
  git: { commit: "0".repeat(40), dirty: false },
  versions: {},
  host: { platform: "linux", cpus: 1, cpuModel: "test", memoryGiB: 1 },
  status: "complete",
  sessions: []
}

/** A trial row of `model` (axes, fold, seed index and status as given; everything else filler). */
export const row = (
  model: string,
  options: { readonly axes?: TrialRow["axes"]; readonly fold?: number; readonly seedIndex?: number; readonly status?: TrialStatus } = {}
): TrialRow => {
  const fold = options.fold ?? 0
  const seedIndex = options.seedIndex ?? 0
  return {
    order: 0,
    key: `task/${model}/fold=${fold}/seed=${seedIndex}`,
    task: "task",
    model,
    family: "mlp",
    axes: options.axes ?? {},
    fold,
    seedIndex,
    seed: seedIndex,
    status: options.status ?? "ok",
    nTrain: 1,
    nTest: 1,
    metrics: {},
    info: {},
    fitSeconds: 0
  }
}

export const runRecord = (parts: {
  readonly rows: ReadonlyArray<TrialRow>
  readonly curves?: ReadonlyArray<readonly [TrialRow, ReadonlyArray<typeof EpochRecord.Type>]>
  readonly heldOut?: ReadonlyArray<readonly [TrialRow, HeldOut]>
  readonly probes?: ReadonlyArray<readonly [TrialRow, StoredPrediction]>
  readonly stages?: ReadonlyArray<readonly [TrialRow, Readonly<Record<string, Readonly<Record<string, ReadonlyArray<number>>>>>]>
}): RunRecord => ({
  manifest: { ...manifest, trialCount: parts.rows.length },
  rows: parts.rows,
  curves: new Map((parts.curves ?? []).map(([r, c]) => [r.key, c])),
  heldOut: new Map((parts.heldOut ?? []).map(([r, h]) => [r.key, h])),
  probes: new Map((parts.probes ?? []).map(([r, p]) => [r.key, p])),
  stages: new Map((parts.stages ?? []).map(([r, s]) => [r.key, s])),
  extras: new Map(),
  tasks: new Map()
})

/**
 * A row without what measures time (`fitSeconds`, info keys ending in "Seconds"): what must be
 * equal between executors, `--jobs` values and thread counts.
 */
export const timeless = <R extends Pick<TrialRow, "fitSeconds" | "info">>(row: R): R => ({
  ...row,
  fitSeconds: 0,
  info: Object.fromEntries(Object.entries(row.info).filter(([k]) => !k.endsWith("Seconds")))
})

/** A trial result whose row is `timeless`. */
export const timelessResult = <T extends { readonly row: TrialRow }>(r: T): T => ({ ...r, row: timeless(r.row) })
