/**
 * A plain fully-connected net (no norm, no dropout) in float32 on gpnn's own wasm GEMM
 * (`linalg/Sgemm.ts`): the same forward pass, hand-written backward pass, losses and optimisers as
 * `Network.ts` + `Loss.ts` + `Optimizer.ts` on tfjs, without tfjs. This is the "gpnn-wasm" engine
 * the MLP trains on when no native TensorFlow backend loaded (`Backend.ts`), where tfjs's wasm
 * backend spends most of a small net's step in per-op overhead and a wide net's in XNNPACK's
 * repacking of the weights.
 *
 * Conventions: float32 storage; products accumulated in float32 by the wasm kernel; losses,
 * activations and their derivatives computed in float64 and stored in float32; the optimisers'
 * updates in float32 op by op (`WasmUpdate.ts`). tfjs rounds after each op: results agree within
 * float32 tolerance, not bitwise. Row-major activations (rows, units); layer i's
 * weights W_i (fan_in, fan_out) as in `Network.ts` (the transpose of PyTorch's (out, in)), kept
 * twice: row-major, and panel-packed (panels of 8 output columns, each fan_in × 8 contiguous) for
 * the forward product's B operand; the optimiser writes both. Every leading dimension is padded
 * to a multiple of 8 (plus 16 floats on wide rows, so rows do not alias in the cache); the padding
 * of W and b stays zero (G's padding is written as zero, so dW's is too), and only real entries
 * are read back.
 *
 * The products of one training step (batch B, layer fan_in K, fan_out N), each one `Sgemm.gemm`
 * call with no transposed copy of anything large:
 *   forward   z = h·W + b (h = relu(z) fused for ReLU)   A = h (B × K), B = packed W
 *   weights   dW = hᵀ·G                                   A = hᵀ read through strides, B = packed G
 *   inputs    dhᵀ = W·Gᵀ                                  A = W row-major, B = packed Gᵀ (B × N, small)
 * and the next G = dh ⊙ φ′ is written straight into both packed layouts from dhᵀ. Losses,
 * activations, bias gradients and the clipping norm are JS loops over the real entries; the
 * optimiser step is one wasm SIMD sweep per variable.
 * Activation derivatives as `Network.ts`: relu′(0) = 0, tanh′ = 1 − h², erf′ = 2/√π·e^{−z²},
 * GELU′ = Φ(z) + z·φ(z), SiLU′ = σ(z)(1 + z(1 − σ(z))).
 *
 * When to use: `supports(structure)` says whether a net can run here; `make` a net, then per step
 * `lossAndGradients` and an `Optimizer32.step`. Gotchas: a net handles at most `capacity` rows
 * per pass (`outputs` and `evaluate` chunk larger sets); its memory is its own wasm memory
 * (shared, so that a helper thread can take half of its large products and optimiser sweeps, see
 * `linalg/WorkShare.ts`; results are bitwise those of one thread), freed with the net by the
 * garbage collector (nothing to dispose).
 */
import * as Sgemm from "../../linalg/Sgemm.ts"
import type * as Arch from "../Arch.ts"
import * as Activation from "../ntk/Activation.ts"
import * as WasmUpdate from "./WasmUpdate.ts"
import type * as Loss from "./Loss.ts"
import type * as Network from "./Network.ts"
import type * as Optimizer from "./Optimizer.ts"

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q

/** Leading dimension (floats) of rows of `cols` values: a multiple of 8, +16 on wide rows. */
const ld = (cols: number): number => {
  const c = roundUp(cols, Sgemm.NR)
  return c >= 64 ? c + 16 : c
}

/** One layer's storage: float offsets into the heap, and its shape. */
interface Layer {
  readonly K: number
  readonly N: number
  /** Rows of W padded to whole MR tiles. */
  readonly Kp: number
  /** Columns padded to whole panels. */
  readonly Np: number
  /** W row-major (Kp × ldw). */
  readonly ldw: number
  readonly w: number
  /** W panel-packed: panel q at wp + q·ps, entry (k, 8q + s) at + 8k + s. */
  readonly wp: number
  readonly ps: number
  readonly b: number
  readonly dw: number
  readonly db: number
  /** Optimiser state of W (m1, m2, laid out like W) and of b (mb1, mb2). */
  readonly m1: number
  readonly m2: number
  readonly mb1: number
  readonly mb2: number
  /** The layer's input activations (rows × ldIn): X for layer 0, the previous layer's h. */
  readonly input: number
  readonly ldIn: number
  /** Pre-activation z (rows × ldOut); equal to `h` where relu is fused or the activation is linear. */
  readonly z: number
  /** Output activation h = φ(z) (rows × ldOut); the net's output z for the last layer. */
  readonly h: number
  readonly ldOut: number
}

