/**
 * Support vector machines as a gpnn model family ("svm"): a C-SVC for classification (Platt
 * probabilities, one-vs-rest beyond two classes) or an ε-SVR for regression, on the SMO solver,
 * implementing the `Model` contract.
 *
 * Conventions: the kernel is the built-in RBF exp(−γ‖x − x'‖²) (`kernel: "rbf"`) or one of the
 * shared kernel families through the adapter (`matern12`, `matern32`, `matern52`, `rq`,
 * `periodic` with length-scale σ; `linear` 1 + x·x', whose constant is exactly absorbed by the
 * bias because Σ coef = 0). Give γ or σ (γ = 1/(2σ²)), not both; with neither, γ = 1/(d·Var X)
 * (scikit-learn's gamma="scale"). Classification: `decision` (binary) is the margin f(x), > 0
 * meaning class 1; `probabilities` are Platt-scaled on 5-fold cross-validated decision values
 * (folds from `rng.fork("svm/platt")`), or one-hot at the predicted class when
 * `probability: false`. Regression: `mean` only.
 * No `logLikelihood` and no `freeParameters`: the hinge and ε-insensitive losses are not negative
 * log-likelihoods of any normalised model, and the dual solution's effective number of parameters
 * (the support vectors) is not an AIC k, so AIC is undefined for this family; compare SVMs on
 * held-out scores. An SVR has no predictive variance, so `variance` is left undefined.
 * The data are used as given (the pipeline standardises them).
 *
 * When to use: `family.make(config)` validates a study's partial config (missing fields
 * take `defaults`). Gotchas: only Platt probabilities depend on the seed; decision values and
 * regression predictions do not. With `select` (RBF C-SVC only) C and σ are chosen per fit by
 * an inner stratified k-fold of the training part (Nested.ts; its folds from
 * `rng.fork("svm/select")`) and reported as the hyperparameters "C" and "sigma".
 */
import { Effect, Schema } from "effect"
import { ConfigError, DataError, NumericalError } from "../../core/Errors.ts"
import type { TrialError } from "../../core/Errors.ts"
import type { Dataset } from "../../data/Dataset.ts"
import * as Kernel from "../kernels/Kernel.ts"
import * as Family from "../Family.ts"
import type * as FitFacts from "../FitFacts.ts"
import type { FitOptions, Fitted, Model, Prediction } from "../Model.ts"
import * as KernelRows from "./KernelRows.ts"
import * as Nested from "./Nested.ts"
import * as Svc from "./Svc.ts"
import * as Svr from "./Svr.ts"

export const kernelFamilies = ["rbf", "matern12", "matern32", "matern52", "rq", "periodic", "linear"] as const
export type KernelFamily = (typeof kernelFamilies)[number]

const Positive = Schema.Finite.check(Schema.isGreaterThan(0))

export const SvmConfig = Schema.Struct({
  kind: Schema.Literals(["svc", "svr"]),
  kernel: Schema.Literals(kernelFamilies),
  C: Positive,
  /** RBF γ; give this or `sigma`. */
  gamma: Schema.optional(Positive),
  /** Length-scale σ = 1/√(2γ); give this or `gamma`. */
  sigma: Schema.optional(Positive),
  /** ε-SVR tube half-width (ignored by "svc"). */
  epsilon: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Platt-scaled probabilities (5-fold CV); false gives one-hot probabilities. */
  probability: Schema.Boolean,
  tol: Positive,
  cacheMb: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  shrinking: Schema.Boolean,
  maxIterations: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /**
   * C-SVC with the built-in RBF only: choose C and σ by an inner stratified k-fold on the training
   * part (ROC-AUC of decision values, Nested.ts) instead of taking `C` and `sigma`/`gamma`, then
   * fit on the whole training part with the chosen pair (nested selection: the data that score
   * the model never choose it).
   */
  select: Schema.optional(Schema.Struct({
    Cs: Schema.Array(Positive).check(Schema.isMinLength(1)),
    sigmas: Schema.Array(Positive).check(Schema.isMinLength(1)),
    folds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2))
  }))
})
export type SvmConfig = typeof SvmConfig.Type

