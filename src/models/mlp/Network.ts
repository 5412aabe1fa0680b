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
 *
 * Hidden layer i is Linear → norm → φ → dropout (the readout is Linear only), PyTorch's modules:
 * - "layernorm" (nn.LayerNorm(width), Ba et al. arXiv:1607.06450): per row, x̂ = (z − mean)/√(var + ε)
 *   over the row's features, biased variance; u = γ·x̂ + β.
 * - "batchnorm" (nn.BatchNorm1d(width), Ioffe & Szegedy arXiv:1502.03167): in a training pass x̂
 *   uses the batch's mean and biased variance over rows, and the running statistics move once per
 *   pass, r_mean ← (1 − m)·r_mean + m·mean, r_var ← (1 − m)·r_var + m·var·n/(n − 1) (the unbiased
 *   variance; m = momentum, PyTorch's 0.1; they start at 0 and 1); at prediction (`forward`) x̂ =
 *   (z − r_mean)/√(r_var + ε). Hidden layers then have no bias (Linear(bias=False)): the batch mean
 *   cancels it. A training batch needs ≥ 2 rows.
 * Both backward passes are the standard one with the statistics' own derivatives:
 * dz = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = γ·du, means over the normalised axis (features
 * for layernorm, rows for batchnorm); dγ = Σ_rows du·x̂, dβ = Σ_rows du.
 * - Dropout with rate p (Srivastava et al., JMLR 15, 2014), inverted: in a training pass each hidden
 *   unit's output is kept with probability 1 − p and scaled by 1/(1 − p) (the mask is drawn by tfjs
 *   from the step's seed, layer i from seed + i); at prediction it is the identity.
 */
import * as tf from "@tensorflow/tfjs"
import type * as Arch from "../Arch.ts"
import * as Loss from "./Loss.ts"

export const norms = ["none", "layernorm", "batchnorm"] as const
export type Norm = (typeof norms)[number]

/** What sits between a hidden Linear and its activation, and dropout after it. */
export interface Structure {
  readonly norm: Norm
  /** ε under the normalisation's root (PyTorch's 1e-5). */
  readonly eps: number
  /** BatchNorm's running-statistics momentum m (PyTorch's 0.1). */
  readonly momentum: number
  /** Dropout rate p ∈ [0, 1) after each hidden activation; 0 = none. */
  readonly dropout: number
}

/** A plain MLP: no normalisation, no dropout. */
export const plain: Structure = { norm: "none", eps: 1e-5, momentum: 0.1, dropout: 0 }

/**
 * A net's parameters in float64, PyTorch's layout: `weights[i]` (out, in) row-major, `biases[i]`
 * undefined where the layer has none, `gammas`/`betas` one per hidden layer (empty without norm).
 */
export interface Layers {
  readonly sizes: ReadonlyArray<number>
  readonly weights: ReadonlyArray<Float64Array>
  readonly biases: ReadonlyArray<Float64Array | undefined>
  readonly gammas: ReadonlyArray<Float64Array>
  readonly betas: ReadonlyArray<Float64Array>
}

/** BatchNorm's running statistics per hidden layer, float64. */
export interface Running {
  readonly mean: Float64Array
  readonly variance: Float64Array
}

export interface Network {
  readonly sizes: ReadonlyArray<number>
  readonly activation: Arch.Activation
  readonly structure: Structure
  /** (sizes[i], sizes[i+1]): the transposes of PyTorch's weights. */
  readonly weights: ReadonlyArray<tf.Variable<tf.Rank.R2>>
  /** Undefined for a layer without bias (hidden layers under batchnorm). */
  readonly biases: ReadonlyArray<tf.Variable<tf.Rank.R1> | undefined>
  /** γ, β per hidden layer under layernorm or batchnorm; empty otherwise. */
  readonly gammas: ReadonlyArray<tf.Variable<tf.Rank.R1>>
  readonly betas: ReadonlyArray<tf.Variable<tf.Rank.R1>>
  /** BatchNorm's running mean and variance per hidden layer (not trained); empty otherwise. */
  readonly runningMeans: ReadonlyArray<tf.Variable<tf.Rank.R1>>
  readonly runningVars: ReadonlyArray<tf.Variable<tf.Rank.R1>>
}

/** Gradients in the layout of the net's variables. */
export interface Gradients {
  readonly weights: ReadonlyArray<tf.Tensor2D>
  readonly biases: ReadonlyArray<tf.Tensor1D | undefined>
  readonly gammas: ReadonlyArray<tf.Tensor1D>
  readonly betas: ReadonlyArray<tf.Tensor1D>
}

/**
 * The starting `Layers` of a net with `structure` from plain initial parameters: γ = 1, β = 0
 * (PyTorch's init), and under batchnorm the hidden layers' biases dropped.
 */
export const initialLayers = (params: Arch.Params, structure: Structure): Layers => {
  const hidden = params.sizes.slice(1, -1)
  const normed = structure.norm !== "none"
  const last = params.weights.length - 1
  return {
    sizes: params.sizes,
    weights: params.weights,
    biases: params.biases.map((b, i) => (structure.norm === "batchnorm" && i < last ? undefined : b)),
    gammas: normed ? hidden.map((w) => new Float64Array(w).fill(1)) : [],
    betas: normed ? hidden.map((w) => new Float64Array(w)) : []
  }
}

const vector = (v: ArrayLike<number>, trainable = true): tf.Variable<tf.Rank.R1> =>
  tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from(v)), trainable))

