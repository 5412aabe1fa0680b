/**
 * mnist: the whole training workflow on MNIST digits, as a practitioner runs it before trusting a
 * number.
 *   1. Split 70/20/10 (stratified): train on 70 %, choose on the 20 % validation part, and score
 *      the 10 % test part once, for the one configuration chosen.
 *   2. Overfit a small subset: each net must drive the loss on 32 training digits below 5 % of the
 *      prior's in full-batch steps before it trains (src/workflow/OverfitCheck.ts); a net that
 *      cannot stops its trial with the diagnosis (and fails the run, as a config error would).
 *   3. Batch size by throughput: each trial times training steps at the candidate sizes
 *      (src/workflow/BatchThroughput.ts); the rule (smallest size within 90 % of the best
 *      samples/s) is applied in the report. Timings differ between machines and executors, and
 *      rows must not, so the size the nets train with is a parameter of the profile and the report
 *      sets the measured pick beside it (and says whether they agree).
 *   4. Learning rate by the range test (src/workflow/LrRangeTest.ts): each trial sweeps the rate
 *      exponentially on its own training part from its own initial weights, then trains from
 *      those weights at the suggestion (steepest descent of the smoothed loss). Each trial is thus
 *      self-contained and deterministic given its seed, whatever executor runs it.
 *   5. Compare normalisations (none, LayerNorm, BatchNorm) on validation accuracy, pick the best,
 *      and report its test accuracy (mean ± sd over seeds) once.
 * The pipeline computes test metrics for every trial (they are in trials.csv); this report reads
 * the test column of the chosen configuration only.
 */
import { Effect, Schema } from "effect"
import * as Split from "../src/data/Split.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as LossCurves from "../src/report/LossCurves.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import * as Workflow from "../src/report/Workflow.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"
import * as BatchThroughput from "../src/workflow/BatchThroughput.ts"
import * as LrRangeTest from "../src/workflow/LrRangeTest.ts"
import * as OverfitCheck from "../src/workflow/OverfitCheck.ts"

const Params = Schema.Struct({
  /** Digits drawn from the mnist package's 10,000 (all ten classes). */
  n: Parameter.IntAtLeast(100),
  seeds: Parameter.PositiveInt,
  width: Parameter.PositiveInt,
  depth: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  /** The batch size the nets train with (fixed by the profile; the throughput pick is reported beside it). */
  batchSize: Parameter.PositiveInt,
  /** Candidate batch sizes whose throughput each trial measures. */
  batchCandidates: Parameter.NonEmpty(Parameter.PositiveInt),
  /** Steps of the range test's sweep from lrMin to lrMax. */
  lrSteps: Parameter.IntAtLeast(12),
  lrMin: Parameter.Positive,
  lrMax: Parameter.Positive,
  overfitRows: Parameter.IntAtLeast(2),
  overfitSteps: Parameter.PositiveInt
})
type Params = typeof Params.Type

const TASK = "mnist"
const norms = ["none", "layernorm", "batchnorm"] as const

const study = (p: Params): Study.Study => ({
  tasks: [{ name: TASK, spec: { task: "mnist", n: p.n } }],
  split: { kind: "holdout", ...Split.DEFAULT_FRACTIONS },
  seeds: p.seeds,
  models: norms.map((norm) => ({
    id: norm,
    family: "mlp",
    axes: { norm },
    config: {
      width: p.width,
      depth: p.depth,
      activation: "relu",
      init: "torch",
      norm,
      optimizer: "adam",
      epochs: p.epochs,
      batchSize: p.batchSize,
      lrRangeTest: true,
      lrRangeMin: p.lrMin,
      lrRangeMax: p.lrMax,
      lrRangeSteps: p.lrSteps,
      overfitCheck: true,
      overfitRows: p.overfitRows,
      overfitSteps: p.overfitSteps,
      throughputSizes: p.batchCandidates
    }
  }))
})

/** Per normalisation: the numbers the choice and the report read. */
export interface NormSummary {
  readonly norm: string
  readonly trials: number
  readonly ok: number
  readonly lrSuggested: ReadonlyArray<number>
  readonly overfitFinalToPrior: ReadonlyArray<number>
  readonly validAccuracy: { readonly mean: number; readonly sd: number }
  readonly trainAccuracy: { readonly mean: number; readonly sd: number }
}

const meanSd = (values: ReadonlyArray<number>) => ({ mean: Summary.mean(values), sd: values.length > 1 ? Summary.sd(values) : Number.NaN })

