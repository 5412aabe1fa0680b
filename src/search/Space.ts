/**
 * Search spaces: float, log-float, int (optionally log) and categorical parameters, each possibly
 * conditional on another (momentum exists only when optimizer = "sgd-momentum"); validation of a
 * space and of a point in it; and the map to and from the unit cube [0, 1]^d that model-based
 * samplers work in.
 *
 * Conventions:
 * - A space is an ordered list; a conditional parameter's parent is a categorical that comes
 *   EARLIER in the list, so proposing parameters in list order always knows the parent's value.
 *   A point (`Params`) holds exactly the active parameters: an inactive one is absent, not null.
 * - Unit cube, one coordinate per parameter (d = params.length), in list order:
 *   float: u = (t(v) − t(low)) / (t(high) − t(low)) with t = log when `log`, else identity;
 *   int: the same on the widened interval [low − ½, high + ½] (each integer owns an equal slice,
 *   so a uniform u gives a uniform integer; with `log`, equal slices of log v), decoded by rounding;
 *   categorical with k choices: choice i ↦ (i + ½)/k, decoded as ⌊u·k⌋.
 *   An inactive parameter's coordinate is NaN in `toUnit`; `fromUnit` ignores the coordinates of
 *   parameters its own decoded parents switch off.
 * - "Internal" coordinates (`internal`, `internalBounds`) are the ones TPE's Parzen estimators
 *   live in: t(v) for numbers (the int bounds widened by ½ before t, as optuna), the index for
 *   categoricals.
 *
 * When to use: describe a study's hyperparameters once; every sampler in src/search reads it.
 * Gotchas: log parameters need low > 0 (log int: low ≥ 1); a categorical's choices are strings,
 * finite numbers or booleans, distinct.
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"

export type Choice = string | number | boolean

/** The parameter exists only when `parent` (an earlier categorical) takes one of `values`. */
export interface Condition {
  readonly parent: string
  readonly values: ReadonlyArray<Choice>
}

export interface FloatParam {
  readonly type: "float"
  readonly name: string
  readonly low: number
  readonly high: number
  readonly log: boolean
  readonly when?: Condition | undefined
}
export interface IntParam {
  readonly type: "int"
  readonly name: string
  readonly low: number
  readonly high: number
  readonly log: boolean
  readonly when?: Condition | undefined
}
export interface CategoricalParam {
  readonly type: "categorical"
  readonly name: string
  readonly choices: ReadonlyArray<Choice>
  readonly when?: Condition | undefined
}
export type Param = FloatParam | IntParam | CategoricalParam

export interface Space {
  readonly params: ReadonlyArray<Param>
}

/** A point of a space: the active parameters' values. */
export type Params = Readonly<Record<string, Choice>>

// ---------------------------------------------------------------------------------------------
// Construction and validation

const ChoiceSchema = Schema.Union([Schema.String, Schema.Finite, Schema.Boolean])
const ConditionSchema = Schema.Struct({ parent: Schema.String, values: Schema.Array(ChoiceSchema) })
const numericFields = {
  name: Schema.String,
  low: Schema.Finite,
  high: Schema.Finite,
  log: Schema.optional(Schema.Boolean),
  when: Schema.optional(ConditionSchema)
}
const ParamSchema = Schema.Union([
  Schema.Struct({ type: Schema.Literal("float"), ...numericFields }),
  Schema.Struct({ type: Schema.Literal("int"), ...numericFields }),
  Schema.Struct({ type: Schema.Literal("categorical"), name: Schema.String, choices: Schema.Array(ChoiceSchema), when: Schema.optional(ConditionSchema) })
])
const SpaceSchema = Schema.Struct({ params: Schema.Array(ParamSchema) })

const show = (c: Choice): string => (typeof c === "string" ? JSON.stringify(c) : String(c))
const showAll = (cs: ReadonlyArray<Choice>): string => cs.map(show).join(", ")

