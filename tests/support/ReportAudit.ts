/**
 * A committed report as a reader sees it: one HTML page opened in a real Chromium (driven by
 * playwright-core) at a desktop width, at a phone width, and laid out for print, with everything
 * that makes it read badly listed as problems.
 *
 * Checks (each problem is one line naming the page, the view and the element):
 * - a console error or an uncaught page error;
 * - any request other than the page itself (reports are self-contained; network requests are
 *   also aborted, so a fetch can neither succeed nor hang the check);
 * - page-wide horizontal overflow (the document wider than the viewport or the printed page);
 * - a figure's SVG without an explicit accessible name (`aria-label` / `aria-labelledby`, read
 *   back through Chromium's accessibility tree as an image with that name), or one that exposes
 *   anything below it to screen readers (its marks, tick labels);
 * - chart text that renders below 9 CSS px on the phone (computed font size × the SVG's scale on
 *   screen, for every visible `<text>`);
 * - chart text drawn (partly) outside its SVG, where it is clipped (a title above the plot);
 * - a legend label cut short with "…";
 * - a numeric table cell ("0.85 ± 0.17") broken over lines on the phone, or a table caption that
 *   sits inside the table's scroll box (it would scroll away with the columns);
 * - in print: any element whose content is clipped by its own box (a table or code block that
 *   would be cut off on paper), and the PDF itself (Chromium's print to PDF must produce one).
 *
 * Gotchas: Chromium is Debian's (`/usr/bin/chromium`); `findChromium` installs it with apt-get
 * when missing and returns undefined (the caller skips, saying why) when that fails.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { type Browser, chromium, type Page } from "playwright-core"

/**
 * The views every report is checked in. Phone: a 390 px wide viewport (iPhone 12–15; the pages'
 * `width=device-width` makes that the layout width, as on the phone). Print: A4 with 12 mm
 * margins (794 − 2 × 45 px), the width `page.pdf` lays the page out at.
 */
export const views = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
  print: { width: 703, height: 1000 }
} as const

/** Smallest chart text allowed on the phone, in CSS px. */
export const minPhoneTextPx = 9

/** Chromium's executable: found on the PATH, else installed with apt-get; undefined (with the reason) when neither works. */
export const findChromium = (): { readonly path?: string; readonly reason?: string } => {
  const which = () => {
    const r = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" })
    return r.status === 0 ? r.stdout.trim() : undefined
  }
  const found = which()
  if (found !== undefined) return { path: found }
  const apt = (...args: Array<string>) => spawnSync("apt-get", args, { encoding: "utf8", timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
  let install = apt("install", "-y", "chromium")
  // A fresh machine may have no package lists yet.
  if (install.status !== 0 && apt("update").status === 0) install = apt("install", "-y", "chromium")
  const after = which()
  if (after !== undefined) return { path: after }
  return { reason: `chromium is not installed and \`apt-get install -y chromium\` failed (exit ${install.status}: ${(install.stderr ?? String(install.error ?? "")).trim().split("\n").pop()}); install it to run the browser check of the reports` }
}

export const launch = (executablePath: string): Promise<Browser> =>
  chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] })

/** Collects console errors, page errors and every request other than the page itself (aborted). */
const watch = async (page: Page, url: string, problems: Array<string>, where: string) => {
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`${where}: console error: ${m.text()}`)
  })
  page.on("pageerror", (e) => problems.push(`${where}: page error: ${e.message}`))
  page.on("request", (r) => {
    if (r.url() !== url && !r.url().startsWith("data:")) problems.push(`${where}: request to ${r.url().slice(0, 120)}`)
  })
  await page.route(/^(https?|wss?|ftp):/, (route) => route.abort())
}

interface Measured {
  readonly overflow: number
  readonly figures: ReadonlyArray<{ readonly id: string; readonly label: string | null; readonly minText: number; readonly smallest: string; readonly truncated: ReadonlyArray<string>; readonly outside: ReadonlyArray<string> }>
  readonly brokenCells: ReadonlyArray<string>
  readonly scrolledCaptions: ReadonlyArray<string>
  readonly clipped: ReadonlyArray<string>
}

