/**
 * `gpnn conformance <dir>`: gpnn's own implementations run on the data of every reference
 * fixture in a directory (scikit-learn, PyTorch and closed-form NNGP/NTK values, optuna's test
 * functions and regret figures; the public set in tests/fixtures or any other set of the same
 * schema) and compared with the reference values, one report line per check.
 *
 * Conventions: every `*.json` in `dir` (not recursive), in name order. A file's kind is
 * recognised by its structure: every kind's schema is tried (checks/*.ts) and the one that
 * decodes is run; when several decode, the one its file name names wins; when none does, a file
 * named like a kind fails with the reason its structure does not fit, and any other file is
 * listed as skipped. Tolerances come from each file's `description` where it states them, else
 * the public set's documented defaults (printed "(default)"). Nothing is replayed: reference
 * values are only ever compared against, never used as inputs.
 *
 * When to use: after changing a model family, or to check gpnn against a new fixture set
 * (`make conformance DIR=…`). Gotchas: the GP fits and the SVM grid make this take seconds, not
 * milliseconds; a key of a recognised file that no check knows is listed as skipped with the
 * reason, so a newer fixture schema never passes silently.
 */
import { Effect, Result } from "effect"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { DataError } from "../core/Errors.ts"
import * as Check from "./Check.ts"
import * as Calibration from "./checks/Calibration.ts"
import * as GpClassification from "./checks/GpClassification.ts"
import * as GpComposite from "./checks/GpComposite.ts"
import * as GpRegression from "./checks/GpRegression.ts"
import * as HpoAnchor from "./checks/HpoAnchor.ts"
import * as Metrics from "./checks/Metrics.ts"
import * as MlpNormStep from "./checks/MlpNormStep.ts"
import * as MlpStep from "./checks/MlpStep.ts"
import * as ModelSelection from "./checks/ModelSelection.ts"
import * as Ntk from "./checks/Ntk.ts"
import * as StatsTests from "./checks/StatsTests.ts"
import * as Svm from "./checks/Svm.ts"
import * as Kind from "./Kind.ts"

/** Every fixture kind gpnn knows, in the order they are tried. */
export const kinds: ReadonlyArray<Kind.Kind> = [
  Metrics.kind,
  ModelSelection.kind,
  MlpStep.kind,
  MlpNormStep.kind,
  Ntk.kind,
  GpRegression.kind,
  GpComposite.kind,
  GpClassification.kind,
  Svm.kind,
  StatsTests.kind,
  Calibration.kind,
  HpoAnchor.kind
]

/** What one file was taken for. */
export interface FileResult {
  readonly file: string
  /** The recognised kind; undefined when skipped or unreadable. */
  readonly kind: string | undefined
  readonly lines: ReadonlyArray<Check.Line>
}

export interface Report {
  readonly dir: string
  readonly files: ReadonlyArray<FileResult>
}

export interface Summary {
  readonly passed: number
  readonly failed: number
  readonly skipped: number
}

/** Every line of the report, file by file. */
export const lines = (report: Report): Array<Check.Line> => report.files.flatMap((f) => f.lines)

export const summary = (report: Report): Summary => {
  const all = lines(report)
  return {
    passed: all.filter((l) => l.outcome === "pass").length,
    failed: all.filter((l) => l.outcome === "fail").length,
    skipped: all.filter((l) => l.outcome === "skip").length
  }
}

const topLevelKeys = (json: unknown): string =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? Object.keys(json).join(", ") || "none" : `a JSON ${Array.isArray(json) ? "array" : typeof json}`

/**
 * The kind of a parsed fixture and its checks, or the line saying why it is not checked.
 * `file` is the name (used to break ties and to explain a mismatch).
 */
