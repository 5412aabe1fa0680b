/**
 * The experiment registry: every `experiments/<name>.ts` file whose default export is an
 * experiment definition. Adding an experiment means adding one file; nothing else lists them.
 */
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { ConfigError } from "../core/Errors.ts"
import type * as Experiment from "./Experiment.ts"

const directory = new URL("../../experiments/", import.meta.url)

export const all: Effect.Effect<ReadonlyArray<Experiment.Any>> = Effect.promise(async () => {
  const names = (await fs.readdir(fileURLToPath(directory))).filter((n) => n.endsWith(".ts")).sort()
  const modules = await Promise.all(names.map((n) => import(new URL(n, directory).href)))
  return modules.map((m) => m.default as Experiment.Any).filter((d) => d !== undefined && typeof d.study === "function")
})

/** The experiment called `name`, or a ConfigError that lists the known ones. */
export const find = Effect.fn("Experiments.find")(function*(name: string) {
  const experiments = yield* all
  const found = experiments.find((e) => e.name === name)
  if (found === undefined) {
    return yield* new ConfigError({
      field: "experiment",
      message: `unknown experiment "${name}". Known experiments: ${experiments.map((e) => e.name).join(", ")}`
    })
  }
  return found
})
