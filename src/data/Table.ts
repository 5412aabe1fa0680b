/**
 * A table of raw cells read from a file (CSV text, or a JSON array of records) and its
 * conversion to a Dataset under a column plan: which column is the target, which columns are
 * numeric features and which categorical ones.
 *
 * Missing values, the policy: a row with a missing value in any USED column (the target or a
 * planned feature; other columns, such as a car's name, are ignored) is dropped, and the drop
 * is counted in `Dataset.missing` (rows read, rows dropped, missing cells per column). Nothing
 * is imputed, so no held-out statistic can leak into training and no NaN reaches a model. A cell
 * is missing when it is JSON null, an absent key, or, trimmed, one of `MISSING` ("", "NA", "N/A",
 * "NaN", "null", "?"; case-insensitive). A data set with its own encoding maps it to null first
 * (`mapColumn`; penguins' Sex "."). Infinity is not missing: a non-finite, non-numeric or boolean
 * cell in a numeric column is a DataError naming the file, the row, the column and the value.
 *
 * Conventions: rows are numbered as the file shows them: CSV lines 1-based as written (the header
 * is usually line 1), JSON records 1-based. Class labels and categorical levels are indexed in
 * sorted order: numerically when every one is a number ("2" < "10"), else by UTF-16 code units.
 * When the plan gives no kind, it is inferred from the target cells kept (`inferKind`).
 *
 * When to use: file readers (Csv.ts, VegaDatasets.ts) build a Table and call `toDataset`; the
 * Dataset's categorical columns are one-hot encoded later, on the training part (Encode.ts).
 */
import { DataError } from "../core/Errors.ts"
import type { Categorical, Dataset, TaskKind } from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

/** One raw cell: a CSV cell is a trimmed string; a JSON value is kept as parsed. */
export type Cell = string | number | boolean | null

export interface Row {
  /** The row's number in the file (a line or a record, 1-based). */
  readonly at: number
  /** One cell per column of the table. */
  readonly cells: ReadonlyArray<Cell>
}

export interface Table {
  /** The file as the user named it; every error names it. */
  readonly source: string
  /** Column names in file order. */
  readonly columns: ReadonlyArray<string>
  /** The header's line, for errors about columns (CSV only). */
  readonly headerAt?: number
  readonly rows: ReadonlyArray<Row>
  /** How rows are numbered in messages. */
  readonly unit: "line" | "record"
}

export interface Plan {
  /** The data set's name. */
  readonly name: string
  /** The target column. */
  readonly target: string
  /** Regression or classification; absent: inferred by `inferKind`. */
  readonly kind?: TaskKind
  /** Numeric feature columns, in the order of X's columns. */
  readonly numeric: ReadonlyArray<string>
  /** Categorical feature columns, one-hot encoded after the split (Encode.ts). */
  readonly categorical?: ReadonlyArray<string>
}

/** The cells read as missing, compared trimmed and case-insensitively. */
export const MISSING: ReadonlyArray<string> = ["", "NA", "N/A", "NaN", "null", "?"]

/** With no kind given, an integer-valued target with at most this many distinct values is a class label. */
export const MAX_INFERRED_CLASSES = 10

const MISSING_SET = new Set(MISSING.map((m) => m.toLowerCase()))

/** A decimal number as written in CSV files: 12, -3.5, .5, 1e-3. */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

export const isMissing = (cell: Cell | undefined): boolean =>
  cell === null || cell === undefined || (typeof cell === "string" && MISSING_SET.has(cell.trim().toLowerCase())) || (typeof cell === "number" && Number.isNaN(cell))

/** The number a cell holds, or undefined when it holds none (a word, a boolean, ±Infinity). */
const asNumber = (cell: Cell): number | undefined => {
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : undefined
  if (typeof cell === "string" && NUMBER.test(cell.trim())) return Number(cell.trim())
  return undefined
}

/** "data.csv, line 4" / "cars.json, record 17". */
export const where = (table: Table, at: number): string => `${table.source}, ${table.unit} ${at}`

/** The number in a used numeric cell, or a DataError naming the file, row, column and value. */
const numeric = (table: Table, row: Row, column: string, cell: Cell): number => {
  const value = asNumber(cell)
  if (value !== undefined) return value
  const text = String(cell)
  const what = /^[+-]?(inf|infinity)$/i.test(text.trim()) || cell === Infinity || cell === -Infinity ? "non-finite" : "non-numeric"
  throw new DataError({
    source: table.source,
    row: row.at,
    column,
    message: `${where(table, row.at)}: ${what} value "${text}" in column "${column}"; fix or remove the row (missing values are written ${MISSING.map((m) => `"${m}"`).join(", ")})`
  })
}

/** Distinct labels in index order: numeric order when all are numbers, else code-unit order. */
export const labelOrder = (labels: Iterable<string>): Array<string> => {
  const distinct = [...new Set(labels)]
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  return distinct.every((l) => NUMBER.test(l)) ? distinct.sort((a, b) => Number(a) - Number(b) || byText(a, b)) : distinct.sort(byText)
}

/**
 * The task kind a target's cells imply: classification when any cell is not a number (a word,
 * a boolean) or when every cell is an integer and there are at most MAX_INFERRED_CLASSES
 * distinct values; regression otherwise. Give the kind explicitly to overrule it.
 */
export const inferKind = (cells: ReadonlyArray<Cell>): TaskKind => {
  const values = cells.map(asNumber)
  if (values.some((v) => v === undefined)) return "classification"
  const integers = values.every((v) => Number.isInteger(v))
  return integers && new Set(values).size <= MAX_INFERRED_CLASSES ? "classification" : "regression"
}

