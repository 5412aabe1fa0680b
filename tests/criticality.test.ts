/**
 * Mean-field signal propagation (models/ntk/Criticality.ts) against known values and identities:
 * the tanh critical line at σ_b² = 0 (σ_w² = 1) and σ_b² = 0.05 (≈ 1.76, Schoenholz et al. 2017
 * Fig. 1), erf closed forms against quadrature, χ₁ and χ_c as slopes of the correlation map,
 * V′(q*) against finite differences of the length map, ReLU's χ₁ = σ_w²/2, ξ_c → ∞ at criticality.
 */
import { describe, expect, it } from "vitest"
import { ConfigError } from "../src/core/Errors.ts"
import * as Activation from "../src/models/ntk/Activation.ts"
import * as C from "../src/models/ntk/Criticality.ts"
import * as Quadrature from "../src/models/ntk/Quadrature.ts"

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

/** Second-order one-sided difference of g at x from below. */
const slopeBelow = (g: (x: number) => number, x: number, h: number): number => (3 * g(x) - 4 * g(x - h) + g(x - 2 * h)) / (2 * h)
const central = (g: (x: number) => number, x: number, h: number): number => (g(x + h) - g(x - h)) / (2 * h)

describe("Criticality: configuration errors", () => {
  it("names the negative variance", () => {
    const e = thrown(() => C.propagation("tanh", -1, 0.05))
    expect(e).toBeInstanceOf(ConfigError)
    expect((e as ConfigError).field).toBe("Criticality.weightVariance")
    const b = thrown(() => C.criticalWeightVariance("tanh", -0.1))
    expect((b as ConfigError).field).toBe("Criticality.biasVariance")
    expect((thrown(() => C.propagation("tanh", 1, Number.NaN)) as ConfigError).field).toBe("Criticality.biasVariance")
  })

  it("names an unknown activation and lists the known ones", () => {
    const e = thrown(() => C.propagation("swish2", 1, 0))
    expect(e).toBeInstanceOf(ConfigError)
    expect((e as ConfigError).field).toBe("Criticality.activation")
    expect((e as ConfigError).message).toContain("tanh")
  })
})

