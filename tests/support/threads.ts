/**
 * Running work on one thread and on two (`linalg/WorkShare.ts`): `oneAndTwoThreads` computes `f`
 * with sharing off, then with it on until the helper thread has run pieces of it (bounded), so a
 * comparison of the two never passes merely because the helper stayed idle.
 */
import { expect } from "vitest"
import * as WorkShare from "../../src/linalg/WorkShare.ts"

export const oneAndTwoThreads = <T>(f: () => T): { readonly one: T; readonly two: ReadonlyArray<T> } => {
  WorkShare.setThreads(false)
  const one = f()
  WorkShare.setThreads(true)
  const before = WorkShare.helperPieces()
  const two: Array<T> = []
  // the helper claims pieces only when it is scheduled: repeat (bounded) until it has taken some
  for (let r = 0; r < 40 && (r < 2 || WorkShare.helperPieces() === before); r++) two.push(f())
  expect(WorkShare.helperPieces(), "pieces the helper thread ran").toBeGreaterThan(before)
  return { one, two }
}

/** How many entries differ in their bits (−0 and 0, NaNs included); a length mismatch counts all. */
export const differingEntries = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let count = a.length === b.length ? 0 : Math.max(a.length, b.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (!Object.is(a[i], b[i])) count++
  return count
}
