/**
 * compare: every model family side by side on matched regression and classification tasks, on
 * shared repeated K-fold splits (r × K folds drawn once per task, the same for every model, so
 * every comparison is paired).
 *
 * Models. Regression: GP (RBF, Matérn 5/2; ARD length-scales when d > 1; periodic on 1-d inputs),
 * ε-SVR, a narrow and a wide MLP (MSE), the NNGP posterior and the NTK-GP. Classification: Laplace
 * GP classification (RBF, Matérn 5/2; one-vs-rest beyond two classes), an RBF C-SVC whose C and σ
 * an inner stratified CV of each training part chooses by ROC-AUC (the outer folds never see the
 * choice), a narrow and a wide MLP (softmax cross-entropy), and the NNGP and NTK-GP classifiers
 * (regression on centred one-hot targets; the probability of a class is that of its output
 * having the largest draw from the Gaussian predictive distribution, Predict.classProbabilities).
 * The same model id names the same role on both kinds of task (gp-rbf is "gp" on regression
 * and "gpc" on classification), so ranks compare across tasks.
 *
 * Statistics (src/stats): per task, the Nadeau–Bengio corrected resampled t-test on the r·K
 * paired fold scores of every pair, Holm-adjusted over the pairs, and the Bayesian correlated
 * t-test with a region of practical equivalence; on the held-out predictions of the first repeat
 * (every point once) DeLong's test of ROC-AUCs (binary tasks) and McNemar's test of accuracies,
 * Holm-adjusted; across tasks Friedman's test with Nemenyi's critical difference (Demšar 2006)
 * on the roles every task ran. The primary score is R² for regression (per fold a monotone map
 * of the MSE, and scale-free so one rope serves every task) and ROC-AUC for classification.
 *
 * Convention: features (and regression targets) are standardised on each training part; scores
 * are on the original scale. A user task (`--task csv:PATH:TARGET:kind`, or `--set tasks=…`) must
 * state its kind, since the models depend on it and the study is planned before data are read.
 */
import { Effect, Schema } from "effect"
import * as path from "node:path"
import type { ConfigError } from "../src/core/Errors.ts"
import * as Task from "../src/data/Task.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as CriticalDifference from "../src/report/CriticalDifference.ts"
import * as Document from "../src/report/Document.ts"
import * as FitWarnings from "../src/report/FitWarnings.ts"
import * as Format from "../src/report/Format.ts"
import * as Reliability from "../src/report/Reliability.ts"
import * as Roc from "../src/report/Roc.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord, StoredTask, TrialRow } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import * as CvPaired from "../src/stats/CvPaired.ts"
import * as DeLong from "../src/stats/DeLong.ts"
import * as Holm from "../src/stats/Holm.ts"
import * as McNemar from "../src/stats/McNemar.ts"
import * as RankTests from "../src/stats/RankTests.ts"

type Kind = "regression" | "classification"

const SYNTHETIC_REGRESSION: ReadonlyArray<string> = ["sine-quadratic", "smooth", "periodic", "rough"]
const SYNTHETIC_CLASSIFICATION: ReadonlyArray<string> = ["moons", "circles", "xor"]
/** The named real data sets, their kind and whether their input is 1-d (co2: the date). */
const REAL: Readonly<Record<string, { readonly kind: Kind; readonly oneD: boolean }>> = {
  co2: { kind: "regression", oneD: true },
  cars: { kind: "regression", oneD: false },
  penguins: { kind: "classification", oneD: false },
  "seattle-weather": { kind: "classification", oneD: false }
}

interface Parsed {
  readonly name: string
  readonly spec: Task.Spec
  readonly kind: Kind
  readonly oneD: boolean
}

/** A file-name-safe task name for a CSV task: csv-<file stem>-<target>. */
const csvName = (file: string, target: string): string =>
  `csv-${path.basename(file).replace(/\.[^.]*$/, "")}-${target}`.replace(/[^A-Za-z0-9_-]+/g, "_")

/** A `tasks` entry as a task of the study, or the reason it is not one. */
const parseTask = (
  text: string,
  p: { readonly nSynthetic: number; readonly noise: number; readonly nClassification: number; readonly classNoise: number; readonly co2Every: number }
): Parsed | string => {
  if (SYNTHETIC_REGRESSION.includes(text)) {
    return { name: text, spec: { task: text, n: p.nSynthetic, noise: p.noise } as Task.Spec, kind: "regression", oneD: true }
  }
  if (SYNTHETIC_CLASSIFICATION.includes(text)) {
    return { name: text, spec: { task: text, n: p.nClassification, noise: p.classNoise } as Task.Spec, kind: "classification", oneD: false }
  }
  if (text === "co2") return { name: text, spec: { task: "co2", every: p.co2Every }, ...REAL.co2 }
  const flag = Effect.runSync(Effect.result(Task.fromFlag(text)))
  if (flag._tag === "Failure") {
    return `${flag.failure.message}; or a synthetic task: ${[...SYNTHETIC_REGRESSION, ...SYNTHETIC_CLASSIFICATION].join(", ")}`
  }
  const spec = flag.success
  if (spec.task === "csv") {
    if (spec.kind === undefined) {
      return `task "${text}": compare picks its models by the task's kind before reading any data; write ${text}:regression or ${text}:classification`
    }
    return { name: csvName(spec.path, spec.target), spec, kind: spec.kind, oneD: false }
  }
  const real = REAL[spec.task]
  return real === undefined ? `task "${text}" is not one compare runs` : { name: spec.task, spec, ...real }
}

