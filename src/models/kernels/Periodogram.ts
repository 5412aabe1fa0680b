/**
 * The Lomb–Scargle periodogram of a 1-d series and the periods of its highest peaks: where a
 * periodic kernel's period should start its search (Kernel.startsFromData).
 *
 * Conventions: x need not be evenly spaced nor sorted; y is first detrended by a least-squares
 * straight line in x (a trend would otherwise leak power into the lowest frequencies). Power at
 * angular frequency ω = 2πf is Scargle's normalised
 *   P(ω) = [ (Σ r_i cos ω(x_i − τ))² / Σ cos² ω(x_i − τ) + (Σ r_i sin ω(x_i − τ))² / Σ sin² ω(x_i − τ) ] / (2σ²),
 *   tan 2ωτ = Σ sin 2ωx_i / Σ cos 2ωx_i,
 * with r the detrended y and σ² its variance: a least-squares fit of one sinusoid at each
 * frequency. On an even grid at the Fourier frequencies it equals the classical periodogram, so
 * one formula serves both spacings. Frequencies run from 1/R (one cycle over the range R of x)
 * to 1/(2h) (h the median gap between sorted distinct x: the Nyquist frequency of an even grid),
 * in steps of 1/(5R) (5× oversampled), at most 5000 of them.
 *
 * Citation: Lomb, Astrophys. Space Sci. 39 (1976) 447; Scargle, ApJ 263 (1982) 835, eq. 10;
 * Press et al., Numerical Recipes (3rd ed.) §13.8.
 */

export interface Peak {
  readonly frequency: number
  readonly period: number
  readonly power: number
}

const OVERSAMPLE = 5
const MAX_FREQUENCIES = 5000

/** The frequency grid for inputs x (empty when x has fewer than 3 distinct values). */
export const frequencies = (x: ArrayLike<number>): Float64Array => {
  const sorted = Float64Array.from(x).sort()
  const gaps: Array<number> = []
  for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) gaps.push(sorted[i] - sorted[i - 1])
  if (gaps.length < 2) return new Float64Array(0)
  gaps.sort((a, b) => a - b)
  const h = gaps[Math.floor(gaps.length / 2)]
  const range = sorted[sorted.length - 1] - sorted[0]
  const lo = 1 / range
  const hi = 1 / (2 * h)
  if (!(hi > lo)) return new Float64Array(0)
  const count = Math.min(MAX_FREQUENCIES, Math.floor((hi - lo) * OVERSAMPLE * range) + 1)
  const step = count > 1 ? (hi - lo) / (count - 1) : 0
  return Float64Array.from({ length: count }, (_, i) => lo + i * step)
}

/** y minus its least-squares straight line in x. */
const detrend = (x: ArrayLike<number>, y: ArrayLike<number>): Float64Array => {
  const n = y.length
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += x[i] / n
    my += y[i] / n
  }
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my)
    sxx += (x[i] - mx) ** 2
  }
  const slope = sxx > 0 ? sxy / sxx : 0
  return Float64Array.from({ length: n }, (_, i) => y[i] - my - slope * (x[i] - mx))
}

/** Normalised Lomb–Scargle power of the detrended y at each frequency (cycles per unit of x). */
export const lombScargle = (x: ArrayLike<number>, y: ArrayLike<number>, freqs: ArrayLike<number>): Float64Array => {
  const n = y.length
  if (x.length !== n) throw new RangeError(`Periodogram.lombScargle: ${x.length} inputs but ${n} outputs`)
  const r = detrend(x, y)
  let variance = 0
  for (let i = 0; i < n; i++) variance += (r[i] * r[i]) / n
  const power = new Float64Array(freqs.length)
  if (!(variance > 0)) return power
  for (let k = 0; k < freqs.length; k++) {
    const w = 2 * Math.PI * freqs[k]
    let s2 = 0
    let c2 = 0
    for (let i = 0; i < n; i++) {
      s2 += Math.sin(2 * w * x[i])
      c2 += Math.cos(2 * w * x[i])
    }
    const tau = Math.atan2(s2, c2) / (2 * w)
    let yc = 0
    let ys = 0
    let cc = 0
    let ss = 0
    for (let i = 0; i < n; i++) {
      const c = Math.cos(w * (x[i] - tau))
      const s = Math.sin(w * (x[i] - tau))
      yc += r[i] * c
      ys += r[i] * s
      cc += c * c
      ss += s * s
    }
    power[k] = ((cc > 0 ? (yc * yc) / cc : 0) + (ss > 0 ? (ys * ys) / ss : 0)) / (2 * variance)
  }
  return power
}

/**
 * The `count` highest interior local maxima of the periodogram of (x, y), highest first, with
 * their periods 1/f. Empty when x has too few distinct values or y is constant.
 */
export const peaks = (x: ArrayLike<number>, y: ArrayLike<number>, count: number): Array<Peak> => {
  const freqs = frequencies(x)
  const power = lombScargle(x, y, freqs)
  const found: Array<Peak> = []
  for (let k = 1; k + 1 < freqs.length; k++) {
    if (power[k] > power[k - 1] && power[k] >= power[k + 1] && power[k] > 0) found.push({ frequency: freqs[k], period: 1 / freqs[k], power: power[k] })
  }
  return found.sort((a, b) => b.power - a.power).slice(0, count)
}
