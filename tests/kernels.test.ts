import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

/** Every family and composition, run through every invariant below. Values away from 1 on purpose. */
const allKernels: ReadonlyArray<readonly [string, Kernel.Kernel]> = [
  ["rbf", Kernel.rbf({ lengthScale: 0.7 })],
  ["rbf ARD", Kernel.rbf({ lengthScale: [0.6, 1.7] })],
  ["exponential", Kernel.exponential({ lengthScale: 0.9 })],
  ["matern 3/2", Kernel.matern({ nu: 1.5, lengthScale: 1.3 })],
  ["matern 5/2 ARD", Kernel.matern({ nu: 2.5, lengthScale: [0.8, 1.4] })],
  ["matern ν = 1.2 (Bessel)", Kernel.matern({ nu: 1.2, lengthScale: 0.8 })],
  ["matern ν = 0.3 (Bessel, ν < ½)", Kernel.matern({ nu: 0.3, lengthScale: 1.1 })],
  ["matern ν = 3 ARD (Bessel, integer ν)", Kernel.matern({ nu: 3, lengthScale: [0.7, 1.2] })],
  ["rational quadratic", Kernel.rationalQuadratic({ lengthScale: 0.9, alpha: 0.6 })],
  ["rational quadratic ARD", Kernel.rationalQuadratic({ lengthScale: [0.9, 1.6], alpha: 2.5 })],
  ["periodic", Kernel.periodic({ lengthScale: 1.1, period: 1.7 })],
  ["linear", Kernel.linear({ sigma0: 0.8 })],
  ["white", Kernel.white({ noise: 0.3 })],
  ["constant", Kernel.constant({ value: 2.5 })],
  ["C·RBF + White", Kernel.sum(Kernel.scale(Kernel.rbf({ lengthScale: 0.8 }), { amplitude: 1.7 }), Kernel.white({ noise: 0.05 }))],
  ["RBF·Periodic", Kernel.product(Kernel.rbf({ lengthScale: 1.5 }), Kernel.periodic({ lengthScale: 0.9, period: 2.2 }))],
  ["C·(Matern + Linear) + White", Kernel.sum(Kernel.scale(Kernel.sum(Kernel.matern({ nu: 1.5, lengthScale: 0.6 }), Kernel.linear({ sigma0: 0.4 })), { amplitude: 0.7 }), Kernel.white({ noise: 0.2 }))],
  ["RBF(fixed ℓ)·C + RQ", Kernel.sum(Kernel.product(Kernel.rbf({ lengthScale: 0.5, lengthScaleBounds: "fixed" }), Kernel.constant({ value: 1.9 })), Kernel.rationalQuadratic({ alpha: 1.3 }))]
]

const rng = Random.make(2024)
const n = 14
const d = 2
const X = Matrix.make(n, d, Float64Array.from({ length: n * d }, () => -1.5 + 3 * rng.uniform()))
const Y = Matrix.make(5, d, Float64Array.from({ length: 5 * d }, () => -1.5 + 3 * rng.uniform()))

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]))
  return m
}

