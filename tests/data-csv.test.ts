import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { DataError } from "../src/core/Errors.ts"
import * as Csv from "../src/data/Csv.ts"
import * as Matrix from "../src/linalg/Matrix.ts"

/** The DataError `parse` throws for `text`, or a failure if it does not throw one. */
const parseError = (text: string, target = "y", kind: "regression" | "classification" = "regression"): DataError => {
  try {
    Csv.parse(text, "data.csv", { target, kind })
  } catch (e) {
    if (e instanceof DataError) return e
    throw e
  }
  throw new Error("expected a DataError")
}

describe("Csv.parse", () => {
  it("reads a regression set: features in file order without the target, y from the target column", () => {
    const ds = Csv.parse("a,y,b\n1,10,2\n3.5,-2e1,-.5\n", "dir/data.csv", { target: "y", kind: "regression" })
    expect([ds.name, ds.kind, ds.classes]).toEqual(["data", "regression", 0])
    expect(Matrix.toRows(ds.X)).toEqual([[1, 2], [3.5, -0.5]])
    expect(Array.from(ds.y)).toEqual([10, -20])
  })

  it("indexes string class labels in sorted order, numeric labels numerically", () => {
    const ds = Csv.parse("x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n", "iris.csv", { target: "species", kind: "classification" })
    expect([ds.kind, ds.classes]).toEqual(["classification", 3])
    expect(Array.from(ds.y)).toEqual([2, 0, 1, 0])
    const numeric = Csv.parse("x,c\n1,10\n2,2\n3,1\n", "n.csv", { target: "c", kind: "classification" })
    expect(Array.from(numeric.y)).toEqual([2, 1, 0])
  })

  it("handles quoted cells, CRLF line ends, spaces and blank lines", () => {
    const ds = Csv.parse("\"x 1\", label\r\n 1.5 ,\"a, \"\"b\"\"\"\r\n\r\n2,c\r\n", "q.csv", { target: "label", kind: "classification" })
    expect(Matrix.toRows(ds.X)).toEqual([[1.5], [2]])
    expect(Array.from(ds.y)).toEqual([0, 1])
  })

  it("names the file, line, column and value of an infinite or non-numeric cell", () => {
    const inf = parseError("a,y\n1,2\n\n-Infinity,3\n")
    expect([inf.source, inf.row, inf.column]).toEqual(["data.csv", 4, "a"])
    expect(inf.message).toContain("data.csv, line 4: non-finite value \"-Infinity\" in column \"a\"")
    expect(parseError("a,y\n1,inf\n").message).toContain("data.csv, line 2: non-finite value \"inf\" in column \"y\"")
    const word = parseError("a,y\n1,2\n2,x7\n")
    expect([word.row, word.column]).toEqual([3, "y"])
    expect(word.message).toContain("data.csv, line 3: non-numeric value \"x7\" in column \"y\"")
    expect(parseError("a,y\n0x1F,2\n").message).toContain("non-numeric value \"0x1F\"")
  })

  it("drops rows with a missing cell (empty, NA, N/A, NaN, null, ?) in any column and counts them", () => {
    const text = "a,b,y\n1,2,3\n,2,3\nNA,n/a,4\n5,6,nan\n7, NULL ,8\n9,?,10\n\"\",1,1\n11,12,13\n"
    const ds = Csv.parse(text, "m.csv", { target: "y", kind: "regression" })
    expect(Matrix.toRows(ds.X)).toEqual([[1, 2], [11, 12]])
    expect(Array.from(ds.y)).toEqual([3, 13])
    expect(ds.missing).toEqual({ rows: 8, dropped: 6, byColumn: { y: 1, a: 3, b: 3 } })
    for (let i = 0; i < ds.X.data.length; i++) expect(Number.isFinite(ds.X.data[i])).toBe(true)
  })

  it("fails when every row has a missing value, giving the count per column", () => {
    const e = parseError("a,b,y\n,1,2\n1,NA,2\n")
    expect(e.message).toContain("data.csv: every one of its 2 rows has a missing value")
    expect(e.message).toContain("\"a\" 1, \"b\" 1")
  })

  it("keeps the class names in label order", () => {
    const ds = Csv.parse("x,c\n1,b\n2,a\n3,b\n", "c.csv", { target: "c", kind: "classification" })
    expect(ds.classNames).toEqual(["a", "b"])
    expect(ds.columns).toEqual({ features: ["x"], target: "c" })
  })

  it("infers the kind by the stated rule when none is given", () => {
    const kind = (column: string) => Csv.parse(`x,y\n${column.split(" ").map((v, i) => `${i},${v}`).join("\n")}\n`, "k.csv", { target: "y" }).kind
    expect(kind("a b a")).toBe("classification")
    expect(kind("0 1 1 0")).toBe("classification")
    expect(kind("1 2 3 4 5 6 7 8 9 10")).toBe("classification")
    expect(kind("1 2 3 4 5 6 7 8 9 10 11")).toBe("regression")
    expect(kind("0.5 1 1")).toBe("regression")
    expect(kind("1 2 NA 2.5")).toBe("regression")
  })

  it("names the line of a row with the wrong number of cells", () => {
    const e = parseError("a,b,y\n1,2,3\n1,2\n")
    expect(e.row).toBe(3)
    expect(e.message).toContain("line 3: 2 cells, but the header has 3 columns")
  })

  it("rejects an empty file, a header without rows, a missing or duplicate column, one class, an open quote", () => {
    expect(parseError("").message).toContain("is empty")
    expect(parseError("\n  \n").message).toContain("is empty")
    expect(parseError("a,y\n").message).toContain("no data rows")
    const target = parseError("a,b\n1,2\n")
    expect([target.row, target.column]).toEqual([1, "y"])
    expect(target.message).toContain("data.csv: no target column \"y\"; the header has \"a\", \"b\"")
    expect(parseError("a,a,y\n1,2,3\n").message).toContain("column \"a\" appears twice")
    const single = parseError("a,y\n1,k\n2,k\n3,\n", "y", "classification")
    expect(single.column).toBe("y")
    expect(single.message).toContain("data.csv: the target \"y\" has a single class \"k\" (after dropping 1 rows with missing values)")
    expect(parseError("y\n1\n").message).toContain("at least one feature column")
    expect(parseError("a,y\n\"1,2\n").row).toBe(2)
  })
})

describe("Csv.load", () => {
  it("reads a file from disk, and fails with a DataError naming a file it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpnn-csv-"))
    const path = join(dir, "points.csv")
    writeFileSync(path, "x1,x2,t\n0,1,a\n1,0,b\n")
    const ds = await Effect.runPromise(Effect.result(Csv.load({ path, target: "t", kind: "classification" })))
    expect(ds._tag).toBe("Success")
    if (ds._tag === "Success") expect([ds.success.name, ds.success.X.rows, ds.success.classes]).toEqual(["points", 2, 2])
    const missing = await Effect.runPromise(Effect.result(Csv.load({ path: join(dir, "nope.csv"), target: "t", kind: "regression" })))
    expect(missing._tag === "Failure" && missing.failure.message).toContain(`cannot read ${join(dir, "nope.csv")}: no such file`)
    const folder = await Effect.runPromise(Effect.result(Csv.load({ path: dir, target: "t" })))
    expect(folder._tag === "Failure" && folder.failure.message).toContain(`cannot read ${dir}: it is a directory`)
    rmSync(dir, { recursive: true })
  })
})
