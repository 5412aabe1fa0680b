/**
 * Charts as data → SVG strings, rendered headlessly with vega-lite 6 → vega 6 (no browser, no
 * canvas). Four kinds, each a config-object factory: `line` (series, error bars or a band, log
 * axes), `scatter` (classes, optional decision-boundary background grid), `heatmap` (two
 * categorical axes, value as colour and as text) and `facet` (small multiples of a line or
 * scatter chart). `render(chart)` gives the SVG.
 *
 * Conventions: data are rows of plain records; a chart names the fields it plots. Numbers on
 * quantitative axes must be numbers (a string there is a ConfigError). A row whose plotted
 * values are missing (null, undefined, NaN, ±∞, "") — or not positive on a log axis — is left
 * out, and the chart says so in its subtitle ("3 points omitted: …"); an error bar or band
 * whose lo/hi is unusable (NaN, one bound only, ≤ 0 on a log axis) is left out the same way
 * while its point stays. A row with both bounds null/undefined simply has no interval. Series and categories
 * keep the order of first appearance (numbers: ascending) unless an `order` is given, so
 * colours are the same in every chart of a report that lists the same series.
 *
 * Determinism: the SVG depends only on the chart value. Text widths come from Helvetica's
 * advance widths (`TextWidth`, installed as vega's text measure; canvas measurement is off, so
 * installing the `canvas` package would not change a byte); clip-path and gradient ids, which
 * vega numbers with process-wide counters, are renumbered per chart in order of appearance;
 * coordinates are rounded to 0.01 px. `width` × `height` is the whole figure (vega-lite `autosize: fit`), except for facets,
 * where it is one panel. Fonts are named, not measured: the viewer's sans-serif draws them.
 *
 * Readability: every text is ≥ `smallestFontSize` (12) user units, so a page can shrink a chart
 * to ¾ of its width before text falls under 9 px (`Html.minChartWidth`); the SVG is one image
 * for screen readers (`asImage`: role="img", <title>, <desc>, the drawing aria-hidden); legend
 * labels are cut only past 320 px; heatmap axes label every column; a two-class background is
 * shaded in its classes' point colours (`Background.classes`, `palette`).
 *
 * Gotchas: the output is a standalone SVG file (with `xmlns`); `Html.inlineSvg` adapts it for
 * inlining. Vega warnings (e.g. an unusable log domain) are logged with `Effect.logWarning`.
 * Reference: Satyanarayan et al., "Vega-Lite: A Grammar of Interactive Graphics", IEEE TVCG 2017.
 */
import { Effect } from "effect"
import * as vega from "vega"
import * as vegaLite from "vega-lite"
import type { TopLevelSpec } from "vega-lite"
import { ConfigError } from "../core/Errors.ts"
import * as Format from "./Format.ts"
import * as TextWidth from "./TextWidth.ts"

export type Value = number | string | boolean | null | undefined

/** One row of chart data. */
export type Datum = Readonly<Record<string, Value>>

/** A quantitative axis. */
export interface Axis {
  readonly field: string
  /** Default: the field name. */
  readonly title?: string
  /** Log₁₀ scale; rows with values ≤ 0 are then omitted. */
  readonly log?: boolean
  /** Fixed [min, max]; default: from the data. */
  readonly domain?: readonly [number, number]
  /** Include zero in a linear domain. Default false. */
  readonly zero?: boolean
  /** d3-format specifier for tick labels (".0%", "~s", ".2f"). Default: vega's. */
  readonly format?: string
}

/** A categorical field: colour of series or classes, or a heatmap axis. */
export interface Category {
  readonly field: string
  readonly title?: string
  /** The categories in the order to show them; values not listed follow in data order. */
  readonly order?: ReadonlyArray<string | number>
}

interface Common {
  readonly title: string
  readonly subtitle?: string
  /** Figure width in px (panel width for a facet). */
  readonly width?: number
  /** Figure height in px (panel height for a facet). */
  readonly height?: number
}

export interface Line extends Common {
  readonly kind: "line"
  readonly data: ReadonlyArray<Datum>
  readonly x: Axis
  readonly y: Axis
  /** One line per value of this field. */
  readonly series?: Category
  /**
   * Per-point lower and upper bounds of y, drawn as error bars or as a shaded band. Rows with
   * both bounds null or undefined have none (not counted as omitted).
   */
  readonly interval?: { readonly lo: string; readonly hi: string; readonly style?: "bars" | "band" } | undefined
  /** Draw a point at each datum. Default true. */
  readonly points?: boolean
  /**
   * Unconnected points drawn over the lines, in grey and out of the legend: the observations
   * under a posterior band. In a facet each row needs the facet field too.
   */
  readonly overlay?: { readonly data: ReadonlyArray<Datum>; readonly x: string; readonly y: string }
}

/** A grid of cells under a scatter plot: a classifier's probability or predicted class. */
export interface Background {
  readonly data: ReadonlyArray<Datum>
  /** Fields of the cell centres, in the scatter's x and y units. */
  readonly x: string
  readonly y: string
  /** A number (quantitative colour, e.g. P(class 1)) or a class label (categorical colour). */
  readonly value: string
  readonly title?: string
  /** Colour domain for a numeric value. Default: from the data; give [0, 1] for probabilities. */
  readonly domain?: readonly [number, number]
  /**
   * For a numeric value whose low end means one class and high end another (a decision value,
   * P(class 1)): those two values of the scatter's colour field. The shading then runs from the
   * first class's point colour through light grey (at the middle of the domain) to the second's,
   * so a region and the points that belong there share a colour. Default: a blue–orange scheme.
   */
  readonly classes?: readonly [string, string]
  /** Cell size [dx, dy]. Default: the smallest gap between distinct centres on each axis. */
  readonly step?: readonly [number, number]
}

