/**
 * The over-parameterised MLP as a gpnn model family ("mlp"): an `Arch` net trained by minibatch
 * SGD, SGD+momentum or Adam, implementing the `Model` contract. Engine: tfjs on a native backend
 * (tensorflow-gpu, tensorflow) and for nets with a norm or dropout; otherwise gpnn's float32 wasm
 * engine (`WasmNetwork.ts`, same arithmetic within float32 tolerance; `GPNN_MLP_ENGINE=tfjs` keeps
 * tfjs). `info.backend` records which ran.
 *
 * Conventions: inputDim and outputDim come from the data (outputDim 1 for regression, the class
 * count for classification); losses are MSE and softmax cross-entropy (`Loss.ts`); training is
 * float32, inputs arrive and predictions leave as float64. Initial weights are drawn from
 * `rng.fork("init")`, minibatch orders from `rng.fork("batches")`, so one seed fixes the fit.
 * Regression: the predictive variance is σ̂², the maximum-likelihood noise variance (mean squared
 * training residual); log L̂ = −n/2·(log 2πσ̂² + 1) and k = weights + biases (+ γ, β under a norm;
 * no hidden biases under batchnorm) + 1 (the noise). Under early stopping the likelihood and σ̂²
 * are over all training rows, the held-out ones included.
 * Classification: probabilities are the softmax of the logits (computed in float64), `decision`
 * (two classes) is logit₁ − logit₀, log L̂ = −Σ cross-entropy over the training set and
 * k = weights + biases. The data are used as given (the pipeline standardises them).
 *
 * NTK parameterisation (`parameterization: "ntk"`): the same net and initial function, trained
 * as if its parameters were ω in W = (wStd/√fan_in)·ω (per-layer learning rates, Optimizer.ts), so
 * that a wide net under full-batch gradient descent tracks the NTK-GP of `ntk/Infinite.ts`;
 * `tangentKernel: true` records how far its empirical NTK is from the analytic one (ntk/Empirical.ts).
 *
 * Regularisation and schedules (all off by default, so a default config trains as before):
 * `norm` (LayerNorm / BatchNorm between each hidden Linear and its activation, Network.ts),
 * `dropout`, `weightDecay` (coupled L2 for sgd/momentum/adam, decoupled for "adamw",
 * Optimizer.ts), `clipNorm` (global-norm clipping), `schedule` with `warmupEpochs` (Schedule.ts;
 * epoch counts are turned into optimiser steps: steps per epoch × epochs), and early stopping
 * (`patience` not null): `validationFraction` of the training rows, drawn with
 * `rng.fork("holdout")`, are held out as the monitor, the net trains on the rest and ends with the
 * weights of its best monitor epoch (Training.ts). `options.validation` is never used to fit: it is
 * only recorded. Every fit carries a loss-curve diagnosis (Diagnosis.ts) against the loss of
 * predicting the training mean.
 *
 * Workflow stages (src/workflow/, all off by default) run before training, each from the net's
 * initial weights on the training rows and from its own fork of `rng.fork("stages")`: the LR range
 * test (`lrRangeTest`: the net then trains at its suggestion, info.lrSuggested), the overfit check
 * (`overfitCheck`: a failure is a ConfigError naming its diagnosis) and the throughput measurement
 * (`throughputSizes`: timings stored as the fit's "throughput" stage, never in info), all on the
 * engine that then trains the net (info.stagesEngine). The range
 * test's trace is the fit's "lrRangeTest" stage (`Fitted.stages`).
 *
 * When to use: `family.make(config)` inside a program that provides `NnBackend` turns a
 * study's partial, untrusted config into the model (missing fields take `defaults`).
 * Gotchas: `dispose()` the Fitted (on tfjs it holds the weights as tfjs variables).
 */
