/**
 * The empirical neural tangent kernel of one finite net, Θ̂(x, x′) = J(x)·J(x′)ᵀ, with J the
 * gradient of the net's output with respect to all its parameters, and its distance to the
 * analytic (infinite-width) Θ of `Kernels.ts`.
 *
 * Conventions: the net is given as `Arch.Params` (float64, PyTorch (out, in) layout) drawn in the
 * standard parameterisation W = (wStd/√fan_in)·ω, b = bStd·β with ω, β ~ N(0, 1) (Arch's
 * "ntk-matched" init). Θ̂ is taken with respect to (ω, β), the NTK parameterisation that
 * neural-tangents' `stax.Dense(W_std, b_std)` uses, so it converges to the analytic Θ as the
 * width grows (Jacot et al. 2018) and does not blow up with width as the gradient with respect
 * to W would. Per layer l with pre-activations zₗ = hₗ₋₁Wₗᵀ + bₗ and backpropagated
 * δₗ = ∂f/∂zₗ:
 *   ∂f/∂ωₗ = (wStd/√fan_inₗ)·δₗ ⊗ hₗ₋₁,   ∂f/∂βₗ = bStd·δₗ,
 * so, with no per-example Jacobian ever formed,
 *   Θ̂(X, X′) = Σₗ (wStd²/fan_inₗ)·(ΔₗΔ′ₗᵀ) ⊙ (Hₗ₋₁H′ₗ₋₁ᵀ) + bStd²·ΔₗΔ′ₗᵀ
 * where Δₗ stacks δₗ of each row of X. One output at a time (`output`, default 0): the analytic
 * Θ is the same for every output and zero between outputs. Float64 throughout, row-major.
 *
 * Cost: one forward and one backward pass of the rows through the net (2·Σ fan_in·fan_out per
 * row each) plus 2·n·n′·Σ (fan_in + fan_out) for the Gram products.
 *
 * Citation: Jacot, Gabriel, Hongler, "Neural Tangent Kernel", NeurIPS 2018 (arXiv:1806.07572);
 * Novak et al., "Fast Finite Width Neural Tangent Kernel", ICML 2022 (arXiv:2206.08720) §3.
 */
import { ConfigError } from "../../core/Errors.ts"
import * as Blas from "../../linalg/Blas.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import type * as Arch from "../Arch.ts"
import * as Activation from "./Activation.ts"

/** How the net's parameters scale: the (wStd, bStd) its weights were drawn with, and its nonlinearity. */
export interface Scaling {
  readonly activation: string
  readonly wStd: number
  readonly bStd: number
}

interface Pass {
  /** Inputs to each layer: H₀ = X, Hₗ = φ(Zₗ). */
  readonly inputs: ReadonlyArray<Matrix.Matrix>
  /** δₗ = ∂f_output/∂zₗ for each layer, (rows × fan_outₗ). */
  readonly deltas: ReadonlyArray<Matrix.Matrix>
}

const check = (params: Arch.Params, scaling: Scaling, X: Matrix.Matrix, output: number): Activation.Activation => {
  const layers = params.sizes.length - 1
  if (layers < 1) throw new ConfigError({ field: "params.sizes", message: `a net needs at least one layer, got sizes [${params.sizes.join(", ")}]` })
  if (X.cols !== params.sizes[0]) {
    throw new ConfigError({ field: "X", message: `the net takes ${params.sizes[0]} inputs, X has ${X.cols} columns` })
  }
  const outputs = params.sizes[layers]
  if (!Number.isInteger(output) || output < 0 || output >= outputs) {
    throw new ConfigError({ field: "output", message: `output ${output}: the net has outputs 0..${outputs - 1}` })
  }
  if (!(scaling.wStd > 0) || !Number.isFinite(scaling.wStd)) throw new ConfigError({ field: "wStd", message: `wStd ${scaling.wStd}: use a finite value > 0` })
  if (!(scaling.bStd >= 0) || !Number.isFinite(scaling.bStd)) throw new ConfigError({ field: "bStd", message: `bStd ${scaling.bStd}: use a finite value ≥ 0` })
  return Activation.get(scaling.activation, "activation")
}

