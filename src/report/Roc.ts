/**
 * ROC curves of a binary classifier from the run's stored held-out predictions, pooled over
 * folds (and seeds): every held-out point once per trial, scored by the trial's decision value
 * when it stored one, else by its probability of class 1. The pooled AUC is that of the pooled
 * scores (a threshold shared across folds), which can differ slightly from the mean of per-fold
 * AUCs in the trial rows.
 *
 * When to use: a report of a study with `keepPredictions: true` on a binary task, to draw the
 * ROC of a few chosen models: `Roc.chart({ title, curves: Roc.curves(run, [{ label, model }]) })`.
 * Gotchas: trials without stored held-out predictions (failed ones, or a study that did not keep
 * them) add nothing; `n` says how many points a curve pools.
 */
import type { RunRecord, StoredPrediction } from "../results/Run.ts"
import * as Metrics from "../scoring/Metrics.ts"
import * as Chart from "./Chart.ts"
import * as Format from "./Format.ts"

export interface Pooled {
  readonly y: ReadonlyArray<number>
  readonly score: ReadonlyArray<number>
}

export interface Curve {
  readonly label: string
  readonly model: string
  readonly fpr: ReadonlyArray<number>
  readonly tpr: ReadonlyArray<number>
  /** ROC-AUC of the pooled scores; NaN with one class or no points. */
  readonly auc: number
  /** Held-out points pooled. */
  readonly n: number
}

/** The binary score of a stored prediction: the decision value, else P(class 1); undefined when neither is stored. */
const scores = (p: StoredPrediction): ReadonlyArray<number> | undefined => {
  if (p.decision !== undefined) return p.decision
  if (p.probabilities === undefined || p.classes !== 2) return undefined
  return Array.from({ length: p.probabilities.length / 2 }, (_, i) => p.probabilities![2 * i + 1])
}

/** The held-out targets and scores of every trial of `model` (in row order), pooled. */
export const pooled = (run: RunRecord, model: string): Pooled => {
  const y: Array<number> = []
  const score: Array<number> = []
  for (const r of run.rows) {
    if (r.model !== model) continue
    const held = run.heldOut.get(r.key)
    const s = held === undefined ? undefined : scores(held.prediction)
    if (held === undefined || s === undefined) continue
    y.push(...held.y)
    score.push(...s)
  }
  return { y, score }
}

/** The pooled ROC curve of each model. */
export const curves = (run: RunRecord, models: ReadonlyArray<{ readonly label: string; readonly model: string }>): Array<Curve> =>
  models.map(({ label, model }) => {
    const { y, score } = pooled(run, model)
    if (y.length === 0) return { label, model, fpr: [], tpr: [], auc: Number.NaN, n: 0 }
    const curve = Metrics.rocCurve(y, score)
    return { label, model, fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr), auc: Metrics.rocAuc(y, score), n: y.length }
  })

/** The curves on one chart, each series named by its label and pooled AUC. */
export const chart = (options: { readonly title: string; readonly subtitle?: string; readonly curves: ReadonlyArray<Curve>; readonly width?: number; readonly height?: number }): Chart.Line =>
  Chart.line({
    title: options.title,
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    data: options.curves.flatMap((c) => c.fpr.map((fpr, i) => ({ fpr, tpr: c.tpr[i], curve: `${c.label} (pooled AUC ${Format.fixed(c.auc, 3)}, n = ${c.n})` }))),
    x: { field: "fpr", title: "false positive rate", domain: [0, 1] },
    y: { field: "tpr", title: "true positive rate", domain: [0, 1] },
    series: { field: "curve", title: "" },
    points: false
  })