/**
 * Measures the page as laid out now. Plain JavaScript run in the page (the project's type check
 * has no DOM library), returning a `Measured`.
 */
const measureScript = String.raw`(() => {
  const visible = (e) => {
    const s = getComputedStyle(e)
    return s.display !== "none" && s.visibility !== "hidden" && Number(s.opacity) > 0 && (e.textContent || "").trim().length > 0
  }
  const describe = (e) => e.tagName.toLowerCase() + (e.id === "" ? "" : "#" + e.id) + (typeof e.className === "string" && e.className !== "" ? "." + e.className.split(" ").join(".") : "")
  const figures = [...document.querySelectorAll("figure svg")].map((svg, i) => {
    let minText = Infinity
    let smallest = ""
    const truncated = []
    const outside = []
    const frame = svg.getBoundingClientRect()
    for (const t of svg.querySelectorAll("text")) {
      if (!visible(t)) continue
      let hidden = false
      for (let p = t; p !== null && p !== svg; p = p.parentElement) if (Number(getComputedStyle(p).opacity) === 0) hidden = true
      if (hidden) continue
      const m = t.getScreenCTM()
      if (m === null) continue
      const text = (t.textContent || "").trim()
      const px = Number.parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)
      if (px < minText) {
        minText = px
        smallest = text.slice(0, 40)
      }
      if (text.endsWith("…") && t.closest(".role-legend") !== null) truncated.push(text)
      const box = t.getBoundingClientRect()
      if (box.top < frame.top - 1 || box.left < frame.left - 1 || box.bottom > frame.bottom + 1 || box.right > frame.right + 1) outside.push(text.slice(0, 40))
    }
    const figure = svg.closest("figure")
    const label = svg.getAttribute("aria-label") ?? svg.getAttribute("aria-labelledby")
    return { id: figure?.id || "figure " + (i + 1), label, minText, smallest, truncated, outside }
  })
  const brokenCells = []
  for (const td of document.querySelectorAll("td")) {
    const text = (td.textContent || "").trim()
    if (!/^[−+-]?[\d.,]+(?:e[−+-]?\d+)?\s*±\s*[\d.,]+/.test(text)) continue
    const range = document.createRange()
    range.selectNodeContents(td)
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
    if (lines.size > 1) brokenCells.push('"' + text + '" on ' + lines.size + " lines")
  }
  const scrolledCaptions = []
  for (const cap of document.querySelectorAll("caption, figure.table > figcaption")) {
    for (let p = cap.parentElement; p !== null && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p)
      if ((s.overflowX === "auto" || s.overflowX === "scroll") && p.scrollWidth > p.clientWidth + 1) {
        scrolledCaptions.push((cap.textContent || "").trim().slice(0, 60))
        break
      }
    }
  }
  const clipped = []
  for (const e of document.querySelectorAll("main *")) {
    if (e.closest("svg") !== null) continue
    const s = getComputedStyle(e)
    if (s.overflowX === "visible" || s.display === "none") continue
    if (e.scrollWidth > e.clientWidth + 1) clipped.push(describe(e) + " clips " + (e.scrollWidth - e.clientWidth) + " px")
  }
  return { overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, figures, brokenCells, scrolledCaptions, clipped }
})()`

const measure = (page: Page): Promise<Measured> => page.evaluate(measureScript) as Promise<Measured>

interface AxNode {
  readonly nodeId: string
  readonly ignored: boolean
  readonly role?: { readonly value?: string }
  readonly name?: { readonly value?: string }
  readonly childIds?: ReadonlyArray<string>
  readonly backendDOMNodeId?: number
}

/**
 * Each figure's SVG as Chromium's accessibility tree has it: its role, its accessible name and
 * how many nodes below it a screen reader is offered (read over the DevTools protocol, so these
 * are Chromium's own answers, not a re-implementation of the name computation).
 */
