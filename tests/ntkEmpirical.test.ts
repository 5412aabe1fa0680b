/**
 * The empirical NTK of a finite net: equal to J·Jᵀ from central finite differences of the net's
 * output with respect to its NTK-parameterised weights; symmetric PSD; and converging to the
 * analytic Θ as the width grows, with the Frobenius error shrinking like width^(−1/2).
 */
import { describe, expect, it } from "vitest"
import { ConfigError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as SymmetricEigen from "../src/linalg/SymmetricEigen.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Activation from "../src/models/ntk/Activation.ts"
import * as Empirical from "../src/models/ntk/Empirical.ts"
import * as Kernels from "../src/models/ntk/Kernels.ts"
import { assertClose } from "./support/assertClose.ts"
import { naiveProduct, randomMatrix } from "./support/matrices.ts"

const points = (n: number, d: number, seed: number): Matrix.Matrix => randomMatrix(Random.make(seed), n, d)

/** The net's output `output` at row x, straight from the definition (float64). */
const evaluate = (params: Arch.Params, activation: string, x: ArrayLike<number>, output: number): number => {
  const act = Activation.get(activation)
  let h = Array.from(x)
  const layers = params.sizes.length - 1
  for (let l = 0; l < layers; l++) {
    const fanIn = params.sizes[l]
    const fanOut = params.sizes[l + 1]
    const z = Array.from({ length: fanOut }, (_, o) => {
      let s = params.biases[l][o]
      for (let k = 0; k < fanIn; k++) s += params.weights[l][o * fanIn + k] * h[k]
      return s
    })
    h = l === layers - 1 ? z : z.map(act.value)
  }
  return h[output]
}

/** J with respect to (ω, β), W = wStd/√fan_in·ω and b = bStd·β, by central differences. */
const jacobian = (params: Arch.Params, scaling: Empirical.Scaling, X: Matrix.Matrix, output: number): Matrix.Matrix => {
  const columns: Array<Float64Array> = []
  const eps = 1e-5
  params.sizes.slice(0, -1).forEach((fanIn, l) => {
    for (const [array, scale] of [[params.weights[l], scaling.wStd / Math.sqrt(fanIn)], [params.biases[l], scaling.bStd]] as const) {
      for (let k = 0; k < array.length; k++) {
        const col = new Float64Array(X.rows)
        const saved = array[k]
        for (let i = 0; i < X.rows; i++) {
          const x = Matrix.row(X, i)
          array[k] = saved + eps * scale
          const up = evaluate(params, scaling.activation, x, output)
          array[k] = saved - eps * scale
          const down = evaluate(params, scaling.activation, x, output)
          col[i] = (up - down) / (2 * eps)
        }
        array[k] = saved
        columns.push(col)
      }
    }
  })
  const J = Matrix.make(X.rows, columns.length)
  columns.forEach((c, j) => c.forEach((v, i) => (J.data[i * columns.length + j] = v)))
  return J
}

/** A·Bᵀ by the reference loop. */
const gram = (A: Matrix.Matrix, B: Matrix.Matrix): Matrix.Matrix => naiveProduct(A, Matrix.transpose(B))

describe("Empirical.kernel", () => {
  for (const activation of ["tanh", "relu", "gelu"] as const) {
    it(`equals J·Jᵀ of the NTK-parameterised net (${activation}, depth 2, two outputs)`, () => {
      const arch: Arch.Arch = { inputDim: 3, outputDim: 2, width: 5, depth: 2, activation, wStd: 1.3, bStd: 0.4 }
      const params = Arch.initialize(arch, "ntk-matched", Random.make(7))
      const scaling = { activation, wStd: arch.wStd, bStd: arch.bStd }
      const X = points(4, 3, 1)
      const X2 = points(3, 3, 2)
      for (const output of [0, 1]) {
        const expected = gram(jacobian(params, scaling, X, output), jacobian(params, scaling, X2, output))
        assertClose(Empirical.kernel(params, scaling, X, X2, output).data, expected.data, { rtol: 1e-6, atol: 1e-8 }, `cross block, output ${output}`)
        const train = Empirical.kernel(params, scaling, X, undefined, output)
        assertClose(train.data, gram(jacobian(params, scaling, X, output), jacobian(params, scaling, X, output)).data, { rtol: 1e-6, atol: 1e-8 }, `train block, output ${output}`)
      }
    })
  }

  it("is symmetric positive semi-definite on a train block", () => {
    const arch: Arch.Arch = { inputDim: 4, outputDim: 1, width: 64, depth: 3, activation: "erf", wStd: 1.5, bStd: 0.2 }
    const params = Arch.initialize(arch, "ntk-matched", Random.make(3))
    const theta = Empirical.kernel(params, { activation: "erf", wStd: 1.5, bStd: 0.2 }, points(12, 4, 9))
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect(theta.data[i * 12 + j]).toBe(theta.data[j * 12 + i])
    const { values } = SymmetricEigen.decompose(theta)
    expect(Math.min(...values)).toBeGreaterThan(-1e-10 * Math.max(...values))
  })

  it("approaches the analytic Θ with width, the error falling like width^(−1/2)", () => {
    const X = points(8, 3, 4)
    const spec = { depth: 2, activation: "relu", wStd: 1.5, bStd: 0.5 }
    const analytic = Kernels.train(spec, X).ntk.matrix
    const meanDistance = (width: number) => {
      let total = 0
      const seeds = 6
      for (let s = 0; s < seeds; s++) {
        const params = Arch.initialize({ ...spec, activation: "relu", inputDim: 3, outputDim: 1, width }, "ntk-matched", Random.make(100 + s))
        total += Empirical.relativeDistance(Empirical.kernel(params, spec, X), analytic)
      }
      return total / seeds
    }
    const small = meanDistance(32)
    const large = meanDistance(1024)
    expect(large).toBeLessThan(0.1)
    // 32× the width: the error should shrink by about √32 ≈ 5.7
    const slope = Math.log(large / small) / Math.log(1024 / 32)
    expect(slope).toBeGreaterThan(-0.75)
    expect(slope).toBeLessThan(-0.3)
  })

  it("names what is wrong with bad input", () => {
    const params = Arch.initialize({ inputDim: 2, outputDim: 1, width: 3, depth: 1, activation: "relu", wStd: 1, bStd: 0 }, "ntk-matched", Random.make(1))
    const scaling = { activation: "relu", wStd: 1, bStd: 0 }
    expect(() => Empirical.kernel(params, scaling, points(2, 3, 1))).toThrow(ConfigError)
    expect(() => Empirical.kernel(params, scaling, points(2, 2, 1), undefined, 1)).toThrow(/output 1/)
    expect(() => Empirical.kernel(params, { ...scaling, wStd: -1 }, points(2, 2, 1))).toThrow(/wStd/)
    expect(() => Empirical.kernel(params, { ...scaling, activation: "swish" }, points(2, 2, 1))).toThrow(ConfigError)
  })
})
