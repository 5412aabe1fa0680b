/**
 * A kind of reference fixture (metrics, ntk, svm, …): how to recognise a file of that kind from
 * its structure, and the checks that run gpnn on the data inside it.
 *
 * When to use: each module under checks/ exports one `Kind` built with `make`; Conformance.ts
 * tries every kind's schema on a file and runs the one that decodes (its file name breaks ties).
 * Gotchas: schemas are deliberately lenient (sections and most reference values optional) so a
 * set holding a subset of the cases still checks what it has; `present` says when a decoded
 * value holds nothing at all to check (an empty object decodes against all-optional sections).
 */
import { Effect, Result, Schema } from "effect"
import * as Check from "./Check.ts"

export interface Context {
  /** The file's name within the directory. */
  readonly file: string
  /** The fixture's `description` (conventions and tolerances), when it has one. */
  readonly description: string | undefined
}

export type Runner = (context: Context) => Effect.Effect<ReadonlyArray<Check.Line>>

export interface Kind {
  /** As in the fixture file names: "metrics", "gp_regression", … */
  readonly name: string
  /** The top-level keys that mark the kind, for messages. */
  readonly signature: string
  /** The checks of a file with this structure, or why the file does not have it. */
  readonly decode: (json: unknown) => Result.Result<Runner, string>
}

/**
 * A kind from its schema, a test that the decoded fixture has something to check, and its
 * checks. `present` returns the reason when the fixture holds nothing of the kind.
 */
export const make = <A>(options: {
  readonly name: string
  readonly signature: string
  /** A Struct schema: its fields are the top-level keys the kind checks. */
  readonly schema: Schema.Decoder<A> & { readonly fields: Readonly<Record<string, unknown>> }
  readonly present: (fixture: A) => string | undefined
  /** Top-level keys of this kind that hold no reference values (e.g. wall times), beside METADATA. */
  readonly metadata?: ReadonlyArray<string>
  readonly run: (fixture: A, context: Context) => Effect.Effect<ReadonlyArray<Check.Line>>
}): Kind => ({
  name: options.name,
  signature: options.signature,
  decode: (json) => {
    const decoded = Schema.decodeUnknownResult(options.schema)(json, { errors: "first" })
    if (Result.isFailure(decoded)) return Result.fail(decoded.failure.message.replace(/\s+/g, " "))
    const fixture = decoded.success
    const missing = options.present(fixture)
    if (missing !== undefined) return Result.fail(missing)
    const unknown = (typeof json === "object" && json !== null ? Object.keys(json) : []).filter((key) => !(key in options.schema.fields) && !METADATA.includes(key) && !(options.metadata ?? []).includes(key))
    return Result.succeed((context: Context) =>
      Effect.map(options.run(fixture, context), (lines) =>
        unknown.length === 0
          ? lines
          : [...lines, Check.skipped(context.file, unknown.join(", "), `not checked: gpnn's ${options.name} checks know no key of this name`)]
      )
    )
  }
})

/** Top-level keys every fixture may carry that hold no reference values. */
const METADATA: ReadonlyArray<string> = ["generator", "set", "description"]

/** Lowercase letters and digits only: "gp-regression_hidden" → "gpregressionhidden". */
const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "")

/** Whether a file name names the kind ("gp_regression.json", "hidden-gp-regression.json"). */
export const namedLike = (kind: Kind, file: string): boolean => squash(file.replace(/\.json$/i, "")).includes(squash(kind.name))
