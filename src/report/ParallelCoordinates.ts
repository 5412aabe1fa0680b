/**
 * A parallel-coordinates plot of search trials as a standalone SVG: one vertical axis per
 * parameter of the space, in the space's order, and one polyline per trial through its values,
 * coloured by its objective (viridis by rank: dark = best). The best trial is drawn last and
 * thicker, so it is never hidden.
 *
 * Conventions: a parameter's axis spans its range in the unit-cube coordinate of `Space.toUnit`
 * (log where the space is log; a categorical's choices at (i + ½)/k); an inactive conditional
 * parameter breaks the trial's line (the segments to and from it are not drawn). Written by hand
 * rather than through vega-lite (`Chart.ts` has no parallel axes): the SVG is a pure function of
 * its input, numbers rounded to 0.01 px, so reports regenerate byte for byte.
 *
 * When to use: `ParallelCoordinates.render({ title, space, trials })` for a `Document.figure`.
 * Gotchas: trials without a finite value are left out (and counted in the subtitle).
 */
import * as Space from "../search/Space.ts"
import * as Chart from "./Chart.ts"
import * as Format from "./Format.ts"

export interface Options {
  readonly title: string
  readonly space: Space.Space
  readonly trials: ReadonlyArray<{ readonly params: Space.Params; readonly value: number | undefined }>
  readonly width?: number
  readonly height?: number
}

/** viridis at t ∈ [0, 0.85] (the same part of the map `Chart.ts` uses), linearly between 6 stops. */
const viridis = (t: number): string => {
  const stops = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]]
  const x = Math.min(1, Math.max(0, t)) * 0.85 * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const f = x - i
  const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)))
  return `#${c.map((v) => v.toString(16).padStart(2, "0")).join("")}`
}

const r2 = (v: number): string => {
  const r = Math.round(v * 100) / 100
  return Object.is(r, -0) ? "0" : String(r)
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const text = (x: number, y: number, s: string, attrs = ""): string =>
  `<text x="${r2(x)}" y="${r2(y)}"${attrs}>${escape(s)}</text>`

/** Tick labels of a parameter's axis: its ends (numbers) or its choices (categoricals), at unit positions. */
const ticks = (p: Space.Param): Array<{ readonly u: number; readonly label: string }> => {
  if (p.type === "categorical") return p.choices.map((c, i) => ({ u: (i + 0.5) / p.choices.length, label: String(c) }))
  const unit = (v: number) => Space.toUnit(Space.make([{ ...p, when: undefined }]), { [p.name]: v })[0]
  const mid = p.log ? Math.sqrt(p.low * p.high) : (p.low + p.high) / 2
  const values = [...new Set([p.low, p.type === "int" ? Math.round(mid) : mid, p.high])]
  return values.map((v) => ({ u: unit(v), label: p.type === "int" ? String(v) : Format.significant(v, 2) }))
}

/** The plot as an SVG document. */
export const render = (options: Options): string => {
  const { space, title } = options
  const width = options.width ?? 720
  const height = options.height ?? 340
  const kept = options.trials.filter((t) => t.value !== undefined && Number.isFinite(t.value))
  const dropped = options.trials.length - kept.length
  const left = 60
  const right = 120
  const top = 64
  const bottom = 30
  const d = space.params.length
  const xOf = (j: number) => left + (d === 1 ? 0.5 : j / (d - 1)) * (width - left - right)
  const yOf = (u: number) => top + (1 - u) * (height - top - bottom)
  // Rank by value (ties by input order), worst drawn first so the best lie on top.
  const order = kept.map((_, i) => i).sort((a, b) => (kept[a].value as number) - (kept[b].value as number) || a - b)
  const rank = new Map(order.map((i, r) => [i, r]))
  const parts: Array<string> = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`)
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  parts.push(text(6, 20, title, ` font-size="16" font-weight="bold" fill="#1f2328"`))
  const subtitle = `${kept.length} trial${kept.length === 1 ? "" : "s"}; colour: objective rank (dark = best)${dropped > 0 ? `; ${dropped} without a finite value omitted` : ""}`
  parts.push(text(6, 38, subtitle, ` font-size="12" fill="#57606a"`))
  for (const i of [...order].reverse()) {
    const t = kept[i]
    const u = Space.toUnit(space, t.params)
    const r = rank.get(i) as number
    const colour = viridis(kept.length === 1 ? 0 : r / (kept.length - 1))
    const best = r === 0
    let path = ""
    let pen = false
    u.forEach((v, j) => {
      if (!Number.isFinite(v)) {
        pen = false
        return
      }
      path += `${pen ? "L" : "M"}${r2(xOf(j))},${r2(yOf(v))}`
      pen = true
    })
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="${best ? 2.6 : 1}" stroke-opacity="${best ? 1 : 0.45}"/>`)
  }
  space.params.forEach((p, j) => {
    const x = xOf(j)
    parts.push(`<line x1="${r2(x)}" y1="${r2(yOf(0))}" x2="${r2(x)}" y2="${r2(yOf(1))}" stroke="#8c959f"/>`)
    parts.push(text(x, top - 12, `${p.name}${p.type !== "categorical" && p.log ? " (log)" : ""}`, ` font-size="12" text-anchor="middle" fill="#1f2328"`))
    for (const tick of ticks(p)) {
      parts.push(`<line x1="${r2(x - 3)}" y1="${r2(yOf(tick.u))}" x2="${r2(x)}" y2="${r2(yOf(tick.u))}" stroke="#8c959f"/>`)
      // A white halo keeps the label readable over the lines that cross it.
      parts.push(text(x - 5, yOf(tick.u) + 3.5, tick.label, ` font-size="12" text-anchor="end" fill="#1f2328" stroke="white" stroke-width="3" paint-order="stroke"`))
    }
  })
  // Colour key: best at the top.
  const keyX = width - right + 50
  const steps = 20
  for (let s = 0; s < steps; s++) {
    const y0 = top + (s / steps) * (height - top - bottom)
    parts.push(`<rect x="${r2(keyX)}" y="${r2(y0)}" width="12" height="${r2((height - top - bottom) / steps + 0.5)}" fill="${viridis(s / (steps - 1))}"/>`)
  }
  if (kept.length > 0) {
    parts.push(text(keyX + 16, top + 8, Format.significant(kept[order[0]].value as number, 3), ` font-size="12" fill="#1f2328"`))
    parts.push(text(keyX + 16, height - bottom, Format.significant(kept[order[order.length - 1]].value as number, 3), ` font-size="12" fill="#1f2328"`))
  }
  parts.push(text(keyX, top - 12, "objective", ` font-size="12" fill="#1f2328"`))
  parts.push("</svg>")
  const best = kept.length > 0 ? `; best objective ${Format.significant(kept[order[0]].value as number, 3)}, worst ${Format.significant(kept[order[order.length - 1]].value as number, 3)}` : ""
  return Chart.asImage(parts.join("\n"), title, `Parallel coordinates of ${space.params.map((p) => p.name).join(", ")}: ${subtitle}${best}.`) + "\n"
}