import * as tf from "@tensorflow/tfjs"
import { Effect, Schema } from "effect"
import { ConfigError, DataError, DivergenceError } from "../../core/Errors.ts"
import type { TrialError } from "../../core/Errors.ts"
import * as Random from "../../core/Random.ts"
import * as Data from "../../data/Dataset.ts"
import type { Dataset } from "../../data/Dataset.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Sgemm from "../../linalg/Sgemm.ts"
import * as Arch from "../Arch.ts"
import * as Empirical from "../ntk/Empirical.ts"
import * as Kernels from "../ntk/Kernels.ts"
import * as Family from "../Family.ts"
import type * as FitFacts from "../FitFacts.ts"
import type { FitOptions, Fitted, Model, Prediction } from "../Model.ts"
import { NnBackend } from "./Backend.ts"
import * as Loss from "./Loss.ts"
import * as Network from "./Network.ts"
import * as Diagnosis from "./Diagnosis.ts"
import * as Optimizer from "./Optimizer.ts"
import * as Schedule from "./Schedule.ts"
import * as Training from "./Training.ts"
import * as BatchThroughput from "../../workflow/BatchThroughput.ts"
import * as Engine from "../../workflow/Engine.ts"
import * as LrRangeTest from "../../workflow/LrRangeTest.ts"
import * as OverfitCheck from "../../workflow/OverfitCheck.ts"
import * as WasmNetwork from "./WasmNetwork.ts"

export const MlpConfig = Schema.Struct({
  ...Arch.shapeFields,
  init: Arch.InitSchema,
  optimizer: Schema.Literals(Optimizer.names),
  learningRate: Schema.Finite.check(Schema.isGreaterThan(0)),
  /** μ of "momentum"; ignored by "sgd" and "adam". */
  momentum: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)),
  epochs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  batchSize: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  /**
   * What the optimiser treats as the parameters: "standard" the weights W themselves (PyTorch's
   * nn.Linear); "ntk" the ω of W = (wStd/√fan_in)·ω, b = bStd·β (neural-tangents' default), under
   * which a wide net trained by gradient descent follows the NTK-GP (see Optimizer's scales).
   * Both start from the same function (ntk-matched init); only the training dynamics differ.
   */
  parameterization: Schema.Literals(["standard", "ntk"]),
  /**
   * Measure the empirical NTK (NTK parameterisation, output 0) on the training inputs at
   * initialisation and after training, against the analytic Θ of the same architecture:
   * info.ntkInitDistance, info.ntkTrainedDistance (‖Θ̂ − Θ‖_F/‖Θ‖_F) and info.ntkMovement
   * (‖Θ̂_T − Θ̂₀‖_F/‖Θ̂₀‖_F). Costs two float64 forward+backward passes over the training set.
   */
  tangentKernel: Schema.Boolean,
  /**
   * Normalisation of each hidden layer before its activation: "layernorm", "batchnorm" (batch
   * statistics in training, running statistics at prediction; hidden layers then have no bias),
   * or "none". PyTorch's ε 1e-5 and BatchNorm momentum 0.1.
   */
  norm: Schema.Literals(Network.norms),
  /** Inverted dropout rate after each hidden activation, in training only; 0 = none. */
  dropout: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)),
  /** λ of weight decay on all parameters: coupled L2 for sgd, momentum, adam; decoupled for adamw. */
  weightDecay: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Clip the gradients to this global L2 norm before each step; null = no clipping. */
  clipNorm: Schema.NullOr(Schema.Finite.check(Schema.isGreaterThan(0))),
  /**
   * The learning rate over training (Schedule.ts): "constant"; "step" (× `lrGamma` every
   * `lrStepEpochs` epochs); "cosine" (from learningRate down to `lrMin` over all epochs); "onecycle"
   * (learningRate is the peak; PyTorch's pct_start 0.3, div_factor 25, final_div_factor 1e4).
   */
  schedule: Schema.Literals(Schedule.names),
  lrStepEpochs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  lrGamma: Schema.Finite.check(Schema.isGreaterThan(0)),
  lrMin: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Linear warm-up over this many epochs, multiplying the schedule; 0 = none. */
  warmupEpochs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Early stopping: epochs without improvement of the held-out loss before stopping; null = off. */
  patience: Schema.NullOr(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Early stopping: the held-out loss must fall below best − minDelta to count as improving. */
  minDelta: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Early stopping: the share of training rows held out as its monitor. */
  validationFraction: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThan(1)),
  /**
   * Choose the learning rate by the range test (src/workflow/LrRangeTest.ts) before training: the
   * sweep runs on the training rows from the net's initial weights, then the net trains from those
   * same initial weights at the suggestion (info.lrSuggested); `learningRate` is then unused.
   */
  lrRangeTest: Schema.Boolean,
  lrRangeMin: Schema.Finite.check(Schema.isGreaterThan(0)),
  lrRangeMax: Schema.Finite.check(Schema.isGreaterThan(0)),
  lrRangeSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(12)),
  /**
   * Before training, check that the net and optimiser overfit `overfitRows` training rows in
   * `overfitSteps` full-batch steps (src/workflow/OverfitCheck.ts); a failed check fails the trial
   * with a ConfigError naming the diagnosis, so a broken config stops before the long run.
   */
  overfitCheck: Schema.Boolean,
  overfitRows: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)),
  overfitSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  /**
   * Batch sizes whose training throughput (samples/s) is measured before training
   * (src/workflow/BatchThroughput.ts), stored as the fit's "throughput" stage; timing only, it
   * changes nothing in the fit. Empty: no measurement.
   */
  throughputSizes: Schema.Array(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Timed steps per size of the throughput measurement (after 3 untimed ones). */
  throughputSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
})
export type MlpConfig = typeof MlpConfig.Type

