/**
 * First-order optimisers with PyTorch's update rules (torch.optim, v1.13, no dampening, no
 * Nesterov), acting in place on tf.Variables, and gradient clipping by global norm.
 *
 * - "sgd":      w ← w − lr·g
 * - "momentum": v ← μ·v + g (v₀ = 0, so the first step has v = g); w ← w − lr·v
 * - "adam":     m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; t ← t+1;
 *               w ← w − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)     (Kingma & Ba, arXiv:1412.6980,
 *               bias-corrected, ε outside the root as in torch.optim.Adam)
 * - "adamw":    w ← w·(1 − lr·λ), then the Adam step (decoupled weight decay, Loshchilov &
 *               Hutter arXiv:1711.05101, torch.optim.AdamW)
 *
 * Weight decay λ (`weightDecay`, default 0) is coupled L2 for sgd, momentum and adam, as their
 * PyTorch `weight_decay`: g ← g + λ·w before the rule above; for adamw it is the decoupled shrink.
 * It applies to every variable given (biases and γ, β included, as `model.parameters()`).
 * `step` takes the learning rate of that step (a schedule's value; default the settings' lr).
 * `clipByGlobalNorm` is torch.nn.utils.clip_grad_norm_: g ← g·min(1, maxNorm/(‖g‖ + 1e-6)), the
 * norm taken over all gradients together, applied before `step` (so before the decay).
 *
 * Per-variable learning rates: `scales[i]` multiplies lr for variable i (default 1). This is how
 * a net held in the standard parameterisation W = c·ω is trained as if its parameters were ω
 * (the NTK parameterisation; see `Mlp.ts`): gradient descent on ω moves W by −lr·c²·∂L/∂W, so
 * sgd and momentum take scales c²; Adam's step is invariant to the gradient's scale, so it
 * takes scale c (its ε then sits beside √v of W's gradients, i.e. ω-space Adam with ε·c:
 * immaterial at ε = 1e-8).
 *
 * Conventions: state is float32 tf.Variables, one per parameter, in the order of the variables
 * the optimiser was made for; scalar factors are computed in float64 and enter as float32.
 * When to use: `make` once per fit, `step` inside each training step's `tf.tidy`, `dispose` after.
 */
import * as tf from "@tensorflow/tfjs"

export const names = ["sgd", "momentum", "adam", "adamw"] as const
export type Name = (typeof names)[number]

export interface Settings {
  readonly name: Name
  readonly learningRate: number
  /** μ of "momentum" (ignored by the others). */
  readonly momentum: number
  /** Adam's β₁, β₂, ε: PyTorch's defaults 0.9, 0.999, 1e-8 when absent. */
  readonly beta1?: number
  readonly beta2?: number
  readonly epsilon?: number
  /** Weight decay λ ≥ 0: coupled L2 for sgd, momentum, adam; decoupled for adamw (default 0). */
  readonly weightDecay?: number
  /** Per-variable learning-rate multipliers ≥ 0, in the order of the variables (default all 1). */
  readonly scales?: ReadonlyArray<number>
}

export interface Optimizer {
  readonly settings: Settings
  /**
   * Updates the variables from `gradients` (same order and shapes) with learning rate
   * `learningRate` (default `settings.learningRate`). Call inside `tf.tidy`.
   */
  step(gradients: ReadonlyArray<tf.Tensor>, learningRate?: number): void
  /** Frees the optimiser's state. Safe to call twice. */
  dispose(): void
}

const zeros = (v: tf.Variable): tf.Variable => tf.tidy(() => tf.variable(tf.zerosLike(v), false))

/** The global L2 norm √Σ g² over all `gradients`, a scalar tensor. Call inside `tf.tidy`. */
export const globalNorm = (gradients: ReadonlyArray<tf.Tensor>): tf.Scalar =>
  tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar

/**
 * The gradients scaled by min(1, maxNorm/(‖g‖ + 1e-6)) (torch.nn.utils.clip_grad_norm_), computed
 * on the device (no sync). Call inside `tf.tidy`.
 */
