/**
 * `gpnn conformance` computes rather than replays: fixtures with other data (permuted, rescaled,
 * relabelled, subsets) whose expected values follow from the public ones by invariances worked
 * out here — independently of gpnn's code — still pass; and one reference value moved beyond its
 * tolerance (or a tolerance tightened in the description) fails exactly that check.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Conformance from "../src/conformance/Conformance.ts"
import * as Random from "../src/core/Random.ts"

// Fixtures are JSON edited freely here (as JSON.parse returns them); the command validates them.
type Json = ReturnType<typeof JSON.parse>

const fixtures = path.resolve("tests/fixtures")
const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8"))

const fixtureSet = (files: Record<string, Json>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-conformance-"))
  for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(value))
  return dir
}

/** The report of a one-file set; the kind it was recognised as and its lines. */
const check = async (file: string, fixture: Json) => {
  const report = await Effect.runPromise(Conformance.run(fixtureSet({ [file]: fixture })))
  expect(report.files).toHaveLength(1)
  return { kind: report.files[0].kind, lines: Conformance.lines(report) }
}

const failing = (lines: ReadonlyArray<Conformance.Report["files"][number]["lines"][number]>) => lines.filter((l) => l.outcome === "fail").map((l) => l.check)
const expectAllPass = (lines: ReadonlyArray<{ readonly outcome: string; readonly check: string; readonly note: string }>, atLeast: number) => {
  expect(lines.filter((l) => l.outcome !== "pass").map((l) => `${l.check}: ${l.note}`)).toEqual([])
  expect(lines.length).toBeGreaterThanOrEqual(atLeast)
}

const permutation = (n: number, seed: number): Array<number> => Array.from(Random.permutation(Random.make(seed), n))
const permute = (values: ReadonlyArray<Json>, order: ReadonlyArray<number>): Array<Json> => order.map((i) => values[i])
/** inverse[old index] = new index. */
const inverse = (order: ReadonlyArray<number>): Array<number> => {
  const inv = new Array<number>(order.length)
  order.forEach((old, k) => (inv[old] = k))
  return inv
}

