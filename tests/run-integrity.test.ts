/**
 * Run integrity (issue 13, items 2 and 6): what a careful user found wrong with runs, one test per
 * hole, each failing on the code before the fix. Most run a tiny study in-process (ε-SVRs on 40
 * points, a CSV task written here); signals, exit codes and CLI messages go through the CLI.
 */
import { Effect, Exit, Layer, Schema } from "effect"
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { NnBackend } from "../src/models/mlp/Backend.ts"
import { Executor } from "../src/pipeline/Executor.ts"
import * as Experiment from "../src/pipeline/Experiment.ts"
import * as Limits from "../src/pipeline/Limits.ts"
import { Progress } from "../src/pipeline/Progress.ts"
import * as Report from "../src/pipeline/Report.ts"
import * as Rng from "../src/pipeline/Rng.ts"
import * as Run from "../src/pipeline/Run.ts"
import * as Slurm from "../src/pipeline/Slurm.ts"
import * as Study from "../src/pipeline/Study.ts"
import * as Worker from "../src/pipeline/Worker.ts"
import * as TrialRunner from "../src/pipeline/TrialRunner.ts"
import type { Manifest, TrialResult } from "../src/results/Run.ts"
import * as Store from "../src/results/Store.ts"
import { ResultStore } from "../src/results/Store.ts"
import { cli, sandbox } from "./support/cli.ts"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-integrity-"))

const Params = Schema.Struct({
  n: Schema.Int,
  csv: Schema.String,
  Cs: Schema.Array(Schema.Finite),
  diverge: Schema.Boolean
})

/** A tiny study: ε-SVRs on a 1-d task, optionally a CSV task and an MLP that always diverges. */
const probe = Experiment.define({
  name: "integrity-probe",
  title: "integrity probe",
  description: "a tiny study for run-integrity tests",
  params: Params,
  defaults: { n: 40, csv: "", Cs: [1, 10], diverge: false },
  profiles: { quick: {}, full: {} },
  seed: 3,
  study: (p) => ({
    tasks: [
      { name: "sine", spec: { task: "sine-quadratic", n: p.n, noise: 0.1 } },
      ...(p.csv === "" ? [] : [{ name: "file", spec: { task: "csv" as const, path: p.csv, target: "y", kind: "regression" as const } }])
    ],
    split: { kind: "kfold", folds: 2 },
    seeds: 1,
    models: [
      ...p.Cs.map((C) => ({ id: `svr-C${C}`, family: "svm", axes: { C }, config: { kind: "svr", C } })),
      ...(p.diverge
        ? [{ id: "mlp-diverges", family: "mlp", axes: { C: "—" }, config: { width: 4, depth: 1, activation: "relu", optimizer: "sgd", learningRate: 1e12, epochs: 3, batchSize: 8 } }]
        : [])
    ]
  }),
  report: () => Effect.die("integrity-probe has no report")
})

const layers = (results: string, seed = probe.seed, executor: Layer.Layer<Executor, never, NnBackend> = Executor.inProcess) =>
  Layer.mergeAll(ResultStore.layer(results), Progress.layerSilent, Rng.Rng.layer(seed), executor.pipe(Layer.provideMerge(NnBackend.layer("auto"))))

/** Runs the probe study in-process into `results`; the exit says how it ended. */
const runProbe = (results: string, options: Partial<Run.Options> = {}, executor?: Layer.Layer<Executor, never, NnBackend>) =>
  Effect.runPromiseExit(
    Run.run({ experiment: probe, profile: "default", overrides: [], resume: false, report: false, reportsDir: path.join(results, "..", "reports"), ...options }).pipe(
      Effect.provide(layers(results, probe.seed, executor))
    )
  )

const inStore = <A, E>(results: string, effect: Effect.Effect<A, E, ResultStore>) => Effect.runPromise(Effect.provide(effect, ResultStore.layer(results)))

