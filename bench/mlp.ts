/**
 * MLP training throughput (`node bench/mlp.ts`, or `run()` from a bench driver).
 *
 * Measures training samples/s of gpnn's hand-written tfjs MLP (`models/mlp/Network.ts`) on random
 * data: a 784-512-512-10 ReLU net, batch 128, SGD+momentum (lr 0.01, μ 0.9), softmax cross-entropy,
 * next to (a) the same net in tf.layers (tf.sequential of dense layers, trainOnBatch) on the same
 * backend and (b) PyTorch's figure from shared/peers/mlp_throughput.py (same sizes, 1 thread) when
 * /usr/bin/python3 has torch. Then the width-sweep's net, 1→w→w→1 ReLU regression at batch 64, for
 * w = 128, 512, 2048, with Adam (what the sweep trains with) and with SGD+momentum (what the peer
 * times, whose figure is printed beside it).
 *
 * Method (as the peer's): untimed warm-up (≥ 0.5 s and ≥ 5 steps), then timed steps until
 * `seconds` have passed (≥ 5 steps), cycling through a pool of 8 pre-generated batches already on
 * the device. samples/s = batch · steps / elapsed. Wall-clock `performance.now()`.
 */
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Random from "../src/core/Random.ts"
import * as Arch from "../src/models/Arch.ts"
import * as Backend from "../src/models/mlp/Backend.ts"
import * as Loss from "../src/models/mlp/Loss.ts"
import * as Network from "../src/models/mlp/Network.ts"
import * as Optimizer from "../src/models/mlp/Optimizer.ts"

export interface Throughput {
  readonly samplesPerSec: number
  readonly stepMs: number
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
  readonly formulations: ReadonlyArray<Formulation>
  readonly classification: {
    readonly sizes: ReadonlyArray<number>
    readonly batch: number
    readonly gpnn: Throughput
    readonly layers: Throughput
    /** PyTorch (1 thread); undefined when torch is not installed. */
    readonly peer?: number | undefined
  }
  readonly widthSweep: ReadonlyArray<{
    readonly width: number
    readonly batch: number
    readonly adam: Throughput
    readonly momentum: Throughput
    readonly peerMomentum?: number | undefined
  }>
  /** gpnn's samples/s as multiples of the peer's (higher is better). */
  readonly ratios: {
    readonly classification?: number | undefined
    readonly widthSweepMomentum: ReadonlyArray<{ readonly width: number; readonly ratio?: number | undefined }>
  }
}

export interface Options {
  /** Timed seconds per configuration (default 3). */
  readonly seconds?: number
  /** Widths of the 1→w→w→1 nets (default 128, 512, 2048). */
  readonly widths?: ReadonlyArray<number>
  /** Run the PyTorch peer when available (default true). */
  readonly peer?: boolean
}

const PYTHON = "/usr/bin/python3"
const PEER = fileURLToPath(new URL("../../shared/peers/mlp_throughput.py", import.meta.url))
const POOL = 8

