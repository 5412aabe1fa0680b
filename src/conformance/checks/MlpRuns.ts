/**
 * The loop both MLP step checks (`mlp_step`, `mlp_norm_step`) share: select the tfjs backend once
 * ("auto", what training uses); a case whose backend cannot load fails by name, every run of it
 * unchecked; each run of each case is replayed and compared inside `Check.guard`, so a run that
 * throws is one failed line, not a lost file.
 */
import { Effect, Result } from "effect"
import * as Backend from "../../models/mlp/Backend.ts"
import * as Check from "../Check.ts"

export interface Case<R> {
  readonly name?: string | undefined
  readonly runs: ReadonlyArray<R>
}

/**
 * The lines of every run of every case: `runName(caseName, run)` names a run's checks, `check`
 * computes them (`j` is the run's index in its case).
 */
export const eachRun = <C extends Case<unknown>>(
  file: string,
  cases: ReadonlyArray<C>,
  runName: (caseName: string, run: C["runs"][number]) => string,
  check: (c: C, caseName: string, run: C["runs"][number], j: number, name: string) => ReadonlyArray<Check.Line>
): Effect.Effect<ReadonlyArray<Check.Line>> =>
  Effect.gen(function*() {
    const backend = yield* Effect.result(Backend.select("auto"))
    const lines: Array<Check.Line> = []
    for (const [k, c] of cases.entries()) {
      const caseName = c.name ?? `cases[${k}]`
      if (Result.isFailure(backend)) {
        lines.push(Check.failed(file, caseName, backend.failure.message))
        continue
      }
      for (const [j, r] of c.runs.entries()) {
        const name = runName(caseName, r)
        lines.push(...yield* Check.guard(file, name, () => check(c, caseName, r, j, name)))
      }
    }
    return lines
  })