/** An accuracy's mean ± sd in percent ("97.1% ± 0.4%"); the mean alone for one value. */
const percentSd = (m: { readonly mean: number; readonly sd: number }): string =>
  Number.isFinite(m.sd) ? `${Format.percent(m.mean)} ± ${Format.percent(m.sd)}` : Format.percent(m.mean)

export const summaries = (rows: ReadonlyArray<TrialRow>): Array<NormSummary> =>
  norms.filter((norm) => rows.some((r) => r.model === norm)).map((norm) => {
    const own = rows.filter((r) => r.model === norm)
    const ok = own.filter((r) => r.status === "ok")
    return {
      norm,
      trials: own.length,
      ok: ok.length,
      lrSuggested: ok.map((r) => Number(r.info.lrSuggested)),
      overfitFinalToPrior: ok.map((r) => Number(r.info.overfitFinalToPrior)),
      validAccuracy: meanSd(ok.map((r) => r.metrics.validAccuracy)),
      trainAccuracy: meanSd(ok.map((r) => r.metrics.trainAccuracy))
    }
  })

/** The normalisation with the highest mean validation accuracy (ties: the first in `norms` order). */
export const choose = (summaries: ReadonlyArray<NormSummary>): NormSummary | undefined => {
  const candidates = summaries.filter((s) => s.ok > 0)
  const i = Summary.argBest(candidates.map((s) => s.validAccuracy.mean), "max")
  return i === undefined ? undefined : candidates[i]
}

/**
 * How far the chosen net leads the runner-up on mean validation accuracy, and whether that lead
 * exceeds the larger of their seed-to-seed sds (else the top two are not told apart by this run).
 */
const margin = (chosen: NormSummary, all: ReadonlyArray<NormSummary>): string => {
  const others = all.filter((s) => s !== chosen && s.ok > 0).sort((a, b) => b.validAccuracy.mean - a.validAccuracy.mean)
  const runnerUp = others[0]
  if (runnerUp === undefined) return ""
  const lead = chosen.validAccuracy.mean - runnerUp.validAccuracy.mean
  const spread = Math.max(chosen.validAccuracy.sd, runnerUp.validAccuracy.sd)
  const clear = Number.isFinite(spread) ? (lead > spread ? `, more than the seeds' sd (${Format.fixed(spread * 100, 1)} points)` : `, within the seeds' sd (${Format.fixed(spread * 100, 1)} points): this run does not tell the two apart`) : ""
  return `; its lead over ${normName[runnerUp.norm]} is ${Format.fixed(lead * 100, 1)} points${clear}`
}