const Params = Schema.Struct({
  /** Task names (synthetic, co2, cars, penguins, seattle-weather) and csv:PATH:TARGET:kind strings. */
  tasks: Parameter.NonEmpty(Schema.String),
  folds: Parameter.IntAtLeast(2),
  repeats: Parameter.IntAtLeast(1),
  /** Points and noise sd of the synthetic 1-d regression tasks. */
  nSynthetic: Parameter.IntAtLeast(20),
  noise: Parameter.NonNegative,
  /** Points and noise of the synthetic classification tasks. */
  nClassification: Parameter.IntAtLeast(20),
  classNoise: Parameter.NonNegative,
  /** Keep every co2Every-th month of the CO₂ record. */
  co2Every: Parameter.PositiveInt,
  gpRestarts: Parameter.NonNegativeInt,
  /** The C-SVC's inner-CV grid. */
  svmCs: Parameter.NonEmpty(Parameter.Positive),
  svmSigmas: Parameter.NonEmpty(Parameter.Positive),
  innerFolds: Parameter.IntAtLeast(2),
  /** The ε-SVR's C and ε (σ: scikit-learn's "scale"). */
  svrC: Parameter.Positive,
  svrEpsilon: Parameter.NonNegative,
  narrowWidth: Parameter.PositiveInt,
  wideWidth: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  learningRate: Parameter.Positive,
  /** Family-wise level of the Holm-adjusted tests and of Nemenyi's critical difference. */
  alpha: Parameter.OpenUnit,
  /** Half-widths of the region of practical equivalence: in R² units (regression), ROC-AUC units (classification). */
  ropeR2: Parameter.NonNegative,
  ropeAuc: Parameter.NonNegative,
  /** P(rope) at or above which two models are called practically equivalent. */
  equivalence: Parameter.OpenUnit
}).check(Schema.makeFilter((p) => {
  const issues: Array<Schema.FilterIssue> = []
  const names = new Set<string>()
  p.tasks.forEach((text, i) => {
    const parsed = parseTask(text, p)
    if (typeof parsed === "string") issues.push({ path: ["tasks", i], issue: parsed })
    else if (names.has(parsed.name)) issues.push({ path: ["tasks", i], issue: `task "${text}" is given twice (as ${parsed.name})` })
    else names.add(parsed.name)
  })
  return issues
}))
type Params = typeof Params.Type

/** The roles, in table order, with what each is. */
const ROLES: ReadonlyArray<{ readonly id: string; readonly label: string; readonly group: "GP" | "SVM" | "NN" }> = [
  { id: "gp-rbf", label: "GP RBF", group: "GP" },
  { id: "gp-matern52", label: "GP Matérn 5/2", group: "GP" },
  { id: "gp-periodic", label: "GP periodic", group: "GP" },
  { id: "svm", label: "SVM", group: "SVM" },
  { id: "mlp-narrow", label: "MLP narrow", group: "NN" },
  { id: "mlp-wide", label: "MLP wide", group: "NN" },
  { id: "nngp", label: "NNGP", group: "NN" },
  { id: "ntk", label: "NTK-GP", group: "NN" }
]
const roleLabel = (id: string): string => ROLES.find((r) => r.id === id)?.label ?? id
const roleGroup = (id: string): string => ROLES.find((r) => r.id === id)?.group ?? id

const mlp = (p: Params, width: number) => ({
  width,
  depth: 2,
  activation: "relu",
  optimizer: "adam",
  learningRate: p.learningRate,
  epochs: p.epochs,
  batchSize: 32
})
const infinite = { depth: 2, activation: "relu", ridge: "grid" }

const models = (p: Params, task: Parsed): Array<Study.ModelEntry> => {
  const entry = (id: string, family: string, config: Record<string, unknown>): Study.ModelEntry => ({ id, family, config, axes: { role: roleLabel(id) } })
  if (task.kind === "regression") {
    return [
      entry("gp-rbf", "gp", { kernel: "rbf", ard: true, restarts: p.gpRestarts }),
      entry("gp-matern52", "gp", { kernel: "matern52", ard: true, restarts: p.gpRestarts }),
      ...(task.oneD ? [entry("gp-periodic", "gp", { kernel: "periodic", restarts: p.gpRestarts })] : []),
      entry("svm", "svm", { kind: "svr", C: p.svrC, epsilon: p.svrEpsilon }),
      entry("mlp-narrow", "mlp", mlp(p, p.narrowWidth)),
      entry("mlp-wide", "mlp", mlp(p, p.wideWidth)),
      entry("nngp", "nngp", infinite),
      entry("ntk", "ntk", infinite)
    ]
  }
  return [
    entry("gp-rbf", "gpc", { kernel: "rbf", restarts: p.gpRestarts }),
    entry("gp-matern52", "gpc", { kernel: "matern52", restarts: p.gpRestarts }),
    entry("svm", "svm", { kind: "svc", probability: true, select: { Cs: p.svmCs, sigmas: p.svmSigmas, folds: p.innerFolds } }),
    entry("mlp-narrow", "mlp", mlp(p, p.narrowWidth)),
    entry("mlp-wide", "mlp", mlp(p, p.wideWidth)),
    entry("nngp", "nngp", infinite),
    entry("ntk", "ntk", infinite)
  ]
}

/** Why a family may have no AIC / BIC (stated in the report for the families whose cells are "—"). */
const NO_LIKELIHOOD: Readonly<Record<string, string>> = {
  svm: "hinge and ε-insensitive losses are no likelihood",
  ntk: "the NTK-GP is a trained ensemble with no marginal likelihood",
  nngp: "on classification it regresses one-hot codes, whose Gaussian likelihood is not one of the labels",
  mlp: "the fit reports no likelihood"
}

// ---------------------------------------------------------------------------------------------
// Scores and the paired analysis, from the stored rows

interface Metric {
  readonly key: string
  readonly title: string
  readonly direction: Summary.Direction
  readonly decimals: number
}

