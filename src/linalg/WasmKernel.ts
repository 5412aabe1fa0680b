/**
 * The WebAssembly SIMD (f64x2) version of `Blas.updateNT`'s 4×4 micro-kernel, and the dispatch
 * that copies packed operands into wasm memory, runs it, and copies C back.
 *
 * Design. The module is hand-encoded from TypeScript (`WasmEncoder`) at load time, not compiled
 * from a `.wat` file by wabt: the kernel is one function of about a hundred instructions, so a
 * tiny encoder is less machinery than a devDependency, a regeneration script and a committed
 * generated artefact, and the instruction list below reads as the kernel's source. SIMD support is
 * detected by `WebAssembly.validate` on these very bytes; when it fails (or `GPNN_WASM=0` is set,
 * or `setEnabled(false)` is called) `Blas.updateNT` runs its scalar JS kernel, which stays the
 * reference implementation.
 *
 * The kernel computes a 4×4 tile of C as eight f64x2 accumulators: per k step two `v128.load`s of
 * the packed B column (b0 b1 | b2 b3) and four `v128.load64_splat`s of a_r, then c_r,01 += a_r·b01
 * and c_r,23 += a_r·b23. It is built twice. The plain module uses a separate `f64x2.mul` and
 * `f64x2.add` (wasm, like JS, never fuses these): each entry is the same sequential sum over k as
 * the JS kernel, and C += α·sum is applied the same way, so when the k range is not split
 * (kc ≤ `KC`) the results are bitwise equal to the JS kernel's; longer k ranges are split into
 * `KC` chunks for cache reuse, which changes only the rounding. The fused module uses
 * `f64x2.relaxed_madd` (relaxed SIMD, shipped in V8 11.4 / Node 20+), which V8 lowers to an FMA
 * on CPUs that have one: one rounding per multiply-add instead of two, so results differ from the
 * JS kernel in the last bits (the error bound is the same or better), and about half the
 * instructions per k step, measured 10–20 % faster on this project's Zen 4 machine. The fused
 * module is used where it validates, unless `GPNN_WASM_FMA=0` is set or `setFused(false)` called.
 *
 * Memory. One instance per module, each with growable memory. Per call: B's k-range (every 4-row
 * group, compacted to depth kc) is copied once; then A is processed in slabs of rows and C in
 * blocks of those rows × at most `BLOCK_GROUPS`·4 columns (padded to a multiple of four columns,
 * at most 128 KiB, so it stays in cache): copy the slab's A groups in, then for each block copy
 * the touched part of C in, run the kernel over (k chunk, B block, A groups), copy C back. The
 * copies are O(m·kc + n·kc + m·n) against m·n·kc multiply-adds, so calls below `MIN_WORK` stay in
 * JS. Memory grows to the largest call seen (about B's n·kc doubles) and is not returned.
 * Routines that do many products on the same matrices (Cholesky's recursion, Blas's products)
 * skip the copies: they keep C and the packed operands in an `arena` of two further instances and
 * `updateNT` runs the kernel on them in place; that memory likewise grows to the largest
 * factorisation or product seen (about 1.75·n² doubles for a Cholesky factor of order n).
 *
 * Threads. The arena memories are shared (`WebAssembly.Memory({ shared: true })`, modules that
 * import them), so an in-place update of at least `THREAD_WORK` multiply-adds is cut into `CHUNKS`
 * pieces, runs of A groups of about equal work (rows of C, so the threads write disjoint tiles),
 * which this thread and its `WorkShare` helper claim one at a time; callers can also share a
 * row-independent task of their own (`registerTask`, `shareRows`: Cholesky's panel solve). Each
 * entry of C gets the same operations in the same order on either thread, so results are bitwise
 * the same as on one thread. When a thread may share (the main thread, or a trial running alone)
 * and how it backs off on a busy machine is `WorkShare`'s; `GPNN_WASM_THREADS=0` /
 * `WorkShare.setThreads(false)` keep everything on one thread. Gotcha: on a machine whose cores
 * are busy with other processes the helper is often descheduled while holding a piece, and the
 * poster waits for it: two threads then measure no faster than one (bench/linalg.ts prints both,
 * with the load average).
 *
 * Citation: Goto & van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS
 * 34(3), 2008 (blocking for the caches around a register-blocked micro-kernel).
 */
