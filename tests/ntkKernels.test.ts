import fc from "fast-check"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { ConfigError, DataError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as SymmetricEigen from "../src/linalg/SymmetricEigen.ts"
import type * as Arch from "../src/models/Arch.ts"
import * as Activation from "../src/models/ntk/Activation.ts"
import * as Kernels from "../src/models/ntk/Kernels.ts"
import * as Quadrature from "../src/models/ntk/Quadrature.ts"
import { assertClose } from "./support/assertClose.ts"

interface Case {
  readonly activation: string
  readonly depth: number
  readonly sw2: number
  readonly sb2: number
  readonly nngp: Array<Array<number>>
  readonly ntk: Array<Array<number>>
}
interface MonteCarloCase {
  readonly activation: string
  readonly depth: number
  readonly sw2: number
  readonly sb2: number
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/ntk.json", import.meta.url), "utf8")) as {
  readonly X: Array<Array<number>>
  readonly cases: ReadonlyArray<Case>
  readonly monteCarlo: ReadonlyArray<MonteCarloCase>
}

const specOf = (c: { readonly activation: string; readonly depth: number; readonly sw2: number; readonly sb2: number }): Kernels.Spec => ({
  depth: c.depth,
  activation: c.activation,
  wStd: Math.sqrt(c.sw2),
  bStd: Math.sqrt(c.sb2)
})

const randomPoints = (n: number, d: number, seed: number): Matrix.Matrix => {
  const rng = Random.make(seed)
  return Matrix.make(n, d, Float64Array.from({ length: n * d }, () => rng.normal()))
}

const diagOf = (M: Matrix.Matrix): Array<number> => Array.from({ length: M.rows }, (_, i) => M.data[i * M.cols + i])

const minEigenRatio = (M: Matrix.Matrix): number => {
  const { values } = SymmetricEigen.decompose(M)
  return values[0] / Math.max(...values.map(Math.abs))
}

const relFrobenius = (a: Float64Array, b: Float64Array): number => {
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2
    den += b[i] ** 2
  }
  return Math.sqrt(num / den)
}

describe("Kernels vs the reference fixture (closed forms)", () => {
  const X = Matrix.fromRows(fixture.X)
  it.each(fixture.cases.map((c) => [`${c.activation} depth ${c.depth} σw² ${c.sw2} σb² ${c.sb2}`, c] as const))("%s", (_name, c) => {
    const pair = Kernels.train(specOf(c), X)
    // rtol 1e-10 as the fixture states; the atol only guards entries that are zero up to rounding
    const scale = Math.max(...diagOf(Matrix.fromRows(c.ntk)))
    assertClose(pair.nngp.matrix.data, c.nngp, { rtol: 1e-10, atol: 1e-14 * scale }, "nngp")
    assertClose(pair.ntk.matrix.data, c.ntk, { rtol: 1e-10, atol: 1e-14 * scale }, "ntk")
    const diag = Kernels.diagonal(specOf(c), X)
    assertClose(diag.nngp, diagOf(Matrix.fromRows(c.nngp)), { rtol: 1e-10 }, "nngp diagonal")
    assertClose(diag.ntk, diagOf(Matrix.fromRows(c.ntk)), { rtol: 1e-10 }, "ntk diagonal")
  })
})

