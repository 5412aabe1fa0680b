/**
 * Conformance of the MLP's normalised and regularised training step (src/models/mlp/Training.ts
 * `fullBatchSteps` with a `Network.Structure`) with PyTorch (fixture kind "mlp_norm_step"):
 * LayerNorm and BatchNorm nets, from each case's initial parameters, trained by SGD with coupled
 * L2, AdamW, momentum SGD with global-norm clipping, and plain SGD under StepLR and
 * CosineAnnealingLR; compared are the loss and gradients at the start, and per run the losses,
 * learning rates and gradient norms of every step, the parameters and BatchNorm running
 * statistics after the steps, and the prediction-mode outputs on the test inputs.
 *
 * Conventions (the fixture's description): weights (out, in); a hidden layer is Linear → norm →
 * activation; 'b' null where a layer has no bias, 'gamma'/'beta' null on the readout; each run's
 * optimiser is read from its name and `hyper` ("adamw" decoupled AdamW; "adam…" Adam with coupled
 * decay; otherwise SGD, with momentum when `hyper.momentum` is set; `weightDecay` coupled; `maxNorm`
 * clips; `scheduler` StepLR or CosineAnnealingLR stepped after every step). gpnn computes in
 * float32, so the tolerance is the description's float32 clause (default rtol 1e-4 atol 1e-6).
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Arch from "../../models/Arch.ts"
import * as Loss from "../../models/mlp/Loss.ts"
import * as Network from "../../models/mlp/Network.ts"
import type * as Optimizer from "../../models/mlp/Optimizer.ts"
import type * as Schedule from "../../models/mlp/Schedule.ts"
import * as Training from "../../models/mlp/Training.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"
import * as MlpRuns from "./MlpRuns.ts"

const Numbers = Schema.Array(Schema.Number)
const Rows = Schema.Array(Numbers)
const Layer = Schema.Struct({ W: Rows, b: Schema.NullOr(Numbers), gamma: Schema.NullOr(Numbers), beta: Schema.NullOr(Numbers) })
const Layers = Schema.Array(Layer)
type Layer = typeof Layer.Type

const Run = Schema.Struct({
  name: Schema.String,
  hyper: Schema.Struct({
    lr: Schema.Number,
    weightDecay: Schema.optionalKey(Schema.Number),
    betas: Schema.optionalKey(Numbers),
    eps: Schema.optionalKey(Schema.Number),
    momentum: Schema.optionalKey(Schema.Number),
    maxNorm: Schema.optionalKey(Schema.Number),
    scheduler: Schema.optionalKey(Schema.Struct({
      type: Schema.String,
      stepSize: Schema.optionalKey(Schema.Number),
      stepGamma: Schema.optionalKey(Schema.Number),
      tMax: Schema.optionalKey(Schema.Number),
      etaMin: Schema.optionalKey(Schema.Number)
    }))
  }),
  steps: Schema.Number,
  losses: Schema.optionalKey(Numbers),
  lrs: Schema.optionalKey(Numbers),
  gradNorms: Schema.optionalKey(Numbers),
  layers: Schema.optionalKey(Layers),
  running: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.Struct({ mean: Numbers, var: Numbers })))),
  evalOutputs: Schema.optionalKey(Rows)
})
export type Run = typeof Run.Type

const Case = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  norm: Schema.String,
  activation: Schema.String,
  loss: Schema.String,
  sizes: Numbers,
  eps: Schema.Number,
  bnMomentum: Schema.NullOr(Schema.Number),
  X: Rows,
  y: Schema.Union([Numbers, Rows]),
  Xtest: Rows,
  initial: Layers,
  lossAtStart: Schema.optionalKey(Schema.Number),
  gradsAtStart: Schema.optionalKey(Layers),
  runs: Schema.Array(Run)
})
export type Case = typeof Case.Type

const Fixture = Schema.Struct({ cases: Schema.Array(Case) })
type Fixture = typeof Fixture.Type

export const DEFAULT = { rtol: 1e-4, atol: 1e-6 }

const isOneOf = <A extends string>(values: ReadonlyArray<A>, v: string): v is A => values.some((x) => x === v)

/** The fixture's layers as `Network.Layers` (null biases and γ, β on the readout dropped). */
export const toLayers = (sizes: ReadonlyArray<number>, layers: ReadonlyArray<Layer>): Network.Layers => ({
  sizes,
  weights: layers.map((l) => Float64Array.from(l.W.flat())),
  biases: layers.map((l) => (l.b === null ? undefined : Float64Array.from(l.b))),
  gammas: layers.flatMap((l) => (l.gamma === null ? [] : [Float64Array.from(l.gamma)])),
  betas: layers.flatMap((l) => (l.beta === null ? [] : [Float64Array.from(l.beta)]))
})

