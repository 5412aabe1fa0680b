import { describe, expect, it } from "vitest"
import { NumericalError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Blas from "../src/linalg/Blas.ts"
import * as Cholesky from "../src/linalg/Cholesky.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import { assertClose } from "./support/assertClose.ts"
import { naiveProduct, randomMatrix } from "./support/matrices.ts"


/** G·Gᵀ/k + 0.05·I with G (n × (n+3)): SPD with condition number in the hundreds to thousands. */
const randomSpd = (rng: Random.Generator, n: number): Matrix.Matrix => {
  const k = n + 3
  const A = Blas.syrk(randomMatrix(rng, n, k))
  for (let i = 0; i < n * n; i++) A.data[i] /= k
  for (let i = 0; i < n; i++) A.data[i * n + i] += 0.05
  return A
}


const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]))
  return m
}

/** log|det A| by Gaussian elimination with partial pivoting: the product of the pivots. */
const logAbsDetByElimination = (A: Matrix.Matrix): number => {
  const n = A.rows
  const a = Float64Array.from(A.data)
  let logDet = 0
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r
    if (p !== c) for (let j = 0; j < n; j++) [a[c * n + j], a[p * n + j]] = [a[p * n + j], a[c * n + j]]
    const pivot = a[c * n + c]
    logDet += Math.log(Math.abs(pivot))
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / pivot
      for (let j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j]
    }
  }
  return logDet
}

// sizes around the 4-row tiles, the 16-column recursion leaves and the 64-column blocks of the
// inverse, and larger sizes for several levels of recursion (not multiples of four)
const sizes = [1, 2, 3, 4, 5, 7, 16, 17, 33, 63, 64, 65, 127, 130, 193, 300, 517]

describe.each(sizes)("Cholesky on a random SPD matrix, n = %i", (n) => {
  const rng = Random.make(Random.derive(11, `spd/${n}`))
  const A = randomSpd(rng, n)
  const L = Cholesky.factor(A)

  it("L is lower triangular with a positive diagonal and L·Lᵀ = A to 1e-12 relative", () => {
    for (let i = 0; i < n; i++) {
      expect(L.data[i * n + i]).toBeGreaterThan(0)
      for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0)
    }
    const LLt = naiveProduct(L, Matrix.transpose(L))
    const err = maxAbs(LLt.data.map((v, i) => v - A.data[i])) / maxAbs(A.data)
    expect(err).toBeLessThan(1e-12)
  })

  it("solve, solveLower and solveUpper recover a known x (vector and matrix right-hand sides)", () => {
    const x = Float64Array.from({ length: n }, () => rng.normal())
    assertClose(Cholesky.solve(L, Blas.matVec(A, x)), x, { rtol: 1e-9, atol: 1e-9 }, "solve(L, A·x)")
    assertClose(Cholesky.solveLower(L, Blas.matVec(L, x)), x, { rtol: 1e-10, atol: 1e-10 }, "solveLower(L, L·x)")
    assertClose(Cholesky.solveUpper(L, Blas.matTVec(L, x)), x, { rtol: 1e-10, atol: 1e-10 }, "solveUpper(L, Lᵀ·x)")
    const X = randomMatrix(rng, n, 9)
    assertClose(Cholesky.solve(L, naiveProduct(A, X)).data, X.data, { rtol: 1e-9, atol: 1e-9 }, "solve(L, A·X)")
    assertClose(Cholesky.solveLower(L, naiveProduct(L, X)).data, X.data, { rtol: 1e-10, atol: 1e-10 }, "solveLower(L, L·X)")
    assertClose(Cholesky.solveUpper(L, naiveProduct(Matrix.transpose(L), X)).data, X.data, { rtol: 1e-10, atol: 1e-10 }, "solveUpper(L, Lᵀ·X)")
    // rows as right-hand sides: R = Xᵀ·Lᵀ, so rows of R solve to rows of Xᵀ
    const Xt = Matrix.transpose(X)
    assertClose(Cholesky.solveLowerRows(L, naiveProduct(Xt, Matrix.transpose(L))).data, Xt.data, { rtol: 1e-10, atol: 1e-10 }, "solveLowerRows")
    assertClose(Cholesky.solveUpperRows(L, naiveProduct(Xt, L)).data, Xt.data, { rtol: 1e-10, atol: 1e-10 }, "solveUpperRows")
    assertClose(Cholesky.solveRows(L, naiveProduct(Xt, A)).data, Xt.data, { rtol: 1e-9, atol: 1e-9 }, "solveRows")
  })

  it("logDet equals the log of the product of Gaussian-elimination pivots", () => {
    assertClose(Cholesky.logDet(L), logAbsDetByElimination(A), { rtol: 1e-10, atol: 1e-10 }, "logDet")
  })

  it("inverse is symmetric and inverse·A = I", () => {
    const Ai = Cholesky.inverse(L)
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Ai.data[i * n + j]).toBe(Ai.data[j * n + i])
    const I = naiveProduct(Ai, A)
    for (let i = 0; i < n; i++) I.data[i * n + i] -= 1
    expect(maxAbs(I.data)).toBeLessThan(1e-9)
  })
})

