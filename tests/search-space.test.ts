import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { ConfigError } from "../src/core/Errors.ts"
import * as Space from "../src/search/Space.ts"
import { assertClose } from "./support/assertClose.ts"

const space = Space.make([
  Space.categorical("optimizer", ["sgd", "sgd-momentum", "adam"]),
  Space.float("momentum", 0.5, 0.99, { when: { parent: "optimizer", values: ["sgd-momentum"] } }),
  Space.float("lr", 1e-4, 1, { log: true }),
  Space.int("layers", 1, 4),
  Space.int("batch", 16, 256, { log: true })
])

const failure = (f: () => unknown): ConfigError => {
  try {
    f()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error("expected a ConfigError")
}

describe("Space validation", () => {
  it("names the parameter and the allowed values of a bad point", () => {
    const e = failure(() => Space.checkPoint(space, { optimizer: "rmsprop", lr: 0.1, layers: 2, batch: 32 }))
    expect(e.field).toBe("params.optimizer")
    expect(e.message).toContain("\"sgd\", \"sgd-momentum\", \"adam\"")
    const r = failure(() => Space.checkPoint(space, { optimizer: "adam", lr: 3, layers: 2, batch: 32 }))
    expect(r.message).toContain("lr")
    expect(r.message).toContain("[0.0001, 1]")
    const i = failure(() => Space.checkPoint(space, { optimizer: "adam", lr: 0.1, layers: 2.5, batch: 32 }))
    expect(i.message).toContain("integer")
  })

  it("requires a conditional parameter exactly when its parent allows it", () => {
    expect(Space.checkPoint(space, { optimizer: "sgd-momentum", momentum: 0.9, lr: 0.1, layers: 2, batch: 32 })).toBeDefined()
    expect(failure(() => Space.checkPoint(space, { optimizer: "sgd-momentum", lr: 0.1, layers: 2, batch: 32 })).field).toBe("params.momentum")
    expect(failure(() => Space.checkPoint(space, { optimizer: "adam", momentum: 0.9, lr: 0.1, layers: 2, batch: 32 })).message).toContain("only active when optimizer")
  })

  it("rejects bad spaces with the culprit named", () => {
    expect(failure(() => Space.make([Space.float("lr", 0, 1, { log: true })])).message).toContain("log-scaled lr needs low > 0")
    expect(failure(() => Space.make([Space.float("momentum", 0, 1, { when: { parent: "optimizer", values: ["sgd"] } })])).message).toContain("not an earlier parameter")
    expect(failure(() => Space.make([Space.categorical("opt", ["a", "b"]), Space.float("m", 0, 1, { when: { parent: "opt", values: ["c"] } })])).message).toContain("\"a\", \"b\"")
    expect(failure(() => Space.make([Space.int("k", 1.5, 3)])).message).toContain("integer bounds")
  })

  it("decodes a space from JSON with Effect Schema and fails with a ConfigError", () => {
    const ok = Effect.runSync(Space.decode({ params: [{ type: "categorical", name: "opt", choices: ["sgd", "adam"] }, { type: "float", name: "lr", low: 1e-3, high: 1, log: true }] }))
    expect(ok.params[1]).toEqual({ type: "float", name: "lr", low: 1e-3, high: 1, log: true })
    const bad = Effect.runSyncExit(Space.decode({ params: [{ type: "float", name: "lr", low: "small", high: 1 }] }))
    expect(Exit.isFailure(bad)).toBe(true)
    const badBounds = Effect.runSyncExit(Space.decode({ params: [{ type: "float", name: "lr", low: 2, high: 1 }] }))
    expect(String(badBounds)).toContain("lr needs low < high")
  })
})

describe("Space unit cube", () => {
  it("maps log parameters on a log scale and round-trips", () => {
    const p = { optimizer: "sgd-momentum", momentum: 0.745, lr: 1e-2, layers: 3, batch: 64 }
    const u = Space.toUnit(space, p)
    assertClose(u[0], 0.5, { atol: 1e-15 }, "categorical middle")
    assertClose(u[2], 0.5, { atol: 1e-15 }, "log lr: 1e-2 is the middle of [1e-4, 1]")
    assertClose(u[3], (3 - 0.5) / 4, { atol: 1e-15 }, "int slice")
    const back = Space.fromUnit(space, u)
    expect(back.optimizer).toBe("sgd-momentum")
    expect(back.layers).toBe(3)
    expect(back.batch).toBe(64)
    assertClose([back.momentum as number, back.lr as number], [0.745, 1e-2], { rtol: 1e-12 })
  })

  it("gives each integer an equal share of the cube and drops inactive children", () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 400; i++) counts[(Space.unitValue(Space.int("k", 1, 4), (i + 0.5) / 400) as number) - 1]++
    expect(counts).toEqual([100, 100, 100, 100])
    const adam = Space.fromUnit(space, [0.9, 0.3, 0.5, 0.5, 0.5])
    expect(adam.optimizer).toBe("adam")
    expect("momentum" in adam).toBe(false)
    expect(Number.isNaN(Space.toUnit(space, adam)[1])).toBe(true)
  })
})
