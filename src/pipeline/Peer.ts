/**
 * `gpnn peer <name>`: runs the experiment's Python peer (../shared/peers, PyTorch +
 * scikit-learn) with the parameters and seed of a stored run, and stores what it printed (JSON
 * lines) as the run's `extras/peer.json`, so the report can put both side by side. The peer
 * runs once per run, on demand: it needs python3-torch and python3-sklearn, which CI lacks.
 */
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { ConfigError, StoreError } from "../core/Errors.ts"
import { ResultStore } from "../results/Store.ts"
import type * as Experiment from "./Experiment.ts"
import * as Report from "./Report.ts"

export interface PeerRecord {
  readonly command: string
  readonly records: ReadonlyArray<Record<string, unknown>>
}

const runPython = (python: string, script: string, args: ReadonlyArray<string>) =>
  Effect.callback<string, StoreError>((resume) => {
    execFile(python, [script, ...args], { maxBuffer: 1 << 26, cwd: path.dirname(script) }, (error, stdout, stderr) => {
      if (error) resume(Effect.fail(new StoreError({ path: script, message: `the peer failed (${error.message.split("\n")[0]}): ${stderr.split("\n").slice(-5).join(" ")}` })))
      else resume(Effect.succeed(stdout))
    })
  })

export const run = Effect.fn("Peer.run")(function*(
  experiment: Experiment.Any,
  runId: string | undefined,
  options: { readonly peersDir: string; readonly python: string; readonly reportsDir: string | undefined }
) {
  if (experiment.peer === undefined) {
    return yield* new ConfigError({ field: "experiment", message: `${experiment.name} has no Python peer` })
  }
  const script = path.resolve(options.peersDir, experiment.peer.script)
  if (!fs.existsSync(script)) {
    return yield* new ConfigError({ field: "--peers", message: `no peer script at ${script}; point --peers at the directory holding ${experiment.peer.script}` })
  }
  const store = yield* ResultStore
  const id = yield* Report.chooseRun(experiment.name, runId)
  const manifest = yield* store.readManifest(experiment.name, id)
  const args = yield* experiment.peer.args(manifest.params, manifest.seed)
  const stdout = yield* runPython(options.python, script, args)
  const records = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>)
  const value: PeerRecord = { command: `python3 ${experiment.peer.script} ${args.join(" ")}`, records }
  yield* store.writeExtra(experiment.name, id, "peer", value)
  return yield* Report.write(experiment, id, options.reportsDir)
})
