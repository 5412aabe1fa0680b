/**
 * The family contract: every registered model family (src/models/Registry.ts) goes through the
 * same checks, so a new family is covered by registering it, not by writing new tests.
 *
 * For each family and each task kind it declares (regression; binary and three-class
 * classification), on tiny standardised data with the family's `example` config:
 * - fit → predict follows the Prediction conventions (finite means, non-negative variances;
 *   probabilities in [0, 1] with rows summing to one; a decision score only for two classes);
 * - hyperparameters and warnings are typed data that decode as stored rows do;
 * - the same seed gives the same predictions, bit for bit;
 * - fit, predict and dispose leave no tfjs tensor behind, and dispose() twice is safe;
 * - NaN in the inputs fails as a DataError naming the row; a kind it does not fit, or an unknown
 *   config key, fails as a ConfigError naming what to use.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import * as tf from "@tensorflow/tfjs"
import { Effect, Schema } from "effect"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset, TaskKind } from "../src/data/Dataset.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Standardise from "../src/data/Standardise.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import type * as Family from "../src/models/Family.ts"
import * as FitFacts from "../src/models/FitFacts.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import type { Prediction } from "../src/models/Model.ts"
import * as Registry from "../src/models/Registry.ts"

interface Case {
  readonly name: string
  readonly kind: TaskKind
  readonly train: Dataset
  readonly test: Dataset
}

const standardised = (ds: Dataset, scaler: Standardise.Scaler): Dataset => scaler.apply(ds)

const caseOf = (name: string, make: (n: number, rng: Random.Generator) => Dataset): Case => {
  const train = make(36, Random.make(11))
  const test = make(12, Random.make(12))
  const scaler = Standardise.fit(train)
  return { name, kind: train.kind, train: standardised(train, scaler), test: standardised(test, scaler) }
}

const threeBlobs = (n: number, rng: Random.Generator): Dataset => {
  const X = new Float64Array(2 * n)
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const c = i % 3
    X[2 * i] = 2 * Math.cos((2 * Math.PI * c) / 3) + 0.4 * rng.normal()
    X[2 * i + 1] = 2 * Math.sin((2 * Math.PI * c) / 3) + 0.4 * rng.normal()
    y[i] = c
  }
  return { name: "three-blobs", kind: "classification", X: Matrix.make(n, 2, X), y, classes: 3 }
}

const cases: ReadonlyArray<Case> = [
  caseOf("regression", (n, rng) => Synthetic.sineQuadratic({ n, noise: 0.2 }, rng)),
  caseOf("binary", (n, rng) => Synthetic.moons({ n, noise: 0.2 }, rng)),
  caseOf("three classes", threeBlobs)
]

const checkConventions = (p: Prediction, c: Case) => {
  const m = c.test.X.rows
  if (c.kind === "regression") {
    expect(p.kind).toBe("regression")
    if (p.kind !== "regression") return
    expect(p.mean.length).toBe(m)
    for (const v of p.mean) expect(Number.isFinite(v)).toBe(true)
    if (p.variance !== undefined) {
      expect(p.variance.length).toBe(m)
      for (const v of p.variance) expect(v >= 0 && Number.isFinite(v)).toBe(true)
    }
    return
  }
  expect(p.kind).toBe("classification")
  if (p.kind !== "classification") return
  expect([p.probabilities.rows, p.probabilities.cols]).toEqual([m, c.train.classes])
  for (let i = 0; i < m; i++) {
    let sum = 0
    for (let j = 0; j < c.train.classes; j++) {
      const q = Matrix.get(p.probabilities, i, j)
      expect(q >= 0 && q <= 1).toBe(true)
      sum += q
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9)
  }
  if (c.train.classes === 2) {
    if (p.decision !== undefined) expect(p.decision.length).toBe(m)
  } else {
    expect(p.decision).toBeUndefined()
  }
}

const asArrays = (p: Prediction): Array<number> =>
  p.kind === "regression" ? [...p.mean, ...(p.variance ?? [])] : [...p.probabilities.data, ...(p.decision ?? [])]

const fitWith = (family: Family.Any, config: unknown, train: Dataset, seed: number) =>
  Effect.flatMap(family.make(config), (model) => model.fit(train, { rng: Random.make(seed) }))

layer(NnBackend.layer("auto"), { timeout: 120_000 })("every registered family", (it) => {
  describe.each(Registry.families.map((f) => [f.name, f] as const))("%s", (_, family) => {
    const own = cases.filter((c) => family.tasks.includes(c.kind))
    const other = cases.find((c) => !family.tasks.includes(c.kind))

    it("declares what the contract needs", () => {
      expect(family.description.length).toBeGreaterThan(10)
      expect(own.length).toBeGreaterThan(0)
      for (const c of own) expect(Effect.runSync(Effect.result(family.decode(family.example(c.kind))))._tag).toBe("Success")
    })

    for (const c of own) {
      it.effect(`${c.name}: fit → predict follows the Prediction conventions; facts are typed data; no tensor leaks`, () =>
        Effect.gen(function*() {
          const before = tf.memory().numTensors
          const fitted = yield* fitWith(family, family.example(c.kind), c.train, 3)
          const p = fitted.predict(c.test.X)
          checkConventions(p, c)
          for (const h of fitted.hyperparameters) Schema.decodeUnknownSync(FitFacts.Hyperparameter)(h)
          for (const w of fitted.warnings) Schema.decodeUnknownSync(FitFacts.FitWarning)(w)
          if (fitted.logLikelihood !== undefined) expect(Number.isFinite(fitted.logLikelihood)).toBe(true)
          if (fitted.freeParameters !== undefined) expect(Number.isInteger(fitted.freeParameters) && fitted.freeParameters > 0).toBe(true)
          fitted.dispose()
          fitted.dispose()
          expect(tf.memory().numTensors).toBe(before)
        }))

      it.effect(`${c.name}: the same seed gives the same fit, bit for bit`, () =>
        Effect.gen(function*() {
          const a = yield* fitWith(family, family.example(c.kind), c.train, 5)
          const b = yield* fitWith(family, family.example(c.kind), c.train, 5)
          expect(asArrays(b.predict(c.test.X))).toEqual(asArrays(a.predict(c.test.X)))
          a.dispose()
          b.dispose()
        }))

      it.effect(`${c.name}: NaN in the inputs fails as a DataError naming the row`, () =>
        Effect.gen(function*() {
          const data = Float64Array.from(c.train.X.data)
          data[3 * c.train.X.cols] = Number.NaN
          const error = yield* Effect.flip(fitWith(family, family.example(c.kind), { ...c.train, X: Matrix.make(c.train.X.rows, c.train.X.cols, data) }, 1))
          expect(error).toBeInstanceOf(DataError)
          expect((error as DataError).row).toBe(4)
        }))
    }

    if (other !== undefined) {
      it.effect(`a ${other.kind} task fails as a ConfigError naming the kinds it fits`, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(fitWith(family, family.example(other.kind), other.train, 1))
          expect(error).toBeInstanceOf(ConfigError)
          expect(error.message).toContain(`${family.tasks.join(" and ")} tasks only`)
        }))
    }

    it.effect("an unknown or misspelt config key fails as a ConfigError naming it and the known keys", () =>
      Effect.gen(function*() {
        const known = Object.keys(family.defaults)[0]
        const misspelt = `${known.slice(0, -1)}${known.at(-1) === "x" ? "y" : "x"}`
        const error = yield* Effect.flip(family.decode({ [misspelt]: family.defaults[known] }))
        expect(error.field).toBe(`${family.name}.${misspelt}`)
        expect(error.message).toContain(`"${misspelt}" (did you mean "${known}"?)`)
        expect(error.message).toContain(`Known keys: ${known}`)
      }))
  })
})
