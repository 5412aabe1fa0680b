import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Split from "../src/data/Split.ts"
import * as Matrix from "../src/linalg/Matrix.ts"

/** Every fold's parts are disjoint, ascending, and cover 0..n−1. */
const expectPartition = (fold: Split.Fold, n: number) => {
  const parts = [fold.train, fold.validation ?? new Int32Array(0), fold.test]
  const seen = new Uint8Array(n)
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      if (i > 0) expect(part[i]).toBeGreaterThan(part[i - 1])
      expect(seen[part[i]]).toBe(0)
      seen[part[i]] = 1
    }
  }
  expect(seen.every((s) => s === 1)).toBe(true)
}

/** Each index lies in exactly one test fold. */
const expectTestsPartition = (folds: ReadonlyArray<Split.Fold>, n: number) => {
  const count = new Int32Array(n)
  for (const f of folds) for (const i of f.test) count[i]++
  expect(Array.from(count).every((c) => c === 1)).toBe(true)
}

const countClass = (index: Int32Array, y: ArrayLike<number>, c: number) => index.reduce((a, i) => a + (y[i] === c ? 1 : 0), 0)

const labels = fc.record({
  classes: fc.integer({ min: 2, max: 4 }),
  n: fc.integer({ min: 10, max: 150 }),
  seed: fc.nat()
}).chain(({ classes, n, seed }) =>
  fc.tuple(fc.constant(classes), fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: n, maxLength: n }), fc.constant(seed))
)

describe("Split.kfold", () => {
  it("partitions the indices, every index in exactly one test fold, scikit-learn fold sizes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 2, max: 10 }), fc.nat(), (n, k0, seed) => {
        const k = Math.min(k0, n)
        const folds = Split.kfold(n, k, Random.make(seed))
        expect(folds).toHaveLength(k)
        for (const f of folds) expectPartition(f, n)
        expectTestsPartition(folds, n)
        expect(folds.map((f) => f.test.length)).toEqual(Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0)))
      })
    )
  })

  it("same seed, same folds; another seed, other folds", () => {
    const a = Split.kfold(100, 5, Random.make(42))
    expect(Split.kfold(100, 5, Random.make(42))).toEqual(a)
    expect(Split.kfold(100, 5, Random.make(43))).not.toEqual(a)
  })

  it("rejects k < 2 and k > n", () => {
    expect(() => Split.kfold(10, 1, Random.make(0))).toThrow(/≥ 2/)
    expect(() => Split.kfold(3, 5, Random.make(0))).toThrow(/at most 3 folds/)
  })
})

describe("Split.stratifiedKfold", () => {
  it("keeps each class's count per test fold within one of n_c/k and partitions the indices", () => {
    fc.assert(
      fc.property(labels, fc.integer({ min: 2, max: 7 }), ([classes, y, seed], k) => {
        const folds = Split.stratifiedKfold(y, classes, k, Random.make(seed))
        for (const f of folds) expectPartition(f, y.length)
        expectTestsPartition(folds, y.length)
        for (let c = 0; c < classes; c++) {
          const nc = y.filter((v) => v === c).length
          for (const f of folds) {
            const m = countClass(f.test, y, c)
            expect(m).toBeGreaterThanOrEqual(Math.floor(nc / k))
            expect(m).toBeLessThanOrEqual(Math.ceil(nc / k))
          }
        }
        const sizes = folds.map((f) => f.test.length)
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      })
    )
  })

  it("rejects labels outside 0..classes−1", () => {
    expect(() => Split.stratifiedKfold([0, 1, 2, 0], 2, 2, Random.make(0))).toThrow(/label 2 at row 3/)
  })
})

