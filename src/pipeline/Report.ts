/**
 * `gpnn report`: a stored run → `reports/<experiment>/README.md`, `index.html` and
 * `figures/*.svg`. The experiment's `report` function sees the stored run and nothing else, so the
 * files are byte-identical however often, and wherever, they are regenerated.
 *
 * Where: with `--reports <dir>`, `<dir>/<experiment>/`. Without it, a run of the default profile
 * writes `reports/<experiment>/` (the committed report) and any other profile (a quick smoke run,
 * a full one) writes `reports/.scratch/<experiment>-<profile>/` (ignored by git), so a smoke run
 * never overwrites the committed default report.
 */
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { ConfigError, StoreError } from "../core/Errors.ts"
import * as Html from "../report/Html.ts"
import * as Markdown from "../report/Markdown.ts"
import { ResultStore } from "../results/Store.ts"
import * as Experiment from "./Experiment.ts"

const writeAtomic = (file: string, content: string) =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(path.dirname(file), { recursive: true })
      await fs.writeFile(`${file}.tmp`, content)
      await fs.rename(`${file}.tmp`, file)
    },
    catch: (cause) => new StoreError({ path: file, message: `cannot write: ${String(cause)}` })
  })

/** The run a report is made from: the one named, else the newest complete run, else the newest. */
export const chooseRun = Effect.fn("Report.chooseRun")(function*(experiment: string, runId: string | undefined) {
  const store = yield* ResultStore
  if (runId !== undefined) {
    const ids = yield* store.runs(experiment)
    if (ids.includes(runId)) return runId
    return yield* new ConfigError({ field: "--run", message: `no run ${runId} of ${experiment} under ${store.root}. ${ids.length === 0 ? "There are no runs of it yet." : `Its runs: ${ids.join(", ")}`}` })
  }
  const ids = yield* store.runs(experiment)
  if (ids.length === 0) {
    return yield* new ConfigError({ field: "--run", message: `no stored runs of ${experiment} under ${store.root}; run \`make experiment NAME=${experiment}\` first` })
  }
  for (const id of [...ids].reverse()) {
    if ((yield* store.readManifest(experiment, id)).status === "complete") return id
  }
  return ids[ids.length - 1]
})

/** Reports of profiles other than the default go under here when no `--reports` is given. */
export const scratchRoot = path.join("reports", ".scratch")

/** The report directory of a run of `experiment` made with `profile` (see the header). */
export const directory = (reportsDir: string | undefined, experiment: string, profile: string): string =>
  reportsDir !== undefined
    ? path.resolve(reportsDir, experiment)
    : profile === "default"
    ? path.resolve("reports", experiment)
    : path.resolve(scratchRoot, `${experiment}-${profile}`)

/** Writes the report of run `runId` (default: `chooseRun`) to `directory(reportsDir, …)`. */
export const write = Effect.fn("Report.write")(function*(experiment: Experiment.Any, runId: string | undefined, reportsDir: string | undefined) {
  const store = yield* ResultStore
  const id = yield* chooseRun(experiment.name, runId)
  const record = yield* store.load(experiment.name, id)
  const params = yield* Experiment.decodeStored(experiment, record)
  const document = yield* experiment.report(params, record)
  const dir = directory(reportsDir, experiment.name, record.manifest.profile)
  const markdown = Markdown.render(document)
  const figures = path.join(dir, "figures")
  const stale = yield* Effect.promise(() => fs.readdir(figures).catch(() => [] as Array<string>))
  const keep = new Set(markdown.files.map((f) => path.resolve(dir, f.path)))
  for (const name of stale) {
    if (!keep.has(path.join(figures, name))) yield* Effect.promise(() => fs.rm(path.join(figures, name), { force: true }))
  }
  for (const file of markdown.files) yield* writeAtomic(path.join(dir, file.path), file.content)
  yield* writeAtomic(path.join(dir, "README.md"), markdown.text)
  yield* writeAtomic(path.join(dir, "index.html"), Html.render(document))
  return { runId: id, dir }
})
