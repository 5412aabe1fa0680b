/**
 * batch-size: throughput and generalisation against the batch size, and the linear-scaling rule
 * for the learning rate (Goyal et al. 2017, arXiv:1706.02677: lr(B) = lr₀ · B / B₀).
 *
 * On MNIST digits (70/20/10 stratified), one MLP trains for the same number of epochs at each
 * batch size B under two rules: "fixed", the base rate lr₀ whatever B; "scaled", lr₀ · B / B₀
 * with a linear warm-up over the first `warmupEpochs` epochs (Goyal et al.'s gradual warm-up).
 * At B = B₀ the two rules coincide and one net stands for both. SGD with momentum, the optimiser
 * the rule was derived for. The B₀ net of every seed also times training steps at every batch
 * size (src/workflow/BatchThroughput.ts), so the report puts samples/s, the size the 90 %-of-best
 * rule picks, and the accuracy each size reaches side by side. Timings are stored as the fit's
 * stage measurements (never in rows), so rows repeat on any executor; the pick is the report's.
 *
 * Generalisation is read on the validation part (train accuracy − validation accuracy is the
 * gap); the test part is scored once, for the (B, rule) best on validation.
 */
import { Effect, Schema } from "effect"
import * as Split from "../src/data/Split.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import * as Workflow from "../src/report/Workflow.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"
import * as BatchThroughput from "../src/workflow/BatchThroughput.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(100),
  seeds: Parameter.PositiveInt,
  width: Parameter.PositiveInt,
  depth: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  /** The batch sizes trained at and timed; must include `baseBatch`. */
  batchSizes: Parameter.NonEmpty(Parameter.PositiveInt),
  /** B₀ and lr₀ of the linear-scaling rule. */
  baseBatch: Parameter.PositiveInt,
  baseRate: Parameter.Positive,
  warmupEpochs: Parameter.NonNegativeInt
})
type Params = typeof Params.Type

const TASK = "mnist"
export const rules = ["fixed", "scaled"] as const
export type Rule = (typeof rules)[number]

/** The rule of a row: "fixed", "scaled", or "both" at B₀. */
const ruleOf = (row: TrialRow): string => String(row.axes.rule)

const study = (p: Params): Study.Study => {
  const base = { width: p.width, depth: p.depth, activation: "relu", init: "torch", optimizer: "momentum", momentum: 0.9, epochs: p.epochs }
  return {
    tasks: [{ name: TASK, spec: { task: "mnist", n: p.n } }],
    split: { kind: "holdout", ...Split.DEFAULT_FRACTIONS },
    seeds: p.seeds,
    models: p.batchSizes.flatMap((batch): Array<Study.ModelEntry> =>
      batch === p.baseBatch
        ? [{ id: `b${batch}`, family: "mlp", axes: { batch, rule: "both" }, config: { ...base, batchSize: batch, learningRate: p.baseRate, throughputSizes: p.batchSizes } }]
        : [
          { id: `b${batch}-fixed`, family: "mlp", axes: { batch, rule: "fixed" }, config: { ...base, batchSize: batch, learningRate: p.baseRate } },
          {
            id: `b${batch}-scaled`,
            family: "mlp",
            axes: { batch, rule: "scaled" },
            config: { ...base, batchSize: batch, learningRate: BatchThroughput.linearScaling(p.baseRate, p.baseBatch, batch), warmupEpochs: Math.min(p.warmupEpochs, p.epochs - 1) }
          }
        ]
    )
  }
}

/** One (batch size, rule): mean accuracies over its ok seeds. At B₀ the one net counts for both rules. */
export interface Point {
  readonly batch: number
  readonly rule: Rule
  readonly learningRate: number
  readonly trials: number
  readonly ok: number
  readonly train: number
  readonly valid: number
  /** train − valid. */
  readonly gap: number
}

