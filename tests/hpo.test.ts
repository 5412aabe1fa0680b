/**
 * The hpo study's parts: the nested-CV objective with fold-aware and epoch-aware pruning (each
 * prune decision is the pruner's own on the same numbers; peers that are worse never prune),
 * rounds of a search (keys, order, last short round, a missing row), a round of proposals
 * (serial prefix, constant liar), the best-so-far bookkeeping (a pruned trial is never the
 * incumbent), and the parallel-coordinates figure.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import hpo, { space } from "../experiments/hpo.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Adaptive from "../src/pipeline/Adaptive.ts"
import * as Objective from "../src/pipeline/Objective.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as TrialRunner from "../src/pipeline/TrialRunner.ts"
import * as ParallelCoordinates from "../src/report/ParallelCoordinates.ts"
import * as SearchHistory from "../src/report/SearchHistory.ts"
import type { TrialResult, TrialRow } from "../src/results/Run.ts"
import * as Batch from "../src/search/Batch.ts"
import * as Pruner from "../src/search/Pruner.ts"
import * as Sampler from "../src/search/Sampler.ts"
import * as Space from "../src/search/Space.ts"
import * as Tpe from "../src/search/Tpe.ts"
import { assertClose } from "./support/assertClose.ts"

const backend = NnBackend.layer("auto")
const task: Study.TaskEntry = { name: "moons", spec: { task: "moons", n: 90, noise: 0.25 } }
const split: Study.SplitSpec = { kind: "kfold", folds: 3 }
const svm: Study.ModelEntry = { id: "svm", family: "svm", axes: {}, config: { kind: "svc", C: 3, sigma: 0.7, probability: true } }
const mlp: Study.ModelEntry = { id: "mlp", family: "mlp", axes: {}, config: { width: 8, depth: 1, optimizer: "adam", learningRate: 0.02, epochs: 12, batchSize: 16 } }

const evaluate = (model: Study.ModelEntry, objective: Study.Objective) =>
  Effect.runPromise(Effect.gen(function*() {
    const { data, folds } = yield* TrialRunner.taskData(5, task, split)
    return yield* Objective.evaluate({ model, runSeed: 5, seed: 9, fold: 0, task }, objective, data, folds[0])
  }).pipe(Effect.provide(backend)))

/** Five completed peers whose every fold (or epoch) scored `value`. */
const peers = (kind: Pruner.Progress["kind"], value: number, steps: number): Array<Pruner.Peer> =>
  Array.from({ length: 5 }, () => ({ status: "complete", progress: { kind, values: Array.from({ length: steps }, () => value) } }))

describe("Objective: nested CV with fold-aware pruning", () => {
  it("runs every inner fold, averages them, and scores the refit on the outer fold", async () => {
    const out = await evaluate(svm, { inner: { kind: "kfold", folds: 3 }, metric: "logLoss" })
    expect(out.status).toBe("ok")
    assertClose(out.metrics.objective, (out.metrics.inner1 + out.metrics.inner2 + out.metrics.inner3) / 3, { rtol: 1e-12 })
    expect(out.info).toMatchObject({ innerFolds: 3, foldsRun: 3 })
    expect(out.nTrain + out.nTest).toBe(90)
    expect(out.metrics.logLoss).toBeGreaterThan(0)
    expect(out.metrics.accuracy).toBeGreaterThan(0.7)
  })

  it("prunes after the first fold when every earlier trial did better there, with the pruner's own evidence", async () => {
    const better = peers("folds", 0.01, 3)
    const out = await evaluate(svm, { inner: { kind: "kfold", folds: 3 }, metric: "logLoss", pruner: { rule: "median", peers: better } })
    expect(out.status).toBe("pruned")
    const decision = Pruner.median({ kind: "folds", values: [out.metrics.inner1] }, better)
    expect(out.info).toMatchObject({ foldsRun: 1, pruneRule: "median", pruneStep: 1, pruneThreshold: 0.01, prunePeers: 5, pruneReason: decision.reason })
    expect(out.metrics.objective).toBe(out.metrics.inner1)
    expect(out.metrics.logLoss).toBeUndefined()
    // Power: worse peers never prune, and the trial runs through.
    const worse = await evaluate(svm, { inner: { kind: "kfold", folds: 3 }, metric: "logLoss", pruner: { rule: "median", peers: peers("folds", 5, 3) } })
    expect(worse.status).toBe("ok")
    expect(worse.metrics.inner1).toBe(out.metrics.inner1)
  })

  it("successive halving compares at the rung, counting the trial itself", async () => {
    const out = await evaluate(svm, { inner: { kind: "kfold", folds: 3 }, metric: "logLoss", pruner: { rule: "successiveHalving", halving: { reductionFactor: 2 }, peers: peers("folds", 0.01, 1) } })
    expect(out.status).toBe("pruned")
    expect(out.info).toMatchObject({ pruneRule: "successiveHalving", pruneStep: 1, pruneThreshold: 0.01, prunePeers: 5 })
  })
})

