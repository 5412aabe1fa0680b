/**
 * Does a GP fit reach the likelihood optimum on data other than the fixtures'? (`node
 * bench/gpStarts.ts`, or `run()` from the bench driver.)
 *
 * Data sets in the shape of gp_regression.json's (1-d, n = 40–60, no sklearn reference): a clean
 * sine of period 2.3 at 60 uneven points in [0, 10], a clean sine of period 1.1 on an even grid
 * of 60, a smooth noisy series (sin 1.3x + 0.2x + N(0, 0.01²), 40 points in [−3, 3]) and a clean
 * smooth one (tanh x + 0.1x²). Per kernel family (amplitude·k + White, bounds [1e-5, 1e5]) it
 * prints the fitted LML with 30 restarts as `gpnn conformance` draws them (data starts first,
 * Kernel.startsFromData), with 30 log-uniform restarts only (the old rule), and with 150
 * log-uniform restarts (a stand-in for the optimum); "gap" is how far the 30-restart fit ends
 * below the best of all three (0 when it reaches the optimum).
 */
import * as Random from "../src/core/Random.ts"
import * as Matrix from "../src/linalg/Matrix.ts"
import * as Gp from "../src/models/gp/GpRegression.ts"

interface Series {
  readonly name: string
  readonly x: Float64Array
  readonly y: Float64Array
}

const series = (): ReadonlyArray<Series> => {
  const uneven = (n: number, lo: number, hi: number, seed: number) => {
    const rng = Random.make(seed)
    return { rng, x: Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform()) }
  }
  const a = uneven(60, 0, 10, 3)
  const even = Float64Array.from({ length: 60 }, (_, i) => i / 6)
  const c = uneven(40, -3, 3, 4)
  const d = uneven(40, -3, 3, 5)
  return [
    { name: "clean sine (uneven)", x: a.x, y: a.x.map((v) => Math.sin((2 * Math.PI * v) / 2.3)) },
    { name: "clean sine (even)", x: even, y: even.map((v) => Math.sin((2 * Math.PI * v) / 1.1)) },
    { name: "smooth, noisy", x: c.x, y: c.x.map((v) => Math.sin(1.3 * v) + 0.2 * v + 0.01 * c.rng.normal()) },
    { name: "smooth, clean", x: d.x, y: d.x.map((v) => Math.tanh(v) + 0.1 * v * v) }
  ]
}

export interface Row {
  readonly series: string
  readonly family: Gp.KernelFamily
  readonly data30: number
  readonly logUniform30: number
  readonly logUniform150: number
}

export const run = (families: ReadonlyArray<Gp.KernelFamily> = Gp.kernelFamilies): ReadonlyArray<Row> => {
  const rows: Array<Row> = []
  console.log("series               family     data+30     30 draws    150 draws   gap (data+30)")
  for (const s of series()) {
    const X = Matrix.make(s.x.length, 1, s.x)
    for (const family of families) {
      const spec = Gp.kernelFor(family)
      const lml = (restarts: number, dataStarts: boolean, seed: number) =>
        Gp.fit(spec, X, s.y, { restarts, rng: Random.make(seed), dataStarts }).logMarginalLikelihood
      const seed = Random.derive(20240601, `${s.name} / ${family}`)
      const row = { series: s.name, family, data30: lml(30, true, seed), logUniform30: lml(30, false, seed), logUniform150: lml(150, false, seed + 1) }
      rows.push(row)
      const best = Math.max(row.data30, row.logUniform30, row.logUniform150)
      const f = (v: number) => v.toFixed(3).padStart(10)
      console.log(`${s.name.padEnd(20)} ${family.padEnd(9)} ${f(row.data30)}  ${f(row.logUniform30)}  ${f(row.logUniform150)}  ${(best - row.data30).toExponential(1)}`)
    }
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) run()
