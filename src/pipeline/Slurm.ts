/**
 * Trials as a Slurm job array (`--executor slurm`). The driver writes the pending trials of a run
 * to `<run-dir>/slurm/submission-<k>/specs.json`, submits one array with `sbatch` (each task runs
 * `gpnn worker` on its share of the specs, with the driver's own Node binary, and saves each result
 * into `<run-dir>/trials/` on the shared filesystem), then follows the array through `squeue` and
 * the result files, since small clusters have no accounting database (`sacct`). A task that leaves
 * the queue without the results of its trials turns each of them into a `failed` row whose error
 * says why, read from the task's log (timed out, out of memory, cancelled, node failure, or the
 * log's last lines); `--resume` submits them again with whatever is still missing. Interrupting
 * the driver (Ctrl-C, SIGTERM) cancels the array with `scancel`.
 *
 * Files of a submission: `specs.json` (the trials, in plan order), `job.sh` (the task's command),
 * `submission.json` (job id, the `sbatch` command line, which trials each task runs) and
 * `logs/task-<i>.out|.err`. The task count is the trials divided by `--slurm-per-task` (default:
 * one trial a task, more when the array would pass 1000 tasks, Slurm's default MaxArraySize).
 *
 * When to use: studies larger than one machine, on a cluster whose nodes see the run directory
 * (results/ under a shared home or project directory). Rows equal those of `--executor threads`
 * apart from timings (tests/contract-executors.test.ts, tests/executor-slurm.test.ts).
 *
 * Gotchas: the result files are the truth, so a driver killed without a chance to cancel (kill -9,
 * a lost login session) leaves the array running and its results still land in the run; a later
 * `--resume` follows that array (and cancels it on Ctrl-C) and submits only the trials no queued
 * task of it covers. `squeue` is asked at most every 5 s and the result files are checked with a
 * back-off up to `--slurm-poll` seconds; a task is reported failed only after it has been out of
 * the queue for `--slurm-poll` seconds (at least 10), so a result file that a network filesystem
 * shows late is not mistaken for a failure.
 */
import { Clock, Console, DateTime, Effect, Exit } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { ConfigError, SchedulerError } from "../core/Errors.ts"
import type { TrialResult } from "../results/Run.ts"
import * as Store from "../results/Store.ts"
import type { TrialSpec } from "./Study.ts"
import * as TrialRunner from "./TrialRunner.ts"

/** The `--slurm-*` options, validated. */
export interface Options {
  readonly partition?: string | undefined
  /** `--time`, in one of Slurm's forms (`30`, `1:00:00`, `2-00:00:00`). */
  readonly time?: string | undefined
  readonly cpus: number
  /** `--mem` per node: a whole number of megabytes, or with a K, M, G or T suffix. */
  readonly mem?: string | undefined
  /** The array's `%N`: at most this many tasks at once; undefined lets the scheduler decide. */
  readonly parallel?: number | undefined
  /** Trials per array task; undefined: one, or more when the array would pass `maxArrayTasks`. */
  readonly perTask?: number | undefined
  /** Further `sbatch` arguments, each one argument (`--account=proj`, `--qos=long`). */
  readonly args: ReadonlyArray<string>
  /** The longest wait between two looks at the result files, in seconds. */
  readonly poll: number
}

/**
 * Bytes of a `--mem` value as Slurm reads it: a whole number of megabytes, or with a K, M, G or T
 * suffix (powers of 1024, as Slurm's units are).
 */
export const memBytes = (mem: string): number => {
  const m = /^(\d+)([KMGT]?)$/i.exec(mem)
  if (m === null) return Number.NaN
  const power = { "": 2, K: 1, M: 2, G: 3, T: 4 }[m[2].toUpperCase() as "" | "K" | "M" | "G" | "T"]
  return Number(m[1]) * 1024 ** power
}

/** The options as the command line gives them, before validation. */
export interface Raw {
  readonly partition?: string | undefined
  readonly time?: string | undefined
  readonly cpus?: number | undefined
  readonly mem?: string | undefined
  readonly parallel?: number | undefined
  readonly perTask?: number | undefined
  readonly args?: ReadonlyArray<string> | undefined
  readonly poll?: number | undefined
}