/** The checks the schema cannot express: bounds, log, distinct names and choices, parents. Throws ConfigError. */
const checkParams = (params: ReadonlyArray<Param>): void => {
  const seen = new Map<string, Param>()
  for (const p of params) {
    const field = `space.${p.name}`
    if (p.name.length === 0) throw new ConfigError({ field: "space", message: "a parameter has an empty name: give every parameter a name" })
    if (seen.has(p.name)) throw new ConfigError({ field, message: `parameter ${p.name} is declared twice: names must be unique` })
    if (p.type === "categorical") {
      if (p.choices.length === 0) throw new ConfigError({ field, message: `categorical ${p.name} has no choices: list at least one` })
      const keys = p.choices.map((c) => `${typeof c}:${String(c)}`)
      if (new Set(keys).size !== keys.length) throw new ConfigError({ field, message: `categorical ${p.name} repeats a choice among ${showAll(p.choices)}: choices must be distinct` })
    } else {
      if (!(p.high > p.low)) throw new ConfigError({ field, message: `${p.type} ${p.name} needs low < high, got [${p.low}, ${p.high}]` })
      if (p.type === "int" && (!Number.isInteger(p.low) || !Number.isInteger(p.high))) {
        throw new ConfigError({ field, message: `int ${p.name} needs integer bounds, got [${p.low}, ${p.high}]` })
      }
      if (p.log && !(p.low > 0)) throw new ConfigError({ field, message: `log-scaled ${p.name} needs low > 0, got ${p.low}: shift the range or drop log` })
    }
    if (p.when !== undefined) {
      const parent = seen.get(p.when.parent)
      if (parent === undefined) {
        const earlier = [...seen.keys()]
        throw new ConfigError({ field: `${field}.when`, message: `${p.name} depends on ${p.when.parent}, which is not an earlier parameter; declare the parent first (earlier: ${earlier.join(", ") || "none"})` })
      }
      if (parent.type !== "categorical") throw new ConfigError({ field: `${field}.when`, message: `${p.name} depends on ${parent.name}, a ${parent.type}: a parent must be categorical` })
      for (const v of p.when.values) {
        if (!parent.choices.includes(v)) throw new ConfigError({ field: `${field}.when`, message: `${p.name} depends on ${parent.name} = ${show(v)}, not one of its choices ${showAll(parent.choices)}` })
      }
    }
    seen.set(p.name, p)
  }
}

/** A validated space. Throws ConfigError naming the parameter at fault. */
export const make = (params: ReadonlyArray<Param>): Space => {
  checkParams(params)
  return { params }
}

export const float = (name: string, low: number, high: number, options: { readonly log?: boolean | undefined; readonly when?: Condition | undefined } = {}): FloatParam =>
  ({ type: "float", name, low, high, log: options.log ?? false, ...(options.when ? { when: options.when } : {}) })

export const int = (name: string, low: number, high: number, options: { readonly log?: boolean | undefined; readonly when?: Condition | undefined } = {}): IntParam =>
  ({ type: "int", name, low, high, log: options.log ?? false, ...(options.when ? { when: options.when } : {}) })

export const categorical = (name: string, choices: ReadonlyArray<Choice>, options: { readonly when?: Condition | undefined } = {}): CategoricalParam =>
  ({ type: "categorical", name, choices, ...(options.when ? { when: options.when } : {}) })

const asConfigError = (error: unknown): ConfigError => {
  if (error instanceof ConfigError) return error
  throw error
}

/** Validates an untrusted space (a spec file): `{ params: [{ type: "float", name, low, high, log?, when? }, …] }`. */
export const decode = (input: unknown): Effect.Effect<Space, ConfigError> =>
  Schema.decodeUnknownEffect(SpaceSchema)(input, { errors: "all" }).pipe(
    Effect.mapError((error) => new ConfigError({ field: "space", message: `invalid search space: ${error.message}` })),
    Effect.flatMap((decoded) =>
      Effect.try({
        try: () => make(decoded.params.map((p): Param => p.type === "categorical" ? categorical(p.name, p.choices, { when: p.when }) : p.type === "int" ? int(p.name, p.low, p.high, p) : float(p.name, p.low, p.high, p))),
        catch: asConfigError
      })
    )
  )

/** Whether `p` is active given the values assigned so far. */
export const isActive = (p: Param, assigned: Params): boolean =>
  p.when === undefined || (p.when.parent in assigned && p.when.values.includes(assigned[p.when.parent]))

