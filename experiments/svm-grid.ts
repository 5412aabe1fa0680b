/**
 * svm-grid: the lecture's recipe for an RBF SVM — choose C and σ by cross-validated ROC-AUC — on
 * noisy moons. Every (C, σ) cell is scored on the same stratified folds from its decision values
 * (not Platt probabilities); the report shows the CV-AUC heatmap, the best cell beside an
 * overfitted one (small σ, large C: train AUC ≈ 1, CV AUC well below the best) as decision
 * boundaries, and their ROC curves pooled over the held-out folds.
 *
 * Convention: features are standardised on each training part before the SVM sees them, so σ is
 * in units of the feature sd (γ = 1/(2σ²)).
 */
import { Effect, Schema } from "effect"
import * as Random from "../src/core/Random.ts"
import * as Task from "../src/data/Task.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"

const Positive = Schema.Finite.check(Schema.isGreaterThan(0))

const Params = Schema.Struct({
  n: Schema.Int.check(Schema.isGreaterThanOrEqualTo(20)),
  noise: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  folds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(2)),
  Cs: Schema.Array(Positive).check(Schema.isMinLength(1)),
  sigmas: Schema.Array(Positive).check(Schema.isMinLength(1)),
  /** Probe grid points per axis for the decision-boundary plots. */
  gridSteps: Schema.Int.check(Schema.isGreaterThanOrEqualTo(5)),
  /** Train AUC above this, with CV AUC more than `overfitGap` below the best, flags a cell as overfitted. */
  overfitTrainAuc: Positive,
  overfitGap: Positive
})
type Params = typeof Params.Type

const cellId = (C: number, sigma: number): string => `svc-C${C}-s${sigma}`

/** The moons live in [−1.5, 2.5] × [−1, 1.5]; the probe grid covers that box with a margin. */
const probeGrid = (steps: number): Array<Array<number>> => {
  const out: Array<Array<number>> = []
  for (let i = 0; i < steps; i++) {
    for (let j = 0; j < steps; j++) out.push([-1.75 + (4.5 * j) / (steps - 1), -1.25 + (3 * i) / (steps - 1)])
  }
  return out
}