const manifestAt = (results: string, runId: string): Manifest =>
  JSON.parse(fs.readFileSync(path.join(results, probe.name, runId, "manifest.json"), "utf8"))

const trialsAt = (results: string, runId: string): Array<TrialResult> =>
  fs.readdirSync(path.join(results, probe.name, runId, "trials")).map((f) => JSON.parse(fs.readFileSync(path.join(results, probe.name, runId, "trials", f), "utf8")))

const trialsAtDir = (runDir: string): Array<TrialResult> =>
  fs.readdirSync(path.join(runDir, "trials")).map((f) => JSON.parse(fs.readFileSync(path.join(runDir, "trials", f), "utf8")))

const runIdOf = (exit: Exit.Exit<string, unknown>): string => {
  if (exit._tag === "Failure") throw new Error(`run failed: ${String(exit.cause)}`)
  return exit.value
}

/** The error a failed run ended with, as "Tag: message". */
const failureOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (exit._tag === "Success") throw new Error("expected the run to fail")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  const value = error?._tag === "Fail" ? (error.error as { _tag: string; message: string }) : undefined
  return value === undefined ? String(exit.cause) : `${value._tag}: ${value.message}`
}

const csvRows = (bad: boolean): string =>
  ["x,y", ...Array.from({ length: 30 }, (_, i) => `${(i / 10).toFixed(1)},${i === 7 && bad ? "oops" : (Math.sin(i / 10) + 0.25).toFixed(2)}`)].join("\n") + "\n"

/** A pid that existed and is gone: a child process that has exited. */
const deadPid = (): number => Number(execFileSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).trim())

describe("1. runs never mix", () => {
  it("two runs started in the same second get their own ids and folders", async () => {
    const results = path.join(root, "ids")
    const first = runIdOf(await runProbe(results))
    const second = runIdOf(await runProbe(results))
    expect(second).not.toBe(first)
    for (const id of [first, second]) expect(trialsAt(results, id)).toHaveLength(manifestAt(results, id).trialCount)
  })

  it("--run <id> of an existing run without --resume is refused, and nothing is added to it", async () => {
    const results = path.join(root, "named")
    runIdOf(await runProbe(results, { runId: "c2" }))
    const again = await runProbe(results, { runId: "c2", overrides: ["Cs=5,50,500"] })
    expect(failureOf(again)).toMatch(/ConfigError: run c2 of integrity-probe exists already.*--resume --run c2/)
    expect(trialsAt(results, "c2")).toHaveLength(manifestAt(results, "c2").trialCount)
    expect(manifestAt(results, "c2").params.Cs).toEqual([1, 10])
  })

  it("--run with an unknown id lists the runs there are", async () => {
    const results = path.join(root, "named")
    const resumed = await runProbe(results, { runId: "nosuchid", resume: true })
    expect(failureOf(resumed)).toMatch(/no run nosuchid of integrity-probe.*\n {2}c2 {2}complete {2}4\/4 trials stored/s)
    const report = await Effect.runPromiseExit(Report.chooseRun(probe.name, "nosuchid").pipe(Effect.provide(ResultStore.layer(results))))
    expect(failureOf(report)).toContain("Its runs: c2")
  })
})

