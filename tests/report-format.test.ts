import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Format from "../src/report/Format.ts"

describe("Format.number", () => {
  it.each([
    [0, "0"],
    [-0, "0"],
    [512, "512"],
    [20240611, "20240611"],
    [-3, "-3"],
    [0.1, "0.1"],
    [0.12345, "0.1235"],
    [123.456, "123.5"],
    [99999.5, "100000"],
    [0.99996, "1"],
    [0.001, "0.001"],
    [0.00099996, "1e-3"],
    [1.5e-7, "1.5e-7"],
    [-0.0004567, "-4.567e-4"],
    [1e21, "1e21"],
    [-1e-300, "-1e-300"],
    [NaN, "—"],
    [null, "—"],
    [undefined, "—"],
    [Infinity, "∞"],
    [-Infinity, "-∞"]
  ])("%s → %s", (x, expected) => {
    expect(Format.number(x)).toBe(expected)
  })

  it("honours the digits asked for and rejects nonsense digits", () => {
    expect(Format.number(Math.PI, 2)).toBe("3.1")
    expect(Format.number(Math.PI, 6)).toBe("3.14159")
    expect(() => Format.number(1.5, 0)).toThrow(/digits must be an integer in \[1, 21\], got 0/)
    expect(() => Format.number(1.5, 2.5)).toThrow(/digits/)
  })

  it("never prints NaN, Infinity, a '+' or a locale separator, and reads back close to the value", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }), (x) => {
        const s = Format.number(x)
        expect(s).not.toMatch(/NaN|Infinity|\+|,|\s/)
        const back = Number(s)
        if (x === 0) expect(back).toBe(0)
        else expect(Math.abs(back - x) / Math.abs(x)).toBeLessThanOrEqual(Number.isSafeInteger(x) ? 0 : 5e-4)
      }),
      { numRuns: 2000 }
    )
  })
})

describe("Format.significant, fixed, scientific, percent", () => {
  it.each([
    [0.5, 3, "0.500"],
    [0.91234, 3, "0.912"],
    [1234.5, 3, "1235"],
    [-0.0001, 2, "-1.0e-4"],
    [0, 3, "0.00"],
    [2.5e6, 3, "2.50e6"],
    [NaN, 3, "—"]
  ])("significant(%s, %s) → %s", (x, d, expected) => {
    expect(Format.significant(x, d)).toBe(expected)
  })

  it.each([
    [0.91, 2, "0.91"],
    [1234.5, 2, "1234.50"],
    [-0.001, 2, "-1.0e-3"],
    [-0.004, 2, "-4.0e-3"],
    [-0.005, 2, "-0.01"],
    [-0.0, 2, "0.00"],
    [-1e-30, 2, "-1.0e-30"],
    [1e6, 2, "1.0e6"],
    [7, 0, "7"],
    [null, 2, "—"]
  ])("fixed(%s, %s) → %s", (x, d, expected) => {
    expect(Format.fixed(x, d)).toBe(expected)
  })

  it("scientific keeps trailing zeros and drops the '+' of the exponent", () => {
    expect(Format.scientific(0.000012345, 3)).toBe("1.23e-5")
    expect(Format.scientific(12345, 2)).toBe("1.2e4")
    expect(Format.scientific(1, 3)).toBe("1.00e0")
    expect(Format.scientific(-0, 3)).toBe("0.00e0")
  })

  it("percent scales by 100", () => {
    expect(Format.percent(0.9123)).toBe("91.2%")
    expect(Format.percent(1, 0)).toBe("100%")
    expect(Format.percent(undefined)).toBe("—")
  })

  it("count groups thousands with commas, whatever the host locale", () => {
    expect(Format.count(1234567)).toBe("1,234,567")
    expect(Format.count(-1000)).toBe("-1,000")
    expect(Format.count(999)).toBe("999")
    expect(Format.count(0)).toBe("0")
  })
})

describe("Format.meanSd", () => {
  it.each([
    [0.91234, 0.01234, "0.912 ± 0.012"],
    [12.3, 4.56, "12.3 ± 4.6"],
    [1234.5, 150, "1230 ± 150"],
    [0.5, 0.5, "0.50 ± 0.50"],
    [-0.0001, 0.00002, "-0.000100 ± 0.000020"],
    [1.2345e-9, 3.4e-11, "(1.234 ± 0.034)e-9"],
    [2.5e7, 1.2e5, "(2.500 ± 0.012)e7"],
    [0.5, 0, "0.5"],
    [0.5, NaN, "0.5"],
    [0.5, null, "0.5"],
    [NaN, 0.1, "—"],
    [null, 0.1, "—"]
  ])("meanSd(%s, %s) → %s", (m, s, expected) => {
    expect(Format.meanSd(m, s)).toBe(expected)
  })

  it("rounds the mean to the decimal place of the sd's second significant digit", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (m, s) => {
        const text = Format.meanSd(m, s)
        const parts = /^(-?[\d.]+) ± ([\d.]+)$/.exec(text)
        if (parts === null) return
        const decimals = (x: string) => (x.includes(".") ? x.split(".")[1].length : 0)
        expect(decimals(parts[1])).toBe(decimals(parts[2]))
        expect(Math.abs(Number(parts[2]) - s)).toBeLessThanOrEqual(0.05 * s + 1e-12)
      }),
      { numRuns: 1000 }
    )
  })

  it("rejects a negative sd", () => {
    expect(() => Format.meanSd(1, -0.1)).toThrow(/sd must be ≥ 0/)
  })
})

describe("Format.duration", () => {
  it.each([
    [0, "0 ms"],
    [12.4, "12 ms"],
    [999.4, "999 ms"],
    [999.6, "1.0 s"],
    [4200, "4.2 s"],
    [9949, "9.9 s"],
    [9950, "10 s"],
    [42_000, "42 s"],
    [59_600, "1 min"],
    [133_000, "2 min 13 s"],
    [120_000, "2 min"],
    [3_599_600, "1 h"],
    [3_900_000, "1 h 5 min"],
    [86_399_000, "1 d"],
    [90_000_000, "1 d 1 h"],
    [-1, "—"],
    [NaN, "—"],
    [null, "—"],
    [Infinity, "∞"]
  ])("%s ms → %s", (ms, expected) => {
    expect(Format.duration(ms)).toBe(expected)
  })

  it("is monotone: a longer duration never reads shorter", () => {
    const seconds = (s: string): number => {
      let total = 0
      for (const [, n, unit] of s.matchAll(/([\d.]+) (ms|s|min|h|d)\b/g)) total += Number(n) * { ms: 0.001, s: 1, min: 60, h: 3600, d: 86400 }[unit as "ms"]
      return total
    }
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(seconds(Format.duration(lo))).toBeLessThanOrEqual(seconds(Format.duration(hi)))
      }),
      { numRuns: 2000 }
    )
  })
})
