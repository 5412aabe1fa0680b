import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Dataset from "../src/data/Dataset.ts"
import * as Encode from "../src/data/Encode.ts"
import * as Task from "../src/data/Task.ts"
import * as Matrix from "../src/linalg/Matrix.ts"

// Six rows: one numeric feature, colour (levels blue, green, red) and size (L, S).
const data: Dataset.Dataset = {
  name: "toy",
  kind: "regression",
  X: Matrix.fromRows([[1], [2], [3], [4], [5], [6]]),
  y: Float64Array.from([1, 2, 3, 4, 5, 6]),
  classes: 0,
  source: "toy.csv",
  columns: { features: ["x"], target: "y" },
  categorical: [
    { name: "colour", levels: ["blue", "green", "red"], codes: Int32Array.from([2, 0, 2, 1, 0, 1]) },
    { name: "size", levels: ["L", "S"], codes: Int32Array.from([0, 1, 1, 0, 0, 1]) }
  ]
}

describe("Encode", () => {
  it("one-hot encodes with every level seen in training, numeric columns first", () => {
    const { data: encoded, unseen } = Encode.fit(data).apply(data)
    expect(Matrix.toRows(encoded.X)).toEqual([
      [1, 0, 0, 1, 1, 0],
      [2, 1, 0, 0, 0, 1],
      [3, 0, 0, 1, 0, 1],
      [4, 0, 1, 0, 1, 0],
      [5, 1, 0, 0, 1, 0],
      [6, 0, 1, 0, 0, 1]
    ])
    expect(encoded.columns?.features).toEqual(["x", "colour=blue", "colour=green", "colour=red", "size=L", "size=S"])
    expect(encoded.categorical).toBeUndefined()
    expect(unseen).toEqual([])
  })

  it("takes levels from the training part only: a test-only level maps to zeros and is counted", () => {
    // Rows 3 and 5 are the only green ones; train without them.
    const train = Dataset.subset(data, [0, 1, 2, 4])
    const test = Dataset.subset(data, [3, 5, 1])
    const encoder = Encode.fit(train)
    expect(encoder.columns).toEqual([{ name: "colour", levels: ["blue", "red"] }, { name: "size", levels: ["L", "S"] }])
    const { data: encoded, unseen } = encoder.apply(test)
    expect(Matrix.toRows(encoded.X)).toEqual([
      [4, 0, 0, 1, 0],
      [6, 0, 0, 0, 1],
      [2, 1, 0, 0, 1]
    ])
    expect(unseen).toEqual([{ column: "colour", level: "green", rows: 2 }])
    // Power: fitted on all rows, the same test part gets a green column and nothing unseen.
    expect(Encode.fit(data).apply(test).data.X.cols).toBe(6)
  })

  it("passes a data set without categorical columns through unchanged", () => {
    const plain: Dataset.Dataset = { name: "p", kind: "regression", X: Matrix.fromRows([[1, 2]]), y: Float64Array.from([0]), classes: 0 }
    const { data: out, unseen } = Encode.fit(plain).apply(plain)
    expect(out).toBe(plain)
    expect(unseen).toEqual([])
  })

  it("refuses a data set with other columns than it was fitted on, naming the file", () => {
    const encoder = Encode.fit(data)
    const { categorical: _, ...plain } = data
    expect(() => encoder.apply(plain)).toThrow(/toy\.csv has categorical columns \[\], but the encoder was fitted on \[colour, size\]/)
    expect(() => encoder.apply({ ...data, X: Matrix.make(6, 2) })).toThrow(/toy\.csv has 2 numeric features, but the encoder was fitted on 1/)
  })

  it("penguins: an island absent from training has no column, and its test rows are counted", async () => {
    const ds = await Effect.runPromise(Task.load({ task: "penguins" }, Random.make(1)))
    const island = ds.categorical![0]
    const torgersen = island.levels.indexOf("Torgersen")
    const trainIndex = Array.from({ length: ds.X.rows }, (_, i) => i).filter((i) => island.codes[i] !== torgersen)
    const testIndex = Array.from({ length: ds.X.rows }, (_, i) => i).filter((i) => island.codes[i] === torgersen || i % 10 === 0)
    const encoder = Encode.fit(Dataset.subset(ds, trainIndex))
    expect(encoder.columns[0].levels).toEqual(["Biscoe", "Dream"])
    const { data: test, unseen } = encoder.apply(Dataset.subset(ds, testIndex))
    const onTorgersen = testIndex.filter((i) => island.codes[i] === torgersen).length
    expect(onTorgersen).toBeGreaterThan(0)
    expect(unseen).toEqual([{ column: "Island", level: "Torgersen", rows: onTorgersen }])
    const islandBlock = (i: number) => [Matrix.get(test.X, i, 4), Matrix.get(test.X, i, 5)]
    testIndex.forEach((row, i) => {
      const expected = island.codes[row] === torgersen ? [0, 0] : island.levels[island.codes[row]] === "Biscoe" ? [1, 0] : [0, 1]
      expect(islandBlock(i)).toEqual(expected)
    })
  })
})
