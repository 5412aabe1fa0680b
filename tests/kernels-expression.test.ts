/**
 * Kernel expressions (src/models/kernels/Expression.ts) and the sklearn-style printout
 * (Kernel.format): every node type decodes, bad nodes are named by path with the allowed values,
 * names follow sklearn's theta order (the fixture's `names`), fitted values go back into the tree,
 * and the printout of the fixture's fitted kernels equals scikit-learn's `kernel_` string.
 */
import { Result, Schema } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Expression from "../src/models/kernels/Expression.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import { assertClose } from "./support/assertClose.ts"

interface CompositeCase {
  readonly name: string
  readonly kernel: unknown
  readonly names: ReadonlyArray<string>
  readonly fitted: { readonly params: ReadonlyArray<number>; readonly kernel: unknown; readonly sklearnKernel: string }
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/gp_composite.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<CompositeCase>
}

const decodeOk = (u: unknown): Expression.Expression => {
  const r = Expression.decode(u)
  if (Result.isFailure(r)) return expect.fail(Expression.describeProblem(r.failure))
  return r.success
}
const problem = (u: unknown): string => {
  const r = Expression.decode(u)
  if (Result.isSuccess(r)) return expect.fail(`decoded ${JSON.stringify(u)}`)
  return Expression.describeProblem(r.failure)
}

/** Every leaf kind, ARD, a fixed parameter, Matérn ν, nested sums and products. */
const everyNode = {
  sum: [
    { product: [{ kernel: "constant", params: { value: 2 } }, { kernel: "rbf", params: { lengthScale: [0.5, 2] }, bounds: { lengthScale: [1e-2, 1e2] } }] },
    { product: [{ kernel: "matern", params: { nu: 2.5, lengthScale: 1.5 } }, { kernel: "periodic", params: { lengthScale: 0.7, period: 3 }, bounds: { period: "fixed" } }] },
    { kernel: "rq", params: { alpha: 0.5, lengthScale: [1, 3] } },
    { sum: [{ kernel: "linear", params: { sigma0: 0.2 } }, { kernel: "white", params: { noise: 0.01 }, bounds: { noise: [1e-6, 1] } }] }
  ]
}