import type { Packed } from "./Blas.ts"
import { f64, i32, module, op, v128, type ValType } from "./WasmEncoder.ts"
import * as WasmEncoder from "./WasmEncoder.ts"
import * as WorkShare from "./WorkShare.ts"

/**
 * Calls with m·n·kc below this many multiply-adds (halved in `lower` mode) stay in JS. Measured
 * (wasm vs JS GFLOP/s, copies included): 16³ 3.4 vs 2.4, 32³ 8.2 vs 3.5, 64³ 12.9 vs 3.4.
 */
export const MIN_WORK = 16 ** 3
/** k-chunk length: longer k ranges are split (Goto's kc) so a block of B stays in cache. */
export const KC = 256
/** Target bytes of one B block (rows × k chunk) reused across A groups: about half an L2. */
const B_BLOCK_BYTES = 256 * 1024
/** A groups (4 rows each) per kernel call. */
const A_GROUPS_PER_CALL = 16
/**
 * Most doubles of one block of C (copied in, updated over the whole k range, copied back): small
 * enough to stay in L2 next to the A slab and the B block while the kernel works on it.
 */
const SLAB_DOUBLES = 1 << 14
/**
 * Most column groups (of four) per block of C. Blocking the columns as well as the rows keeps the
 * A slab tall when C is wide, so each B block read from L2 feeds many A groups (with whole rows of
 * a 4000-column C, a slab was one group and all of B streamed from memory for every four rows).
 */
const BLOCK_GROUPS = 64
/** Refuse (fall back to JS) calls that would need more wasm memory than this. */
const MAX_BYTES = 1 << 30

// ---- the kernel ------------------------------------------------------------------------------

// parameters
const A = 0, AS = 1, B = 2, BS = 3, C = 4, LDC = 5, G0 = 6, G1 = 7, H0 = 8, H1 = 9
const KBEG = 10, KEND = 11, KOFF = 12, LOWER = 13, ALPHA = 14
// locals
const G = 15, KS = 16, HEND = 17, H = 18, PA = 19, PB = 20, PEND = 21, CP = 22, ROWA = 23, T = 24
const ACC = 25 // eight v128 accumulators: row r, lanes 01 at ACC + 2r, lanes 23 at ACC + 2r + 1
const B01 = 33, B23 = 34, AV = 35, ALPHAV = 36

const params: ReadonlyArray<ValType> = [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, f64]
const locals: ReadonlyArray<ValType> = [
  i32, i32, i32, i32, i32, i32, i32, i32, i32, i32,
  v128, v128, v128, v128, v128, v128, v128, v128,
  v128, v128, v128, v128
]

/**
 * kernel(a, as, b, bs, c, ldc, g0, g1, h0, h1, kBeg, kEnd, kOff, lower, alpha), all offsets and
 * strides in bytes: for each A group g in [g0, g1) (rows 4g..4g+3, packed k-major at a + g·as) and
 * each B group h in [h0, min(h1, lower ? g+1 : h1)), with ks = max(kBeg, 4g + kOff) < kEnd:
 *   C[4g + r, 4h + s] += alpha · Σ_{ks ≤ k < kEnd} A[g][k][r] · B[h][k][s],
 * C's (4g + r, 4h + s) entry at c + (4g + r)·ldc + 8·(4h + s).
 */
