/**
 * `make bench`: every benchmark module in bench/ (each exports `run()`, which prints its figures
 * and the ratio to its Python peer when the peer is installed), one after the other so they do
 * not compete for the two cores. `make bench ARGS="mlp gp"` runs only those.
 */
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL(".", import.meta.url))
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
  await module.run()
}
