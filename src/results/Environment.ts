/**
 * The facts a run records about where it ran: git commit (and whether the tree was dirty),
 * package versions, Node, and the host. Read once per run, stored in the manifest.
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)
const packages = ["effect", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "ml-matrix", "simple-statistics", "arquero", "vega", "vega-lite"]

const git = (args: ReadonlyArray<string>): string | undefined => {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return undefined
  }
}

const packageVersion = (name: string): string | undefined => {
  try {
    const file = require.resolve(`${name}/package.json`)
    return JSON.parse(fs.readFileSync(file, "utf8")).version as string
  } catch {
    return undefined
  }
}

export const read = Effect.sync(() => {
  const versions: Record<string, string> = { node: process.versions.node }
  const self = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  versions.gpnn = self.version
  for (const name of packages) {
    const v = packageVersion(name)
    if (v !== undefined) versions[name] = v
  }
  const status = git(["status", "--porcelain", "--untracked-files=no"])
  return {
    git: { commit: git(["rev-parse", "HEAD"]) ?? "unknown", dirty: status !== undefined && status.length > 0 },
    versions,
    host: {
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30)
    }
  }
})