/** All of a `Layers` in the fixture's order: per layer W, b, γ, β (absent ones skipped). */
export const flatLayers = (layers: Network.Layers): Array<number> =>
  layers.weights.flatMap((W, i) => [W, layers.biases[i], layers.gammas[i], layers.betas[i]].flatMap((v) => (v === undefined ? [] : Array.from(v))))

/** The fixture's per-layer parameters flattened in the same order, with a label per element. */
const flatFixture = (layers: ReadonlyArray<Layer>): { readonly values: Array<number>; readonly labels: Array<string> } => {
  const values: Array<number> = []
  const labels: Array<string> = []
  layers.forEach((l, i) => {
    l.W.forEach((row, o) => row.forEach((v, k) => (values.push(v), labels.push(`W[${i}][${o},${k}]`))))
    for (const [key, v] of [["b", l.b], ["gamma", l.gamma], ["beta", l.beta]] as const) {
      v?.forEach((x, j) => (values.push(x), labels.push(`${key}[${i}][${j}]`)))
    }
  })
  return { values, labels }
}

/** The optimiser, schedule and clipping a run states; a string saying what is unsupported otherwise. */
export const runSettings = (run: Run): { readonly optimizer: Optimizer.Settings; readonly schedule: Schedule.Plan; readonly clipNorm?: number } | string => {
  const h = run.hyper
  const name: Optimizer.Name = run.name.toLowerCase().includes("adamw")
    ? "adamw"
    : run.name.toLowerCase().includes("adam")
    ? "adam"
    : (h.momentum ?? 0) > 0
    ? "momentum"
    : "sgd"
  const optimizer: Optimizer.Settings = {
    name,
    learningRate: h.lr,
    momentum: h.momentum ?? 0,
    weightDecay: h.weightDecay ?? 0,
    ...(h.betas === undefined ? {} : { beta1: h.betas[0], beta2: h.betas[1] }),
    ...(h.eps === undefined ? {} : { epsilon: h.eps })
  }
  const s = h.scheduler
  let schedule: Schedule.Schedule = { type: "constant" }
  if (s !== undefined) {
    if (s.type === "StepLR" && s.stepSize !== undefined) schedule = { type: "step", stepSize: s.stepSize, gamma: s.stepGamma ?? 0.1 }
    else if (s.type === "CosineAnnealingLR" && s.tMax !== undefined) schedule = { type: "cosine", tMax: s.tMax, etaMin: s.etaMin ?? 0 }
    else return `scheduler ${s.type} with ${Object.keys(s).join(", ")} is not one gpnn replays (StepLR with stepSize, CosineAnnealingLR with tMax)`
  }
  return { optimizer, schedule: { learningRate: h.lr, schedule, warmup: 0 }, ...(h.maxNorm === undefined ? {} : { clipNorm: h.maxNorm }) }
}

/** A case's network structure; a string saying why it is not one gpnn has. */
export const structureOf = (c: Case): Network.Structure | string =>
  isOneOf(Network.norms, c.norm)
    ? { norm: c.norm, eps: c.eps, momentum: c.bnMomentum ?? 0.1, dropout: 0 }
    : `norm "${c.norm}" is not one of gpnn's: ${Network.norms.join(", ")}`

