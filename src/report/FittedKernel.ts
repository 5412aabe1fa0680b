/**
 * The fitted kernel expression of a gp trial on the task's original scale, printed as
 * scikit-learn prints a fitted `kernel_` (`Kernel.format`): the row's stored fitted tree
 * (`row.info.expression`, standardised units) with every hyperparameter replaced by its
 * original-scale value (`FitFacts.toOriginalScale` with the row's standardisation: length-scales
 * and periods in units of x, variances in units of y², shapes unchanged).
 *
 * When to use: a report that shows a composite kernel as one would read it beside sklearn's
 * (R&W §5.4.3's CO₂ kernel in years and ppm). Gotchas: only rows of a gp fit whose config kernel
 * was an expression store `info.expression`; `originalScale` is undefined for any other row and
 * for a row whose typed hyperparameters do not name every parameter of the tree (a run stored
 * before they were named by path), rather than print a value in the wrong units.
 */
import { Result } from "effect"
import * as Expression from "../models/kernels/Expression.ts"
import * as Kernel from "../models/kernels/Kernel.ts"
import type { TrialRow } from "../results/Run.ts"
import * as Hyperparameters from "./Hyperparameters.ts"

const child = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`)

/** The tree with each leaf's params looked up by path name in `value` (undefined when one is missing), every bound "fixed". */
const rescale = (node: Expression.Expression, value: ReadonlyMap<string, number>, path = ""): Expression.Expression | undefined => {
  if ("sum" in node || "product" in node) {
    const shape = "sum" in node ? "sum" : "product"
    const items = "sum" in node ? node.sum : node.product
    const out: Array<Expression.Expression> = []
    for (let i = 0; i < items.length; i++) {
      const c = rescale(items[i], value, child(path, `${shape}[${i}]`))
      if (c === undefined) return undefined
      out.push(c)
    }
    return shape === "sum" ? { sum: out } : { product: out }
  }
  const params: Record<string, number | ReadonlyArray<number>> = {}
  const bounds: Record<string, Expression.Bounds> = {}
  for (const [name, v] of Object.entries(node.params ?? {})) {
    // Structural settings (a Matérn's ν) are not hyperparameters: kept as given.
    if (name === "nu") {
      params[name] = v
      continue
    }
    const base = child(path, `${node.kernel}.${name}`)
    const fitted = typeof v === "number" ? [value.get(base)] : v.map((_, d) => value.get(`${base}[${d}]`))
    if (fitted.some((x) => x === undefined)) return undefined
    params[name] = typeof v === "number" ? fitted[0]! : fitted.map((x) => x!)
    bounds[name] = "fixed"
  }
  return { kernel: node.kernel, params, bounds }
}

/** The fitted expression of a row on the original scale, or undefined (see the module's gotchas). */
export const expression = (row: TrialRow): Expression.Expression | undefined => {
  const stored = row.info.expression
  if (typeof stored !== "string") return undefined
  const tree = Expression.decode(JSON.parse(stored))
  if (!Result.isSuccess(tree)) return undefined
  const value = new Map(Hyperparameters.originalScale(row).map((h) => [h.name, h.value]))
  return rescale(tree.success, value)
}

/** A (fitted) expression in sklearn's notation. */
export const format = (e: Expression.Expression): string => Kernel.format(Expression.toKernel(e))

/** The fitted kernel of a row on the original scale in sklearn's notation, or undefined. */
export const originalScale = (row: TrialRow): string | undefined => {
  const e = expression(row)
  return e === undefined ? undefined : format(e)
}

/** One fitted hyperparameter of a row on the original scale by its path name (e.g. `sum[1].product[2].periodic.period`). */
export const value = (row: TrialRow, name: string): number | undefined => Hyperparameters.originalScale(row).find((h) => h.name === name)?.value
