/**
 * One line of a conformance report and the rules that judge it: closeness within a tolerance,
 * a one-sided bound (a fitted likelihood at least the reference's), an exact match (a selected
 * degree, a best cell), or a skip with its reason.
 *
 * Conventions: closeness is elementwise |a − e| ≤ atol + rtol·|e|, the rule of
 * tests/support/assertClose.ts, so a check passes here exactly when the test helper would; equal
 * values (±∞ included) have error 0; NaN, a length mismatch or a non-finite value against a
 * finite one fail. The error columns of a line are the largest |a − e| and the largest
 * |a − e|/|e| over its elements (∞ where e = 0 and a ≠ 0); for a one-sided bound they are the
 * shortfall below the bound's reference; exact matches carry none.
 *
 * When to use: the fixture kinds under checks/ build their lines with these; `guard` turns a
 * check that throws (bad fixture data, a model that fails) into a failed line instead of ending
 * the run.
 */
import { Effect } from "effect"

export type Outcome = "pass" | "fail" | "skip"

/** One row of the report. */
export interface Line {
  /** The fixture file's name within the directory. */
  readonly file: string
  /** The case and what is compared, e.g. "smooth1d/rbf: lml". */
  readonly check: string
  /** Largest |actual − expected| (or shortfall for a bound); undefined when not numeric. */
  readonly maxAbs: number | undefined
  /** Largest |actual − expected| / |expected|; undefined when not numeric. */
  readonly maxRel: number | undefined
  /** The rule applied, as printed: "rtol 1e-6 atol 1e-8", "≥ ref − 1e-3·|ref|", "exact". */
  readonly tolerance: string
  readonly outcome: Outcome
  /** Where the worst element is, what was compared, or why it was skipped or failed. */
  readonly note: string
}

/** An elementwise tolerance and where it came from. */
export interface Tolerance {
  readonly rtol: number
  readonly atol: number
  /** "description": read from the fixture's description; "default": the public set's value. */
  readonly source: "description" | "default"
}

/** "rtol 1e-6 atol 1e-8", omitting a zero term, marked "(default)" when not read from the file. */
export const describeTolerance = (t: Tolerance): string => {
  const parts = [t.rtol > 0 || t.atol === 0 ? `rtol ${t.rtol.toExponential(0)}` : "", t.atol > 0 ? `atol ${t.atol.toExponential(0)}` : ""]
  return parts.filter((p) => p !== "").join(" ") + (t.source === "default" ? " (default)" : "")
}

type Numbers = number | ArrayLike<number>

const toArray = (v: Numbers): ArrayLike<number> => (typeof v === "number" ? [v] : v)

/**
 * Compares `actual` with `expected` elementwise within `tol`. `labels` names element i in the
 * note (default `[i]`), e.g. `(i) => \`degree ${i + 1}\``.
 */
export const close = (
  file: string,
  check: string,
  actual: Numbers,
  expected: Numbers,
  tol: Tolerance,
  labels: (i: number) => string = (i) => `[${i}]`
): Line => {
  const a = toArray(actual)
  const e = toArray(expected)
  const tolerance = describeTolerance(tol)
  if (a.length !== e.length) {
    return { file, check, maxAbs: undefined, maxRel: undefined, tolerance, outcome: "fail", note: `${a.length} values computed, ${e.length} in the fixture` }
  }
  if (e.length === 0) return { ...skipped(file, check, "the fixture holds no values here"), tolerance }
  let maxAbs = 0
  let maxRel = 0
  let worst = -1
  let worstRatio = -1
  let pass = true
  for (let i = 0; i < e.length; i++) {
    const err = a[i] === e[i] ? 0 : Math.abs(a[i] - e[i])
    const bound = tol.atol + tol.rtol * Math.abs(e[i])
    const rel = err === 0 ? 0 : err / Math.abs(e[i])
    const ok = a[i] === e[i] || err <= bound
    if (!ok) pass = false
    // the worst element is the one using most of its bound; NaN counts as beyond any bound
    const ratio = Number.isNaN(err) ? Number.POSITIVE_INFINITY : bound > 0 ? err / bound : err > 0 ? Number.POSITIVE_INFINITY : 0
    if (ratio > worstRatio) {
      worstRatio = ratio
      worst = i
    }
    maxAbs = Number.isNaN(err) || Number.isNaN(maxAbs) ? Number.NaN : Math.max(maxAbs, err)
    maxRel = Number.isNaN(rel) || Number.isNaN(maxRel) ? Number.NaN : Math.max(maxRel, rel)
  }
  const note = e.length === 1
    ? `${formatValue(a[0])} vs ${formatValue(e[0])}`
    : maxAbs === 0
    ? `all ${e.length} values equal`
    : `worst ${labels(worst)}: ${formatValue(a[worst])} vs ${formatValue(e[worst])} (${e.length} values)`
  return { file, check, maxAbs, maxRel, tolerance, outcome: pass ? "pass" : "fail", note }
}