describe("2. failures are not success", () => {
  it("a CSV error fails the run naming the first failed trial; after the fix --resume re-runs failed trials and keeps diverged ones", async () => {
    const results = path.join(root, "failures")
    const file = path.join(root, "failures.csv")
    fs.writeFileSync(file, csvRows(true))
    const failed = await runProbe(results, { overrides: [`csv=${file}`, "diverge=true"] })
    expect(failureOf(failed)).toMatch(/RunFailedError: run (\S+) of integrity-probe failed: 6 of 12 trials failed \(a data error fails the run\); the first, file\/svr-C1\/fold=0\/seed=0: DataError: .*line 9.*--resume --run/s)
    const [runId] = fs.readdirSync(path.join(results, probe.name))
    const manifest = manifestAt(results, runId)
    expect(manifest.status).toBe("failed")
    expect(manifest.failure).toMatchObject({ failed: 6, key: "file/svr-C1/fold=0/seed=0", kind: "data" })
    const before = trialsAt(results, runId)
    expect(before.filter((r) => r.row.status === "diverged").map((r) => r.row.key).sort()).toEqual(["sine/mlp-diverges/fold=0/seed=0", "sine/mlp-diverges/fold=1/seed=0"])

    fs.writeFileSync(file, csvRows(false))
    const fixed = await runProbe(results, { overrides: [`csv=${file}`, "diverge=true"], resume: true })
    expect(runIdOf(fixed)).toBe(runId)
    const after = manifestAt(results, runId)
    expect(after.status).toBe("complete")
    expect(after.failure).toBeUndefined()
    // Only the 6 failed trials ran again: the diverged ones are results and were kept.
    expect(after.sessions.map((s) => s.trialsRun)).toEqual([12, 6])
    expect(after.sessions[1].inputsChanged?.[0]).toContain(file)
    const rows = trialsAt(results, runId).map((r) => r.row)
    expect(rows.filter((r) => r.task === "file" && r.model.startsWith("svr")).every((r) => r.status === "ok")).toBe(true)
    expect(rows.filter((r) => r.status === "diverged")).toHaveLength(4)
  }, 60_000)

  it("through the CLI, MNIST n = 20000 (beyond its 10000 images) exits non-zero naming the first failed trial; the manifest says failed", async () => {
    const { dirs, gpnn, onlyRun } = sandbox("integrity-mnist")
    const r = await gpnn(["run", "critical-init", "--profile", "quick", "--set", "n=20000", "--jobs", "1", ...dirs("m")])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/gpnn: run \S+ of critical-init failed: 4 of 4 trials failed \(a data error fails the run\); the first, mnist\/\S+\/fold=0\/seed=0: DataError: mnist: n = 20000 exceeds the 10000 images/)
    const manifest = JSON.parse(fs.readFileSync(path.join(onlyRun("m", "critical-init"), "manifest.json"), "utf8"))
    expect(manifest.status).toBe("failed")
    expect(manifest.failure.kind).toBe("data")
  }, 60_000)

  it("a re-launched worker (gpnn worker) re-runs failed trials and skips stored results", async () => {
    const runDir = path.join(root, "worker-run")
    const params = await Effect.runPromise(Experiment.resolve(probe, "default", []))
    const [a, b] = Study.trials(probe.study(params), Rng.make(probe.seed), () => false)
    await Effect.runPromise(Store.saveTrialIn(runDir, TrialRunner.failedResult(a, "worker died: out of memory", "cpu")))
    const once = await Effect.runPromise(Worker.runAll([b], runDir).pipe(Effect.provide(NnBackend.layer("auto"))))
    expect(once).toEqual({ ran: 1, skipped: 0 })
    const again = await Effect.runPromise(Worker.runAll([a, b], runDir).pipe(Effect.provide(NnBackend.layer("auto"))))
    expect(again).toEqual({ ran: 1, skipped: 1 })
    expect(trialsAtDir(runDir).map((r) => r.row.status)).toEqual(["ok", "ok"])
  })

  it("a changed CSV is refused on resume while stored results were computed from it", async () => {
    const results = path.join(root, "fingerprint")
    const file = path.join(root, "fingerprint.csv")
    fs.writeFileSync(file, csvRows(false))
    const runId = runIdOf(await runProbe(results, { overrides: [`csv=${file}`] }))
    expect(manifestAt(results, runId).inputs).toEqual([{ task: "file", path: file, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: fs.statSync(file).size }])
    fs.appendFileSync(file, "3.0,1.5\n")
    const resumed = await runProbe(results, { overrides: [`csv=${file}`], resume: true, runId })
    expect(failureOf(resumed)).toMatch(/fingerprint\.csv \(task file\) changed since run .* 4 stored trial\(s\) were computed from the old file/)
  })

  it("a failing CSV is read once per process, not once per trial", async () => {
    const file = path.join(root, "once.csv")
    fs.writeFileSync(file, csvRows(true))
    const task = { name: "file", spec: { task: "csv" as const, path: file, target: "y", kind: "regression" as const } }
    const split = { kind: "kfold" as const, folds: 2 }
    const load = () => Effect.runPromiseExit(TrialRunner.taskData(1, task, split))
    const mtime = new Date("2026-01-01T00:00:00Z")
    fs.utimesSync(file, mtime, mtime)
    expect(failureOf(await load())).toContain("DataError")
    // The same size and time with the error fixed: a cached failure still answers, so it was not read again.
    fs.writeFileSync(file, csvRows(false))
    expect(fs.statSync(file).size).toBe(csvRows(true).length)
    fs.utimesSync(file, mtime, mtime)
    expect(failureOf(await load())).toContain("DataError")
    // A new version of the file (another time) is read again.
    fs.utimesSync(file, new Date(mtime.getTime() + 5000), new Date(mtime.getTime() + 5000))
    expect((await load())._tag).toBe("Success")
  })
})

