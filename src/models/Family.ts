/**
 * A model family declared one way: its name, what it is, which task kinds it fits, its config
 * schema and defaults, whether a fit depends on its seed, a small example config (what the
 * family contract suite fits), and how a validated config builds the model. `define` adds what
 * every family needs and none should write again:
 * - decoding a study's partial, untrusted config: absent fields take the defaults; an unknown key
 *   fails with a ConfigError naming it, the closest known key, and every known key (a misspelt
 *   `lerningRate` must not silently train at the default rate);
 * - the edges of `fit`: a task kind the family does not handle, and non-finite inputs or targets,
 *   fail with typed errors naming the row and column before any family code runs.
 *
 * When to use: each model module exports `family = Family.define({...})`; `Registry.ts` lists
 * them; tests/contract-families.test.ts runs every registered family through one contract.
 */
import { Effect, Predicate, Schema } from "effect"
import { ConfigError, DataError } from "../core/Errors.ts"
import type { Dataset, TaskKind } from "../data/Dataset.ts"
import type { NnBackend } from "./mlp/Backend.ts"
import type { Model } from "./Model.ts"

export interface Family<C = any, R = never> {
  readonly name: string
  /** One line: what the family is (shown in messages and the README). */
  readonly description: string
  /** The task kinds the family fits; any other is a ConfigError before fitting. */
  readonly tasks: ReadonlyArray<TaskKind>
  /** True when a fit depends on its seed (initial weights, minibatch order): studies repeat it over seeds. */
  readonly stochastic: boolean
  readonly defaults: C
  /** A config that fits in well under a second on tiny data of a kind, for the family contract suite. */
  example(kind: TaskKind): Readonly<Record<string, unknown>>
  /** A study's config (partial; absent fields take the defaults) validated into the family's own. */
  decode(input: unknown): Effect.Effect<C, ConfigError>
  /** The model of a validated config. */
  build(config: C): Model<R>
  /** `decode` then `build`. */
  make(input: unknown): Effect.Effect<Model<R>, ConfigError>
}

/** Any family, with its config type forgotten (the registry holds many). */
export type Any = Family<any, NnBackend> | Family<any, never>

/** Levenshtein distance, for "did you mean" on unknown config keys. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

/** The known key closest to `key`, when it is close enough to be a likely misspelling. */
export const closest = (key: string, known: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = distance(key, k)
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined
}

/** The first non-finite feature or target of a training set, as a DataError naming row and column. */
export const checkFinite = (ds: Dataset, family: string): DataError | undefined => {
  const source = `${ds.name} (training part given to ${family})`
  for (let k = 0; k < ds.X.data.length; k++) {
    if (!Number.isFinite(ds.X.data[k])) {
      const row = Math.floor(k / ds.X.cols)
      return new DataError({
        source,
        row: row + 1,
        message: `feature column ${(k % ds.X.cols) + 1} of row ${row + 1} is ${ds.X.data[k]}: drop or impute non-finite values before fitting`
      })
    }
  }
  for (let i = 0; i < ds.y.length; i++) {
    if (!Number.isFinite(ds.y[i])) return new DataError({ source, row: i + 1, message: `the target of row ${i + 1} is ${ds.y[i]}: drop or impute it before fitting` })
  }
  return undefined
}

export const define = <C extends Readonly<Record<string, unknown>>, R = never>(options: {
  readonly name: string
  readonly description: string
  readonly tasks: ReadonlyArray<TaskKind>
  readonly stochastic: boolean
  /** A Struct schema: its fields are the config's keys (optional ones included). */
  readonly config: Schema.Codec<C, unknown> & { readonly fields: Readonly<Record<string, unknown>> }
  readonly defaults: C
  readonly example: Partial<C> | ((kind: TaskKind) => Partial<C>)
  /** A rule across fields that the schema cannot state (e.g. "gamma or sigma, not both"). */
  readonly check?: (config: C) => ConfigError | undefined
  readonly build: (config: C) => Model<R>
}): Family<C, R> => {
  const known = Object.keys(options.config.fields)
  const decode = (input: unknown): Effect.Effect<C, ConfigError> => {
    if (!Predicate.isObject(input) || Array.isArray(input)) {
      return Effect.fail(new ConfigError({ field: options.name, message: `a ${options.name} config is an object of ${known.join(", ")}; got ${JSON.stringify(input)}` }))
    }
    const unknown = Object.keys(input).filter((key) => !known.includes(key))
    if (unknown.length > 0) {
      const hints = unknown.map((key) => {
        const near = closest(key, known)
        return near === undefined ? `"${key}"` : `"${key}" (did you mean "${near}"?)`
      })
      return Effect.fail(new ConfigError({
        field: `${options.name}.${unknown[0]}`,
        message: `the ${options.name} family has no config key ${hints.join(", ")}. Known keys: ${known.join(", ")}`
      }))
    }
    return Schema.decodeUnknownEffect(options.config)({ ...options.defaults, ...input }, { errors: "all" }).pipe(
      Effect.mapError((error) => new ConfigError({ field: options.name, message: `invalid ${options.name} config: ${error.message}` })),
      Effect.flatMap((config) => {
        const bad = options.check?.(config)
        return bad === undefined ? Effect.succeed(config) : Effect.fail(bad)
      })
    )
  }
  const build = (config: C): Model<R> => {
    const model = options.build(config)
    return {
      family: options.name,
      fit: (train, fitOptions) => {
        if (!options.tasks.includes(train.kind)) {
          return Effect.fail(new ConfigError({
            field: `${options.name}.task`,
            message: `the ${options.name} family fits ${options.tasks.join(" and ")} tasks only; ${train.name} is a ${train.kind} task (the families and the tasks they fit: gpnn list)`
          }))
        }
        const bad = checkFinite(train, options.name)
        return bad === undefined ? model.fit(train, fitOptions) : Effect.fail(bad)
      }
    }
  }
  return {
    name: options.name,
    description: options.description,
    tasks: options.tasks,
    stochastic: options.stochastic,
    defaults: options.defaults,
    example: (kind) => (typeof options.example === "function" ? options.example(kind) : options.example),
    decode,
    build,
    make: (input) => Effect.map(decode(input), build)
  }
}
