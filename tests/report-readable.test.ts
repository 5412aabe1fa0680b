/**
 * What makes a chart read well, checked on the SVG and the spec without a browser (the browser
 * check of whole reports is tests/browser-reports.test.ts): Helvetica text widths, titles inside
 * the figure, SVGs as one named image, heatmap labels rounded, decision surfaces in their
 * classes' colours, the chart width below which text would fall under 9 px, tables that scroll
 * under their caption.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Chart from "../src/report/Chart.ts"
import * as CriticalDifference from "../src/report/CriticalDifference.ts"
import * as DecisionSurface from "../src/report/DecisionSurface.ts"
import * as Document from "../src/report/Document.ts"
import * as Html from "../src/report/Html.ts"
import * as TextWidth from "../src/report/TextWidth.ts"
import { assertClose } from "./support/assertClose.ts"

const render = (chart: Chart.Chart) => Effect.runPromise(Chart.render(chart))

/** The sum of the `translate(x,y)` offsets from the root down to the element at `index`. */
const absoluteY = (svg: string, index: number): number => {
  let depth = 0
  const stack: Array<number> = []
  let y = 0
  for (const m of svg.slice(0, index).matchAll(/<(\/?)g\b([^>]*?)(\/?)>/g)) {
    if (m[1] === "/") {
      y -= stack.pop() ?? 0
      depth--
    } else if (m[3] !== "/") {
      const t = /transform="translate\(([-\d.]+),([-\d.]+)\)"/.exec(m[2])
      const dy = t === null ? 0 : Number(t[2])
      stack.push(dy)
      y += dy
      depth++
    }
  }
  return y
}

describe("TextWidth", () => {
  it("gives Helvetica's advances: 95 printable ASCII, combining marks free, bold wider", () => {
    assertClose(TextWidth.width("Hello", 10), (722 + 556 + 222 + 222 + 556) / 100, { atol: 1e-12 }, "Hello")
    assertClose(TextWidth.width("Θ̂", 10), TextWidth.width("Θ", 10), { atol: 0 }, "combining hat")
    expect(TextWidth.width("W", 10)).toBeGreaterThan(TextWidth.width("i", 10) * 4)
    expect(TextWidth.width("abc", 12, true)).toBeGreaterThan(TextWidth.width("abc", 12))
    expect(TextWidth.isBold("bold")).toBe(true)
    expect(TextWidth.isBold(700)).toBe(true)
    expect(TextWidth.isBold("normal")).toBe(false)
    // Vega's own guess is 0.8 em a character: 1.5× too wide on digits, the error this replaces.
    expect(0.8 * 10 * 12 / TextWidth.width("0123456789", 12)).toBeGreaterThan(1.4)
  })
})

describe("chart titles and names", () => {
  // ntk-convergence's Figure 2: a long rotated y title once put the title 24 px above the figure.
  const gap = Chart.line({
    title: "Ensemble mean against the NTK-GP mean",
    subtitle: "RMS over the probe grid, mean over folds; the floor is the ensemble's own Monte Carlo error (16 nets)",
    data: [8, 64, 512, 4096].flatMap((w, i) => [{ w, s: "gap", v: 0.09 / (1 + i) }, { w, s: "floor", v: 0.02 / (1 + i) }]),
    x: { field: "w", title: "width", log: true },
    y: { field: "v", title: "RMS difference of mean predictions", log: true },
    series: { field: "s", title: "" }
  })

  it("puts the title and subtitle inside the figure", async () => {
    const svg = await render(gap)
    const title = svg.indexOf(">Ensemble mean against the NTK-GP mean</text>")
    expect(title).toBeGreaterThan(0)
    const textStart = svg.lastIndexOf("<text", title)
    const own = Number(/translate\([-\d.]+,([-\d.]+)\)/.exec(svg.slice(textStart, title))?.[1])
    // The baseline of a 16 px title at least 12 px below the top edge.
    expect(absoluteY(svg, textStart) + own).toBeGreaterThanOrEqual(12)
  })

  it("is one image named by its title and described by its subtitle, its marks hidden", async () => {
    const svg = await render(gap)
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="title" aria-describedby="desc"><title id="title">Ensemble mean against the NTK-GP mean<\/title><desc id="desc">RMS over the probe grid, mean over folds; the floor is the ensemble's own Monte Carlo error \(16 nets\)<\/desc><g aria-hidden="true">/)
    expect(svg.endsWith("</g></svg>")).toBe(true)
    // vega's per-point descriptions are off: none of "w: 8; v: 0.09" kind.
    expect(svg).not.toMatch(/aria-label="[^"]*w: \d/)
    const inline = Html.inlineSvg(svg, "fig-gap")
    expect(inline).toContain(`aria-labelledby="fig-gap.title" aria-describedby="fig-gap.desc"><title id="fig-gap.title">`)
  })

  it("escapes the name, and names the hand-drawn critical-difference diagram too", () => {
    expect(Chart.asImage(`<svg width="10" height="10"><rect/></svg>`, `a < b & "c"`)).toBe(`<svg width="10" height="10" role="img" aria-labelledby="title"><title id="title">a &lt; b &amp; &quot;c&quot;</title><g aria-hidden="true"><rect/></g></svg>`)
    const cd = CriticalDifference.svg({ title: "CD", names: ["gp", "svm", "mlp"], avgRanks: [1.2, 2, 2.8], cd: 1, nTasks: 5, alpha: 0.05 })
    expect(cd).toContain(`role="img" aria-labelledby="title" aria-describedby="desc"><title id="title">CD</title>`)
    expect(cd).toContain("Average ranks: gp 1.20, svm 2.00, mlp 2.80.")
  })

  it("keeps long legend labels whole", async () => {
    const series = ["GP Matérn 5/2 (pooled AUC 0.95)", "GP RBF (pooled AUC 0.94)", "ensemble, width 4096"]
    const svg = await render(Chart.line({ title: "t", data: series.flatMap((s, i) => [{ x: 0, y: i, s }, { x: 1, y: i + 1, s }]), x: { field: "x" }, y: { field: "y" }, series: { field: "s", title: "" } }))
    for (const s of series) expect(svg).toContain(`>${s}</text>`)
    expect(svg).not.toContain("…")
  })
})

