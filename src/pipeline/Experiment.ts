/**
 * An experiment is one file in `experiments/`: a typed parameter schema, three profiles
 * (quick: tests and smoke runs; default: what `make experiment` runs, ≤ ~15 min on 2 cores;
 * full: the paper-grade study), a function from parameters to the study, and, apart from it, a
 * function from the decoded parameters and the stored run to the report. Command-line overrides
 * (`--set widths=8,64,512`) are parsed by the type of the field they name and validated by the
 * same schema as the profiles.
 *
 * The study and the report meet only through the stored run: whatever a report shows (the data
 * points, the true function, the probe inputs) the run stores when it runs (`RunRecord.tasks`),
 * so a report never re-draws data from today's code. The report receives the parameters decoded
 * by the experiment's schema (`decodeStored`), never a cast; a run whose parameters no longer
 * decode gets a ConfigError that says what changed and how to report it.
 */
import { Effect, Predicate, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { Document } from "../report/Document.ts"
import type { Study } from "./Study.ts"
import type { RunRecord } from "../results/Run.ts"

export const profiles = ["quick", "default", "full"] as const
export type Profile = (typeof profiles)[number]

export interface Definition<P extends Record<string, unknown>> {
  readonly name: string
  readonly title: string
  /** One paragraph: the question the study answers. Shown by `gpnn list` and atop the report. */
  readonly description: string
  readonly params: Schema.Codec<P, unknown>
  /** The default profile's parameters; quick and full override some of them. */
  readonly defaults: P
  readonly profiles: { readonly quick: Partial<P>; readonly full: Partial<P> }
  /** The default run seed (`--seed` overrides it). */
  readonly seed: number
  readonly study: (params: P) => Study
  /**
   * The report, computed from the decoded parameters and the stored run alone (so regenerating
   * it is byte-identical). Compose it from the shared sections of src/report/.
   */
  readonly report: (params: P, run: RunRecord) => Effect.Effect<Document, ConfigError>
  /**
   * The same study in the Python stack (`../shared/peers/<script>`), for `gpnn peer`: the
   * arguments that reproduce a run's parameters and seed, or a ConfigError when the peer cannot
   * (e.g. an architecture it does not implement). Its JSON lines are stored with the run.
   */
  readonly peer?: {
    readonly script: string
    readonly args: (params: P, seed: number) => Effect.Effect<ReadonlyArray<string>, ConfigError>
  }
}

/** Any experiment, with its parameter type forgotten (the registry holds many). */
export type Any = Definition<any>

export const define = <P extends Record<string, unknown>>(definition: Definition<P>): Definition<P> => definition

/**
 * Parses one `key=value` override by the type the field has in the defaults; `key+=value` (a list
 * field only) appends to the list the key holds so far (how `--task` adds to a study's tasks).
 */
const parseOverride = (
  experiment: Any,
  assignment: string
): Effect.Effect<readonly [string, unknown, boolean], ConfigError> => {
  const eq = assignment.indexOf("=")
  const known = Object.keys(experiment.defaults)
  if (eq <= 0) {
    return Effect.fail(new ConfigError({ field: "--set", message: `--set expects key=value, got "${assignment}". Known keys of ${experiment.name}: ${known.join(", ")}` }))
  }
  const append = assignment[eq - 1] === "+"
  const key = assignment.slice(0, append ? eq - 1 : eq).trim()
  const raw = assignment.slice(eq + 1).trim()
  if (!known.includes(key)) {
    return Effect.fail(new ConfigError({ field: key, message: `--set ${key}: ${experiment.name} has no parameter "${key}". Known: ${known.join(", ")}` }))
  }
  const next = /\s([A-Za-z_]\w*)=/.exec(raw)
  if (next !== null && known.includes(next[1])) {
    return Effect.fail(new ConfigError({ field: "--set", message: `--set "${assignment}" holds more than one assignment: each parameter needs its own --set (--set ${key}=${raw.slice(0, next.index).trim()} --set ${raw.slice(next.index).trim()})` }))
  }
  const current = experiment.defaults[key]
  if (append && !Array.isArray(current)) {
    return Effect.fail(new ConfigError({ field: key, message: `${key}+=…: ${experiment.name}'s "${key}" is not a list; use ${key}=…` }))
  }
  const scalar = (text: string, like: unknown): unknown => {
    if (Predicate.isNumber(like)) return text === "" ? Number.NaN : Number(text)
    if (Predicate.isBoolean(like)) return text === "true" ? true : text === "false" ? false : text
    return text
  }
  const value = Array.isArray(current)
    ? raw === "" ? [] : raw.split(",").map((part) => scalar(part.trim(), current[0] ?? 0))
    : scalar(raw, current)
  return Effect.succeed([key, value, append] as const)
}

/** The parameters of a run: defaults, then the profile, then `--set` overrides, all validated. */
export const resolve = Effect.fn("Experiment.resolve")(function*(
  experiment: Any,
  profile: Profile,
  overrides: ReadonlyArray<string>
) {
  const merged: Record<string, unknown> = {
    ...experiment.defaults,
    ...(profile === "default" ? {} : experiment.profiles[profile])
  }
  for (const assignment of overrides) {
    const [key, value, append] = yield* parseOverride(experiment, assignment)
    merged[key] = append ? [...(merged[key] as ReadonlyArray<unknown>), ...(value as ReadonlyArray<unknown>)] : value
  }
  return yield* Schema.decodeUnknownEffect(experiment.params)(merged, { errors: "all" }).pipe(
    Effect.mapError((error) =>
      new ConfigError({ field: experiment.name, message: `invalid parameters for ${experiment.name} (profile ${profile}):\n${error.message}` })
    )
  )
})

/**
 * The parameters of a stored run, decoded by the experiment's schema for its report. A run stored
 * by a version whose parameters differ (a field renamed, added without a default, narrowed) fails
 * with a ConfigError that names the run, the commit that made it and what does not decode.
 */
export const decodeStored = Effect.fn("Experiment.decodeStored")(function*(experiment: Any, run: RunRecord) {
  const { manifest } = run
  return yield* Schema.decodeUnknownEffect(experiment.params)(manifest.params, { errors: "all" }).pipe(
    Effect.mapError((error) =>
      new ConfigError({
        field: "--run",
        message: `run ${manifest.runId} of ${experiment.name} was stored by gpnn at commit ${manifest.git.commit.slice(0, 12)} with parameters this version cannot read:\n${error.message}\nRe-run it (make experiment NAME=${experiment.name}), or report it from that commit (git checkout ${manifest.git.commit.slice(0, 12)}).`
      })
    )
  )
})
