/**
 * MLP training throughput (`node bench/mlp.ts`, or `run()` from a bench driver).
 *
 * Measures training samples/s of gpnn's two MLP engines on random data — the wasm engine
 * (`models/mlp/WasmNetwork.ts`: float32 on gpnn's own SIMD GEMM, what plain nets train on unless a
 * native TensorFlow backend loads) and the hand-written tfjs net (`models/mlp/Network.ts`) on the
 * tfjs backend "auto" picks — for a 784-512-512-10 ReLU net, batch 128, SGD+momentum (lr 0.01,
 * μ 0.9), softmax cross-entropy, next to (a) the same net in tf.layers (tf.sequential of dense
 * layers, trainOnBatch) on the same backend and (b) PyTorch's figure from
 * shared/peers/mlp_throughput.py (same sizes, 1 thread; `GPNN_PEER_DIR` overrides where the peers
 * are) when /usr/bin/python3 has torch. Then the width-sweep's net, 1→w→w→1 ReLU regression at batch 64, for
 * w = 128, 512, 2048, with Adam (what the sweep trains with) and with SGD+momentum (what the peer
 * times, whose figure is printed beside it).
 *
 * Threads: the issue's targets compare one thread with PyTorch's one thread, so the engine's rows
 * run with `WorkShare` sharing off. Beside them, the engine on two threads (its helper thread
 * takes half of each large product and optimiser sweep, as when a trial runs alone) against
 * PyTorch on two threads (`--threads 2`), and the speed-up two threads give each.
 *
 * Method (as the peer's): untimed warm-up (≥ 0.5 s and ≥ 5 steps), then timed steps until
 * `seconds` have passed (≥ 5 steps), cycling through a pool of 8 pre-generated batches already on
 * the device. samples/s = batch · steps / elapsed, wall-clock `performance.now()`; beside it the
 * same per second of this process's CPU time (`process.cpuUsage`), and the fastest single step
 * (the peer reports its own, `step_ms_min`): on a busy shared machine these two are disturbed
 * less than the mean; the load average at the start is recorded.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { loadavg } from "node:os"
import * as Random from "../src/core/Random.ts"
import * as Sgemm from "../src/linalg/Sgemm.ts"
import * as WorkShare from "../src/linalg/WorkShare.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"
import * as WasmNetwork from "../src/models/mlp/WasmNetwork.ts"

export interface Throughput {
  readonly samplesPerSec: number
  /** Samples per second of this process's CPU time (user + system). */
  readonly samplesPerCpuSec: number
  readonly stepMs: number
  /** The fastest single step, ms (what a busy machine disturbs least). */
  readonly bestStepMs: number
  readonly steps: number
}

/** Milliseconds (best of a few) of one layer's gradient products, the ways tfjs allows. */
export interface Formulation {
  readonly layer: string
  /** dW = hᵀ·G with matMul's transposeA flag (what tfjs autodiff does). */
  readonly dWFlag: number
  /** dW = transpose(h)·G: the plain product gpnn uses. */
  readonly dWExplicit: number
  /** dh = G·Wᵀ with matMul's transposeB flag (what tfjs autodiff does). */
  readonly dhFlag: number
  /** dh = G·transpose(W). */
  readonly dhTransposeW: number
  /** dh = transpose(W·transpose(G)): gpnn's choice for wide layers. */
  readonly dhTransposeG: number
  /** The forward product h·W, with W fresh (as after every optimiser step) and cached. */
  readonly forwardFresh: number
  readonly forwardCached: number
}