export interface Scatter extends Common {
  readonly kind: "scatter"
  readonly data: ReadonlyArray<Datum>
  readonly x: Axis
  readonly y: Axis
  readonly colour?: Category
  readonly background?: Background
}

export interface Heatmap extends Common {
  readonly kind: "heatmap"
  readonly data: ReadonlyArray<Datum>
  readonly x: Category
  readonly y: Category
  readonly value: {
    readonly field: string
    readonly title?: string
    readonly domain?: readonly [number, number]
    /** Cell text from the value. Default `Format.number(v, 3)`. */
    readonly format?: (value: number) => string
  }
  /** Print the value in each cell. Default true. */
  readonly text?: boolean
}

export interface Facet {
  readonly kind: "facet"
  readonly title: string
  readonly subtitle?: string
  /** The chart drawn in every panel; its `width`/`height` are the panel's. */
  readonly chart: Line | Scatter
  /** One panel per value of this field of `chart.data`. */
  readonly by: Category
  /** Panels per row. Default: all in one row up to 4. */
  readonly columns?: number
}

export type Chart = Line | Scatter | Heatmap | Facet

/** A line chart: `Chart.line({ title, data, x: { field: "width", log: true }, y: { field: "loss" }, series: { field: "model" } })`. */
export const line = (options: Omit<Line, "kind">): Line => ({ kind: "line", ...options })

/** A scatter plot, optionally over a `background` grid (decision boundary). */
export const scatter = (options: Omit<Scatter, "kind">): Scatter => ({ kind: "scatter", ...options })

/** A heatmap of `value` over two categorical axes, with the value printed in each cell. */
export const heatmap = (options: Omit<Heatmap, "kind">): Heatmap => ({ kind: "heatmap", ...options })

/** Small multiples: `chart` drawn once per value of `by.field` (e.g. loss curves per width). */
export const facet = (options: Omit<Facet, "kind">): Facet => ({ kind: "facet", ...options })

/** The shared look: sizes, fonts and palettes of every gpnn chart. */
export const theme = {
  background: "white",
  padding: 6,
  font: "Helvetica, Arial, sans-serif",
  title: { fontSize: 16, fontWeight: "bold", anchor: "start", color: "#1f2328", subtitleFontSize: 12, subtitleColor: "#57606a", subtitleLineHeight: 15, offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: "normal", titleColor: "#1f2328", labelColor: "#1f2328", gridColor: "#e6e8eb", domainColor: "#8c959f", tickColor: "#8c959f", labelOverlap: "greedy" },
  // Long series names stay whole (TextWidth measures them truly); a label is cut only past 320 px.
  legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: "normal", symbolSize: 70, labelLimit: 320 },
  header: { labelFontSize: 13, titleFontSize: 13, titleFontWeight: "normal" },
  view: { stroke: "#d0d7de" },
  line: { strokeWidth: 1.8 },
  point: { size: 28, filled: true },
  circle: { size: 36 },
  range: { category: { scheme: "tableau10" } },
  // No per-mark descriptions and guides hidden from screen readers: the SVG is one image, named
  // by its <title> (see `render`), not 1,000 "point x, y" labels.
  aria: false
} as const

/** The smallest font size in `theme` and in the marks below (heatmap cell text), in user units. */
export const smallestFontSize = 12

/**
 * Vega's tableau10, the colours of categories in order: class k of a scatter is drawn in
 * `palette[k]` (with `order`), and a decision surface shades towards the same two colours.
 */
export const palette = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"] as const

/** Palette of numeric series (e.g. widths): viridis without its faint yellow end. */
const ordinalScheme = { name: "viridis", extent: [0, 0.85] }

const defaultSize = { width: 600, height: 360 }
const defaultPanel = { width: 240, height: 180 }

const missingValue = (v: Value): boolean =>
  v === null || v === undefined || v === "" || (typeof v === "number" && !Number.isFinite(v))

/** Everything `render` hands to vega-lite, plus what was left out. */
export interface Compiled {
  readonly spec: TopLevelSpec
  /** Rows (points, cells) not drawn because a plotted value was missing or unusable. */
  readonly droppedPoints: number
  /** Intervals (error bars, band segments) not drawn while their point was. */
  readonly droppedIntervals: number
}

interface Ctx {
  readonly chart: string
}

const fail = (ctx: Ctx, field: string, message: string): never => {
  throw new ConfigError({ field: `Chart(${ctx.chart}).${field}`, message })
}

const checkFields = (ctx: Ctx, data: ReadonlyArray<Datum>, fields: ReadonlyArray<[string, string]>): void => {
  if (data.length === 0) return
  const keys = new Set<string>()
  for (const row of data) for (const k of Object.keys(row)) keys.add(k)
  for (const [where, f] of fields) {
    if (!keys.has(f)) fail(ctx, where, `no row has a field "${f}"; the data have: ${[...keys].join(", ")}`)
  }
}

/** A quantitative value: undefined when missing or unusable (≤ 0 on a log axis); throws on text. */
const quantity = (ctx: Ctx, where: string, v: Value, log: boolean | undefined): number | undefined => {
  if (missingValue(v)) return undefined
  if (typeof v !== "number") return fail(ctx, where, `expected numbers, got ${JSON.stringify(v)}; use a heatmap or a category for text`)
  if (log === true && v <= 0) return undefined
  return v
}

const categoryKey = (v: Value): string | number | undefined =>
  missingValue(v) ? undefined : typeof v === "number" ? v : String(v)

