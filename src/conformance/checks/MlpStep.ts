/**
 * Conformance of the MLP's training step (src/models/mlp/Training.ts `fullBatchSteps`) with
 * PyTorch (fixture kind "mlp_step"): from each case's starting weights and batch, the losses
 * before every step, the gradients at the start and the parameters after SGD, momentum and Adam
 * steps.
 *
 * Conventions (the fixture's description): weights in PyTorch's (out, in) layout; the optimiser
 * settings are read from the description ("'momentum' two steps of SGD lr 0.1 momentum 0.9",
 * "'adam' … lr 0.01, betas (0.9, 0.999), eps 1e-8"; Adam's betas and eps default to PyTorch's
 * when not stated; a learning rate must be stated). gpnn's MLP computes in float32 (tfjs), so the
 * tolerance is the description's float32 clause ("a float32 implementation rtol 1e-4 atol 1e-6",
 * the default). The tfjs backend is the first that loads ("auto").
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import * as Matrix from "../../linalg/Matrix.ts"
import * as Arch from "../../models/Arch.ts"
import * as Loss from "../../models/mlp/Loss.ts"
import * as Optimizer from "../../models/mlp/Optimizer.ts"
import * as Training from "../../models/mlp/Training.ts"
import * as Check from "../Check.ts"
import * as Description from "../Description.ts"
import * as Kind from "../Kind.ts"
import * as MlpRuns from "./MlpRuns.ts"

const Numbers = Schema.Array(Schema.Number)
const Rows = Schema.Array(Numbers)
const Params = { W: Schema.Array(Rows), b: Rows }

const Fixture = Schema.Struct({
  cases: Schema.Array(Schema.Struct({
    name: Schema.optionalKey(Schema.String),
    sizes: Numbers,
    activation: Schema.String,
    loss: Schema.String,
    ...Params,
    X: Rows,
    y: Schema.Union([Numbers, Rows]),
    runs: Schema.Array(Schema.Struct({
      optimizer: Schema.String,
      steps: Schema.Number,
      losses: Schema.optionalKey(Numbers),
      gradsAtStart: Schema.optionalKey(Schema.Struct(Params)),
      W: Schema.optionalKey(Schema.Array(Rows)),
      b: Schema.optionalKey(Rows)
    }))
  }))
})
type Fixture = typeof Fixture.Type

const DEFAULT = { rtol: 1e-4, atol: 1e-6 }

const isOneOf = <A extends string>(values: ReadonlyArray<A>, v: string): v is A => values.some((x) => x === v)

/** The optimiser settings the description states for `name`; a string saying what is missing otherwise. */
export const settingsFor = (description: string | undefined, name: Optimizer.Name): Optimizer.Settings | string => {
  const key = `'${name}'`
  const learningRate = Description.setting(description, key, String.raw`\blr\s*=?\s*(N)`)
  if (learningRate === undefined) return `the description states no learning rate ("lr …") for ${key}`
  const momentum = name === "momentum" ? Description.setting(description, key, String.raw`\bmomentum\s*=?\s*(N)`) : 0
  if (momentum === undefined) return `the description states no momentum for ${key}`
  if (name !== "adam") return { name, learningRate, momentum }
  const beta1 = Description.setting(description, key, String.raw`betas\s*=?\s*\(\s*(N)`)
  const beta2 = Description.setting(description, key, String.raw`betas\s*=?\s*\(\s*[0-9.eE+-]+\s*,\s*(N)`)
  const epsilon = Description.setting(description, key, String.raw`\beps(?:ilon)?\s*=?\s*(N)`)
  return {
    name,
    learningRate,
    momentum: 0,
    ...(beta1 === undefined ? {} : { beta1 }),
    ...(beta2 === undefined ? {} : { beta2 }),
    ...(epsilon === undefined ? {} : { epsilon })
  }
}

const toParams = (sizes: ReadonlyArray<number>, W: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>, b: ReadonlyArray<ReadonlyArray<number>>): Arch.Params => ({
  sizes,
  weights: W.map((w) => Float64Array.from(w.flat())),
  biases: b.map((v) => Float64Array.from(v))
})

