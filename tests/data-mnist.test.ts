import { Effect } from "effect"
import { createRequire } from "node:module"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Mnist from "../src/data/Mnist.ts"
import * as Matrix from "../src/linalg/Matrix.ts"

/** The package's own per-digit accessor, read deterministically (`get(i)` with a valid i). */
const pkg = createRequire(import.meta.url)("mnist") as Array<{ readonly length: number; get(i: number): Array<number> }>

const load = (params: Mnist.Params, seed: number) => Effect.runPromise(Effect.result(Mnist.load(params, Random.make(seed))))
const success = async (params: Mnist.Params, seed: number) => {
  const r = await load(params, seed)
  if (r._tag === "Failure") throw new Error(r.failure.message)
  return r.success
}
const key = (v: ArrayLike<number>) => Array.from(v).join(",")

describe("Mnist", () => {
  it("reads each digit's images exactly as the package serves them", async () => {
    for (const d of [0, 7]) {
      const images = await Effect.runPromise(Mnist.readDigit(d))
      expect(images.length / Mnist.PIXELS).toBe(pkg[d].length)
      for (const k of [0, 1, pkg[d].length - 1]) expect(Array.from(images.subarray(k * 784, (k + 1) * 784))).toEqual(pkg[d].get(k))
    }
  })

  it("draws n distinct real images with their labels, 784 features in [0, 1], deterministic in the seed", async () => {
    const ds = await success({ n: 300 }, 1)
    expect([ds.name, ds.kind, ds.classes, ds.X.rows, ds.X.cols]).toEqual(["mnist", "classification", 10, 300, 784])
    expect(ds.X.data.every((v) => v >= 0 && v <= 1)).toBe(true)
    const byDigit = new Map<string, number>()
    for (let d = 0; d < 10; d++) for (let k = 0; k < pkg[d].length; k++) byDigit.set(key(pkg[d].get(k)), d)
    const rows = new Set<string>()
    for (let i = 0; i < ds.X.rows; i++) {
      const row = key(Matrix.row(ds.X, i))
      expect(byDigit.get(row)).toBe(ds.y[i])
      rows.add(row)
    }
    expect(rows.size).toBe(300) // the package's 10,000 images are distinct, and the draw is without replacement
    expect(new Set(ds.y).size).toBe(10)
    expect(await success({ n: 300 }, 1)).toEqual(ds)
    expect((await success({ n: 300 }, 2)).y).not.toEqual(ds.y)
  })

  it("relabels a digit subset 0..k−1 in the order given; the whole pool keeps the package's counts", async () => {
    const ds = await success({ n: pkg[3].length + pkg[8].length, digits: [8, 3] }, 3)
    expect([ds.name, ds.classes]).toEqual(["mnist-83", 2])
    expect(ds.y.filter((v) => v === 0).length).toBe(pkg[8].length)
    const eights = new Set(Array.from({ length: pkg[8].length }, (_, k) => key(pkg[8].get(k))))
    for (let i = 0; i < 50; i++) expect(eights.has(key(Matrix.row(ds.X, i)))).toBe(ds.y[i] === 0)
  })

  it("fails with a DataError for n above the pool or invalid digits", async () => {
    const tooMany = await load({ n: 5000, digits: [0, 1] }, 0)
    expect(tooMany._tag === "Failure" && tooMany.failure.message).toContain(`ask for at most ${pkg[0].length + pkg[1].length}`)
    for (const digits of [[3], [3, 3], [3, 10], [1.5, 2]]) {
      const r = await load({ n: 10, digits }, 0)
      expect(r._tag === "Failure" && r.failure._tag).toBe("DataError")
    }
  })
})
