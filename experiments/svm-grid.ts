/**
 * svm-grid: the lecture's recipe for an RBF SVM — choose C and σ by cross-validated ROC-AUC — on
 * noisy moons. Every (C, σ) cell is scored on the same stratified folds from its decision values
 * (not Platt probabilities); the report shows the CV-AUC heatmap, the best cell beside an
 * overfitted one (small σ, large C: train AUC ≈ 1, CV AUC well below the best) as decision
 * boundaries, and their ROC curves pooled over the held-out folds.
 *
 * The report reads only the stored run: the moons and folds the run drew (`keepData`), the
 * decision values each fold-0 fit stored on the probe grid, and the stored held-out decisions.
 *
 * Convention: features are standardised on each training part before the SVM sees them, so σ is
 * in units of the feature sd (γ = 1/(2σ²)).
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as DecisionSurface from "../src/report/DecisionSurface.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as Heatmap from "../src/report/Heatmap.ts"
import * as ModelTable from "../src/report/ModelTable.ts"
import * as Roc from "../src/report/Roc.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord } from "../src/results/Run.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(20),
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  Cs: Parameter.NonEmpty(Parameter.Positive),
  sigmas: Parameter.NonEmpty(Parameter.Positive),
  /** Probe grid points per axis for the decision-boundary plots. */
  gridSteps: Parameter.IntAtLeast(5),
  /** Train AUC above this, with CV AUC more than `overfitGap` below the best, flags a cell as overfitted. */
  overfitTrainAuc: Parameter.Positive,
  overfitGap: Parameter.Positive
})
type Params = typeof Params.Type

const cellId = (C: number, sigma: number): string => `svc-C${C}-s${sigma}`

/** The moons live in [−1.5, 2.5] × [−1, 1.5]; the probe grid covers that box with a margin. */
const probeGrid = (steps: number): Array<Array<number>> =>
  Grid.linspace(-1.25, 1.75, steps).flatMap((x2) => Grid.linspace(-1.75, 2.75, steps).map((x1) => [x1, x2]))

const task = (p: Params): Study.TaskEntry => ({
  name: "moons",
  spec: { task: "moons", n: p.n, noise: p.noise },
  probe: probeGrid(p.gridSteps),
  keepData: true
})

const metrics = ["auc", "trainAuc", "accuracy"] as const

/** What each criterion would pick: the study's (CV AUC) beside the ones a careless reader might use. */
const criteria: ReadonlyArray<Criteria.Criterion> = [
  { key: "auc", title: "max CV AUC", direction: "max" },
  { key: "accuracy", title: "max CV accuracy", direction: "max" },
  { key: "trainAuc", title: "max train AUC", direction: "max" }
]

