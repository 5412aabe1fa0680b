/**
 * hpo: hyperparameter search as a user of optuna runs it, measured honestly. An MLP (width,
 * depth, learning rate, batch size, weight decay, optimiser and, for SGD with momentum, the
 * momentum) and an RBF C-SVC (C, σ) are tuned on small classification tasks of the compare study
 * by several samplers (random search, TPE, GP-EI; src/search) at the same budget, each repeated
 * with fresh seeds.
 *
 * Nested CV: each task is split into outer folds; on each outer fold's training part, every
 * sampler runs its own search whose objective is the inner K-fold log loss (Objective.ts; the
 * inner folds are the same for every trial on that outer fold, so samplers are paired and pruning
 * compares like with like). Each completed trial is also refitted on the whole training part and
 * scored on the held-out outer fold, which no proposal ever sees; the search's reported score is
 * the outer score of its incumbent (the best inner objective), and the optimism is the incumbent's
 * outer log loss minus its inner one (positive: the inner best flattered it). This optimism is
 * measured here for the searches of this study only (the model-selection study measures its own).
 *
 * Parallel rule: searches run in rounds of `batch` trials (Adaptive.ts); inside a round TPE and
 * GP-EI see the round's earlier points as constant-liar observations (search/Batch.ts), so the
 * proposals depend on the seed and trial order only: `--jobs 1`, `--jobs 2` and an interrupted
 * run resumed make the same proposals (tests/hpo-resume.test.ts).
 *
 * Pruning: the median rule or successive halving over inner folds (fold-aware: a trial is judged
 * by the mean of its first m folds against the earlier trials' means over the same m folds).
 */
import { Effect, Schema } from "effect"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as ParallelCoordinates from "../src/report/ParallelCoordinates.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as SearchHistory from "../src/report/SearchHistory.ts"
import type { RunRecord, TrialResult, TrialRow } from "../src/results/Run.ts"
import * as Batch from "../src/search/Batch.ts"
import * as GpEi from "../src/search/GpEi.ts"
import * as Halton from "../src/search/Halton.ts"
import * as Importance from "../src/search/Importance.ts"
import type * as Pruner from "../src/search/Pruner.ts"
import * as RandomSearch from "../src/search/RandomSearch.ts"
import type * as Sampler from "../src/search/Sampler.ts"
import * as Space from "../src/search/Space.ts"
import * as Tpe from "../src/search/Tpe.ts"

const TASKS = ["moons", "circles", "xor", "penguins"] as const
const MODELS = ["mlp", "svm"] as const
const SAMPLERS = ["random", "halton", "tpe", "gp-ei"] as const
const PRUNERS = ["none", "median", "successiveHalving"] as const

const Params = Schema.Struct({
  tasks: Parameter.NonEmpty(Schema.Literals(TASKS)),
  models: Parameter.NonEmpty(Schema.Literals(MODELS)),
  samplers: Parameter.NonEmpty(Schema.Literals(SAMPLERS)),
  /** Trials per search (one search per task × model × sampler × repeat × outer fold). */
  budget: Parameter.IntAtLeast(2),
  /** Trials proposed together in each round (constant liar inside a round); part of the spec, never --jobs. */
  batch: Parameter.PositiveInt,
  /** Independent searches per sampler (fresh seeds). */
  repeats: Parameter.PositiveInt,
  outerFolds: Parameter.IntAtLeast(2),
  /** Outer folds searched: the first `searchedFolds` of the `outerFolds` (all when equal). */
  searchedFolds: Parameter.PositiveInt,
  /** The inner split: K-fold (pruned fold by fold), or one holdout (an MLP pruned epoch by epoch). */
  inner: Schema.Literals(["kfold", "holdout"]),
  innerFolds: Parameter.IntAtLeast(2),
  /** The validation share of a holdout inner split. */
  holdoutFraction: Parameter.OpenUnit,
  pruner: Schema.Literals(PRUNERS),
  /** Random proposals before TPE and GP-EI take over. */
  startupTrials: Parameter.PositiveInt,
  /** Points and label noise of the synthetic tasks. */
  nClassification: Parameter.IntAtLeast(20),
  classNoise: Parameter.NonNegative,
  /** MLP: epochs of every fit and the largest width searched. */
  epochs: Parameter.PositiveInt,
  maxWidth: Parameter.IntAtLeast(4),
  maxDepth: Parameter.PositiveInt
})
type Params = typeof Params.Type