describe("Kernels: structure", () => {
  const X = randomPoints(12, 3, 5)
  const specs: ReadonlyArray<Kernels.Spec> = Activation.names.flatMap((activation) => [
    { depth: 1, activation, wStd: 1.3, bStd: 0.2 },
    { depth: 3, activation, wStd: 1.0, bStd: 0.5 }
  ])

  it.each(specs.map((s) => [`${s.activation} depth ${s.depth}`, s] as const))("%s: symmetric, PSD, Θ − K PSD, consistent blocks", (_n, spec) => {
    const pair = Kernels.train(spec, X)
    const n = X.rows
    for (const k of [pair.nngp, pair.ntk]) {
      expect(k.block).toBe("train")
      expect(k.arch).toBe(spec)
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(k.matrix.data[i * n + j]).toBe(k.matrix.data[j * n + i])
      expect(minEigenRatio(k.matrix)).toBeGreaterThan(-1e-12)
    }
    expect(pair.nngp.which).toBe("nngp")
    expect(pair.ntk.which).toBe("ntk")
    // Θ = K + σw² K̇ ⊙ Θ_prev: the difference is a Schur product of PSD matrices
    const diff = Matrix.make(n, n, pair.ntk.matrix.data.map((t, i) => t - pair.nngp.matrix.data[i]))
    expect(minEigenRatio(diff)).toBeGreaterThan(-1e-12)
    // cross(X, X) and the diagonal reproduce the train block
    const cross = Kernels.cross(spec, X, X)
    expect(cross.ntk.block).toBe("cross")
    assertClose(cross.nngp.matrix.data, pair.nngp.matrix.data, { rtol: 1e-14 }, "cross(X, X) nngp")
    assertClose(cross.ntk.matrix.data, pair.ntk.matrix.data, { rtol: 1e-14 }, "cross(X, X) ntk")
    const diag = Kernels.diagonal(spec, X)
    assertClose(diag.nngp, diagOf(pair.nngp.matrix), { rtol: 1e-14 }, "diagonal nngp")
    assertClose(diag.ntk, diagOf(pair.ntk.matrix), { rtol: 1e-14 }, "diagonal ntk")
    // a cross block of some rows equals those rows of the train block
    const rows = [3, 0, 7]
    const part = Kernels.cross(spec, Matrix.takeRows(X, rows), X)
    assertClose(part.ntk.matrix.data, rows.flatMap((r) => Array.from(Matrix.row(pair.ntk.matrix, r))), { rtol: 1e-14 }, "cross rows")
  })

  it("takes an Arch as it is (its width ignored) and handles empty inputs", () => {
    const base = { inputDim: 3, outputDim: 1, depth: 2, activation: "erf", wStd: 1.1, bStd: 0.4 } as const
    const narrow: Arch.Arch = { ...base, width: 8 }
    const wide: Arch.Arch = { ...base, width: 4096 }
    expect(Array.from(Kernels.train(narrow, X).ntk.matrix.data)).toEqual(Array.from(Kernels.train(wide, X).ntk.matrix.data))
    for (const activation of ["relu", "tanh"]) {
      const empty = Kernels.train({ ...narrow, activation: activation as Arch.Activation }, Matrix.make(0, 3))
      expect(empty.nngp.matrix.rows).toBe(0)
      expect(Kernels.cross({ ...narrow, activation: activation as Arch.Activation }, Matrix.make(0, 3), X).ntk.matrix.cols).toBe(X.rows)
    }
  })

  it("duplicate inputs give identical rows and correlation exactly 1", () => {
    const Xd = Matrix.fromRows([[0.3, -1.2], [1.5, 0.4], [0.3, -1.2]])
    for (const activation of ["relu", "erf", "tanh"]) {
      const { nngp, ntk } = Kernels.train({ depth: 3, activation, wStd: 1.4, bStd: 0.1 }, Xd)
      for (const M of [nngp.matrix, ntk.matrix]) {
        expect(Array.from(Matrix.row(M, 0))).toEqual(Array.from(Matrix.row(M, 2)))
        expect(M.data[2]).toBe(M.data[0])
      }
    }
  })

  it("is PSD with Θ − K PSD for random architectures (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("relu", "erf", "linear"),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0.3, max: 2.5, noNaN: true }),
        fc.double({ min: 0, max: 1.5, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        (activation, depth, wStd, bStd, seed) => {
          const Xr = randomPoints(10, 4, seed)
          const { nngp, ntk } = Kernels.train({ depth, activation, wStd, bStd }, Xr)
          expect(minEigenRatio(nngp.matrix)).toBeGreaterThan(-1e-11)
          const diff = Matrix.make(10, 10, ntk.matrix.data.map((t, i) => t - nngp.matrix.data[i]))
          expect(minEigenRatio(diff)).toBeGreaterThan(-1e-11)
        }
      ),
      { numRuns: 40, seed: 11 }
    )
  })

  it("rejects bad architectures and inputs with typed errors naming the culprit", () => {
    const field = (f: () => unknown): string | undefined => {
      try {
        f()
      } catch (e) {
        if (e instanceof ConfigError) return e.field
        throw e
      }
      return undefined
    }
    const ok: Kernels.Spec = { depth: 2, activation: "relu", wStd: 1, bStd: 0.1 }
    expect(field(() => Kernels.train({ ...ok, depth: 0 }, X))).toBe("arch.depth")
    expect(field(() => Kernels.train({ ...ok, depth: 1.5 }, X))).toBe("arch.depth")
    expect(field(() => Kernels.train({ ...ok, wStd: -1 }, X))).toBe("arch.wStd")
    expect(field(() => Kernels.train({ ...ok, bStd: -0.1 }, X))).toBe("arch.bStd")
    expect(field(() => Kernels.diagonal({ ...ok, activation: "swish" }, X))).toBe("arch.activation")
    expect(() => Kernels.train({ ...ok, inputDim: 4 }, X)).toThrow(DataError)
    expect(() => Kernels.cross(ok, randomPoints(2, 2, 1), X)).toThrow(DataError)
    expect(() => Kernels.train(ok, Matrix.fromRows([[1, NaN]]))).toThrow(DataError)
  })
})

/**
 * The generic (Hermite-series) path against an independent brute-force recursion: every layer's
 * E[φφ] and E[φ′φ′] by a 160 × 160 tensor Gauss–Hermite rule in whitened coordinates.
 */
