import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as DatasetOps from "../src/data/Dataset.ts"
import * as Encode from "../src/data/Encode.ts"
import * as Split from "../src/data/Split.ts"
import * as Standardise from "../src/data/Standardise.ts"
import * as Task from "../src/data/Task.ts"
import * as VegaDatasets from "../src/data/VegaDatasets.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"

// The expectations below are computed from the package's files with the plainest reading
// (JSON.parse, split on commas: these files hold no quoted cells), independently of Table.ts.
const dataDir = join(dirname(createRequire(import.meta.url).resolve("vega-datasets")), "..", "data")
const json = (file: string): Array<Record<string, unknown>> => JSON.parse(readFileSync(join(dataDir, file), "utf8"))
const csv = (file: string): Array<Record<string, string>> => {
  const [header, ...lines] = readFileSync(join(dataDir, file), "utf8").trim().split("\n")
  const names = header.split(",")
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, j) => [names[j], cell])))
}
const load = (spec: Task.Spec): Promise<Dataset> => Effect.runPromise(Task.load(spec, Random.make(1)))

const allFinite = (ds: Dataset): boolean => ds.X.data.every(Number.isFinite) && ds.y.every(Number.isFinite)

const classCounts = (ds: Dataset): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const c of ds.y) counts[ds.classNames![c]] = (counts[ds.classNames![c]] ?? 0) + 1
  return counts
}

const tally = (values: Iterable<string>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}