/** libsvm's / scikit-learn's defaults (C 1, ε 0.1, tol 1e-3, 200 MiB cache, shrinking), RBF, Platt on. */
export const defaults: SvmConfig = {
  kind: "svc",
  kernel: "rbf",
  C: 1,
  epsilon: 0.1,
  probability: true,
  tol: 1e-3,
  cacheMb: 200,
  shrinking: true
}

/** γ = 1/(d·Var X) over every entry of X (scikit-learn's "scale"); 1 when X is constant. */
export const scaleGamma = (X: Dataset["X"]): number => {
  const m = X.data.length
  let mean = 0
  for (let k = 0; k < m; k++) mean += X.data[k]
  mean /= m
  let v = 0
  for (let k = 0; k < m; k++) v += (X.data[k] - mean) ** 2
  v /= m
  return v > 0 ? 1 / (X.cols * v) : 1
}

/** The kernel spec of a config on training inputs X. */
export const kernelSpec = (config: SvmConfig, X: Dataset["X"]): KernelRows.Spec => {
  const gamma = config.gamma ?? (config.sigma !== undefined ? KernelRows.gammaFromSigma(config.sigma) : scaleGamma(X))
  const sigma = KernelRows.sigmaFromGamma(gamma)
  switch (config.kernel) {
    case "rbf":
      return KernelRows.rbf(gamma)
    case "matern12":
      return KernelRows.shared(Kernel.matern({ nu: 0.5, lengthScale: sigma, lengthScaleBounds: "fixed" }))
    case "matern32":
      return KernelRows.shared(Kernel.matern({ nu: 1.5, lengthScale: sigma, lengthScaleBounds: "fixed" }))
    case "matern52":
      return KernelRows.shared(Kernel.matern({ nu: 2.5, lengthScale: sigma, lengthScaleBounds: "fixed" }))
    case "rq":
      return KernelRows.shared(Kernel.rationalQuadratic({ lengthScale: sigma, lengthScaleBounds: "fixed", alphaBounds: "fixed" }))
    case "periodic":
      return KernelRows.shared(Kernel.periodic({ lengthScale: sigma, lengthScaleBounds: "fixed", periodBounds: "fixed" }))
    case "linear":
      return KernelRows.shared(Kernel.linear({ sigma0Bounds: "fixed" }))
  }
}

const checkData = Effect.fnUntraced(function*(ds: Dataset) {
  const source = `training set ${ds.name}`
  if (ds.X.rows === 0) return yield* new DataError({ source, message: `${source} has no rows` })
  if (ds.y.length !== ds.X.rows) return yield* new DataError({ source, message: `${source} has ${ds.X.rows} rows of X but ${ds.y.length} targets` })
  // non-finite values are refused before this runs, by Family.define
})

const toTrialError = (error: unknown): TrialError => {
  if (error instanceof DataError || error instanceof ConfigError || error instanceof NumericalError) return error
  throw error
}

