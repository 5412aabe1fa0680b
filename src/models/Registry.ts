/**
 * The model families a study can name, by `family`. Each is declared once with `Family.define`
 * in its own module (config schema, defaults, stochastic or not, task kinds, example, build);
 * this list is the only place that enumerates them, and the family contract suite
 * (tests/contract-families.test.ts) runs over it, so a new family is covered by adding it here.
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type * as Family from "./Family.ts"
import * as GpClassification from "./gp/GpClassification.ts"
import * as GpRegression from "./gp/GpRegression.ts"
import * as Mlp from "./mlp/Mlp.ts"
import * as Infinite from "./ntk/Infinite.ts"
import * as PolynomialRegression from "./poly/PolynomialRegression.ts"
import * as Svm from "./svm/Svm.ts"

export const families: ReadonlyArray<Family.Any> = [
  Mlp.family,
  GpRegression.family,
  GpClassification.family,
  Svm.family,
  Infinite.nngpFamily,
  Infinite.ntkFamily,
  PolynomialRegression.family
]

const byName = new Map(families.map((f) => [f.name, f]))

/** The family called `name`, or undefined. */
export const find = (name: string): Family.Any | undefined => byName.get(name)

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
    Effect.mapError((e) => new ConfigError({ field: `models.${entry.id}.${e.field}`, message: `${entry.id}: ${e.message}` }))
  )
}
