/**
 * The shared report sections, from rows and runs built in memory: each asserts the numbers and
 * the structure a hand computation gives (which model a criterion picks, how many trials the
 * status sentence counts, the band around the stored mean, the stored truth under it), and each
 * has a case a wrong implementation would fail (a flipped direction, a diverged trial averaged
 * in, a redrawn truth, a warning parsed from its sentence).
 */
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import type { FitWarning, Hyperparameter } from "../src/models/FitFacts.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as DecisionSurface from "../src/report/DecisionSurface.ts"
import * as Document from "../src/report/Document.ts"
import * as FitWarnings from "../src/report/FitWarnings.ts"
import * as Heatmap from "../src/report/Heatmap.ts"
import * as Hyperparameters from "../src/report/Hyperparameters.ts"
import * as ModelTable from "../src/report/ModelTable.ts"
import * as PosteriorBand from "../src/report/PosteriorBand.ts"
import * as Roc from "../src/report/Roc.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, StoredTask, TrialRow } from "../src/results/Run.ts"
import { assertClose } from "./support/assertClose.ts"
import { manifest, row, runRecord } from "./support/runRecord.ts"

const withMetrics = (r: TrialRow, metrics: Record<string, number>, extra: Partial<TrialRow> = {}): TrialRow => ({ ...r, metrics, ...extra })

const tableOf = (block: Document.Block) => {
  if (block.kind !== "table") throw new Error(`expected a table, got ${block.kind}`)
  return block
}

describe("Summary helpers", () => {
  it("median of the finite values, the middle two averaged", () => {
    expect(Summary.median([3, 1, 2])).toBe(2)
    expect(Summary.median([4, 1, Number.NaN, 2, 3])).toBe(2.5)
    expect(Summary.median([Number.NaN])).toBeNaN()
  })
  it("ranks by direction, ties sharing the better rank, NaN left unranked", () => {
    expect(Summary.ranks([0.3, 0.1, 0.3, Number.NaN], "min")).toEqual([2, 1, 2, Number.NaN])
    expect(Summary.ranks([0.3, 0.1, 0.3, Number.NaN], "max")).toEqual([1, 3, 1, Number.NaN])
  })
  it("argBest takes the first best finite value; finiteMean skips NaN", () => {
    expect(Summary.argBest([Number.NaN, 2, 1, 1], "min")).toBe(2)
    expect(Summary.argBest([Number.NaN, 2, 1, 1], "max")).toBe(1)
    expect(Summary.argBest([Number.NaN], "max")).toBeUndefined()
    expect(Summary.finiteMean([1, Number.NaN, 3])).toBe(2)
  })
})

describe("RunFacts.trialStatus", () => {
  const m = { ...manifest, sessions: [{ startedAt: "", jobs: 1, backend: "cpu", trialsRun: 4, status: "complete" as const, wallSeconds: 3.2 }] }
  it("says every trial finished when none diverged or failed", () => {
    const rows = [row("a"), row("b")]
    expect(RunFacts.trialStatus({ ...m, trialCount: 2 }, rows)).toBe("All 2 trials finished. The run took 3.2 s of wall time.")
  })
  it("counts diverged and failed trials apart and quotes the first failure (escaped for markup)", () => {
    const rows = [
      row("a", { fold: 0 }),
      { ...row("a", { fold: 1, status: "diverged" }), error: "loss NaN" },
      { ...row("b", { fold: 0, status: "failed" }), error: "NumericalError: K is not PD; raise *jitter*" },
      { ...row("b", { fold: 1, status: "failed" }), error: "second" }
    ]
    expect(RunFacts.trialStatus({ ...m, trialCount: 4 }, rows)).toBe(
      "1 of 4 trials diverged and 2 failed (first failure: task/b/fold=0/seed=0: NumericalError: K is not PD; raise \\*jitter\\*). The run took 3.2 s of wall time."
    )
    expect(RunFacts.trialStatus({ ...m, trialCount: 2 }, rows.slice(0, 2))).toBe(
      "1 of 2 trials diverged (first divergence: task/a/fold=1/seed=0: loss NaN). The run took 3.2 s of wall time."
    )
  })
  it("says how many planned trials have no stored result in an interrupted run", () => {
    expect(RunFacts.trialStatus({ ...m, trialCount: 5, status: "interrupted" }, [row("a"), row("b")])).toBe(
      "All 2 trials finished. 3 of the 5 planned trials have no stored result (run status: interrupted). The run took 3.2 s of wall time."
    )
  })
})