const REGRESSION_METRICS: ReadonlyArray<Metric> = [
  { key: "r2", title: "R²", direction: "max", decimals: 3 },
  { key: "rmse", title: "RMSE", direction: "min", decimals: 3 },
  { key: "mae", title: "MAE", direction: "min", decimals: 3 },
  { key: "nll", title: "NLL", direction: "min", decimals: 3 },
  { key: "coverage95", title: "95 % coverage", direction: "max", decimals: 3 }
]
const CLASSIFICATION_METRICS: ReadonlyArray<Metric> = [
  { key: "auc", title: "ROC-AUC", direction: "max", decimals: 3 },
  { key: "accuracy", title: "accuracy", direction: "max", decimals: 3 },
  { key: "logLoss", title: "log-loss", direction: "min", decimals: 3 },
  { key: "brier", title: "Brier", direction: "min", decimals: 3 },
  { key: "ece", title: "ECE", direction: "min", decimals: 3 }
]
const metricsOf = (kind: Kind) => (kind === "regression" ? REGRESSION_METRICS : CLASSIFICATION_METRICS)
const primary = (kind: Kind): Metric => metricsOf(kind)[0]

interface Pair {
  readonly a: string
  readonly b: string
  /** Folds where both finished. */
  readonly folds: number
  readonly mean: number
  readonly p: number
  readonly pHolm: number
  readonly significant: boolean
  readonly bayes: CvPaired.BayesCorrelatedT | undefined
}

interface TaskAnalysis {
  readonly name: string
  readonly kind: Kind
  readonly stored: StoredTask | undefined
  readonly rows: ReadonlyArray<TrialRow>
  readonly summaries: ReadonlyArray<Summary.ModelSummary>
  /** Models in leaderboard order (best mean primary score first; failed ones last). */
  readonly ranked: ReadonlyArray<Summary.ModelSummary>
  readonly pairs: ReadonlyArray<Pair>
  readonly rope: number
}

/** The primary score of `model` per fold (NaN where the trial did not finish), folds 0..J−1. */
const foldScores = (rows: ReadonlyArray<TrialRow>, model: string, metric: string, J: number): Array<number> => {
  const out = new Array<number>(J).fill(Number.NaN)
  for (const r of rows) if (r.model === model && r.status === "ok" && r.seedIndex === 0) out[r.fold] = r.metrics[metric] ?? Number.NaN
  return out
}

const analyse = (p: Params, run: RunRecord, name: string, kind: Kind): TaskAnalysis => {
  const rows = run.rows.filter((r) => r.task === name)
  const metric = primary(kind)
  const summaries = Summary.byModel(rows, [...metricsOf(kind).map((m) => m.key), "aic", "bic", "k", "logLik"])
  const ranked = [...summaries].sort((x, y) => {
    const a = x.mean[metric.key]
    const b = y.mean[metric.key]
    if (!Number.isFinite(a) || !Number.isFinite(b)) return Number(Number.isFinite(b)) - Number(Number.isFinite(a))
    return metric.direction === "max" ? b - a : a - b
  })
  const J = p.folds * p.repeats
  const ok = rows.filter((r) => r.status === "ok")
  const nTrain = Summary.mean(ok.map((r) => r.nTrain))
  const nTest = Summary.mean(ok.map((r) => r.nTest))
  const rope = kind === "regression" ? p.ropeR2 : p.ropeAuc
  const raw: Array<Omit<Pair, "pHolm" | "significant">> = []
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      const a = foldScores(rows, ranked[i].model, metric.key, J)
      const b = foldScores(rows, ranked[j].model, metric.key, J)
      // Oriented so that a positive difference favours a.
      const d = a.map((v, f) => (metric.direction === "max" ? v - b[f] : b[f] - v)).filter(Number.isFinite)
      if (d.length < 2) {
        raw.push({ a: ranked[i].model, b: ranked[j].model, folds: d.length, mean: Number.NaN, p: Number.NaN, bayes: undefined })
        continue
      }
      const t = CvPaired.correctedT(d, { nTrain, nTest })
      raw.push({ a: ranked[i].model, b: ranked[j].model, folds: d.length, mean: t.mean, p: t.p, bayes: CvPaired.bayesCorrelatedT(d, { nTrain, nTest, rope }) })
    }
  }
  const tested = raw.filter((x) => Number.isFinite(x.p))
  const adjusted = Holm.adjust(tested.map((x) => x.p))
  const pairs = raw.map((x): Pair => {
    const k = tested.indexOf(x)
    const pHolm = k < 0 ? Number.NaN : adjusted[k]
    return { ...x, pHolm, significant: pHolm <= p.alpha }
  })
  return { name, kind, stored: run.tasks.get(name), rows, summaries, ranked, pairs, rope }
}

const label = (s: Summary.ModelSummary): string => roleLabel(s.model)

/** The pooled held-out predictions of the first repeat (each point once) of a model, by row index. */
const firstRepeat = (p: Params, run: RunRecord, rows: ReadonlyArray<TrialRow>, model: string) => {
  const byIndex = new Map<number, { readonly y: number; readonly correct: number; readonly score: number | undefined }>()
  for (const r of rows) {
    if (r.model !== model || r.status !== "ok" || r.seedIndex !== 0 || r.fold >= p.folds) continue
    const held = run.heldOut.get(r.key)
    if (held === undefined) continue
    const classes = held.prediction.classes ?? 0
    const probabilities = held.prediction.probabilities ?? []
    held.index.forEach((row, i) => {
      const probs = probabilities.slice(i * classes, (i + 1) * classes)
      const predicted = probs.indexOf(Math.max(...probs))
      const score = held.prediction.decision?.[i] ?? (classes === 2 ? probs[1] : undefined)
      byIndex.set(row, { y: held.y[i], correct: predicted === held.y[i] ? 1 : 0, score })
    })
  }
  return byIndex
}

interface PooledTest {
  readonly a: string
  readonly b: string
  readonly n: number
  readonly delong?: DeLong.DeLong
  readonly mcnemar: McNemar.McNemar
  readonly pDeLongHolm?: number
  readonly pMcNemarHolm: number
}

