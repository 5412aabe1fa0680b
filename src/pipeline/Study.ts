/**
 * A study is what an experiment spec resolves to: the tasks, the shared split, the models with
 * their hyperparameters, and how many seeds each stochastic model gets. `trials` expands it into
 * the serialisable units of work (task × model × fold × seed) that executors run in any order.
 *
 * Reproducibility: the data and the folds of a task are drawn from seeds derived from the run seed
 * and the task's name alone, so every model sees identical splits (paired comparisons); a trial's
 * own seed derives from the run seed and the trial's key, so results do not depend on execution
 * order or on how many workers ran them.
 */
import * as Random from "../core/Random.ts"
import * as Split from "../data/Split.ts"
import type * as Task from "../data/Task.ts"
import type { TrialResult } from "../results/Run.ts"
import type * as Pruner from "../search/Pruner.ts"

/** How each task is split. K-fold scores every point once; holdout keeps the 70/20/10 workflow. */
export type SplitSpec = Split.Spec

/** One model of a study: a family, its config (validated by the family), and the axes it varies on. */
export interface ModelEntry {
  /** Unique within the study, e.g. "mlp-w64". Part of every trial key. */
  readonly id: string
  readonly family: string
  readonly config: Readonly<Record<string, unknown>>
  /** The study's independent variables for this model (e.g. `{ width: 64 }`), one column each in results. */
  readonly axes: Readonly<Record<string, number | string>>
}

/** A task of a study: its data-generating spec under a name unique within the study. */
export interface TaskEntry {
  readonly name: string
  readonly spec: Task.Spec
  /**
   * Points (rows of original-scale features) where every model of the task also predicts, stored
   * with each trial: posterior bands over a 1-d grid, decision boundaries over a 2-d grid.
   */
  readonly probe?: ReadonlyArray<ReadonlyArray<number>>
  /**
   * Store the data set as drawn and its folds with the run (`tasks/<name>.json`), for reports
   * that plot the points (a scatter under a decision surface, data under a posterior band).
   * Off by default: MNIST-sized data would dwarf the results.
   */
  readonly keepData?: boolean
  /**
   * The models of this task when they are not the study's (`Study.models`): a study that puts
   * regression and classification tasks side by side gives each task the families that fit it.
   */
  readonly models?: ReadonlyArray<ModelEntry>
}

export interface Study {
  readonly tasks: ReadonlyArray<TaskEntry>
  readonly split: SplitSpec
  readonly models: ReadonlyArray<ModelEntry>
  /** Seeds per (task, model, fold) for stochastic families; deterministic ones run once. */
  readonly seeds: number
  /** Store each trial's held-out predictions (for ROC curves, calibration, residual plots). */
  readonly keepPredictions?: boolean
  /**
   * Adaptive searches, run after the fixed trials (`Adaptive.ts`): each proposes its trials round
   * by round from the stored rows of its earlier rounds. A study of searches alone has `models: []`.
   */
  readonly searches?: ReadonlyArray<Search>
}

/**
 * An adaptive search over one task and one fold of its split: `budget` trials proposed in rounds
 * of `batch`. Round r holds trials [r·batch, min((r + 1)·batch, budget)); its proposals are made
 * from the rows of trials [0, r·batch) alone, in index order, so they depend on the run seed and
 * the trial order only: never on timing, on `--jobs` or on an interruption in between. `batch` is
 * part of the spec and never follows `--jobs` (a different batch is a different search).
 */
export interface Search {
  /** Unique within the study; with the task, the key of its trials: `<task>/<id>/trial=<i>`. */
  readonly id: string
  /** The name of a task of the study. */
  readonly task: string
  /** The fold of the task's split whose training part the search runs on (the outer fold). */
  readonly fold: number
  readonly budget: number
  readonly batch: number
  /**
   * The trials `start … start + count − 1`, from the stored results (rows and curves) of trials
   * `0 … start − 1` (index order; failed and diverged ones included) and the search's seed (the
   * run seed keyed by task and id). Must be pure: the same results and seed give the same proposals.
   */
  readonly propose: (history: ReadonlyArray<TrialResult>, start: number, count: number, seed: number) => ReadonlyArray<Proposal>
  /**
   * The largest model the search can propose (its space's upper corner), so that the size check
   * (Limits.ts) refuses an impossible search before any work starts, as it does fixed models.
   */
  readonly largest?: ModelEntry
}