describe("Expression: decoding", () => {
  it("every node type decodes to the kernel it denotes, parameters in sklearn's order with path names", () => {
    const e = decodeOk(everyNode)
    expect(Expression.names(e)).toEqual([
      "sum[0].product[0].constant.value",
      "sum[0].product[1].rbf.lengthScale[0]",
      "sum[0].product[1].rbf.lengthScale[1]",
      "sum[1].product[0].matern.lengthScale",
      "sum[1].product[1].periodic.lengthScale",
      "sum[2].rq.alpha",
      "sum[2].rq.lengthScale[0]",
      "sum[2].rq.lengthScale[1]",
      "sum[3].sum[0].linear.sigma0",
      "sum[3].sum[1].white.noise"
    ])
    const k = Expression.toKernel(e)
    expect(Kernel.theta(k).length).toBe(10)
    const X = Matrix.fromRows([[0.1, 0.4], [1.3, -0.2], [2.2, 0.9]])
    const Y = Matrix.fromRows([[0.5, 0.5], [-1, 2]])
    const manual = Kernel.sum(
      Kernel.product(Kernel.constant({ value: 2 }), Kernel.rbf({ lengthScale: [0.5, 2], lengthScaleBounds: [1e-2, 1e2] })),
      Kernel.product(Kernel.matern({ nu: 2.5, lengthScale: 1.5 }), Kernel.periodic({ lengthScale: 0.7, period: 3, periodBounds: "fixed" })),
      Kernel.rationalQuadratic({ alpha: 0.5, lengthScale: [1, 3] }),
      Kernel.linear({ sigma0: 0.2 }),
      Kernel.white({ noise: 0.01, noiseBounds: [1e-6, 1] })
    )
    assertClose(Kernel.matrix(k, X).data, Kernel.matrix(manual, X).data, { rtol: 1e-14 }, "K(X, X)")
    assertClose(Kernel.matrix(k, X, Y).data, Kernel.matrix(manual, X, Y).data, { rtol: 1e-14 }, "K(X, Y)")
    expect(Kernel.bounds(k)[1]).toEqual([Math.log(1e-2), Math.log(1e2)])
    // absent params take 1 (ν 1.5), absent bounds sklearn's [1e-5, 1e5]
    const defaults = Expression.toKernel(decodeOk({ kernel: "matern" }))
    expect(defaults).toMatchObject({ _tag: "Matern", nu: 1.5, lengthScale: [{ value: 1, bounds: [1e-5, 1e5] }] })
  })

  it.each([
    [{ sum: [{ kernel: "rbf" }, { product: [{ kernel: "rbff" }] }] }, /at sum\[1\]\.product\[0\]\.kernel: "rbff" is not a kernel; allowed: constant, rbf, matern, rq, periodic, linear, white/],
    [{ sum: [{ kernel: "rbf", params: { lengthscale: 1 } }] }, /at sum\[0\]\.params\.lengthscale: rbf has no parameter "lengthscale"; allowed: lengthScale/],
    [{ kernel: "periodic", params: { period: [1, 2] } }, /at params\.period: period must be a finite positive number; got \[1,2\]/],
    [{ kernel: "rbf", params: { lengthScale: -1 } }, /lengthScale must be a finite positive number or a non-empty array of them, one per input column \(ARD\); got -1/],
    [{ product: [{ kernel: "white", bounds: { noise: [2, 1] } }] }, /at product\[0\]\.bounds\.noise: bounds must be \[lo, hi\] with 0 < lo < hi/],
    [{ kernel: "constant", params: { value: 1e6 } }, /at params\.value: value = 1000000 lies outside its bounds \[0\.00001, 100000\] \(the default/],
    [{ kernel: "matern", bounds: { nu: [1, 2] } }, /matern's nu is a fixed setting, never optimised/],
    [{ sum: [] }, /at sum: sum takes a non-empty array of kernel nodes/],
    [{ sum: [{ kernel: "rbf" }], product: [] }, /at the root: a kernel node has exactly one of "sum", "product" or "kernel"; got the keys sum, product/],
    [{ kernel: "rbf", lengthScale: 2 }, /a rbf leaf has the keys kernel, params, bounds; unknown: lengthScale/],
    ["rbf", /at the root: a kernel node is an object \{"sum": \[nodes\]\}, \{"product": \[nodes\]\} or \{"kernel": one of constant, rbf/]
  ])("%j is refused with the path of the bad node and what is allowed", (input, message) => {
    expect(problem(input)).toMatch(message)
  })

  it("as an Effect Schema field, the same message reaches the config's decode error", () => {
    const Config = Schema.Struct({ kernel: Expression.schema })
    const r = Schema.decodeUnknownResult(Config)({ kernel: { sum: [{ kernel: "white" }, { kernel: "cosine" }] } })
    if (Result.isSuccess(r)) return expect.fail("decoded an unknown leaf")
    expect(r.failure.message).toMatch(/kernel expression at sum\[1\]\.kernel: "cosine" is not a kernel; allowed: constant, rbf/)
    expect(r.failure.message).toMatch(/\["kernel"\]/)
    const ok = Schema.decodeUnknownResult(Config)({ kernel: everyNode })
    expect(Result.isSuccess(ok)).toBe(true)
  })

  it("withValues writes each fitted value to its own leaf and parameter (distinct values land where named)", () => {
    const e = decodeOk(everyNode)
    const k = Expression.toKernel(e)
    const th = Float64Array.from(Kernel.theta(k), (_, j) => Math.log(0.05 * (1 + j)))
    const fitted = Kernel.withTheta(k, th)
    const named = Object.fromEntries(Expression.values(e, fitted).map((v) => [v.name, v.value]))
    Expression.names(e).forEach((name, j) => assertClose(named[name], 0.05 * (1 + j), { rtol: 1e-14 }, name))
    // the fixed period keeps its value; the tree carries every value and decodes again
    expect(named["sum[1].product[1].periodic.period"]).toBe(3)
    const tree = decodeOk(JSON.parse(JSON.stringify(Expression.withValues(e, fitted))))
    assertClose(Kernel.theta(Expression.toKernel(tree)), th, { rtol: 1e-14 }, "theta after a JSON round trip")
    expect(tree).toMatchObject({ sum: [{}, { product: [{ params: { nu: 2.5 } }, {}] }, {}, {}] })
  })
})

describe.each(fixture.cases.map((c) => [c.name, c] as const))("Expression on the gp_composite fixture: %s", (_name, c) => {
  it("names equal the fixture's (sklearn's theta order, path names)", () => {
    expect(Expression.names(decodeOk(c.kernel))).toEqual(c.names)
  })

  it("the fitted kernel prints as scikit-learn's kernel_ and its tree is the fixture's fitted tree", () => {
    const e = decodeOk(c.kernel)
    const fitted = Kernel.withTheta(Expression.toKernel(e), Float64Array.from(c.fitted.params, Math.log))
    expect(Kernel.format(fitted, { brackets: false })).toBe(c.fitted.sklearnKernel)
    expect(Expression.withValues(e, Expression.toKernel(decodeOk(c.fitted.kernel)))).toEqual(c.fitted.kernel)
  })
})

describe("Kernel.format", () => {
  it("prints values as Python's {:.3g} and brackets a sum inside a product (sklearn's unbracketed string on request)", () => {
    const k = Kernel.product(
      Kernel.sum(Kernel.matern({ nu: 0.5, lengthScale: [0.000123456, 1234.5] }), Kernel.linear({ sigma0: 0.5 })),
      Kernel.rationalQuadratic({ alpha: 99.96, lengthScale: 1e-5 })
    )
    expect(Kernel.format(k)).toBe("(Matern(length_scale=[0.000123, 1.23e+03], nu=0.5) + DotProduct(sigma_0=0.5)) * RationalQuadratic(alpha=100, length_scale=1e-05)")
    expect(Kernel.format(k, { brackets: false })).toBe("Matern(length_scale=[0.000123, 1.23e+03], nu=0.5) + DotProduct(sigma_0=0.5) * RationalQuadratic(alpha=100, length_scale=1e-05)")
    expect(Kernel.format(Kernel.sum(Kernel.constant({ value: 4 }), Kernel.white({ noise: 1e-5 })))).toBe("2**2 + WhiteKernel(noise_level=1e-05)")
  })
})