/** Category domain: `order` first, then the rest (numbers ascending, text in order of appearance). */
const domainOf = (values: ReadonlyArray<string | number>, order: ReadonlyArray<string | number> | undefined): Array<string | number> => {
  const seen = new Set<string | number>()
  const rest: Array<string | number> = []
  for (const v of values) {
    if (!seen.has(v)) {
      seen.add(v)
      rest.push(v)
    }
  }
  if (rest.every((v) => typeof v === "number")) (rest as Array<number>).sort((a, b) => a - b)
  if (order === undefined) return rest
  const listed = new Set(order)
  return [...order, ...rest.filter((v) => !listed.has(v))]
}

const categoryType = (domain: ReadonlyArray<string | number>): "ordinal" | "nominal" =>
  domain.length > 0 && domain.every((v) => typeof v === "number") ? "ordinal" : "nominal"

const colourScale = (domain: ReadonlyArray<string | number>) =>
  categoryType(domain) === "ordinal" ? { domain, scheme: ordinalScheme } : { domain }

const axisEncoding = (field: string, a: Axis) => ({
  field,
  type: "quantitative",
  title: a.title ?? a.field,
  scale: {
    type: a.log === true ? "log" : "linear",
    ...(a.domain !== undefined ? { domain: [...a.domain] } : {}),
    ...(a.log === true ? {} : { zero: a.zero ?? false }),
    // A "nice" log domain rounds out to whole decades (8…512 would span 1…1000): keep it tight,
    // with a few px of padding so end points and error-bar caps are not cut by the frame.
    nice: a.domain === undefined && a.log !== true,
    ...(a.domain === undefined && a.log === true ? { padding: 8 } : {})
  },
  ...(a.format !== undefined ? { axis: { format: a.format } } : {})
})

