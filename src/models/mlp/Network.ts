/**
 * A fully-connected net held in tf.Variables, with its forward pass and a hand-written backward
 * pass (no tf.grad, no tf.layers).
 *
 * Conventions: float32. `weights[i]` is stored (fan_in, fan_out), i.e. Wᵢᵀ of PyTorch's (out, in)
 * layout, so layer i is the plain product zᵢ = hᵢ₋₁·weights[i] + bᵢ and hᵢ = φ(zᵢ) on hidden layers;
 * the readout is linear. `fromParams` and `toParams` convert from and to `Arch.Params` (float64,
 * (out, in)). Activations are row-major (batch, units).
 *
 * Why by hand: the wasm backend runs a matMul through XNNPACK only when neither transpose flag is
 * set; with transposeA or transposeB it falls back to a naive loop 10-40× slower, and tfjs's
 * autodiff of matMul takes that path for both gradients. The backward pass here only ever calls
 * plain products, with explicit `tf.transpose`s placed on the smaller operand: dWᵢ =
 * transpose(hᵢ₋₁)·G (a (batch, fan_in) transpose), dbᵢ = row sums of Gᵀ (tfjs reduces the last
 * axis only), and dhᵢ₋₁ = G·Wᵢᵀ computed as transpose(weights[i]·Gᵀ) when batch·(fan_in + fan_out)
 * < fan_in·fan_out (wide layers: a (fan_in, fan_out) transpose costs more than two activation
 * transposes), else as G·transpose(weights[i]). XNNPACK packs its right operand and caches the
 * packing by tensor id, so the forward product hᵢ₋₁·weights[i] repacks the weights after every
 * optimiser step; that packing (a third or more of the product at 2048×2048) is the price of one layout;
 * the alternative layout moves it to dh instead. `bench/mlp.ts` measures all of it.
 *
 * Activation derivatives: relu′(0) = 0 (PyTorch's), tanh′ = 1 − h², erf′ = 2/√π·e^{−z²},
 * GELU (exact, x·Φ(x))′ = Φ(z) + z·φ(z), SiLU′ = σ(z)(1 + z(1 − σ(z))).
 */
import * as tf from "@tensorflow/tfjs"
import type * as Arch from "../Arch.ts"
import * as Loss from "./Loss.ts"

export interface Network {
  readonly sizes: ReadonlyArray<number>
  readonly activation: Arch.Activation
  /** (sizes[i], sizes[i+1]): the transposes of PyTorch's weights. */
  readonly weights: ReadonlyArray<tf.Variable<tf.Rank.R2>>
  readonly biases: ReadonlyArray<tf.Variable<tf.Rank.R1>>
}

/** Gradients in the layout of the net's variables. */
export interface Gradients {
  readonly weights: ReadonlyArray<tf.Tensor2D>
  readonly biases: ReadonlyArray<tf.Tensor1D>
}

/** Builds a net's variables from float64 parameters (converted to float32). */
export const fromParams = (params: Arch.Params, activation: Arch.Activation): Network => {
  const { sizes } = params
  const weights: Array<tf.Variable<tf.Rank.R2>> = []
  const biases: Array<tf.Variable<tf.Rank.R1>> = []
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i]
    const fanOut = sizes[i + 1]
    const source = params.weights[i]
    const Wt = new Float32Array(fanIn * fanOut)
    for (let o = 0; o < fanOut; o++) for (let k = 0; k < fanIn; k++) Wt[k * fanOut + o] = source[o * fanIn + k]
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(Wt, [fanIn, fanOut]))))
    biases.push(tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from(params.biases[i])))))
  }
  return { sizes: [...sizes], activation, weights, biases }
}

/** Reads (fan_in, fan_out) float32 tensors back as float64 (fan_out, fan_in) arrays. */
export const readTransposed = (tensor: tf.Tensor2D): Float64Array => {
  const [fanIn, fanOut] = tensor.shape
  const data = tensor.dataSync()
  const out = new Float64Array(fanIn * fanOut)
  for (let k = 0; k < fanIn; k++) for (let o = 0; o < fanOut; o++) out[o * fanIn + k] = data[k * fanOut + o]
  return out
}

/** The net's current parameters, float64, PyTorch layout. */
export const toParams = (net: Network): Arch.Params => ({
  sizes: [...net.sizes],
  weights: net.weights.map(readTransposed),
  biases: net.biases.map((b) => Float64Array.from(b.dataSync()))
})

/** [W₀, b₀, W₁, b₁, …]: the order optimisers keep their state in. */
export const variables = (net: Network): Array<tf.Variable> => net.weights.flatMap((W, i) => [W, net.biases[i]])

/** [dW₀, db₀, dW₁, db₁, …], matching `variables`. */
export const flatten = (gradients: Gradients): Array<tf.Tensor> => gradients.weights.flatMap((dW, i) => [dW, gradients.biases[i]])

export const dispose = (net: Network): void => {
  for (const v of variables(net)) v.dispose()
}

const SQRT_2 = Math.SQRT2
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

