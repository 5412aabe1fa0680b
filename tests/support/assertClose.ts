/**
 * The one float comparison of the test suite: |a − e| ≤ atol + rtol·|e| elementwise, with a
 * message naming the first index that fails and by how much.
 */
import { expect } from "vitest"

export interface Tolerance {
  readonly rtol?: number
  readonly atol?: number
}

type Numbers = number | ArrayLike<number> | ReadonlyArray<ReadonlyArray<number>>

const flatten = (v: Numbers): Array<number> =>
  typeof v === "number" ? [v] : Array.from(v as ArrayLike<number | ArrayLike<number>>).flatMap((x) =>
    typeof x === "number" ? [x] : Array.from(x)
  )

export const assertClose = (actual: Numbers, expected: Numbers, { rtol = 1e-7, atol = 0 }: Tolerance = {}, what = "value"): void => {
  const a = flatten(actual)
  const e = flatten(expected)
  expect(a.length, `${what}: length`).toBe(e.length)
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i])
    const bound = atol + rtol * Math.abs(e[i])
    if (!(err <= bound)) {
      expect.fail(`${what}[${i}]: got ${a[i]}, expected ${e[i]} (|err| ${err.toExponential(3)} > ${bound.toExponential(3)}, rtol ${rtol}, atol ${atol})`)
    }
  }
}
