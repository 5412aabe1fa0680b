/**
 * model-selection: the selection split's layout, the selection rules on constructed losses (the
 * 1-SE rule, nested CV by hand), a Monte Carlo check that non-nested selection is optimistic on a
 * pure-noise task where every candidate is equally bad (and that a leaky "nested" CV, which
 * selects on the scoring folds, fails that check), and the study's findings on its quick run.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import modelSelection, { analyse, type FamilyAnalysis } from "../experiments/model-selection.ts"
import * as Random from "../src/core/Random.ts"
import type { Dataset } from "../src/data/Dataset.ts"
import * as Split from "../src/data/Split.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import { ResultStore } from "../src/results/Store.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import * as Polynomial from "../src/scoring/Polynomial.ts"
import * as Selection from "../src/scoring/Selection.ts"
import { assertClose } from "./support/assertClose.ts"
import { sandbox } from "./support/cli.ts"

const dataset = (n: number, classes = 0): Dataset => ({
  name: "toy",
  kind: classes > 0 ? "classification" : "regression",
  classes,
  X: Matrix.make(n, 1, Float64Array.from({ length: n }, (_, i) => i)),
  y: Float64Array.from({ length: n }, (_, i) => (classes > 0 ? (i % 4 === 0 ? 1 : 0) : i))
})

const folds = (spec: Split.Spec, data: Dataset, seed = 1) => Effect.runSync(Split.make(spec, data, Random.make(seed)))

describe("Split: the selection layout", () => {
  const spec: Split.Selection = { kind: "selection", folds: 4, repeats: 3, test: 0.25, nested: true }

  it("per repeat: K CV folds partitioning S, K(K−1)/2 pairs, one refit on S scored on the untouched T", () => {
    const n = 41
    const all = folds(spec, dataset(n))
    expect(all.length).toBe(Split.count(spec))
    expect(Split.selectionFolds(spec)).toBe(4 + 6 + 1)
    const per = Split.selectionFolds(spec)
    const tests: Array<string> = []
    for (let r = 0; r < spec.repeats; r++) {
      const part = all.slice(r * per, (r + 1) * per)
      const refit = part[per - 1]
      expect(Split.selectionRole(spec, r * per + per - 1)).toEqual({ repeat: r, role: "refit" })
      expect(refit.test.length).toBe(Math.round(n * 0.25))
      const S = new Set(refit.train)
      expect(S.size + refit.test.length).toBe(n)
      for (const i of refit.test) expect(S.has(i)).toBe(false)
      const F = part.slice(0, 4).map((f) => f.test)
      // the CV folds partition S, each trains on S less itself and never sees T
      expect(F.flatMap((f) => Array.from(f)).sort((a, b) => a - b)).toEqual(Array.from(refit.train))
      part.slice(0, 4).forEach((f, k) => {
        expect(Split.selectionRole(spec, r * per + k)).toEqual({ repeat: r, role: "cv", k })
        expect(f.train.length + f.test.length).toBe(S.size)
        for (const i of f.train) expect(S.has(i) && !F[k].includes(i)).toBe(true)
      })
      for (let f = 4; f < per - 1; f++) {
        const role = Split.selectionRole(spec, r * per + f)
        if (role.role !== "pair") throw new Error(`fold ${f} is a ${role.role}`)
        expect(role.j).toBeLessThan(role.k)
        const both = new Set([...F[role.j], ...F[role.k]])
        expect(Array.from(part[f].test)).toEqual([...both].sort((a, b) => a - b))
        expect(Array.from(part[f].train)).toEqual(Array.from(refit.train).filter((i) => !both.has(i)))
      }
      tests.push(Array.from(refit.test).join(","))
    }
    // each repeat draws its own test part
    expect(new Set(tests).size).toBe(spec.repeats)
    // and the pairs are every (j, k), j < k, once
    const pairs = Array.from({ length: per }, (_, f) => Split.selectionRole(spec, f)).flatMap((r) => (r.role === "pair" ? [`${r.j}${r.k}`] : []))
    expect(pairs).toEqual(["01", "02", "12", "03", "13", "23"])
    // selectionIndex inverts selectionRole, a pair's folds in either order
    for (let f = 0; f < all.length; f++) expect(Split.selectionIndex(spec, Split.selectionRole(spec, f))).toBe(f)
    expect(Split.selectionIndex(spec, { repeat: 1, role: "pair", j: 3, k: 1 })).toBe(Split.selectionIndex(spec, { repeat: 1, role: "pair", j: 1, k: 3 }))
  })

  it("without nesting has no pairs; stratified, T and every fold keep the class shares", () => {
    const plain: Split.Selection = { ...spec, nested: false, repeats: 1 }
    expect(folds(plain, dataset(40)).length).toBe(5)
    const data = dataset(80, 2) // 20 positives
    const all = folds({ ...spec, repeats: 1 }, data)
    const positives = (index: Int32Array) => Array.from(index).filter((i) => data.y[i] === 1).length
    expect(positives(all[10].test)).toBe(5)
    for (let k = 0; k < 4; k++) expect([3, 4]).toContain(positives(all[k].test))
  })

  it("refuses a test share outside (0, 1) and more folds than the selection part has rows", () => {
    expect(() => folds({ ...spec, test: 1 }, dataset(40))).toThrow(/test share/)
    expect(() => folds({ ...spec, folds: 9, test: 0.8 }, dataset(40))).toThrow(/9 folds of a 8-row selection part/)
  })
})

describe("Selection: the rules on constructed losses", () => {
  it("foldSummary: mean and sd/√K", () => {
    const s = Selection.foldSummary([1, 2, 3, 6])
    assertClose(s.mean, 3, { rtol: 1e-15 })
    assertClose(s.se, Math.sqrt(14 / 3 / 4), { rtol: 1e-15 })
    expect(Selection.foldSummary([2]).se).toBeNaN()
  })

  it("the 1-SE rule takes the simplest candidate within one SE of the best, by the given complexity", () => {
    const s = [
      { mean: 1.0, se: 0.05 },
      { mean: 0.8, se: 0.05 },
      { mean: 0.75, se: 0.01 },
      { mean: 0.74, se: 0.02 },
      { mean: Number.NaN, se: 0.01 }
    ]
    // the best is #3 (0.74), its threshold 0.76: #2 and #3 qualify; #2 is simpler
    expect(Selection.oneStandardError(s, [0, 1, 2, 3, 4])).toBe(2)
    // the SE is the best candidate's, not the candidate's own: a wide SE elsewhere does not help
    expect(Selection.oneStandardError(s.map((x, i) => (i === 1 ? { ...x, se: 1 } : x)), [0, 1, 2, 3, 4])).toBe(2)
    // a wider SE at the best admits #1
    expect(Selection.oneStandardError(s.map((x, i) => (i === 3 ? { ...x, se: 0.07 } : x)), [0, 1, 2, 3, 4])).toBe(1)
    // the order is the complexity's, not the list's; ties go to the earlier candidate
    expect(Selection.oneStandardError(s, [4, 3, 9, 1, 0])).toBe(3)
    expect(Selection.oneStandardError(s, [0, 0, 0, 0, 0])).toBe(2)
    expect(Selection.oneStandardError([{ mean: Number.NaN, se: 1 }], [0])).toBe(-1)
  })

  it("nested CV by hand: inner picks on the other folds, scored on the outer fold", () => {
    // two candidates, K = 3; cv[c][k]: c fitted on S \ F_k, scored on F_k
    const cv = [[1, 2, 3], [2, 1, 2]]
    // inner(c, j, k): c fitted on S \ (F_j ∪ F_k), scored on F_j
    const inner = (c: number, j: number, k: number) => (c === 0 ? [[0, 5, 1], [1, 0, 1], [4, 4, 0]][j][k] : 2)
    const n = Selection.nested(cv, inner)
    // outer 0: inner scores c0 = (inner(0,1,0) + inner(0,2,0))/2 = (1 + 4)/2 = 2.5, c1 = 2 → pick 1, outer cv[1][0] = 2
    // outer 1: c0 = (5 + 4)/2 = 4.5, c1 = 2 → pick 1, outer 1; outer 2: c0 = (1 + 1)/2 = 1, c1 = 2 → pick 0, outer 3
    expect(n.picks).toEqual([1, 1, 0])
    assertClose(n.innerBest, [2, 2, 1], { rtol: 1e-15 })
    assertClose(n.outer, [2, 1, 3], { rtol: 1e-15 })
    assertClose(n.estimate, 2, { rtol: 1e-15 })
    assertClose(n.nonNestedBest, 5 / 3, { rtol: 1e-15 })
    assertClose(n.selectionBias, 2 - 5 / 3, { rtol: 1e-12 })
    assertClose(n.innerOptimism, (0 - 1 + 2) / 3, { rtol: 1e-12 })
  })
})

describe("Selection: non-nested selection is optimistic when every candidate is equally bad", () => {
  // y is pure noise; candidate c regresses y on its own pure-noise feature z_c (a line), so every
  // candidate has the same expected loss, and the best CV score is a minimum of noisy estimates.
  const K = 4
  const spec: Split.Selection = { kind: "selection", folds: K, repeats: 1, test: 0.2, nested: true }
  const candidates = 6
  const replicate = (seed: number, leaky: boolean): number => {
    const rng = Random.make(seed)
    const n = 40
    const y = Float64Array.from({ length: n }, () => rng.normal())
    const Z = Array.from({ length: candidates }, () => Float64Array.from({ length: n }, () => rng.normal()))
    const data: Dataset = { name: "noise", kind: "regression", classes: 0, X: Matrix.make(n, 1, Z[0]), y }
    const all = folds(spec, data, seed + 1)
    const loss = (c: number, fold: Split.Fold, scored: ArrayLike<number>) => {
      const take = (v: ArrayLike<number>, index: ArrayLike<number>) => Float64Array.from(index, (i) => v[i])
      const fit = Polynomial.fit(take(Z[c], fold.train), take(y, fold.train), 1)
      return Metrics.mse(take(y, scored), Polynomial.predict(fit, take(Z[c], scored)))
    }
    const cv = Array.from({ length: candidates }, (_, c) => Array.from({ length: K }, (_, k) => loss(c, all[k], all[k].test)))
    const pairOf = (j: number, k: number) => all[Split.selectionIndex(spec, { repeat: 0, role: "pair", j, k })]
    // the leaky version "selects" each outer fold's model on that outer fold itself
    const inner = leaky ? (c: number, _j: number, k: number) => cv[c][k] : (c: number, j: number, k: number) => loss(c, pairOf(j, k), all[j].test)
    return Selection.nested(cv, inner).selectionBias
  }
  const tStat = (values: ReadonlyArray<number>) => {
    const m = values.reduce((a, b) => a + b, 0) / values.length
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1))
    return { mean: m, t: m / (sd / Math.sqrt(values.length)) }
  }

  it("the selection bias is positive on average (t > 3 over 300 replications), and a leaky nested CV fails the check", () => {
    const honest = tStat(Array.from({ length: 300 }, (_, s) => replicate(s, false)))
    expect(honest.t).toBeGreaterThan(3)
    const leaky = tStat(Array.from({ length: 300 }, (_, s) => replicate(s, true)))
    // selecting on the scoring fold makes the estimate at most the best CV score: never optimistic
    expect(leaky.mean).toBeLessThanOrEqual(0)
    expect(leaky.t).toBeLessThan(3)
  })
})

describe("model-selection: parameters", () => {
  const resolve = (overrides: ReadonlyArray<string>) => Effect.runSync(Effect.flip(Experiment.resolve(modelSelection, "quick", overrides)))
  it("refuses a kernel that is not a base, a sum or a product of two, naming the bases", () => {
    expect(resolve(["gpKernels=rbf,rbf*periodic*rq"]).message).toMatch(/"rbf\*periodic\*rq" is not a kernel: write a base kernel \(rbf, matern12/)
    expect(resolve(["gpKernels=rbf+cosine"]).message).toContain("is not a kernel")
  })
  it("refuses a candidate given twice (two models of one id)", () => {
    expect(resolve(["mlpWidths=4,8,4"]).message).toContain("mlpWidths lists 4 twice")
    expect(resolve(["gpKernels=rbf,periodic,rbf"]).message).toContain("gpKernels lists rbf twice")
  })
})

describe("model-selection, quick profile", () => {
  const box = sandbox("model-selection")
  let outcome: Awaited<ReturnType<typeof box.gpnn>>
  let fas: ReadonlyArray<FamilyAnalysis> = []
  beforeAll(async () => {
    outcome = await box.gpnn(["run", "model-selection", "--profile", "quick", "--jobs", "1", ...box.dirs("a")])
    const runDir = box.onlyRun("a", "model-selection")
    fas = await Effect.runPromise(Effect.gen(function*() {
      const store = yield* ResultStore
      const run = yield* store.load("model-selection", path.basename(runDir))
      const params = yield* Experiment.decodeStored(modelSelection, run)
      expect(run.rows.every((r) => r.status === "ok")).toBe(true)
      return yield* analyse(params, run)
    }).pipe(Effect.provide(ResultStore.layer(path.dirname(path.dirname(runDir))))))
  }, 180_000)
  const family = (name: string) => fas.find((f) => f.def.name === name)!

  it("runs, and every family has every loss of every repeat", () => {
    expect(outcome.code, outcome.stderr).toBe(0)
    expect(fas.map((f) => f.def.name)).toEqual(["poly", "gp", "mlp", "svm"])
    for (const fa of fas) {
      for (const r of fa.repeats) {
        for (const c of r.candidates) {
          expect(c.cvFolds.every(Number.isFinite)).toBe(true)
          expect(Number.isFinite(c.test)).toBe(true)
        }
        expect(Number.isFinite(r.nested.estimate)).toBe(true)
        expect(r.nested.picks.every((i) => i >= 0)).toBe(true)
      }
    }
  })

  it("unpenalised likelihood picks the largest nested polynomial; BIC never picks more parameters than AIC, AIC never more than log L̂", () => {
    const poly = family("poly")
    for (const r of poly.repeats) expect(r.picks.logLik).toBe(poly.def.candidates.length - 1)
    // with log n > 2 the BIC penalty per parameter exceeds AIC's, so k(BIC pick) ≤ k(AIC pick) ≤ k(max log L̂ pick)
    for (const name of ["poly", "gp", "mlp"]) {
      for (const r of family(name).repeats) {
        const k = (i: number) => r.candidates[i].k
        expect(k(r.picks.bic)).toBeLessThanOrEqual(k(r.picks.aic))
        expect(k(r.picks.aic)).toBeLessThanOrEqual(k(r.picks.logLik))
      }
    }
  })

  it("AIC penalises the over-parameterised MLP that CV keeps: the AIC pick is never wider than the CV pick, and narrower in some repeat", () => {
    const mlp = family("mlp")
    const widths = mlp.def.candidates.map((c) => c.complexity)
    for (const r of mlp.repeats) expect(widths[r.picks.aic]).toBeLessThanOrEqual(widths[r.picks.cv])
    expect(mlp.repeats.some((r) => widths[r.picks.aic] < widths[r.picks.cv])).toBe(true)
  })

  it("the SVM's overfitted cell (a training AUC of 1) is not the CV-best cell and scores far lower by CV", () => {
    const svm = family("svm")
    for (const r of svm.repeats) {
      const overfit = r.candidates.reduce((b, c, i) => (c.trainAuc > r.candidates[b].trainAuc ? i : b), 0)
      expect(r.candidates[overfit].trainAuc).toBeGreaterThan(0.999)
      const best = r.candidates[r.picks.cv]
      expect(1 - r.candidates[overfit].cv).toBeLessThan(1 - best.cv - 0.05)
    }
  })

  it("the 1-SE pick is never more complex than the min-CV pick", () => {
    for (const fa of fas) {
      for (const r of fa.repeats) expect(fa.def.candidates[r.picks.oneSe].complexity).toBeLessThanOrEqual(fa.def.candidates[r.picks.cv].complexity)
    }
  })
})
