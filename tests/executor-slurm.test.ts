/**
 * `--executor slurm` against a real Slurm (the private single-node cluster of
 * tests/support/slurmCluster.ts; skipped, saying why, only where it cannot start): width-sweep's
 * quick profile (narrowed to one width and two folds to keep the file short) gives the rows of
 * `--executor threads` apart from timings; Ctrl-C cancels the array and marks the run interrupted;
 * `--resume` submits exactly the missing trials, and follows an array a killed driver left running
 * instead of submitting it again; a task that leaves the queue without results
 * becomes failed rows naming the task. Plus the pure parts: option checks, each task's share of the
 * specs, squeue's task lists, the reasons read from Slurm's logs.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Slurm from "../src/pipeline/Slurm.ts"
import * as Study from "../src/pipeline/Study.ts"
import type { TrialSpec } from "../src/pipeline/Study.ts"
import * as Worker from "../src/pipeline/Worker.ts"
import * as Registry from "../src/models/Registry.ts"
import type { TrialResult } from "../src/results/Run.ts"
import * as Store from "../src/results/Store.ts"
import { cli, sandbox, trialRecords } from "./support/cli.ts"
import * as Cluster from "./support/slurmCluster.ts"

describe("Slurm.options", () => {
  const check = (raw: Slurm.Raw) => Effect.runSyncExit(Slurm.options(raw))
  const message = (raw: Slurm.Raw) => {
    const exit = check(raw)
    return Exit.isFailure(exit) ? String(exit.cause) : "accepted"
  }

  it("takes Slurm's forms and fills the defaults", () => {
    for (const time of ["30", "30:00", "2:00:00", "1-12", "1-12:30", "1-12:30:00", "UNLIMITED"]) expect(message({ time })).toBe("accepted")
    expect(Effect.runSync(Slurm.options({ partition: "gpu,cpu", mem: "4G", args: ["--account=proj", "--qos=long"] }))).toEqual({
      partition: "gpu,cpu", time: undefined, cpus: 1, mem: "4G", parallel: undefined, perTask: undefined, args: ["--account=proj", "--qos=long"], poll: 30
    })
  })

  it("refuses what sbatch would refuse, or what would break following the array, naming the flag", () => {
    expect(message({ time: "2h" })).toMatch(/--slurm-time must be a Slurm time limit.*"2h"/)
    expect(message({ mem: "4 GB" })).toMatch(/--slurm-mem must be/)
    expect(message({ partition: "a b" })).toMatch(/--slurm-partition must be/)
    expect(message({ cpus: 0 })).toMatch(/--slurm-cpus must be a whole number ≥ 1, got 0/)
    expect(message({ parallel: 1.5 })).toMatch(/--slurm-parallel must be/)
    expect(message({ poll: 0.5 })).toMatch(/--slurm-poll must be/)
    expect(message({ args: ["account=proj"] })).toMatch(/--slurm-arg takes one sbatch option/)
    expect(message({ args: ["--array=0-3"] })).toMatch(/sets --array itself/)
    expect(message({ args: ["-o/tmp/x"] })).toMatch(/sets -o itself/)
  })

  it("the command line refuses --slurm-* options with another executor", async () => {
    const { gpnn } = sandbox("slurm-flags")
    const other = await gpnn(["run", "width-sweep", "--profile", "quick", "--executor", "threads", "--slurm-time", "1:00:00"])
    expect(other.code).toBe(1)
    expect(other.stderr).toContain("the --slurm-* options apply to --executor slurm only (this run uses threads)")
  }, 60_000)

  it("without the Slurm commands on PATH, says how to get them", async () => {
    const saved = process.env.PATH
    process.env.PATH = "/nonexistent"
    const exit = await Effect.runPromiseExit(Slurm.requireCommands).finally(() => {
      process.env.PATH = saved
    })
    expect(String(Exit.isFailure(exit) ? exit.cause : "")).toMatch(/needs the Slurm client commands, and sbatch, squeue, scancel are not on PATH.*--executor threads/)
  })
})

describe("Slurm.memBytes", () => {
  it("reads --mem as Slurm does: megabytes without a suffix, K, M, G, T in powers of 1024", () => {
    expect(["512", "4G", "4g", "300K", "2T", "7M"].map(Slurm.memBytes)).toEqual([512 * 2 ** 20, 4 * 2 ** 30, 4 * 2 ** 30, 300 * 2 ** 10, 2 * 2 ** 40, 7 * 2 ** 20])
    expect(Slurm.memBytes("4GB")).toBeNaN()
  })
})

describe("an array's shares", () => {
  const specs = Array.from({ length: 7 }, (_, i) => ({ key: `t${i}` })) as unknown as ReadonlyArray<TrialSpec>
  const keys = (index: number, size: number) => Effect.runSync(Worker.share(specs, index, size)).map((s) => s.key)

  it("task i of size k runs specs [i·k, (i+1)·k), the last one what is left; every spec once", () => {
    expect([0, 1, 2].map((i) => keys(i, 3))).toEqual([["t0", "t1", "t2"], ["t3", "t4", "t5"], ["t6"]])
    expect(Array.from({ length: 7 }, (_, i) => keys(i, 1)).flat()).toEqual(specs.map((s) => s.key))
    expect(String(Effect.runSyncExit(Worker.share(specs, 3, 3)))).toMatch(/--task-index must be a whole number from 0 to 2 \(7 specs, 3 a task\), got 3/)
    expect(String(Effect.runSyncExit(Worker.share(specs, 0, 0)))).toMatch(/--task-size must be a whole number ≥ 1/)
  })

  it("one trial a task, bundled only when the array would pass 1000 tasks", () => {
    expect(Slurm.trialsPerTask(40, undefined)).toBe(1)
    expect(Slurm.trialsPerTask(1000, undefined)).toBe(1)
    expect(Slurm.trialsPerTask(2500, undefined)).toBe(3)
    expect(Slurm.trialsPerTask(2500, 10)).toBe(10)
  })
})

describe("what is submitted", () => {
  it("each option becomes its sbatch argument; the array, logs and directory are the executor's", () => {
    const options = Effect.runSync(Slurm.options({ partition: "cpu", time: "2:00:00", cpus: 4, mem: "8G", parallel: 50, args: ["--account=proj"] }))
    expect(Slurm.sbatchArgs(options, "gpnn-width-sweep", "/runs/r1/slurm/submission-001", 120)).toEqual([
      "--parsable", "--job-name=gpnn-width-sweep", "--array=0-119%50",
      "--output=/runs/r1/slurm/submission-001/logs/task-%a.out", "--error=/runs/r1/slurm/submission-001/logs/task-%a.err",
      `--chdir=${process.cwd()}`, "--cpus-per-task=4", "--partition=cpu", "--time=2:00:00", "--mem=8G", "--account=proj",
      "/runs/r1/slurm/submission-001/job.sh"
    ])
    const bare = Slurm.sbatchArgs(Effect.runSync(Slurm.options()), "gpnn-x", "/d", 3)
    expect(bare.filter((a) => /^--(array|partition|time|mem)=/.test(a))).toEqual(["--array=0-2"])
  })

  it("the task script runs this checkout's CLI with the driver's Node on its share, paths quoted", () => {
    const text = Slurm.script("/runs/it's here/specs.json", "/runs/it's here", 4, "wasm")
    expect(text).toContain(`exec '${process.execPath}' '${path.resolve("src/cli/main.ts")}' 'worker' '/runs/it'\\''s here/specs.json' '--out' '/runs/it'\\''s here' '--backend' 'wasm' --task-index "$SLURM_ARRAY_TASK_ID" --task-size 4`)
  })
})

describe("reading Slurm", () => {
  it("squeue's task lists: single tasks, pending ranges with a limit, lists", () => {
    expect([...(Slurm.queuedTasks("12", ["12_3|R|None", "12_[5-7,9%2]|PD|JobArrayTaskLimit", "120_1|R|None", ""]) as Set<number>)].sort((a, b) => a - b)).toEqual([3, 5, 6, 7, 9])
    expect(Slurm.queuedTasks("12", ["12|PD|Priority"])).toBe("all")
    expect((Slurm.queuedTasks("12", []) as Set<number>).size).toBe(0)
  })

  it("the reason a task ended without results, from what slurmstepd writes", () => {
    const timeLimit = "worker: ran 1 trial(s)\nslurmstepd: error: *** JOB 41 ON node7 CANCELLED AT 2026-12-03T12:00:00 DUE TO TIME LIMIT ***\n"
    expect(Slurm.reason(timeLimit, { time: "0:10:00", mem: undefined })).toMatch(/^timed out at the time limit \(--slurm-time 0:10:00; raise it\); log: .*DUE TO TIME LIMIT/)
    expect(Slurm.reason(timeLimit, { time: undefined, mem: undefined })).toMatch(/partition's default; set one with --slurm-time/)
    expect(Slurm.reason("slurmstepd: error: Detected 1 oom-kill event(s) in StepId=41.batch.", { time: undefined, mem: "2G" })).toMatch(/^ran out of memory \(--slurm-mem 2G; raise it\)/)
    expect(Slurm.reason("slurmstepd: error: *** JOB 41 ON node7 CANCELLED AT 2026-12-03T12:00:00 ***", { time: undefined, mem: undefined })).toMatch(/^was cancelled/)
    expect(Slurm.reason("Error: Cannot find module '/home/x/gpnn/src/cli/main.ts'", { time: undefined, mem: undefined })).toMatch(/^ended without a result; log: Error: Cannot find module/)
    expect(Slurm.reason("", { time: undefined, mem: undefined })).toMatch(/without a log/)
  })
})

/** A trial row without what measures time. */
const timeless = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== "fit_s" && !(k.startsWith("info.") && k.endsWith("Seconds"))))