/** The width-sweep's reference settings (shared/peers/width_sweep_reference.py) at width 64. */
export const defaults: MlpConfig = {
  width: 64,
  depth: 2,
  activation: "relu",
  wStd: 1.5,
  bStd: 1.0,
  init: "ntk-matched",
  optimizer: "adam",
  learningRate: 1e-3,
  momentum: 0.9,
  epochs: 200,
  batchSize: 64,
  parameterization: "standard",
  tangentKernel: false,
  norm: "none",
  dropout: 0,
  weightDecay: 0,
  clipNorm: null,
  schedule: "constant",
  lrStepEpochs: 30,
  lrGamma: 0.1,
  lrMin: 0,
  warmupEpochs: 0,
  patience: null,
  minDelta: 0,
  validationFraction: 0.2,
  lrRangeTest: false,
  lrRangeMin: LrRangeTest.defaultSweep.minLr,
  lrRangeMax: LrRangeTest.defaultSweep.maxLr,
  lrRangeSteps: LrRangeTest.defaultSweep.steps,
  overfitCheck: false,
  overfitRows: 32,
  overfitSteps: 200,
  throughputSizes: [],
  throughputSteps: 10
}

const checkFinite = (data: Float64Array, source: string, what: string, cols: number): Effect.Effect<void, DataError> => {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      return Effect.fail(new DataError({ source, row: Math.floor(k / cols) + 1, message: `${what} is ${data[k]}: drop or impute non-finite values before fitting` }))
    }
  }
  return Effect.void
}

const checkData = Effect.fnUntraced(function*(ds: Dataset, source: string, inputDim: number) {
  if (ds.X.rows === 0) return yield* new DataError({ source, message: `${source} has no rows` })
  if (ds.X.cols !== inputDim) {
    return yield* new DataError({ source, message: `${source} has ${ds.X.cols} features, the net expects ${inputDim}` })
  }
  if (ds.y.length !== ds.X.rows) {
    return yield* new DataError({ source, message: `${source} has ${ds.X.rows} rows of X but ${ds.y.length} targets` })
  }
  yield* checkFinite(ds.X.data, source, "a feature", ds.X.cols)
  yield* checkFinite(ds.y, source, "a target", 1)
  if (ds.kind === "classification") {
    if (ds.classes < 2) return yield* new DataError({ source, message: `classification needs at least 2 classes, ${source} declares ${ds.classes}` })
    for (let i = 0; i < ds.y.length; i++) {
      if (!Number.isInteger(ds.y[i]) || ds.y[i] < 0 || ds.y[i] >= ds.classes) {
        return yield* new DataError({ source, row: i + 1, message: `label ${ds.y[i]} is not a class index 0..${ds.classes - 1}` })
      }
    }
  }
})

const deviceData = (ds: Dataset, loss: Loss.Kind, outputDim: number): Training.Data => ({
  X: tf.tensor2d(Float32Array.from(ds.X.data), [ds.X.rows, ds.X.cols]),
  target: Loss.target(loss, ds.y, ds.X.rows, outputDim)
})

/** Row-wise float64 log-softmax of (n, k) logits. */
const logSoftmax = (logits: Float32Array, n: number, k: number): Float64Array => {
  const out = new Float64Array(n * k)
  for (let i = 0; i < n; i++) {
    let max = -Infinity
    for (let j = 0; j < k; j++) max = Math.max(max, logits[i * k + j])
    let sum = 0
    for (let j = 0; j < k; j++) sum += Math.exp(logits[i * k + j] - max)
    const logZ = max + Math.log(sum)
    for (let j = 0; j < k; j++) out[i * k + j] = logits[i * k + j] - logZ
  }
  return out
}

