/**
 * A data set as every model sees it: features `X` (n × d, row-major float64) and targets `y`.
 * For classification `y` holds class indices 0..classes−1 stored as float64; for regression,
 * real targets. Tasks build Datasets; splits pick rows out of them by index.
 */
import * as Matrix from "../linalg/Matrix.ts"

export type TaskKind = "regression" | "classification"

export interface Dataset {
  readonly name: string
  readonly kind: TaskKind
  readonly X: Matrix.Matrix
  readonly y: Float64Array
  /** Number of classes for classification; 0 for regression. */
  readonly classes: number
}

export const size = (ds: Dataset): number => ds.X.rows

/** The rows of `ds` at `index`, in that order. */
export const subset = (ds: Dataset, index: ArrayLike<number>): Dataset => {
  const y = new Float64Array(index.length)
  for (let k = 0; k < index.length; k++) y[k] = ds.y[index[k]]
  return { ...ds, X: Matrix.takeRows(ds.X, index), y }
}
