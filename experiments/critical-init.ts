/**
 * critical-init: trainability of deep tanh/erf MLPs on and off the order/chaos critical line
 * (Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep Information Propagation", ICLR 2017).
 *
 * Mean-field theory (models/ntk/Criticality.ts) says that at initialisation a random deep net
 * forgets the correlation between two inputs over ξ_c layers, where ξ_c⁻¹ = −log χ_c diverges on
 * the critical line χ₁ = 1; the paper finds that nets train only when depth ≲ 6ξ_c. The study
 * trains MLPs (ntk-matched init, W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²)) over a (σ_w², depth) grid
 * at one σ_b² for a fixed number of epochs and records their training accuracy; the report sets
 * it against the theory computed from the run's parameters: the correlation map, the phase
 * diagram over (σ_w², σ_b²), q* and the depth scales at the run's σ_b², and the 6ξ_c curve.
 *
 * Convention: trainable means a training accuracy after the fixed epochs of at least
 * chance + `trainableLevel`·(1 − chance), chance = 1/classes; a diverged trial is untrainable.
 */
import { Effect, Schema } from "effect"
import * as Grid from "../src/core/Grid.ts"
import * as Criticality from "../src/models/ntk/Criticality.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Parameter from "../src/pipeline/Parameter.ts"
import type * as Study from "../src/pipeline/Study.ts"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as RunFacts from "../src/report/RunFacts.ts"
import * as Summary from "../src/report/Summary.ts"
import type { RunRecord } from "../src/results/Run.ts"

const Params = Schema.Struct({
  activation: Schema.Literals(["tanh", "erf"]),
  /** σ_b² of every trained net (bStd = √σ_b²). */
  biasVariance: Parameter.NonNegative,
  /** The σ_w² grid of the trained nets (wStd = √σ_w²). */
  weightVariances: Parameter.NonEmpty(Parameter.Positive),
  /** Hidden-layer counts of the trained nets. */
  depths: Parameter.NonEmpty(Parameter.PositiveInt),
  width: Parameter.PositiveInt,
  task: Schema.Literals(["mnist", "moons"]),
  /** Points drawn for the task (MNIST: images of all ten digits). */
  n: Parameter.IntAtLeast(20),
  /** Noise sd of the moons (unused for MNIST). */
  noise: Parameter.NonNegative,
  /** Fraction of the points trained on (stratified holdout; the rest is held out). */
  trainFraction: Parameter.OpenUnit,
  seeds: Parameter.PositiveInt,
  epochs: Parameter.PositiveInt,
  batchSize: Parameter.PositiveInt,
  optimizer: Schema.Literals(["sgd", "momentum"]),
  learningRate: Parameter.Positive,
  /** μ of "momentum". */
  momentum: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1)),
  /** Trainable: training accuracy ≥ chance + trainableLevel·(1 − chance). */
  trainableLevel: Parameter.OpenUnit,
  /** The paper's constant: nets train for depth ≲ depthMultiple·ξ_c. */
  depthMultiple: Parameter.Positive,
  /** σ_w² whose correlation maps the report draws. */
  mapWeightVariances: Parameter.NonEmpty(Parameter.Positive),
  /** Phase diagram: σ_w² ∈ (0, phaseWeightVarianceMax], σ_b² ∈ [0, phaseBiasVarianceMax], phaseSteps cells per axis. */
  phaseWeightVarianceMax: Parameter.Positive,
  phaseBiasVarianceMax: Parameter.Positive,
  phaseSteps: Parameter.IntAtLeast(3)
})
type Params = typeof Params.Type

const modelId = (sigmaW2: number, depth: number): string => `mlp-w2=${sigmaW2}-L${depth}`

/** Shortest decimal for a grid value (axis labels, category names). */
const label = (x: number): string => String(Number(x.toPrecision(6)))

const finiteOr = (x: number, cap: number): number => (Number.isFinite(x) ? Math.min(x, cap) : cap)

/** Within this of χ₁ = 1 a grid value is called critical rather than ordered or chaotic. */
const CRITICAL_BAND = 1e-3

const phaseOf = (chi1: number): string =>
  Math.abs(chi1 - 1) < CRITICAL_BAND ? "critical" : chi1 < 1 ? "ordered" : "chaotic"

interface Cell {
  readonly sigmaW2: number
  readonly depth: number
  readonly trials: number
  readonly ok: number
  readonly diverged: number
  readonly failed: number
  /** Mean training accuracy over trials; a diverged trial counts at chance. NaN when every trial failed. */
  readonly trainAccuracy: number
  readonly testAccuracy: number
  /** Mean training loss of the last epoch over ok trials. */
  readonly finalLoss: number
  readonly trainable: boolean
}

