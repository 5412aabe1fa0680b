/**
 * loss-curves: a gallery of training pathologies, each induced on purpose, and how often the
 * loss-curve diagnosis (src/models/mlp/Diagnosis.ts) names the one that was induced. One small
 * noisy 1-d regression task (y = sin(3x) + 0.3x² + noise), k-fold so that every fit has a
 * held-out loss per epoch (the test fold, only recorded, never used to fit), and one MLP setting
 * per pathology:
 *   healthy             a modest net, Adam at a sensible rate, cosine decay to a small rate;
 *   diverged            plain SGD at a rate far above the stability limit (the loss turns NaN;
 *                       the trial is a diverged row, with no stored curve);
 *   stuck-at-mean       a weight decay so large that every weight shrinks to zero and the net
 *                       predicts the training mean;
 *   exploded-recovered  full-batch Adam at a rate whose first steps overshoot by 10–300× before
 *                       its normalised steps bring the loss back down;
 *   oscillating         Adam on batches of 4 with no decay (the per-epoch loss jumps up and down
 *                       once it is small);
 *   overfitting         a wide net on the few noisy points of each training part, full batch, for
 *                       many epochs (the held-out loss turns back up while the training loss
 *                       keeps falling);
 *   not-converged       Adam at a tiny rate for few epochs (still falling at the end).
 * Robust (named in every trial of the quick and the default runs): diverged, stuck-at-mean.
 * Nearly so: healthy (2 of 15 default trials called oscillating: minibatch noise once the loss
 * is small), exploded-recovered (1 of 15 stuck-at-mean: the blow-up killed the ReLUs).
 * Seed- and fold-sensitive: oscillating (its direction-change share sits near the rule's 60 %;
 * independent jumps give about 2/3), not-converged (with 40 training points per fold some runs
 * slow down enough to pass as healthy) and, on the quick profile's 30 points, overfitting (the
 * held-out loss rises by less than the rule's 10 % on some folds). The report counts them.
 * The intended label is each model's axis (`intended`), so the report's confusion table of
 * intended vs diagnosed labels is computed from the stored rows alone.
 */
import { Effect, Schema } from "effect"
import * as Diagnosis from "../src/models/mlp/Diagnosis.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as Literal from "../src/report/Literal.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import type { RunRecord, TrialRow } from "../src/results/Run.ts"

const Params = Schema.Struct({
  n: Parameter.IntAtLeast(10),
  noise: Parameter.NonNegative,
  folds: Parameter.IntAtLeast(2),
  seeds: Parameter.PositiveInt,
  /** Epochs of every setting but the two whose pathology is about length (not-converged, overfitting). */
  epochs: Parameter.IntAtLeast(10),
  /** Epochs of the overfitting setting: long enough for the held-out loss to turn back up. */
  overfitEpochs: Parameter.IntAtLeast(10),
  /** Epochs of the not-converged setting: too few for its tiny rate. */
  slowEpochs: Parameter.IntAtLeast(3)
})
type Params = typeof Params.Type

const TASK = "sine-quadratic"

/** One setting of the gallery: the pathology it induces, how, and the MLP config that does it. */
interface Setting {
  readonly intended: Diagnosis.Label
  readonly how: string
  readonly config: (p: Params) => Readonly<Record<string, unknown>>
}

const base = { depth: 2, activation: "relu", init: "ntk-matched", wStd: 1.5, bStd: 1.0 }

/**
 * The gallery, healthy first, then in the diagnosis's rule order. Each setting was chosen so that
 * its pathology shows on the quick profile's folds and seeds; the report says how often it does.
 */
export const gallery: ReadonlyArray<Setting> = [
  {
    intended: "healthy",
    how: "width 32, Adam lr 0.01 with cosine decay to 1e-4, batch 16",
    config: (p) => ({ ...base, width: 32, optimizer: "adam", learningRate: 0.01, schedule: "cosine", lrMin: 1e-4, epochs: p.epochs, batchSize: 16 })
  },
  {
    intended: "diverged",
    how: "width 32, plain SGD at lr 5 (far above the stability limit), batch 16",
    config: (p) => ({ ...base, width: 32, optimizer: "sgd", learningRate: 5, epochs: p.epochs, batchSize: 16 })
  },
  {
    intended: "stuck-at-mean",
    how: "width 32, full-batch SGD lr 0.05 with weight decay 5 (every weight shrinks to zero)",
    config: (p) => ({ ...base, width: 32, optimizer: "sgd", learningRate: 0.05, weightDecay: 5, epochs: p.epochs, batchSize: p.n })
  },
  {
    intended: "exploded-recovered",
    how: "width 128, full-batch Adam at lr 0.05 (the first steps overshoot, Adam's normalised steps bring it back)",
    config: (p) => ({ ...base, width: 128, optimizer: "adam", learningRate: 0.05, epochs: p.epochs, batchSize: p.n })
  },
  {
    intended: "oscillating",
    how: "width 64, Adam lr 0.01 on batches of 4, no decay (the per-epoch loss jumps up and down)",
    config: (p) => ({ ...base, width: 64, optimizer: "adam", learningRate: 0.01, epochs: p.epochs, batchSize: 4 })
  },
  {
    intended: "overfitting",
    how: "width 256 (PyTorch init), full-batch Adam lr 0.01 for many epochs on the few noisy points of a training part",
    config: (p) => ({ ...base, width: 256, init: "torch", optimizer: "adam", learningRate: 0.01, epochs: p.overfitEpochs, batchSize: p.n })
  },
  {
    intended: "not-converged",
    how: "width 32, Adam at lr 1e-4 for few epochs, batch 16",
    config: (p) => ({ ...base, width: 32, optimizer: "adam", learningRate: 1e-4, epochs: p.slowEpochs, batchSize: 16 })
  }
]

