/**
 * The model families a study can name, by `family`: how to validate a config and build the
 * model, and whether the family is stochastic (gets `seeds` runs per fold) or deterministic
 * (runs once per fold; a GP's restarts are still drawn from the trial's seed).
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { NnBackend } from "./mlp/Backend.ts"
import * as GpClassification from "./gp/GpClassification.ts"
import * as GpRegression from "./gp/GpRegression.ts"
import * as Mlp from "./mlp/Mlp.ts"
import * as Infinite from "./ntk/Infinite.ts"
import * as Svm from "./svm/Svm.ts"
import type { Model } from "./Model.ts"

export interface Family {
  readonly name: string
  /** True when a fit depends on its seed (initial weights, minibatch order). */
  readonly stochastic: boolean
  make(config: unknown): Effect.Effect<Model<NnBackend>, ConfigError>
}

export const families: ReadonlyArray<Family> = [
  { name: "mlp", stochastic: true, make: (config) => Effect.map(Mlp.decodeConfig(config), Mlp.model) },
  { name: "gp", stochastic: false, make: (config) => Effect.map(GpRegression.decodeConfig(config), GpRegression.model) },
  { name: "gpc", stochastic: false, make: (config) => Effect.map(GpClassification.decodeConfig(config), GpClassification.model) },
  { name: "svm", stochastic: false, make: (config) => Effect.map(Svm.decodeConfig(config), Svm.model) },
  { name: "nngp", stochastic: false, make: (config) => Effect.map(Infinite.decodeConfig(config), Infinite.nngp) },
  { name: "ntk", stochastic: false, make: (config) => Effect.map(Infinite.decodeConfig(config), Infinite.ntk) }
]

const byName = new Map(families.map((f) => [f.name, f]))

export const isStochastic = (family: string): boolean => byName.get(family)?.stochastic ?? true

/** The model of a study entry, or a ConfigError naming the entry and the known families. */
export const make = (entry: { readonly id: string; readonly family: string; readonly config: unknown }) => {
  const family = byName.get(entry.family)
  if (family === undefined) {
    return Effect.fail(new ConfigError({
      field: `models.${entry.id}.family`,
      message: `unknown model family "${entry.family}" in ${entry.id}; known families: ${families.map((f) => f.name).join(", ")}`
    }))
  }
  return family.make(entry.config).pipe(
    Effect.mapError((e) => new ConfigError({ field: `models.${entry.id}`, message: `${entry.id}: ${e.message}` }))
  )
}
