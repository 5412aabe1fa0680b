/**
 * Uniform random search: each unit-cube coordinate drawn uniformly and decoded
 * (`Space.fromUnit`), so floats are uniform (log-uniform when `log`), ints uniform over their
 * integers, categoricals uniform over their choices, conditionals present only when active.
 *
 * When to use: the baseline every model-based sampler must beat, and the startup design of TPE
 * and GP-EI. Pending trials only advance the index (rule "index").
 * Citation: Bergstra & Bengio, JMLR 13 (2012) 281–305.
 */
import type * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

/** Uniform random search. */
export const sampler = (): Sampler.Sampler => ({
  name: "random",
  pending: "index",
  propose: ({ space, rng }) => Space.fromUnit(space, Float64Array.from(space.params, () => rng.uniform()))
})
