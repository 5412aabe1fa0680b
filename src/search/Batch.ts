/**
 * One round of a parallel search: `count` points proposed together, before any of them is
 * evaluated. Point j of the round is `Sampler.next` given the finished trials of earlier rounds
 * and the round's points 0 … j − 1 as pending, so each sampler meets pending trials through its
 * own declared rule (`Sampler.PendingRule`): random search and Halton only advance the index, the
 * grid excludes the pending cells, TPE and GP-EI take each pending point as a finished trial at
 * the worst value seen so far (the constant liar CL-max; Ginsbourger, Le Riche & Carraro, "Kriging
 * is well-suited to parallelize optimization", 2010, §4.2). A round of one point is the serial
 * proposal.
 *
 * The round's size is the search's, never the number of workers, so the points depend on the
 * seed and the trial order only (`pipeline/Adaptive.ts` runs the rounds).
 */
import * as Sampler from "./Sampler.ts"
import type * as Space from "./Space.ts"

/** The `count` points of the next round, given the finished trials of the earlier rounds in trial order. */
export const propose = (
  sampler: Sampler.Sampler,
  space: Space.Space,
  finished: ReadonlyArray<Sampler.Trial>,
  count: number,
  seed: number
): Array<Space.Params> => {
  const points: Array<Space.Params> = []
  for (let j = 0; j < count; j++) points.push(Sampler.next(sampler, space, finished, points, seed))
  return points
}