export interface Figures {
  readonly backend: string
  /** The wasm engine's GEMM kernel: "fused" (relaxed SIMD) or "plain"; undefined without SIMD. */
  readonly engineKernel?: string | undefined
  /** 1-minute load average when the run started (the machine is shared). */
  readonly loadAverage: number
  readonly formulations: ReadonlyArray<Formulation>
  readonly classification: {
    readonly sizes: ReadonlyArray<number>
    readonly batch: number
    /** The wasm engine on one thread (undefined without wasm SIMD). */
    readonly engine?: Throughput | undefined
    /** The wasm engine on two threads (undefined without SIMD or a helper thread). */
    readonly engineTwoThreads?: Throughput | undefined
    readonly gpnn: Throughput
    readonly layers: Throughput
    /** PyTorch (1 thread); undefined when torch is not installed. */
    readonly peer?: PeerFigure | undefined
    /** PyTorch on 2 threads. */
    readonly peerTwoThreads?: PeerFigure | undefined
  }
  readonly widthSweep: ReadonlyArray<{
    readonly width: number
    readonly batch: number
    readonly engineAdam?: Throughput | undefined
    readonly engineMomentum?: Throughput | undefined
    readonly engineMomentumTwoThreads?: Throughput | undefined
    readonly adam: Throughput
    readonly momentum: Throughput
    readonly peerMomentum?: PeerFigure | undefined
    readonly peerMomentumTwoThreads?: PeerFigure | undefined
  }>
  /**
   * The wasm engine's throughput (tfjs's where it is missing) as multiples of the peer's (higher is
   * better): samples/s over the timed run, and from the fastest step of each (less disturbed when
   * the machine is shared).
   */
  readonly ratios: {
    readonly classification?: Ratio | undefined
    readonly widthSweepMomentum: ReadonlyArray<{ readonly width: number; readonly ratio?: Ratio | undefined }>
    /** The engine on two threads against PyTorch on two, and the engine's speed-up from a second thread. */
    readonly twoThreads: {
      readonly classification?: Ratio | undefined
      readonly widthSweepMomentum: ReadonlyArray<{ readonly width: number; readonly ratio?: Ratio | undefined }>
      readonly speedup: ReadonlyArray<{ readonly net: string; readonly throughput?: number | undefined; readonly bestStep?: number | undefined }>
    }
  }
}

/** The peer's samples/s and fastest step (ms) of one configuration. */
export interface PeerFigure {
  readonly samplesPerSec: number
  readonly bestStepMs: number
}

export interface Ratio {
  readonly throughput: number
  readonly bestStep: number
}

/** Two threads' throughput and fastest step as multiples of one thread's. */
const speedup = (one: Throughput | undefined, two: Throughput | undefined): { throughput?: number; bestStep?: number } =>
  one === undefined || two === undefined ? {} : { throughput: two.samplesPerSec / one.samplesPerSec, bestStep: one.bestStepMs / two.bestStepMs }

const ratioOf = (t: Throughput, p: PeerFigure | undefined): Ratio | undefined =>
  p === undefined ? undefined : { throughput: t.samplesPerSec / p.samplesPerSec, bestStep: p.bestStepMs / t.bestStepMs }

export interface Options {
  /** Timed seconds per configuration (default 3). */
  readonly seconds?: number
  /** Widths of the 1→w→w→1 nets (default 128, 512, 2048). */
  readonly widths?: ReadonlyArray<number>
  /** Run the PyTorch peer when available (default true). */
  readonly peer?: boolean
}

const PYTHON = "/usr/bin/python3"
const PEER = process.env.GPNN_PEER_DIR === undefined
  ? fileURLToPath(new URL("../../shared/peers/mlp_throughput.py", import.meta.url))
  : `${process.env.GPNN_PEER_DIR}/mlp_throughput.py`
const POOL = 8

/** Runs `step` for warm-up, then for `seconds`; `step` must leave no tensors behind. */
const time = (step: (k: number) => void, batch: number, seconds: number): Throughput => {
  let k = 0
  const warm = performance.now()
  while (k < 5 || performance.now() - warm < 500) step(k++)
  const start = performance.now()
  const cpu = process.cpuUsage()
  let steps = 0
  let bestStepMs = Infinity
  let last = start
  while (steps < 5 || last - start < seconds * 1000) {
    step(k++)
    steps++
    const now = performance.now()
    bestStepMs = Math.min(bestStepMs, now - last)
    last = now
  }
  const elapsed = (last - start) / 1000
  const used = process.cpuUsage(cpu)
  return { samplesPerSec: (batch * steps) / elapsed, samplesPerCpuSec: (batch * steps) / ((used.user + used.system) / 1e6), stepMs: (1000 * elapsed) / steps, bestStepMs, steps }
}

