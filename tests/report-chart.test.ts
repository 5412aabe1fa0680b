import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import * as Chart from "../src/report/Chart.ts"
import { assertClose } from "./support/assertClose.ts"

const render = (chart: Chart.Chart) => Effect.runPromise(Chart.render(chart))

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** Renders JSON-encoded charts in a fresh Node process, one SVG per chart, joined by a NUL. */
const renderElsewhere = (charts: ReadonlyArray<Chart.Chart>): Array<string> => {
  const script = `
    import { Effect } from "effect"
    import * as Chart from ${JSON.stringify(path.join(root, "src/report/Chart.ts"))}
    const charts = JSON.parse(process.argv[1])
    const out = []
    for (const c of charts) out.push(await Effect.runPromise(Chart.render(c)))
    process.stdout.write(out.join("\\u0000"))
  `
  return execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(charts)], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 }).split("\u0000")
}

/** Width study rows: 3 models × 4 widths, loss ∝ 1/√width, plus two rows that cannot be drawn. */
const widths = [8, 32, 128, 512]
const models = ["mlp", "ntk", "gp"]
const widthRows = (): Array<Chart.Datum> => {
  const rows: Array<Chart.Datum> = []
  models.forEach((model, m) => {
    for (const w of widths) {
      const loss = (1 + m) / Math.sqrt(w)
      rows.push({ model, width: w, loss, lo: loss * 0.8, hi: loss * 1.25 })
    }
  })
  rows.push({ model: "mlp", width: NaN, loss: 0.3, lo: null, hi: null })
  rows.push({ model: "ntk", width: 64, loss: null, lo: 0.1, hi: 0.2 })
  return rows
}

const widthChart = (extra: Partial<Chart.Line> = {}): Chart.Line =>
  Chart.line({
    title: "Test loss vs width",
    data: widthRows(),
    x: { field: "width", title: "hidden width", log: true },
    y: { field: "loss", title: "test loss" },
    series: { field: "model" },
    interval: { lo: "lo", hi: "hi" },
    ...extra
  })

const heat = Chart.heatmap({
  title: "Accuracy by depth and width",
  data: [1, 2, 3].flatMap((depth) => widths.map((width) => ({ depth, width, acc: 0.5 + 0.1 * depth - 1 / width }))),
  x: { field: "width" },
  y: { field: "depth" },
  value: { field: "acc", title: "accuracy" }
})

/** The elements of the SVG whose aria role description is `role` (vega tags every mark item). */

