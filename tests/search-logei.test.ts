import { describe, expect, it } from "vitest"
import * as LogEi from "../src/search/LogEi.ts"
import * as Normal from "../src/search/Normal.ts"
import { assertClose } from "./support/assertClose.ts"

/** log(φ(z) + zΦ(z)) at 50 digits (mpmath 1.3: log(npdf(z) + z·ncdf(z)), mp.dps = 50). */
const reference: ReadonlyArray<readonly [number, number]> = [
  [-3, -7.869686059603029],
  [-10, -55.55312203612235],
  [-37, -692.6429601632705],
  [-40, -808.29856835662],
  [-100, -5010.12957880025]
]

/** Φ(z)/h(z) at 60 digits (mpmath). */
const ratio: ReadonlyArray<readonly [number, number]> = [
  [-30, 30.06644615416242],
  [-40, 40.04990665764852],
  [-41, 41.04869379201803],
  [-100, 100.01999400419587],
  [-1e4, 10000.000199999993]
]

const naive = (z: number) => Math.log(Normal.pdf(z) + z * Normal.cdf(z))

describe("log expected improvement", () => {
  it("matches 50-digit references where the naive formula underflows to −∞", () => {
    for (const [z, v] of reference) assertClose(LogEi.logH(z), v, { rtol: 1e-13 }, `log h(${z})`)
    // the naive formula is fine at z = −3 but gives −∞ at −40: the stable branch is what passes
    expect(naive(-40)).toBe(Number.NEGATIVE_INFINITY)
    assertClose(naive(-3), LogEi.logH(-3), { rtol: 1e-13 })
  })

  it("stays finite, decreasing and smooth down to z = −1e12, continuous across the branch points", () => {
    let previous = Number.POSITIVE_INFINITY
    for (let e = 0; e <= 12; e += 0.25) {
      const z = -(10 ** e)
      const v = LogEi.logH(z)
      expect(Number.isFinite(v)).toBe(true)
      expect(v).toBeLessThan(previous)
      previous = v
    }
    const cut = 1 / Math.sqrt(Number.EPSILON)
    for (const z of [-1, -cut]) assertClose(LogEi.logH(z * (1 + 1e-12)), LogEi.logH(z * (1 - 1e-12)), { rtol: 1e-9 }, `across ${z}`)
  })

  it("has the derivative Φ(z)/h(z): against references, finite differences and the asymptote |z|", () => {
    for (const [z, v] of ratio) assertClose(LogEi.dLogH(z), v, { rtol: 1e-11 }, `dlogh(${z})`)
    for (const z of [2, 0.3, -0.5, -1.5, -5, -20, -60]) {
      const h = 1e-5 * Math.max(1, Math.abs(z))
      assertClose(LogEi.dLogH(z), (LogEi.logH(z + h) - LogEi.logH(z - h)) / (2 * h), { rtol: 1e-6 }, `fd at ${z}`)
    }
    for (const z of [-1e6, -1e9, -1e12]) assertClose(LogEi.dLogH(z), -z, { rtol: 1e-10 })
  })

  it("log EI is log σ + log h((f* − μ)/σ)", () => {
    assertClose(LogEi.logEi(1, 0, 2), Math.log(2) + LogEi.logH(0.5), { rtol: 1e-15 })
    assertClose(Math.exp(LogEi.logEi(0, 0, 1)), 1 / Math.sqrt(2 * Math.PI), { rtol: 1e-14 })
  })
})

describe("Normal", () => {
  it("inverts Φ to ~1e-15 and evaluates log Φ in the far tail", () => {
    for (const p of [1e-300, 1e-10, 0.01, 0.3, 0.5, 0.9, 0.999999]) assertClose(Normal.cdf(Normal.quantile(p)), p, { rtol: 1e-12 })
    assertClose(Normal.logCdf(-40), -804.6084420137538, { rtol: 1e-14 })
    assertClose(Normal.erfcx(30), 0.018795888861416754, { rtol: 1e-14 })
  })
})
