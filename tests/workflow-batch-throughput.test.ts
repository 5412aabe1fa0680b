/**
 * Batch size by throughput: the 90 %-of-best rule on given throughputs (and that it is not the
 * argmax), linear scaling, and a measurement on either engine (tfjs, gpnn's wasm engine) that
 * yields one positive throughput per size, sizes above the row count measured at the row count.
 * (That the engines' steps agree: tests/workflow-engine.test.ts.)
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as BatchThroughput from "../src/workflow/BatchThroughput.ts"
import * as Engine from "../src/workflow/Engine.ts"
import { assertClose } from "./support/assertClose.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

const m = (pairs: ReadonlyArray<readonly [number, number]>) => pairs.map(([batchSize, samplesPerSecond]) => ({ batchSize, samplesPerSecond }))

describe("choose", () => {
  it("the smallest size reaching 90 % of the best throughput, not the fastest", () => {
    // Best 340; 0.9 × 340 = 306: 64 (330) qualifies, 32 (300) does not; the argmax would be 128.
    expect(BatchThroughput.choose(m([[8, 100], [16, 180], [32, 300], [64, 330], [128, 340]]))).toBe(64)
    // Exactly at the share counts; order of the measurements does not matter.
    expect(BatchThroughput.choose(m([[256, 100], [32, 50], [16, 49.9]]), 0.5)).toBe(32)
    expect(BatchThroughput.choose(m([[64, 1]]))).toBe(64)
    expect(BatchThroughput.choose(m([[8, 100], [16, 180], [32, 300], [64, 330], [128, 340]]), 0.5)).toBe(16)
  })

  it("refuses no measurements and non-positive throughputs", () => {
    expect(() => BatchThroughput.choose([])).toThrow(/no measurements/)
    expect(() => BatchThroughput.choose(m([[8, 0]]))).toThrow(/> 0/)
  })

  it("linear scaling: lr₀ · B / B₀", () => {
    assertClose([BatchThroughput.linearScaling(0.1, 256, 8192), BatchThroughput.linearScaling(1e-3, 64, 16)], [3.2, 2.5e-4], { rtol: 1e-12 })
  })
})

describe.each([{ wasm: false }, { wasm: true }])("measure on the $wasm engine (wasm: true is gpnn's)", ({ wasm }) => {
  it("one positive throughput per size, sizes above n measured at n, no tensors left", async () => {
    const rng = Random.make(2)
    const arch: Arch.Arch = { inputDim: 5, outputDim: 3, width: 16, depth: 1, activation: "relu", wStd: 1.4, bStd: 0.1 }
    const params = Arch.initialize(arch, "ntk-matched", rng)
    const net: Engine.Net = { wasm, backend: "test", params, layers: Network.initialLayers(params, Network.plain), activation: "relu", structure: Network.plain }
    const X = Matrix.make(40, 5, Float64Array.from({ length: 200 }, () => rng.normal()))
    const before = tf.memory().numTensors
    const held = Engine.build(net, { X, y: Array.from({ length: 40 }, (_, i) => i % 3), loss: "ce", outputs: 3, maxBatch: 100 })
    const out = await Effect.runPromise(BatchThroughput.measure({ engine: held.engine, optimizer: { name: "sgd", learningRate: 0.01, momentum: 0 }, sizes: [4, 16, 100], warmup: 1, steps: 3, rng }))
    held.dispose()
    expect(tf.memory().numTensors).toBe(before)
    expect(out.map((o) => o.batchSize)).toEqual([4, 16, 40])
    expect(out.every((o) => o.samplesPerSecond > 0 && Number.isFinite(o.samplesPerSecond))).toBe(true)
  })
})
