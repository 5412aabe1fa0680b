/**
 * Backend selection: "auto" skips what is not installed, a missing backend is a BackendError
 * that lists what is available, and the cpu backend trains the same numbers as PyTorch too.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Training from "../src/models/mlp/Training.ts"
import { assertClose } from "./support/assertClose.ts"

const installed = await Backend.available()
const nativeInstalled = installed.includes("tensorflow") || installed.includes("tensorflow-gpu")

describe("Backend", () => {
  it("finds the bundled wasm and cpu backends", () => {
    expect(installed).toContain("wasm")
    expect(installed).toContain("cpu")
  })

  it("auto selects the first backend that loads and reports tf.getBackend()", async () => {
    const name = await Effect.runPromise(Backend.select("auto"))
    expect(name).toBe(tf.getBackend())
    expect(name).toBe(nativeInstalled ? "tensorflow" : "wasm")
    const viaLayer = await Effect.runPromise(
      Effect.provide(Effect.gen(function*() { return yield* Backend.NnBackend }), Backend.NnBackend.layer("auto"))
    )
    expect(viaLayer.name).toBe(name)
  })

  it.skipIf(nativeInstalled)("fails on a backend that is not installed, naming it and listing the available ones", async () => {
    for (const requested of ["tensorflow-gpu", "tensorflow"] as const) {
      const error = await Effect.runPromise(Effect.flip(Backend.select(requested)))
      expect(error._tag).toBe("BackendError")
      expect(error.backend).toBe(requested)
      expect(error.message).toContain(`"${requested}"`)
      expect(error.message).toMatch(/Available here: wasm, cpu/)
    }
  })

  it("trains on the cpu backend to the same PyTorch fixture values", async () => {
    expect(await Effect.runPromise(Backend.select("cpu"))).toBe("cpu")
    expect(tf.getBackend()).toBe("cpu")
    const fixture = JSON.parse(readFileSync(new URL("./fixtures/mlp_step.json", import.meta.url), "utf8"))
    const c = fixture.cases[fixture.cases.length - 1]
    const run = c.runs.find((r: { optimizer: string }) => r.optimizer === "sgd")
    const lr = Number(/'sgd'[^;]*?\blr ([0-9.e-]+)/.exec(fixture.description)![1])
    const trace = Training.fullBatchSteps({
      params: { sizes: c.sizes, weights: c.W.map((W: Array<Array<number>>) => Float64Array.from(W.flat())), biases: c.b.map((b: Array<number>) => Float64Array.from(b)) },
      activation: c.activation,
      loss: c.loss,
      X: Matrix.fromRows(c.X),
      y: c.y.flat(),
      optimizer: { name: "sgd", learningRate: lr, momentum: 0 },
      steps: run.steps
    })
    const tol = { rtol: 1e-4, atol: 1e-6 }
    assertClose(trace.losses, run.losses, tol, "losses")
    run.W.forEach((W: Array<Array<number>>, i: number) => assertClose(trace.layers.weights[i], W.flat(), tol, `W[${i}]`))
    expect(await Effect.runPromise(Backend.select("wasm"))).toBe("wasm")
  })
})
