import { describe, expect, it } from "vitest"
import { ConfigError } from "../src/core/Errors.ts"
import * as Activation from "../src/models/ntk/Activation.ts"
import * as Dual from "../src/models/ntk/Dual.ts"
import * as Quadrature from "../src/models/ntk/Quadrature.ts"
import { assertClose } from "./support/assertClose.ts"

/**
 * Brute-force E[f(u)g(v)] by a tensor Gauss–Hermite rule in whitened coordinates,
 * u = √a z₁, v = √b (ρ z₁ + √(1−ρ²) z₂): an implementation independent of Dual's Mehler series.
 */
const rule = Quadrature.hermite(200)
const brute = (f: (x: number) => number, g: (x: number) => number, a: number, b: number, rho: number): number => {
  const { nodes, weights } = rule
  const s = Math.sqrt(Math.max(1 - rho * rho, 0))
  let total = 0
  for (let i = 0; i < nodes.length; i++) {
    if (weights[i] === 0) continue
    const fu = f(Math.sqrt(a) * nodes[i])
    let inner = 0
    for (let j = 0; j < nodes.length; j++) inner += weights[j] * g(Math.sqrt(b) * (rho * nodes[i] + s * nodes[j]))
    total += weights[i] * fu * inner
  }
  return total
}

const doubleFactorial = (k: number): number => (k <= 1 ? 1 : k * doubleFactorial(k - 2))

describe("Activation", () => {
  it("erf, erfc and Φ match reference values (CPython math.erf/erfc) and their identities", () => {
    const erfRef: Array<[number, number]> = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276]
    ]
    for (const [x, v] of erfRef) {
      assertClose(Activation.erf(x), v, { rtol: 1e-15 }, `erf(${x})`)
      assertClose(Activation.erf(-x), -v, { rtol: 1e-15 }, `erf(${-x})`)
    }
    assertClose(Activation.erfc(2), 0.004677734981047265, { rtol: 1e-14 }, "erfc(2)")
    assertClose(Activation.erfc(5), 1.5374597944280351e-12, { rtol: 1e-13 }, "erfc(5)")
    assertClose(Activation.erfc(10), 2.088487583762545e-45, { rtol: 1e-13 }, "erfc(10)")
    for (const x of [-3, -0.7, 0, 0.2, 1.49, 1.51, 4]) {
      assertClose(Activation.erf(x) + Activation.erfc(x), 1, { atol: 2e-16 }, `erf + erfc at ${x}`)
      assertClose(Activation.normalCdf(x) + Activation.normalCdf(-x), 1, { atol: 2e-16 }, `Φ(x) + Φ(−x) at ${x}`)
    }
    assertClose(Activation.normalCdf(1.959963984540054), 0.975, { rtol: 1e-14 }, "Φ(1.96)")
  })

  it.each(Activation.names)("%s: slope is the derivative of value (central differences)", (name) => {
    const act = Activation.get(name)
    const h = 1e-5
    for (const x of [-2.3, -0.4, 0.37, 1.1, 3]) {
      const fd = (act.value(x + h) - act.value(x - h)) / (2 * h)
      assertClose(act.slope(x), fd, { rtol: 1e-8, atol: 1e-9 }, `${name}′(${x})`)
    }
  })

  it("rejects an unknown activation with a ConfigError naming the field and the choices", () => {
    expect(() => Activation.get("swish")).toThrow(ConfigError)
    try {
      Activation.get("swish", "model.activation")
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).field).toBe("model.activation")
      expect((e as ConfigError).message).toContain("relu")
    }
  })
})