/** Runs `step` for warm-up, then for `seconds`; `step` must leave no tensors behind. */
const time = (step: (k: number) => void, batch: number, seconds: number): Throughput => {
  let k = 0
  const warm = performance.now()
  while (k < 5 || performance.now() - warm < 500) step(k++)
  const start = performance.now()
  let steps = 0
  while (steps < 5 || performance.now() - start < seconds * 1000) {
    step(k++)
    steps++
  }
  const elapsed = (performance.now() - start) / 1000
  return { samplesPerSec: (batch * steps) / elapsed, stepMs: (1000 * elapsed) / steps, steps }
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
  return { samplesPerSec: (batch * steps) / elapsed, stepMs: (1000 * elapsed) / steps, steps }
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

/** samples/s per (task, d_in, width) from one run of the peer script. */
const peer = (args: ReadonlyArray<string>, seconds: number): Map<string, number> => {
  const out = spawnSync(PYTHON, [PEER, ...args, "--seconds", String(seconds), "--threads", "1"], { encoding: "utf8", maxBuffer: 1 << 24 })
  const figures = new Map<string, number>()
  if (out.status !== 0) throw new Error(`mlp_throughput.py failed (${out.status}): ${out.stderr.slice(-500)}`)
  for (const line of out.stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    const record = JSON.parse(line)
    if (record.record === "result" && record.bench === "mlp_train_step") {
      figures.set(`${record.task}/${record.d_in}/${record.width}`, record.samples_per_s)
    }
  }
  return figures
}

export const run = async (options: Options = {}): Promise<Figures> => {
  const seconds = options.seconds ?? 3
  const widths = options.widths ?? [128, 512, 2048]
  const backend = await Effect.runPromise(Backend.select("auto"))
  const withPeer = (options.peer ?? true) && torchInstalled()

  const formulations = [formulation(128, 784, 512), formulation(64, 2048, 2048)]
  const sizes = [784, 512, 512, 10]
  const classifier: Arch.Arch = { inputDim: 784, width: 512, depth: 2, outputDim: 10, activation: "relu", wStd: 1, bStd: 0 }
  const momentum: Optimizer.Settings = { name: "momentum", learningRate: 0.01, momentum: 0.9 }
  const classification = {
    sizes,
    batch: 128,
    gpnn: gpnn(classifier, 128, "ce", momentum, seconds),
    layers: await layersBaseline(sizes, 128, seconds),
    peer: withPeer
      ? peer(["--tasks", "classification", "--input-dims", "784", "--widths", "512", "--depth", "2", "--batch", "128"], seconds).get("classification/784/512")
      : undefined
  }

  const peerSweep = withPeer
    ? peer(["--tasks", "regression", "--input-dims", "1", "--widths", widths.join(","), "--depth", "2", "--batch", "64"], seconds)
    : new Map<string, number>()
  const widthSweep = widths.map((width) => {
    const arch: Arch.Arch = { inputDim: 1, width, depth: 2, outputDim: 1, activation: "relu", wStd: 1.5, bStd: 1 }
    return {
      width,
      batch: 64,
      adam: gpnn(arch, 64, "mse", { name: "adam", learningRate: 1e-3, momentum: 0 }, seconds),
      momentum: gpnn(arch, 64, "mse", momentum, seconds),
      peerMomentum: peerSweep.get(`regression/1/${width}`)
    }
  })
  const figures: Figures = {
    backend,
    formulations,
    classification,
    widthSweep,
    ratios: {
      classification: classification.peer === undefined ? undefined : classification.gpnn.samplesPerSec / classification.peer,
      widthSweepMomentum: widthSweep.map((r) => ({ width: r.width, ratio: r.peerMomentum === undefined ? undefined : r.momentum.samplesPerSec / r.peerMomentum }))
    }
  }
  console.log(print(figures))
  return figures
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined ? "—" : x.toFixed(digits))

export const print = (figures: Figures): string => {
  const c = figures.classification
  const lines = [
    `MLP training throughput (tfjs backend: ${figures.backend}; samples/s, higher is better)`,
    ``,
    `gradient products of one layer, ms (best of several; matMul's transpose flags vs explicit transposes)`,
    `  layer                 dW flag   dW transpose(h)   dh flag   dh G·transpose(W)   dh transpose(W·Gᵀ)   h·W fresh W   h·W cached W`
  ]
  for (const f of figures.formulations) {
    lines.push(
      `  ${f.layer.padEnd(20)} ${fmt(f.dWFlag, 1).padStart(8)} ${fmt(f.dWExplicit, 1).padStart(17)} ${fmt(f.dhFlag, 1).padStart(9)} ${fmt(f.dhTransposeW, 1).padStart(19)} ${fmt(f.dhTransposeG, 1).padStart(20)} ${fmt(f.forwardFresh, 1).padStart(13)} ${fmt(f.forwardCached, 1).padStart(14)}`
    )
  }
  lines.push(
    ``,
    `${c.sizes.join("-")} ReLU, batch ${c.batch}, SGD+momentum, softmax CE`,
    `  gpnn (hand-written backward)   ${fmt(c.gpnn.samplesPerSec).padStart(8)}   (${fmt(c.gpnn.stepMs, 1)} ms/step, ${c.gpnn.steps} steps)`,
    `  tf.layers trainOnBatch         ${fmt(c.layers.samplesPerSec).padStart(8)}   (${fmt(c.layers.stepMs, 1)} ms/step)   gpnn/layers ${fmt(c.gpnn.samplesPerSec / c.layers.samplesPerSec, 2)}×`,
    c.peer === undefined
      ? `  peer: not installed (apt-get install python3-torch)`
      : `  PyTorch 1 thread (peer)        ${fmt(c.peer).padStart(8)}   gpnn/peer ${fmt(c.gpnn.samplesPerSec / c.peer, 3)}×`,
    ``,
    `width sweep net 1→w→w→1 ReLU, batch 64, MSE`,
    `  width   adam samples/s  ms/step   momentum samples/s  ms/step   peer (momentum)  gpnn/peer`
  )
  for (const r of figures.widthSweep) {
    lines.push(
      `  ${String(r.width).padStart(5)}   ${fmt(r.adam.samplesPerSec).padStart(14)}  ${fmt(r.adam.stepMs, 2).padStart(7)}   ${fmt(r.momentum.samplesPerSec).padStart(18)}  ${fmt(r.momentum.stepMs, 2).padStart(7)}   ${fmt(r.peerMomentum).padStart(15)}  ${r.peerMomentum === undefined ? "—" : fmt(r.momentum.samplesPerSec / r.peerMomentum, 3) + "×"}`
    )
  }
  return lines.join("\n")
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
