/**
 * The overfit check: its rule on recorded losses (every label, in the stated order, at its
 * thresholds), and on real nets, on either engine: a healthy MLP overfits 32 MNIST digits, the same net at learning
 * rate 0 fails as "no-progress", an all-zero net (no gradient reaches the first layer) as
 * "no-gradient", and through the mlp family a failed check stops the fit with a ConfigError that
 * names the diagnosis before any long training.
 */
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Dataset from "../src/data/Dataset.ts"
import * as Mnist from "../src/data/Mnist.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Engine from "../src/workflow/Engine.ts"
import * as OverfitCheck from "../src/workflow/OverfitCheck.ts"
import { assertClose } from "./support/assertClose.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

describe("the rule on recorded losses (prior's loss 2)", () => {
  it.each([
    { losses: [2.3, 1, 0.05], grad: 1, label: "passed" },
    { losses: [2.3, 1, 0.1], grad: 1, label: "passed" },
    { losses: [2.3, 1, 0.11], grad: 1, label: "underfit" },
    { losses: [2.3, 1.9, 1.81], grad: 1, label: "stuck-at-prior" },
    { losses: [2.3, 2.2, 2.1], grad: 1, label: "no-progress" },
    { losses: [2.3, 0, 0], grad: 0, label: "no-gradient" },
    { losses: [2.3, Number.POSITIVE_INFINITY, 0.01], grad: 0, label: "diverged" }
  ] as const)("$losses with gradient norm $grad: $label", ({ losses, grad, label }) => {
    const r = OverfitCheck.judge(losses, grad, 2, 32)
    expect(r.label).toBe(label)
    expect(r.passed).toBe(label === "passed")
    expect(r.advice).toBe(OverfitCheck.advice[label])
    expect(r.steps).toBe(losses.length - 1)
    assertClose([r.finalToPrior, r.initialToPrior], [losses[losses.length - 1] / 2, 2.3 / 2], { rtol: 1e-12 })
  })

  it("refuses a prior's loss of 0 (a subset of one class) and a single loss", () => {
    expect(() => OverfitCheck.judge([1, 0.5], 1, 0, 4)).toThrow(/prior's loss must be > 0/)
    expect(() => OverfitCheck.judge([1], 1, 1, 4)).toThrow(/at least one step/)
  })
})

describe.each([{ engine: "tfjs", wasm: false }, { engine: "wasm", wasm: true }])("on 32 MNIST digits, $engine engine", async ({ wasm }) => {
  const all = await Effect.runPromise(Mnist.load({ n: 32 }, Random.make(3)))
  const data = Dataset.subset(all, Int32Array.from({ length: 32 }, (_, i) => i))
  const arch: Arch.Arch = { inputDim: 784, outputDim: 10, width: 64, depth: 2, activation: "relu", wStd: 1.0, bStd: 0.1 }
  const params = Arch.initialize(arch, "torch", Random.make(4))
  const check = (learningRate: number, p: Arch.Params = params) => {
    const net: Engine.Net = { wasm, backend: "auto", params: p, layers: Network.initialLayers(p, Network.plain), activation: "relu", structure: Network.plain }
    const held = Engine.build(net, { X: data.X, y: data.y, loss: "ce", outputs: 10, maxBatch: 32 })
    try {
      return OverfitCheck.run({ engine: held.engine, loss: "ce", y: data.y, classes: 10, optimizer: { name: "adam", learningRate, momentum: 0 }, steps: 100 })
    } finally {
      held.dispose()
    }
  }

  it("a healthy net (Adam at 1e-3) drives the loss below 5 % of the prior's", () => {
    const r = check(1e-3)
    expect(r.label).toBe("passed")
    expect(r.finalToPrior).toBeLessThan(OverfitCheck.PASS_RATIO)
    expect(r.rows).toBe(32)
  })

  it("the same net at learning rate 0 fails as no-progress", () => {
    const r = check(0)
    expect(r.label).toBe("no-progress")
    assertClose(r.finalLoss, r.initialLoss, { rtol: 1e-6 })
  })

  it("an all-zero net (dead: no gradient flows back to the first layer) fails as no-gradient", () => {
    const zero: Arch.Params = { ...params, weights: params.weights.map((w) => new Float64Array(w.length)), biases: params.biases.map((b) => new Float64Array(b.length)) }
    const r = check(1e-2, zero)
    expect(r.label).toBe("no-gradient")
    expect(r.firstLayerGradientNorm).toBe(0)
    // Only the output bias learns: the loss ends near the prior's, far above a pass.
    expect(r.finalToPrior).toBeGreaterThan(0.9)
  })
})

describe("through the mlp family (which picks the engine: the wasm engine for these plain nets)", async () => {
  const all = await Effect.runPromise(Mnist.load({ n: 32 }, Random.make(3)))
  it("the mlp family runs the check on request: a pass is recorded, a failure stops the fit with a ConfigError naming it", async () => {
    const fit = (config: Partial<Mlp.MlpConfig>) =>
      Effect.runPromise(Effect.exit(Mlp.fit({ ...Mlp.defaults, width: 64, epochs: 1, batchSize: 16, init: "torch", overfitCheck: true, overfitRows: 32, overfitSteps: 100, ...config }, all, { rng: Random.make(1) })).pipe(Effect.provide(NnBackend.layer("auto"))))
    const good = await fit({ learningRate: 1e-3 })
    expect(Exit.isSuccess(good)).toBe(true)
    if (Exit.isSuccess(good)) {
      expect(good.value.info.overfitLabel).toBe("passed")
      good.value.dispose()
    }
    const dead = await fit({ learningRate: 1e-3, init: "ntk-matched", wStd: 0, bStd: 0 })
    expect(Exit.isFailure(dead)).toBe(true)
    expect(String(Exit.isFailure(dead) ? dead.cause : "")).toMatch(/overfit check failed \(no-gradient\)/)
    const oneClass = await Effect.runPromise(Effect.exit(Mlp.fit({ ...Mlp.defaults, width: 8, epochs: 1, overfitCheck: true }, { ...all, y: new Float64Array(all.y.length) }, { rng: Random.make(1) })).pipe(Effect.provide(NnBackend.layer("auto"))))
    expect(String(Exit.isFailure(oneClass) ? oneClass.cause : "")).toMatch(/hold one class only.*raise overfitRows/)
  }, 30_000)
})
