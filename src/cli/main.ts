/**
 * The gpnn command line: `gpnn list`, `gpnn run <name>`, `gpnn report <name>`, `gpnn peer <name>`,
 * `gpnn runs [name]`, `gpnn diff <name> <runA> <runB>`, `gpnn conformance <dir>`, `gpnn worker <trial-specs> --out <run-dir>`;
 * `gpnn run --executor slurm` takes `--slurm-*` options. The Makefile wraps these; `npx gpnn --help` documents them.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Layer, Option } from "effect"
import { Argument, CliError, Command, Flag } from "effect/cli"
import * as os from "node:os"
import * as Conformance from "../conformance/Conformance.ts"
import { BackendError, ConfigError, DataError, NumericalError, RunFailedError, SchedulerError, StoreError } from "../core/Errors.ts"
import { backendNames, NnBackend } from "../models/mlp/Backend.ts"
import * as Executor from "../pipeline/Executor.ts"
import * as Experiment from "../pipeline/Experiment.ts"
import * as Experiments from "../pipeline/Experiments.ts"
import { Progress } from "../pipeline/Progress.ts"
import * as Rng from "../pipeline/Rng.ts"
import * as Peer from "../pipeline/Peer.ts"
import * as Report from "../pipeline/Report.ts"
import * as Run from "../pipeline/Run.ts"
import * as Slurm from "../pipeline/Slurm.ts"
import * as Worker from "../pipeline/Worker.ts"
import * as RunDiff from "../report/RunDiff.ts"
import * as RunList from "../report/RunList.ts"
import { ResultStore } from "../results/Store.ts"

const resultsDir = Flag.String("results").pipe(
  Flag.withDescription("Directory of stored results (results/<experiment>/<run-id>/)"),
  Flag.withDefault("results")
)
const reportsDir = Flag.String("reports").pipe(
  Flag.withDescription("Directory reports are written to (<dir>/<experiment>/). Default: reports/<experiment>/ for a run of the default profile, reports/.scratch/<experiment>-<profile>/ for any other, so smoke runs never overwrite the committed report"),
  Flag.optional
)
const runIdFlag = Flag.String("run").pipe(Flag.withDescription("A run id under results/<experiment>/"), Flag.optional)

/** `gpnn run`'s options of `--executor slurm` (src/pipeline/Slurm.ts). */
const slurmFlags = {
  slurmPartition: Flag.String("slurm-partition").pipe(Flag.withDescription("--executor slurm: the partition (sbatch --partition; default: the cluster's)"), Flag.optional),
  slurmTime: Flag.String("slurm-time").pipe(Flag.withDescription("--executor slurm: time limit of each array task, e.g. 2:00:00 or 1-00:00:00"), Flag.optional),
  slurmCpus: Flag.Int("slurm-cpus").pipe(Flag.withDescription("--executor slurm: CPUs per array task (default 1)"), Flag.optional),
  slurmMem: Flag.String("slurm-mem").pipe(Flag.withDescription("--executor slurm: memory per array task's node, e.g. 4G"), Flag.optional),
  slurmParallel: Flag.Int("slurm-parallel").pipe(Flag.withDescription("--executor slurm: at most this many array tasks at once (the array's %N)"), Flag.optional),
  slurmPerTask: Flag.Int("slurm-per-task").pipe(Flag.withDescription("--executor slurm: trials per array task (default 1; more when the array would pass 1000 tasks)"), Flag.optional),
  slurmPoll: Flag.Int("slurm-poll").pipe(Flag.withDescription("--executor slurm: longest wait in seconds between looks at the results (default 30)"), Flag.optional),
  slurmArg: Flag.String("slurm-arg").pipe(Flag.withDescription("--executor slurm: one more sbatch option, e.g. --slurm-arg=--account=proj (repeatable)"), Flag.atLeast(0))
}

/** The validated `--slurm-*` options for `executor`; refused with any other executor. */
const slurmOptions = (args: {
  readonly slurmPartition: Option.Option<string>
  readonly slurmTime: Option.Option<string>
  readonly slurmCpus: Option.Option<number>
  readonly slurmMem: Option.Option<string>
  readonly slurmParallel: Option.Option<number>
  readonly slurmPerTask: Option.Option<number>
  readonly slurmPoll: Option.Option<number>
  readonly slurmArg: ReadonlyArray<string>
}, executor: string) => {
  const given = [args.slurmPartition, args.slurmTime, args.slurmCpus, args.slurmMem, args.slurmParallel, args.slurmPerTask, args.slurmPoll].some((o: Option.Option<unknown>) => Option.isSome(o)) || args.slurmArg.length > 0
  if (executor !== "slurm") {
    return given ? Effect.fail(new ConfigError({ field: "--executor", message: `the --slurm-* options apply to --executor slurm only (this run uses ${executor}); add --executor slurm or drop them` })) : Effect.succeed(undefined)
  }
  return Slurm.options({
    partition: Option.getOrUndefined(args.slurmPartition),
    time: Option.getOrUndefined(args.slurmTime),
    cpus: Option.getOrUndefined(args.slurmCpus),
    mem: Option.getOrUndefined(args.slurmMem),
    parallel: Option.getOrUndefined(args.slurmParallel),
    perTask: Option.getOrUndefined(args.slurmPerTask),
    poll: Option.getOrUndefined(args.slurmPoll),
    args: args.slurmArg
  })
}

