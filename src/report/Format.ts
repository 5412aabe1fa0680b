/**
 * Deterministic text for numbers and durations in tables, findings and captions.
 *
 * Conventions: built only on `toPrecision` / `toFixed` / `toExponential`, which ECMAScript defines
 * exactly and which ignore the host locale (never `toLocaleString` or `Intl`), so a report reads
 * the same on every machine. Missing values (`null`, `undefined`, NaN) print as `missing` ("—");
 * infinities as "∞" / "-∞". Negative zero prints as zero. The minus sign is ASCII "-", so values
 * copy back into code. Scientific notation is `1.23e-5` (no "+", no padding of the exponent).
 * Durations take milliseconds.
 */

/** What a missing value (null, undefined, NaN) prints as. */
export const missing = "—"

/** Below this magnitude (and not zero) `number` and `significant` switch to scientific notation. */
export const smallest = 1e-3

/** At or above this magnitude `number` and `significant` switch to scientific notation. */
export const largest = 1e6

import { ConfigError } from "../core/Errors.ts"

type Maybe = number | null | undefined

const special = (x: Maybe): string | undefined => {
  if (x === null || x === undefined || Number.isNaN(x)) return missing
  if (x === Infinity) return "∞"
  if (x === -Infinity) return "-∞"
  return undefined
}

const noNegativeZero = (s: string): string => (/^-0(\.0*)?(e.*)?$/.test(s) ? s.slice(1) : s)

const checkDigits = (digits: number, what: string, lo: number, hi: number): void => {
  if (!Number.isInteger(digits) || digits < lo || digits > hi) {
    throw new ConfigError({ field: `Format.${what}`, message: `digits must be an integer in [${lo}, ${hi}], got ${digits}` })
  }
}