/** The wasm engine's training step on a pool of batches; undefined where wasm SIMD is missing. */
/** The wasm engine's training throughput; `threads` 2 shares with the helper thread (if it runs). */
const engine = (arch: Arch.Arch, batch: number, loss: Loss.Kind, settings: Optimizer.Settings, seconds: number, threads: 1 | 2 = 1): Throughput | undefined => {
  if (threads === 2 && !WorkShare.helperRunning()) return undefined
  const previous = WorkShare.setThreads(threads === 2)
  try {
    return engineOn(arch, batch, loss, settings, seconds)
  } finally {
    WorkShare.setThreads(previous)
  }
}

const engineOn = (arch: Arch.Arch, batch: number, loss: Loss.Kind, settings: Optimizer.Settings, seconds: number): Throughput | undefined => {
  const rng = Random.make(Random.derive(0, `bench/${Arch.layerSizes(arch).join("-")}`))
  const net = WasmNetwork.make(Arch.initialize(arch, "torch", rng), arch.activation, batch)
  if (net === undefined) return undefined
  const optimizer = WasmNetwork.optimizer(settings, net)
  const n = POOL * batch
  const X = Float64Array.from({ length: n * arch.inputDim }, () => rng.normal())
  const y = loss === "ce" ? Array.from({ length: n }, () => rng.int(arch.outputDim)) : Array.from({ length: n * arch.outputDim }, () => rng.normal())
  const data = WasmNetwork.data(X, n, loss, y, arch.outputDim)
  const pool = Array.from({ length: POOL }, (_, b) => Int32Array.from({ length: batch }, (_, r) => b * batch + r))
  return time((k) => {
    WasmNetwork.lossAndGradients(net, data, pool[k % POOL], loss)
    optimizer.step()
  }, batch, seconds)
}

const batches = (rng: Random.Generator, batch: number, sizes: ReadonlyArray<number>, loss: Loss.Kind) =>
  Array.from({ length: POOL }, () => {
    const inputs = sizes[0], outputs = sizes[sizes.length - 1]
    const X = tf.tensor2d(Float32Array.from({ length: batch * inputs }, () => rng.normal()), [batch, inputs])
    const y = loss === "ce" ? Array.from({ length: batch }, () => rng.int(outputs)) : Array.from({ length: batch * outputs }, () => rng.normal())
    return { X, target: Loss.target(loss, y, batch, outputs) }
  })

/** gpnn's training step: `Network.lossAndGradients` and an optimiser step in one `tf.tidy`. */
const gpnn = (arch: Arch.Arch, batch: number, loss: Loss.Kind, settings: Optimizer.Settings, seconds: number): Throughput => {
  const rng = Random.make(Random.derive(0, `bench/${Arch.layerSizes(arch).join("-")}`))
  const net = Network.fromParams(Arch.initialize(arch, "torch", rng), arch.activation)
  const optimizer = Optimizer.make(settings, Network.variables(net))
  const pool = batches(rng, batch, Arch.layerSizes(arch), loss)
  const result = time((k) => {
    const { X, target } = pool[k % POOL]
    tf.tidy(() => {
      const step = Network.lossAndGradients(net, X, target, loss)
      optimizer.step(Network.flatten(step.gradients))
      return step.loss
    }).dispose()
  }, batch, seconds)
  optimizer.dispose()
  Network.dispose(net)
  for (const b of pool) tf.dispose([b.X, b.target])
  return result
}

/** The same classifier in tf.layers, trained with `trainOnBatch` (tfjs's autodiff and optimiser). */
const layersBaseline = async (sizes: ReadonlyArray<number>, batch: number, seconds: number): Promise<Throughput> => {
  const model = tf.sequential()
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1
    model.add(tf.layers.dense({ units: sizes[i], activation: last ? "softmax" : "relu", ...(i === 1 ? { inputShape: [sizes[0]] } : {}) }))
  }
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: "categoricalCrossentropy" })
  const pool = batches(Random.make(1), batch, sizes, "ce")
  const step = async (k: number) => {
    await model.trainOnBatch(pool[k % POOL].X, pool[k % POOL].target)
  }
  let k = 0
  const warm = performance.now()
  while (k < 2 || performance.now() - warm < 500) await step(k++)
  const start = performance.now()
  let steps = 0
  while (steps < 3 || performance.now() - start < seconds * 1000) {
    await step(k++)
    steps++
  }
  const elapsed = (performance.now() - start) / 1000
  model.dispose()
  for (const b of pool) tf.dispose([b.X, b.target])
  return { samplesPerSec: (batch * steps) / elapsed, samplesPerCpuSec: Number.NaN, stepMs: (1000 * elapsed) / steps, bestStepMs: Number.NaN, steps }
}