/** Builds a net's variables from float64 layers (converted to float32); fresh running statistics. */
export const fromLayers = (layers: Layers, activation: Arch.Activation, structure: Structure): Network => {
  const { sizes } = layers
  const hidden = sizes.length - 2
  const normed = structure.norm !== "none"
  if (normed && (layers.gammas.length !== hidden || layers.betas.length !== hidden)) {
    throw new Error(`Network.fromLayers: ${structure.norm} needs γ and β for each of the ${hidden} hidden layers, got ${layers.gammas.length} and ${layers.betas.length}`)
  }
  if (!(structure.dropout >= 0 && structure.dropout < 1)) throw new Error(`Network.fromLayers: dropout rate ${structure.dropout} is not in [0, 1)`)
  const weights: Array<tf.Variable<tf.Rank.R2>> = []
  const biases: Array<tf.Variable<tf.Rank.R1> | undefined> = []
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i]
    const fanOut = sizes[i + 1]
    const source = layers.weights[i]
    const Wt = new Float32Array(fanIn * fanOut)
    for (let o = 0; o < fanOut; o++) for (let k = 0; k < fanIn; k++) Wt[k * fanOut + o] = source[o * fanIn + k]
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(Wt, [fanIn, fanOut]))))
    const b = layers.biases[i]
    biases.push(b === undefined ? undefined : vector(b))
  }
  const batchnorm = structure.norm === "batchnorm"
  return {
    sizes: [...sizes],
    activation,
    structure,
    weights,
    biases,
    gammas: normed ? layers.gammas.map((g) => vector(g)) : [],
    betas: normed ? layers.betas.map((b) => vector(b)) : [],
    runningMeans: batchnorm ? sizes.slice(1, -1).map((w) => vector(new Float64Array(w), false)) : [],
    runningVars: batchnorm ? sizes.slice(1, -1).map((w) => vector(new Float64Array(w).fill(1), false)) : []
  }
}

/** Builds a net from plain float64 parameters: `fromLayers(initialLayers(params, structure), …)`. */
export const fromParams = (params: Arch.Params, activation: Arch.Activation, structure: Structure = plain): Network =>
  fromLayers(initialLayers(params, structure), activation, structure)

/** Reads (fan_in, fan_out) float32 tensors back as float64 (fan_out, fan_in) arrays. */
export const readTransposed = (tensor: tf.Tensor2D): Float64Array => {
  const [fanIn, fanOut] = tensor.shape
  const data = tensor.dataSync()
  const out = new Float64Array(fanIn * fanOut)
  for (let k = 0; k < fanIn; k++) for (let o = 0; o < fanOut; o++) out[o * fanIn + k] = data[k * fanOut + o]
  return out
}

const read = (v: tf.Tensor1D): Float64Array => Float64Array.from(v.dataSync())

/** The net's current parameters, float64, PyTorch layout. */
export const toLayers = (net: Network): Layers => ({
  sizes: [...net.sizes],
  weights: net.weights.map(readTransposed),
  biases: net.biases.map((b) => (b === undefined ? undefined : read(b))),
  gammas: net.gammas.map(read),
  betas: net.betas.map(read)
})

/** The current parameters of a plain net (no normalisation), float64, PyTorch layout. */
export const toParams = (net: Network): Arch.Params => {
  if (net.structure.norm !== "none") throw new Error(`Network.toParams: a ${net.structure.norm} net has γ, β beyond Arch.Params; use toLayers`)
  const layers = toLayers(net)
  return { sizes: layers.sizes, weights: layers.weights, biases: layers.biases.map((b, i) => b ?? new Float64Array(layers.sizes[i + 1])) }
}