describe("Criticality: tanh", () => {
  it("σ_b² = 0: q* = 0 and χ₁ = σ_w² below σ_w² = 1, q* > 0 and χ₁ > 1 above, critical σ_w² = 1", () => {
    for (const w of [0.3, 0.7, 0.95]) {
      const p = C.propagation("tanh", w, 0)
      expect(p.qStar).toBe(0)
      expect(p.converged).toBe(true)
      expect(p.chi1).toBeCloseTo(w, 14)
      expect(p.cStar).toBe(1)
    }
    for (const w of [1.05, 1.5, 3]) {
      const p = C.propagation("tanh", w, 0)
      expect(p.qStar).toBeGreaterThan(0)
      expect(p.chi1).toBeGreaterThan(1)
      expect(p.cStar).toBeLessThan(1e-12) // odd φ, no bias: c* = 0
    }
    // Small-q expansion: q* ≈ (1 − 1/σ_w²)/2 just above the transition.
    const w = 1.001
    expect(C.propagation("tanh", w, 0).qStar / ((1 - 1 / w) / 2)).toBeCloseTo(1, 2)
    // χ₁ − 1 = O((σ_w² − 1)²) above 1, so the root is defined to ~√ε only.
    expect(Math.abs(C.criticalWeightVariance("tanh", 0) - 1)).toBeLessThan(1e-6)
  })

  it("σ_b² = 0.05: critical σ_w² in [1.6, 1.9] (paper: ≈ 1.76) with χ₁ = 1 to 1e-8", () => {
    const w = C.criticalWeightVariance("tanh", 0.05)
    expect(w).toBeGreaterThan(1.6)
    expect(w).toBeLessThan(1.9)
    const p = C.propagation("tanh", w, 0.05)
    expect(Math.abs(p.chi1 - 1)).toBeLessThan(1e-8)
    expect(p.xiC).toBeGreaterThan(1e5)
    // The critical σ_w² grows with σ_b² (the critical line of the phase diagram rises).
    expect(C.criticalWeightVariance("tanh", 0.2)).toBeGreaterThan(w)
  })

  it("ξ_c grows without bound towards the critical σ_w² from both sides", () => {
    const wc = C.criticalWeightVariance("tanh", 0.05)
    for (const side of [-1, 1]) {
      const xi = [0.3, 0.1, 0.03, 0.01, 0.001].map((d) => C.propagation("tanh", wc * (1 + side * d), 0.05).xiC)
      for (let i = 1; i < xi.length; i++) expect(xi[i]).toBeGreaterThan(xi[i - 1])
      expect(xi[xi.length - 1]).toBeGreaterThan(200)
      // Mean-field scaling ξ_c ∝ 1/|σ_w² − σ_c²| near the line: tenfold closer, ~tenfold longer.
      expect(xi[4] / xi[3]).toBeGreaterThan(7)
      expect(xi[4] / xi[3]).toBeLessThan(13)
    }
  })

  it("q* and c* are fixed points; χ₁ and χ_c are the slopes of the correlation map; V′(q*) = χ₁ + σ_w² E[φφ″]", () => {
    for (const [w, b] of [[1, 0.05], [1.5, 0.05], [2.5, 0.05], [3, 0.3], [1.2, 0.5]] as const) {
      const p = C.propagation("tanh", w, b)
      expect(p.converged).toBe(true)
      expect(C.lengthMap("tanh", w, b, p.qStar)).toBeCloseTo(p.qStar, 12)
      const map = C.correlationMap("tanh", w, b, p.qStar)
      expect(map.value(1)).toBeCloseTo(1, 11)
      expect(map.value(p.cStar)).toBeCloseTo(p.cStar, 11)
      // f′(1) from c slightly below 1 against χ₁.
      expect(slopeBelow(map.value, 1, 1e-4)).toBeCloseTo(p.chi1, 6)
      expect(map.slope(1)).toBeCloseTo(p.chi1, 10)
      if (p.cStar < 1) expect(central(map.value, p.cStar, 1e-4)).toBeCloseTo(p.chiC, 6)
      // Length-map slope by finite differences.
      expect(central((q) => C.lengthMap("tanh", w, b, q), p.qStar, 1e-5)).toBeCloseTo(p.lengthSlope, 7)
      expect(p.xiQ).toBeCloseTo(-1 / Math.log(p.lengthSlope), 12)
      expect(p.xiC).toBeCloseTo(-1 / Math.log(p.chiC), 12)
      // Ordered phase: c* = 1 and χ_c = χ₁; chaotic: c* < 1 and χ_c < 1 < χ₁.
      if (p.chi1 < 1) {
        expect(p.cStar).toBe(1)
        expect(p.chiC).toBe(p.chi1)
      } else {
        expect(p.cStar).toBeLessThan(1)
        expect(p.chiC).toBeLessThan(1)
      }
    }
  })

  it("the Mehler correlation map agrees with a 2-d Gauss–Hermite product rule", () => {
    const rule = Quadrature.hermite(150) // 80 nodes leave ~7e-11 at c = 0.95
    const q = 0.8
    const E = C.bivariate("tanh", q)
    for (const c of [0, 0.3, 0.7, 0.95]) {
      let s0 = 0
      let s1 = 0
      const s = Math.sqrt(1 - c * c)
      for (let i = 0; i < rule.nodes.length; i++) {
        for (let j = 0; j < rule.nodes.length; j++) {
          const u = Math.sqrt(q) * rule.nodes[i]
          const v = Math.sqrt(q) * (c * rule.nodes[i] + s * rule.nodes[j])
          const w = rule.weights[i] * rule.weights[j]
          s0 += w * Math.tanh(u) * Math.tanh(v)
          s1 += w * (1 - Math.tanh(u) ** 2) * (1 - Math.tanh(v) ** 2)
        }
      }
      const [e0, e1] = E(c)
      expect(e0).toBeCloseTo(s0, 12)
      expect(e1).toBeCloseTo(s1, 12)
    }
  })
})

