/**
 * The learning-rate range test: its smoothing, gradient and divergence rules against hand-computed
 * values, its suggestion on synthetic curves whose steepest point is known (and where the loss
 * minimum, a different rule, would answer otherwise), and on a small real problem a suggestion
 * within a factor of 3 of the best of a grid of fixed rates, where rates 10× away from the best
 * are clearly worse (so the factor is a real constraint).
 */
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Standardise from "../src/data/Standardise.ts"
import * as Synthetic from "../src/data/Synthetic.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import * as Mlp from "../src/models/mlp/Mlp.ts"
import * as LrRangeTest from "../src/workflow/LrRangeTest.ts"
import { assertClose } from "./support/assertClose.ts"

beforeAll(async () => {
  await Effect.runPromise(Backend.select("auto"))
})

const sweep: LrRangeTest.Sweep = { minLr: 1e-6, maxLr: 1, steps: 100 }
const rates = Array.from({ length: sweep.steps }, (_, i) => LrRangeTest.rate(sweep, i))

describe("rules", () => {
  it("rates sweep exponentially from minLr to maxLr, both ends included", () => {
    assertClose([rates[0], rates[99], rates[33] / rates[0]], [1e-6, 1, 10 ** (6 * 33 / 99)], { rtol: 1e-12 })
  })

  it("smoothing is the bias-corrected moving average (hand-computed at β = 0.5 and β = 0.98)", () => {
    // β = 0.5: a = 0.5, 1.25, 2.125; s = a / (1 − 0.5^(i+1)) = 1, 5/3, 17/7.
    assertClose(LrRangeTest.smooth([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7], { rtol: 1e-12 })
    // A constant loss stays constant under the correction; β = 0.98 is the default.
    assertClose(LrRangeTest.smooth([2, 2, 2, 2]), [2, 2, 2, 2], { rtol: 1e-12 })
    assertClose(LrRangeTest.smooth([1, 3])[1], (0.98 * 0.02 + 0.02 * 3) / (1 - 0.98 ** 2), { rtol: 1e-12 })
  })

  it("the gradient is numpy.gradient's: central inside, one-sided at the ends", () => {
    expect(LrRangeTest.gradient([1, 4, 9, 16])).toEqual([3, 4, 6, 7])
  })

  it("divergence: a smoothed loss above 4× the best before it, or a non-finite loss, from step 2 on (non-finite at once)", () => {
    expect(LrRangeTest.diverges([1, 0.5, 2.1], 3, 2)).toBe(true)
    expect(LrRangeTest.diverges([1, 0.5, 1.9], 3, 2)).toBe(false)
    expect(LrRangeTest.diverges([1, 5], 9, 1)).toBe(false)
    expect(LrRangeTest.diverges([1, 1], Number.NaN, 1)).toBe(true)
  })
})

describe("suggestion on synthetic curves", () => {
  // A smoothed loss falling like 2 − tanh((i − c)/8): steepest exactly at index c.
  const curve = (c: number) => Array.from({ length: sweep.steps }, (_, i) => 2 - Math.tanh((i - c) / 8))

  it.each([25, 60, 80])("steepest descent at index %i gives that index's rate; the loss minimum would not", (c) => {
    const s = LrRangeTest.suggest(rates, curve(c))!
    expect(s.index).toBe(c)
    expect(s.learningRate).toBe(rates[c])
    assertClose(s.slope, -1 / 8, { rtol: 0.02 })
    // Power: the rate of the lowest loss (fastai's "minimum") is at the end of the sweep.
    expect(LrRangeTest.conclude({ rates, losses: curve(c), smoothed: curve(c), stop: "completed" }).minimumLr).toBe(rates[99])
  })

  it("the first 10 and the last point are skipped, non-finite points dropped", () => {
    // Steepest at 5 (inside the skipped start) and a second, gentler drop at 50.
    const s = Array.from({ length: 100 }, (_, i) => 3 - Math.tanh((i - 5) / 2) - 0.5 * Math.tanh((i - 50) / 8))
    expect(LrRangeTest.suggest(rates, s)!.index).toBe(50)
    const withNaN = curve(60).map((v, i) => (i === 60 ? Number.NaN : v))
    expect([59, 61]).toContain(LrRangeTest.suggest(rates, withNaN)!.index)
    expect(LrRangeTest.suggest(rates.slice(0, 12), curve(60).slice(0, 12))).toBeUndefined()
  })
})

describe("on a small problem", () => {
  const raw = Synthetic.moons({ n: 200, noise: 0.2 }, Random.make(1))
  const data = Standardise.fit(raw).apply(raw)
  const config = { ...Mlp.defaults, width: 32, depth: 2, wStd: 1.0, epochs: 30, batchSize: 200, optimizer: "adam" as const, lrRangeMax: 10 }
  const finalLoss = (c: Mlp.MlpConfig) =>
    Effect.runPromise(Mlp.fit(c, data, { rng: Random.make(7) }).pipe(
      Effect.map((f) => {
        const loss = Number(f.info.finalTrainLoss)
        f.dispose()
        return loss
      }),
      Effect.exit,
      Effect.map((exit) => (Exit.isSuccess(exit) ? exit.value : Number.POSITIVE_INFINITY)),
      Effect.provide(NnBackend.layer("auto"))
    ))

  it("full-batch Adam on moons: the suggestion is within 3× of the best fixed rate of a half-decade grid", async () => {
    const fitted = await Effect.runPromise(Mlp.fit({ ...config, lrRangeTest: true }, data, { rng: Random.make(7) }).pipe(Effect.provide(NnBackend.layer("auto"))))
    const suggested = Number(fitted.info.lrSuggested)
    const trace = fitted.stages!.lrRangeTest
    fitted.dispose()
    expect(trace.learningRate.length).toBe(Number(fitted.info.lrRangeStepsRun))
    expect(trace.smoothed).toEqual(LrRangeTest.smooth(trace.loss))
    const grid = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1]
    const losses = await Promise.all(grid.map((lr) => finalLoss({ ...config, learningRate: lr })))
    const best = grid[losses.indexOf(Math.min(...losses))]
    expect(Math.abs(Math.log(suggested / best))).toBeLessThan(Math.log(3))
    // Power: ten times off the best rate, either way, ends clearly worse.
    const lossAt = (lr: number) => losses[grid.findIndex((g) => Math.abs(Math.log(g / lr)) < 1e-6)]
    expect(lossAt(best / 10)).toBeGreaterThan(1.5 * Math.min(...losses))
    expect(lossAt(best * 10)).toBeGreaterThan(1.5 * Math.min(...losses))
  }, 60_000)
})