describe("ModelTable.table", () => {
  const rows = [
    withMetrics(row("a", { fold: 0 }), { rmse: 1 }),
    withMetrics(row("a", { fold: 1 }), { rmse: 3 }),
    withMetrics(row("b", { fold: 0 }), { rmse: 0.5 }),
    withMetrics(row("b", { fold: 1, status: "diverged" }), { rmse: 1e9 })
  ]
  it("shows mean ± sd over the ok trials and how many trials finished", () => {
    const t = tableOf(ModelTable.table({
      summaries: Summary.byModel(rows, ["rmse"]),
      columns: [{ metric: "rmse", title: "RMSE" }, { key: "fit", title: "fit s", value: (s) => s.fitSeconds }]
    }))
    expect(t.columns.map((c) => c.title)).toEqual(["model", "RMSE", "fit s", "ok / trials"])
    // a: mean 2, sd √2; b: the diverged 1e9 is not averaged in
    expect(t.rows).toEqual([
      { __model: "a", rmse: "2.0 ± 1.4", fit: 0, __trials: "2 / 2" },
      { __model: "b", rmse: "0.5", fit: 0, __trials: "1 / 2" }
    ])
  })
})

describe("Criteria", () => {
  const candidates: Array<Criteria.Candidate> = [
    { id: "rbf", label: "RBF", values: { logLik: -10, rmse: 0.30, truth: Number.NaN } },
    { id: "m12", label: "Matérn ½", values: { logLik: -12, rmse: 0.25, truth: Number.NaN } },
    { id: "per", label: "periodic", values: { logLik: -9, rmse: 0.40, truth: Number.NaN } }
  ]
  const criteria: Array<Criteria.Criterion> = [
    { key: "logLik", title: "max LML", short: "LML", direction: "max" },
    { key: "rmse", title: "min CV RMSE", direction: "min" },
    { key: "truth", title: "min RMSE to f", direction: "min" }
  ]
  it("picks the largest for max and the smallest for min; nothing where no value is finite", () => {
    const chosen = Criteria.picks(candidates, criteria)
    expect(chosen.get("logLik")?.id).toBe("per")
    expect(chosen.get("rmse")?.id).toBe("m12")
    expect(chosen.get("truth")).toBeUndefined()
    expect(Criteria.agree(chosen, ["logLik", "rmse"])).toBe(false)
    expect(Criteria.agree(chosen, ["logLik", "truth"])).toBe(true)
    expect(Criteria.agree(chosen, ["truth"])).toBe(false)
    expect(Criteria.pickedBy(candidates[2], chosen, criteria)).toEqual(["max LML"])
    expect(Criteria.used(candidates, criteria).map((c) => c.key)).toEqual(["logLik", "rmse"])
  })
  it("tables the pick of each criterion with its value, per group", () => {
    const t = tableOf(Criteria.table({ groups: [{ label: "smooth", candidates }], criteria, groupTitle: "task" }))
    expect(t.columns.map((c) => c.title)).toEqual(["task", "max LML", "min CV RMSE", "min RMSE to f"])
    expect(t.rows).toEqual([{ __group: "smooth", logLik: "periodic (-9)", rmse: "Matérn ½ (0.25)", truth: "—" }])
  })
  it("ranks every candidate under each used criterion in the heatmap", () => {
    const h = Criteria.rankHeatmap({ title: "ranks", candidates, criteria })
    expect(h.data).toEqual([
      { criterion: "LML", candidate: "RBF", rank: 2 },
      { criterion: "LML", candidate: "Matérn ½", rank: 3 },
      { criterion: "LML", candidate: "periodic", rank: 1 },
      { criterion: "min CV RMSE", candidate: "RBF", rank: 2 },
      { criterion: "min CV RMSE", candidate: "Matérn ½", rank: 1 },
      { criterion: "min CV RMSE", candidate: "periodic", rank: 3 }
    ])
  })
})