const study = (p: Params): Study.Study => ({
  tasks: [{ name: TASK, spec: { task: "sine-quadratic", n: p.n, noise: p.noise } }],
  split: { kind: "kfold", folds: p.folds },
  seeds: p.seeds,
  models: gallery.map((s) => ({ id: s.intended, family: "mlp", axes: { intended: s.intended }, config: s.config(p) }))
})

/** The label a row's diagnosis gave ("—" when the row has none: a failed trial). */
const diagnosed = (row: TrialRow): string => row.diagnosis?.label ?? Format.missing

/** Agreement of intended and diagnosed labels per setting, from the stored rows. */
export interface Agreement {
  readonly intended: string
  readonly trials: number
  readonly matched: number
  /** How many trials got each label, in Diagnosis.labels order, then any other. */
  readonly counts: ReadonlyMap<string, number>
}

export const agreement = (rows: ReadonlyArray<TrialRow>): Array<Agreement> => {
  const intendedLabels = [...new Set(rows.map((r) => String(r.axes.intended)))]
  return intendedLabels.map((intended) => {
    const own = rows.filter((r) => String(r.axes.intended) === intended)
    const counts = new Map<string, number>()
    for (const r of own) counts.set(diagnosed(r), (counts.get(diagnosed(r)) ?? 0) + 1)
    return { intended, trials: own.length, matched: counts.get(intended) ?? 0, counts }
  })
}

/**
 * The trial whose curve stands for its setting: the first (in plan order) whose diagnosis names
 * the induced pathology and that stored a curve, else the first with a curve, else the first.
 */
const representative = (run: RunRecord, own: ReadonlyArray<TrialRow>): TrialRow | undefined => {
  const withCurve = own.filter((r) => run.curves.has(r.key))
  return withCurve.find((r) => diagnosed(r) === r.axes.intended) ?? withCurve[0] ?? own[0]
}