/** Replays one run of a case with gpnn; a string saying why it cannot. */
export const replay = (c: Case, run: Run): Training.StepTrace | string => {
  const activation = c.activation
  const loss = c.loss
  if (!isOneOf(Arch.activations, activation)) return `activation "${activation}" is not one of gpnn's: ${Arch.activations.join(", ")}`
  if (!isOneOf(Loss.kinds, loss)) return `loss "${loss}" is not one of gpnn's: ${Loss.kinds.join(", ")}`
  const structure = structureOf(c)
  if (typeof structure === "string") return structure
  const settings = runSettings(run)
  if (typeof settings === "string") return settings
  return Training.fullBatchSteps({
    params: toLayers(c.sizes, c.initial),
    activation,
    structure,
    loss,
    X: Matrix.fromRows(c.X),
    y: c.y.flat(),
    optimizer: settings.optimizer,
    schedule: settings.schedule,
    ...(settings.clipNorm === undefined ? {} : { clipNorm: settings.clipNorm }),
    steps: run.steps,
    Xtest: Matrix.fromRows(c.Xtest)
  })
}

const runLines = (file: string, c: Case, name: string, r: Run, trace: Training.StepTrace, tol: Check.Tolerance): Array<Check.Line> => {
  const out: Array<Check.Line> = []
  const step = (i: number) => `step ${i}`
  if (r.losses !== undefined) out.push(Check.close(file, `${name}: losses`, trace.losses, r.losses, tol, step))
  if (r.lrs !== undefined) out.push(Check.close(file, `${name}: learning rates`, trace.lrs, r.lrs, tol, step))
  if (r.gradNorms !== undefined) out.push(Check.close(file, `${name}: gradient norms`, trace.gradNorms, r.gradNorms, tol, step))
  if (r.layers !== undefined) {
    const expected = flatFixture(r.layers)
    out.push(Check.close(file, `${name}: parameters after`, flatLayers(trace.layers), expected.values, tol, (i) => expected.labels[i]))
  }
  if (r.running !== undefined && r.running !== null) {
    const expected = r.running.flatMap((s) => [...s.mean, ...s.var])
    const labels = r.running.flatMap((s, l) => [...s.mean.map((_, j) => `mean[${l}][${j}]`), ...s.var.map((_, j) => `var[${l}][${j}]`)])
    out.push(Check.close(file, `${name}: running statistics`, trace.running.flatMap((s) => [...s.mean, ...s.variance]), expected, tol, (i) => labels[i]))
  }
  if (r.evalOutputs !== undefined && trace.evalOutputs !== undefined) {
    const k = c.sizes[c.sizes.length - 1]
    out.push(Check.close(file, `${name}: prediction-mode outputs`, trace.evalOutputs, r.evalOutputs.flat(), tol, (i) => `Xtest[${Math.floor(i / k)}][${i % k}]`))
  }
  return out
}

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const tol = Description.tolerance(description, ["float32"], DEFAULT)
  return MlpRuns.eachRun(file, f.cases, (caseName, r) => `${caseName}/${r.name}×${r.steps}`, (c, caseName, r, j, name) => {
    const trace = replay(c, r)
    if (typeof trace === "string") return [Check.failed(file, name, trace)]
    const out: Array<Check.Line> = []
    // The start is the same for every run: checked once, on the first.
    if (j === 0 && c.lossAtStart !== undefined) out.push(Check.close(file, `${caseName}: loss at start`, trace.losses[0], c.lossAtStart, tol))
    if (j === 0 && c.gradsAtStart !== undefined) {
      const expected = flatFixture(c.gradsAtStart)
      out.push(Check.close(file, `${caseName}: gradients at start`, flatLayers(trace.gradsAtStart), expected.values, tol, (i) => `d${expected.labels[i]}`))
    }
    return [...out, ...runLines(file, c, name, r, trace, tol)]
  })
}

export const kind: Kind.Kind = Kind.make({
  name: "mlp_norm_step",
  signature: "cases[{norm, activation, loss, sizes, eps, bnMomentum, X, y, Xtest, initial, lossAtStart, gradsAtStart, runs[{name, hyper, steps, losses, lrs, gradNorms, layers, running, evalOutputs}]}]",
  schema: Fixture,
  present: (f) => (f.cases.length === 0 ? "cases is empty" : undefined),
  run
})
