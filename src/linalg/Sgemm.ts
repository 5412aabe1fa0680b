/**
 * Single-precision GEMM on a hand-encoded WebAssembly SIMD micro-kernel:
 * C = A·B [+ C_old] [+ bias] [then max(·, 0)], float32, for the MLP's training products
 * (`models/mlp/WasmNetwork.ts`).
 *
 * Conventions. All operands live in one instance's wasm memory, addressed by byte offsets.
 * A (m × k) is read through two strides, so a stored matrix and its transpose serve alike with no
 * transpose pass: A(i, p) at a + i·ars + p·aks (row-major A: ars = 4·ld, aks = 4; A = Hᵀ with H
 * row-major: ars = 4, aks = 4·ld). B (k × n) and C (m × n) are row-major within panels of 8
 * columns, panel j/8 at (j/8)·bjs (resp. cjs): plain row-major is bjs = 32, panel-packed (each
 * panel a contiguous k × 8 block) ldb = 32, bjs ≥ 32·k. m must be a multiple of MR and n of 8:
 * callers pad (the padding is computed and never read back). Sums run sequentially over p.
 *
 * The kernel computes MR × 8 tiles of C as 2·MR f32x4 accumulators: per p, two `v128.load`s of
 * B's row segment and MR `v128.load32_splat`s of A's entries (one pointer per row: A needs no
 * packing), then c_r += a_r·b. It is built twice, like `WasmKernel`'s f64 kernel: the fused
 * module uses `f32x4.relaxed_madd` (relaxed SIMD), which V8 compiles to an FMA where the CPU has
 * one (one rounding per multiply-add, half the instructions; Node 22 validates it, Node 20 does
 * not); the plain module a separate `f32x4.mul` and `f32x4.add`. The fused one is used where it
 * validates, unless `GPNN_WASM_FMA=0`. At a tile's end the kernel adds C's old value (flag
 * ACCUMULATE) and the bias row (BIAS) and clamps at zero (RELU) before its one store, so the
 * MLP's forward step h = relu(h_prev·W + b) is a single call, with no pass over z.
 *
 * Blocking (Goto & van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
 * 34(3), 2008): `gemm` splits k into equal chunks of at most `KC` (later chunks accumulate; bias and
 * relu apply on the last) and n into blocks of `NB` columns, so a B block (KC × NB) stays in L2 while every
 * row tile of A passes over it, each A tile (MR × KC) in L1. Measured on this project's 2-core
 * Zen 4 (busy; `bench/mlp.ts` has the end-to-end figures): B streamed from contiguous panels runs
 * at about 1.5× the speed of B read row by row from a wide row-major matrix (a new page every
 * other k step), which is why the MLP keeps a panel-packed copy of each weight matrix.
 *
 * Threads: a workspace's memory is shared where the runtime allows, and products of at least
 * `THREAD_WORK` multiply-adds are cut into pieces (panels of C's columns when C is wider than tall,
 * so each thread streams only its part of B; else row tiles) that this thread and its `WorkShare`
 * helper claim, when this thread may share (the main thread, or a trial running alone). Measured
 * (two threads against one, fastest training step, five runs on this project's busy 2-core
 * machine): 784-512-512-10 at batch 128 1.33–1.64×, 1-512-512-1 at batch 64 1.30–1.64×,
 * 1-2048-2048-1 1.59–1.85×; 1-128-128-1 is not shared (its products are below `THREAD_WORK`). A
 * lone 128×512×784 product runs in 1.0–1.1 ms on two threads at best against 1.95 on one; the
 * rest of a step (losses, activations' derivatives, small products) stays on one thread.
 *
 * When to use: `make(bytes)` once per workspace (an instance with its own zeroed memory of at
 * least `bytes`), then `gemm` as often as needed. Gotchas: views of `heap` stay valid (the memory
 * never grows after `make`); the kernel trusts its offsets (wasm traps on out-of-bounds reads).
 */
import { i32, module, op, v128, type ValType } from "./WasmEncoder.ts"
import * as WasmEncoder from "./WasmEncoder.ts"
import * as WorkShare from "./WorkShare.ts"

/** Rows per register tile (the tile is MR × 8: 2·MR accumulators, 2 B vectors, one splat). */
export const MR = 4
/** Columns per register tile and of a panel. */
export const NR = 8
/** Longest k chunk: longer k ranges are split into equal chunks, accumulated one after the other. */
export const KC = 256
/** Columns of one B block (KC × NB floats, 256 KiB at most): it stays in L2 across A's row tiles. */
export const NB = 256

