import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Kernel from "../src/models/kernels/Kernel.ts"
import * as Special from "../src/models/kernels/Special.ts"
import { assertClose } from "./support/assertClose.ts"

/**
 * K_ν(x) from scipy 1.10.1 (`scipy.special.kv(nu, x)`, printed with repr), spanning both of
 * bessik's branches (x < 2 Temme series, x ≥ 2 continued fraction), both sides of the ν = ½ split
 * between upward recurrences, integer and large orders.
 */
const scipyKv: ReadonlyArray<readonly [number, number, number]> = [
  [0.2, 0.001, 9.860620951098163],
  [0.2, 0.5, 0.947262276773029],
  [0.2, 1.99, 0.11626561402137606],
  [0.2, 2.01, 0.11343680821361948],
  [0.2, 10, 1.7814042727715025e-5],
  [1.2, 0.3, 4.2140384942661795],
  [1.2, 3, 0.04278069455409711],
  [3, 0.05, 63980.00623950766],
  [3, 1, 7.101262824737944],
  [3, 7.5, 0.00043592330322192484],
  [0, 0.7, 0.6605198599151014],
  [0, 4, 0.011159676085853023],
  [0.5, 1.5, 0.2283350522282655],
  [2.5, 0.1, 1187.0212236418931],
  [7.3, 2, 543.6382773844593],
  [7.3, 40, 1.617865663256773e-18],
  [0.01, 0.3, 1.3725784108203156],
  [0.49, 1, 0.45942176645524646],
  [0.51, 1, 0.46275382150087935],
  [12.5, 0.5, 2283410305101764.0]
]

describe("Special.besselK", () => {
  it.each(scipyKv)("K_%s(%s) matches scipy.special.kv to 1e-12 relative", (nu, x, expected) => {
    assertClose(Special.besselK(nu, x), expected, { rtol: 1e-12 }, `K_${nu}(${x})`)
  })

  it("half-integer orders equal their closed forms on both branches", () => {
    for (const x of [0.01, 0.3, 1, 1.999, 2, 2.5, 6, 30]) {
      const base = Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x)
      assertClose(Special.besselK(0.5, x), base, { rtol: 1e-13 }, `K_½(${x})`)
      assertClose(Special.besselK(1.5, x), base * (1 + 1 / x), { rtol: 1e-13 }, `K_3/2(${x})`)
      assertClose(Special.besselK(2.5, x), base * (1 + 3 / x + 3 / (x * x)), { rtol: 1e-13 }, `K_5/2(${x})`)
    }
  })

  it("the neighbours satisfy K_{ν+1} = K_{ν−1} + (2ν/x)·K_ν and K is even in ν", () => {
    for (const nu of [0.7, 1.2, 2, 3.4]) {
      for (const x of [0.2, 1.5, 2.5, 9]) {
        const { k, kNext, kPrevious } = Special.besselKWithNeighbours(nu, x)
        assertClose(kNext, kPrevious + ((2 * nu) / x) * k, { rtol: 1e-13 }, `recurrence ν=${nu} x=${x}`)
        assertClose(Special.besselK(-nu, x), k, { rtol: 0 }, "even in ν")
      }
    }
  })

  it("bad arguments give NaN", () => {
    expect(Special.besselK(1, 0)).toBeNaN()
    expect(Special.besselK(1, -1)).toBeNaN()
  })
})

describe("Special.logGamma", () => {
  it("matches factorials, √π and scipy.special.gammaln (reflection region included)", () => {
    let fact = 1
    for (let m = 1; m <= 20; m++) {
      assertClose(Special.logGamma(m), Math.log(fact), { rtol: 1e-13, atol: 1e-14 }, `logΓ(${m})`)
      fact *= m
    }
    assertClose(Special.logGamma(0.5), 0.5 * Math.log(Math.PI), { rtol: 1e-14 }, "logΓ(½)")
    assertClose(Special.logGamma(0.1), 2.252712651734206, { rtol: 1e-14 }, "logΓ(0.1)")
    assertClose(Special.logGamma(33.3), 82.60372358165493, { rtol: 1e-14 }, "logΓ(33.3)")
    expect(Special.logGamma(0)).toBeNaN()
  })
})

interface MaternGeneralCase {
  readonly nu: number
  readonly lengthScale: number
  readonly X: ReadonlyArray<ReadonlyArray<number>>
  readonly K: ReadonlyArray<ReadonlyArray<number>>
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/gp_regression.json", import.meta.url), "utf8")) as {
  readonly maternGeneral: ReadonlyArray<MaternGeneralCase>
}

describe("general-ν Matérn against scikit-learn (fixture maternGeneral, rtol 1e-8)", () => {
  it.each(fixture.maternGeneral.map((c) => [c.nu, c] as const))("ν = %s", (_nu, c) => {
    const K = Kernel.matrix(Kernel.matern({ nu: c.nu, lengthScale: c.lengthScale }), Matrix.fromRows(c.X))
    assertClose(K.data, c.K.flat(), { rtol: 1e-8 }, `Matern(ν=${c.nu}) K`)
  })

  it("the Bessel path is continuous with the closed forms at ν = ½, 3/2, 5/2", () => {
    const X = Matrix.fromRows([[0], [0.05], [0.4], [1.3], [3.7]])
    for (const nu of [0.5, 1.5, 2.5]) {
      const closed = Kernel.matrix(Kernel.matern({ nu, lengthScale: 0.9 }), X).data
      const general = Kernel.matrix(Kernel.matern({ nu: nu + 1e-9, lengthScale: 0.9 }), X).data
      assertClose(general, closed, { rtol: 1e-8, atol: 1e-12 }, `ν = ${nu} ± 1e-9`)
    }
  })
})
