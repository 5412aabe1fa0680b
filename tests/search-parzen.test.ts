import { readFileSync } from "node:fs"
import { describe, it } from "vitest"
import * as Parzen from "../src/search/Parzen.ts"
import * as Sampler from "../src/search/Sampler.ts"
import * as Space from "../src/search/Space.ts"
import * as Tpe from "../src/search/Tpe.ts"
import { assertClose } from "./support/assertClose.ts"

interface Case {
  readonly param: { readonly type: "float" | "int"; readonly name: string; readonly low: number; readonly high: number; readonly log: boolean }
  readonly multivariate: boolean
  readonly observations: ReadonlyArray<number>
  readonly values: ReadonlyArray<number>
  readonly points: ReadonlyArray<number>
  readonly logPdfBelow: ReadonlyArray<number>
  readonly logPdfAbove: ReadonlyArray<number>
}

const fixture = JSON.parse(readFileSync(new URL("./references/tpe_parzen_optuna31.json", import.meta.url), "utf8")) as { readonly cases: ReadonlyArray<Case> }

describe.each(fixture.cases.map((c) => [`${c.param.name}${c.param.log ? " (log)" : ""}${c.multivariate ? ", multivariate bandwidth" : ""}`, c] as const))("Parzen estimators equal optuna 3.1's: %s", (_name, c) => {
  it("below and above log densities at the fixture's points", () => {
    const p = c.param.type === "int" ? Space.int(c.param.name, c.param.low, c.param.high, { log: c.param.log }) : Space.float(c.param.name, c.param.low, c.param.high, { log: c.param.log })
    const trials = c.observations.map((v, i): Sampler.Trial & { value: number } => ({ params: { [p.name]: v }, status: "complete", value: c.values[i] }))
    const { below, above } = Tpe.split(trials)
    const options = { ...Parzen.defaults, multivariate: c.multivariate }
    const l = Parzen.fit([p], [Float64Array.from(below, (i) => Space.internal(p, c.observations[i]))], options)
    const g = Parzen.fit([p], [Float64Array.from(above, (i) => Space.internal(p, c.observations[i]))], options)
    assertClose(c.points.map((x) => Parzen.logPdf(l, [Space.internal(p, x)])), c.logPdfBelow, { rtol: 1e-10, atol: 1e-12 }, "log l")
    assertClose(c.points.map((x) => Parzen.logPdf(g, [Space.internal(p, x)])), c.logPdfAbove, { rtol: 1e-10, atol: 1e-12 }, "log g")
  })

  it("and differ from the exact density (the check can fail)", () => {
    if (c.param.type === "int") return
    const p = Space.float(c.param.name, c.param.low, c.param.high, { log: c.param.log })
    const trials = c.observations.map((v, i): Sampler.Trial & { value: number } => ({ params: { [p.name]: v }, status: "complete", value: c.values[i] }))
    const { below } = Tpe.split(trials)
    const exact = Parzen.fit([p], [Float64Array.from(below, (i) => Space.internal(p, c.observations[i]))], { ...Parzen.defaults, multivariate: c.multivariate, exactDensity: true })
    const gap = Math.max(...c.points.map((x, k) => Math.abs(Parzen.logPdf(exact, [Space.internal(p, x)]) - c.logPdfBelow[k])))
    if (!(gap > 1e-3)) throw new Error(`the exact density matches optuna 3.1's to ${gap}: the parity check would not tell them apart`)
  })
})
