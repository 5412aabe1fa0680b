/**
 * ntk-convergence: how finite MLPs approach their infinite-width limit (Jacot et al. 2018; Lee et
 * al. 2019). For each width, an ensemble of nets (one per seed) is trained by full-batch gradient
 * descent on the MSE in the NTK parameterisation, from the ntk-matched initialisation, on the
 * same folds as the NTK-GP of the same architecture at the same training time t = 2ηT. Three
 * questions, each answered from the stored rows:
 *   (a) the empirical NTK at initialisation approaches the analytic Θ: ‖Θ̂₀ − Θ‖_F/‖Θ‖_F against
 *       width on log-log axes, slope fitted by least squares (theory: −½);
 *   (b) the ensemble's mean prediction approaches the NTK-GP mean (over a probe grid and on the
 *       held-out folds), down to the Monte Carlo floor of a finite ensemble;
 *   (c) the kernel moves less during training as the width grows: ‖Θ̂_T − Θ̂₀‖_F/‖Θ̂₀‖_F (lazy
 *       training; theory: −½ as well).
 * Kernels are measured on each fold's (standardised) training inputs, for output 0.
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"
import * as PowerLaw from "../src/scoring/PowerLaw.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(8),
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  widths: Schema.Array(Parameter.PositiveInt).check(Schema.isMinLength(2)),
  /** Nets per (width, fold): the ensemble. */
  seeds: Parameter.IntAtLeast(2),
  depth: Parameter.PositiveInt,
  activation: Schema.Literals(["relu", "erf", "tanh"]),
  wStd: Parameter.Positive,
  bStd: Parameter.NonNegative,
  /** η of full-batch gradient descent on the mean squared error. */
  learningRate: Parameter.Positive,
  /** T: full-batch steps. */
  steps: Parameter.PositiveInt,
  /** Probe grid points over the inputs' range. */
  probeSteps: Parameter.IntAtLeast(5)
})
type Params = typeof Params.Type

const TASK = "smooth"

/** neural-tangents time of T steps of rate η on mean((f − y)²): t = 2ηT (Infinite.ts). */
const ntkTime = (p: Params): number => 2 * p.learningRate * p.steps

const architecture = (p: Params) => ({ depth: p.depth, activation: p.activation, wStd: p.wStd, bStd: p.bStd })

const study = (p: Params): Study.Study => ({
  tasks: [{ name: TASK, spec: { task: "smooth", n: p.n, noise: p.noise }, probe: Grid.linspace(-3.5, 3.5, p.probeSteps).map((x) => [x]) }],
  split: { kind: "kfold", folds: p.folds },
  seeds: p.seeds,
  keepPredictions: true,
  models: [
    ...p.widths.map((width) => ({
      id: `mlp-w${width}`,
      family: "mlp",
      axes: { width },
      config: {
        ...architecture(p),
        width,
        init: "ntk-matched",
        parameterization: "ntk",
        optimizer: "sgd",
        learningRate: p.learningRate,
        epochs: p.steps,
        batchSize: p.n,
        tangentKernel: true
      }
    })),
    { id: "ntk-gp", family: "ntk", axes: { width: "∞" }, config: { ...architecture(p), ridge: 0, time: ntkTime(p) } }
  ]
})

const { mean, sd } = Summary

interface WidthFacts {
  readonly width: number
  readonly initDistance: ReadonlyArray<number>
  readonly trainedDistance: ReadonlyArray<number>
  readonly movement: ReadonlyArray<number>
  /** RMS over the probe grid of (ensemble mean − NTK-GP mean), averaged over folds. */
  readonly probeGap: number
  /** The Monte Carlo part of that gap: √(mean over the grid of between-seed variance / seeds). */
  readonly probeFloor: number
  /**
   * The systematic part, √max(gap² − floor², 0): E[gap²] = bias² + var/seeds, so this estimates
   * how far an infinite ensemble of these nets would be from the NTK-GP.
   */
  readonly probeBias: number
  /** Held-out RMSE of the ensemble's mean prediction, pooled over folds. */
  readonly ensembleRmse: number
  /** Held-out RMSE of the single nets, pooled over nets and folds (≥ ensembleRmse by convexity). */
  readonly singleRmse: number
  readonly ok: number
  readonly trials: number
}

const info = (rows: ReadonlyArray<TrialRow>, key: string): Array<number> =>
  rows.map((r) => r.info[key]).filter((v): v is number => typeof v === "number" && Number.isFinite(v))