const task = (p: Params): Study.TaskEntry => ({
  name: "moons",
  spec: { task: "moons", n: p.n, noise: p.noise },
  probe: probeGrid(p.gridSteps)
})

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const summaries = Summary.byModel(rows, ["auc", "trainAuc", "accuracy"])
    const cells = summaries.map((s) => ({
      id: s.model,
      C: Number(s.axes.C),
      sigma: Number(s.axes.sigma),
      cvAuc: s.mean.auc,
      cvSd: s.sd.auc,
      trainAuc: s.mean.trainAuc,
      accuracy: s.mean.accuracy,
      nSupport: meanInfo(rows.filter((r) => r.model === s.model), "nSupport"),
      ok: s.ok,
      trials: s.trials
    }))
    const best = cells.reduce((a, b) => (Number.isFinite(b.cvAuc) && !(b.cvAuc <= a.cvAuc) ? b : a))
    const flagged = cells.filter((c) => c.trainAuc > p.overfitTrainAuc && c.cvAuc < best.cvAuc - p.overfitGap)
    /** The overfitted cell to show: the lecture's archetype, the flagged cell of smallest σ, then largest C. */
    const overfit = [...flagged].sort((a, b) => a.sigma - b.sigma || b.C - a.C)[0]

    const heatmap = yield* Chart.render(Chart.heatmap({
      title: "Cross-validated ROC-AUC over the C × σ grid",
      subtitle: `mean over ${p.folds} stratified folds, from decision values; best: C = ${best.C}, σ = ${best.sigma}`,
      data: cells.map((c) => ({ C: String(c.C), sigma: String(c.sigma), auc: c.cvAuc })),
      x: { field: "sigma", title: "σ (RBF length-scale, standardised units)", order: p.sigmas.map(String) },
      y: { field: "C", title: "C", order: [...p.Cs].reverse().map(String) },
      value: { field: "auc", title: "CV AUC", format: (v) => Format.fixed(v, 3) }
    }))
    const trainHeatmap = yield* Chart.render(Chart.heatmap({
      title: "Training ROC-AUC over the same grid",
      subtitle: "small σ and large C fit the training folds almost perfectly",
      data: cells.map((c) => ({ C: String(c.C), sigma: String(c.sigma), auc: c.trainAuc })),
      x: { field: "sigma", title: "σ", order: p.sigmas.map(String) },
      y: { field: "C", title: "C", order: [...p.Cs].reverse().map(String) },
      value: { field: "auc", title: "train AUC", format: (v) => Format.fixed(v, 3) }
    }))

    // The data are a pure function of the run seed: redraw them for the scatter layer.
    const data = yield* Task.load(task(p).spec, Random.make(Study.dataSeed(manifest.seed, "moons"))).pipe(Effect.orDie)
    const points = Array.from({ length: data.X.rows }, (_, i) => ({ x1: data.X.data[2 * i], x2: data.X.data[2 * i + 1], class: `class ${data.y[i]}` }))
    const grid = probeGrid(p.gridSteps)
    const boundary = (cell: typeof cells[number], role: string) => {
      const key = rows.find((r) => r.model === cell.id && r.fold === 0)?.key
      const probe = key === undefined ? undefined : run.probes.get(key)
      const decision = probe?.decision ?? []
      return Chart.render(Chart.scatter({
        title: `${role}: C = ${cell.C}, σ = ${cell.sigma}`,
        subtitle: `CV AUC ${Format.fixed(cell.cvAuc, 3)}, train AUC ${Format.fixed(cell.trainAuc, 3)}; shading: decision value (fold 0 fit), clipped to ±2`,
        width: 380,
        height: 300,
        data: points,
        x: { field: "x1", title: "x₁" },
        y: { field: "x2", title: "x₂" },
        colour: { field: "class", title: "" },
        background: {
          data: grid.map(([x1, x2], i) => ({ x1, x2, f: Math.max(-2, Math.min(2, decision[i] ?? Number.NaN)) })),
          x: "x1",
          y: "x2",
          value: "f",
          title: "decision",
          domain: [-2, 2]
        }
      }))
    }
    const bestBoundary = yield* boundary(best, "Best cell")
    const overfitBoundary = overfit === undefined ? undefined : yield* boundary(overfit, "Overfitted cell")

    const roc = (cell: typeof cells[number]) => {
      const y: Array<number> = []
      const score: Array<number> = []
      for (const r of rows.filter((r) => r.model === cell.id)) {
        const held = run.heldOut.get(r.key)
        if (held === undefined || held.prediction.decision === undefined) continue
        y.push(...held.y)
        score.push(...held.prediction.decision)
      }
      const curve = Metrics.rocCurve(y, score)
      return Array.from(curve.fpr, (fpr, i) => ({ fpr, tpr: curve.tpr[i], cell: `C = ${cell.C}, σ = ${cell.sigma} (pooled AUC ${Format.fixed(Metrics.rocAuc(y, score), 3)})` }))
    }
    const rocChart = yield* Chart.render(Chart.line({
      title: "ROC curves on the held-out folds (pooled)",
      data: [...roc(best), ...(overfit === undefined ? [] : roc(overfit))],
      x: { field: "fpr", title: "false positive rate", domain: [0, 1] },
      y: { field: "tpr", title: "true positive rate", domain: [0, 1] },
      series: { field: "cell", title: "" },
      points: false
    }))

    const findings = [
      `Cross-validated ROC-AUC picks **C = ${best.C}, σ = ${best.sigma}** (CV AUC ${Format.meanSd(best.cvAuc, best.cvSd)}, train AUC ${Format.fixed(best.trainAuc, 3)}).`,
      overfit === undefined
        ? `No cell of this grid overfits by the rule (train AUC > ${p.overfitTrainAuc} and CV AUC more than ${p.overfitGap} below the best).`
        : `The overfitted cell of smallest σ and largest C, **C = ${overfit.C}, σ = ${overfit.sigma}**, reaches train AUC ${Format.fixed(overfit.trainAuc, 3)} but CV AUC ${Format.fixed(overfit.cvAuc, 3)}: a train–CV gap of ${Format.fixed(overfit.trainAuc - overfit.cvAuc, 3)} against ${Format.fixed(best.trainAuc - best.cvAuc, 3)} for the best cell, with ${Format.number(overfit.nSupport, 4)} support vectors (mean over folds) against ${Format.number(best.nSupport, 4)}.`,
      `${flagged.length} of ${cells.length} cells are flagged as overfitted; training AUC alone would have picked C = ${cells.reduce((a, b) => (b.trainAuc > a.trainAuc ? b : a)).C}, σ = ${cells.reduce((a, b) => (b.trainAuc > a.trainAuc ? b : a)).sigma}.`,
      `${rows.filter((r) => r.status !== "ok").length} trial(s) failed out of ${rows.length}. The run took ${Format.duration(RunFacts.wallSeconds(manifest) * 1000)}.`
    ]

    return Document.make({
      title: "svm-grid: choosing C and σ of an RBF SVM by cross-validated ROC-AUC",
      intro: `Noisy moons, n = ${p.n}, noise sd ${p.noise}; ${p.folds} stratified folds shared by every cell; C ∈ {${p.Cs.join(", ")}}, σ ∈ {${p.sigmas.join(", ")}} (γ = 1/(2σ²), features standardised on each training part). ROC-AUC is computed from the SVM's decision values.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The grid", [
          Document.figure({ name: "cv-auc-heatmap", svg: heatmap, caption: "Mean CV ROC-AUC per (C, σ)." }),
          Document.figure({ name: "train-auc-heatmap", svg: trainHeatmap, caption: "Mean training ROC-AUC per (C, σ)." }),
          Document.table({
            caption: "Every cell: CV AUC mean ± sd over folds, training AUC, accuracy and support vectors (means over folds).",
            columns: [
              { key: "C", title: "C" },
              { key: "sigma", title: "σ" },
              { key: "cv", title: "CV AUC", align: "right" },
              { key: "train", title: "train AUC", align: "right" },
              { key: "accuracy", title: "CV accuracy", align: "right" },
              { key: "nSupport", title: "n_SV" },
              { key: "flag", title: "" }
            ],
            rows: cells.map((c) => ({
              C: c.C,
              sigma: c.sigma,
              cv: Format.meanSd(c.cvAuc, c.cvSd),
              train: Format.fixed(c.trainAuc, 3),
              accuracy: Format.fixed(c.accuracy, 3),
              nSupport: Format.number(c.nSupport, 4),
              flag: c.id === best.id ? "**best**" : flagged.includes(c) ? "overfit" : ""
            }))
          })
        ]),
        Document.section("Best against overfitted", [
          Document.figure({ name: "boundary-best", svg: bestBoundary, caption: "Decision values of the best cell over the moons." }),
          ...(overfitBoundary === undefined ? [] : [Document.figure({ name: "boundary-overfit", svg: overfitBoundary, caption: "Decision values of the overfitted cell: islands around single training points." })]),
          Document.figure({ name: "roc", svg: rocChart, caption: "ROC curves of the held-out decision values, pooled over folds." })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

const meanInfo = (rows: RunRecord["rows"], key: string): number =>
  Summary.mean(rows.map((r) => r.info[key]).filter((v): v is number => typeof v === "number"))

export default Experiment.define({
  name: "svm-grid",
  title: "RBF SVM on noisy moons: C and σ by cross-validated ROC-AUC",
  description: "The C × σ grid of an RBF C-SVC scored by CV ROC-AUC from decision values, with the best and an overfitted cell side by side.",
  params: Params,
  defaults: {
    n: 600,
    noise: 0.3,
    folds: 5,
    Cs: [0.01, 0.1, 1, 10, 100, 1000, 10000],
    sigmas: [0.01, 0.03, 0.1, 0.3, 1, 3, 10],
    gridSteps: 41,
    overfitTrainAuc: 0.99,
    overfitGap: 0.05
  },
  profiles: {
    quick: { n: 200, folds: 3, Cs: [1, 100], sigmas: [0.03, 0.3], gridSteps: 21 },
    full: { n: 2000, folds: 10, Cs: [0.001, 0.01, 0.1, 0.3, 1, 3, 10, 30, 100, 1000, 10000, 100000], sigmas: [0.01, 0.02, 0.03, 0.06, 0.1, 0.2, 0.3, 0.6, 1, 2, 3, 10], gridSteps: 61 }
  },
  seed: 0,
  study: (p) => ({
    tasks: [task(p)],
    split: { kind: "kfold", folds: p.folds, stratified: true },
    seeds: 1,
    keepPredictions: true,
    models: p.Cs.flatMap((C) =>
      p.sigmas.map((sigma) => ({
        id: cellId(C, sigma),
        family: "svm",
        axes: { C, sigma },
        config: { kind: "svc", kernel: "rbf", C, sigma, probability: false }
      }))
    )
  }),
  report
})
