/**
 * Learning-rate schedules: the learning rate of optimiser step t (t = 0, 1, …), in closed form,
 * with torch.optim.lr_scheduler's conventions (v1.13) for a scheduler stepped after every
 * optimiser step (so step t uses the scheduler's value after t calls of `scheduler.step()`).
 *
 * - "constant":  lr
 * - "step":      lr·γ^⌊t/stepSize⌋                                       (StepLR)
 * - "cosine":    η_min + (lr − η_min)(1 + cos(πt/T_max))/2                (CosineAnnealingLR; PyTorch's
 *                recursive form equals this closed form to ~1e-15)
 * - "onecycle":  two cosine phases (OneCycleLR, anneal_strategy "cos", three_phase False): from
 *                lr/divFactor up to lr (the max_lr) over the first pctStart·total − 1 steps, then down
 *                to lr/(divFactor·finalDivFactor) at step total − 1; in phase k with ends (s₀, s₁) and
 *                values (a, b), lr_t = b + (a − b)(1 + cos(π(t − s₀)/(s₁ − s₀)))/2. Momentum is not
 *                cycled (cycle_momentum False).
 * Linear warm-up over W steps multiplies any of them by (t + 1)/W for t < W (LinearLR with
 * start_factor 1/W, end_factor 1, total_iters W − 1, chained with the schedule as ChainedScheduler
 * does: the factors multiply).
 *
 * When to use: `Training` calls `learningRate(plan, t)` before each step; the MLP config states
 * step sizes in epochs and `Mlp` converts them to steps. Pure functions of t.
 */

export const names = ["constant", "step", "cosine", "onecycle"] as const
export type Name = (typeof names)[number]

export type Schedule =
  | { readonly type: "constant" }
  | { readonly type: "step"; readonly stepSize: number; readonly gamma: number }
  | { readonly type: "cosine"; readonly tMax: number; readonly etaMin: number }
  | {
    readonly type: "onecycle"
    readonly totalSteps: number
    /** PyTorch's defaults: 0.3, 25, 1e4. */
    readonly pctStart: number
    readonly divFactor: number
    readonly finalDivFactor: number
  }

/** A base learning rate, its schedule and the warm-up steps (0 = none). */
export interface Plan {
  readonly learningRate: number
  readonly schedule: Schedule
  readonly warmup: number
}

export const constant = (learningRate: number): Plan => ({ learningRate, schedule: { type: "constant" }, warmup: 0 })

/** OneCycleLR's cosine annealing from a (pct 0) to b (pct 1). */
const anneal = (a: number, b: number, pct: number): number => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)

const oneCycle = (maxLr: number, s: Extract<Schedule, { type: "onecycle" }>, t: number): number => {
  const initial = maxLr / s.divFactor
  const minimum = initial / s.finalDivFactor
  // torch: phase ends at float(pct_start·total_steps) − 1 and total_steps − 1.
  const peak = s.pctStart * s.totalSteps - 1
  if (t <= peak && peak > 0) return anneal(initial, maxLr, t / peak)
  return anneal(maxLr, minimum, (t - peak) / (s.totalSteps - 1 - peak))
}

const scheduled = (lr: number, s: Schedule, t: number): number => {
  switch (s.type) {
    case "constant":
      return lr
    case "step":
      return lr * s.gamma ** Math.floor(t / s.stepSize)
    case "cosine":
      return s.etaMin + ((lr - s.etaMin) * (1 + Math.cos((Math.PI * t) / s.tMax))) / 2
    case "onecycle":
      return oneCycle(lr, s, t)
  }
}

/** The learning rate of optimiser step t ≥ 0. */
export const learningRate = (plan: Plan, t: number): number =>
  scheduled(plan.learningRate, plan.schedule, t) * (t < plan.warmup ? (t + 1) / plan.warmup : 1)