const widthFacts = (run: RunRecord, p: Params, width: number): WidthFacts => {
  const all = run.rows.filter((r) => r.model === `mlp-w${width}`)
  const rows = all.filter((r) => r.status === "ok")
  const ntkRows = run.rows.filter((r) => r.model === "ntk-gp" && r.status === "ok")
  let gapSq = 0
  let floorSq = 0
  let foldsSeen = 0
  const pooled: Array<number> = []
  const singles: Array<number> = []
  for (let fold = 0; fold < p.folds; fold++) {
    const nets = rows.filter((r) => r.fold === fold)
    const reference = ntkRows.find((r) => r.fold === fold)
    const referenceProbe = reference === undefined ? undefined : run.probes.get(reference.key)?.mean
    const probes = nets.map((r) => run.probes.get(r.key)?.mean).filter((m): m is ReadonlyArray<number> => m !== undefined)
    if (referenceProbe !== undefined && probes.length >= 2) {
      let gap = 0
      let floor = 0
      for (let j = 0; j < referenceProbe.length; j++) {
        const values = probes.map((m) => m[j])
        gap += (mean(values) - referenceProbe[j]) ** 2
        floor += sd(values) ** 2 / values.length
      }
      gapSq += gap / referenceProbe.length
      floorSq += floor / referenceProbe.length
      foldsSeen++
    }
    const held = nets.map((r) => run.heldOut.get(r.key)).filter((h) => h !== undefined)
    if (held.length > 0) {
      const y = held[0].y
      for (let i = 0; i < y.length; i++) {
        const predictions = held.map((h) => h.prediction.mean?.[i]).filter((v): v is number => v !== undefined)
        pooled.push((mean(predictions) - y[i]) ** 2)
        for (const v of predictions) singles.push((v - y[i]) ** 2)
      }
    }
  }
  return {
    width,
    initDistance: info(rows, "ntkInitDistance"),
    trainedDistance: info(rows, "ntkTrainedDistance"),
    movement: info(rows, "ntkMovement"),
    probeGap: foldsSeen === 0 ? Number.NaN : Math.sqrt(gapSq / foldsSeen),
    probeFloor: foldsSeen === 0 ? Number.NaN : Math.sqrt(floorSq / foldsSeen),
    probeBias: foldsSeen === 0 ? Number.NaN : Math.sqrt(Math.max(gapSq - floorSq, 0) / foldsSeen),
    ensembleRmse: pooled.length === 0 ? Number.NaN : Math.sqrt(mean(pooled)),
    singleRmse: singles.length === 0 ? Number.NaN : Math.sqrt(mean(singles)),
    ok: rows.length,
    trials: all.length
  }
}

const pooledRmse = (run: RunRecord, model: string): number => {
  const squares: Array<number> = []
  for (const r of run.rows.filter((r) => r.model === model && r.status === "ok")) {
    const held = run.heldOut.get(r.key)
    held?.y.forEach((y, i) => squares.push(((held.prediction.mean?.[i] ?? Number.NaN) - y) ** 2))
  }
  return squares.length === 0 ? Number.NaN : Math.sqrt(mean(squares))
}

const slopeText = (fit: PowerLaw.Fit): string =>
  Number.isFinite(fit.slope) ? `${Format.fixed(fit.slope, 2)} ± ${Format.fixed(fit.se, 2)}` : `not fitted: ${fit.n} width(s) with a positive value, fewer than three`

/**
 * How a fitted slope stands to the −½ of theory, by the rule the findings state: within two
 * standard errors of it, or how many standard errors away.
 */
const againstHalf = (fit: PowerLaw.Fit): string => {
  const z = Math.abs(fit.slope + 0.5) / fit.se
  return !Number.isFinite(fit.slope) ? "so it cannot be set against"
    : z <= 2 ? "within two standard errors of"
    : `${Format.fixed(z, 1)} standard errors from`
}