/** The table with `f` applied to every cell of `column` (e.g. a date to a number, "." to null). */
export const mapColumn = (table: Table, column: string, f: (cell: Cell, row: Row) => Cell): Table => {
  const j = table.columns.indexOf(column)
  if (j === -1) throw columnError(table, column, "column")
  return { ...table, rows: table.rows.map((row) => ({ ...row, cells: row.cells.map((c, k) => (k === j ? f(c, row) : c)) })) }
}

const columnError = (table: Table, column: string, role: string): DataError =>
  new DataError({
    source: table.source,
    ...(table.headerAt === undefined ? {} : { row: table.headerAt }),
    column,
    message: `${table.source}: no ${role} "${column}"; the ${table.unit === "line" ? "header has" : "records have the keys"} ${table.columns.map((c) => `"${c}"`).join(", ")}`
  })

/**
 * Parse JSON text holding an array of records (objects) into a Table: columns are the keys in
 * first-seen order; a key absent from a record is a missing cell. Throws a DataError for text
 * that is not such an array, or a record that is not an object (naming the record).
 */
export const fromJson = (text: string, source: string): Table => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new DataError({ source, message: `${source} is not valid JSON (${String(cause)}); expected an array of records` })
  }
  if (!Array.isArray(parsed)) throw new DataError({ source, message: `${source}: expected a JSON array of records, got ${typeof parsed}` })
  const columns: Array<string> = []
  const seen = new Set<string>()
  parsed.forEach((record: unknown, i) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new DataError({ source, row: i + 1, message: `${source}, record ${i + 1}: expected an object of named values, got ${JSON.stringify(record)}` })
    }
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key)
        columns.push(key)
      }
    }
  })
  const rows = parsed.map((record: Record<string, unknown>, i): Row => ({
    at: i + 1,
    cells: columns.map((c) => {
      const v = record[c]
      return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : v === undefined || v === null ? null : JSON.stringify(v)
    })
  }))
  return { source, columns, rows, unit: "record" }
}

/**
 * The Dataset a table holds under `plan` (see the module header for the missing-value policy).
 * Throws a DataError naming the file for: a planned column the table lacks (listing the
 * columns), no feature columns, no rows, every row dropped, a non-numeric or non-finite cell
 * (row, column, value), and a classification target with a single class.
 */
export const toDataset = (table: Table, plan: Plan): Dataset => {
  const { source } = table
  const index = (column: string, role: string): number => {
    const j = table.columns.indexOf(column)
    if (j === -1) throw columnError(table, column, role)
    return j
  }
  const t = index(plan.target, "target column")
  const categoricalNames = plan.categorical ?? []
  const numericAt = plan.numeric.map((c) => index(c, "feature column"))
  const categoricalAt = categoricalNames.map((c) => index(c, "feature column"))
  if (numericAt.length + categoricalAt.length === 0) {
    throw new DataError({ source, column: plan.target, message: `${source}: the columns hold only the target "${plan.target}"; at least one feature column is needed` })
  }
  if (table.rows.length === 0) throw new DataError({ source, message: `${source} has a header but no data rows` })
  const used: Array<[string, number]> = [[plan.target, t], ...plan.numeric.map((c, k): [string, number] => [c, numericAt[k]]), ...categoricalNames.map((c, k): [string, number] => [c, categoricalAt[k]])]
  const byColumn: Record<string, number> = Object.fromEntries(used.map(([c]) => [c, 0]))
  const kept = table.rows.filter((row) => {
    let complete = true
    for (const [c, j] of used) {
      if (isMissing(row.cells[j])) {
        byColumn[c]++
        complete = false
      }
    }
    return complete
  })
  const missing = { rows: table.rows.length, dropped: table.rows.length - kept.length, byColumn }
  if (kept.length === 0) {
    const counts = used.map(([c]) => `"${c}" ${byColumn[c]}`).join(", ")
    throw new DataError({ source, message: `${source}: every one of its ${table.rows.length} rows has a missing value in a used column (missing cells: ${counts}); fill them in or choose other columns` })
  }
  const n = kept.length
  const d = numericAt.length
  const X = new Float64Array(n * d)
  kept.forEach((row, i) => {
    for (let k = 0; k < d; k++) X[i * d + k] = numeric(table, row, plan.numeric[k], row.cells[numericAt[k]] as Cell)
  })
  const categorical: Array<Categorical> = categoricalNames.map((name, k) => {
    const labels = kept.map((row) => String(row.cells[categoricalAt[k]]).trim())
    const levels = labelOrder(labels)
    const code = new Map(levels.map((l, c) => [l, c]))
    return { name, levels, codes: Int32Array.from(labels, (l) => code.get(l) as number) }
  })
  const targets = kept.map((row) => row.cells[t] as Cell)
  const kind = plan.kind ?? inferKind(targets)
  const base = {
    name: plan.name,
    kind,
    X: Matrix.make(n, d, X),
    source,
    columns: { features: plan.numeric, target: plan.target },
    missing,
    ...(categorical.length === 0 ? {} : { categorical })
  }
  if (kind === "regression") {
    const y = Float64Array.from(kept, (row, i) => numeric(table, row, plan.target, targets[i]))
    return { ...base, y, classes: 0 }
  }
  const labels = targets.map((c) => String(c).trim())
  const classNames = labelOrder(labels)
  if (classNames.length < 2) {
    const dropped = missing.dropped > 0 ? ` (after dropping ${missing.dropped} rows with missing values)` : ""
    throw new DataError({
      source,
      column: plan.target,
      message: `${source}: the target "${plan.target}" has a single class "${classNames[0]}"${dropped}; classification needs at least two`
    })
  }
  const code = new Map(classNames.map((l, c) => [l, c]))
  return { ...base, y: Float64Array.from(labels, (l) => code.get(l) as number), classes: classNames.length, classNames }
}
