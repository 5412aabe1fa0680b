/**
 * Tidy CSV for result tables: one header row, one row per record, RFC 4180 quoting, numbers in
 * JavaScript's shortest round-trip form (so a value read back is the value written), empty cells
 * for absent values. Loadable by pandas (`pd.read_csv`) and arquero (`aq.loadCSV`).
 */

export type Cell = number | string | boolean | undefined | null

const formatCell = (value: Cell): string => {
  if (value === undefined || value === null) return ""
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value)
  if (typeof value === "boolean") return value ? "true" : "false"
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

export const format = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Readonly<Record<string, Cell>>>): string => {
  const lines = [columns.map(formatCell).join(",")]
  for (const row of rows) lines.push(columns.map((c) => formatCell(row[c])).join(","))
  return lines.join("\n") + "\n"
}
