/**
 * mlp-1d: the lecture's 1-d MLP. A ReLU net is a piecewise-linear function: a 1-hidden-layer net
 * f(x) = c + Σ_j a_j·relu(w_j x + b_j) bends only at its units' breakpoints −b_j/w_j, so it has at
 * most width + 1 linear pieces, and each unit contributes one hinge. Nets of growing width (and a
 * few deeper ones) are fitted to one noisy 1-d task; the report draws each fit over its data, the
 * kinks, each kink's hinge, and counts the pieces and the held-out error against width and depth.
 *
 * Where the kinks come from: each trial's stored predictions on a dense probe grid (Kinks.ts finds
 * where the slope changes), not from the fitted weights. That needs no change to the model, holds
 * for deeper nets too (whose kinks are not one unit's −b/w), and uses only what the run stored.
 * Its limits, stated in the report: kinks outside the grid are not seen, and two kinks within two
 * grid cells count as one (the grid is dense, so this is rare).
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as Kinks from "../src/report/Kinks.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(10),
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  seeds: Parameter.PositiveInt,
  /** Widths of the 1-hidden-layer nets. */
  widths: Parameter.NonEmpty(Parameter.PositiveInt),
  /** Deeper nets: every depth here (≥ 2) at width `deepWidth`. */
  depths: Schema.Array(Parameter.IntAtLeast(2)),
  deepWidth: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  batchSize: Parameter.PositiveInt,
  learningRate: Parameter.Positive,
  /** Probe grid points over [−3.5, 3.5]: dense, so that kinks are found to within a cell. */
  probeSteps: Parameter.IntAtLeast(50)
})
type Params = typeof Params.Type

const TASK = "sine-quadratic"
const PROBE: readonly [number, number] = [-3.5, 3.5]

const net = (p: Params, depth: number, width: number) => ({
  depth,
  width,
  activation: "relu",
  init: "ntk-matched",
  wStd: 1.5,
  bStd: 1.0,
  optimizer: "adam",
  learningRate: p.learningRate,
  epochs: p.epochs,
  batchSize: p.batchSize
})

const study = (p: Params): Study.Study => ({
  tasks: [{
    name: TASK,
    spec: { task: "sine-quadratic", n: p.n, noise: p.noise },
    probe: Grid.linspace(PROBE[0], PROBE[1], p.probeSteps).map((x) => [x]),
    keepData: true
  }],
  split: { kind: "kfold", folds: p.folds },
  seeds: p.seeds,
  models: [
    ...p.widths.map((width): Study.ModelEntry => ({ id: `d1-w${width}`, family: "mlp", axes: { depth: 1, width }, config: net(p, 1, width) })),
    ...p.depths.map((depth): Study.ModelEntry => ({ id: `d${depth}-w${p.deepWidth}`, family: "mlp", axes: { depth, width: p.deepWidth }, config: net(p, depth, p.deepWidth) }))
  ]
})

/** A model's name in figures and tables. */
const label = (depth: number, width: number): string => `${depth} hidden layer${depth === 1 ? "" : "s"} × ${width}`

/** What a trial's probe predictions say about its pieces. */
export interface TrialKinks {
  readonly row: TrialRow
  readonly kinks: ReadonlyArray<Kinks.Kink>
  /** Linear pieces over the probe grid: kinks + 1. */
  readonly pieces: number
}

