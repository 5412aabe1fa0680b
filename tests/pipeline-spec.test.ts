import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Study from "../src/pipeline/Study.ts"

const Params = Schema.Struct({
  widths: Schema.Array(Schema.Int.check(Schema.isGreaterThan(0))),
  epochs: Schema.Int.check(Schema.isGreaterThan(0)),
  learningRate: Schema.Finite,
  optimizer: Schema.Literals(["adam", "sgd"])
})

const toy = Experiment.define({
  name: "toy",
  title: "Toy",
  description: "A toy study for the spec tests.",
  params: Params,
  defaults: { widths: [8, 16], epochs: 10, learningRate: 0.01, optimizer: "adam" },
  profiles: { quick: { epochs: 2 }, full: { widths: [8, 16, 32] } },
  seed: 0,
  study: (p) => ({
    tasks: [{ name: "t", spec: {} as never }],
    split: { kind: "kfold", folds: 3 },
    models: p.widths.map((w) => ({ id: `m${w}`, family: "mlp", config: { width: w }, axes: { width: w } })),
    seeds: 2
  }),
  report: () => Effect.die("unused")
})

const resolve = (profile: Experiment.Profile, overrides: ReadonlyArray<string>) =>
  Effect.runSync(Effect.result(Experiment.resolve(toy, profile, overrides)))

describe("Experiment.resolve", () => {
  it("layers defaults, profile and overrides, parsed by the field's type", () => {
    const r = resolve("quick", ["widths=4,64", "learningRate=0.5", "optimizer=sgd"])
    expect(r._tag).toBe("Success")
    if (r._tag === "Success") expect(r.success).toEqual({ widths: [4, 64], epochs: 2, learningRate: 0.5, optimizer: "sgd" })
  })

  it("names an unknown parameter and lists the known ones", () => {
    const r = resolve("default", ["width=4"])
    expect(r._tag).toBe("Failure")
    if (r._tag === "Failure") {
      expect(r.failure.field).toBe("width")
      expect(r.failure.message).toContain("Known: widths, epochs, learningRate, optimizer")
    }
  })

  it("rejects values the schema rejects, naming the field", () => {
    for (const bad of ["widths=8,-1", "epochs=1.5", "optimizer=rmsprop", "learningRate=abc"]) {
      const r = resolve("default", [bad])
      expect(r._tag, bad).toBe("Failure")
      if (r._tag === "Failure") expect(r.failure.message).toContain(bad.split("=")[0])
    }
  })
})

describe("Study.trials", () => {
  const study = toy.study({ widths: [8, 16], epochs: 1, learningRate: 1, optimizer: "adam" })
  const stochastic = (family: string) => family === "mlp"

  it("expands task × fold × model × seed with unique keys, in plan order", () => {
    const trials = Study.trials(study, Rng.make(7), stochastic)
    expect(trials).toHaveLength(3 * 2 * 2)
    expect(new Set(trials.map((t) => t.key)).size).toBe(trials.length)
    expect(trials.map((t) => t.order)).toEqual(trials.map((_, i) => i))
  })

  it("derives each trial's seed from the run seed and its key alone", () => {
    const a = Study.trials(study, Rng.make(7), stochastic)
    const b = Study.trials({ ...study, models: [...study.models].reverse() }, Rng.make(7), stochastic)
    const seedOf = new Map(b.map((t) => [t.key, t.seed]))
    for (const t of a) expect(seedOf.get(t.key)).toBe(t.seed)
    expect(Study.trials(study, Rng.make(8), stochastic)[0].seed).not.toBe(a[0].seed)
  })

  it("runs deterministic families once per fold", () => {
    expect(Study.trials(study, Rng.make(7), () => false)).toHaveLength(3 * 2)
  })
})