/** Lazy training, by the rule the findings state: the movement slope and its 2-se interval below 0. */
const movesLessWithWidth = (fit: PowerLaw.Fit): boolean => fit.slope + 2 * fit.se < 0

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest } = run
    const facts = p.widths.map((w) => widthFacts(run, p, w))
    const widths = facts.map((f) => f.width)
    const initFit = PowerLaw.fit(widths, facts.map((f) => mean(f.initDistance)))
    const movementFit = PowerLaw.fit(widths, facts.map((f) => mean(f.movement)))
    const gapFit = PowerLaw.fit(widths, facts.map((f) => f.probeGap))
    const biasFit = PowerLaw.fit(widths, facts.map((f) => f.probeBias))
    const ntkRmse = pooledRmse(run, "ntk-gp")
    const time = ntkTime(p)

    const band = (values: ReadonlyArray<number>) => ({ m: mean(values), lo: mean(values) - sd(values), hi: mean(values) + sd(values) })
    const distanceRows = facts.flatMap((f) => [
      { width: f.width, what: "init: ‖Θ̂₀−Θ‖/‖Θ‖", ...band(f.initDistance) },
      { width: f.width, what: "moved: ‖Θ̂_T−Θ̂₀‖/‖Θ̂₀‖", ...band(f.movement) }
    ])
    const fitLine = (fit: PowerLaw.Fit, what: string) =>
      Number.isFinite(fit.slope) ? [widths[0], widths[widths.length - 1]].map((w) => ({ width: w, what, m: PowerLaw.at(fit, w) })) : []
    const kernelChart = yield* Chart.render(Chart.line({
      title: "Empirical NTK against width",
      subtitle: `mean ± sd over ${p.seeds} seeds × ${p.folds} folds; fitted slopes ${slopeText(initFit)} at init, ${slopeText(movementFit)} for movement (theory −0.5)`,
      data: [...distanceRows, ...fitLine(initFit, "fit (init)"), ...fitLine(movementFit, "fit (moved)")],
      x: { field: "width", title: "width", log: true },
      y: { field: "m", title: "relative Frobenius distance", log: true },
      series: { field: "what", title: "" },
      interval: { lo: "lo", hi: "hi", style: "bars" }
    }))

    const gapChart = yield* Chart.render(Chart.line({
      title: "Ensemble mean against the NTK-GP mean",
      subtitle: `RMS over the probe grid, mean over folds; the floor is the ensemble's own Monte Carlo error (${p.seeds} nets)`,
      data: facts.flatMap((f) => [
        { width: f.width, what: "ensemble − NTK-GP", v: f.probeGap },
        { width: f.width, what: "Monte Carlo floor", v: f.probeFloor },
        { width: f.width, what: "systematic part", v: f.probeBias }
      ]),
      x: { field: "width", title: "width", log: true },
      y: { field: "v", title: "RMS difference of mean predictions", log: true },
      series: { field: "what", title: "" }
    }))

    // Fold 0: the probe predictions of the NTK-GP and of the ensembles of a few widths.
    const ntkFold0 = run.rows.find((r) => r.model === "ntk-gp" && r.fold === 0 && r.status === "ok")
    const grid = (yield* Stored.probe(run, TASK)).probe.map(([x]) => x)
    const shown = [...new Set([widths[0], widths[Math.floor(widths.length / 2)], widths[widths.length - 1]])]
    const curveRows: Array<Chart.Datum> = []
    if (ntkFold0 !== undefined) {
      const probe = run.probes.get(ntkFold0.key)
      grid.forEach((x, j) => curveRows.push({ x, series: `NTK-GP (t = ${Format.number(time, 3)})`, f: probe?.mean?.[j] }))
    }
    for (const w of shown) {
      const probes = run.rows.filter((r) => r.model === `mlp-w${w}` && r.fold === 0 && r.status === "ok").map((r) => run.probes.get(r.key)?.mean).filter((m): m is ReadonlyArray<number> => m !== undefined)
      if (probes.length > 0) grid.forEach((x, j) => curveRows.push({ x, series: `ensemble, width ${w}`, f: mean(probes.map((m) => m[j])) }))
    }
    const curveChart = yield* Chart.render(Chart.line({
      title: "Mean predictions on fold 0",
      subtitle: `${p.seeds}-net ensembles of width ${shown.join(", ")} and the NTK-GP of the same architecture at the same training time`,
      data: curveRows,
      x: { field: "x", title: "x" },
      y: { field: "f", title: "mean prediction" },
      series: { field: "series", title: "" },
      points: false
    }))

    const first = facts[0]
    const last = facts[facts.length - 1]
    const findings = [
      `(a) At initialisation the empirical NTK's relative distance to the analytic Θ falls from ${Format.fixed(mean(first.initDistance), 3)} at width ${first.width} to ${Format.fixed(mean(last.initDistance), 3)} at width ${last.width}; the log-log slope is **${slopeText(initFit)}** (least squares, ± one standard error), ${againstHalf(initFit)} the −½ of the central limit theorem.`,
      `(b) The ensemble mean's RMS distance to the NTK-GP mean over the probe grid goes from ${Format.fixed(first.probeGap, 3)} (width ${first.width}) to ${Format.fixed(last.probeGap, 3)} (width ${last.width}), against a Monte Carlo floor of ${Format.fixed(last.probeFloor, 3)} for ${p.seeds} nets (log-log slope ${slopeText(gapFit)}). Its systematic part, with the floor taken out, goes from ${Format.fixed(first.probeBias, 3)} to ${Format.fixed(last.probeBias, 3)} (slope ${slopeText(biasFit)}). ${last.probeGap <= 2 * last.probeFloor ? "At the largest width the gap is within twice the floor: more seeds, not more width, would shrink it." : "At the largest width the gap is still above twice the floor: finite-width effects remain visible at this training time."}`,
      `Held-out RMSE: ensemble mean ${Format.fixed(last.ensembleRmse, 3)} and single nets ${Format.fixed(last.singleRmse, 3)} at width ${last.width}, ${Format.fixed(first.ensembleRmse, 3)} and ${Format.fixed(first.singleRmse, 3)} at width ${first.width}; the NTK-GP mean scores ${Format.fixed(ntkRmse, 3)}.`,
      `(c) Training moves the kernel by ${Format.percent(mean(first.movement))} at width ${first.width} and ${Format.percent(mean(last.movement))} at width ${last.width} (slope ${slopeText(movementFit)}): ${movesLessWithWidth(movementFit) ? "the slope is below 0 by more than two standard errors, so wider nets train lazily here, as the NTK picture assumes" : "the slope is not below 0 by more than two standard errors, so this run shows no lazy-training trend"}.`,
      RunFacts.trialStatus(manifest, run.rows)
    ]

    return Document.make({
      title: "ntk-convergence: finite nets approaching their neural tangent kernel",
      intro: `Smooth 1-d regression, n = ${p.n}, noise sd ${p.noise}, ${p.folds} folds. Depth-${p.depth} ${p.activation} MLPs (W_std ${p.wStd}, b_std ${p.bStd}) of widths ${p.widths.join(", ")}, ${p.seeds} seeds each, trained by full-batch gradient descent (η = ${p.learningRate}, T = ${p.steps} steps) on the mean squared error in the NTK parameterisation, against the NTK-GP of the same architecture at time t = 2ηT = ${Format.number(time, 4)} (neural-tangents' units). Kernels are measured on each fold's training inputs.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("(a) and (c): the kernel", [
          Document.figure({ name: "kernel-distance", svg: kernelChart, caption: "Relative Frobenius distances against width, log-log, with least-squares fits." })
        ]),
        Document.section("(b): the predictions", [
          Document.figure({ name: "ensemble-gap", svg: gapChart, caption: "How far the ensemble mean is from the NTK-GP mean, and how far it could be from chance alone." }),
          Document.figure({ name: "mean-predictions", svg: curveChart, caption: "Mean predictions over the probe grid (original units)." })
        ]),
        Document.section("Every width", [
          Document.table({
            caption: "Means ± sd over seeds and folds; RMSE on the held-out folds (original units).",
            columns: [
              { key: "width", title: "width" },
              { key: "init", title: "‖Θ̂₀ − Θ‖/‖Θ‖", align: "right" },
              { key: "trained", title: "‖Θ̂_T − Θ‖/‖Θ‖", align: "right" },
              { key: "movement", title: "‖Θ̂_T − Θ̂₀‖/‖Θ̂₀‖", align: "right" },
              { key: "gap", title: "ensemble − NTK-GP (RMS)", align: "right" },
              { key: "floor", title: "MC floor", align: "right" },
              { key: "bias", title: "systematic", align: "right" },
              { key: "ensemble", title: "ensemble RMSE", align: "right" },
              { key: "single", title: "single-net RMSE", align: "right" },
              { key: "ok", title: "ok / trials", align: "right" }
            ],
            rows: [
              ...facts.map((f) => ({
                width: f.width,
                init: Format.meanSd(mean(f.initDistance), sd(f.initDistance)),
                trained: Format.meanSd(mean(f.trainedDistance), sd(f.trainedDistance)),
                movement: Format.meanSd(mean(f.movement), sd(f.movement)),
                gap: Format.fixed(f.probeGap, 4),
                floor: Format.fixed(f.probeFloor, 4),
                bias: Format.fixed(f.probeBias, 4),
                ensemble: Format.fixed(f.ensembleRmse, 4),
                single: Format.fixed(f.singleRmse, 4),
                ok: `${f.ok} / ${f.trials}`
              })),
              { width: "∞ (NTK-GP)", init: "0", trained: "0", movement: "0", gap: "0", floor: Document.missing, bias: Document.missing, ensemble: Format.fixed(ntkRmse, 4), single: Document.missing, ok: Document.missing }
            ]
          })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "ntk-convergence",
  title: "Finite MLPs approaching the NTK: kernel at init, ensemble predictions, kernel movement",
  description: "Ensembles of MLPs of growing width trained by gradient descent in the NTK parameterisation, against the analytic NTK and the NTK-GP at the same training time.",
  params: Params,
  defaults: {
    n: 64,
    noise: 0.1,
    folds: 2,
    widths: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    seeds: 16,
    depth: 1,
    activation: "relu",
    wStd: 1.0,
    bStd: 0.5,
    learningRate: 0.1,
    steps: 300,
    probeSteps: 71
  },
  profiles: {
    quick: { n: 32, widths: [16, 128, 1024], seeds: 3, steps: 200, probeSteps: 21 },
    full: { n: 128, folds: 4, widths: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192], seeds: 32, depth: 2, steps: 2000 }
  },
  seed: 0,
  study,
  report
})
