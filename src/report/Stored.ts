/**
 * What a report reads of a stored run beyond its rows: each task as the run stored it (probe
 * inputs, the noise-free function there, and, for studies that keep data, the points and the
 * folds). A report draws nothing again from today's code; when the run lacks what it needs
 * (stored by a version before tasks were stored, or by a study that did not keep its data) it
 * fails with a ConfigError that says so and how to get a run that has it.
 *
 * When to use: `const moons = yield* Stored.dataAndProbe(run, "moons")` in an experiment's
 * report, then hand `moons` to the shared sections (DecisionSurface, PosteriorBand).
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { RunRecord, StoredTask } from "../results/Run.ts"

/** A stored task with its data: X row by row (original scale), y, and the folds' row indices. */
export interface TaskData extends StoredTask {
  readonly X: ReadonlyArray<ReadonlyArray<number>>
  readonly y: ReadonlyArray<number>
  readonly folds: NonNullable<StoredTask["folds"]>
}

/** A stored task with its probe rows. */
export interface TaskProbe extends StoredTask {
  readonly probe: ReadonlyArray<ReadonlyArray<number>>
}

const rerun = (run: RunRecord): string =>
  `re-run it with this version (gpnn run ${run.manifest.experiment}), or report it from the commit that made it (git checkout ${run.manifest.git.commit.slice(0, 12)})`

const fail = (run: RunRecord, task: string, what: string) =>
  new ConfigError({ field: `run ${run.manifest.runId}, task ${task}`, message: `run ${run.manifest.runId} of ${run.manifest.experiment} ${what}; ${rerun(run)}` })

/** The task as stored; fails when the run stored no tasks (an older run), not this one, or its load failed. */
export const task = (run: RunRecord, name: string): Effect.Effect<StoredTask, ConfigError> => {
  if (run.tasks.size === 0) {
    return Effect.fail(fail(run, name, `has no stored data for task "${name}": it was stored before runs stored their tasks`))
  }
  const found = run.tasks.get(name)
  if (found === undefined) {
    return Effect.fail(fail(run, name, `has no stored task "${name}" (it stored ${[...run.tasks.keys()].map((k) => `"${k}"`).join(", ")})`))
  }
  if (found.error !== undefined) {
    return Effect.fail(
      new ConfigError({
        field: `run ${run.manifest.runId}, task ${name}`,
        message: `task "${name}" of run ${run.manifest.runId} could not be loaded when the run ran (${found.error}); fix the task's spec and re-run`
      })
    )
  }
  return Effect.succeed(found)
}

/** The task with its data points and folds; fails when the study did not keep them (`TaskEntry.keepData`). */
export const data = (run: RunRecord, name: string): Effect.Effect<TaskData, ConfigError> =>
  Effect.flatMap(task(run, name), (t) =>
    t.X === undefined || t.y === undefined || t.folds === undefined
      ? Effect.fail(fail(run, name, `stored task "${name}" without its data points (its study did not set keepData)`))
      : Effect.succeed({ ...t, X: t.X, y: t.y, folds: t.folds }))

/** The task with its probe rows; fails when the study gave the task no probe. */
export const probe = (run: RunRecord, name: string): Effect.Effect<TaskProbe, ConfigError> =>
  Effect.flatMap(task(run, name), (t) =>
    t.probe === undefined
      ? Effect.fail(fail(run, name, `stored task "${name}" without probe inputs (its study gave it no probe)`))
      : Effect.succeed({ ...t, probe: t.probe }))

/** The task with its data, folds and probe rows: what a decision surface or a posterior band draws. */
export const dataAndProbe = (run: RunRecord, name: string): Effect.Effect<TaskData & TaskProbe, ConfigError> =>
  Effect.flatMap(data(run, name), (t) => Effect.map(probe(run, name), (p) => ({ ...t, probe: p.probe })))