describe("Kernels: quadrature activations vs a brute-force recursion", () => {
  const rule = Quadrature.hermite(160)
  const expectation = (f: (x: number) => number, g: (x: number) => number, a: number, b: number, c: number): number => {
    const rho = c / Math.sqrt(a * b)
    const s = Math.sqrt(Math.max(1 - rho * rho, 0))
    let total = 0
    for (let i = 0; i < rule.nodes.length; i++) {
      if (rule.weights[i] === 0) continue
      let inner = 0
      for (let j = 0; j < rule.nodes.length; j++) inner += rule.weights[j] * g(Math.sqrt(b) * (rho * rule.nodes[i] + s * rule.nodes[j]))
      total += rule.weights[i] * f(Math.sqrt(a) * rule.nodes[i]) * inner
    }
    return total
  }
  const brute = (spec: Kernels.Spec, X: Matrix.Matrix): { readonly K: Array<number>; readonly T: Array<number> } => {
    const act = Activation.get(spec.activation)
    const n = X.rows
    const d = X.cols
    const sw2 = spec.wStd ** 2
    const sb2 = spec.bStd ** 2
    let K = Array.from({ length: n * n }, (_, k) => {
      const i = Math.floor(k / n)
      const j = k % n
      let s = 0
      for (let t = 0; t < d; t++) s += X.data[i * d + t] * X.data[j * d + t]
      return (sw2 * s) / d + sb2
    })
    let T = K.slice()
    for (let l = 0; l < spec.depth; l++) {
      const q = Array.from({ length: n }, (_, i) => K[i * n + i])
      const Kn = K.map((c, k) => sw2 * expectation(act.value, act.value, q[Math.floor(k / n)], q[k % n], c) + sb2)
      T = T.map((t, k) => Kn[k] + sw2 * expectation(act.slope, act.slope, q[Math.floor(k / n)], q[k % n], K[k]) * t)
      K = Kn
    }
    return { K, T }
  }

  it.each(["tanh", "gelu", "silu"])("%s depth 2 agrees to 1e-9 and reports a tiny truncation bound", (activation) => {
    const X = randomPoints(4, 3, 21)
    const spec: Kernels.Spec = { depth: 2, activation, wStd: 1.2, bStd: 0.3 }
    const pair = Kernels.train(spec, X)
    const ref = brute(spec, X)
    const scale = Math.max(...ref.T)
    assertClose(pair.nngp.matrix.data, ref.K, { atol: 1e-9 * scale }, `${activation} nngp`)
    assertClose(pair.ntk.matrix.data, ref.T, { atol: 1e-9 * scale }, `${activation} ntk`)
    expect(pair.nngp.truncation).toBeLessThanOrEqual(1e-12)
    expect(pair.ntk.truncation).toBe(pair.nngp.truncation)
  })
})

/**
 * Monte Carlo against sampled finite nets in the same (NTK) parameterisation, plain float64:
 * h₁ = (σw/√d) W₁x + σb b₁, h_{l+1} = (σw/√n) W_{l+1} φ(h_l) + σb b_{l+1}, W, b ~ N(0, 1).
 */
