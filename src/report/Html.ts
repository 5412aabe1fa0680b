/**
 * A `Document` as one self-contained HTML5 page: inline CSS, figures as inline SVG, a table of
 * contents; no scripts, no external resources, nothing fetched when it is opened.
 *
 * Conventions: all text is escaped (`& < > " '`); inline markup becomes `<code>` and `<strong>`.
 * Section ids are `sec-` and the slug of their heading (deduplicated with "-2", "-3", …),
 * figure ids are `fig-<name>`. Each inline SVG loses its `xmlns` declarations (implied in HTML)
 * and has its internal ids (clip paths, gradients) renamed `fig-<name>.<id>`, because ids are
 * global to the page and two charts would otherwise both define `clip1` (figure names have no
 * ".", so these never collide with the other ids). Figures and captioned tables are
 * numbered in document order, like `Markdown.render`. The output ends with one newline.
 *
 * Reading on any screen and on paper: a chart shrinks with the page down to the width at which
 * its smallest text would render at `minTextPx` (9 px) and scrolls sideways inside its figure
 * below that; a table scrolls sideways inside its own box with its caption above, outside the
 * scroll box, and keeps "0.85 ± 0.17" on one line. In print, charts fit the page, tables shrink
 * their type and padding to fit, code wraps, and figures and table rows are not split across
 * pages. tests/browser-reports.test.ts checks every committed report in Chromium for this.
 */
import * as Document from "./Document.ts"

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"))

const spans = (list: ReadonlyArray<Document.Span>): string =>
  list.map((s) =>
    s.kind === "text" ? escape(s.text) : s.kind === "code" ? `<code>${escape(s.text)}</code>` : `<strong>${spans(s.children)}</strong>`
  ).join("")

/** Inline markup as HTML. */
export const inline = (text: string): string => spans(Document.inline(Document.foldLines(text).trim()))

/** A heading's anchor: lower-case letters and digits joined by "-" ("Width & depth" → "width-depth"). */
export const slug = (text: string): string => {
  const s = Document.plainText(Document.inline(text)).normalize("NFKD").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "")
  return s.length === 0 ? "section" : s
}

/**
 * An SVG made fit to sit inline in a page: `xmlns` declarations dropped and every id (and each
 * `url(#…)` / `href="#…"` / `aria-labelledby` / `aria-describedby` reference to it) renamed
 * `<prefix>.<id>`.
 */