export interface WasmNet {
  readonly sizes: ReadonlyArray<number>
  readonly activation: Arch.Activation
  /** Most rows per forward/backward pass. */
  readonly capacity: number
  readonly kind: Sgemm.Kind
  /** @internal */
  readonly ws: Sgemm.Workspace
  /** @internal */
  readonly layers: ReadonlyArray<Layer>
  /** @internal The optimisers' update sweep on this net's memory. */
  readonly update: WasmUpdate.UpdateFn
  /** @internal Packed G (panels of 8 columns, each capacity × 8) and packed Gᵀ, and dhᵀ. */
  readonly g: { readonly gp: number; readonly gps: number; readonly gt: number; readonly gts: number; readonly dht: number; readonly ldt: number }
}

/** Whether a net with this structure can run on this engine here (plain nets, SIMD present). */
export const supports = (structure: Network.Structure): boolean =>
  structure.norm === "none" && structure.dropout === 0 && Sgemm.available()

/**
 * A net holding float32 copies of `params` (PyTorch layout, float64), for passes of up to
 * `capacity` rows. `fused` (default: unless GPNN_WASM_FMA=0) picks the relaxed-SIMD kernel where
 * it validates. Undefined where wasm SIMD is missing or the memory cannot be had.
 */
export const make = (params: Arch.Params, activation: Arch.Activation, capacity: number, fused?: boolean): WasmNet | undefined => {
  const { sizes } = params
  const L = sizes.length - 1
  const cap = roundUp(Math.max(1, capacity), Sgemm.NR)
  let top = 16 // floats; offset 0 stays unused
  const alloc = (floats: number): number => {
    const at = top
    top += roundUp(floats, 16) + 16
    return at
  }
  const input = alloc(cap * ld(sizes[0]))
  const layers: Array<Layer> = []
  let previous = { at: input, ld: ld(sizes[0]) }
  let maxKp = 0
  let maxN = 0
  for (let i = 0; i < L; i++) {
    const K = sizes[i], N = sizes[i + 1]
    const Kp = roundUp(K, Sgemm.MR), Np = roundUp(N, Sgemm.NR), ldw = ld(N)
    const ps = 8 * K + 16
    const ldOut = ld(N)
    const last = i === L - 1
    const h = alloc(cap * ldOut)
    const separateZ = !last && activation !== "relu" && activation !== "linear"
    layers.push({
      K, N, Kp, Np, ldw, ps,
      w: alloc(Kp * ldw),
      wp: alloc((Np / 8) * ps),
      b: alloc(Np),
      dw: alloc(Kp * ldw),
      db: alloc(Np),
      m1: alloc(K * ldw),
      m2: alloc(K * ldw),
      mb1: alloc(Np),
      mb2: alloc(Np),
      input: previous.at,
      ldIn: previous.ld,
      z: separateZ ? alloc(cap * ldOut) : h,
      h,
      ldOut
    })
    previous = { at: h, ld: ldOut }
    maxKp = Math.max(maxKp, Kp)
    maxN = Math.max(maxN, Np)
  }
  const gps = 8 * cap + 16
  const gts = 8 * maxN + 16
  const ldt = ld(cap)
  const g = { gp: alloc((maxN / 8) * gps), gps, gt: alloc((cap / 8) * gts), gts, dht: alloc(maxKp * ldt), ldt }
  const ws = Sgemm.make(4 * top, fused)
  const update = ws && WasmUpdate.bind(ws.memory)
  if (ws === undefined || update === undefined) return undefined
  const net: WasmNet = { sizes: [...sizes], activation, capacity: cap, kind: ws.kind, ws, update, layers, g }
  setParams(net, params)
  return net
}

/** Overwrites the net's weights and biases (PyTorch layout, float64) and their packed copies. */
export const setParams = (net: WasmNet, params: Arch.Params): void => {
  const heap = net.ws.heap
  net.layers.forEach((l, i) => {
    const source = params.weights[i]
    for (let k = 0; k < l.K; k++) for (let o = 0; o < l.N; o++) heap[l.w + k * l.ldw + o] = source[o * l.K + k]
    pack(net, l)
    const b = params.biases[i]
    for (let o = 0; o < l.N; o++) heap[l.b + o] = b[o]
  })
}