/** Marks are clipped to the frame when a fixed domain may leave data outside it. */
const clipped = (x: Axis, y: Axis): boolean => x.domain !== undefined || y.domain !== undefined

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`

const omittedNote = (points: number, intervals: number, log: boolean, what: string): string | undefined => {
  const parts: Array<string> = []
  if (points > 0) parts.push(plural(points, what))
  if (intervals > 0) parts.push(plural(intervals, "interval"))
  if (parts.length === 0) return undefined
  return `${parts.join(" and ")} omitted: missing${log ? " or ≤ 0 on a log axis" : ""}`
}

interface Layered {
  readonly values: Array<Record<string, Value>>
  readonly layer: Array<Record<string, unknown>>
  readonly droppedPoints: number
  readonly droppedIntervals: number
  readonly log: boolean
  readonly resolve?: Record<string, unknown>
}

/** Rows kept with their facet value under "f" when faceting. */
const facetValue = (row: Datum, facetField: string | undefined): Record<string, Value> =>
  facetField === undefined ? {} : { f: categoryKey(row[facetField]) }

const lineLayers = (ctx: Ctx, c: Line, facetField: string | undefined): Layered => {
  checkFields(ctx, c.data, [
    ["x.field", c.x.field],
    ["y.field", c.y.field],
    ...(c.series !== undefined ? [["series.field", c.series.field] as [string, string]] : []),
    ...(c.interval !== undefined ? [["interval.lo", c.interval.lo] as [string, string], ["interval.hi", c.interval.hi] as [string, string]] : []),
    ...(facetField !== undefined ? [["by.field", facetField] as [string, string]] : [])
  ])
  const values: Array<Record<string, Value>> = []
  let droppedPoints = 0
  let droppedIntervals = 0
  for (const row of c.data) {
    const x = quantity(ctx, "x.field", row[c.x.field], c.x.log)
    const y = quantity(ctx, "y.field", row[c.y.field], c.y.log)
    const s = c.series !== undefined ? categoryKey(row[c.series.field]) : 0
    const f = facetValue(row, facetField)
    if (x === undefined || y === undefined || s === undefined || (facetField !== undefined && f.f === undefined)) {
      droppedPoints++
      continue
    }
    const out: Record<string, Value> = { x, y, ...f }
    if (c.series !== undefined) out.c = s
    if (c.interval !== undefined) {
      const lo = quantity(ctx, "interval.lo", row[c.interval.lo], c.y.log)
      const hi = quantity(ctx, "interval.hi", row[c.interval.hi], c.y.log)
      const none = (v: Value) => v === null || v === undefined
      if (lo === undefined || hi === undefined) {
        // Both bounds null/undefined: the point has no interval (e.g. a training curve beside a
        // CV one), nothing was lost. Anything else unusable is reported.
        if (!(none(row[c.interval.lo]) && none(row[c.interval.hi]))) droppedIntervals++
      } else {
        out.lo = Math.min(lo, hi)
        out.hi = Math.max(lo, hi)
      }
    }
    values.push(out)
  }
  const overlay = c.overlay
  // Kept apart until the colour domain is known: overlay rows have no series.
  const overlayValues: Array<Record<string, Value>> = []
  if (overlay !== undefined) {
    checkFields(ctx, overlay.data, [["overlay.x", overlay.x], ["overlay.y", overlay.y], ...(facetField !== undefined ? [["by.field", facetField] as [string, string]] : [])])
    for (const row of overlay.data) {
      const ox = quantity(ctx, "overlay.x", row[overlay.x], c.x.log)
      const oy = quantity(ctx, "overlay.y", row[overlay.y], c.y.log)
      const f = facetValue(row, facetField)
      if (ox === undefined || oy === undefined || (facetField !== undefined && f.f === undefined)) {
        droppedPoints++
        continue
      }
      overlayValues.push({ k: "ov", x: ox, y: oy, ...f })
    }
  }
  // Only charts with an overlay get the filters, so the spec of every other chart is unchanged.
  const notOverlay = overlay === undefined ? [] : [{ filter: "datum.k !== 'ov'" }]
  const x = axisEncoding("x", c.x)
  const y = axisEncoding("y", c.y)
  const yTitle = c.y.title ?? c.y.field
  const clip = clipped(c.x, c.y)
  const colour = c.series === undefined
    ? {}
    : {
      color: {
        field: "c",
        type: categoryType(domainOf(values.map((v) => v.c as string | number), c.series.order)),
        title: c.series.title ?? c.series.field,
        scale: colourScale(domainOf(values.map((v) => v.c as string | number), c.series.order)),
        // The legend takes its swatch from the first layer: a faint band or error bar otherwise.
        legend: { symbolOpacity: 1, ...legendLabels(domainOf(values.map((v) => v.c as string | number), c.series.order)) }
      }
    }
  values.push(...overlayValues)
  const layer: Array<Record<string, unknown>> = []
  if (c.interval !== undefined) {
    const yLo = { ...y, field: "lo", title: yTitle }
    const yHi = { field: "hi" }
    const valid = { filter: { field: "lo", valid: true } }
    layer.push(
      c.interval.style === "band"
        ? { transform: [...notOverlay, valid], mark: { type: "area", opacity: 0.2, clip, aria: false, ...(c.series === undefined ? { color: "#4c78a8" } : {}) }, encoding: { x, y: yLo, y2: yHi, ...colour } }
        : { transform: [...notOverlay, valid], mark: { type: "errorbar", ticks: { aria: false }, rule: { aria: false }, clip, ...(c.series === undefined ? { color: "#4c78a8" } : {}) }, encoding: { x, y: yLo, y2: yHi, ...colour } }
    )
  }
  if (overlay !== undefined) {
    layer.push({ transform: [{ filter: "datum.k === 'ov'" }], mark: { type: "circle", size: 12, opacity: 0.55, color: "#57606a", clip, aria: false }, encoding: { x, y: { ...y, title: yTitle } } })
  }
  layer.push({ ...(overlay === undefined ? {} : { transform: notOverlay }), mark: { type: "line", point: c.points ?? true, clip }, encoding: { x, y: { ...y, title: yTitle }, ...colour } })
  return { values, layer, droppedPoints, droppedIntervals, log: c.x.log === true || c.y.log === true }
}

/**
 * Legend labels that fit `theme.legend.labelLimit` and still tell the series apart. Labels that
 * fit are kept whole; a longer one first loses the words every label starts with but the last
 * ("…width 8"), then those they all end with, then its middle ("GP Matérn…(AUC 0.95)"), never its
 * distinguishing end as vega's own cut would. Empty (vega's labels) when every label fits.
 */
export const shortLabels = (domain: ReadonlyArray<string | number>, limit: number = theme.legend.labelLimit, fontSize: number = theme.legend.labelFontSize): Map<string, string> => {
  const labels = domain.map(String)
  const fits = (t: string) => TextWidth.width(t, fontSize) <= limit
  const out = new Map<string, string>()
  if (labels.length === 0 || labels.every(fits)) return out
  // The longest common prefix and suffix of all labels, cut back to a word boundary.
  let pre = labels.reduce((p, l) => { let i = 0; while (i < p.length && i < l.length && p[i] === l[i]) i++; return p.slice(0, i) })
  pre = pre.slice(0, pre.search(/[\s,;:(]\S*$/) + 1)
  // Keep the last shared word: "…width 8" reads better than "…8".
  pre = pre.slice(0, pre.trimEnd().search(/[\s,;:(]\S*$/) + 1)
  let suf = labels.reduce((p, l) => { let i = 0; while (i < p.length && i < l.length && p[p.length - 1 - i] === l[l.length - 1 - i]) i++; return p.slice(p.length - i) })
  suf = suf.slice(suf.search(/[\s,;:)]/) < 0 ? suf.length : suf.search(/[\s,;:)]/))
  // Only whole words are worth dropping, not a closing bracket.
  if (!/[\p{L}\p{N}]/u.test(suf)) suf = ""
  if (!/[\p{L}\p{N}]/u.test(pre)) pre = ""
  for (const l of labels) {
    if (fits(l)) continue
    let t = pre.length > 0 && pre.length < l.length ? `…${l.slice(pre.length)}` : l
    if (!fits(t) && suf.length > 0 && suf.length < t.length - 1) t = `${t.slice(0, t.length - suf.length)}…`
    if (!fits(t)) {
      // Keep the head and the tail, the tail (where series usually differ) as long as the head.
      const chars = [...t]
      let keep = chars.length - 1
      while (keep > 2 && !fits(`${chars.slice(0, Math.ceil(keep / 2)).join("")}…${chars.slice(chars.length - Math.floor(keep / 2)).join("")}`)) keep--
      t = `${chars.slice(0, Math.ceil(keep / 2)).join("")}…${chars.slice(chars.length - Math.floor(keep / 2)).join("")}`
    }
    out.set(l, t)
  }
  return out
}

/** The vega-lite legend properties that show `shortLabels` (none when every label fits). */
const legendLabels = (domain: ReadonlyArray<string | number>): Record<string, unknown> => {
  const short = shortLabels(domain)
  if (short.size === 0) return {}
  const expr = [...short].reduceRight((rest, [full, label]) => `datum.label === ${JSON.stringify(full)} ? ${JSON.stringify(label)} : ${rest}`, "datum.label")
  return { labelExpr: expr }
}

/** The fill scale of a two-class background: class colour → light grey → class colour over [lo, mid, hi]. */
const classShading = (ctx: Ctx, bg: Background, values: ReadonlyArray<number>, colourDomain: ReadonlyArray<string | number>) => {
  const colourOf = (cls: string) => {
    const i = colourDomain.indexOf(cls)
    return i < 0 ? fail(ctx, "background.classes", `"${cls}" is not a value of the colour field (${colourDomain.join(", ")}); list it in colour.order`) : palette[i % palette.length]
  }
  const [c0, c1] = [colourOf(bg.classes?.[0] as string), colourOf(bg.classes?.[1] as string)]
  let lo = bg.domain?.[0] ?? Infinity
  let hi = bg.domain?.[1] ?? -Infinity
  if (bg.domain === undefined) {
    for (const v of values) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
  }
  if (!(lo < hi)) [lo, hi] = Number.isFinite(lo) ? [lo - 1, lo + 1] : [0, 1]
  return { domain: [lo, (lo + hi) / 2, hi], range: [c0, "#f2f2f2", c1], interpolate: "lab" }
}

/** The smallest positive gap between sorted distinct values, or undefined for fewer than two. */
const smallestGap = (xs: ReadonlyArray<number>): number | undefined => {
  const u = [...new Set(xs)].sort((a, b) => a - b)
  let gap = Infinity
  for (let i = 1; i < u.length; i++) gap = Math.min(gap, u[i] - u[i - 1])
  return Number.isFinite(gap) ? gap : undefined
}

const scatterLayers = (ctx: Ctx, c: Scatter, facetField: string | undefined): Layered => {
  checkFields(ctx, c.data, [
    ["x.field", c.x.field],
    ["y.field", c.y.field],
    ...(c.colour !== undefined ? [["colour.field", c.colour.field] as [string, string]] : []),
    ...(facetField !== undefined ? [["by.field", facetField] as [string, string]] : [])
  ])
  const values: Array<Record<string, Value>> = []
  let droppedPoints = 0
  const layer: Array<Record<string, unknown>> = []
  const x = axisEncoding("x", c.x)
  const y = axisEncoding("y", c.y)
  let resolve: Record<string, unknown> | undefined
  const clip = clipped(c.x, c.y)
  // Points first (their colour domain decides the background's class colours), drawn last.
  const points: Array<Record<string, Value>> = []
  for (const row of c.data) {
    const px = quantity(ctx, "x.field", row[c.x.field], c.x.log)
    const py = quantity(ctx, "y.field", row[c.y.field], c.y.log)
    const k = c.colour !== undefined ? categoryKey(row[c.colour.field]) : 0
    const f = facetValue(row, facetField)
    if (px === undefined || py === undefined || k === undefined || (facetField !== undefined && f.f === undefined)) {
      droppedPoints++
      continue
    }
    points.push({ k: "pt", x: px, y: py, ...(c.colour !== undefined ? { c: k } : {}), ...f })
  }
  const colourDomain = c.colour === undefined ? [] : domainOf(points.map((v) => v.c as string | number), c.colour.order)
  const bg = c.background
  if (bg !== undefined) {
    checkFields(ctx, bg.data, [["background.x", bg.x], ["background.y", bg.y], ["background.value", bg.value], ...(facetField !== undefined ? [["by.field", facetField] as [string, string]] : [])])
    const cells: Array<{ x: number; y: number; v: Value; f: Record<string, Value> }> = []
    for (const row of bg.data) {
      const cx = quantity(ctx, "background.x", row[bg.x], c.x.log)
      const cy = quantity(ctx, "background.y", row[bg.y], c.y.log)
      const v = row[bg.value]
      const f = facetValue(row, facetField)
      if (cx === undefined || cy === undefined || missingValue(v) || (facetField !== undefined && f.f === undefined)) {
        droppedPoints++
        continue
      }
      cells.push({ x: cx, y: cy, v: typeof v === "number" ? v : String(v), f })
    }
    const dx = bg.step?.[0] ?? smallestGap(cells.map((p) => p.x))
    const dy = bg.step?.[1] ?? smallestGap(cells.map((p) => p.y))
    if (cells.length > 0 && (dx === undefined || dy === undefined || !(dx > 0) || !(dy > 0))) {
      fail(ctx, "background.step", "cannot infer the cell size from fewer than two distinct centres per axis; give step: [dx, dy] > 0")
    }
    const numeric = cells.every((p) => typeof p.v === "number")
    for (const p of cells) {
      values.push({ k: "bg", x: p.x - (dx as number) / 2, x2: p.x + (dx as number) / 2, y: p.y - (dy as number) / 2, y2: p.y + (dy as number) / 2, v: p.v, ...p.f })
    }
    const title = bg.title ?? bg.value
    // A short gradient, so the class legend below it stays inside the figure.
    const legend = { gradientLength: Math.max(60, Math.min(120, Math.floor((c.height ?? defaultSize.height) / 3))) }
    const fill = numeric
      ? { field: "v", type: "quantitative", title, legend, scale: bg.classes === undefined ? { scheme: "blueorange", ...(bg.domain !== undefined ? { domain: [...bg.domain] } : {}) } : classShading(ctx, bg, cells.map((p) => p.v as number), colourDomain) }
      : { field: "v", type: categoryType(domainOf(cells.map((p) => p.v as string), undefined)), title, scale: colourScale(domainOf(cells.map((p) => p.v as string), undefined)) }
    layer.push({
      transform: [{ filter: "datum.k === 'bg'" }],
      mark: { type: "rect", opacity: numeric ? 0.55 : 0.28, strokeWidth: 0, clip, aria: false },
      encoding: { x: { ...x, title: c.x.title ?? c.x.field }, x2: { field: "x2" }, y: { ...y, title: c.y.title ?? c.y.field }, y2: { field: "y2" }, fill }
    })
    resolve = { scale: { fill: "independent", color: "independent" } }
  }
  values.push(...points)
  layer.push({
    transform: [{ filter: "datum.k === 'pt'" }],
    mark: { type: "circle", opacity: 0.9, stroke: "white", strokeWidth: 0.6, clip, ...(c.colour === undefined ? { color: "#4c78a8" } : {}) },
    encoding: {
      x: { ...x, title: c.x.title ?? c.x.field },
      y: { ...y, title: c.y.title ?? c.y.field },
      ...(c.colour !== undefined ? { color: { field: "c", type: categoryType(colourDomain), title: c.colour.title ?? c.colour.field, scale: colourScale(colourDomain), legend: legendLabels(colourDomain) } } : {})
    }
  })
  return { values, layer, droppedPoints, droppedIntervals: 0, log: c.x.log === true || c.y.log === true, ...(resolve !== undefined ? { resolve } : {}) }
}

/**
 * A heatmap axis's shown label for each category. Text categories that are all numbers
 * ("0.2869565217391304") are rounded to the fewest significant digits (1 to 6) that keep them
 * apart ("0.29"); other categories show as given. Missing stays missing.
 */
const categoryLabels = (values: ReadonlyArray<string | number | undefined>, order: ReadonlyArray<string | number> | undefined) => {
  const all = [...new Set([...(order ?? []), ...values].filter((v): v is string | number => v !== undefined))]
  const numeric = all.length > 0 && all.every((v) => typeof v === "string" && /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i.test(v.trim()))
  if (!numeric) return (v: string | number | undefined) => v
  const distinct = (digits: number) => new Set(all.map((v) => Format.number(Number(v), digits))).size === all.length
  let digits = 1
  while (digits < 6 && !distinct(digits)) digits++
  if (!distinct(digits)) return (v: string | number | undefined) => v
  return (v: string | number | undefined) => (v === undefined ? undefined : typeof v === "string" ? Format.number(Number(v), digits) : v)
}

const heatmapLayers = (ctx: Ctx, c: Heatmap): Layered => {
  checkFields(ctx, c.data, [["x.field", c.x.field], ["y.field", c.y.field], ["value.field", c.value.field]])
  const xs: Array<string | number> = []
  const ys: Array<string | number> = []
  const values: Array<Record<string, Value>> = []
  let droppedPoints = 0
  const format = c.value.format ?? ((v: number) => Format.number(v, 3))
  const xLabel = categoryLabels(c.data.map((r) => categoryKey(r[c.x.field])), c.x.order)
  const yLabel = categoryLabels(c.data.map((r) => categoryKey(r[c.y.field])), c.y.order)
  for (const row of c.data) {
    const x = xLabel(categoryKey(row[c.x.field]))
    const y = yLabel(categoryKey(row[c.y.field]))
    if (x !== undefined) xs.push(x)
    if (y !== undefined) ys.push(y)
    const v = quantity(ctx, "value.field", row[c.value.field], false)
    if (x === undefined || y === undefined || v === undefined) {
      droppedPoints++
      continue
    }
    values.push({ x, y, v, t: format(v) })
  }
  const xDomain = domainOf(xs, c.x.order?.map((v) => xLabel(v) as string | number))
  const yDomain = domainOf(ys, c.y.order?.map((v) => yLabel(v) as string | number))
  let lo = Infinity
  let hi = -Infinity
  for (const r of values) {
    lo = Math.min(lo, r.v as number)
    hi = Math.max(hi, r.v as number)
  }
  // No cells: a placeholder colour domain, so the legend does not read "NaN".
  const domain = c.value.domain ?? (values.length === 0 ? [0, 1] as const : undefined)
  const mid = domain !== undefined ? (domain[0] + domain[1]) / 2 : (lo + hi) / 2
  // Every column keeps its label: upright when the widest fits its column, else turned a quarter.
  const plotWidth = (c.width ?? defaultSize.width) - 150
  const widest = Math.max(0, ...xDomain.map((v) => TextWidth.width(String(v), theme.axis.labelFontSize)))
  const upright = widest <= plotWidth / Math.max(1, xDomain.length) - 4
  const encX = { field: "x", type: categoryType(xDomain), title: c.x.title ?? c.x.field, scale: { domain: xDomain }, axis: upright ? { labelAngle: 0, labelOverlap: false } : { labelAngle: -90, labelAlign: "right", labelBaseline: "middle", labelOverlap: false } }
  const encY = { field: "y", type: categoryType(yDomain), title: c.y.title ?? c.y.field, scale: { domain: yDomain }, axis: { labelOverlap: false } }
  const layer: Array<Record<string, unknown>> = [{
    mark: { type: "rect", stroke: "white", strokeWidth: 1 },
    encoding: {
      x: encX,
      y: encY,
      color: { field: "v", type: "quantitative", title: c.value.title ?? c.value.field, scale: { scheme: "viridis", ...(domain !== undefined ? { domain: [...domain] } : {}) } }
    }
  }]
  if (c.text ?? true) {
    layer.push({
      mark: { type: "text", fontSize: smallestFontSize },
      encoding: {
        x: encX,
        y: encY,
        text: { field: "t" },
        color: { condition: { test: `datum.v < ${mid}`, value: "white" }, value: "black" }
      }
    })
  }
  return { values, layer, droppedPoints, droppedIntervals: 0, log: false }
}

/**
 * With nothing to draw, vega would span axes from +∞ to −∞ (and say so in their aria labels):
 * give the axes without a fixed domain a placeholder one, [0, 1] or [1, 10] on a log axis.
 */
const placeholderDomains = (layers: ReadonlyArray<Record<string, unknown>>, axes: { readonly x: Axis; readonly y: Axis }): void => {
  for (const l of layers) {
    const encoding = l.encoding as Record<string, { scale?: Record<string, unknown> } | undefined>
    for (const channel of ["x", "y"] as const) {
      const scale = encoding[channel]?.scale
      if (scale !== undefined && scale.domain === undefined) scale.domain = axes[channel].log === true ? [1, 10] : [0, 1]
    }
  }
}

/**
 * Greedy word wrap to `maxChars` per line. Under `autosize: fit` vega shrinks the plot to make
 * room for a title wider than the figure, so a long subtitle must become several lines instead.
 */
const wrap = (text: string, maxChars: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(" ")) {
    if (line.length > 0 && line.length + 1 + word.length > maxChars) {
      lines.push(line)
      line = word
    } else line = line.length === 0 ? word : `${line} ${word}`
  }
  if (line.length > 0) lines.push(line)
  return lines
}

/**
 * The subtitle (11 px, ~6 px a character by vega's estimate) starts at the plot's left edge, so it
 * has the figure width less the y axis (~80 px with its labels and title).
 */
const subtitleCharsFor = (widthPx: number): number => Math.max(20, Math.floor((widthPx - 80) / 6))

const subtitleOf = (given: string | undefined, note: string | undefined, empty: boolean, widthPx: number): Record<string, unknown> => {
  const lines = [given, empty ? "no data to show" : note]
    .filter((s): s is string => s !== undefined && s.length > 0)
    .flatMap((s) => wrap(s, subtitleCharsFor(widthPx)))
  return lines.length === 0 ? {} : { subtitle: lines.length === 1 ? lines[0] : lines }
}

const checkSize = (ctx: Ctx, c: Common, fallback: { width: number; height: number }) => {
  const width = c.width ?? fallback.width
  const height = c.height ?? fallback.height
  if (!(Number.isInteger(width) && width >= 50 && width <= 4000)) fail(ctx, "width", `must be an integer number of px in [50, 4000], got ${width}`)
  if (!(Number.isInteger(height) && height >= 50 && height <= 4000)) fail(ctx, "height", `must be an integer number of px in [50, 4000], got ${height}`)
  return { width, height }
}

/**
 * The vega-lite spec of a chart, with what was left out. Pure; throws ConfigError for a field
 * missing from every row, text on a quantitative axis, a bad size or facet layout.
 */
export const compile = (chart: Chart): Compiled => {
  const ctx: Ctx = { chart: chart.title }
  if (chart.kind === "facet") {
    const inner = chart.chart
    const panel = checkSize(ctx, inner, defaultPanel)
    const body = inner.kind === "line" ? lineLayers(ctx, inner, chart.by.field) : scatterLayers(ctx, inner, chart.by.field)
    if (body.values.length === 0) placeholderDomains(body.layer, inner)
    const domain = domainOf(body.values.map((v) => v.f as string | number), chart.by.order)
    const columns = chart.columns ?? Math.min(4, Math.max(1, domain.length))
    if (!(Number.isInteger(columns) && columns >= 1)) fail(ctx, "columns", `must be a positive integer, got ${columns}`)
    const note = omittedNote(body.droppedPoints, body.droppedIntervals, body.log, "point")
    const spec = {
      title: { text: chart.title, ...subtitleOf(chart.subtitle, note, body.values.length === 0, panel.width * columns) },
      config: theme,
      autosize: { type: "pad" },
      data: { values: body.values },
      facet: { field: "f", type: categoryType(domain), title: chart.by.title ?? chart.by.field, sort: domain },
      columns,
      spec: { width: panel.width, height: panel.height, layer: body.layer },
      ...(body.resolve !== undefined ? { resolve: body.resolve } : {})
    }
    return { spec: spec as unknown as TopLevelSpec, droppedPoints: body.droppedPoints, droppedIntervals: body.droppedIntervals }
  }
  const size = checkSize(ctx, chart, defaultSize)
  const body = chart.kind === "line" ? lineLayers(ctx, chart, undefined) : chart.kind === "scatter" ? scatterLayers(ctx, chart, undefined) : heatmapLayers(ctx, chart)
  if (body.values.length === 0 && chart.kind !== "heatmap") placeholderDomains(body.layer, chart)
  const note = omittedNote(body.droppedPoints, body.droppedIntervals, body.log, chart.kind === "heatmap" ? "cell" : "point")
  const spec = {
    title: { text: chart.title, ...subtitleOf(chart.subtitle, note, body.values.length === 0, size.width) },
    config: theme,
    width: size.width,
    height: size.height,
    autosize: { type: "fit", contains: "padding" },
    data: { values: body.values },
    layer: body.layer,
    ...(body.resolve !== undefined ? { resolve: body.resolve } : {})
  }
  return { spec: spec as unknown as TopLevelSpec, droppedPoints: body.droppedPoints, droppedIntervals: body.droppedIntervals }
}

const numericAttribute = /\s(d|transform|x|y|x1|x2|y1|y2|dx|dy|cx|cy|r|width|height|points)="([^"]*)"/g

/** Rounds every number in a geometric attribute to 0.01 (no "-0", no exponent). */
const roundCoordinates = (svg: string): string =>
  svg.replace(numericAttribute, (_, name: string, value: string) => {
    const rounded = value.replace(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi, (n) => {
      const v = Math.round(Number(n) * 100) / 100
      return Object.is(v, -0) ? "0" : String(v)
    })
    return ` ${name}="${rounded}"`
  })

/** Renames vega's process-wide clip/gradient ids to per-chart ones, in order of first appearance. */
const renumberIds = (svg: string): string => {
  const names = new Map<string, string>()
  const kinds = new Map<string, number>()
  for (const m of svg.matchAll(/(?:id="|url\(#|href="#)((clip|p_gradient_|gradient_)\d+)/g)) {
    if (names.has(m[1])) continue
    const kind = m[2] === "clip" ? "clip" : m[2] === "p_gradient_" ? "pattern" : "gradient"
    const n = (kinds.get(kind) ?? 0) + 1
    kinds.set(kind, n)
    names.set(m[1], `${kind}${n}`)
  }
  if (names.size === 0) return svg
  return svg.replace(/(id="|url\(#|href="#)((?:clip|p_gradient_|gradient_)\d+)/g, (_, a: string, id: string) => `${a}${names.get(id) ?? id}`)
}

interface TextItem {
  readonly fontSize?: number | string | null
  readonly fontWeight?: unknown
  readonly limit?: number
}

interface TextMetrics {
  canvas(use: boolean): void
  width: (item: TextItem, text: unknown) => number
}

/**
 * Text as wide as Helvetica draws it (`TextWidth`), whatever the host has installed (see header).
 * A label with a `limit` is never wider than it: vega cuts it to fit.
 */
const measuredWidth = (item: TextItem, text: unknown): number => {
  const size = item.fontSize == null ? 11 : Number(item.fontSize) || 0
  const w = TextWidth.width(text == null ? "" : String(text).trim(), size, TextWidth.isBold(item.fontWeight))
  return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w
}

const installTextWidths = (): void => {
  const metrics = (vega as unknown as { textMetrics?: TextMetrics }).textMetrics
  if (metrics === undefined || typeof metrics.canvas !== "function") {
    throw new ConfigError({ field: "vega", message: "vega no longer exports textMetrics; chart text widths would depend on the host. Pin vega 6.x" })
  }
  metrics.canvas(false)
  metrics.width = measuredWidth
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))

/**
 * An SVG as one image for assistive technology: `role="img"`, named by a `<title>` and described
 * by a `<desc>`, with everything drawn inside one `aria-hidden` group, so a screen reader
 * announces the chart, not its tick labels and marks. For any standalone SVG (`render` applies it
 * to every chart; hand-drawn figures such as CriticalDifference call it too). Html.inlineSvg
 * renames the ids with the figure's prefix.
 */
export const asImage = (svg: string, title: string, description?: string): string => {
  const name = `<title id="title">${escapeXml(title)}</title>`
  const desc = description === undefined || description.length === 0 ? "" : `<desc id="desc">${escapeXml(description)}</desc>`
  return svg.trim()
    .replace(/^<svg([^>]*)>/, (_, attrs: string) => `<svg${attrs} role="img" aria-labelledby="title"${desc === "" ? "" : ` aria-describedby="desc"`}>${name}${desc}<g aria-hidden="true">`)
    .replace(/<\/svg>$/, "</g></svg>")
}

const labelled = (svg: string, spec: TopLevelSpec): string => {
  const title = (spec as { title?: { text?: string; subtitle?: string | ReadonlyArray<string> } }).title
  const subtitle = title?.subtitle === undefined ? undefined : typeof title.subtitle === "string" ? title.subtitle : title.subtitle.join(" ")
  return asImage(svg, title?.text ?? "", subtitle)
}

const collector = (warnings: Array<string>) => {
  let level = vega.Warn
  const push = (...args: ReadonlyArray<unknown>) => {
    warnings.push(args.map(String).join(" "))
  }
  const logger = {
    level(l?: number) {
      if (l === undefined) return level
      level = l
      return logger
    },
    error: push,
    warn: push,
    info: () => logger,
    debug: () => logger
  }
  return logger
}

/**
 * The chart as a standalone SVG document (string). Same chart value → same bytes, in any
 * process. Fails with ConfigError for a chart that cannot be drawn (see `compile`).
 */
export const render = Effect.fn("Chart.render")(function*(chart: Chart) {
  const compiled = yield* Effect.try({
    try: () => compile(chart),
    catch: (e) => e instanceof ConfigError ? e : new ConfigError({ field: `Chart(${chart.title})`, message: `cannot build the chart: ${String(e)}` })
  })
  const warnings: Array<string> = []
  const svg = yield* Effect.acquireUseRelease(
    Effect.try({
      try: () => {
        installTextWidths()
        const logger = collector(warnings)
        const vgSpec = vegaLite.compile(compiled.spec, { logger: logger as unknown as vega.LoggerInterface }).spec
        return new vega.View(vega.parse(vgSpec), { renderer: "none", logger: logger as unknown as vega.LoggerInterface, logLevel: vega.Warn })
      },
      catch: (e) => e instanceof ConfigError ? e : new ConfigError({ field: `Chart(${chart.title})`, message: `vega-lite rejected the chart: ${String(e)}` })
    }),
    (view) =>
      Effect.tryPromise({
        try: () => view.toSVG(),
        catch: (e) => new ConfigError({ field: `Chart(${chart.title})`, message: `vega could not render the chart: ${String(e)}` })
      }),
    (view) => Effect.sync(() => view.finalize())
  )
  for (const w of warnings) yield* Effect.logWarning(`Chart(${chart.title}): ${w}`)
  return labelled(roundCoordinates(renumberIds(svg)), compiled.spec)
})