/**
 * Learning-rate multipliers that make the optimiser act on ω rather than W (Optimizer's scales):
 * c² per layer for sgd and momentum, c for Adam, with c = wStd/√fan_in for weights, bStd for
 * biases (0 when bStd = 0: the biases then stay at their zero init, as in the NTK net).
 */
const ntkScales = (arch: Arch.Arch, optimizer: Optimizer.Name): Array<number> => {
  const sizes = Arch.layerSizes(arch)
  const power = optimizer === "adam" || optimizer === "adamw" ? 1 : 2
  return sizes.slice(0, -1).flatMap((fanIn) => [(arch.wStd / Math.sqrt(fanIn)) ** power, arch.bStd ** power])
}

/** The empirical NTK's distance to the analytic Θ before and after training, and its movement. */
const tangentKernelDistances = (arch: Arch.Arch, initial: Arch.Params, trained: Arch.Params, X: Matrix.Matrix) => {
  const scaling = { activation: arch.activation, wStd: arch.wStd, bStd: arch.bStd }
  const analytic = Kernels.train({ depth: arch.depth, activation: arch.activation, wStd: arch.wStd, bStd: arch.bStd }, X).ntk.matrix
  const before = Empirical.kernel(initial, scaling, X)
  const after = Empirical.kernel(trained, scaling, X)
  return {
    ntkInitDistance: Empirical.relativeDistance(before, analytic),
    ntkTrainedDistance: Empirical.relativeDistance(after, analytic),
    ntkMovement: Empirical.relativeDistance(after, before)
  }
}

/** A fitted MLP: the Model contract plus its loss-curve diagnosis and where early stopping left it. */
export interface MlpFitted extends Fitted {
  /** The diagnosis with its typed finding (the contract's `diagnosis` holds it as stored facts). */
  readonly curveDiagnosis: Diagnosis.Diagnosis
  readonly diagnosis: FitFacts.CurveDiagnosis
  /** The epoch whose weights the net holds: early stopping's best epoch, else the last. */
  readonly bestEpoch: number
}

/** The training rows and, under early stopping, the held-out monitor rows (`rng.fork("holdout")`). */
const holdout = (config: MlpConfig, train: Dataset, rng: Random.Generator): { readonly fit: Dataset; readonly monitor?: Dataset } => {
  if (config.patience === null) return { fit: train }
  const n = train.X.rows
  const order = Random.permutation(rng, n)
  const held = Math.min(n - 1, Math.max(1, Math.round(config.validationFraction * n)))
  return { fit: Data.subset(train, order.subarray(held)), monitor: Data.subset(train, order.subarray(0, held)) }
}

/** The schedule in optimiser steps: epoch counts × steps per epoch (a skipped single-row batch not counted). */
const schedulePlan = (config: MlpConfig, n: number): Schedule.Plan => {
  const batch = Math.max(1, Math.min(config.batchSize, n))
  const perEpoch = Math.ceil(n / batch) - (config.norm === "batchnorm" && n % batch === 1 ? 1 : 0)
  const total = perEpoch * config.epochs
  const schedule: Schedule.Schedule = config.schedule === "step"
    ? { type: "step", stepSize: perEpoch * config.lrStepEpochs, gamma: config.lrGamma }
    : config.schedule === "cosine"
    ? { type: "cosine", tMax: total, etaMin: config.lrMin }
    : config.schedule === "onecycle"
    ? { type: "onecycle", totalSteps: total, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 }
    : { type: "constant" }
  return { learningRate: config.learningRate, schedule, warmup: perEpoch * config.warmupEpochs }
}

/** Rows per forward pass of the wasm engine when evaluating (training batches may be larger). */
const EVAL_ROWS = 256

/** A trained net, whichever engine holds it. */
interface Trained {
  readonly engine: string
  /** Prediction-mode outputs (n, outputs) row-major on float64 inputs. */
  readonly outputs: (X: Matrix.Matrix) => Float32Array
  readonly params: () => Arch.Params
  readonly dispose: () => void
}

/** What the workflow stages run before training left: the rate to train at, facts for the row, the stages' measurements. */
interface StagesRun {
  readonly learningRate: number
  readonly info: Record<string, number | string | boolean>
  readonly stages: Record<string, Record<string, ReadonlyArray<number>>>
}

