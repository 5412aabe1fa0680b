/**
 * A dense float64 matrix: `rows × cols` values in one row-major Float64Array, the layout every
 * numerical module in gpnn reads and writes (data sets, kernel matrices, factors).
 *
 * Gotchas: `data` is shared, not copied, by `make`; use `clone` before mutating a matrix you did
 * not create.
 */
export interface Matrix {
  readonly rows: number
  readonly cols: number
  readonly data: Float64Array
}

export const make = (rows: number, cols: number, data?: Float64Array): Matrix => {
  if (data !== undefined && data.length !== rows * cols) {
    throw new RangeError(`Matrix.make: ${data.length} values for a ${rows}×${cols} matrix`)
  }
  return { rows, cols, data: data ?? new Float64Array(rows * cols) }
}

export const fromRows = (rows: ReadonlyArray<ReadonlyArray<number>>): Matrix => {
  const r = rows.length
  const c = r === 0 ? 0 : rows[0].length
  const out = new Float64Array(r * c)
  rows.forEach((row, i) => {
    if (row.length !== c) throw new RangeError(`Matrix.fromRows: row ${i} has ${row.length} values, expected ${c}`)
    out.set(row, i * c)
  })
  return { rows: r, cols: c, data: out }
}

export const toRows = (m: Matrix): Array<Array<number>> =>
  Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)))

export const get = (m: Matrix, i: number, j: number): number => m.data[i * m.cols + j]

export const row = (m: Matrix, i: number): Float64Array => m.data.subarray(i * m.cols, (i + 1) * m.cols)

export const clone = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) })

/** The rows of `m` at `index`, in that order (a gather, e.g. the training rows of a fold). */
export const takeRows = (m: Matrix, index: ArrayLike<number>): Matrix => {
  const out = new Float64Array(index.length * m.cols)
  for (let k = 0; k < index.length; k++) out.set(row(m, index[k]), k * m.cols)
  return { rows: index.length, cols: m.cols, data: out }
}

export const transpose = (m: Matrix): Matrix => {
  const out = new Float64Array(m.rows * m.cols)
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j]
  return { rows: m.cols, cols: m.rows, data: out }
}