describe("Criticality: erf closed forms", () => {
  const erf = Activation.get("erf")
  const curv = C.secondDerivative(erf)

  it("E[φ²] = (2/π)asin(2q/(1+2q)), E[φ′²] = (4/π)/√(1+4q), E[φφ″] = −(8/π)q/((1+2q)√(1+4q)) match quadrature", () => {
    for (const q of [0.01, 0.1, 0.5, 1, 2, 4]) {
      const m = C.moments("erf", q)
      expect(m.phi2).toBeCloseTo((2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)), 15)
      expect(m.slope2).toBeCloseTo(4 / Math.PI / Math.sqrt(1 + 4 * q), 15)
      expect(m.phi2).toBeCloseTo(C.gaussian((x) => erf.value(x) ** 2, q), 12)
      expect(m.slope2).toBeCloseTo(C.gaussian((x) => erf.slope(x) ** 2, q), 12)
      expect(m.phiCurv).toBeCloseTo(C.gaussian((x) => erf.value(x) * curv(x), q), 12)
      // The heat-equation identity d/dq E[φ²] = E[φ′²] + E[φφ″].
      const h = 1e-5
      const dq = (C.moments("erf", q + h).phi2 - C.moments("erf", q - h).phi2) / (2 * h)
      expect(dq).toBeCloseTo(m.slope2 + m.phiCurv, 8)
    }
  })

  it("φ″ of erf is the derivative of φ′ (finite differences)", () => {
    for (const x of [-1.3, -0.2, 0.4, 2]) expect(central(erf.slope, x, 1e-5)).toBeCloseTo(curv(x), 8)
  })

  it("has a critical line whose χ₁ is 1, and the c-map slope at 1 is χ₁", () => {
    const w = C.criticalWeightVariance("erf", 0.05)
    const p = C.propagation("erf", w, 0.05)
    expect(Math.abs(p.chi1 - 1)).toBeLessThan(1e-8)
    const chaotic = C.propagation("erf", 2 * w, 0.05)
    const map = C.correlationMap("erf", 2 * w, 0.05, chaotic.qStar)
    expect(slopeBelow(map.value, 1, 1e-4)).toBeCloseTo(chaotic.chi1, 6)
    expect(chaotic.cStar).toBeLessThan(1)
    expect(map.value(chaotic.cStar)).toBeCloseTo(chaotic.cStar, 12)
    // At σ_b² = 0, φ′(0)² = 4/π: the transition is at σ_w² = π/4.
    expect(Math.abs(C.criticalWeightVariance("erf", 0) - Math.PI / 4)).toBeLessThan(1e-6)
  })
})

describe("Criticality: second derivatives of the quadrature activations", () => {
  it("match finite differences of φ′", () => {
    for (const name of ["tanh", "sigmoid", "gelu", "silu", "softplus"] as const) {
      const act = Activation.get(name)
      const curv = C.secondDerivative(act)
      for (const x of [-2.1, -0.5, 0.3, 1.7]) expect(central(act.slope, x, 1e-5)).toBeCloseTo(curv(x), 7)
    }
  })
})

describe("Criticality: ReLU", () => {
  it("χ₁ = σ_w²/2 exactly, q* = σ_b²/(1 − σ_w²/2), and the critical σ_w² is 2", () => {
    for (const w of [0.5, 1, 1.5, 1.9]) {
      const p = C.propagation("relu", w, 0.1)
      expect(p.chi1).toBe(w / 2)
      expect(p.qStar).toBeCloseTo(0.1 / (1 - w / 2), 10)
      expect(p.cStar).toBe(1)
      expect(p.lengthSlope).toBe(w / 2)
    }
    expect(C.propagation("relu", 2.5, 0.1).converged).toBe(false)
    expect(Math.abs(C.criticalWeightVariance("relu", 0.1) - 2)).toBeLessThan(1e-12)
  })
})
