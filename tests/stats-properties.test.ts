/**
 * Properties of src/stats/ that no fixture pins down: p-values uniform under the null by small
 * seeded Monte Carlo runs, each with a power check (a shifted alternative is detected) and a
 * demonstration that a wrong variant fails the same check; symmetry under swapping the
 * arguments; Holm's monotonicity and family-wise error; DeLong's fast algorithm against the
 * O(mn) placement values; exact Wilcoxon and McNemar p-values against brute force; the bin edge
 * rule and numpy's percentiles; calibration metrics that tell calibrated from miscalibrated.
 */
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Calibration from "../src/stats/Calibration.ts"
import * as CvPaired from "../src/stats/CvPaired.ts"
import * as DeLong from "../src/stats/DeLong.ts"
import * as Distribution from "../src/stats/Distribution.ts"
import * as Holm from "../src/stats/Holm.ts"
import * as McNemar from "../src/stats/McNemar.ts"
import * as RankTests from "../src/stats/RankTests.ts"
import { assertClose } from "./support/assertClose.ts"

/** Fraction of `p` at or below `alpha`. */
const rate = (p: ReadonlyArray<number>, alpha: number): number => p.filter((v) => v <= alpha).length / p.length

/** Kolmogorov–Smirnov distance of `p` from Uniform(0, 1). */
const ksUniform = (p: ReadonlyArray<number>): number => {
  const s = [...p].sort((a, b) => a - b)
  return Math.max(...s.map((v, i) => Math.max((i + 1) / s.length - v, v - i / s.length)))
}

/** Three binomial standard errors around `alpha` for `reps` replicates. */
const band = (alpha: number, reps: number): number => 3 * Math.sqrt((alpha * (1 - alpha)) / reps)

describe("corrected resampled t-test and Bayesian correlated t-test", () => {
  // Splits share a component: d_j = μ + √ρ·u + √(1 − ρ)·e_j, ρ = nTest/(nTest + nTrain). Under this
  // model mean/√((1/J + ρ/(1 − ρ))s²) is exactly Student t with J − 1 df, so p is Uniform(0, 1).
  const splits = { nTrain: 120, nTest: 30 }
  const rho = splits.nTest / (splits.nTest + splits.nTrain)
  const J = 50
  const draw = (rng: Random.Generator, mu: number): Float64Array => {
    const u = rng.normal()
    return Float64Array.from({ length: J }, () => mu + Math.sqrt(rho) * u + Math.sqrt(1 - rho) * rng.normal())
  }
  const naiveP = (d: Float64Array): number => {
    const r = CvPaired.correctedT(d, splits)
    return Distribution.studentTTwoSided(r.mean / Math.sqrt(r.variance / J), J - 1)
  }

  it("p is uniform under the null; the uncorrected t-test is not; a shift is detected", () => {
    const rng = Random.make(11)
    const reps = 1500
    const nulls = Array.from({ length: reps }, () => draw(rng, 0))
    const p = nulls.map((d) => CvPaired.correctedT(d, splits).p)
    expect(ksUniform(p)).toBeLessThan(1.63 / Math.sqrt(reps)) // KS critical value at 1 %
    expect(Math.abs(rate(p, 0.05) - 0.05)).toBeLessThan(band(0.05, reps))
    // power of the check: the plain t-test's s²/J ignores the overlap and rejects far too often
    const naive = nulls.map(naiveP)
    expect(rate(naive, 0.05)).toBeGreaterThan(0.3)
    expect(ksUniform(naive)).toBeGreaterThan(1.63 / Math.sqrt(reps))
    // power of the test: a mean shift of 1.5 (≈ 3.2 posterior sd) is detected most of the time
    const shifted = Array.from({ length: 400 }, () => CvPaired.correctedT(draw(rng, 1.5), splits).p)
    expect(rate(shifted, 0.05)).toBeGreaterThan(0.7)
  })

  it("with rope 0 the Bayesian tail probability is the corrected test's one-sided p; probabilities sum to 1 and pRope grows with the rope", () => {
    const rng = Random.make(5)
    for (let rep = 0; rep < 20; rep++) {
      const d = draw(rng, 0.3 * rng.normal())
      const t = CvPaired.correctedT(d, splits)
      const b0 = CvPaired.bayesCorrelatedT(d, { ...splits, rope: 0 })
      assertClose(Math.min(b0.pLeft, b0.pRight), t.p / 2, { rtol: 1e-10, atol: 1e-15 }, "one-sided p")
      expect(b0.pRope).toBe(0)
      let last = 0
      for (const rope of [0.05, 0.2, 0.5, 1]) {
        const b = CvPaired.bayesCorrelatedT(d, { ...splits, rope })
        assertClose(b.pLeft + b.pRope + b.pRight, 1, { rtol: 1e-14 })
        expect(b.pRope).toBeGreaterThan(last)
        last = b.pRope
        // antisymmetric: negating the differences swaps left and right
        const flipped = CvPaired.bayesCorrelatedT(d.map((v) => -v), { ...splits, rope })
        assertClose([flipped.pLeft, flipped.pRope, flipped.pRight], [b.pRight, b.pRope, b.pLeft], { rtol: 1e-12, atol: 1e-15 })
      }
      const negated = CvPaired.correctedT(d.map((v) => -v), splits)
      assertClose([negated.t, negated.p], [-t.t, t.p], { rtol: 1e-14 })
    }
  })

  it("rejects unusable input with a message saying what to do", () => {
    expect(() => CvPaired.correctedT([0.1], splits)).toThrow(/at least two splits/)
    expect(() => CvPaired.correctedT([0.1, Number.NaN], splits)).toThrow(/drop or rescore/)
    expect(() => CvPaired.bayesCorrelatedT([0.1, 0.2], { ...splits, rope: -1 })).toThrow(/region of practical equivalence/)
  })
})

