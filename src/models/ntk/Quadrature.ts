/**
 * Gauss rules for Gaussian expectations: `hermite`, E[g(z)] ≈ Σ wᵢ g(zᵢ) for z ~ N(0, 1)
 * (probabilists' weight e^{−z²/2}/√(2π), weights summing to one, exact for polynomials of degree
 * ≤ 2n − 1), and `halfHermite`, the same weight on [0, ∞) only, whose mirror image integrates
 * functions with a kink at 0 exactly (Dual.ts uses it for the Hermite coefficients).
 *
 * Conventions: float64; nodes ascending. Built by Golub–Welsch (eigenvalues of the Jacobi matrix
 * of the orthonormal recurrence, values only, O(n²)), then each node is polished by Newton steps
 * on the recurrence and its weight taken from the Christoffel function wᵢ = 1 / Σ_{k<n} p_k(zᵢ)²
 * (p_k orthonormal), accurate to a few ulps where the eigenvector route loses digits. Far-tail
 * nodes whose weights underflow get weight 0.
 *
 * Citation: Golub & Welsch, Math. Comp. 23 (1969) 221–230; Gautschi, Orthogonal Polynomials
 * (2004) §2.2 (discretised Stieltjes procedure) and §3.1.
 */
import { ConfigError } from "../../core/Errors.ts"
import * as SymmetricEigen from "../../linalg/SymmetricEigen.ts"

export interface Rule {
  readonly nodes: Float64Array
  readonly weights: Float64Array
}

/** The n-point rule, 1 ≤ n ≤ 1000. */
export const hermite = (n: number): Rule => {
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new ConfigError({ field: "Quadrature.hermite.n", message: `n = ${n} nodes; use an integer in 1..1000` })
  }
  // Orthonormal recurrence: √(k+1) h_{k+1} = z h_k − √k h_{k−1}, h_0 = 1.
  const off = Array.from({ length: n - 1 }, (_, k) => Math.sqrt(k + 1))
  const nodes = Float64Array.from(SymmetricEigen.tridiagonal(new Float64Array(n), off, { vectors: false }).values)
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let z = nodes[i]
    for (let step = 0; step < 3; step++) {
      // h_n(z) and h_n′(z) by the recurrence.
      let hPrev = 0
      let h = 1
      let dPrev = 0
      let dh = 0
      for (let k = 0; k < n; k++) {
        const sk = Math.sqrt(k)
        const sk1 = Math.sqrt(k + 1)
        const hNext = (z * h - sk * hPrev) / sk1
        const dNext = (h + z * dh - sk * dPrev) / sk1
        hPrev = h
        h = hNext
        dPrev = dh
        dh = dNext
      }
      const dz = h / dh
      if (!Number.isFinite(dz)) break
      z -= dz
      if (Math.abs(dz) <= 1e-16 * Math.max(1, Math.abs(z))) break
    }
    nodes[i] = z
    let hPrev = 0
    let h = 1
    let sum = 1
    for (let k = 0; k < n - 1; k++) {
      const hNext = (z * h - Math.sqrt(k) * hPrev) / Math.sqrt(k + 1)
      hPrev = h
      h = hNext
      sum += h * h
    }
    weights[i] = Number.isFinite(sum) ? 1 / sum : 0
  }
  return { nodes, weights }
}

/** n-point Gauss–Legendre on [−1, 1] (Golub–Welsch on k/√(4k² − 1), Newton-polished). */
const legendre = (n: number): Rule => {
  const off = Array.from({ length: n - 1 }, (_, k) => (k + 1) / Math.sqrt(4 * (k + 1) * (k + 1) - 1))
  const nodes = Float64Array.from(SymmetricEigen.tridiagonal(new Float64Array(n), off, { vectors: false }).values)
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let x = nodes[i]
    let dp = 1
    for (let step = 0; step < 3; step++) {
      // Legendre P_n and P_n′ by Bonnet's recurrence.
      let p0 = 1
      let p1 = x
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        p0 = p1
        p1 = p2
      }
      const pn = n === 1 ? x : p1
      const pm = n === 1 ? 1 : p0
      dp = (n * (x * pn - pm)) / (x * x - 1)
      x -= pn / dp
    }
    nodes[i] = x
    weights[i] = 2 / ((1 - x * x) * dp * dp)
  }
  return { nodes, weights }
}