export const clipByGlobalNorm = (gradients: ReadonlyArray<tf.Tensor>, maxNorm: number): Array<tf.Tensor> => {
  const coef = tf.minimum(tf.div(maxNorm, tf.add(globalNorm(gradients), 1e-6)), 1)
  return gradients.map((g) => tf.mul(g, coef))
}

export const make = (settings: Settings, variables: ReadonlyArray<tf.Variable>): Optimizer => {
  const scales = settings.scales ?? variables.map(() => 1)
  if (scales.length !== variables.length || scales.some((s) => !(s >= 0) || !Number.isFinite(s))) {
    throw new Error(`Optimizer.make: ${scales.length} learning-rate scales for ${variables.length} variables, each must be finite and ≥ 0 (0 freezes the variable)`)
  }
  const decay = settings.weightDecay ?? 0
  if (!(decay >= 0) || !Number.isFinite(decay)) throw new Error(`Optimizer.make: weight decay ${decay} must be finite and ≥ 0`)
  const rates = (lr: number | undefined) => scales.map((s) => (lr ?? settings.learningRate) * s)
  // Coupled L2 (sgd, momentum, adam): the gradient the rule sees.
  const coupled = (g: tf.Tensor, w: tf.Variable): tf.Tensor => (decay === 0 || settings.name === "adamw" ? g : tf.add(g, tf.mul(w, decay)))
  const state: Array<tf.Variable> = []
  const dispose = () => {
    for (const s of state.splice(0)) s.dispose()
  }
  switch (settings.name) {
    case "sgd":
      return {
        settings,
        step: (gradients, lr) => {
          const r = rates(lr)
          variables.forEach((w, i) => w.assign(tf.sub(w, tf.mul(coupled(gradients[i], w), r[i]))))
        },
        dispose
      }
    case "momentum": {
      const mu = settings.momentum
      const velocity = variables.map(zeros)
      state.push(...velocity)
      return {
        settings,
        step: (gradients, lr) => {
          const r = rates(lr)
          variables.forEach((w, i) => {
            const v = tf.add(tf.mul(velocity[i], mu), coupled(gradients[i], w))
            velocity[i].assign(v)
            w.assign(tf.sub(w, tf.mul(v, r[i])))
          })
        },
        dispose
      }
    }
    case "adam":
    case "adamw": {
      const beta1 = settings.beta1 ?? 0.9
      const beta2 = settings.beta2 ?? 0.999
      const eps = settings.epsilon ?? 1e-8
      // Scaled moments m̃ = m/(1−β₁), ṽ = v/(1−β₂) save three full-size passes per step:
      // m̃ ← β₁m̃ + g, ṽ ← β₂ṽ + g², and the update above becomes w ← w − m̃/(k₁√ṽ + k₂) with
      // a = (1−β₁ᵗ)/(lr(1−β₁)), k₁ = a·√(1−β₂)/√(1−β₂ᵗ), k₂ = a·ε (the same rule, rearranged).
      const first = variables.map(zeros)
      const second = variables.map(zeros)
      state.push(...first, ...second)
      let t = 0
      return {
        settings,
        step: (gradients, lr) => {
          t += 1
          const r = rates(lr)
          variables.forEach((w, i) => {
            // A frozen variable (scale 0) keeps no moments; a scheduled rate of 0 still moves them.
            if (scales[i] === 0) return
            const g = coupled(gradients[i], w)
            const m = tf.add(tf.mul(first[i], beta1), g)
            const v = tf.add(tf.mul(second[i], beta2), tf.square(g))
            first[i].assign(m)
            second[i].assign(v)
            if (r[i] === 0) return
            const a = (1 - beta1 ** t) / (r[i] * (1 - beta1))
            const k1 = (a * Math.sqrt(1 - beta2)) / Math.sqrt(1 - beta2 ** t)
            const k2 = a * eps
            // AdamW: the shrink w·(1 − lr·λ) comes first, the step is then taken from it.
            const w0 = settings.name === "adamw" && decay > 0 ? tf.mul(w, 1 - r[i] * decay) : w
            w.assign(tf.sub(w0, tf.div(m, tf.add(tf.mul(tf.sqrt(v), k1), k2))))
          })
        },
        dispose
      }
    }
  }
}