const submissions = (runDir: string) =>
  fs.readdirSync(path.join(runDir, "slurm")).sort().map((name) => {
    const dir = path.join(runDir, "slurm", name)
    return {
      specs: JSON.parse(fs.readFileSync(path.join(dir, "specs.json"), "utf8")) as Array<{ key: string }>,
      jobId: (JSON.parse(fs.readFileSync(path.join(dir, "submission.json"), "utf8")) as { jobId: string }).jobId
    }
  })

const queued = (jobId: string) => execFileSync("squeue", ["-h", "-j", jobId, "-o", "%i"], { encoding: "utf8" }).trim()

describe("--executor slurm on a single-node cluster", () => {
  let cluster: Cluster.Cluster = { up: false, reason: "not started" }
  beforeAll(async () => {
    cluster = await Cluster.up()
    if (!cluster.up) console.warn(`skipping the Slurm cluster tests: ${cluster.reason}`)
  }, 300_000)
  afterAll(() => Cluster.down(), 120_000)

  const { gpnn, dirs, onlyRun, root } = sandbox("slurm")
  const narrow = ["width-sweep", "--profile", "quick", "--set", "widths=8", "--set", "folds=2", "--no-report"]

  let expected: Array<Record<string, string>> = []

  it("gives threads' rows; Ctrl-C cancels the array; --resume submits only the missing trials", async (ctx) => {
    if (!cluster.up) ctx.skip(cluster.reason)
    const threads = await gpnn(["run", ...narrow, "--executor", "threads", "--jobs", "2", ...dirs("threads")])
    expect(threads.code, threads.stderr).toBe(0)
    expected = trialRecords(onlyRun("threads", "width-sweep"))
    expect(expected.length).toBe(12)

    // One task at a time, so most of the array is still queued when the driver is interrupted.
    const interrupted = await gpnn(["run", ...narrow, "--executor", "slurm", "--slurm-parallel", "1", "--slurm-per-task", "2", "--slurm-poll", "1", "--interrupt-after", "2", ...dirs("slurm")])
    expect(interrupted.code).not.toBe(0)
    const runDir = onlyRun("slurm", "width-sweep")
    const [first] = submissions(runDir)
    expect(first.specs.length).toBe(12)
    expect(interrupted.stderr).toContain(`cancelled array job ${first.jobId}`)
    expect(queued(first.jobId)).toBe("")
    expect(JSON.parse(fs.readFileSync(path.join(runDir, "manifest.json"), "utf8")).status).toBe("interrupted")
    const stored = new Set(fs.readdirSync(path.join(runDir, "trials")))
    expect(stored.size).toBeGreaterThanOrEqual(2)
    expect(stored.size).toBeLessThan(12)

    const resumed = await gpnn(["run", ...narrow, "--executor", "slurm", "--slurm-per-task", "5", "--slurm-poll", "1", "--resume", ...dirs("slurm")])
    expect(resumed.code, resumed.stderr).toBe(0)
    const second = submissions(runDir)[1]
    const missing = first.specs.map((s) => s.key).filter((key) => !stored.has(Store.trialFile(key)))
    expect(second.specs.map((s) => s.key)).toEqual(missing)
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, "manifest.json"), "utf8"))
    expect(manifest.status).toBe("complete")
    expect(manifest.sessions.map((s: { executor: string }) => s.executor)).toEqual(["slurm", "slurm"])
    expect(trialRecords(runDir).map(timeless)).toEqual(expected.map(timeless))
  }, 180_000)

  it("a driver killed without cancelling leaves its array running; --resume follows it instead of submitting again", async (ctx) => {
    if (!cluster.up) ctx.skip(cluster.reason)
    expect(expected.length).toBe(12)
    const child = spawn(process.execPath, [cli, "run", ...narrow, "--executor", "slurm", "--slurm-parallel", "1", "--slurm-per-task", "4", ...dirs("killed")], { cwd: root, stdio: "ignore" })
    const runs = path.join(root, "killed", "results", "width-sweep")
    const submitted = () => fs.existsSync(runs) && fs.readdirSync(runs).some((id) => fs.existsSync(path.join(runs, id, "slurm", "submission-001", "submission.json")))
    for (let i = 0; i < 600 && !submitted(); i++) await new Promise((r) => setTimeout(r, 100))
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    const runDir = onlyRun("killed", "width-sweep")
    const [array] = submissions(runDir)
    expect(queued(array.jobId)).not.toBe("")

    const resumed = await gpnn(["run", ...narrow, "--executor", "slurm", "--slurm-poll", "1", "--resume", ...dirs("killed")])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stderr).toContain(`following array job ${array.jobId} of an earlier session`)
    expect(submissions(runDir).length).toBe(1)
    expect(trialRecords(runDir).map(timeless)).toEqual(expected.map(timeless))
  }, 120_000)

  it("a task that leaves the queue without results becomes failed rows naming the task", async (ctx) => {
    if (!cluster.up) ctx.skip(cluster.reason)
    const plan = Study.trials({
      tasks: [{ name: "sine", spec: { task: "sine-quadratic", n: 30, noise: 0.2 } }],
      split: { kind: "kfold", folds: 2 },
      seeds: 1,
      keepPredictions: false,
      models: [{ id: "nngp", family: "nngp", axes: {}, config: { depth: 1 } }]
    }, Rng.make(3), Registry.isStochastic)
    const runDir = path.join(sandbox("slurm-lost").root, "run")
    const results: Array<TrialResult> = []
    // Held for an hour, then cancelled from outside: the array leaves the queue with no task run.
    const options = Effect.runSync(Slurm.options({ args: ["--begin=now+3600"], poll: 1 }))
    const fiber = Effect.runFork(Slurm.runAll(options, "auto", plan, runDir, (r) => Effect.sync(() => void results.push(r))))
    const submission = path.join(runDir, "slurm", "submission-001", "submission.json")
    for (let i = 0; i < 100 && !fs.existsSync(submission); i++) await new Promise((r) => setTimeout(r, 100))
    const jobId = (JSON.parse(fs.readFileSync(submission, "utf8")) as { jobId: string }).jobId
    execFileSync("scancel", [jobId])
    const exit = await Effect.runPromise(Fiber.await(fiber))
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(results.map((r) => r.row.key).sort()).toEqual(plan.map((t) => t.key).sort())
    for (const r of results) {
      expect(r.row.status).toBe("failed")
      expect(r.row.error).toMatch(new RegExp(`^slurm array task ${jobId}_${plan.findIndex((t) => t.key === r.row.key)} left the queue without a log`))
    }
  }, 60_000)
})