describe("other data still passes (expected values derived here by invariances)", () => {
  it("metrics: permuted points, scores mapped by s ↦ 2s − 3, targets and predictions scaled by 3, classes relabelled", async () => {
    const m = read("metrics.json")
    const binary = m.binary.map((c: Json, k: number) => {
      const order = permutation(c.y.length, 10 + k)
      const f = (s: number) => 2 * s - 3
      // AUC and the ROC rates are invariant under a permutation and an increasing map; thresholds follow the map
      const thresholds = (t: Array<number>) => [1e308, ...t.slice(1).map(f)]
      return {
        name: `${c.name}-moved`,
        y: permute(c.y, order),
        score: permute(c.score, order).map(f),
        auc: c.auc,
        rocFull: { ...c.rocFull, thresholds: thresholds(c.rocFull.thresholds) },
        rocDropped: c.rocDropped
      }
    })
    const mc = m.multiclass
    const rows = permutation(mc.y.length, 3)
    const classes = mc.proba[0].length
    const relabel = Array.from({ length: classes }, (_, c) => (c + 1) % classes)
    const proba = permute(mc.proba, rows).map((p: Array<number>) => {
      const q = new Array<number>(classes)
      p.forEach((v, c) => (q[relabel[c]] = v))
      return q
    })
    const r = m.regression
    const order = permutation(r.y.length, 4)
    const fixture = {
      description: m.description,
      binary,
      multiclass: { y: permute(mc.y, rows).map((c: number) => relabel[c]), proba, ovrMacroAuc: mc.ovrMacroAuc, logLoss: mc.logLoss, accuracy: mc.accuracy },
      regression: { y: permute(r.y, order).map((v: number) => 3 * v), pred: permute(r.pred, order).map((v: number) => 3 * v), mse: 9 * r.mse, r2: r.r2 }
    }
    const { kind, lines } = await check("metrics-moved.json", fixture)
    expect(kind).toBe("metrics")
    expectAllPass(lines, 6 * binary.length + 5)
  })

  it("model_selection: x ↦ 2x + 1 and y ↦ 3y + 0.5 on degrees 1–6, the selection made within them", async () => {
    const s = read("model_selection.json")
    const n = s.x.length
    const a = 3
    // the polynomial space is unchanged by an affine x; residuals scale by a
    const rows = s.rows.slice(0, 6).map((r: Json) => ({
      degree: r.degree,
      k: r.k,
      logLik: r.logLik - n * Math.log(a),
      aic: r.aic + 2 * n * Math.log(a),
      bic: r.bic + 2 * n * Math.log(a),
      cvMse: a * a * r.cvMse,
      cvMseFolds: r.cvMseFolds.map((v: number) => a * a * v)
    }))
    const argmin = (key: "aic" | "bic" | "cvMse") => rows.reduce((best: Json, r: Json) => (r[key] < best[key] ? r : best)).degree
    const fixture = {
      description: s.description,
      x: s.x.map((v: number) => 2 * v + 1),
      y: s.y.map((v: number) => a * v + 0.5),
      folds: s.folds,
      rows,
      selected: { aic: argmin("aic"), bic: argmin("bic"), cv: argmin("cvMse") }
    }
    const { kind, lines } = await check("model_selection.json", fixture)
    expect(kind).toBe("model_selection")
    expectAllPass(lines, 9)
  })

  it("ntk: inputs in another order (kernels permuted), four cases; predictions with train and test points permuted", async () => {
    const t = read("ntk.json")
    const order = permutation(t.X.length, 5)
    const cases = [0, 5, 10, 17].map((i) => t.cases[i]).map((c: Json) => ({
      ...c,
      nngp: permute(c.nngp, order).map((row: Array<number>) => permute(row, order)),
      ntk: permute(c.ntk, order).map((row: Array<number>) => permute(row, order))
    }))
    const p = t.predictions
    const train = permutation(p.Xtrain.length, 6)
    const test = permutation(p.Xtest.length, 7)
    const predictions = {
      Xtrain: permute(p.Xtrain, train),
      ytrain: permute(p.ytrain, train),
      Xtest: permute(p.Xtest, test),
      cases: p.cases.map((c: Json) => ({
        ...c,
        nngpMean: permute(c.nngpMean, test),
        nngpVar: permute(c.nngpVar, test),
        ntkMean: permute(c.ntkMean, test),
        ntkVarInfTime: permute(c.ntkVarInfTime, test)
      }))
    }
    const { kind, lines } = await check("kernels.json", { description: t.description, X: permute(t.X, order), cases, predictions })
    expect(kind).toBe("ntk")
    expectAllPass(lines, 2 * cases.length + 4 * p.cases.length)
  })

  it("gp_regression: y and the amplitude scaled by 2, noise by 4 (lml − n·log 2, mean and std × 2), two cases", async () => {
    const g = read("gp_regression.json")
    const a = 2
    const cases = g.cases.filter((c: Json) => c.kernel === "rbf" || c.kernel === "matern52").slice(0, 2).map((c: Json) => {
      const n = c.y.length
      const scale = c.names.map((name: string) => (name === "amplitude" || name === "noise" ? a * a : 1))
      return {
        ...c,
        y: c.y.map((v: number) => a * v),
        fixed: {
          params: c.fixed.params.map((v: number, j: number) => v * scale[j]),
          lml: c.fixed.lml - n * Math.log(a),
          lmlGradLog: c.fixed.lmlGradLog,
          mean: c.fixed.mean.map((v: number) => a * v),
          stdWithNoise: c.fixed.stdWithNoise.map((v: number) => a * v),
          stdLatent: c.fixed.stdLatent.map((v: number) => a * v)
        },
        fitted: { ...c.fitted, lml: c.fitted.lml - n * Math.log(a), aic: c.fitted.aic + 2 * n * Math.log(a) }
      }
    })
    expect(cases).toHaveLength(2)
    const { kind, lines } = await check("gp_regression.json", { description: g.description, cases })
    expect(kind).toBe("gp_regression")
    expectAllPass(lines, 16)
  })

  it("gp_classification: labels swapped (same likelihood and gradient, P ↦ 1 − P)", async () => {
    const c = read("gp_classification.json")
    const fixture = {
      ...c,
      y: c.y.map((v: number) => 1 - v),
      fixed: { ...c.fixed, proba: c.fixed.proba.map((p: number) => 1 - p) }
    }
    const { kind, lines } = await check("gpc.json", fixture)
    expect(kind).toBe("gp_classification")
    expectAllPass(lines, 4)
  })

  it("svm: rows permuted (folds remapped), labels swapped, a 2 × 2 sub-grid with its own best cell and flags", async () => {
    const s = read("svm.json")
    const order = permutation(s.Xtrain.length, 8)
    const newIndex = inverse(order)
    const grid = s.grid.filter((c: Json) => (c.C === 1 || c.C === 10) && (c.gamma === 1 || c.gamma === 0.1)).map((c: Json) => ({
      ...c,
      // swapping the classes negates f: AUCs and support vectors stay, decision values and intercept change sign
      ...(c.decisionTest === undefined ? {} : { decisionTest: c.decisionTest.map((v: number) => -v), intercept: -c.intercept })
    }))
    expect(grid).toHaveLength(4)
    const best = grid.reduce((b: Json, c: Json) => (c.cvAuc > b.cvAuc ? c : b))
    const fixture = {
      description: s.description,
      Xtrain: permute(s.Xtrain, order),
      ytrain: permute(s.ytrain, order).map((v: number) => 1 - v),
      Xtest: s.Xtest,
      ytest: s.ytest.map((v: number) => 1 - v),
      folds: s.folds.map((fold: Array<number>) => fold.map((i) => newIndex[i])),
      grid: grid.map((c: Json) => ({ ...c, overfit: c.trainAuc > 0.99 && c.cvAuc < best.cvAuc - 0.05 })),
      best: { C: best.C, gamma: best.gamma, cvAuc: best.cvAuc }
    }
    const { kind, lines } = await check("svm.json", fixture)
    expect(kind).toBe("svm")
    expectAllPass(lines, 5 + 2 * grid.filter((c: Json) => c.decisionTest !== undefined).length + 3)
  })

  it("mlp_step: the batch in another order (mean losses and gradients unchanged), one case", async () => {
    const m = read("mlp_step.json")
    const c = m.cases[0]
    const order = permutation(c.X.length, 9)
    const { kind, lines } = await check("steps.json", { description: m.description, cases: [{ ...c, X: permute(c.X, order), y: permute(c.y, order) }] })
    expect(kind).toBe("mlp_step")
    expectAllPass(lines, 3 * c.runs.length)
  })

  it("mlp_norm_step: the batch in another order (batch statistics and mean losses unchanged), both cases", async () => {
    const m = read("mlp_norm_step.json")
    const cases = m.cases.map((c: Json, k: number) => {
      const order = permutation(c.X.length, 20 + k)
      return { ...c, X: permute(c.X, order), y: permute(c.y, order) }
    })
    const { kind, lines } = await check("norm.json", { description: m.description, cases })
    expect(kind).toBe("mlp_norm_step")
    expectAllPass(lines, m.cases.reduce((s: number, c: Json) => s + 2 + 5 * c.runs.length, 0))
  })

  it("hpo_anchor: seeds in another order, the final checkpoint alone, Hartmann-6 with its coordinates permuted, a Rosenbrock-3", async () => {
    const h = read("hpo_anchor.json")
    const order = permutation(6, 8)
    const hartmann = h.functions.find((f: Json) => f.name === "hartmann6")
    // f(x) = −Σ αᵢ exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²) is unchanged when the columns of A, P and the coordinates of x are permuted alike
    const columns = (rows: Array<Array<number>>) => rows.map((row) => permute(row, order))
    const functions = h.functions.map((f: Json) => f === hartmann ? { ...f, A: columns(f.A), P: columns(f.P), argmin: columns(f.argmin) } : f)
    const rosenbrock3 = { name: "rosenbrock3", dim: 3, bounds: [[-2, 2], [-2, 2], [-2, 2]], fmin: 0, argmin: [[1, 1, 1]] }
    // the regret figures are order statistics over seeds: any order of the seeds gives the same ones
    const last = (v: Array<number>) => [v.at(-1)]
    const results = h.results.map((r: Json, k: number) => ({
      ...r,
      perSeed: permute(r.perSeed, permutation(r.perSeed.length, 20 + k)).map((s: Json) => ({ seed: s.seed, best: last(s.best) })),
      checkpoints: last(r.checkpoints),
      regretMedian: last(r.regretMedian),
      regretQ25: last(r.regretQ25),
      regretQ75: last(r.regretQ75),
      regretIqr: last(r.regretIqr)
    }))
    const { kind, lines } = await check("anchor-moved.json", { description: h.description, functions: [...functions, rosenbrock3], results })
    expect(kind).toBe("hpo_anchor")
    expect(lines.filter((l) => l.outcome === "skip").map((l) => l.check)).toEqual(["quality vs optuna"])
    expectAllPass(lines.filter((l) => l.outcome !== "skip"), 2 * (functions.length + 1) + 4 * results.length)
    // Hartmann-6 without its constants: gpnn's standard ones
    const bare = { name: "hartmann6", dim: 6, bounds: hartmann.bounds, fmin: hartmann.fmin, argmin: hartmann.argmin }
    expectAllPass((await check("hpo_anchor.json", { functions: [bare] })).lines, 2)
  })
})