describe("Heatmap.chart", () => {
  it("places each model's mean by two of its axes", () => {
    const rows = [
      withMetrics(row("c1-s1", { axes: { C: 1, sigma: 0.1 }, fold: 0 }), { auc: 0.8 }),
      withMetrics(row("c1-s1", { axes: { C: 1, sigma: 0.1 }, fold: 1 }), { auc: 0.9 }),
      withMetrics(row("c10-s1", { axes: { C: 10, sigma: 0.1 } }), { auc: 0.7 })
    ]
    const h = Heatmap.chart({ title: "AUC", summaries: Summary.byModel(rows, ["auc"]), x: { axis: "sigma" }, y: { axis: "C", order: [10, 1] }, metric: "auc" })
    expect(h.data.map((d) => [d.C, d.sigma])).toEqual([["1", "0.1"], ["10", "0.1"]])
    assertClose(h.data.map((d) => d.auc as number), [0.85, 0.7], { rtol: 1e-12 })
    expect(h.y.order).toEqual(["10", "1"])
  })
})

describe("Roc.curves", () => {
  const f0 = row("svc", { fold: 0 })
  const f1 = row("svc", { fold: 1 })
  const other = row("other", { fold: 0 })
  const run = runRecord({
    rows: [f0, f1, other],
    heldOut: [
      [f0, { index: [0, 1], y: [1, 0], prediction: { decision: [2, -1] } }],
      [f1, { index: [2, 3], y: [1, 0], prediction: { decision: [0.5, 1] } }],
      [other, { index: [0, 1], y: [0, 1], prediction: { classes: 2, probabilities: [0.9, 0.1, 0.2, 0.8] } }]
    ]
  })
  it("pools the held-out decision values of the model's trials and scores them together", () => {
    const [c] = Roc.curves(run, [{ label: "svc", model: "svc" }])
    // positives score 2 and 0.5, negatives −1 and 1: pairs won 2 (vs −1) ×2, 0.5 vs −1 won, 0.5 vs 1 lost → 3/4
    expect(c.n).toBe(4)
    assertClose(c.auc, 0.75)
    expect(c.fpr[0]).toBe(0)
    expect(c.tpr[c.tpr.length - 1]).toBe(1)
  })
  it("gives an empty curve with NaN AUC for a model with no stored held-out predictions", () => {
    expect(Roc.curves(runRecord({ rows: [f0] }), [{ label: "svc", model: "svc" }])).toEqual([{ label: "svc", model: "svc", fpr: [], tpr: [], auc: Number.NaN, n: 0 }])
  })
  it("falls back to P(class 1) when a trial stored no decision values", () => {
    const [c] = Roc.curves(run, [{ label: "o", model: "other" }])
    expect(c.n).toBe(2)
    expect(c.auc).toBe(1)
  })
})

const moonsTask: StoredTask = {
  name: "moons",
  kind: "classification",
  classes: 2,
  n: 3,
  probe: [[0, 0], [1, 0], [0, 1], [1, 1]],
  X: [[0.1, 0.2], [0.9, 0.8], [0.5, 0.5]],
  y: [0, 1, 1],
  folds: [{ train: [0, 1], test: [2] }]
}
const withTasks = (run: RunRecord, tasks: ReadonlyArray<StoredTask>): RunRecord => ({ ...run, tasks: new Map(tasks.map((t) => [t.name, t])) })

describe("Stored", () => {
  const run = withTasks(runRecord({ rows: [] }), [moonsTask, { name: "probeOnly", probe: [[0]] }, { name: "broken", error: "DataError: no such file" }])
  it("gives a task's data, folds and probe as stored", async () => {
    const t = await Effect.runPromise(Stored.dataAndProbe(run, "moons"))
    expect(t.X).toEqual(moonsTask.X)
    expect(t.probe).toEqual(moonsTask.probe)
    expect(t.folds[0].train).toEqual([0, 1])
  })
  it("fails with a ConfigError that says what is missing and to re-run", async () => {
    const message = async (e: Effect.Effect<unknown, { message: string }>) => {
      const exit = await Effect.runPromiseExit(e)
      if (Exit.isSuccess(exit)) throw new Error("expected a failure")
      return String(exit.cause)
    }
    expect(await message(Stored.data(runRecord({ rows: [] }), "moons"))).toContain(`has no stored data for task "moons": it was stored before runs stored their tasks; re-run it`)
    expect(await message(Stored.probe(run, "broken"))).toContain("DataError: no such file")
    expect(await message(Stored.dataAndProbe(run, "probeOnly"))).toContain(`without its data points (its study did not set keepData)`)
    expect(await message(Stored.task(run, "circles"))).toContain(`has no stored task "circles" (it stored "moons", "probeOnly", "broken")`)
    expect(await message(Stored.task(run, "broken"))).toContain("could not be loaded when the run ran (DataError: no such file)")
  })
})

