/**
 * User data from a CSV file: a header row naming the columns, one row per point, every column
 * numeric except that a classification target may hold string labels.
 *
 * Conventions: comma-separated; a cell may be double-quoted ("a, b" and "" for a literal quote)
 * but may not span lines; whitespace around cells is ignored; blank lines are skipped; lines are
 * counted 1-based in the file as written (the header is usually line 1). Features are every
 * column but the target, in file order, as float64. Class labels are indexed 0..k−1 in sorted
 * order: numerically when every label is a number ("2" < "10"), else by UTF-16 code units.
 *
 * Gotchas: there are no missing values; an empty, NaN or infinite cell is an error naming the
 * file, the line and the column, so clean or impute the file first.
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { basename, extname } from "node:path"
import { DataError } from "../core/Errors.ts"
import type { Dataset, TaskKind } from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

export interface Options {
  /** The header name of the target column. */
  readonly target: string
  readonly kind: TaskKind
}

/** A decimal number as written in CSV files: 12, -3.5, .5, 1e-3. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

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

const numeric = (cell: string, source: string, row: number, column: string): number => {
  const fail = (what: string) =>
    new DataError({ source, row, message: `${source}, line ${row}: ${what} in column "${column}"; fix or remove the row` })
  if (cell === "") throw fail("empty cell")
  if (NUMBER.test(cell)) return Number(cell)
  if (/^[+-]?nan$/i.test(cell)) throw fail("NaN")
  if (/^[+-]?(inf|infinity)$/i.test(cell)) throw fail(`non-finite value "${cell}"`)
  throw fail(`non-numeric value "${cell}"`)
}

/** Distinct labels in index order: numeric order when all are numbers, else code-unit order. */
const labelOrder = (labels: ReadonlyArray<string>): Array<string> => {
  const distinct = [...new Set(labels)]
  return distinct.every((l) => NUMBER.test(l))
    ? distinct.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Parse CSV text into a Dataset; `source` (the file name) names the data set and every error.
 * Throws a DataError for an empty file, a duplicate or missing target column, a row with the
 * wrong number of cells, an empty / NaN / non-numeric / infinite feature cell, or a
 * classification target with fewer than two classes.
 */
export const parse = (text: string, source: string, options: Options): Dataset => {
  const lines = text.split(/\r?\n/)
  const rows: Array<{ line: number; cells: Array<string> }> = []
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].trim() === "") continue
    const cells = splitLine(lines[k])
    if (cells === undefined) {
      throw new DataError({ source, row: k + 1, message: `${source}, line ${k + 1}: a quoted cell is not closed on its line; quoted cells may not span lines` })
    }
    rows.push({ line: k + 1, cells })
  }
  if (rows.length === 0) throw new DataError({ source, message: `${source} is empty; expected a header row and at least one data row` })
  const header = rows[0]
  const seen = new Set<string>()
  for (const name of header.cells) {
    if (seen.has(name)) {
      throw new DataError({ source, row: header.line, message: `${source}, line ${header.line}: column "${name}" appears twice in the header; rename one` })
    }
    seen.add(name)
  }
  const t = header.cells.indexOf(options.target)
  if (t === -1) {
    throw new DataError({
      source,
      row: header.line,
      message: `${source}: no target column "${options.target}"; the header has ${header.cells.map((c) => `"${c}"`).join(", ")}`
    })
  }
  const width = header.cells.length
  if (width < 2) {
    throw new DataError({ source, row: header.line, message: `${source}: the header names only the target "${options.target}"; at least one feature column is needed` })
  }
  const data = rows.slice(1)
  if (data.length === 0) throw new DataError({ source, message: `${source} has a header but no data rows` })
  const d = width - 1
  const X = new Float64Array(data.length * d)
  const targets: Array<string> = []
  data.forEach(({ line, cells }, i) => {
    if (cells.length !== width) {
      throw new DataError({ source, row: line, message: `${source}, line ${line}: ${cells.length} cells, but the header has ${width} columns` })
    }
    let j = 0
    for (let c = 0; c < width; c++) {
      if (c === t) continue
      X[i * d + j++] = numeric(cells[c], source, line, header.cells[c])
    }
    targets.push(cells[t])
  })
  const name = basename(source, extname(source))
  const features = Matrix.make(data.length, d, X)
  if (options.kind === "regression") {
    const y = Float64Array.from(data, ({ line }, i) => numeric(targets[i], source, line, options.target))
    return { name, kind: "regression", X: features, y, classes: 0 }
  }
  data.forEach(({ line }, i) => {
    if (targets[i] === "") {
      throw new DataError({ source, row: line, message: `${source}, line ${line}: empty class label in column "${options.target}"; fix or remove the row` })
    }
  })
  const order = labelOrder(targets)
  if (order.length < 2) {
    throw new DataError({ source, message: `${source}: the target "${options.target}" has a single class "${order[0]}"; classification needs at least two` })
  }
  const index = new Map(order.map((label, k) => [label, k]))
  const y = Float64Array.from(targets, (label) => index.get(label) as number)
  return { name, kind: "classification", X: features, y, classes: order.length }
}

/** Read and parse a CSV file (see `parse`); a file that cannot be read is a DataError too. */
export const load = Effect.fnUntraced(function*(options: Options & { readonly path: string }): Effect.fn.Return<Dataset, DataError> {
  const text = yield* Effect.tryPromise({
    try: () => readFile(options.path, "utf8"),
    catch: (cause) => new DataError({ source: options.path, message: `cannot read ${options.path}: ${String(cause)}; check the path (relative paths start at the working directory)` })
  })
  return yield* Effect.try({
    try: () => parse(text, options.path, options),
    catch: (e) => (e instanceof DataError ? e : new DataError({ source: options.path, message: String(e) }))
  })
})
