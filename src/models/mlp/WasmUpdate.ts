/**
 * The optimisers' update rules of `Optimizer.ts` (sgd, momentum, Adam/AdamW in the scaled-moment
 * form) as one WebAssembly SIMD sweep over a float32 parameter matrix in a `WasmNetwork`'s memory:
 * per entry, g ← g·coef + λ·w (clip factor, coupled decay), then the rule, then the new w is
 * written both row-major and into the packed copy that the forward product reads. Arithmetic is
 * float32 op by op, as tfjs's; no fused multiply-add.
 *
 * Rules (mode): 0 sgd w ← w − r·g; 1 momentum v ← μ·v + g, w ← w − r·v; 2 Adam m̃ ← β₁m̃ + g,
 * ṽ ← β₂ṽ + g², w ← w·shrink − m̃/(k₁√ṽ + k₂); 3 Adam's moments only (a step with rate 0).
 *
 * Layout: `rows` rows of `np` floats (a multiple of 8) at row stride `ld` bytes, the parameters at
 * p, gradients at g, state at m1 (momentum or m̃) and m2 (ṽ) in the same layout; the packed copy
 * (wp ≠ 0) has row r's columns 8q..8q+7 at wp + q·ps + 32r. The module imports the network's
 * memory ("env"."memory"), so it runs on the arrays in place.
 */
import { f32, i32, module, op, v128, type ValType } from "../../linalg/WasmEncoder.ts"
import * as WasmEncoder from "../../linalg/WasmEncoder.ts"
import * as WorkShare from "../../linalg/WorkShare.ts"

// parameters
const P = 0, G = 1, M1 = 2, M2 = 3, WP = 4, ROWS = 5, NP = 6, LD = 7, PS = 8
const COEF = 9, DECAY = 10, R = 11, MU = 12, B1 = 13, B2 = 14, K1 = 15, K2 = 16, SHRINK = 17, MODE = 18
// locals
const ROW = 19, C = 20, END = 21, AW = 22, AG = 23, AM = 24, AV = 25, PK = 26
const V0 = 27 // splats of COEF..SHRINK at V0 + (param − COEF)
const W = V0 + 9, GR = W + 1, M = W + 2, V = W + 3

const params: ReadonlyArray<ValType> = [i32, i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32, f32, f32, i32]
const locals: ReadonlyArray<ValType> = [...new Array<ValType>(8).fill(i32), ...new Array<ValType>(13).fill(v128)]

const splat = (param: number): number => V0 + (param - COEF)
const g = op.get
const mul = op.f32x4Mul
const add = op.f32x4Add

/** The rule on four lanes at byte offset `off` past the row pointers. */
const lanes = (off: number): Array<number> => {
  const out: Array<number> = []
  out.push(...g(AW), ...op.v128Load(off), ...op.set(W))
  // gr = g·coef + decay·w
  out.push(...g(AG), ...op.v128Load(off), ...g(splat(COEF)), ...mul(), ...g(splat(DECAY)), ...g(W), ...mul(), ...add(), ...op.set(GR))
  const modeIs = (m: number) => [...g(MODE), ...op.i32Const(m), ...op.i32Sub(), ...op.i32Eqz()]
  // mode 0: w − r·gr
  out.push(...modeIs(0), ...op.if())
  out.push(...g(W), ...g(splat(R)), ...g(GR), ...mul(), ...op.f32x4Sub(), ...op.set(W))
  out.push(...op.else())
  out.push(...modeIs(1), ...op.if())
  // momentum: v = μ·v + gr; w − r·v
  out.push(...g(AM), ...g(splat(MU)), ...g(AM), ...op.v128Load(off), ...mul(), ...g(GR), ...add(), ...op.tee(M), ...op.v128Store(off))
  out.push(...g(W), ...g(splat(R)), ...g(M), ...mul(), ...op.f32x4Sub(), ...op.set(W))
  out.push(...op.else())
  // Adam: m = β₁m + gr, v = β₂v + gr²
  out.push(...g(AM), ...g(splat(B1)), ...g(AM), ...op.v128Load(off), ...mul(), ...g(GR), ...add(), ...op.tee(M), ...op.v128Store(off))
  out.push(...g(AV), ...g(splat(B2)), ...g(AV), ...op.v128Load(off), ...mul(), ...g(GR), ...g(GR), ...mul(), ...add(), ...op.tee(V), ...op.v128Store(off))
  out.push(...modeIs(2), ...op.if())
  // w·shrink − m/(k₁√v + k₂)
  out.push(
    ...g(W), ...g(splat(SHRINK)), ...mul(),
    ...g(M), ...g(V), ...op.f32x4Sqrt(), ...g(splat(K1)), ...mul(), ...g(splat(K2)), ...add(), ...op.f32x4Div(),
    ...op.f32x4Sub(), ...op.set(W)
  )
  out.push(...op.end(), ...op.end(), ...op.end())
  out.push(...g(AW), ...g(W), ...op.v128Store(off))
  out.push(...g(WP), ...op.if(), ...g(PK), ...g(W), ...op.v128Store(off), ...op.end())
  return out
}

