/**
 * Conformance of the comparison statistics in src/stats/ with scipy 1.10 / baycomp / the
 * reference formulas (fixture kind "stats_tests"): the corrected resampled and Bayesian
 * correlated t-tests on r × K score differences, Wilcoxon's signed-rank test (both zero
 * methods), Friedman with Iman–Davenport and Nemenyi, McNemar and DeLong — each recomputed from
 * the case's inputs.
 *
 * Conventions (the fixture's description): "deterministic quantities … rtol 1e-9" (default
 * 1e-9) for statistics, ranks, AUCs, covariances, z, q and cd; "p-values and the Bayesian
 * probabilities rtol 1e-6 atol 1e-12" (the default too); counts, degrees of freedom, the
 * Wilcoxon method and the Nemenyi pairs must match exactly. Infinities may be stored as the
 * strings "Infinity" / "-Infinity".
 */
import { Effect, Schema } from "effect"
import * as CvPaired from "../../stats/CvPaired.ts"
import * as DeLong from "../../stats/DeLong.ts"
import * as McNemar from "../../stats/McNemar.ts"
import * as RankTests from "../../stats/RankTests.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"

const Numbers = Schema.Array(Schema.Number)
/** A reference number, possibly written as the string "Infinity" / "-Infinity". */
const Value = Schema.Union([Schema.Number, Schema.Literals(["Infinity", "-Infinity"])])
const Values = Schema.Array(Value)
const opt = Schema.optionalKey

const Splits = {
  name: opt(Schema.String),
  nTrain: Schema.Number,
  nTest: Schema.Number,
  d: Numbers
}

const WilcoxonResult = Schema.Struct({ statistic: opt(Value), p: opt(Value), z: opt(Schema.NullOr(Value)) })

const Fixture = Schema.Struct({
  correctedT: opt(Schema.Array(Schema.Struct({
    ...Splits,
    mean: opt(Value),
    var: opt(Value),
    correctedVar: opt(Value),
    t: opt(Value),
    df: opt(Schema.Number),
    p: opt(Value)
  }))),
  bayesCorrelatedT: opt(Schema.Array(Schema.Struct({
    ...Splits,
    rope: Schema.Number,
    rho: opt(Value),
    df: opt(Schema.Number),
    loc: opt(Value),
    scale: opt(Value),
    pLeft: opt(Value),
    pRope: opt(Value),
    pRight: opt(Value)
  }))),
  wilcoxon: opt(Schema.Array(Schema.Struct({
    name: opt(Schema.String),
    x: Numbers,
    y: Numbers,
    n: opt(Schema.Number),
    nZero: opt(Schema.Number),
    hasTies: opt(Schema.Boolean),
    method: opt(Schema.String),
    wilcox: opt(WilcoxonResult),
    pratt: opt(WilcoxonResult)
  }))),
  friedman: opt(Schema.Array(Schema.Struct({
    name: opt(Schema.String),
    scores: Schema.Array(Numbers),
    higherIsBetter: opt(Schema.Boolean),
    nDatasets: opt(Schema.Number),
    k: opt(Schema.Number),
    ranks: opt(Schema.Array(Values)),
    avgRanks: opt(Values),
    chi2: opt(Value),
    p: opt(Value),
    imanDavenportF: opt(Value),
    df1: opt(Schema.Number),
    df2: opt(Schema.Number),
    pF: opt(Value),
    nemenyi: opt(Schema.Array(Schema.Struct({
      alpha: Schema.Number,
      q: opt(Value),
      cd: opt(Value),
      pairs: opt(Schema.Array(Numbers))
    })))
  }))),
  mcnemar: opt(Schema.Array(Schema.Struct({
    name: opt(Schema.String),
    correct1: Numbers,
    correct2: Numbers,
    n: opt(Schema.Number),
    b: opt(Schema.Number),
    c: opt(Schema.Number),
    n11: opt(Schema.Number),
    n00: opt(Schema.Number),
    pExact: opt(Value),
    chi2: opt(Value),
    pChi2: opt(Value)
  }))),
  delong: opt(Schema.Array(Schema.Struct({
    name: opt(Schema.String),
    y: Numbers,
    score1: Numbers,
    score2: Numbers,
    nPos: opt(Schema.Number),
    nNeg: opt(Schema.Number),
    auc1: opt(Value),
    auc2: opt(Value),
    cov: opt(Schema.Array(Values)),
    varDiff: opt(Value),
    z: opt(Value),
    p: opt(Value),
    v10: opt(Schema.Array(Values)),
    v01: opt(Schema.Array(Values))
  })))
})
type Fixture = typeof Fixture.Type