/** Tasks of one array at most, below Slurm's default MaxArraySize (1001). */
export const maxArrayTasks = 1000
/** `squeue` is asked at most this often (ms): a tight loop of queries loads a shared controller. */
const squeueEveryMs = 5000
/** A task out of the queue this long (ms, or `--slurm-poll` if longer) without its results is failed: network filesystems show files late. */
const graceMs = 10_000
/** Log lines quoted in a failed row. */
const tailLines = 6

/** Arguments the executor sets itself; a `--slurm-arg` naming one would break how it follows the array. */
const managed = ["--array", "-a", "--output", "-o", "--error", "-e", "--chdir", "-D", "--parsable", "--wait", "-W", "--wrap"]

const timeForm = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i

/** The options checked, with defaults; each error names the flag and a valid form. */
export const options = (raw: Raw = {}): Effect.Effect<Options, ConfigError> =>
  Effect.gen(function*() {
    const fail = (field: string, message: string) => Effect.fail(new ConfigError({ field, message }))
    const whole = (field: string, value: number | undefined) =>
      value === undefined || (Number.isInteger(value) && value >= 1) ? Effect.void : fail(field, `${field} must be a whole number ≥ 1, got ${value}`)
    if (raw.partition !== undefined && !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(raw.partition)) {
      yield* fail("--slurm-partition", `--slurm-partition must be a partition name or a comma-separated list of them (see sinfo -s), got "${raw.partition}"`)
    }
    if (raw.time !== undefined && !timeForm.test(raw.time)) {
      yield* fail("--slurm-time", `--slurm-time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. 2:00:00 or 1-12:00:00), got "${raw.time}"`)
    }
    if (raw.mem !== undefined && !/^\d+[KMGT]?$/i.test(raw.mem)) {
      yield* fail("--slurm-mem", `--slurm-mem must be the memory per node: megabytes, or a number with K, M, G or T (e.g. 4G), got "${raw.mem}"`)
    }
    yield* whole("--slurm-cpus", raw.cpus)
    yield* whole("--slurm-parallel", raw.parallel)
    yield* whole("--slurm-per-task", raw.perTask)
    if (raw.poll !== undefined && !(Number.isFinite(raw.poll) && raw.poll >= 1)) {
      yield* fail("--slurm-poll", `--slurm-poll must be a number of seconds ≥ 1, got ${raw.poll}`)
    }
    for (const arg of raw.args ?? []) {
      if (!arg.startsWith("-") || /[\n\0]/.test(arg)) {
        yield* fail("--slurm-arg", `--slurm-arg takes one sbatch option, written as one argument starting with "-" (e.g. --slurm-arg=--account=proj), got "${arg}"`)
      }
      const name = managed.find((m) => m === arg.split("=")[0] || (m.length === 2 && arg.startsWith(m)))
      if (name !== undefined) {
        yield* fail("--slurm-arg", `--slurm-arg ${arg}: the slurm executor sets ${name} itself (it follows the array through its task ids and log files); leave it out`)
      }
    }
    return {
      partition: raw.partition,
      time: raw.time,
      cpus: raw.cpus ?? 1,
      mem: raw.mem,
      parallel: raw.parallel,
      perTask: raw.perTask,
      args: raw.args ?? [],
      poll: raw.poll ?? 30
    }
  })

const run = promisify(execFile)

/** Runs a Slurm command; its failure carries the command's stderr. */
const command = (name: string, args: ReadonlyArray<string>): Effect.Effect<string, SchedulerError> =>
  Effect.tryPromise({
    try: () => run(name, [...args], { maxBuffer: 1 << 24 }).then((r) => r.stdout),
    catch: (cause) => {
      const error = cause as { stderr?: string; message?: string }
      return new SchedulerError({ command: `${name} ${args.join(" ")}`, message: `${name} failed: ${(error.stderr ?? "").trim() || String(error.message ?? cause)}` })
    }
  })

const onPath = (name: string): Promise<boolean> =>
  Promise.all((process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "").map((dir) =>
    fs.access(path.join(dir, name), fs.constants.X_OK).then(() => true, () => false)
  )).then((found) => found.includes(true))

