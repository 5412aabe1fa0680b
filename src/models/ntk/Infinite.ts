/**
 * The infinite-width model families, "nngp" and "ntk": the same `Arch` as an MLP (its width
 * ignored), fitted in closed form from its kernels. They are deterministic (no seed dependence).
 *
 * - "nngp": Bayesian posterior with prior a·K (the NNGP kernel) and noise variance a·r. The
 *   amplitude a is profiled out in closed form; r is chosen on the relative grid by the marginal
 *   likelihood (or fixed). `logLikelihood` is that maximised LML and `freeParameters` = 2 (a, r).
 *   The predictive variance is a·(latent variance + r), for a new observation.
 * - "ntk": the NTK-GP at t = ∞ (an infinite ensemble of infinitely wide nets trained to
 *   convergence by gradient descent on the MSE), ridge r on Θ chosen by exact leave-one-out CV
 *   (or fixed); or, with a finite `time`, the same ensemble after training time t (ridge
 *   fixed). Its predictive variance is the ensemble variance plus the MLE noise variance of
 *   the training residuals; it has no likelihood, so no `logLikelihood` or `freeParameters`.
 *
 * This is the width-sweep peer's `fit_infinite` (shared/peers/width_sweep_reference.py) in the
 * pipeline's terms: the pipeline standardises x and y and adds the Jacobian to `logLikelihood`.
 * Classification regresses on centred one-hot targets (Predict.oneHot); probabilities are those
 * of each class having the largest draw from the predictive distribution, `decision` (binary)
 * is f₁ − f₀; no likelihood is reported (the Gaussian LML of one-hot codes is not one of labels).
 *
 * `info`: ridge (absolute) and ridgeRelative; nngp: amplitude (and regressionLogLikelihood for
 * classification); ntk: looMse, noiseVariance; both: jitter (extra Cholesky jitter, normally 0)
 * and truncation (quadrature bound, 0 for relu/erf).
 *
 * Cost: one symmetric eigendecomposition of the train kernel (≈ 0.3 s at n = 400, ≈ 4 s at
 * n = 1000) dominates; the 29-point grid is O(n²) per point; each `predict` builds the test
 * kernels and costs n²·m (nngp) or 4·n²·m (ntk) flops for m points.
 */
import { Effect, Schema } from "effect"
import { ConfigError, DataError, NumericalError } from "../../core/Errors.ts"
import type { TrialError } from "../../core/Errors.ts"
import type { Dataset } from "../../data/Dataset.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as SymmetricEigen from "../../linalg/SymmetricEigen.ts"
import * as Family from "../Family.ts"
import type * as FitFacts from "../FitFacts.ts"
import type { Fitted, Model, Prediction } from "../Model.ts"
import * as Activation from "./Activation.ts"
import * as Kernels from "./Kernels.ts"
import * as Predict from "./Predict.ts"
import * as Ridge from "./Ridge.ts"

export const Config = Schema.Struct({
  /** Hidden layers (≥ 1). */
  depth: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  activation: Schema.Literals(Activation.names),
  wStd: Schema.Finite.check(Schema.isGreaterThan(0)),
  bStd: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** "grid": choose on Ridge.grid (LML for nngp, LOO for ntk); a number: that relative ridge. */
  ridge: Schema.Union([Schema.Literal("grid"), Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))]),
  /**
   * ntk only: the gradient-descent training time t of the NTK-GP, in neural-tangents' units
   * (learning rate 1 on ½·mean squared error), or "infinity" (trained to convergence). An MLP
   * trained full-batch in the NTK parameterisation for T steps of rate η on the mean squared
   * error (PyTorch's MSELoss, no ½) has t = 2ηT. A finite t needs a numeric ridge (0: the
   * exact dynamics).
   */
  time: Schema.Union([Schema.Literal("infinity"), Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))])
})
export type Config = typeof Config.Type

/** The width-sweep peer's settings: `fit_infinite` with a depth-2 ReLU net, W_std 1.5, b_std 1. */
export const defaults: Config = { depth: 2, activation: "relu", wStd: 1.5, bStd: 1.0, ridge: "grid", time: "infinity" }

