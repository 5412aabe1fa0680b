/**
 * Conformance of src/stats/Calibration.ts with scikit-learn 1.2.1 and the fixture's ECE
 * convention (fixture kind "calibration"): Brier score, calibration curves (uniform and quantile
 * bins), top-label predictions and confidences, ECE, MCE and the ECE's bins, for binary
 * probabilities and for multi-class probability matrices (plus accuracy and the one-vs-rest
 * curves there) — each recomputed from the labels and probabilities.
 *
 * Conventions (the fixture's description): "Tolerances: rtol 1e-12 (atol 1e-15 …)" (the default
 * too) for every value; predicted classes, bin indices and counts must match exactly.
 */
import { Effect, Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Metrics from "../../scoring/Metrics.ts"
import * as Calibration from "../../stats/Calibration.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)
const opt = Schema.optionalKey

const Curve = Schema.Struct({ probTrue: Numbers, probPred: Numbers })
const Curves = Schema.Struct({ uniform: opt(Curve), quantile: opt(Curve) })
const TopLabel = Schema.Struct({ pred: opt(Numbers), conf: opt(Numbers) })
const EceBins = Schema.Array(Schema.Struct({
  bin: Schema.Number,
  lower: opt(Schema.Number),
  upper: opt(Schema.Number),
  count: Schema.Number,
  acc: opt(Schema.Number),
  conf: opt(Schema.Number),
  gap: opt(Schema.Number)
}))
const TopLabelFields = {
  topLabel: opt(TopLabel),
  ece: opt(Schema.Number),
  mce: opt(Schema.Number),
  eceBins: opt(EceBins)
}
const Shared = {
  y: Numbers,
  brier: opt(Schema.Number),
  ...TopLabelFields
}

const Fixture = Schema.Struct({
  binary: opt(Schema.Struct({ ...Shared, p: Numbers, calibrationCurve: opt(Curves) })),
  multiclass: opt(Schema.Struct({
    ...Shared,
    nClasses: opt(Schema.Number),
    proba: Schema.Array(Numbers),
    accuracy: opt(Schema.Number),
    oneVsRest: opt(Schema.Array(Schema.Struct({ class: Schema.Number, uniform: opt(Curve), quantile: opt(Curve) })))
  }))
})
type Fixture = typeof Fixture.Type

/** The public set's tolerance. */
const DEFAULT = { rtol: 1e-12, atol: 1e-15 }

const curveLines = (
  file: string,
  label: string,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  expected: typeof Curves.Type,
  tol: Check.Tolerance
): Array<Check.Line> =>
  (["uniform", "quantile"] as const).flatMap((strategy) => {
    const want = expected[strategy]
    if (want === undefined) return []
    const curve = Calibration.calibrationCurve(y, p, { strategy })
    return [
      Check.close(file, `${label} ${strategy}: probTrue`, curve.probTrue, want.probTrue, tol),
      Check.close(file, `${label} ${strategy}: probPred`, curve.probPred, want.probPred, tol)
    ]
  })

/** Top label, ECE, MCE and ECE bins against the fixture's. */
const topLabelLines = (file: string, label: string, y: ArrayLike<number>, top: Calibration.TopLabel, f: Schema.Struct.Type<typeof TopLabelFields>, tol: Check.Tolerance): Array<Check.Line> => {
  const lines: Array<Check.Line> = []
  if (f.topLabel?.pred !== undefined) lines.push(Check.exact(file, `${label}: topLabel pred`, Array.from(top.pred).join(" "), f.topLabel.pred.join(" ")))
  if (f.topLabel?.conf !== undefined) lines.push(Check.close(file, `${label}: topLabel conf`, top.conf, f.topLabel.conf, tol))
  const ece = Calibration.ece(y, top)
  if (f.ece !== undefined) lines.push(Check.close(file, `${label}: ece`, ece.ece, f.ece, tol))
  if (f.mce !== undefined) lines.push(Check.close(file, `${label}: mce`, ece.mce, f.mce, tol))
  const bins = f.eceBins
  if (bins !== undefined) {
    const key = (b: { readonly bin: number; readonly count: number }) => `${b.bin}:${b.count}`
    lines.push(Check.exact(file, `${label}: eceBins bin:count`, ece.bins.map(key).join(" "), bins.map(key).join(" ")))
    const paired = bins.flatMap((e) => {
      const ours = ece.bins.find((b) => b.bin === e.bin)
      if (ours === undefined) return []
      return (["lower", "upper", "acc", "conf", "gap"] as const).flatMap((key) => {
        const value = e[key]
        return value === undefined ? [] : [{ label: `bin ${e.bin} ${key}`, actual: ours[key], expected: value }]
      })
    })
    if (paired.length > 0) lines.push(Check.close(file, `${label}: eceBins edges, acc, conf, gap`, paired.map((v) => v.actual), paired.map((v) => v.expected), tol, (i) => paired[i].label))
  }
  return lines
}

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const tol = Description.tolerance(description, ["tolerances"], DEFAULT)
  const groups: Array<Effect.Effect<ReadonlyArray<Check.Line>>> = []
  const b = f.binary
  if (b !== undefined) {
    groups.push(Check.guard(file, "binary", () => [
      ...(b.brier === undefined ? [] : [Check.close(file, "binary: brier", Calibration.brier(b.y, b.p), b.brier, tol)]),
      ...(b.calibrationCurve === undefined ? [] : curveLines(file, "binary", b.y, b.p, b.calibrationCurve, tol)),
      ...topLabelLines(file, "binary", b.y, Calibration.topLabelBinary(b.p), b, tol)
    ]))
  }
  const m = f.multiclass
  if (m !== undefined) {
    groups.push(Check.guard(file, "multiclass", () => {
      const P = Matrix.fromRows(m.proba)
      const lines: Array<Check.Line> = []
      if (m.nClasses !== undefined) lines.push(Check.exact(file, "multiclass: nClasses", P.cols, m.nClasses))
      if (m.brier !== undefined) lines.push(Check.close(file, "multiclass: brier", Calibration.brierMulticlass(m.y, P), m.brier, tol))
      if (m.accuracy !== undefined) lines.push(Check.close(file, "multiclass: accuracy", Metrics.accuracy(m.y, P), m.accuracy, tol))
      for (const ovr of m.oneVsRest ?? []) {
        const isClass = m.y.map((v) => (v === ovr.class ? 1 : 0))
        const column = m.proba.map((row) => row[ovr.class])
        lines.push(...curveLines(file, `multiclass class ${ovr.class}`, isClass, column, ovr, tol))
      }
      lines.push(...topLabelLines(file, "multiclass", m.y, Calibration.topLabel(P), m, tol))
      return lines
    }))
  }
  return Effect.map(Effect.all(groups), (lines) => lines.flat())
}

export const kind: Kind.Kind = Kind.make({
  name: "calibration",
  signature: "binary{y, p, brier, calibrationCurve, topLabel, ece, mce, eceBins}, multiclass{nClasses, y, proba, brier, accuracy, oneVsRest, …}",
  schema: Fixture,
  present: (f) => (f.binary === undefined && f.multiclass === undefined ? "none of binary, multiclass" : undefined),
  run
})
