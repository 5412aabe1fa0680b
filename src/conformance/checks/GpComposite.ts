/**
 * Conformance of composite-kernel GP regression (src/models/kernels/Expression.ts,
 * src/models/gp/GpRegression.ts) with scikit-learn (fixture kind "gp_composite": a kernel given
 * as a JSON expression tree, fitted on the Mauna Loa CO₂ record). Per case: the tree decodes and
 * names its free hyperparameters exactly as the fixture's `names` (path names, sklearn's theta
 * order); at the fixed hyperparameters the log marginal likelihood on the normalised and the
 * original scale, its gradient w.r.t. log θ, the predictive mean, std with noise and latent std;
 * the printout of the fitted kernel as sklearn's `kernel_`; and a fit from the initial values
 * that must reach the reference's fitted LML.
 *
 * Conventions (the fixture's description): normalize_y as stated ("normalize_y=True"), y then
 * centred by its mean and scaled by its population std; `lml` on the normalised scale,
 * `lmlOriginal` = lml − n·log yStd; `alpha` on the diagonal as stated (default 1e-10);
 * predictions at the first `mean.length` rows of Xtest. Tolerances from the description's
 * "fixed lml, lmlOriginal, grads, mean, std, stdLatent" clause (default rtol 1e-6 atol 0); the fit
 * passes when lml ≥ ref − s·|ref| with s from "lml >= fitted.lml - 1e-3*|fitted.lml|" (default
 * 1e-3). The fit starts at the tree's values with `fitted.restarts` restarts, at least 5 (the
 * first read off the data, Kernel.startsFromData), drawn from a seed derived from the case's
 * dataset and name.
 *
 * Gotchas: `data`, `validation` and `timing` are the generator's provenance, self-checks and
 * wall times, not gpnn quantities, so they are recognised and not compared; `rmse` and
 * `coverage95` are informational in the fixture and not checked either.
 */
import { Effect, Result, Schema } from "effect"
import * as Random from "../../core/Random.ts"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Gp from "../../models/gp/GpRegression.ts"
import * as Expression from "../../models/kernels/Expression.ts"
import * as Kernel from "../../models/kernels/Kernel.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)
const Rows = Schema.Array(Numbers)

const Fixture = Schema.Struct({
  data: Schema.optionalKey(Schema.Unknown),
  validation: Schema.optionalKey(Schema.Unknown),
  timing: Schema.optionalKey(Schema.Unknown),
  cases: Schema.Array(Schema.Struct({
    dataset: Schema.optionalKey(Schema.String),
    name: Schema.optionalKey(Schema.String),
    /** Decoded per case (Expression.decode), so a bad tree fails its case with the node's path. */
    kernel: Schema.Record(Schema.String, Schema.Unknown),
    names: Schema.Array(Schema.String),
    X: Rows,
    y: Numbers,
    Xtest: Schema.optionalKey(Rows),
    fixed: Schema.optionalKey(Schema.Struct({
      params: Numbers,
      lml: Schema.optionalKey(Schema.Number),
      lmlOriginal: Schema.optionalKey(Schema.Number),
      lmlGradLog: Schema.optionalKey(Numbers),
      mean: Schema.optionalKey(Numbers),
      std: Schema.optionalKey(Numbers),
      stdLatent: Schema.optionalKey(Numbers)
    })),
    fitted: Schema.optionalKey(Schema.Struct({
      params: Schema.optionalKey(Numbers),
      lml: Schema.optionalKey(Schema.Number),
      sklearnKernel: Schema.optionalKey(Schema.String),
      restarts: Schema.optionalKey(Schema.Number)
    }))
  }))
})
type Fixture = typeof Fixture.Type
type Case = Fixture["cases"][number]

const DEFAULT = { rtol: 1e-6, atol: 0 }

/**
 * The fewest restarts of the fit (the fixture's `fitted.restarts` when more): the reference LML
 * is sklearn's from the initial values alone, and another optimiser's path from there may end in
 * another of the likelihood's local optima; each restart of the 11-parameter CO₂ kernel costs
 * about a second.
 */
const MIN_RESTARTS = 5

/** The seed every case's restarts derive from, keyed "<dataset> / <name>". */
const SEED = 20240601

const logOf = (values: ReadonlyArray<number>): Float64Array => Float64Array.from(values, Math.log)