describe("a reference value moved beyond its tolerance fails exactly that check", () => {
  it("metrics: one AUC moved by 1e-9 (rtol 1e-12); and passes once the description allows 1e-6", async () => {
    const m = read("metrics.json")
    const moved = structuredClone(m)
    moved.binary[1].auc = m.binary[1].auc - 1e-9
    expect(failing((await check("metrics.json", moved)).lines)).toEqual([`${m.binary[1].name}: rocAuc`])
    const loose = { ...moved, description: m.description.replace("Tolerance: 1e-12 relative", "Tolerance: 1e-6 relative") }
    expect(failing((await check("metrics.json", loose)).lines)).toEqual([])
  })

  it("model_selection: a selected degree and one AIC", async () => {
    const s = read("model_selection.json")
    const moved = structuredClone(s)
    moved.selected.bic = s.selected.bic + 1
    moved.rows[4].aic = s.rows[4].aic * (1 + 1e-8)
    expect(failing((await check("model_selection.json", moved)).lines)).toEqual(["aic", "selected degree (bic)"])
  })

  it("ntk: one NTK entry moved by 1e-9 relative (rtol 1e-10)", async () => {
    const t = read("ntk.json")
    const moved = { ...t, cases: [structuredClone(t.cases[7])], predictions: undefined, monteCarlo: undefined }
    moved.cases[0].ntk[1][4] *= 1 + 1e-9
    const c = t.cases[7]
    expect(failing((await check("ntk.json", moved)).lines)).toEqual([`${c.activation} depth ${c.depth} σw² ${c.sw2} σb² ${c.sb2}: ntk`])
  })

  it("mlp_step: one parameter after Adam moved by 1e-3", async () => {
    const m = read("mlp_step.json")
    const c = structuredClone(m.cases[1])
    const adam = c.runs.findIndex((r: Json) => r.optimizer === "adam")
    c.runs[adam].W[0][0][0] += 1e-3
    expect(failing((await check("mlp_step.json", { description: m.description, cases: [c] })).lines)).toEqual([`${c.name}/adam×${c.runs[adam].steps}: parameters after`])
  })

  it("mlp_norm_step: one BatchNorm running variance moved by 1e-3", async () => {
    const m = read("mlp_norm_step.json")
    const c = structuredClone(m.cases.find((x: Json) => x.norm === "batchnorm"))
    const run = c.runs[2]
    run.running[1].var[0] += 1e-3
    expect(failing((await check("mlp_norm_step.json", { description: m.description, cases: [c] })).lines)).toEqual([`${c.name}/${run.name}×${run.steps}: running statistics`])
  })

  it("gp_regression: a fixed lml moved by 1e-5 relative, and a fitted lml no optimiser reaches", async () => {
    const g = read("gp_regression.json")
    const c = structuredClone(g.cases[0])
    c.fixed.lml *= 1 + 1e-5
    c.fitted.lml = c.fitted.lml + 1
    const label = `${c.dataset}/${c.kernel}`
    expect(failing((await check("gp_regression.json", { description: g.description, cases: [c] })).lines)).toEqual([
      `${label}: lml`,
      `${label}: fitted lml (${Math.max(c.fitted.restarts, 30)} restarts)`
    ])
  })

  it("gp_classification: one probability moved by 5e-4 (atol 1e-4)", async () => {
    const moved = read("gp_classification.json")
    moved.fixed.proba[3] += 5e-4
    expect(failing((await check("gp_classification.json", moved)).lines)).toEqual(["fixed: P(y=1|x*)"])
  })

  it("svm: a decision value moved by 0.1, a far-off best cell, and AUC tolerances tightened to 1e-9 in the description", async () => {
    const s = read("svm.json")
    const grid = s.grid.filter((c: Json) => c.C === 1 && (c.gamma === 1 || c.gamma === 0.01)).map((c: Json) => structuredClone(c))
    const withDecision = grid.find((c: Json) => c.decisionTest !== undefined)
    withDecision.decisionTest[5] += 0.1
    const worst = grid.reduce((w: Json, c: Json) => (c.cvAuc < w.cvAuc ? c : w))
    const fixture = { ...s, grid, best: { C: worst.C, gamma: worst.gamma }, svr: undefined }
    expect(failing((await check("svm.json", fixture)).lines)).toEqual([`C=${withDecision.C} γ=${withDecision.gamma}: decision values`, "best cell"])
    const tight = { ...fixture, description: s.description.replace("AUCs atol 2e-3", "AUCs atol 1e-9") }
    const lines = (await check("svm.json", tight)).lines
    expect(failing(lines)).toContain("grid: test AUC")
    expect(lines.find((l) => l.check === "grid: test AUC")?.tolerance).toBe("atol 1e-9")
  })

  it("hpo_anchor: a moved fmin, regret against the exact minimum, a wrong median, Hartmann constants off by 0.1 %", async () => {
    const h = read("hpo_anchor.json")
    const branin = h.functions.findIndex((f: Json) => f.name === "branin")
    // fmin moved and the regrets moved with it (best − fmin shifts by −δ; the IQR not): only the function check sees it
    const shifted = (delta: number) => {
      const moved = structuredClone(h)
      moved.functions[branin].fmin += delta
      for (const r of moved.results.filter((r: Json) => r.function === "branin")) {
        for (const key of ["regretMedian", "regretQ25", "regretQ75"]) r[key] = r[key].map((v: number) => v - delta)
      }
      return moved
    }
    // 1e-5 is 2.5e-5 relative, beyond rounding to 6 significant digits; 1e-6 is within it
    expect(failing((await check("hpo_anchor.json", shifted(1e-5))).lines)).toEqual(["branin: f(argmin) = fmin"])
    expect(failing((await check("hpo_anchor.json", shifted(1e-6))).lines)).toEqual([])
    // the exact minimum 5/(4π) passes the function check, but the figures were taken against the rounded fmin
    const exact = structuredClone(h)
    exact.functions[branin].fmin = 5 / (4 * Math.PI)
    const braninRuns = h.results.filter((r: Json) => r.function === "branin").map((r: Json) => `branin/${r.sampler}`)
    expect(failing((await check("hpo_anchor.json", exact)).lines)).toEqual(braninRuns.flatMap((l: string) => [`${l}: regretMedian`, `${l}: regretQ25`, `${l}: regretQ75`]))
    // one median moved by 1e-8 relative (rtol 1e-9)
    const median = structuredClone(h)
    const tpe = median.results.find((r: Json) => r.function === "hartmann6" && r.sampler === "tpe")
    tpe.regretMedian[tpe.regretMedian.length - 1] *= 1 + 1e-8
    expect(failing((await check("hpo_anchor.json", median)).lines)).toEqual(["hartmann6/tpe: regretMedian"])
    // the fixture's constants are the ones evaluated: α scaled by 1.001 moves f(argmin) by 3e-3
    const constants = structuredClone(h)
    const hartmann = constants.functions.find((f: Json) => f.name === "hartmann6")
    hartmann.alpha = hartmann.alpha.map((a: number) => a * 1.001)
    expect(failing((await check("hpo_anchor.json", constants)).lines)).toEqual(["hartmann6: f(argmin) = fmin"])
  })
})
