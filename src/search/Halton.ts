/**
 * Quasi-random search on the scrambled Halton sequence: trial i is point i of the sequence,
 * decoded from the unit cube (`Space.fromUnit`), one dimension per parameter.
 *
 * Conventions: dimension j uses the j-th prime as its base b; the radical inverse of i is
 * scrambled by an independent random permutation of the digits {0, …, b−1} at every digit
 * position (Owen-type random digit permutation, as scipy.stats.qmc.Halton(scramble=True)),
 * carried to ⌈53 / log₂ b⌉ digits so the full float64 mantissa is random. The permutations are
 * fixed by the study seed (key "search/halton/scramble"), so seeds give different, equally
 * well-spread sequences, and proposal i depends only on (seed, i). Pending trials only advance
 * the index (rule "index"): each worker takes the next point.
 *
 * When to use: space-filling designs and baselines (a scrambled QMC design covers the cube more
 * evenly than random points: discrepancy O((log n)^d / n) against O(n^{-1/2})).
 * Gotchas: Halton rather than Sobol: it needs no direction-number table and works in any
 * dimension; its projections on pairs of high dimensions (bases > ~30) are poor without the
 * scramble, which is why it is always scrambled here.
 * Citation: Halton, Numer. Math. 2 (1960) 84–90; Owen, "Randomized QMC" (2017), §4 (digit
 * scrambling); Mascagni & Chi (2004) on scrambled Halton.
 */
import * as Random from "../core/Random.ts"
import type * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

/** The first n primes. */
export const primes = (n: number): Array<number> => {
  const out: Array<number> = []
  for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c)
  return out
}

export interface Scramble {
  readonly bases: ReadonlyArray<number>
  /** permutations[j][k]: the digit permutation of dimension j at position k. */
  readonly permutations: ReadonlyArray<ReadonlyArray<Int32Array>>
}

/** Random digit permutations for `dims` dimensions drawn from `rng`. */
export const scramble = (dims: number, rng: Random.Generator): Scramble => {
  const bases = primes(dims)
  const permutations = bases.map((b) => Array.from({ length: Math.ceil(53 / Math.log2(b)) }, () => Random.permutation(rng, b)))
  return { bases, permutations }
}

/** Point `index` (≥ 0) of the scrambled Halton sequence, in [0, 1)^dims. */
export const point = (s: Scramble, index: number): Float64Array =>
  Float64Array.from(s.bases, (b, j) => {
    const perms = s.permutations[j]
    let u = 0
    let scale = 1 / b
    let i = index
    for (let k = 0; k < perms.length; k++) {
      u += perms[k][i % b] * scale
      i = Math.floor(i / b)
      scale /= b
    }
    return Math.min(u, 1 - Number.EPSILON)
  })

/** Scrambled-Halton quasi-random search. */
export const sampler = (): Sampler.Sampler => ({
  name: "halton",
  pending: "index",
  propose: ({ space, index, seed }) => {
    const s = scramble(space.params.length, Random.make(Random.derive(seed, "search/halton/scramble")))
    return Space.fromUnit(space, point(s, index))
  }
})