/** Fails, saying how to get Slurm, unless sbatch, squeue and scancel are on PATH. */
export const requireCommands: Effect.Effect<void, ConfigError> = Effect.gen(function*() {
  const missing: Array<string> = []
  for (const name of ["sbatch", "squeue", "scancel"]) if (!(yield* Effect.promise(() => onPath(name)))) missing.push(name)
  if (missing.length > 0) {
    yield* Effect.fail(new ConfigError({
      field: "--executor",
      message: `--executor slurm needs the Slurm client commands, and ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not on PATH. Run gpnn on a cluster's login node (module load slurm, if your site uses modules), install the client (Debian: apt-get install slurm-client, with SLURM_CONF pointing at the cluster's slurm.conf), or start a private test cluster with tests/support/slurm/start-local-slurm.sh; otherwise use --executor threads`
    }))
  }
})

/** Trials per task for `n` trials: `perTask` when given, else one, or as many as keep the array within `maxArrayTasks`. */
export const trialsPerTask = (n: number, perTask: number | undefined): number => perTask ?? Math.max(1, Math.ceil(n / maxArrayTasks))

/**
 * Array task ids still in the queue, from `squeue -h -j <job> -o %i|%t|%r` lines: `12_3` (one
 * task), `12_[4-9%2]` or `12_[1,3,5-7]` (pending tasks not yet split off). "all" for a line naming
 * the job without task ids.
 */
export const queuedTasks = (jobId: string, lines: ReadonlyArray<string>): Set<number> | "all" => {
  const out = new Set<number>()
  for (const line of lines) {
    const id = line.split("|")[0].trim()
    if (id === "") continue
    if (!id.startsWith(`${jobId}_`)) {
      if (id === jobId) return "all"
      continue
    }
    const rest = id.slice(jobId.length + 1)
    const single = /^(\d+)$/.exec(rest)
    if (single !== null) {
      out.add(Number(single[1]))
      continue
    }
    const ranges = /^\[([\d,-]+)(?:%\d+)?\]$/.exec(rest)
    if (ranges === null) return "all"
    for (const part of ranges[1].split(",")) {
      const [lo, hi] = part.split("-").map(Number)
      for (let i = lo; i <= (hi ?? lo); i++) out.add(i)
    }
  }
  return out
}

/** Why a task ended without results, from its log (stderr then stdout): what Slurm says, else the last lines. */
export const reason = (log: string, options: Pick<Options, "time" | "mem">): string => {
  const lines = log.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "")
  const tail = lines.slice(-tailLines).join(" | ")
  const quoted = tail === "" ? "its log is empty" : `log: ${tail}`
  if (/DUE TO TIME LIMIT/.test(log)) return `timed out at the time limit${options.time === undefined ? " (the partition's default; set one with --slurm-time)" : ` (--slurm-time ${options.time}; raise it)`}; ${quoted}`
  if (/oom[-_ ]kill|out of memory|exceeded .*memory limit|OUT_OF_MEMORY/i.test(log)) return `ran out of memory${options.mem === undefined ? " (set more with --slurm-mem)" : ` (--slurm-mem ${options.mem}; raise it)`}; ${quoted}`
  if (/DUE TO NODE FAILURE/.test(log)) return `its node failed; ${quoted}`
  if (/DUE TO PREEMPTION/.test(log)) return `was preempted; ${quoted}`
  if (/CANCELLED/.test(log)) return `was cancelled (scancel); ${quoted}`
  return lines.length === 0 ? "left the queue without a log (it may never have started: see squeue/sinfo for the partition's state)" : `ended without a result; ${quoted}`
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** The gpnn CLI the array tasks run: this checkout's, with the driver's own Node binary. */
const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url))

/** The task script: one `gpnn worker` on this task's share of the specs. */
export const script = (specs: string, runDir: string, perTask: number, backend: string): string =>
  [
    "#!/bin/bash",
    "# One task of a gpnn job array, written by the slurm executor (src/pipeline/Slurm.ts): it runs",
    `# trials [i·${perTask}, (i+1)·${perTask}) of specs.json, i = SLURM_ARRAY_TASK_ID, saving each under the run directory.`,
    `exec ${[process.execPath, cli, "worker", specs, "--out", runDir, "--backend", backend].map(quote).join(" ")} --task-index "$SLURM_ARRAY_TASK_ID" --task-size ${perTask}`,
    ""
  ].join("\n")

