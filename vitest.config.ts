import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    reporters: ["default", "./tests/support/CountReporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // tfjs-wasm and the experiment runs are CPU-bound; two forks match the machine's two cores.
    pool: "forks",
    maxWorkers: 2
  }
})