const evidenceText = (row: TrialRow): string =>
  row.diagnosis === undefined ? Format.missing :
    Object.entries(row.diagnosis.evidence).map(([k, v]) => `${k} ${Number.isInteger(v) ? Format.count(v) : Format.significant(v, 3)}`).join(", ") || Format.missing

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const settings = agreement(rows)
    const diagnosedLabels = [...Diagnosis.labels, Format.missing].filter((l) => settings.some((s) => (s.counts.get(l) ?? 0) > 0))
    const picks = gallery.map((g) => ({ setting: g, row: representative(run, rows.filter((r) => r.axes.intended === g.intended)) }))
    const curveData = picks.flatMap(({ setting, row }) =>
      (row === undefined ? [] : run.curves.get(row.key) ?? []).flatMap((e) => [
        { setting: setting.intended, epoch: e.epoch, split: "train", loss: e.trainLoss },
        ...(e.validLoss === undefined ? [] : [{ setting: setting.intended, epoch: e.epoch, split: "held-out", loss: e.validLoss }])
      ]).filter((d) => Number.isFinite(d.loss) && d.loss > 0))
    const drawn = gallery.map((g) => g.intended).filter((l) => curveData.some((d) => d.setting === l))
    const undrawn = picks.filter(({ setting }) => !drawn.includes(setting.intended))
    const gallerySvg = yield* Chart.render(Chart.facet({
      title: "One training run per induced pathology",
      subtitle: "standardised MSE per epoch (log scale); train = mean over the epoch's minibatches, held-out = the test fold",
      by: { field: "setting", title: "", order: drawn },
      columns: 3,
      chart: Chart.line({
        title: "",
        width: 260,
        height: 170,
        data: curveData,
        x: { field: "epoch", title: "epoch" },
        y: { field: "loss", title: "loss", log: true },
        series: { field: "split", title: "", order: ["train", "held-out"] },
        points: false
      })
    }))
    const total = settings.reduce((t, s) => t + s.trials, 0)
    const matched = settings.reduce((t, s) => t + s.matched, 0)
    const robust = settings.filter((s) => s.trials > 0 && s.matched === s.trials).map((s) => s.intended)
    const sensitive = settings.filter((s) => s.matched < s.trials)
    const findings = [
      `Over all ${total} trials the diagnosis named the induced pathology in **${matched}** (${Format.percent(matched / total)}).`,
      robust.length === 0 ? "No setting was diagnosed as intended in every trial." :
        `Named in every trial (${settings[0]?.trials ?? 0} per setting: ${p.folds} folds × ${p.seeds} seeds): ${robust.join(", ")}.`,
      ...sensitive.map((s) =>
        `${s.intended}: named in ${s.matched} of ${s.trials} trials; the others were called ${[...s.counts].filter(([l]) => l !== s.intended).map(([l, n]) => `${l} (${n})`).join(", ")}, so this setting is seed- or fold-sensitive.`),
      RunFacts.trialStatus(manifest, rows)
    ]
    return Document.make({
      title: "loss-curves: training pathologies induced on purpose, and what the diagnosis calls them",
      intro: `${manifest.title}. Task: x ~ U(−3, 3), y = sin(3x) + 0.3x² + N(0, ${p.noise}²), n = ${p.n}, ${p.folds}-fold CV (x and y standardised on each training part; the held-out curve is the loss on the test fold, recorded but never used to fit). Every net is a 2-hidden-layer ReLU MLP; each setting below changes what induces its pathology, with ${p.seeds} seed(s) per fold. The labels are those of the loss-curve diagnosis (src/models/mlp/Diagnosis.ts), stored with each trial; this report only counts and draws them.`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("The settings", [
          Document.table({
            caption: "What each setting does to induce its pathology (epochs: the settings' own, from the run's parameters).",
            columns: [
              { key: "intended", title: "induced" },
              { key: "how", title: "how" },
              { key: "epochs", title: "epochs" }
            ],
            rows: gallery.map((g) => ({ intended: g.intended, how: g.how, epochs: Number(g.config(p).epochs) }))
          })
        ]),
        Document.section("The gallery", [
          Document.figure({
            name: "gallery",
            svg: gallerySvg,
            caption: `Per setting, the training and held-out loss of one trial: the first whose diagnosis names the induced pathology (else the first with a stored curve).${undrawn.length === 0 ? "" : ` Not drawn: ${undrawn.map(({ setting, row }) => `${setting.intended} (${row === undefined ? "no trial" : row.status === "diverged" ? `its training stopped at epoch ${Format.count(Number(row.info.divergedAtEpoch))} on a non-finite loss, so no curve was stored` : "no curve stored"})`).join("; ")}.`}`
          }),
          Document.table({
            caption: "The diagnosis of each drawn trial: its label, the evidence its rule saw (epochs 1-based; ratios to the start R = max(loss of predicting the mean, initial loss), to the mean-prediction loss, or within the curve), the advice, and any other rule that also held.",
            columns: [
              { key: "intended", title: "induced" },
              { key: "trial", title: "trial" },
              { key: "label", title: "diagnosed" },
              { key: "evidence", title: "evidence" },
              { key: "advice", title: "advice" },
              { key: "others", title: "also held" }
            ],
            rows: picks.map(({ setting, row }) => ({
              intended: setting.intended,
              trial: row === undefined ? Format.missing : `fold ${row.fold}, seed ${row.seedIndex}`,
              label: row === undefined ? Format.missing : `**${diagnosed(row)}**`,
              evidence: row === undefined ? Format.missing : evidenceText(row),
              advice: row?.diagnosis === undefined ? Format.missing : Literal.text(row.diagnosis.advice),
              others: row?.diagnosis === undefined || row.diagnosis.others.length === 0 ? Format.missing : row.diagnosis.others.join(", ")
            }))
          })
        ]),
        Document.section("Intended vs diagnosed", [
          Document.table({
            caption: `Trials of each setting (rows) by the label the diagnosis gave (columns), over ${p.folds} folds × ${p.seeds} seeds; the last column is the share named as induced.`,
            columns: [
              { key: "intended", title: "induced (rows), diagnosed (columns)" },
              ...diagnosedLabels.map((l) => ({ key: l, title: l })),
              { key: "share", title: "named as induced", align: "right" as const }
            ],
            rows: settings.map((s) => ({
              intended: s.intended,
              ...Object.fromEntries(diagnosedLabels.map((l) => [l, s.counts.get(l) ?? 0])),
              share: `${s.matched}/${s.trials} (${Format.percent(s.matched / s.trials, 0)})`
            }))
          })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "loss-curves",
  title: "A gallery of MLP training pathologies and what the loss-curve diagnosis calls them",
  description: "Each pathology (diverged, exploded then recovered, stuck at the mean, too slow, oscillating, overfitting) induced on purpose beside a healthy baseline on a small 1-d regression task: the curves, the diagnosis with its evidence and advice, and how often it names the induced pathology.",
  params: Params,
  defaults: { n: 60, noise: 0.5, folds: 3, seeds: 5, epochs: 100, overfitEpochs: 600, slowEpochs: 40 },
  profiles: {
    quick: { folds: 2, seeds: 2, epochs: 60, overfitEpochs: 300 },
    full: { seeds: 20 }
  },
  seed: 0,
  study,
  report
})