const checkData = (ds: Dataset): void => {
  const source = "training set"
  if (ds.X.rows === 0) throw new DataError({ source, message: "the training set has no rows" })
  if (ds.y.length !== ds.X.rows) throw new DataError({ source, message: `${ds.X.rows} rows of X but ${ds.y.length} targets` })
  for (let i = 0; i < ds.y.length; i++) {
    if (!Number.isFinite(ds.y[i])) throw new DataError({ source, row: i + 1, message: `target ${ds.y[i]}: drop or impute non-finite values before fitting` })
  }
  if (ds.kind === "classification" && ds.classes < 2) {
    throw new DataError({ source, message: `classification needs at least 2 classes, the data declare ${ds.classes}` })
  }
}

const isTrialError = (e: unknown): e is TrialError =>
  e instanceof ConfigError || e instanceof DataError || e instanceof NumericalError

/** Runs synchronous numerics that throw typed errors; anything else stays a defect. */
const attempt = <A>(f: () => A): Effect.Effect<A, TrialError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (e) {
      if (isTrialError(e)) return Effect.fail(e)
      throw e
    }
  })

const targets = (ds: Dataset): Matrix.Matrix =>
  ds.kind === "classification" ? Predict.oneHot(ds.y, ds.classes) : Matrix.make(ds.y.length, 1, Float64Array.from(ds.y))

const arch = (config: Config, inputDim: number): Kernels.Spec => ({
  depth: config.depth,
  activation: config.activation,
  wStd: config.wStd,
  bStd: config.bStd,
  inputDim
})

/** A prediction in the contract's shape from Gaussian outputs (m × outputs) and a variance (m). */
const toPrediction = (ds: Dataset, mean: Matrix.Matrix, variance: Float64Array): Prediction => {
  if (ds.kind === "regression") return { kind: "regression", mean: Float64Array.from(mean.data), variance }
  const probabilities = Predict.classProbabilities(mean, variance)
  if (ds.classes !== 2) return { kind: "classification", probabilities }
  const decision = new Float64Array(mean.rows)
  for (let j = 0; j < mean.rows; j++) decision[j] = mean.data[j * 2 + 1] - mean.data[j * 2]
  return { kind: "classification", probabilities, decision }
}

const fitNngp = (config: Config, train: Dataset): Fitted => {
  checkData(train)
  const spec = arch(config, train.X.cols)
  const Z = targets(train)
  const kernels = Kernels.train(spec, train.X)
  const s = Ridge.spectrum(SymmetricEigen.decompose(kernels.nngp.matrix), Z)
  const choice = Ridge.byMarginalLikelihood(s, config.ridge === "grid" ? Ridge.grid : [config.ridge])
  const fit = Predict.nngp(kernels, Z, { diagReg: choice.ridge, scale: "absolute" })
  const info: Record<string, number | string | boolean> = {
    ridge: choice.ridge,
    ridgeRelative: choice.relative,
    amplitude: choice.amplitude,
    jitter: fit.jitter,
    truncation: kernels.nngp.truncation
  }
  if (train.kind === "classification") info.regressionLogLikelihood = choice.logLikelihood
  const predict = (X: Matrix.Matrix): Prediction => {
    const post = fit.predict(Kernels.cross(spec, X, train.X), Kernels.diagonal(spec, X))
    // the peer's predictive variance: a·(latent + r), floored at 1e-12
    const variance = post.variance.map((v) => Math.max(choice.amplitude * (v + choice.ridge), 1e-12))
    return toPrediction(train, post.mean, variance)
  }
  return {
    predict,
    ...(train.kind === "regression" ? { logLikelihood: choice.logLikelihood, freeParameters: 2 } : {}),
    hyperparameters: [
      { name: "ridge", value: choice.ridge, role: "other" },
      { name: "amplitude", value: choice.amplitude, role: "variance" }
    ],
    warnings: jitterWarnings(fit.jitter, "NNGP"),
    info,
    dispose: () => {}
  }
}

