import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { DataError, NumericalError } from "../src/core/Errors.ts"
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as SymmetricEigen from "../src/linalg/SymmetricEigen.ts"
import { assertClose } from "./support/assertClose.ts"

const randomSymmetric = (n: number, seed: number): Matrix.Matrix => {
  const rng = Random.make(seed)
  const A = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = rng.normal()
      A[i * n + j] = v
      A[j * n + i] = v
    }
  }
  return Matrix.make(n, n, A)
}

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]))
  return m
}

/** max |A V − V Λ| / ‖A‖max and max |VᵀV − I|. */
const residuals = (A: Matrix.Matrix, { values, vectors }: SymmetricEigen.Decomposition): { readonly av: number; readonly orth: number } => {
  const n = A.rows
  const V = vectors.data
  let av = 0
  let orth = 0
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let k = 0; k < n; k++) s += A.data[i * n + k] * V[k * n + j]
      av = Math.max(av, Math.abs(s - values[j] * V[i * n + j]))
    }
    for (let l = 0; l < n; l++) {
      let s = 0
      for (let k = 0; k < n; k++) s += V[k * n + j] * V[k * n + l]
      orth = Math.max(orth, Math.abs(s - (j === l ? 1 : 0)))
    }
  }
  return { av: av / Math.max(maxAbs(A.data), 1e-300), orth }
}

describe("SymmetricEigen.decompose", () => {
  it.each([1, 2, 3, 10, 60])("satisfies A·V = V·Λ and VᵀV = I on a random symmetric %i×%i matrix", (n) => {
    const A = randomSymmetric(n, 100 + n)
    const dec = SymmetricEigen.decompose(A)
    const { av, orth } = residuals(A, dec)
    expect(av).toBeLessThan(1e-13 * n)
    expect(orth).toBeLessThan(1e-13 * n)
    for (let j = 1; j < n; j++) expect(dec.values[j]).toBeGreaterThanOrEqual(dec.values[j - 1])
    // trace and Frobenius norm are spectral invariants
    let trace = 0
    let frob = 0
    for (let i = 0; i < n; i++) trace += A.data[i * n + i]
    for (const v of A.data) frob += v * v
    assertClose(dec.values.reduce((s, v) => s + v, 0), trace, { atol: 1e-12 * n }, "Σλ = tr A")
    assertClose(dec.values.reduce((s, v) => s + v * v, 0), frob, { rtol: 1e-12 }, "Σλ² = ‖A‖F²")
  })

  it("recovers the known spectrum of the second-difference matrix tridiag(−1, 2, −1)", () => {
    const n = 40
    const A = Matrix.make(n, n)
    for (let i = 0; i < n; i++) {
      A.data[i * n + i] = 2
      if (i + 1 < n) {
        A.data[i * n + i + 1] = -1
        A.data[(i + 1) * n + i] = -1
      }
    }
    const dec = SymmetricEigen.decompose(A)
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)))
    assertClose(dec.values, expected, { atol: 1e-13 }, "eigenvalues")
    // eigenvector k is sin(jkπ/(n+1)) up to sign and normalisation
    for (const k of [0, 7, n - 1]) {
      const v = Array.from({ length: n }, (_, j) => dec.vectors.data[j * n + k])
      const u = Array.from({ length: n }, (_, j) => Math.sin(((j + 1) * (k + 1) * Math.PI) / (n + 1)))
      const norm = Math.hypot(...u)
      const sign = Math.sign(v[0] * u[0])
      assertClose(v.map((x) => x * sign), u.map((x) => x / norm), { atol: 1e-12 }, `eigenvector ${k}`)
    }
  })

  it("handles repeated eigenvalues and a rank-one matrix", () => {
    const n = 6
    const u = [1, 2, -1, 0.5, 3, -2]
    const uu = u.reduce((s, x) => s + x * x, 0)
    const A = Matrix.make(n, n, Float64Array.from({ length: n * n }, (_, k) => u[Math.floor(k / n)] * u[k % n]))
    const dec = SymmetricEigen.decompose(A)
    assertClose(dec.values, [0, 0, 0, 0, 0, uu], { atol: 1e-13 * uu }, "rank-one spectrum")
    const top = Array.from({ length: n }, (_, j) => dec.vectors.data[j * n + n - 1])
    const sign = Math.sign(top[0])
    assertClose(top.map((x) => x * sign), u.map((x) => x / Math.sqrt(uu)), { atol: 1e-13 }, "top eigenvector")
    const { av, orth } = residuals(A, dec)
    expect(av).toBeLessThan(1e-13)
    expect(orth).toBeLessThan(1e-13)

    const I = Matrix.make(4, 4, Float64Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? 3 : 0)))
    const di = SymmetricEigen.decompose(I)
    assertClose(di.values, [3, 3, 3, 3], { atol: 1e-15 }, "3·I")
    expect(residuals(I, di).orth).toBeLessThan(1e-15)
  })

  it("is invariant to an orthogonal similarity (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
        const A = randomSymmetric(n, seed)
        const dec = SymmetricEigen.decompose(A)
        // B = Vᵀ A V must be diag(λ)
        const V = dec.vectors.data
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0
            for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) s += V[k * n + i] * A.data[k * n + l] * V[l * n + j]
            expect(Math.abs(s - (i === j ? dec.values[i] : 0))).toBeLessThan(1e-12 * n)
          }
        }
      }),
      { numRuns: 40, seed: 7 }
    )
  })

  it("rejects non-square, non-symmetric and non-finite input with typed errors", () => {
    expect(() => SymmetricEigen.decompose(Matrix.make(2, 3))).toThrow(DataError)
    expect(() => SymmetricEigen.decompose(Matrix.fromRows([[1, 2], [3, 1]]))).toThrow(DataError)
    expect(() => SymmetricEigen.decompose(Matrix.fromRows([[1, NaN], [NaN, 1]]))).toThrow(NumericalError)
  })
})

describe("SymmetricEigen.tridiagonal", () => {
  it("matches the dense decomposition, with and without vectors", () => {
    const d = [4, -1, 2.5, 0, 3]
    const e = [1, -2, 0.5, 1.5]
    const n = d.length
    const A = Matrix.make(n, n)
    for (let i = 0; i < n; i++) {
      A.data[i * n + i] = d[i]
      if (i + 1 < n) {
        A.data[i * n + i + 1] = e[i]
        A.data[(i + 1) * n + i] = e[i]
      }
    }
    const dense = SymmetricEigen.decompose(A)
    const tri = SymmetricEigen.tridiagonal(d, e)
    const valuesOnly = SymmetricEigen.tridiagonal(d, e, { vectors: false })
    assertClose(tri.values, dense.values, { atol: 1e-13 }, "values")
    assertClose(valuesOnly.values, dense.values, { atol: 1e-13 }, "values only")
    expect(valuesOnly.vectorRows).toBeUndefined()
    // row j of vectorRows is eigenvector j: T v = λ v
    for (let j = 0; j < n; j++) {
      const v = tri.vectorRows!.subarray(j * n, j * n + n)
      for (let i = 0; i < n; i++) {
        let s = 0
        for (let k = 0; k < n; k++) s += A.data[i * n + k] * v[k]
        assertClose(s, tri.values[j] * v[i], { atol: 1e-13 }, `T v = λ v (${j}, ${i})`)
      }
    }
    expect(() => SymmetricEigen.tridiagonal([1, 2], [1, 2])).toThrow(DataError)
  })
})