const cellName = (s: Summary.ModelSummary): string => `C = ${s.axes.C}, σ = ${s.axes.sigma}`

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const moons = yield* Stored.dataAndProbe(run, "moons")
    const summaries = Summary.byModel(rows, metrics)
    const nSupport = new Map(summaries.map((s) => [s.model, Summary.finiteMean(rows.filter((r) => r.model === s.model && r.status === "ok").map((r) => Number(r.info.nSupport)))]))
    const candidates = summaries.map((s): Criteria.Candidate => ({ id: s.model, label: cellName(s), values: s.mean }))
    const chosen = Criteria.picks(candidates, criteria)
    const best = summaries.find((s) => s.model === chosen.get("auc")?.id)
    const flagged = best === undefined ? [] : summaries.filter((s) => s.mean.trainAuc > p.overfitTrainAuc && s.mean.auc < best.mean.auc - p.overfitGap)
    /** The overfitted cell to show: the lecture's archetype, the flagged cell of smallest σ, then largest C. */
    const overfit = [...flagged].sort((a, b) => Number(a.axes.sigma) - Number(b.axes.sigma) || Number(b.axes.C) - Number(a.axes.C))[0]

    const axes = { x: { axis: "sigma", order: p.sigmas }, y: { axis: "C", title: "C", order: [...p.Cs].reverse() } }
    const heatmap = yield* Chart.render(Heatmap.chart({
      title: "Cross-validated ROC-AUC over the C × σ grid",
      subtitle: `mean over ${p.folds} stratified folds, from decision values${best === undefined ? "" : `; best: ${cellName(best)}`}`,
      summaries,
      x: { ...axes.x, title: "σ (RBF length-scale, standardised units)" },
      y: axes.y,
      metric: "auc",
      value: { title: "CV AUC", format: (v) => Format.fixed(v, 3) }
    }))
    const trainHeatmap = yield* Chart.render(Heatmap.chart({
      title: "Training ROC-AUC over the same grid",
      subtitle: `mean over the ${p.folds} training parts`,
      summaries,
      x: { ...axes.x, title: "σ" },
      y: axes.y,
      metric: "trainAuc",
      value: { title: "train AUC", format: (v) => Format.fixed(v, 3) }
    }))

    const boundary = (s: Summary.ModelSummary, role: string) =>
      Effect.flatMap(
        DecisionSurface.chart({
          title: `${role}: ${cellName(s)}`,
          subtitle: `CV AUC ${Format.fixed(s.mean.auc, 3)}, train AUC ${Format.fixed(s.mean.trainAuc, 3)}; shading: decision value (fold 0 fit), clipped to ±2; all ${moons.y.length} points`,
          task: moons,
          prediction: run.probes.get(rows.find((r) => r.model === s.model && r.fold === 0)?.key ?? ""),
          value: "decision"
        }),
        Chart.render
      )
    const bestBoundary = best === undefined ? undefined : yield* boundary(best, "Best cell")
    const overfitBoundary = overfit === undefined ? undefined : yield* boundary(overfit, "Overfitted cell")
    const rocCurves = Roc.curves(run, [best, overfit].filter((s) => s !== undefined).map((s) => ({ label: cellName(s), model: s.model })))
    const rocChart = yield* Chart.render(Roc.chart({ title: "ROC curves on the held-out folds (pooled)", curves: rocCurves }))

    const byTrain = summaries.find((s) => s.model === chosen.get("trainAuc")?.id)
    const findings = [
      best === undefined
        ? "No cell has a finite CV AUC: every trial failed (see below)."
        : `Cross-validated ROC-AUC picks **${cellName(best)}** (CV AUC ${Format.meanSd(best.mean.auc, best.sd.auc)}, train AUC ${Format.fixed(best.mean.trainAuc, 3)}).`,
      overfit === undefined || best === undefined
        ? `No cell of this grid overfits by the rule (train AUC > ${p.overfitTrainAuc} and CV AUC more than ${p.overfitGap} below the best).`
        : `The overfitted cell of smallest σ and largest C, **${cellName(overfit)}**, reaches train AUC ${Format.fixed(overfit.mean.trainAuc, 3)} but CV AUC ${Format.fixed(overfit.mean.auc, 3)}: a train–CV gap of ${Format.fixed(overfit.mean.trainAuc - overfit.mean.auc, 3)} against ${Format.fixed(best.mean.trainAuc - best.mean.auc, 3)} for the best cell, with ${Format.number(nSupport.get(overfit.model), 4)} support vectors (mean over folds) against ${Format.number(nSupport.get(best.model), 4)}.`,
      `${flagged.length} of ${summaries.length} cells are flagged as overfitted; ${
        byTrain === undefined ? "no cell has a finite training AUC" : Criteria.agree(chosen, ["auc", "trainAuc"]) ? `training AUC picks the same cell (${cellName(byTrain)})` : `training AUC alone would have picked ${cellName(byTrain)}`
      }.`,
      ...rocCurves.map((c) => `Pooled over the held-out folds (${c.n} points), ${c.label} has ROC-AUC ${Format.fixed(c.auc, 3)}.`),
      RunFacts.trialStatus(manifest, rows)
    ]

    return Document.make({
      title: "svm-grid: choosing C and σ of an RBF SVM by cross-validated ROC-AUC",
      intro: `Noisy moons, n = ${p.n}, noise sd ${p.noise}; ${p.folds} stratified folds shared by every cell; C ∈ {${p.Cs.join(", ")}}, σ ∈ {${p.sigmas.join(", ")}} (γ = 1/(2σ²), features standardised on each training part). ROC-AUC is computed from the SVM's decision values.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The grid", [
          Document.figure({ name: "cv-auc-heatmap", svg: heatmap, caption: "Mean CV ROC-AUC per (C, σ)." }),
          Document.figure({ name: "train-auc-heatmap", svg: trainHeatmap, caption: "Mean training ROC-AUC per (C, σ)." }),
          ModelTable.table({
            caption: "Every cell: CV AUC mean ± sd over folds, training AUC, CV accuracy and support vectors (means over folds), and how many of its trials finished.",
            summaries,
            model: { title: "cell", label: cellName },
            columns: [
              { metric: "auc", title: "CV AUC" },
              { metric: "trainAuc", title: "train AUC", show: "mean", decimals: 3 },
              { metric: "accuracy", title: "CV accuracy", show: "mean", decimals: 3 },
              { key: "nSupport", title: "n_SV", value: (s) => Format.number(nSupport.get(s.model), 4), align: "right" },
              { key: "flag", title: "", value: (s) => (s.model === best?.model ? "**best**" : flagged.includes(s) ? "overfit" : "") }
            ]
          }),
          Criteria.table({
            caption: "The cell each criterion picks (with its mean over folds). Only CV AUC is the study's criterion; training AUC rewards memorising the training parts.",
            groups: [{ label: "moons", candidates }],
            criteria,
            groupTitle: "task",
            format: (_, v) => Format.fixed(v, 3)
          })
        ]),
        Document.section("Best against overfitted", [
          ...(bestBoundary === undefined ? [] : [Document.figure({ name: "boundary-best", svg: bestBoundary, caption: "Decision values of the best cell's fold-0 fit over the stored moons." })]),
          ...(overfitBoundary === undefined ? [] : [Document.figure({ name: "boundary-overfit", svg: overfitBoundary, caption: "Decision values of the overfitted cell's fold-0 fit over the stored moons." })]),
          Document.figure({ name: "roc", svg: rocChart, caption: "ROC curves of the held-out decision values, pooled over folds." })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

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