describe("Objective: single split with epoch-aware pruning of an MLP", () => {
  it("stops the fit at the first epoch whose validation loss is worse than the peers' median, and keeps the curve", async () => {
    const out = await evaluate(mlp, { inner: { kind: "holdout", validation: 0.25 }, metric: "logLoss", pruner: { rule: "median", peers: peers("epochs", 0.01, 12) } })
    expect(out.status).toBe("pruned")
    expect(out.info).toMatchObject({ innerFolds: 1, epochsRun: 1, pruneRule: "median", pruneStep: 1, pruneThreshold: 0.01 })
    expect(out.curve).toHaveLength(1)
    expect(out.metrics.objective).toBe(out.curve![0].validLoss)
  })

  it("with worse peers trains every epoch; its validation loss is the held-out log loss (float32 vs float64)", async () => {
    const out = await evaluate(mlp, { inner: { kind: "holdout", validation: 0.25 }, metric: "logLoss", pruner: { rule: "median", peers: peers("epochs", 50, 12) } })
    expect(out.status).toBe("ok")
    expect(out.curve).toHaveLength(12)
    assertClose(out.metrics.objective, out.curve![11].validLoss!, { rtol: 1e-5 })
  })
})

describe("Adaptive rounds", () => {
  const probe = (budget: number, batch: number): Study.Search => ({
    id: "s",
    task: "moons",
    fold: 1,
    budget,
    batch,
    propose: (history, start, count) => Array.from({ length: count }, (_, j) => ({ model: { ...svm, axes: { trial: start + j, seen: history.length } } }))
  })
  const studyOf = (...searches: Array<Study.Search>): Study.Study => ({ tasks: [task], split, models: [], seeds: 1, searches })
  const row = (key: string): TrialResult => ({ row: { key } as TrialRow })

  it("keys, orders and sizes the rounds, the last one short; each round sees exactly the earlier rounds", async () => {
    const s = studyOf(probe(5, 2), { ...probe(3, 3), id: "t" })
    expect(Adaptive.trialCount(s)).toBe(8)
    const seen = new Map<string, TrialResult>()
    const rounds: Array<Array<Study.TrialSpec>> = []
    for (let r = 0; ; r++) {
      const trials = await Effect.runPromise(Adaptive.round(s, r, seen, Rng.make(3), 10))
      if (trials.length === 0) break
      rounds.push(trials)
      for (const t of trials) seen.set(t.key, row(t.key))
    }
    expect(rounds.map((r) => r.map((t) => t.key))).toEqual([
      ["moons/s/trial=0", "moons/s/trial=1", "moons/t/trial=0", "moons/t/trial=1", "moons/t/trial=2"],
      ["moons/s/trial=2", "moons/s/trial=3"],
      ["moons/s/trial=4"]
    ])
    expect(rounds.flat().map((t) => t.order)).toEqual([10, 11, 12, 13, 14, 15, 16, 17])
    expect(rounds.flat().map((t) => t.model.axes.seen)).toEqual([0, 0, 0, 0, 0, 2, 2, 4])
    expect(rounds.flat().every((t) => t.fold === 1 && t.seed === Rng.make(3).seedFor(t.key))).toBe(true)
  })

  it("dies when a row of an earlier round is missing, and checks searches before the run", async () => {
    const exit = await Effect.runPromiseExit(Adaptive.round(studyOf(probe(4, 2)), 1, new Map(), Rng.make(3), 0))
    expect(exit._tag).toBe("Failure")
    const bad = await Effect.runPromiseExit(Adaptive.check({ ...studyOf(probe(4, 2)), searches: [{ ...probe(4, 2), task: "nope" }] }, 3))
    expect(String(bad)).toContain(`runs on task "nope", which the study does not have (tasks: moons)`)
    const fold = await Effect.runPromiseExit(Adaptive.check(studyOf({ ...probe(4, 2), fold: 3 }), 3))
    expect(String(fold)).toContain("fold 3, but the split has folds 0…2")
  })
})