const { mean } = Summary

const cellsOf = (run: RunRecord, p: Params, chance: number, threshold: number): Array<Cell> =>
  p.weightVariances.flatMap((sigmaW2) =>
    p.depths.map((depth): Cell => {
      const rows = run.rows.filter((r) => r.model === modelId(sigmaW2, depth))
      const ok = rows.filter((r) => r.status === "ok")
      const diverged = rows.filter((r) => r.status === "diverged")
      const counted = [...ok.map((r) => r.metrics.trainAccuracy ?? Number.NaN), ...diverged.map(() => chance)]
      const trainAccuracy = mean(counted)
      const losses = ok.map((r) => {
        const curve = run.curves.get(r.key)
        return curve === undefined || curve.length === 0 ? Number.NaN : curve[curve.length - 1].trainLoss
      }).filter(Number.isFinite)
      return {
        sigmaW2,
        depth,
        trials: rows.length,
        ok: ok.length,
        diverged: diverged.length,
        failed: rows.length - ok.length - diverged.length,
        trainAccuracy,
        testAccuracy: mean([...ok.map((r) => r.metrics.accuracy ?? Number.NaN), ...diverged.map(() => chance)]),
        finalLoss: mean(losses),
        trainable: Number.isFinite(trainAccuracy) && trainAccuracy >= threshold
      }
    })
  )

