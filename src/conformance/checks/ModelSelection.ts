/**
 * Conformance of the polynomial degree sweep (src/scoring/Polynomial.ts, InformationCriteria.ts)
 * with numpy/scikit-learn (fixture kind "model_selection"): for every degree in the fixture's
 * rows, the Gaussian log-likelihood at the MLE noise, k, AIC, BIC and the CV MSE on the given
 * folds, then the degree each criterion selects.
 *
 * Conventions (the fixture's description): "Tolerance rtol 1e-9" (default 1e-9) for every
 * number; k and the selected degrees must match exactly. Selections are made among the degrees
 * the file lists (a file holding a subset of the degrees selects within it).
 */
import { Effect, Schema } from "effect"
import * as Split from "../../data/Split.ts"
import * as Polynomial from "../../scoring/Polynomial.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)

const Fixture = Schema.Struct({
  x: Numbers,
  y: Numbers,
  folds: Schema.Array(Numbers),
  rows: Schema.Array(Schema.Struct({
    degree: Schema.Number,
    logLik: Schema.optionalKey(Schema.Number),
    k: Schema.optionalKey(Schema.Number),
    aic: Schema.optionalKey(Schema.Number),
    bic: Schema.optionalKey(Schema.Number),
    cvMse: Schema.optionalKey(Schema.Number),
    cvMseFolds: Schema.optionalKey(Numbers)
  })),
  selected: Schema.optionalKey(Schema.Struct({
    aic: Schema.optionalKey(Schema.Number),
    bic: Schema.optionalKey(Schema.Number),
    cv: Schema.optionalKey(Schema.Number)
  }))
})
type Fixture = typeof Fixture.Type

const DEFAULT = { rtol: 1e-9, atol: 0 }

type Quantity = "logLik" | "aic" | "bic" | "cvMse"

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> =>
  Check.guard(file, "polynomial sweep", () => {
    const tol = Description.tolerance(description, ["tolerance"], DEFAULT)
    const folds = Split.fromTestSets(f.x.length, f.folds)
    const rows = Polynomial.sweep(f.x, f.y, f.rows.map((r) => r.degree), folds)
    const lines: Array<Check.Line> = []

    for (const q of ["logLik", "aic", "bic", "cvMse"] as const satisfies ReadonlyArray<Quantity>) {
      const stated = f.rows.flatMap((r, i) => {
        const value = r[q]
        return value === undefined ? [] : [{ i, value }]
      })
      if (stated.length === 0) continue
      lines.push(Check.close(file, q, stated.map(({ i }) => rows[i][q]), stated.map(({ value }) => value), tol, (k) => `degree ${f.rows[stated[k].i].degree}`))
    }

    const folded = f.rows.flatMap((r, i) => (r.cvMseFolds === undefined ? [] : r.cvMseFolds.map((value, k) => ({ i, k, value }))))
    if (folded.length > 0) {
      lines.push(Check.close(
        file,
        "cvMseFolds",
        folded.map(({ i, k }) => rows[i].cvMseFolds[k] ?? Number.NaN),
        folded.map(({ value }) => value),
        tol,
        (j) => `degree ${f.rows[folded[j].i].degree} fold ${folded[j].k}`
      ))
    }

    const withK = f.rows.flatMap((r, i) => (r.k === undefined ? [] : [i]))
    if (withK.length > 0) {
      lines.push(Check.exact(file, "k per degree", withK.map((i) => rows[i].k).join(" "), withK.map((i) => f.rows[i].k).join(" ")))
    }

    if (f.selected !== undefined) {
      const ours = Polynomial.selected(rows)
      for (const criterion of ["aic", "bic", "cv"] as const) {
        const theirs = f.selected[criterion]
        if (theirs !== undefined) lines.push(Check.exact(file, `selected degree (${criterion})`, ours[criterion], theirs))
      }
    }
    return lines
  })

export const kind: Kind.Kind = Kind.make({
  name: "model_selection",
  signature: "x, y, folds, rows[{degree, logLik, k, aic, bic, cvMse}], selected",
  schema: Fixture,
  present: (f) => (f.rows.length === 0 ? "rows is empty: no degree to check" : undefined),
  run
})