/** `flags` bits of `gemm`. */
export const ACCUMULATE = 1
export const BIAS = 2
export const RELU = 4

// parameters
const A = 0, ARS = 1, AKS = 2, B = 3, LDB = 4, BJS = 5, C = 6, LDC = 7, CJS = 8, MT = 9, NT = 10, K = 11, FLAGS = 12, BIASP = 13
// locals
const IT = 14, JT = 15, PB = 16, KK = 17, CP = 18, ROWA = 19, BP = 20
const P = 21 // MR row pointers
const ACC = P + MR // 2·MR v128 accumulators: row r at ACC + 2r (lanes 0–3), ACC + 2r + 1 (lanes 4–7)
const B0 = ACC + 2 * MR, B1 = B0 + 1, AV = B0 + 2, V = B0 + 3, BV0 = B0 + 4, BV1 = B0 + 5

const params: ReadonlyArray<ValType> = new Array<ValType>(14).fill(i32)
const locals: ReadonlyArray<ValType> = [
  ...new Array<ValType>(P - IT + MR).fill(i32),
  ...new Array<ValType>(2 * MR + 6).fill(v128)
]

/** acc_r += splat(A entry at `pointer` + `offset`)·(B0 | B1) for one row r. */
const rowUpdate = (fused: boolean, r: number, pointer: number, offset: number): Array<number> => {
  const out = [...op.get(pointer), ...op.v128Load32Splat(offset), ...op.set(AV)]
  for (let half = 0; half < 2; half++) {
    const acc = ACC + 2 * r + half
    const bv = half === 0 ? B0 : B1
    out.push(
      ...(fused
        ? [...op.get(AV), ...op.get(bv), ...op.get(acc), ...op.f32x4RelaxedMadd()]
        : [...op.get(acc), ...op.get(AV), ...op.get(bv), ...op.f32x4Mul(), ...op.f32x4Add()]),
      ...op.set(acc)
    )
  }
  return out
}

const loadB = (offset: number): Array<number> => [
  ...op.get(PB), ...op.v128Load(offset), ...op.set(B0),
  ...op.get(PB), ...op.v128Load(offset + 16), ...op.set(B1)
]

const advance = (local: number, by: number): Array<number> => [...op.get(local), ...op.get(by), ...op.i32Add(), ...op.set(local)]

/** The k loop of one tile: A(i, p) at p_r + p·aks with p_r = rowA + r·ars, one step per iteration. */
const kLoop = (fused: boolean): Array<number> => {
  const out: Array<number> = [...op.get(ROWA), ...op.set(P)]
  for (let r = 1; r < MR; r++) out.push(...op.get(P + r - 1), ...op.get(ARS), ...op.i32Add(), ...op.set(P + r))
  out.push(...op.get(K), ...op.set(KK))
  out.push(...op.loop())
  out.push(...loadB(0))
  for (let r = 0; r < MR; r++) out.push(...rowUpdate(fused, r, P + r, 0), ...advance(P + r, AKS))
  out.push(...advance(PB, LDB))
  out.push(...op.get(KK), ...op.i32Const(1), ...op.i32Sub(), ...op.tee(KK), ...op.brIf(0))
  out.push(...op.end())
  return out
}

/**
 * kernel(a, ars, aks, b, ldb, bjs, c, ldc, cjs, mt, nt, k, flags, bias): for row tiles
 * 0 ≤ it < mt and column tiles 0 ≤ jt < nt (k ≥ 1),
 *   C[MR·it + r, 8·jt + s] = [C_old] + Σ_{p<k} A[MR·it + r, p]·B[p, 8·jt + s] [+ bias[8·jt + s]], [max 0]
 * with A(i, p) at a + i·ars + p·aks, B(p, 8jt + s) at b + jt·bjs + p·ldb + 4s and C(i, 8jt + s) at
 * c + jt·cjs + i·ldc + 4s.
 */