describe("Holm", () => {
  it("adjusts a worked example and keeps the order of the raw p-values", () => {
    // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06
    assertClose(Holm.adjust([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02], { rtol: 1e-14 })
    expect(Holm.reject([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true])
    const rng = Random.make(3)
    for (let rep = 0; rep < 50; rep++) {
      const p = Array.from({ length: 1 + rng.int(8) }, () => rng.uniform() ** 2)
      const q = Holm.adjust(p)
      for (let i = 0; i < p.length; i++) {
        expect(q[i]).toBeGreaterThanOrEqual(p[i])
        expect(q[i]).toBeLessThanOrEqual(1)
        for (let j = 0; j < p.length; j++) if (p[i] < p[j]) expect(q[i]).toBeLessThanOrEqual(q[j])
      }
    }
  })

  it("holds the family-wise error at α under the global null, where unadjusted tests do not", () => {
    const rng = Random.make(8)
    const reps = 4000
    let holm = 0
    let raw = 0
    for (let rep = 0; rep < reps; rep++) {
      const p = Array.from({ length: 5 }, () => rng.uniform())
      if (Holm.reject(p, 0.05).some(Boolean)) holm++
      if (p.some((v) => v <= 0.05)) raw++
    }
    expect(holm / reps).toBeLessThan(0.05 + band(0.05, reps))
    expect(raw / reps).toBeGreaterThan(0.18) // 1 − 0.95⁵ ≈ 0.226: the check would catch no correction
  })
})

describe("Wilcoxon signed-rank", () => {
  it("the exact p equals brute force over all 2^n sign patterns", () => {
    const n = 10
    const rng = Random.make(21)
    const x = Array.from({ length: n }, (_, i) => (i + 1) * (rng.uniform() < 0.5 ? -1 : 1) + 100)
    const y = Array.from({ length: n }, () => 100)
    const r = RankTests.wilcoxon(x, y)
    expect(r.method).toBe("exact")
    const centre = (n * (n + 1)) / 4
    let extreme = 0
    for (let mask = 0; mask < 1 << n; mask++) {
      let s = 0
      for (let i = 0; i < n; i++) if (mask & (1 << i)) s += i + 1
      if (Math.abs(s - centre) >= Math.abs(r.rPlus - centre)) extreme++
    }
    assertClose(r.p, Math.min(1, extreme / (1 << n)), { rtol: 1e-14 })
  })

  it("is symmetric in its arguments; zeros and ties switch to the normal approximation", () => {
    const x = [0.5, 0.25, 0.75, 0.5, 1, 0.125, 0.375, 0.625, 0.875, 0.5, 0.25, 0.75]
    const y = [0.25, 0.5, 0.25, 0.5, 0.5, 0.25, 0.125, 0.125, 0.375, 0.25, 0.5, 1]
    for (const zeroMethod of ["wilcox", "pratt"] as const) {
      const a = RankTests.wilcoxon(x, y, { zeroMethod })
      const b = RankTests.wilcoxon(y, x, { zeroMethod })
      expect([b.rPlus, b.rMinus, b.statistic, b.method]).toEqual([a.rMinus, a.rPlus, a.statistic, a.method])
      assertClose(b.p, a.p, { rtol: 1e-15 })
      expect(a.method).toBe("approx")
    }
    expect(() => RankTests.wilcoxon([1, 2], [1, 2])).toThrow(/all 2 differences are zero/)
  })

  it("holds its level under the null and detects a shift", () => {
    const rng = Random.make(4)
    const reps = 1500
    const test = (shift: number) => {
      const x = Array.from({ length: 15 }, () => rng.normal() + shift)
      return RankTests.wilcoxon(x, new Float64Array(15)).p
    }
    const p = Array.from({ length: reps }, () => test(0))
    // exact and discrete: the size is at most α and close to it
    expect(rate(p, 0.05)).toBeLessThan(0.05 + band(0.05, reps))
    expect(rate(p, 0.05)).toBeGreaterThan(0.05 - band(0.05, reps))
    expect(rate(Array.from({ length: 300 }, () => test(0.9)), 0.05)).toBeGreaterThan(0.75)
  })

  it("exact and normal approximation agree for n = 25", () => {
    const rng = Random.make(9)
    for (let rep = 0; rep < 10; rep++) {
      const x = Array.from({ length: 25 }, () => rng.normal() + 0.3)
      const exact = RankTests.wilcoxon(x, new Float64Array(25))
      const approx = RankTests.wilcoxon([...x, 0], new Float64Array(26), { zeroMethod: "wilcox" }) // a zero forces the approximation, wilcox drops it
      expect(approx.method).toBe("approx")
      expect(approx.statistic).toBe(exact.statistic)
      expect(Math.abs(approx.p - exact.p)).toBeLessThan(0.02) // no continuity correction: ~0.01 apart at n = 25
    }
  })
})

describe("Friedman, Iman–Davenport and Nemenyi", () => {
  const scores = (rng: Random.Generator, N: number, shifts: ReadonlyArray<number>) =>
    Array.from({ length: N }, () => {
      const task = rng.normal()
      return shifts.map((s) => task + s + rng.normal())
    })

  it("F holds its level under the null and detects one better model", () => {
    const rng = Random.make(14)
    const reps = 1000
    const pF = Array.from({ length: reps }, () => RankTests.friedman(scores(rng, 15, [0, 0, 0, 0])).pF)
    expect(Math.abs(rate(pF, 0.05) - 0.05)).toBeLessThan(band(0.05, reps))
    const shifted = Array.from({ length: 200 }, () => RankTests.friedman(scores(rng, 15, [1.3, 0, 0, 0])).pF)
    expect(rate(shifted, 0.05)).toBeGreaterThan(0.8)
  })

  it("ranks follow the models under a column permutation and reverse with higherIsBetter = false", () => {
    const rng = Random.make(15)
    const s = scores(rng, 8, [0.5, 0, -0.5])
    const a = RankTests.friedman(s)
    const permuted = RankTests.friedman(s.map((row) => [row[2], row[0], row[1]]))
    assertClose(permuted.avgRanks, [a.avgRanks[2], a.avgRanks[0], a.avgRanks[1]], { rtol: 1e-15 })
    assertClose([permuted.chi2, permuted.p], [a.chi2, a.p], { rtol: 1e-12 })
    const lower = RankTests.friedman(s, { higherIsBetter: false })
    assertClose(lower.avgRanks, Array.from(a.avgRanks, (r) => 4 - r), { rtol: 1e-15 })
    assertClose(a.avgRanks.reduce((x, y) => x + y, 0), 6, { rtol: 1e-15 })
  })

  it("Nemenyi's critical difference shrinks as √(1/N) and flags only pairs beyond it", () => {
    const avg = [1.2, 2.1, 2.9, 3.8]
    const small = RankTests.nemenyi(avg, 10, 0.05)
    const large = RankTests.nemenyi(avg, 40, 0.05)
    assertClose(large.cd, small.cd / 2, { rtol: 1e-12 })
    assertClose(RankTests.nemenyiQ(2, 0.05), Distribution.normalQuantile(0.975), { rtol: 1e-12 })
    for (const { pairs, cd } of [small, large]) {
      for (let i = 0; i < 4; i++) {
        for (let j = i + 1; j < 4; j++) expect(pairs.some(([a, b]) => a === i && b === j)).toBe(Math.abs(avg[i] - avg[j]) > cd)
      }
    }
  })
})

describe("McNemar", () => {
  it("the exact p is twice the binomial tail, summed directly; swapping the classifiers changes nothing", () => {
    const c1 = [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0]
    const c2 = [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0]
    const r = McNemar.test(c1, c2)
    expect([r.b, r.c, r.n11, r.n00]).toEqual([7, 2, 3, 2])
    let choose = 1
    let tail = 0
    for (let i = 0; i <= 2; i++) {
      tail += choose
      choose = (choose * (9 - i)) / (i + 1)
    }
    assertClose(r.pExact, (2 * tail) / 2 ** 9, { rtol: 1e-13 })
    assertClose(r.chi2, 16 / 9, { rtol: 1e-15 })
    const swapped = McNemar.test(c2, c1)
    expect([swapped.b, swapped.c]).toEqual([r.c, r.b])
    assertClose([swapped.pExact, swapped.chi2, swapped.pChi2], [r.pExact, r.chi2, r.pChi2], { rtol: 1e-15 })
    expect(() => McNemar.test([1, 2], [1, 0])).toThrow(/give 1 for a correct/)
  })

  it("holds its level under the null and detects a better classifier", () => {
    const rng = Random.make(17)
    const run = (q1: number, q2: number) => {
      const c1 = Array.from({ length: 200 }, () => (rng.uniform() < q1 ? 1 : 0))
      const c2 = Array.from({ length: 200 }, () => (rng.uniform() < q2 ? 1 : 0))
      return McNemar.test(c1, c2)
    }
    const reps = 1000
    const nulls = Array.from({ length: reps }, () => run(0.8, 0.8))
    expect(rate(nulls.map((r) => r.pExact), 0.05)).toBeLessThan(0.05 + band(0.05, reps))
    expect(rate(nulls.map((r) => r.pChi2), 0.05)).toBeLessThan(0.05 + band(0.05, reps))
    expect(rate(Array.from({ length: 200 }, () => run(0.9, 0.75).pExact), 0.05)).toBeGreaterThan(0.8)
  })
})

describe("DeLong", () => {
  const sample = (rng: Random.Generator, m: number, n: number, signal1: number, signal2: number, digits?: number) => {
    const y = Array.from({ length: m + n }, (_, i) => (i % Math.round((m + n) / m) === 0 && i / Math.round((m + n) / m) < m ? 1 : 0))
    const round = (v: number) => (digits === undefined ? v : Math.round(v * digits) / digits)
    const shared = y.map(() => rng.normal())
    const s1 = y.map((v, i) => round(v * signal1 + 0.8 * shared[i] + 0.6 * rng.normal()))
    const s2 = y.map((v, i) => round(v * signal2 + 0.8 * shared[i] + 0.6 * rng.normal()))
    return { y, s1, s2 }
  }

  it("the fast midrank components equal the O(mn) placement values, ties included", () => {
    const rng = Random.make(23)
    const { y, s1, s2 } = sample(rng, 17, 29, 1, 0.5, 4)
    const r = DeLong.test(y, s1, s2)
    const pos = y.flatMap((v, i) => (v === 1 ? [i] : []))
    const neg = y.flatMap((v, i) => (v === 0 ? [i] : []))
    const psi = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0)
    for (const [k, s] of [s1, s2].entries()) {
      assertClose(r.v10.map((row) => row[k]), pos.map((i) => neg.reduce((t, j) => t + psi(s[i], s[j]), 0) / neg.length), { rtol: 1e-13 }, "v10")
      assertClose(r.v01.map((row) => row[k]), neg.map((j) => pos.reduce((t, i) => t + psi(s[i], s[j]), 0) / pos.length), { rtol: 1e-13 }, "v01")
    }
  })

  it("swapping the scorers negates z and transposes the covariance", () => {
    const { y, s1, s2 } = sample(Random.make(24), 20, 40, 1.2, 0.6)
    const a = DeLong.test(y, s1, s2)
    const b = DeLong.test(y, s2, s1)
    assertClose([b.z, b.p, b.varDiff], [-a.z, a.p, a.varDiff], { rtol: 1e-13 })
    assertClose(b.cov, [[a.cov[1][1], a.cov[1][0]], [a.cov[0][1], a.cov[0][0]]], { rtol: 1e-15 })
  })

  it("holds its level for equally good correlated scorers, where ignoring the correlation does not; detects a better one", () => {
    const rng = Random.make(25)
    const reps = 800
    const nulls = Array.from({ length: reps }, () => {
      const { y, s1, s2 } = sample(rng, 40, 80, 1, 1)
      return DeLong.test(y, s1, s2)
    })
    expect(Math.abs(rate(nulls.map((r) => r.p), 0.05) - 0.05)).toBeLessThan(band(0.05, reps))
    // power of the check: treating the AUCs as independent inflates the variance and the test dies
    const independent = nulls.map((r) => 2 * Distribution.normalSf(Math.abs(r.auc1 - r.auc2) / Math.sqrt(r.cov[0][0] + r.cov[1][1])))
    expect(rate(independent, 0.05)).toBeLessThan(0.01)
    const better = Array.from({ length: 200 }, () => {
      const { y, s1, s2 } = sample(rng, 40, 80, 1.2, 0.6)
      return DeLong.test(y, s1, s2).p
    })
    expect(rate(better, 0.05)).toBeGreaterThan(0.8)
  })
})

describe("calibration", () => {
  it("bins by the float64 edges k/10 with values on an inner edge in the bin below", () => {
    const edges = Calibration.uniformEdges(10)
    expect([0, 0.1, 0.3, 3 * 0.1, 0.5, 0.7000000000000001, 1].map((v) => Calibration.binOf(v, edges))).toEqual([0, 0, 2, 3, 4, 7, 9])
    // the shortcut ceil(10p) − 1 gets 3·0.1 wrong: a wrong binning fails this test
    expect(Math.ceil(10 * (3 * 0.1)) - 1).toBe(3)
    expect(Math.ceil(10 * 0.7000000000000001) - 1).toBe(7)
  })

  it("quantile edges reproduce numpy.percentile (linear) bit for bit", () => {
    const cases: Array<[Array<number>, Array<number>]> = [
      [[0.1, 0.5, 0.2, 0.9, 0.3, 0.7, 0.4], [0.1, 0.16000000000000003, 0.22000000000000003, 0.28, 0.34, 0.4, 0.4600000000000001, 0.5399999999999998, 0.6600000000000001, 0.78, 0.9]],
      [[0, 0.1, 0.1, 0.2, 1, 0.5, 0.6, 0.6, 0.3, 0.9, 0.05], [0, 0.05, 0.1, 0.10000000000000005, 0.2, 0.3, 0.5000000000000001, 0.6, 0.6, 0.9, 1]],
      [Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100), [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7, 0.8, 0.9, 1]]
    ]
    for (const [values, expected] of cases) expect(Array.from(Calibration.quantileEdges(values, 10))).toEqual(expected)
  })

  it("ECE and the reliability curve tell calibrated from over-confident predictions", () => {
    const rng = Random.make(31)
    const n = 4000
    const p = Float64Array.from({ length: n }, () => rng.uniform())
    const y = Float64Array.from(p, (v) => (rng.uniform() < v ? 1 : 0))
    const calibrated = Calibration.ece(y, Calibration.topLabelBinary(p))
    const sharpened = Float64Array.from(p, (v) => (v > 0.5 ? 1 - (1 - v) ** 3 * 4 : v ** 3 * 4))
    const overconfident = Calibration.ece(y, Calibration.topLabelBinary(sharpened))
    expect(calibrated.ece).toBeLessThan(0.03)
    expect(overconfident.ece).toBeGreaterThan(0.1)
    const curve = Calibration.calibrationCurve(y, p)
    expect(curve.bins.reduce((s, b) => s + b.count, 0)).toBe(n)
    for (const b of curve.bins) expect(Math.abs(b.fractionPositive - b.meanPredicted)).toBeLessThan(0.06)
    expect(Calibration.brier(y, p)).toBeLessThan(Calibration.brier(y, sharpened))
  })

  it("the multi-class Brier score of two classes is twice the binary one", () => {
    const p = [0.1, 0.8, 0.5, 0.35]
    const y = [0, 1, 1, 0]
    const P = Matrix.fromRows(p.map((v) => [1 - v, v]))
    assertClose(Calibration.brierMulticlass(y, P), 2 * Calibration.brier(y, p), { rtol: 1e-15 })
  })

  it("Gaussian intervals with the right variance cover their level; a too small variance does not", () => {
    const rng = Random.make(33)
    const n = 4000
    const mean = Float64Array.from({ length: n }, () => rng.normal())
    const variance = Float64Array.from({ length: n }, () => 0.25 + rng.uniform())
    const y = Float64Array.from(mean, (m, i) => m + Math.sqrt(variance[i]) * rng.normal())
    const levels = [0.5, 0.8, 0.95]
    const right = Calibration.intervalCoverage(y, mean, variance, levels)
    levels.forEach((level, i) => expect(Math.abs(right[i] - level)).toBeLessThan(3 * Math.sqrt((level * (1 - level)) / n)))
    const tooSmall = Calibration.intervalCoverage(y, mean, variance.map((v) => v / 4), levels)
    levels.forEach((level, i) => expect(tooSmall[i]).toBeLessThan(level - 0.1))
  })
})
