/**
 * The workflow's 70/20/10 split as the studies use it (`Split.make` with a holdout spec of
 * `Split.DEFAULT_FRACTIONS`) on MNIST digits: train, validation and test disjoint and covering
 * every row, sizes round(0.2n) and round(0.1n) with the rest training, each digit's count in each
 * part within one of its proportional share; and, for power, the unstratified split of the same
 * labels misses that bound.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Mnist from "../src/data/Mnist.ts"
import * as Split from "../src/data/Split.ts"

const spec = { kind: "holdout", ...Split.DEFAULT_FRACTIONS } as const

describe("70/20/10 on MNIST", async () => {
  const data = await Effect.runPromise(Mnist.load({ n: 997 }, Random.make(11)))
  const counts = (index: Int32Array) => {
    const c = new Array<number>(10).fill(0)
    for (const i of index) c[data.y[i]]++
    return c
  }
  const total = counts(Int32Array.from({ length: data.X.rows }, (_, i) => i))
  const worst = (fold: Split.Fold) =>
    Math.max(...(["train", "validation", "test"] as const).flatMap((part) => {
      const index = fold[part]!
      return counts(index).map((c, k) => Math.abs(c - (total[k] * index.length) / data.X.rows))
    }))

  it("is disjoint, covers every row once, sizes right and stratified by default", async () => {
    const [fold] = await Effect.runPromise(Split.make(spec, data, Random.make(5)))
    const all = [...fold.train, ...fold.validation!, ...fold.test].sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: 997 }, (_, i) => i))
    expect([fold.train.length, fold.validation!.length, fold.test.length]).toEqual([997 - 199 - 100, 199, 100])
    expect(worst(fold)).toBeLessThan(1)
  })

  it("power: an unstratified split of the same digits is off by more than one somewhere", async () => {
    const [fold] = await Effect.runPromise(Split.make({ ...spec, stratified: false }, data, Random.make(5)))
    expect(worst(fold)).toBeGreaterThan(1)
  })
})