const kernelBody = (fused: boolean): Array<number> => {
  const flag = (bit: number): Array<number> => [...op.get(FLAGS), ...op.i32Const(bit), ...op.i32And()]
  const tile: Array<number> = []
  for (let i = 0; i < 2 * MR; i++) tile.push(...op.v128Zero(), ...op.set(ACC + i))
  tile.push(...op.get(B), ...op.get(JT), ...op.get(BJS), ...op.i32Mul(), ...op.i32Add(), ...op.set(PB))
  tile.push(...kLoop(fused))
  // the tile's epilogue: cp = c + jt·cjs + MR·it·ldc
  tile.push(
    ...op.get(C), ...op.get(JT), ...op.get(CJS), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(IT), ...op.i32Const(MR), ...op.i32Mul(), ...op.get(LDC), ...op.i32Mul(), ...op.i32Add(), ...op.set(CP)
  )
  // bias vectors (zero without the flag)
  tile.push(...op.v128Zero(), ...op.set(BV0), ...op.v128Zero(), ...op.set(BV1))
  tile.push(...flag(BIAS), ...op.if())
  tile.push(...op.get(BIASP), ...op.get(JT), ...op.i32Const(5), ...op.i32Shl(), ...op.i32Add(), ...op.set(BP))
  tile.push(...op.get(BP), ...op.v128Load(0), ...op.set(BV0), ...op.get(BP), ...op.v128Load(16), ...op.set(BV1))
  tile.push(...op.end())
  for (let r = 0; r < MR; r++) {
    for (let half = 0; half < 2; half++) {
      tile.push(...op.get(ACC + 2 * r + half), ...op.get(half === 0 ? BV0 : BV1), ...op.f32x4Add(), ...op.set(V))
      tile.push(...flag(ACCUMULATE), ...op.if(), ...op.get(V), ...op.get(CP), ...op.v128Load(16 * half), ...op.f32x4Add(), ...op.set(V), ...op.end())
      tile.push(...flag(RELU), ...op.if(), ...op.get(V), ...op.v128Zero(), ...op.f32x4Max(), ...op.set(V), ...op.end())
      tile.push(...op.get(CP), ...op.get(V), ...op.v128Store(16 * half))
    }
    if (r < MR - 1) tile.push(...advance(CP, LDC))
  }

  const body: Array<number> = []
  body.push(...op.i32Const(0), ...op.set(IT))
  body.push(...op.block(), ...op.loop()) // $outI, $I
  body.push(...op.get(IT), ...op.get(MT), ...op.i32GeS(), ...op.brIf(1))
  // rowA = a + MR·it·ars
  body.push(...op.get(A), ...op.get(IT), ...op.i32Const(MR), ...op.i32Mul(), ...op.get(ARS), ...op.i32Mul(), ...op.i32Add(), ...op.set(ROWA))
  body.push(...op.i32Const(0), ...op.set(JT))
  body.push(...op.block(), ...op.loop()) // $outJ, $J
  body.push(...op.get(JT), ...op.get(NT), ...op.i32GeS(), ...op.brIf(1))
  body.push(...tile)
  body.push(...op.get(JT), ...op.i32Const(1), ...op.i32Add(), ...op.set(JT), ...op.br(0))
  body.push(...op.end(), ...op.end()) // $J, $outJ
  body.push(...op.get(IT), ...op.i32Const(1), ...op.i32Add(), ...op.set(IT), ...op.br(0))
  body.push(...op.end(), ...op.end()) // $I, $outI
  return body
}

/**
 * The module's bytes (exports "memory" and "kernel"); `fused`: one f32x4.relaxed_madd per
 * multiply-add, else f32x4.mul and f32x4.add. `sharedMemory`: the module imports a shared memory
 * ("env"."memory", up to `WasmEncoder.SHARED_MAXIMUM_PAGES`) instead of defining its own.
 */
export const moduleBytes = (fused: boolean, sharedMemory = false): Uint8Array<ArrayBuffer> =>
  module([{ name: "kernel", params, results: [], locals, body: kernelBody(fused) }], 1, sharedMemory ? { sharedMaximumPages: WasmEncoder.SHARED_MAXIMUM_PAGES } : false)

// ---- modules and instances -------------------------------------------------------------------

type KernelFn = (
  a: number, ars: number, aks: number, b: number, ldb: number, bjs: number, c: number, ldc: number, cjs: number,
  mt: number, nt: number, k: number, flags: number, bias: number
) => void

const compile = (fused: boolean, sharedMemory: boolean): object | undefined => {
  try {
    if (WasmEncoder.api === undefined) return undefined
    const bytes = moduleBytes(fused, sharedMemory)
    return WasmEncoder.api.validate(bytes) ? new WasmEncoder.api.Module(bytes) : undefined
  } catch {
    return undefined
  }
}

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]

const plainModule = compile(false, false)
const fusedModule = plainModule === undefined ? undefined : compile(true, false)
const plainShared = plainModule === undefined ? undefined : compile(false, true)
const fusedShared = fusedModule === undefined ? undefined : compile(true, true)