describe("Quadrature", () => {
  it("Gauss–Hermite integrates Gaussian moments exactly and E[cos z] = e^{−1/2}", () => {
    for (const n of [1, 4, 20, 150]) {
      const { nodes, weights } = Quadrature.hermite(n)
      for (let k = 0; k <= Math.min(2 * n - 1, 30); k += 1) {
        const m = nodes.reduce((s, z, i) => s + weights[i] * z ** k, 0)
        const exact = k % 2 === 1 ? 0 : doubleFactorial(k - 1)
        // odd moments cancel terms of size ~ k!!: the absolute tolerance scales with them
        assertClose(m, exact, { rtol: 1e-13, atol: 1e-14 * doubleFactorial(k) }, `E z^${k} (n = ${n})`)
      }
    }
    const { nodes, weights } = Quadrature.hermite(40)
    assertClose(nodes.reduce((s, z, i) => s + weights[i] * Math.cos(z), 0), Math.exp(-0.5), { rtol: 1e-15 }, "E cos z")
  })

  it("the half-normal rule integrates one-sided moments exactly", () => {
    // ∫₀^∞ z^k φ(z) dz = 2^{k/2} Γ((k+1)/2) / (2√π), built from Γ(1/2) = √π, Γ(1) = 1.
    const gamma = (x: number): number => (x === 0.5 ? Math.sqrt(Math.PI) : x === 1 ? 1 : (x - 1) * gamma(x - 1))
    for (const n of [1, 3, 30, 300]) {
      const { nodes, weights } = Quadrature.halfHermite(n)
      for (let k = 0; k <= Math.min(2 * n - 1, 25); k++) {
        const m = nodes.reduce((s, z, i) => s + weights[i] * z ** k, 0)
        assertClose(m, (2 ** (k / 2) * gamma((k + 1) / 2)) / (2 * Math.sqrt(Math.PI)), { rtol: 1e-13 }, `∫ z^${k} (n = ${n})`)
      }
      for (let i = 1; i < n; i++) expect(nodes[i]).toBeGreaterThan(nodes[i - 1])
    }
    expect(() => Quadrature.halfHermite(0)).toThrow(ConfigError)
    expect(() => Quadrature.hermite(1001)).toThrow(ConfigError)
  })
})

describe("Dual closed forms", () => {
  const grid: Array<[number, number, number]> = []
  for (const [a, b] of [[0.3, 0.3], [1, 2], [2.5, 0.7]]) for (const rho of [-0.95, -0.3, 0, 0.4, 0.9]) grid.push([a, b, rho])

  it("erf matches brute-force 2-d quadrature", () => {
    const act = Activation.get("erf")
    const out = new Float64Array(2)
    for (const [a, b, rho] of grid) {
      Dual.erf(a, b, rho * Math.sqrt(a * b), out)
      assertClose(out[0], brute(act.value, act.value, a, b, rho), { atol: 1e-12 }, `E erf erf (${a}, ${b}, ${rho})`)
      assertClose(out[1], brute(act.slope, act.slope, a, b, rho), { rtol: 1e-10 }, `E erf′ erf′ (${a}, ${b}, ${rho})`)
    }
  })

  it("relu matches brute-force 2-d quadrature (loosely: the kink slows the tensor rule)", () => {
    const act = Activation.get("relu")
    const out = new Float64Array(2)
    for (const [a, b, rho] of grid) {
      Dual.relu(a, b, rho * Math.sqrt(a * b), out)
      // scale: E relu(u)² = a/2; the tensor rule's own error near the kink is ~5e-4 of it
      assertClose(out[0], brute(act.value, act.value, a, b, rho), { atol: 2e-3 * Math.sqrt(a * b) }, `E relu relu (${a}, ${b}, ${rho})`)
    }
    // ρ = ±1 exactly: E relu² = a/2, E step² = 1/2, and the antipodal products vanish.
    Dual.relu(2, 2, 2, out)
    assertClose(Array.from(out), [1, 0.5], { rtol: 1e-15 }, "ρ = 1")
    Dual.relu(2, 2, -2, out)
    assertClose(Array.from(out), [0, 0], { atol: 1e-16 }, "ρ = −1")
  })

  it.each([["relu", Dual.relu], ["erf", Dual.erf], ["linear", Dual.linear]] as const)(
    "%s: E φ′φ′ = ∂E[φφ]/∂c (Price's theorem, central differences)",
    (_name, dual) => {
      const out = new Float64Array(2)
      const h = 1e-6
      for (const [a, b, rho] of grid) {
        const c = rho * Math.sqrt(a * b)
        dual(a, b, c + h, out)
        const up = out[0]
        dual(a, b, c - h, out)
        const down = out[0]
        dual(a, b, c, out)
        assertClose(out[1], (up - down) / (2 * h), { rtol: 1e-7, atol: 1e-9 }, `∂/∂c at (${a}, ${b}, ${rho})`)
      }
    }
  )
})