/** BatchNorm's running statistics per hidden layer (empty without batchnorm). */
export const running = (net: Network): Array<Running> =>
  net.runningMeans.map((m, i) => ({ mean: read(m), variance: read(net.runningVars[i]) }))

/** [W₀, b₀, γ₀, β₀, W₁, …] (absent ones skipped): the order optimisers keep their state in. */
export const variables = (net: Network): Array<tf.Variable> =>
  net.weights.flatMap((W, i) => [W, net.biases[i], net.gammas[i], net.betas[i]].filter((v) => v !== undefined))

/** The gradients in the order of `variables`. */
export const flatten = (gradients: Gradients): Array<tf.Tensor> =>
  gradients.weights.flatMap((dW, i) => [dW, gradients.biases[i], gradients.gammas[i], gradients.betas[i]].filter((g) => g !== undefined))

/** Every variable the net holds, the running statistics included (what a snapshot must copy). */
export const state = (net: Network): Array<tf.Variable> => [...variables(net), ...net.runningMeans, ...net.runningVars]

export const dispose = (net: Network): void => {
  for (const v of state(net)) v.dispose()
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

const layer = (h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor2D => {
  const z: tf.Tensor2D = tf.matMul(h, W)
  return b === undefined ? z : (tf.add(z, b) as tf.Tensor2D)
}

/** The axis a norm averages over: features (1) for layernorm, rows (0) for batchnorm. */
const axisOf = (norm: Norm): number => (norm === "layernorm" ? 1 : 0)

/** (z − mean)/√(var + ε) over `axis` with the biased variance; also the mean, variance and 1/σ. */
const standardise = (z: tf.Tensor2D, axis: number, eps: number) => {
  const mean = tf.mean(z, axis, true)
  const centred = tf.sub(z, mean)
  const variance = tf.mean(tf.square(centred), axis, true)
  const rstd = tf.rsqrt(tf.add(variance, eps))
  return { xhat: tf.mul(centred, rstd) as tf.Tensor2D, mean, variance, rstd }
}

/** The net's output (batch, sizes.at(−1)) for inputs `X` (batch, sizes[0]) at prediction (eval mode). Call inside `tf.tidy`. */
export const forward = (net: Network, X: tf.Tensor2D): tf.Tensor2D => {
  const last = net.weights.length - 1
  const { norm, eps } = net.structure
  let h = X
  for (let i = 0; i < last; i++) {
    let u = layer(h, net.weights[i], net.biases[i])
    if (norm === "layernorm") u = standardise(u, 1, eps).xhat
    if (norm === "batchnorm") u = tf.mul(tf.sub(u, net.runningMeans[i]), tf.rsqrt(tf.add(net.runningVars[i], eps)))
    if (norm !== "none") u = tf.add(tf.mul(u, net.gammas[i]), net.betas[i])
    h = phi(net.activation, u)
  }
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

/** What a hidden layer's training pass keeps for its backward pass. */
interface Hidden {
  /** The pre-activation u (after the norm) and the activation φ(u). */
  readonly u: tf.Tensor2D
  readonly a: tf.Tensor2D
  /** Normalised x̂ and 1/σ (norm only). */
  readonly xhat?: tf.Tensor2D
  readonly rstd?: tf.Tensor
  /** Dropout's scaled keep-mask (dropout only). */
  readonly mask?: tf.Tensor2D
}

/** A hidden layer's training pass from its Linear output z; moves BatchNorm's running statistics. */
const hiddenTrain = (net: Network, i: number, z: tf.Tensor2D, seed: number | undefined): { readonly h: tf.Tensor2D; readonly cache: Hidden } => {
  const { norm, eps, momentum, dropout } = net.structure
  let u = z
  let xhat: tf.Tensor2D | undefined
  let rstd: tf.Tensor | undefined
  if (norm !== "none") {
    const s = standardise(z, axisOf(norm), eps)
    xhat = s.xhat
    rstd = s.rstd
    u = tf.add(tf.mul(xhat, net.gammas[i]), net.betas[i])
    if (norm === "batchnorm") {
      const n = z.shape[0]
      const rm = net.runningMeans[i], rv = net.runningVars[i]
      rm.assign(tf.add(tf.mul(rm, 1 - momentum), tf.mul(tf.reshape(s.mean, [-1]), momentum)))
      rv.assign(tf.add(tf.mul(rv, 1 - momentum), tf.mul(tf.reshape(s.variance, [-1]), (momentum * n) / (n - 1))))
    }
  }
  const a = phi(net.activation, u)
  if (dropout === 0) return { h: a, cache: { u, a, ...(xhat && rstd ? { xhat, rstd } : {}) } }
  if (seed === undefined) throw new Error("Network.lossAndGradients: a net with dropout needs a seed per training step")
  const keep = tf.greaterEqual(tf.randomUniform(a.shape, 0, 1, "float32", seed + i), dropout)
  const mask = tf.mul(tf.cast(keep, "float32"), 1 / (1 - dropout)) as tf.Tensor2D
  return { h: tf.mul(a, mask), cache: { u, a, mask, ...(xhat && rstd ? { xhat, rstd } : {}) } }
}

/** dL/dz of a hidden layer from dL/dh; dγ, dβ under a norm. */
const hiddenBackward = (net: Network, i: number, c: Hidden, dh: tf.Tensor2D): { readonly dz: tf.Tensor2D; readonly dgamma?: tf.Tensor1D; readonly dbeta?: tf.Tensor1D } => {
  const da: tf.Tensor2D = c.mask === undefined ? dh : tf.mul(dh, c.mask)
  const s = slope(net.activation, c.u, c.a)
  const du = s === undefined ? da : (tf.mul(da, s) as tf.Tensor2D)
  if (c.xhat === undefined || c.rstd === undefined) return { dz: du }
  const axis = axisOf(net.structure.norm)
  const dxhat = tf.mul(du, net.gammas[i])
  const dz = tf.mul(tf.sub(tf.sub(dxhat, tf.mean(dxhat, axis, true)), tf.mul(c.xhat, tf.mean(tf.mul(dxhat, c.xhat), axis, true))), c.rstd) as tf.Tensor2D
  return { dz, dgamma: tf.sum(tf.mul(du, c.xhat), 0) as tf.Tensor1D, dbeta: tf.sum(du, 0) as tf.Tensor1D }
}

/**
 * A training pass on one batch: the mean loss and its gradient with respect to every parameter
 * (backpropagation written out layer by layer). Batch statistics normalise under batchnorm, whose
 * running statistics move once (PyTorch's train-mode forward); dropout draws its masks from
 * `seed` (required when the net has dropout). `X`: (batch, sizes[0]); `target`: (batch,
 * sizes.at(−1)), see `Loss.target`. Call inside `tf.tidy`.
 */
export const lossAndGradients = (
  net: Network,
  X: tf.Tensor2D,
  target: tf.Tensor2D,
  loss: Loss.Kind,
  seed?: number
): { readonly loss: tf.Scalar; readonly gradients: Gradients } => {
  const L = net.weights.length
  if (net.structure.norm === "batchnorm" && X.shape[0] < 2) {
    throw new Error(`Network.lossAndGradients: batchnorm cannot train on a batch of ${X.shape[0]} row (its variance needs two)`)
  }
  const inputs: Array<tf.Tensor2D> = [X]
  const hidden: Array<Hidden> = []
  let h = X
  for (let i = 0; i < L; i++) {
    const z = layer(h, net.weights[i], net.biases[i])
    if (i === L - 1) {
      h = z
    } else {
      const step = hiddenTrain(net, i, z, seed)
      hidden.push(step.cache)
      h = step.h
      inputs.push(h)
    }
  }
  const { loss: value, gradient } = Loss.valueAndGradient(loss, h, target)
  const dW: Array<tf.Tensor2D> = new Array(L)
  const db: Array<tf.Tensor1D | undefined> = new Array(L)
  const dgamma: Array<tf.Tensor1D> = []
  const dbeta: Array<tf.Tensor1D> = []
  let G = gradient
  for (let i = L - 1; i >= 0; i--) {
    // tfjs reduces the last axis only (other axes are transposed there first): sum Gᵀ by rows.
    const GT = tf.transpose(G)
    dW[i] = tf.matMul(tf.transpose(inputs[i]), G)
    db[i] = net.biases[i] === undefined ? undefined : (tf.sum(GT, 1) as tf.Tensor1D)
    if (i > 0) {
      const back = hiddenBackward(net, i - 1, hidden[i - 1], inputGradient(G, GT, net.weights[i]))
      if (back.dgamma !== undefined && back.dbeta !== undefined) {
        dgamma[i - 1] = back.dgamma
        dbeta[i - 1] = back.dbeta
      }
      G = back.dz
    }
  }
  return { loss: value, gradients: { weights: dW, biases: db, gammas: dgamma, betas: dbeta } }
}

/**
 * The net's outputs at prediction for all rows of `X` (n, sizes[0]), computed `chunk` rows at a
 * time so a large evaluation never holds more than one chunk's activations. Row-major
 * (n, sizes.at(−1)) float32.
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
