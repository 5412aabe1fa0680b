/**
 * A data set as every model sees it: features `X` (n × d, row-major float64) and targets `y`.
 * For classification `y` holds class indices 0..classes−1 stored as float64; for regression,
 * real targets. Tasks build Datasets; splits pick rows out of them by index.
 *
 * Data read from files also carries where it came from (`source`), its column names, class
 * names, the missing-value tally of the load, and categorical columns still as level codes: those
 * are one-hot encoded after the split, on levels seen in training (see Encode.ts), so `X` holds
 * only the numeric features until `Encode.fit(train).apply(ds)` has run.
 */
import * as Matrix from "../linalg/Matrix.ts"

export type TaskKind = "regression" | "classification"

/** A categorical feature column: one level code per row, indexing `levels`. */
export interface Categorical {
  /** The column's header name. */
  readonly name: string
  /** Every level of the loaded file (after dropping rows with missing values), sorted. */
  readonly levels: ReadonlyArray<string>
  /** Row i has level `levels[codes[i]]`. */
  readonly codes: Int32Array
}

/** The missing-value tally of a load: rows with a missing value in a used column are dropped. */
export interface Missing {
  /** Data rows read from the file. */
  readonly rows: number
  /** Rows dropped, each counted once however many of its cells are missing. */
  readonly dropped: number
  /** Missing cells per used column (a row missing two cells counts in both columns). */
  readonly byColumn: Readonly<Record<string, number>>
}

export interface Dataset {
  readonly name: string
  readonly kind: TaskKind
  readonly X: Matrix.Matrix
  readonly y: Float64Array
  /** Number of classes for classification; 0 for regression. */
  readonly classes: number
  /** The file the data came from, named by every error about it; absent for generated data. */
  readonly source?: string
  /** Header names: one per column of X in order, and the target. */
  readonly columns?: { readonly features: ReadonlyArray<string>; readonly target: string }
  /** Class names for classification, indexed by class (`classNames[y[i]]`). */
  readonly classNames?: ReadonlyArray<string>
  /** Categorical features not yet one-hot encoded (see Encode.ts). */
  readonly categorical?: ReadonlyArray<Categorical>
  /** What the load dropped for missing values; describes the whole load, not a subset of it. */
  readonly missing?: Missing
}

export const size = (ds: Dataset): number => ds.X.rows

/** The name errors about `ds` give: its file when it has one. */
export const label = (ds: Dataset): string => ds.source ?? ds.name

/** The rows of `ds` at `index`, in that order (categorical codes too). */
export const subset = (ds: Dataset, index: ArrayLike<number>): Dataset => {
  const y = new Float64Array(index.length)
  for (let k = 0; k < index.length; k++) y[k] = ds.y[index[k]]
  const picked = { ...ds, X: Matrix.takeRows(ds.X, index), y }
  if (ds.categorical === undefined) return picked
  const categorical = ds.categorical.map((c) => ({ ...c, codes: Int32Array.from({ length: index.length }, (_, k) => c.codes[index[k]]) }))
  return { ...picked, categorical }
}