/** DeLong (binary) and McNemar on the first repeat's pooled out-of-fold predictions, every pair, Holm-adjusted. */
const pooledTests = (p: Params, run: RunRecord, t: TaskAnalysis): ReadonlyArray<PooledTest> => {
  const pooled = new Map(t.ranked.map((s) => [s.model, firstRepeat(p, run, t.rows, s.model)]))
  const raw: Array<Omit<PooledTest, "pDeLongHolm" | "pMcNemarHolm">> = []
  for (let i = 0; i < t.ranked.length; i++) {
    for (let j = i + 1; j < t.ranked.length; j++) {
      const A = pooled.get(t.ranked[i].model)!
      const B = pooled.get(t.ranked[j].model)!
      const common = [...A.keys()].filter((k) => B.has(k)).sort((x, y) => x - y)
      if (common.length === 0) continue
      const mcnemar = McNemar.test(common.map((k) => A.get(k)!.correct), common.map((k) => B.get(k)!.correct))
      const y = common.map((k) => A.get(k)!.y)
      const sa = common.map((k) => A.get(k)!.score)
      const sb = common.map((k) => B.get(k)!.score)
      const binary = t.stored?.classes === 2 && sa.every((v) => v !== undefined) && sb.every((v) => v !== undefined) && new Set(y).size === 2
      const delong = binary ? DeLong.test(y, sa as Array<number>, sb as Array<number>) : undefined
      raw.push({ a: t.ranked[i].model, b: t.ranked[j].model, n: common.length, mcnemar, ...(delong === undefined ? {} : { delong }) })
    }
  }
  const mcHolm = Holm.adjust(raw.map((x) => x.mcnemar.pExact))
  const withDeLong = raw.filter((x) => x.delong !== undefined && Number.isFinite(x.delong.p))
  const dlHolm = Holm.adjust(withDeLong.map((x) => x.delong!.p))
  return raw.map((x, i) => {
    const k = withDeLong.indexOf(x)
    return { ...x, pMcNemarHolm: mcHolm[i], ...(k < 0 ? {} : { pDeLongHolm: dlHolm[k] }) }
  })
}

// ---------------------------------------------------------------------------------------------
// The report

const fmtP = (p: number): string => (Number.isFinite(p) ? (p < 1e-4 ? "< 0.0001" : Format.fixed(p, 4)) : Format.missing)

const leaderboard = (p: Params, t: TaskAnalysis): Document.Block => {
  const metric = primary(t.kind)
  const ranks = Summary.ranks(t.ranked.map((s) => s.mean[metric.key]), metric.direction)
  const beats = (model: string) =>
    t.pairs.filter((x) => x.significant && ((x.a === model && x.mean > 0) || (x.b === model && x.mean < 0))).map((x) => roleLabel(x.a === model ? x.b : x.a))
  const equivalent = (model: string) =>
    t.pairs.filter((x) => (x.a === model || x.b === model) && x.bayes !== undefined && x.bayes.pRope >= p.equivalence).map((x) => roleLabel(x.a === model ? x.b : x.a))
  const ic = (s: Summary.ModelSummary, key: "aic" | "bic") =>
    Number.isFinite(s.mean[key]) ? `${Format.fixed(s.mean[key], 1)} (k = ${Format.number(s.mean.k)})` : Format.missing
  const without = [...new Set(t.ranked.filter((s) => s.ok > 0 && !Number.isFinite(s.mean.aic)).map((s) => s.family))]
  const reasons = without.length === 0 ? "" : `; "—" where the fit has no maximised likelihood with a parameter count (${without.map((f) => `${f}: ${NO_LIKELIHOOD[f] ?? "none reported"}`).join("; ")})`
  return Document.table({
    caption: `${t.name}: mean ± sd over the ${p.repeats} × ${p.folds} folds, ranked by ${metric.title}. "Beats" lists the models it is better than by the Nadeau–Bengio corrected t-test, Holm-adjusted over all pairs at α = ${p.alpha}; "equivalent to" those with P(|Δ${metric.title}| ≤ ${t.rope}) ≥ ${p.equivalence} under the Bayesian correlated t-test. AIC and BIC are means over the folds' training fits, with k the fitted parameters (an MLP's k counts every weight)${reasons}. Times: mean fit and held-out predict seconds.`,
    columns: [
      { key: "rank", title: "rank", align: "right" },
      { key: "model", title: "model" },
      { key: "family", title: "family" },
      ...metricsOf(t.kind).map((m) => ({ key: m.key, title: m.title, align: "right" as const })),
      { key: "aic", title: "AIC", align: "right" },
      { key: "bic", title: "BIC", align: "right" },
      { key: "fit", title: "fit s", align: "right" },
      { key: "predict", title: "predict s", align: "right" },
      { key: "beats", title: "beats" },
      { key: "equivalent", title: "equivalent to" },
      { key: "trials", title: "ok / trials", align: "right" }
    ],
    rows: t.ranked.map((s, i) => {
      const mine = t.rows.filter((r) => r.model === s.model && r.status === "ok")
      return {
        rank: Number.isFinite(ranks[i]) ? ranks[i] : Format.missing,
        model: label(s),
        family: s.family,
        ...Object.fromEntries(metricsOf(t.kind).map((m) => [m.key, Format.meanSd(s.mean[m.key], s.sd[m.key])])),
        aic: ic(s, "aic"),
        bic: ic(s, "bic"),
        fit: Format.significant(Summary.mean(mine.map((r) => r.fitSeconds)), 2),
        predict: Format.significant(Summary.mean(mine.map((r) => Number(r.info.predictSeconds ?? Number.NaN))), 2),
        beats: beats(s.model).join(", ") || Format.missing,
        equivalent: equivalent(s.model).join(", ") || Format.missing,
        trials: `${s.ok} / ${s.trials}`
      }
    })
  })
}