describe("legend labels too long for the legend", () => {
  const long = "an ensemble of sixteen fully connected networks trained by gradient descent"
  it("drop the words they share and keep what tells them apart", async () => {
    const series = [8, 64, 4096].map((w) => `${long}, width ${w}`)
    const short = Chart.shortLabels(series)
    expect([...short.values()]).toEqual(["…width 8", "…width 64", "…width 4096"])
    const svg = await render(Chart.line({ title: "t", data: series.flatMap((s, i) => [{ x: 0, y: i, s }, { x: 1, y: i + 1, s }]), x: { field: "x" }, y: { field: "y" }, series: { field: "s", title: "" } }))
    for (const w of [8, 64, 4096]) expect(svg).toContain(`>…width ${w}</text>`)
  })
  it("cut the middle when nothing is shared, so both ends stay, and leave labels that fit alone", () => {
    const short = Chart.shortLabels([`GP Matérn 5/2 ${long} (pooled AUC 0.961)`, "SVM (pooled AUC 0.959)"])
    const [cut] = [...short.values()]
    expect(short.size).toBe(1)
    expect(cut).toMatch(/^GP Matérn 5\/2 .*….* \(pooled AUC 0\.961\)$/)
    expect(TextWidth.width(cut, Chart.theme.legend.labelFontSize)).toBeLessThanOrEqual(Chart.theme.legend.labelLimit)
    expect(Chart.shortLabels(["a", "b"]).size).toBe(0)
  })
})

describe("heatmap labels", () => {
  const cells = (ws: ReadonlyArray<string>) => ws.map((w, i) => ({ w, b: "0", v: i }))
  const xLabels = async (ws: ReadonlyArray<string>) => {
    const spec = Chart.compile(Chart.heatmap({ title: "t", data: cells(ws), x: { field: "w", order: ws }, y: { field: "b" }, value: { field: "v" } })).spec as unknown as { layer: Array<{ encoding: { x: { scale: { domain: Array<string> } } } }> }
    return spec.layer[0].encoding.x.scale.domain
  }
  it("rounds numeric categories to the fewest significant digits that keep them apart", async () => {
    expect(await xLabels(["0.16666666666666666", "0.3333333333333333", "0.5", "2.3333333333333335"])).toEqual(["0.2", "0.3", "0.5", "2"])
    expect(await xLabels(["0.2608695652173913", "0.2869565217391304", "0.3"])).toEqual(["0.26", "0.29", "0.3"])
    // Not all numbers: shown as given. Too close to tell apart in 6 digits: shown as given.
    expect(await xLabels(["rbf", "0.5"])).toEqual(["rbf", "0.5"])
    expect(await xLabels(["1.00000001", "1.00000002"])).toEqual(["1.00000001", "1.00000002"])
  })
  it("labels every column, upright when they fit and turned when they do not", () => {
    const axis = (ws: ReadonlyArray<string>) =>
      (Chart.compile(Chart.heatmap({ title: "t", data: cells(ws), x: { field: "w" }, y: { field: "b" }, value: { field: "v" } })).spec as unknown as { layer: Array<{ encoding: { x: { axis: Record<string, unknown> } } }> }).layer[0].encoding.x.axis
    expect(axis(["0.01", "0.1", "1", "10"])).toEqual({ labelAngle: 0, labelOverlap: false })
    expect(axis(Array.from({ length: 25 }, (_, i) => `model-${i + 1}`))).toMatchObject({ labelAngle: -90, labelOverlap: false })
  })
})