/**
 * A one-sided check: `actual ≥ reference − slack·scale` (or `≤ reference + slack·scale` with
 * `direction` "atMost"), e.g. a fitted log-likelihood at least the reference optimiser's;
 * `scale` is |reference| unless given (with the label printed for it). The error columns hold
 * the shortfall beyond the reference (0 when `actual` is on the good side of it) and that
 * shortfall over the scale.
 */
export const bound = (
  file: string,
  check: string,
  actual: number,
  reference: number,
  slack: number,
  options: {
    readonly direction?: "atLeast" | "atMost"
    readonly source?: Tolerance["source"]
    readonly scale?: { readonly value: number; readonly label: string }
  } = {}
): Line => {
  const direction = options.direction ?? "atLeast"
  const scale = Math.abs(options.scale?.value ?? reference)
  const shortfall = direction === "atLeast" ? reference - actual : actual - reference
  const maxAbs = Number.isNaN(shortfall) ? Number.NaN : Math.max(0, shortfall)
  const sign = direction === "atLeast" ? "≥ ref −" : "≤ ref +"
  return {
    file,
    check,
    maxAbs,
    maxRel: maxAbs === 0 ? 0 : maxAbs / scale,
    tolerance: `${sign} ${slack.toExponential(0)}·${options.scale?.label ?? "|ref|"}${options.source === "default" ? " (default)" : ""}`,
    outcome: maxAbs <= slack * scale ? "pass" : "fail",
    note: `${formatValue(actual)} vs ref ${formatValue(reference)}`
  }
}

/** An exact match of a selection (a degree, a grid cell, a flag, a count). */
export const exact = <A extends string | number | boolean>(file: string, check: string, actual: A, expected: A, note = ""): Line => ({
  file,
  check,
  maxAbs: undefined,
  maxRel: undefined,
  tolerance: "exact",
  outcome: actual === expected ? "pass" : "fail",
  note: `${String(actual)} vs ${String(expected)}${note === "" ? "" : `; ${note}`}`
})

/** A check that was not run, with the reason. */
export const skipped = (file: string, check: string, reason: string): Line => ({
  file,
  check,
  maxAbs: undefined,
  maxRel: undefined,
  tolerance: "—",
  outcome: "skip",
  note: reason
})

/** A check that could not be carried out (bad fixture data, a model that threw). */
export const failed = (file: string, check: string, reason: string): Line => ({
  file,
  check,
  maxAbs: undefined,
  maxRel: undefined,
  tolerance: "—",
  outcome: "fail",
  note: reason
})

/** The message of anything thrown: typed errors carry one, as do Errors. */
export const messageOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    const tag = "_tag" in error && typeof error._tag === "string" ? `${error._tag}: ` : ""
    return `${tag}${error.message}`
  }
  return String(error)
}

/**
 * Runs synchronous checks, turning anything they throw into one failed line named `check`, so
 * one broken case does not hide the others.
 */
export const guard = (file: string, check: string, compute: () => ReadonlyArray<Line>): Effect.Effect<ReadonlyArray<Line>> =>
  Effect.try({ try: compute, catch: (error) => error }).pipe(
    Effect.catch((error) => Effect.succeed([failed(file, check, messageOf(error))]))
  )

/** A number as printed in notes: 6 significant digits, or 4 in exponent form far from 1. */
export const formatValue = (v: number | undefined): string => {
  if (v === undefined) return "—"
  if (Number.isNaN(v)) return "NaN"
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞"
  if (v === 0) return "0"
  const a = Math.abs(v)
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(6))) : v.toExponential(3)
}