describe("Split.holdout", () => {
  it("70/20/10 by default with sizes round(n·fraction), a partition", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 300 }), fc.nat(), (n, seed) => {
        const f = Split.holdout(n, Split.DEFAULT_FRACTIONS, Random.make(seed))
        expectPartition(f, n)
        expect(f.test.length).toBe(Math.round(n * 0.1))
        expect(f.validation?.length).toBe(Math.round(n * 0.2))
      })
    )
  })

  it("has no validation part when its fraction is 0", () => {
    const f = Split.holdout(20, { train: 0.75, validation: 0, test: 0.25 }, Random.make(1))
    expect(f.validation).toBeUndefined()
    expect(f.test.length).toBe(5)
    expectPartition(f, 20)
  })

  it("stratified: each class's share of every part is within one of n_c × part size / n", () => {
    fc.assert(
      fc.property(labels, ([classes, y, seed]) => {
        const n = y.length
        const f = Split.stratifiedHoldout(y, classes, Split.DEFAULT_FRACTIONS, Random.make(seed))
        expectPartition(f, n)
        const parts = [f.train, f.validation ?? new Int32Array(0), f.test]
        expect(parts.map((p) => p.length)).toEqual([n - Math.round(0.1 * n) - Math.round(0.2 * n), Math.round(0.2 * n), Math.round(0.1 * n)])
        for (let c = 0; c < classes; c++) {
          const nc = y.filter((v) => v === c).length
          for (const p of parts) expect(Math.abs(countClass(p, y, c) - (nc * p.length) / n)).toBeLessThan(1)
        }
      })
    )
  })

  it("rejects fractions that do not sum to 1 and parts that would be empty", () => {
    expect(() => Split.holdout(100, { train: 0.7, validation: 0.2, test: 0.2 }, Random.make(0))).toThrow(/sum to 1/)
    expect(() => Split.holdout(4, Split.DEFAULT_FRACTIONS, Random.make(0))).toThrow(/leaves a part empty/)
  })
})

describe("Split.make", () => {
  const regression: Dataset = { name: "r", kind: "regression", X: Matrix.make(30, 1), y: new Float64Array(30), classes: 0 }
  const y = Float64Array.from({ length: 30 }, (_, i) => (i < 24 ? 0 : 1))
  const classification: Dataset = { name: "c", kind: "classification", X: Matrix.make(30, 1), y, classes: 2 }
  const run = (spec: Split.Spec, data: Dataset, seed = 3) => Effect.runSync(Effect.result(Split.make(spec, data, Random.make(seed))))

  it("stratifies classification k-fold by default, and not when told", () => {
    const r = run({ kind: "kfold", folds: 3 }, classification)
    expect(r._tag).toBe("Success")
    if (r._tag === "Success") for (const f of r.success) expect(countClass(f.test, y, 1)).toBe(2)
    const plain = run({ kind: "kfold", folds: 3, stratified: false }, classification)
    if (plain._tag === "Success") expect(plain.success).toEqual(Split.kfold(30, 3, Random.make(3)))
  })

  it("gives one holdout fold, stratified for classification", () => {
    const thirds = Float64Array.from({ length: 30 }, (_, i) => i % 3 === 0 ? 1 : 0)
    const r = run({ kind: "holdout", ...Split.DEFAULT_FRACTIONS }, { ...classification, y: thirds })
    expect(r._tag === "Success" && r.success.length).toBe(1)
    if (r._tag === "Success") {
      const f = r.success[0]
      expect([f.train, f.validation ?? new Int32Array(0), f.test].map((p) => countClass(p, thirds, 1))).toEqual([7, 2, 1])
    }
  })

  it("fails with a DataError for stratified regression and too many folds", () => {
    const a = run({ kind: "kfold", folds: 3, stratified: true }, regression)
    expect(a._tag === "Failure" && a.failure._tag).toBe("DataError")
    if (a._tag === "Failure") expect(a.failure.message).toContain("regression")
    const b = run({ kind: "kfold", folds: 40 }, regression)
    expect(b._tag === "Failure" && b.failure.message).toContain("at most 30 folds")
  })
})

describe("Split.fromTestSets", () => {
  it("builds folds whose train part is the complement of the test part", () => {
    const folds = Split.fromTestSets(5, [[3, 0], [1, 2, 4]])
    expect(folds.map((f) => [Array.from(f.train), Array.from(f.test)])).toEqual([[[1, 2, 4], [0, 3]], [[0, 3], [1, 2, 4]]])
    expect(() => Split.fromTestSets(3, [[0, 3]])).toThrow(/outside 0..2/)
  })
})