const pairTable = (p: Params, t: TaskAnalysis): Document.Block => {
  const metric = primary(t.kind)
  return Document.table({
    caption: `${t.name}, every pair on ${metric.title} per fold (Δ = A − B, oriented so that > 0 favours A): the corrected t-test's p and its Holm adjustment over the ${t.pairs.length} pairs, and the Bayesian correlated t-test's probabilities that A is better, that they are practically equivalent (|Δ| ≤ ${t.rope}), that B is better.`,
    columns: [
      { key: "a", title: "A" },
      { key: "b", title: "B" },
      { key: "mean", title: `mean Δ${metric.title}`, align: "right" },
      { key: "p", title: "p", align: "right" },
      { key: "holm", title: "p (Holm)", align: "right" },
      { key: "verdict", title: `at α = ${p.alpha}` },
      { key: "right", title: "P(A better)", align: "right" },
      { key: "rope", title: "P(equivalent)", align: "right" },
      { key: "left", title: "P(B better)", align: "right" }
    ],
    rows: t.pairs.map((x) => ({
      a: roleLabel(x.a),
      b: roleLabel(x.b),
      mean: Format.fixed(x.mean, 4),
      p: fmtP(x.p),
      holm: fmtP(x.pHolm),
      verdict: !Number.isFinite(x.pHolm) ? `untested (${x.folds} paired folds)` : x.significant ? (x.mean > 0 ? "A better" : "B better") : "no difference shown",
      right: Format.fixed(x.bayes?.pRight, 3),
      rope: Format.fixed(x.bayes?.pRope, 3),
      left: Format.fixed(x.bayes?.pLeft, 3)
    }))
  })
}

const pooledTable = (p: Params, t: TaskAnalysis, tests: ReadonlyArray<PooledTest>): Document.Block =>
  Document.table({
    caption: `${t.name}: tests on the pooled out-of-fold predictions of the first repeat (each point once). DeLong: ROC-AUCs of the decision values or P(class 1) (binary tasks only); McNemar: exact test of the per-point correctness (b = only A right, c = only B right). Both Holm-adjusted over the pairs.`,
    columns: [
      { key: "a", title: "A" },
      { key: "b", title: "B" },
      { key: "n", title: "points", align: "right" },
      { key: "aucs", title: "AUC A / B" },
      { key: "dl", title: "DeLong p (Holm)", align: "right" },
      { key: "bc", title: "b / c" },
      { key: "mc", title: "McNemar p (Holm)", align: "right" }
    ],
    rows: tests.map((x) => ({
      a: roleLabel(x.a),
      b: roleLabel(x.b),
      n: x.n,
      aucs: x.delong === undefined ? Format.missing : `${Format.fixed(x.delong.auc1, 3)} / ${Format.fixed(x.delong.auc2, 3)}`,
      dl: x.delong === undefined ? Format.missing : `${fmtP(x.delong.p)} (${fmtP(x.pDeLongHolm ?? Number.NaN)})`,
      bc: `${x.mcnemar.b} / ${x.mcnemar.c}`,
      mc: `${fmtP(x.mcnemar.pExact)} (${fmtP(x.pMcNemarHolm)})`
    }))
  })

/** The criteria a task's models are picked by. */
const criteriaFor = (kind: Kind): ReadonlyArray<Criteria.Criterion> =>
  kind === "regression"
    ? [
      { key: "r2", title: "CV R²", direction: "max" },
      { key: "nll", title: "CV NLL", direction: "min" },
      { key: "aic", title: "AIC", direction: "min" },
      { key: "bic", title: "BIC", direction: "min" },
      { key: "rmse", title: "held-out RMSE", direction: "min" }
    ]
    : [
      { key: "auc", title: "CV ROC-AUC", direction: "max" },
      { key: "logLoss", title: "CV log-loss", direction: "min" },
      { key: "aic", title: "AIC", direction: "min" },
      { key: "bic", title: "BIC", direction: "min" },
      { key: "error", title: "held-out error rate", direction: "min" }
    ]

const candidates = (t: TaskAnalysis): Array<Criteria.Candidate> =>
  t.summaries.map((s) => ({ id: s.model, label: label(s), values: { ...s.mean, error: 1 - s.mean.accuracy } }))

interface Across {
  readonly roles: ReadonlyArray<string>
  readonly tasks: ReadonlyArray<TaskAnalysis>
  readonly friedman: RankTests.Friedman | undefined
  readonly nemenyi: RankTests.Nemenyi | undefined
}

/** Friedman and Nemenyi over the roles every analysed task ran with a finite primary score. */
const across = (p: Params, tasks: ReadonlyArray<TaskAnalysis>): Across => {
  const scored = tasks.filter((t) => t.summaries.length > 0)
  const roles = ROLES.map((r) => r.id).filter((id) =>
    scored.length > 0 && scored.every((t) => Number.isFinite(t.summaries.find((s) => s.model === id)?.mean[primary(t.kind).key] ?? Number.NaN))
  )
  if (scored.length < 2 || roles.length < 2) return { roles, tasks: scored, friedman: undefined, nemenyi: undefined }
  // Scores oriented so that higher is better on every task.
  const matrix = scored.map((t) => {
    const m = primary(t.kind)
    return roles.map((id) => {
      const v = t.summaries.find((s) => s.model === id)!.mean[m.key]
      return m.direction === "max" ? v : -v
    })
  })
  const friedman = RankTests.friedman(matrix, { higherIsBetter: true })
  return { roles, tasks: scored, friedman, nemenyi: RankTests.nemenyi(friedman.avgRanks, scored.length, p.alpha) }
}