const checkCase = (c: Case, index: number, label: string, context: Kind.Context): ReadonlyArray<Check.Line> => {
  const { file, description } = context
  const decoded = Expression.decode(c.kernel)
  if (Result.isFailure(decoded)) return [Check.failed(file, `${label}: kernel`, Expression.describeProblem(decoded.failure))]
  const expression = decoded.success
  const spec = Expression.toKernel(expression)
  const ours = Expression.names(expression)
  const lines: Array<Check.Line> = [Check.exact(file, `${label}: hyperparameter names`, ours.join(", "), c.names.join(", "))]
  if (lines[0].outcome === "fail") return lines

  const X = Matrix.fromRows(c.X)
  const y = Float64Array.from(c.y)
  const n = y.length
  const normalizeY = /normalize_y\s*=\s*True/i.test(description ?? "")
  const alpha = Description.setting(description, "GaussianProcessRegressor", String.raw`alpha\s*=\s*(N)`) ?? Gp.DEFAULT_ALPHA
  const tol = (keyword: string) => Description.tolerance(description, [keyword], DEFAULT)

  const fixed = c.fixed
  if (fixed !== undefined) {
    const kernel = Kernel.withTheta(spec, logOf(fixed.params))
    const conditioned = Gp.fit(kernel, X, y, { optimize: false, normalizeY, alpha })
    const z = Float64Array.from(y, (v) => (v - conditioned.yMean) / conditioned.yStd)
    const l = Gp.logMarginalLikelihood(kernel, X, z, { alpha })
    if (fixed.lml !== undefined) lines.push(Check.close(file, `${label}: lml`, l.value, fixed.lml, tol("lml")))
    if (fixed.lmlOriginal !== undefined) lines.push(Check.close(file, `${label}: lmlOriginal`, conditioned.logMarginalLikelihood, fixed.lmlOriginal, tol("lmlOriginal")))
    if (fixed.lmlGradLog !== undefined) lines.push(Check.close(file, `${label}: ∂lml/∂log θ`, l.gradient, fixed.lmlGradLog, tol("grads"), (i) => c.names[i]))
    const m = Math.max(fixed.mean?.length ?? 0, fixed.std?.length ?? 0, fixed.stdLatent?.length ?? 0)
    if (c.Xtest !== undefined && m > 0) {
      const p = Gp.predict(conditioned, Matrix.fromRows(c.Xtest.slice(0, m)))
      if (fixed.mean !== undefined) lines.push(Check.close(file, `${label}: mean`, p.mean, fixed.mean, tol("mean")))
      if (fixed.std !== undefined) lines.push(Check.close(file, `${label}: std with noise`, p.variance.map(Math.sqrt), fixed.std, tol("std")))
      if (fixed.stdLatent !== undefined) lines.push(Check.close(file, `${label}: std latent`, p.latentVariance.map(Math.sqrt), fixed.stdLatent, tol("stdLatent")))
    }
  }

  const fitted = c.fitted
  if (fitted?.params !== undefined && fitted.sklearnKernel !== undefined) {
    lines.push(Check.exact(file, `${label}: printout of the fitted kernel`, Kernel.format(Kernel.withTheta(spec, logOf(fitted.params)), { brackets: false }), fitted.sklearnKernel))
  }
  if (fitted?.lml !== undefined) {
    const stated = Description.setting(description, "fitted.lml", String.raw`fitted\.lml\s*-\s*(N)\s*\*`)
    const restarts = Math.max(fitted.restarts ?? 0, MIN_RESTARTS)
    const fit = Gp.fit(spec, X, y, {
      restarts,
      rng: Random.make(Random.derive(SEED, `${c.dataset ?? index} / ${c.name ?? index}`)),
      normalizeY,
      alpha
    })
    lines.push(Check.bound(file, `${label}: fitted lml (${restarts} restarts)`, fit.normalizedLml, fitted.lml, stated ?? 1e-3, {
      source: stated === undefined ? "default" : "description"
    }))
  }
  return lines
}

const run = (f: Fixture, context: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> =>
  Effect.map(
    Effect.all(f.cases.map((c, k) => {
      const label = `${c.dataset ?? `cases[${k}]`}/${c.name ?? k}`
      return Check.guard(context.file, label, () => checkCase(c, k, label, context))
    })),
    (lines) => lines.flat()
  )

export const kind: Kind.Kind = Kind.make({
  name: "gp_composite",
  signature: "cases[{kernel: expression tree, names, X, y, Xtest, fixed{params, lml, lmlGradLog, …}, fitted{params, lml, sklearnKernel, …}}]",
  schema: Fixture,
  present: (f) => (f.cases.length === 0 ? "no cases" : undefined),
  run
})