export const points = (p: Params, rows: ReadonlyArray<TrialRow>): Array<Point> =>
  rules.flatMap((rule) =>
    [...new Set(rows.map((r) => Number(r.axes.batch)))].sort((a, b) => a - b).map((batch) => {
      const own = rows.filter((r) => Number(r.axes.batch) === batch && (ruleOf(r) === rule || ruleOf(r) === "both"))
      const ok = own.filter((r) => r.status === "ok")
      const train = ok.length === 0 ? Number.NaN : Summary.mean(ok.map((r) => r.metrics.trainAccuracy))
      const valid = ok.length === 0 ? Number.NaN : Summary.mean(ok.map((r) => r.metrics.validAccuracy))
      return { batch, rule, learningRate: rule === "fixed" ? p.baseRate : BatchThroughput.linearScaling(p.baseRate, p.baseBatch, batch), trials: own.length, ok: ok.length, train, valid, gap: train - valid }
    })
  )

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const pts = points(p, rows)
    const measured = Workflow.throughput(run, rows.filter((r) => r.status === "ok"))
    const pick = measured.length === 0 ? undefined : BatchThroughput.choose(measured)
    const finite = pts.filter((q) => Number.isFinite(q.valid))
    const accuracySvg = yield* Chart.render(Chart.line({
      title: "Accuracy against batch size, at a fixed number of epochs",
      subtitle: `mean over seeds; fixed: lr ${p.baseRate} at every size; scaled: lr ${p.baseRate} · B / ${p.baseBatch} with warm-up`,
      data: finite.flatMap((q) => [
        { series: `${q.rule}, validation`, batch: q.batch, accuracy: q.valid },
        { series: `${q.rule}, train`, batch: q.batch, accuracy: q.train }
      ]),
      x: { field: "batch", title: "batch size", log: true },
      y: { field: "accuracy", title: "accuracy", format: ".0%" },
      series: { field: "series", title: "", order: ["fixed, validation", "scaled, validation", "fixed, train", "scaled, train"] }
    }))
    const throughputFigure = yield* Workflow.throughputFigure(measured, {
      name: "throughput",
      title: "Training throughput against batch size",
      caption: `Samples per second of training steps at each size, timed in the B₀ = ${p.baseBatch} trial of each seed (median over seeds) on ${Workflow.throughputEngines(run, rows.filter((r) => r.status === "ok"))}, the engine that trains the nets, on this run's machine; the ${BatchThroughput.SHARE * 100} %-of-best rule picks ${pick ?? Format.missing}.`,
      label: () => "MLP"
    })
    const bestOf = (rule: Rule) => {
      const own = finite.filter((q) => q.rule === rule)
      const i = Summary.argBest(own.map((q) => q.valid), "max")
      return i === undefined ? undefined : own[i]
    }
    const bestFixed = bestOf("fixed")
    const bestScaled = bestOf("scaled")
    const largest = Math.max(...pts.map((q) => q.batch))
    const atLargest = (rule: Rule) => pts.find((q) => q.batch === largest && q.rule === rule)
    const champion = [bestFixed, bestScaled].filter((q) => q !== undefined).sort((a, b) => b.valid - a.valid)[0]
    const championRows = champion === undefined ? [] : rows.filter((r) => r.status === "ok" && Number(r.axes.batch) === champion.batch && (ruleOf(r) === champion.rule || ruleOf(r) === "both"))
    const gaps = pts.filter((q) => q.rule === "fixed" && Number.isFinite(q.gap))
    const diverged = rows.filter((r) => r.status === "diverged")
    const findings = [
      pick === undefined ? "No throughput was measured." :
        `Throughput: ${measured.map((m) => `${m.batchSize}: ${Format.count(m.samplesPerSecond)}`).join(", ")} samples/s; the ${BatchThroughput.SHARE * 100} %-of-best rule picks **${pick}** on this machine.`,
      ...(bestFixed === undefined ? [] : [`Fixed rate ${p.baseRate}: validation accuracy is highest at batch ${bestFixed.batch} (${Format.percent(bestFixed.valid)}); at ${largest} it is ${Format.percent(atLargest("fixed")?.valid)} (fewer steps of the same size).`]),
      ...(bestScaled === undefined ? [] : [`Linear scaling: validation accuracy is highest at batch ${bestScaled.batch} (${Format.percent(bestScaled.valid)}); at ${largest} the scaled rate ${Format.significant(BatchThroughput.linearScaling(p.baseRate, p.baseBatch, largest), 3)} reaches ${Format.percent(atLargest("scaled")?.valid)} against the fixed rate's ${Format.percent(atLargest("fixed")?.valid)}.`]),
      ...rules.flatMap((rule) => {
        const own = finite.filter((q) => q.rule === rule)
        return own.length < 2 ? [] : [`Validation accuracy over batch sizes ${own[0].batch}–${own[own.length - 1].batch}, ${rule === "fixed" ? "fixed rate" : "linear scaling"}: ${Format.percent(Math.min(...own.map((q) => q.valid)))} to ${Format.percent(Math.max(...own.map((q) => q.valid)))}.`]
      }),
      gaps.length < 2 ? "Too few sizes finished to compare the generalisation gap." :
        `Generalisation gap (train − validation accuracy) at the fixed rate: ${gaps.map((q) => `${q.batch}: ${Format.fixed(q.gap * 100, 1)} pts`).join(", ")}.`,
      ...(diverged.length === 0 ? [] : [`${diverged.length} trial(s) diverged: ${[...new Set(diverged.map((r) => r.model))].join(", ")}.`]),
      ...(champion === undefined ? [] : [`Best on validation: batch ${champion.batch}, ${champion.rule === "fixed" || champion.batch === p.baseBatch ? `rate ${Format.significant(champion.learningRate, 3)}` : `scaled rate ${Format.significant(champion.learningRate, 3)}`}; its test accuracy, scored once: **${Format.percent(Summary.mean(championRows.map((r) => r.metrics.accuracy)))}**.`]),
      RunFacts.trialStatus(manifest, rows)
    ]
    return Document.make({
      title: "batch-size: throughput, generalisation and the linear-scaling rule",
      intro: `${manifest.title}. ${Format.count(p.n)} MNIST digits split 70/20/10 (stratified). An MLP of ${p.depth} hidden layer(s) × ${p.width} ReLU units (PyTorch init) trains ${p.epochs} epochs by SGD with momentum 0.9 at each batch size ${p.batchSizes.join(", ")}: at the fixed rate ${p.baseRate}, and at the linearly scaled rate ${p.baseRate} · B / ${p.baseBatch} with a ${p.warmupEpochs}-epoch linear warm-up (Goyal et al. 2017); ${p.seeds} seed(s). Comparisons use the validation part; the test part is scored once.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Throughput", [throughputFigure]),
        Document.section("Generalisation", [
          Document.figure({ name: "accuracy", svg: accuracySvg, caption: "Training and validation accuracy after the same number of epochs at each batch size, under the two rules for the learning rate (at B₀ both are one net)." }),
          Document.table({
            caption: "Per batch size and rule: the learning rate, training and validation accuracy and their gap (means over the seeds that finished).",
            columns: [
              { key: "batch", title: "batch", align: "right" },
              { key: "rule", title: "rule" },
              { key: "lr", title: "learning rate", align: "right" },
              { key: "train", title: "train", align: "right" },
              { key: "valid", title: "validation", align: "right" },
              { key: "gap", title: "gap (pts)", align: "right" },
              { key: "ok", title: "finished", align: "right" }
            ],
            rows: [...pts].sort((a, b) => a.batch - b.batch || rules.indexOf(a.rule) - rules.indexOf(b.rule)).map((q) => ({
              batch: q.batch,
              rule: q.batch === p.baseBatch ? "both (B₀)" : q.rule,
              lr: Format.significant(q.learningRate, 3),
              train: Format.percent(q.train),
              valid: Format.percent(q.valid),
              gap: Number.isFinite(q.gap) ? Format.fixed(q.gap * 100, 1) : Format.missing,
              ok: `${q.ok}/${q.trials}`
            })).filter((r, i, all) => !(r.rule === "both (B₀)" && all.findIndex((x) => x.batch === r.batch) !== i))
          })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "batch-size",
  title: "Batch size: throughput, generalisation at a fixed epoch budget, and the linear-scaling rule",
  description: "An MLP on MNIST trained for the same epochs at batch sizes from 8 to 512: samples/s per size and the size the 90 %-of-best rule picks, training and validation accuracy and their gap, at a fixed learning rate and under the linear-scaling rule with warm-up.",
  params: Params,
  defaults: {
    n: 2000,
    seeds: 2,
    width: 64,
    depth: 2,
    epochs: 6,
    batchSizes: [8, 16, 32, 64, 128, 256, 512],
    baseBatch: 32,
    baseRate: 0.02,
    warmupEpochs: 1
  },
  profiles: {
    quick: { n: 200, seeds: 1, width: 16, epochs: 2, batchSizes: [8, 32, 128] },
    full: { n: 6000, seeds: 5, epochs: 15, batchSizes: [4, 8, 16, 32, 64, 128, 256, 512, 1024], warmupEpochs: 3 }
  },
  seed: 0,
  study,
  report
})