const accessibleFigures = async (page: Page) => {
  const cdp = await page.context().newCDPSession(page)
  const { root } = await cdp.send("DOM.getDocument", { depth: 0 })
  const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: "figure svg" })
  const { nodes } = (await cdp.send("Accessibility.getFullAXTree", {})) as unknown as { nodes: ReadonlyArray<AxNode> }
  const byId = new Map(nodes.map((n) => [n.nodeId, n]))
  const byBackend = new Map(nodes.filter((n) => n.backendDOMNodeId !== undefined).map((n) => [n.backendDOMNodeId as number, n]))
  const exposed = (n: AxNode): number =>
    (n.childIds ?? []).reduce((sum, id) => {
      const child = byId.get(id)
      return child === undefined ? sum : sum + (child.ignored ? 0 : 1) + exposed(child)
    }, 0)
  const out: Array<{ readonly role: string; readonly name: string; readonly nodes: number }> = []
  for (const nodeId of nodeIds) {
    const { node } = await cdp.send("DOM.describeNode", { nodeId })
    const ax = byBackend.get(node.backendNodeId)
    out.push(ax === undefined || ax.ignored ? { role: "", name: "", nodes: 0 } : { role: ax.role?.value ?? "", name: ax.name?.value ?? "", nodes: exposed(ax) })
  }
  await cdp.detach()
  return out
}

/**
 * Every problem of one report page, in every view; writes its PDF to `pdfPath`. The page is
 * loaded once and laid out again for each view (viewport resized, then print media emulated).
 */
export const audit = async (browser: Browser, file: string, pdfPath: string): Promise<Array<string>> => {
  const url = `file://${file}`
  const problems: Array<string> = []
  const context = await browser.newContext({ viewport: views.desktop })
  const page = await context.newPage()
  await watch(page, url, problems, file)
  await page.goto(url, { waitUntil: "load" })
  for (const view of ["desktop", "phone", "print"] as const) {
    const where = `${file} (${view})`
    if (view === "print") await page.emulateMedia({ media: "print" })
    await page.setViewportSize(views[view])
    const m = await measure(page)
    if (m.overflow > 0) problems.push(`${where}: the page is ${m.overflow} px wider than the ${view === "print" ? "printed page" : "screen"}`)
    if (view === "desktop") {
      for (const f of m.figures) {
        if (f.outside.length > 0) problems.push(`${where}: ${f.id}: text drawn outside the figure (clipped): ${f.outside.map((t) => `"${t}"`).join(", ")}`)
        if (f.truncated.length > 0) problems.push(`${where}: ${f.id}: legend labels cut short: ${f.truncated.join(", ")}`)
        if (f.label === null) problems.push(`${where}: ${f.id}: the SVG has no aria-label or aria-labelledby`)
      }
      const a11y = await accessibleFigures(page)
      a11y.forEach((a, i) => {
        const id = m.figures[i]?.id ?? `figure ${i + 1}`
        if (a.role !== "image" || a.name.trim().length === 0) problems.push(`${where}: ${id}: no accessible name (Chromium sees ${a.role || "nothing"} "${a.name}")`)
        if (a.nodes > 0) problems.push(`${where}: ${id}: exposes ${a.nodes} nodes below it to screen readers (its marks should be hidden)`)
      })
    }
    if (view === "phone") {
      for (const f of m.figures) {
        if (f.minText < minPhoneTextPx) problems.push(`${where}: ${f.id}: chart text renders at ${f.minText.toFixed(1)} px ("${f.smallest}"), below ${minPhoneTextPx} px`)
      }
      for (const c of m.brokenCells) problems.push(`${where}: table cell ${c}`)
      for (const c of m.scrolledCaptions) problems.push(`${where}: the caption "${c}" scrolls away with its table`)
    }
    if (view === "print") {
      for (const c of m.clipped) problems.push(`${where}: ${c} (cut off on paper)`)
      const pdf = await page.pdf({ format: "A4", margin: { top: "12mm", bottom: "12mm", left: "12mm", right: "12mm" }, printBackground: true })
      if (pdf.subarray(0, 5).toString("latin1") !== "%PDF-") problems.push(`${where}: print to PDF did not give a PDF`)
      fs.writeFileSync(pdfPath, pdf)
    }
  }
  await context.close()
  return problems
}
