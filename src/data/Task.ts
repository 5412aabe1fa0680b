/**
 * Task specs: the serialisable description of a study's data, e.g.
 * `{ task: "sine-quadratic", n: 500, noise: 0.3 }`, `{ task: "moons", n: 400, noise: 0.2 }`,
 * `{ task: "mnist", n: 2000, digits: [3, 8] }` or
 * `{ task: "csv", path: "data/iris.csv", target: "species", kind: "classification" }`,
 * `{ task: "co2", until: 2004 }`, `{ task: "penguins" }`, and `load`, which turns one into a
 * Dataset with the run's generator. `fromFlag` reads the command-line form of a task
 * (`csv:data/iris.csv:species`, `penguins`).
 *
 * When to use: experiment specs hold a `Spec`; the pipeline calls `load(spec, rng)` once per
 * task and run with `rng` seeded from the run seed and the task name, so every model sees the
 * same data. Gotchas: `noise` is an sd, not a variance; `load` re-validates the spec, so a spec
 * built in code (not decoded) still fails with a ConfigError naming the bad field.
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { ConfigError, DataError } from "../core/Errors.ts"
import type * as Random from "../core/Random.ts"
import * as Csv from "./Csv.ts"
import type { Dataset } from "./Dataset.ts"
import * as Mnist from "./Mnist.ts"
import * as Synthetic from "./Synthetic.ts"
import * as VegaDatasets from "./VegaDatasets.ts"

const Size = Schema.Int.check(Schema.isGreaterThan(0))
const ClassificationSize = Schema.Int.check(Schema.isGreaterThanOrEqualTo(2))
const Noise = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))

/** y = sin(3x) + 0.3x² + N(0, noise²), x ~ U(−3, 3): the width-sweep task. */
export const SineQuadratic = Schema.Struct({ task: Schema.Literal("sine-quadratic"), n: Size, noise: Noise })
/** A smooth sum of sinusoids plus noise. */
export const Smooth = Schema.Struct({ task: Schema.Literal("smooth"), n: Size, noise: Noise })
/** An Ornstein–Uhlenbeck path (length-scale default 1) plus noise. */
export const Rough = Schema.Struct({ task: Schema.Literal("rough"), n: Size, noise: Noise, lengthScale: Schema.optionalKey(Positive) })
/** A periodic signal (period default 1.5) plus noise. */
export const Periodic = Schema.Struct({ task: Schema.Literal("periodic"), n: Size, noise: Noise, period: Schema.optionalKey(Positive) })
/** Two interleaving half circles (scikit-learn make_moons). */
export const Moons = Schema.Struct({ task: Schema.Literal("moons"), n: ClassificationSize, noise: Noise })
/** Two concentric circles, inner radius `factor` (default 0.8, in [0, 1)). */
export const Circles = Schema.Struct({
  task: Schema.Literal("circles"),
  n: ClassificationSize,
  noise: Noise,
  factor: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)))
})
/** XOR on the square [−1, 1]², label 1 where x₁·x₂ > 0. */
export const Xor = Schema.Struct({ task: Schema.Literal("xor"), n: ClassificationSize, noise: Noise })
/** n MNIST digits, optionally only some digits (relabelled 0..k−1 in the order given). */
export const Mnist_ = Schema.Struct({
  task: Schema.Literal("mnist"),
  n: Size,
  digits: Schema.optionalKey(Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(9))))
})
/**
 * A user CSV file with a header row and a named target column; without `kind`, it is inferred
 * (Table.inferKind: any non-number, or integers with at most 10 distinct values, is
 * classification). The CLI form is `csv:PATH:TARGET[:regression|classification]` (`fromFlag`).
 */
export const Csv_ = Schema.Struct({
  task: Schema.Literal("csv"),
  path: Schema.NonEmptyString,
  target: Schema.NonEmptyString,
  kind: Schema.optionalKey(Schema.Literals(["regression", "classification"]))
})
/**
 * Mauna Loa monthly CO₂ (vega-datasets, 741 months from 1958) against the decimal year: months
 * with from ≤ year < until (until 2004: the 545 months R&W §5.4.3 fit), every `every`-th kept.
 */
export const Co2 = Schema.Struct({
  task: Schema.Literal("co2"),
  from: Schema.optionalKey(Schema.Finite),
  until: Schema.optionalKey(Schema.Finite),
  every: Schema.optionalKey(Size)
})
/** Auto MPG (vega-datasets cars.json, 392 of 406 cars complete): regression of miles per gallon. */
export const Cars = Schema.Struct({ task: Schema.Literal("cars") })
/** Palmer penguins (vega-datasets, 333 of 344 complete): classification of the 3 species. */
export const Penguins = Schema.Struct({ task: Schema.Literal("penguins") })
/** Seattle weather 2012–2015 (vega-datasets, 1,461 days): classification of 5 weather types. */
export const SeattleWeather = Schema.Struct({ task: Schema.Literal("seattle-weather") })