const best = (f: () => tf.Tensor, reps: number): number => {
  f().dispose()
  let min = Infinity
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    const out = f()
    out.dataSync()
    min = Math.min(min, performance.now() - t0)
    out.dispose()
  }
  return min
}

/** Times the candidate formulations of one (fanIn → fanOut) layer's products at batch `batch`. */
const formulation = (batch: number, fanIn: number, fanOut: number): Formulation => {
  const rng = Random.make(Random.derive(0, `formulation/${batch}/${fanIn}/${fanOut}`))
  const normal = (rows: number, cols: number) => tf.tensor2d(Float32Array.from({ length: rows * cols }, () => rng.normal()), [rows, cols])
  const h = normal(batch, fanIn), G = normal(batch, fanOut), W = normal(fanIn, fanOut)
  const slow = fanIn * fanOut * batch > 1e8 ? 2 : 5
  const figures: Formulation = {
    layer: `${batch}×${fanIn} → ${fanOut}`,
    dWFlag: best(() => tf.matMul(h, G, true, false), slow),
    dWExplicit: best(() => tf.tidy(() => tf.matMul(tf.transpose(h), G)), 10),
    dhFlag: best(() => tf.matMul(G, W, false, true), slow),
    dhTransposeW: best(() => tf.tidy(() => tf.matMul(G, tf.transpose(W))), 10),
    dhTransposeG: best(() => tf.tidy(() => tf.transpose(tf.matMul(W, tf.transpose(G)))), 10),
    forwardFresh: best(() => tf.tidy(() => tf.matMul(h, tf.mul(W, 1))), 10) - best(() => tf.mul(W, 1), 10),
    forwardCached: best(() => tf.matMul(h, W), 10)
  }
  tf.dispose([h, G, W])
  return figures
}

const torchInstalled = (): boolean =>
  existsSync(PYTHON) && existsSync(PEER) && spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0


/** Figures per (task, d_in, width) from one run of the peer script. */
const peer = (args: ReadonlyArray<string>, seconds: number, threads: 1 | 2 = 1): Map<string, PeerFigure> => {
  const out = spawnSync(PYTHON, [PEER, ...args, "--seconds", String(seconds), "--threads", String(threads)], { encoding: "utf8", maxBuffer: 1 << 24 })
  const figures = new Map<string, PeerFigure>()
  if (out.status !== 0) throw new Error(`mlp_throughput.py failed (${out.status}): ${out.stderr.slice(-500)}`)
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    const record = JSON.parse(line)
    if (record.record === "result" && record.bench === "mlp_train_step") {
      figures.set(`${record.task}/${record.d_in}/${record.width}`, { samplesPerSec: record.samples_per_s, bestStepMs: record.step_ms_min })
    }
  }
  return figures
}