export const inlineSvg = (svg: string, prefix: string): string => {
  const ids = new Set<string>()
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1])
  let out = svg.trim().replace(/^<svg([^>]*)>/, (_, attrs: string) => `<svg${attrs.replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")}>`)
  if (ids.size === 0) return out
  const ref = (id: string) => (ids.has(id) ? `${prefix}.${id}` : id)
  out = out
    .replace(/(\sid=")([^"]+)(")/g, (_, a: string, id: string, b: string) => `${a}${ref(id)}${b}`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${ref(id)})`)
    .replace(/(\s(?:xlink:)?href="#)([^"]+)(")/g, (_, a: string, id: string, b: string) => `${a}${ref(id)}${b}`)
    .replace(/(\saria-(?:labelledby|describedby)=")([^"]+)(")/g, (_, a: string, list: string, b: string) => `${a}${list.split(/\s+/).map(ref).join(" ")}${b}`)
  return out
}

/** The smallest size chart text may render at on screen, in CSS px. */
export const minTextPx = 9

/**
 * The narrowest an SVG may be drawn so that its smallest text (its `font-size` attributes, in
 * user units) renders at `minTextPx`: its width × 9 / smallest font size, in px. Undefined for an
 * SVG without a width or without text.
 */
export const minChartWidth = (svg: string): number | undefined => {
  const width = Number(/^\s*<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1])
  let smallest = Infinity
  for (const m of svg.matchAll(/\sfont-size="([\d.]+)(?:px)?"/g)) smallest = Math.min(smallest, Number(m[1]))
  if (!(width > 0) || !Number.isFinite(smallest) || !(smallest > 0)) return undefined
  return Math.ceil((width * minTextPx) / smallest)
}

const style = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1f2328; font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.9em; margin: 0.4em 0 0.6em; line-height: 1.25; }
h2 { font-size: 1.4em; margin: 1.8em 0 0.6em; padding-bottom: 0.25em; border-bottom: 1px solid #d8dee4; line-height: 1.3; }
p, ul, dl, pre, table, figure { margin: 0 0 1em; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
code { background: #f2f4f7; border-radius: 4px; padding: 0.1em 0.3em; }
pre { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 12px 14px; overflow-x: auto; line-height: 1.45; }
pre code { background: none; padding: 0; font-size: 1em; }
nav.toc { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 10px 18px; margin: 0 0 1.5em; }
nav.toc h2 { font-size: 1em; margin: 0.3em 0; padding: 0; border: 0; }
nav.toc ol { margin: 0.3em 0; padding-left: 1.4em; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.scroll { overflow-x: auto; max-width: 100%; margin: 0 0 1em; }
.scroll:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
.scroll > table { margin: 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
figure.table { margin: 0 0 1em; }
figure.table > figcaption { color: inherit; font-size: 1em; margin: 0 0 0.4em; }
th, td { border: 1px solid #d8dee4; padding: 5px 11px; vertical-align: top; }
td.right, td.center, td.num { white-space: nowrap; }
thead th { background: #f6f8fa; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
.left { text-align: left; } .right { text-align: right; } .center { text-align: center; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 1.2em 0 1.6em; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.92em; margin-top: 0.4em; }
@media (max-width: 600px) {
  main { padding: 16px 12px 48px; }
  h1 { font-size: 1.6em; }
  th, td { padding: 4px 7px; }
}
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  a { color: inherit; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  th, td { padding: 2px 3px; }
  th { overflow-wrap: anywhere; }
  td.right, td.center, td.num { white-space: normal; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  figure svg { min-width: 0 !important; }
  figure, tr, dl.kv > *, pre { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`.trim()

/**
 * A cell read as one value ("0.85 ± 0.17", "12 / 12", "[0.91, 0.97]", "−3.2e-4"): short and
 * without letters. It is kept on one line on screen (class `num`).
 */
const unbroken = (text: string): boolean => text.length <= 40 && !/\p{L}/u.test(text.replace(/\de[-+−]?\d/g, ""))

interface Counters {
  figure: number
  table: number
}

const block = (b: Document.Block, counters: Counters): string => {
  switch (b.kind) {
    case "paragraph":
      return `<p>${inline(b.text)}</p>`
    case "bullets":
      return `<ul>\n${b.items.map((i) => `<li>${inline(i)}</li>`).join("\n")}\n</ul>`
    case "code": {
      const cls = b.language === undefined ? "" : ` class="language-${escape(b.language)}"`
      return `<pre><code${cls}>${escape(b.text.replace(/\n+$/, ""))}</code></pre>`
    }
    case "keyValue":
      return `<dl class="kv">\n${b.entries.map(([k, v]) => {
        const value = Document.foldLines(v).trim()
        return `<dt>${escape(Document.foldLines(k).trim())}</dt><dd>${value.length === 0 ? Document.missing : `<code>${escape(value)}</code>`}</dd>`
      }).join("\n")}\n</dl>`
    case "table": {
      const aligns = b.columns.map((c) => Document.alignOf(c, b.rows))
      const head = `<tr>${b.columns.map((c, j) => `<th class="${aligns[j]}">${inline(c.title)}</th>`).join("")}</tr>`
      const body = b.rows.map((row) =>
        `<tr>${b.columns.map((c, j) => {
          const text = Document.cellText(c, row)
          return `<td class="${aligns[j]}${unbroken(text) ? " num" : ""}">${inline(text)}</td>`
        }).join("")}</tr>`
      )
      const rows = `<thead>\n${head}\n</thead>\n<tbody>\n${body.join("\n")}${body.length > 0 ? "\n" : ""}</tbody>`
      // The caption sits above the scroll box (it must not scroll away with the columns) and
      // names both the box and the table; the box takes keyboard focus so it can be scrolled.
      if (b.caption === undefined) return `<div class="scroll" tabindex="0">\n<table>\n${rows}\n</table>\n</div>`
      const id = `table-${++counters.table}`
      return `<figure class="table">\n<figcaption id="${id}"><strong>Table ${counters.table}.</strong> ${inline(b.caption)}</figcaption>\n<div class="scroll" tabindex="0" role="region" aria-labelledby="${id}">\n<table aria-labelledby="${id}">\n${rows}\n</table>\n</div>\n</figure>`
    }
    case "figure": {
      const n = ++counters.figure
      const min = minChartWidth(b.svg)
      const svg = inlineSvg(b.svg, `fig-${b.name}`).replace(/^<svg/, min === undefined ? "<svg" : `<svg style="min-width:${min}px"`)
      return `<figure id="fig-${b.name}">\n<div class="scroll" tabindex="0">\n${svg}\n</div>\n<figcaption><strong>Figure ${n}.</strong> ${inline(b.caption)}</figcaption>\n</figure>`
    }
  }
}

/**
 * The document as one HTML5 page. Throws ConfigError (from `Document.validate`) when two figures
 * share a name.
 */
export const render = (doc: Document.Document): string => {
  Document.validate(doc)
  const taken = new Set<string>()
  const ids = doc.sections.map((s) => {
    const base = `sec-${slug(s.heading)}`
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`
    taken.add(id)
    return id
  })
  const counters: Counters = { figure: 0, table: 0 }
  const parts: Array<string> = [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escape(Document.plainText(Document.inline(doc.title)))}</title>`,
    `<style>\n${style}\n</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>${inline(doc.title)}</h1>`
  ]
  if (doc.intro !== undefined) for (const p of Document.paragraphs(doc.intro)) parts.push(`<p>${inline(p)}</p>`)
  if (doc.sections.length > 0) {
    parts.push(`<nav class="toc">\n<h2>Contents</h2>\n<ol>\n${doc.sections.map((s, i) => `<li><a href="#${ids[i]}">${inline(s.heading)}</a></li>`).join("\n")}\n</ol>\n</nav>`)
  }
  doc.sections.forEach((s, i) => {
    parts.push(`<section id="${ids[i]}">\n<h2>${inline(s.heading)}</h2>`)
    for (const b of s.blocks) parts.push(block(b, counters))
    parts.push("</section>")
  })
  parts.push("</main>", "</body>", "</html>")
  return `${parts.join("\n")}\n`
}
