/**
 * model-selection: choosing a polynomial's degree, a GP's kernel, an SVM's C and σ and an MLP's
 * width by every usual criterion — max log-likelihood, min AIC, min BIC, min K-fold CV loss, the
 * one-standard-error rule and nested CV — on shared folds with an untouched test part, and what
 * each pick costs on that test part; with the optimism of non-nested selection measured over
 * repeats (Cawley & Talbot, JMLR 11 (2010) 2079–2107).
 *
 * Design. Each repeat r draws its own split (Split "selection"): an untouched test part T
 * (`testShare` of the rows) and K folds on the rest, the selection part S; every candidate of a
 * family is fitted on the same folds (paired). Per (candidate, repeat): K CV fits (S \ F_k, scored
 * on F_k), K(K−1)/2 pair fits (S \ (F_j ∪ F_k), scored on F_j and on F_k: the inner folds of
 * nested CV), and one refit on S (its log-likelihood, k, AIC and BIC, and its loss on T, the test
 * error of the candidate). Selection is computed in the report from the stored held-out
 * predictions: per repeat, each criterion's pick and the test loss of that pick.
 *
 * Families and losses. Regression (a 1-d synthetic task with known truth): polynomial degree
 * (k = degree + 2, the Gaussian log-likelihood at the MLE noise), GP kernels (each amplitude·k +
 * White fitted by type-II ML; a sum a + b is C₁·a + C₂·b + White, a product a × b is C·a·b + White;
 * log L̂ is the log marginal likelihood, k its free hyperparameters), and MLP width (one hidden
 * layer; log L̂ the training Gaussian log-likelihood at the MLE noise, k every weight and bias plus
 * the noise); loss MSE. Classification (moons): an RBF C-SVC over a C × σ grid (σ in standardised
 * units), loss 1 − ROC-AUC of the decision values; no likelihood, so no LML, AIC or BIC.
 *
 * The 1-SE rule's complexity order: polynomial degree; MLP width; GP kernel by its number of free
 * hyperparameters (ties: the order listed); SVM σ from the largest (smoothest) then C from the
 * smallest (most regularised). Nested CV does not change the model a study ends with (the CV pick
 * refitted on S): it estimates that procedure's loss, and the gap between that estimate and the
 * best CV score is the optimism of non-nested selection.
 */
import { Effect, Schema } from "effect"
import type { ConfigError } from "../src/core/Errors.ts"
import * as Split from "../src/data/Split.ts"
import * as GpRegression from "../src/models/gp/GpRegression.ts"
import type * as Expression from "../src/models/kernels/Expression.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Criteria from "../src/report/Criteria.ts"
import * as Document from "../src/report/Document.ts"
import * as FitWarnings from "../src/report/FitWarnings.ts"
import * as Format from "../src/report/Format.ts"
import * as Heatmap from "../src/report/Heatmap.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Stored from "../src/report/Stored.ts"
import * as Summary from "../src/report/Summary.ts"
import type { HeldOut, RunRecord, TrialRow } from "../src/results/Run.ts"
import * as Metrics from "../src/scoring/Metrics.ts"
import * as Selection from "../src/scoring/Selection.ts"
import * as Regret from "../src/search/Regret.ts"

const regressionTasks = ["sine-quadratic", "smooth", "periodic"] as const
const baseKernels = GpRegression.kernelFamilies

/** A GP candidate: one base kernel, or a sum or product of two ("rbf+periodic", "rbf*periodic"). */
const parseKernel = (text: string): { readonly a: GpRegression.KernelFamily; readonly op?: "+" | "*"; readonly b?: GpRegression.KernelFamily } | string => {
  const m = /^([a-z0-9]+)(?:([+*])([a-z0-9]+))?$/.exec(text)
  const known = (s: string | undefined): s is GpRegression.KernelFamily => s !== undefined && (baseKernels as ReadonlyArray<string>).includes(s)
  if (m === null || !known(m[1]) || (m[2] !== undefined && !known(m[3]))) {
    return `"${text}" is not a kernel: write a base kernel (${baseKernels.join(", ")}), a sum "a+b" or a product "a*b" of two`
  }
  return m[2] === undefined ? { a: m[1] } : { a: m[1], op: m[2] as "+" | "*", b: m[3] as GpRegression.KernelFamily }
}

const Params = Schema.Struct({
  /** The 1-d regression task of the polynomial, GP and MLP candidates, its size and noise sd. */
  regressionTask: Schema.Literals(regressionTasks),
  n: Parameter.IntAtLeast(20),
  noise: Parameter.Positive,
  /** Points and noise of the moons task of the SVM grid. */
  nClassification: Parameter.IntAtLeast(20),
  classNoise: Parameter.NonNegative,
  /** K folds of each repeat's selection part (nested CV: K outer, K − 1 inner). */
  folds: Parameter.IntAtLeast(3),
  repeats: Parameter.IntAtLeast(1),
  /** Each repeat's untouched test share. */
  testShare: Parameter.OpenUnit,
  degrees: Parameter.NonEmpty(Parameter.NonNegativeInt),
  /** Base kernels, sums "a+b" and products "a*b" of two. */
  gpKernels: Parameter.NonEmpty(Schema.String),
  gpRestarts: Parameter.NonNegativeInt,
  svmCs: Parameter.NonEmpty(Parameter.Positive),
  svmSigmas: Parameter.NonEmpty(Parameter.Positive),
  mlpWidths: Parameter.NonEmpty(Parameter.PositiveInt),
  mlpEpochs: Parameter.PositiveInt,
  mlpLearningRate: Parameter.Positive
}).check(Schema.makeFilter((p) => {
  const issues: Array<Schema.FilterIssue> = p.gpKernels.flatMap((text, i) => {
    const parsed = parseKernel(text)
    return typeof parsed === "string" ? [{ path: ["gpKernels", i], issue: parsed }] : []
  })
  // Each value is a candidate (a model id): one given twice would be two models of one id.
  for (const key of ["degrees", "gpKernels", "svmCs", "svmSigmas", "mlpWidths"] as const) {
    const values: ReadonlyArray<number | string> = p[key]
    values.forEach((v, i) => {
      if (values.indexOf(v) < i) issues.push({ path: [key, i], issue: `${key} lists ${v} twice; give each candidate once` })
    })
  }
  return issues
}))
type Params = typeof Params.Type