/** Every task spec, discriminated by `task`. */
export const Spec = Schema.Union([SineQuadratic, Smooth, Rough, Periodic, Moons, Circles, Xor, Mnist_, Csv_, Co2, Cars, Penguins, SeattleWeather]).pipe(
  Schema.toTaggedUnion("task")
)
export type Spec = typeof Spec.Type

/** The known task names, for messages and CLI help. */
export const names: ReadonlyArray<string> = Spec.discriminants.map(String)

const firstIssuePath = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Validate an untrusted value (a spec file's entry, CLI input) as a task spec. The ConfigError's
 * `field` is the dotted path of the first bad field ("task.n", "task.digits.1"), or "task".
 */
export const decode = (input: unknown): Effect.Effect<Spec, ConfigError> =>
  Schema.decodeUnknownEffect(Spec)(input).pipe(
    Effect.mapError((error) => {
      const path = firstIssuePath(error.issue).issues[0]?.path ?? []
      return new ConfigError({
        field: ["task", ...path.map(String)].join("."),
        message: `invalid task spec ${JSON.stringify(input)}: ${error.message}\nKnown tasks: ${names.join(", ")}`
      })
    })
  )

const generate = (spec: Spec, rng: Random.Generator): Effect.Effect<Dataset, DataError | ConfigError> =>
  Spec.match(spec, {
    "sine-quadratic": (s) => Effect.sync(() => Synthetic.sineQuadratic(s, rng)),
    smooth: (s) => Effect.sync(() => Synthetic.smooth(s, rng)),
    rough: (s) => Effect.sync(() => Synthetic.rough(s, rng)),
    periodic: (s) => Effect.sync(() => Synthetic.periodic(s, rng)),
    moons: (s) => Effect.sync(() => Synthetic.moons(s, rng)),
    circles: (s) => Effect.sync(() => Synthetic.circles(s, rng)),
    xor: (s) => Effect.sync(() => Synthetic.xor(s, rng)),
    mnist: (s) => Mnist.load(s, rng),
    csv: (s) => Csv.load(s),
    co2: (s) => VegaDatasets.co2(s),
    cars: () => VegaDatasets.cars(),
    penguins: () => VegaDatasets.penguins(),
    "seattle-weather": () => VegaDatasets.seattleWeather()
  })

/**
 * The data set of a task spec, drawn with `rng` (unused by "csv"). Fails with a ConfigError for
 * a spec that does not validate and a DataError for data that cannot be read or used.
 */
export const load = (spec: Spec, rng: Random.Generator): Effect.Effect<Dataset, DataError | ConfigError> =>
  Effect.flatMap(decode(spec), (valid) => generate(valid, rng))

/**
 * The noise-free regression function of a synthetic 1-d task, where it is known in closed form
 * (sine-quadratic, smooth, periodic); undefined otherwise (the rough task is a random draw, real
 * and CSV data have no truth). The run stores it on the task's probe grid for the report.
 */
export const truth = (spec: Spec): ((x: number) => number) | undefined => {
  switch (spec.task) {
    case "sine-quadratic":
      return Synthetic.sineQuadraticMean
    case "smooth":
      return Synthetic.smoothMean
    case "periodic": {
      const period = spec.period
      return (x) => Synthetic.periodicMean(x, period)
    }
    default:
      return undefined
  }
}

/** The tasks a bare name on the command line stands for: those without required fields. */
const BARE: ReadonlyArray<string> = ["co2", "cars", "penguins", "seattle-weather"]

const KINDS: ReadonlyArray<string> = ["regression", "classification"]

const flagError = (text: string, why: string): ConfigError =>
  new ConfigError({
    field: "task",
    message: `task "${text}": ${why}; write csv:PATH:TARGET[:regression|classification] (e.g. csv:data/iris.csv:species) or one of ${BARE.join(", ")}`
  })

/**
 * The task spec a command-line string names: `csv:PATH:TARGET[:regression|classification]` or a
 * bare data set name (co2, cars, penguins, seattle-weather). The path may itself hold colons
 * (`csv:C:\data\x.csv:y`): the target is the last field, or the one before a trailing
 * regression / classification when at least three fields follow "csv:" (so a column named
 * "regression" is still a target in `csv:x.csv:regression`). A target containing ":" cannot be
 * written this way; use a spec file. Fails with a ConfigError (field "task") for anything else.
 */
export const fromFlag = (text: string): Effect.Effect<Spec, ConfigError> => {
  if (BARE.includes(text)) return decode({ task: text })
  if (!text.startsWith("csv:")) return Effect.fail(flagError(text, "not a known form"))
  const fields = text.slice("csv:".length).split(":")
  const kind = fields.length >= 3 && KINDS.includes(fields[fields.length - 1]) ? fields.pop() : undefined
  if (fields.length < 2) return Effect.fail(flagError(text, "no target column after the path"))
  const target = fields.pop() as string
  const path = fields.join(":")
  if (path === "") return Effect.fail(flagError(text, "the path is empty"))
  if (target === "") return Effect.fail(flagError(text, "the target column is empty"))
  return decode({ task: "csv", path, target, ...(kind === undefined ? {} : { kind }) })
}
