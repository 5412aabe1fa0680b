import { Effect } from "effect"
import fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import * as Chart from "../src/report/Chart.ts"
import * as Document from "../src/report/Document.ts"
import * as Format from "../src/report/Format.ts"
import * as Html from "../src/report/Html.ts"
import * as Markdown from "../src/report/Markdown.ts"

const heatmap = (title: string) =>
  Chart.heatmap({
    title,
    data: [{ w: 8, d: 1, v: 0.5 }, { w: 64, d: 1, v: 0.7 }, { w: 8, d: 2, v: 0.6 }, { w: 64, d: 2, v: NaN }],
    x: { field: "w" },
    y: { field: "d" },
    value: { field: "v" }
  })

let svgA = ""
let svgB = ""
beforeAll(async () => {
  svgA = await Effect.runPromise(Chart.render(heatmap("A")))
  svgB = await Effect.runPromise(Chart.render(heatmap("B <&>")))
})

const tricky = `a <b> & "c" 'd' | e * f _g_ h_i [j](k) \`x|y\` **bold** #1 ~z~ $m$`

const doc = (): Document.Document =>
  Document.make({
    title: `Width study: \`mlp\` vs <NTK> & "GP"`,
    intro: "First paragraph, 1 < 2.\n\nSecond paragraph with **bold**.",
    sections: [
      Document.section("Results & <discussion>", [
        Document.paragraph(tricky),
        Document.table({
          caption: "Scores | by model",
          columns: [
            { key: "model", title: "Model" },
            { key: "auc", title: "ROC-AUC" },
            { key: "time", title: "Time", format: (v) => Format.duration(v as number) },
            { key: "note", title: "Note | remark" }
          ],
          rows: [
            { model: "svm|rbf", auc: 0.912345, time: 133_000, note: "`a|b` code" },
            { model: "<gp>", auc: NaN, time: 850, note: "**best**" },
            { model: "mlp", auc: null, time: undefined }
          ]
        }),
        Document.figure({ name: "heat-a", svg: svgA, caption: "Accuracy <A> & more" }),
        Document.figure({ name: "heat-b", svg: svgB, caption: "Accuracy [B]" })
      ]),
      Document.section("Environment", [
        Document.keyValue([["node", "22.23.3"], ["seed", 20240611], ["commit", "<none> & 'dirty'"], ["empty", ""]]),
        Document.code("echo '<hi>' && cat <<EOF\n```\nEOF\n", "sh"),
        Document.bullets(["- leading dash", "1. numbered", "plain `code`"])
      ]),
      Document.section("Results & <discussion>", [Document.paragraph("A second section with the same heading.")])
    ]
  })

/** Splits a GFM table row into cells at pipes not escaped by a backslash. */
const cells = (line: string): Array<string> => line.replace(/^\| /, "").replace(/ \|$/, "").split(/(?<!\\) \| /)

describe("Document.inline", () => {
  it("parses code, bold with code inside, and escapes; unmatched openers stay literal", () => {
    expect(Document.inline("a `b*c` **d `e` f** \\*g\\* h")).toEqual([
      { kind: "text", text: "a " },
      { kind: "code", text: "b*c" },
      { kind: "text", text: " " },
      { kind: "bold", children: [{ kind: "text", text: "d " }, { kind: "code", text: "e" }, { kind: "text", text: " f" }] },
      { kind: "text", text: " *g* h" }
    ])
    expect(Document.inline("x ** y ` z")).toEqual([{ kind: "text", text: "x ** y ` z" }])
    expect(Document.inline("``a`b``")).toEqual([{ kind: "code", text: "a`b" }])
    expect(Document.inline("`` `x` ``")).toEqual([{ kind: "code", text: "`x`" }])
    expect(Document.inline("`  `")).toEqual([{ kind: "code", text: "  " }])
    expect(Document.inline("one\n  two")).toEqual([{ kind: "text", text: "one two" }])
  })

  it("keeps the text of markup-free strings exactly", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", " ", "<", ">", "&", "\"", "'", "|", "_", "[", "]", "#", "-", "é", "1", ".") }), (s) => {
        expect(Document.plainText(Document.inline(s))).toBe(s)
      })
    )
  })

  it("rejects figure names that are not file names and SVGs that are not static", () => {
    expect(() => Document.figure({ name: "../x", svg: svgA, caption: "" })).toThrow(/not usable as a file name/)
    expect(() => Document.figure({ name: "a", svg: "<div></div>", caption: "" })).toThrow(/expected one <svg>/)
    expect(() => Document.figure({ name: "a", svg: "<svg><script>alert(1)</script></svg>", caption: "" })).toThrow(/scripts/)
    expect(() => Document.figure({ name: "a", svg: `<svg onload="x()"></svg>`, caption: "" })).toThrow(/scripts/)
    const twice = { title: "t", sections: [Document.section("s", [Document.figure({ name: "a", svg: svgA, caption: "" }), Document.figure({ name: "a", svg: svgB, caption: "" })])] }
    expect(() => Markdown.render(twice)).toThrow(/two figures are named "a"/)
    expect(() => Html.render(twice)).toThrow(/two figures are named "a"/)
  })
})