describe("Batch.propose: a round under the sampler's pending rule", () => {
  const s = space("svm", hpo.defaults)
  const finished: Array<Sampler.Trial> = Array.from({ length: 12 }, (_, i) => {
    const params = Sampler.next(Tpe.sampler(), s, [], [], 100 + i)
    return { params, status: "complete", value: Math.abs(Math.log(params.C as number) - 1) + Math.abs(Math.log(params.sigma as number)) }
  })

  it("is the serial proposal for one point, and each round is a prefix of a longer one", () => {
    const tpe = Tpe.sampler({ nStartupTrials: 5 })
    expect(Batch.propose(tpe, s, finished, 1, 4)).toEqual([Sampler.next(tpe, s, finished, [], 4)])
    expect(Batch.propose(tpe, s, finished, 3, 4).slice(0, 2)).toEqual(Batch.propose(tpe, s, finished, 2, 4))
  })

  it("shows TPE the round's earlier points as the worst value (constant liar): the second point is what TPE proposes after that lie", () => {
    const tpe = Tpe.sampler({ nStartupTrials: 5 })
    const [first, second] = Batch.propose(tpe, s, finished, 2, 4)
    const lie = Math.max(...finished.map((t) => t.value!))
    expect(second).toEqual(Sampler.next(tpe, s, [...finished, { params: first, status: "complete", value: lie }], [], 4))
    // Power: told the first point was the best instead, TPE proposes elsewhere.
    expect(second).not.toEqual(Sampler.next(tpe, s, [...finished, { params: first, status: "complete", value: -1 }], [], 4))
  })
})

describe("SearchHistory: incumbents from stored rows", () => {
  const row = (trial: number, status: TrialRow["status"], objective: number, logLoss?: number): TrialRow => ({
    order: trial, key: `moons/svm/tpe/r0/o0/trial=${trial}`, task: "moons", model: "svm", family: "svm", axes: { sampler: "tpe", repeat: 0, trial }, fold: 0, seedIndex: 0, seed: 0,
    status, nTrain: 1, nTest: 1, metrics: { objective, ...(logLoss === undefined ? {} : { logLoss, accuracy: 0.9 }) }, info: {}, fitSeconds: 0
  })

  it("never makes a pruned trial the incumbent; ties keep the earlier; optimism = outer − inner", () => {
    const [search] = SearchHistory.group([row(2, "ok", 0.3, 0.5), row(0, "ok", 0.4, 0.45), row(1, "pruned", 0.1), row(3, "ok", 0.3, 0.2)])
    expect(search.rows.map((r) => r.axes.trial)).toEqual([0, 1, 2, 3])
    expect(SearchHistory.bestSoFar(search).map((s) => [s.inner, s.outer, s.at])).toEqual([[0.4, 0.45, 1], [0.4, 0.45, 1], [0.3, 0.5, 3], [0.3, 0.5, 3]])
    const summary = SearchHistory.summary([search])
    assertClose(summary.optimism.mean, 0.2, { rtol: 1e-12 })
    expect(summary.pruned).toBe(0.25)
  })
})

describe("ParallelCoordinates", () => {
  const s = space("mlp", hpo.defaults)
  const trials = [
    { params: { width: 8, depth: 2, learningRate: 0.01, batchSize: 32, weightDecay: 1e-4, optimizer: "adam" }, value: 0.3 },
    { params: { width: 16, depth: 1, learningRate: 0.1, batchSize: 16, weightDecay: 1e-3, optimizer: "momentum", momentum: 0.9 }, value: 0.2 },
    { params: { width: 4, depth: 3, learningRate: 0.001, batchSize: 64, weightDecay: 1e-5, optimizer: "sgd" }, value: Number.NaN }
  ]

  it("draws one line per trial with a finite value, the best last and thickest, broken at inactive parameters", () => {
    const svg = ParallelCoordinates.render({ title: "t", space: s, trials })
    expect(svg).toBe(ParallelCoordinates.render({ title: "t", space: s, trials }))
    const paths = [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke-width="([\d.]+)"/g)]
    expect(paths).toHaveLength(2)
    expect(paths[1][2]).toBe("2.6")
    expect(paths[1][1].split("M")).toHaveLength(2)
    expect(paths[0][1].split("L")).toHaveLength(6)
    expect(svg).toContain("1 without a finite value omitted")
  })

  it("places a value at its unit coordinate: the best trial's learning rate 0.1 on the log axis", () => {
    const svg = ParallelCoordinates.render({ title: "t", space: s, trials })
    const best = [...svg.matchAll(/<path d="([^"]+)"/g)][1][1]
    const y = Number(best.split("L")[2].split(",")[1])
    const u = Space.toUnit(s, trials[1].params)[2]
    assertClose(y, 64 + (1 - u) * (340 - 64 - 30), { atol: 0.006 })
  })
})
