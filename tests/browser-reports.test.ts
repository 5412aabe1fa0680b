/**
 * Every committed report (each reports/<name>/index.html found at run time) opened in Chromium at
 * a desktop and a phone width and printed to PDF: no console error, no request, no page-wide
 * overflow, every figure named for screen readers with its marks hidden, no chart text outside
 * its figure, chart text ≥ 9 px on the phone, no legend label cut short, "a ± b" cells on one
 * line, captions outside the scroll box, nothing cut off in print (tests/support/ReportAudit.ts
 * lists the checks).
 *
 * The checks prove their power on a page built to break each of them. Chromium is Debian's; the
 * set-up installs it with apt-get when it is missing and skips, saying why, when that fails.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as ReportAudit from "./support/ReportAudit.ts"

const root = path.resolve(import.meta.dirname, "..")
const reports = fs.readdirSync(path.join(root, "reports"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith(".") && fs.existsSync(path.join(root, "reports", d.name, "index.html")))
  .map((d) => d.name)
  .sort()

const found = ReportAudit.findChromium()
if (found.path === undefined) console.warn(`browser-reports: skipped: ${found.reason}`)

/** A page that breaks every check once: the audit must name each problem. */
const brokenPage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>main { max-width: 960px; } .clip { overflow: hidden; width: 100px; white-space: nowrap; } .wide { width: 1500px; height: 4px; } .scroll { overflow-x: auto; }</style>
</head><body><main>
<img src="http://example.invalid/pixel.png" alt="">
<script>console.error("boom")</script>
<div class="wide"></div>
<figure id="fig-tiny"><svg width="1200" height="200" viewBox="0 0 1200 200" style="max-width:100%;height:auto"><g class="role-legend"><text x="10" y="100" font-size="11px">a very long legend lab…</text></g><text x="10" y="150" font-size="11px">tick</text><text x="10" y="-4" font-size="15px">clipped title</text><circle cx="50" cy="50" r="4" role="graphics-symbol" aria-label="point 1"/><circle cx="60" cy="50" r="4" role="graphics-symbol" aria-label="point 2"/></svg><figcaption>tiny text</figcaption></figure>
<div class="scroll"><table><caption>Table 1. A caption inside the scroll box</caption><tr><td style="width:30px">0.85 ± 0.17</td><td><div style="width:900px">wide</div></td></tr></table></div>
<div class="clip">a line much longer than its one hundred pixel box, cut off</div>
</main></body></html>
`

describe.skipIf(found.path === undefined)("committed reports in Chromium", () => {
  let browser: Browser
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "gpnn-browser-"))
  beforeAll(async () => {
    browser = await ReportAudit.launch(found.path as string)
  })
  afterAll(async () => {
    await browser?.close()
    fs.rmSync(out, { recursive: true, force: true })
  })

  it("finds each kind of problem on a page made to have them", async () => {
    const file = path.join(out, "broken.html")
    fs.writeFileSync(file, brokenPage)
    const problems = (await ReportAudit.audit(browser, file, path.join(out, "broken.pdf"))).join("\n")
    expect(problems).toMatch(/broken\.html: console error: boom/)
    expect(problems).toMatch(/broken\.html: request to http:\/\/example\.invalid/)
    expect(problems).toMatch(/\(phone\): the page is \d+ px wider than the screen/)
    expect(problems).toMatch(/\(print\): the page is \d+ px wider than the printed page/)
    expect(problems).toMatch(/fig-tiny: the SVG has no aria-label or aria-labelledby/)
    expect(problems).toMatch(/fig-tiny: exposes \d+ nodes below it to screen readers/)
    expect(problems).toMatch(/\(phone\): fig-tiny: chart text renders at [0-8]\.\d px/)
    expect(problems).toMatch(/fig-tiny: text drawn outside the figure \(clipped\): "clipped title"/)
    expect(problems).toMatch(/fig-tiny: legend labels cut short: a very long legend lab…/)
    expect(problems).toMatch(/\(phone\): table cell "0\.85 ± 0\.17" on [2-9] lines/)
    expect(problems).toMatch(/\(phone\): the caption "Table 1\. A caption inside the scroll box" scrolls away/)
    expect(problems).toMatch(/\(print\): div\.clip clips \d+ px \(cut off on paper\)/)
  })

  it.each(reports)("reports/%s reads well on a desktop, a phone and paper", async (name) => {
    const problems = await ReportAudit.audit(browser, path.join(root, "reports", name, "index.html"), path.join(out, `${name}.pdf`))
    expect(problems, problems.join("\n")).toEqual([])
    expect(fs.statSync(path.join(out, `${name}.pdf`)).size).toBeGreaterThan(10_000)
  })
})