// ---------------------------------------------------------------------------------------------
// Candidates

type FamilyName = "poly" | "gp" | "mlp" | "svm"

interface CandidateDef {
  readonly id: string
  readonly label: string
  /** The 1-SE rule's order: smaller is simpler. */
  readonly complexity: number
  readonly model: Study.ModelEntry
}

interface FamilyDef {
  readonly name: FamilyName
  readonly title: string
  readonly task: string
  /** "mse" for regression, "auc" (loss 1 − AUC) for classification. */
  readonly score: "mse" | "auc"
  readonly candidates: ReadonlyArray<CandidateDef>
  readonly order: string
}

const CLASSIFICATION_TASK = "moons"

const leaf = (k: GpRegression.KernelFamily): Expression.Expression => {
  switch (k) {
    case "matern12":
      return { kernel: "matern", params: { nu: 0.5 } }
    case "matern32":
      return { kernel: "matern", params: { nu: 1.5 } }
    case "matern52":
      return { kernel: "matern", params: { nu: 2.5 } }
    default:
      return { kernel: k }
  }
}
const constant: Expression.Expression = { kernel: "constant" }
const white: Expression.Expression = { kernel: "white", params: { noise: 0.1 } }

const kernelShort: Record<GpRegression.KernelFamily, string> = {
  rbf: "RBF",
  matern12: "M½",
  matern32: "M3/2",
  matern52: "M5/2",
  periodic: "Per",
  rq: "RQ",
  linear: "Lin"
}

/** A candidate's kernel config, its label, its id part and its number of free hyperparameters. */
const kernelCandidate = (text: string) => {
  const parsed = parseKernel(text)
  if (typeof parsed === "string") throw new Error(parsed)
  const { a, op, b } = parsed
  const made = ((): { kernel: GpRegression.KernelSpec; label: string; id: string } => {
    if (op === undefined || b === undefined) return { kernel: a, label: kernelShort[a], id: a }
    if (op === "+") return { kernel: { sum: [{ product: [constant, leaf(a)] }, { product: [constant, leaf(b)] }, white] }, label: `${kernelShort[a]} + ${kernelShort[b]}`, id: `${a}-plus-${b}` }
    return { kernel: { sum: [{ product: [constant, leaf(a), leaf(b)] }, white] }, label: `${kernelShort[a]} × ${kernelShort[b]}`, id: `${a}-times-${b}` }
  })()
  return { ...made, k: Kernel.theta(GpRegression.kernelOf(made.kernel)).length }
}

/** σ descending then C ascending: the 1-SE rule's simplest SVM cell first. */
const svmComplexity = (p: Params, C: number, sigma: number): number => {
  const sigmaRank = [...p.svmSigmas].sort((x, y) => y - x).indexOf(sigma)
  const cRank = [...p.svmCs].sort((x, y) => x - y).indexOf(C)
  return sigmaRank * p.svmCs.length + cRank
}

export const families = (p: Params): ReadonlyArray<FamilyDef> => [
  {
    name: "poly",
    title: "polynomial degree",
    task: p.regressionTask,
    score: "mse",
    order: "degree",
    candidates: p.degrees.map((degree) => ({
      id: `poly-d${degree}`,
      label: `degree ${degree}`,
      complexity: degree,
      model: { id: `poly-d${degree}`, family: "poly", axes: { group: "poly", degree }, config: { degree } }
    }))
  },
  {
    name: "gp",
    title: "GP kernel",
    task: p.regressionTask,
    score: "mse",
    order: "free hyperparameters k (ties: listed order)",
    candidates: p.gpKernels.map((text) => {
      const c = kernelCandidate(text)
      return { id: `gp-${c.id}`, label: c.label, complexity: c.k, model: { id: `gp-${c.id}`, family: "gp", axes: { group: "gp", kernel: text }, config: { kernel: c.kernel, restarts: p.gpRestarts } } }
    })
  },
  {
    name: "mlp",
    title: "MLP width",
    task: p.regressionTask,
    score: "mse",
    order: "width",
    candidates: p.mlpWidths.map((width) => ({
      id: `mlp-w${width}`,
      label: `width ${width}`,
      complexity: width,
      model: {
        id: `mlp-w${width}`,
        family: "mlp",
        axes: { group: "mlp", width },
        config: { width, depth: 1, activation: "tanh", optimizer: "adam", learningRate: p.mlpLearningRate, epochs: p.mlpEpochs, batchSize: 32 }
      }
    }))
  },
  {
    name: "svm",
    title: "SVM C and σ",
    task: CLASSIFICATION_TASK,
    score: "auc",
    order: "σ from the largest, then C from the smallest",
    candidates: p.svmCs.flatMap((C) =>
      p.svmSigmas.map((sigma) => ({
        id: `svm-C${C}-s${sigma}`,
        label: `C ${Format.number(C)} · σ ${Format.number(sigma)}`,
        complexity: svmComplexity(p, C, sigma),
        model: { id: `svm-C${C}-s${sigma}`, family: "svm", axes: { group: "svm", C, sigma }, config: { kind: "svc", kernel: "rbf", C, sigma, probability: false } }
      }))
    )
  }
]

