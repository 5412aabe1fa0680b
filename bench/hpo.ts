/**
 * `make bench ARGS=hpo`: every gpnn sampler on the test functions of the optuna anchor
 * (tests/fixtures/hpo_anchor.json: Branin, Hartmann-6, Rosenbrock-5 with their budgets,
 * checkpoints and seeds), run the way the anchor ran optuna 3.1: serial, no pruning, each
 * coordinate a plain float in its bounds, many seeds. Prints median and IQR of the simple regret
 * (best − fmin) at every checkpoint beside optuna's, the seconds per proposal, and the targets;
 * writes bench/out/hpo.json.
 *
 * The functions are src/search/TestFunctions.ts (Hartmann with the anchor's constants when it
 * gives them), the regret summary src/search/Regret.ts (numpy's "linear" percentiles, as the
 * anchor's); `gpnn conformance` checks both against the anchor. `node bench/hpo.ts --seeds 5
 * --samplers tpe,gp-ei --functions branin` runs a subset while developing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as GpEi from "../src/search/GpEi.ts"
import * as Halton from "../src/search/Halton.ts"
import * as RandomSearch from "../src/search/RandomSearch.ts"
import * as Grid from "../src/search/Grid.ts"
import * as Sampler from "../src/search/Sampler.ts"
import * as Regret from "../src/search/Regret.ts"
import * as Space from "../src/search/Space.ts"
import * as TestFunctions from "../src/search/TestFunctions.ts"
import * as Tpe from "../src/search/Tpe.ts"

const FIXTURE = fileURLToPath(new URL("../tests/fixtures/hpo_anchor.json", import.meta.url))
const OUT_DIR = fileURLToPath(new URL("./out/", import.meta.url))

interface FunctionSpec {
  readonly name: string
  readonly dim: number
  readonly bounds: ReadonlyArray<readonly [number, number]>
  readonly fmin: number
  readonly alpha?: ReadonlyArray<number>
  readonly A?: ReadonlyArray<ReadonlyArray<number>>
  readonly P?: ReadonlyArray<ReadonlyArray<number>>
}
interface ResultSpec {
  readonly function: string
  readonly sampler: string
  readonly budget: number
  readonly checkpoints: ReadonlyArray<number>
  readonly perSeed: ReadonlyArray<{ readonly seed: number; readonly best: ReadonlyArray<number> }>
  readonly regretMedian: ReadonlyArray<number>
  readonly regretQ25: ReadonlyArray<number>
  readonly regretQ75: ReadonlyArray<number>
}
interface Anchor {
  readonly functions: ReadonlyArray<FunctionSpec>
  readonly results: ReadonlyArray<ResultSpec>
  readonly timing: Record<string, Record<string, { readonly secondsPerTrial: number }>>
}

interface Entry {
  readonly name: string
  /** optuna's sampler in the anchor that this one is compared with. */
  readonly peer: string
  readonly make: (budget: number, dim: number) => Sampler.Sampler
}

const SAMPLERS: ReadonlyArray<Entry> = [
  { name: "random", peer: "random", make: () => RandomSearch.sampler() },
  // the largest full grid within the budget, but never fewer than 3 values per axis (2 would be the box's corners only)
  { name: "grid", peer: "random", make: (budget, dim) => Grid.sampler({ pointsPerAxis: Math.max(3, Math.floor(budget ** (1 / dim))) }) },
  { name: "halton", peer: "qmcSobolScrambled", make: () => Halton.sampler() },
  { name: "tpe", peer: "tpe", make: () => Tpe.sampler() },
  { name: "tpe-multivariate", peer: "tpeMultivariate", make: () => Tpe.sampler({ multivariate: true }) },
  { name: "gp-ei", peer: "tpe", make: () => GpEi.sampler() }
]

export interface Row {
  readonly function: string
  readonly sampler: string
  readonly budget: number
  readonly checkpoints: ReadonlyArray<number>
  readonly seeds: ReadonlyArray<number>
  readonly regretMedian: ReadonlyArray<number>
  readonly regretQ25: ReadonlyArray<number>
  readonly regretQ75: ReadonlyArray<number>
  readonly regretIqr: ReadonlyArray<number>
  readonly secondsPerProposal: number
  /** Mean seconds of the proposals at the last 10 trials (the model's largest). */
  readonly secondsPerProposalAtBudget: number
}

export interface Options {
  readonly seeds?: number | undefined
  readonly samplers?: ReadonlyArray<string> | undefined
  readonly functions?: ReadonlyArray<string> | undefined
}

/** The sampler with the wall seconds of each of its proposals recorded on the side. */
const timed = (sampler: Sampler.Sampler): { readonly sampler: Sampler.Sampler; readonly seconds: Array<number> } => {
  const seconds: Array<number> = []
  return {
    seconds,
    sampler: {
      ...sampler,
      propose: (context) => {
        const t0 = performance.now()
        const point = sampler.propose(context)
        seconds.push((performance.now() - t0) / 1e3)
        return point
      }
    }
  }
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3))

