/**
 * Issue 12, items 2 and 5: an adaptive search (the hpo study, small) interrupted after N stored
 * trials (a real SIGINT through the CLI) and resumed, with --jobs 1 and with --jobs 2, makes
 * exactly the proposals, and stores exactly the rows, of a --jobs 1 run that went through.
 * Power: the proposals do depend on the history (a search fed other results proposes other
 * points), so equal proposals are not equal by accident of a history-blind sampler.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import hpo from "../experiments/hpo.ts"
import type { TrialResult, TrialRow } from "../src/results/Run.ts"
import { sandbox } from "./support/cli.ts"

const { dirs, gpnn, onlyRun } = sandbox("hpo-resume")

/** A search small enough to run five times: RBF-SVMs on moons, TPE and GP-EI, rounds of 2, median pruning. */
const small = ["--profile", "quick", "--seed", "7", "--no-report", "--set", "models=svm", "--set", "samplers=tpe,gp-ei", "--set", "budget=8", "--set", "startupTrials=3"]

/** Each stored trial by key: its proposal (axes), status and scores, without timings. */
const proposals = (runDir: string): Record<string, unknown> => {
  const dir = path.join(runDir, "trials")
  const out: Record<string, unknown> = {}
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const row = (JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { row: TrialRow }).row
    out[row.key] = { order: row.order, axes: row.axes, status: row.status, metrics: row.metrics, info: row.info }
  }
  return out
}

const manifestOf = (runDir: string) => JSON.parse(fs.readFileSync(path.join(runDir, "manifest.json"), "utf8"))

describe("hpo search: proposals depend on the seed and the trial order only", () => {
  let reference: Record<string, unknown>
  beforeAll(async () => {
    const run = await gpnn(["run", "hpo", ...small, "--jobs", "1", ...dirs("through")])
    expect(run.code, run.stderr).toBe(0)
    reference = proposals(onlyRun("through", "hpo"))
  }, 120_000)

  it("stores every planned trial, some pruned with their evidence", () => {
    const rows = Object.values(reference) as Array<{ status: string; info: Record<string, unknown>; axes: Record<string, unknown> }>
    expect(rows).toHaveLength(2 * 8)
    expect(rows.every((r) => r.status === "ok" || r.status === "pruned")).toBe(true)
    const pruned = rows.filter((r) => r.status === "pruned")
    expect(pruned.length).toBeGreaterThan(0)
    for (const r of pruned) expect(r.info).toMatchObject({ pruneRule: "median", pruneStep: 1, foldsRun: 1 })
  })

  it.each([1, 2])("interrupted after 5 trials and resumed with --jobs %i, it makes the uninterrupted run's proposals", async (jobs) => {
    const name = `interrupted-${jobs}`
    const stopped = await gpnn(["run", "hpo", ...small, "--jobs", String(jobs), "--interrupt-after", "5", ...dirs(name)])
    const runDir = onlyRun(name, "hpo")
    expect(manifestOf(runDir).status).toBe("interrupted")
    expect(stopped.stderr).toContain("--resume --run")
    const kept = Object.keys(proposals(runDir)).length
    expect(kept).toBeGreaterThanOrEqual(5)
    expect(kept).toBeLessThan(16)
    const resumed = await gpnn(["run", "hpo", ...small, "--jobs", String(jobs), "--resume", ...dirs(name)])
    expect(resumed.code, resumed.stderr).toBe(0)
    const manifest = manifestOf(runDir)
    expect(manifest.status).toBe("complete")
    expect(manifest.sessions.at(-1).trialsRun).toBe(16 - kept)
    expect(proposals(runDir)).toEqual(reference)
  }, 120_000)
})

describe("the proposals depend on the history (the equalities above have power)", () => {
  it("a TPE search fed other results proposes other points; fed the same, the same", () => {
    const params = Object.fromEntries(Object.entries(hpo.defaults).map(([k, v]) => [k, v])) as typeof hpo.defaults
    const study = hpo.study({ ...params, models: ["svm"], samplers: ["tpe"], startupTrials: 3 })
    const search = study.searches![0]
    const first = search.propose([], 0, 4, 11)
    const row = (i: number, value: number): TrialRow => ({
      order: i, key: `k${i}`, task: "moons", model: "svm", family: "svm", axes: first[i].model.axes, fold: 0, seedIndex: 0, seed: 0,
      status: "ok", nTrain: 1, nTest: 1, metrics: { objective: value, inner1: value, inner2: value, inner3: value }, info: { foldsRun: 3 }, fitSeconds: 0
    })
    const history = first.map((_, i) => ({ row: row(i, 0.1 * (i + 1)) }))
    const reversed = first.map((_, i) => ({ row: row(i, 0.1 * (4 - i)) }))
    const next = (h: ReadonlyArray<TrialResult>) => search.propose(h, 4, 2, 11).map((p) => p.model.axes)
    expect(next(history)).toEqual(next(history))
    expect(next(history)).not.toEqual(next(reversed))
  })
})