const splitOf = (p: Params): Split.Selection => ({ kind: "selection", folds: p.folds, repeats: p.repeats, test: p.testShare, nested: true })

const study = (p: Params): Study.Study => {
  const fams = families(p)
  const modelsOf = (task: string) => fams.filter((f) => f.task === task).flatMap((f) => f.candidates.map((c) => c.model))
  return {
    tasks: [
      { name: p.regressionTask, spec: { task: p.regressionTask, n: p.n, noise: p.noise }, keepData: true, models: modelsOf(p.regressionTask) },
      { name: CLASSIFICATION_TASK, spec: { task: "moons", n: p.nClassification, noise: p.classNoise }, keepData: true, models: modelsOf(CLASSIFICATION_TASK) }
    ],
    split: splitOf(p),
    models: [],
    seeds: 1,
    keepPredictions: true
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis of the stored run: per repeat, each candidate's criteria and losses

/** The criteria a repeat's picks are keyed by ("oracle": the least test loss, for reference). */
export type CriterionKey = "logLik" | "aic" | "bic" | "cv" | "oneSe" | "oracle"

const criterionTitles: Record<CriterionKey | "nested", string> = {
  logLik: "max log L̂",
  aic: "min AIC",
  bic: "min BIC",
  cv: "min CV loss",
  oneSe: "1-SE rule",
  nested: "nested CV (outer-fold picks)",
  oracle: "min test loss (oracle)"
}

export interface CandidateRepeat {
  readonly logLik: number
  readonly k: number
  readonly aic: number
  readonly bic: number
  readonly cvFolds: ReadonlyArray<number>
  readonly cv: number
  readonly se: number
  readonly test: number
  /** Classification: the refit's AUC on its own training part. */
  readonly trainAuc: number
}

export interface RepeatAnalysis {
  readonly candidates: ReadonlyArray<CandidateRepeat>
  /** Each criterion's pick (candidate index; −1: none). */
  readonly picks: Readonly<Record<CriterionKey, number>>
  readonly nested: Selection.Nested
}

export interface FamilyAnalysis {
  readonly def: FamilyDef
  readonly repeats: ReadonlyArray<RepeatAnalysis>
}

const lossOf = (score: "mse" | "auc", y: ReadonlyArray<number>, held: HeldOut["prediction"], index: ReadonlyArray<number>): number => {
  const ys = index.map((i) => y[i])
  if (score === "mse") {
    const mean = held.mean
    return mean === undefined ? Number.NaN : Metrics.mse(ys, index.map((i) => mean[i]))
  }
  const decision = held.decision ?? held.probabilities?.filter((_, j) => j % 2 === 1)
  return decision === undefined ? Number.NaN : 1 - Metrics.rocAuc(ys, index.map((i) => decision[i]))
}

/** Loss of a trial's held-out predictions on the rows `part` (a subset of its test rows); NaN when it did not finish. */
const partLoss = (score: "mse" | "auc", run: RunRecord, row: TrialRow | undefined, part: ReadonlyArray<number>): number => {
  if (row === undefined || row.status !== "ok") return Number.NaN
  const held = run.heldOut.get(row.key)
  if (held === undefined) return Number.NaN
  const at = new Map(held.index.map((r, i) => [r, i]))
  const positions = part.map((r) => at.get(r) ?? -1)
  if (positions.some((i) => i < 0)) return Number.NaN
  return lossOf(score, held.y, held.prediction, positions)
}

export const analyse = (p: Params, run: RunRecord): Effect.Effect<ReadonlyArray<FamilyAnalysis>, ConfigError> =>
  Effect.gen(function*() {
    const split = splitOf(p)
    const out: Array<FamilyAnalysis> = []
    for (const def of families(p)) {
      const task = yield* Stored.data(run, def.task)
      const byKey = new Map(run.rows.filter((r) => r.task === def.task).map((r) => [`${r.model}/${r.fold}`, r]))
      const repeats: Array<RepeatAnalysis> = []
      for (let r = 0; r < p.repeats; r++) {
        const refitFold = Split.selectionIndex(split, { repeat: r, role: "refit" })
        const cvFold = (k: number) => Split.selectionIndex(split, { repeat: r, role: "cv", k })
        const foldTest = (k: number) => task.folds[cvFold(k)].test
        const candidates = def.candidates.map((c): CandidateRepeat => {
          const refit = byKey.get(`${c.id}/${refitFold}`)
          const metric = (key: string) => (refit?.status === "ok" ? refit.metrics[key] ?? Number.NaN : Number.NaN)
          const cvFolds = Array.from({ length: p.folds }, (_, k) => partLoss(def.score, run, byKey.get(`${c.id}/${cvFold(k)}`), foldTest(k)))
          const { mean, se } = Selection.foldSummary(cvFolds)
          return {
            logLik: metric("logLik"),
            k: metric("k"),
            aic: metric("aic"),
            bic: metric("bic"),
            cvFolds,
            cv: mean,
            se,
            test: partLoss(def.score, run, refit, task.folds[refitFold].test),
            trainAuc: metric("trainAuc")
          }
        })
        const best = (values: ReadonlyArray<number>, direction: Summary.Direction) => Summary.argBest(values, direction) ?? -1
        const picks: Record<CriterionKey, number> = {
          logLik: best(candidates.map((c) => c.logLik), "max"),
          aic: best(candidates.map((c) => c.aic), "min"),
          bic: best(candidates.map((c) => c.bic), "min"),
          cv: best(candidates.map((c) => c.cv), "min"),
          oneSe: Selection.oneStandardError(candidates.map((c) => ({ mean: c.cv, se: c.se })), def.candidates.map((c) => c.complexity)),
          oracle: best(candidates.map((c) => c.test), "min")
        }
        const nested = Selection.nested(
          candidates.map((c) => c.cvFolds),
          (c, j, k) => partLoss(def.score, run, byKey.get(`${def.candidates[c].id}/${Split.selectionIndex(split, { repeat: r, role: "pair", j, k })}`), foldTest(j))
        )
        repeats.push({ candidates, picks, nested })
      }
      out.push({ def, repeats })
    }
    return out
  })

// ---------------------------------------------------------------------------------------------
// The report

/** Median and interquartile range of per-repeat values, numpy's linear percentiles. */
const spread = (values: ReadonlyArray<number>) => {
  const v = values.filter(Number.isFinite)
  return { median: Regret.percentile(v, 50), q25: Regret.percentile(v, 25), q75: Regret.percentile(v, 75), mean: Summary.mean(v), sd: Summary.sd(v), n: v.length, positive: v.filter((x) => x > 0).length }
}

/** A loss as shown: MSE as it is, 1 − AUC back as AUC. */
const shown = (def: FamilyDef, loss: number): number => (def.score === "auc" ? 1 - loss : loss)
const scoreName = (def: FamilyDef): string => (def.score === "auc" ? "ROC-AUC" : "MSE")
const digits = 3

/** "degree 5 (4/6), degree 6 (2/6)": how often each candidate was picked, most often first. */
const pickCounts = (picks: ReadonlyArray<number>): Array<readonly [number, number]> => {
  const counts = new Map<number, number>()
  for (const i of picks) if (i >= 0) counts.set(i, (counts.get(i) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])
}
const pickText = (def: FamilyDef, picks: ReadonlyArray<number>): string => {
  const counts = pickCounts(picks)
  return counts.length === 0 ? Format.missing : counts.map(([i, n]) => `${def.candidates[i].label} (${n}/${picks.length})`).join("; ")
}
const modal = (picks: ReadonlyArray<number>): number => pickCounts(picks)[0]?.[0] ?? -1

const criteriaOf = (def: FamilyDef): ReadonlyArray<CriterionKey> =>
  def.score === "auc" ? ["cv", "oneSe", "oracle"] : ["logLik", "aic", "bic", "cv", "oneSe", "oracle"]

/** Test loss of each repeat's pick under a criterion, and its regret over the oracle pick. */
const pickLosses = (fa: FamilyAnalysis, key: CriterionKey) =>
  fa.repeats.map((r) => {
    const i = r.picks[key]
    const o = r.picks.oracle
    return { test: i < 0 ? Number.NaN : r.candidates[i].test, regret: i < 0 || o < 0 ? Number.NaN : r.candidates[i].test - r.candidates[o].test }
  })

const picksTable = (fa: FamilyAnalysis): Document.Block => {
  const def = fa.def
  const rows = criteriaOf(def).map((key) => {
    const losses = pickLosses(fa, key)
    const test = losses.map((l) => shown(def, l.test))
    return {
      criterion: criterionTitles[key],
      picks: pickText(def, fa.repeats.map((r) => r.picks[key])),
      test: Format.meanSd(Summary.mean(test), Summary.sd(test), 2),
      regret: Format.fixed(Summary.mean(losses.map((l) => l.regret)), 4)
    }
  })
  const nestedPicks = fa.repeats.flatMap((r) => r.nested.picks)
  const estimates = fa.repeats.map((r) => shown(def, r.nested.estimate))
  rows.push({
    criterion: criterionTitles.nested,
    picks: pickText(def, nestedPicks),
    test: `estimate ${Format.meanSd(Summary.mean(estimates), Summary.sd(estimates), 2)}`,
    regret: Format.missing
  })
  return Document.table({
    caption: `${def.title}: what each criterion picks in each of the ${fa.repeats.length} repeats (how often), the test ${scoreName(def)} of the pick refitted on the selection part (mean ± sd over repeats), and its regret: its test loss (MSE; 1 − AUC) minus the least test loss of any candidate in that repeat, mean over repeats. Nested CV's row counts the inner-CV picks of every outer fold of every repeat, and gives the nested estimate of the ${scoreName(def)} of "select by CV, then refit" in place of a test score.`,
    columns: [
      { key: "criterion", title: "criterion" },
      { key: "picks", title: "picks (repeats)" },
      { key: "test", title: `test ${scoreName(def)} of the pick`, align: "right" },
      { key: "regret", title: "regret", align: "right" }
    ],
    rows
  })
}

/** Per-candidate means over repeats as Criteria candidates (values keyed by criterion). */
const candidateMeans = (fa: FamilyAnalysis) =>
  fa.def.candidates.map((c, i) => {
    const at = (f: (x: CandidateRepeat) => number) => Summary.mean(fa.repeats.map((r) => f(r.candidates[i])))
    return {
      id: c.id,
      label: c.label,
      values: { logLik: at((x) => x.logLik), aic: at((x) => x.aic), bic: at((x) => x.bic), cv: at((x) => x.cv), se: at((x) => x.se), test: at((x) => x.test), k: at((x) => x.k), trainAuc: at((x) => x.trainAuc) }
    }
  })

const candidateTable = (fa: FamilyAnalysis): Document.Block => {
  const def = fa.def
  const means = candidateMeans(fa)
  const likelihood = def.score === "mse"
  return Document.table({
    caption: `Every ${def.title} candidate, means over the ${fa.repeats.length} repeats: ${likelihood ? "k, log L̂, AIC and BIC of the fit on the selection part; " : "training ROC-AUC of the fit on the selection part; "}the ${foldsOf(fa)}-fold CV ${scoreName(def)} on the selection part ± its standard error (sd of the fold losses / √K); the test ${scoreName(def)} of the refit on the selection part.`,
    columns: [
      { key: "candidate", title: "candidate" },
      ...(likelihood
        ? [
          { key: "k", title: "k", align: "right" as const },
          { key: "logLik", title: "log L̂", align: "right" as const },
          { key: "aic", title: "AIC", align: "right" as const },
          { key: "bic", title: "BIC", align: "right" as const }
        ]
        : [{ key: "trainAuc", title: "train AUC", align: "right" as const }]),
      { key: "cv", title: `CV ${scoreName(def)} ± SE`, align: "right" },
      { key: "test", title: `test ${scoreName(def)}`, align: "right" }
    ],
    rows: means.map((m) => ({
      candidate: m.label,
      k: Format.number(m.values.k),
      logLik: Format.fixed(m.values.logLik, 1),
      aic: Format.fixed(m.values.aic, 1),
      bic: Format.fixed(m.values.bic, 1),
      trainAuc: Format.fixed(m.values.trainAuc, 3),
      cv: `${Format.fixed(shown(def, m.values.cv), 4)} ± ${Format.fixed(m.values.se, 4)}`,
      test: Format.fixed(shown(def, m.values.test), 4)
    }))
  })
}
const foldsOf = (fa: FamilyAnalysis): number => fa.repeats[0]?.candidates[0]?.cvFolds.length ?? 0

const optimismRows = (fas: ReadonlyArray<FamilyAnalysis>) =>
  fas.map((fa) => {
    const def = fa.def
    // In loss units (positive = the reported score flatters); for AUC the same numbers read as AUC points.
    const bias = spread(fa.repeats.map((r) => r.nested.selectionBias))
    const inner = spread(fa.repeats.map((r) => r.nested.innerOptimism))
    const testGap = spread(fa.repeats.map((r) => (r.picks.cv < 0 ? Number.NaN : r.candidates[r.picks.cv].test - r.nested.nonNestedBest)))
    return { def, bias, inner, testGap }
  })

const spreadText = (s: ReturnType<typeof spread>): string =>
  `${Format.fixed(s.median, 4)} [${Format.fixed(s.q25, 4)}, ${Format.fixed(s.q75, 4)}]`

const curveChart = (fa: FamilyAnalysis, axis: string) => {
  const means = candidateMeans(fa)
  const data = fa.def.candidates.flatMap((c, i) => [
    { x: Number(c.model.axes[axis]), loss: means[i].values.cv, kind: "CV MSE (selection part)" },
    { x: Number(c.model.axes[axis]), loss: means[i].values.test, kind: "test MSE (refit)" }
  ])
  return Chart.line({
    title: `${fa.def.title}: CV and test MSE`,
    subtitle: `means over ${fa.repeats.length} repeats`,
    width: 560,
    height: 260,
    data,
    x: { field: "x", title: axis, log: axis === "width" },
    y: { field: "loss", title: "MSE", log: true },
    series: { field: "kind", title: "" }
  })
}

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const fas = yield* analyse(p, run)
    const byName = (name: FamilyName) => fas.find((f) => f.def.name === name)!
    const findings: Array<string> = []

    // What each criterion picks, per family.
    for (const fa of fas) {
      const keys = criteriaOf(fa.def)
      const parts = keys.filter((k) => k !== "oracle").map((k) => {
        const i = modal(fa.repeats.map((r) => r.picks[k]))
        const test = pickLosses(fa, k).map((l) => shown(fa.def, l.test))
        return `${criterionTitles[k]} **${i < 0 ? Format.missing : fa.def.candidates[i].label}** (test ${scoreName(fa.def)} ${Format.fixed(Summary.mean(test), 4)})`
      })
      const oracle = modal(fa.repeats.map((r) => r.picks.oracle))
      findings.push(`**${fa.def.title}** (most frequent pick over ${fa.repeats.length} repeats): ${parts.join(", ")}; the best candidate on the test part is most often ${oracle < 0 ? Format.missing : fa.def.candidates[oracle].label}.`)
    }

    // Likelihood alone always prefers the larger nested model.
    const poly = byName("poly")
    const highest = Math.max(...poly.def.candidates.map((c) => c.complexity))
    const polyTop = poly.repeats.filter((r) => poly.def.candidates[r.picks.logLik]?.complexity === highest).length
    findings.push(`Maximised likelihood without a penalty picks the highest degree in ${polyTop} of ${poly.repeats.length} repeats: the polynomials are nested, so log L̂ never falls as the degree grows; AIC and BIC (and CV) are what stop it.`)

    // AIC vs CV disagreement by family: the over-parameterised MLP most of all.
    const disagreement = (["poly", "gp", "mlp"] as const).map((name) => {
      const fa = byName(name)
      const differ = fa.repeats.filter((r) => r.picks.aic !== r.picks.cv).length
      const kGap = Summary.median(fa.repeats.map((r) => (r.picks.aic < 0 || r.picks.cv < 0 ? Number.NaN : r.candidates[r.picks.cv].k - r.candidates[r.picks.aic].k)))
      return { fa, differ, kGap }
    })
    const widestGap = disagreement.reduce((b, d) => (Math.abs(d.kGap) > Math.abs(b.kGap) ? d : b), disagreement[0])
    findings.push(
      `AIC and min-CV disagree by the most parameters for the ${widestGap.fa.def.title}: they disagree in ${disagreement.map((d) => `${d.differ} of ${d.fa.repeats.length} repeats for the ${d.fa.def.title} (median k of the CV pick − k of the AIC pick: ${Format.number(d.kGap)})`).join("; ")}.`
    )
    const mlp = byName("mlp")
    const mlpMeans = candidateMeans(mlp)
    const widest = mlpMeans.length - 1
    const aicPick = modal(mlp.repeats.map((r) => r.picks.aic))
    const cvPick = modal(mlp.repeats.map((r) => r.picks.cv))
    if (widest >= 0 && aicPick >= 0 && cvPick >= 0) {
      findings.push(
        `For the MLP, k grows with the width (k = ${mlpMeans.map((m) => Format.number(m.values.k)).join(", ")} for widths ${p.mlpWidths.join(", ")}, against ${Format.number(Math.round(p.n * (1 - p.testShare)))} selection rows): the widest net's AIC is ${Format.fixed(mlpMeans[widest].values.aic - mlpMeans[aicPick].values.aic, 1)} above that of the AIC pick (${mlp.def.candidates[aicPick].label}), its extra penalty 2Δk = ${Format.number(2 * (mlpMeans[widest].values.k - mlpMeans[aicPick].values.k))} against twice its log-likelihood gain 2Δlog L̂ = ${Format.fixed(2 * (mlpMeans[widest].values.logLik - mlpMeans[aicPick].values.logLik), 1)}; ${widest === cvPick ? `the widest net is itself CV's most frequent pick (CV MSE ${Format.fixed(mlpMeans[widest].values.cv, 4)})` : `its CV MSE is ${Format.fixed(mlpMeans[widest].values.cv, 4)} against ${Format.fixed(mlpMeans[cvPick].values.cv, 4)} for the CV pick (${mlp.def.candidates[cvPick].label})`}, and its test MSE is ${Format.fixed(mlpMeans[widest].values.test, 4)} against the AIC pick's ${Format.fixed(mlpMeans[aicPick].values.test, 4)}.`
      )
    }

    // GP: the kernel by marginal likelihood against CV.
    const gp = byName("gp")
    const gpAgree = gp.repeats.filter((r) => r.picks.logLik === r.picks.cv).length
    const gpLml = pickLosses(gp, "logLik").map((l) => l.test)
    const gpCv = pickLosses(gp, "cv").map((l) => l.test)
    findings.push(`GP kernels: the LML pick and the CV pick coincide in ${gpAgree} of ${gp.repeats.length} repeats; their test MSEs are ${Format.fixed(Summary.mean(gpLml), 4)} and ${Format.fixed(Summary.mean(gpCv), 4)} (means over repeats), each kernel's own hyperparameters fitted by marginal likelihood.`)

    // SVM: best cell vs the overfitted (max training AUC) one.
    const svm = byName("svm")
    const svmMeans = candidateMeans(svm)
    const overfit = svmMeans.reduce((b, m, i) => {
      const bt = svmMeans[b].values.trainAuc
      const mt = m.values.trainAuc
      return mt > bt || (mt === bt && svm.def.candidates[i].complexity > svm.def.candidates[b].complexity) ? i : b
    }, 0)
    const bestCell = modal(svm.repeats.map((r) => r.picks.cv))
    if (bestCell >= 0) {
      const b = svmMeans[bestCell].values
      const o = svmMeans[overfit].values
      findings.push(
        `SVM: the cell CV ROC-AUC picks most often is ${svm.def.candidates[bestCell].label} (means over repeats: CV AUC ${Format.fixed(1 - b.cv, 3)}, train AUC ${Format.fixed(b.trainAuc, 3)}, test AUC ${Format.fixed(1 - b.test, 3)}); the overfitted cell, the one with the highest mean training AUC (ties: the most complex), is ${svm.def.candidates[overfit].label} (train AUC ${Format.fixed(o.trainAuc, 3)}, CV AUC ${Format.fixed(1 - o.cv, 3)}, test AUC ${Format.fixed(1 - o.test, 3)})${bestCell === overfit ? ": the same cell." : "."}`
      )
    }

    // Optimism of non-nested selection.
    const optimism = optimismRows(fas)
    for (const o of optimism) {
      const unit = o.def.score === "auc" ? "AUC points" : "MSE units"
      findings.push(
        `Optimism of non-nested selection, ${o.def.title}: nested estimate − best CV score = ${spreadText(o.bias)} ${unit} (median [IQR] over ${o.bias.n} repeats; mean ${Format.fixed(o.bias.mean, 4)} ± sd ${Format.fixed(o.bias.sd, 4)}; positive in ${o.bias.positive} of ${o.bias.n}); the CV pick's test loss exceeds its CV score by ${spreadText(o.testGap)}.`
      )
    }
    findings.push(FitWarnings.sentence(rows, (model) => model))
    findings.push(RunFacts.trialStatus(manifest, rows))

    const optimismTable = Document.table({
      caption: `The optimism of non-nested selection, per family, in loss units (MSE; 1 − AUC for the SVM, so AUC points): median [interquartile range] over ${p.repeats} repeats, and the mean ± sd. **Selection bias** = nested CV estimate − min over candidates of the CV loss (Cawley & Talbot 2010): what reporting the best CV score understates. **Inner optimism** = mean over outer folds of (outer loss of the inner pick − its inner-CV loss); its inner fits train on (K − 2)/K of the selection part against (K − 1)/K for the outer fit, so it adds the pessimism of smaller training sets to the optimism of selection and may be negative. **Test gap** = test loss of the CV pick refitted on the selection part − its CV loss. Positive = the selection score flatters.`,
      columns: [
        { key: "family", title: "family" },
        { key: "bias", title: "selection bias", align: "right" },
        { key: "biasMean", title: "mean ± sd", align: "right" },
        { key: "positive", title: "> 0", align: "right" },
        { key: "inner", title: "inner optimism", align: "right" },
        { key: "gap", title: "test gap", align: "right" }
      ],
      rows: optimism.map((o) => ({
        family: o.def.title,
        bias: spreadText(o.bias),
        biasMean: Format.meanSd(o.bias.mean, o.bias.sd, 2),
        positive: `${o.bias.positive} / ${o.bias.n}`,
        inner: spreadText(o.inner),
        gap: spreadText(o.testGap)
      }))
    })

    const optimismChart = yield* Chart.render(Chart.heatmap({
      title: "Selection bias per family and repeat",
      subtitle: "nested CV estimate − best CV score, loss units (MSE; 1 − AUC for the SVM); > 0: the best CV score flatters",
      width: 560,
      height: 60 + 40 * fas.length,
      data: fas.flatMap((fa) => fa.repeats.map((r, i) => ({ family: fa.def.title, repeat: String(i + 1), bias: r.nested.selectionBias }))),
      x: { field: "repeat", title: "repeat", order: Array.from({ length: p.repeats }, (_, i) => String(i + 1)) },
      y: { field: "family", title: "", order: fas.map((fa) => fa.def.title) },
      value: { field: "bias", title: "selection bias", format: (v) => Format.fixed(v, 3) }
    }))

    const familySections: Array<Document.Section> = []
    for (const fa of fas) {
      const blocks: Array<Document.Block> = [
        Document.paragraph(`Candidates: ${fa.def.candidates.map((c) => c.label).join("; ")}. The 1-SE rule's complexity order: ${fa.def.order}.`),
        picksTable(fa),
        candidateTable(fa)
      ]
      if (fa.def.name === "poly" || fa.def.name === "mlp") {
        const axis = fa.def.name === "poly" ? "degree" : "width"
        blocks.push(Document.figure({ name: `curve-${fa.def.name}`, svg: yield* Chart.render(curveChart(fa, axis)), caption: `${fa.def.title}: CV MSE on the selection part and test MSE of the refit, means over repeats.` }))
      }
      if (fa.def.name === "gp") {
        const criteria: ReadonlyArray<Criteria.Criterion> = [
          { key: "logLik", title: "max LML", short: "LML", direction: "max" },
          { key: "aic", title: "min AIC", short: "AIC", direction: "min" },
          { key: "bic", title: "min BIC", short: "BIC", direction: "min" },
          { key: "cv", title: "min CV MSE", short: "CV", direction: "min" },
          { key: "test", title: "min test MSE", short: "test", direction: "min" }
        ]
        blocks.push(Document.figure({
          name: "ranks-gp",
          svg: yield* Chart.render(Criteria.rankHeatmap({ title: "GP kernels: rank under each criterion", subtitle: "values averaged over repeats; 1 = the criterion's pick", candidates: candidateMeans(fa), criteria })),
          caption: "Rank of each GP kernel under each criterion, from the per-candidate means over repeats."
        }))
      }
      if (fa.def.name === "svm") {
        const cvRows = rows.filter((r) => r.task === CLASSIFICATION_TASK && Split.selectionRole(splitOf(p), r.fold).role === "cv")
        const refitRows = rows.filter((r) => r.task === CLASSIFICATION_TASK && Split.selectionRole(splitOf(p), r.fold).role === "refit")
        const grid = (summaries: ReadonlyArray<Summary.ModelSummary>, metric: string, title: string) =>
          Heatmap.chart({
            title,
            summaries,
            x: { axis: "sigma", title: "σ (standardised units)", order: p.svmSigmas },
            y: { axis: "C", title: "C", order: p.svmCs },
            metric,
            value: { title: "ROC-AUC", domain: [0.5, 1], format: (v) => Format.fixed(v, 3) },
            width: 420,
            height: 300
          })
        blocks.push(Document.figure({ name: "svm-cv-auc", svg: yield* Chart.render(grid(Summary.byModel(cvRows, ["auc"]), "auc", "CV ROC-AUC (mean over folds and repeats)")), caption: "Mean held-out ROC-AUC of every (C, σ) cell over the CV folds of every repeat." }))
        blocks.push(Document.figure({ name: "svm-train-auc", svg: yield* Chart.render(grid(Summary.byModel(refitRows, ["trainAuc"]), "trainAuc", "training ROC-AUC of the refit")), caption: "ROC-AUC of each cell's refit on its own training (selection) part: the overfitted cells are those with a training AUC near 1 and a poor CV AUC." }))
      }
      familySections.push(Document.section(`Family: ${fa.def.title}`, blocks))
    }

    return Document.make({
      title: "model-selection: what each criterion picks, and what it costs",
      intro: `Each of ${p.repeats} repeats draws its own split: an untouched test part (${Format.percent(p.testShare, 0)} of the rows) and ${p.folds} folds on the rest (the selection part), shared by every candidate. Regression (${p.regressionTask}, n = ${p.n}, noise sd ${p.noise}): polynomial degrees ${p.degrees.join(", ")}; GP kernels ${p.gpKernels.join(", ")} (each C·k + White, sums C₁·a + C₂·b + White, products C·a·b + White; hyperparameters by marginal likelihood, ${p.gpRestarts} restarts); one-hidden-layer tanh MLPs of widths ${p.mlpWidths.join(", ")} (Adam, ${p.mlpEpochs} epochs, learning rate ${p.mlpLearningRate}). Classification (moons, n = ${p.nClassification}, noise ${p.classNoise}): RBF C-SVC with C ∈ {${p.svmCs.join(", ")}} × σ ∈ {${p.svmSigmas.join(", ")}} (standardised units), scored by ROC-AUC of the decision values. Inputs (and regression targets) are standardised on each training part; losses are on the original scale.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Optimism of non-nested selection", [
          optimismTable,
          Document.figure({ name: "selection-bias", svg: optimismChart, caption: "Selection bias of each repeat, per family: the nested CV estimate of the CV-selected model's loss minus the best CV loss that non-nested selection reports." })
        ]),
        Document.section("Definitions", [
          Document.bullets([
            "**log L̂** of the fit on the whole selection part (n_S rows, original scale of y): the GP's log marginal likelihood at its fitted hyperparameters; for the polynomial and the MLP the Gaussian log-likelihood of the training residuals at the MLE noise RSS/n_S. **k**: the GP's free hyperparameters (amplitudes, kernel parameters, noise); degree + 2 for the polynomial; every weight and bias + 1 for the MLP. AIC = −2 log L̂ + 2k, BIC = −2 log L̂ + k log n_S.",
            `**CV loss**: mean over the ${p.folds} folds of the selection part of the held-out loss (MSE; 1 − ROC-AUC for the SVM) of the fit on the other folds. **1-SE rule**: the simplest candidate whose mean CV loss is at most the best mean plus that best candidate's standard error (sd of its fold losses / √K).`,
            `**Nested CV**: for each of the ${p.folds} outer folds, every candidate is scored by the ${p.folds - 1}-fold CV of the other folds (fits on the selection part less two folds), the best is picked and scored on the outer fold by its fit on the selection part less that fold; the nested estimate is the mean over outer folds. **Test loss**: of the candidate refitted on the whole selection part, on the untouched test part.`
          ])
        ]),
        ...familySections,
        FitWarnings.section(rows, {
          trial: (r) => `${r.task} / ${r.model} / fold ${r.fold}`,
          intro: "Every warning a fit raised, from the typed warnings stored with each trial."
        }),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "model-selection",
  title: "Model selection: max likelihood, AIC, BIC, CV, the 1-SE rule and nested CV side by side",
  description: "Polynomial degree, GP kernel (bases, sums and products), SVM C and σ, and MLP width chosen by max log-likelihood, AIC, BIC, K-fold CV, the one-standard-error rule and nested CV on shared folds with an untouched test part: what each picks, its test error, and the optimism of non-nested selection over repeats.",
  params: Params,
  defaults: {
    regressionTask: "sine-quadratic",
    n: 100,
    noise: 0.3,
    nClassification: 160,
    classNoise: 0.3,
    folds: 4,
    repeats: 12,
    testShare: 0.25,
    degrees: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    gpKernels: ["rbf", "matern12", "matern32", "matern52", "periodic", "rq", "rbf+periodic", "rbf*periodic", "matern12+periodic", "matern52*periodic", "rq+periodic", "rbf+matern12", "rbf*rq"],
    gpRestarts: 1,
    svmCs: [0.01, 0.1, 1, 10, 100, 1000],
    svmSigmas: [0.05, 0.2, 0.5, 1, 3],
    mlpWidths: [1, 2, 4, 16, 64, 256],
    mlpEpochs: 200,
    mlpLearningRate: 0.01
  },
  profiles: {
    quick: {
      n: 60,
      nClassification: 80,
      folds: 3,
      repeats: 2,
      degrees: [0, 1, 2, 3, 5, 8],
      gpKernels: ["rbf", "periodic", "rbf+periodic"],
      gpRestarts: 0,
      svmCs: [0.1, 10, 1000],
      svmSigmas: [0.05, 1],
      mlpWidths: [2, 64],
      mlpEpochs: 40
    },
    full: {
      n: 200,
      folds: 5,
      repeats: 20,
      gpKernels: [
        ...baseKernels.filter((k) => k !== "linear"),
        ...baseKernels.filter((k) => k !== "linear").flatMap((a, i, all) => all.slice(i + 1).flatMap((b) => [`${a}+${b}`, `${a}*${b}`]))
      ],
      gpRestarts: 3,
      mlpEpochs: 400
    }
  },
  seed: 0,
  study,
  report
})
