/**
 * The code version a run records (Environment.readGit), on a scratch git checkout: uncommitted
 * changes to code make it dirty with a hash of the difference; changes to what runs write
 * (reports/, results/) do not, so a report regenerated in the tree neither marks the next run's
 * code as uncommitted nor makes its resume refuse.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Environment from "../src/results/Environment.ts"

const sh = (dir: string, ...args: Array<string>) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, stdio: "ignore" })

const checkout = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-env-"))
  for (const f of ["src/a.ts", "reports/x/README.md", "results/x/r/manifest.json"]) {
    fs.mkdirSync(path.join(dir, path.dirname(f)), { recursive: true })
    fs.writeFileSync(path.join(dir, f), "one\n")
  }
  sh(dir, "init", "-q")
  sh(dir, "add", ".")
  sh(dir, "commit", "-q", "-m", "first")
  return dir
}

describe("Environment.readGit", () => {
  it("a clean checkout is clean, at its commit", () => {
    const dir = checkout()
    const git = Environment.readGit(dir)
    expect(git.dirty).toBe(false)
    expect(git.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(git.diffHash).toBeUndefined()
  })

  it("changed reports and results are outputs: still clean", () => {
    const dir = checkout()
    fs.writeFileSync(path.join(dir, "reports/x/README.md"), "two\n")
    fs.writeFileSync(path.join(dir, "results/x/r/manifest.json"), "two\n")
    expect(Environment.readGit(dir).dirty).toBe(false)
  })

  it("changed code is dirty, and the hash follows the difference (not the outputs)", () => {
    const dir = checkout()
    fs.writeFileSync(path.join(dir, "src/a.ts"), "two\n")
    const first = Environment.readGit(dir)
    expect(first.dirty).toBe(true)
    fs.writeFileSync(path.join(dir, "reports/x/README.md"), "three\n")
    expect(Environment.readGit(dir).diffHash).toBe(first.diffHash)
    fs.writeFileSync(path.join(dir, "src/a.ts"), "three\n")
    expect(Environment.readGit(dir).diffHash).not.toBe(first.diffHash)
  })
})
