/**
 * The private single-node Slurm cluster for the tests of `--executor slurm`, started and stopped
 * through tests/support/slurm/test-cluster.sh (so test files running at once share one cluster,
 * and a developer's own cluster is left running). The start script is ../shared/slurm's when the
 * clone has that sibling, else the copy committed beside test-cluster.sh.
 *
 * `up()` answers the cluster's environment (also set on process.env, for sbatch/squeue/scancel
 * and for child processes), or why it cannot start: the tests then skip, saying so.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"

const exec = promisify(execFile)
const script = path.resolve("tests/support/slurm/test-cluster.sh")
const shared = path.resolve("../shared/slurm")
const scriptsEnv = (): NodeJS.ProcessEnv =>
  fs.existsSync(path.join(shared, "start-local-slurm.sh")) ? { ...process.env, GPNN_SLURM_SCRIPTS: shared } : process.env

export type Cluster = { readonly up: true; readonly partition: string } | { readonly up: false; readonly reason: string }

let started: Promise<Cluster> | undefined

/** Starts (or joins) the cluster once per test file. */
export const up = (): Promise<Cluster> => {
  started ??= (async (): Promise<Cluster> => {
    if (process.getuid?.() !== 0) return { up: false, reason: "the private Slurm cluster needs root to start (start-local-slurm.sh)" }
    try {
      const { stdout } = await exec(script, ["up", String(process.pid)], { env: scriptsEnv(), timeout: 300_000 })
      for (const match of stdout.matchAll(/^export (\w+)=(.*)$/gm)) process.env[match[1]] = match[2]
      return { up: true, partition: process.env.SLURM_LOCAL_PARTITION ?? "debug" }
    } catch (error) {
      const e = error as { stderr?: string; message?: string }
      return { up: false, reason: `the private Slurm cluster did not start: ${(e.stderr ?? "").trim() || e.message}` }
    }
  })()
  return started
}

/** Leaves the cluster; the last test file out stops it (when the tests started it). */
export const down = async (): Promise<void> => {
  if (started === undefined || !(await started).up) return
  await exec(script, ["down", String(process.pid)], { env: scriptsEnv(), timeout: 120_000 }).catch((error: { stderr?: string; message?: string }) => {
    console.warn(`the private Slurm cluster may still run: ${(error.stderr ?? "").trim() || error.message}`)
  })
}