/** The public set's tolerances. */
const DETERMINISTIC = { rtol: 1e-9, atol: 0 }
const PROBABILITY = { rtol: 1e-6, atol: 1e-12 }

type Stored = number | "Infinity" | "-Infinity"
const num = (v: Stored): number => Number(v)

/** (label, computed, reference or undefined) triples; the ones with a reference are compared. */
type Field = readonly [string, number, Stored | undefined]

/** One close line over the fields the fixture states, or none when it states none. */
const fields = (file: string, check: string, list: ReadonlyArray<Field>, tol: Check.Tolerance): Array<Check.Line> => {
  const stated = list.filter((f): f is readonly [string, number, Stored] => f[2] !== undefined)
  if (stated.length === 0) return []
  return [Check.close(file, check, stated.map((f) => f[1]), stated.map((f) => num(f[2])), tol, (i) => stated[i][0])]
}

/** An exact line over the counts the fixture states, or none. */
const counts = (file: string, check: string, list: ReadonlyArray<readonly [string, number | boolean | string, number | boolean | string | undefined]>): Array<Check.Line> => {
  const stated = list.filter((f) => f[2] !== undefined)
  if (stated.length === 0) return []
  return [Check.exact(file, check, stated.map((f) => `${f[0]} ${String(f[1])}`).join(", "), stated.map((f) => `${f[0]} ${String(f[2])}`).join(", "))]
}

const matrix = (rows: ReadonlyArray<ReadonlyArray<number>>, labels: string): Array<Field> => rows.flatMap((row, i) => row.map((v, j) => [`${labels}[${i}][${j}]`, v, undefined] as Field))