/** The leaf elements (`path`, `line`, `text`, …) of every mark group of one vega mark type. */
const marks = (svg: string, type: "line" | "symbol" | "rule" | "rect" | "text"): Array<string> =>
  // An empty mark group is self-closing ("<g …/>"): it holds nothing.
  [...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*(?<!/)>(.*?)</g>`, "g"))].flatMap((m) => m[1].match(/<(path|line|text|rect)\b[^>]*>/g) ?? [])

const translate = (el: string): [number, number] => {
  const m = /transform="translate\(([^,]+),([^)]+)\)"/.exec(el)
  if (m === null) throw new Error(`no translate in ${el}`)
  return [Number(m[1]), Number(m[2])]
}

const numbersIn = (d: string): Array<number> => (d.match(/-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) ?? []).map(Number)

const texts = (svg: string): Array<string> => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1])

describe("Chart.render determinism", () => {
  it("gives the same bytes twice in one process, whatever was rendered in between", async () => {
    const a = await render(heat)
    const line = await render(widthChart({ interval: { lo: "lo", hi: "hi", style: "band" } }))
    const b = await render(heat)
    expect(b).toBe(a)
    expect(await render(widthChart({ interval: { lo: "lo", hi: "hi", style: "band" } }))).toBe(line)
    // vega numbers gradients with a process-wide counter; after renumbering each chart starts at 1.
    expect([...a.matchAll(/id="([^"]+)"/g)].map((m) => m[1])).toEqual(["title", "gradient1"])
    expect(a).toContain("url(#gradient1)")
  })

  it("gives the same bytes in a separate Node process", async () => {
    const clipped = widthChart({ y: { field: "loss", domain: [0, 0.3] } })
    const charts: Array<Chart.Chart> = [heat, widthChart(), clipped]
    const here: Array<string> = []
    for (const c of charts) here.push(await render(c))
    const there = renderElsewhere(charts)
    expect(there.length).toBe(charts.length)
    for (let i = 0; i < charts.length; i++) expect(there[i], `chart ${i}`).toBe(here[i])
    // The fixed domain clips marks: the clip path ids are per chart too.
    expect(here[2]).toMatch(/id="clip1"/)
    expect(here[2]).not.toMatch(/clip_?\d{2,}|id="clip0"/)
  }, 30_000)

  it("has the configured size and no timestamps, random ids or non-finite numbers", async () => {
    const svg = await render(widthChart({ width: 640, height: 400 }))
    expect(svg).toMatch(/^<svg [^>]*width="640" height="400" viewBox="0 0 640 400"/)
    expect(svg).not.toMatch(/NaN|Infinity|undefined|\d{4}-\d\d-\d\dT/)
    expect(svg).not.toMatch(/<script|<image|<foreignObject/)
  })
})

describe("Chart.line", () => {
  it("draws one path per series and one point per finite row on a log-x axis", async () => {
    const chart = widthChart({ interval: undefined })
    const compiled = Chart.compile(chart)
    expect(compiled.droppedPoints).toBe(2)
    const svg = await render(chart)
    const lines = marks(svg, "line")
    expect(lines.length).toBe(models.length)
    const points = marks(svg, "symbol")
    expect(points.length).toBe(models.length * widths.length)
    for (const p of points) {
      const [x, y] = translate(p)
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true)
      expect(x).toBeGreaterThanOrEqual(0)
      expect(y).toBeGreaterThanOrEqual(0)
    }
    for (const l of lines) {
      const d = /\sd="([^"]+)"/.exec(l)?.[1] ?? ""
      const coords = numbersIn(d)
      expect(coords.length).toBe(2 * widths.length)
      expect(coords.every(Number.isFinite)).toBe(true)
      // widths 8, 32, 128, 512 are equally spaced in log scale: equal pixel steps.
      const xs = coords.filter((_, i) => i % 2 === 0)
      const steps = xs.slice(1).map((x, i) => x - xs[i])
      assertClose(steps, [steps[0], steps[0], steps[0]], { atol: 0.02 }, "log-x pixel steps")
      expect(steps[0]).toBeGreaterThan(50)
    }
    // Points sit at the four widths only (no garbage rows drew), each line's x coordinates.
    const pointXs = [...new Set(points.map((p) => translate(p)[0]))].sort((a, b) => a - b)
    const lineXs = numbersIn(/\sd="([^"]+)"/.exec(lines[0])?.[1] ?? "").filter((_, i) => i % 2 === 0)
    assertClose(pointXs, lineXs, { atol: 0.02 }, "point x = line x")
  })

  it("says in the subtitle how many rows it left out, and draws one error bar per kept row", async () => {
    const svg = await render(widthChart())
    expect(texts(svg)).toContain("2 points omitted: missing or ≤ 0 on a log axis")
    const bars = marks(svg, "rule")
    expect(bars.length).toBe(models.length * widths.length)
    // Each bar spans hi − lo = 1.25·loss − 0.8·loss upward from lo: a negative, finite pixel height.
    for (const b of bars) expect(Number(/y2="([^"]+)"/.exec(b)?.[1])).toBeLessThan(0)
    // Two caps (ticks) per bar.
    expect(marks(svg, "rect").length).toBe(2 * models.length * widths.length)
  })

  it("omits rows that are not positive on a log axis, and intervals whose bounds are missing", () => {
    const rows: Array<Chart.Datum> = [
      { x: 1, y: 1, lo: 0.5, hi: 2 },
      { x: 2, y: 0, lo: 0.5, hi: 2 },
      { x: 3, y: -1, lo: 0.5, hi: 2 },
      { x: 4, y: 2, lo: undefined, hi: 3 },
      { x: 5, y: 3, lo: 0, hi: 4 },
      { x: 6, y: 4, lo: 3, hi: 5 },
      { x: 7, y: 5, lo: null, hi: undefined }
    ]
    const c = Chart.compile(Chart.line({ title: "t", data: rows, x: { field: "x" }, y: { field: "y", log: true }, interval: { lo: "lo", hi: "hi", style: "band" } }))
    expect(c.droppedPoints).toBe(2)
    expect(c.droppedIntervals).toBe(2)
    const spec = c.spec as unknown as { data: { values: Array<Record<string, unknown>> }; title: { subtitle: string } }
    expect(spec.data.values.map((v) => v.x)).toEqual([1, 4, 5, 6, 7])
    expect(spec.data.values.map((v) => v.lo ?? null)).toEqual([0.5, null, null, 3, null])
    expect(spec.title.subtitle).toBe("2 points and 2 intervals omitted: missing or ≤ 0 on a log axis")
    const linear = Chart.compile(Chart.line({ title: "t", data: rows, x: { field: "x" }, y: { field: "y" } }))
    expect(linear.droppedPoints).toBe(0)
  })

  it("renders an all-missing or empty data set as an empty chart that says so", async () => {
    const empty = (data: ReadonlyArray<Chart.Datum>): Array<Chart.Chart> => [
      Chart.line({ title: "nothing", data, x: { field: "x" }, y: { field: "y", log: true } }),
      Chart.scatter({ title: "nothing", data, x: { field: "x" }, y: { field: "y" } }),
      Chart.heatmap({ title: "nothing", data, x: { field: "x" }, y: { field: "y" }, value: { field: "v" } }),
      Chart.facet({ title: "nothing", by: { field: "x" }, chart: Chart.line({ title: "", data, x: { field: "x" }, y: { field: "y" } }) })
    ]
    for (const chart of [...empty([]), ...empty([{ x: NaN, y: null, v: NaN }])]) {
      const svg = await render(chart)
      expect(texts(svg)).toContain("no data to show")
      expect(marks(svg, "symbol").length).toBe(0)
      expect(svg).not.toMatch(/NaN|Infinity/)
    }
  })

  it("fails with ConfigError naming a field no row has, or text on a numeric axis", async () => {
    const missing = await Effect.runPromise(Effect.flip(Chart.render(widthChart({ y: { field: "los" } }))))
    expect(missing._tag).toBe("ConfigError")
    expect(missing.field).toBe("Chart(Test loss vs width).y.field")
    expect(missing.message).toMatch(/no row has a field "los"; the data have: model, width, loss, lo, hi/)
    expect(() => Chart.compile(Chart.line({ title: "t", data: [{ x: "a", y: 1 }], x: { field: "x" }, y: { field: "y" } }))).toThrow(/expected numbers, got "a"/)
    expect(() => Chart.compile(widthChart({ width: 10 }))).toThrow(/must be an integer number of px in \[50, 4000\], got 10/)
  })

  it("orders series by `order`, numeric series ascending, text series by first appearance", () => {
    const domain = (c: Chart.Line) => {
      const spec = Chart.compile(c).spec as unknown as { layer: Array<{ encoding: { color?: { scale: { domain: Array<unknown> } } } }> }
      return spec.layer[spec.layer.length - 1].encoding.color?.scale.domain
    }
    expect(domain(widthChart({ interval: undefined }))).toEqual(["mlp", "ntk", "gp"])
    expect(domain(widthChart({ interval: undefined, series: { field: "model", order: ["gp"] } }))).toEqual(["gp", "mlp", "ntk"])
    expect(domain(Chart.line({ title: "t", data: [{ w: 64, e: 1, l: 1 }, { w: 8, e: 1, l: 2 }, { w: 512, e: 1, l: 3 }], x: { field: "e" }, y: { field: "l" }, series: { field: "w" } }))).toEqual([8, 64, 512])
  })
})

describe("Chart.scatter, heatmap and facet", () => {
  it("draws a decision-boundary grid under the points, one rect per finite cell", async () => {
    const grid: Array<Chart.Datum> = []
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) grid.push({ gx: i * 0.5, gy: j * 0.5, p: i === 2 && j === 1 ? NaN : i / 4 })
    const pts: Array<Chart.Datum> = [{ a: 0.1, b: 0.2, k: "0" }, { a: 1.9, b: 1.4, k: "1" }, { a: 1.0, b: null, k: "1" }]
    const chart = Chart.scatter({ title: "boundary", data: pts, x: { field: "a" }, y: { field: "b" }, colour: { field: "k" }, background: { data: grid, x: "gx", y: "gy", value: "p", domain: [0, 1] } })
    expect(Chart.compile(chart).droppedPoints).toBe(2)
    const svg = await render(chart)
    const cells = marks(svg, "rect")
    expect(cells.length).toBe(19)
    expect(marks(svg, "symbol").length).toBe(2)
    // The inferred step (0.5) makes the cells tile the plane: all one width, together spanning
    // the five columns' extent.
    const widthsPx = cells.map((c) => Number(/d="M[^,]+,[^h]+h([\d.]+)v/.exec(c)?.[1]))
    expect(widthsPx.every((w) => w > 0)).toBe(true)
    assertClose(widthsPx, widthsPx.map(() => widthsPx[0]), { atol: 0.011 }, "cell widths")
    const lefts = cells.map((c) => Number(/d="M([^,]+),/.exec(c)?.[1]))
    assertClose(Math.max(...lefts) - Math.min(...lefts), 4 * widthsPx[0], { atol: 0.05 }, "grid extent")
  })

  it("draws overlay points over a line chart, unconnected and out of the legend", async () => {
    const rows: Array<Chart.Datum> = [0, 1, 2].flatMap((x) => [{ x, y: x, s: "a" }, { x, y: 2 * x, s: "b" }])
    const overlay = [{ px: 0.5, py: 1 }, { px: 1.5, py: 2 }, { px: 1, py: Number.NaN }]
    const base = { title: "with data", data: rows, x: { field: "x" }, y: { field: "y" }, series: { field: "s" }, points: false }
    const plain = await render(Chart.line(base))
    const chart = Chart.line({ ...base, overlay: { data: overlay, x: "px", y: "py" } })
    expect(Chart.compile(chart).droppedPoints).toBe(1)
    const svg = await render(chart)
    expect(marks(plain, "symbol")).toHaveLength(0)
    expect(marks(svg, "symbol")).toHaveLength(2)
    expect(marks(svg, "line")).toHaveLength(marks(plain, "line").length)
  })

  it("wraps a subtitle wider than the figure instead of letting it shrink the plot", async () => {
    const pts: Array<Chart.Datum> = [{ a: 0, b: 0 }, { a: 1, b: 1 }]
    const plotWidth = (svg: string) => Number(/class="background"[^>]*d="M0\.5,0\.5h([\d.]+)v/.exec(svg)?.[1])
    const base = { title: "t", width: 380, height: 300, data: pts, x: { field: "a" }, y: { field: "b" } }
    const short = await render(Chart.scatter({ ...base, subtitle: "short" }))
    const long = await render(Chart.scatter({ ...base, subtitle: "a subtitle that says a great deal about the chart, ".repeat(3).trim() }))
    expect(plotWidth(short)).toBeGreaterThan(250)
    // The extra subtitle lines take height, which may change the y tick labels' width a little.
    expect(plotWidth(long)).toBeGreaterThan(0.97 * plotWidth(short))
  })

  it("prints every finite heatmap value in its cell and keeps categories of missing cells", async () => {
    const data = [...heat.data, { depth: 4, width: 8, acc: null }]
    const svg = await render({ ...heat, data })
    expect(marks(svg, "text").length).toBe(12)
    expect(marks(svg, "rect").length).toBe(12)
    for (const d of [1, 2, 3]) for (const w of widths) expect(texts(svg)).toContain(String(Math.round((0.5 + 0.1 * d - 1 / w) * 1000) / 1000))
    expect(texts(svg)).toContain("4")
    expect(texts(svg)).toContain("1 cell omitted: missing")
  })

  it("draws one panel per facet value with the same series in each", async () => {
    const curves: Array<Chart.Datum> = []
    for (const w of [8, 64, 512]) for (let e = 1; e <= 10; e++) curves.push({ width: w, epoch: e, loss: Math.exp(-e / w) })
    const svg = await render(Chart.facet({ title: "curves", by: { field: "width", title: "width" }, chart: Chart.line({ title: "", data: curves, x: { field: "epoch" }, y: { field: "loss", log: true }, points: false }) }))
    expect(marks(svg, "line").length).toBe(3)
    const headers = [...svg.matchAll(/aria-label="Title text '([^']*)'"/g)].map((m) => m[1])
    expect(headers).toEqual(expect.arrayContaining(["8", "64", "512", "width", "curves"]))
    expect(headers.length).toBe(5)
  })
})