describe("Cholesky failures and jitter", () => {
  it("an indefinite matrix fails with NotPositiveDefinite naming the pivot", () => {
    // [[4, 2, 0], [2, 1, 0], [0, 0, 1]] with the (1,1) entry lowered: the second pivot is 1 − 1 − 0.5 < 0
    const A = Matrix.fromRows([[4, 2, 0], [2, 0.5, 0], [0, 0, 1]])
    let error: unknown
    try {
      Cholesky.factor(A)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NumericalError)
    expect((error as NumericalError).reason).toBe("NotPositiveDefinite")
    expect((error as NumericalError).message).toContain("pivot 1 is -5.000e-1")
  })

  it("the failing pivot is found inside later blocks too", () => {
    const rng = Random.make(3)
    const n = 150
    const A = randomSpd(rng, n)
    A.data[140 * n + 140] = -1
    expect(() => Cholesky.factor(A)).toThrow(/pivot 140 /)
  })

  it("a NaN entry is NonFinite, not NotPositiveDefinite", () => {
    const A = Matrix.fromRows([[1, 0], [Number.NaN, 1]])
    try {
      Cholesky.factor(A)
      expect.fail("factor accepted a NaN")
    } catch (e) {
      expect((e as NumericalError).reason).toBe("NonFinite")
    }
  })

  it("factorWithJitter factors a PSD matrix as given (jitter 0)", () => {
    const A = randomSpd(Random.make(5), 20)
    const { L, jitter } = Cholesky.factorWithJitter(A)
    expect(jitter).toBe(0)
    assertClose(L.data, Cholesky.factor(A).data, { rtol: 0, atol: 0 }, "L")
  })

  it("factorWithJitter escalates on a singular matrix and records the jitter it added", () => {
    // rank-2 Gram matrix of 30 points: PSD, exactly singular
    const rng = Random.make(9)
    const n = 30
    const A = Blas.syrk(randomMatrix(rng, n, 2))
    expect(() => Cholesky.factor(A)).toThrow(NumericalError)
    const { L, jitter, relativeJitter } = Cholesky.factorWithJitter(A, { initialJitter: 1e-10 })
    expect(relativeJitter).toBeGreaterThanOrEqual(1e-10)
    // the jitter is a power of ten times 1e-10
    const steps = Math.log10(relativeJitter / 1e-10)
    expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-9)
    let meanDiag = 0
    for (let i = 0; i < n; i++) meanDiag += A.data[i * n + i] / n
    assertClose(jitter, relativeJitter * meanDiag, { rtol: 1e-12 }, "absolute jitter")
    const B = Matrix.clone(A)
    for (let i = 0; i < n; i++) B.data[i * n + i] += jitter
    const LLt = naiveProduct(L, Matrix.transpose(L))
    assertClose(LLt.data, B.data, { rtol: 1e-10, atol: 1e-12 * meanDiag }, "L·Lᵀ = A + jitter·I")
  })

  it("factorWithJitter gives up at maxJitter with a message naming the matrix and the jitter", () => {
    const A = Matrix.fromRows([[3, 0], [0, -1]]) // mean diagonal 1, eigenvalue −1: no jitter ≤ 1e-4 helps
    expect(() => Cholesky.factorWithJitter(A, { maxJitter: 1e-4, what: "the test kernel" })).toThrow(
      /the test kernel \(2×2\) is not positive definite even with 1e-4·mean\(diag\)/
    )
  })
})