/** Elements labelled "W[layer][row,col]" / "b[layer][i]" across all layers, in the flattened order. */
const layerLabels = (prefix: string, sizes: ReadonlyArray<number>, which: "W" | "b") => (i: number): string => {
  let rest = i
  for (let l = 0; l + 1 < sizes.length; l++) {
    const count = which === "W" ? sizes[l + 1] * sizes[l] : sizes[l + 1]
    if (rest < count) return which === "W" ? `${prefix}W[${l}][${Math.floor(rest / sizes[l])},${rest % sizes[l]}]` : `${prefix}b[${l}][${rest}]`
    rest -= count
  }
  return `${prefix}${which}[?${i}]`
}

const run = (f: Fixture, { file, description }: Kind.Context): Effect.Effect<ReadonlyArray<Check.Line>> => {
  const tol = Description.tolerance(description, ["float32"], DEFAULT)
  return MlpRuns.eachRun(file, f.cases, (caseName, r) => `${caseName}/${r.optimizer}×${r.steps}`, (c, _caseName, r, _j, name) => {
    const activation = c.activation
    const loss = c.loss
    const optimizer = r.optimizer
    if (!isOneOf(Arch.activations, activation)) return [Check.failed(file, name, `activation "${activation}" is not one of gpnn's: ${Arch.activations.join(", ")}`)]
    if (!isOneOf(Loss.kinds, loss)) return [Check.failed(file, name, `loss "${loss}" is not one of gpnn's: ${Loss.kinds.join(", ")}`)]
    if (!isOneOf(Optimizer.names, optimizer)) return [Check.failed(file, name, `optimizer "${optimizer}" is not one of gpnn's: ${Optimizer.names.join(", ")}`)]
    const settings = settingsFor(description, optimizer)
    if (typeof settings === "string") return [Check.failed(file, name, settings)]
    const trace = Training.fullBatchSteps({
      params: toParams(c.sizes, c.W, c.b),
      activation,
      loss,
      X: Matrix.fromRows(c.X),
      y: c.y.flat(),
      optimizer: settings,
      steps: r.steps
    })
    const out: Array<Check.Line> = []
    if (r.losses !== undefined) out.push(Check.close(file, `${name}: losses`, trace.losses, r.losses, tol, (i) => `step ${i}`))
    const g = r.gradsAtStart
    if (g !== undefined) {
      out.push(Check.close(
        file,
        `${name}: gradients at start`,
        [...trace.gradsAtStart.weights.flatMap((w) => Array.from(w)), ...trace.gradsAtStart.biases.flatMap((v) => (v === undefined ? [] : Array.from(v)))],
        [...g.W.flat(2), ...g.b.flat()],
        tol,
        (i) => {
          const nW = g.W.flat(2).length
          return i < nW ? layerLabels("d", c.sizes, "W")(i) : layerLabels("d", c.sizes, "b")(i - nW)
        }
      ))
    }
    if (r.W !== undefined || r.b !== undefined) {
      const W = r.W ?? []
      const b = r.b ?? []
      const nW = W.flat(2).length
      out.push(Check.close(
        file,
        `${name}: parameters after`,
        [...(r.W === undefined ? [] : trace.layers.weights.flatMap((w) => Array.from(w))), ...(r.b === undefined ? [] : trace.layers.biases.flatMap((v) => (v === undefined ? [] : Array.from(v))))],
        [...W.flat(2), ...b.flat()],
        tol,
        (i) => (i < nW ? layerLabels("", c.sizes, "W")(i) : layerLabels("", c.sizes, "b")(i - nW))
      ))
    }
    return out
  })
}

export const kind: Kind.Kind = Kind.make({
  name: "mlp_step",
  signature: "cases[{sizes, activation, loss, W, b, X, y, runs[{optimizer, steps, losses, gradsAtStart, W, b}]}]",
  schema: Fixture,
  present: (f) => (f.cases.length === 0 ? "cases is empty" : undefined),
  run
})