const stripZeros = (s: string): string => {
  const [mantissa, exponent] = s.split("e")
  const trimmed = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`
}

/**
 * `x` in scientific notation with `digits` significant digits, trailing zeros kept:
 * `scientific(0.000012345, 3)` → "1.23e-5".
 */
export const scientific = (x: Maybe, digits = 3): string => {
  checkDigits(digits, "scientific", 1, 21)
  const s = special(x)
  if (s !== undefined) return s
  return noNegativeZero((x as number).toExponential(digits - 1).replace("e+", "e"))
}

const outOfRange = (x: number): boolean => x !== 0 && (Math.abs(x) < smallest || Math.abs(x) >= largest)

/**
 * `x` to `digits` significant digits, trailing zeros kept (a column of them lines up):
 * `significant(0.5, 3)` → "0.500", `significant(1234.5, 3)` → "1235" (integer part never
 * rounded away). Scientific outside [1e-3, 1e6).
 */
export const significant = (x: Maybe, digits = 3): string => {
  checkDigits(digits, "significant", 1, 21)
  const s = special(x)
  if (s !== undefined) return s
  const v = x as number
  if (outOfRange(v)) return scientific(v, digits)
  if (Math.abs(v) >= 10 ** digits) return noNegativeZero(v.toFixed(0))
  return noNegativeZero(v.toPrecision(digits).replace("e+", "e"))
}

/**
 * The general-purpose format for a table cell: safe integers exactly ("512", "20240611"),
 * other values to `digits` significant digits with trailing zeros dropped ("0.1", "12.35"),
 * scientific outside [1e-3, 1e6) ("1.2e-7").
 */
export const number = (x: Maybe, digits = 4): string => {
  checkDigits(digits, "number", 1, 21)
  const s = special(x)
  if (s !== undefined) return s
  const v = x as number
  if (Number.isSafeInteger(v)) return String(v)
  if (outOfRange(v)) return noNegativeZero(stripZeros(v.toExponential(digits - 1).replace("e+", "e")))
  if (Math.abs(v) >= 10 ** digits) return noNegativeZero(v.toFixed(0))
  return noNegativeZero(stripZeros(v.toPrecision(digits)))
}

/**
 * `x` with exactly `decimals` decimals ("0.91"), for columns that share a unit. A non-zero value
 * that would print as all zeros, or one at or above 1e6, goes to scientific with 2 digits.
 */
export const fixed = (x: Maybe, decimals = 2): string => {
  checkDigits(decimals, "fixed", 0, 20)
  const s = special(x)
  if (s !== undefined) return s
  const v = x as number
  if (Math.abs(v) >= largest || (v !== 0 && Math.abs(v) < 0.5 * 10 ** -decimals)) return scientific(v, 2)
  return noNegativeZero(v.toFixed(decimals))
}

/** `x` as a percentage with `decimals` decimals: `percent(0.9123)` → "91.2%". */
export const percent = (x: Maybe, decimals = 1): string => {
  const s = special(x)
  if (s !== undefined) return s
  return `${fixed((x as number) * 100, decimals)}%`
}

/**
 * Mean ± standard deviation, the mean rounded to the decimal place of the sd's `sdDigits`-th
 * significant digit: `meanSd(0.91234, 0.01234)` → "0.912 ± 0.012". A missing or zero sd prints
 * the mean alone (`number`); a missing mean prints "—". Tiny or huge values go scientific.
 *
 * When both are below 1e-7 in precision or the mean is 1e6 or more, they share one exponent:
 * "(1.23 ± 0.05)e-9".
 *
 * Gotcha: a negative sd is bad input (a variance or signed error passed by mistake?) and throws
 * ConfigError.
 */
export const meanSd = (mean: Maybe, sd: Maybe, sdDigits = 2): string => {
  checkDigits(sdDigits, "meanSd", 1, 6)
  const m = special(mean)
  if (m !== undefined) return m
  if (sd === null || sd === undefined || Number.isNaN(sd) || sd === 0) return number(mean)
  if (sd < 0) throw new ConfigError({ field: "Format.meanSd", message: `sd must be ≥ 0, got ${sd}; pass a standard deviation, not a variance or a signed error` })
  if (sd === Infinity) return `${number(mean)} ± ∞`
  const mu = mean as number
  const sdExponent = Math.floor(Math.log10(sd))
  const decimals = sdDigits - 1 - sdExponent
  if (decimals <= 8 && Math.abs(mu) < largest && sd < largest) {
    if (decimals >= 0) return `${noNegativeZero(mu.toFixed(decimals))} ± ${noNegativeZero(sd.toFixed(decimals))}`
    const quantum = 10 ** -decimals
    const round = (v: number): string => noNegativeZero((Math.round(v / quantum) * quantum).toFixed(0))
    return `${round(mu)} ± ${round(sd)}`
  }
  const shared = Math.floor(Math.log10(Math.max(Math.abs(mu), sd)))
  const d = Math.max(0, decimals + shared)
  const scale = 10 ** shared
  return `(${noNegativeZero((mu / scale).toFixed(d))} ± ${noNegativeZero((sd / scale).toFixed(d))})e${shared}`
}

/** An integer count with "," thousands separators: `count(1234567)` → "1,234,567". */
export const count = (n: Maybe): string => {
  const s = special(n)
  if (s !== undefined) return s
  const v = Math.round(n as number)
  if (Math.abs(v) >= 1e21) return scientific(v, 3)
  const digits = Math.abs(v).toFixed(0)
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")
  return v < 0 ? `-${grouped}` : grouped
}

/**
 * A duration in milliseconds for people: "850 ms", "4.2 s", "42 s", "2 min 13 s", "1 h 5 min",
 * "2 d 3 h". Each form shows two units at most, rounded at the smaller (so 59.6 s → "1 min"),
 * and drops a zero smaller unit ("2 min", not "2 min 0 s"). Negative or missing → "—".
 */
export const duration = (ms: Maybe): string => {
  if (ms === null || ms === undefined || Number.isNaN(ms) || ms < 0) return missing
  if (ms === Infinity) return "∞"
  if (ms < 999.5) return `${Math.round(ms)} ms`
  if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds} s`
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string): string =>
    small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`
  if (seconds < 3600) return pair(Math.floor(seconds / 60), "min", seconds % 60, "s")
  const minutes = Math.round(ms / 60000)
  if (minutes < 24 * 60) return pair(Math.floor(minutes / 60), "h", minutes % 60, "min")
  const hours = Math.round(ms / 3600000)
  return pair(Math.floor(hours / 24), "d", hours % 24, "h")
}
