/**
 * Two threads on one computation: a thread that runs a large row-splittable piece of work on a
 * shared wasm memory (`WebAssembly.Memory({ shared: true })`) hands half of it, piece by piece,
 * to a helper thread of its own. Used by the float64 kernel's in-place updates and Cholesky's
 * panel solves (`WasmKernel.ts`, `Cholesky.ts`) and by the MLP engine's float32 products and
 * optimiser sweeps (`Sgemm.ts`, `models/mlp/WasmUpdate.ts`).
 *
 * Protocol. Work is a registered task (`register`): a function of rows [lo, hi) of a computation
 * on a memory, with up to `MAX_INTS` int32 and `MAX_FLOATS` float64 parameters, which must give the
 * same bits whichever thread runs which rows (each task writes disjoint rows, and computes each
 * entry with the same operations in the same order, so results never depend on threads). `share`
 * writes the job (task, memory slot, parameters, piece boundaries) into a small SharedArrayBuffer,
 * wakes the helper, and both threads claim pieces one at a time with `Atomics.compareExchange` on
 * one claim word (sequence·256 + pieces·16 + next piece: a thread that read it just before the
 * next job was written can never take a piece of that job); the poster then waits (`Atomics.wait`)
 * for the helper's last piece. A helper that wakes late, or shares a core with other work, simply
 * takes fewer pieces. Memories reach the helper once, through a MessagePort that it drains
 * synchronously (`receiveMessageOnPort`) when a job names a memory slot it has not seen; it keeps
 * the last `SLOTS`. Between jobs the helper sleeps in `Atomics.wait`. (Polling for the next job
 * for 0.2 ms first, to spare the back-to-back products of a training step a futex wake-up, made no
 * difference beyond noise to `bench/mlp.ts` or to the Cholesky bench here, so it does not poll.)
 *
 * Who may share. A thread shares only when it has the cores to itself: the main thread when the
 * machine has two or more (benchmarks, `gpnn worker` processes, embedding programs); a trial
 * worker thread only while its executor's count of running trials (`setRunning`) is at most half
 * the cores, so `--jobs 1`, `inline` and the tail of a run use two threads per trial and a full
 * `--jobs 2` pool on two cores never oversubscribes them. The count is read at every job, so a
 * trial picks the helper up the moment the other trials end. `GPNN_WASM_THREADS=0` or
 * `setThreads(false)` turns sharing off everywhere.
 *
 * Back-off on a busy machine: a shared job after which the poster waited for the helper longer
 * than it worked itself is a strike (the helper was descheduled holding a piece, so one thread
 * would have been faster); after `STRIKES` in a row the next `paused` jobs run on one thread, and
 * the pause doubles each time sharing fails again (from `PAUSE` up to `MAX_PAUSE` jobs), and
 * returns to `PAUSE` after a job that went well. Timing only decides which thread computes what,
 * never the result.
 *
 * Gotchas: the helper is unref'd (it never keeps the process alive) and started on the first
 * shared job (`startHelper` starts it eagerly); jobs posted while it starts run on one thread. A
 * task posted from inside a piece runs on the calling thread. The helper knows the tasks of the
 * modules `ShareWorker.ts` imports: a module that registers a task must be listed there.
 */