export const run = async (options: Options = {}): Promise<Figures> => {
  const seconds = options.seconds ?? 3
  const widths = options.widths ?? [128, 512, 2048]
  const loadAverage = loadavg()[0]
  const backend = await Effect.runPromise(Backend.select("auto"))
  const withPeer = (options.peer ?? true) && torchInstalled()
  await WorkShare.startHelper()

  const formulations = [formulation(128, 784, 512), formulation(64, 2048, 2048)]
  const sizes = [784, 512, 512, 10]
  const classifier: Arch.Arch = { inputDim: 784, width: 512, depth: 2, outputDim: 10, activation: "relu", wStd: 1, bStd: 0 }
  const momentum: Optimizer.Settings = { name: "momentum", learningRate: 0.01, momentum: 0.9 }
  const classifierPeer = ["--tasks", "classification", "--input-dims", "784", "--widths", "512", "--depth", "2", "--batch", "128"]
  const classification = {
    sizes,
    batch: 128,
    engine: engine(classifier, 128, "ce", momentum, seconds),
    engineTwoThreads: engine(classifier, 128, "ce", momentum, seconds, 2),
    gpnn: gpnn(classifier, 128, "ce", momentum, seconds),
    layers: await layersBaseline(sizes, 128, seconds),
    peer: withPeer ? peer(classifierPeer, seconds).get("classification/784/512") : undefined,
    peerTwoThreads: withPeer ? peer(classifierPeer, seconds, 2).get("classification/784/512") : undefined
  }

  const sweepPeer = ["--tasks", "regression", "--input-dims", "1", "--widths", widths.join(","), "--depth", "2", "--batch", "64"]
  const peerSweep = withPeer ? peer(sweepPeer, seconds) : new Map<string, PeerFigure>()
  const peerSweepTwo = withPeer ? peer(sweepPeer, seconds, 2) : new Map<string, PeerFigure>()
  const widthSweep = widths.map((width) => {
    const arch: Arch.Arch = { inputDim: 1, width, depth: 2, outputDim: 1, activation: "relu", wStd: 1.5, bStd: 1 }
    const adam: Optimizer.Settings = { name: "adam", learningRate: 1e-3, momentum: 0 }
    return {
      width,
      batch: 64,
      engineAdam: engine(arch, 64, "mse", adam, seconds),
      engineMomentum: engine(arch, 64, "mse", momentum, seconds),
      engineMomentumTwoThreads: engine(arch, 64, "mse", momentum, seconds, 2),
      adam: gpnn(arch, 64, "mse", adam, seconds),
      momentum: gpnn(arch, 64, "mse", momentum, seconds),
      peerMomentum: peerSweep.get(`regression/1/${width}`),
      peerMomentumTwoThreads: peerSweepTwo.get(`regression/1/${width}`)
    }
  })
  const figures: Figures = {
    backend,
    engineKernel: Sgemm.kernelKind(),
    loadAverage,
    formulations,
    classification,
    widthSweep,
    ratios: {
      classification: ratioOf(classification.engine ?? classification.gpnn, classification.peer),
      widthSweepMomentum: widthSweep.map((r) => ({ width: r.width, ratio: ratioOf(r.engineMomentum ?? r.momentum, r.peerMomentum) })),
      twoThreads: {
        classification: classification.engineTwoThreads && ratioOf(classification.engineTwoThreads, classification.peerTwoThreads),
        widthSweepMomentum: widthSweep.map((r) => ({ width: r.width, ratio: r.engineMomentumTwoThreads && ratioOf(r.engineMomentumTwoThreads, r.peerMomentumTwoThreads) })),
        speedup: [
          { net: sizes.join("-"), ...speedup(classification.engine, classification.engineTwoThreads) },
          ...widthSweep.map((r) => ({ net: `1-${r.width}-${r.width}-1`, ...speedup(r.engineMomentum, r.engineMomentumTwoThreads) }))
        ]
      }
    }
  }
  console.log(print(figures))
  return figures
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined ? "—" : x.toFixed(digits))

const throughput = (t: Throughput | undefined): string =>
  t === undefined ? "—" : `${fmt(t.samplesPerSec).padStart(8)} (${fmt(t.samplesPerCpuSec).padStart(7)}/cpu-s, ${fmt(t.stepMs, 2)} ms/step, best ${fmt(t.bestStepMs, 2)})`

const ratio = (t: Throughput | undefined, peer: PeerFigure | undefined): string => {
  const r = t === undefined ? undefined : ratioOf(t, peer)
  return r === undefined ? "—" : `${fmt(r.throughput, 3)}× (best step ${fmt(r.bestStep, 3)}×)`
}

