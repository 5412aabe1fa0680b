/**
 * The pointwise nonlinearities φ of the fully-connected nets whose infinite-width kernels gpnn
 * computes, each with its derivative φ′ (what the NTK recursion needs).
 *
 * Conventions: float64 scalars; `relu′(0) = 0`; GELU is the exact x·Φ(x) (not the tanh
 * approximation); SiLU is x·σ(x). `erf` here is accurate to a few ulps (CPython's series /
 * continued-fraction algorithm), so it doubles as the special function.
 *
 * When to use: look an activation up by the `activation` name of an `Arch` with `get`; the
 * kernels pick a closed-form dual for relu, erf and linear, and Gauss quadrature for the rest.
 */
import { ConfigError } from "../../core/Errors.ts"

export const names = ["relu", "erf", "tanh", "sigmoid", "gelu", "silu", "softplus", "linear"] as const
export type Name = (typeof names)[number]

export interface Activation {
  readonly name: Name
  /** φ(x). */
  readonly value: (x: number) => number
  /** φ′(x). */
  readonly slope: (x: number) => number
  /** φ″(x) (relu: 0, its point mass at 0 meets φ = 0 in every expectation gpnn takes). */
  readonly curvature: (x: number) => number
  /**
   * The closed-form Gaussian dual used by the kernels, or "quadrature" when there is none.
   * Quadrature handles a kink at 0 (relu-like) exactly; kinks elsewhere are not supported.
   */
  readonly dual: "relu" | "erf" | "linear" | "quadrature"
}

const SQRT_PI = Math.sqrt(Math.PI)
const SERIES_CUTOFF = 1.5
const SERIES_TERMS = 25
const CONTFRAC_CUTOFF = 30
const CONTFRAC_TERMS = 50

// erf(x) = 2x/√π · e^{−x²} Σ (2x²)ⁿ/(2n+1)!!, |x| < 1.5 (positive terms, no cancellation).
const erfSeries = (x: number): number => {
  const x2 = x * x
  let acc = 0
  let fk = SERIES_TERMS + 0.5
  for (let i = 0; i < SERIES_TERMS; i++) {
    acc = 2 + (x2 * acc) / fk
    fk -= 1
  }
  return (acc * x * Math.exp(-x2)) / SQRT_PI
}

/**
 * erfcx(x) = e^{x²}·erfc(x) for x ≥ 1.5 by CPython's continued fraction of erfc (A&S 7.1.14, the
 * even form), evaluated forward with 50 convergents and renormalised every step so that p and q
 * cannot overflow for any x (search/Normal.ts uses it up to x = 1e8).
 */
export const erfcxContinuedFraction = (x: number): number => {
  const x2 = x * x
  let a = 0
  let da = 0.5
  let p = 1
  let pLast = 0
  let q = da + x2
  let qLast = 1
  for (let i = 0; i < CONTFRAC_TERMS; i++) {
    a += da
    da += 2
    const b = da + x2
    const tp = p
    p = b * p - a * pLast
    pLast = tp
    const tq = q
    q = b * q - a * qLast
    qLast = tq
    p /= q
    pLast /= q
    qLast /= q
    q = 1
  }
  return (p / q) * (x / SQRT_PI)
}

// erfc(x), x ≥ 1.5: the continued fraction times e^{−x²}.
const erfcContinuedFraction = (x: number): number => (x >= CONTFRAC_CUTOFF ? 0 : erfcxContinuedFraction(x) * Math.exp(-x * x))

/** The error function; CPython 3.2–3.11 `math.erf` algorithm (Modules/mathmodule.c), ~1e-16 relative. */
export const erf = (x: number): number => {
  const ax = Math.abs(x)
  if (ax < SERIES_CUTOFF) return erfSeries(x)
  const cf = erfcContinuedFraction(ax)
  return x > 0 ? 1 - cf : cf - 1
}

/** The complementary error function 1 − erf(x), accurate in the upper tail. */
export const erfc = (x: number): number => {
  const ax = Math.abs(x)
  if (ax < SERIES_CUTOFF) return 1 - erfSeries(x)
  const cf = erfcContinuedFraction(ax)
  return x > 0 ? cf : 2 - cf
}

/** The standard normal CDF Φ(x). */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2)

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)
const TWO_OVER_SQRT_PI = 2 / SQRT_PI

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

const table: Record<Name, Activation> = {
  relu: { name: "relu", value: (x) => (x > 0 ? x : 0), slope: (x) => (x > 0 ? 1 : 0), curvature: () => 0, dual: "relu" },
  erf: { name: "erf", value: erf, slope: (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x), curvature: (x) => -2 * x * TWO_OVER_SQRT_PI * Math.exp(-x * x), dual: "erf" },
  tanh: {
    name: "tanh",
    value: Math.tanh,
    slope: (x) => {
      const t = Math.tanh(x)
      return 1 - t * t
    },
    curvature: (x) => {
      const t = Math.tanh(x)
      return -2 * t * (1 - t * t)
    },
    dual: "quadrature"
  },
  sigmoid: {
    name: "sigmoid",
    value: sigmoid,
    slope: (x) => {
      const s = sigmoid(x)
      return s * (1 - s)
    },
    curvature: (x) => {
      const s = sigmoid(x)
      return s * (1 - s) * (1 - 2 * s)
    },
    dual: "quadrature"
  },
  gelu: {
    name: "gelu",
    value: (x) => x * normalCdf(x),
    slope: (x) => normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
    curvature: (x) => INV_SQRT_2PI * Math.exp(-0.5 * x * x) * (2 - x * x),
    dual: "quadrature"
  },
  silu: {
    name: "silu",
    value: (x) => x * sigmoid(x),
    slope: (x) => {
      const s = sigmoid(x)
      return s * (1 + x * (1 - s))
    },
    curvature: (x) => {
      const s = sigmoid(x)
      return s * (1 - s) * (2 + x * (1 - 2 * s))
    },
    dual: "quadrature"
  },
  softplus: {
    name: "softplus",
    value: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
    slope: sigmoid,
    curvature: (x) => {
      const s = sigmoid(x)
      return s * (1 - s)
    },
    dual: "quadrature"
  },
  linear: { name: "linear", value: (x) => x, slope: () => 1, curvature: () => 0, dual: "linear" }
}

export const isName = (name: string): name is Name => (names as ReadonlyArray<string>).includes(name)

/** The activation called `name`; a ConfigError on `field` listing the known names otherwise. */
export const get = (name: string, field = "arch.activation"): Activation => {
  if (!isName(name)) {
    throw new ConfigError({ field, message: `unknown activation "${name}"; use one of ${names.join(", ")}` })
  }
  return table[name]
}