const body = (): Array<number> => {
  const out: Array<number> = []
  for (let q = COEF; q <= SHRINK; q++) out.push(...g(q), ...op.f32x4Splat(), ...op.set(splat(q)))
  out.push(...op.i32Const(0), ...op.set(ROW))
  out.push(...op.block(), ...op.loop()) // $outRow, $row
  out.push(...g(ROW), ...g(ROWS), ...op.i32GeS(), ...op.brIf(1))
  // row pointers: x + row·ld; packed: wp + 32·row
  const rowPointer = (base: number, local: number) => [...g(base), ...g(ROW), ...g(LD), ...op.i32Mul(), ...op.i32Add(), ...op.set(local)]
  out.push(...rowPointer(P, AW), ...rowPointer(G, AG), ...rowPointer(M1, AM), ...rowPointer(M2, AV))
  out.push(...g(WP), ...g(ROW), ...op.i32Const(5), ...op.i32Shl(), ...op.i32Add(), ...op.set(PK))
  out.push(...g(AW), ...g(NP), ...op.i32Const(2), ...op.i32Shl(), ...op.i32Add(), ...op.set(END))
  out.push(...op.block(), ...op.loop()) // $outC, $c
  out.push(...g(AW), ...g(END), ...op.i32GeU(), ...op.brIf(1))
  out.push(...lanes(0), ...lanes(16))
  for (const local of [AW, AG, AM, AV]) out.push(...g(local), ...op.i32Const(32), ...op.i32Add(), ...op.set(local))
  out.push(...g(PK), ...g(PS), ...op.i32Add(), ...op.set(PK))
  out.push(...op.br(0))
  out.push(...op.end(), ...op.end()) // $c, $outC
  out.push(...g(ROW), ...op.i32Const(1), ...op.i32Add(), ...op.set(ROW), ...op.br(0))
  out.push(...op.end(), ...op.end()) // $row, $outRow
  return out
}

/** The module's bytes: exports "update"; imports the memory (shared, up to 4 GiB, with `sharedMemory`). */
export const moduleBytes = (sharedMemory = false): Uint8Array<ArrayBuffer> =>
  module([{ name: "update", params, results: [], locals, body: body() }], 1, sharedMemory ? { sharedMaximumPages: WasmEncoder.SHARED_MAXIMUM_PAGES } : true)

export type UpdateFn = (
  p: number, g: number, m1: number, m2: number, wp: number, rows: number, np: number, ld: number, ps: number,
  coef: number, decay: number, r: number, mu: number, beta1: number, beta2: number, k1: number, k2: number, shrink: number, mode: number
) => void

const compiled: { plain?: object; shared?: object } = {}

/** The raw sweep instantiated on `memory` (its module variant follows whether the memory is shared). */
const instantiate = (memory: WasmEncoder.WasmMemory): UpdateFn => {
  const wasm = WasmEncoder.api
  if (wasm === undefined) throw new Error("WasmUpdate: no WebAssembly here")
  const shared = memory.buffer instanceof SharedArrayBuffer
  const module = shared ? (compiled.shared ??= new wasm.Module(moduleBytes(true))) : (compiled.plain ??= new wasm.Module(moduleBytes(false)))
  return new wasm.Instance(module, { env: { memory } }).exports.update as UpdateFn
}

/** This thread's sweeps on shared memories (the helper instantiates its own on first use). */
const onMemory = new WeakMap<WasmEncoder.WasmMemory, UpdateFn>()

const sweepOn = (memory: WasmEncoder.WasmMemory): UpdateFn => {
  let fn = onMemory.get(memory)
  if (fn === undefined) onMemory.set(memory, (fn = instantiate(memory)))
  return fn
}

/**
 * Sweeps over at least this many entries (a 512 × 512 weight matrix) are split by rows with the
 * `WorkShare` helper thread when this thread may share. Measured (an Adam step of a 1-w-w-1 net,
 * fastest of 200, one thread → two): w = 256 (65,536 entries) 55–78 µs → 65–98, slower; w = 384
 * 115–176 → 115–127, even; w = 512 303–308 → 207–219; w = 1024 1.1–1.4 ms → 0.72–0.80; w = 2048
 * 5.9–6.7 ms → 3.9–4.0.
 */
export const THREAD_ENTRIES = 1 << 18
const PIECES = 8
const TASK = "WasmUpdate.update"

// rows [lo, hi) of a sweep: ints p, g, m1, m2, wp, np, ld, ps, mode; floats coef … shrink
WorkShare.register(TASK, (memory, x, f, lo, hi) => {
  const ld = x[6]
  sweepOn(memory)(
    x[0] + lo * ld, x[1] + lo * ld, x[2] + lo * ld, x[3] + lo * ld, x[4] === 0 ? 0 : x[4] + 32 * lo, hi - lo, x[5], ld, x[7],
    f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], x[8]
  )
})

/**
 * The update function bound to `memory` (a WebAssembly.Memory); undefined where it does not
 * compile. On a shared memory, large sweeps are split by rows with the helper thread (each entry's
 * arithmetic is the same on either thread, so the result is bitwise the same).
 */
export const bind = (memory: WasmEncoder.WasmMemory): UpdateFn | undefined => {
  let raw: UpdateFn
  try {
    raw = memory.buffer instanceof SharedArrayBuffer ? sweepOn(memory) : instantiate(memory)
  } catch {
    return undefined
  }
  return (p, g, m1, m2, wp, rows, np, ld, ps, coef, decay, r, mu, beta1, beta2, k1, k2, shrink, mode) => {
    const shared = rows * np >= THREAD_ENTRIES && rows >= 2 && WorkShare.ready() &&
      WorkShare.share(TASK, memory, [p, g, m1, m2, wp, np, ld, ps, mode], [coef, decay, r, mu, beta1, beta2, k1, k2, shrink], WorkShare.evenBounds(rows, 1, PIECES))
    if (!shared) raw(p, g, m1, m2, wp, rows, np, ld, ps, coef, decay, r, mu, beta1, beta2, k1, k2, shrink, mode)
  }
}
