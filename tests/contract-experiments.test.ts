/**
 * The experiment contract: every study in experiments/ goes through the same checks, so a new
 * study is covered by adding its file, not by writing new tests. For each one, its quick profile:
 * - runs to completion in-process (the inline executor) and stores every planned trial, with the
 *   tasks its report reads stored beside them;
 * - gives the same rows, apart from timings, on the threads executor with two jobs (seeds are
 *   derived by key, so rows never depend on the executor or on --jobs);
 * - yields a report from the stored run alone that regenerates byte for byte, ends with the run's
 *   environment, and prints no NaN, undefined or [object Object].
 * Study-specific findings are checked in each study's own test file.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Executor from "../src/pipeline/Executor.ts"
import type * as Experiment from "../src/pipeline/Experiment.ts"
import * as Experiments from "../src/pipeline/Experiments.ts"
import { Progress } from "../src/pipeline/Progress.ts"
import * as Report from "../src/pipeline/Report.ts"
import { Rng } from "../src/pipeline/Rng.ts"
import * as Run from "../src/pipeline/Run.ts"
import { ResultStore } from "../src/results/Store.ts"
import { reportFiles } from "./support/cli.ts"
import { timeless } from "./support/runRecord.ts"

const experiments = await Effect.runPromise(Experiments.all)
const root = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-contract-experiments-"))

/** Runs the quick profile of `experiment` on `executor` into `root/<name>`; returns the run's rows and where it is. */
const runQuick = (experiment: Experiment.Any, executor: "inline" | "threads", name: string) => {
  const results = path.join(root, name, "results")
  const reports = path.join(root, name, "reports")
  const chosen = Executor.choose(executor, 2)!
  const program = Effect.gen(function*() {
    const runId = yield* Run.run({ experiment, profile: "quick", overrides: [], resume: false, report: true, reportsDir: reports })
    const store = yield* ResultStore
    const record = yield* store.load(experiment.name, runId)
    return { runId, record }
  })
  return program.pipe(
    Effect.provide(Layer.mergeAll(
      ResultStore.layer(results),
      Progress.layerSilent,
      Rng.layer(experiment.seed),
      chosen.layer({ jobs: chosen.jobs(2), backend: "auto" }).pipe(Layer.provideMerge(NnBackend.layer("auto")))
    )),
    Effect.map((out) => ({ ...out, results, reports: path.join(reports, experiment.name) }))
  )
}

/** A row without what measures time. */

describe.each(experiments.map((e) => [e.name, e] as const))("%s, quick profile", (name, experiment) => {
  it.live("runs inline and on two threads to the same rows; its report regenerates byte for byte from the stored run", () =>
    Effect.gen(function*() {
      const inline = yield* runQuick(experiment, "inline", `${name}-inline`)
      const { manifest, rows, tasks } = inline.record
      expect(manifest.status).toBe("complete")
      expect(manifest.sessions.map((s) => s.executor)).toEqual(["inline"])
      expect(rows.length).toBe(manifest.trialCount)
      expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length)
      const study = manifest.study as { tasks: ReadonlyArray<{ name: string }> }
      expect([...tasks.keys()].sort()).toEqual(study.tasks.map((t) => t.name).sort())

      const threads = yield* runQuick(experiment, "threads", `${name}-threads`)
      expect(threads.record.manifest.sessions.map((s) => s.executor)).toEqual(["threads"])
      expect(threads.record.rows.map(timeless)).toEqual(rows.map(timeless))

      const first = reportFiles(inline.reports)
      const readme = first.get("README.md") ?? ""
      expect(readme).toContain("## Environment and seeds")
      expect(readme).not.toMatch(/\bNaN\b|\bundefined\b|\[object Object\]/)
      yield* Report.write(experiment, inline.runId, path.dirname(inline.reports)).pipe(Effect.provide(ResultStore.layer(inline.results)))
      expect(reportFiles(inline.reports)).toEqual(first)
    }), 600_000)
})
