/**
 * width-sweep: MLPs of growing width on one noisy 1-d regression task, scored by 5-fold CV on
 * folds shared by every model, beside AIC. The lecture's point: AIC, with k = every weight and
 * bias, punishes width without end, while held-out error keeps falling or plateaus — parameter
 * counting fails for over-parameterised nets. On the same folds: the width → ∞ limits of the
 * same architecture (the NNGP posterior and the NTK-GP, the end of the MLP curves), GP
 * regression baselines and an ε-SVR.
 *
 * Peer: ../shared/peers/width_sweep_reference.py is the same study in PyTorch + scikit-learn
 * (same task, folds drawn the same way, same architecture and init, Adam, batch 64).
 */
import { Effect, Schema } from "effect"
import { ConfigError } from "../src/core/Errors.ts"
import * as GpRegression from "../src/models/gp/GpRegression.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as LossCurves from "../src/report/LossCurves.ts"
import * as ModelTable from "../src/report/ModelTable.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import type { ModelEntry } from "../src/pipeline/Study.ts"
import type { RunRecord } from "../src/results/Run.ts"

const Params = Schema.Struct({
  n: Parameter.PositiveInt,
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  widths: Parameter.NonEmpty(Parameter.PositiveInt),
  depth: Parameter.PositiveInt,
  activation: Schema.Literals(["relu", "tanh", "erf", "gelu", "silu"]),
  seeds: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  batchSize: Parameter.PositiveInt,
  optimizer: Schema.Literals(["adam", "sgd", "momentum"]),
  learningRate: Parameter.Positive,
  init: Schema.Literals(["ntk-matched", "torch"]),
  wStd: Parameter.Positive,
  bStd: Parameter.NonNegative,
  /** Add the width → ∞ limits of the same architecture: the NNGP posterior and the NTK-GP. */
  infinite: Schema.Boolean,
  /** GP regression baselines (amplitude·kernel + white noise, hyperparameters by marginal likelihood). */
  gpKernels: Schema.Array(Schema.Literals(GpRegression.kernelFamilies)),
  gpRestarts: Parameter.NonNegativeInt,
  /** An ε-SVR baseline (RBF, γ = 1/(d·Var x), on standardised y); false leaves it out. */
  svr: Schema.Boolean,
  svrC: Parameter.Positive,
  svrEpsilon: Parameter.NonNegative
})
type Params = typeof Params.Type

const metrics = ["rmse", "nll", "trainRmse", "logLik", "k", "aic"] as const

/** The criteria the report sets side by side: held-out error against AIC. */
const criteria: ReadonlyArray<Criteria.Criterion> = [
  { key: "rmse", title: "CV RMSE", direction: "min" },
  { key: "nll", title: "CV NLL", direction: "min" },
  { key: "aic", title: "AIC", direction: "min" }
]