const fit = Effect.fn("Svm.fit")(function*(config: SvmConfig, train: Dataset, options: FitOptions): Effect.fn.Return<Fitted, TrialError> {
  const wanted = train.kind === "classification" ? "svc" : "svr"
  if (config.kind !== wanted) {
    return yield* new ConfigError({ field: "svm.kind", message: `${train.name} is a ${train.kind} task: use kind "${wanted}", not "${config.kind}"` })
  }
  yield* checkData(train)
  const solver = {
    tol: config.tol,
    cacheMb: config.cacheMb,
    shrinking: config.shrinking,
    ...(config.maxIterations === undefined ? {} : { maxIterations: config.maxIterations })
  }
  const { select } = config
  const choice = select === undefined
    ? undefined
    : yield* Effect.try({
      try: () => Nested.select(train.X, train.y, train.classes, { solver, Cs: select.Cs, sigmas: select.sigmas, folds: select.folds, rng: options.rng.fork("svm/select") }),
      catch: toTrialError
    })
  const C = choice?.best.C ?? config.C
  const kernel = yield* Effect.try({
    try: () => (choice === undefined ? kernelSpec(config, train.X) : KernelRows.rbfSigma(choice.best.sigma)),
    catch: toTrialError
  })
  const base = {
    kernel: KernelRows.describe(kernel),
    C,
    ...(kernel._tag === "Rbf" ? { gamma: kernel.gamma, sigma: KernelRows.sigmaFromGamma(kernel.gamma) } : {}),
    ...(choice === undefined ? {} : { innerCvAuc: choice.best.auc, innerFolds: select?.folds ?? 0 })
  }
  // The chosen pair as fitted hyperparameters (σ in standardised units, a length-scale), with the grid's range as bounds.
  const chosen: Array<FitFacts.Hyperparameter> = choice === undefined || select === undefined
    ? []
    : [
      { name: "C", value: choice.best.C, role: "other", lower: Math.min(...select.Cs), upper: Math.max(...select.Cs) },
      { name: "sigma", value: choice.best.sigma, role: "lengthScale", lower: Math.min(...select.sigmas), upper: Math.max(...select.sigmas) }
    ]
  if (config.kind === "svr") {
    const model = yield* Effect.try({ try: () => Svr.fit(train.X, train.y, { ...solver, C: config.C, epsilon: config.epsilon, kernel }), catch: toTrialError })
    return {
      predict: (X): Prediction => ({ kind: "regression", mean: Svr.predict(model, X) }),
      info: {
        ...base,
        epsilon: config.epsilon,
        nSupport: model.supportIndex.length,
        iterations: model.iterations,
        converged: model.converged
      },
      hyperparameters: [],
      warnings: model.warnings.map(solverWarning),
      dispose: () => {}
    }
  }
  const model = yield* Effect.try({
    try: () =>
      Svc.fit(train.X, train.y, train.classes, {
        ...solver,
        C,
        kernel,
        platt: config.probability ? "cv" : "none",
        rng: options.rng.fork("svm/platt")
      }),
    catch: toTrialError
  })
  const sigmoid = model.classes === 2 ? model.machines[0].sigmoid : undefined
  return {
    predict: (X): Prediction => {
      const values = Svc.decisions(model, X)
      const probabilities = Svc.probabilitiesFrom(model, values)
      return model.classes === 2 ? { kind: "classification", probabilities, decision: values[0] } : { kind: "classification", probabilities }
    },
    info: {
      ...base,
      nSupport: Svc.nSupport(model),
      iterations: model.machines.reduce((s, m) => s + m.iterations, 0),
      converged: model.machines.every((m) => m.converged),
      ...(model.classes > 2 ? { multiclass: "one-vs-rest" } : {}),
      ...(sigmoid === undefined ? {} : { plattA: sigmoid.a, plattB: sigmoid.b })
    },
    hyperparameters: chosen,
    warnings: model.machines.flatMap((m) => m.warnings).map(solverWarning),
    dispose: () => {}
  }
})

/** SMO's and Platt scaling's iteration-limit notes (the only warnings they raise). */
const solverWarning = (message: string): FitFacts.FitWarning => ({ code: "NotConverged", message })

/** The "svm" family: C-SVC for classification, ε-SVR for regression (libsvm's SMO). */
export const family = Family.define({
  name: "svm",
  description: "Support vector machines: C-SVC (one-vs-rest beyond two classes, Platt probabilities) and ε-SVR, by SMO",
  tasks: ["classification", "regression"],
  stochastic: false,
  config: SvmConfig,
  defaults,
  example: (kind) => ({ kind: kind === "classification" ? ("svc" as const) : ("svr" as const), C: 1, sigma: 1, probability: false }),
  check: (config) =>
    config.gamma !== undefined && config.sigma !== undefined
      ? new ConfigError({ field: "svm.sigma", message: `give gamma (${config.gamma}) or sigma (${config.sigma}), not both: γ = 1/(2σ²)` })
      : config.select !== undefined && (config.kind !== "svc" || config.kernel !== "rbf")
      ? new ConfigError({ field: "svm.select", message: `select chooses C and σ of an RBF C-SVC by inner-CV ROC-AUC; this config has kind "${config.kind}" and kernel "${config.kernel}": use kind "svc" and kernel "rbf", or drop select` })
      : config.select !== undefined && (config.gamma !== undefined || config.sigma !== undefined)
      ? new ConfigError({ field: "svm.select", message: "select chooses σ itself: drop sigma / gamma from the config" })
      : undefined,
  build: (config): Model => ({ family: "svm", fit: (train, options) => fit(config, train, options) })
})
