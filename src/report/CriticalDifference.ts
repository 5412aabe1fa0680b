/**
 * The critical-difference diagram of Demšar (2006): models placed on an axis of average rank
 * over tasks (1 = best, drawn on the left), each named beside a leader line, and thick bars
 * joining the models whose average ranks lie within the Nemenyi critical difference CD of one
 * another (no significant difference among them at level α). A scale bar shows CD itself.
 *
 * Conventions: `avgRanks` from RankTests.friedman (midranks, 1 = best), `cd` from
 * RankTests.nemenyi over the same N tasks. The cliques are the maximal runs of the rank-sorted
 * models whose first and last ranks differ by at most CD (Demšar's drawing rule); a run contained
 * in another is not drawn. The SVG is written by hand (fixed layout, no scripts), so the figure is
 * byte-stable and goes through `Document.figure`.
 *
 * Citation: J. Demšar, "Statistical comparisons of classifiers over multiple data sets", JMLR 7
 * (2006) 1–30, Fig. 1–2.
 */
import * as Chart from "./Chart.ts"
import * as Format from "./Format.ts"
import * as Html from "./Html.ts"

/** Index runs [from, to] (inclusive, in rank order) of models whose ranks span ≤ cd, maximal ones only. */
export const cliques = (sortedRanks: ReadonlyArray<number>, cd: number): Array<readonly [number, number]> => {
  const runs: Array<readonly [number, number]> = []
  for (let i = 0; i < sortedRanks.length; i++) {
    let j = i
    while (j + 1 < sortedRanks.length && sortedRanks[j + 1] - sortedRanks[i] <= cd) j++
    if (j > i && !runs.some(([a, b]) => a <= i && j <= b)) runs.push([i, j])
  }
  return runs
}

export interface Options {
  readonly title: string
  readonly names: ReadonlyArray<string>
  readonly avgRanks: ArrayLike<number>
  readonly cd: number
  /** The number of tasks the ranks average over and the level, for the subtitle. */
  readonly nTasks: number
  readonly alpha: number
}

const WIDTH = 640
const LEFT = 150
const RIGHT = WIDTH - 150
const AXIS_Y = 84
const ROW = 22

const text = (x: number, y: number, anchor: "start" | "middle" | "end", body: string, size = 12, weight = "normal"): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" font-weight="${weight}" font-family="Helvetica, Arial, sans-serif" fill="#1f2328">${Html.escape(body)}</text>`

const line = (x1: number, y1: number, x2: number, y2: number, width = 1, color = "#1f2328"): string =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${color}" stroke-width="${width}"/>`

/** The diagram as one <svg> element. */
export const svg = (options: Options): string => {
  const k = options.names.length
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => options.avgRanks[a] - options.avgRanks[b] || a - b)
  const sorted = order.map((i) => options.avgRanks[i])
  const x = (rank: number) => LEFT + ((rank - 1) / Math.max(1, k - 1)) * (RIGHT - LEFT)
  const groups = cliques(sorted, options.cd)
  const half = Math.ceil(k / 2)
  const labelsTop = AXIS_Y + 18 + groups.length * 8
  const height = labelsTop + Math.max(half, k - half) * ROW + 16
  const subtitle = `average rank over ${options.nTasks} tasks (1 = best); bars join models within CD = ${Format.fixed(options.cd, 2)} (Nemenyi, α = ${options.alpha})`
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    text(6, 18, "start", options.title, 16, "bold"),
    text(6, 36, "start", subtitle, 12),
    line(LEFT, AXIS_Y, RIGHT, AXIS_Y)
  ]
  for (let r = 1; r <= k; r++) parts.push(line(x(r), AXIS_Y - 5, x(r), AXIS_Y), text(x(r), AXIS_Y - 8, "middle", String(r), 12))
  // the CD scale bar, above the axis from rank 1 (a CD wider than the figure is cut at its edge and says so)
  const cdEnd = Math.min(x(1 + options.cd), WIDTH - 40)
  const cut = cdEnd < x(1 + options.cd)
  parts.push(line(x(1), 52, cdEnd, 52, 2), line(x(1), 48, x(1), 56), line(cdEnd, 48, cdEnd, 56), text(cdEnd + 4, 56, "start", cut ? "CD →" : "CD", 12))
  order.forEach((model, position) => {
    const left = position < half
    const rowIndex = left ? position : k - 1 - position
    const y = labelsTop + rowIndex * ROW
    const xr = x(options.avgRanks[model])
    const end = left ? LEFT - 12 : RIGHT + 12
    parts.push(line(xr, AXIS_Y, xr, y, 1, "#57606a"), line(xr, y, end, y, 1, "#57606a"))
    parts.push(text(left ? end - 4 : end + 4, y + 4, left ? "end" : "start", `${options.names[model]} (${Format.fixed(options.avgRanks[model], 2)})`))
  })
  groups.forEach(([a, b], g) => {
    const y = AXIS_Y + 10 + g * 8
    parts.push(line(x(sorted[a]) - 3, y, x(sorted[b]) + 3, y, 4, "#0969da"))
  })
  parts.push("</svg>")
  const ranking = order.map((m) => `${options.names[m]} ${Format.fixed(options.avgRanks[m], 2)}`).join(", ")
  return Chart.asImage(parts.join("\n"), options.title, `${subtitle}. Average ranks: ${ranking}.`)
}