/**
 * The workflow stages a config asks for, in a practitioner's order, each from the net's initial
 * weights on the training rows and on the engine that then trains the net (`net.wasm`; see
 * src/workflow/Engine.ts): the LR range test (its suggestion becomes the rate), the overfit check
 * at that rate (a failure is a ConfigError naming the diagnosis), the throughput measurement
 * (timing only). info.stagesEngine names the engine. Each stage draws from its own fork of the
 * trial's generator.
 */
const runStages = (config: MlpConfig, fitSet: Dataset, net: Engine.Net, loss: Loss.Kind, outputDim: number, optimizer: Optimizer.Settings, rng: Random.Generator) => {
  // the range test and the throughput measurement step the training rows: one engine (one upload) for both
  const onTrainingRows = config.lrRangeTest || config.throughputSizes.length > 0
  return Effect.acquireUseRelease(
    Effect.sync(() => (onTrainingRows ? Engine.build(net, { X: fitSet.X, y: fitSet.y, loss, outputs: outputDim, maxBatch: Math.max(config.batchSize, ...config.throughputSizes) }) : undefined)),
    (held) => stagesOn(config, fitSet, held?.engine, net, loss, outputDim, optimizer, rng),
    (held) => Effect.sync(() => held?.dispose())
  )
}

/** `runStages` with the engine of the training rows built (undefined when no stage steps them). */
const stagesOn = Effect.fnUntraced(function*(config: MlpConfig, fitSet: Dataset, training: Engine.Engine | undefined, net: Engine.Net, loss: Loss.Kind, outputDim: number, optimizer: Optimizer.Settings, rng: Random.Generator) {
  const info: Record<string, number | string | boolean> = {}
  const stages: Record<string, Record<string, ReadonlyArray<number>>> = {}
  const clip = config.clipNorm === null ? {} : { clipNorm: config.clipNorm }
  let learningRate = config.learningRate
  if (config.lrRangeTest) {
    if (!(config.lrRangeMax > config.lrRangeMin)) {
      return yield* new ConfigError({ field: "mlp.lrRangeMax", message: `the range test sweeps from lrRangeMin up to lrRangeMax, got ${config.lrRangeMin} to ${config.lrRangeMax}: make lrRangeMax larger` })
    }
    const sweep = { minLr: config.lrRangeMin, maxLr: config.lrRangeMax, steps: config.lrRangeSteps }
    const outcome = LrRangeTest.run(training!, { optimizer, batchSize: config.batchSize, sweep, ...clip }, rng.fork("lr-range"))
    const { trace, suggestion } = outcome
    if (suggestion === undefined) {
      return yield* new ConfigError({
        field: "mlp.lrRangeMin",
        message: `the learning-rate range test stopped after ${trace.rates.length} steps (the loss diverged at ${trace.rates[trace.rates.length - 1]}), too few to suggest a rate: lower lrRangeMin or raise lrRangeSteps`
      })
    }
    learningRate = suggestion.learningRate
    Object.assign(info, { lrSuggested: learningRate, lrRangeStepsRun: trace.rates.length, lrRangeStop: trace.stop, lrRangeMinimum: outcome.minimumLr })
    stages.lrRangeTest = { learningRate: trace.rates, loss: trace.losses, smoothed: trace.smoothed }
  }
  if (config.overfitCheck) {
    const rows = Math.min(config.overfitRows, fitSet.X.rows)
    const subset = Data.subset(fitSet, Random.permutation(rng.fork("overfit"), fitSet.X.rows).subarray(0, rows))
    if (!(Diagnosis.meanLoss(loss, subset.y, subset.classes) > 0)) {
      return yield* new ConfigError({ field: "mlp.overfitRows", message: `the overfit check's ${rows} rows hold one ${loss === "ce" ? "class" : "target value"} only, so there is nothing to fit beyond the prior: raise overfitRows` })
    }
    // dropout off: its training-mode loss is noisy and not the function being fitted (OverfitCheck)
    const held = Engine.build({ ...net, structure: { ...net.structure, dropout: 0 } }, { X: subset.X, y: subset.y, loss, outputs: outputDim, maxBatch: rows })
    const result = yield* Effect.sync(() => OverfitCheck.run({ engine: held.engine, loss, y: subset.y, classes: subset.classes, optimizer: { ...optimizer, learningRate }, steps: config.overfitSteps, ...clip }))
      .pipe(Effect.ensuring(Effect.sync(() => held.dispose())))
    Object.assign(info, { overfitLabel: result.label, overfitFinalToPrior: result.finalToPrior, overfitInitialToPrior: result.initialToPrior })
    if (!result.passed) {
      return yield* new ConfigError({
        field: "mlp.overfitCheck",
        message: `the overfit check failed (${result.label}): ${result.steps} full-batch steps at learning rate ${learningRate} on ${result.rows} training rows left the loss at ${result.finalLoss.toPrecision(3)}, ${result.finalToPrior.toPrecision(3)} × the prior's ${result.priorLoss.toPrecision(3)} (a pass needs ≤ ${OverfitCheck.PASS_RATIO}); ${result.advice}`
      })
    }
  }
  if (config.throughputSizes.length > 0) {
    const measured = yield* BatchThroughput.measure({ engine: training!, optimizer: { ...optimizer, learningRate }, sizes: config.throughputSizes, warmup: 3, steps: config.throughputSteps, rng: rng.fork("throughput") })
    stages.throughput = { batchSize: measured.map((m) => m.batchSize), samplesPerSecond: measured.map((m) => m.samplesPerSecond) }
  }
  // which engine the stages stepped (the one that trains: a fact of the config and backend)
  if (config.lrRangeTest || config.overfitCheck || config.throughputSizes.length > 0) info.stagesEngine = net.wasm ? Engine.wasmName(Sgemm.kernelKind()) : net.backend
  return { learningRate, info, stages } satisfies StagesRun
})
/** The engine that trains a net: gpnn's wasm engine for plain nets unless a native TensorFlow backend runs (or GPNN_MLP_ENGINE=tfjs). */
const useWasm = (backend: string, structure: Network.Structure): boolean =>
  backend !== "tensorflow" && process.env.GPNN_MLP_ENGINE !== "tfjs" && WasmNetwork.supports(structure)