describe("Markdown.render", () => {
  it("writes a GFM table with escaped pipes, formatted numbers and alignment", () => {
    const { text } = Markdown.render(doc())
    const lines = text.split("\n")
    const head = lines.findIndex((l) => l.startsWith("| Model"))
    expect(lines[head - 2]).toBe("**Table 1.** Scores \\| by model")
    expect(lines[head]).toBe("| Model | ROC-AUC | Time | Note \\| remark |")
    // Time holds numbers (formatted by the column): right-aligned like ROC-AUC.
    expect(lines[head + 1]).toBe("| :--- | ---: | ---: | :--- |")
    expect(lines[head + 2]).toBe("| svm\\|rbf | 0.9123 | 2 min 13 s | `a\\|b` code |")
    expect(lines[head + 3]).toBe("| \\<gp\\> | — | 850 ms | **best** |")
    expect(lines[head + 4]).toBe("| mlp | — | — | — |")
    expect(lines[head + 5]).toBe("")
    for (let i = head; i <= head + 4; i++) expect(cells(lines[i]).length, lines[i]).toBe(4)
  })

  it("escapes literal text wherever Markdown would read markup", () => {
    const md = Markdown.render(doc()).text
    expect(md).toContain("a \\<b\\> \\& \"c\" 'd' \\| e \\* f \\_g\\_ h_i \\[j\\](k) `x|y` **bold** #1 \\~z\\~ \\$m\\$")
    expect(md.startsWith("# Width study: `mlp` vs \\<NTK\\> \\& \"GP\"\n\nFirst paragraph, 1 \\< 2.\n\nSecond paragraph with **bold**.\n\n## Results \\& \\<discussion\\>\n")).toBe(true)
    expect(md).toContain("- \\- leading dash\n- 1\\. numbered\n- plain `code`")
    expect(Markdown.inline("# not a heading")).toBe("\\# not a heading")
    expect(Markdown.inline("+1")).toBe("\\+1")
    expect(Markdown.inline("**a.**b")).toBe("<strong>a.</strong>b")
    expect(Markdown.inline("`` ` ``")).toBe("`` ` ``")
  })

  it("writes each figure to figures/<name>.svg and links it with its caption", () => {
    const { text, files } = Markdown.render(doc())
    expect(files).toEqual([
      { path: "figures/heat-a.svg", content: `${svgA}\n` },
      { path: "figures/heat-b.svg", content: `${svgB}\n` }
    ])
    expect(text).toContain("![Accuracy \\<A\\> \\& more](figures/heat-a.svg)\n\n**Figure 1.** Accuracy \\<A\\> \\& more")
    expect(text).toContain("![Accuracy \\[B\\]](figures/heat-b.svg)\n\n**Figure 2.** Accuracy \\[B\\]")
    expect(files[0].content.startsWith(`<svg xmlns="http://www.w3.org/2000/svg"`)).toBe(true)
  })

  it("fences code longer than any backtick run inside, and lists key–values verbatim", () => {
    const { text } = Markdown.render(doc())
    expect(text).toContain("````sh\necho '<hi>' && cat <<EOF\n```\nEOF\n````")
    expect(text).toContain("- **node:** `22.23.3`\n- **seed:** `20240611`\n- **commit:** `<none> & 'dirty'`\n- **empty:** —")
    expect(text.endsWith("A second section with the same heading.\n")).toBe(true)
  })
})

