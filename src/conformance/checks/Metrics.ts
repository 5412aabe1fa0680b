/**
 * Conformance of src/scoring/Metrics.ts with scikit-learn's metrics (fixture kind "metrics"):
 * binary ROC-AUC and ROC curves (full and with collinear points dropped), one-vs-rest macro AUC,
 * log-loss and accuracy of class probabilities, MSE and R² — each recomputed from the fixture's
 * labels and scores.
 *
 * Conventions (the fixture's description): one relative tolerance for everything ("Tolerance:
 * 1e-12 relative", default 1e-12). The ROC curve's first threshold is +∞ here (scikit-learn ≥ 1.3);
 * the fixture stores it as 1e308 or, as scikit-learn 1.2 wrote it, max(score) + 1: either form
 * counts as +∞, any other fails.
 */
import { Effect, Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Metrics from "../../scoring/Metrics.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)

const Roc = Schema.Struct({
  fpr: Numbers,
  tpr: Numbers,
  thresholds: Schema.optionalKey(Numbers)
})

const Fixture = Schema.Struct({
  binary: Schema.optionalKey(Schema.Array(Schema.Struct({
    name: Schema.optionalKey(Schema.String),
    y: Numbers,
    score: Numbers,
    auc: Schema.optionalKey(Schema.Number),
    rocFull: Schema.optionalKey(Roc),
    rocDropped: Schema.optionalKey(Roc)
  }))),
  multiclass: Schema.optionalKey(Schema.Struct({
    y: Numbers,
    proba: Schema.Array(Numbers),
    ovrMacroAuc: Schema.optionalKey(Schema.Number),
    logLoss: Schema.optionalKey(Schema.Number),
    accuracy: Schema.optionalKey(Schema.Number)
  })),
  regression: Schema.optionalKey(Schema.Struct({
    y: Numbers,
    pred: Numbers,
    mse: Schema.optionalKey(Schema.Number),
    r2: Schema.optionalKey(Schema.Number)
  }))
})
type Fixture = typeof Fixture.Type

/** The public set's tolerance. */
const DEFAULT = { rtol: 1e-12, atol: 0 }

/** Whether the fixture's first threshold is one of the forms +∞ is stored in. */
const isInfinityForm = (thresholds: ReadonlyArray<number>): boolean =>
  thresholds[0] >= 1e308 || (thresholds.length > 1 && Math.abs(thresholds[0] - (thresholds[1] + 1)) <= 1e-12 * Math.abs(thresholds[1] + 1))

const rocLines = (
  file: string,
  label: string,
  roc: Metrics.RocCurve,
  expected: typeof Roc.Type,
  tol: Check.Tolerance
): Array<Check.Line> => {
  const lines = [
    Check.close(file, `${label} fpr`, roc.fpr, expected.fpr, tol),
    Check.close(file, `${label} tpr`, roc.tpr, expected.tpr, tol)
  ]
  const thresholds = expected.thresholds
  if (thresholds !== undefined) {
    const rest = Check.close(file, `${label} thresholds`, roc.thresholds.subarray(1), thresholds.slice(1), tol, (i) => `[${i + 1}]`)
    const firstOk = roc.thresholds[0] === Number.POSITIVE_INFINITY && thresholds.length > 0 && isInfinityForm(thresholds)
    lines.push(
      firstOk || roc.thresholds.length !== thresholds.length
        ? { ...rest, note: `${rest.note}; first (+∞) stored as ${Check.formatValue(thresholds[0])}` }
        : { ...rest, outcome: "fail", note: `first threshold ${Check.formatValue(thresholds[0])} is neither 1e308 nor max(score) + 1 (+∞); ${rest.note}` }
    )
  }
  return lines
}

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const tol = Description.tolerance(description, ["tolerance"], DEFAULT)
  const groups: Array<Effect.Effect<ReadonlyArray<Check.Line>>> = []
  for (const [k, c] of (f.binary ?? []).entries()) {
    const name = c.name ?? `binary[${k}]`
    groups.push(Check.guard(file, name, () => {
      const lines: Array<Check.Line> = []
      if (c.auc !== undefined) lines.push(Check.close(file, `${name}: rocAuc`, Metrics.rocAuc(c.y, c.score), c.auc, tol))
      if (c.rocFull !== undefined) lines.push(...rocLines(file, `${name}: roc full`, Metrics.rocCurve(c.y, c.score, { dropIntermediate: false }), c.rocFull, tol))
      if (c.rocDropped !== undefined) lines.push(...rocLines(file, `${name}: roc dropped`, Metrics.rocCurve(c.y, c.score, { dropIntermediate: true }), c.rocDropped, tol))
      return lines
    }))
  }
  const m = f.multiclass
  if (m !== undefined) {
    groups.push(Check.guard(file, "multiclass", () => {
      const P = Matrix.fromRows(m.proba)
      const lines: Array<Check.Line> = []
      if (m.ovrMacroAuc !== undefined) lines.push(Check.close(file, "multiclass: ovrMacroAuc", Metrics.ovrMacroAuc(m.y, P), m.ovrMacroAuc, tol))
      if (m.logLoss !== undefined) lines.push(Check.close(file, "multiclass: logLoss", Metrics.logLoss(m.y, P), m.logLoss, tol))
      if (m.accuracy !== undefined) lines.push(Check.close(file, "multiclass: accuracy", Metrics.accuracy(m.y, P), m.accuracy, tol))
      return lines
    }))
  }
  const r = f.regression
  if (r !== undefined) {
    groups.push(Check.guard(file, "regression", () => {
      const lines: Array<Check.Line> = []
      if (r.mse !== undefined) lines.push(Check.close(file, "regression: mse", Metrics.mse(r.y, r.pred), r.mse, tol))
      if (r.r2 !== undefined) lines.push(Check.close(file, "regression: r2", Metrics.r2(r.y, r.pred), r.r2, tol))
      return lines
    }))
  }
  return Effect.map(Effect.all(groups), (lines) => lines.flat())
}

export const kind: Kind.Kind = Kind.make({
  name: "metrics",
  signature: "binary[{y, score, auc, rocFull, rocDropped}], multiclass{y, proba}, regression{y, pred}",
  schema: Fixture,
  present: (f) =>
    f.binary === undefined && f.multiclass === undefined && f.regression === undefined ? "none of binary, multiclass, regression" : undefined,
  run
})
