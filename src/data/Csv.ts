/**
 * User data from a CSV file: a header row naming the columns, one row per point; the target is
 * one named column and the features are every other column, in file order, as float64. A task
 * string `csv:PATH:TARGET[:regression|classification]` names such a task (Task.fromFlag).
 *
 * Conventions: comma-separated; a cell may be double-quoted ("a, b" and "" for a literal quote)
 * but may not span lines; whitespace around cells is ignored; blank lines are skipped; lines are
 * counted 1-based in the file as written (the header is usually line 1). Class labels are indexed
 * 0..k−1 in sorted order: numerically when every label is a number ("2" < "10"), else by UTF-16
 * code units; their names are kept in `classNames`. Without a kind, the kind is inferred by
 * Table.inferKind: a target with any non-number, or integers with at most 10 distinct values, is
 * classification; anything else regression.
 *
 * Missing values follow Table.ts: a row with an empty, NA, N/A, NaN, null or ? cell is dropped
 * and counted in `Dataset.missing`. Gotchas: feature columns must be numeric (encode categories
 * as numbers first); a word or an infinite value in one is an error naming the file, the line,
 * the column and the value.
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { basename, extname, resolve } from "node:path"
import { DataError } from "../core/Errors.ts"
import type { Dataset, TaskKind } from "./Dataset.ts"
import * as Table from "./Table.ts"

export interface Options {
  /** The header name of the target column. */
  readonly target: string
  /** Absent: inferred from the target column (Table.inferKind). */
  readonly kind?: TaskKind
}

/** The cells of one line; `undefined` when a quoted cell is not closed on the line. */
const splitLine = (line: string): Array<string> | undefined => {
  const cells: Array<string> = []
  let i = 0
  for (;;) {
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++
    if (line[i] === "\"") {
      let cell = ""
      i++
      for (;;) {
        if (i >= line.length) return undefined
        if (line[i] === "\"") {
          if (line[i + 1] === "\"") {
            cell += "\""
            i += 2
          } else {
            i++
            break
          }
        } else cell += line[i++]
      }
      while (i < line.length && line[i] !== ",") i++
      cells.push(cell)
    } else {
      const end = line.indexOf(",", i)
      cells.push(line.slice(i, end === -1 ? line.length : end).trim())
      i = end === -1 ? line.length : end
    }
    if (i >= line.length) return cells
    i++ // the comma
  }
}

/**
 * Split CSV text into a Table; `source` (the file name) names every error. Throws a DataError
 * for an empty file, a quoted cell not closed on its line, a duplicate column name, or a row with
 * the wrong number of cells.
 */
export const table = (text: string, source: string): Table.Table => {
  const lines = text.split(/\r?\n/)
  const rows: Array<{ at: number; cells: Array<string> }> = []
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].trim() === "") continue
    const cells = splitLine(lines[k])
    if (cells === undefined) {
      throw new DataError({ source, row: k + 1, message: `${source}, line ${k + 1}: a quoted cell is not closed on its line; quoted cells may not span lines` })
    }
    rows.push({ at: k + 1, cells })
  }
  if (rows.length === 0) throw new DataError({ source, message: `${source} is empty; expected a header row and at least one data row` })
  const header = rows[0]
  const seen = new Set<string>()
  for (const name of header.cells) {
    if (seen.has(name)) {
      throw new DataError({ source, row: header.at, column: name, message: `${source}, line ${header.at}: column "${name}" appears twice in the header; rename one` })
    }
    seen.add(name)
  }
  const width = header.cells.length
  for (const { at, cells } of rows) {
    if (cells.length !== width) {
      throw new DataError({ source, row: at, message: `${source}, line ${at}: ${cells.length} cells, but the header has ${width} columns` })
    }
  }
  return { source, columns: header.cells, headerAt: header.at, rows: rows.slice(1), unit: "line" }
}

/**
 * Parse CSV text into a Dataset; `source` (the file name) names the data set and every error.
 * Throws a DataError for the failures of `table` and of Table.toDataset: a missing target column
 * (listing the columns), a non-numeric or infinite cell (line, column, value), a single class,
 * every row dropped for missing values.
 */
export const parse = (text: string, source: string, options: Options): Dataset => {
  const t = table(text, source)
  return Table.toDataset(t, {
    name: basename(source, extname(source)),
    target: options.target,
    numeric: t.columns.filter((c) => c !== options.target),
    ...(options.kind === undefined ? {} : { kind: options.kind })
  })
}

const unreadable = (path: string, cause: unknown): DataError => {
  const code = (cause as { code?: unknown } | null)?.code
  const why = code === "ENOENT" ? `no such file (looked for ${resolve(path)})` : code === "EISDIR" ? "it is a directory" : String(cause)
  return new DataError({ source: path, message: `cannot read ${path}: ${why}; check the path (relative paths start at the working directory)` })
}

/** Read and parse a CSV file (see `parse`); a file that cannot be read is a DataError too. */
export const load = Effect.fnUntraced(function*(options: Options & { readonly path: string }): Effect.fn.Return<Dataset, DataError> {
  const text = yield* Effect.tryPromise({ try: () => readFile(options.path, "utf8"), catch: (cause) => unreadable(options.path, cause) })
  return yield* Effect.try({
    try: () => parse(text, options.path, options),
    catch: (e) => (e instanceof DataError ? e : new DataError({ source: options.path, message: String(e) }))
  })
})