/**
 * n-point Gauss rule for the half-normal weight e^{−z²/2}/√(2π) on [0, ∞) (total mass 1/2),
 * 1 ≤ n ≤ 300: mirrored, it integrates functions that are polynomial of degree ≤ 2n − 1 on each
 * side of 0 exactly, so a kink at 0 (relu) costs no accuracy. The recurrence has no closed form:
 * it comes from the discretised Stieltjes procedure on composite Gauss–Legendre (380 panels × 16
 * nodes on [0, 38], beyond which the weight underflows), then Golub–Welsch and Newton as above.
 * Citation: Gautschi, Orthogonal Polynomials (2004) §2.2.3.1.
 */
export const halfHermite = (n: number): Rule => {
  if (!Number.isInteger(n) || n < 1 || n > 300) {
    throw new ConfigError({ field: "Quadrature.halfHermite.n", message: `n = ${n} nodes; use an integer in 1..300` })
  }
  // Discretised measure.
  const panel = legendre(16)
  const panels = 380
  const width = 38 / panels
  const M = panels * 16
  const x = new Float64Array(M)
  const w = new Float64Array(M)
  for (let p = 0; p < panels; p++) {
    for (let j = 0; j < 16; j++) {
      const z = (p + 0.5 + 0.5 * panel.nodes[j]) * width
      x[p * 16 + j] = z
      w[p * 16 + j] = 0.5 * width * panel.weights[j] * Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)
    }
  }
  // Stieltjes with orthonormal polynomials: a_k = Σ w x p_k², √b_{k+1} p_{k+1} = (x − a_k) p_k − √b_k p_{k−1}.
  const a = new Float64Array(n)
  const sb = new Float64Array(n) // sb[k] = √b_k, sb[0] unused
  let mass = 0
  for (let j = 0; j < M; j++) mass += w[j]
  let prev = new Float64Array(M)
  let cur = new Float64Array(M).fill(1 / Math.sqrt(mass))
  for (let k = 0; k < n; k++) {
    let ak = 0
    for (let j = 0; j < M; j++) ak += w[j] * x[j] * cur[j] * cur[j]
    a[k] = ak
    if (k === n - 1) break
    const next = new Float64Array(M)
    let norm = 0
    for (let j = 0; j < M; j++) {
      const v = (x[j] - ak) * cur[j] - sb[k] * prev[j]
      next[j] = v
      norm += w[j] * v * v
    }
    const s = Math.sqrt(norm)
    sb[k + 1] = s
    for (let j = 0; j < M; j++) next[j] /= s
    prev = cur
    cur = next
  }
  const nodes = Float64Array.from(SymmetricEigen.tridiagonal(a, sb.subarray(1), { vectors: false }).values)
  const weights = new Float64Array(n)
  const p0 = 1 / Math.sqrt(mass)
  for (let i = 0; i < n; i++) {
    let z = nodes[i]
    for (let step = 0; step < 3; step++) {
      let pPrev = 0
      let p = p0
      let dPrev = 0
      let dp = 0
      for (let k = 0; k < n; k++) {
        const s1 = k + 1 < n ? sb[k + 1] : 1 // p_n up to a constant factor: roots unchanged
        const pNext = ((z - a[k]) * p - sb[k] * pPrev) / s1
        const dNext = (p + (z - a[k]) * dp - sb[k] * dPrev) / s1
        pPrev = p
        p = pNext
        dPrev = dp
        dp = dNext
      }
      const dz = p / dp
      if (!Number.isFinite(dz)) break
      z -= dz
      if (Math.abs(dz) <= 1e-16 * Math.max(1, Math.abs(z))) break
    }
    nodes[i] = z
    let pPrev = 0
    let p = p0
    let sum = p * p
    for (let k = 0; k < n - 1; k++) {
      const pNext = ((z - a[k]) * p - sb[k] * pPrev) / sb[k + 1]
      pPrev = p
      p = pNext
      sum += p * p
    }
    weights[i] = Number.isFinite(sum) ? 1 / sum : 0
  }
  return { nodes, weights }
}
