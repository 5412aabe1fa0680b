/**
 * Chooses the TensorFlow.js backend the MLPs train on, at run time, once per process (or worker
 * thread: tfjs's engine is a per-thread singleton).
 *
 * Backends: "tensorflow-gpu" (@tensorflow/tfjs-node-gpu, CUDA), "tensorflow" (@tensorflow/tfjs-node,
 * native libtensorflow), "wasm" (@tensorflow/tfjs-backend-wasm, SIMD, one thread in Node),
 * "cpu" (plain JS, slowest). The two native packages are optional dependencies whose install
 * downloads libtensorflow; they are loaded with a dynamic `import()` and simply skipped by
 * "auto" when absent. "auto" takes the first that loads, in that order.
 *
 * When to use: provide `NnBackend.layer(requested)` to any program that fits an MLP; read
 * `NnBackend`'s `name` to record which backend actually ran.
 * Gotchas: selection is global to the thread; the first successful selection wins and later
 * requests for a different backend switch the global backend (and the tensors made before).
 */
import * as tf from "@tensorflow/tfjs"
import { Context, Effect, Layer } from "effect"
import { BackendError } from "../../core/Errors.ts"

export const backendNames = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const
export type BackendName = (typeof backendNames)[number]
type Concrete = Exclude<BackendName, "auto">

const autoOrder: ReadonlyArray<Concrete> = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"]

/** The npm package that registers each backend; tfjs-node and tfjs-node-gpu both register "tensorflow". */
const packages: Record<Concrete, { readonly module?: string; readonly tfName: string }> = {
  "tensorflow-gpu": { module: "@tensorflow/tfjs-node-gpu", tfName: "tensorflow" },
  tensorflow: { module: "@tensorflow/tfjs-node", tfName: "tensorflow" },
  wasm: { module: "@tensorflow/tfjs-backend-wasm", tfName: "wasm" },
  cpu: { tfName: "cpu" }
}

/** Loads the backend's package and makes it tfjs's current backend; the reason it could not, or undefined. */
const tryLoad = async (name: Concrete): Promise<string | undefined> => {
  const { module, tfName } = packages[name]
  try {
    // A non-literal specifier keeps TypeScript from resolving packages that are not installed.
    if (module !== undefined) await import(module)
    if (tf.findBackendFactory(tfName) === null) return `${module ?? tfName} registered no "${tfName}" backend`
    const ok = await tf.setBackend(tfName)
    if (!ok) return `tf.setBackend("${tfName}") failed to initialise`
    await tf.ready()
    return undefined
  } catch (error) {
    return `${module ?? tfName}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`
  }
}

let selected: { readonly requested: BackendName; readonly name: string } | undefined

/**
 * Makes `requested` the thread's tfjs backend and returns the name tfjs reports (`tf.getBackend()`).
 * Fails with BackendError naming the backend and listing those that do load.
 */
export const select = (requested: BackendName): Effect.Effect<string, BackendError> =>
  Effect.gen(function*() {
    if (selected !== undefined && (selected.requested === requested || requested === "auto") && tf.getBackend() === selected.name) {
      return selected.name
    }
    const candidates = requested === "auto" ? autoOrder : [requested]
    const failures: Array<string> = []
    for (const name of candidates) {
      const failure = yield* Effect.promise(() => tryLoad(name))
      if (failure === undefined) {
        const actual = tf.getBackend()
        selected = { requested, name: actual }
        return actual
      }
      failures.push(`${name} (${failure})`)
    }
    const loadable = yield* Effect.promise(() => available())
    return yield* new BackendError({
      backend: requested,
      message: `the tfjs backend "${requested}" could not be loaded: ${failures.join("; ")}. ` +
        `Available here: ${loadable.length > 0 ? loadable.join(", ") : "none"}; pick one with --backend, or "auto".`
    })
  })

/** The backends whose packages are installed here (it does not change the current backend). */
export const available = async (): Promise<Array<Concrete>> => {
  const out: Array<Concrete> = []
  for (const name of autoOrder) {
    const { module, tfName } = packages[name]
    try {
      if (module !== undefined) await import(module)
      if (tf.findBackendFactory(tfName) !== null) out.push(name)
    } catch {
      // not installed: not available
    }
  }
  return out
}

/**
 * The tfjs backend as an Effect service: everything that trains a net requires it, so a program
 * states its backend once, at the edge (`--backend`).
 */
export class NnBackend extends Context.Service<NnBackend, { readonly name: string }>()("gpnn/models/mlp/NnBackend") {
  /** Selects `requested` once, when the layer is built, and provides the name that runs. */
  static layer(requested: BackendName): Layer.Layer<NnBackend, BackendError> {
    return Layer.effect(NnBackend, Effect.map(select(requested), (name) => NnBackend.of({ name })))
  }
}