describe("3. sizes are checked before work starts", () => {
  const study = (n: number, width: number): Study.Study => ({
    tasks: [{ name: "moons", spec: { task: "moons" as const, n, noise: 0.1 } }],
    split: { kind: "kfold" as const, folds: 2 },
    seeds: 1,
    models: [
      { id: "gp", family: "gp", axes: {}, config: {} },
      { id: `mlp-w${width}`, family: "mlp", axes: { width }, config: { width, depth: 2 } }
    ]
  })
  const check = (n: number, width: number, memory: number, concurrent = 1) =>
    Effect.runPromiseExit(Limits.check(study(n, width), { n, widths: [width] }, new Map([["moons", { n, d: 2 }]]), { memory, concurrent }))

  it("refuses n beyond the machine's memory, naming the parameter and the largest n that fits (which passes)", async () => {
    const memory = 2 ** 30
    const refused = await check(1e9, 8, memory)
    expect(failureOf(refused)).toMatch(/n = 1000000000 is too large.*gp trial.*4 dense n × n float64 matrices.*1\.0 GiB of memory.*Keep n at most (\d+) \(--set n=\.\.\.\)/s)
    const fits = Number(/at most (\d+)/.exec(failureOf(refused))![1])
    expect(fits).toBeGreaterThan(4000)
    expect((await check(fits, 8, memory))._tag).toBe("Success")
    expect((await check(fits + 1, 8, memory))._tag).toBe("Failure")
    // Two trials at once halve what each may hold.
    expect((await check(fits, 8, memory, 2))._tag).toBe("Failure")
  })

  it("refuses widths × n beyond memory, naming widths", async () => {
    expect(failureOf(await check(200, 1e6, 2 ** 30))).toMatch(/widths \(width = 1000000\) is too large.*weights of width 1000000.*--set widths=/s)
  })

  it("a run with --set n=1e9 fails at once and creates no run", async () => {
    const results = path.join(root, "limits")
    const exit = await runProbe(results, { overrides: ["n=1000000000"] })
    expect(failureOf(exit)).toMatch(/ConfigError: n = 1000000000 is too large for this machine/)
    expect(fs.existsSync(path.join(results, probe.name))).toBe(false)
  })

  it("an executor's own memory per trial replaces this machine's (a Slurm task's --slurm-mem): named in the message, and it decides", async () => {
    const where = "each Slurm array task (--slurm-mem 1M)"
    const byBudget = (n: number, memory: number) =>
      Effect.runPromiseExit(Limits.check(study(n, 8), { n, widths: [8] }, new Map([["moons", { n, d: 2 }]]), { memory, concurrent: 1, where }))
    const refused = await byBudget(1e5, 2 ** 20)
    expect(failureOf(refused)).toMatch(/n = 100000 is too large for each Slurm array task \(--slurm-mem 1M\):.*but each Slurm array task \(--slurm-mem 1M\) has 1\.0 MiB of memory/s)
    // the same trial fits an allocation of a terabyte, whatever this machine has
    expect((await byBudget(1e5, 2 ** 40))._tag).toBe("Success")
    // and a run plans with the executor's memory: the probe refused for a 1 MiB task, naming it
    const results = path.join(root, "limits-allocation")
    const small = Layer.effect(Executor, Effect.map(Effect.context<NnBackend>(), (context) => Executor.of({
      name: "allocation", jobs: 4, memory: { bytes: 2 ** 20, where }, run: (trial) => Effect.provideContext(TrialRunner.run(trial), context)
    })))
    const exit = await runProbe(results, { overrides: ["n=100000"] }, small)
    expect(failureOf(exit)).toMatch(/ConfigError: n = 100000 is too large for each Slurm array task \(--slurm-mem 1M\)/)
    expect(fs.existsSync(path.join(results, probe.name))).toBe(false)
    expect(Slurm.memBytes("1M")).toBe(2 ** 20)
  })

  it("a search's largest proposal is sized too: hpo with --set maxWidth=1e8 fails at once naming maxWidth", async () => {
    const results = path.join(root, "limits-search")
    const hpo = (await import("../experiments/hpo.ts")).default
    const exit = await Effect.runPromiseExit(
      Run.run({ experiment: hpo, profile: "quick", overrides: ["maxWidth=100000000"], resume: false, report: false, reportsDir: path.join(results, "..", "reports") }).pipe(
        Effect.provide(layers(results, hpo.seed))
      )
    )
    expect(failureOf(exit)).toMatch(/ConfigError: maxWidth \(width = 100000000\) is too large for this machine/)
    expect(fs.existsSync(path.join(results, hpo.name))).toBe(false)
  })
})