describe.each(allKernels)("kernel invariants: %s", (_name, k) => {
  const K = Kernel.matrix(k, X)

  it("K(X, X) is symmetric", () => {
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(K.data[i * n + j]).toBe(K.data[j * n + i])
  })

  it("K(X, X) is positive semi-definite: Cholesky succeeds with at most 1e-8 relative jitter", () => {
    const { relativeJitter } = Cholesky.factorWithJitter(K, { initialJitter: 1e-10, maxJitter: 1e-8 })
    expect(relativeJitter).toBeLessThanOrEqual(1e-8)
  })

  it("diag equals the diagonal of K(X, X)", () => {
    assertClose(Kernel.diag(k, X), Array.from({ length: n }, (_, i) => K.data[i * n + i]), { rtol: 1e-14, atol: 1e-15 }, "diag")
  })

  it("K(X, Y) is the off-diagonal block of K over the stacked inputs (no noise between distinct points)", () => {
    const Z = Matrix.make(n + 5, d, Float64Array.from([...X.data, ...Y.data]))
    const KZ = Kernel.matrix(k, Z)
    const KXY = Kernel.matrix(k, X, Y)
    const block = Array.from({ length: n * 5 }, (_, t) => KZ.data[Math.floor(t / 5) * (n + 5) + n + (t % 5)])
    assertClose(KXY.data, block, { rtol: 1e-13, atol: 1e-14 }, "K(X, Y)")
  })

  it("analytic ∂K/∂log θ equals central finite differences", () => {
    const th = Kernel.theta(k)
    const grads = Kernel.gradients(k, X)
    expect(grads.length).toBe(th.length)
    const h = 1e-5
    const scale = maxAbs(K.data)
    th.forEach((_, j) => {
      const up = Float64Array.from(th)
      const down = Float64Array.from(th)
      up[j] += h
      down[j] -= h
      const Ku = Kernel.matrix(Kernel.withTheta(k, up), X).data
      const Kd = Kernel.matrix(Kernel.withTheta(k, down), X).data
      const fd = Ku.map((v, t) => (v - Kd[t]) / (2 * h))
      assertClose(grads[j].data, fd, { rtol: 1e-6, atol: 1e-8 * scale }, `∂K/∂log ${Kernel.names(k)[j]}`)
    })
  })

  it("contract(k, X, W) equals Σ W ∘ ∂K/∂log θ_j, for a non-symmetric W", () => {
    const W = Matrix.make(n, n, Float64Array.from({ length: n * n }, () => rng.normal()))
    const expected = Kernel.gradients(k, X).map((G) => G.data.reduce((s, g, t) => s + g * W.data[t], 0))
    assertClose(Kernel.contract(k, X, W), expected, { rtol: 1e-12, atol: 1e-12 }, "contract")
  })

  it("theta / withTheta round-trip, and names and bounds line up with theta", () => {
    const th = Kernel.theta(k)
    assertClose(Kernel.theta(Kernel.withTheta(k, th)), th, { rtol: 1e-15, atol: 1e-15 }, "theta round trip")
    assertClose(Kernel.matrix(Kernel.withTheta(k, th), X).data, K.data, { rtol: 1e-14, atol: 1e-15 }, "same matrix")
    const moved = th.map((t, j) => t + 0.1 * (j + 1))
    assertClose(Kernel.theta(Kernel.withTheta(k, moved)), moved, { rtol: 1e-14, atol: 1e-14 }, "theta after withTheta")
    const names = Kernel.names(k)
    expect(names.length).toBe(th.length)
    expect(new Set(names).size).toBe(names.length)
    const bounds = Kernel.bounds(k)
    expect(bounds.length).toBe(th.length)
    bounds.forEach(([lo, hi], j) => {
      expect(lo).toBeLessThanOrEqual(th[j])
      expect(hi).toBeGreaterThanOrEqual(th[j])
    })
  })
})