export const print = (figures: Figures): string => {
  const c = figures.classification
  const lines = [
    `MLP training throughput (tfjs backend: ${figures.backend}; wasm engine kernel: ${figures.engineKernel ?? "none"}; load average ${fmt(figures.loadAverage, 2)}; samples/s, higher is better)`,
    ``,
    `tfjs: gradient products of one layer, ms (best of several; matMul's transpose flags vs explicit transposes)`,
    `  layer                 dW flag   dW transpose(h)   dh flag   dh G·transpose(W)   dh transpose(W·Gᵀ)   h·W fresh W   h·W cached W`
  ]
  for (const f of figures.formulations) {
    lines.push(
      `  ${f.layer.padEnd(20)} ${fmt(f.dWFlag, 1).padStart(8)} ${fmt(f.dWExplicit, 1).padStart(17)} ${fmt(f.dhFlag, 1).padStart(9)} ${fmt(f.dhTransposeW, 1).padStart(19)} ${fmt(f.dhTransposeG, 1).padStart(20)} ${fmt(f.forwardFresh, 1).padStart(13)} ${fmt(f.forwardCached, 1).padStart(14)}`
    )
  }
  lines.push(
    ``,
    `${c.sizes.join("-")} ReLU, batch ${c.batch}, SGD+momentum, softmax CE                       /peer`,
    `  gpnn wasm engine               ${throughput(c.engine)}   ${ratio(c.engine, c.peer)}`,
    `  gpnn wasm engine, 2 threads    ${throughput(c.engineTwoThreads)}   ${ratio(c.engineTwoThreads, c.peerTwoThreads)} (/ PyTorch 2 threads)`,
    `  gpnn tfjs (hand-written)       ${throughput(c.gpnn)}   ${ratio(c.gpnn, c.peer)}`,
    `  tf.layers trainOnBatch         ${fmt(c.layers.samplesPerSec).padStart(8)} (${fmt(c.layers.stepMs, 2)} ms/step)`,
    c.peer === undefined
      ? `  peer: not installed (apt-get install python3-torch)`
      : `  PyTorch 1 thread (peer)        ${fmt(c.peer.samplesPerSec).padStart(8)} (best step ${fmt(c.peer.bestStepMs, 2)} ms)`,
    c.peerTwoThreads === undefined ? `` : `  PyTorch 2 threads (peer)       ${fmt(c.peerTwoThreads.samplesPerSec).padStart(8)} (best step ${fmt(c.peerTwoThreads.bestStepMs, 2)} ms)`,
    ``,
    `width sweep net 1→w→w→1 ReLU, batch 64, MSE: samples/s (per cpu-second)`,
    `  width   engine adam            engine momentum        tfjs adam              tfjs momentum          peer (momentum)  engine/peer (best step)          tfjs/peer (best step)`
  )
  const cell = (t: Throughput | undefined) => (t === undefined ? "—".padEnd(22) : `${fmt(t.samplesPerSec).padStart(8)} (${fmt(t.samplesPerCpuSec).padStart(8)})`.padEnd(22))
  for (const r of figures.widthSweep) {
    lines.push(
      `  ${String(r.width).padStart(5)}   ${cell(r.engineAdam)} ${cell(r.engineMomentum)} ${cell(r.adam)} ${cell(r.momentum)} ${fmt(r.peerMomentum?.samplesPerSec).padStart(15)}  ${ratio(r.engineMomentum, r.peerMomentum).padEnd(31)}  ${ratio(r.momentum, r.peerMomentum)}`
    )
  }
  lines.push(
    ``,
    `two threads (the engine's helper thread; PyTorch --threads 2), SGD+momentum: samples/s, and /peer on two threads`,
    `  net                 engine 2 threads       speed-up from 1 thread (best step)   PyTorch 2 threads   engine/peer (best step)`
  )
  const speedups = figures.ratios.twoThreads.speedup
  const rows = [
    { net: speedups[0]?.net ?? "", engine: c.engineTwoThreads, peer: c.peerTwoThreads },
    ...figures.widthSweep.map((r) => ({ net: `1-${r.width}-${r.width}-1`, engine: r.engineMomentumTwoThreads, peer: r.peerMomentumTwoThreads }))
  ]
  rows.forEach((r, i) => {
    const up = speedups[i]
    lines.push(
      `  ${r.net.padEnd(18)}  ${cell(r.engine)} ${`${fmt(up?.throughput, 2)}× (${fmt(up?.bestStep, 2)}×)`.padEnd(36)} ${fmt(r.peer?.samplesPerSec).padStart(17)}   ${ratio(r.engine, r.peer)}`
    )
  })
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