/** The search space of each model. */
export const space = (model: (typeof MODELS)[number], p: Pick<Params, "maxWidth" | "maxDepth">): Space.Space =>
  model === "mlp"
    ? Space.make([
      Space.int("width", 4, p.maxWidth, { log: true }),
      Space.int("depth", 1, p.maxDepth),
      Space.float("learningRate", 1e-4, 0.3, { log: true }),
      Space.int("batchSize", 16, 128, { log: true }),
      Space.float("weightDecay", 1e-6, 0.1, { log: true }),
      Space.categorical("optimizer", ["sgd", "momentum", "adam"]),
      Space.float("momentum", 0.5, 0.99, { when: { parent: "optimizer", values: ["momentum"] } })
    ])
    : Space.make([Space.float("C", 1e-2, 1e3, { log: true }), Space.float("sigma", 0.05, 20, { log: true })])

const samplerOf = (name: (typeof SAMPLERS)[number], p: Params): Sampler.Sampler =>
  name === "random" ? RandomSearch.sampler()
  : name === "halton" ? Halton.sampler()
  : name === "tpe" ? Tpe.sampler({ nStartupTrials: p.startupTrials })
  : GpEi.sampler({ startupTrials: p.startupTrials })

/** The family config of a point. */
const configOf = (model: (typeof MODELS)[number], point: Space.Params, p: Params): Record<string, unknown> =>
  model === "mlp"
    ? { activation: "relu", init: "torch", epochs: p.epochs, ...point }
    : { kind: "svc", kernel: "rbf", probability: true, ...point }

/** A stored row as a finished trial of its search. */
export const asTrial = (row: TrialRow, s: Space.Space): Sampler.Trial => {
  const params = Object.fromEntries(s.params.filter((q) => q.name in row.axes).map((q) => [q.name, row.axes[q.name]]))
  const value = row.metrics.objective
  return row.status === "ok" ? { params, status: "complete", value } : row.status === "pruned" ? { params, status: "pruned", value } : { params, status: "failed" }
}

/** A stored trial as a pruner's peer: its inner-fold losses so far (K-fold), or its validation curve (holdout). */
const asPeer = (result: TrialResult, inner: Params["inner"]): Pruner.Peer => ({
  status: result.row.status === "ok" ? "complete" : "pruned",
  progress: inner === "kfold"
    ? { kind: "folds", values: Array.from({ length: Number(result.row.info.foldsRun ?? 0) }, (_, k) => result.row.metrics[`inner${k + 1}`]) }
    : { kind: "epochs", values: (result.curve ?? []).map((e) => e.validLoss ?? Number.NaN) }
})

const taskSpec = (name: (typeof TASKS)[number], p: Params): Study.TaskEntry["spec"] =>
  name === "penguins" ? { task: "penguins" } : { task: name, n: p.nClassification, noise: p.classNoise }

