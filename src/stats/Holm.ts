/**
 * Holm's step-down correction of several p-values for the family-wise error rate, e.g. over the
 * pairs of models compared on one task.
 *
 * Conventions: with p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value is
 * p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎) (statsmodels multipletests(method="holm")), returned
 * in the input order; hypothesis i is rejected at level α when p̃ᵢ ≤ α, which is the step-down
 * rule "reject while p₍ᵢ₎ ≤ α/(m − i + 1)". Ties keep their input order; NaN p-values are rejected
 * as input.
 *
 * Citation: S. Holm, "A simple sequentially rejective multiple test procedure", Scandinavian
 * Journal of Statistics 6 (1979) 65–70; Demšar (2006) §3.2.
 */
import { DataError } from "../core/Errors.ts"

/** Holm-adjusted p-values, in the order of `p`. */
export const adjust = (p: ArrayLike<number>): Float64Array => {
  const m = p.length
  for (let i = 0; i < m; i++) {
    if (!(p[i] >= 0 && p[i] <= 1)) throw new DataError({ source: "Holm.adjust", message: `p-value ${i} is ${p[i]}; every p-value must lie in [0, 1]` })
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => p[a] - p[b] || a - b)
  const adjusted = new Float64Array(m)
  let running = 0
  order.forEach((index, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[index]))
    adjusted[index] = running
  })
  return adjusted
}

/** Which hypotheses Holm's procedure rejects at family-wise level `alpha`. */
export const reject = (p: ArrayLike<number>, alpha: number): Array<boolean> => Array.from(adjust(p), (q) => q <= alpha)
