/** LossCurves: per-model mean curves over folds and seeds from a stored run, and their figure. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as LossCurves from "../src/report/LossCurves.ts"
import { assertClose } from "./support/assertClose.ts"
import { row, runRecord } from "./support/runRecord.ts"

const a0 = row("mlp-w8", { axes: { width: 8 }, fold: 0 })
const a1 = row("mlp-w8", { axes: { width: 8 }, fold: 1 })
const b0 = row("mlp-w64", { axes: { width: 64 }, fold: 0 })
const bDiverged = row("mlp-w64", { axes: { width: 64 }, fold: 1, status: "diverged" })
const run = runRecord({
  rows: [a0, a1, b0, bDiverged],
  curves: [
    [a0, [{ epoch: 1, trainLoss: 1.0, validLoss: 2.0 }, { epoch: 2, trainLoss: 0.5, validLoss: 1.5 }]],
    [a1, [{ epoch: 1, trainLoss: 3.0, validLoss: 4.0 }, { epoch: 2, trainLoss: 0.25, validLoss: Number.NaN }]],
    [b0, [{ epoch: 1, trainLoss: 0.8 }]],
    [bDiverged, [{ epoch: 1, trainLoss: 1e9, validLoss: 1e9 }]]
  ]
})

describe("LossCurves.means", () => {
  it("averages each (model, epoch, split) over the ok trials with a finite value", () => {
    const points = LossCurves.means(run)
    const at = (model: string, epoch: number, split: LossCurves.Split) => points.find((p) => p.model === model && p.epoch === epoch && p.split === split)
    assertClose(at("mlp-w8", 1, "train")!.loss, 2.0)
    assertClose(at("mlp-w8", 1, "held-out")!.loss, 3.0)
    assertClose(at("mlp-w8", 2, "train")!.loss, 0.375)
    // fold 1's NaN at epoch 2 is left out: the mean is over one trial
    expect(at("mlp-w8", 2, "held-out")).toMatchObject({ loss: 1.5, trials: 1 })
    expect(at("mlp-w8", 2, "train")!.trials).toBe(2)
    // the diverged trial's 1e9 is not averaged in; b0 has no held-out curve
    expect(at("mlp-w64", 1, "train")).toMatchObject({ loss: 0.8, trials: 1 })
    expect(at("mlp-w64", 1, "held-out")).toBeUndefined()
    expect(points.map((p) => `${p.model}/${p.epoch}/${p.split}`)).toEqual([
      "mlp-w8/1/train", "mlp-w8/1/held-out", "mlp-w8/2/train", "mlp-w8/2/held-out", "mlp-w64/1/train"
    ])
  })
  it("keeps to the rows it is given", () => {
    expect(LossCurves.means(run, [b0]).map((p) => p.model)).toEqual(["mlp-w64"])
  })
})

describe("LossCurves.figure", () => {
  it("draws one panel per model, named by an axis", async () => {
    const block = await Effect.runPromise(LossCurves.figure(run, { title: "Loss", caption: "c", panel: { axis: "width" }, log: true }))
    expect(block).toMatchObject({ kind: "figure", name: "loss-curves", caption: "c" })
    const svg = block.kind === "figure" ? block.svg : ""
    expect(svg).toMatch(/^<svg/)
    expect(svg).toContain(">8<")
    expect(svg).toContain(">64<")
    expect(svg).not.toContain("mlp-w8")
  })
})