/** Win / tie / loss of each role against each other over the tasks: a win is a Holm-significant corrected-t difference. */
const winTieLoss = (a: Across) => {
  const cell = (x: string, y: string) => {
    let win = 0
    let tie = 0
    let loss = 0
    for (const t of a.tasks) {
      const pair = t.pairs.find((q) => (q.a === x && q.b === y) || (q.a === y && q.b === x))
      if (pair === undefined || !pair.significant) tie++
      else if ((pair.a === x) === (pair.mean > 0)) win++
      else loss++
    }
    return { win, tie, loss }
  }
  return Document.table({
    caption: `Win / tie / loss of the row's model against the column's over the ${a.tasks.length} tasks: a win is a difference in the task's primary score that the corrected t-test finds at Holm-adjusted α; anything else is a tie.`,
    columns: [{ key: "role", title: "" }, ...a.roles.map((r) => ({ key: r, title: roleLabel(r), align: "center" as const }))],
    rows: a.roles.map((x) => ({
      role: roleLabel(x),
      ...Object.fromEntries(a.roles.map((y) => {
        if (x === y) return [y, Format.missing]
        const c = cell(x, y)
        return [y, `${c.win} / ${c.tie} / ${c.loss}`]
      }))
    }))
  })
}

const taskLine = (t: TaskAnalysis): string => {
  const s = t.stored
  if (s === undefined) return `${t.name}: not stored`
  if (s.error !== undefined) return `${t.name}: failed to load (${s.error})`
  const missing = s.missing !== undefined && s.missing.dropped > 0 ? `, ${s.missing.dropped} of ${s.missing.rows} rows dropped for missing values` : ""
  return `${t.name}: ${s.kind}, n = ${s.n}${s.kind === "classification" ? `, ${s.classes} classes${s.classNames === undefined ? "" : ` (${s.classNames.join(", ")})`}` : ""}${missing}`
}

/** Findings computed from the analysed tasks. */
const findings = (p: Params, run: RunRecord, tasks: ReadonlyArray<TaskAnalysis>, a: Across): Array<string> => {
  const out: Array<string> = []
  for (const t of tasks) {
    const m = primary(t.kind)
    const [first, second] = t.ranked
    if (first === undefined || !Number.isFinite(first.mean[m.key])) {
      out.push(`**${t.name}**: no model finished a trial${t.stored?.error === undefined ? "" : ` (the task failed to load: ${t.stored.error})`}.`)
      continue
    }
    const pair = second === undefined ? undefined : t.pairs.find((x) => x.a === first.model && x.b === second.model)
    const margin = second === undefined ? "" : ` ahead of ${label(second)} (${Format.fixed(second.mean[m.key], 3)}) by ${Format.fixed(Math.abs(first.mean[m.key] - second.mean[m.key]), 3)}`
    const verdict = pair === undefined || !Number.isFinite(pair.pHolm)
      ? ""
      : pair.significant
      ? `, a difference the corrected t-test finds (Holm p = ${fmtP(pair.pHolm)})`
      : `, a difference the corrected t-test does not establish (Holm p = ${fmtP(pair.pHolm)}; P(equivalent within ${t.rope}) = ${Format.fixed(pair.bayes?.pRope, 2)})`
    const beaten = t.pairs.filter((x) => x.a === first.model && x.significant && x.mean > 0).length
    out.push(`**${t.name}** (${t.kind}): ${label(first)} leads on ${m.title} with ${Format.meanSd(first.mean[m.key], first.sd[m.key])}${margin}${verdict}; it is significantly better than ${beaten} of the other ${t.ranked.length - 1} models.`)
  }
  // Which group wins on which kind of task.
  for (const kind of ["regression", "classification"] as const) {
    const mine = tasks.filter((t) => t.kind === kind && t.ranked.length > 0 && Number.isFinite(t.ranked[0].mean[primary(kind).key]))
    if (mine.length === 0) continue
    const winners = mine.map((t) => roleGroup(t.ranked[0].model))
    const counts = ["GP", "SVM", "NN"].map((g) => [g, winners.filter((w) => w === g).length] as const).filter(([, c]) => c > 0)
    const group = (g: string) => (g === "NN" ? "a neural-network model (MLP, NNGP or NTK-GP)" : g === "SVM" ? "the SVM" : "a GP")
    out.push(`Leaders on ${kind}: ${counts.map(([g, c]) => `${group(g)} on ${c} of ${mine.length} task${mine.length === 1 ? "" : "s"}`).join(", ")}.`)
  }
  // Where the GP and NN families disagree: the best of each group per task.
  const disagreements: Array<string> = []
  for (const t of tasks) {
    const m = primary(t.kind)
    const best = (group: string) => t.ranked.find((s) => roleGroup(s.model) === group && Number.isFinite(s.mean[m.key]))
    const gp = best("GP")
    const nn = best("NN")
    if (gp === undefined || nn === undefined) continue
    const pair = t.pairs.find((x) => (x.a === gp.model && x.b === nn.model) || (x.a === nn.model && x.b === gp.model))
    const gpAhead = t.ranked.indexOf(gp) < t.ranked.indexOf(nn)
    const [lead, lag] = gpAhead ? [gp, nn] : [nn, gp]
    disagreements.push(`on ${t.name} ${label(lead)} (${Format.fixed(lead.mean[m.key], 3)}) is ahead of ${label(lag)} (${Format.fixed(lag.mean[m.key], 3)}) by ${Format.fixed(Math.abs(lead.mean[m.key] - lag.mean[m.key]), 3)} ${m.title}${pair?.significant === true ? ", a significant difference" : ", not significant"}`)
  }
  if (disagreements.length > 0) out.push(`The best GP against the best neural-network model: ${disagreements.join("; ")}.`)
  // Where a criterion picks a model the held-out error does not.
  for (const t of tasks) {
    const crit = criteriaFor(t.kind)
    const chosen = Criteria.picks(candidates(t), crit)
    const last = crit[crit.length - 1]
    const heldOut = chosen.get(last.key)
    if (heldOut === undefined) continue
    const ties = candidates(t).filter((c) => c.id !== heldOut.id && c.values[last.key] === heldOut.values[last.key]).length
    const picked = `${heldOut.label}${ties === 0 ? "" : ` (tied with ${ties} other model${ties === 1 ? "" : "s"}; the first in table order is named)`}`
    const differ = crit.slice(0, -1).filter((c) => chosen.get(c.key) !== undefined && chosen.get(c.key)!.id !== heldOut.id)
    out.push(
      differ.length === 0
        ? `${t.name}: every criterion with values picks ${picked}, as the held-out error does.`
        : `${t.name}: the held-out error picks ${picked}, but ${differ.map((c) => `${c.title} picks ${chosen.get(c.key)!.label}`).join(", ")}.`
    )
  }
  // Calibration: the 95 % intervals' coverage (regression) and the ECE (classification), best and worst.
  for (const t of tasks) {
    const key = t.kind === "regression" ? "coverage95" : "ece"
    const scored = t.ranked.filter((s) => Number.isFinite(s.mean[key]))
    if (scored.length < 2) continue
    const off = (s: Summary.ModelSummary) => (t.kind === "regression" ? Math.abs(s.mean[key] - 0.95) : s.mean[key])
    const sorted = [...scored].sort((x, y) => off(x) - off(y))
    const [best, worst] = [sorted[0], sorted[sorted.length - 1]]
    out.push(
      t.kind === "regression"
        ? `${t.name}: the 95 % predictive intervals of ${label(best)} cover ${Format.percent(best.mean[key])} of held-out points, the closest to nominal; ${label(worst)}'s cover ${Format.percent(worst.mean[key])}, the farthest (${scored.length} models with a predictive variance).`
        : `${t.name}: ${label(best)} is the best calibrated (ECE ${Format.fixed(best.mean[key], 3)}), ${label(worst)} the worst (ECE ${Format.fixed(worst.mean[key], 3)}, log-loss ${Format.fixed(worst.mean.logLoss, 3)} against ${Format.fixed(best.mean.logLoss, 3)}).`
    )
  }
  if (a.friedman !== undefined && a.nemenyi !== undefined) {
    const order = a.roles.map((r, i) => [r, a.friedman!.avgRanks[i]] as const).sort((x, y) => x[1] - y[1])
    out.push(`Across the ${a.tasks.length} tasks, average ranks run from ${roleLabel(order[0][0])} (${Format.fixed(order[0][1], 2)}) to ${roleLabel(order[order.length - 1][0])} (${Format.fixed(order[order.length - 1][1], 2)}); Friedman's test gives p = ${fmtP(a.friedman.p)} (Iman–Davenport p = ${fmtP(a.friedman.pF)}) and Nemenyi's critical difference is ${Format.fixed(a.nemenyi.cd, 2)} ranks, so ${a.nemenyi.pairs.length} of the ${(a.roles.length * (a.roles.length - 1)) / 2} pairs differ.`)
  }
  out.push(RunFacts.trialStatus(run.manifest, run.rows))
  return out
}

