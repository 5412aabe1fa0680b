import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"

describe("Random", () => {
  it("repeats from its seed and differs across seeds", () => {
    const a = Random.make(42), b = Random.make(42), c = Random.make(43)
    const xs = Array.from({ length: 5 }, () => a.uniform())
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs)
  })

  it("derives trial seeds from the key alone", () => {
    expect(Random.derive(7, "width=64/fold=1")).toBe(Random.derive(7, "width=64/fold=1"))
    expect(Random.derive(7, "width=64/fold=1")).not.toBe(Random.derive(7, "width=64/fold=2"))
  })

  it("draws uniforms on [0,1) and standard normals with the right moments", () => {
    const rng = Random.make(1)
    const n = 200_000
    let s = 0, s2 = 0, umin = 1, umax = 0
    for (let i = 0; i < n; i++) {
      const u = rng.uniform()
      umin = Math.min(umin, u); umax = Math.max(umax, u)
      const z = rng.normal()
      s += z; s2 += z * z
    }
    expect(umin).toBeGreaterThanOrEqual(0)
    expect(umax).toBeLessThan(1)
    expect(Math.abs(s / n)).toBeLessThan(0.01)
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.02)
  })

  it("permutes every index exactly once", () => {
    const p = Random.permutation(Random.make(3), 100)
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})