export const run = (options: Options = {}): ReadonlyArray<Row> => {
  const anchor = JSON.parse(readFileSync(FIXTURE, "utf8")) as Anchor
  const rows: Array<Row> = []
  const functions = anchor.functions.filter((f) => options.functions === undefined || options.functions.includes(f.name))
  const samplers = SAMPLERS.filter((s) => options.samplers === undefined || options.samplers.includes(s.name))
  for (const fn of functions) {
    const reference = anchor.results.filter((r) => r.function === fn.name)
    const { budget, checkpoints } = reference[0]
    const seeds = reference[0].perSeed.map((s) => s.seed).slice(0, options.seeds)
    const space = Space.make(fn.bounds.map(([lo, hi], j) => Space.float(`x${j}`, lo, hi)))
    const f = TestFunctions.byName(fn.name, fn).f
    const names = Space.names(space)
    console.log(`\n${fn.name} (${fn.dim}-d), budget ${budget}, ${seeds.length} seeds; simple regret median [Q25, Q75] at ${checkpoints.join(" / ")} trials`)
    for (const entry of samplers) {
      const t0 = performance.now()
      const best: Array<Array<number>> = []
      let proposalSeconds = 0
      let lateSeconds = 0
      for (const seed of seeds) {
        const { sampler, seconds } = timed(entry.make(budget, fn.dim))
        const res = Sampler.minimize(sampler, space, (p) => f(names.map((n) => p[n] as number)), budget, seed)
        best.push(checkpoints.map((c) => res.bestSoFar[c - 1]))
        proposalSeconds += seconds.reduce((a, b) => a + b, 0) / budget
        lateSeconds += seconds.slice(budget - 10).reduce((a, b) => a + b, 0) / 10
      }
      const regret = Regret.summary(best, fn.fmin)
      const row: Row = {
        function: fn.name,
        sampler: entry.name,
        budget,
        checkpoints,
        seeds,
        regretMedian: regret.median,
        regretQ25: regret.q25,
        regretQ75: regret.q75,
        regretIqr: regret.iqr,
        secondsPerProposal: proposalSeconds / seeds.length,
        secondsPerProposalAtBudget: lateSeconds / seeds.length
      }
      rows.push(row)
      const peer = reference.find((r) => r.sampler === entry.peer)
      const band = (m: ReadonlyArray<number>, lo: ReadonlyArray<number>, hi: ReadonlyArray<number>) =>
        m.map((v, k) => `${fmt(v)} [${fmt(lo[k])}, ${fmt(hi[k])}]`).join("  ")
      console.log(`  ${entry.name.padEnd(17)} ${band(row.regretMedian, row.regretQ25, row.regretQ75)}   ${(row.secondsPerProposal * 1e3).toFixed(2)} ms/proposal (${(row.secondsPerProposalAtBudget * 1e3).toFixed(1)} ms at the budget)   ${((performance.now() - t0) / 1e3).toFixed(1)} s`)
      if (peer !== undefined) {
        const secs = anchor.timing[fn.name]?.[entry.peer]?.secondsPerTrial
        console.log(`  ${`optuna ${entry.peer}`.padEnd(17)} ${band(peer.regretMedian, peer.regretQ25, peer.regretQ75)}   ${secs === undefined ? "" : `${(secs * 1e3).toFixed(2)} ms/trial`}`)
      }
    }
  }
  console.log("\nTargets (final checkpoint, median regret):")
  for (const fn of functions) {
    const optunaTpe = anchor.results.find((r) => r.function === fn.name && r.sampler === "tpe")
    if (optunaTpe === undefined) continue
    const last = optunaTpe.regretMedian.length - 1
    const ref = optunaTpe.regretMedian[last]
    const gp = rows.find((r) => r.function === fn.name && r.sampler === "gp-ei")
    const tpe = rows.find((r) => r.function === fn.name && r.sampler === "tpe")
    if (gp !== undefined) console.log(`  ${fn.name}: gp-ei ${fmt(gp.regretMedian[last])} vs ½·optuna tpe ${fmt(ref / 2)}: ${gp.regretMedian[last] <= ref / 2 ? "met" : "NOT met"}`)
    if (tpe !== undefined) console.log(`  ${fn.name}: tpe ${fmt(tpe.regretMedian[last])} vs 1.25·optuna tpe ${fmt(1.25 * ref)}: ${tpe.regretMedian[last] <= 1.25 * ref ? "met" : "NOT met"}`)
  }
  mkdirSync(OUT_DIR, { recursive: true })
  writeFileSync(`${OUT_DIR}hpo.json`, JSON.stringify({ source: "bench/hpo.ts", anchor: "tests/fixtures/hpo_anchor.json", rows }, null, 1))
  console.log(`\nwrote ${OUT_DIR}hpo.json`)
  return rows
}

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run({
    seeds: flag("seeds") === undefined ? undefined : Number(flag("seeds")),
    samplers: flag("samplers")?.split(","),
    functions: flag("functions")?.split(",")
  })
}