describe("4. one process per run", () => {
  it("a run held by a live process is refused by --resume --run, skipped by a plain --resume; a dead holder's lock is taken over", async () => {
    const results = path.join(root, "locks")
    const runId = runIdOf(await runProbe(results))
    const dir = path.join(results, probe.name, runId)
    expect(fs.existsSync(path.join(dir, "lock.json"))).toBe(false)
    // Leave it as a killed run leaves it: "running", and a lock.
    const manifest = manifestAt(results, runId)
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ ...manifest, status: "running" }))
    fs.rmSync(path.join(dir, "trials", fs.readdirSync(path.join(dir, "trials"))[0]))
    const live = { pid: process.pid, host: os.hostname(), since: "2026-01-01T00:00:00Z" }
    fs.writeFileSync(path.join(dir, "lock.json"), JSON.stringify(live))

    const named = await runProbe(results, { resume: true, runId })
    expect(failureOf(named)).toMatch(new RegExp(`run ${runId} of integrity-probe is being worked on by process ${process.pid} on this host`))
    const plain = await runProbe(results, { resume: true })
    expect(failureOf(plain)).toMatch(new RegExp(`no unfinished run .* is free to resume; skipped, being worked on: ${runId}`))
    expect((await inStore(results, Run.listRuns(probe.name)))[0]).toMatchObject({ status: "running", stored: 3 })

    fs.writeFileSync(path.join(dir, "lock.json"), JSON.stringify({ ...live, pid: deadPid() }))
    // 5. A "running" manifest whose holder is gone shows as interrupted, and a plain --resume takes it.
    expect((await inStore(results, Run.listRuns(probe.name)))[0]).toMatchObject({ status: "interrupted", stored: 3, trialCount: 4 })
    expect(runIdOf(await runProbe(results, { resume: true }))).toBe(runId)
    expect(manifestAt(results, runId).status).toBe("complete")
    expect(manifestAt(results, runId).sessions.at(-1)?.trialsRun).toBe(1)
    expect(fs.existsSync(path.join(dir, "lock.json"))).toBe(false)
  })
})