describe("Kernels vs sampled finite nets (Monte Carlo)", () => {
  interface Net {
    /** Post-activations of every hidden layer, per input: acts[l][p] (width). */
    readonly pre: Array<Array<Float64Array>>
    readonly post: Array<Array<Float64Array>>
    readonly weights: Array<Float64Array>
    readonly widths: Array<number>
  }

  /** Forward pass of the hidden layers of one random net for all points. */
  const hidden = (X: Matrix.Matrix, spec: Kernels.Spec, width: number, rng: Random.Generator): Net => {
    const act = Activation.get(spec.activation)
    const widths = [X.cols, ...Array.from({ length: spec.depth }, () => width)]
    const pre: Array<Array<Float64Array>> = []
    const post: Array<Array<Float64Array>> = [Array.from({ length: X.rows }, (_, p) => Float64Array.from(Matrix.row(X, p)))]
    const weights: Array<Float64Array> = []
    for (let l = 0; l < spec.depth; l++) {
      const nin = widths[l]
      const W = Float64Array.from({ length: width * nin }, () => rng.normal())
      const b = Float64Array.from({ length: width }, () => rng.normal())
      weights.push(W)
      const scale = spec.wStd / Math.sqrt(nin)
      const h = post[l].map((a) => {
        const out = new Float64Array(width)
        for (let i = 0; i < width; i++) {
          let s = 0
          for (let j = 0; j < nin; j++) s += W[i * nin + j] * a[j]
          out[i] = scale * s + spec.bStd * b[i]
        }
        return out
      })
      pre.push(h)
      post.push(h.map((v) => v.map(act.value)))
    }
    return { pre, post, weights, widths }
  }

  /** Relative Frobenius error allowed: measured 0.01–0.03 (NNGP) and 0.02–0.04 (NTK) at these sizes. */
  const TOLERANCE = 0.06
  const points = Matrix.fromRows([[0.9, -0.3, 0.2], [-0.5, 1.1, 0.4], [0.1, 0.2, -1.3], [1.2, 0.8, 0.5], [-0.7, -0.6, 0.9]])
  const n = points.rows

  const nngpCases: Array<[string, MonteCarloCase]> = [
    ...fixture.monteCarlo.map((c): [string, MonteCarloCase] => [`${c.activation} depth ${c.depth}`, c]),
    ["tanh depth 2 (series path)", { activation: "tanh", depth: 2, sw2: 1.5, sb2: 0.1 }]
  ]
  it.each(nngpCases)("%s: NNGP = output covariance over random nets", (_name, c) => {
    const spec = specOf(c)
    const rng = Random.make(Random.derive(2024, `nngp/${c.activation}/${c.depth}`))
    const nets = 150
    const width = 128
    const outputs = 64
    const cov = new Float64Array(n * n)
    for (let r = 0; r < nets; r++) {
      const net = hidden(points, spec, width, rng)
      const last = net.post[spec.depth]
      // readout: `outputs` independent linear units on the last hidden layer
      for (let o = 0; o < outputs; o++) {
        const w = Float64Array.from({ length: width }, () => rng.normal())
        const b = rng.normal()
        const f = last.map((a) => {
          let s = 0
          for (let j = 0; j < width; j++) s += w[j] * a[j]
          return (spec.wStd / Math.sqrt(width)) * s + spec.bStd * b
        })
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] += (f[i] * f[j]) / (nets * outputs)
      }
    }
    const K = Kernels.train(spec, points).nngp.matrix.data
    const err = relFrobenius(cov, K)
    expect(err).toBeLessThan(TOLERANCE)
    // the check has power: a kernel one layer and some bias off fails it by far
    const wrong = Kernels.train({ ...spec, depth: spec.depth + 1, bStd: spec.bStd + 0.5 }, points).nngp.matrix.data
    expect(relFrobenius(cov, wrong)).toBeGreaterThan(2 * TOLERANCE)
  })

  it.each(fixture.monteCarlo.map((c) => [`${c.activation} depth ${c.depth}`, c] as const))("%s: NTK = empirical J·Jᵀ of wide random nets", (_name, c) => {
    const spec = specOf(c)
    const act = Activation.get(spec.activation)
    const rng = Random.make(Random.derive(2024, `ntk/${c.activation}/${c.depth}`))
    const width = 512
    const nets = 3
    const emp = new Float64Array(n * n)
    for (let r = 0; r < nets; r++) {
      const net = hidden(points, spec, width, rng)
      const wOut = Float64Array.from({ length: width }, () => rng.normal())
      // δ_l = ∂f/∂h_l by backprop, for every point
      const deltas: Array<Array<Float64Array>> = new Array(spec.depth)
      deltas[spec.depth - 1] = net.pre[spec.depth - 1].map((h) => h.map((v, i) => (spec.wStd / Math.sqrt(width)) * wOut[i] * act.slope(v)))
      for (let l = spec.depth - 2; l >= 0; l--) {
        const W = net.weights[l + 1]
        deltas[l] = net.pre[l].map((h, p) => {
          const up = deltas[l + 1][p]
          return h.map((v, j) => {
            let s = 0
            for (let i = 0; i < width; i++) s += W[i * width + j] * up[i]
            return (spec.wStd / Math.sqrt(width)) * s * act.slope(v)
          })
        })
      }
      const dotv = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i], 0)
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          // Σ over layers (hidden and readout) of (σw²⟨a, a′⟩/fan_in + σb²)·⟨δ, δ′⟩; the readout's δ is 1
          let t = (spec.wStd ** 2 * dotv(net.post[spec.depth][i], net.post[spec.depth][j])) / width + spec.bStd ** 2
          for (let l = 0; l < spec.depth; l++) {
            const fanIn = net.widths[l]
            t += ((spec.wStd ** 2 * dotv(net.post[l][i], net.post[l][j])) / fanIn + spec.bStd ** 2) * dotv(deltas[l][i], deltas[l][j])
          }
          emp[i * n + j] += t / nets
        }
      }
    }
    const T = Kernels.train(spec, points).ntk.matrix.data
    const err = relFrobenius(emp, T)
    expect(err).toBeLessThan(TOLERANCE)
    const wrong = Kernels.train({ ...spec, depth: spec.depth + 1, bStd: spec.bStd + 0.5 }, points).ntk.matrix.data
    expect(relFrobenius(emp, wrong)).toBeGreaterThan(2 * TOLERANCE)
  })
})