const taskSection = (p: Params, run: RunRecord, t: TaskAnalysis) =>
  Effect.gen(function*() {
    if (!t.rows.some((r) => r.status === "ok")) {
      return Document.section(`Task: ${t.name}`, [Document.paragraph(`${taskLine(t)}. No trial of this task finished, so it has no scores; the other tasks' trials are unaffected.`)])
    }
    const blocks: Array<Document.Block> = [Document.paragraph(taskLine(t)), leaderboard(p, t), pairTable(p, t)]
    if (t.kind === "classification") {
      blocks.push(pooledTable(p, t, pooledTests(p, run, t)))
      const slug = t.name.replace(/[^A-Za-z0-9_-]+/g, "_")
      if (t.stored?.classes === 2) {
        const curves = t.ranked.filter((s) => s.ok > 0).map((s) => firstRepeatCurve(p, run, t, s))
        const svg = yield* Chart.render(Roc.chart({ title: `ROC curves on ${t.name}`, subtitle: "held-out decision values (or P(class 1)), pooled over the first repeat's folds", curves }))
        blocks.push(Document.figure({ name: `roc-${slug}`, svg, caption: `ROC curves of every model on ${t.name}, each point once.` }))
      } else {
        blocks.push(Document.paragraph(`${t.name} has ${t.stored?.classes ?? "several"} classes: its ROC-AUC is the macro mean of the one-vs-rest AUCs, so no single ROC curve is drawn, and DeLong's test (two classes) is left out.`))
      }
      blocks.push(...(yield* Reliability.blocks(run, {
        name: `reliability-${slug}`,
        title: `Reliability on ${t.name}`,
        caption: `Predicted probability (binary: of class 1; more classes: of the top class) against how often it came true, held-out points of every fold and repeat.`,
        models: t.ranked.map((s) => ({ label: label(s), rows: t.rows.filter((r) => r.model === s.model) }))
      })))
    }
    return Document.section(`Task: ${t.name}`, blocks)
  })

/** A model's ROC curve over the first repeat's held-out predictions (each point once). */
const firstRepeatCurve = (p: Params, run: RunRecord, t: TaskAnalysis, s: Summary.ModelSummary): Roc.Curve => {
  const pooled = firstRepeat(p, run, t.rows, s.model)
  const points = [...pooled.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v).filter((v) => v.score !== undefined)
  const y = points.map((v) => v.y)
  const score = points.map((v) => v.score as number)
  const curve = Metrics.rocCurve(y, score)
  return { label: label(s), model: s.model, fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr), auc: Metrics.rocAuc(y, score), n: y.length }
}