describe("DecisionSurface", () => {
  const task = { ...moonsTask, X: moonsTask.X!, y: moonsTask.y!, folds: moonsTask.folds!, probe: moonsTask.probe! }
  it("shades the probe grid with the stored decision values, clipped, under the stored points", async () => {
    const chart = await Effect.runPromise(DecisionSurface.chart({ title: "t", task, prediction: { decision: [-5, 0.5, 1, 3] }, value: "decision", clip: 2 }))
    expect(chart.background?.data).toEqual([{ x1: 0, x2: 0, f: -2 }, { x1: 1, x2: 0, f: 0.5 }, { x1: 0, x2: 1, f: 1 }, { x1: 1, x2: 1, f: 2 }])
    expect(chart.background?.domain).toEqual([-2, 2])
    expect(chart.data).toEqual([{ x1: 0.1, x2: 0.2, class: "class 0" }, { x1: 0.9, x2: 0.8, class: "class 1" }, { x1: 0.5, x2: 0.5, class: "class 1" }])
  })
  it("shades P(class 1) on [0, 1] and draws only the rows asked for", async () => {
    const chart = await Effect.runPromise(
      DecisionSurface.chart({ title: "t", task, prediction: { classes: 2, probabilities: [0.9, 0.1, 0.6, 0.4, 0.5, 0.5, 0, 1] }, value: "probability", points: [2] })
    )
    expect(chart.background?.data.map((d) => d.f)).toEqual([0.1, 0.4, 0.5, 1])
    expect(chart.data).toHaveLength(1)
  })
  it("refuses a 1-d task", async () => {
    const exit = await Effect.runPromiseExit(DecisionSurface.chart({ title: "t", task: { ...task, probe: [[0], [1]], X: [[0], [1], [2]] }, prediction: undefined, value: "decision" }))
    expect(Exit.isFailure(exit)).toBe(true)
  })
})

describe("PosteriorBand", () => {
  // The stored truth deliberately differs from any closed form: the band must show what the run stored.
  const task = { name: "smooth", probe: [[-1], [0], [1]], truth: [0.7, -0.2, 0.1], X: [[-0.5], [0.5]], y: [1, 2], folds: [{ train: [1], test: [0] }] }
  it("draws mean ± 2 sd from the stored variance and the stored truth at the probe", () => {
    const rows = PosteriorBand.rows(task, { label: "RBF", prediction: { mean: [1, 2, 3], variance: [0.25, 1, 4] } })
    const band = rows.filter((r) => r.series === PosteriorBand.bandSeries)
    expect(band.map((r) => [r.x, r.y, r.lo, r.hi])).toEqual([[-1, 1, 0, 2], [0, 2, 0, 4], [1, 3, -1, 7]])
    expect(rows.filter((r) => r.series === PosteriorBand.truthSeries).map((r) => r.y)).toEqual([0.7, -0.2, 0.1])
    expect(PosteriorBand.rows({ ...task, truth: undefined }, { label: "RBF", prediction: undefined }).every((r) => r.series === PosteriorBand.bandSeries)).toBe(true)
  })
  it("puts the chosen stored points under each panel and refuses a 2-d task", async () => {
    const chart = await Effect.runPromise(PosteriorBand.chart({ title: "t", task, panels: [{ label: "A", prediction: undefined, points: [1] }, { label: "B", prediction: undefined }] }))
    expect(chart.chart.kind === "line" ? chart.chart.overlay?.data : undefined).toEqual([{ x: 0.5, y: 2, panel: "A" }, { x: -0.5, y: 1, panel: "B" }, { x: 0.5, y: 2, panel: "B" }])
    const exit = await Effect.runPromiseExit(PosteriorBand.chart({ title: "t", task: { ...task, probe: [[0, 0]] }, panels: [] }))
    expect(Exit.isFailure(exit)).toBe(true)
  })
})

