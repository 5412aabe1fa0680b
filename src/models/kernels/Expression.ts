/**
 * Kernel expressions: a covariance kernel written as serialisable JSON, the one form a study
 * config, a report and a conformance fixture (gp_composite.json) share.
 *
 *   node = {"sum": [node, …]}                                   elementwise sum
 *        | {"product": [node, …]}                               elementwise product
 *        | {"kernel": leaf, "params": {name: value}, "bounds": {name: [lo, hi] | "fixed"}}
 *
 * Leaves and their parameters (Kernel.ts has the formulas; d = |x − x'|):
 *   constant  value                   a variance; as a factor of a product, the amplitude
 *   rbf       lengthScale             exp(−d²/(2ℓ²)); ℓ may be an array, one per input column (ARD)
 *   matern    lengthScale, nu         ν fixed (default 1.5, sklearn's), never optimised; ARD ℓ allowed
 *   rq        alpha, lengthScale      (1 + d²/(2αℓ²))^(−α); ARD ℓ allowed
 *   periodic  lengthScale, period     exp(−2 sin²(πd/p)/ℓ²), sklearn's ExpSineSquared
 *   linear    sigma0                  σ0² + x·x', sklearn's DotProduct
 *   white     noise                   a variance on the diagonal of K(X, X) only
 * Absent params take 1 (ν 1.5), absent bounds [1e-5, 1e5] (sklearn's defaults); bounds are on
 * natural values and apply to every entry of an ARD array; "fixed" = not optimised.
 *
 * Names: a hyperparameter is named by its leaf's path plus the parameter, as the fixture does:
 * `sum[1].product[2].periodic.lengthScale`, `rbf.lengthScale[0]` for ARD entry 0 of a root leaf.
 * `names` lists the free ones in `Kernel.theta` order (leaves depth first, left to right; inside
 * a leaf sklearn's order: rq alpha then lengthScale, periodic lengthScale then period), which is
 * also scikit-learn's `kernel.theta` order for the same tree.
 *
 * When to use: wherever a kernel is configured or recorded; `toKernel` makes the `Kernel.Kernel`
 * the numerics use, `withValues` writes fitted values back into the tree (for a report or a
 * later run). Gotchas: `decode` checks every value against its bounds and names the path of the
 * first bad node with the allowed keys or values; `schema` carries the same messages into Effect
 * Schema (for a config struct that has a kernel field).
 *
 * Citation: scikit-learn `sklearn.gaussian_process.kernels` (kernel algebra, parameter order);
 * Rasmussen & Williams (2006) §5.4.3 (the composite CO₂ kernel this format was made for).
 */
import { Effect, Result, Schema, SchemaIssue } from "effect"
import * as Kernel from "./Kernel.ts"

export const leafKinds = ["constant", "rbf", "matern", "rq", "periodic", "linear", "white"] as const
export type LeafKind = (typeof leafKinds)[number]

export type Bounds = readonly [number, number] | "fixed"

export interface Leaf {
  readonly kernel: LeafKind
  readonly params?: Readonly<Record<string, number | ReadonlyArray<number>>>
  readonly bounds?: Readonly<Record<string, Bounds>>
}
export interface Sum {
  readonly sum: ReadonlyArray<Expression>
}
export interface Product {
  readonly product: ReadonlyArray<Expression>
}
export type Expression = Sum | Product | Leaf

interface LeafSpec {
  /** Hyperparameters in Kernel order. */
  readonly params: ReadonlyArray<string>
  /** Those that may be an array, one per input column. */
  readonly ard: ReadonlyArray<string>
  /** Structural settings: given in params, never optimised, not hyperparameters. */
  readonly settings: ReadonlyArray<string>
}

const LEAVES: Record<LeafKind, LeafSpec> = {
  constant: { params: ["value"], ard: [], settings: [] },
  rbf: { params: ["lengthScale"], ard: ["lengthScale"], settings: [] },
  matern: { params: ["lengthScale"], ard: ["lengthScale"], settings: ["nu"] },
  rq: { params: ["alpha", "lengthScale"], ard: ["lengthScale"], settings: [] },
  periodic: { params: ["lengthScale", "period"], ard: [], settings: [] },
  linear: { params: ["sigma0"], ard: [], settings: [] },
  white: { params: ["noise"], ard: [], settings: [] }
}