const kernelBody = (fused: boolean): Array<number> => {
  const tile: Array<number> = []
  // zero the accumulators
  for (let i = 0; i < 8; i++) tile.push(...op.v128Zero(), ...op.set(ACC + i))
  // k loop (ks < kEnd, so at least one step): do { ... } while (pa < pEnd)
  tile.push(...op.loop())
  tile.push(...op.get(PB), ...op.v128Load(0), ...op.set(B01))
  tile.push(...op.get(PB), ...op.v128Load(16), ...op.set(B23))
  for (let r = 0; r < 4; r++) {
    tile.push(...op.get(PA), ...op.v128Load64Splat(8 * r), ...op.set(AV))
    for (let half = 0; half < 2; half++) {
      const acc = ACC + 2 * r + half
      const bv = half === 0 ? B01 : B23
      tile.push(
        ...(fused
          ? [...op.get(AV), ...op.get(bv), ...op.get(acc), ...op.f64x2RelaxedMadd()]
          : [...op.get(acc), ...op.get(AV), ...op.get(bv), ...op.f64x2Mul(), ...op.f64x2Add()]),
        ...op.set(acc)
      )
    }
  }
  tile.push(...op.get(PA), ...op.i32Const(32), ...op.i32Add(), ...op.set(PA))
  tile.push(...op.get(PB), ...op.i32Const(32), ...op.i32Add(), ...op.set(PB))
  tile.push(...op.get(PA), ...op.get(PEND), ...op.i32LtU(), ...op.brIf(0))
  tile.push(...op.end())
  // cp = c + 4g·ldc + 32h; C rows += alpha·acc
  tile.push(
    ...op.get(C), ...op.get(G), ...op.i32Const(2), ...op.i32Shl(), ...op.get(LDC), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(H), ...op.i32Const(5), ...op.i32Shl(), ...op.i32Add(), ...op.set(CP)
  )
  for (let r = 0; r < 4; r++) {
    for (let half = 0; half < 2; half++) {
      tile.push(
        ...op.get(CP),
        ...op.get(CP), ...op.v128Load(16 * half),
        ...op.get(ALPHAV), ...op.get(ACC + 2 * r + half), ...op.f64x2Mul(),
        ...op.f64x2Add(),
        ...op.v128Store(16 * half)
      )
    }
    if (r < 3) tile.push(...op.get(CP), ...op.get(LDC), ...op.i32Add(), ...op.set(CP))
  }

  const body: Array<number> = []
  body.push(...op.get(ALPHA), ...op.f64x2Splat(), ...op.set(ALPHAV))
  body.push(...op.get(G0), ...op.set(G))
  body.push(...op.block(), ...op.loop()) // $outG, $G
  body.push(...op.get(G), ...op.get(G1), ...op.i32GeS(), ...op.brIf(1))
  body.push(...op.block()) // $skip
  // ks = max(kBeg, 4g + kOff)
  body.push(
    ...op.get(G), ...op.i32Const(2), ...op.i32Shl(), ...op.get(KOFF), ...op.i32Add(), ...op.set(T),
    ...op.get(KBEG), ...op.get(T), ...op.get(KBEG), ...op.get(T), ...op.i32GeS(), ...op.select(), ...op.set(KS)
  )
  body.push(...op.get(KS), ...op.get(KEND), ...op.i32GeS(), ...op.brIf(0))
  // hEnd = lower && g + 1 < h1 ? g + 1 : h1
  body.push(...op.get(H1), ...op.set(HEND))
  body.push(...op.get(LOWER), ...op.if())
  body.push(
    ...op.get(G), ...op.i32Const(1), ...op.i32Add(), ...op.tee(T), ...op.get(H1), ...op.i32LtS(), ...op.if(),
    ...op.get(T), ...op.set(HEND),
    ...op.end()
  )
  body.push(...op.end())
  // rowA = a + g·as; pEnd = rowA + 32·kEnd
  body.push(...op.get(A), ...op.get(G), ...op.get(AS), ...op.i32Mul(), ...op.i32Add(), ...op.set(ROWA))
  body.push(...op.get(ROWA), ...op.get(KEND), ...op.i32Const(5), ...op.i32Shl(), ...op.i32Add(), ...op.set(PEND))
  body.push(...op.get(H0), ...op.set(H))
  body.push(...op.block(), ...op.loop()) // $outH, $H
  body.push(...op.get(H), ...op.get(HEND), ...op.i32GeS(), ...op.brIf(1))
  // pa = rowA + 32·ks; pb = b + h·bs + 32·ks
  body.push(...op.get(KS), ...op.i32Const(5), ...op.i32Shl(), ...op.set(T))
  body.push(...op.get(ROWA), ...op.get(T), ...op.i32Add(), ...op.set(PA))
  body.push(...op.get(B), ...op.get(H), ...op.get(BS), ...op.i32Mul(), ...op.i32Add(), ...op.get(T), ...op.i32Add(), ...op.set(PB))
  body.push(...tile)
  body.push(...op.get(H), ...op.i32Const(1), ...op.i32Add(), ...op.set(H), ...op.br(0))
  body.push(...op.end(), ...op.end()) // $H, $outH
  body.push(...op.end()) // $skip
  body.push(...op.get(G), ...op.i32Const(1), ...op.i32Add(), ...op.set(G), ...op.br(0))
  body.push(...op.end(), ...op.end()) // $G, $outG
  return body
}

