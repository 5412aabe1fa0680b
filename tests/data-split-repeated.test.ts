import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Split from "../src/data/Split.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Study from "../src/pipeline/Study.ts"

const y = Float64Array.from({ length: 40 }, (_, i) => (i < 28 ? 0 : 1))
const classification: Dataset = { name: "c", kind: "classification", X: Matrix.make(40, 1), y, classes: 2 }
const regression: Dataset = { name: "r", kind: "regression", X: Matrix.make(40, 1), y: new Float64Array(40), classes: 0 }
const folds = (spec: Split.Spec, data: Dataset, seed = 5) => Effect.runSync(Split.make(spec, data, Random.make(seed)))
const tests = (fs: ReadonlyArray<Split.Fold>) => fs.map((f) => Array.from(f.test))

describe("repeated k-fold (Split.make with repeats)", () => {
  it("yields r × K folds; each repeat's tests partition the rows and stay stratified", () => {
    const fs = folds({ kind: "kfold", folds: 4, repeats: 3 }, classification)
    expect(fs.length).toBe(12)
    expect(Split.count({ kind: "kfold", folds: 4, repeats: 3 })).toBe(12)
    for (let r = 0; r < 3; r++) {
      const seen = new Int32Array(40)
      for (const f of fs.slice(4 * r, 4 * r + 4)) {
        for (const i of f.test) seen[i]++
        expect(f.test.reduce((a, i) => a + y[i], 0)).toBe(3)
        expect(f.train.length + f.test.length).toBe(40)
      }
      expect(Array.from(seen).every((c) => c === 1)).toBe(true)
    }
  })

  it("repeat 0 is the plain k-fold; later repeats differ and depend on the seed and the repeat only", () => {
    const plain = folds({ kind: "kfold", folds: 5 }, regression)
    const repeated = folds({ kind: "kfold", folds: 5, repeats: 3 }, regression)
    expect(tests(repeated.slice(0, 5))).toEqual(tests(plain))
    expect(tests(repeated.slice(5, 10))).not.toEqual(tests(plain))
    expect(tests(repeated.slice(5, 10))).not.toEqual(tests(repeated.slice(10, 15)))
    // more repeats leave the earlier ones unchanged (each repeat's generator is forked by key)
    expect(tests(folds({ kind: "kfold", folds: 5, repeats: 2 }, regression))).toEqual(tests(repeated.slice(0, 10)))
    expect(tests(folds({ kind: "kfold", folds: 5, repeats: 2 }, regression, 6))).not.toEqual(tests(repeated.slice(0, 10)))
  })

  it("maps a fold index to (repeat, fold) and plans r × K folds per task in Study.trials", () => {
    const spec: Split.Spec = { kind: "kfold", folds: 4, repeats: 2 }
    expect(Split.position(spec, 6)).toEqual({ repeat: 1, fold: 2 })
    const model = { id: "m", family: "gp", config: {}, axes: {} }
    const other = { id: "o", family: "svm", config: {}, axes: {} }
    const plan = Study.trials(
      { tasks: [{ name: "a", spec: { task: "smooth", n: 40, noise: 0.1 } }, { name: "b", spec: { task: "moons", n: 40, noise: 0.1 }, models: [other] }], split: spec, models: [model], seeds: 1 },
      { runSeed: 1, seedFor: () => 0 },
      () => false
    )
    expect(plan.filter((t) => t.task.name === "a").map((t) => t.model.id)).toEqual(new Array(8).fill("m"))
    expect(plan.filter((t) => t.task.name === "b").map((t) => t.model.id)).toEqual(new Array(8).fill("o"))
  })

  it("refuses a non-integer or zero repeat count with a DataError", () => {
    const r = Effect.runSync(Effect.result(Split.make({ kind: "kfold", folds: 4, repeats: 0 }, regression, Random.make(1))))
    expect(r._tag === "Failure" && r.failure.message).toContain("repeats ≥ 1")
  })
})
