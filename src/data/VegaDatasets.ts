/**
 * Real data sets from the `vega-datasets` npm package (3.2.1, BSD-3-Clause), read from its
 * `data/` folder in node_modules at run time; nothing is copied into this repository.
 *
 * - `co2`: Mauna Loa monthly mean CO₂ (co2-concentration.csv: 741 months, March 1958 to April
 *   2020, four months absent). Regression of "CO2" (ppm) on x = the decimal year of "Date"
 *   (`decimalYear`); the seasonally adjusted column is not used. Rasmussen & Williams (2006)
 *   §5.4.3 fit the series to 2003 and forecast on: `until: 2004` keeps the months before 2004,
 *   `from` drops earlier ones, `every: k` keeps every k-th remaining month (a subsample that
 *   keeps the time structure). The feature is named "Date (decimal year)"; `missing.rows`
 *   counts the months in the window.
 * - `cars`: 406 cars (cars.json, the UCI auto-mpg set). Regression of Miles_per_Gallon on
 *   Cylinders, Displacement, Horsepower, Weight_in_lbs, Acceleration, Year (the model year
 *   1970..1982, from "1970-01-01") and Origin (categorical: USA, Europe, Japan). Name is unused.
 * - `penguins`: 344 Palmer penguins (penguins.json). Classification of Species (Adelie,
 *   Chinstrap, Gentoo) from the four beak, flipper and mass measurements, Island and Sex
 *   (categorical). The file writes missing values as null, and one Sex as "."; both are missing.
 * - `seattleWeather`: 1,461 days of 2012–2015 (seattle-weather.csv). Classification of
 *   "weather" (drizzle, fog, rain, snow, sun) from precipitation, temp_max, temp_min, wind.
 *
 * Missing values follow Table.ts: rows with one in a used column are dropped and counted in
 * `Dataset.missing` (cars: 8 MPG and 6 horsepower, 14 rows; penguins: 11 rows). Categorical
 * columns stay level codes until Encode.fit on the training part one-hot encodes them.
 *
 * Gotchas: the loaders take no generator; every call returns the whole file (in file order)
 * and splits shuffle. Errors name the file as `vega-datasets/data/<file>`.
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { DataError } from "../core/Errors.ts"
import * as Csv from "./Csv.ts"
import type { Dataset } from "./Dataset.ts"
import * as Table from "./Table.ts"

export interface Co2Params {
  /** Keep months with decimal year ≥ from. */
  readonly from?: number
  /** Keep months with decimal year < until (2004: the data R&W §5.4.3 fit). */
  readonly until?: number
  /** Keep every k-th month of those left, starting with the first (default 1: all). */
  readonly every?: number
}

/** The path under which errors name a file of the package. */
const label = (file: string): string => `vega-datasets/data/${file}`

const read = (file: string): Effect.Effect<string, DataError> =>
  Effect.tryPromise({
    try: () => readFile(join(dirname(createRequire(import.meta.url).resolve("vega-datasets")), "..", "data", file), "utf8"),
    catch: (cause) =>
      new DataError({ source: label(file), message: `cannot read ${label(file)} (${String(cause)}); check that the vega-datasets package is installed (npm install)` })
  })

/** Read `file` and build a Dataset from its text; a thrown DataError becomes the failure. */
const build = (file: string, f: (text: string, source: string) => Dataset): Effect.Effect<Dataset, DataError> =>
  Effect.flatMap(read(file), (text) =>
    Effect.try({
      try: () => f(text, label(file)),
      catch: (e) => (e instanceof DataError ? e : new DataError({ source: label(file), message: `${label(file)}: ${String(e)}` }))
    }))

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * An ISO date "YYYY-MM-DD" as a decimal year: year + (day of year − 1) / days in that year
 * (1958-03-01 → 1958 + 59/365). Undefined for text that is not such a date.
 */
export const decimalYear = (text: string): number | undefined => {
  const m = DATE.exec(text.trim())
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = Date.UTC(year, month - 1, day)
  const check = new Date(t)
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined
  const start = Date.UTC(year, 0, 1)
  return year + (t - start) / (Date.UTC(year + 1, 0, 1) - start)
}

