/**
 * Grid search. The grid takes every categorical choice, every integer when there are at most
 * `pointsPerAxis` of them (else `pointsPerAxis` evenly spaced values, rounded) and
 * `pointsPerAxis` evenly spaced values of each float (log-spaced when `log`), endpoints included;
 * a conditional parameter enters only the combinations where it is active. Points are visited in
 * a random order fixed by the study seed (as optuna's GridSampler), skipping points already
 * finished or pending (rule "exclude"); once every point has been taken the order starts over.
 *
 * When to use: small spaces that must be covered exhaustively. Gotchas: the grid has Π(sizes)
 * points; a float's grid never hits values between its points (Bergstra & Bengio, JMLR 13 (2012)).
 */
import * as Random from "../core/Random.ts"
import type * as Sampler from "./Sampler.ts"
import * as Space from "./Space.ts"

/** The grid values of one parameter. */
export const axis = (p: Space.Param, pointsPerAxis: number): ReadonlyArray<Space.Choice> => {
  if (p.type === "categorical") return p.choices
  if (p.type === "int" && p.high - p.low + 1 <= pointsPerAxis) return Array.from({ length: p.high - p.low + 1 }, (_, i) => p.low + i)
  const t = (v: number) => (p.log ? Math.log(v) : v)
  const [lo, hi] = [t(p.low), t(p.high)]
  const values = Array.from({ length: pointsPerAxis }, (_, i) => Space.fromInternal(p, pointsPerAxis === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (pointsPerAxis - 1)))
  return [...new Set(values)]
}

/** Every point of the grid, in enumeration order (first parameter slowest). */
export const points = (space: Space.Space, pointsPerAxis: number): Array<Space.Params> => {
  const out: Array<Space.Params> = []
  const walk = (j: number, point: Record<string, Space.Choice>): void => {
    if (j === space.params.length) {
      out.push({ ...point })
      return
    }
    const p = space.params[j]
    if (!Space.isActive(p, point)) return walk(j + 1, point)
    for (const v of axis(p, pointsPerAxis)) {
      point[p.name] = v
      walk(j + 1, point)
    }
    delete point[p.name]
  }
  walk(0, {})
  return out
}

const key = (space: Space.Space, point: Space.Params): string => JSON.stringify(space.params.map((p) => point[p.name] ?? null))

/** Grid search over `points(space, pointsPerAxis)` in a seed-fixed random order; pending points are excluded. */
export const sampler = (options: { readonly pointsPerAxis?: number } = {}): Sampler.Sampler => {
  const pointsPerAxis = options.pointsPerAxis ?? 5
  return {
    name: "grid",
    pending: "exclude",
    propose: ({ space, trials, pending, index, seed }) => {
      const all = points(space, pointsPerAxis)
      const order = Random.permutation(Random.make(Random.derive(seed, "search/grid/order")), all.length)
      const taken = new Set([...trials.map((t) => key(space, t.params)), ...pending.map((p) => key(space, p))])
      for (let i = 0; i < all.length; i++) {
        const candidate = all[order[i]]
        if (!taken.has(key(space, candidate))) return candidate
      }
      return all[order[index % all.length]]
    }
  }
}
