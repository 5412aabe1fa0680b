import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Split from "../src/data/Split.ts"
import * as Table from "../src/data/Table.ts"
import * as Task from "../src/data/Task.ts"

const dir = mkdtempSync(join(tmpdir(), "gpnn-csv-errors-"))
afterAll(() => rmSync(dir, { recursive: true }))

/** Write `text` as `name` in the scratch folder and return its path. */
const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** The user's path: the CLI string → spec → data set → folds, as the pipeline runs it. */
const run = (flag: string, split: Split.Spec = { kind: "kfold", folds: 5 }): Effect.Effect<ReadonlyArray<Split.Fold>, DataError | ConfigError> =>
  Task.fromFlag(flag).pipe(
    Effect.flatMap((spec) => Task.load(spec, Random.make(1))),
    Effect.flatMap((data) => Split.make(split, data, Random.make(2)))
  )

const failure = async (flag: string, split?: Split.Spec): Promise<DataError | ConfigError> => {
  const r = await Effect.runPromise(Effect.result(run(flag, split)))
  if (r._tag === "Success") throw new Error(`expected ${flag} to fail`)
  return r.failure
}

const spec = (flag: string) => Effect.runPromise(Effect.result(Task.fromFlag(flag)))

describe("Task.fromFlag: csv:PATH:TARGET[:kind] and bare data set names", () => {
  it("reads the path, the target and an optional kind; the path may hold colons", async () => {
    const cases: Array<[string, Task.Spec]> = [
      ["csv:data/iris.csv:species", { task: "csv", path: "data/iris.csv", target: "species" }],
      ["csv:data/iris.csv:species:classification", { task: "csv", path: "data/iris.csv", target: "species", kind: "classification" }],
      ["csv:C:\\data\\x.csv:y:regression", { task: "csv", path: "C:\\data\\x.csv", target: "y", kind: "regression" }],
      ["csv:x.csv:regression", { task: "csv", path: "x.csv", target: "regression" }],
      ["penguins", { task: "penguins" }],
      ["co2", { task: "co2" }]
    ]
    for (const [flag, expected] of cases) {
      const r = await spec(flag)
      expect(r._tag === "Success" && r.success, flag).toEqual(expected)
    }
  })

  it("refuses other strings with a ConfigError showing the form", async () => {
    for (const [flag, why] of [["csv:data.csv", "no target column after the path"], ["csv::y", "the path is empty"], ["csv:x.csv:", "the target column is empty"], ["iris", "not a known form"]]) {
      const r = await spec(flag)
      expect(r._tag === "Failure" && r.failure._tag, flag).toBe("ConfigError")
      if (r._tag === "Failure") {
        expect(r.failure.message).toContain(`task "${flag}": ${why}`)
        expect(r.failure.message).toContain("csv:PATH:TARGET[:regression|classification]")
      }
    }
  })
})

describe("errors on the user's CSV name the file, and the row and column where they apply", () => {
  it("a missing file: its path, as given and as looked for", async () => {
    const path = join(dir, "absent.csv")
    const e = await failure(`csv:${path}:y`)
    expect(e.message).toContain(`cannot read ${path}: no such file (looked for ${path})`)
  })

  it("a missing target column: the file, the header line, the column, and the columns there are", async () => {
    const path = file("notarget.csv", "a,b,label\n1,2,x\n")
    const e = (await failure(`csv:${path}:species`)) as DataError
    expect([e._tag, e.source, e.row, e.column]).toEqual(["DataError", path, 1, "species"])
    expect(e.message).toContain(`${path}: no target column "species"; the header has "a", "b", "label"`)
  })

  it("a non-numeric cell: the file, the line, the column and the value", async () => {
    const path = file("word.csv", "a,b,y\n1,2,0\n3,4,1\n\n5,six,0\n")
    const e = (await failure(`csv:${path}:y`)) as DataError
    expect([e.source, e.row, e.column]).toEqual([path, 5, "b"])
    expect(e.message).toContain(`${path}, line 5: non-numeric value "six" in column "b"`)
  })

  it("a single class: the file and the target column", async () => {
    const path = file("single.csv", "a,y\n1,k\n2,k\n3,k\n")
    const e = (await failure(`csv:${path}:y:classification`)) as DataError
    expect([e.source, e.column]).toEqual([path, "y"])
    expect(e.message).toContain(`${path}: the target "y" has a single class "k"; classification needs at least two`)
  })

  it("fewer rows than folds: the file, the counts, and the rows dropped for missing values", async () => {
    const path = file("short.csv", "a,y\n1,0.5\n2,1.5\nNA,2\n3,2.5\n")
    const e = await failure(`csv:${path}:y`)
    expect(e.message).toContain(`${path}: a 5-fold split needs at least 5 rows, but it has 3 (1 of its 4 rows were dropped for missing values); use at most 3 folds`)
  })

  it("a class with fewer members than the folds of a stratified split: the file, the class and the column", async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i < 3 ? "rare" : i % 2 === 0 ? "even" : "odd"}`)
    const path = file("rare.csv", `x,kind\n${rows.join("\n")}\n`)
    const e = (await failure(`csv:${path}:kind`)) as DataError
    expect([e.source, e.column]).toEqual([path, "kind"])
    expect(e.message).toContain(`${path}: class "rare" of column "kind" has 3 rows, fewer than the 5 folds of a stratified split`)
    // Power: three folds are fine, and so is an unstratified five-fold split.
    expect((await Effect.runPromise(run(`csv:${path}:kind`, { kind: "kfold", folds: 3 }))).length).toBe(3)
    expect((await Effect.runPromise(run(`csv:${path}:kind`, { kind: "kfold", folds: 5, stratified: false }))).length).toBe(5)
  })

  it("a data set without a file keeps its name in split errors", async () => {
    const data: Dataset = { name: "moons", kind: "regression", X: { rows: 2, cols: 1, data: new Float64Array(2) }, y: new Float64Array(2), classes: 0 }
    const r = await Effect.runPromise(Effect.result(Split.make({ kind: "kfold", folds: 3 }, data, Random.make(0))))
    expect(r._tag === "Failure" && r.failure.message).toContain("moons: a 3-fold split needs at least 3 rows, but it has 2;")
  })
})

describe("errors on JSON records name the file, the record and the column", () => {
  const text = JSON.stringify([{ a: 1, b: "u", y: 2 }, { a: "many", b: "v", y: 3 }, { a: 3, y: 4 }])
  it("a non-numeric value in record 2, and a key absent from record 3 counted as missing", () => {
    const table = Table.fromJson(text, "r.json")
    expect(() => Table.toDataset(table, { name: "r", target: "y", kind: "regression", numeric: ["a"] })).toThrow(
      "r.json, record 2: non-numeric value \"many\" in column \"a\""
    )
    const ds = Table.toDataset({ ...table, rows: [table.rows[0], table.rows[2]] }, { name: "r", target: "y", kind: "regression", numeric: ["a"], categorical: ["b"] })
    expect(ds.missing).toEqual({ rows: 2, dropped: 1, byColumn: { y: 0, a: 0, b: 1 } })
    expect(() => Table.toDataset(table, { name: "r", target: "z", numeric: ["a"] })).toThrow("r.json: no target column \"z\"; the records have the keys \"a\", \"b\", \"y\"")
    expect(() => Table.fromJson("{\"a\": 1}", "o.json")).toThrow("o.json: expected a JSON array of records")
    expect(() => Table.fromJson("[1]", "o.json")).toThrow("o.json, record 1: expected an object")
  })
})
