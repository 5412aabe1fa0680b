/**
 * A tiny WebAssembly binary encoder: just the sections, instructions and SIMD opcodes that the
 * `WasmKernel` (f64x2), `WasmExp` and `Sgemm` (f32x4) micro-kernels need (one memory, functions
 * with i32/f64/v128 locals, structured control flow, i32 arithmetic, v128 loads/stores, f64x2 and
 * f32x4 arithmetic). Not a general assembler:
 * there is no validation here; `WebAssembly.validate` on the finished bytes is the check.
 *
 * Why hand-encode rather than commit a `.wat` source plus wabt-compiled bytes: the kernel is about
 * a hundred instructions, so a few dozen lines of encoder keep the module readable as TypeScript
 * (each instruction a named helper), make it regenerate itself on every load, and keep the build
 * free of a devDependency and a generated artefact that can drift from its source.
 *
 * Reference: WebAssembly Core Specification 2.0, §5 (binary format), and the fixed-width SIMD
 * proposal's opcode table (all SIMD instructions are 0xFD followed by a LEB128 u32 opcode).
 */

/** Value types. */
export const i32 = 0x7f
export const f32 = 0x7d
export const f64 = 0x7c
export const v128 = 0x7b
export type ValType = typeof i32 | typeof f32 | typeof f64 | typeof v128

/** Unsigned LEB128. */
export const u32 = (v: number): Array<number> => {
  const out: Array<number> = []
  let x = v >>> 0
  do {
    let byte = x & 0x7f
    x >>>= 7
    if (x !== 0) byte |= 0x80
    out.push(byte)
  } while (x !== 0)
  return out
}

