/**
 * `gpnn conformance <dir>` as a user runs it: an aligned table, the summary line, and the exit
 * code — non-zero when a reference value is moved beyond its tolerance. (A bad directory is a
 * DataError, tested in process in conformance.test.ts; the CLI prints typed errors as every
 * subcommand does.)
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { sandbox } from "./support/cli.ts"

const fixtures = path.resolve("tests/fixtures")
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8"))

const { gpnn } = sandbox("conformance-cli")

const fixtureSet = (files: Record<string, unknown>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-conformance-cli-"))
  for (const [name, value] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(value))
  return dir
}

describe("gpnn conformance <dir>", () => {
  const metrics = read("metrics.json")
  const selection = read("model_selection.json")
  const moved = structuredClone(metrics)
  moved.regression.r2 = metrics.regression.r2 * (1 + 1e-10)
  type Outcome = Awaited<ReturnType<typeof gpnn>>
  let agreeing: Outcome
  let perturbed: Outcome

  // both runs at once: each is mostly the CLI's start-up
  beforeAll(async () => {
    ;[agreeing, perturbed] = await Promise.all([
      gpnn(["conformance", fixtureSet({ "metrics.json": metrics, "model_selection.json": selection, "other.json": { hello: "world" } })]),
      gpnn(["conformance", fixtureSet({ "metrics.json": moved, "model_selection.json": selection })])
    ])
  })

  it("exits 0 on fixtures that agree, printing a table and the summary; unknown files are skipped", () => {
    const { code, stdout, stderr } = agreeing
    expect(code, stderr).toBe(0)
    const rows = stdout.trimEnd().split("\n")
    expect(rows[0]).toMatch(/^file\s+check\s+max abs err\s+max rel err\s+tolerance\s+result\s+note$/)
    const passed = 6 * metrics.binary.length + 5 + 9
    expect(rows.at(-1)).toBe(`conformance: ${passed} passed, 0 failed, 1 skipped`)
    expect(rows.filter((r) => /\bpass\b/.test(r))).toHaveLength(passed)
    expect(rows.find((r) => r.startsWith("other.json"))).toMatch(/skip\s+not a known fixture kind/)
    const at = rows[0].indexOf("result")
    for (const row of rows.slice(1, -1)) expect(row.slice(at, at + 4)).toMatch(/^(pass|FAIL|skip)$/)
  })

  it("exits 1 when one reference value is moved beyond its tolerance, marking that check FAIL", () => {
    const { code, stdout } = perturbed
    expect(code).toBe(1)
    const failed = stdout.split("\n").filter((r) => /\bFAIL\b/.test(r))
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatch(/^metrics\.json\s+regression: r2\s+\S+\s+1\.0e-10\s+rtol 1e-12\s+FAIL/)
    expect(stdout.trimEnd().split("\n").at(-1)).toBe(`conformance: ${6 * metrics.binary.length + 4 + 9} passed, 1 failed, 0 skipped`)
  })
})
