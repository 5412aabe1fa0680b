/**
 * One-hot encoding of categorical features with the levels seen in a training part: each
 * categorical column becomes one 0/1 column per level present in the training rows. Every level
 * gets a column (none is dropped as a reference: the models here are kernels and networks, not
 * unpenalised least squares with an intercept). A level absent from training maps to all zeros
 * in its column's block and is counted in `Encoded.unseen`, so a report can state it.
 *
 * Conventions: encoded X = [numeric features | one block per categorical column], blocks in the
 * order of `Dataset.categorical`, levels in their sorted order; encoded feature names are
 * "column=level". The result carries no `categorical` field.
 *
 * When to use: after the split and before standardisation, with the same encoder for every part:
 * `const encoder = Encode.fit(train)`, then `encoder.apply(train).data`, `encoder.apply(test)`
 * (whose `unseen` says what the training part lacked), then `Standardise.fit` on the encoded
 * training part. A data set without categorical columns passes through unchanged, so calling it
 * for every task is safe. Gotchas: never fit on the full data set; the levels must come from
 * the rows a model is fitted on, or a test-only level leaks into the features.
 */
import { DataError } from "../core/Errors.ts"
import * as Dataset from "./Dataset.ts"
import * as Matrix from "../linalg/Matrix.ts"

/** A categorical column and the levels it was fitted with (those seen in training). */
export interface Column {
  readonly name: string
  readonly levels: ReadonlyArray<string>
}

/** Rows of an encoded data set whose level the training part did not have. */
export interface Unseen {
  readonly column: string
  readonly level: string
  readonly rows: number
}

export interface Encoded {
  /** The data set with the one-hot blocks appended to X. */
  readonly data: Dataset.Dataset
  /** Levels absent from training, with their row counts in this data set (empty when none). */
  readonly unseen: ReadonlyArray<Unseen>
}

export interface Encoder {
  /** The numeric features the encoder was fitted with (X's columns before encoding). */
  readonly numeric: number
  /** The categorical columns, each with its training levels. */
  readonly columns: ReadonlyArray<Column>
  /** One-hot encode `ds` (a part of the data set fitted on, or one with the same columns). */
  apply(ds: Dataset.Dataset): Encoded
}

const mismatch = (ds: Dataset.Dataset, what: string): DataError =>
  new DataError({ source: Dataset.label(ds), message: `Encode.apply: ${Dataset.label(ds)} ${what}; apply the encoder to parts of the data set it was fitted on` })

/** Fit on the training part: each categorical column's levels that occur in `train`. */
export const fit = (train: Dataset.Dataset): Encoder => {
  const columns: Array<Column> = (train.categorical ?? []).map((c) => {
    const present = new Uint8Array(c.levels.length)
    for (const code of c.codes) present[code] = 1
    return { name: c.name, levels: c.levels.filter((_, k) => present[k] === 1) }
  })
  const numeric = train.X.cols
  const apply = (ds: Dataset.Dataset): Encoded => {
    const categorical = ds.categorical ?? []
    if (categorical.length === 0 && columns.length === 0) return { data: ds, unseen: [] }
    if (ds.X.cols !== numeric) throw mismatch(ds, `has ${ds.X.cols} numeric features, but the encoder was fitted on ${numeric}`)
    const names = categorical.map((c) => c.name)
    if (names.join("\u0000") !== columns.map((c) => c.name).join("\u0000")) {
      throw mismatch(ds, `has categorical columns [${names.join(", ")}], but the encoder was fitted on [${columns.map((c) => c.name).join(", ")}]`)
    }
    const width = numeric + columns.reduce((a, c) => a + c.levels.length, 0)
    const n = ds.X.rows
    const X = new Float64Array(n * width)
    for (let i = 0; i < n; i++) X.set(Matrix.row(ds.X, i), i * width)
    const unseen: Array<Unseen> = []
    let offset = numeric
    categorical.forEach((c, k) => {
      // Map this data set's level codes to block positions by level name; -1 for unseen.
      const position = new Map(columns[k].levels.map((level, p) => [level, p]))
      const target = Int32Array.from(c.levels, (level) => position.get(level) ?? -1)
      const missed = new Int32Array(c.levels.length)
      for (let i = 0; i < n; i++) {
        const p = target[c.codes[i]]
        if (p === -1) missed[c.codes[i]]++
        else X[i * width + offset + p] = 1
      }
      missed.forEach((rows, code) => {
        if (rows > 0) unseen.push({ column: c.name, level: c.levels[code], rows })
      })
      offset += columns[k].levels.length
    })
    const { categorical: _, ...rest } = ds
    const data: Dataset.Dataset = { ...rest, X: Matrix.make(n, width, X) }
    if (ds.columns === undefined) return { data, unseen }
    const features = [...ds.columns.features, ...columns.flatMap((c) => c.levels.map((level) => `${c.name}=${level}`))]
    return { data: { ...data, columns: { features, target: ds.columns.target } }, unseen }
  }
  return { numeric, columns, apply }
}

/**
 * The encoder fitted on the rows `train` of `data` (levels from those rows only), with the
 * encoded training part and any other part of `data` encoded alike: what every fit on a split
 * does before standardising.
 */
export const fitPart = (data: Dataset.Dataset, train: ArrayLike<number>): { readonly train: Dataset.Dataset; readonly part: (index: ArrayLike<number>) => Encoded } => {
  const trainRaw = Dataset.subset(data, train)
  const encoder = fit(trainRaw)
  return { train: encoder.apply(trainRaw).data, part: (index) => encoder.apply(Dataset.subset(data, index)) }
}