/**
 * The module's bytes (exports "memory" and "kernel"). `fused`: each multiply-add is one
 * `f64x2.relaxed_madd` (relaxed SIMD), which V8 compiles to an FMA where the CPU has one.
 */
export const moduleBytes = (fused: boolean, sharedMemory = false): Uint8Array<ArrayBuffer> =>
  module([{ name: "kernel", params, results: [], locals, body: kernelBody(fused) }], 1, sharedMemory ? { sharedMaximumPages: MAX_BYTES / 65536 } : false)

// ---- instances and switches ------------------------------------------------------------------

type KernelFn = (
  a: number, as: number, b: number, bs: number, c: number, ldc: number,
  g0: number, g1: number, h0: number, h1: number, kBeg: number, kEnd: number, kOff: number,
  lower: number, alpha: number
) => void

interface Instance {
  readonly memory: WasmEncoder.WasmMemory
  readonly kernel: KernelFn
  heap: Float64Array
}

const load = (fused: boolean): Instance | undefined => {
  try {
    const wasm = WasmEncoder.api
    if (wasm === undefined) return undefined
    const bytes = moduleBytes(fused)
    if (!wasm.validate(bytes)) return undefined
    const instance = new wasm.Instance(new wasm.Module(bytes))
    const memory = instance.exports.memory as WasmEncoder.WasmMemory
    return { memory, kernel: instance.exports.kernel as KernelFn, heap: new Float64Array(memory.buffer) }
  } catch {
    return undefined
  }
}

/**
 * An instance of the module that imports `memory` (shared, as made by `sharedMemory`), so that
 * another thread's instance can run on the same memory. Undefined where shared memory or the
 * module does not validate.
 */
const loadOnMemory = (fused: boolean, memory: WasmEncoder.WasmMemory): Instance | undefined => {
  try {
    const wasm = WasmEncoder.api
    if (wasm === undefined) return undefined
    const bytes = moduleBytes(fused, true)
    if (!wasm.validate(bytes)) return undefined
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } })
    return { memory, kernel: instance.exports.kernel as KernelFn, heap: new Float64Array(memory.buffer) }
  } catch {
    return undefined
  }
}

/** A shared, growable wasm memory of one page (up to `MAX_BYTES`), or undefined where unsupported. */
const sharedMemory = (): WasmEncoder.WasmMemory | undefined => WasmEncoder.sharedMemory(1, MAX_BYTES / 65536)

/** The separate mul/add kernel (fixed-width SIMD): bitwise equal to the JS kernel. */
const plain = load(false)
/** The relaxed-SIMD kernel (one rounding per multiply-add where the CPU fuses). */
const fusedInstance = plain === undefined ? undefined : load(true)

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]

let enabled = plain !== undefined && env("GPNN_WASM") !== "0"
let fused = fusedInstance !== undefined && env("GPNN_WASM_FMA") !== "0"

/** Whether this runtime validated the SIMD module (independent of the switch). */
export const available = (): boolean => plain !== undefined

/** Whether this runtime also validated the relaxed-SIMD (fused multiply-add) module. */
export const fusedAvailable = (): boolean => fusedInstance !== undefined

/** Whether `Blas.updateNT` currently dispatches large calls to wasm. */
export const isEnabled = (): boolean => enabled

/** Whether the wasm path currently uses the fused (relaxed-SIMD) kernel. */
export const isFused = (): boolean => fused

/**
 * Turns the wasm path on or off (on only takes effect where SIMD is available); returns the
 * previous setting. For tests and benchmarks comparing the two kernels; `GPNN_WASM=0` sets the
 * initial value to off.
 */
export const setEnabled = (on: boolean): boolean => {
  const previous = enabled
  enabled = on && plain !== undefined
  return previous
}

/**
 * Chooses the fused kernel (on, where relaxed SIMD is available) or the plain one; returns the
 * previous setting. `GPNN_WASM_FMA=0` sets the initial value to off, for runs that must be
 * bitwise equal to the JS kernel.
 */
export const setFused = (on: boolean): boolean => {
  const previous = fused
  fused = on && fusedInstance !== undefined
  return previous
}

const ensureBytes = (inst: Instance, bytes: number): boolean => {
  const have = inst.memory.buffer.byteLength
  if (bytes <= have) return true
  if (bytes > MAX_BYTES) return false
  try {
    inst.memory.grow(Math.ceil((bytes - have) / 65536))
  } catch {
    return false
  }
  inst.heap = new Float64Array(inst.memory.buffer)
  return true
}

