/**
 * Pruning as pure decision logic: given a running trial's reports so far and the other trials'
 * reports, stop it or let it go on, and say why, with the numbers the decision rests on.
 *
 * Conventions: objectives are MINIMISED. A trial's `Progress` is either
 * - "epochs": values[s − 1] is the validation loss reported after epoch s (a learning curve), or
 * - "folds": values[m − 1] is the held-out loss of fold m of a K-fold objective, in the study's
 *   fold order (folds are drawn once per run and shared by every trial). A trial is judged at m
 *   folds by the MEAN of its first m folds, against other trials' means over the same first m
 *   folds, so a trial is never compared on a fold it has not run, nor against a different mix of
 *   folds.
 * The step of a decision is the number of reports so far (epochs run, or folds finished).
 *
 * Rules:
 * - median (optuna's MedianPruner: n_startup_trials 5, n_warmup_steps 0, n_min_trials 1): prune
 *   when the trial's value at this step is worse than the median of the COMPLETE trials' values at
 *   the same step. The trial's value is its best so far for epochs (optuna's rule, forgiving a noisy
 *   epoch) and the running mean for folds. Nothing is pruned before `startupTrials` trials completed
 *   or within `warmupSteps` steps.
 * - successive halving (ASHA; optuna's SuccessiveHalvingPruner with min_resource 1, reduction
 *   factor η = 4, min_early_stopping_rate 0): rung k sits at step r_k = minResource·η^(rate + k);
 *   at a rung the trial goes on only if its value is within the best ⌊c/η⌋ of the c values that
 *   every trial reaching the rung reported there (itself included; the best one when c < η);
 *   between rungs it goes on.
 *
 * Citation: Golovin et al., "Google Vizier", KDD 2017 (median stopping); Li et al., "A System for
 * Massively Parallel Hyperparameter Tuning" (ASHA), MLSys 2020, Alg. 2; Akiba et al., "Optuna",
 * KDD 2019.
 */

export interface Progress {
  readonly kind: "epochs" | "folds"
  readonly values: ReadonlyArray<number>
}

export interface Peer {
  readonly status: "complete" | "pruned" | "running"
  readonly progress: Progress
}

export interface Decision {
  readonly prune: boolean
  readonly rule: "median" | "successiveHalving"
  /** Epochs run or folds finished. */
  readonly step: number
  /** The trial's value the rule compared (best so far, running mean, or the value at the rung). */
  readonly value: number
  /** What it was compared with (the median, or the worst promotable value); absent when no comparison was made. */
  readonly threshold?: number
  /** How many other trials' values entered the comparison. */
  readonly peers: number
  /** The rung (successive halving), when the step is one. */
  readonly rung?: number
  readonly reason: string
}

/** The value a progress has at `step` (1-based): the report itself for epochs, the mean of the first `step` folds for folds. */
export const valueAt = (progress: Progress, step: number): number => {
  if (step < 1 || step > progress.values.length) return Number.NaN
  if (progress.kind === "epochs") return progress.values[step - 1]
  let s = 0
  for (let i = 0; i < step; i++) s += progress.values[i]
  return s / step
}

/** numpy's median (linear interpolation between the middle pair). */
const middle = (values: ReadonlyArray<number>): number => {
  const s = [...values].sort((a, b) => a - b)
  const h = (s.length - 1) / 2
  const lo = Math.floor(h)
  return s[lo] + (h - lo) * (s[Math.ceil(h)] - s[lo])
}

const peersAt = (peers: ReadonlyArray<Peer>, kind: Progress["kind"], step: number, statuses: ReadonlyArray<Peer["status"]>): Array<number> =>
  peers
    .filter((p) => statuses.includes(p.status) && p.progress.kind === kind && p.progress.values.length >= step)
    .map((p) => valueAt(p.progress, step))
    .filter((v) => !Number.isNaN(v))

export interface MedianOptions {
  readonly startupTrials?: number
  readonly warmupSteps?: number
  readonly minTrials?: number
}