/** Whether this runtime validated the SIMD module (without it there is no Sgemm). */
export const available = (): boolean => plainModule !== undefined

/** Whether this runtime also validated the relaxed-SIMD (fused multiply-add) module. */
export const fusedAvailable = (): boolean => fusedModule !== undefined

export type Kind = "fused" | "plain"

/**
 * The kernel `make` instantiates when asked for `fused` (default: unless `GPNN_WASM_FMA=0`):
 * "fused" where relaxed SIMD validates, else "plain"; undefined without SIMD.
 */
export const kernelKind = (fused = env("GPNN_WASM_FMA") !== "0"): Kind | undefined =>
  fused && fusedModule !== undefined ? "fused" : plainModule !== undefined ? "plain" : undefined

/** One instance: its memory (grown once) and kernels. */
export interface Workspace {
  readonly kind: Kind
  /** The instance's WebAssembly.Memory (for modules that import it); shared where the runtime allows. */
  readonly memory: WasmEncoder.WasmMemory
  readonly heap: Float32Array
  readonly kernel: KernelFn
}

/** This thread's kernels on shared memories (the helper makes its own on first use of a memory). */
const onMemory = new WeakMap<WasmEncoder.WasmMemory, Partial<Record<Kind, KernelFn>>>()

/** This thread's kernel of `kind` on the shared `memory`, instantiated on first use. */
const kernelOn = (memory: WasmEncoder.WasmMemory, kind: Kind): KernelFn => {
  const kernels = onMemory.get(memory) ?? {}
  onMemory.set(memory, kernels)
  const compiled = kind === "fused" ? fusedShared : plainShared
  if (kernels[kind] === undefined && compiled !== undefined && WasmEncoder.api !== undefined) {
    kernels[kind] = new WasmEncoder.api.Instance(compiled, { env: { memory } }).exports.kernel as KernelFn
  }
  const kernel = kernels[kind]
  if (kernel === undefined) throw new Error(`Sgemm: no ${kind} kernel on a shared memory here`)
  return kernel
}

/**
 * A fresh instance whose memory holds at least `bytes` bytes, all zero: a shared memory where the
 * runtime allows (so that large products can be split with a `WorkShare` helper thread), else the
 * instance's own. `fused` picks the relaxed SIMD kernel where it validates. Undefined where SIMD is
 * missing or the memory cannot be had.
 */
export const make = (bytes: number, fused = env("GPNN_WASM_FMA") !== "0"): Workspace | undefined => {
  const kind = kernelKind(fused)
  if (WasmEncoder.api === undefined || kind === undefined) return undefined
  const shared = (kind === "fused" ? fusedShared : plainShared) === undefined ? undefined : WasmEncoder.sharedMemory(bytes)
  if (shared !== undefined) {
    try {
      return { kind, memory: shared, heap: new Float32Array(shared.buffer), kernel: kernelOn(shared, kind) }
    } catch {
      // fall through to an unshared memory
    }
  }
  const instance = new WasmEncoder.api.Instance(kind === "fused" ? fusedModule! : plainModule!)
  const memory = instance.exports.memory as WasmEncoder.WasmMemory
  try {
    const have = memory.buffer.byteLength
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536))
  } catch {
    return undefined
  }
  return {
    kind,
    memory,
    heap: new Float32Array(memory.buffer),
    kernel: instance.exports.kernel as KernelFn
  }
}

/**
 * One product's operands, byte offsets and strides in the workspace's memory: A(i, p) at
 * a + i·ars + p·aks, B(p, j) at b + (j/8)·bjs + p·ldb + 4(j mod 8), C(i, j) at
 * c + (j/8)·cjs + i·ldc + 4(j mod 8). Row-major B or C: bjs = cjs = 32; panel-packed (panels of
 * 8 columns, each rows × 8 row-major, panel j/8 at (j/8)·bjs): ldb = 32, bjs ≥ 32·rows.
 */
export interface Product {
  /** Rows of C: a multiple of MR. */
  readonly m: number
  /** Columns of C: a multiple of NR. */
  readonly n: number
  readonly k: number
  readonly a: number
  readonly ars: number
  readonly aks: number
  readonly b: number
  readonly ldb: number
  readonly bjs: number
  readonly c: number
  readonly ldc: number
  readonly cjs: number
  /** ACCUMULATE | BIAS | RELU. */
  readonly flags?: number
  /** Byte offset of the bias row (n floats), with BIAS. */
  readonly bias?: number
}

