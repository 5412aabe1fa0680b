/**
 * Size limits checked before a run does any work: an estimate of the memory the largest trial
 * holds, times the trials that run at once, against this machine's memory (`os.totalmem()`), or
 * against the memory an executor gives each trial (a Slurm array task's `--slurm-mem`). A
 * parameter such as `--set n=1e9` is refused at once, naming the parameter and the largest value
 * that fits, instead of growing the process until the system kills it.
 *
 * The estimate is an order-of-magnitude guard, not a measurement: per trial, the data (n rows of
 * d features and the target, float64, with the standardised and fold copies: 4 copies); for the
 * kernel families (gp, gpc, svm, nngp, ntk) 4 dense n × n float64 matrices (the kernel, its
 * Cholesky factor, and the workspace of solves and gradients); for the MLP its float32 weights
 * four times (weights, gradients, two Adam moments) and the activations of a full-data pass
 * (n × width per layer, forward and backward). n is the task's whole size (a fold trains on part
 * of it), so the guard errs on the safe side.
 *
 * When to use: `Run.run` calls `check` after resolving the study and before creating the run.
 * Gotchas: real data sets (co2, cars, penguins, seattle-weather) are small and fixed, and count
 * their known size; a CSV task counts the lines of its file, which `inputs` reads anyway.
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type * as Study from "./Study.ts"

/** Dense n × n float64 matrices a kernel method holds at once (K, L, solve and gradient workspace). */
const KERNEL_MATRICES = 4
/** Copies of the data a trial holds: the set, its standardised training part, the fold's parts. */
const DATA_COPIES = 4
/** Families whose fit holds n × n matrices. */
const kernelFamilies: ReadonlySet<string> = new Set(["gp", "gpc", "svm", "nngp", "ntk"])
/** Only this share of the machine's memory is planned for: the OS, Node and tfjs need the rest. */
const USABLE = 0.8

/** The rows and features of a task before loading it; undefined where unknown. */
export interface TaskSize {
  readonly n: number
  readonly d: number
}

const knownSizes: Readonly<Record<string, TaskSize>> = {
  co2: { n: 741, d: 1 },
  cars: { n: 406, d: 7 },
  penguins: { n: 344, d: 6 },
  "seattle-weather": { n: 1461, d: 4 },
  mnist: { n: 0, d: 784 },
  moons: { n: 0, d: 2 },
  circles: { n: 0, d: 2 },
  xor: { n: 0, d: 2 }
}

/** A task's size from its spec, or from `csvRows` (rows, columns of a CSV file) for a CSV task. */
export const taskSize = (spec: Study.TaskEntry["spec"], csv?: TaskSize): TaskSize | undefined => {
  if (spec.task === "csv") return csv
  const known = knownSizes[spec.task]
  const n = "n" in spec && typeof spec.n === "number" ? spec.n : known?.n ?? 0
  return { n, d: known?.d ?? 1 }
}

/** The quantities a trial's memory grows with: the task's rows and the model's width. */
interface Size {
  readonly n: number
  readonly width: number
}

/** One term of a trial's estimate: what it is, and its bytes as a function of the sizes. */
interface Term {
  readonly what: (size: Size) => string
  readonly bytes: (size: Size) => number
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback)

/** The memory terms of one model on a task with `d` features. */
const terms = (model: Study.ModelEntry, d: number): Array<Term> => {
  const out: Array<Term> = [{
    what: ({ n }) => `the data (${n} × ${d + 1} float64, ${DATA_COPIES} copies)`,
    bytes: ({ n }) => DATA_COPIES * 8 * n * (d + 1)
  }]
  if (kernelFamilies.has(model.family)) {
    out.push({ what: ({ n }) => `${KERNEL_MATRICES} dense n × n float64 matrices (n = ${n})`, bytes: ({ n }) => KERNEL_MATRICES * 8 * n * n })
  }
  if (model.family === "mlp") {
    const depth = numberOr(model.config.depth, 2)
    out.push({
      what: ({ width }) => `the weights of width ${width} × depth ${depth} (float32, 4 copies)`,
      bytes: ({ width }) => 4 * 4 * (d * width + (depth - 1) * width * width + width)
    })
    out.push({
      what: ({ n, width }) => `the activations of a full pass, n × width × depth (${n} × ${width} × ${depth}, float32, forward and backward)`,
      bytes: ({ n, width }) => 2 * 4 * n * width * depth
    })
  }
  return out
}