describe("Html.render", () => {
  it("escapes <, &, and quotes in every kind of text", () => {
    const html = Html.render(doc())
    expect(html).toContain(`<title>Width study: mlp vs &lt;NTK&gt; &amp; &quot;GP&quot;</title>`)
    expect(html).toContain(`<h1>Width study: <code>mlp</code> vs &lt;NTK&gt; &amp; &quot;GP&quot;</h1>`)
    expect(html).toContain(`<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; | e * f _g_ h_i [j](k) <code>x|y</code> <strong>bold</strong> #1 ~z~ $m$</p>`)
    expect(html).toContain(`<td class="left">&lt;gp&gt;</td>`)
    expect(html).toContain(`<td class="left"><code>a|b</code> code</td>`)
    expect(html).toContain(`<dt>commit</dt><dd><code>&lt;none&gt; &amp; &#39;dirty&#39;</code></dd>`)
    expect(html).toContain(`<pre><code class="language-sh">echo &#39;&lt;hi&gt;&#39; &amp;&amp; cat &lt;&lt;EOF\n\`\`\`\nEOF</code></pre>`)
    expect(html).toContain(`<figcaption><strong>Figure 1.</strong> Accuracy &lt;A&gt; &amp; more</figcaption>`)
    expect(Html.escape(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&#39;")
    // Outside the inline SVGs, every "<" opens one of the tags the renderer writes.
    const outside = html.replace(/<svg[\s\S]*?<\/svg>/g, "")
    const tags = new Set([...outside.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((m) => m[1].toLowerCase()))
    expect([...tags].sort()).toEqual(["!doctype", "a", "body", "code", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "head", "html", "li", "main", "meta", "nav", "ol", "p", "pre", "section", "strong", "style", "table", "tbody", "td", "th", "thead", "title", "tr", "ul"])
  })

  it("holds every figure inline and nothing external: no http, no scripts, no links or sources", () => {
    const html = Html.render(doc())
    expect(html.match(/<svg[\s>]/g)?.length).toBe(2)
    expect(html).toContain(Html.inlineSvg(svgA, "fig-heat-a").replace(/^<svg/, `<svg style="min-width:${Html.minChartWidth(svgA)}px"`))
    expect(html).toContain(Html.inlineSvg(svgB, "fig-heat-b").replace(/^<svg/, `<svg style="min-width:${Html.minChartWidth(svgB)}px"`))
    // The chart bodies are there, minus the namespace declarations.
    expect(html).toContain(svgA.slice(svgA.indexOf("<rect"), svgA.indexOf("<defs>")).replace(/url\(#gradient1\)/g, "url(#fig-heat-a.gradient1)"))
    expect(html).not.toMatch(/http|<script|<link|<img|<iframe|src=|@import|url\((?!#)/i)
  })

  it("gives unique ids: sections, figures, and each figure's own gradients, all references resolving", () => {
    const html = Html.render(doc())
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual(expect.arrayContaining(["sec-results-discussion", "sec-environment", "sec-results-discussion-2", "fig-heat-a", "fig-heat-b", "fig-heat-a.gradient1", "fig-heat-b.gradient1"]))
    const refs = [...html.matchAll(/url\(#([^)]+)\)|href="#([^"]+)"/g)].map((m) => m[1] ?? m[2])
    expect(refs.length).toBeGreaterThanOrEqual(5)
    for (const r of refs) expect(ids, r).toContain(r)
    expect(html).toContain(`<li><a href="#sec-results-discussion">Results &amp; &lt;discussion&gt;</a></li>`)
  })

  it("renders the same bytes every time, as do Markdown and the figures", () => {
    expect(Html.render(doc())).toBe(Html.render(doc()))
    expect(Markdown.render(doc())).toEqual(Markdown.render(doc()))
    const html = Html.render(doc())
    expect(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")).toBe(true)
    expect(html.endsWith("</main>\n</body>\n</html>\n")).toBe(true)
  })

  it("escapes arbitrary text so that it reads back unchanged", () => {
    const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", " ", "<", ">", "&", "\"", "'", "/", "=", "!", "-", "é", ";", "#") }), (s) => {
        const out = Html.inline(s)
        expect(out).not.toMatch(/[<>"']/)
        expect(unescape(out)).toBe(s.trim())
      })
    )
  })
})
