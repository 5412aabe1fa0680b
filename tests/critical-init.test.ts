/**
 * critical-init end to end through the CLI: the quick profile runs into a temporary directory,
 * leaves a report with SVG figures whose findings come from the data, and `gpnn report`
 * regenerates it byte for byte from the stored run.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"

const exec = promisify(execFile)
const cli = path.resolve("src/cli/main.ts")
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-critical-init-"))
const dirs = ["--results", path.join(tmp, "results"), "--reports", path.join(tmp, "reports")]
const reportDir = path.join(tmp, "reports", "critical-init")

const gpnn = (args: ReadonlyArray<string>) =>
  exec(process.execPath, [cli, ...args], { cwd: tmp, maxBuffer: 1 << 24 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr })
  )

const readReport = (): Record<string, string> =>
  Object.fromEntries(
    ["README.md", "index.html", ...fs.readdirSync(path.join(reportDir, "figures")).sort().map((f) => `figures/${f}`)]
      .map((f) => [f, fs.readFileSync(path.join(reportDir, f), "utf8")])
  )

describe("gpnn CLI, critical-init quick profile", () => {
  let run: { code: number; stdout: string; stderr: string }
  beforeAll(async () => {
    run = await gpnn(["run", "critical-init", "--profile", "quick", "--jobs", "2", ...dirs])
  }, 60_000)

  it("runs every (σ_w², depth) trial and writes a report with SVG figures", () => {
    expect(run.code, run.stderr).toBe(0)
    const root = path.join(tmp, "results", "critical-init")
    const runs = fs.readdirSync(root)
    expect(runs).toHaveLength(1)
    const manifest = JSON.parse(fs.readFileSync(path.join(root, runs[0], "manifest.json"), "utf8"))
    expect(manifest.status).toBe("complete")
    expect(manifest.trialCount).toBe(manifest.params.weightVariances.length * manifest.params.depths.length * manifest.params.seeds)
    const trials = fs.readFileSync(path.join(root, runs[0], "trials.csv"), "utf8")
    expect(trials.split("\n")[0]).toContain("trainAccuracy")

    const files = readReport()
    const figures = Object.keys(files).filter((f) => f.startsWith("figures/"))
    for (const name of ["trainability", "depth-boundary", "correlation-map", "depth-scales", "fixed-points", "phase-diagram", "chi1-heatmap"]) {
      expect(figures).toContain(`figures/${name}.svg`)
    }
    for (const f of figures) expect(files[f]).toMatch(/^<svg|<svg /)
    const readme = files["README.md"]
    // The critical σ_w² at σ_b² = 0.05 (tanh) is computed, not written in: ≈ 1.761.
    expect(readme).toMatch(/critical line for tanh at σ_b² = 0\.05 at \*\*σ_w² = 1\.76/)
    expect(readme).toContain("6ξ_c")
    // The shared trial-status sentence, from the stored rows (every quick trial finishes).
    expect(trials.trim().split("\n").slice(1).every((line) => line.includes(",ok,"))).toBe(true)
    expect(readme).toContain(`All ${manifest.trialCount} trials finished.`)
    expect(files["index.html"]).toContain("<svg")
    expect(files["index.html"]).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/)
  })

  it("regenerates the report byte for byte from the stored run", async () => {
    const first = readReport()
    for (let i = 0; i < 2; i++) {
      const again = await gpnn(["report", "critical-init", ...dirs])
      expect(again.code, again.stderr).toBe(0)
      expect(readReport()).toEqual(first)
    }
  }, 60_000)
})