const report = (p: Params, run: RunRecord) =>
  Effect.gen(function*() {
    const { manifest, rows } = run
    const classes = p.task === "mnist" ? 10 : 2
    const chance = 1 / classes
    const threshold = chance + p.trainableLevel * (1 - chance)
    const sb2 = p.biasVariance
    const act = p.activation

    // Theory, from the parameters alone (deterministic).
    const critical = Criticality.criticalWeightVariance(act, sb2)
    const theory = (w: number) => Criticality.propagation(act, w, sb2)
    const sweepMax = Math.max(p.phaseWeightVarianceMax, ...p.weightVariances)
    const sweep = Grid.linspace(sweepMax / 200, sweepMax, 200).concat([critical]).sort((a, b) => a - b).map(theory)
    const atGrid = new Map(p.weightVariances.map((w) => [w, theory(w)] as const))
    const depthCap = 10 * Math.max(...p.depths)

    // (a) The correlation map.
    const cs = Grid.linspace(0, 1, 101)
    const mapRows = p.mapWeightVariances.flatMap((w) => {
      const t = theory(w)
      const map = Criticality.correlationMap(act, w, sb2, t.qStar)
      return cs.map((c) => ({ c, f: map.value(c), series: `σ_w² = ${label(w)}` }))
    })
    const identity = cs.map((c) => ({ c, f: c, series: "identity f(c) = c" }))
    const fixedPoints = p.mapWeightVariances.map((w) => {
      const t = theory(w)
      return { c: t.cStar, f: t.cStar }
    })
    const mapChart = yield* Chart.render(Chart.line({
      title: "Correlation map c ↦ f(c) and its fixed points",
      subtitle: `${act}, σ_b² = ${label(sb2)}; grey points: the stable fixed points c* (c* = 1 in the ordered phase)`,
      data: [...mapRows, ...identity],
      x: { field: "c", title: "input correlation c^l", domain: [0, 1] },
      y: { field: "f", title: "output correlation c^{l+1}", domain: [0, 1] },
      series: { field: "series", title: "", order: [...p.mapWeightVariances.map((w) => `σ_w² = ${label(w)}`), "identity f(c) = c"] },
      points: false,
      overlay: { data: fixedPoints, x: "c", y: "f" }
    }))

    // (b) The phase diagram: log10 ξ_c over (σ_w², σ_b²) with the critical line.
    const steps = p.phaseSteps
    const phaseW = Grid.linspace(p.phaseWeightVarianceMax / steps, p.phaseWeightVarianceMax, steps)
    const phaseB = Grid.linspace(0, p.phaseBiasVarianceMax, steps)
    const XI_CAP = 3
    const phaseCells = phaseB.flatMap((b) =>
      phaseW.map((w) => {
        const t = Criticality.propagation(act, w, b)
        return { w, b, chi1: t.chi1, logXi: finiteOr(Math.log10(t.xiC), XI_CAP) }
      })
    )
    const criticalLine = Grid.linspace(0, p.phaseBiasVarianceMax, 2 * steps + 1).map((b) => ({ w: Criticality.criticalWeightVariance(act, b), b }))
    const phaseChart = yield* Chart.render(Chart.scatter({
      title: "Phase diagram: depth scale ξ_c over (σ_w², σ_b²)",
      subtitle: `${act}; shading log₁₀ ξ_c (capped at ${XI_CAP}); points: the critical line χ₁ = 1 (ordered to its left, chaotic to its right)`,
      data: [...criticalLine.map((r) => ({ ...r, kind: "critical line χ₁ = 1" })), { w: critical, b: sb2, kind: "this run's σ_b²" }],
      x: { field: "w", title: "σ_w²", domain: [0, p.phaseWeightVarianceMax + p.phaseWeightVarianceMax / (2 * steps)] },
      y: { field: "b", title: "σ_b²", domain: [0, p.phaseBiasVarianceMax] },
      colour: { field: "kind", title: "" },
      background: { data: phaseCells, x: "w", y: "b", value: "logXi", title: "log₁₀ ξ_c" }
    }))
    const chiChart = yield* Chart.render(Chart.heatmap({
      title: "χ₁ over (σ_w², σ_b²)",
      subtitle: "χ₁ = σ_w² E[φ′(z)²], z ~ N(0, q*): < 1 ordered, > 1 chaotic",
      data: phaseCells.map((c) => ({ w: label(c.w), b: label(c.b), chi1: c.chi1 })),
      x: { field: "w", title: "σ_w²", order: phaseW.map(label) },
      y: { field: "b", title: "σ_b²", order: [...phaseB].reverse().map(label) },
      value: { field: "chi1", title: "χ₁" },
      text: false
    }))

    // (c) q*, χ₁ and the depth scales against σ_w² at the run's σ_b².
    const scaleRows = sweep.flatMap((t) => [
      { w: t.weightVariance, value: finiteOr(t.xiC, depthCap), series: "ξ_c" },
      { w: t.weightVariance, value: finiteOr(t.xiQ, depthCap), series: "ξ_q" }
    ])
    const scaleChart = yield* Chart.render(Chart.line({
      title: `Depth scales against σ_w² at σ_b² = ${label(sb2)}`,
      subtitle: `ξ_c diverges at the critical σ_w² = ${Format.number(critical, 5)} (capped at ${depthCap} for drawing)`,
      data: scaleRows,
      x: { field: "w", title: "σ_w²" },
      y: { field: "value", title: "layers", log: true },
      series: { field: "series", title: "", order: ["ξ_c", "ξ_q"] },
      points: false
    }))
    const stateRows = sweep.flatMap((t) => [
      { w: t.weightVariance, value: t.qStar, series: "q*" },
      { w: t.weightVariance, value: t.chi1, series: "χ₁" },
      { w: t.weightVariance, value: t.cStar, series: "c*" }
    ])
    const stateChart = yield* Chart.render(Chart.line({
      title: `Fixed points against σ_w² at σ_b² = ${label(sb2)}`,
      subtitle: "q*: pre-activation variance; c*: stable correlation; χ₁ crosses 1 at the critical σ_w²",
      data: stateRows,
      x: { field: "w", title: "σ_w²" },
      y: { field: "value", title: "" },
      series: { field: "series", title: "", order: ["q*", "χ₁", "c*"] },
      points: false
    }))

    // (d) Trainability over (σ_w², depth) against depthMultiple·ξ_c.
    const cells = cellsOf(run, p, chance, threshold)
    const trainChart = yield* Chart.render(Chart.heatmap({
      title: "Trainability: training accuracy after a fixed budget",
      subtitle: `${p.epochs} epochs of ${p.optimizer}, lr ${p.learningRate}, width ${p.width}; mean over ${p.seeds} seed(s); diverged trials count at chance (${Format.fixed(chance, 2)})`,
      data: cells.map((c) => ({ w: label(c.sigmaW2), depth: String(c.depth), acc: c.trainAccuracy })),
      x: { field: "w", title: `σ_w² (critical: ${Format.number(critical, 4)})`, order: p.weightVariances.map(label) },
      y: { field: "depth", title: "hidden layers", order: [...p.depths].sort((a, b) => b - a).map(String) },
      value: { field: "acc", title: "train accuracy", domain: [0, 1], format: (v) => Format.fixed(v, 2) }
    }))
    const deepestTrainable = (w: number): number => {
      const ok = cells.filter((c) => c.sigmaW2 === w && c.trainable).map((c) => c.depth)
      return ok.length === 0 ? Number.NaN : Math.max(...ok)
    }
    const curveRows = sweep
      .filter((t) => t.weightVariance >= Math.min(...p.weightVariances) && t.weightVariance <= Math.max(...p.weightVariances))
      .map((t) => ({ w: t.weightVariance, depth: finiteOr(p.depthMultiple * t.xiC, depthCap), series: `${label(p.depthMultiple)}ξ_c (theory)` }))
    const deepestRows = p.weightVariances.map((w) => ({ w, depth: deepestTrainable(w), series: "deepest trainable net (trained)" }))
    const trainedRows = cells.map((c) => ({ w: c.sigmaW2, depth: c.depth }))
    const boundaryChart = yield* Chart.render(Chart.line({
      title: `Deepest trainable depth against ${label(p.depthMultiple)}ξ_c`,
      subtitle: `grey: every trained (σ_w², depth); trainable = train accuracy ≥ ${Format.fixed(threshold, 2)}`,
      data: [...curveRows, ...deepestRows],
      x: { field: "w", title: "σ_w²" },
      y: { field: "depth", title: "hidden layers", log: true },
      series: { field: "series", title: "", order: [`${label(p.depthMultiple)}ξ_c (theory)`, "deepest trainable net (trained)"] },
      points: false,
      overlay: { data: trainedRows, x: "w", y: "depth" }
    }))

    // Findings, computed.
    const predicted = (c: Cell) => c.depth <= p.depthMultiple * (atGrid.get(c.sigmaW2)?.xiC ?? Number.NaN)
    const judged = cells.filter((c) => Number.isFinite(c.trainAccuracy))
    const agree = judged.filter((c) => c.trainable === predicted(c)).length
    const trainableAtDeepest = (() => {
      const deepest = Math.max(...p.depths)
      return cells.filter((c) => c.depth === deepest && c.trainable).map((c) => c.sigmaW2)
    })()
    const nearest = [...p.weightVariances].sort((a, b) => Math.abs(a - critical) - Math.abs(b - critical) || a - b)[0]
    const bestByDepth = [...p.depths].sort((a, b) => a - b).map((depth) => {
      const row = cells.filter((c) => c.depth === depth && Number.isFinite(c.trainAccuracy))
      const best = row.reduce<Cell | undefined>((a, b) => (a === undefined || b.trainAccuracy > a.trainAccuracy ? b : a), undefined)
      return { depth, best }
    })
    const findings = [
      `Mean-field theory puts the critical line for ${act} at σ_b² = ${label(sb2)} at **σ_w² = ${Format.number(critical, 5)}** (χ₁ = ${Format.number(theory(critical).chi1, 10)} there, q* = ${Format.number(theory(critical).qStar, 4)}); the grid value nearest to it is σ_w² = ${label(nearest)}, where ξ_c = ${Format.number(atGrid.get(nearest)?.xiC, 4)} layers.`,
      `Over the trained grid, ${agree} of ${judged.length} (σ_w², depth) cells agree with the rule "trainable iff depth ≤ ${label(p.depthMultiple)}ξ_c" (${Format.percent(judged.length === 0 ? Number.NaN : agree / judged.length)}).`,
      ...p.weightVariances.map((w) => {
        const d = deepestTrainable(w)
        const xi = atGrid.get(w)?.xiC ?? Number.NaN
        return `σ_w² = ${label(w)} (${phaseOf(atGrid.get(w)?.chi1 ?? Number.NaN)}, ξ_c = ${Format.number(xi, 3)}, ${label(p.depthMultiple)}ξ_c = ${Format.number(p.depthMultiple * xi, 3)}): ` +
          (Number.isFinite(d) ? `deepest trainable net ${d} layers${d <= p.depthMultiple * xi ? "" : `, beyond ${label(p.depthMultiple)}ξ_c`}` : "no depth of the grid trained") +
          `${Number.isFinite(d) && d === Math.max(...p.depths) ? " (the deepest tried)" : ""}.`
      }),
      trainableAtDeepest.length === 0
        ? `At the deepest depth tried (${Math.max(...p.depths)}) no σ_w² trained.`
        : `At the deepest depth tried (${Math.max(...p.depths)}) the nets that trained had σ_w² ∈ {${trainableAtDeepest.map(label).join(", ")}}${trainableAtDeepest.includes(nearest) ? ", including the grid value nearest the critical line" : ", not including the grid value nearest the critical line"}.`,
      (() => {
        const show = (cs: ReadonlyArray<Cell>) => cs.map((c) => `(${label(c.sigmaW2)}, ${c.depth})`).join(", ")
        const beyond = judged.filter((c) => c.trainable && !predicted(c))
        const within = judged.filter((c) => !c.trainable && predicted(c))
        return `Disagreements, as (σ_w², depth): ${beyond.length} cell(s) deeper than ${label(p.depthMultiple)}ξ_c trained anyway${beyond.length > 0 ? ` [${show(beyond)}]` : ""}; ${within.length} cell(s) within ${label(p.depthMultiple)}ξ_c did not train in ${p.epochs} epochs at width ${p.width}${within.length > 0 ? ` [${show(within)}]` : ""}.`
      })(),
      `Best σ_w² per depth (training accuracy): ${bestByDepth.map(({ depth, best }) => best === undefined ? `${depth}: —` : `${depth}: ${label(best.sigmaW2)} (${Format.fixed(best.trainAccuracy, 3)})`).join("; ")}.`,
      `${RunFacts.trialStatus(manifest, rows)} It ran with ${manifest.sessions.map((s) => s.jobs).join("/")} worker(s).`
    ]

    const taskText = p.task === "mnist"
      ? `${p.n} MNIST images (10 classes)`
      : `noisy moons, n = ${p.n}, noise sd ${p.noise}`
    return Document.make({
      title: "critical-init: deep nets train near the order/chaos critical line",
      intro: `${manifest.title}. Task: ${taskText}, stratified holdout with ${Format.percent(p.trainFraction, 0)} for training (features standardised on it). Models: ${act} MLPs of width ${p.width}, ${p.depths.join(", ")} hidden layers, ntk-matched init W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) with σ_b² = ${label(sb2)} and σ_w² ∈ {${p.weightVariances.map(label).join(", ")}}; ${p.optimizer}${p.optimizer === "momentum" ? ` (μ = ${p.momentum})` : ""}, lr ${p.learningRate}, batch ${p.batchSize}, ${p.epochs} epochs, ${p.seeds} seed(s). Theory: Criticality.ts (mean-field limits, width → ∞).`,
      sections: [
        Document.section("Findings", [Document.bullets(findings)]),
        Document.section("Trainability against depth", [
          Document.figure({ name: "trainability", svg: trainChart, caption: "Mean training accuracy after the fixed budget over the (σ_w², depth) grid." }),
          Document.figure({ name: "depth-boundary", svg: boundaryChart, caption: `The deepest trainable net per σ_w² against the ${label(p.depthMultiple)}ξ_c curve of mean-field theory.` }),
          Document.table({
            caption: `Every trained cell. "theory" is whether depth ≤ ${label(p.depthMultiple)}ξ_c; accuracies are means over seeds (diverged trials at chance); the loss is the mean minibatch cross-entropy of the last epoch.`,
            columns: [
              { key: "w", title: "σ_w²" },
              { key: "depth", title: "depth" },
              { key: "xi", title: `${label(p.depthMultiple)}ξ_c`, align: "right" },
              { key: "train", title: "train accuracy", align: "right" },
              { key: "test", title: "held-out accuracy", align: "right" },
              { key: "loss", title: "last-epoch train loss", align: "right" },
              { key: "trainable", title: "trainable" },
              { key: "theory", title: "theory" },
              { key: "trials", title: "ok / diverged / trials" }
            ],
            rows: cells.map((c) => ({
              w: label(c.sigmaW2),
              depth: c.depth,
              xi: Format.number(p.depthMultiple * (atGrid.get(c.sigmaW2)?.xiC ?? Number.NaN), 3),
              train: Format.fixed(c.trainAccuracy, 3),
              test: Format.fixed(c.testAccuracy, 3),
              loss: Format.number(c.finalLoss, 3),
              trainable: c.trainable ? "yes" : "no",
              theory: predicted(c) ? "trainable" : "not",
              trials: `${c.ok} / ${c.diverged} / ${c.trials}`
            }))
          })
        ]),
        Document.section("Mean-field theory at the run's σ_b²", [
          Document.figure({ name: "correlation-map", svg: mapChart, caption: "The correlation map for several σ_w²: its slope at c = 1 is χ₁; above the critical σ_w² the fixed point c* moves below 1." }),
          Document.figure({ name: "depth-scales", svg: scaleChart, caption: "ξ_c and ξ_q against σ_w²." }),
          Document.figure({ name: "fixed-points", svg: stateChart, caption: "q*, c* and χ₁ against σ_w²." }),
          Document.table({
            caption: "The theory at the trained σ_w².",
            columns: [
              { key: "w", title: "σ_w²" },
              { key: "q", title: "q*", align: "right" },
              { key: "c", title: "c*", align: "right" },
              { key: "chi1", title: "χ₁", align: "right" },
              { key: "chic", title: "χ_c", align: "right" },
              { key: "xiq", title: "ξ_q", align: "right" },
              { key: "xic", title: "ξ_c", align: "right" },
              { key: "phase", title: "phase" }
            ],
            rows: p.weightVariances.map((w) => {
              const t = theory(w)
              return {
                w: label(w),
                q: Format.number(t.qStar, 4),
                c: Format.number(t.cStar, 4),
                chi1: Format.number(t.chi1, 5),
                chic: Format.number(t.chiC, 5),
                xiq: Format.number(t.xiQ, 4),
                xic: Format.number(t.xiC, 4),
                phase: phaseOf(t.chi1)
              }
            })
          })
        ]),
        Document.section("Phase diagram", [
          Document.figure({ name: "phase-diagram", svg: phaseChart, caption: "log₁₀ ξ_c over (σ_w², σ_b²) with the critical line χ₁ = 1." }),
          Document.figure({ name: "chi1-heatmap", svg: chiChart, caption: "χ₁ over the same grid." }),
          Document.table({
            caption: "The critical line.",
            columns: [{ key: "b", title: "σ_b²" }, { key: "w", title: "critical σ_w²", align: "right" }],
            rows: criticalLine.filter((_, i) => i % 2 === 0).map((r) => ({ b: label(r.b), w: Format.number(r.w, 5) }))
          })
        ]),
        RunFacts.section(manifest)
      ]
    })
  })