/**
 * Products of at least this many multiply-adds are split with the `WorkShare` helper thread when
 * this thread may share (about 0.1 ms of kernel time on one thread). Measured with `bench/mlp.ts`
 * at 2²⁰: the 1-128-128-1 net (three products of exactly 2²⁰ per step) trained 0.96× as fast on
 * two threads as on one, at twice the CPU time, while the 512- and 2048-wide nets gained 1.4–1.6×.
 */
export const THREAD_WORK = 1 << 21
/** Pieces a shared product is cut into (the two threads claim them one at a time). */
const PIECES = 8
const TASK = "Sgemm.gemm"

/**
 * Rows [i0, i1) (multiples of MR) and columns [j0, j1) (multiples of NR) of the product: the k
 * range in equal chunks of at most KC, the columns in blocks of NB. Each entry gets the same
 * operations in the same order whatever the rectangle, so splitting a product between threads
 * changes no bit of C.
 */
const runPart = (kernel: KernelFn, p: Product, i0: number, i1: number, j0: number, j1: number): void => {
  const { k, a, ars, aks, b, ldb, bjs, c, ldc, cjs } = p
  const flags = p.flags ?? 0
  const bias = p.bias ?? 0
  const mt = (i1 - i0) / MR
  if (mt <= 0 || j1 <= j0) return
  const aRows = a + i0 * ars
  const cRows = c + i0 * ldc
  // equal chunks of at most KC (784 → 4 × 196, not 3 × 256 + 16: a short last chunk costs a pass over C)
  const chunk = Math.ceil(k / Math.ceil(k / KC))
  for (let kb = 0; kb < k; kb += chunk) {
    const kc = Math.min(chunk, k - kb)
    // the first chunk takes the caller's ACCUMULATE; the later ones accumulate; bias, relu on the last
    const f = (kb === 0 ? flags & ACCUMULATE : ACCUMULATE) | (kb + kc === k ? flags & (BIAS | RELU) : 0)
    const aK = aRows + kb * aks
    const bK = b + kb * ldb
    for (let jb = j0; jb < j1; jb += NB) {
      const jt = jb / NR
      kernel(aK, ars, aks, bK + jt * bjs, ldb, bjs, cRows + jt * cjs, ldc, cjs, mt, Math.min(NB, j1 - jb) / NR, kc, f, bias + 4 * jb)
    }
  }
}

// the shared product's parameters: fused, m, n, k, a, ars, aks, b, ldb, bjs, c, ldc, cjs, flags, bias, by columns
WorkShare.register(TASK, (memory, x, _floats, lo, hi) => {
  const p: Product = { m: x[1], n: x[2], k: x[3], a: x[4], ars: x[5], aks: x[6], b: x[7], ldb: x[8], bjs: x[9], c: x[10], ldc: x[11], cjs: x[12], flags: x[13], bias: x[14] }
  const kernel = kernelOn(memory, x[0] === 1 ? "fused" : "plain")
  if (x[15] === 1) runPart(kernel, p, 0, p.m, lo, hi)
  else runPart(kernel, p, lo, hi, 0, p.n)
})

/**
 * C = A·B [+ C_old] [+ bias], [max 0] on the workspace's memory (see `Product`). k = 0 is not a
 * product here: callers skip it. Large products on a shared memory are split with the helper
 * thread where this thread may share (`WorkShare`): by panels of C's columns when C is wider than
 * tall (each thread then streams half of B), else by row tiles; the result is bitwise the same.
 */
export const gemm = (ws: Workspace, p: Product): void => {
  const { m, n, k } = p
  if (m % MR !== 0 || n % NR !== 0 || k < 1) throw new Error(`Sgemm.gemm: m = ${m} must be a multiple of ${MR}, n = ${n} of ${NR}, k = ${k} ≥ 1 (pad the operands)`)
  if (m * n * k >= THREAD_WORK && Math.max(m / MR, n / NR) >= 2 && WorkShare.ready()) {
    const byColumns = n > m
    const bounds = byColumns ? WorkShare.evenBounds(n, NR, PIECES) : WorkShare.evenBounds(m, MR, PIECES)
    const ints = [ws.kind === "fused" ? 1 : 0, m, n, k, p.a, p.ars, p.aks, p.b, p.ldb, p.bjs, p.c, p.ldc, p.cjs, p.flags ?? 0, p.bias ?? 0, byColumns ? 1 : 0]
    if (WorkShare.share(TASK, ws.memory, ints, [], bounds)) return
  }
  runPart(ws.kernel, p, 0, m, 0, n)
}