/**
 * Runs shorter than this many doubles are copied by a loop: `subarray` allocates a view per call,
 * which costs more than copying a few dozen values (narrow C blocks of the recursive triangular
 * solves have thousands of such rows per call).
 */
const SHORT_COPY = 64

/** dst[d .. d+len) = src[s .. s+len). */
const copy = (dst: Float64Array, d: number, src: Float64Array, s: number, len: number): void => {
  if (len < SHORT_COPY) {
    for (let t = 0; t < len; t++) dst[d + t] = src[s + t]
  } else {
    dst.set(src.subarray(s, s + len), d)
  }
}

/** Copies groups [g0, g1) of `P`'s k-range [k0, k0 + kc) to heap[dst ..], compacted to depth kc. */
const copyGroups = (heap: Float64Array, dst: number, P: Packed, g0: number, g1: number, k0: number, kc: number): void => {
  const src = P.data
  const d = 4 * P.depth
  if (k0 === 0 && kc === P.depth) {
    heap.set(src.subarray(g0 * d, g1 * d), dst)
    return
  }
  for (let g = g0; g < g1; g++) copy(heap, dst + (g - g0) * 4 * kc, src, g * d + 4 * k0, 4 * kc)
}

// ---- resident operands ------------------------------------------------------------------------

/**
 * Instances whose memory callers may hold operands in (`arena`), one per module; separate from
 * the instances above, whose memory the copying path reuses on every call. Their memory is shared
 * where the runtime allows (so the helper thread can update half of a product in it), else their own.
 */
const loadResident = (fused: boolean): Instance | undefined => {
  const memory = sharedMemory()
  return (memory === undefined ? undefined : loadOnMemory(fused, memory)) ?? load(fused)
}
let residentPlain = plain === undefined ? undefined : loadResident(false)
let residentFused = fusedInstance === undefined ? undefined : loadResident(true)

/**
 * A Float64Array of `doubles` values living in wasm memory, for a routine that keeps its matrices
 * there for a whole factorisation or solve: `updateNT` calls whose C and packed operands all lie in
 * it run the kernel on them in place, with no copies (C in place is written in whole 4×4 tiles, so
 * it needs up to three spare rows and columns past each block that does not end on a multiple of
 * four; the caller pads its leading dimension and row count to multiples of four). Returns
 * undefined when the wasm path is off or the memory cannot be had; then use a plain array.
 *
 * Gotchas: the contents are stale values, not zeros. One arena at a time: the next call reuses (and
 * may grow, detaching) the same memory, so take the results out before asking again, and call no
 * other arena user (Cholesky's factor and solves, Blas's gemm, gemmNT, syrk) while holding one.
 */
export const arena = (doubles: number): Float64Array | undefined => {
  const inst = fused ? residentFused : residentPlain
  if (!enabled || inst === undefined || !ensureBytes(inst, 8 * doubles)) return undefined
  return new Float64Array(inst.memory.buffer, 0, doubles)
}

/** The resident instance holding all three operands, if one does. */
const residentFor = (Cm: Float64Array, Ap: Packed, Bp: Packed): Instance | undefined => {
  for (const inst of [residentFused, residentPlain]) {
    if (inst === undefined) continue
    const buffer = inst.memory.buffer
    if (Cm.buffer === buffer && Ap.data.buffer === buffer && Bp.data.buffer === buffer) return inst
  }
  return undefined
}

/**
 * One in-place update, in the kernel's terms (offsets and strides in bytes): C += alpha·A·Bᵀ over
 * k in [k0, kEnd) for A's `mg` and B's `ng` row groups, as `updateNT` documents.
 */
interface Job {
  readonly a: number
  readonly as: number
  readonly b: number
  readonly bs: number
  readonly c: number
  readonly ldc: number
  readonly ng: number
  readonly k0: number
  readonly kEnd: number
  readonly kOff: number
  readonly lower: boolean
  readonly alpha: number
}

/**
 * The rows of C in A groups [gLo, gHi) of `job`, over cache blocks: slabs of A groups × blocks of
 * B groups × k chunks. Each entry of C gets the same operations in the same order whatever
 * [gLo, gHi) is, so splitting a job's groups between threads changes no bit of the result.
 */