type Sets<D> = { readonly train: D; readonly validation?: D; readonly monitor?: D }

const trainTfjs = (layers: Network.Layers, config: MlpConfig, structure: Network.Structure, sets: Sets<Dataset>, options: Training.Options, rng: Random.Generator, backend: string) =>
  Effect.gen(function*() {
    const net = Network.fromLayers(layers, config.activation, structure)
    const trained: Trained = {
      engine: backend,
      outputs: (X) => {
        const Xt = tf.tensor2d(Float32Array.from(X.data), [X.rows, X.cols])
        try {
          return Network.outputs(net, Xt)
        } finally {
          Xt.dispose()
        }
      },
      params: () => Network.toParams(net),
      dispose: () => Network.dispose(net)
    }
    const outcome = yield* Effect.acquireUseRelease(
      Effect.sync(() => ({
        train: deviceData(sets.train, options.loss, layers.sizes[layers.sizes.length - 1]),
        validation: sets.validation && deviceData(sets.validation, options.loss, layers.sizes[layers.sizes.length - 1]),
        monitor: sets.monitor && deviceData(sets.monitor, options.loss, layers.sizes[layers.sizes.length - 1])
      })),
      (data) =>
        Training.train(net, data.train, options, rng, {
          ...(data.validation ? { validation: data.validation } : {}),
          ...(data.monitor ? { monitor: data.monitor } : {})
        }),
      (data) => Effect.sync(() => tf.dispose([data.train, data.validation, data.monitor].flatMap((d) => (d ? [d.X, d.target] : []))))
    ).pipe(Effect.onError(() => Effect.sync(() => trained.dispose())))
    return { outcome, trained }
  })

const trainWasm = (net: WasmNetwork.WasmNet, sets: Sets<Dataset>, options: Training.Options, rng: Random.Generator) =>
  Effect.gen(function*() {
    const outputDim = net.sizes[net.sizes.length - 1]
    const engineData = (ds: Dataset) => WasmNetwork.data(ds.X.data, ds.X.rows, options.loss, ds.y, outputDim)
    const outcome = yield* Training.trainWasm(net, engineData(sets.train), options, rng, {
      ...(sets.validation ? { validation: engineData(sets.validation) } : {}),
      ...(sets.monitor ? { monitor: engineData(sets.monitor) } : {})
    })
    const trained: Trained = {
      engine: Engine.wasmName(net.kind),
      outputs: (X) => WasmNetwork.outputs(net, Float32Array.from(X.data), X.rows),
      params: () => WasmNetwork.toParams(net),
      dispose: () => {}
    }
    return { outcome, trained }
  })