/** sklearn's default Matérn smoothness. */
const DEFAULT_NU = 1.5
const DEFAULT_BOUNDS: readonly [number, number] = [1e-5, 1e5]

/** Where decoding failed and why. `path` is "" for the root, else e.g. "sum[1].product[0]". */
export interface Problem {
  readonly path: string
  readonly message: string
}

/** Thrown inside the recursive decode at the first bad node; `decode` turns it into a Result. */
class Bad {
  readonly problem: Problem
  constructor(problem: Problem) {
    this.problem = problem
  }
}

const fail = (path: string, message: string): never => {
  throw new Bad({ path, message })
}

const at = (path: string): string => (path === "" ? "the root" : path)
const child = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`)
const show = (u: unknown): string => {
  const s = JSON.stringify(u)
  return s === undefined ? String(u) : s.length > 80 ? `${s.slice(0, 77)}...` : s
}
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const NODE_SHAPES = `{"sum": [nodes]}, {"product": [nodes]} or {"kernel": one of ${leafKinds.join(", ")}, "params": {...}, "bounds": {...}}`

const positive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0

const decodeBounds = (u: unknown, where: string): Bounds => {
  if (u === "fixed") return "fixed"
  if (Array.isArray(u) && u.length === 2 && positive(u[0]) && positive(u[1]) && u[1] > u[0]) return [u[0], u[1]]
  return fail(where, `bounds must be [lo, hi] with 0 < lo < hi < ∞ (they are searched in log space) or "fixed"; got ${show(u)}`)
}

const decodeLeaf = (u: Record<string, unknown>, path: string): Leaf => {
  const kind = u.kernel
  if (typeof kind !== "string" || !leafKinds.some((k) => k === kind)) {
    return fail(child(path, "kernel"), `${show(kind)} is not a kernel; allowed: ${leafKinds.join(", ")}`)
  }
  const leafKind = kind as LeafKind
  const spec = LEAVES[leafKind]
  const extra = Object.keys(u).filter((k) => k !== "kernel" && k !== "params" && k !== "bounds")
  if (extra.length > 0) return fail(path, `a ${leafKind} leaf has the keys kernel, params, bounds; unknown: ${extra.join(", ")}`)
  const allowed = [...spec.params, ...spec.settings]
  const allowedText = allowed.join(", ")
  const params: Record<string, number | ReadonlyArray<number>> = {}
  if (u.params !== undefined) {
    if (!isRecord(u.params)) return fail(child(path, "params"), `params is an object {name: value} with names among ${allowedText}; got ${show(u.params)}`)
    for (const [name, v] of Object.entries(u.params)) {
      const where = child(path, `params.${name}`)
      if (!allowed.includes(name)) return fail(where, `${leafKind} has no parameter "${name}"; allowed: ${allowedText}`)
      if (positive(v)) params[name] = v
      else if (spec.ard.includes(name) && Array.isArray(v) && v.length > 0 && v.every(positive)) params[name] = [...v]
      else {
        const ard = spec.ard.includes(name) ? " or a non-empty array of them, one per input column (ARD)" : ""
        return fail(where, `${name} must be a finite positive number${ard}; got ${show(v)}`)
      }
    }
  }
  const bounds: Record<string, Bounds> = {}
  if (u.bounds !== undefined) {
    if (!isRecord(u.bounds)) return fail(child(path, "bounds"), `bounds is an object {name: [lo, hi] or "fixed"} with names among ${spec.params.join(", ")}; got ${show(u.bounds)}`)
    for (const [name, b] of Object.entries(u.bounds)) {
      const where = child(path, `bounds.${name}`)
      if (spec.settings.includes(name)) {
        if (b === "fixed") continue
        return fail(where, `${leafKind}'s ${name} is a fixed setting, never optimised: drop its bounds or write "fixed"`)
      }
      if (!spec.params.includes(name)) return fail(where, `${leafKind} has no parameter "${name}"; allowed: ${spec.params.join(", ")}`)
      bounds[name] = decodeBounds(b, where)
    }
  }
  for (const name of spec.params) {
    const range = bounds[name] ?? DEFAULT_BOUNDS
    if (range === "fixed") continue
    const value = params[name] ?? 1
    for (const v of typeof value === "number" ? [value] : value) {
      if (v < range[0] || v > range[1]) {
        const given = bounds[name] === undefined ? " (the default; give bounds to change them)" : ""
        return fail(child(path, `params.${name}`), `${name} = ${v} lies outside its bounds [${range[0]}, ${range[1]}]${given}: widen the bounds or change the value`)
      }
    }
  }
  return {
    kernel: leafKind,
    ...(u.params === undefined ? {} : { params }),
    ...(u.bounds === undefined ? {} : { bounds })
  }
}