const runGroups = (kernel: KernelFn, job: Job, gLo: number, gHi: number): void => {
  const kc = job.kEnd - job.k0
  const kChunk = kc <= KC ? kc : KC
  const hPerCall = Math.max(4, Math.floor(B_BLOCK_BYTES / (32 * kChunk)))
  const blockGroups = Math.min(job.ng, BLOCK_GROUPS)
  const slabGroups = Math.max(1, Math.min(gHi - gLo, Math.floor(SLAB_DOUBLES / (16 * blockGroups))))
  const low = job.lower ? 1 : 0
  for (let s0 = gLo; s0 < gHi; s0 += slabGroups) {
    const s1 = Math.min(gHi, s0 + slabGroups)
    const hMax = job.lower ? Math.min(job.ng, s1) : job.ng
    for (let b0 = 0; b0 < hMax; b0 += blockGroups) {
      const b1 = Math.min(hMax, b0 + blockGroups)
      for (let kb = job.k0; kb < job.kEnd; kb += kChunk) {
        const ke = Math.min(job.kEnd, kb + kChunk)
        for (let h0 = b0; h0 < b1; h0 += hPerCall) {
          const h1 = Math.min(b1, h0 + hPerCall)
          for (let g0 = job.lower ? Math.max(s0, h0) : s0; g0 < s1; g0 += A_GROUPS_PER_CALL) {
            kernel(job.a, job.as, job.b, job.bs, job.c, job.ldc, g0, Math.min(s1, g0 + A_GROUPS_PER_CALL), h0, h1, kb, ke, job.kOff, low, job.alpha)
          }
        }
      }
    }
  }
}

/** `updateNT` on operands already in `inst`'s memory: the kernel over cache blocks, no copies. */
const updateResident = (
  inst: Instance, Cm: Float64Array, ldc: number, c0: number, Ap: Packed, Bp: Packed,
  k0: number, kc: number, alpha: number, lower: boolean, leadingZeros: number | undefined
): void => {
  const mg = (Ap.rows + 3) >> 2
  const job: Job = {
    a: Ap.data.byteOffset,
    as: 32 * Ap.depth,
    b: Bp.data.byteOffset,
    bs: 32 * Bp.depth,
    c: Cm.byteOffset + 8 * c0,
    ldc: 8 * ldc,
    ng: (Bp.rows + 3) >> 2,
    k0,
    kEnd: k0 + kc,
    kOff: leadingZeros === undefined ? -(1 << 30) : leadingZeros,
    lower,
    alpha
  }
  const work = (lower ? 0.5 : 1) * Ap.rows * Bp.rows * kc
  if (work >= THREAD_WORK && mg >= 2 * CHUNKS && shareWithHelper(inst, job, mg)) return
  runGroups(inst.kernel, job, 0, mg)
}

/**
 * `Blas.updateNT` on the wasm kernel, same contract (including `lower`'s whole diagonal tiles and
 * `leadingZeros`). Returns false, having done nothing, when the wasm path is off, the call is too
 * small to be worth the copies, or wasm memory cannot hold it; the caller then runs the JS kernel.
 */
