/**
 * The one architecture description of a fully-connected net, realised twice: as a trainable tfjs
 * MLP (`models/mlp`) and as its infinite-width NNGP/NTK kernels (`models/ntk`), in the spirit of
 * neural-tangents' `stax.serial(Dense, φ, …, Dense)`.
 *
 * Conventions: `depth` counts hidden layers, each `width` units followed by `activation`; the
 * readout layer is linear. Layer sizes are [inputDim, width × depth, outputDim]. Weights are in
 * PyTorch's `nn.Linear` layout, (out, in) row-major float64: layer i computes h·Wᵢᵀ + bᵢ.
 * Initialisation ("ntk-matched", the default) is the standard parameterisation whose NNGP is the
 * neural-tangents kernel of the same (wStd, bStd): W ~ N(0, wStd²/fan_in), b ~ N(0, bStd²), on
 * every layer including the readout. "torch" is nn.Linear's default, W, b ~ U(−1/√fan_in, 1/√fan_in),
 * and ignores wStd and bStd.
 *
 * Citation: Lee et al., "Deep Neural Networks as Gaussian Processes", ICLR 2018 (arXiv:1711.00165);
 * Novak et al., "Neural Tangents", ICLR 2020 (arXiv:1912.02803).
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type * as Random from "../core/Random.ts"

/** The nonlinearities an Arch may use (the MLP and the kernels both implement each). */
export const activations = ["relu", "tanh", "erf", "gelu", "silu", "linear"] as const
export type Activation = (typeof activations)[number]

/** How initial weights are drawn; see the module comment. */
export const inits = ["ntk-matched", "torch"] as const
export type Init = (typeof inits)[number]

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))

export const ActivationSchema = Schema.Literals(activations)
export const InitSchema = Schema.Literals(inits)

/** The fields an Arch takes from a model's configuration (the data fix inputDim and outputDim). */
export const shapeFields = {
  /** Units in each hidden layer. */
  width: PositiveInt,
  /** Number of hidden layers (0: a linear model). */
  depth: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  activation: ActivationSchema,
  /** Weight standard deviation before the 1/√fan_in scaling (ntk-matched init and the kernels). */
  wStd: Schema.Finite.check(Schema.isGreaterThan(0)),
  /** Bias standard deviation (ntk-matched init and the kernels). */
  bStd: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
}

export const Arch = Schema.Struct({
  inputDim: PositiveInt,
  outputDim: PositiveInt,
  ...shapeFields
})
export type Arch = typeof Arch.Type

/** Validates an untrusted architecture (a spec file, an override). */
export const decode = (input: unknown): Effect.Effect<Arch, ConfigError> =>
  Schema.decodeUnknownEffect(Arch)(input, { errors: "all" }).pipe(
    Effect.mapError((error) => new ConfigError({ field: "arch", message: `invalid architecture: ${error.message}` }))
  )

/** [inputDim, width × depth, outputDim]: the fan-in and fan-out of every layer. */
export const layerSizes = (arch: Arch): Array<number> => [
  arch.inputDim,
  ...Array.from({ length: arch.depth }, () => arch.width),
  arch.outputDim
]

/** Trainable scalars: Σ over layers of fan_in·fan_out weights plus fan_out biases. */
export const parameterCount = (arch: Arch): number => sizesParameterCount(layerSizes(arch))

/** `parameterCount` for explicit layer sizes (nets that are not uniform width). */
export const sizesParameterCount = (sizes: ReadonlyArray<number>): number => {
  let count = 0
  for (let i = 0; i + 1 < sizes.length; i++) count += sizes[i] * sizes[i + 1] + sizes[i + 1]
  return count
}

/**
 * Concrete weights of a net with layer sizes `sizes`: `weights[i]` is (sizes[i+1], sizes[i])
 * row-major (PyTorch's (out, in)), `biases[i]` has sizes[i+1] entries. Float64.
 */
export interface Params {
  readonly sizes: ReadonlyArray<number>
  readonly weights: ReadonlyArray<Float64Array>
  readonly biases: ReadonlyArray<Float64Array>
}

/**
 * Draws initial weights from gpnn's generator (never from tfjs initialisers, which ignore seeds in
 * places). Draw order: layer by layer, the weights row-major and then the biases, so a net (or a
 * Monte Carlo NNGP estimate) can be reproduced from the seed alone.
 */
export const initialize = (arch: Arch, init: Init, rng: Random.Generator): Params => {
  const sizes = layerSizes(arch)
  const weights: Array<Float64Array> = []
  const biases: Array<Float64Array> = []
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i]
    const fanOut = sizes[i + 1]
    const W = new Float64Array(fanOut * fanIn)
    const b = new Float64Array(fanOut)
    if (init === "ntk-matched") {
      const sw = arch.wStd / Math.sqrt(fanIn)
      for (let k = 0; k < W.length; k++) W[k] = sw * rng.normal()
      for (let k = 0; k < b.length; k++) b[k] = arch.bStd * rng.normal()
    } else {
      const bound = 1 / Math.sqrt(fanIn)
      for (let k = 0; k < W.length; k++) W[k] = bound * (2 * rng.uniform() - 1)
      for (let k = 0; k < b.length; k++) b[k] = bound * (2 * rng.uniform() - 1)
    }
    weights.push(W)
    biases.push(b)
  }
  return { sizes, weights, biases }
}