export const recognise = (file: string, json: unknown): { readonly kind: Kind.Kind; readonly runner: Kind.Runner } | Check.Line => {
  const decoded = kinds.map((kind) => ({ kind, result: kind.decode(json) }))
  const fits = decoded.flatMap(({ kind, result }) => (Result.isSuccess(result) ? [{ kind, runner: result.success }] : []))
  const named = kinds.filter((k) => Kind.namedLike(k, file))
  if (fits.length === 1) return fits[0]
  if (fits.length > 1) {
    const byName = fits.filter((f) => named.includes(f.kind))
    if (byName.length === 1) return byName[0]
    return Check.skipped(file, "kind", `its structure fits ${fits.map((f) => f.kind.name).join(" and ")}; name the file after one of them`)
  }
  if (named.length > 0) {
    const reasons = decoded.filter(({ kind }) => named.includes(kind)).map(({ kind, result }) =>
      `named like ${kind.name} but ${Result.isFailure(result) ? result.failure : "?"} (expected ${kind.signature})`
    )
    return Check.failed(file, "kind", reasons.join("; "))
  }
  return Check.skipped(file, "kind", `not a known fixture kind (top-level keys: ${topLevelKeys(json)}; known: ${kinds.map((k) => k.name).join(", ")})`)
}

const checkFile = Effect.fnUntraced(function*(dir: string, file: string): Effect.fn.Return<FileResult> {
  const text = yield* Effect.result(Effect.tryPromise({ try: () => fs.readFile(path.join(dir, file), "utf8"), catch: Check.messageOf }))
  if (Result.isFailure(text)) return { file, kind: undefined, lines: [Check.failed(file, "read", text.failure)] }
  let json: unknown
  try {
    json = JSON.parse(text.success)
  } catch (error) {
    return { file, kind: undefined, lines: [Check.failed(file, "parse", `not valid JSON: ${Check.messageOf(error)}`)] }
  }
  const found = recognise(file, json)
  if (!("runner" in found)) return { file, kind: undefined, lines: [found] }
  const description = typeof json === "object" && json !== null && "description" in json && typeof json.description === "string" ? json.description : undefined
  const checked = yield* found.runner({ file, description })
  return {
    file,
    kind: found.kind.name,
    lines: checked.length > 0 ? checked : [Check.skipped(file, found.kind.name, "the file holds no reference values to compare with")]
  }
})

/**
 * Checks every `*.json` fixture in `dir`. Fails with a DataError only when the directory cannot
 * be read or holds no JSON files; a bad or unknown file becomes a failed or skipped line.
 */
export const run = Effect.fn("Conformance.run")(function*(dir: string): Effect.fn.Return<Report, DataError> {
  const entries = yield* Effect.tryPromise({
    try: () => fs.readdir(dir, { withFileTypes: true }),
    catch: (error) => new DataError({ source: dir, message: `cannot read the fixture directory (${Check.messageOf(error)}); give a directory of *.json reference fixtures, e.g. tests/fixtures` })
  })
  const files = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".json")).map((e) => e.name).sort()
  if (files.length === 0) {
    return yield* new DataError({ source: dir, message: "no *.json fixtures in this directory; give a directory of reference fixtures, e.g. tests/fixtures" })
  }
  const results: Array<FileResult> = []
  for (const file of files) results.push(yield* checkFile(dir, file))
  return { dir, files: results }
})

const HEADER = ["file", "check", "max abs err", "max rel err", "tolerance", "result", "note"] as const

const formatError = (v: number | undefined): string => (v === undefined ? "—" : Number.isNaN(v) ? "NaN" : !Number.isFinite(v) ? "∞" : v === 0 ? "0" : v.toExponential(1))

/**
 * The report as an aligned text table (one row per line, the note last and unpadded) and a
 * final summary line `conformance: N passed, N failed, N skipped`.
 */
export const format = (report: Report): Array<string> => {
  const rows = lines(report).map((l) => [
    l.file,
    l.check,
    formatError(l.maxAbs),
    formatError(l.maxRel),
    l.tolerance,
    l.outcome === "pass" ? "pass" : l.outcome === "fail" ? "FAIL" : "skip",
    l.note
  ])
  const table = [[...HEADER], ...rows]
  const widths = HEADER.map((_, j) => Math.max(...table.map((r) => [...r[j]].length)))
  const pad = (cell: string, j: number) => (j === HEADER.length - 1 ? cell : cell + " ".repeat(widths[j] - [...cell].length))
  const s = summary(report)
  return [
    ...table.map((r) => r.map(pad).join("  ").trimEnd()),
    `conformance: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`
  ]
}
