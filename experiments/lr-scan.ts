/**
 * lr-scan: the learning-rate range test (src/workflow/LrRangeTest.ts) on several architectures and
 * optimisers, and what its suggestion then trains to, against a grid of fixed rates trained the
 * same way. Per (architecture, optimiser): one net runs the range test on its own training part
 * and trains at the suggestion ("found"); the others train at each rate of a half-decade grid. The
 * grid's best rate (highest mean validation accuracy) is the yardstick: the report gives the
 * suggestion's ratio to it and the validation accuracy each reaches.
 *
 * Task: MNIST digits, 70/20/10 stratified (training on 70 %, every comparison on the validation
 * 20 %; the test part is scored once, for the best combination on validation). Every net trains
 * for the same epochs at the same batch size, so the rate is the only difference within a
 * combination.
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
import * as LrRangeTest from "../src/workflow/LrRangeTest.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(100),
  seeds: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  batchSize: Parameter.PositiveInt,
  /** Architectures as "depth×width", e.g. "1x128" (one hidden layer of 128), "4x64". */
  archs: Parameter.NonEmpty(Schema.String.check(Schema.isPattern(/^[1-9]\d*x[1-9]\d*$/))),
  optimizers: Parameter.NonEmpty(Schema.Literals(["sgd", "momentum", "adam"])),
  /** The fixed rates every combination also trains at. */
  rates: Parameter.NonEmpty(Parameter.Positive),
  lrSteps: Parameter.IntAtLeast(12),
  lrMin: Parameter.Positive,
  lrMax: Parameter.Positive
})
type Params = typeof Params.Type

const TASK = "mnist"
const FOUND = "found"

const shape = (arch: string) => {
  const [depth, width] = arch.split("x").map(Number)
  return { depth, width }
}

const combo = (arch: string, optimizer: string): string => `${arch} ${optimizer}`

const study = (p: Params): Study.Study => ({
  tasks: [{ name: TASK, spec: { task: "mnist", n: p.n } }],
  split: { kind: "holdout", ...Split.DEFAULT_FRACTIONS },
  seeds: p.seeds,
  models: p.archs.flatMap((arch) =>
    p.optimizers.flatMap((optimizer): Array<Study.ModelEntry> => {
      const base = { ...shape(arch), activation: "relu", init: "torch", optimizer, momentum: 0.9, epochs: p.epochs, batchSize: p.batchSize }
      return [
        {
          id: `${arch}-${optimizer}-found`,
          family: "mlp",
          axes: { arch, optimizer, rate: FOUND },
          config: { ...base, lrRangeTest: true, lrRangeMin: p.lrMin, lrRangeMax: p.lrMax, lrRangeSteps: p.lrSteps }
        },
        ...p.rates.map((rate) => ({ id: `${arch}-${optimizer}-lr${rate}`, family: "mlp", axes: { arch, optimizer, rate }, config: { ...base, learningRate: rate } }))
      ]
    })
  )
})

/** What one (architecture, optimiser) gave: the suggestion, the grid's best, and their validation accuracies. */
export interface Combination {
  readonly arch: string
  readonly optimizer: string
  /** The suggested rate per seed of the "found" net. */
  readonly suggested: ReadonlyArray<number>
  /** Mean validation accuracy of the found net over its ok seeds (NaN when none finished). */
  readonly foundAccuracy: number
  /** Mean validation accuracy per grid rate (NaN when no seed of it finished: diverged). */
  readonly grid: ReadonlyArray<{ readonly rate: number; readonly accuracy: number; readonly ok: number; readonly trials: number }>
  /** The grid rate of the highest mean validation accuracy. */
  readonly bestRate: number
  readonly bestAccuracy: number
  /** suggestion (median over seeds) / best grid rate. */
  readonly ratio: number
}

