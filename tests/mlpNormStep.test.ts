/**
 * PyTorch parity of the normalised and regularised MLP step (fixtures/mlp_norm_step.json):
 * LayerNorm and BatchNorm nets under SGD + L2, AdamW, clipped momentum SGD, StepLR and cosine
 * schedules; losses, learning rates, gradient norms, starting gradients, final parameters,
 * BatchNorm running statistics and prediction-mode outputs. The fixture has power: replaying a
 * run with a neighbouring convention (coupled instead of decoupled decay, no clipping, no decay,
 * another BatchNorm momentum) misses it.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { beforeAll, describe, expect, it } from "vitest"
import * as MlpNormStep from "../src/conformance/checks/MlpNormStep.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import type * as Training from "../src/models/mlp/Training.ts"
import { assertClose } from "./support/assertClose.ts"

const fixture: { description: string; cases: Array<MlpNormStep.Case> } = JSON.parse(
  readFileSync(new URL("./fixtures/mlp_norm_step.json", import.meta.url), "utf8")
)
// "a float32 implementation rtol 1e-4 atol 1e-6" (the fixture's description).
const float32 = { rtol: 1e-4, atol: 1e-6 }

const traceOf = (c: MlpNormStep.Case, run: MlpNormStep.Run): Training.StepTrace => {
  const trace = MlpNormStep.replay(c, run)
  if (typeof trace === "string") throw new Error(trace)
  return trace
}

/** Whether two arrays differ somewhere beyond the fixture's tolerance. */
const differs = (a: ArrayLike<number>, e: ArrayLike<number>): boolean =>
  Array.from(e).some((v, i) => !(Math.abs(a[i] - v) <= float32.atol + float32.rtol * Math.abs(v)))

const expectedLayers = (layers: NonNullable<MlpNormStep.Run["layers"]>, sizes: ReadonlyArray<number>) =>
  MlpNormStep.flatLayers(MlpNormStep.toLayers(sizes, layers))

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

describe("PyTorch parity (fixtures/mlp_norm_step.json)", () => {
  it("covers both norms and every run kind", () => {
    expect(fixture.cases.map((c) => c.norm).sort()).toEqual(["batchnorm", "layernorm"])
    expect(new Set(fixture.cases.flatMap((c) => c.runs.map((r) => r.name)))).toEqual(new Set(["sgd_l2", "adamw", "clip", "schedule_steplr", "schedule_cosine"]))
  })

  describe.each(fixture.cases)("$name", (c) => {
    it("loss and gradients at the start", () => {
      const trace = traceOf(c, c.runs[0])
      assertClose(trace.losses[0], c.lossAtStart!, float32, "loss at start")
      assertClose(MlpNormStep.flatLayers(trace.gradsAtStart), expectedLayers(c.gradsAtStart!, c.sizes), float32, "gradients at start")
    })

    it.each(c.runs)("$name × $steps: losses, lrs, gradient norms, parameters, running stats, eval outputs", (run) => {
      const trace = traceOf(c, run)
      assertClose(trace.losses, run.losses!, float32, "losses")
      assertClose(trace.lrs, run.lrs!, { rtol: 1e-12 }, "learning rates")
      assertClose(trace.gradNorms, run.gradNorms!, float32, "gradient norms")
      assertClose(MlpNormStep.flatLayers(trace.layers), expectedLayers(run.layers!, c.sizes), float32, "parameters after")
      if (c.norm === "batchnorm") {
        assertClose(trace.running.flatMap((s) => [...s.mean, ...s.variance]), run.running!.flatMap((s) => [...s.mean, ...s.var]), float32, "running statistics")
      } else {
        expect(trace.running).toEqual([])
      }
      assertClose(trace.evalOutputs!, run.evalOutputs!.flat(), float32, "prediction-mode outputs")
    })
  })

  it("misses the fixture under neighbouring conventions (the check has power)", () => {
    for (const c of fixture.cases) {
      const byName = (name: string) => c.runs.find((r) => r.name === name)!
      const adamw = byName("adamw")
      const coupled = traceOf(c, { ...adamw, name: "adam" })
      expect(differs(MlpNormStep.flatLayers(coupled.layers), expectedLayers(adamw.layers!, c.sizes))).toBe(true)
      const clip = byName("clip")
      const { maxNorm: _, ...unclipped } = clip.hyper
      expect(differs(MlpNormStep.flatLayers(traceOf(c, { ...clip, hyper: unclipped }).layers), expectedLayers(clip.layers!, c.sizes))).toBe(true)
      const l2 = byName("sgd_l2")
      expect(differs(MlpNormStep.flatLayers(traceOf(c, { ...l2, hyper: { ...l2.hyper, weightDecay: 0 } }).layers), expectedLayers(l2.layers!, c.sizes))).toBe(true)
    }
    // Running statistics with another momentum miss them.
    const bn = fixture.cases.find((c) => c.norm === "batchnorm")!
    const other = traceOf({ ...bn, bnMomentum: 0.2 }, bn.runs[0])
    expect(differs(other.running.flatMap((s) => [...s.mean, ...s.variance]), bn.runs[0].running!.flatMap((s) => [...s.mean, ...s.var]))).toBe(true)
  })

  it("leaves no tensors behind", () => {
    const before = tf.memory().numTensors
    traceOf(fixture.cases[1], fixture.cases[1].runs[1])
    expect(tf.memory().numTensors).toBe(before)
  })
})