/** Computed matrix entries paired with the reference's, when the reference states them. */
const withReference = (computed: ReadonlyArray<ReadonlyArray<number>>, reference: ReadonlyArray<ReadonlyArray<Stored>> | undefined, label: string): Array<Field> => {
  if (reference === undefined) return []
  if (reference.length !== computed.length || reference.some((r, i) => r.length !== computed[i].length)) {
    return [[`${label} shape`, computed.length, reference.length]]
  }
  return matrix(computed, label).map(([l, v], k) => [l, v, reference[Math.floor(k / computed[0].length)][k % computed[0].length]] as Field)
}

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const det = Description.tolerance(description, ["deterministic"], DETERMINISTIC)
  const prob = Description.tolerance(description, ["p-values"], PROBABILITY)
  const groups: Array<Effect.Effect<ReadonlyArray<Check.Line>>> = []
  const each = <C extends { readonly name?: string }>(section: string, cases: ReadonlyArray<C> | undefined, check: (c: C, name: string) => Array<Check.Line>) => {
    for (const [k, c] of (cases ?? []).entries()) {
      const name = `${section} ${c.name ?? `[${k}]`}`
      groups.push(Check.guard(file, name, () => check(c, name)))
    }
  }

  each("correctedT", f.correctedT, (c, name) => {
    const r = CvPaired.correctedT(c.d, c)
    return [
      ...fields(file, `${name}: mean, var, correctedVar, t`, [["mean", r.mean, c.mean], ["var", r.variance, c.var], ["correctedVar", r.correctedVariance, c.correctedVar], ["t", r.t, c.t]], det),
      ...counts(file, `${name}: df`, [["df", r.df, c.df]]),
      ...fields(file, `${name}: p`, [["p", r.p, c.p]], prob)
    ]
  })

  each("bayesCorrelatedT", f.bayesCorrelatedT, (c, name) => {
    const r = CvPaired.bayesCorrelatedT(c.d, c)
    return [
      ...fields(file, `${name}: rho, loc, scale`, [["rho", r.rho, c.rho], ["loc", r.loc, c.loc], ["scale", r.scale, c.scale]], det),
      ...counts(file, `${name}: df`, [["df", r.df, c.df]]),
      ...fields(file, `${name}: pLeft, pRope, pRight`, [["pLeft", r.pLeft, c.pLeft], ["pRope", r.pRope, c.pRope], ["pRight", r.pRight, c.pRight]], prob)
    ]
  })

  each("wilcoxon", f.wilcoxon, (c, name) => {
    const lines: Array<Check.Line> = []
    for (const zeroMethod of ["wilcox", "pratt"] as const) {
      const expected = c[zeroMethod]
      const r = RankTests.wilcoxon(c.x, c.y, { zeroMethod })
      if (zeroMethod === "wilcox") {
        lines.push(...counts(file, `${name}: n, nZero, hasTies, method`, [["n", r.n, c.n], ["nZero", r.nZero, c.nZero], ["hasTies", r.hasTies, c.hasTies], ["method", r.method, c.method]]))
      }
      if (expected === undefined) continue
      const z = expected.z
      lines.push(...fields(file, `${name}/${zeroMethod}: statistic${z === null || z === undefined ? "" : ", z"}`, [["statistic", r.statistic, expected.statistic], ["z", r.z ?? Number.NaN, z ?? undefined]], det))
      if (z === null) lines.push(Check.exact(file, `${name}/${zeroMethod}: z`, r.z === undefined ? "none (exact)" : String(r.z), "none (exact)"))
      lines.push(...fields(file, `${name}/${zeroMethod}: p`, [["p", r.p, expected.p]], prob))
    }
    return lines
  })

  each("friedman", f.friedman, (c, name) => {
    const r = RankTests.friedman(c.scores, { higherIsBetter: c.higherIsBetter ?? true })
    const lines = [
      ...counts(file, `${name}: nDatasets, k, df1, df2`, [["nDatasets", r.nDatasets, c.nDatasets], ["k", r.k, c.k], ["df1", r.df1, c.df1], ["df2", r.df2, c.df2]]),
      ...fields(file, `${name}: ranks`, withReference(r.ranks.map((row) => Array.from(row)), c.ranks, "ranks"), det),
      ...fields(file, `${name}: avgRanks, chi2, imanDavenportF`, [
        ...(c.avgRanks === undefined ? [] : withReference([Array.from(r.avgRanks)], [c.avgRanks], "avgRanks")),
        ["chi2", r.chi2, c.chi2],
        ["imanDavenportF", r.imanDavenportF, c.imanDavenportF]
      ], det),
      ...fields(file, `${name}: p, pF`, [["p", r.p, c.p], ["pF", r.pF, c.pF]], prob)
    ]
    for (const nem of c.nemenyi ?? []) {
      const ours = RankTests.nemenyi(r.avgRanks, r.nDatasets, nem.alpha)
      lines.push(...fields(file, `${name}: nemenyi α=${nem.alpha} q, cd`, [["q", ours.q, nem.q], ["cd", ours.cd, nem.cd]], det))
      if (nem.pairs !== undefined) lines.push(Check.exact(file, `${name}: nemenyi α=${nem.alpha} pairs`, JSON.stringify(ours.pairs), JSON.stringify(nem.pairs)))
    }
    return lines
  })

  each("mcnemar", f.mcnemar, (c, name) => {
    const r = McNemar.test(c.correct1, c.correct2)
    return [
      ...counts(file, `${name}: n, b, c, n11, n00`, [["n", c.correct1.length, c.n], ["b", r.b, c.b], ["c", r.c, c.c], ["n11", r.n11, c.n11], ["n00", r.n00, c.n00]]),
      ...fields(file, `${name}: chi2`, [["chi2", r.chi2, c.chi2]], det),
      ...fields(file, `${name}: pExact, pChi2`, [["pExact", r.pExact, c.pExact], ["pChi2", r.pChi2, c.pChi2]], prob)
    ]
  })

  each("delong", f.delong, (c, name) => {
    const r = DeLong.test(c.y, c.score1, c.score2)
    return [
      ...counts(file, `${name}: nPos, nNeg`, [["nPos", r.nPos, c.nPos], ["nNeg", r.nNeg, c.nNeg]]),
      ...fields(file, `${name}: auc1, auc2, cov, varDiff, z`, [
        ["auc1", r.auc1, c.auc1],
        ["auc2", r.auc2, c.auc2],
        ...withReference(r.cov, c.cov, "cov"),
        ["varDiff", r.varDiff, c.varDiff],
        ["z", r.z, c.z]
      ], det),
      ...fields(file, `${name}: v10, v01`, [...withReference(r.v10, c.v10, "v10"), ...withReference(r.v01, c.v01, "v01")], det),
      ...fields(file, `${name}: p`, [["p", r.p, c.p]], prob)
    ]
  })

  return Effect.map(Effect.all(groups), (lines) => lines.flat())
}

const SECTIONS = ["correctedT", "bayesCorrelatedT", "wilcoxon", "friedman", "mcnemar", "delong"] as const

export const kind: Kind.Kind = Kind.make({
  name: "stats_tests",
  signature: "correctedT[{d, nTrain, nTest}], bayesCorrelatedT[{…, rope}], wilcoxon[{x, y}], friedman[{scores}], mcnemar[{correct1, correct2}], delong[{y, score1, score2}]",
  schema: Fixture,
  present: (f) => (SECTIONS.every((s) => f[s] === undefined) ? `none of ${SECTIONS.join(", ")}` : undefined),
  run
})
