/**
 * `make bench`: every benchmark module in bench/ (each exports `run()`, which prints its figures
 * and the ratio to its Python peer when the peer is installed, and returns them), one after the
 * other so they do not compete for the two cores. `make bench ARGS="mlp gp"` runs only those.
 *
 * Each module's returned figures (its own numbers, the peer's and the ratios) are also written as
 * JSON to bench/out/<name>.json (git-ignored), with the Node version, the wasm kernel settings and
 * the time of the run, so runs can be compared without parsing the printed tables.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import * as WasmKernel from "../src/linalg/WasmKernel.ts"
import * as WorkShare from "../src/linalg/WorkShare.ts"

const dir = fileURLToPath(new URL(".", import.meta.url))
const outDir = fileURLToPath(new URL("./out/", import.meta.url))
const wanted = process.argv.slice(2)
const modules = fs.readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "main.ts")
  .map((f) => f.replace(/\.ts$/, ""))
  .sort()
const unknown = wanted.filter((w) => !modules.includes(w))
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(", ")}; known: ${modules.join(", ")}`)
  process.exit(1)
}
for (const name of wanted.length > 0 ? wanted : modules) {
  console.log(`\n=== bench/${name} ===`)
  const module = await import(new URL(`./${name}.ts`, import.meta.url).href) as { run?: () => unknown }
  if (typeof module.run !== "function") {
    console.error(`bench/${name}.ts exports no run()`)
    process.exitCode = 1
    continue
  }
  const figures = await module.run()
  const record = {
    benchmark: name,
    finishedAt: new Date().toISOString(),
    node: process.versions.node,
    wasm: { enabled: WasmKernel.isEnabled(), fused: WasmKernel.isFused(), helperThread: WorkShare.helperRunning() },
    figures
  }
  fs.mkdirSync(outDir, { recursive: true })
  const file = `${outDir}${name}.json`
  fs.writeFileSync(file, `${JSON.stringify(record, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)}\n`)
  console.log(`(figures written to bench/out/${name}.json)`)
}