/** Signed LEB128 of a 32-bit integer. */
export const s32 = (v: number): Array<number> => {
  const out: Array<number> = []
  let x = v | 0
  for (;;) {
    const byte = x & 0x7f
    x >>= 7
    const done = (x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

const utf8 = (s: string): Array<number> => {
  const bytes = Array.from(new TextEncoder().encode(s))
  return [...u32(bytes.length), ...bytes]
}

const vec = (items: ReadonlyArray<ReadonlyArray<number>>): Array<number> => [...u32(items.length), ...items.flat()]

const section = (id: number, body: ReadonlyArray<number>): Array<number> => [id, ...u32(body.length), ...body]

/** Instructions: each returns its bytes; a function body is the concatenation. */
export const op = {
  block: (): Array<number> => [0x02, 0x40],
  loop: (): Array<number> => [0x03, 0x40],
  if: (): Array<number> => [0x04, 0x40],
  else: (): Array<number> => [0x05],
  end: (): Array<number> => [0x0b],
  br: (depth: number): Array<number> => [0x0c, ...u32(depth)],
  brIf: (depth: number): Array<number> => [0x0d, ...u32(depth)],
  select: (): Array<number> => [0x1b],
  get: (local: number): Array<number> => [0x20, ...u32(local)],
  set: (local: number): Array<number> => [0x21, ...u32(local)],
  tee: (local: number): Array<number> => [0x22, ...u32(local)],
  i32Const: (v: number): Array<number> => [0x41, ...s32(v)],
  i32Eqz: (): Array<number> => [0x45],
  i32LtS: (): Array<number> => [0x48],
  i32LtU: (): Array<number> => [0x49],
  i32GtS: (): Array<number> => [0x4a],
  i32GeS: (): Array<number> => [0x4e],
  i32GeU: (): Array<number> => [0x4f],
  i32Add: (): Array<number> => [0x6a],
  i32Sub: (): Array<number> => [0x6b],
  i32Mul: (): Array<number> => [0x6c],
  i32Shl: (): Array<number> => [0x74],
  i32And: (): Array<number> => [0x71],
  /** v128.load with natural 16-byte alignment hint and a constant byte offset. */
  v128Load: (offset = 0): Array<number> => [0xfd, ...u32(0x00), 4, ...u32(offset)],
  /** v128.load64_splat: one f64 from memory into both lanes. */
  v128Load64Splat: (offset = 0): Array<number> => [0xfd, ...u32(0x0a), 3, ...u32(offset)],
  /** v128.load32_splat: one f32 from memory into all four lanes. */
  v128Load32Splat: (offset = 0): Array<number> => [0xfd, ...u32(0x09), 2, ...u32(offset)],
  v128Store: (offset = 0): Array<number> => [0xfd, ...u32(0x0b), 4, ...u32(offset)],
  /** v128.const with all sixteen bytes zero. */
  v128Zero: (): Array<number> => [0xfd, ...u32(0x0c), ...new Array<number>(16).fill(0)],
  f64x2Splat: (): Array<number> => [0xfd, ...u32(0x14)],
  f64x2Add: (): Array<number> => [0xfd, ...u32(0xf0)],
  f64x2Mul: (): Array<number> => [0xfd, ...u32(0xf2)],
  f64x2Sub: (): Array<number> => [0xfd, ...u32(0xf1)],
  f64x2Min: (): Array<number> => [0xfd, ...u32(0xf4)],
  f64x2Max: (): Array<number> => [0xfd, ...u32(0xf5)],
  /** Round to nearest, ties to even. */
  f64x2Nearest: (): Array<number> => [0xfd, ...u32(0x94)],
  /** v128.const holding `v` in both f64 lanes. */
  f64x2Const: (v: number): Array<number> => [0xfd, ...u32(0x0c), ...new Uint8Array(new Float64Array([v, v]).buffer)],
  /** v128.const holding `v` in both i64 lanes. */
  i64x2Const: (v: bigint): Array<number> => [0xfd, ...u32(0x0c), ...new Uint8Array(new BigInt64Array([v, v]).buffer)],
  /** Both f64 lanes to i32 (saturating, toward zero) in lanes 0–1; lanes 2–3 zero. */
  i32x4TruncSatF64x2SZero: (): Array<number> => [0xfd, ...u32(0xfc)],
  /** [v128 i32] → v128: arithmetic shift right of each i32 lane. */
  i32x4ShrS: (): Array<number> => [0xfd, ...u32(0xac)],
  i32x4Sub: (): Array<number> => [0xfd, ...u32(0xb1)],
  /** i32 lanes 0–1, sign-extended to the two i64 lanes. */
  i64x2ExtendLowI32x4S: (): Array<number> => [0xfd, ...u32(0xc7)],
  /** [v128 i32] → v128: shift left of each i64 lane. */
  i64x2Shl: (): Array<number> => [0xfd, ...u32(0xcb)],
  i64x2Add: (): Array<number> => [0xfd, ...u32(0xce)],
  f32x4Splat: (): Array<number> => [0xfd, ...u32(0x13)],
  f32x4Sqrt: (): Array<number> => [0xfd, ...u32(0xe3)],
  f32x4Add: (): Array<number> => [0xfd, ...u32(0xe4)],
  f32x4Sub: (): Array<number> => [0xfd, ...u32(0xe5)],
  f32x4Mul: (): Array<number> => [0xfd, ...u32(0xe6)],
  f32x4Div: (): Array<number> => [0xfd, ...u32(0xe7)],
  f32x4Max: (): Array<number> => [0xfd, ...u32(0xe9)],
  /** f32x4.relaxed_madd (relaxed SIMD): a·b + c, fused or not at the engine's choice. */
  f32x4RelaxedMadd: (): Array<number> => [0xfd, ...u32(0x105)],
  /** f64x2.relaxed_madd (relaxed SIMD): a·b + c, fused or not at the engine's choice. */
  f64x2RelaxedMadd: (): Array<number> => [0xfd, ...u32(0x107)]
} as const

export interface Func {
  readonly name: string
  readonly params: ReadonlyArray<ValType>
  readonly results: ReadonlyArray<ValType>
  /** Extra locals, numbered after the parameters, in this order. */
  readonly locals: ReadonlyArray<ValType>
  /** The instructions, without the final `end`. */
  readonly body: ReadonlyArray<number>
}

/**
 * A module with one exported memory ("memory", `initialPages` × 64 KiB, growable) and the given
 * exported functions (each its own type). With `importMemory` the memory is instead imported as
 * "env"."memory" (at least `initialPages`), so the functions work on another instance's memory;
 * `{ sharedMaximumPages }` imports a shared memory of that maximum (threads proposal, limits flag
 * 0x03), the kind several threads' instances can run on together.
 */
export const module = (
  funcs: ReadonlyArray<Func>,
  initialPages = 1,
  importMemory: boolean | { readonly sharedMaximumPages: number } = false
): Uint8Array<ArrayBuffer> => {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])
  const bodies = funcs.map((f) => {
    // run-length groups of equal consecutive local types
    const groups: Array<Array<number>> = []
    for (let i = 0; i < f.locals.length;) {
      let j = i
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++
      groups.push([...u32(j - i), f.locals[i]])
      i = j
    }
    const code = [...vec(groups), ...f.body, 0x0b]
    return [...u32(code.length), ...code]
  })
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...(importMemory === false ? [] : section(2, vec([[
      ...utf8("env"), ...utf8("memory"), 0x02,
      ...(importMemory === true ? [0x00, ...u32(initialPages)] : [0x03, ...u32(initialPages), ...u32(importMemory.sharedMaximumPages)])
    ]]))),
    ...section(3, vec(funcs.map((_, i) => u32(i)))),
    ...(importMemory === false ? section(5, vec([[0x00, ...u32(initialPages)]])) : []),
    ...section(7, vec([
      ...(importMemory === false ? [[...utf8("memory"), 0x02, ...u32(0)]] : []),
      ...funcs.map((f, i) => [...utf8(f.name), 0x00, ...u32(i)])
    ])),
    ...section(10, vec(bodies))
  ]
  return new Uint8Array(bytes)
}

// ---- the JS API ------------------------------------------------------------------------------

/** A WebAssembly.Memory as the kernels use it (the project's TS lib has no DOM/wasm types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

/** The slice of the WebAssembly JS API the kernels use. */
export interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
}

/** The host's WebAssembly object, or undefined where there is none. */
export const api: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** Pages a shared memory may grow to (and modules importing one declare): 4 GiB, all of wasm32. */
export const SHARED_MAXIMUM_PAGES = 65536

/**
 * A shared wasm memory (`WebAssembly.Memory({ shared: true })`) of at least `bytes` bytes that may
 * grow to `maximumPages`, for kernels that a `WorkShare` helper thread runs on too; undefined where
 * the runtime has no shared memory or cannot reserve it.
 */
export const sharedMemory = (bytes: number, maximumPages = SHARED_MAXIMUM_PAGES): WasmMemory | undefined => {
  try {
    const initial = Math.max(1, Math.ceil(bytes / 65536))
    return api === undefined || initial > maximumPages ? undefined : new api.Memory({ initial, maximum: maximumPages, shared: true })
  } catch {
    return undefined
  }
}