export const updateNT = (
  Cm: Float64Array,
  ldc: number,
  c0: number,
  Ap: Packed,
  Bp: Packed,
  k0: number,
  kc: number,
  alpha: number,
  lower: boolean,
  leadingZeros: number | undefined
): boolean => {
  const inst = fused ? fusedInstance : plain
  if (!enabled || inst === undefined) return false
  const m = Ap.rows
  const n = Bp.rows
  if (m <= 0 || n <= 0 || kc <= 0) return false
  const resident = residentFor(Cm, Ap, Bp)
  if (resident !== undefined) {
    updateResident(resident, Cm, ldc, c0, Ap, Bp, k0, kc, alpha, lower, leadingZeros)
    return true
  }
  if ((lower ? 0.5 : 1) * m * n * kc < MIN_WORK) return false
  const mg = (m + 3) >> 2
  const ng = (n + 3) >> 2
  const shared = Ap.data === Bp.data && Ap.depth === Bp.depth
  // C is processed in blocks of slabGroups row groups × blockGroups column groups
  const blockGroups = Math.min(ng, BLOCK_GROUPS)
  const ldcP = 4 * blockGroups
  const slabGroups = Math.max(1, Math.min(mg, Math.floor(SLAB_DOUBLES / (4 * ldcP))))
  // heap layout (doubles): B's k-range | A slab | C block; all offsets multiples of 4 (32 bytes)
  const bGroups = shared ? Math.max(mg, ng) : ng
  const bLen = bGroups * 4 * kc
  const aLen = shared ? 0 : slabGroups * 4 * kc
  const cLen = slabGroups * 4 * ldcP
  if (!ensureBytes(inst, 8 * (bLen + aLen + cLen))) return false
  const heap = inst.heap
  const bOff = 0
  const aOff = bLen
  const cOff = bLen + aLen
  copyGroups(heap, bOff, Bp, 0, bGroups, k0, kc)
  const kOff = leadingZeros === undefined ? -(1 << 30) : leadingZeros - k0
  const kChunk = kc <= KC ? kc : KC
  const hPerCall = Math.max(4, Math.floor(B_BLOCK_BYTES / (32 * kChunk)))
  const stride = 32 * kc
  const kernel = inst.kernel
  for (let s0 = 0; s0 < mg; s0 += slabGroups) {
    const s1 = Math.min(mg, s0 + slabGroups)
    // A: the slab's groups (or, when A and B share storage, the B copy itself)
    const aBase = shared ? 8 * (bOff + s0 * 4 * kc) : 8 * aOff
    if (!shared) copyGroups(heap, aOff, Ap, s0, s1, k0, kc)
    const aRel = aBase - s0 * stride
    const rows = Math.min(m, 4 * s1) - 4 * s0
    const hMax = lower ? Math.min(ng, s1) : ng
    for (let b0 = 0; b0 < hMax; b0 += blockGroups) {
      const b1 = Math.min(hMax, b0 + blockGroups)
      // C[4·s0.., 4·b0..] into the block; the kernel addresses its (group s0, group b0) entry there
      const col0 = 4 * b0
      for (let i = 0; i < rows; i++) {
        const row = 4 * s0 + i
        const colEnd = Math.min(4 * b1, lower ? Math.min(n, (row | 3) + 1) : n)
        if (colEnd <= col0) continue
        copy(heap, cOff + i * ldcP, Cm, c0 + row * ldc + col0, colEnd - col0)
      }
      // byte offsets may wrap below zero here; i32 address arithmetic wraps back into range
      const cBase = 8 * cOff - s0 * 4 * 8 * ldcP - 32 * b0
      for (let kb = 0; kb < kc; kb += kChunk) {
        const ke = Math.min(kc, kb + kChunk)
        for (let h0 = b0; h0 < b1; h0 += hPerCall) {
          const h1 = Math.min(b1, h0 + hPerCall)
          for (let g0 = lower ? Math.max(s0, h0) : s0; g0 < s1; g0 += A_GROUPS_PER_CALL) {
            const g1 = Math.min(s1, g0 + A_GROUPS_PER_CALL)
            kernel(aRel, stride, 8 * bOff, stride, cBase, 8 * ldcP, g0, g1, h0, h1, kb, ke, kOff, lower ? 1 : 0, alpha)
          }
        }
      }
      for (let i = 0; i < rows; i++) {
        const row = 4 * s0 + i
        const colEnd = Math.min(4 * b1, lower ? Math.min(n, (row | 3) + 1) : n)
        if (colEnd <= col0) continue
        copy(Cm, c0 + row * ldc + col0, heap, cOff + i * ldcP, colEnd - col0)
      }
    }
  }
  return true
}

// ---- sharing with a helper thread (WorkShare) ------------------------------------------------

/**
 * In-place updates of at least this many multiply-adds (halved in `lower` mode) are shared with
 * the helper thread (about 0.1 ms of kernel time; waking the helper costs a few µs, and a helper
 * that wakes late finds the pieces taken); Cholesky shares panel solves of twice this. Measured
 * (Cholesky, one thread vs two, min of 8 or 30, load 2.0–2.2, two runs each): 2²⁰ n = 300 and 500
 * within ±10 %, n = 2000 24 GFLOP/s; 2²¹ n = 300 equal, n = 500 +10 %, n = 2000 27 and 31 GFLOP/s;
 * 2²² n = 2000 23–25. With only the kernel updates shared (before the panel solves were), 2¹⁸ made
 * n = 200–500 10–25 % slower than one thread.
 */
export const THREAD_WORK = 1 << 21
/** Pieces (runs of A groups of about equal work) a shared update is cut into. */
const CHUNKS = 8
const UPDATE = "WasmKernel.update"

