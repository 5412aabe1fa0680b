#!/usr/bin/env node
// `npx gpnn`: the CLI is TypeScript run directly by Node >= 22.18 (type stripping).
const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`gpnn needs Node >= 22.18 (this is ${process.version}); run it through make (which provides one) or install a newer Node.`)
  process.exit(1)
}
await import("../src/cli/main.ts")