/** Copies W (row-major) into its packed panels. */
const pack = (net: WasmNet, l: Layer): void => {
  const heap = net.ws.heap
  for (let k = 0; k < l.K; k++) {
    const row = l.w + k * l.ldw
    for (let o = 0; o < l.N; o++) heap[l.wp + (o >> 3) * l.ps + 8 * k + (o & 7)] = heap[row + o]
  }
}

/** The net's parameters, float64, PyTorch layout. */
export const toParams = (net: WasmNet): Arch.Params => {
  const heap = net.ws.heap
  return {
    sizes: [...net.sizes],
    weights: net.layers.map((l) => {
      const out = new Float64Array(l.N * l.K)
      for (let k = 0; k < l.K; k++) for (let o = 0; o < l.N; o++) out[o * l.K + k] = heap[l.w + k * l.ldw + o]
      return out
    }),
    biases: net.layers.map((l) => Float64Array.from(heap.subarray(l.b, l.b + l.N)))
  }
}

/** The gradients of the last `lossAndGradients`, float64, in `Network.Layers`' layout. */
export const gradients = (net: WasmNet): Network.Layers => {
  const heap = net.ws.heap
  return {
    sizes: [...net.sizes],
    weights: net.layers.map((l) => {
      const out = new Float64Array(l.N * l.K)
      for (let k = 0; k < l.K; k++) for (let o = 0; o < l.N; o++) out[o * l.K + k] = heap[l.dw + k * l.ldw + o]
      return out
    }),
    biases: net.layers.map((l) => Float64Array.from(heap.subarray(l.db, l.db + l.N))),
    gammas: [],
    betas: []
  }
}

// ---- forward ---------------------------------------------------------------------------------

const SQRT_HALF = Math.SQRT1_2
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

const phi = (activation: Arch.Activation, z: number): number => {
  switch (activation) {
    case "relu":
      return z > 0 ? z : 0
    case "tanh":
      return Math.tanh(z)
    case "erf":
      return Activation.erf(z)
    case "gelu":
      return 0.5 * z * (1 + Activation.erf(z * SQRT_HALF))
    case "silu":
      return z * sigmoid(z)
    case "linear":
      return z
  }
}

/** φ′ from z and h = φ(z). */
const slope = (activation: Arch.Activation, z: number, h: number): number => {
  switch (activation) {
    case "relu":
      return h > 0 ? 1 : 0
    case "tanh":
      return 1 - h * h
    case "erf":
      return TWO_OVER_SQRT_PI * Math.exp(-z * z)
    case "gelu":
      return 0.5 * (1 + Activation.erf(z * SQRT_HALF)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z)
    case "silu": {
      const s = sigmoid(z)
      return s * (1 + z * (1 - s))
    }
    case "linear":
      return 1
  }
}

/** Copies `rows` rows of X (cols = sizes[0], row-major) — rows `index[r]`, or first + r — into the input buffer. */
const loadInputs = (net: WasmNet, X: Float32Array, rows: number, index: ArrayLike<number> | undefined, first: number): void => {
  const heap = net.ws.heap
  const d = net.sizes[0]
  const l0 = net.layers[0]
  for (let r = 0; r < rows; r++) {
    const src = (index === undefined ? first + r : index[r]) * d
    heap.set(X.subarray(src, src + d), l0.input + r * l0.ldIn)
  }
}

/** The forward pass over the `rows` rows in the input buffer; the output is at the last layer's `h`. */
const forwardRows = (net: WasmNet, rows: number): void => {
  const { ws, layers, activation } = net
  const heap = ws.heap
  const m = roundUp(rows, Sgemm.MR)
  const L = layers.length
  for (let i = 0; i < L; i++) {
    const l = layers[i]
    const last = i === L - 1
    const fuse = !last && activation === "relu"
    Sgemm.gemm(ws, {
      m, n: l.Np, k: l.K,
      a: 4 * l.input, ars: 4 * l.ldIn, aks: 4,
      b: 4 * l.wp, ldb: 32, bjs: 4 * l.ps,
      c: 4 * l.z, ldc: 4 * l.ldOut, cjs: 32,
      flags: Sgemm.BIAS | (fuse ? Sgemm.RELU : 0), bias: 4 * l.b
    })
    if (!last && l.z !== l.h) {
      for (let r = 0; r < rows; r++) {
        const row = r * l.ldOut
        for (let o = 0; o < l.N; o++) heap[l.h + row + o] = phi(activation, heap[l.z + row + o])
      }
    }
  }
}