describe("kernel values and conventions", () => {
  const x = Matrix.fromRows([[0.3], [1.1], [-0.4]])
  const dist = (i: number, j: number): number => Math.abs(x.data[i] - x.data[j])

  it("families follow the documented closed forms", () => {
    const l = 0.8
    const cases: ReadonlyArray<readonly [Kernel.Kernel, (r: number) => number]> = [
      [Kernel.rbf({ lengthScale: l }), (r) => Math.exp(-(r * r) / (2 * l * l))],
      [Kernel.exponential({ lengthScale: l }), (r) => Math.exp(-r / l)],
      [Kernel.matern({ nu: 1.5, lengthScale: l }), (r) => (1 + (Math.sqrt(3) * r) / l) * Math.exp((-Math.sqrt(3) * r) / l)],
      [Kernel.matern({ nu: 2.5, lengthScale: l }), (r) => (1 + (Math.sqrt(5) * r) / l + (5 * r * r) / (3 * l * l)) * Math.exp((-Math.sqrt(5) * r) / l)],
      [Kernel.rationalQuadratic({ lengthScale: l, alpha: 1.7 }), (r) => Math.pow(1 + (r * r) / (2 * 1.7 * l * l), -1.7)],
      [Kernel.periodic({ lengthScale: l, period: 1.3 }), (r) => Math.exp((-2 * Math.sin((Math.PI * r) / 1.3) ** 2) / (l * l))]
    ]
    for (const [k, f] of cases) {
      const K = Kernel.matrix(k, x)
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assertClose(K.data[i * 3 + j], f(dist(i, j)), { rtol: 1e-14, atol: 1e-16 }, `${Kernel.describe(k)}[${i},${j}]`)
    }
    const lin = Kernel.matrix(Kernel.linear({ sigma0: 0.5 }), x)
    assertClose(lin.data[1], 0.25 + 0.3 * 1.1, { rtol: 1e-15 }, "linear")
  })

  it("the periodic kernel is the lecture's θ1·exp(−θ2·cos(d/θ3)) with θ2 = −1/ℓ² < 0, θ3 = p/(2π), θ1 = exp(−1/ℓ²)", () => {
    const l = 0.9
    const p = 2.3
    const K = Kernel.matrix(Kernel.periodic({ lengthScale: l, period: p }), x)
    const t1 = Math.exp(-1 / (l * l))
    const t2 = -1 / (l * l)
    const t3 = p / (2 * Math.PI)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assertClose(K.data[i * 3 + j], t1 * Math.exp(-t2 * Math.cos(dist(i, j) / t3)), { rtol: 1e-13 }, "lecture form")
  })

  it("periodic on d > 1 is the product over columns of 1-d periodic kernels", () => {
    const k = Kernel.periodic({ lengthScale: 0.7, period: 1.9 })
    const K = Kernel.matrix(k, X).data
    const K0 = Kernel.matrix(k, Matrix.make(n, 1, Float64Array.from({ length: n }, (_, i) => X.data[i * 2]))).data
    const K1 = Kernel.matrix(k, Matrix.make(n, 1, Float64Array.from({ length: n }, (_, i) => X.data[i * 2 + 1]))).data
    assertClose(K, K0.map((v, t) => v * K1[t]), { rtol: 1e-13 }, "product over columns")
  })

  it("white noise is on the diagonal of K(X) but absent from K(X, Y), even for Y = X", () => {
    const k = Kernel.white({ noise: 0.4 })
    assertClose(Kernel.matrix(k, x).data, [0.4, 0, 0, 0, 0.4, 0, 0, 0, 0.4], { atol: 0 }, "K(X)")
    assertClose(Kernel.matrix(k, x, x).data, new Array(9).fill(0), { atol: 0 }, "K(X, X) given twice")
  })

  it("sklearn's hyperparameter order and names for amplitude·k + white", () => {
    const withNoise = (base: Kernel.Kernel): Kernel.Kernel => Kernel.sum(Kernel.scale(base), Kernel.white())
    expect(Kernel.names(withNoise(Kernel.rbf()))).toEqual(["amplitude", "lengthScale", "noise"])
    expect(Kernel.names(withNoise(Kernel.rationalQuadratic()))).toEqual(["amplitude", "alpha", "lengthScale", "noise"])
    expect(Kernel.names(withNoise(Kernel.periodic()))).toEqual(["amplitude", "lengthScale", "period", "noise"])
    expect(Kernel.names(withNoise(Kernel.linear()))).toEqual(["amplitude", "sigma0", "noise"])
    expect(Kernel.names(Kernel.product(Kernel.rbf(), Kernel.periodic()))).toEqual(["lengthScale", "lengthScale_2", "period"])
    expect(Kernel.names(Kernel.rbf({ lengthScale: [1, 2] }))).toEqual(["lengthScale[0]", "lengthScale[1]"])
  })

  it("fixed hyperparameters leave theta, bounds and gradients", () => {
    const k = Kernel.sum(Kernel.rbf({ lengthScale: 0.5, lengthScaleBounds: "fixed" }), Kernel.white({ noise: 0.1 }))
    expect(Kernel.names(k)).toEqual(["noise"])
    expect(Kernel.gradients(k, X).length).toBe(1)
    expect(Kernel.hyperparameters(k).map((h) => h.name)).toEqual(["lengthScale", "noise"])
  })

  it("latent drops the White terms of sums", () => {
    const k = Kernel.sum(Kernel.scale(Kernel.rbf(), { amplitude: 2 }), Kernel.white({ noise: 0.3 }))
    assertClose(Kernel.diag(Kernel.latent(k), X), new Array(n).fill(2), { rtol: 1e-15 }, "latent diag")
    assertClose(Kernel.diag(Kernel.latent(Kernel.white({ noise: 0.3 })), X), new Array(n).fill(0), { atol: 0 }, "lone White")
  })

  it("bad hyperparameters and inputs fail with typed errors naming what to change", () => {
    expect(() => Kernel.rbf({ lengthScale: -1 })).toThrow(ConfigError)
    expect(() => Kernel.rbf({ lengthScale: 1, lengthScaleBounds: [1, 0.5] })).toThrow(/0 < lo < hi/)
    expect(() => Kernel.white({ noise: 1e6 })).toThrow(/outside its bounds/)
    expect(() => Kernel.matern({ nu: 0 })).toThrow(/ν must be finite and > 0/)
    expect(() => Kernel.matrix(Kernel.rbf({ lengthScale: [1, 2, 3] }), X)).toThrow(/3 ARD length-scales but the inputs have 2 columns/)
    expect(() => Kernel.matrix(Kernel.rbf(), X, x)).toThrow(DataError)
  })
})