const decodeNode = (u: unknown, path: string): Expression => {
  if (!isRecord(u)) return fail(path, `a kernel node is an object ${NODE_SHAPES}; got ${show(u)}`)
  const shapes = ["sum", "product", "kernel"].filter((k) => k in u)
  if (shapes.length !== 1) {
    return fail(path, `a kernel node has exactly one of "sum", "product" or "kernel"; got the keys ${Object.keys(u).join(", ") || "none"}`)
  }
  const shape = shapes[0]
  if (shape === "kernel") return decodeLeaf(u, path)
  const extra = Object.keys(u).filter((k) => k !== shape)
  if (extra.length > 0) return fail(path, `a ${shape} node has the single key "${shape}"; unknown: ${extra.join(", ")}`)
  const items = u[shape]
  if (!Array.isArray(items) || items.length === 0) return fail(child(path, shape), `${shape} takes a non-empty array of kernel nodes; got ${show(items)}`)
  const nodes = items.map((item, i) => decodeNode(item, child(path, `${shape}[${i}]`)))
  return shape === "sum" ? { sum: nodes } : { product: nodes }
}

/** The expression in `input`, or the first problem: its path and what is allowed there. */
export const decode = (input: unknown): Result.Result<Expression, Problem> => {
  try {
    return Result.succeed(decodeNode(input, ""))
  } catch (error) {
    if (error instanceof Bad) return Result.fail(error.problem)
    throw error
  }
}

/** A problem as one sentence: "kernel expression at sum[1].kernel: …". */
export const describeProblem = (p: Problem): string => `kernel expression at ${at(p.path)}: ${p.message}`

/** `decode` as an Effect Schema (decoding validates; encoding is the identity). */
export const schema = Schema.declareConstructor<Expression, Expression>()(
  [],
  () => (u) => {
    const r = decode(u)
    return Result.isSuccess(r) ? Effect.succeed(r.success) : Effect.fail(new SchemaIssue.InvalidValue({ message: describeProblem(r.failure) }, u))
  },
  { expected: "a kernel expression" }
)

// ---------------------------------------------------------------------------------------------
// To a Kernel, names, fitted values

const isSum = (e: Expression): e is Sum => "sum" in e
const isProduct = (e: Expression): e is Product => "product" in e

const leafKernel = (l: Leaf): Kernel.Kernel => {
  const p = (name: string): number | ReadonlyArray<number> => l.params?.[name] ?? 1
  const n = (name: string): number => {
    const v = p(name)
    return typeof v === "number" ? v : v[0]
  }
  const b = (name: string): Kernel.Bounds => l.bounds?.[name] ?? DEFAULT_BOUNDS
  switch (l.kernel) {
    case "constant":
      return Kernel.constant({ value: n("value"), bounds: b("value") })
    case "rbf":
      return Kernel.rbf({ lengthScale: p("lengthScale"), lengthScaleBounds: b("lengthScale") })
    case "matern":
      return Kernel.matern({ nu: l.params?.nu === undefined ? DEFAULT_NU : n("nu"), lengthScale: p("lengthScale"), lengthScaleBounds: b("lengthScale") })
    case "rq":
      return Kernel.rationalQuadratic({ alpha: n("alpha"), alphaBounds: b("alpha"), lengthScale: p("lengthScale"), lengthScaleBounds: b("lengthScale") })
    case "periodic":
      return Kernel.periodic({ lengthScale: n("lengthScale"), lengthScaleBounds: b("lengthScale"), period: n("period"), periodBounds: b("period") })
    case "linear":
      return Kernel.linear({ sigma0: n("sigma0"), sigma0Bounds: b("sigma0") })
    case "white":
      return Kernel.white({ noise: n("noise"), noiseBounds: b("noise") })
  }
}

