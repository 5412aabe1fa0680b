/**
 * Progress of a run: a bar with elapsed time and ETA on a terminal (drawn once the run has taken
 * more than a couple of seconds), one plain line per finished trial otherwise (CI logs, pipes).
 * Written to stderr so stdout stays clean for results.
 */
import { Clock, Context, Effect, Layer } from "effect"
import type { TrialRow } from "../results/Run.ts"

export interface Reporter {
  start(total: number, alreadyDone: number): Effect.Effect<void>
  advance(row: TrialRow): Effect.Effect<void>
  finish(): Effect.Effect<void>
}

export class Progress extends Context.Service<Progress, Reporter>()("gpnn/pipeline/Progress") {
  /** Bar on a TTY, plain lines otherwise. */
  static readonly layer = Layer.sync(Progress, () => make(process.stderr))
  /** Says nothing: for tests and embedding. */
  static readonly layerSilent = Layer.succeed(Progress, {
    start: () => Effect.void,
    advance: () => Effect.void,
    finish: () => Effect.void
  })
}

/** "1 h 02 min", "3 min 07 s", "12.4 s". */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return "?"
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const s = Math.round(seconds)
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`
}

const describe = (row: TrialRow): string => {
  const metric = row.metrics.rmse ?? row.metrics.auc ?? row.metrics.accuracy
  const name = row.metrics.rmse !== undefined ? "rmse" : row.metrics.auc !== undefined ? "auc" : "acc"
  const score = row.status === "ok" && metric !== undefined ? `${name} ${metric.toPrecision(4)}` : row.status
  return `${row.model} fold ${row.fold} seed ${row.seedIndex}: ${score} (${row.fitSeconds.toFixed(1)} s)`
}

const make = (stream: NodeJS.WriteStream): Reporter => {
  const tty = stream.isTTY === true
  let total = 0
  let done = 0
  let doneAtStart = 0
  let startedAt = 0
  let drawn = false
  const line = (now: number, last: string): string => {
    const elapsed = (now - startedAt) / 1000
    const ranHere = done - doneAtStart
    const eta = ranHere > 0 ? (elapsed / ranHere) * (total - done) : Number.NaN
    return `[${done}/${total}] ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}${last ? ` · ${last}` : ""}`
  }
  return {
    start: (t, already) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        total = t
        done = already
        doneAtStart = already
        startedAt = now
        if (!tty) stream.write(`${t} trials${already > 0 ? `, ${already} already done` : ""}\n`)
      }),
    advance: (row) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        done++
        if (!tty) {
          stream.write(line(now, describe(row)) + "\n")
          return
        }
        if (now - startedAt < 2000 && done < total) return
        const width = 30
        const filled = Math.round((done / Math.max(total, 1)) * width)
        const bar = "█".repeat(filled) + "░".repeat(width - filled)
        const text = `${bar} ${line(now, describe(row))}`
        stream.write(`\r\x1b[2K${text.slice(0, (stream.columns ?? 120) - 1)}`)
        drawn = true
      }),
    finish: () =>
      Effect.sync(() => {
        if (drawn) stream.write("\n")
      })
  }
}