export default Experiment.define({
  name: "critical-init",
  title: "Trainability of deep tanh MLPs on and off the order/chaos critical line",
  description: "MLPs over a (σ_w², depth) grid at fixed σ_b², trained for a fixed budget, against mean-field depth scales: nets train for depth ≲ 6ξ_c, which diverges on the critical line χ₁ = 1.",
  params: Params,
  defaults: {
    activation: "tanh",
    biasVariance: 0.05,
    weightVariances: [1, 1.25, 1.5, 1.76, 2, 2.5, 3, 4],
    depths: [6, 12, 24, 48, 96],
    width: 64,
    task: "mnist",
    n: 800,
    noise: 0.2,
    trainFraction: 0.8,
    seeds: 1,
    epochs: 30,
    batchSize: 32,
    optimizer: "sgd",
    learningRate: 0.01,
    momentum: 0.9,
    trainableLevel: 0.5,
    depthMultiple: 6,
    mapWeightVariances: [1, 1.76, 2.5, 4],
    phaseWeightVarianceMax: 4,
    phaseBiasVarianceMax: 0.3,
    phaseSteps: 24
  },
  profiles: {
    quick: { weightVariances: [1, 2.5], depths: [2, 24], width: 32, n: 200, epochs: 10, phaseSteps: 8, mapWeightVariances: [1, 2.5] },
    full: {
      weightVariances: [0.5, 1, 1.25, 1.5, 1.76, 2, 2.5, 3, 4],
      depths: [5, 10, 20, 40, 80, 120],
      width: 128,
      n: 2000,
      seeds: 2,
      epochs: 30,
      phaseSteps: 40
    }
  },
  seed: 0,
  study: (p): Study.Study => ({
    tasks: [{
      name: p.task,
      spec: p.task === "mnist" ? { task: "mnist", n: p.n } : { task: "moons", n: p.n, noise: p.noise }
    }],
    split: { kind: "holdout", stratified: true, train: p.trainFraction, validation: 0, test: 1 - p.trainFraction },
    seeds: p.seeds,
    models: p.weightVariances.flatMap((sigmaW2) =>
      p.depths.map((depth): Study.ModelEntry => ({
        id: modelId(sigmaW2, depth),
        family: "mlp",
        axes: { sigmaW2, depth },
        config: {
          width: p.width,
          depth,
          activation: p.activation,
          wStd: Math.sqrt(sigmaW2),
          bStd: Math.sqrt(p.biasVariance),
          init: "ntk-matched",
          optimizer: p.optimizer,
          learningRate: p.learningRate,
          momentum: p.momentum,
          epochs: p.epochs,
          batchSize: p.batchSize
        }
      }))
    )
  }),
  report
})
