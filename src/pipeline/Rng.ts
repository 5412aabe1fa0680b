/**
 * The run's source of randomness as a service: the run seed, and the seed (or generator) of
 * anything keyed under it. Every random draw of a run descends from here by key, never by call
 * order, which is why a trial run in a worker thread, or resumed a day later, repeats exactly.
 *
 * When to use: the run program asks it for trial seeds; a trial carries its seed as data into
 * whichever process runs it (a generator cannot cross a thread boundary, a number can).
 */
import { Context, Layer } from "effect"
import * as Random from "../core/Random.ts"

export class Rng extends Context.Service<Rng, {
  readonly runSeed: number
  /** The seed of `key` under the run seed: depends on nothing else. */
  seedFor(key: string): number
  /** A fresh generator for `key`. */
  generator(key: string): Random.Generator
}>()("gpnn/pipeline/Rng") {
  static layer(runSeed: number) {
    return Layer.succeed(Rng, make(runSeed))
  }
}

/** The largest run seed: seeds are 32-bit unsigned integers. */
export const maxSeed = 2 ** 32 - 1

/** Whether `seed` is a run seed (a whole number in [0, 2³² − 1]; −1 would silently become 2³² − 1). */
export const isSeed = (seed: number): boolean => Number.isInteger(seed) && seed >= 0 && seed <= maxSeed

/** The service's implementation for `runSeed`, also usable directly in pure code and tests. */
export const make = (runSeed: number): Rng["Service"] => ({
  runSeed,
  seedFor: (key) => Random.derive(runSeed, key),
  generator: (key) => Random.make(Random.derive(runSeed, key))
})