// ---- loss and backward -------------------------------------------------------------------------

/** Training data for the engine: X (n × sizes[0]) and targets (n × outputs, `Loss.target`'s rows), float32. */
export interface Data {
  readonly X: Float32Array
  readonly target: Float32Array
  readonly rows: number
}

/** `Data` from float64 inputs (n × d, row-major) and `Loss.target`-style targets. */
export const data = (X: ArrayLike<number>, rows: number, loss: Loss.Kind, y: ArrayLike<number>, outputs: number): Data => {
  const target = new Float32Array(rows * outputs)
  if (loss === "mse") for (let q = 0; q < rows * outputs; q++) target[q] = y[q]
  else for (let i = 0; i < rows; i++) target[i * outputs + y[i]] = 1
  return { X: Float32Array.from(X), target, rows }
}

/**
 * The mean loss of the output rows against targets rows (index[r] or first + r), and, with `G`,
 * dLoss/dOut written as the backward pass's packed G, packed Gᵀ and the last bias gradient.
 */
const lossOf = (net: WasmNet, kind: Loss.Kind, target: Float32Array, rows: number, index: ArrayLike<number> | undefined, first: number, withGradient: boolean): number => {
  const heap = net.ws.heap
  const l = net.layers[net.layers.length - 1]
  const k = l.N
  const { gp, gps, gt, gts } = net.g
  let total = 0
  if (withGradient) heap.fill(0, l.db, l.db + k)
  for (let r = 0; r < rows; r++) {
    const out = l.h + r * l.ldOut
    const t = (index === undefined ? first + r : index[r]) * k
    if (kind === "mse") {
      const scale = 2 / (rows * k)
      for (let o = 0; o < k; o++) {
        const diff = heap[out + o] - target[t + o]
        total += diff * diff
        if (withGradient) writeG(heap, gp, gps, gt, gts, l.db, r, o, scale * diff)
      }
    } else {
      let max = -Infinity
      for (let o = 0; o < k; o++) max = Math.max(max, heap[out + o])
      let sum = 0
      for (let o = 0; o < k; o++) sum += Math.exp(heap[out + o] - max)
      const logZ = max + Math.log(sum)
      for (let o = 0; o < k; o++) {
        const logp = heap[out + o] - logZ
        total -= target[t + o] * logp
        if (withGradient) writeG(heap, gp, gps, gt, gts, l.db, r, o, (Math.exp(logp) - target[t + o]) / rows)
      }
    }
  }
  if (withGradient) zeroPadding(heap, gp, gps, rows, k, l.Np)
  return kind === "mse" ? total / (rows * k) : total / rows
}

/** Zeroes columns [N, Np) of the packed G's first `rows` rows (so dW's padding stays zero). */
const zeroPadding = (heap: Float32Array, gp: number, gps: number, rows: number, N: number, Np: number): void => {
  for (let o = N; o < Np; o++) for (let r = 0; r < rows; r++) heap[gp + (o >> 3) * gps + 8 * r + (o & 7)] = 0
}

/** G[r, o] = v into packed G, packed Gᵀ, and the bias gradient's column sum. */
const writeG = (heap: Float32Array, gp: number, gps: number, gt: number, gts: number, db: number, r: number, o: number, v: number): void => {
  heap[gp + (o >> 3) * gps + 8 * r + (o & 7)] = v
  heap[gt + (r >> 3) * gts + 8 * o + (r & 7)] = v
  heap[db + o] += v
}