/** One proposed trial: the model (config and axes) and, when it is scored by inner CV, how. */
export interface Proposal {
  readonly model: ModelEntry
  readonly objective?: Objective
}

/**
 * A search trial scored by an inner split of its fold's training part (nested CV; `Objective.ts`):
 * K inner folds, or one holdout split for single-split trials (then an MLP is pruned epoch by
 * epoch on its validation loss). The inner score is the objective a search minimises; the model
 * is then refitted on the whole training part and scored on the held-out fold, which no proposal
 * ever saw.
 */
export interface Objective {
  readonly inner: { readonly kind: "kfold"; readonly folds: number } | { readonly kind: "holdout"; readonly validation: number }
  /** The metric of `Score.score` minimised (e.g. "logLoss", "rmse"). */
  readonly metric: string
  /**
   * Pruning against the search's earlier trials (`peers`): fold-aware after each inner fold but the
   * last (progress kind "folds"), or epoch-aware after each epoch of a holdout trial's fit ("epochs").
   */
  readonly pruner?: {
    readonly rule: "median" | "successiveHalving"
    readonly median?: Pruner.MedianOptions
    readonly halving?: Pruner.HalvingOptions
    readonly peers: ReadonlyArray<Pruner.Peer>
  }
}

/** Everything a worker needs to run one trial, and nothing it must look up elsewhere. */
export interface TrialSpec {
  /** Position in the plan; results are stored in this order. */
  readonly order: number
  readonly key: string
  readonly runSeed: number
  readonly task: TaskEntry
  readonly split: SplitSpec
  readonly fold: number
  readonly model: ModelEntry
  readonly seedIndex: number
  readonly seed: number
  readonly keepPredictions: boolean
  /** Set on the trials of an adaptive search scored by inner CV. */
  readonly objective?: Objective
}

/** Folds per task: r × K for (repeated) k-fold, 1 for holdout. */
export const foldCount = (split: SplitSpec): number => Split.count(split)

export const trialKey = (taskName: string, modelId: string, fold: number, seedIndex: number): string =>
  `${taskName}/${modelId}/fold=${fold}/seed=${seedIndex}`

/** The seed a task's data are drawn from: depends on the run seed and the task's name only. */
export const dataSeed = (runSeed: number, taskName: string): number => Random.derive(runSeed, `data/${taskName}`)

/** The seed a task's split is drawn from, shared by every model of the run. */
export const splitSeed = (runSeed: number, taskName: string): number => Random.derive(runSeed, `split/${taskName}`)

/** Trials in a stable order: task, then fold, then model, then seed (cheap folds finish first). */
export const trials = (
  study: Study,
  seeds: { readonly runSeed: number; seedFor(key: string): number },
  isStochastic: (family: string) => boolean
): ReadonlyArray<TrialSpec> => {
  const runSeed = seeds.runSeed
  const out: Array<TrialSpec> = []
  for (const task of study.tasks) {
    for (let fold = 0; fold < foldCount(study.split); fold++) {
      for (const model of task.models ?? study.models) {
        const repeats = isStochastic(model.family) ? study.seeds : 1
        for (let seedIndex = 0; seedIndex < repeats; seedIndex++) {
          const key = trialKey(task.name, model.id, fold, seedIndex)
          out.push({ order: out.length, key, runSeed, task, split: study.split, fold, model, seedIndex, seed: seeds.seedFor(key), keepPredictions: study.keepPredictions ?? false })
        }
      }
    }
  }
  return out
}