/** The median rule's decision for a trial with `progress` among `peers`. */
export const median = (progress: Progress, peers: ReadonlyArray<Peer>, options: MedianOptions = {}): Decision => {
  const { startupTrials = 5, warmupSteps = 0, minTrials = 1 } = options
  const step = progress.values.length
  const value = progress.kind === "epochs"
    ? progress.values.reduce((m, v) => (Number.isNaN(v) ? m : Math.min(m, v)), Number.POSITIVE_INFINITY)
    : valueAt(progress, step)
  const base = { rule: "median" as const, step, value }
  if (step === 0) return { ...base, prune: false, peers: 0, reason: "nothing reported yet" }
  if (Number.isNaN(valueAt(progress, step))) return { ...base, prune: true, peers: 0, reason: `the value at step ${step} is NaN` }
  const completed = peers.filter((p) => p.status === "complete").length
  if (completed < startupTrials) return { ...base, prune: false, peers: 0, reason: `only ${completed} of the ${startupTrials} startup trials have completed` }
  if (step <= warmupSteps) return { ...base, prune: false, peers: 0, reason: `step ${step} is within the ${warmupSteps} warm-up steps` }
  const others = peersAt(peers, progress.kind, step, ["complete"])
  if (others.length < minTrials) return { ...base, prune: false, peers: others.length, reason: `${others.length} completed trials reached step ${step}; at least ${minTrials} needed` }
  const threshold = middle(others)
  const what = progress.kind === "epochs" ? "best value so far" : `mean over the first ${step} folds`
  return value > threshold
    ? { ...base, prune: true, threshold, peers: others.length, reason: `${what} ${value} is worse than the median ${threshold} of ${others.length} completed trials at step ${step}` }
    : { ...base, prune: false, threshold, peers: others.length, reason: `${what} ${value} is no worse than the median ${threshold} of ${others.length} completed trials at step ${step}` }
}

export interface HalvingOptions {
  readonly minResource?: number
  readonly reductionFactor?: number
  readonly minEarlyStoppingRate?: number
}

/** The rung whose resource is exactly `step`, if any. */
export const rungAt = (step: number, options: HalvingOptions = {}): number | undefined => {
  const { minResource = 1, reductionFactor = 4, minEarlyStoppingRate = 0 } = options
  for (let k = 0; ; k++) {
    const r = minResource * reductionFactor ** (minEarlyStoppingRate + k)
    if (r === step) return k
    if (r > step) return undefined
  }
}

/** The successive-halving (ASHA) decision for a trial with `progress` among `peers` (any status). */
export const successiveHalving = (progress: Progress, peers: ReadonlyArray<Peer>, options: HalvingOptions = {}): Decision => {
  const eta = options.reductionFactor ?? 4
  const step = progress.values.length
  const value = valueAt(progress, step)
  const base = { rule: "successiveHalving" as const, step, value }
  if (step === 0) return { ...base, prune: false, peers: 0, reason: "nothing reported yet" }
  if (Number.isNaN(value)) return { ...base, prune: true, peers: 0, reason: `the value at step ${step} is NaN` }
  const rung = rungAt(step, options)
  if (rung === undefined) return { ...base, prune: false, peers: 0, reason: `step ${step} is not a rung` }
  const others = peersAt(peers, progress.kind, step, ["complete", "pruned", "running"])
  const competing = [...others, value].sort((a, b) => a - b)
  const index = Math.max(0, Math.floor(competing.length / eta) - 1)
  const threshold = competing[index]
  const top = `the best ${index + 1} of ${competing.length} values at rung ${rung} (step ${step})`
  return value <= threshold
    ? { ...base, prune: false, rung, threshold, peers: others.length, reason: `${value} is among ${top}: promoted` }
    : { ...base, prune: true, rung, threshold, peers: others.length, reason: `${value} is not among ${top}, whose worst is ${threshold}` }
}