describe("5. signals", () => {
  it("SIGTERM stops a --jobs 1 run within a second, mid-fit, and marks it interrupted", async () => {
    const { root: home, dirs } = sandbox("integrity-signal")
    const child = spawn(process.execPath, [cli, "run", "gp-kernels", "--profile", "quick", "--set", "n=1500", "--jobs", "1", "--no-report", ...dirs("s")], { cwd: home, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const ended = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    const runs = path.join(home, "s", "results", "gp-kernels")
    const deadline = Date.now() + 30_000
    while (!(fs.existsSync(runs) && fs.readdirSync(runs).some((id) => fs.existsSync(path.join(runs, id, "manifest.json")))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    // Two seconds into the trials: the first GP fit (n = 1000 training points, ~10 s) is under way.
    await new Promise((r) => setTimeout(r, 2000))
    const sent = Date.now()
    child.kill("SIGTERM")
    const code = await ended
    expect(Date.now() - sent).toBeLessThan(2500)
    expect(code).not.toBe(0)
    expect(stderr).toContain("interrupted: 0 of 18 trials are stored")
    const [runId] = fs.readdirSync(runs)
    expect(JSON.parse(fs.readFileSync(path.join(runs, runId, "manifest.json"), "utf8")).status).toBe("interrupted")
    expect(fs.existsSync(path.join(runs, runId, "lock.json"))).toBe(false)
  }, 60_000)
})

describe("6. smaller holes", () => {
  const { root: home, dirs, gpnn } = sandbox("integrity-small")

  it("--seed must be 32-bit unsigned; --jobs beyond the cores is capped with a note", async () => {
    const r = await gpnn(["run", "svm-grid", "--profile", "quick", "--seed", "-1", "--jobs", "999", ...dirs("x")])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`note: --jobs 999 capped at ${os.availableParallelism()}, the cores of this machine`)
    expect(r.stderr).toContain("--seed must be a whole number from 0 to 4294967295 (32 bits, unsigned), got -1")
  })

  it("--jobs beyond the trials to run starts only as many workers, and the session says so", async () => {
    const results = path.join(root, "jobs")
    const runId = runIdOf(await runProbe(results, { overrides: ["Cs=1"] }, Executor.workers(4, "auto")))
    expect(manifestAt(results, runId).sessions[0]).toMatchObject({ jobs: 2, executor: "threads" })
  }, 60_000)

  it("--set a=1 b=2 says to repeat --set, quoted or not", async () => {
    const r = await gpnn(["run", "svm-grid", "--profile", "quick", "--set", "Cs=5", "sigmas=0.1", ...dirs("x")])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(`"sigmas=0.1" looks like a parameter: each needs its own --set (e.g. --set sigmas=0.1)`)
    const quoted = await Effect.runPromiseExit(Experiment.resolve(probe, "default", ["Cs=5 diverge=true"]))
    expect(failureOf(quoted)).toContain("each parameter needs its own --set (--set Cs=5 --set diverge=true)")
  })

  it("a trial file holding another trial's result is rejected on load", async () => {
    const results = path.join(root, "swapped")
    const runId = runIdOf(await runProbe(results))
    const trials = path.join(results, probe.name, runId, "trials")
    const [a, b] = fs.readdirSync(trials)
    fs.copyFileSync(path.join(trials, a), path.join(trials, b))
    const read = Effect.gen(function*() {
      const store = yield* ResultStore
      return yield* store.readTrials(probe.name, runId)
    })
    const exit = await Effect.runPromiseExit(read.pipe(Effect.provide(ResultStore.layer(results))))
    expect(failureOf(exit)).toMatch(new RegExp(`StoreError: holds the result of trial \\S+, which belongs in ${a.replace(/\./g, "\\.")}.*Remove ${b.replace(/\./g, "\\.")}`))
  })

  it("conformance on a folder of unrecognised files exits non-zero", async () => {
    const dir = path.join(home, "not-fixtures")
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, "a.json"), JSON.stringify({ hello: 1 }))
    const r = await gpnn(["conformance", dir])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("nothing was checked")
  })
})
