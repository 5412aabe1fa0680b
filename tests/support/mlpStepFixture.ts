/**
 * fixtures/mlp_step.json as the MLP tests read it: the cases (PyTorch nets, data, optimiser runs),
 * the tolerance its description states for a float32 implementation, and the optimiser settings
 * the description states per optimiser. tests/mlpStep.test.ts (tfjs) and tests/mlpWasm.test.ts
 * (the wasm engine) check against the same reading.
 */
import { readFileSync } from "node:fs"
import type * as Arch from "../../src/models/Arch.ts"
import type * as Loss from "../../src/models/mlp/Loss.ts"
import type * as Optimizer from "../../src/models/mlp/Optimizer.ts"

export interface Params {
  readonly W: Array<Array<Array<number>>>
  readonly b: Array<Array<number>>
}
export interface Run extends Params {
  readonly optimizer: Optimizer.Name
  readonly steps: number
  readonly losses: Array<number>
  readonly gradsAtStart: Params
}
export interface Case extends Params {
  readonly name: string
  readonly sizes: Array<number>
  readonly activation: Arch.Activation
  readonly loss: Loss.Kind
  readonly X: Array<Array<number>>
  readonly y: Array<number> | Array<Array<number>>
  readonly runs: Array<Run>
}

export const fixture: { description: string; cases: Array<Case> } = JSON.parse(
  readFileSync(new URL("../fixtures/mlp_step.json", import.meta.url), "utf8")
)

/** "a float32 implementation rtol 1e-4 atol 1e-6" (the fixture's description). */
export const float32 = { rtol: 1e-4, atol: 1e-6 }

/** The optimiser settings the description states, e.g. "'momentum' two steps of SGD lr 0.1 momentum 0.9". */
export const settingsFor = (name: Optimizer.Name): Optimizer.Settings => {
  const clause = fixture.description.split(/;|\. /).find((part) => part.includes(`'${name}'`))
  const lr = clause?.match(/\blr ([0-9.e-]+)/)
  const mu = clause?.match(/\bmomentum ([0-9.e-]+)/)
  if (clause === undefined || lr === null || lr === undefined) throw new Error(`mlp_step.json: no learning rate stated for '${name}'`)
  if (name === "momentum" && (mu === null || mu === undefined)) throw new Error("mlp_step.json: no momentum stated")
  return { name, learningRate: Number(lr[1]), momentum: name === "momentum" ? Number(mu![1]) : 0 }
}