/** The `sbatch` arguments of an array of `tasks` tasks whose files live under `dir`. */
export const sbatchArgs = (options: Options, name: string, dir: string, tasks: number): Array<string> => [
  "--parsable",
  `--job-name=${name}`,
  `--array=0-${tasks - 1}${options.parallel === undefined ? "" : `%${options.parallel}`}`,
  `--output=${path.join(dir, "logs", "task-%a.out")}`,
  `--error=${path.join(dir, "logs", "task-%a.err")}`,
  `--chdir=${process.cwd()}`,
  `--cpus-per-task=${options.cpus}`,
  ...(options.partition === undefined ? [] : [`--partition=${options.partition}`]),
  ...(options.time === undefined ? [] : [`--time=${options.time}`]),
  ...(options.mem === undefined ? [] : [`--mem=${options.mem}`]),
  ...options.args,
  path.join(dir, "job.sh")
]

/** What a submission records, in `submission.json`. */
interface Submission {
  readonly jobId: string
  readonly submittedAt: string
  readonly sbatch: ReadonlyArray<string>
  readonly trials: number
  readonly perTask: number
  readonly tasks: number
}

const readJson = (file: string): Promise<unknown> => fs.readFile(file, "utf8").then((t) => JSON.parse(t) as unknown, () => undefined)

/** A file's identity now (inode, time, size), to tell a new result from a failed row stored before. */
const stamp = (file: string): Promise<string | undefined> =>
  fs.stat(file).then((s) => `${s.ino}:${s.mtimeMs}:${s.size}`, () => undefined)

/** An array the driver follows: its job id and its submission directory (logs under `logs/`). */
interface Followed {
  readonly jobId: string
  readonly dir: string
}

/**
 * Arrays of earlier sessions of this run (a driver killed without cancelling) that are still in
 * the queue, each with the task of each of its trials whose task is still queued or running.
 */
const stillQueued = Effect.fn("Slurm.stillQueued")(function*(slurmDir: string) {
  const names = yield* Effect.promise(() => fs.readdir(slurmDir).catch(() => [] as Array<string>))
  const live: Array<Followed & { readonly submittedAt: number; readonly taskOf: ReadonlyMap<string, number> }> = []
  for (const name of names.filter((n) => n.startsWith("submission-")).sort()) {
    const dir = path.join(slurmDir, name)
    const submission = (yield* Effect.promise(() => readJson(path.join(dir, "submission.json")))) as Submission | undefined
    const specs = (yield* Effect.promise(() => readJson(path.join(dir, "specs.json")))) as ReadonlyArray<{ readonly key: string }> | undefined
    if (submission === undefined || specs === undefined) continue
    const listed = yield* Effect.result(command("squeue", ["-h", "-j", submission.jobId, "-o", "%i|%t|%r"]))
    if (listed._tag === "Failure" || listed.success.trim() === "") continue
    const queued = queuedTasks(submission.jobId, listed.success.split("\n"))
    const taskOf = new Map<string, number>()
    for (const [i, spec] of specs.entries()) {
      const task = Math.floor(i / submission.perTask)
      if (queued === "all" || queued.has(task)) taskOf.set(spec.key, task)
    }
    live.push({ jobId: submission.jobId, dir, submittedAt: Date.parse(submission.submittedAt), taskOf })
  }
  return live
})

/** A new submission directory `<run-dir>/slurm/submission-<k>`, created exclusively. */
const newSubmissionDir = (slurmDir: string): Promise<string> =>
  fs.mkdir(slurmDir, { recursive: true }).then(async () => {
    for (let k = 1; ; k++) {
      const dir = path.join(slurmDir, `submission-${String(k).padStart(3, "0")}`)
      const made = await fs.mkdir(dir).then(() => true, (e: NodeJS.ErrnoException) => {
        if (e.code === "EEXIST") return false
        throw e
      })
      if (made) return dir
    }
  })

/** Cancels the array and waits (up to 15 s) until none of its tasks is left in the queue. */
const cancel = (jobId: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    const cancelled = yield* Effect.result(command("scancel", [jobId]))
    if (cancelled._tag === "Failure") {
      yield* Console.error(`slurm: could not cancel array job ${jobId} (${cancelled.failure.message}); cancel it with: scancel ${jobId}`)
      return
    }
    for (let i = 0; i < 30; i++) {
      const listed = yield* Effect.result(command("squeue", ["-h", "-j", jobId, "-o", "%i"]))
      if (listed._tag === "Failure" || listed.success.trim() === "") break
      yield* Effect.sleep("500 millis")
    }
    yield* Console.error(`slurm: cancelled array job ${jobId}`)
  })

