/**
 * The training steps the workflow stages take, on the engine that then trains the net: the LR
 * range test, the overfit check and the throughput measurement (`LrRangeTest`, `OverfitCheck`,
 * `BatchThroughput`) each build fresh nets from the initial weights and step them, and a stage's
 * conclusion is about the net as it will train only if those steps are the training's own. Two
 * engines, chosen by the caller as training chooses (`Mlp.ts`): the tfjs net (`Network.ts`: norm
 * and dropout nets, and every net on a native TensorFlow backend) and gpnn's float32 wasm engine
 * (`WasmNetwork.ts`: plain nets otherwise). Their arithmetic agrees within float32 tolerance.
 *
 * A stepper's `step(index, lr)` is one optimiser step on those rows of the engine's data at that
 * rate (clipped to the global norm `clipNorm` first, as training clips), returning the minibatch's
 * loss before the step, read back (so a device has finished: what timings need).
 *
 * When to use: inside a fit, on data already standardised: `build` an engine of the net and rows a
 * stage needs (dispose it after: a tfjs engine holds its data as tensors), `make` a stepper per
 * fresh net. Gotcha: a tfjs stepper must be disposed (its net and optimiser).
 */
import * as tf from "@tensorflow/tfjs"
import type * as Random from "../core/Random.ts"
import type { Matrix } from "../linalg/Matrix.ts"
import * as Sgemm from "../linalg/Sgemm.ts"
import type * as Arch from "../models/Arch.ts"
import * as Loss from "../models/mlp/Loss.ts"
import * as Network from "../models/mlp/Network.ts"
import * as Optimizer from "../models/mlp/Optimizer.ts"
import * as Training from "../models/mlp/Training.ts"
import * as WasmNetwork from "../models/mlp/WasmNetwork.ts"

const norm = (values: ArrayLike<number>): number => {
  let squares = 0
  for (let i = 0; i < values.length; i++) squares += values[i] * values[i]
  return Math.sqrt(squares)
}

export interface Stepper {
  /** One optimiser step on rows `index` at rate `lr`: the minibatch's loss before the step. */
  readonly step: (index: Int32Array, lr: number) => number
  /** The L2 norm of the first weight matrix's gradient at the initial weights, on the first step's rows (NaN before a step). */
  readonly startGradientNorm: () => number
  readonly dispose: () => void
}

export interface Engine {
  /** As rows name engines (`info.backend`): "gpnn-wasm (fused)", or the tfjs backend's name. */
  readonly name: string
  /** Rows of the engine's data. */
  readonly rows: number
  /** The smallest batch a step can take (2 with BatchNorm). */
  readonly minBatch: number
  /**
   * A fresh net from the initial weights with an optimiser of `optimizer` (its rate is overridden
   * per step); `rng` feeds the dropout masks of a tfjs net with dropout (fork "dropout").
   */
  readonly make: (optimizer: Optimizer.Settings, clipNorm: number | undefined, rng: Random.Generator) => Stepper
}

/** The tfjs net (`Network.ts`) on device data, on the backend tfjs runs. */
export const tfjs = (options: {
  readonly backend: string
  readonly layers: Network.Layers
  readonly activation: Arch.Activation
  readonly structure: Network.Structure
  readonly data: Training.Data
  readonly loss: Loss.Kind
}): Engine => ({
  name: options.backend,
  rows: options.data.X.shape[0],
  minBatch: options.structure.norm === "batchnorm" ? 2 : 1,
  make: (settings, clipNorm, rng) => {
    const net = Network.fromLayers(options.layers, options.activation, options.structure)
    const optimizer = Optimizer.make(settings, Network.variables(net))
    const seeds = options.structure.dropout > 0 ? rng.fork("dropout") : undefined
    let startNorm = Number.NaN
    return {
      step: (index, lr) =>
        tf.tidy(() => {
          const { loss, gradients } = Training.step(net, optimizer, options.data, index, { loss: options.loss, lr, clipNorm, seed: seeds?.nextUint32() })
          if (Number.isNaN(startNorm)) startNorm = norm(gradients.weights[0].dataSync())
          return loss.dataSync()[0]
        }),
      startGradientNorm: () => startNorm,
      dispose: () => {
        optimizer.dispose()
        Network.dispose(net)
      }
    }
  }
})

/** The wasm engine as rows name it (`info.backend`, `info.stagesEngine`): "gpnn-wasm (fused)" or "(plain)". */
export const wasmName = (kind: string | undefined): string => `gpnn-wasm (${kind})`

/** gpnn's float32 wasm engine (`WasmNetwork.ts`); its large steps share a helper thread as training's do. */
export const wasm = (options: {
  readonly params: Arch.Params
  readonly activation: Arch.Activation
  readonly data: WasmNetwork.Data
  readonly loss: Loss.Kind
  /** The most rows a step takes (the net's capacity). */
  readonly maxBatch: number
}): Engine => ({
  name: wasmName(Sgemm.kernelKind()),
  rows: options.data.rows,
  minBatch: 1,
  make: (settings, clipNorm) => {
    const net = WasmNetwork.make(options.params, options.activation, Math.max(1, Math.min(options.maxBatch, options.data.rows)))
    if (net === undefined) throw new Error(`workflow: the wasm engine cannot hold a net of sizes ${options.params.sizes.join("-")} (no wasm SIMD or memory)`)
    const optimizer = WasmNetwork.optimizer(settings, net)
    let startNorm = Number.NaN
    return {
      step: (index, lr) => {
        const value = WasmNetwork.lossAndGradients(net, options.data, index, options.loss)
        if (Number.isNaN(startNorm)) startNorm = norm(WasmNetwork.gradients(net).weights[0])
        optimizer.step(lr, clipNorm)
        return value
      },
      startGradientNorm: () => startNorm,
      dispose: () => {}
    }
  }
})

/** The net a stage steps: its initial weights in both engines' forms, and which engine trains it. */
export interface Net {
  /** True where the wasm engine trains the net (`Mlp.ts` decides, as for training). */
  readonly wasm: boolean
  /** The tfjs backend's name (the tfjs engine's name). */
  readonly backend: string
  readonly params: Arch.Params
  readonly layers: Network.Layers
  readonly activation: Arch.Activation
  readonly structure: Network.Structure
}

/** An engine with the data it holds; `dispose` frees them (tensors for tfjs). */
export interface Held {
  readonly engine: Engine
  readonly dispose: () => void
}

/**
 * The engine of `net` on rows (X, y): `y` class indices for "ce", values (n × outputs) for "mse";
 * `maxBatch` the most rows a step takes (the wasm net's capacity).
 */
export const build = (net: Net, data: { readonly X: Matrix; readonly y: ArrayLike<number>; readonly loss: Loss.Kind; readonly outputs: number; readonly maxBatch: number }): Held => {
  if (net.wasm) {
    return {
      engine: wasm({ params: net.params, activation: net.activation, data: WasmNetwork.data(data.X.data, data.X.rows, data.loss, data.y, data.outputs), loss: data.loss, maxBatch: data.maxBatch }),
      dispose: () => {}
    }
  }
  const device: Training.Data = {
    X: tf.tensor2d(Float32Array.from(data.X.data), [data.X.rows, data.X.cols]),
    target: Loss.target(data.loss, data.y, data.X.rows, data.outputs)
  }
  return {
    engine: tfjs({ backend: net.backend, layers: net.layers, activation: net.activation, structure: net.structure, data: device, loss: data.loss }),
    dispose: () => tf.dispose([device.X, device.target])
  }
}
