import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Forest from "../src/search/Forest.ts"
import * as Importance from "../src/search/Importance.ts"
import * as RandomSearch from "../src/search/RandomSearch.ts"
import * as Sampler from "../src/search/Sampler.ts"
import * as Space from "../src/search/Space.ts"
import { assertClose } from "./support/assertClose.ts"

/** A hand-made tree: split x0 at `c`, leaves 0 (left) and 1 (right). */
const stump = (c: number): Forest.Tree => ({
  feature: Int32Array.from([0, -1, -1]),
  threshold: Float64Array.from([c, 0, 0]),
  left: Int32Array.from([1, -1, -1]),
  right: Int32Array.from([2, -1, -1]),
  value: Float64Array.from([0.5, 0, 1])
})

describe("fANOVA of one tree", () => {
  it("gives all the variance to the only split variable", () => {
    assertClose(Importance.treeShares(stump(0.25), 3), [1, 0, 0], { atol: 1e-12 })
  })

  it("splits an additive tree's variance by the main effects", () => {
    // f = 2·[x0 > ½] + [x1 > ½]: V = 1 + ¼, shares 4/5 and 1/5
    const t: Forest.Tree = {
      feature: Int32Array.from([0, 1, -1, -1, 1, -1, -1]),
      threshold: Float64Array.from([0.5, 0.5, 0, 0, 0.5, 0, 0]),
      left: Int32Array.from([1, 2, -1, -1, 5, -1, -1]),
      right: Int32Array.from([4, 3, -1, -1, 6, -1, -1]),
      value: Float64Array.from([0, 0, 0, 1, 0, 2, 3])
    }
    assertClose(Importance.treeShares(t, 2), [0.8, 0.2], { atol: 1e-12 })
  })
})

describe("fANOVA importance", () => {
  const space = Space.make([Space.float("a", 0, 1), Space.float("lr", 1e-4, 1, { log: true }), Space.int("k", 1, 8), Space.categorical("c", ["x", "y", "z"])])
  const noise = Random.make(3)
  const trials = Sampler.minimize(RandomSearch.sampler(), space, () => 0, 80, 7).trials.map((t) => ({
    ...t,
    value: (Math.log10(t.params.lr as number) + 2) ** 2 + 0.05 * noise.normal()
  }))

  it("finds the one relevant parameter, with bootstrap intervals that separate it from the rest", () => {
    const result = Importance.fanova(space, trials, { resamples: 8, trees: 8, seed: 1 })
    expect(result.map((r) => r.name)).toEqual(["a", "lr", "k", "c"])
    const lr = result[1]
    expect(lr.mean).toBeGreaterThan(0.8)
    for (const other of [result[0], result[2], result[3]]) {
      expect(other.mean).toBeLessThan(0.05)
      expect(other.q95).toBeLessThan(lr.q05)
    }
    expect(lr.sd).toBeGreaterThan(0)
  })

  it("has power: with the values shuffled away from the points, lr is no longer singled out", () => {
    const shuffle = Random.permutation(Random.make(5), trials.length)
    const shuffled = trials.map((t, i) => ({ ...t, value: trials[shuffle[i]].value }))
    const result = Importance.fanova(space, shuffled, { resamples: 8, trees: 8, seed: 1 })
    expect(result[1].mean).toBeLessThan(0.5)
  })

  it("repeats from its seed", () => {
    expect(Importance.fanova(space, trials.slice(0, 30), { resamples: 3, trees: 4, seed: 2 })).toEqual(Importance.fanova(space, trials.slice(0, 30), { resamples: 3, trees: 4, seed: 2 }))
  })
})