/**
 * Runs `trials` of the run stored at `runDir` as one array, calling `onResult` with each result
 * (a worker's, or a failed row for a trial whose task ended without one) as it becomes known.
 * Trials that an array of an earlier session (a driver killed without cancelling) still has
 * queued or running are not submitted again: that array is followed instead. Fails before
 * submitting when Slurm refuses the array.
 */
export const runAll = <E>(
  options: Options,
  backend: string,
  trials: ReadonlyArray<TrialSpec>,
  runDir: string,
  onResult: (result: TrialResult) => Effect.Effect<void, E>
): Effect.Effect<void, E | SchedulerError> =>
  Effect.gen(function*() {
    if (trials.length === 0) return
    const absRun = path.resolve(runDir)
    const slurmDir = path.join(absRun, "slurm")
    const fileOf = (trial: TrialSpec) => path.join(absRun, "trials", Store.trialFile(trial.key))
    // A result is a trial file other than the one there before its array was submitted (a failed
    // row now re-run): told apart by the file's identity, or, for an earlier array, by its age.
    const outstanding = new Map<string, { readonly trial: TrialSpec; readonly array: Followed; readonly task: number; readonly file: string; readonly before: string | undefined }>()
    const earlier = yield* stillQueued(slurmDir)
    const fresh: Array<TrialSpec> = []
    for (const trial of trials) {
      const array = earlier.find((e) => e.taskOf.has(trial.key))
      if (array === undefined) {
        fresh.push(trial)
        continue
      }
      const file = fileOf(trial)
      const old = yield* Effect.promise(() => fs.stat(file).then((st) => st.mtimeMs < array.submittedAt, () => false))
      outstanding.set(trial.key, { trial, array, task: array.taskOf.get(trial.key)!, file, before: old ? yield* Effect.promise(() => stamp(file)) : undefined })
    }
    for (const array of earlier) {
      const adopted = [...outstanding.values()].filter((e) => e.array.jobId === array.jobId).length
      if (adopted > 0) yield* Console.error(`slurm: following array job ${array.jobId} of an earlier session, which still runs ${adopted} of the pending trials; logs in ${path.join(array.dir, "logs")}`)
    }

    const submit: Effect.Effect<ReadonlyArray<Followed>, SchedulerError> = Effect.gen(function*() {
      const following = earlier.filter((e) => [...outstanding.values()].some((o) => o.array.jobId === e.jobId))
      if (fresh.length === 0) return following
      const perTask = trialsPerTask(fresh.length, options.perTask)
      const tasks = Math.ceil(fresh.length / perTask)
      const dir = yield* Effect.tryPromise({
        try: () => newSubmissionDir(slurmDir),
        catch: (cause) => new SchedulerError({ command: "mkdir", message: `cannot create a submission directory under ${slurmDir}: ${String(cause)}` })
      })
      const specsFile = path.join(dir, "specs.json")
      const args = sbatchArgs(options, `gpnn-${path.basename(path.dirname(absRun))}`, dir, tasks)
      const before = new Map<string, string | undefined>()
      for (const trial of fresh) before.set(trial.key, yield* Effect.promise(() => stamp(fileOf(trial))))
      yield* Effect.tryPromise({
        try: async () => {
          await fs.mkdir(path.join(dir, "logs"))
          await fs.writeFile(specsFile, JSON.stringify(fresh) + "\n")
          await fs.writeFile(path.join(dir, "job.sh"), script(specsFile, absRun, perTask, backend), { mode: 0o755 })
        },
        catch: (cause) => new SchedulerError({ command: "write", message: `cannot write the submission under ${dir}: ${String(cause)}` })
      })
      const out = yield* command("sbatch", args).pipe(Effect.mapError((e) => new SchedulerError({
        command: e.command,
        message: `sbatch refused the array (its files: ${dir}): ${e.message.replace(/^sbatch failed: /, "")}. Check --slurm-partition, --slurm-time, --slurm-mem and --slurm-arg against the cluster (sinfo -s lists partitions and their time limits)`
      })))
      const jobId = out.trim().split(";")[0]
      if (!/^\d+$/.test(jobId)) return yield* new SchedulerError({ command: "sbatch --parsable", message: `expected a job id, got "${out.trim()}"` })
      const submission: Submission = { jobId, submittedAt: DateTime.formatIso(yield* DateTime.now), sbatch: ["sbatch", ...args], trials: fresh.length, perTask, tasks }
      yield* Effect.promise(() => fs.writeFile(path.join(dir, "submission.json"), JSON.stringify(submission, null, 2) + "\n"))
      yield* Console.error(`slurm: array job ${jobId}: ${fresh.length} trial(s) in ${tasks} task(s)${options.partition === undefined ? "" : ` on ${options.partition}`}${options.parallel === undefined ? "" : `, ${options.parallel} at once`}; logs in ${path.join(dir, "logs")}`)
      const array: Followed = { jobId, dir }
      for (const [i, trial] of fresh.entries()) outstanding.set(trial.key, { trial, array, task: Math.floor(i / perTask), file: fileOf(trial), before: before.get(trial.key) })
      return [...following, array]
    })

    const follow = (arrays: ReadonlyArray<Followed>) =>
      Effect.gen(function*() {
        const ids = arrays.map((a) => a.jobId)
        let lastSqueue = Number.NEGATIVE_INFINITY
        let delayMs = 1000
        let lastReason = ""
        const gone = new Map<string, { readonly array: Followed; readonly task: number; readonly since: number }>()
        while (outstanding.size > 0) {
          const now = yield* Clock.currentTimeMillis
          if (now - lastSqueue >= squeueEveryMs) {
            lastSqueue = now
            const listed = yield* Effect.result(command("squeue", ["-h", "-j", ids.join(","), "-o", "%i|%t|%r"]))
            // An unknown job id is one the controller has forgotten: the array has left the queue.
            const lines = listed._tag === "Success" ? listed.success.split("\n") : /invalid job id/i.test(listed.failure.message) ? [] : undefined
            if (lines !== undefined) {
              const queued = new Map(ids.map((id) => [id, queuedTasks(id, lines)]))
              for (const { array, task } of outstanding.values()) {
                const inQueue = queued.get(array.jobId)!
                const id = `${array.jobId}_${task}`
                if (inQueue !== "all" && !inQueue.has(task) && !gone.has(id)) gone.set(id, { array, task, since: now })
              }
              const pending = lines.map((l) => l.split("|")).filter((f) => f[1] === "PD").map((f) => f[2]).find((r) => r !== undefined && r !== "None" && r !== "JobArrayTaskLimit")
              if (pending !== undefined && pending !== lastReason) yield* Console.error(`slurm: array job ${ids.join(", ")} has tasks waiting: ${pending}`)
              lastReason = pending ?? ""
            }
          }
          let news = false
          for (const [key, entry] of outstanding) {
            const identity = yield* Effect.promise(() => stamp(entry.file))
            if (identity === undefined || identity === entry.before) continue
            const result = (yield* Effect.promise(() => readJson(entry.file))) as TrialResult | undefined
            if (result === undefined || result.row?.key !== key) continue
            outstanding.delete(key)
            news = true
            yield* onResult(result)
          }
          for (const [id, { array, task, since }] of gone) {
            if (now - since < Math.max(graceMs, options.poll * 1000)) continue
            gone.delete(id)
            const lost = [...outstanding.values()].filter((e) => e.array.jobId === array.jobId && e.task === task)
            if (lost.length === 0) continue
            const log = yield* Effect.promise(() =>
              Promise.all(["err", "out"].map((ext) => fs.readFile(path.join(array.dir, "logs", `task-${task}.${ext}`), "utf8").catch(() => ""))).then((parts) => parts.join("\n"))
            )
            const why = reason(log, options)
            yield* Console.error(`slurm: array task ${id}: ${lost.length} trial(s) failed (${lost.map((e) => e.trial.key).join(", ")}): it ${why}; --resume submits them again`)
            for (const entry of lost) {
              outstanding.delete(entry.trial.key)
              news = true
              yield* onResult(TrialRunner.failedResult(entry.trial, `slurm array task ${id} ${why}`, backend))
            }
          }
          if (outstanding.size === 0) break
          delayMs = news ? 1000 : Math.min(options.poll * 1000, delayMs * 1.5)
          yield* Effect.sleep(delayMs)
        }
      })

    // Anything but finished arrays (Ctrl-C, SIGTERM, a store failure) cancels what is left of them.
    yield* Effect.acquireUseRelease(submit, follow, (arrays, exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.forEach(arrays, (a) => cancel(a.jobId), { discard: true })))
  })