/** Checks a point: every active parameter present with an allowed value, no inactive or unknown one. Throws ConfigError. */
export const checkPoint = (space: Space, point: Params): Params => {
  const known = new Set(space.params.map((p) => p.name))
  for (const name of Object.keys(point)) {
    if (!known.has(name)) throw new ConfigError({ field: `params.${name}`, message: `${name} is not a parameter of the space (known: ${[...known].join(", ")})` })
  }
  for (const p of space.params) {
    const field = `params.${p.name}`
    const v = point[p.name]
    if (!isActive(p, point)) {
      if (v !== undefined) throw new ConfigError({ field, message: `${p.name} is only active when ${p.when!.parent} is one of ${showAll(p.when!.values)}; drop it` })
      continue
    }
    if (v === undefined) throw new ConfigError({ field, message: `${p.name} is missing; ${describeAllowed(p)}` })
    if (p.type === "categorical") {
      if (!p.choices.includes(v)) throw new ConfigError({ field, message: `${p.name} = ${show(v)} is not allowed; choose one of ${showAll(p.choices)}` })
    } else if (typeof v !== "number" || !(v >= p.low && v <= p.high) || (p.type === "int" && !Number.isInteger(v))) {
      throw new ConfigError({ field, message: `${p.name} = ${show(v)} is not allowed; ${describeAllowed(p)}` })
    }
  }
  return point
}

const describeAllowed = (p: Param): string =>
  p.type === "categorical"
    ? `choose one of ${showAll(p.choices)}`
    : `give ${p.type === "int" ? "an integer" : "a number"} in [${p.low}, ${p.high}]${p.log ? " (log scale)" : ""}`

/** `checkPoint` as an Effect, for untrusted points (a resumed study, a user's warm start). */
export const decodePoint = (space: Space, input: unknown): Effect.Effect<Params, ConfigError> =>
  typeof input === "object" && input !== null && !Array.isArray(input)
    ? Effect.try({ try: () => checkPoint(space, input as Params), catch: asConfigError })
    : Effect.fail(new ConfigError({ field: "params", message: `a point is an object of parameter values; got ${String(input)}` }))

// ---------------------------------------------------------------------------------------------
// Coordinates

/** The internal bounds of a numeric parameter: [t(low), t(high)], int widened by ½ before t. */
export const internalBounds = (p: FloatParam | IntParam): readonly [number, number] => {
  const lo = p.type === "int" ? p.low - 0.5 : p.low
  const hi = p.type === "int" ? p.high + 0.5 : p.high
  return p.log ? [Math.log(lo), Math.log(hi)] : [lo, hi]
}

/** A value in internal coordinates: t(v) for numbers, the choice's index for categoricals. */
export const internal = (p: Param, v: Choice): number =>
  p.type === "categorical" ? p.choices.indexOf(v) : p.log ? Math.log(v as number) : (v as number)

/** The value of internal coordinate `t`, rounded (int) and clamped into the parameter's range. */
export const fromInternal = (p: Param, t: number): Choice => {
  if (p.type === "categorical") return p.choices[Math.min(p.choices.length - 1, Math.max(0, Math.round(t)))]
  const v = p.log ? Math.exp(t) : t
  const r = p.type === "int" ? Math.round(v) : v
  return Math.min(p.high, Math.max(p.low, r))
}

/** The point as unit-cube coordinates (d = params.length); NaN where a parameter is inactive. */
export const toUnit = (space: Space, point: Params): Float64Array =>
  Float64Array.from(space.params, (p) => {
    const v = point[p.name]
    if (v === undefined) return Number.NaN
    if (p.type === "categorical") return (p.choices.indexOf(v) + 0.5) / p.choices.length
    const [lo, hi] = internalBounds(p)
    return (internal(p, v) - lo) / (hi - lo)
  })

/** The value of one parameter at unit coordinate u (clamped into [0, 1]). */
export const unitValue = (p: Param, u: number): Choice => {
  const c = Math.min(1, Math.max(0, u))
  if (p.type === "categorical") return p.choices[Math.min(p.choices.length - 1, Math.floor(c * p.choices.length))]
  const [lo, hi] = internalBounds(p)
  return fromInternal(p, lo + c * (hi - lo))
}

/** The point at unit-cube coordinates u (length d); parameters switched off by their parents are left out. */
export const fromUnit = (space: Space, u: ArrayLike<number>): Params => {
  const point: Record<string, Choice> = {}
  space.params.forEach((p, j) => {
    if (isActive(p, point)) point[p.name] = unitValue(p, u[j])
  })
  return point
}

/** Parameter names in list order. */
export const names = (space: Space): Array<string> => space.params.map((p) => p.name)