/** Fits an MLP with `config`: what `model(config).fit` runs, typed with the diagnosis. */
export const fit = Effect.fn("Mlp.fit")(
  function*(config: MlpConfig, train: Dataset, options: FitOptions): Effect.fn.Return<MlpFitted, TrialError, NnBackend> {
    const backend = yield* NnBackend
    const inputDim = train.X.cols
    yield* checkData(train, "training set", inputDim)
    const validation = options.validation
    if (validation !== undefined) {
      yield* checkData(validation, "validation set", inputDim)
      if (validation.kind !== train.kind || validation.classes !== train.classes) {
        return yield* new DataError({ source: "validation set", message: `validation set is ${validation.kind} with ${validation.classes} classes, the training set ${train.kind} with ${train.classes}` })
      }
    }
    const regression = train.kind === "regression"
    const loss: Loss.Kind = regression ? "mse" : "ce"
    const outputDim = regression ? 1 : train.classes
    const arch: Arch.Arch = { inputDim, outputDim, width: config.width, depth: config.depth, activation: config.activation, wStd: config.wStd, bStd: config.bStd }
    if (config.parameterization === "ntk" && config.init !== "ntk-matched") {
      return yield* new ConfigError({ field: "mlp.parameterization", message: `parameterization "ntk" needs init "ntk-matched" (got "${config.init}"): ω ~ N(0, 1) is what the NTK parameterisation scales` })
    }
    if (config.tangentKernel && (config.init !== "ntk-matched" || config.depth < 1)) {
      return yield* new ConfigError({ field: "mlp.tangentKernel", message: `tangentKernel needs init "ntk-matched" and depth ≥ 1 (got init "${config.init}", depth ${config.depth}): the analytic NTK it is compared with is that of a net with hidden layers drawn that way` })
    }
    if (config.norm !== "none" && (config.parameterization === "ntk" || config.tangentKernel)) {
      return yield* new ConfigError({ field: "mlp.norm", message: `norm "${config.norm}" has no NTK counterpart: use norm "none" with parameterization "ntk" or tangentKernel` })
    }
    const parts = holdout(config, train, options.rng.fork("holdout"))
    const fitSet = parts.fit
    if (config.norm === "batchnorm" && fitSet.X.rows < 2) {
      return yield* new DataError({ source: "training set", message: `batchnorm needs at least 2 training rows, got ${fitSet.X.rows}${parts.monitor ? " after holding out the early-stopping rows" : ""}` })
    }
    const structure: Network.Structure = { ...Network.plain, norm: config.norm, dropout: config.dropout }
    const initial = Arch.initialize(arch, config.init, options.rng.fork("init"))
    const layers = Network.initialLayers(initial, structure)
    const optimizerSettings: Optimizer.Settings = {
      name: config.optimizer,
      learningRate: config.learningRate,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
      ...(config.parameterization === "ntk" ? { scales: ntkScales(arch, config.optimizer) } : {})
    }
    const wasm = useWasm(backend.name, structure)
    const stagesNet: Engine.Net = { wasm, backend: backend.name, params: initial, layers, activation: config.activation, structure }
    const staged = yield* runStages(config, fitSet, stagesNet, loss, outputDim, optimizerSettings, options.rng.fork("stages"))
    const trainingOptions: Training.Options = {
      loss,
      optimizer: { ...optimizerSettings, learningRate: staged.learningRate },
      epochs: config.epochs,
      batchSize: config.batchSize,
      schedule: schedulePlan({ ...config, learningRate: staged.learningRate }, fitSet.X.rows),
      ...(config.clipNorm === null ? {} : { clipNorm: config.clipNorm }),
      ...(config.patience === null ? {} : { earlyStopping: { patience: config.patience, minDelta: config.minDelta } }),
      ...(options.onEpoch === undefined ? {} : { stop: options.onEpoch })
    }
    const sets: Sets<Dataset> = { train: fitSet, ...(validation ? { validation } : {}), ...(parts.monitor ? { monitor: parts.monitor } : {}) }
    const batchRows = Math.max(1, Math.min(config.batchSize, fitSet.X.rows))
    const wasmNet = wasm ? WasmNetwork.make(initial, config.activation, Math.max(batchRows, EVAL_ROWS)) : undefined
    const { outcome, trained } = yield* (wasmNet === undefined
      ? trainTfjs(layers, config, structure, sets, trainingOptions, options.rng.fork("batches"), backend.name)
      : trainWasm(wasmNet, sets, trainingOptions, options.rng.fork("batches")))
    // The likelihood is over every training row, the early-stopping monitor rows included.
    const outputs = trained.outputs(train.X)
    const curve = outcome.curve
    const diagnosis = Diagnosis.diagnose({
      train: curve.map((r) => r.trainLoss),
      ...(validation !== undefined
        ? { valid: curve.map((r) => r.validLoss ?? Number.NaN) }
        : outcome.monitor.length > 0
        ? { valid: outcome.monitor }
        : {}),
      meanLoss: Diagnosis.meanLoss(loss, fitSet.y, fitSet.classes),
      initialLoss: outcome.initialLoss
    })

    const n = train.X.rows
    const parameters = [...layers.weights, ...layers.biases, ...layers.gammas, ...layers.betas].reduce((k, p) => k + (p?.length ?? 0), 0)
    let logLikelihood: number
    let noiseVariance = Number.NaN
    if (regression) {
      let rss = 0
      for (let i = 0; i < n; i++) rss += (train.y[i] - outputs[i]) ** 2
      noiseVariance = rss / n
      logLikelihood = -0.5 * n * (Math.log(2 * Math.PI * noiseVariance) + 1)
    } else {
      const logp = logSoftmax(outputs, n, outputDim)
      logLikelihood = 0
      for (let i = 0; i < n; i++) logLikelihood += logp[i * outputDim + train.y[i]]
    }
    const last = curve[curve.length - 1]
    if (!Number.isFinite(logLikelihood)) {
      trained.dispose()
      return yield* new DivergenceError({
        epoch: curve.length,
        message: `the trained net's training-set log-likelihood is ${logLikelihood} (outputs overflowed after the last step): lower the learning rate`
      })
    }
    let disposed = false

    const predict = (X: Matrix.Matrix): Prediction => {
      if (disposed) throw new Error("Mlp: predict called on a disposed fit")
      if (X.cols !== inputDim) throw new DataError({ source: "predict", message: `inputs have ${X.cols} features, the net was fitted on ${inputDim}` })
      const out = trained.outputs(X)
      if (regression) {
        return { kind: "regression", mean: Float64Array.from(out), variance: new Float64Array(X.rows).fill(noiseVariance) }
      }
      const logp = logSoftmax(out, X.rows, outputDim)
      const probabilities = Matrix.make(X.rows, outputDim, logp.map(Math.exp))
      if (outputDim !== 2) return { kind: "classification", probabilities }
      const decision = new Float64Array(X.rows)
      for (let i = 0; i < X.rows; i++) decision[i] = out[2 * i + 1] - out[2 * i]
      return { kind: "classification", probabilities, decision }
    }

    const info: Record<string, number | string | boolean> = {
      backend: trained.engine,
      parameters,
      finalTrainLoss: last.trainLoss,
      epochsRun: curve.length,
      ...staged.info
    }
    if (last.validLoss !== undefined) info.finalValidLoss = last.validLoss
    if (config.patience !== null) info.bestEpoch = outcome.bestEpoch
    if (regression) info.noiseVariance = noiseVariance
    if (config.tangentKernel) Object.assign(info, tangentKernelDistances(arch, initial, trained.params(), train.X))

    const fitted: MlpFitted = {
      predict,
      curveDiagnosis: diagnosis,
      bestEpoch: outcome.bestEpoch,
      logLikelihood,
      freeParameters: regression ? parameters + 1 : parameters,
      curve,
      hyperparameters: [],
      warnings: [],
      diagnosis: Diagnosis.toFacts(diagnosis),
      info,
      ...(Object.keys(staged.stages).length === 0 ? {} : { stages: staged.stages }),
      dispose: () => {
        if (disposed) return
        disposed = true
        trained.dispose()
      }
    }
    return fitted
  }
)

/** The "mlp" family: an Arch net trained by minibatch gradient descent on tfjs. */
export const family = Family.define({
  name: "mlp",
  description: "MLP of any width and depth (the Arch spec) trained by SGD, momentum or Adam on TensorFlow.js",
  tasks: ["regression", "classification"],
  stochastic: true,
  config: MlpConfig,
  defaults,
  example: { width: 8, depth: 1, epochs: 3, batchSize: 16, learningRate: 0.01 },
  build: (config): Model<NnBackend> => ({ family: "mlp", fit: (train, options) => fit(config, train, options) })
})