/**
 * This thread's resident instance on `memory` of the given kind: the resident itself on the
 * posting thread; on the helper, an instance on the poster's memory, adopted as this thread's
 * resident, so that updates a shared task makes run in place here too.
 */
const residentOn = (memory: WasmEncoder.WasmMemory, isFused: boolean): Instance | undefined => {
  const current = isFused ? residentFused : residentPlain
  if (current?.memory === memory) return current
  const inst = loadOnMemory(isFused, memory)
  if (isFused) residentFused = inst
  else residentPlain = inst
  return inst
}

// the update's parameters: fused, a, as, b, bs, c, ldc, ng, k0, kEnd, kOff, lower; alpha
WorkShare.register(UPDATE, (memory, x, floats, lo, hi) => {
  const inst = residentOn(memory, x[0] === 1)
  if (inst === undefined) throw new Error("WasmKernel: no kernel instance on the shared memory")
  const job: Job = { a: x[1], as: x[2], b: x[3], bs: x[4], c: x[5], ldc: x[6], ng: x[7], k0: x[8], kEnd: x[9], kOff: x[10], lower: x[11] === 1, alpha: floats[0] }
  runGroups(inst.kernel, job, lo, hi)
})

/**
 * Runs `job` (on `inst`, a resident instance) in CHUNKS pieces claimed by this thread and the helper
 * thread; returns false, having done nothing, when no helper can take part now. Each piece is a run
 * of A groups (rows of C), so the two threads write disjoint parts of C.
 */
const shareWithHelper = (inst: Instance, job: Job, mg: number): boolean => {
  if (!WorkShare.ready()) return false
  // pieces of about equal work: A group g of a lower update meets min(g + 1, ng) B groups
  const cost = (g: number): number => (job.lower ? Math.min(g + 1, job.ng) : 1)
  let total = 0
  for (let g = 0; g < mg; g++) total += cost(g)
  const bounds = [0]
  let sum = 0
  for (let g = 0; g < mg && bounds.length < CHUNKS; g++) {
    sum += cost(g)
    if (sum >= (bounds.length * total) / CHUNKS) bounds.push(g + 1)
  }
  while (bounds.length <= CHUNKS) bounds.push(mg)
  const ints = [inst === residentFused ? 1 : 0, job.a, job.as, job.b, job.bs, job.c, job.ldc, job.ng, job.k0, job.kEnd, job.kOff, job.lower ? 1 : 0]
  return WorkShare.share(UPDATE, inst.memory, ints, [job.alpha], bounds)
}

/**
 * A piece of a shared task: rows [lo, hi) of some row-independent computation on the resident
 * memory `heap` (all of it, as doubles), with the poster's `params`; `thread` is 0 on the posting
 * thread and 1 on the helper (for per-thread scratch).
 */
export type Task = (heap: Float64Array, params: Int32Array, lo: number, hi: number, thread: 0 | 1) => void

/**
 * Registers a row-splittable task on the resident memory under `name` for `shareRows`. Both
 * threads must register it: the module doing so is imported by `ShareWorker.ts` too.
 */
export const registerTask = (name: string, task: Task): void => {
  WorkShare.register(name, (memory, ints, _floats, lo, hi, thread) => {
    residentOn(memory, ints[0] === 1)
    task(new Float64Array(memory.buffer), ints.subarray(1), lo, hi, thread)
  })
}

/**
 * Runs the registered task `name` on rows [0, rows) of `memory` (an `arena` view) in `pieces`
 * pieces (at most CHUNKS; each a multiple of four rows but the last) claimed by this thread and the
 * helper, with `params` (at most 23 int32s); returns false, having done nothing, when no helper
 * can take part now or `memory` is not a shared arena. The task's pieces must be independent.
 */
export const shareRows = (name: string, memory: Float64Array, params: ReadonlyArray<number>, rows: number, pieces: number): boolean => {
  const inst = [residentFused, residentPlain].find((r) => r !== undefined && memory.buffer === r.memory.buffer)
  if (inst === undefined || !WorkShare.ready()) return false
  const bounds = WorkShare.evenBounds(rows, 4, Math.min(CHUNKS, pieces))
  return WorkShare.share(name, inst.memory, [inst === residentFused ? 1 : 0, ...params], [], bounds)
}
