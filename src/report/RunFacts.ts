/**
 * Facts of a run as a whole: the "Environment and seeds" section every report ends with, from the
 * manifest alone (what ran, where, with which seed, versions and backend, how long each session
 * took), and the trial-status sentence of every report's findings (how many trials finished,
 * diverged or failed, and how long the run took).
 */
import type { Manifest, TrialRow } from "../results/Run.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"
import * as Literal from "./Literal.ts"

/** Total wall time over the run's sessions (a resumed run has several), in seconds. */
export const wallSeconds = (manifest: Manifest): number =>
  manifest.sessions.reduce((t, s) => t + (s.wallSeconds ?? 0), 0)

/**
 * The trial-status sentence, from the rows and the manifest only: "All 12 trials finished." or
 * "2 of 12 trials diverged and 1 failed (first failure: moons/svc/fold=0: NumericalError: …).",
 * a note when fewer rows are stored than the study planned (an interrupted run), then "The run
 * took 3.2 s of wall time." Counts that are zero are not mentioned.
 */
export const trialStatus = (manifest: Manifest, rows: ReadonlyArray<TrialRow>): string => {
  const diverged = rows.filter((r) => r.status === "diverged")
  const failed = rows.filter((r) => r.status === "failed")
  const counts = ([[diverged.length, "diverged"], [failed.length, "failed"]] as const).filter(([n]) => n > 0)
  const first = [...failed, ...diverged][0]
  const status = first === undefined
    ? `${rows.length === 1 ? "The 1 trial" : `All ${rows.length} trials`} finished.`
    : `${counts.map(([n, what], i) => (i === 0 ? `${n} of ${rows.length} trials ${what}` : `${n} ${what}`)).join(" and ")} (first ${first.status === "failed" ? "failure" : "divergence"}: ${Literal.text(first.key)}: ${Literal.text(first.error ?? "no message")}).`
  const missing = manifest.trialCount - rows.length
  const stored = missing > 0 ? ` ${missing} of the ${manifest.trialCount} planned trials have no stored result (run status: ${manifest.status}).` : ""
  return `${status}${stored} The run took ${Format.duration(wallSeconds(manifest) * 1000)} of wall time.`
}

/**
 * What trained a run's MLP rows, in words: each row's `info.backend` ("gpnn-wasm (fused)" for
 * gpnn's float32 engine, else the tfjs backend's name; rows stored before the engine fall back on
 * the session's tfjs backend), e.g. "gpnn's float32 wasm engine (fused multiply-add)". With
 * `field` "stagesEngine": what stepped their workflow stages (rows stored before it was
 * recorded were timed on the session's tfjs backend).
 */
export const mlpEngines = (rows: ReadonlyArray<TrialRow>, manifest: Manifest, field: "backend" | "stagesEngine" = "backend"): string =>
  [...new Set(rows.map((r) => String(r.info[field] ?? manifest.sessions[0]?.backend)))].sort()
    .map((n) => (n.startsWith("gpnn-wasm") ? `gpnn's float32 wasm engine (${n.includes("fused") ? "fused multiply-add" : "plain SIMD"})` : `the tfjs ${n} backend`))
    .join(" and ")

export const section = (manifest: Manifest): Document.Section =>
  Document.section("Environment and seeds", [
    Document.keyValue([
      ["experiment", manifest.experiment],
      ["run id", manifest.runId],
      ["profile", manifest.profile],
      ["run seed", String(manifest.seed)],
      ["spec hash", manifest.specHash],
      ["git commit", `${manifest.git.commit}${manifest.git.dirty ? " (with uncommitted changes)" : ""}`],
      ["host", `${manifest.host.platform}, ${manifest.host.cpus} cores (${manifest.host.cpuModel}), ${manifest.host.memoryGiB} GiB`],
      ["tfjs backend", [...new Set(manifest.sessions.map((s) => s.backend))].join(", ")],
      ["versions", Object.entries(manifest.versions).map(([k, v]) => `${k} ${v}`).join(", ")],
      ["wall time", Format.duration(wallSeconds(manifest) * 1000)],
      ["status", manifest.status]
    ]),
    Document.table({
      caption: "Sessions that worked on this run (a resumed run has more than one).",
      columns: [
        { key: "startedAt", title: "started (UTC)" },
        { key: "jobs", title: "jobs" },
        { key: "trialsRun", title: "trials run" },
        { key: "wall", title: "wall time" },
        { key: "status", title: "status" }
      ],
      rows: manifest.sessions.map((s) => ({
        startedAt: s.startedAt,
        jobs: s.jobs,
        trialsRun: s.trialsRun,
        wall: Format.duration((s.wallSeconds ?? Number.NaN) * 1000),
        status: s.status
      }))
    }),
    Document.paragraph("Parameters of the run, as resolved from the profile and any `--set` overrides:"),
    Document.code(JSON.stringify(manifest.params, null, 2), "json")
  ])