/** The backward pass from the G the loss wrote: dW and db of every layer. */
const backward = (net: WasmNet, rows: number): void => {
  const { ws, layers, activation } = net
  const heap = ws.heap
  const { gp, gps, gt, gts, dht, ldt } = net.g
  const nRows = roundUp(rows, Sgemm.NR)
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]
    // dW = hᵀ·G: A(k, r) = h[r, k] at input + r·ldIn + k
    Sgemm.gemm(ws, {
      m: l.Kp, n: l.Np, k: rows,
      a: 4 * l.input, ars: 4, aks: 4 * l.ldIn,
      b: 4 * gp, ldb: 32, bjs: 4 * gps,
      c: 4 * l.dw, ldc: 4 * l.ldw, cjs: 32
    })
    if (i === 0) break
    // dhᵀ = W·Gᵀ (K × rows), then G_prev = dh ⊙ φ′ of the layer below
    Sgemm.gemm(ws, {
      m: l.Kp, n: nRows, k: l.N,
      a: 4 * l.w, ars: 4 * l.ldw, aks: 4,
      b: 4 * gt, ldb: 32, bjs: 4 * gts,
      c: 4 * dht, ldc: 4 * ldt, cjs: 32
    })
    const below = layers[i - 1]
    heap.fill(0, below.db, below.db + below.N)
    const relu = activation === "relu"
    for (let c = 0; c < l.K; c++) {
      const from = dht + c * ldt
      const toG = gp + (c >> 3) * gps + (c & 7)
      const toT = gt + 8 * c
      let bias = 0
      for (let r = 0; r < rows; r++) {
        const at = r * below.ldOut + c
        // relu′ is the sign of h: no call per entry on the common path
        const v = relu ? (heap[below.h + at] > 0 ? heap[from + r] : 0) : heap[from + r] * slope(activation, heap[below.z + at], heap[below.h + at])
        heap[toG + 8 * r] = v
        heap[toT + (r >> 3) * gts + (r & 7)] = v
        bias += v
      }
      heap[below.db + c] = bias
    }
    zeroPadding(heap, gp, gps, rows, below.N, below.Np)
  }
}

/**
 * A training pass on the rows `index` of `data` (at most `capacity`): the mean loss, with the
 * gradients of every weight and bias left in the net for `Optimizer32.step` (or `gradients`).
 */
export const lossAndGradients = (net: WasmNet, d: Data, index: ArrayLike<number>, loss: Loss.Kind): number => {
  const rows = index.length
  if (rows < 1 || rows > net.capacity) throw new Error(`WasmNetwork.lossAndGradients: a batch of ${rows} rows, the net takes 1 to ${net.capacity}`)
  loadInputs(net, d.X, rows, index, 0)
  forwardRows(net, rows)
  const value = lossOf(net, loss, d.target, rows, index, 0, true)
  backward(net, rows)
  return value
}

/** The mean loss (prediction mode) over all of `d`, `capacity` rows at a time. */
export const evaluate = (net: WasmNet, d: Data, loss: Loss.Kind): number => {
  let total = 0
  for (let start = 0; start < d.rows; start += net.capacity) {
    const rows = Math.min(net.capacity, d.rows - start)
    loadInputs(net, d.X, rows, undefined, start)
    forwardRows(net, rows)
    total += lossOf(net, loss, d.target, rows, undefined, start, false) * rows
  }
  return total / d.rows
}

/** The outputs (n, sizes.at(−1)) row-major for inputs X (n × sizes[0], float32), `capacity` rows at a time. */
export const outputs = (net: WasmNet, X: Float32Array, n: number): Float32Array => {
  const l = net.layers[net.layers.length - 1]
  const out = new Float32Array(n * l.N)
  const heap = net.ws.heap
  for (let start = 0; start < n; start += net.capacity) {
    const rows = Math.min(net.capacity, n - start)
    loadInputs(net, X, rows, undefined, start)
    forwardRows(net, rows)
    for (let r = 0; r < rows; r++) out.set(heap.subarray(l.h + r * l.ldOut, l.h + r * l.ldOut + l.N), (start + r) * l.N)
  }
  return out
}

// ---- optimisers --------------------------------------------------------------------------------

/** A copy of the net's weights and biases (what early stopping restores). */
export interface Snapshot {
  readonly values: ReadonlyArray<Float32Array>
}

export const snapshot = (net: WasmNet): Snapshot => ({
  values: net.layers.flatMap((l) => [net.ws.heap.slice(l.w, l.w + l.Kp * l.ldw), net.ws.heap.slice(l.b, l.b + l.Np)])
})

export const restore = (net: WasmNet, s: Snapshot): void => {
  net.layers.forEach((l, i) => {
    net.ws.heap.set(s.values[2 * i], l.w)
    net.ws.heap.set(s.values[2 * i + 1], l.b)
    pack(net, l)
  })
}