import { availableParallelism } from "node:os"
import { isMainThread, MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads"
import type { WasmMemory } from "./WasmEncoder.ts"

/**
 * Rows [lo, hi) of a task on `memory` with the poster's parameters; `thread` is 0 on the posting
 * thread and 1 on the helper (for per-thread scratch).
 */
export type Task = (memory: WasmMemory, ints: Int32Array, floats: Float64Array, lo: number, hi: number, thread: 0 | 1) => void

/** Most pieces of one job (four bits of the claim word). */
export const MAX_PIECES = 15
export const MAX_INTS = 24
export const MAX_FLOATS = 12
/**
 * Memories the helper keeps (the most recently used; a fit shares work on one or two: an MLP's
 * net, the float64 kernel's arena). The helper holds them until a newer memory takes the slot (so
 * up to three dropped nets' memories may outlive their fits on the helper); the poster holds them
 * only weakly.
 */
const SLOTS = 3
/** Consecutive one-second waits without a finished piece after which the helper is declared stuck. */
const STALL_SECONDS = 60

// The control block, Int32 slots: the job's sequence number; the claim word; pieces done; whether
// the helper is up; pieces the helper has run in all; the task; the number of pieces; whether a
// piece threw on the helper; the memory's slot and that slot's generation; the piece boundaries;
// the int parameters; then (as Float64 slots) the float parameters.
const SEQ = 0, CLAIM = 1, DONE = 2, READY = 3, HELPED = 4, KIND = 5, PIECES = 6, FAILED = 7, SLOT = 8, GEN = 9
const BOUNDS = 10
const INTS = BOUNDS + MAX_PIECES + 1
const FLOATS = Math.ceil((INTS + MAX_INTS) / 2)
const CONTROL_BYTES = 8 * (FLOATS + MAX_FLOATS)

const tasks = new Map<number, Task>()

/** A task's id: FNV-1a of its name, never 0. */
const taskId = (name: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return (h >>> 1) | 1
}

/** Registers a task under `name` for `share`; the helper must register it too (see `ShareWorker.ts`). */
export const register = (name: string, task: Task): void => {
  tasks.set(taskId(name), task)
}

interface Control {
  readonly ints: Int32Array
  readonly floats: Float64Array
}

const control = (buffer: SharedArrayBuffer): Control => ({ ints: new Int32Array(buffer), floats: new Float64Array(buffer) })

/** The memories the helper holds in each slot, with the slot's generation. */
type Slots = Array<{ readonly memory: WasmMemory; readonly gen: number } | undefined>
/** The poster's view of the helper's slots (weak: see `SLOTS`). */
type PosterSlots = Array<{ readonly memory: WeakRef<WasmMemory>; readonly gen: number; used: number } | undefined>

/**
 * Claims and runs pieces of job `seq` until none is left (or another job has replaced it). The
 * job's slots are read only after a successful claim: the poster does not touch them until every
 * claimed piece is done. `memoryOf` gives the job's memory (the helper drains its port for it).
 */
const claimPieces = (c: Control, seq: number, memoryOf: () => WasmMemory | undefined, thread: 0 | 1): void => {
  const x = c.ints
  for (;;) {
    const v = Atomics.load(x, CLAIM)
    if (v >>> 8 !== seq || (v & 15) >= ((v >>> 4) & 15)) return
    if (Atomics.compareExchange(x, CLAIM, v, v + 1) !== v) continue
    const piece = v & 15
    try {
      const task = tasks.get(x[KIND])
      const memory = memoryOf()
      if (task === undefined || memory === undefined) throw new Error(`WorkShare: the helper has no ${task === undefined ? "task" : "memory"} for a job`)
      task(memory, x.subarray(INTS, INTS + MAX_INTS), c.floats.subarray(FLOATS, FLOATS + MAX_FLOATS), x[BOUNDS + piece], x[BOUNDS + piece + 1], thread)
    } catch (error) {
      // the poster rethrows its own errors once the helper's pieces are done; the helper reports
      if (thread === 0) throw error
      Atomics.store(x, FAILED, 1)
    } finally {
      if (thread === 1) Atomics.add(x, HELPED, 1)
      Atomics.add(x, DONE, 1)
      Atomics.notify(x, DONE)
    }
  }
}

interface Helper {
  readonly control: Control
  readonly port: MessagePort
  readonly slots: PosterSlots
  seq: number
  gen: number
  uses: number
}

const env = (name: string): string | undefined => process.env[name]

/** This thread's helper: not yet asked for, starting or running, or unavailable. */
let helper: Helper | "none" | "failed" = "none"
let threads = env("GPNN_WASM_THREADS") !== "0"
/** The executor's count of running trials (trial worker threads), see `setRunning`. */
let running: Int32Array | undefined
const cores = availableParallelism()

const spawnHelper = (): Helper | "failed" => {
  try {
    const buffer = new SharedArrayBuffer(CONTROL_BYTES)
    const channel = new MessageChannel()
    const worker = new Worker(new URL("./ShareWorker.ts", import.meta.url), {
      workerData: { control: buffer, port: channel.port2 },
      transferList: [channel.port2]
    })
    worker.unref()
    channel.port1.unref()
    const fail = (): void => {
      helper = "failed"
    }
    worker.on("error", fail)
    worker.on("exit", fail)
    return { control: control(buffer), port: channel.port1, slots: new Array(SLOTS).fill(undefined), seq: 0, gen: 0, uses: 0 }
  } catch {
    return "failed"
  }
}

/** Whether this thread has the cores to share work now (see the header). */
const allowed = (): boolean =>
  threads && cores >= 2 && (isMainThread || (running !== undefined && 2 * Atomics.load(running, 0) <= cores))

/** The helper, started on first use; undefined until it reports ready. */
const readyHelper = (): Helper | undefined => {
  if (helper === "none") helper = spawnHelper()
  if (typeof helper === "string") return undefined
  return Atomics.load(helper.control.ints, READY) !== 0 ? helper : undefined
}

/** Set while this thread runs a shared job: work posted inside a piece stays on one thread. */
let sharing = false

const STRIKES = 3, PAUSE = 64, MAX_PAUSE = 4096
let strikes = 0
let paused = 0
let pause = PAUSE

/** Records how long the poster of a shared job worked and then waited (ms). */
const judge = (worked: number, waited: number): void => {
  if (waited <= worked) {
    strikes = 0
    pause = PAUSE
    return
  }
  if (++strikes < STRIKES) return
  strikes = 0
  paused = pause
  pause = Math.min(MAX_PAUSE, 2 * pause)
}

/** The helper, when this thread may share a job now (each job asked about counts against a back-off pause). */
const usable = (): Helper | undefined => {
  if (sharing || !allowed()) return undefined
  if (paused > 0) {
    paused--
    return undefined
  }
  return readyHelper()
}

/**
 * Whether a `share` now would run on two threads. Cheap: callers ask it before cutting work into
 * pieces (a "no" during a back-off pause counts as that job's turn).
 */
export const ready = (): boolean => usable() !== undefined

/** The helper's slot for `memory`, sending the memory over the port if the helper lacks it. */
const slotOf = (h: Helper, memory: WasmMemory): { readonly slot: number; readonly gen: number } => {
  h.uses++
  let oldest = 0
  for (let s = 0; s < SLOTS; s++) {
    const entry = h.slots[s]
    if (entry?.memory.deref() === memory) {
      entry.used = h.uses
      return { slot: s, gen: entry.gen }
    }
    if ((entry?.used ?? -1) < (h.slots[oldest]?.used ?? -1)) oldest = s
  }
  const gen = ++h.gen
  h.slots[oldest] = { memory: new WeakRef(memory), gen, used: h.uses }
  h.port.postMessage({ slot: oldest, gen, memory })
  return { slot: oldest, gen }
}

/**
 * Runs task `name` on `memory` in pieces [bounds[i], bounds[i+1]) (2 to `MAX_PIECES` of them)
 * claimed by this thread and the helper, with `ints` and `floats` as its parameters; returns false,
 * having done nothing, when `ready()` would say no, the memory is not shared, or the task is not
 * registered. Call `ready()` first where building the job costs something.
 */
export const share = (name: string, memory: WasmMemory, ints: ArrayLike<number>, floats: ArrayLike<number>, bounds: ArrayLike<number>): boolean => {
  const id = taskId(name)
  const pieces = bounds.length - 1
  if (!tasks.has(id) || !(memory.buffer instanceof SharedArrayBuffer) || pieces < 1 || pieces > MAX_PIECES || ints.length > MAX_INTS || floats.length > MAX_FLOATS) return false
  const h = usable()
  if (h === undefined) return false
  const c = h.control
  const x = c.ints
  const { slot, gen } = slotOf(h, memory)
  x[KIND] = id
  x[PIECES] = pieces
  x[SLOT] = slot
  x[GEN] = gen
  for (let i = 0; i < ints.length; i++) x[INTS + i] = ints[i]
  for (let i = 0; i < floats.length; i++) c.floats[FLOATS + i] = floats[i]
  for (let i = 0; i <= pieces; i++) x[BOUNDS + i] = bounds[i]
  h.seq = (h.seq % (1 << 22)) + 1
  Atomics.store(x, DONE, 0)
  Atomics.store(x, CLAIM, h.seq * 256 + pieces * 16)
  Atomics.store(x, SEQ, h.seq)
  Atomics.notify(x, SEQ)
  sharing = true
  const t0 = performance.now()
  let t1 = t0
  try {
    claimPieces(c, h.seq, () => memory, 0)
  } finally {
    sharing = false
    t1 = performance.now()
    // even when a piece threw here: the helper's pieces still write to the memory until done
    let stalled = 0
    for (let done = Atomics.load(x, DONE); done < pieces; done = Atomics.load(x, DONE)) {
      if (Atomics.wait(x, DONE, done, 1000) === "timed-out" && Atomics.load(x, DONE) === done && ++stalled >= STALL_SECONDS) {
        helper = "failed"
        throw new Error(`WorkShare: the helper thread finished no piece of a shared job for ${STALL_SECONDS} s; set GPNN_WASM_THREADS=0 to run on one thread`)
      }
    }
  }
  judge(t1 - t0, performance.now() - t1)
  if (Atomics.load(x, FAILED) !== 0) {
    helper = "failed"
    throw new Error("WorkShare: a piece of a shared job threw on the helper thread, so the result is incomplete (a bug); the helper is now off, and GPNN_WASM_THREADS=0 runs everything on one thread")
  }
  return true
}

/**
 * `count` piece boundaries over [0, total) in multiples of `quantum` (the last piece takes the
 * remainder), at most `MAX_PIECES` and at least one quantum each.
 */
export const evenBounds = (total: number, quantum: number, count: number): Array<number> => {
  const units = Math.ceil(total / quantum)
  const pieces = Math.max(1, Math.min(MAX_PIECES, count, units))
  const bounds = Array.from({ length: pieces }, (_, i) => quantum * Math.floor((i * units) / pieces))
  bounds.push(total)
  return bounds
}

/**
 * The helper thread's loop (`ShareWorker.ts` calls it with its workerData): reports ready, then
 * claims pieces of every job posted. Never returns; the thread is unref'd, so it ends with the
 * process.
 */
export const serve = (data: { readonly control: SharedArrayBuffer; readonly port: MessagePort }): void => {
  const c = control(data.control)
  const x = c.ints
  const slots: Slots = new Array(SLOTS).fill(undefined)
  const memoryOf = (): WasmMemory | undefined => {
    const slot = x[SLOT], gen = x[GEN]
    while (slots[slot]?.gen !== gen) {
      const message = receiveMessageOnPort(data.port)
      if (message === undefined) return undefined
      const m = message.message as { slot: number; gen: number; memory: WasmMemory }
      slots[m.slot] = { memory: m.memory, gen: m.gen }
    }
    return slots[slot]?.memory
  }
  Atomics.store(x, READY, 1)
  let seen = 0
  for (;;) {
    Atomics.wait(x, SEQ, seen)
    seen = Atomics.load(x, SEQ)
    claimPieces(c, seen, memoryOf, 1)
  }
}

/**
 * Turns sharing with the helper thread on or off (and ends any back-off pause); returns the
 * previous setting. `GPNN_WASM_THREADS=0` sets the initial value to off. Results do not depend on it.
 */
export const setThreads = (on: boolean): boolean => {
  const previous = threads
  threads = on
  strikes = 0
  paused = 0
  pause = PAUSE
  return previous
}

/**
 * For trial worker threads: the executor's count of trials running now (an Int32 in slot 0 of
 * `buffer`, which the executor keeps), read at every job to decide whether this thread may share.
 */
export const setRunning = (buffer: SharedArrayBuffer): void => {
  running = new Int32Array(buffer, 0, 1)
}

/**
 * Starts the helper thread now (it otherwise starts on the first shared job, and the jobs until it
 * is up run on one thread) and resolves with whether it is running, after at most `timeoutMs`. For
 * benchmarks and tests that must measure or exercise the two-thread path.
 */
export const startHelper = async (timeoutMs = 10_000): Promise<boolean> => {
  if (!allowed()) return false
  for (let waited = 0; waited <= timeoutMs; waited += 10) {
    if (readyHelper() !== undefined) return true
    if (typeof helper === "string") return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return false
}

/** Whether this thread may share work now and its helper is up. */
export const helperRunning = (): boolean => allowed() && typeof helper !== "string" && Atomics.load(helper.control.ints, READY) !== 0

/** How many pieces of shared jobs this thread's helper has run so far (0 without one). */
export const helperPieces = (): number => (typeof helper === "string" ? 0 : Atomics.load(helper.control.ints, HELPED))
