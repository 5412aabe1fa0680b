/**
 * Reference matrices for tests: standard-normal entries from a seeded generator, and the
 * textbook triple-loop product the fast kernels are checked against.
 */
import type * as Random from "../../src/core/Random.ts"
import * as Matrix from "../../src/linalg/Matrix.ts"

/** A (rows × cols) matrix of independent N(0, 1) draws from `rng`. */
export const randomMatrix = (rng: Random.Generator, rows: number, cols: number): Matrix.Matrix =>
  Matrix.make(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal()))

/** A·B by the naive triple loop (float64, row-major). */
export const naiveProduct = (A: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix => {
  const out = Matrix.make(A.rows, B.cols)
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.cols; j++) {
      let s = 0
      for (let p = 0; p < A.cols; p++) s += A.data[i * A.cols + p] * B.data[p * B.cols + j]
      out.data[i * B.cols + j] = s
    }
  }
  return out
}