/** The column `column` with each date mapped by `f`; a cell that is not a date is a DataError. */
const dates = (table: Table.Table, column: string, f: (text: string) => number | undefined): Table.Table =>
  Table.mapColumn(table, column, (cell, row) => {
    if (Table.isMissing(cell)) return null
    const value = typeof cell === "string" ? f(cell) : undefined
    if (value !== undefined) return value
    throw new DataError({
      source: table.source,
      row: row.at,
      column,
      message: `${Table.where(table, row.at)}: "${String(cell)}" in column "${column}" is not a date YYYY-MM-DD`
    })
  })

const checkCo2 = (params: Co2Params): void => {
  const bad = (field: string, why: string) => new DataError({ source: label("co2-concentration.csv"), message: `co2: ${field} ${why}` })
  if (params.every !== undefined && !(Number.isInteger(params.every) && params.every >= 1)) throw bad("every", `must be a positive integer, got ${params.every}`)
  for (const [field, v] of [["from", params.from], ["until", params.until]] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw bad(field, `must be a finite decimal year, got ${v}`)
  }
}

/** The co2 feature's name: the file's Date column as a decimal year. */
const YEAR = "Date (decimal year)"

/** Mauna Loa CO₂ (ppm) against the decimal year, cut to [from, until) and thinned to every k-th month. */
export const co2 = (params: Co2Params = {}): Effect.Effect<Dataset, DataError> =>
  build("co2-concentration.csv", (text, source) => {
    checkCo2(params)
    const table = dates(Csv.table(text, source), "Date", decimalYear)
    const j = table.columns.indexOf("Date")
    const inWindow = table.rows.filter((row) => {
      const x = row.cells[j]
      return typeof x !== "number" || ((params.from === undefined || x >= params.from) && (params.until === undefined || x < params.until))
    })
    const rows = inWindow.filter((_, i) => i % (params.every ?? 1) === 0)
    if (rows.length === 0) {
      throw new DataError({
        source,
        column: "Date",
        message: `${source}: no month lies in [${params.from ?? "−∞"}, ${params.until ?? "∞"}) (the data span 1958.16 to 2020.25); widen from / until`
      })
    }
    const columns = table.columns.map((c) => (c === "Date" ? YEAR : c))
    return Table.toDataset({ ...table, columns, rows }, { name: "co2", target: "CO2", kind: "regression", numeric: [YEAR] })
  })

/** Auto MPG: miles per gallon from seven attributes, Origin one-hot after the split. */
export const cars = (): Effect.Effect<Dataset, DataError> =>
  build("cars.json", (text, source) => {
    const table = dates(Table.fromJson(text, source), "Year", (d) => (DATE.test(d.trim()) ? Number(d.trim().slice(0, 4)) : undefined))
    return Table.toDataset(table, {
      name: "cars",
      target: "Miles_per_Gallon",
      kind: "regression",
      numeric: ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year"],
      categorical: ["Origin"]
    })
  })

/** Palmer penguins: species from four measurements, island and sex. */
export const penguins = (): Effect.Effect<Dataset, DataError> =>
  build("penguins.json", (text, source) => {
    const table = Table.mapColumn(Table.fromJson(text, source), "Sex", (cell) => (cell === "." ? null : cell))
    return Table.toDataset(table, {
      name: "penguins",
      target: "Species",
      kind: "classification",
      numeric: ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"],
      categorical: ["Island", "Sex"]
    })
  })

/** Seattle daily weather: the day's weather type from precipitation, temperatures and wind. */
export const seattleWeather = (): Effect.Effect<Dataset, DataError> =>
  build("seattle-weather.csv", (text, source) =>
    Table.toDataset(Csv.table(text, source), {
      name: "seattle-weather",
      target: "weather",
      kind: "classification",
      numeric: ["precipitation", "temp_max", "temp_min", "wind"]
    }))