const phi = (activation: Arch.Activation, z: tf.Tensor2D): tf.Tensor2D => {
  switch (activation) {
    case "relu":
      return tf.relu(z)
    case "tanh":
      return tf.tanh(z)
    case "erf":
      return tf.erf(z)
    case "gelu":
      return tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.div(z, SQRT_2)), 1)) as tf.Tensor2D
    case "silu":
      return tf.mul(z, tf.sigmoid(z))
    case "linear":
      return z
  }
}

/** φ′(z), given z and h = φ(z); undefined for the identity (multiplying by one is skipped). */
const slope = (activation: Arch.Activation, z: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D | undefined => {
  switch (activation) {
    case "relu":
      return tf.step(h)
    case "tanh":
      return tf.sub(1, tf.square(h)) as tf.Tensor2D
    case "erf":
      return tf.mul(tf.exp(tf.neg(tf.square(z))), TWO_OVER_SQRT_PI) as tf.Tensor2D
    case "gelu": {
      const Phi = tf.mul(tf.add(tf.erf(tf.div(z, SQRT_2)), 1), 0.5)
      return tf.add(Phi, tf.mul(z, tf.mul(tf.exp(tf.mul(tf.square(z), -0.5)), INV_SQRT_2PI))) as tf.Tensor2D
    }
    case "silu": {
      const s = tf.sigmoid(z)
      return tf.mul(s, tf.add(tf.mul(z, tf.sub(1, s)), 1)) as tf.Tensor2D
    }
    case "linear":
      return undefined
  }
}

const layer = (h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D => tf.add(tf.matMul(h, W), b)

/** The net's output (batch, sizes.at(−1)) for inputs `X` (batch, sizes[0]). Call inside `tf.tidy`. */
export const forward = (net: Network, X: tf.Tensor2D): tf.Tensor2D => {
  const last = net.weights.length - 1
  let h = X
  for (let i = 0; i < last; i++) h = phi(net.activation, layer(h, net.weights[i], net.biases[i]))
  return layer(h, net.weights[last], net.biases[last])
}

/** dhᵢ₋₁ = G·Wᵢᵀ with plain products only, transposing whichever operand is smaller (GT = Gᵀ). */
const inputGradient = (G: tf.Tensor2D, GT: tf.Tensor2D, W: tf.Tensor2D): tf.Tensor2D => {
  const batch = G.shape[0]
  const [fanIn, fanOut] = W.shape
  return batch * (fanIn + fanOut) < fanIn * fanOut
    ? (tf.transpose(tf.matMul(W, GT)) as tf.Tensor2D)
    : tf.matMul(G, tf.transpose(W))
}

/**
 * The mean loss on one batch and its gradient with respect to every parameter (backpropagation
 * written out layer by layer). `X`: (batch, sizes[0]); `target`: (batch, sizes.at(−1)), see
 * `Loss.target`. Call inside `tf.tidy`.
 */
export const lossAndGradients = (
  net: Network,
  X: tf.Tensor2D,
  target: tf.Tensor2D,
  loss: Loss.Kind
): { readonly loss: tf.Scalar; readonly gradients: Gradients } => {
  const L = net.weights.length
  const inputs: Array<tf.Tensor2D> = [X]
  const preActivations: Array<tf.Tensor2D> = []
  let h = X
  for (let i = 0; i < L; i++) {
    const z = layer(h, net.weights[i], net.biases[i])
    if (i === L - 1) {
      h = z
    } else {
      preActivations.push(z)
      h = phi(net.activation, z)
      inputs.push(h)
    }
  }
  const { loss: value, gradient } = Loss.valueAndGradient(loss, h, target)
  const dW: Array<tf.Tensor2D> = new Array(L)
  const db: Array<tf.Tensor1D> = new Array(L)
  let G = gradient
  for (let i = L - 1; i >= 0; i--) {
    // tfjs reduces the last axis only (other axes are transposed there first): sum Gᵀ by rows.
    const GT = tf.transpose(G)
    dW[i] = tf.matMul(tf.transpose(inputs[i]), G)
    db[i] = tf.sum(GT, 1)
    if (i > 0) {
      const dh = inputGradient(G, GT, net.weights[i])
      const s = slope(net.activation, preActivations[i - 1], inputs[i])
      G = s === undefined ? dh : (tf.mul(dh, s) as tf.Tensor2D)
    }
  }
  return { loss: value, gradients: { weights: dW, biases: db } }
}

/**
 * The net's outputs for all rows of `X` (n, sizes[0]), computed `chunk` rows at a time so a large
 * evaluation never holds more than one chunk's activations. Row-major (n, sizes.at(−1)) float32.
 */
export const outputs = (net: Network, X: tf.Tensor2D, chunk = 4096): Float32Array => {
  const [n] = X.shape
  const k = net.sizes[net.sizes.length - 1]
  const out = new Float32Array(n * k)
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start)
    const part = tf.tidy(() => forward(net, rows === n ? X : tf.slice(X, [start, 0], [rows, -1])))
    out.set(part.dataSync(), start * k)
    part.dispose()
  }
  return out
}