describe("Dual Hermite series (Gauss–Hermite quadrature)", () => {
  const variances = [0.05, 0.5, 1, 2, 4]
  const rhos = [-1, -0.999, -0.9, -0.5, 0, 0.3, 0.7, 0.95, 0.999999, 1]

  /** max over pairs and ρ of |series − reference| / √(E_i E_j), for E φφ and E φ′φ′. */
  const worst = (
    s: Dual.Series,
    reference: (a: number, b: number, rho: number, out: Float64Array) => void,
    keep: (rho: number) => boolean
  ): [number, number] => {
    const o = new Float64Array(2)
    const r = new Float64Array(2)
    const di = new Float64Array(2)
    const dj = new Float64Array(2)
    let e0 = 0
    let e1 = 0
    variances.forEach((a, i) =>
      variances.forEach((b, j) => {
        reference(a, a, 1, di)
        reference(b, b, 1, dj)
        for (const rho of rhos.filter(keep)) {
          Dual.mehler(s, i, j, rho, o)
          reference(a, b, rho, r)
          e0 = Math.max(e0, Math.abs(o[0] - r[0]) / Math.sqrt(di[0] * dj[0]))
          e1 = Math.max(e1, Math.abs(o[1] - r[1]) / Math.sqrt(di[1] * dj[1]))
        }
      })
    )
    return [e0, e1]
  }

  it("erf through the series agrees with the closed form to 1e-12 at every ρ", () => {
    const act = Activation.get("erf")
    const s = Dual.series(act, variances)
    expect(s.truncation).toBeLessThanOrEqual(Dual.defaultSeriesOptions.tolerance)
    const [e0, e1] = worst(s, (a, b, rho, out) => Dual.erf(a, b, rho * Math.sqrt(a * b), out), () => true)
    expect(e0).toBeLessThan(1e-12)
    expect(e1).toBeLessThan(1e-12)
  })

  it("relu through the series agrees with the closed form to 1e-12 for |ρ| ≤ 0.9, and within its reported bound at ρ = ±1", () => {
    const act = Activation.get("relu")
    const s = Dual.series(act, variances)
    const closed = (a: number, b: number, rho: number, out: Float64Array) => Dual.relu(a, b, rho * Math.sqrt(a * b), out)
    const [e0, e1] = worst(s, closed, (rho) => Math.abs(rho) <= 0.9)
    expect(e0).toBeLessThan(1e-12)
    expect(e1).toBeLessThan(1e-12)
    // The kink makes the series slow at ρ = ±1: the certificate must say so, and must hold.
    expect(s.terms).toBe(Dual.defaultSeriesOptions.maxTerms)
    expect(s.truncation).toBeGreaterThan(1e-6)
    const [f0, f1] = worst(s, closed, () => true)
    expect(f0).toBeLessThanOrEqual(s.truncation * (1 + 1e-9))
    expect(f1).toBeLessThanOrEqual(s.truncation * (1 + 1e-9))
  })

  it.each(["tanh", "gelu", "silu", "sigmoid", "softplus"])("%s through the series agrees with brute-force 2-d quadrature to 1e-9", (name) => {
    const act = Activation.get(name)
    const vs = [0.3, 1, 2]
    const s = Dual.series(act, vs)
    expect(s.truncation).toBeLessThanOrEqual(1e-12)
    const out = new Float64Array(2)
    for (let i = 0; i < vs.length; i++) {
      for (let j = 0; j <= i; j++) {
        const scale0 = Math.sqrt(brute(act.value, act.value, vs[i], vs[i], 1) * brute(act.value, act.value, vs[j], vs[j], 1))
        const scale1 = Math.sqrt(brute(act.slope, act.slope, vs[i], vs[i], 1) * brute(act.slope, act.slope, vs[j], vs[j], 1))
        for (const rho of [-0.8, 0, 0.5, 0.9]) {
          Dual.mehler(s, i, j, rho, out)
          assertClose(out[0], brute(act.value, act.value, vs[i], vs[j], rho), { atol: 1e-9 * scale0 }, `${name} E φφ (${vs[i]}, ${vs[j]}, ${rho})`)
          assertClose(out[1], brute(act.slope, act.slope, vs[i], vs[j], rho), { atol: 1e-9 * scale1 }, `${name} E φ′φ′ (${vs[i]}, ${vs[j]}, ${rho})`)
        }
      }
    }
  })

  it("shares one number of terms across points and reports a looser bound for a large variance", () => {
    const act = Activation.get("tanh")
    const small = Dual.series(act, [0.5, 1])
    const large = Dual.series(act, [0.5, 1, 8])
    expect(large.terms).toBeGreaterThan(small.terms)
    expect(large.value.length).toBe(3 * large.terms)
    expect(large.truncation).toBeGreaterThan(small.truncation)
    // equal variances give identical coefficient rows
    const twin = Dual.series(act, [1, 0.5, 1])
    expect(Array.from(twin.value.subarray(0, twin.terms))).toEqual(Array.from(twin.value.subarray(2 * twin.terms, 3 * twin.terms)))
  })
})