export const combinations = (rows: ReadonlyArray<TrialRow>): Array<Combination> => {
  const keys = [...new Set(rows.map((r) => `${r.axes.arch}|${r.axes.optimizer}`))]
  return keys.map((k) => {
    const [arch, optimizer] = k.split("|")
    const own = rows.filter((r) => r.axes.arch === arch && r.axes.optimizer === optimizer)
    const found = own.filter((r) => r.axes.rate === FOUND && r.status === "ok")
    const rates = [...new Set(own.map((r) => r.axes.rate).filter((v): v is number => typeof v === "number"))].sort((a, b) => a - b)
    const grid = rates.map((rate) => {
      const at = own.filter((r) => r.axes.rate === rate)
      const ok = at.filter((r) => r.status === "ok")
      return { rate, accuracy: ok.length === 0 ? Number.NaN : Summary.mean(ok.map((r) => r.metrics.validAccuracy)), ok: ok.length, trials: at.length }
    })
    const best = Summary.argBest(grid.map((g) => (Number.isFinite(g.accuracy) ? g.accuracy : Number.NEGATIVE_INFINITY)), "max") ?? 0
    const suggested = found.map((r) => Number(r.info.lrSuggested))
    return {
      arch,
      optimizer,
      suggested,
      foundAccuracy: found.length === 0 ? Number.NaN : Summary.mean(found.map((r) => r.metrics.validAccuracy)),
      grid,
      bestRate: grid[best]?.rate ?? Number.NaN,
      bestAccuracy: grid[best]?.accuracy ?? Number.NaN,
      ratio: suggested.length === 0 ? Number.NaN : Summary.median(suggested) / (grid[best]?.rate ?? Number.NaN)
    }
  })
}