const study = (p: Params): Study.Study => {
  const searches: Array<Study.Search> = []
  for (const task of p.tasks) {
    for (const model of p.models) {
      const s = space(model, p)
      for (const samplerName of p.samplers) {
        for (let repeat = 0; repeat < p.repeats; repeat++) {
          for (let fold = 0; fold < Math.min(p.searchedFolds, p.outerFolds); fold++) {
            const sampler = samplerOf(samplerName, p)
            searches.push({
              id: `${model}/${samplerName}/r${repeat}/o${fold}`,
              task,
              fold,
              budget: p.budget,
              batch: p.batch,
              largest: { id: model, family: model, config: configOf(model, Space.fromUnit(s, new Float64Array(s.params.length).fill(1)), p), axes: {} },
              propose: (history, start, count, seed) => {
                const points = Batch.propose(sampler, s, history.map((r) => asTrial(r.row, s)), count, seed)
                const peers = history.filter((r) => r.row.status === "ok" || r.row.status === "pruned").map((r) => asPeer(r, p.inner))
                return points.map((point, j) => ({
                  model: { id: model, family: model, config: configOf(model, point, p), axes: { sampler: samplerName, repeat, trial: start + j, ...point } },
                  objective: {
                    inner: p.inner === "kfold" ? { kind: "kfold", folds: p.innerFolds } : { kind: "holdout", validation: p.holdoutFraction },
                    metric: "logLoss",
                    ...(p.pruner === "none" ? {} : {
                      pruner: { rule: p.pruner, median: { startupTrials: p.startupTrials }, halving: { reductionFactor: 2 }, peers }
                    })
                  }
                }))
              }
            })
          }
        }
      }
    }
  }
  return {
    tasks: p.tasks.map((name) => ({ name, spec: taskSpec(name, p) })),
    split: { kind: "kfold", folds: p.outerFolds },
    seeds: 1,
    models: [],
    searches
  }
}

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const groups = SearchHistory.group(rows)
    const sections: Array<Document.Section> = []
    const summaryRows: Array<Document.Row> = []
    const findings: Array<string> = []
    for (const task of p.tasks) {
      for (const model of p.models) {
        const mine = groups.filter((g) => g.task === task && g.model === model)
        if (mine.length === 0) continue
        const s = space(model, p)
        const bySampler = p.samplers.map((sampler) => ({ sampler, stats: SearchHistory.summary(mine.filter((g) => g.sampler === sampler)) }))
        for (const { sampler, stats } of bySampler) summaryRows.push({ task, model, sampler, ...SearchHistory.summaryCells(stats) })
        const best = [...bySampler].filter((b) => b.stats.searches > 0).sort((a, b) => a.stats.outer.mean - b.stats.outer.mean)[0]
        if (best !== undefined) {
          findings.push(`${task}, ${model}: the lowest nested-CV log loss at ${p.budget} trials came from **${best.sampler}** (${Format.meanSd(best.stats.outer.mean, best.stats.outer.sd)} over ${best.stats.searches} searches); its inner best was ${Format.significant(best.stats.inner.mean, 3)}, an optimism of ${Format.significant(best.stats.optimism.mean, 2)}.`)
        }
        const allTrials = mine.flatMap((g) => g.rows)
        const complete = allTrials.filter((r) => r.status === "ok")
        const importance = Importance.fanova(s, complete.map((r) => asTrial(r, s)), { resamples: 8, trees: 12, seed: manifest.seed })
        const first = mine.filter((g) => g.repeat === 0 && g.fold === 0)
        sections.push(Document.section(`${task} · ${model}`, [
          SearchHistory.incumbentsTable(s, mine),
          Document.figure({
            name: `best-${task}-${model}`,
            svg: yield* SearchHistory.renderBestSoFar(mine, { title: `${task} · ${model}: best inner log loss so far`, order: [...p.samplers] }),
            caption: `Inner-CV log loss of the best completed trial after each trial, median over the ${mine.length / p.samplers.length} searches of each sampler (${p.repeats} repeat(s) × ${Math.min(p.searchedFolds, p.outerFolds)} outer fold(s)), band: the middle half. Beside it, the held-out (outer) log loss of that incumbent: the gap is the optimism of reporting the inner best.`
          }),
          Document.figure({
            name: `history-${task}-${model}`,
            svg: yield* SearchHistory.renderHistory(first, { title: `${task} · ${model}: optimisation history (repeat 0, outer fold 0)`, order: [...p.samplers] }),
            caption: "Every trial's objective (inner-CV log loss; a pruned trial at the mean of the folds it ran) by trial number, one panel per sampler, with the best so far."
          }),
          Document.figure({
            name: `parallel-${task}-${model}`,
            svg: ParallelCoordinates.render({
              title: `${task} · ${model}: parallel coordinates`,
              space: s,
              trials: allTrials.filter((r) => r.status === "ok").map((r) => ({ params: asTrial(r, s).params, value: r.metrics.objective }))
            }),
            caption: `Every completed trial of every search (${complete.length}), one line through its parameters (axes in the search space's range, log where the space is), coloured by its inner log loss (dark: best). Inactive conditional parameters are not drawn.`
          }),
          Document.figure({
            name: `slice-${task}-${model}`,
            svg: yield* SearchHistory.renderSlices(s, complete.map((r) => asTrial(r, s)), { title: `${task} · ${model}: slice plots` }),
            caption: "The objective of every completed trial against each parameter on its own (the other parameters vary), positions in the parameter's range (log where the space is)."
          }),
          Document.figure({
            name: `importance-${task}-${model}`,
            svg: yield* SearchHistory.renderImportance(importance, { title: `${task} · ${model}: fANOVA importance` }),
            caption: `Main-effect share of the variance of the inner log loss (fANOVA on a random forest of the ${complete.length} completed trials, all samplers pooled), mean and 5–95 % range over 8 bootstrap resamples; conditional parameters left out.`
          }),
          ...SearchHistory.prunedTable(allTrials)
        ]))
      }
    }
    // Pooled over every task and model: each sampler's mean rank by inner best and by outer log loss, and its mean optimism.
    const cells = p.tasks.flatMap((task) => p.models.map((model) => groups.filter((g) => g.task === task && g.model === model))).filter((c) => c.length > 0)
    const meanRank = (sampler: string, score: (s: SearchHistory.Summary) => number): number => {
      const ranks = cells.map((c) => {
        const values = p.samplers.map((q) => score(SearchHistory.summary(c.filter((g) => g.sampler === q))))
        const mine = score(SearchHistory.summary(c.filter((g) => g.sampler === sampler)))
        return 1 + values.filter((v) => v < mine).length + (values.filter((v) => v === mine).length - 1) / 2
      })
      return ranks.reduce((a, b) => a + b, 0) / Math.max(1, ranks.length)
    }
    if (cells.length > 1 && p.samplers.length > 1) {
      const pooled = p.samplers.map((sampler) => ({
        sampler,
        inner: meanRank(sampler, (s) => s.inner.mean),
        outer: meanRank(sampler, (s) => s.outer.mean),
        optimism: SearchHistory.summary(groups.filter((g) => g.sampler === sampler)).optimism.mean
      }))
      findings.push(`Pooled over the ${cells.length} task × model cells (mean rank, 1 = best of ${p.samplers.length}): by inner best ${pooled.map((s) => `${s.sampler} ${Format.fixed(s.inner, 2)}`).join(", ")}; by nested-CV (outer) log loss ${pooled.map((s) => `${s.sampler} ${Format.fixed(s.outer, 2)}`).join(", ")}. Mean optimism (outer − inner log loss of the incumbent): ${pooled.map((s) => `${s.sampler} ${Format.significant(s.optimism, 2)}`).join(", ")}. A sampler that ranks better on the inner best than on the outer score has partly fitted the inner folds' noise; with ${groups.length / (cells.length * p.samplers.length)} search(es) per sampler and cell, weigh these ranks against the spreads in Table 1.`)
    }
    return Document.make({
      title: "hpo: samplers compared at equal budget, scored by nested CV",
      intro: `${manifest.title}. Tasks: ${p.tasks.join(", ")} (synthetic tasks: n = ${p.nClassification}, noise ${p.classNoise}). ${p.outerFolds}-fold outer CV (${Math.min(p.searchedFolds, p.outerFolds)} fold(s) searched), ${p.inner === "kfold" ? `${p.innerFolds}-fold inner CV (pruned fold by fold)` : `one inner holdout split with ${Format.percent(p.holdoutFraction, 0)} for validation (MLPs pruned epoch by epoch on their validation loss)`}; objective: inner log loss (minimised). Each sampler runs ${p.repeats} independent search(es) of ${p.budget} trials per outer fold, in rounds of ${p.batch} (constant liar inside a round). Pruner: ${p.pruner}. MLP fits run ${p.epochs} epochs, widths up to ${p.maxWidth}, depth up to ${p.maxDepth}.`,
      sections: [
        Document.section("Findings", [Document.bullets([...findings, RunFacts.trialStatus(manifest, rows)])]),
        Document.section("Samplers at equal budget", [
          Document.table({
            caption: `Per task, model and sampler, over its searches: the inner-CV log loss of the incumbent (the optimistic number a search reports), the held-out outer-fold log loss and accuracy of that incumbent (the nested-CV estimate), the optimism (outer − inner; positive: the inner best flatters), trials pruned, and the trial at which the final incumbent was found. Mean ± sd over searches.`,
            columns: SearchHistory.summaryColumns,
            rows: summaryRows
          })
        ]),
        ...sections,
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "hpo",
  title: "Hyperparameter search: samplers at equal budget, pruning, nested-CV scores",
  description: "Tunes an MLP (width, depth, learning rate, batch size, weight decay, optimiser) and an RBF SVM (C, σ) on small classification tasks with random search, Halton, TPE and GP-EI at the same budget, repeated; the objective is inner-CV log loss, the reported score that of the incumbent on held-out outer folds (nested CV), with the optimism of the inner best; searches run in fixed rounds (constant liar), are pruned fold by fold, and resume with the same proposals.",
  params: Params,
  defaults: {
    tasks: ["moons", "penguins"],
    models: ["svm", "mlp"],
    samplers: ["random", "tpe", "gp-ei"],
    budget: 16,
    batch: 2,
    repeats: 3,
    outerFolds: 3,
    searchedFolds: 3,
    inner: "kfold",
    innerFolds: 3,
    holdoutFraction: 0.25,
    pruner: "median",
    startupTrials: 5,
    nClassification: 200,
    classNoise: 0.3,
    epochs: 20,
    maxWidth: 32,
    maxDepth: 3
  },
  profiles: {
    quick: { tasks: ["moons"], samplers: ["random", "tpe"], budget: 6, repeats: 1, searchedFolds: 1, innerFolds: 2, startupTrials: 3, epochs: 10, maxWidth: 16, maxDepth: 2, nClassification: 80 },
    full: { tasks: ["moons", "circles", "xor", "penguins"], samplers: ["random", "halton", "tpe", "gp-ei"], budget: 40, repeats: 5, epochs: 60, maxWidth: 64 }
  },
  seed: 0,
  study,
  report
})