const report = (p: Params, run: RunRecord): Effect.Effect<Document.Document, ConfigError> =>
  Effect.gen(function*() {
    const parsed = p.tasks.map((text) => parseTask(text, p)).filter((x): x is Parsed => typeof x !== "string")
    const tasks = parsed.map((t) => analyse(p, run, t.name, run.tasks.get(t.name)?.kind ?? t.kind))
    const a = across(p, tasks)
    const sections: Array<Document.Section> = []
    for (const t of tasks) sections.push(yield* taskSection(p, run, t))

    const agreement = (["regression", "classification"] as const).flatMap((kind) => {
      const mine = tasks.filter((t) => t.kind === kind && t.summaries.length > 0)
      return mine.length === 0 ? [] : [Criteria.table({
        caption: `${kind}: the model each criterion picks per task (its mean over folds). CV scores and the held-out error are means over the ${p.repeats} × ${p.folds} held-out folds; AIC and BIC are means over the folds' training fits, for the families with a maximised likelihood and a parameter count only.`,
        groups: mine.map((t) => ({ label: t.name, candidates: candidates(t) })),
        criteria: criteriaFor(kind),
        groupTitle: "task",
        format: (_, v) => Format.number(v, 4)
      })]
    })
    const acrossBlocks: Array<Document.Block> = [...agreement]
    if (a.friedman !== undefined && a.nemenyi !== undefined) {
      acrossBlocks.push(Document.figure({
        name: "critical-difference",
        svg: CriticalDifference.svg({ title: "Critical-difference diagram", names: a.roles.map(roleLabel), avgRanks: a.friedman.avgRanks, cd: a.nemenyi.cd, nTasks: a.tasks.length, alpha: p.alpha }),
        caption: `Average rank of each model over the ${a.tasks.length} tasks by its primary score (R² or ROC-AUC); thick bars join models whose average ranks differ by less than Nemenyi's critical difference. Only models every task ran are ranked.`
      }))
      acrossBlocks.push(winTieLoss(a))
    } else {
      acrossBlocks.push(Document.paragraph(`No cross-task ranking: it needs at least two tasks with at least two models that finished on every one (here ${a.tasks.length} task(s), ${a.roles.length} such model(s)).`))
    }

    return Document.make({
      title: "compare: GPs, SVMs and neural networks on shared folds",
      intro: `Every family on the same ${p.repeats} × ${p.folds} repeated ${p.folds}-fold splits of each task (stratified for classification), so every comparison is paired. Tasks: ${tasks.map(taskLine).join("; ")}. The primary score is R² for regression and ROC-AUC for classification (binary: from decision values, or P(class 1) where a model has none; more classes: macro one-vs-rest). The C-SVC chooses C ∈ {${p.svmCs.join(", ")}} and σ ∈ {${p.svmSigmas.join(", ")}} by a ${p.innerFolds}-fold inner CV on each training part; the ε-SVR uses C = ${p.svrC}, ε = ${p.svrEpsilon} and σ by scikit-learn's "scale" rule; MLPs have 2 hidden ReLU layers of width ${p.narrowWidth} (narrow) or ${p.wideWidth} (wide), Adam at ${p.learningRate} for ${p.epochs} epochs; NNGP and NTK-GP share that architecture at infinite width, their ridge chosen on a grid (NNGP by marginal likelihood, NTK-GP by leave-one-out). NNGP and NTK-GP classifiers regress centred one-hot targets and give each class the probability that its output has the largest draw from the predictive Gaussian.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings(p, run, tasks, a))]),
        ...sections,
        Document.section("Across tasks", acrossBlocks),
        FitWarnings.section(run.rows),
        RunFacts.section(run.manifest)
      ]
    })
  })

export default Experiment.define({
  name: "compare",
  title: "Every family on matched regression and classification tasks, on shared folds",
  description: "GPs, SVMs, MLPs, NNGP and NTK-GP on the same repeated K-fold splits of regression and classification tasks (user CSVs too), with leaderboards, corrected and Bayesian paired tests, DeLong, McNemar, criterion agreement and a critical-difference diagram.",
  params: Params,
  defaults: {
    tasks: ["sine-quadratic", "co2", "cars", "moons", "penguins"],
    folds: 5,
    repeats: 2,
    nSynthetic: 150,
    noise: 0.3,
    nClassification: 300,
    classNoise: 0.3,
    co2Every: 3,
    gpRestarts: 1,
    svmCs: [0.1, 1, 10, 100],
    svmSigmas: [0.3, 1, 3],
    innerFolds: 3,
    svrC: 1,
    svrEpsilon: 0.1,
    narrowWidth: 16,
    wideWidth: 256,
    epochs: 100,
    learningRate: 0.01,
    alpha: 0.05,
    ropeR2: 0.01,
    ropeAuc: 0.01,
    equivalence: 0.95
  },
  profiles: {
    quick: {
      tasks: ["sine-quadratic", "moons"],
      folds: 3,
      repeats: 1,
      nSynthetic: 45,
      nClassification: 60,
      gpRestarts: 0,
      svmCs: [1, 10],
      svmSigmas: [0.5, 2],
      innerFolds: 2,
      narrowWidth: 8,
      wideWidth: 64,
      epochs: 15
    },
    full: {
      tasks: ["sine-quadratic", "co2", "cars", "moons", "penguins", "seattle-weather"],
      folds: 10,
      repeats: 10,
      nSynthetic: 300,
      nClassification: 600,
      co2Every: 2,
      gpRestarts: 3,
      svmCs: [0.01, 0.1, 1, 10, 100, 1000],
      svmSigmas: [0.1, 0.3, 1, 3, 10],
      innerFolds: 5,
      wideWidth: 1024,
      epochs: 300
    }
  },
  seed: 0,
  study: (p) => {
    const parsed = p.tasks.map((text) => parseTask(text, p)).filter((x): x is Parsed => typeof x !== "string")
    return {
      tasks: parsed.map((t) => ({ name: t.name, spec: t.spec, models: models(p, t) })),
      split: { kind: "kfold", folds: p.folds, repeats: p.repeats },
      seeds: 1,
      keepPredictions: true,
      models: []
    }
  },
  report
})