/** The global L2 norm of the current gradients (all weights and biases). */
export const gradientNorm = (net: WasmNet): number => {
  const heap = net.ws.heap
  let sum = 0
  for (const l of net.layers) {
    for (let k = 0; k < l.K; k++) {
      const row = l.dw + k * l.ldw
      for (let o = 0; o < l.N; o++) sum += heap[row + o] * heap[row + o]
    }
    for (let o = 0; o < l.N; o++) sum += heap[l.db + o] * heap[l.db + o]
  }
  return Math.sqrt(sum)
}

/**
 * `Optimizer.make`'s rules (sgd, momentum, adam, adamw; coupled or decoupled weight decay;
 * per-variable scales in the order W₀, b₀, W₁, …) on the net's float32 arrays, state in float32.
 * `step(lr, clipNorm)` clips the gradients to the global norm first (clip_grad_norm_), then
 * updates every weight, its packed copy and every bias in one pass per variable.
 */
export interface Optimizer32 {
  step(learningRate?: number, clipNorm?: number): void
}

/** One variable: `rows` real rows of `np` floats (padding zero) at stride `ld`, its state and packed copy. */
interface Variable {
  readonly rows: number
  readonly np: number
  readonly ld: number
  readonly p: number
  readonly g: number
  readonly m1: number
  readonly m2: number
  /** The packed copy (weights), or 0 (biases). */
  readonly wp: number
  readonly ps: number
}

const MODE = { sgd: 0, momentum: 1, adam: 2, moments: 3 } as const

export const optimizer = (settings: Optimizer.Settings, net: WasmNet): Optimizer32 => {
  const heap = net.ws.heap
  const vars: Array<Variable> = net.layers.flatMap((l) => [
    { rows: l.K, np: l.Np, ld: l.ldw, p: l.w, g: l.dw, m1: l.m1, m2: l.m2, wp: l.wp, ps: l.ps },
    { rows: 1, np: l.Np, ld: l.Np, p: l.b, g: l.db, m1: l.mb1, m2: l.mb2, wp: 0, ps: 0 }
  ])
  const scales = settings.scales ?? vars.map(() => 1)
  if (scales.length !== vars.length || scales.some((s) => !(s >= 0) || !Number.isFinite(s))) {
    throw new Error(`WasmNetwork.optimizer: ${scales.length} learning-rate scales for ${vars.length} variables, each must be finite and ≥ 0 (0 freezes the variable)`)
  }
  const decay = settings.weightDecay ?? 0
  if (!(decay >= 0) || !Number.isFinite(decay)) throw new Error(`WasmNetwork.optimizer: weight decay ${decay} must be finite and ≥ 0`)
  for (const v of vars) {
    heap.fill(0, v.m1, v.m1 + v.rows * v.ld)
    heap.fill(0, v.m2, v.m2 + v.rows * v.ld)
  }
  const name = settings.name
  const coupled = name === "adamw" ? 0 : decay
  const adam = name === "adam" || name === "adamw"
  const mu = settings.momentum
  const beta1 = settings.beta1 ?? 0.9
  const beta2 = settings.beta2 ?? 0.999
  const eps = settings.epsilon ?? 1e-8
  let t = 0
  return {
    step: (learningRate, clipNorm) => {
      const lr = learningRate ?? settings.learningRate
      // clip_grad_norm_'s factor, in float32 as tfjs computes it
      const coef = clipNorm === undefined ? 1 : Math.fround(Math.min(clipNorm / (gradientNorm(net) + 1e-6), 1))
      if (adam) t += 1
      vars.forEach((v, i) => {
        const r = lr * scales[i]
        let mode: number = name === "sgd" ? MODE.sgd : MODE.momentum
        let k1 = 0, k2 = 0, shrink = 1
        if (adam) {
          // a frozen variable (scale 0) keeps no moments; a scheduled rate of 0 still moves them
          if (scales[i] === 0) return
          mode = r === 0 ? MODE.moments : MODE.adam
          // the scaled moments of Optimizer.ts: w ← w·shrink − m̃/(k₁√ṽ + k₂)
          const a = (1 - beta1 ** t) / (r * (1 - beta1))
          k1 = (a * Math.sqrt(1 - beta2)) / Math.sqrt(1 - beta2 ** t)
          k2 = a * eps
          shrink = name === "adamw" && decay > 0 ? 1 - r * decay : 1
        }
        net.update(4 * v.p, 4 * v.g, 4 * v.m1, 4 * v.m2, 4 * v.wp, v.rows, v.np, 4 * v.ld, 4 * v.ps, coef, coupled, r, mu, beta1, beta2, k1, k2, shrink, mode)
      })
    }
  }
}