/** The NTK-GP after finite training time `time` (config.time), ridge fixed by the config. */
const fitNtkAtTime = (config: Config, train: Dataset, time: number): Fitted => {
  checkData(train)
  if (config.ridge === "grid") {
    throw new ConfigError({ field: "ntk.ridge", message: `a finite training time (time = ${time}) needs a numeric ridge, e.g. 0 for the exact dynamics; "grid" chooses one for t = ∞ only` })
  }
  const spec = arch(config, train.X.cols)
  const Z = targets(train)
  const kernels = Kernels.train(spec, train.X)
  const trajectory = Predict.ntkGradientDescent(kernels, Z, { diagReg: config.ridge })
  // MLE noise variance of the training residuals of the mean at time t
  const onTrain = trajectory.trainMean(time)
  let rss = 0
  for (let k = 0; k < Z.data.length; k++) rss += (Z.data[k] - onTrain.data[k]) ** 2
  const noiseVariance = rss / Z.data.length
  const info: Record<string, number | string | boolean> = { time, ridge: trajectory.ridge, ridgeRelative: config.ridge, noiseVariance, truncation: kernels.ntk.truncation }
  const predict = (X: Matrix.Matrix): Prediction => {
    const post = trajectory.predict(Kernels.cross(spec, X, train.X), Kernels.diagonal(spec, X), time)
    const variance = post.variance.map((v) => Math.max(v, 0) + noiseVariance)
    return toPrediction(train, post.mean, variance)
  }
  return { predict, hyperparameters: [], warnings: [], info, dispose: () => {} }
}

const fitNtk = (config: Config, train: Dataset): Fitted => {
  if (config.time !== "infinity") return fitNtkAtTime(config, train, config.time)
  checkData(train)
  const spec = arch(config, train.X.cols)
  const Z = targets(train)
  const kernels = Kernels.train(spec, train.X)
  const s = Ridge.spectrum(SymmetricEigen.decompose(kernels.ntk.matrix), Z)
  const choice = Ridge.byLeaveOneOut(s, Z, config.ridge === "grid" ? Ridge.grid : [config.ridge])
  const fit = Predict.ntk(kernels, Z, { diagReg: choice.ridge, scale: "absolute" })
  // MLE noise variance of the training residuals of the t = ∞ mean
  const noiseVariance = choice.residualMse
  const info: Record<string, number | string | boolean> = {
    ridge: choice.ridge,
    ridgeRelative: choice.relative,
    looMse: choice.looMse,
    noiseVariance,
    jitter: fit.jitter,
    truncation: kernels.ntk.truncation
  }
  const predict = (X: Matrix.Matrix): Prediction => {
    const post = fit.predict(Kernels.cross(spec, X, train.X), Kernels.diagonal(spec, X))
    const variance = post.variance.map((v) => Math.max(v, 0) + noiseVariance)
    return toPrediction(train, post.mean, variance)
  }
  return { predict, hyperparameters: [{ name: "ridge", value: choice.ridge, role: "other" }], warnings: jitterWarnings(fit.jitter, "NTK"), info, dispose: () => {} }
}

const jitterWarnings = (jitter: number, what: string): Array<FitFacts.FitWarning> =>
  jitter > 0
    ? [{ code: "Jitter", value: jitter, message: `the ${what} train kernel needed jitter ${jitter.toExponential(1)} beyond the ridge to factor: duplicate or near-duplicate inputs with a tiny ridge` }]
    : []

const declare = (name: "nngp" | "ntk", description: string, fitWith: (config: Config, train: Dataset) => Fitted) =>
  Family.define({
    name,
    description,
    tasks: ["regression", "classification"],
    stochastic: false,
    config: Config,
    defaults,
    example: { depth: 1, ridge: 0.01 },
    build: (config): Model => ({ family: name, fit: (train) => attempt(() => fitWith(config, train)) })
  })

/** The NNGP posterior of the Arch's infinite-width limit (ridge and amplitude by marginal likelihood). */
export const nngpFamily = declare("nngp", "NNGP posterior: the infinite-width Bayesian net of the MLP's architecture", fitNngp)

/** The NTK-GP: the infinite-width net trained by gradient descent for `time` (ridge by leave-one-out at t = ∞). */
export const ntkFamily = declare("ntk", "NTK-GP: the infinite-width MLP trained by gradient descent (t = ∞ or finite)", fitNtk)