describe("vega-datasets tasks: rows, drops and columns as the files hold them", () => {
  it("co2: every month of the file, x the decimal year, y the CO2 column; until / from / every cut it", async () => {
    const file = csv("co2-concentration.csv")
    const ds = await load({ task: "co2" })
    expect(file.length).toBe(741)
    expect([ds.kind, ds.X.rows, ds.X.cols, ds.missing?.dropped]).toEqual(["regression", 741, 1, 0])
    expect(ds.columns).toEqual({ features: ["Date (decimal year)"], target: "CO2" })
    assertClose(ds.y, file.map((r) => Number(r.CO2)), { rtol: 0 }, "CO2")
    // 1958-03-01 is day 60 of 365; 2020-04-01 day 92 of the leap year 2020.
    assertClose([ds.X.data[0], ds.X.data[740]], [1958 + 59 / 365, 2020 + 91 / 366], { rtol: 1e-15 }, "decimal years")
    expect(ds.X.data.every((x, i) => i === 0 || x > ds.X.data[i - 1])).toBe(true)
    expect(allFinite(ds)).toBe(true)

    const rw = await load({ task: "co2", until: 2004 })
    expect(rw.X.rows).toBe(file.filter((r) => Number(r.Date.slice(0, 4)) < 2004).length)
    expect(rw.X.rows).toBe(545)
    const cut = await load({ task: "co2", from: 1990, until: 2000, every: 4 })
    const window = file.filter((r) => Number(r.Date.slice(0, 4)) >= 1990 && Number(r.Date.slice(0, 4)) < 2000)
    assertClose(cut.y, window.filter((_, i) => i % 4 === 0).map((r) => Number(r.CO2)), { rtol: 0 }, "every 4th month of the 1990s")
    const empty = await Effect.runPromise(Effect.result(Task.load({ task: "co2", from: 2030 }, Random.make(1))))
    expect(empty._tag === "Failure" && empty.failure.message).toContain("vega-datasets/data/co2-concentration.csv: no month lies in [2030, ∞)")
  })

  it("cars: the complete rows, MPG and horsepower missing counted, Year as the model year, Origin as codes", async () => {
    const file = json("cars.json")
    const missingMpg = file.filter((r) => r.Miles_per_Gallon === null).length
    const missingHp = file.filter((r) => r.Horsepower === null).length
    const complete = file.filter((r) => r.Miles_per_Gallon !== null && r.Horsepower !== null)
    expect([file.length, missingMpg, missingHp, complete.length]).toEqual([406, 8, 6, 392])
    const ds = await load({ task: "cars" })
    expect([ds.kind, ds.X.rows, ds.X.cols]).toEqual(["regression", 392, 6])
    expect(ds.missing).toEqual({
      rows: 406,
      dropped: 14,
      byColumn: { Miles_per_Gallon: 8, Cylinders: 0, Displacement: 0, Horsepower: 6, Weight_in_lbs: 0, Acceleration: 0, Year: 0, Origin: 0 }
    })
    expect(ds.columns).toEqual({ features: ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration", "Year"], target: "Miles_per_Gallon" })
    assertClose(ds.y, complete.map((r) => r.Miles_per_Gallon as number), { rtol: 0 }, "MPG")
    assertClose(Array.from({ length: 392 }, (_, i) => Matrix.get(ds.X, i, 5)), complete.map((r) => Number(String(r.Year).slice(0, 4))), { rtol: 0 }, "Year")
    const origin = ds.categorical?.[0]
    expect(origin?.levels).toEqual(["Europe", "Japan", "USA"])
    expect(tally(Array.from(origin!.codes, (c) => origin!.levels[c]))).toEqual(tally(complete.map((r) => String(r.Origin))))
    expect(allFinite(ds)).toBe(true)
  })

  it("penguins: null and \".\" are missing; 3 species, Island and Sex as codes", async () => {
    const file = json("penguins.json")
    const used = ["Species", "Island", "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)", "Sex"]
    const complete = file.filter((r) => used.every((c) => r[c] !== null && r[c] !== "."))
    expect([file.length, complete.length, file.filter((r) => r.Sex === ".").length]).toEqual([344, 333, 1])
    const ds = await load({ task: "penguins" })
    expect([ds.kind, ds.X.rows, ds.X.cols, ds.classes]).toEqual(["classification", 333, 4, 3])
    expect(ds.missing?.dropped).toBe(11)
    expect(ds.missing?.byColumn.Sex).toBe(11)
    expect(ds.missing?.byColumn["Body Mass (g)"]).toBe(2)
    expect(ds.classNames).toEqual(["Adelie", "Chinstrap", "Gentoo"])
    expect(classCounts(ds)).toEqual(tally(complete.map((r) => String(r.Species))))
    expect(classCounts(ds)).toEqual({ Adelie: 146, Chinstrap: 68, Gentoo: 119 })
    expect(ds.categorical?.map((c) => [c.name, c.levels])).toEqual([["Island", ["Biscoe", "Dream", "Torgersen"]], ["Sex", ["FEMALE", "MALE"]]])
    assertClose(Array.from({ length: 333 }, (_, i) => Matrix.get(ds.X, i, 3)), complete.map((r) => r["Body Mass (g)"] as number), { rtol: 0 }, "body mass")
    expect(allFinite(ds)).toBe(true)
  })

  it("seattle-weather: every day, 5 weather classes with the file's counts", async () => {
    const file = csv("seattle-weather.csv")
    const ds = await load({ task: "seattle-weather" })
    expect([file.length, ds.X.rows, ds.X.cols, ds.classes, ds.missing?.dropped]).toEqual([1461, 1461, 4, 5, 0])
    expect(ds.classNames).toEqual(["drizzle", "fog", "rain", "snow", "sun"])
    expect(classCounts(ds)).toEqual(tally(file.map((r) => r.weather)))
    expect(classCounts(ds)).toEqual({ drizzle: 53, fog: 101, rain: 641, snow: 26, sun: 640 })
    assertClose(Array.from({ length: 1461 }, (_, i) => Matrix.get(ds.X, i, 3)), file.map((r) => Number(r.wind)), { rtol: 0 }, "wind")
    expect(allFinite(ds)).toBe(true)
  })

  it("decimalYear counts days in the date's own year and refuses non-dates", () => {
    assertClose([VegaDatasets.decimalYear("2001-01-01")!, VegaDatasets.decimalYear("2000-12-31")!], [2001, 2000 + 365 / 366], { rtol: 1e-15 }, "decimal years")
    expect([VegaDatasets.decimalYear("2001-02-29"), VegaDatasets.decimalYear("Jan 2001")]).toEqual([undefined, undefined])
  })
})

describe("real sets through split, encoding and standardisation as a trial runs them", () => {
  it("penguins: stratified 5-fold, one-hot from the training part, finite standardised features", async () => {
    const ds = await load({ task: "penguins" })
    const folds = await Effect.runPromise(Split.make({ kind: "kfold", folds: 5 }, ds, Random.make(7)))
    for (const fold of folds) {
      const train = DatasetOps.subset(ds, fold.train)
      const encoder = Encode.fit(train)
      const trainE = encoder.apply(train)
      const testE = encoder.apply(DatasetOps.subset(ds, fold.test))
      expect(trainE.data.X.cols).toBe(4 + 3 + 2)
      expect(testE.data.categorical).toBeUndefined()
      const scaler = Standardise.fit(trainE.data)
      const z = scaler.apply(testE.data)
      expect(z.X.data.every(Number.isFinite)).toBe(true)
    }
  })

  it("cars: Standardise refuses the unencoded set, naming the categorical column", async () => {
    const ds = await load({ task: "cars" })
    expect(() => Standardise.fit(ds)).toThrow(/categorical columns \(Origin\) not yet one-hot encoded/)
    const encoded = Encode.fit(ds).apply(ds).data
    expect(encoded.columns?.features.slice(6)).toEqual(["Origin=Europe", "Origin=Japan", "Origin=USA"])
    expect(Standardise.fit(encoded).xMean.length).toBe(9)
  })
})
