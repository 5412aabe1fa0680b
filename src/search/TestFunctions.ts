/**
 * The standard test functions of hyperparameter search, all minimised, with the dimension and
 * box of the optuna anchor (tests/fixtures/hpo_anchor.json): Branin, Hartmann-6 and Rosenbrock in
 * any dimension.
 *
 * Conventions (as in Surjanovic & Bingham's Virtual Library of Simulation Experiments, SFU):
 * - Branin (2-d, x1 ∈ [−5, 10], x2 ∈ [0, 15]): f = (x2 − b x1² + c x1 − r)² + s (1 − t) cos x1 + s,
 *   b = 5.1/(4π²), c = 5/π, r = 6, s = 10, t = 1/(8π); minimum 5/(4π) ≈ 0.397887 at (−π, 12.275),
 *   (π, 2.275), (3π, 2.475).
 * - Hartmann-6 ([0, 1]⁶): f = −Σᵢ αᵢ exp(−Σⱼ Aᵢⱼ (xⱼ − Pᵢⱼ)²), i = 1..4, j = 1..6, with the
 *   standard α, A, P below unless others are given; minimum ≈ −3.32237.
 * - Rosenbrock-d ([−2, 2]^d, the anchor's box; others use [−5, 10] or [−2.048, 2.048]):
 *   f = Σ_{i=1}^{d−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)²; minimum 0 at (1, …, 1).
 * A function's name is "branin", "hartmann6" or "rosenbrock<d>" (d ≥ 2), as in the anchor.
 *
 * When to use: benchmarks of samplers (`make bench ARGS=hpo`) and the conformance kind
 * hpo_anchor, which evaluates these at the anchor's minimisers. Gotchas: x is read by index
 * (x[0] is x1); the functions do not check that x lies in the box.
 * Citation: Branin, IBM J. Res. Dev. 16 (1972) 504–522; Hartmann, Naval Res. Logist. Q. 20 (1973)
 * 513–522 (constants as in Picheny et al., Technometrics 55 (2013) 2–13); Rosenbrock, Comput. J.
 * 3 (1960) 175–184.
 */
import { ConfigError } from "../core/Errors.ts"

export type Bounds = ReadonlyArray<readonly [number, number]>

export interface TestFunction {
  /** "branin", "hartmann6", "rosenbrock5", … */
  readonly name: string
  readonly dim: number
  /** [low, high] per coordinate. */
  readonly bounds: Bounds
  /** The objective at x (length dim). */
  readonly f: (x: ArrayLike<number>) => number
}

/** The constants of a Hartmann function: α (m), A and P (m × dim). */
export interface HartmannConstants {
  readonly alpha: ReadonlyArray<number>
  readonly A: ReadonlyArray<ReadonlyArray<number>>
  readonly P: ReadonlyArray<ReadonlyArray<number>>
}

/** The standard Hartmann-6 constants (P = 10⁻⁴ × the usual integer table). */
export const HARTMANN6: HartmannConstants = {
  alpha: [1.0, 1.2, 3.0, 3.2],
  A: [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
  P: [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
    .map((row) => row.map((v) => v * 1e-4))
}

const box = (dim: number, low: number, high: number): Bounds => Array.from({ length: dim }, () => [low, high] as const)

export const branin: TestFunction = (() => {
  const b = 5.1 / (4 * Math.PI ** 2)
  const c = 5 / Math.PI
  const t = 1 / (8 * Math.PI)
  return {
    name: "branin",
    dim: 2,
    bounds: [[-5, 10], [0, 15]],
    f: (x) => (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * Math.cos(x[0]) + 10
  }
})()

/** Hartmann-6 with the standard constants, or `constants` (4 × 6 tables, as the anchor may carry). */
export const hartmann6 = (constants: HartmannConstants = HARTMANN6): TestFunction => {
  const { alpha, A, P } = constants
  const dim = 6
  const shaped = (m: ReadonlyArray<ReadonlyArray<number>>) => m.length === alpha.length && m.every((row) => row.length === dim)
  if (alpha.length === 0 || !shaped(A) || !shaped(P)) {
    throw new ConfigError({
      field: "hartmann6",
      message: `alpha has ${alpha.length} entries, A is ${A.length} × ${A[0]?.length ?? 0} and P ${P.length} × ${P[0]?.length ?? 0}: give alpha (m) and A, P as m × 6 tables`
    })
  }
  return {
    name: "hartmann6",
    dim,
    bounds: box(dim, 0, 1),
    f: (x) => {
      let s = 0
      for (let i = 0; i < alpha.length; i++) {
        let e = 0
        for (let j = 0; j < dim; j++) e += A[i][j] * (x[j] - P[i][j]) ** 2
        s -= alpha[i] * Math.exp(-e)
      }
      return s
    }
  }
}

/** Rosenbrock in `dim` ≥ 2 dimensions on [−2, 2]^dim. */
export const rosenbrock = (dim: number): TestFunction => {
  if (!Number.isInteger(dim) || dim < 2) throw new ConfigError({ field: "rosenbrock", message: `dimension ${dim}: Rosenbrock needs an integer dimension of at least 2 (e.g. rosenbrock5)` })
  return {
    name: `rosenbrock${dim}`,
    dim,
    bounds: box(dim, -2, 2),
    f: (x) => {
      let s = 0
      for (let i = 0; i + 1 < dim; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
      return s
    }
  }
}

/**
 * The function of an anchor name: "branin", "hartmann6" (with the constants of `options` when it
 * gives alpha, A and P, the standard ones when it gives none), "rosenbrock<d>". Throws a
 * ConfigError naming the known ones otherwise, or when only some of alpha, A, P are given.
 */
export const byName = (name: string, options: Partial<HartmannConstants> = {}): TestFunction => {
  if (name === "branin") return branin
  if (name === "hartmann6") {
    const { alpha, A, P } = options
    if (alpha !== undefined && A !== undefined && P !== undefined) return hartmann6({ alpha, A, P })
    if (alpha === undefined && A === undefined && P === undefined) return hartmann6()
    throw new ConfigError({ field: "hartmann6", message: "only some of alpha, A and P are given: give all three, or none for the standard constants" })
  }
  const d = /^rosenbrock(\d+)$/.exec(name)
  if (d !== null) return rosenbrock(Number(d[1]))
  throw new ConfigError({ field: "function", message: `no test function named ${JSON.stringify(name)}: known are branin, hartmann6 and rosenbrock<d> (e.g. rosenbrock5)` })
}
