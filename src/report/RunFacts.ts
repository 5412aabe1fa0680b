/**
 * The "Environment and seeds" section every report ends with, from the manifest alone: what ran,
 * where, with which seed, versions and backend, and how long each session took.
 */
import type { Manifest } from "../results/Run.ts"
import * as Document from "./Document.ts"
import * as Format from "./Format.ts"

/** Total wall time over the run's sessions (a resumed run has several), in seconds. */
export const wallSeconds = (manifest: Manifest): number =>
  manifest.sessions.reduce((t, s) => t + (s.wallSeconds ?? 0), 0)

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