/** 1.5 GiB, 12 MiB, 3.2e+19 bytes (beyond exbibytes, the count is clearer). */
export const formatBytes = (bytes: number): string => {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return value >= 1024 ? `${bytes.toExponential(1)} bytes` : `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** The largest x with bytesAt(x) ≤ budget (bytesAt increasing), by bisection on integers. */
const largestFitting = (bytesAt: (x: number) => number, budget: number, upper: number): number => {
  let lo = 0
  let hi = Math.max(1, Math.floor(upper))
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (bytesAt(mid) <= budget) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** The `--set` parameter that holds `value` (itself or in a list), for the message. */
const parameterHolding = (params: Readonly<Record<string, unknown>>, value: number): string | undefined =>
  Object.keys(params).find((key) => {
    const v = params[key]
    return v === value || (Array.isArray(v) && v.includes(value))
  })

export interface Budget {
  /** The memory trials run in, bytes: this machine's (`os.totalmem()`), or what an executor gives each trial. */
  readonly memory: number
  /** Trials that run at once in that memory. */
  readonly concurrent: number
  /** What holds that memory, for the message: "this machine" unless said otherwise. */
  readonly where?: string | undefined
}

/**
 * Fails with a ConfigError when the largest trial's estimate, times the trials run at once,
 * exceeds the usable share of the machine's memory. The message names the task or model, the
 * term that dominates, the `--set` parameter behind it and the largest value that fits.
 * `sizes` holds each task's size by name (see `taskSize`); tasks without one are not checked.
 */
export const check = (
  study: Study.Study,
  params: Readonly<Record<string, unknown>>,
  sizes: ReadonlyMap<string, TaskSize>,
  budget: Budget
): Effect.Effect<void, ConfigError> => {
  const usable = USABLE * budget.memory
  const perTrial = usable / Math.max(1, budget.concurrent)
  let worst: { task: string; model: Study.ModelEntry; size: Size; terms: Array<Term>; total: number } | undefined
  for (const task of study.tasks) {
    const taskSize = sizes.get(task.name)
    if (taskSize === undefined) continue
    const searched = (study.searches ?? []).flatMap((s) => (s.task === task.name && s.largest !== undefined ? [s.largest] : []))
    for (const model of [...study.models, ...searched]) {
      const size = { n: taskSize.n, width: numberOr(model.config.width, 0) }
      const ts = terms(model, taskSize.d)
      const total = ts.reduce((sum, t) => sum + t.bytes(size), 0)
      if (worst === undefined || total > worst.total) worst = { task: task.name, model, size, terms: ts, total }
    }
  }
  if (worst === undefined || worst.total <= perTrial) return Effect.void
  const { size, terms: ts, total } = worst
  const top = ts.reduce((a, b) => (b.bytes(size) > a.bytes(size) ? b : a))
  // Lower the quantity the largest term grows with: n, unless the weights alone dominate.
  const name: keyof Size = top.bytes({ ...size, n: 0 }) === top.bytes(size) ? "width" : "n"
  const totalAt = (x: number) => ts.reduce((sum, t) => sum + t.bytes({ ...size, [name]: x }), 0)
  const fits = largestFitting(totalAt, perTrial, size[name])
  const parameter = parameterHolding(params, size[name])
  const named = parameter === undefined || parameter === name ? `${name} = ${size[name]}` : `${parameter} (${name} = ${size[name]})`
  const together = budget.concurrent > 1 ? ` with ${budget.concurrent} trials at once (fewer with --jobs)` : ""
  const where = budget.where ?? "this machine"
  return Effect.fail(new ConfigError({
    field: parameter ?? name,
    message: `${named} is too large for ${where}: a ${worst.model.family} trial (${worst.model.id} on task ${worst.task}) would hold about ${formatBytes(total)}, mostly ${top.what(size)}${together}, but ${where} has ${formatBytes(budget.memory)} of memory, of which ${Math.round(USABLE * 100)}% is planned for. Keep ${name} at most ${fits}${parameter === undefined ? "" : ` (--set ${parameter}=...)`}`
  }))
}