const normName: Record<string, string> = { none: "no normalisation", layernorm: "LayerNorm", batchnorm: "BatchNorm" }

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const ok = rows.filter((r) => r.status === "ok")
    const byNorm = summaries(rows)
    const chosen = choose(byNorm)
    const tests = chosen === undefined ? [] : ok.filter((r) => r.model === chosen.norm).map((r) => r.metrics.accuracy)
    const points = Workflow.throughput(run, ok)
    const picks = Workflow.picks(points)
    const pickValues = [...new Set(picks.values())]
    const overfit = ok.map((r) => Number(r.info.overfitFinalToPrior))
    const failedChecks = rows.filter((r) => r.status === "failed" && (r.error ?? "").includes("overfit check failed"))
    const first = rows[0]
    const nTrain = first?.nTrain ?? 0
    const rangeFigure = yield* Workflow.rangeTestFigure(run, ok.filter((r) => r.seedIndex === 0), {
      name: "lr-range-test",
      title: "Learning-rate range test on the training part, seed 0",
      caption: `The smoothed minibatch loss while the rate grows from ${Format.scientific(p.lrMin, 1)} to ${Format.scientific(p.lrMax, 1)} over at most ${p.lrSteps} steps (batch ${p.batchSize}), stopped once it exceeds ${LrRangeTest.DIVERGENCE_FACTOR}× its best; each net then trained at its suggestion (grey point): the steepest descent of the smoothed loss, after dropping the first ${LrRangeTest.SKIP_BEGIN} and the last ${LrRangeTest.SKIP_END} points.`,
      series: (r) => normName[r.model] ?? r.model,
      order: norms.map((n) => normName[n])
    })
    const throughputFigure = yield* Workflow.throughputFigure(points, {
      name: "throughput",
      title: "Training throughput against batch size",
      caption: `Samples per second of training steps (${BatchThroughput.SHARE * 100} %-rule: the smallest size within ${Format.percent(1 - BatchThroughput.SHARE, 0)} of the best), median over ${p.seeds} trial(s) per net, each timed on the engine it trained on (${norms.map((n) => `${normName[n]}: ${Workflow.throughputEngines(run, ok.filter((r) => r.model === n))}`).join("; ")}) on this run's machine; timings, so they vary between runs.`,
      label: (m) => normName[m] ?? m
    })
    const curves = yield* LossCurves.figure(run, {
      title: "Training and validation loss per epoch (mean over seeds)",
      caption: "Cross-entropy per epoch: train = mean over the epoch's minibatches, held-out = the 20 % validation part after the epoch (never used to fit).",
      panel: { axis: "norm", title: "normalisation" },
      log: true
    })
    const findings = [
      failedChecks.length === 0
        ? `Overfit check: every net passed, driving the loss on ${p.overfitRows} training digits in ${p.overfitSteps} full-batch steps to at most **${Format.significant(Math.max(...overfit), 2)} ×** the prior's (the pass line is ${OverfitCheck.PASS_RATIO} ×).`
        : `Overfit check: ${failedChecks.length} trial(s) failed and stopped before training: ${failedChecks.map((r) => `${r.key} (${r.error})`).join("; ")}.`,
      `Learning rate: the range test suggested ${byNorm.map((s) => `${normName[s.norm]} ${s.lrSuggested.map((v) => Format.scientific(v, 2)).join(", ")}`).join("; ")} (one per seed).`,
      picks.size === 0 ? "Batch size: no throughput was measured." :
        `Batch size: on this run's machine the throughput rule picks ${[...picks].map(([m, b]) => `${b} for ${normName[m] ?? m}`).join(", ")}; the nets trained with the profile's ${p.batchSize}${pickValues.length === 1 && pickValues[0] === p.batchSize ? ", the same size" : pickValues.every((b) => b > p.batchSize) ? `, smaller than the pick: larger batches run faster per sample on this machine, but at a fixed ${p.epochs} epochs they take fewer steps (the batch-size study measures what that costs in accuracy)` : pickValues.every((b) => b < p.batchSize) ? ", larger than the pick: smaller batches run nearly as fast per sample here" : ""}.`,
      chosen === undefined ? "No configuration finished, so nothing was chosen or tested." :
        `Choice on the validation part (${Format.count(Math.round(p.n * Split.DEFAULT_FRACTIONS.validation))} digits): **${normName[chosen.norm]}**, validation accuracy ${percentSd(chosen.validAccuracy)} (${byNorm.filter((s) => s !== chosen && s.ok > 0).map((s) => `${normName[s.norm]} ${Format.percent(s.validAccuracy.mean)}`).join(", ")})${margin(chosen, byNorm)}.`,
      ...(chosen === undefined ? [] : [`Test accuracy of the chosen net, scored once on the ${Format.count(first?.nTest ?? 0)} held-back digits: **${percentSd(meanSd(tests))}** (${tests.length} seed(s)).`]),
      RunFacts.trialStatus(manifest, rows)
    ]
    return Document.make({
      title: "mnist: the training workflow on MNIST digits, from split to one test score",
      intro: `${manifest.title}. ${Format.count(p.n)} digits of the mnist package (all ten classes), split 70/20/10 stratified: ${Format.count(nTrain)} to train, the validation part to choose, the test part scored once. Nets: ${p.depth} hidden layer(s) of ${p.width} ReLU units (PyTorch init), Adam, ${p.epochs} epochs at batch ${p.batchSize}, ${p.seeds} seed(s); pixels standardised on the training part. Each trial runs the stages of src/workflow/ in order (range test, overfit check at the suggested rate, throughput sweep), then trains.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The stages and their rules", [
          Document.table({
            caption: "Each stage, the rule it applies (stated with its citation in its module), and what it gave in this run.",
            columns: [
              { key: "stage", title: "stage" },
              { key: "rule", title: "rule" },
              { key: "outcome", title: "outcome" }
            ],
            rows: [
              { stage: "split", rule: "70/20/10, stratified by digit (src/data/Split.ts)", outcome: `${Format.count(nTrain)} / ${Format.count(Math.round(p.n * Split.DEFAULT_FRACTIONS.validation))} / ${Format.count(first?.nTest ?? 0)}` },
              { stage: "overfit check", rule: `${p.overfitRows} rows, ${p.overfitSteps} full-batch steps at the net's rate; pass: final loss ≤ ${OverfitCheck.PASS_RATIO} × the prior's`, outcome: failedChecks.length === 0 ? `all passed (worst ${Format.significant(Math.max(...overfit), 2)} ×)` : `${failedChecks.length} failed` },
              { stage: "batch size", rule: `smallest of ${p.batchCandidates.join(", ")} with ≥ ${BatchThroughput.SHARE * 100} % of the best samples/s`, outcome: picks.size === 0 ? Format.missing : `pick ${pickValues.join(" / ")}; trained at ${p.batchSize} (profile)` },
              { stage: "learning rate", rule: `range test ${Format.scientific(p.lrMin, 1)} → ${Format.scientific(p.lrMax, 1)}, ${p.lrSteps} steps; steepest descent of the smoothed loss`, outcome: `median ${Format.scientific(Summary.median(ok.map((r) => Number(r.info.lrSuggested))), 2)}` },
              { stage: "choice", rule: "highest mean validation accuracy", outcome: chosen === undefined ? Format.missing : normName[chosen.norm] },
              { stage: "test", rule: "the chosen net only, once", outcome: chosen === undefined ? Format.missing : Format.percent(Summary.mean(tests)) }
            ]
          })
        ]),
        Document.section("Learning rate", [rangeFigure]),
        Document.section("Batch size", [
          Document.paragraph(`Why the nets train at the profile's batch size and not at the measured pick: throughput is a timing, so it differs between machines, loads and executors, while a trial's row must be the same wherever it runs (seeds by key). The measurement is therefore stored beside each trial (never in its row) and the rule is applied here, to the stored timings; the profile fixes the size the nets train with (${p.batchSize}), and \`--set batchSize=…\` re-runs the study at the pick.`),
          throughputFigure,
          Document.table({
            caption: "Median samples/s per batch size and net; the rule's pick is bold.",
            columns: [{ key: "batch", title: "batch size", align: "right" }, ...byNorm.map((s) => ({ key: s.norm, title: normName[s.norm], align: "right" as const }))],
            rows: [...new Set(points.map((q) => q.batchSize))].sort((a, b) => a - b).map((b) => ({
              batch: b,
              ...Object.fromEntries(byNorm.map((s) => {
                const q = points.find((x) => x.model === s.norm && x.batchSize === b)
                const text = q === undefined ? Format.missing : Format.count(q.samplesPerSecond)
                return [s.norm, picks.get(s.norm) === b ? `**${text}**` : text]
              }))
            }))
          })
        ]),
        Document.section("Normalisation, chosen on the validation part", [
          Document.table({
            caption: "Per net: the rate it trained at (one per seed), the overfit check's final loss as a multiple of the prior's (worst seed), training and validation accuracy (mean ± sd over seeds). The test column is not read for the nets not chosen.",
            columns: [
              { key: "norm", title: "normalisation" },
              { key: "lr", title: "suggested rate" },
              { key: "overfit", title: "overfit check", align: "right" },
              { key: "train", title: "train accuracy", align: "right" },
              { key: "valid", title: "validation accuracy", align: "right" },
              { key: "chosen", title: "chosen" }
            ],
            rows: byNorm.map((s) => ({
              norm: normName[s.norm],
              lr: s.lrSuggested.map((v) => Format.scientific(v, 2)).join(", ") || Format.missing,
              overfit: s.overfitFinalToPrior.length === 0 ? Format.missing : `${Format.significant(Math.max(...s.overfitFinalToPrior), 2)} ×`,
              train: percentSd(s.trainAccuracy),
              valid: percentSd(s.validAccuracy),
              chosen: s === chosen ? "**yes**" : ""
            }))
          }),
          curves
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "mnist",
  title: "The training workflow on MNIST: 70/20/10 split, overfit check, batch size by throughput, learning rate by range test, normalisation chosen on validation, one test score",
  description: "MNIST digits through the whole workflow: a stratified 70/20/10 split, an overfit check on a few dozen digits, batch size by measured throughput, the learning rate by a range test on each net's own training part, none vs LayerNorm vs BatchNorm chosen on validation accuracy, and the chosen net's test accuracy scored once.",
  params: Params,
  defaults: {
    n: 3000,
    seeds: 3,
    width: 128,
    depth: 2,
    epochs: 8,
    batchSize: 64,
    batchCandidates: [16, 32, 64, 128, 256],
    lrSteps: 100,
    lrMin: 1e-6,
    lrMax: 1,
    overfitRows: 32,
    overfitSteps: 200
  },
  profiles: {
    quick: { n: 300, seeds: 1, width: 32, epochs: 3, batchSize: 32, batchCandidates: [16, 64], lrSteps: 30, lrMin: 1e-4, overfitSteps: 150 },
    full: { n: 10000, seeds: 5, epochs: 20 }
  },
  seed: 0,
  study,
  report
})
