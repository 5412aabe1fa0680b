/**
 * Conformance of the infinite-width kernels and their predictions (src/models/ntk/Kernels.ts,
 * Predict.ts) with the closed-form NNGP/NTK recursions (fixture kind "ntk"): the NNGP and NTK
 * matrices of every case on the fixture's inputs, and the NNGP posterior and t = ∞ NTK-GP
 * prediction on its small regression set.
 *
 * Conventions (the fixture's description): neural-tangents' NTK parameterisation with σw² = sw2,
 * σb² = sb2, `depth` hidden layers and a linear readout; `diagReg` is added to the train block
 * as is (absolute, not scaled by the mean diagonal); the variances are latent (no noise term).
 * Tolerances: "kernels rtol 1e-10" for activations gpnn evaluates in closed form (relu, erf,
 * linear: `truncation` 0), the "quadrature … ~1e-6" clause for the others, "predictions rtol
 * 1e-6". `monteCarlo` reports the sampling error of the generator's torch nets, not a gpnn
 * quantity, so it is listed as skipped (gpnn's own Monte Carlo check is tests/ntkKernels.test.ts).
 */
import { Effect, Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Kernels from "../../models/ntk/Kernels.ts"
import * as Predict from "../../models/ntk/Predict.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)
const Rows = Schema.Array(Numbers)

const Arch = {
  activation: Schema.String,
  depth: Schema.Number,
  sw2: Schema.Number,
  sb2: Schema.Number
}

const Fixture = Schema.Struct({
  X: Schema.optionalKey(Rows),
  cases: Schema.optionalKey(Schema.Array(Schema.Struct({
    ...Arch,
    nngp: Schema.optionalKey(Rows),
    ntk: Schema.optionalKey(Rows)
  }))),
  monteCarlo: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  predictions: Schema.optionalKey(Schema.Struct({
    Xtrain: Rows,
    ytrain: Numbers,
    Xtest: Rows,
    cases: Schema.Array(Schema.Struct({
      ...Arch,
      diagReg: Schema.Number,
      nngpMean: Schema.optionalKey(Numbers),
      nngpVar: Schema.optionalKey(Numbers),
      ntkMean: Schema.optionalKey(Numbers),
      ntkVarInfTime: Schema.optionalKey(Numbers)
    }))
  }))
})
type Fixture = typeof Fixture.Type

const specOf = (c: { readonly activation: string; readonly depth: number; readonly sw2: number; readonly sb2: number }): Kernels.Spec => ({
  depth: c.depth,
  activation: c.activation,
  wStd: Math.sqrt(c.sw2),
  bStd: Math.sqrt(c.sb2)
})

const nameOf = (c: { readonly activation: string; readonly depth: number; readonly sw2: number; readonly sb2: number }): string =>
  `${c.activation} depth ${c.depth} σw² ${c.sw2} σb² ${c.sb2}`

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const closedForm = Description.tolerance(description, ["kernels"], { rtol: 1e-10, atol: 0 })
  const quadrature = Description.tolerance(description, ["quadrature"], { rtol: 1e-6, atol: 0 })
  const predictions = Description.tolerance(description, ["predictions"], { rtol: 1e-6, atol: 0 })
  const groups: Array<Effect.Effect<ReadonlyArray<Check.Line>>> = []

  for (const c of f.cases ?? []) {
    const name = nameOf(c)
    groups.push(Check.guard(file, name, () => {
      if (f.X === undefined) return [Check.failed(file, name, "the fixture has kernel cases but no X to evaluate them on")]
      const X = Matrix.fromRows(f.X)
      const pair = Kernels.train(specOf(c), X)
      const tol = pair.nngp.truncation === 0 ? closedForm : quadrature
      const n = X.rows
      const at = (i: number) => `[${Math.floor(i / n)},${i % n}]`
      const lines: Array<Check.Line> = []
      if (c.nngp !== undefined) lines.push(Check.close(file, `${name}: nngp`, pair.nngp.matrix.data, c.nngp.flat(), tol, at))
      if (c.ntk !== undefined) lines.push(Check.close(file, `${name}: ntk`, pair.ntk.matrix.data, c.ntk.flat(), tol, at))
      return lines
    }))
  }

  const p = f.predictions
  if (p !== undefined) {
    for (const c of p.cases) {
      const name = `predictions ${nameOf(c)} reg ${Check.formatValue(c.diagReg)}`
      groups.push(Check.guard(file, name, () => {
        const X = Matrix.fromRows(p.Xtrain)
        const Xs = Matrix.fromRows(p.Xtest)
        const Y = Matrix.make(X.rows, 1, Float64Array.from(p.ytrain))
        const spec = specOf(c)
        const train = Kernels.train(spec, X)
        const cross = Kernels.cross(spec, Xs, X)
        const diag = Kernels.diagonal(spec, Xs)
        const reg: Predict.Regularisation = { diagReg: c.diagReg, scale: "absolute" }
        const lines: Array<Check.Line> = []
        if (c.nngpMean !== undefined || c.nngpVar !== undefined) {
          const gp = Predict.nngp(train, Y, reg).predict(cross, diag)
          if (c.nngpMean !== undefined) lines.push(Check.close(file, `${name}: nngp mean`, gp.mean.data, c.nngpMean, predictions))
          if (c.nngpVar !== undefined) lines.push(Check.close(file, `${name}: nngp variance`, gp.variance, c.nngpVar, predictions))
        }
        if (c.ntkMean !== undefined || c.ntkVarInfTime !== undefined) {
          const t = Predict.ntk(train, Y, reg).predict(cross, diag)
          if (c.ntkMean !== undefined) lines.push(Check.close(file, `${name}: ntk mean`, t.mean.data, c.ntkMean, predictions))
          if (c.ntkVarInfTime !== undefined) lines.push(Check.close(file, `${name}: ntk variance t=∞`, t.variance, c.ntkVarInfTime, predictions))
        }
        return lines
      }))
    }
  }

  if (f.monteCarlo !== undefined && f.monteCarlo.length > 0) {
    groups.push(Effect.succeed([
      Check.skipped(file, "monteCarlo", "the generator's torch-net sampling error, not a gpnn quantity (gpnn's Monte Carlo check: tests/ntkKernels.test.ts)")
    ]))
  }
  return Effect.map(Effect.all(groups), (lines) => lines.flat())
}

export const kind: Kind.Kind = Kind.make({
  name: "ntk",
  signature: "X, cases[{activation, depth, sw2, sb2, nngp, ntk}], predictions{Xtrain, ytrain, Xtest, cases}",
  schema: Fixture,
  present: (f) => ((f.cases ?? []).length === 0 && f.predictions === undefined ? "neither kernel cases nor predictions" : undefined),
  run
})
