import { describe, expect, it } from "vitest"
import * as Random from "../src/core/Random.ts"
import * as Blas from "../src/linalg/Blas.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"
import { naiveProduct, randomMatrix } from "./support/matrices.ts"



// shapes off the 4×4 tile grid, degenerate ones and one multi-tile one
const shapes: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1], [1, 5, 3], [3, 2, 7], [4, 4, 4], [5, 9, 6], [13, 1, 17], [33, 70, 29], [64, 65, 66]
]

describe.each(shapes)("products of shape (%i × %i)·(%i cols)", (m, k, n) => {
  const rng = Random.make(Random.derive(2, `${m}/${k}/${n}`))
  const A = randomMatrix(rng, m, k)
  const B = randomMatrix(rng, k, n)

  it("gemm equals the triple loop", () => {
    assertClose(Blas.gemm(A, B).data, naiveProduct(A, B).data, { rtol: 1e-12, atol: 1e-12 }, "gemm")
  })

  it("gemmNT(A, Bᵀ) equals gemm(A, B)", () => {
    assertClose(Blas.gemmNT(A, Matrix.transpose(B)).data, naiveProduct(A, B).data, { rtol: 1e-12, atol: 1e-12 }, "gemmNT")
  })

  it("syrk(A) equals A·Aᵀ and is exactly symmetric", () => {
    const S = Blas.syrk(A)
    assertClose(S.data, naiveProduct(A, Matrix.transpose(A)).data, { rtol: 1e-12, atol: 1e-12 }, "syrk")
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) expect(S.data[i * m + j]).toBe(S.data[j * m + i])
  })

  it("matVec and matTVec equal the products with a one-column matrix", () => {
    const x = Float64Array.from({ length: k }, () => rng.normal())
    assertClose(Blas.matVec(A, x), naiveProduct(A, Matrix.make(k, 1, x)).data, { rtol: 1e-12, atol: 1e-12 }, "matVec")
    const z = Float64Array.from({ length: m }, () => rng.normal())
    assertClose(Blas.matTVec(A, z), naiveProduct(Matrix.transpose(A), Matrix.make(m, 1, z)).data, { rtol: 1e-12, atol: 1e-12 }, "matTVec")
  })
})

describe("Blas.updateNT options", () => {
  it("accumulates α·A·Bᵀ over a k sub-range into a sub-block of C, leaving the rest untouched", () => {
    const rng = Random.make(4)
    const A = randomMatrix(rng, 7, 12)
    const B = randomMatrix(rng, 6, 12)
    const C = randomMatrix(rng, 10, 11)
    const before = Float64Array.from(C.data)
    const pa = Blas.pack(A.data, 12, 0, 7, 0, 12)
    const pb = Blas.pack(B.data, 12, 0, 6, 0, 12)
    Blas.updateNT(C.data, 11, 2 * 11 + 3, pa, pb, 4, 5, -0.5)
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 11; j++) {
        let expected = before[i * 11 + j]
        if (i >= 2 && i < 9 && j >= 3 && j < 9) {
          for (let p = 4; p < 9; p++) expected -= 0.5 * A.data[(i - 2) * 12 + p] * B.data[(j - 3) * 12 + p]
        }
        assertClose(C.data[i * 11 + j], expected, { rtol: 1e-13, atol: 1e-13 }, `C[${i}, ${j}]`)
      }
    }
  })

  it("leadingZeros skips only known zeros: an upper-triangular U gives U·Uᵀ exactly", () => {
    const rng = Random.make(8)
    const n = 23
    const U = randomMatrix(rng, n, n)
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) U.data[i * n + j] = 0
    const P = Blas.pack(U.data, n, 0, n, 0, n)
    const C = new Float64Array(n * n)
    Blas.updateNT(C, n, 0, P, P, 0, n, 1, true, 0)
    Blas.symmetrizeFromLower(C, n)
    assertClose(C, naiveProduct(U, Matrix.transpose(U)).data, { rtol: 1e-13, atol: 1e-13 }, "U·Uᵀ")
  })

  it("packTransposed feeds A·B to the NT kernel", () => {
    const rng = Random.make(12)
    const A = randomMatrix(rng, 5, 9)
    const B = randomMatrix(rng, 9, 6)
    const C = new Float64Array(5 * 6)
    Blas.updateNT(C, 6, 0, Blas.pack(A.data, 9, 0, 5, 0, 9), Blas.packTransposed(B.data, 6, 0, 9, 0, 6), 0, 9, 1)
    assertClose(C, naiveProduct(A, B).data, { rtol: 1e-13, atol: 1e-13 }, "A·B")
  })

  it("dot and dotAt agree with a plain sum for every remainder length", () => {
    const rng = Random.make(1)
    for (let len = 0; len < 9; len++) {
      const x = Float64Array.from({ length: len + 2 }, () => rng.normal())
      const y = Float64Array.from({ length: len + 3 }, () => rng.normal())
      let s = 0
      for (let t = 0; t < len; t++) s += x[t + 2] * y[t + 3]
      assertClose(Blas.dotAt(x, 2, y, 3, len), s, { rtol: 1e-14, atol: 1e-15 }, `dotAt len ${len}`)
    }
    expect(() => Blas.dot(new Float64Array(2), new Float64Array(3))).toThrow(RangeError)
  })
})