/** "×3.2" or "÷2.5": how far the suggestion lies from the best grid rate. */
const factor = (ratio: number): string => !Number.isFinite(ratio) ? Format.missing : ratio >= 1 ? `×${Format.significant(ratio, 2)}` : `÷${Format.significant(1 / ratio, 2)}`

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const combos = combinations(rows)
    const foundRows = rows.filter((r) => r.axes.rate === FOUND && r.status === "ok")
    const rangeFigure = yield* Workflow.rangeTestFigure(run, foundRows.filter((r) => r.seedIndex === 0), {
      name: "lr-range-test",
      title: "Range tests per architecture and optimiser, seed 0",
      caption: `Smoothed training loss while the rate grows from ${Format.scientific(p.lrMin, 1)} to ${Format.scientific(p.lrMax, 1)} over at most ${p.lrSteps} minibatch steps of ${p.batchSize} (stopped once above ${LrRangeTest.DIVERGENCE_FACTOR}× its best); grey points: the suggestions (steepest descent of the smoothed loss).`,
      series: (r) => combo(String(r.axes.arch), String(r.axes.optimizer)),
      order: combos.map((c) => combo(c.arch, c.optimizer))
    })
    const gridData = combos.flatMap((c) => c.grid.filter((g) => Number.isFinite(g.accuracy)).map((g) => ({ combination: combo(c.arch, c.optimizer), rate: g.rate, accuracy: g.accuracy })))
    const foundData = combos.flatMap((c) =>
      foundRows.filter((r) => r.axes.arch === c.arch && r.axes.optimizer === c.optimizer).map((r) => ({ combination: combo(c.arch, c.optimizer), rate: Number(r.info.lrSuggested), accuracy: r.metrics.validAccuracy }))
    )
    const gridSvg = yield* Chart.render(Chart.facet({
      title: "Validation accuracy against the learning rate",
      subtitle: "lines: fixed rates (mean over seeds; a diverged rate is left out); grey points: the range test's suggestion and what it trained to, one per seed",
      by: { field: "combination", title: "", order: combos.map((c) => combo(c.arch, c.optimizer)) },
      columns: Math.min(3, combos.length),
      chart: Chart.line({
        title: "",
        width: 240,
        height: 160,
        data: gridData,
        x: { field: "rate", title: "learning rate", log: true },
        y: { field: "accuracy", title: "validation accuracy", format: ".0%" },
        overlay: { data: foundData, x: "rate", y: "accuracy" }
      })
    }))
    const within = combos.filter((c) => Number.isFinite(c.ratio) && Math.abs(Math.log(c.ratio)) <= Math.log(3))
    const nearBest = combos.filter((c) => c.foundAccuracy >= c.bestAccuracy - 0.02)
    const bestOverall = Summary.argBest(combos.map((c) => Math.max(c.foundAccuracy, c.bestAccuracy)), "max")
    const champion = bestOverall === undefined ? undefined : combos[bestOverall]
    const championRows = champion === undefined ? [] : rows.filter((r) =>
      r.axes.arch === champion.arch && r.axes.optimizer === champion.optimizer && r.status === "ok" &&
      (champion.foundAccuracy >= champion.bestAccuracy ? r.axes.rate === FOUND : r.axes.rate === champion.bestRate)
    )
    const diverged = rows.filter((r) => r.status === "diverged")
    const findings = [
      `The suggestion (median over ${p.seeds} seed(s)) lay within a factor of 3 of the grid's best rate in **${within.length} of ${combos.length}** combinations${within.length === combos.length ? "" : `; the others: ${combos.filter((c) => !within.includes(c)).map((c) => `${combo(c.arch, c.optimizer)} ${factor(c.ratio)}`).join(", ")}`}.`,
      `The suggestion lay above the best fixed rate in ${combos.filter((c) => c.ratio > 1).length} and below it in ${combos.filter((c) => c.ratio < 1).length} of ${combos.length} combinations: steepest descent marks where the loss falls fastest during a short sweep, which is not where a full run trains best.`,
      `Trained at its suggestion, the net came within 2 points of the best fixed rate's validation accuracy in **${nearBest.length} of ${combos.length}** combinations (${combos.map((c) => `${combo(c.arch, c.optimizer)}: ${Format.percent(c.foundAccuracy)} vs ${Format.percent(c.bestAccuracy)}`).join("; ")}).`,
      ...(diverged.length === 0 ? [] : [`${diverged.length} fixed-rate trial(s) diverged: ${[...new Set(diverged.map((r) => `${combo(String(r.axes.arch), String(r.axes.optimizer))} at ${r.axes.rate}`))].join(", ")}.`]),
      ...(champion === undefined ? [] : [`Best on validation: ${combo(champion.arch, champion.optimizer)} ${champion.foundAccuracy >= champion.bestAccuracy ? "at the suggested rate" : `at the fixed rate ${champion.bestRate}`}; its test accuracy, scored once: **${Format.percent(Summary.mean(championRows.map((r) => r.metrics.accuracy)))}** (${championRows.length} seed(s)).`]),
      RunFacts.trialStatus(manifest, rows)
    ]
    return Document.make({
      title: "lr-scan: what the learning-rate range test suggests, and what that trains to",
      intro: `${manifest.title}. ${Format.count(p.n)} MNIST digits split 70/20/10 (stratified); each net trains ${p.epochs} epochs at batch ${p.batchSize} (PyTorch init, ReLU; momentum μ = 0.9), ${p.seeds} seed(s). Per combination, one net runs the range test on its training part and trains at the suggestion; the others train at the fixed rates ${p.rates.join(", ")}. Comparisons use validation accuracy.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The range tests", [rangeFigure]),
        Document.section("Suggestion against the grid", [
          Document.figure({ name: "rate-grid", svg: gridSvg, caption: "Validation accuracy after training at each fixed rate (line) and at the range test's suggestion (grey points), per architecture and optimiser." }),
          Document.table({
            caption: "Per combination: the suggested rate per seed, the grid's best rate, their ratio (median suggestion over best), and the validation accuracy each trained to (mean over seeds).",
            columns: [
              { key: "combination", title: "architecture, optimiser" },
              { key: "suggested", title: "suggested" },
              { key: "best", title: "best fixed", align: "right" },
              { key: "ratio", title: "suggested / best", align: "right" },
              { key: "found", title: "accuracy at suggestion", align: "right" },
              { key: "bestAccuracy", title: "accuracy at best fixed", align: "right" }
            ],
            rows: combos.map((c) => ({
              combination: combo(c.arch, c.optimizer),
              suggested: c.suggested.map((v) => Format.scientific(v, 2)).join(", ") || Format.missing,
              best: c.bestRate,
              ratio: factor(c.ratio),
              found: Format.percent(c.foundAccuracy),
              bestAccuracy: Format.percent(c.bestAccuracy)
            }))
          })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "lr-scan",
  title: "The learning-rate range test across architectures and optimisers, against a grid of fixed rates",
  description: "Per architecture (shallow-wide, deep-narrow) and optimiser (SGD, momentum, Adam) on MNIST: the range test's curve and suggestion, what the net trains to at that rate, and how that compares with the best of a half-decade grid of fixed rates on validation accuracy.",
  params: Params,
  defaults: {
    n: 1500,
    seeds: 2,
    epochs: 4,
    batchSize: 64,
    archs: ["1x64", "3x32"],
    optimizers: ["sgd", "momentum", "adam"],
    rates: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1],
    lrSteps: 100,
    lrMin: 1e-6,
    lrMax: 1
  },
  profiles: {
    quick: { n: 200, seeds: 1, epochs: 2, batchSize: 32, archs: ["1x16"], optimizers: ["sgd", "adam"], rates: [1e-3, 1e-1], lrSteps: 20, lrMin: 1e-4 },
    full: { n: 6000, seeds: 5, epochs: 10, archs: ["1x256", "3x128", "6x64"], rates: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3] }
  },
  seed: 0,
  study,
  report
})