describe("decision surface colours", () => {
  // Class 1 listed first: the point colours must still follow the class labels, not the order of appearance.
  const task = { name: "moons", X: [[0.9, 0.8], [0.1, 0.2], [0.5, 0.5]], y: [1, 0, 1], folds: [], probe: [[0, 0], [1, 0], [0, 1], [1, 1]] }
  const colours = async (value: "decision" | "probability") => {
    const chart = await Effect.runPromise(DecisionSurface.chart({ title: "t", task, prediction: { decision: [-1, 0, 1, 2], classes: 2, probabilities: [0.9, 0.1, 0.5, 0.5, 0.2, 0.8, 0, 1] }, value }))
    const spec = Chart.compile(chart).spec as unknown as { layer: Array<{ encoding: { fill?: { scale: { domain: Array<number>; range: Array<string> } }; color?: { scale: { domain: Array<string> } } } }> }
    return { fill: spec.layer[0].encoding.fill?.scale, points: spec.layer[1].encoding.color?.scale.domain }
  }
  it("shades f < 0 (P < ½) in class 0's point colour and f > 0 in class 1's", async () => {
    for (const value of ["decision", "probability"] as const) {
      const { fill, points } = await colours(value)
      expect(points).toEqual(["class 0", "class 1"])
      // tableau10 in domain order: class 0 is palette[0], class 1 palette[1].
      expect(fill?.range).toEqual([Chart.palette[0], "#f2f2f2", Chart.palette[1]])
      expect(fill?.domain).toEqual(value === "decision" ? [-2, 0, 2] : [0, 0.5, 1])
    }
  })
  it("refuses classes the colour field does not have", () => {
    expect(() => Chart.compile(Chart.scatter({
      title: "t",
      data: [{ x: 0, y: 0, c: "a" }],
      x: { field: "x" },
      y: { field: "y" },
      colour: { field: "c" },
      background: { data: [{ x: 0, y: 0, v: 1 }, { x: 1, y: 1, v: 0 }], x: "x", y: "y", value: "v", classes: ["a", "b"] }
    }))).toThrow(/"b" is not a value of the colour field \(a\); list it in colour.order/)
  })
})

describe("Html.minChartWidth", () => {
  it("is the width at which the smallest text renders at 9 px", () => {
    expect(Html.minChartWidth(`<svg width="600" height="300"><text font-size="12px">a</text><text font-size="16px">b</text></svg>`)).toBe(450)
    expect(Html.minChartWidth(`<svg width="640" height="300"><text font-size="11">a</text></svg>`)).toBe(Math.ceil(640 * 9 / 11))
    expect(Html.minChartWidth(`<svg width="600" height="300"><rect/></svg>`)).toBeUndefined()
  })
  it("is what the page gives each figure, and every chart's text is at least 12 user units", async () => {
    const svg = await render(Chart.heatmap({ title: "t", data: [{ x: "a", y: "b", v: 1 }], x: { field: "x" }, y: { field: "y" }, value: { field: "v" } }))
    const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]))
    expect(Math.min(...sizes)).toBe(Chart.smallestFontSize)
    expect(Html.minChartWidth(svg)).toBe(Math.ceil(600 * 9 / 12))
  })
})

describe("Html tables and figures on small screens", () => {
  const doc = Document.make({
    title: "t",
    sections: [Document.section("s", [
      Document.table({ caption: "Means ± sd.", columns: [{ key: "m", title: "model" }, { key: "v", title: "RMSE" }, { key: "n", title: "n" }], rows: [{ m: "GP, rbf with a long name", v: "0.85 ± 0.17", n: 12 }] }),
      Document.table({ columns: [{ key: "m", title: "model" }], rows: [{ m: "x" }] })
    ])]
  })
  it("puts the caption above the scroll box, names box and table by it, and keeps values on one line", () => {
    const html = Html.render(doc)
    expect(html).toContain(`<figure class="table">\n<figcaption id="table-1"><strong>Table 1.</strong> Means ± sd.</figcaption>\n<div class="scroll" tabindex="0" role="region" aria-labelledby="table-1">\n<table aria-labelledby="table-1">`)
    expect(html).toContain(`<td class="left">GP, rbf with a long name</td><td class="left num">0.85 ± 0.17</td><td class="right num">12</td>`)
    // Without a caption: the scroll box alone, unnamed.
    expect(html).toContain(`<div class="scroll" tabindex="0">\n<table>\n<thead>\n<tr><th class="left">model</th></tr>`)
    expect(html).toMatch(/@media print \{[^}]*\}[\s\S]*\.scroll \{ overflow: visible; \}/)
  })
  it("gives each chart the minimum width that keeps its text at 9 px, inside a scroll box", async () => {
    const svg = await render(Chart.line({ title: "t", data: [{ x: 0, y: 1 }, { x: 1, y: 2 }], x: { field: "x" }, y: { field: "y" } }))
    const html = Html.render(Document.make({ title: "t", sections: [Document.section("s", [Document.figure({ name: "f", svg, caption: "c" })])] }))
    expect(html).toContain(`<figure id="fig-f">\n<div class="scroll" tabindex="0">\n<svg style="min-width:450px" version="1.1"`)
  })
})
