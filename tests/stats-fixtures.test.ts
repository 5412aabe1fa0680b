/**
 * src/stats/ against the reference fixtures tests/fixtures/stats_tests.json (scipy 1.10,
 * baycomp, statsmodels conventions) and tests/fixtures/calibration.json (scikit-learn 1.2.1),
 * with the tolerances their descriptions state: deterministic quantities rtol 1e-9, p-values and
 * Bayesian probabilities rtol 1e-6 atol 1e-12; calibration rtol 1e-12 atol 1e-15; counts, bins,
 * predicted classes, the Wilcoxon method and the Nemenyi pairs exactly.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Conformance from "../src/conformance/Conformance.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import * as Calibration from "../src/stats/Calibration.ts"
import * as CvPaired from "../src/stats/CvPaired.ts"
import * as DeLong from "../src/stats/DeLong.ts"
import * as McNemar from "../src/stats/McNemar.ts"
import * as RankTests from "../src/stats/RankTests.ts"
import { assertClose } from "./support/assertClose.ts"

const read = (file: string): any => JSON.parse(fs.readFileSync(`tests/fixtures/${file}`, "utf8"))
const stats = read("stats_tests.json")
const calibration = read("calibration.json")
const DET = { rtol: 1e-9 }
const PROB = { rtol: 1e-6, atol: 1e-12 }
const CAL = { rtol: 1e-12, atol: 1e-15 }
const named = (cases: Array<any>) => cases.map((c) => [c.name, c] as const)

describe("stats_tests.json", () => {
  it.each(named(stats.correctedT))("correctedT %s", (_, c) => {
    const r = CvPaired.correctedT(c.d, c)
    assertClose([r.mean, r.variance, r.correctedVariance], [c.mean, c.var, c.correctedVar], DET, "mean, var, correctedVar")
    // t is ±∞ (stored as a string) when the corrected variance is 0
    if (Number.isFinite(Number(c.t))) assertClose(r.t, c.t, DET, "t")
    else expect(r.t).toBe(Number(c.t))
    expect(r.df).toBe(c.df)
    assertClose(r.p, c.p, PROB, "p")
  })

  it.each(named(stats.bayesCorrelatedT))("bayesCorrelatedT %s", (_, c) => {
    const r = CvPaired.bayesCorrelatedT(c.d, c)
    assertClose([r.rho, r.loc, r.scale], [c.rho, c.loc, c.scale], DET, "rho, loc, scale")
    expect(r.df).toBe(c.df)
    assertClose([r.pLeft, r.pRope, r.pRight], [c.pLeft, c.pRope, c.pRight], PROB, "pLeft, pRope, pRight")
  })

  it.each(named(stats.wilcoxon))("wilcoxon %s", (_, c) => {
    for (const zeroMethod of ["wilcox", "pratt"] as const) {
      const r = RankTests.wilcoxon(c.x, c.y, { zeroMethod })
      expect([r.n, r.nZero, r.hasTies, r.method]).toEqual([c.n, c.nZero, c.hasTies, c.method])
      assertClose(r.statistic, c[zeroMethod].statistic, DET, `${zeroMethod} statistic`)
      if (c[zeroMethod].z === null) expect(r.z).toBeUndefined()
      else assertClose(r.z!, c[zeroMethod].z, DET, `${zeroMethod} z`)
      assertClose(r.p, c[zeroMethod].p, PROB, `${zeroMethod} p`)
    }
  })

  it.each(named(stats.friedman))("friedman %s with Nemenyi", (_, c) => {
    const r = RankTests.friedman(c.scores, { higherIsBetter: c.higherIsBetter })
    assertClose(r.ranks.map((row) => Array.from(row)), c.ranks, DET, "ranks")
    assertClose([...r.avgRanks, r.chi2, r.imanDavenportF], [...c.avgRanks, c.chi2, c.imanDavenportF], DET, "avgRanks, chi2, F")
    expect([r.nDatasets, r.k, r.df1, r.df2]).toEqual([c.nDatasets, c.k, c.df1, c.df2])
    assertClose([r.p, r.pF], [c.p, c.pF], PROB, "p, pF")
    for (const nem of c.nemenyi) {
      const ours = RankTests.nemenyi(r.avgRanks, r.nDatasets, nem.alpha)
      assertClose([ours.q, ours.cd], [nem.q, nem.cd], DET, `q, cd at α = ${nem.alpha}`)
      expect(ours.pairs).toEqual(nem.pairs)
    }
  })

  it.each(named(stats.mcnemar))("mcnemar %s", (_, c) => {
    const r = McNemar.test(c.correct1, c.correct2)
    expect([r.b, r.c, r.n11, r.n00]).toEqual([c.b, c.c, c.n11, c.n00])
    assertClose(r.chi2, c.chi2, DET, "chi2")
    assertClose([r.pExact, r.pChi2], [c.pExact, c.pChi2], PROB, "pExact, pChi2")
  })

  it.each(named(stats.delong))("delong %s", (_, c) => {
    const r = DeLong.test(c.y, c.score1, c.score2)
    expect([r.nPos, r.nNeg]).toEqual([c.nPos, c.nNeg])
    assertClose([r.auc1, r.auc2, r.varDiff, r.z], [c.auc1, c.auc2, c.varDiff, c.z], DET, "auc1, auc2, varDiff, z")
    assertClose(r.cov, c.cov, DET, "cov")
    assertClose(r.v10, c.v10, DET, "v10")
    assertClose(r.v01, c.v01, DET, "v01")
    assertClose(r.p, c.p, PROB, "p")
    // the AUCs are Metrics.rocAuc's
    assertClose([r.auc1, r.auc2], [Metrics.rocAuc(c.y, c.score1), Metrics.rocAuc(c.y, c.score2)], { rtol: 1e-12 }, "rocAuc")
  })
})

describe("calibration.json", () => {
  const eceMatches = (y: ArrayLike<number>, top: Calibration.TopLabel, f: any) => {
    expect(Array.from(top.pred)).toEqual(f.topLabel.pred)
    assertClose(top.conf, f.topLabel.conf, CAL, "conf")
    const e = Calibration.ece(y, top)
    assertClose([e.ece, e.mce], [f.ece, f.mce], CAL, "ece, mce")
    expect(e.bins.map((b) => [b.bin, b.count])).toEqual(f.eceBins.map((b: any) => [b.bin, b.count]))
    const fields = ["lower", "upper", "acc", "conf", "gap"] as const
    assertClose(e.bins.map((b) => fields.map((k) => b[k])), f.eceBins.map((b: any) => fields.map((k) => b[k])), CAL, "eceBins")
  }

  it("binary: Brier, uniform and quantile calibration curves, top label, ECE, MCE", () => {
    const b = calibration.binary
    assertClose(Calibration.brier(b.y, b.p), b.brier, CAL, "brier")
    for (const strategy of ["uniform", "quantile"] as const) {
      const curve = Calibration.calibrationCurve(b.y, b.p, { strategy })
      assertClose(curve.probTrue, b.calibrationCurve[strategy].probTrue, CAL, `${strategy} probTrue`)
      assertClose(curve.probPred, b.calibrationCurve[strategy].probPred, CAL, `${strategy} probPred`)
      expect(curve.bins.reduce((s, bin) => s + bin.count, 0)).toBe(b.y.length)
    }
    eceMatches(b.y, Calibration.topLabelBinary(b.p), b)
  })

  it("multiclass: Brier, accuracy, one-vs-rest curves, top label, ECE, MCE", () => {
    const m = calibration.multiclass
    const P = Matrix.fromRows(m.proba)
    expect(P.cols).toBe(m.nClasses)
    assertClose(Calibration.brierMulticlass(m.y, P), m.brier, CAL, "brier")
    assertClose(Metrics.accuracy(m.y, P), m.accuracy, CAL, "accuracy")
    for (const ovr of m.oneVsRest) {
      const y = m.y.map((v: number) => (v === ovr.class ? 1 : 0))
      const p = m.proba.map((row: Array<number>) => row[ovr.class])
      for (const strategy of ["uniform", "quantile"] as const) {
        const curve = Calibration.calibrationCurve(y, p, { strategy })
        assertClose(curve.probTrue, ovr[strategy].probTrue, CAL, `class ${ovr.class} ${strategy} probTrue`)
        assertClose(curve.probPred, ovr[strategy].probPred, CAL, `class ${ovr.class} ${strategy} probPred`)
      }
    }
    eceMatches(m.y, Calibration.topLabel(P), m)
  })
})

describe("conformance kinds stats_tests and calibration", () => {
  const runOn = (files: Record<string, unknown>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-stats-conformance-"))
    for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(value))
    return Effect.runPromise(Conformance.run(dir))
  }

  it("recognise both files, whatever their names, and check every section with no skips", async () => {
    const report = await runOn({ "hidden_a.json": stats, "hidden_b.json": calibration })
    expect(report.files.map((f) => f.kind)).toEqual(["stats_tests", "calibration"])
    const lines = Conformance.lines(report)
    expect(lines.filter((l) => l.outcome !== "pass").map((l) => `${l.check}: ${l.note}`)).toEqual([])
    const checked = (prefix: string) => lines.filter((l) => l.file === "hidden_a.json" && l.check.startsWith(prefix)).length
    // lines per case: correctedT 3, bayes 3, wilcoxon 1 + 3 (exact: statistic, z absent, p) or 2 per zero method, mcnemar 3, delong 4
    expect(checked("correctedT")).toBe(3 * stats.correctedT.length)
    expect(checked("bayesCorrelatedT")).toBe(3 * stats.bayesCorrelatedT.length)
    expect(checked("wilcoxon")).toBe(stats.wilcoxon.reduce((s: number, c: any) => s + 1 + 2 * (c.method === "exact" ? 3 : 2), 0))
    expect(checked("friedman")).toBe(stats.friedman.reduce((s: number, c: any) => s + 4 + 2 * c.nemenyi.length, 0))
    expect(checked("mcnemar")).toBe(3 * stats.mcnemar.length)
    expect(checked("delong")).toBe(4 * stats.delong.length)
    const cal = lines.filter((l) => l.file === "hidden_b.json")
    expect(cal.length).toBe(11 + 3 + 4 * calibration.multiclass.oneVsRest.length + 6)
  })

  it("fail when a reference value is off by more than its tolerance (other data, same schema)", async () => {
    const shifted = structuredClone(stats)
    shifted.delong[0].p *= 1 + 1e-5
    shifted.friedman[0].nemenyi[0].pairs = shifted.friedman[0].nemenyi[0].pairs.slice(1)
    shifted.wilcoxon[0].method = "approx"
    const cal = structuredClone(calibration)
    cal.binary.ece *= 1 + 1e-11
    const report = await runOn({ "stats_tests.json": shifted, "calibration.json": cal })
    expect(Conformance.lines(report).filter((l) => l.outcome === "fail").map((l) => l.check).sort()).toEqual([
      "binary: ece",
      `delong ${stats.delong[0].name}: p`,
      `friedman ${stats.friedman[0].name}: nemenyi α=${stats.friedman[0].nemenyi[0].alpha} pairs`,
      `wilcoxon ${stats.wilcoxon[0].name}: n, nZero, hasTies, method`
    ].sort())
  })
})