/** The kernel the expression denotes (n-ary sums and products folded left, order kept). */
export const toKernel = (e: Expression): Kernel.Kernel =>
  isSum(e) ? Kernel.sum(...e.sum.map(toKernel)) : isProduct(e) ? Kernel.product(...e.product.map(toKernel)) : leafKernel(e)

/** Every leaf with its path, depth first, left to right. */
const leaves = (e: Expression, path = ""): Array<{ readonly leaf: Leaf; readonly path: string }> =>
  isSum(e)
    ? e.sum.flatMap((c, i) => leaves(c, child(path, `sum[${i}]`)))
    : isProduct(e)
    ? e.product.flatMap((c, i) => leaves(c, child(path, `product[${i}]`)))
    : [{ leaf: e, path }]

/** Every hyperparameter's name and whether it is free, in `Kernel.hyperparameters` order. */
const parameterNames = (e: Expression): Array<{ readonly name: string; readonly free: boolean }> =>
  leaves(e).flatMap(({ leaf, path }) =>
    LEAVES[leaf.kernel].params.flatMap((param) => {
      const base = child(path, `${leaf.kernel}.${param}`)
      const free = (leaf.bounds?.[param] ?? DEFAULT_BOUNDS) !== "fixed"
      const v = leaf.params?.[param]
      return v !== undefined && typeof v !== "number" ? v.map((_, d) => ({ name: `${base}[${d}]`, free })) : [{ name: base, free }]
    })
  )

/** Names of the free hyperparameters in `Kernel.theta(toKernel(e))` order, e.g. `sum[0].product[1].rbf.lengthScale`. */
export const names = (e: Expression): Array<string> => parameterNames(e).filter((p) => p.free).map((p) => p.name)

/** Every hyperparameter (fixed ones too) of `kernel = toKernel(e)` with fitted values: name → value. */
export const values = (e: Expression, kernel: Kernel.Kernel): Array<{ readonly name: string; readonly value: number }> => {
  const hs = Kernel.hyperparameters(kernel)
  const ps = parameterNames(e)
  if (hs.length !== ps.length) throw new RangeError(`Expression.values: the kernel has ${hs.length} hyperparameters, the expression ${ps.length}`)
  return ps.map((p, i) => ({ name: p.name, value: hs[i].value }))
}

/**
 * The expression with its params replaced by the values in `kernel` (= toKernel(e) after a fit),
 * every param written out: the fitted kernel as a tree, like the fixture's `fitted.kernel`.
 */
export const withValues = (e: Expression, kernel: Kernel.Kernel): Expression => {
  const hs = Kernel.hyperparameters(kernel)
  let next = 0
  const go = (node: Expression): Expression => {
    if (isSum(node)) return { sum: node.sum.map(go) }
    if (isProduct(node)) return { product: node.product.map(go) }
    const params: Record<string, number | ReadonlyArray<number>> = {}
    for (const param of LEAVES[node.kernel].params) {
      const v = node.params?.[param]
      const count = v !== undefined && typeof v !== "number" ? v.length : 1
      const fitted = hs.slice(next, next + count).map((h) => h.value)
      next += count
      params[param] = v !== undefined && typeof v !== "number" ? fitted : fitted[0]
    }
    for (const setting of LEAVES[node.kernel].settings) {
      const v = node.params?.[setting]
      if (v !== undefined) params[setting] = v
    }
    return { ...node, params }
  }
  const out = go(e)
  if (next !== hs.length) throw new RangeError(`Expression.withValues: the kernel has ${hs.length} hyperparameters, the expression ${next}`)
  return out
}
