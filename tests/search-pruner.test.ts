import { describe, expect, it } from "vitest"
import * as Pruner from "../src/search/Pruner.ts"

const epochs = (...values: Array<number>): Pruner.Progress => ({ kind: "epochs", values })
const folds = (...values: Array<number>): Pruner.Progress => ({ kind: "folds", values })
const complete = (progress: Pruner.Progress): Pruner.Peer => ({ status: "complete", progress })
const running = (progress: Pruner.Progress): Pruner.Peer => ({ status: "running", progress })

/** Five completed learning curves; at epoch 2 their values are 0.5, 0.6, 0.7, 0.8, 0.9 (median 0.7). */
const curves = [0.5, 0.6, 0.7, 0.8, 0.9].map((v) => complete(epochs(v + 0.2, v, v - 0.1)))

describe("median pruner", () => {
  it("prunes a trial worse than the median of completed trials at the same step, with the evidence", () => {
    const d = Pruner.median(epochs(0.9, 0.75), curves)
    expect(d).toMatchObject({ prune: true, rule: "median", step: 2, value: 0.75, threshold: 0.7, peers: 5 })
    expect(d.reason).toContain("worse than the median 0.7")
    expect(Pruner.median(epochs(0.9, 0.65), curves)).toMatchObject({ prune: false, threshold: 0.7 })
  })

  it("judges epochs by the best value so far (optuna), so one bad epoch is forgiven", () => {
    expect(Pruner.median(epochs(0.6, 0.95), curves)).toMatchObject({ prune: false, value: 0.6, threshold: 0.7 })
  })

  it("waits for the startup trials and the warm-up steps, and ignores running or pruned peers", () => {
    expect(Pruner.median(epochs(9, 9), curves.slice(0, 4)).prune).toBe(false)
    expect(Pruner.median(epochs(9, 9), [...curves.slice(0, 4), running(epochs(0.1, 0.1))]).reason).toContain("startup")
    expect(Pruner.median(epochs(9, 9), curves, { warmupSteps: 2 }).prune).toBe(false)
    expect(Pruner.median(epochs(9, 9), curves, { warmupSteps: 1 }).prune).toBe(true)
  })

  it("compares K-fold trials on the mean of the folds finished so far against the same folds of others", () => {
    // peers' fold losses: their means over folds 1–2 are 0.3, 0.4, 0.5, 0.6, 0.7 (median 0.5)
    const peers = [0.3, 0.4, 0.5, 0.6, 0.7].map((m) => complete(folds(m - 0.1, m + 0.1, 5, 5, 5)))
    const d = Pruner.median(folds(0.2, 0.9), peers)
    expect(d).toMatchObject({ prune: true, step: 2, value: 0.55, threshold: 0.5 })
    // the best single fold (0.2) would have passed: the fold rule is the running mean, not the best fold
    expect(d.value).toBeGreaterThan(0.5)
    // a trial after one fold is compared with the peers' first folds only (0.2 … 0.6, median 0.4)
    expect(Pruner.median(folds(0.45), peers)).toMatchObject({ prune: true, step: 1, threshold: 0.4 })
    expect(Pruner.median(folds(0.35), peers)).toMatchObject({ prune: false, step: 1, threshold: 0.4 })
  })
})

describe("successive halving (ASHA)", () => {
  it("places rungs at minResource·η^k", () => {
    expect([1, 2, 4, 8, 16].map((s) => Pruner.rungAt(s))).toEqual([0, undefined, 1, undefined, 2])
    expect([2, 6, 18].map((s) => Pruner.rungAt(s, { minResource: 2, reductionFactor: 3 }))).toEqual([0, 1, 2])
  })

  it("promotes only the top 1/η of the values at a rung, counting every trial that reached it", () => {
    // 7 others at rung 0 (step 1) plus this trial: 8 values, η = 4 → the best 2 go on
    const others = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((v, i) => (i % 2 === 0 ? complete(epochs(v, v)) : running(epochs(v))))
    const good = Pruner.successiveHalving(epochs(0.15), others)
    expect(good).toMatchObject({ prune: false, rung: 0, threshold: 0.15, peers: 7 })
    const bad = Pruner.successiveHalving(epochs(0.25), others)
    expect(bad).toMatchObject({ prune: true, rung: 0, threshold: 0.2, peers: 7 })
    expect(bad.reason).toContain("not among the best 2 of 8")
  })

  it("lets the best of fewer than η trials through, and does not judge between rungs", () => {
    expect(Pruner.successiveHalving(epochs(0.3), [complete(epochs(0.5))]).prune).toBe(false)
    expect(Pruner.successiveHalving(epochs(0.6), [complete(epochs(0.5))]).prune).toBe(true)
    expect(Pruner.successiveHalving(epochs(9, 9), [complete(epochs(0.1, 0.1))])).toMatchObject({ prune: false, reason: "step 2 is not a rung" })
  })

  it("is fold-aware: at rung 1 (4 folds) it compares means over the same 4 folds", () => {
    const others = [0.2, 0.3, 0.4, 0.5].map((m) => complete(folds(m, m, m, m, m)))
    // this trial's mean over 4 folds is 0.25: second of 5; ⌊5/4⌋ = 1 promoted → pruned
    expect(Pruner.successiveHalving(folds(0.1, 0.4, 0.2, 0.3), others)).toMatchObject({ prune: true, rung: 1, value: 0.25, threshold: 0.2 })
    const promoted = Pruner.successiveHalving(folds(0.1, 0.1, 0.2, 0.2), others)
    expect(promoted).toMatchObject({ prune: false, rung: 1 })
    expect(promoted.value).toBeCloseTo(0.15, 12)
  })

  it("prunes NaN at once", () => {
    expect(Pruner.successiveHalving(epochs(Number.NaN), []).prune).toBe(true)
    expect(Pruner.median(epochs(Number.NaN), curves).prune).toBe(true)
  })
})