const report = (params: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const mlpRows = rows.filter((r) => r.family === "mlp")
    const summaries = Summary.byModel(mlpRows, metrics)
    const baselines = Summary.byModel(rows.filter((r) => r.family !== "mlp"), metrics)
    const widthRange = summaries.map((s) => Number(s.axes.width)).filter(Number.isFinite)
    const [minWidth, maxWidth] = [Math.min(...widthRange), Math.max(...widthRange)]
    /**
     * A width-free model drawn as a flat line across the width range: for the NNGP and NTK-GP the
     * asymptote of the MLP curves, for the GP and SVR the baselines to beat.
     */
    const flat = (metric: string) =>
      baselines.filter((b) => Number.isFinite(b.mean[metric]))
        .flatMap((b) => [minWidth, maxWidth].map((width) => ({ width, value: b.mean[metric], lo: null, hi: null, series: label(b.model) })))
    const points = summaries.map((s) => ({
      width: Number(s.axes.width),
      rmse: s.mean.rmse, rmseLo: s.mean.rmse - s.sd.rmse, rmseHi: s.mean.rmse + s.sd.rmse,
      trainRmse: s.mean.trainRmse,
      nll: s.mean.nll, nllLo: s.mean.nll - s.sd.nll, nllHi: s.mean.nll + s.sd.nll,
      aic: s.mean.aic, k: s.mean.k
    }))
    const errorRows = [
      ...points.flatMap((p) => [
        { width: p.width, value: p.trainRmse, lo: null, hi: null, series: "MLP, train" },
        { width: p.width, value: p.rmse, lo: p.rmseLo, hi: p.rmseHi, series: "MLP, held-out" }
      ]),
      ...flat("rmse")
    ]
    const seriesOrder = ["MLP, train", "MLP, held-out", "MLP", ...baselines.map((l) => label(l.model))]
    /** The legend order of the series present in `data` (listing an absent one would show it). */
    const seriesOf = (data: ReadonlyArray<{ readonly series: string }>) => ({
      field: "series",
      title: "",
      order: seriesOrder.filter((name) => data.some((d) => d.series === name))
    })
    const rmseChart = yield* Chart.render(Chart.line({
      title: "Error vs width",
      subtitle: `mean ± sd over ${params.folds} folds × ${params.seeds} seed(s)`,
      data: errorRows,
      x: { field: "width", title: "hidden width", log: true },
      y: { field: "value", title: "RMSE" },
      series: seriesOf(errorRows),
      interval: { lo: "lo", hi: "hi", style: "bars" }
    }))
    const nllRows = [...points.map((p) => ({ width: p.width, value: p.nll, lo: p.nllLo, hi: p.nllHi, series: "MLP" })), ...flat("nll")]
    const aicRows = [...points.map((p) => ({ width: p.width, value: p.aic, series: "MLP" })), ...flat("aic")]
    const nllChart = yield* Chart.render(Chart.line({
      title: "Held-out negative log-likelihood vs width",
      subtitle: "Gaussian NLL per point with the MLE noise variance of the training residuals",
      data: nllRows,
      x: { field: "width", title: "hidden width", log: true },
      y: { field: "value", title: "CV NLL" },
      series: seriesOf(nllRows),
      interval: { lo: "lo", hi: "hi", style: "bars" }
    }))
    const aicChart = yield* Chart.render(Chart.line({
      title: "AIC vs width",
      subtitle: "AIC = −2 log L̂ + 2k; MLP k = weights + biases + 1, NNGP k = 2 (amplitude, noise); log scale",
      data: aicRows.filter((r) => Number.isFinite(r.value)),
      x: { field: "width", title: "hidden width", log: true },
      y: { field: "value", title: "AIC", log: true },
      series: seriesOf(aicRows.filter((r) => Number.isFinite(r.value)))
    }))
    const curveFigure = yield* LossCurves.figure(run, {
      title: "Loss curves (standardised MSE, mean over folds and seeds)",
      caption: "Training and held-out loss per epoch, one panel per width.",
      rows: mlpRows,
      panel: { axis: "width" },
      loss: "MSE",
      log: true
    })

    const everyModel = [...summaries, ...baselines]
    const candidate = (s: Summary.ModelSummary): Criteria.Candidate => ({ id: s.model, label: String(rowName(s)), values: s.mean })
    const mlpPicks = Criteria.picks(summaries.map(candidate), criteria)
    const allPicks = Criteria.picks(everyModel.map(candidate), criteria)
    const bestCv = Summary.best(summaries, "rmse")
    const bestNll = Summary.best(summaries, "nll")
    const bestAic = Summary.best(summaries, "aic")
    /** CV and AIC both pick an MLP width, and not the same one: the case the lecture is about. */
    const mlpDisagree = bestCv !== undefined && bestAic !== undefined && bestCv.model !== bestAic.model
    const ordered = [...points].sort((a, b) => a.width - b.width)
    const first = ordered[0]
    const last = ordered[ordered.length - 1]
    const peer = yield* peerFigures(run)

    const findings = [
      bestCv === undefined ? "No MLP trial finished: see the trial table for errors." :
        `Cross-validation picks width **${bestCv.axes.width}** (CV RMSE ${Format.meanSd(bestCv.mean.rmse, bestCv.sd.rmse)}); the held-out NLL picks width **${bestNll?.axes.width}**.`,
      bestAic === undefined ? "" :
        `AIC picks width **${bestAic.axes.width}**: with k = ${Format.count(first.k)} at width ${first.width} and ${Format.count(last.k)} at width ${last.width}, the penalty 2k grows ${Format.significant(last.k / first.k, 3)}-fold while the fit term −2 log L̂ moves by ${Format.significant(Math.abs((last.aic - 2 * last.k) - (first.aic - 2 * first.k)), 3)}.`,
      first === undefined ? "" :
        `From width ${first.width} to ${last.width} the CV RMSE goes ${Format.number(first.rmse, 4)} → ${Format.number(last.rmse, 4)} (${trend(ordered.map((p) => p.rmse))}) while AIC goes ${Format.number(first.aic, 4)} → ${Format.number(last.aic, 4)}: ${mlpDisagree ? "the two criteria disagree, and held-out error is the one that measures prediction" : "here the two criteria agree"}.`,
      ...(last === undefined ? [] : baselines.map((l) =>
        `${label(l.model)}: CV RMSE ${Format.meanSd(l.mean.rmse, l.sd.rmse)}${Number.isFinite(l.mean.nll) ? `, NLL ${Format.number(l.mean.nll, 4)}` : " (no predictive variance, so no NLL)"}, against ${Format.number(last.rmse, 4)} and ${Format.number(last.nll, 4)} for the widest MLP (${last.width}).`)),
      (() => {
        const cv = allPicks.get("rmse")
        const aic = allPicks.get("aic")
        if (cv === undefined || aic === undefined) return ""
        return cv.id === aic.id
          ? `Over every model of the run, CV RMSE and AIC both pick **${cv.label}**${mlpDisagree ? "; they part only among the MLPs, whose k counts every weight and bias." : "."}`
          : `Over every model of the run, CV RMSE picks **${cv.label}** and AIC picks **${aic.label}**.`
      })(),
      last === undefined ? "" :
        `Training RMSE at the widest net is ${Format.number(last.trainRmse, 4)} against ${Format.number(last.rmse, 4)} held out; the noise sd of the task is ${params.noise}, the floor any model's RMSE should approach.`,
      RunFacts.trialStatus(manifest, rows),
      `It ran with ${manifest.sessions.map((s) => s.jobs).join("/")} worker(s); the MLPs trained on ${RunFacts.mlpEngines(mlpRows, manifest)}.` +
        (peer === undefined ? " The Python peer has not been run for this run (`make peer NAME=width-sweep`)." :
          ` The PyTorch peer, 1 thread, spent ${Format.duration(peer.mlpSeconds * 1000)} fitting the same MLPs (${Format.duration(peer.wallSeconds * 1000)} wall); gpnn spent ${Format.duration(sumFit(mlpRows) * 1000)} of fit time over its workers: ${Format.significant(sumFit(mlpRows) / peer.mlpSeconds, 3)}× the peer's.`)
    ].filter((f) => f !== "")

    return Document.make({
      title: "width-sweep: does a wider MLP predict better, and what does AIC say?",
      intro: `${manifest.title}. Task: x ~ U(−3, 3), y = sin(3x) + 0.3x² + N(0, ${params.noise}²), n = ${params.n}, ${params.folds}-fold CV (folds shared by every model; x and y standardised on each training part, every metric on the original scale). Models: ${params.depth}-hidden-layer ${params.activation} MLPs of width ${params.widths.join(", ")}, ${params.init} init (W ~ N(0, ${params.wStd}²/fan_in), b ~ N(0, ${params.bStd}²)), ${params.optimizer} lr ${params.learningRate}, batch ${params.batchSize}, ${params.epochs} epochs, ${params.seeds} seed(s) per fold.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Results by width", [
          ModelTable.table({
            caption: "Mean ± sd over folds and seeds. For an MLP k counts every weight and bias plus the noise variance; the NNGP posterior fits 2 (amplitude, noise); the NTK-GP fits no likelihood, so has no AIC.",
            summaries: everyModel,
            model: { title: "width", label: (s) => String(rowName(s)) },
            columns: [
              { key: "k", title: "k", value: (s) => s.mean.k },
              { metric: "rmse", title: "CV RMSE" },
              { metric: "nll", title: "CV NLL" },
              { metric: "trainRmse", title: "train RMSE", show: "mean" },
              { key: "aic", title: "AIC", value: (s) => Format.number(s.mean.aic, 5), align: "right" },
              { key: "time", title: "fit time", value: (s) => Format.duration(s.fitSeconds * 1000), align: "right" }
            ]
          }),
          Criteria.table({
            caption: "The model each criterion picks (its value in brackets), among the MLPs alone and among every model of the run.",
            groupTitle: "among",
            groups: [
              { label: "MLPs of every width", candidates: summaries.map(candidate) },
              { label: "every model", candidates: everyModel.map(candidate) }
            ],
            criteria,
            format: (c, v) => Format.number(v, c.key === "aic" ? 5 : 4)
          }),
          Document.figure({ name: "error-vs-width", svg: rmseChart, caption: "CV RMSE (with ±1 sd over folds and seeds) and training RMSE against width." }),
          Document.figure({ name: "nll-vs-width", svg: nllChart, caption: "Held-out Gaussian NLL against width." }),
          Document.figure({ name: "aic-vs-width", svg: aicChart, caption: "AIC against width." }),
          curveFigure
        ]),
        peerSection(everyModel, peer),
        ...(mlpDisagree
          ? [Document.section("Why parameter counting fails here", [
            Document.paragraph(`In this run CV RMSE picks width ${bestCv.axes.width} and AIC picks width ${bestAic.axes.width}. AIC estimates expected out-of-sample log-likelihood by charging 2 per fitted parameter. The charge is exact for regular models fitted by maximum likelihood with n ≫ k, where every parameter is identified and moves the fit. An over-parameterised MLP is none of these: here k reaches ${Format.count(last.k)} at width ${last.width} against ${Format.count(mlpRows[0]?.nTrain)} training points per fold, most directions in weight space leave the function unchanged, and gradient descent from a small random initialisation (not the maximum-likelihood fit, which would interpolate the noise) is implicitly regularised towards smooth functions. The effective number of parameters — what the penalty should count — stays bounded as width grows, which is why held-out error does not follow AIC.`)
          ])]
          : []),
        RunFacts.section(manifest)
      ]
    })
  })

/** "falls", "rises" or "is flat" for a sequence, from its first and last thirds. */
const trend = (values: ReadonlyArray<number>): string => {
  const finite = values.filter(Number.isFinite)
  if (finite.length < 2) return "too few points"
  const third = Math.max(1, Math.floor(finite.length / 3))
  const head = Summary.mean(finite.slice(0, third))
  const tail = Summary.mean(finite.slice(-third))
  const change = (tail - head) / Math.abs(head)
  return change < -0.02 ? `falls by ${Format.percent(-change)}` : change > 0.02 ? `rises by ${Format.percent(change)}` : "is flat within 2%"
}

/**
 * What `gpnn peer width-sweep` stores (`extras/peer.json`): the command and the JSON lines
 * width_sweep_reference.py printed. The report reads its "timing" record and its "summary"
 * records; the others (env, fold, done) it passes over.
 */
const PeerTiming = Schema.Struct({
  record: Schema.Literal("timing"),
  total_wall_s: Schema.Finite,
  fit_s_by_model: Schema.Record(Schema.String, Schema.Finite)
})
const PeerSummary = Schema.Struct({
  record: Schema.Literal("summary"),
  model: Schema.String,
  width: Schema.NullOr(Schema.Union([Schema.Number, Schema.String])),
  cv_rmse_mean: Schema.Finite,
  cv_nll_mean: Schema.NullOr(Schema.Finite),
  aic_mean: Schema.NullOr(Schema.Finite)
})
const PeerExtra = Schema.Struct({
  command: Schema.String,
  records: Schema.Array(Schema.Record(Schema.String, Schema.Unknown))
})

interface PeerFigures {
  readonly command: string
  readonly mlpSeconds: number
  readonly wallSeconds: number
  /** Peer CV RMSE / NLL / AIC means by gpnn model id. */
  readonly byModel: ReadonlyMap<string, { readonly rmse: number; readonly nll: number; readonly aic: number }>
}

/** The peer's figures stored with the run by `gpnn peer`, if any; a ConfigError when they do not decode. */
const peerFigures = (run: RunRecord): Effect.Effect<PeerFigures | undefined, ConfigError> =>
  Effect.gen(function*() {
    const stored = run.extras.get("peer")
    if (stored === undefined) return undefined
    const peer = yield* Schema.decodeUnknownEffect(PeerExtra)(stored, { errors: "all" })
    const timingRecord = peer.records.find((r) => r.record === "timing")
    if (timingRecord === undefined) return undefined
    const timing = yield* Schema.decodeUnknownEffect(PeerTiming)(timingRecord, { errors: "all" })
    const summaries = yield* Schema.decodeUnknownEffect(Schema.Array(PeerSummary))(peer.records.filter((r) => r.record === "summary"), { errors: "all" })
    const byModel = new Map(summaries.map((r) => [
      r.model === "mlp" ? `mlp-w${r.width}` : r.model === "gp" ? "gp-rbf" : r.model,
      { rmse: r.cv_rmse_mean, nll: r.cv_nll_mean ?? Number.NaN, aic: r.aic_mean ?? Number.NaN }
    ] as const))
    return { command: peer.command, mlpSeconds: timing.fit_s_by_model.mlp ?? Number.NaN, wallSeconds: timing.total_wall_s, byModel }
  }).pipe(
    Effect.mapError((error) =>
      new ConfigError({
        field: "extras/peer.json",
        message: `run ${run.manifest.runId} holds a peer record width-sweep cannot read:\n${error.message}\nRe-run the peer (make peer NAME=width-sweep) or delete extras/peer.json.`
      })
    )
  )

/** How a model is named in charts and tables. */
const label = (model: string): string =>
  model === "nngp" ? "NNGP posterior" : model === "ntk" ? "NTK-GP, t = ∞" : model.startsWith("gp-") ? `GP, ${model.slice(3)}`
  : model === "svr-rbf" ? "ε-SVR, RBF" : model

/** The first column of a table row: the MLP's width, ∞ for the limits, else the model's name. */
const rowName = (s: Summary.ModelSummary): string | number =>
  s.family === "mlp" ? s.axes.width : s.family === "nngp" || s.family === "ntk" ? `∞ (${label(s.model)})` : label(s.model)

const peerSection = (summaries: ReadonlyArray<Summary.ModelSummary>, peer: PeerFigures | undefined): Document.Section =>
  Document.section("Side by side with the Python peer", peer === undefined
    ? [Document.paragraph("`make peer NAME=width-sweep` runs `../shared/peers/width_sweep_reference.py` (PyTorch + scikit-learn) with this run's parameters and seed and adds its numbers here. It has not been run for this run.")]
    : [
      Document.paragraph(`The same study in PyTorch (\`${peer.command}\`): same task law, folds drawn the same way (the draws differ: numpy's generator is not gpnn's), same architecture, init, optimiser and epochs. Equal numbers are not expected; equal behaviour with width is.`),
      Document.table({
        columns: [
          { key: "width", title: "width" },
          { key: "rmse", title: "CV RMSE gpnn" },
          { key: "peerRmse", title: "CV RMSE peer" },
          { key: "nll", title: "CV NLL gpnn" },
          { key: "peerNll", title: "CV NLL peer" },
          { key: "aic", title: "AIC gpnn" },
          { key: "peerAic", title: "AIC peer" }
        ],
        rows: summaries.map((s) => {
          const p = peer.byModel.get(s.model)
          return {
            width: rowName(s),
            rmse: Format.number(s.mean.rmse, 4), peerRmse: Format.number(p?.rmse, 4),
            nll: Format.number(s.mean.nll, 4), peerNll: Format.number(p?.nll, 4),
            aic: Format.number(s.mean.aic, 5), peerAic: Format.number(p?.aic, 5)
          }
        })
      })
    ])

const sumFit = (rows: RunRecord["rows"]): number => rows.reduce((t, r) => t + r.fitSeconds, 0)

export default Experiment.define({
  name: "width-sweep",
  title: "MLP width sweep on a noisy 1-d regression task: CV error vs AIC",
  description: "MLPs of increasing width on y = sin(3x) + 0.3x² + noise with 5-fold CV: held-out RMSE and NLL against AIC, with loss curves.",
  params: Params,
  defaults: {
    n: 500,
    noise: 0.3,
    folds: 5,
    widths: [8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    depth: 2,
    activation: "relu",
    seeds: 3,
    // 60 epochs (the peer's default is 200) keeps the default study, width 2048 × 3 seeds × 5 folds
    // included, inside ~15 min on 2 cores; the full profile trains for 200.
    epochs: 60,
    batchSize: 64,
    optimizer: "adam",
    learningRate: 1e-3,
    init: "ntk-matched",
    wStd: 1.5,
    bStd: 1.0,
    infinite: true,
    gpKernels: ["rbf", "matern52"],
    gpRestarts: 5,
    svr: true,
    svrC: 10,
    svrEpsilon: 0.1
  },
  profiles: {
    quick: { widths: [8, 32, 128], seeds: 1, epochs: 20, gpRestarts: 1 },
    full: { widths: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], seeds: 5, epochs: 200 }
  },
  seed: 0,
  peer: {
    script: "width_sweep_reference.py",
    args: (p, seed) =>
      p.depth !== 2 || p.activation !== "relu" || p.optimizer !== "adam"
        ? Effect.fail(new ConfigError({ field: "peer", message: `the Python peer implements 2-hidden-layer ReLU nets trained with Adam only; this run has depth ${p.depth}, ${p.activation}, ${p.optimizer}` }))
        : Effect.succeed([
          "--n", String(p.n), "--noise", String(p.noise), "--folds", String(p.folds),
          "--widths", p.widths.join(","), "--seeds", String(p.seeds), "--epochs", String(p.epochs),
          "--batch", String(p.batchSize), "--lr", String(p.learningRate), "--mlp-init", p.init,
          "--w-std", String(p.wStd), "--b-std", String(p.bStd), "--models", ["mlp", ...(p.infinite ? ["nngp", "ntk"] : []), ...(p.gpKernels.includes("rbf") ? ["gp"] : [])].join(","),
          "--gp-restarts", String(p.gpRestarts),
          "--seed", String(seed), "--threads", "1"
        ])
  },
  study: (p) => ({
    tasks: [{ name: "sine-quadratic", spec: { task: "sine-quadratic", n: p.n, noise: p.noise } }],
    split: { kind: "kfold", folds: p.folds },
    seeds: p.seeds,
    models: p.widths.map((width): ModelEntry => ({
      id: `mlp-w${width}`,
      family: "mlp",
      axes: { width },
      config: {
        width,
        depth: p.depth,
        activation: p.activation,
        wStd: p.wStd,
        bStd: p.bStd,
        init: p.init,
        optimizer: p.optimizer,
        learningRate: p.learningRate,
        epochs: p.epochs,
        batchSize: p.batchSize
      }
    })).concat(p.infinite
      ? (["nngp", "ntk"] as const).map((family): ModelEntry => ({
        id: family,
        family,
        axes: { width: "inf" },
        config: { depth: p.depth, activation: p.activation, wStd: p.wStd, bStd: p.bStd, ridge: "grid" }
      }))
      : [])
      .concat(p.gpKernels.map((kernel): ModelEntry => ({
        id: `gp-${kernel}`,
        family: "gp",
        axes: { width: "—" },
        config: { kernel, restarts: p.gpRestarts, normalizeY: false }
      })))
      .concat(p.svr
        ? [{ id: "svr-rbf", family: "svm", axes: { width: "—" }, config: { kind: "svr", kernel: "rbf", C: p.svrC, epsilon: p.svrEpsilon } }]
        : [])
  }),
  report
})