describe("FitWarnings", () => {
  // The messages say nothing the fields do not: a report that parsed them would find nothing.
  const atBound = (parameter: string, side: "lower" | "upper"): FitWarning => ({ code: "AtBound", parameter, side, bound: 1e-5, value: 1e-5, message: "see the fields" })
  const rows: Array<TrialRow> = [
    { ...row("gp-rq", { fold: 0 }), task: "smooth", warnings: [atBound("alpha", "upper"), { code: "Jitter", value: 1e-6, message: "j" }] },
    { ...row("gp-rq", { fold: 1 }), task: "rough", warnings: [atBound("alpha", "upper")] },
    { ...row("gp-rbf", { fold: 0 }), task: "smooth", warnings: [] },
    row("gp-rbf", { fold: 1 })
  ]
  it("groups warnings by model, code, parameter and side, counting trials and tasks", () => {
    expect(FitWarnings.groups(rows)).toEqual([
      { model: "gp-rq", code: "AtBound", parameter: "alpha", side: "upper", count: 2, tasks: ["smooth", "rough"] },
      { model: "gp-rq", code: "Jitter", parameter: undefined, side: undefined, count: 1, tasks: ["smooth"] }
    ])
  })
  it("says how many fits warned, and that rows without recorded warnings are not 'no warning'", () => {
    expect(FitWarnings.sentence(rows)).toBe(
      "2 of 3 fits raised a warning (1 of 4 trials were stored before warnings were recorded): gp-rq: alpha at its upper bound in 2 fits (smooth, rough); gp-rq: jitter added to factor the kernel matrix in 1 fit (smooth)."
    )
    expect(FitWarnings.sentence([rows[2]])).toBe("No fit of 1 raised a warning.")
    expect(FitWarnings.sentence([rows[3], rows[3]])).toBe("The 2 trials were stored before warnings were recorded: whether any fit warned is unknown.")
  })
  it("tables every warning from its fields", () => {
    const t = tableOf(FitWarnings.table(rows))
    expect(t.rows.map((r) => [r.trial, r.code, r.parameter, r.side, r.value, r.bound])).toEqual([
      ["smooth / gp-rq / fold 0", "AtBound", "alpha", "upper", "1.00e-5", "1e-5"],
      ["smooth / gp-rq / fold 0", "Jitter", "—", "—", "1.00e-6", "—"],
      ["rough / gp-rq / fold 1", "AtBound", "alpha", "upper", "1.00e-5", "1e-5"]
    ])
  })
})

describe("Hyperparameters", () => {
  const hs: Array<Hyperparameter> = [
    { name: "amplitude", value: 2, role: "variance" },
    { name: "lengthScale", value: 0.5, role: "lengthScale" },
    { name: "alpha", value: 3, role: "other" }
  ]
  const fit = (fold: number, ySd: number, xSd: number): TrialRow => ({
    ...row("gp", { fold }),
    hyperparameters: hs,
    standardisation: { xMean: [0], xSd: [xSd], yMean: 0, ySd }
  })
  it("takes each row's values to the original scale with its own standardisation", () => {
    expect(Hyperparameters.originalScale(fit(0, 3, 4))).toEqual([
      { name: "amplitude", role: "variance", value: 18 },
      { name: "lengthScale", role: "lengthScale", value: 2 },
      { name: "alpha", role: "other", value: 3 }
    ])
  })
  it("takes medians over ok rows of the shown values", () => {
    const rows = [fit(0, 1, 1), fit(1, 2, 2), fit(2, 3, 3), { ...fit(3, 100, 100), status: "failed" as const }]
    const medians = Hyperparameters.medians(rows, (h, v) => (h.role === "variance" ? Math.sqrt(v) : v))
    // σ_f = √2·ySd: √2, 2√2, 3√2 → 2√2; ℓ = 0.5·xSd: 0.5, 1, 1.5 → 1
    assertClose(medians.map((m) => m.median), [2 * Math.SQRT2, 1, 3], { rtol: 1e-12 })
    expect(Hyperparameters.of(rows, "lengthScale")).toEqual([0.5, 1, 1.5])
  })
})