const list = Command.make("list", {}, () =>
  Effect.gen(function*() {
    for (const e of yield* Experiments.all) {
      yield* Console.log(`${e.name.padEnd(18)} ${e.title}`)
      yield* Console.log(`${"".padEnd(18)} profiles: quick, default, full · parameters: ${Object.keys(e.defaults).join(", ")}`)
    }
  })
).pipe(Command.withDescription("List the known experiments"))

const run = Command.make(
  "run",
  {
    name: Argument.String("experiment").pipe(Argument.withDescription("Experiment name (see `gpnn list`)")),
    profile: Flag.Literals("profile", Experiment.profiles).pipe(
      Flag.withDescription("quick: smoke run (<1 min); default: the study (≤15 min on 2 cores); full: paper-grade (hours)"),
      Flag.withDefault("default")
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Run seed (default: the experiment's)"), Flag.optional),
    backend: Flag.Literals("backend", backendNames).pipe(
      Flag.withDescription("tfjs backend; auto takes the first that loads of tensorflow-gpu, tensorflow, wasm, cpu"),
      Flag.withDefault("auto")
    ),
    jobs: Flag.Int("jobs").pipe(Flag.withDescription("Trials run at once (default: the core count)"), Flag.optional),
    executor: Flag.Literals("executor", ["auto", ...Executor.names]).pipe(
      Flag.withDescription(`Where trials run: ${Executor.executors.map((e) => `${e.name}: ${e.description}`).join("; ")}; auto: inline for --jobs 1, else threads`),
      Flag.withDefault("auto")
    ),
    allowCodeChange: Flag.Boolean("allow-code-change").pipe(
      Flag.withDescription("With --resume: continue a run made by another version of the code (recorded in the manifest)"),
      Flag.withDefault(false)
    ),
    interruptAfter: Flag.Int("interrupt-after").pipe(
      Flag.withDescription("Testing: after N trials are stored, send this process SIGINT (as Ctrl-C)"),
      Flag.optional
    ),
    resume: Flag.Boolean("resume").pipe(Flag.withDescription("Finish the newest unfinished run (or --run <id>) without redoing stored trials"), Flag.withDefault(false)),
    runId: runIdFlag,
    set: Flag.String("set").pipe(
      Flag.withDescription("Override a parameter, validated by the experiment's schema: --set widths=8,64,512 (repeatable)"),
      Flag.atLeast(0)
    ),
    // --task (the compare study's user tasks): appended to the experiment's `tasks` list.
    task: Flag.String("task").pipe(
      Flag.withDescription("Add a task to a study that takes tasks (compare): csv:PATH:TARGET[:regression|classification] or a data set name (repeatable)"),
      Flag.atLeast(0)
    ),
    noReport: Flag.Boolean("no-report").pipe(Flag.withDescription("Store results but do not write the report"), Flag.withDefault(false)),
    ...slurmFlags,
    results: resultsDir,
    reports: reportsDir
  },
  Effect.fn(function*(args) {
    const experiment = yield* Experiments.find(args.name)
    const cores = os.availableParallelism()
    const requested = Option.getOrElse(args.jobs, () => cores)
    if (!Number.isInteger(requested) || requested < 1) {
      return yield* new ConfigError({ field: "--jobs", message: `--jobs must be a whole number ≥ 1, got ${requested}` })
    }
    // More trials at once than cores only slows each (and multiplies the memory held).
    const jobs = Math.min(requested, cores)
    if (jobs < requested) yield* Console.error(`note: --jobs ${requested} capped at ${jobs}, the cores of this machine`)
    const seed = Option.getOrElse(args.seed, () => experiment.seed)
    if (!Rng.isSeed(seed)) {
      return yield* new ConfigError({ field: "--seed", message: `--seed must be a whole number from 0 to ${Rng.maxSeed} (32 bits, unsigned), got ${seed}` })
    }
    const backend = NnBackend.layer(args.backend)
    const chosen = Executor.choose(args.executor, jobs)
    if (chosen === undefined) return yield* new ConfigError({ field: "--executor", message: `unknown executor ${args.executor}; known: auto, ${Executor.names.join(", ")}` })
    const slurm = yield* slurmOptions(args, chosen.name)
    const executor = chosen.layer({ jobs: chosen.jobs(jobs), backend: args.backend, slurm })
    const interruptAfter = Option.getOrUndefined(args.interruptAfter)
    if (args.task.length > 0 && !Array.isArray(experiment.defaults.tasks)) {
      return yield* new ConfigError({ field: "--task", message: `--task: ${experiment.name} takes no user tasks; run an experiment with a tasks parameter (compare)` })
    }
    const runId = yield* Run.run({
      experiment,
      profile: args.profile,
      overrides: [...args.set, ...args.task.map((task) => `tasks+=${task}`)],
      resume: args.resume,
      runId: Option.getOrUndefined(args.runId),
      report: !args.noReport,
      reportsDir: Option.getOrUndefined(args.reports),
      allowCodeChange: args.allowCodeChange,
      ...(interruptAfter === undefined ? {} : { interruptAfter })
    }).pipe(
      Effect.provide(Layer.mergeAll(
        ResultStore.layer(args.results),
        Progress.layer,
        Rng.Rng.layer(seed),
        executor.pipe(Layer.provideMerge(backend))
      ))
    )
    yield* Console.log(`results: ${args.results}/${experiment.name}/${runId}`)
    if (!args.noReport) yield* Console.log(`report: ${Report.directory(Option.getOrUndefined(args.reports), experiment.name, args.profile)}/README.md and index.html`)
  })
).pipe(Command.withDescription("Run an experiment: trials → results/ → reports/"))

const runs = Command.make(
  "runs",
  { name: Argument.String("experiment").pipe(Argument.withDescription("Experiment name; default: every experiment with stored runs"), Argument.optional), results: resultsDir },
  Effect.fn(function*(args) {
    const names = Option.isSome(args.name) ? [(yield* Experiments.find(args.name.value)).name] : (yield* Experiments.all).map((e) => e.name)
    const found = yield* Effect.forEach(names, (name) => RunList.list(name)).pipe(Effect.provide(ResultStore.layer(args.results)))
    for (const [i, entries] of found.entries()) {
      if (entries.length === 0) {
        if (Option.isSome(args.name)) yield* Console.log(`no runs of ${names[i]} under ${args.results}`)
        continue
      }
      if (Option.isNone(args.name)) yield* Console.log(`${names[i]}:`)
      for (const line of RunList.table(entries)) yield* Console.log(line)
    }
    if (Option.isNone(args.name) && found.every((e) => e.length === 0)) yield* Console.log(`no stored runs under ${args.results}`)
  })
).pipe(Command.withDescription("List stored runs: id, status (a run killed mid-way shows as interrupted), profile, seed, commit, trials ok / diverged / failed of those planned, wall time, lock holder"))

const diff = Command.make(
  "diff",
  {
    name: Argument.String("experiment"),
    runA: Argument.String("runA").pipe(Argument.withDescription("Run id (or a unique prefix) of the baseline")),
    runB: Argument.String("runB").pipe(Argument.withDescription("Run id (or a unique prefix) compared with it")),
    results: resultsDir
  },
  Effect.fn(function*(args) {
    const experiment = yield* Experiments.find(args.name)
    const d = yield* RunDiff.between(experiment.name, args.runA, args.runB).pipe(Effect.provide(ResultStore.layer(args.results)))
    yield* Console.log(RunDiff.markdown(d).trimEnd())
  })
).pipe(Command.withDescription(
  "Compare two stored runs as Markdown (like `dvc exp diff --md`): differing parameters, seed, profile and code; every metric per task and model as A, B and B − A with its standard error, marked beyond the fold-to-fold noise when a two-sided t test gives p < 0.05 after Holm's correction over every change compared (paired over the folds both runs share when they split the data alike, else Welch's)"
))

const report = Command.make(
  "report",
  {
    name: Argument.String("experiment"),
    runId: runIdFlag,
    results: resultsDir,
    reports: reportsDir
  },
  Effect.fn(function*(args) {
    const experiment = yield* Experiments.find(args.name)
    const written = yield* Report.write(experiment, Option.getOrUndefined(args.runId), Option.getOrUndefined(args.reports)).pipe(
      Effect.provide(ResultStore.layer(args.results))
    )
    yield* Console.log(`report of run ${written.runId}: ${written.dir}/README.md and index.html`)
  })
).pipe(Command.withDescription("Regenerate an experiment's report from stored results alone (byte-identical)"))

const peer = Command.make(
  "peer",
  {
    name: Argument.String("experiment"),
    runId: runIdFlag,
    peers: Flag.String("peers").pipe(Flag.withDescription("Directory of the Python peer scripts"), Flag.withDefault("../shared/peers")),
    python: Flag.String("python").pipe(Flag.withDescription("Python with torch and scikit-learn"), Flag.withDefault("/usr/bin/python3")),
    results: resultsDir,
    reports: reportsDir
  },
  Effect.fn(function*(args) {
    const experiment = yield* Experiments.find(args.name)
    const written = yield* Peer.run(experiment, Option.getOrUndefined(args.runId), { peersDir: args.peers, python: args.python, reportsDir: Option.getOrUndefined(args.reports) }).pipe(
      Effect.provide(ResultStore.layer(args.results))
    )
    yield* Console.log(`peer stored with run ${written.runId}; report: ${written.dir}/README.md`)
  })
).pipe(Command.withDescription("Run the experiment's Python peer with a stored run's parameters and add it to the report"))

const conformance = Command.make(
  "conformance",
  { dir: Argument.String("dir").pipe(Argument.withDescription("Directory of *.json reference fixtures (tests/fixtures, or another set of the same schema)")) },
  Effect.fn(function*(args) {
    const report = yield* Conformance.run(args.dir)
    for (const line of Conformance.format(report)) yield* Console.log(line)
    const summary = Conformance.summary(report)
    if (summary.passed + summary.failed === 0) {
      return yield* new DataError({ source: args.dir, message: `nothing was checked: no file here is a fixture gpnn recognises and can compare (${summary.skipped} skipped, see above); give a directory of reference fixtures, e.g. tests/fixtures` })
    }
    if (summary.failed > 0) {
      yield* Effect.sync(() => {
        process.exitCode = 1
      })
    }
  })
).pipe(Command.withDescription("Run gpnn on every reference fixture in a directory and compare within the fixtures' tolerances"))

const worker = Command.make(
  "worker",
  {
    specs: Argument.String("trial-specs").pipe(Argument.withDescription("JSON file of serialised trial specs (an array, or { trials: [...] })")),
    out: Flag.String("out").pipe(Flag.withDescription("The run directory: results go to <out>/trials/, as the driver's store writes them")),
    backend: Flag.Literals("backend", backendNames).pipe(Flag.withDescription("tfjs backend for MLP trials"), Flag.withDefault("auto")),
    taskIndex: Flag.Int("task-index").pipe(Flag.withDescription("Run only this task's share of the specs (a job array's task id, from 0); with --task-size"), Flag.optional),
    taskSize: Flag.Int("task-size").pipe(Flag.withDescription("Specs per task with --task-index: task i runs specs [i·size, (i+1)·size)"), Flag.withDefault(1))
  },
  Effect.fn(function*(args) {
    const all = yield* Worker.readSpecs(args.specs)
    const specs = Option.isSome(args.taskIndex) ? yield* Worker.share(all, args.taskIndex.value, args.taskSize) : all
    const outcome = yield* Worker.runAll(specs, args.out, (result) => Console.log(`${result.row.key}: ${result.row.status}`)).pipe(
      Effect.provide(NnBackend.layer(args.backend))
    )
    yield* Console.log(`worker: ran ${outcome.ran} trial(s), ${outcome.skipped} already stored, results in ${args.out}/trials/`)
  })
).pipe(Command.withDescription("Run serialised trial specs in this process and store each result under a run directory (for any process launcher)"))

const gpnn = Command.make("gpnn").pipe(
  Command.withDescription("gpnn: Gaussian processes, SVMs and neural-tangent kernels beside over-parameterised MLPs"),
  Command.withSubcommands([list, run, runs, diff, report, peer, conformance, worker])
)

/** The one line a user sees for a typed failure; undefined for CLI parse errors, already printed. */
const describeFailure = (error: unknown): string | undefined => {
  if (error instanceof DataError) return `${error.source}${error.row !== undefined ? ` line ${error.row}` : ""}: ${error.message}`
  if (error instanceof StoreError) return `${error.path}: ${error.message}`
  // `--set a=1 b=2`: the second assignment arrives as a stray positional argument.
  const stray = (error instanceof CliError.ShowHelp ? error.errors : [error])
    .flatMap((e) => (e instanceof CliError.UnexpectedArgument ? e.arguments : []))
    .filter((a) => /^[A-Za-z_]\w*=/.test(a))
  if (stray.length > 0) {
    return `${stray.map((a) => `"${a}"`).join(", ")} looks like a parameter: each needs its own --set (e.g. ${stray.map((a) => `--set ${a}`).join(" ")})`
  }
  if (error instanceof ConfigError || error instanceof SchedulerError || error instanceof BackendError || error instanceof NumericalError || error instanceof RunFailedError) return error.message
  return undefined
}

const program = Command.run(gpnn, { version: "0.1.0" }).pipe(
  Effect.catch((error: unknown) => {
    const message = describeFailure(error)
    return Effect.andThen(
      message === undefined ? Effect.void : Console.error(`gpnn: ${message}`),
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  }),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program)