/** The kinks of every ok trial with stored probe predictions, in row order. */
export const trialKinks = (run: RunRecord, x: ReadonlyArray<number>): Array<TrialKinks> =>
  run.rows.flatMap((row) => {
    const mean = row.status === "ok" ? run.probes.get(row.key)?.mean : undefined
    if (mean === undefined) return []
    const kinks = Kinks.find(x, mean)
    return [{ row, kinks, pieces: kinks.length + 1 }]
  })

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const task = yield* Stored.dataAndProbe(run, TASK)
    const x = task.probe.map(([v]) => v)
    const all = trialKinks(run, x)
    const models = Summary.byModel(rows, ["rmse", "trainRmse"])
    const facts = models.map((s) => {
      const own = all.filter((t) => t.row.model === s.model)
      const pieces = own.map((t) => t.pieces)
      return {
        summary: s,
        depth: Number(s.axes.depth),
        width: Number(s.axes.width),
        pieces: Summary.mean(pieces),
        minPieces: Math.min(...pieces),
        maxPieces: Math.max(...pieces),
        widestKink: Math.max(0, ...own.flatMap((t) => t.kinks.map((k) => k.nodes))),
        parameters: Number(rows.find((r) => r.model === s.model && r.status === "ok")?.info.parameters)
      }
    })
    const shallow = facts.filter((f) => f.depth === 1).sort((a, b) => a.width - b.width)
    const deep = facts.filter((f) => f.depth > 1).sort((a, b) => a.depth - b.depth)
    /** The first trial (fold 0, seed 0 in plan order) of each model: the one drawn. */
    const shown = facts.map((f) => ({ f, t: all.find((t) => t.row.model === f.summary.model) }))
    const panelOf = (f: (typeof facts)[number]) => label(f.depth, f.width)

    const fitRows = shown.flatMap(({ f, t }) =>
      t === undefined ? [] : [
        ...x.map((xi, i) => ({ panel: panelOf(f), x: xi, y: run.probes.get(t.row.key)?.mean?.[i], series: "fit" })),
        ...(task.truth === undefined ? [] : x.map((xi, i) => ({ panel: panelOf(f), x: xi, y: task.truth![i], series: "true f" })))
      ])
    const pointRows = shown.flatMap(({ f, t }) =>
      t === undefined ? [] : task.folds[t.row.fold].train.map((i) => ({ panel: panelOf(f), x: task.X[i][0], y: task.y[i] })))
    const fitsSvg = yield* Chart.render(Chart.facet({
      title: "ReLU nets fitted to the data: piecewise-linear fits",
      subtitle: `one trial per net (fold 0, seed 0): its predictions on the ${x.length}-point probe grid, the training points of its fold in grey`,
      by: { field: "panel", title: "", order: shown.map(({ f }) => panelOf(f)) },
      columns: 3,
      chart: Chart.line({
        title: "",
        width: 260,
        height: 170,
        data: fitRows,
        x: { field: "x", title: "x", domain: PROBE },
        y: { field: "y", title: "y" },
        series: { field: "series", title: "", order: task.truth === undefined ? ["fit"] : ["fit", "true f"] },
        points: false,
        overlay: { data: pointRows, x: "x", y: "y" }
      })
    }))

    /** Hinges of the drawn 1-hidden-layer nets of width ≤ 8: one line per kink, plus the linear part. */
    const hingeNets = shown.filter(({ f, t }) => f.depth === 1 && f.width <= 8 && t !== undefined)
    const hingeRows = hingeNets.flatMap(({ f, t }) => {
      const mean = run.probes.get(t!.row.key)!.mean!
      const parts = Kinks.hinges(x, mean, t!.kinks)
      return [
        ...x.map((xi, i) => ({ panel: panelOf(f), x: xi, y: parts.linear[i], series: "linear part" })),
        ...parts.units.flatMap((u, k) => x.map((xi, i) => ({ panel: panelOf(f), x: xi, y: u[i], series: `hinge ${k + 1}` })))
      ]
    })
    const hingeSvg = hingeNets.length === 0 ? undefined : yield* Chart.render(Chart.facet({
      title: "What each hidden unit contributes: one hinge per kink",
      subtitle: "fit = linear part + Σ hinges Δ·relu(x − t); Δ the slope change at the kink t; hinges numbered left to right (their t in the table below)",
      by: { field: "panel", title: "", order: hingeNets.map(({ f }) => panelOf(f)) },
      columns: 3,
      chart: Chart.line({
        title: "",
        width: 260,
        height: 170,
        data: hingeRows,
        x: { field: "x", title: "x", domain: PROBE },
        y: { field: "y", title: "contribution to f(x)" },
        series: { field: "series", title: "", order: ["linear part", ...Array.from({ length: Math.max(0, ...hingeNets.map(({ t }) => t!.kinks.length)) }, (_, k) => `hinge ${k + 1}`)] },
        points: false
      })
    }))

    const pieceRows = [
      ...shallow.flatMap((f) => [
        { width: f.width, value: f.pieces, lo: f.minPieces, hi: f.maxPieces, series: "1 hidden layer (mean, min–max over trials)" },
        { width: f.width, value: f.width + 1, lo: null, hi: null, series: "bound: width + 1" }
      ]),
      ...deep.map((f) => ({ width: f.width, value: f.pieces, lo: f.minPieces, hi: f.maxPieces, series: `${f.depth} hidden layers` }))
    ]
    const piecesSvg = yield* Chart.render(Chart.line({
      title: "Linear pieces over the probe grid vs width",
      subtitle: "pieces = kinks found in the stored probe predictions + 1",
      data: pieceRows,
      x: { field: "width", title: "hidden width", log: true },
      y: { field: "value", title: "linear pieces", log: true },
      series: { field: "series", title: "" },
      interval: { lo: "lo", hi: "hi", style: "bars" }
    }))
    const rmseRows = facts.map((f) => ({ width: f.width, value: f.summary.mean.rmse, lo: f.summary.mean.rmse - f.summary.sd.rmse, hi: f.summary.mean.rmse + f.summary.sd.rmse, series: f.depth === 1 ? "1 hidden layer" : `${f.depth} hidden layers` }))
    const rmseSvg = yield* Chart.render(Chart.line({
      title: "Held-out RMSE vs width and depth",
      subtitle: `mean ± sd over ${p.folds} folds × ${p.seeds} seed(s)`,
      data: rmseRows,
      x: { field: "width", title: "hidden width", log: true },
      y: { field: "value", title: "CV RMSE" },
      series: { field: "series", title: "" },
      interval: { lo: "lo", hi: "hi", style: "bars" }
    }))

    const bounded = shallow.filter((f) => f.maxPieces <= f.width + 1)
    const best = Summary.best(models, "rmse")
    const widest = shallow[shallow.length - 1]
    const narrowest = shallow[0]
    const maxNodes = Math.max(0, ...facts.map((f) => f.widestKink))
    const findings = [
      narrowest === undefined ? "" :
        `Linear pieces of the 1-hidden-layer nets over [${PROBE[0]}, ${PROBE[1]}], mean over trials: ${shallow.map((f) => `width ${f.width}: ${Format.significant(f.pieces, 3)}`).join(", ")}. ${bounded.length === shallow.length ? "Every trial stays within the bound width + 1 (a unit adds no kink on the grid when its breakpoint lies outside it or the unit is off over all of it)" : `${shallow.length - bounded.length} width(s) exceed the bound width + 1 in some trial (kinks the grid cannot resolve would only lower the count, so this is a fault)`}.`,
      deep.length === 0 ? "" :
        `Deeper nets of width ${p.deepWidth}: ${deep.map((f) => `${f.depth} hidden layers, ${Format.significant(f.pieces, 3)} pieces (${Format.count(f.parameters)} parameters)`).join("; ")}, against ${Format.significant(facts.find((f) => f.depth === 1 && f.width === p.deepWidth)?.pieces, 3)} for one hidden layer of the same width${shallow.some((f) => f.width === p.deepWidth) ? "" : " (not in this run)"}.`,
      ...deep.flatMap((d) => {
        const same = shallow.find((f) => f.parameters === d.parameters)
        return same === undefined ? [] : [
          `At the same ${Format.count(d.parameters)} parameters, ${label(d.depth, d.width)} has ${Format.significant(d.pieces, 3)} pieces and held-out RMSE ${Format.meanSd(d.summary.mean.rmse, d.summary.sd.rmse)}; ${label(same.depth, same.width)} has ${Format.significant(same.pieces, 3)} pieces and ${Format.meanSd(same.summary.mean.rmse, same.summary.sd.rmse)}.`
        ]
      }),
      best === undefined ? "No trial finished." :
        `Held-out RMSE: ${facts.map((f) => `${label(f.depth, f.width)} ${Format.number(f.summary.mean.rmse, 3)}`).join(", ")}; the lowest is **${label(Number(best.axes.depth), Number(best.axes.width))}**. The noise sd is ${p.noise}, the floor any fit's RMSE approaches.`,
      widest === undefined || narrowest === undefined ? "" :
        `From width ${narrowest.width} to ${widest.width} the training RMSE goes ${Format.number(narrowest.summary.mean.trainRmse, 3)} → ${Format.number(widest.summary.mean.trainRmse, 3)} and the held-out RMSE ${Format.number(narrowest.summary.mean.rmse, 3)} → ${Format.number(widest.summary.mean.rmse, 3)}.`,
      maxNodes <= 2
        ? "Every kink found spreads its slope change over at most 2 grid nodes, as a lone kink between two nodes does: the fits are piecewise-linear on the grid, as ReLU nets must be."
        : `The widest kink found spreads its slope change over ${maxNodes} grid nodes (a lone kink between two nodes spreads over 2): there, kinks closer than the grid resolves were merged and counted once.`,
      RunFacts.trialStatus(manifest, rows)
    ].filter((f) => f !== "")

    return Document.make({
      title: "mlp-1d: a ReLU net as a piecewise-linear fit",
      intro: `${manifest.title}. Task: x ~ U(−3, 3), y = sin(3x) + 0.3x² + N(0, ${p.noise}²), n = ${p.n}, ${p.folds}-fold CV (x and y standardised on each training part, metrics on the original scale). Nets: ReLU MLPs, 1 hidden layer of width ${p.widths.join(", ")}${p.depths.length === 0 ? "" : `, and ${p.depths.join(", ")} hidden layers of width ${p.deepWidth}`}; ntk-matched init (W ~ N(0, 1.5²/fan_in), b ~ N(0, 1)), Adam lr ${p.learningRate}, batch ${p.batchSize}, ${p.epochs} epochs, ${p.seeds} seed(s) per fold.\n\nA 1-hidden-layer ReLU net f(x) = c + Σ_j a_j·relu(w_j x + b_j) is linear between its units' breakpoints −b_j/w_j, so it has at most width + 1 pieces; at a breakpoint the slope changes by a_j·|w_j|. The kinks here are found from each trial's stored predictions on a ${x.length}-point probe grid (spacing ${Format.significant((PROBE[1] - PROBE[0]) / (x.length - 1), 3)}): where the slope between grid points changes by more than 0.1 % of the steepest slope (src/report/Kinks.ts). Kinks outside the grid are not seen, and two kinks within two grid cells of each other count as one.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The fits", [
          Document.figure({ name: "fits", svg: fitsSvg, caption: "Each net's fit (one trial: fold 0, seed 0) over the probe grid, the true f, and the training points of its fold." }),
          ...(hingeSvg === undefined ? [] : [Document.figure({ name: "hinges", svg: hingeSvg, caption: "The same fits of the 1-hidden-layer nets of width ≤ 8 taken apart: the linear part (the fit's first piece, extended) and one hinge Δ·relu(x − t) per kink t. Their sum is the fit. Each hinge is one hidden unit's a_j·relu(w_j x + b_j) up to a linear term; units whose breakpoint lies outside the grid are linear over it and sit in the linear part." })]),
          Document.table({
            caption: "Where the drawn trial's pieces meet (kinks t, with the slope change Δ there), per net.",
            columns: [
              { key: "net", title: "net" },
              { key: "pieces", title: "pieces" },
              { key: "kinks", title: "kinks t (Δ)" }
            ],
            rows: shown.map(({ f, t }) => ({
              net: panelOf(f),
              pieces: t?.pieces,
              kinks: t === undefined ? Format.missing : t.kinks.length > 12
                ? `${t.kinks.length} kinks from ${Format.fixed(t.kinks[0].x, 2)} to ${Format.fixed(t.kinks[t.kinks.length - 1].x, 2)}`
                : t.kinks.map((k) => `${Format.fixed(k.x, 2)} (${Format.significant(k.slopeChange, 2)})`).join(", ") || "none"
            }))
          })
        ]),
        Document.section("Pieces and error against width and depth", [
          Document.table({
            caption: "Per net, over its ok trials: linear pieces over the probe grid (mean, min–max), parameters, held-out and training RMSE (mean ± sd).",
            columns: [
              { key: "net", title: "net" },
              { key: "parameters", title: "parameters" },
              { key: "pieces", title: "pieces (mean)" },
              { key: "range", title: "pieces (min–max)" },
              { key: "bound", title: "width + 1" },
              { key: "rmse", title: "CV RMSE" },
              { key: "train", title: "train RMSE" }
            ],
            rows: facts.map((f) => ({
              net: label(f.depth, f.width),
              parameters: f.parameters,
              pieces: Format.significant(f.pieces, 3),
              range: `${f.minPieces}–${f.maxPieces}`,
              bound: f.depth === 1 ? f.width + 1 : Format.missing,
              rmse: Format.meanSd(f.summary.mean.rmse, f.summary.sd.rmse),
              train: Format.meanSd(f.summary.mean.trainRmse, f.summary.sd.trainRmse)
            }))
          }),
          Document.figure({ name: "pieces-vs-width", svg: piecesSvg, caption: "Linear pieces against width; for one hidden layer the bound width + 1." }),
          Document.figure({ name: "rmse-vs-width", svg: rmseSvg, caption: "Held-out RMSE against width, one line per depth." })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "mlp-1d",
  title: "The 1-d ReLU MLP: a piecewise-linear fit, its kinks, width and depth",
  description: "1-hidden-layer ReLU nets of widths 2 to 128 (and deeper ones) on a 1-d regression task: the fits over the data, where the pieces meet and what each unit's hinge adds, the number of linear pieces and the held-out RMSE against width and depth.",
  params: Params,
  defaults: {
    n: 200,
    noise: 0.2,
    folds: 5,
    seeds: 3,
    widths: [2, 4, 8, 32, 128],
    depths: [2, 3],
    deepWidth: 8,
    epochs: 300,
    batchSize: 32,
    learningRate: 0.01,
    probeSteps: 1401
  },
  profiles: {
    quick: { n: 100, folds: 2, seeds: 1, widths: [2, 4, 8, 32], depths: [2], epochs: 300 },
    full: { seeds: 10, widths: [2, 4, 8, 16, 32, 64, 128, 512], depths: [2, 3, 4], epochs: 1000 }
  },
  seed: 0,
  study,
  report
})