/** Forward pass keeping each layer's input, then backward pass of output `output`. */
const pass = (params: Arch.Params, act: Activation.Activation, X: Matrix.Matrix, output: number): Pass => {
  const layers = params.sizes.length - 1
  const inputs: Array<Matrix.Matrix> = [X]
  const slopes: Array<Matrix.Matrix> = []
  for (let l = 0; l < layers - 1; l++) {
    const W = Matrix.make(params.sizes[l + 1], params.sizes[l], params.weights[l] as Float64Array)
    const Z = Blas.gemmNT(inputs[l], W)
    const b = params.biases[l]
    const H = Matrix.make(Z.rows, Z.cols)
    const S = Matrix.make(Z.rows, Z.cols)
    for (let i = 0; i < Z.rows; i++) {
      for (let j = 0; j < Z.cols; j++) {
        const z = Z.data[i * Z.cols + j] + b[j]
        H.data[i * Z.cols + j] = act.value(z)
        S.data[i * Z.cols + j] = act.slope(z)
      }
    }
    inputs.push(H)
    slopes.push(S)
  }
  // δ of the linear readout: ∂f_output/∂z = e_output for every row
  const deltas: Array<Matrix.Matrix> = new Array(layers)
  const top = Matrix.make(X.rows, params.sizes[layers])
  for (let i = 0; i < X.rows; i++) top.data[i * top.cols + output] = 1
  deltas[layers - 1] = top
  for (let l = layers - 2; l >= 0; l--) {
    const W = Matrix.make(params.sizes[l + 2], params.sizes[l + 1], params.weights[l + 1] as Float64Array)
    const D = Blas.gemm(deltas[l + 1], W) // (rows × fan_out of layer l)
    const S = slopes[l]
    for (let k = 0; k < D.data.length; k++) D.data[k] *= S.data[k]
    deltas[l] = D
  }
  return { inputs, deltas }
}

/**
 * Θ̂(X, X2) of one output of the net (X2 = X when absent: the symmetric train block), in the
 * NTK parameterisation (module comment). (X.rows × X2.rows).
 */
export const kernel = (params: Arch.Params, scaling: Scaling, X: Matrix.Matrix, X2?: Matrix.Matrix, output = 0): Matrix.Matrix => {
  const act = check(params, scaling, X, output)
  const a = pass(params, act, X, output)
  const b = X2 === undefined ? a : (check(params, scaling, X2, output), pass(params, act, X2, output))
  const n = X.rows
  const m = X2 === undefined ? n : X2.rows
  const layers = params.sizes.length - 1
  const sw2 = scaling.wStd * scaling.wStd
  const sb2 = scaling.bStd * scaling.bStd
  const theta = Matrix.make(n, m)
  for (let l = 0; l < layers; l++) {
    const inputGram = Blas.gemmNT(a.inputs[l], b.inputs[l])
    const scale = sw2 / params.sizes[l]
    if (l === layers - 1) {
      // the readout's δ is e_output for every row: its Gram matrix is all ones
      for (let k = 0; k < theta.data.length; k++) theta.data[k] += scale * inputGram.data[k] + sb2
      continue
    }
    const deltaGram = Blas.gemmNT(a.deltas[l], b.deltas[l])
    for (let k = 0; k < theta.data.length; k++) theta.data[k] += deltaGram.data[k] * (scale * inputGram.data[k] + sb2)
  }
  if (X2 === undefined) Blas.symmetrizeFromLower(theta.data, n)
  return theta
}

/** ‖A − B‖_F / ‖B‖_F: how far a kernel matrix A is from a reference B of the same shape. */
export const relativeDistance = (A: Matrix.Matrix, B: Matrix.Matrix): number => {
  if (A.rows !== B.rows || A.cols !== B.cols) {
    throw new ConfigError({ field: "kernel", message: `cannot compare a ${A.rows}×${A.cols} kernel with a ${B.rows}×${B.cols} one` })
  }
  let diff = 0
  let ref = 0
  for (let k = 0; k < A.data.length; k++) {
    const d = A.data[k] - B.data[k]
    diff += d * d
    ref += B.data[k] * B.data[k]
  }
  return Math.sqrt(diff / ref)
}
