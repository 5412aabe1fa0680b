/**
 * A 2-d classifier's decision surface: its stored predictions on the task's probe grid as the
 * background, the task's stored data points on top, coloured by class. Everything comes from the
 * stored run (the probe rows and the points from `Stored.data`, the predictions from
 * `run.probes`), so the figure shows what the trial saw and predicted, not a redraw.
 *
 * When to use: a study on a 2-d binary task whose task entry has a `probe` grid and `keepData`.
 * `value: "decision"` shades the decision value (clipped to ±`clip`, default 2, so the margin is
 * visible); `value: "probability"` shades P(class 1) on [0, 1]. Both run from class 0's point
 * colour (f < 0, P < ½) through grey to class 1's, the colours of the points themselves.
 * Gotchas: fails with ConfigError when the task is not 2-d or the prediction lacks the value.
 */
import { Effect } from "effect"
import { ConfigError } from "../core/Errors.ts"
import type { StoredPrediction } from "../results/Run.ts"
import * as Chart from "./Chart.ts"
import type * as Stored from "./Stored.ts"

export interface Options {
  readonly title: string
  readonly subtitle?: string
  readonly task: Stored.TaskData & Stored.TaskProbe
  /** The trial's predictions at the probe rows; undefined when the trial stored none (the background is then empty). */
  readonly prediction: StoredPrediction | undefined
  readonly value: "decision" | "probability"
  /** |decision| shown up to this (default 2). */
  readonly clip?: number
  /** Only these rows of the data are drawn (e.g. a fold's training part); default all. */
  readonly points?: ReadonlyArray<number>
  readonly width?: number
  readonly height?: number
}

/** The background cells: probe x₁, x₂ and the shaded value (NaN where the prediction is missing). */
export const background = (options: Options): Array<Chart.Datum> => {
  const { probe } = options.task
  const clip = options.clip ?? 2
  const p = options.prediction
  const at = (i: number): number => {
    if (p === undefined) return Number.NaN
    if (options.value === "decision") return Math.max(-clip, Math.min(clip, p.decision?.[i] ?? Number.NaN))
    return p.classes === 2 ? (p.probabilities?.[2 * i + 1] ?? Number.NaN) : Number.NaN
  }
  return probe.map(([x1, x2], i) => ({ x1, x2, f: at(i) }))
}

/** The data points: x₁, x₂ and "class k". */
export const points = (task: Stored.TaskData, rows?: ReadonlyArray<number>): Array<Chart.Datum> =>
  (rows ?? task.y.map((_, i) => i)).map((i) => ({ x1: task.X[i][0], x2: task.X[i][1], class: `class ${task.y[i]}` }))

export const chart = (options: Options): Effect.Effect<Chart.Scatter, ConfigError> => {
  const { task } = options
  if (task.probe.some((row) => row.length !== 2) || task.X.some((row) => row.length !== 2)) {
    return Effect.fail(new ConfigError({ field: `DecisionSurface(${task.name})`, message: `task "${task.name}" is not 2-d; a decision surface needs two input columns and a 2-d probe grid` }))
  }
  const field = options.value === "decision" ? "decision" : "probabilities"
  if (options.prediction !== undefined && options.prediction[field] === undefined) {
    return Effect.fail(new ConfigError({ field: `DecisionSurface(${task.name})`, message: `the stored prediction has no ${field}; use value: "${options.value === "decision" ? "probability" : "decision"}"` }))
  }
  const clip = options.clip ?? 2
  // Classes 0 and 1 (the binary convention) and any other of the task, in label order (not that
  // of the first point drawn), so class k has the k-th palette colour in every panel and the
  // shading's ends match its points.
  const classes = [...new Set([0, 1, ...task.y])].sort((a, b) => a - b).map((k) => `class ${k}`)
  return Effect.succeed(Chart.scatter({
    title: options.title,
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    width: options.width ?? 380,
    height: options.height ?? 300,
    data: points(task, options.points),
    x: { field: "x1", title: "x₁" },
    y: { field: "x2", title: "x₂" },
    colour: { field: "class", title: "", order: classes },
    background: {
      data: background(options),
      x: "x1",
      y: "x2",
      value: "f",
      title: options.value === "decision" ? "decision" : "P(class 1)",
      domain: options.value === "decision" ? [-clip, clip] : [0, 1],
      classes: ["class 0", "class 1"]
    }
  }))
}
