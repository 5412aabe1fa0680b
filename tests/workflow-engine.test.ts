/**
 * The workflow stages' engines (`src/workflow/Engine.ts`) step the same net alike: from the same
 * initial weights on the same rows, the tfjs net and gpnn's wasm engine give the same minibatch
 * losses step after step (momentum, a rate per step, clipping) and the same first-layer gradient
 * norm at the start, within float32 tolerance; and the comparison has power (the losses move by
 * far more than the tolerance over the steps).
 */
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Sgemm from "../src/linalg/Sgemm.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Engine from "../src/workflow/Engine.ts"
import { assertClose } from "./support/assertClose.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("cpu"))
})

describe.skipIf(!Sgemm.available())("tfjs and wasm engines", () => {
  const rng = Random.make(21)
  const arch: Arch.Arch = { inputDim: 4, outputDim: 3, width: 24, depth: 2, activation: "tanh", wStd: 1.5, bStd: 0.2 }
  const params = Arch.initialize(arch, "torch", rng)
  const n = 48
  const X = Matrix.make(n, 4, Float64Array.from({ length: n * 4 }, () => rng.normal()))
  const y = Array.from({ length: n }, (_, i) => (X.data[4 * i] > 0 ? 1 : 0) + (X.data[4 * i + 1] > 0.5 ? 1 : 0))
  const trace = (wasm: boolean) => {
    const net: Engine.Net = { wasm, backend: "cpu", params, layers: Network.initialLayers(params, Network.plain), activation: "tanh", structure: Network.plain }
    const held = Engine.build(net, { X, y, loss: "ce", outputs: 3, maxBatch: 16 })
    const stepper = held.engine.make({ name: "momentum", learningRate: 0.1, momentum: 0.9 }, 1, Random.make(1))
    try {
      const losses = Array.from({ length: 30 }, (_, k) => stepper.step(Int32Array.from({ length: 16 }, (_, r) => (5 * k + 3 * r) % n), 0.05 * (1 + k / 10)))
      return { name: held.engine.name, losses, start: stepper.startGradientNorm() }
    } finally {
      stepper.dispose()
      held.dispose()
    }
  }

  it("give the same minibatch losses over 30 steps and the same starting gradient norm", () => {
    const t = trace(false)
    const w = trace(true)
    expect(t.name).toBe("cpu")
    expect(w.name).toMatch(/^gpnn-wasm \((fused|plain)\)$/)
    assertClose(w.losses, t.losses, { rtol: 2e-4, atol: 1e-5 })
    assertClose(w.start, t.start, { rtol: 1e-4 })
    // power: training moved the loss by far more than the tolerance
    expect(Math.abs(t.losses[0] - t.losses[29])).toBeGreaterThan(0.05)
  })
})
