import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Mnist from "../src/data/Mnist.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Task from "../src/data/Task.ts"

const load = (spec: Task.Spec, seed = 11) => Effect.runPromise(Effect.result(Task.load(spec, Random.make(seed))))

describe("Task.decode", () => {
  it("accepts every task with its fields and lists the known tasks", async () => {
    const specs: Array<unknown> = [
      { task: "sine-quadratic", n: 500, noise: 0.3 },
      { task: "smooth", n: 10, noise: 0 },
      { task: "rough", n: 10, noise: 0.1, lengthScale: 0.5 },
      { task: "periodic", n: 10, noise: 0.1, period: 2 },
      { task: "moons", n: 400, noise: 0.2 },
      { task: "circles", n: 40, noise: 0.1, factor: 0.5 },
      { task: "xor", n: 40, noise: 0.1 },
      { task: "mnist", n: 2000, digits: [3, 8] },
      { task: "csv", path: "data/x.csv", target: "y", kind: "classification" },
      { task: "csv", path: "data/x.csv", target: "y" },
      { task: "co2", from: 1960, until: 2004, every: 3 },
      { task: "co2" },
      { task: "cars" },
      { task: "penguins" },
      { task: "seattle-weather" }
    ]
    for (const spec of specs) {
      const r = await Effect.runPromise(Effect.result(Task.decode(spec)))
      expect(r._tag === "Success" && r.success, JSON.stringify(spec)).toEqual(spec)
    }
    expect(Task.names).toEqual(["sine-quadratic", "smooth", "rough", "periodic", "moons", "circles", "xor", "mnist", "csv", "co2", "cars", "penguins", "seattle-weather"])
  })

  it("rejects bad specs with a ConfigError naming the field, and unknown tasks listing the known ones", async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ task: "moons", n: 1, noise: 0.2 }, "task.n", "greater than or equal to 2"],
      [{ task: "sine-quadratic", n: 10, noise: -0.1 }, "task.noise", "[\"noise\"]"],
      [{ task: "sine-quadratic", n: 10.5, noise: 0.1 }, "task.n", "[\"n\"]"],
      [{ task: "circles", n: 10, noise: 0.1, factor: 1 }, "task.factor", "less than 1"],
      [{ task: "mnist", n: 10, digits: [3, 12] }, "task.digits.1", "[\"digits\"][1]"],
      [{ task: "csv", path: "x.csv", target: "y", kind: "ordinal" }, "task.kind", "[\"kind\"]"],
      [{ task: "co2", every: 0 }, "task.every", "[\"every\"]"],
      [{ task: "spiral", n: 10 }, "task", "Known tasks: sine-quadratic, smooth"]
    ]
    for (const [spec, field, expected] of cases) {
      const r = await Effect.runPromise(Effect.result(Task.decode(spec)))
      expect(r._tag, JSON.stringify(spec)).toBe("Failure")
      if (r._tag === "Failure") {
        expect(r.failure._tag).toBe("ConfigError")
        expect(r.failure.field).toBe(field)
        expect(r.failure.message).toContain(expected)
      }
    }
  })
})

describe("Task.load", () => {
  it("draws the synthetic task its spec names with the given generator, defaults applied", async () => {
    const pairs = [
      [{ task: "sine-quadratic", n: 50, noise: 0.3 }, Synthetic.sineQuadratic({ n: 50, noise: 0.3 }, Random.make(11))],
      [{ task: "rough", n: 50, noise: 0.1 }, Synthetic.rough({ n: 50, noise: 0.1, lengthScale: Synthetic.DEFAULT_LENGTH_SCALE }, Random.make(11))],
      [{ task: "periodic", n: 50, noise: 0.1, period: 2 }, Synthetic.periodic({ n: 50, noise: 0.1, period: 2 }, Random.make(11))],
      [{ task: "circles", n: 50, noise: 0.1 }, Synthetic.circles({ n: 50, noise: 0.1, factor: Synthetic.DEFAULT_FACTOR }, Random.make(11))],
      [{ task: "xor", n: 50, noise: 0.1 }, Synthetic.xor({ n: 50, noise: 0.1 }, Random.make(11))]
    ] as const
    for (const [spec, expected] of pairs) {
      const r = await load(spec)
      expect(r._tag === "Success" && r.success, spec.task).toEqual(expected)
    }
  })

  it("loads MNIST digits and CSV files", async () => {
    const m = await load({ task: "mnist", n: 20, digits: [0, 1] })
    const direct = await Effect.runPromise(Mnist.load({ n: 20, digits: [0, 1] }, Random.make(11)))
    expect(m._tag === "Success" && m.success).toEqual(direct)
    const dir = mkdtempSync(join(tmpdir(), "gpnn-task-"))
    const path = join(dir, "tiny.csv")
    writeFileSync(path, "x,y\n1,2\n3,4\n")
    const c = await load({ task: "csv", path, target: "y", kind: "regression" })
    expect(c._tag === "Success" && Array.from(c.success.y)).toEqual([2, 4])
    rmSync(dir, { recursive: true })
  })

  it("re-validates specs built in code: a ConfigError, not a defect", async () => {
    const r = await load({ task: "moons", n: 1, noise: 0 })
    expect(r._tag === "Failure" && r.failure._tag).toBe("ConfigError")
    const missing = await load({ task: "csv", path: "/nonexistent/gpnn.csv", target: "y", kind: "regression" })
    expect(missing._tag === "Failure" && missing.failure._tag).toBe("DataError")
  })
})
