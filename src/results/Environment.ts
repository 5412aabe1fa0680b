/**
 * The facts a run records about where it ran: git commit (whether the tree was dirty, and a hash
 * of the uncommitted difference), package versions, Node, and the host. Read by every session
 * (first run and each resume): the manifest keeps the first, each session its own.
 */
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { createRequire } from "node:module"
import { createHash } from "node:crypto"
import { fileURLToPath } from "node:url"

const require = createRequire(import.meta.url)
const packages = ["effect", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "ml-matrix", "simple-statistics", "arquero", "vega", "vega-lite"]

/** The code's own checkout (not the working directory the CLI was started in). */
const root = fileURLToPath(new URL("../..", import.meta.url))

const git = (args: ReadonlyArray<string>, cwd: string = root): string | undefined => {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 28 }).trim()
  } catch {
    return undefined
  }
}

/**
 * The code version: commit, whether tracked files differ from it, and a hash of that difference.
 * What runs write (reports/, results/) is output, not code: a committed report that an earlier run
 * regenerated in the tree does not make the next run's code "uncommitted", nor refuse its resume.
 */
export interface Git {
  readonly commit: string
  readonly dirty: boolean
  /** sha256 (16 hex) of `git diff HEAD` outside the outputs: two dirty trees with the same changes have the same hash. */
  readonly diffHash?: string | undefined
}

/** Pathspecs of the code: the whole tree but the outputs runs write. */
const CODE = ["--", ":(top)", ":(top,exclude)reports", ":(top,exclude)results"]

/** The code version of the checkout at `dir` (default: this one). */
export const readGit = (dir: string = root): Git => {
  const status = git(["status", "--porcelain", "--untracked-files=no", ...CODE], dir)
  const dirty = status !== undefined && status.length > 0
  const diff = dirty ? git(["diff", "HEAD", ...CODE], dir) : undefined
  return {
    commit: git(["rev-parse", "HEAD"], dir) ?? "unknown",
    dirty,
    ...(diff === undefined ? {} : { diffHash: createHash("sha256").update(diff).digest("hex").slice(0, 16) })
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
  return {
    git: readGit(),
    versions,
    host: {
      platform: `${os.platform()}-${os.arch()}`,
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30)
    }
  }
})
