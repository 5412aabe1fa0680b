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

  it("names the line and column of a NaN, empty, infinite or non-numeric cell", () => {
    const nan = parseError("a,y\n1,2\n\nNaN,3\n")
    expect(nan.row).toBe(4)
    expect(nan.message).toContain("line 4: NaN in column \"a\"")
    expect(nan.source).toBe("data.csv")
    expect(parseError("a,y\n1,2\n,3\n").message).toContain("line 3: empty cell in column \"a\"")
    expect(parseError("a,y\n1,inf\n").message).toContain("line 2: non-finite value \"inf\" in column \"y\"")
    expect(parseError("a,y\n1,2\n2,x7\n").message).toContain("line 3: non-numeric value \"x7\" in column \"y\"")
    expect(parseError("a,y\n0x1F,2\n").message).toContain("non-numeric value \"0x1F\"")
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
    expect(parseError("a,b\n1,2\n").message).toContain("no target column \"y\"; the header has \"a\", \"b\"")
    expect(parseError("a,a,y\n1,2,3\n").message).toContain("column \"a\" appears twice")
    expect(parseError("a,y\n1,k\n2,k\n", "y", "classification").message).toContain("single class \"k\"")
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
    expect(missing._tag === "Failure" && missing.failure.message).toContain("cannot read")
    rmSync(dir, { recursive: true })
  })
})
