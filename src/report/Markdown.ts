/**
 * A `Document` as GitHub-flavoured Markdown: the text of `README.md` plus the figure files it
 * links (`figures/<name>.svg`).
 *
 * Conventions: blocks are separated by one blank line and the text ends with one newline.
 * Literal text is backslash-escaped wherever Markdown would read it as markup (`* _ [ ] < > & |
 * ~ $` and a leading `#`, `-`, `+` or `1.`), so a value such as `a|b` or `<none>` shows as
 * written; underscores inside words are left alone (GFM never reads them as emphasis). Table
 * cells escape `|` even inside code spans, as GFM requires. Figures and tables are numbered in
 * document order, like `Html.render`.
 *
 * When to use: `Report.write` writes `text` to README.md and each of `files` beside it.
 */
import * as Document from "./Document.ts"

export interface Rendered {
  readonly text: string
  /** Paths relative to the Markdown file, forward slashes. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>
}

/** Backslash-escapes literal text. `leading` when the text starts a line (paragraph, item, cell). */
export const escapeText = (text: string, leading: boolean): string => {
  let out = text.replace(/[\\`*[\]<>&|~$]/g, (c) => `\\${c}`)
  out = out.replace(/_/g, (u, at: number) => (/[\p{L}\p{N}]/u.test(out[at - 1] ?? "") && /[\p{L}\p{N}]/u.test(out[at + 1] ?? "") ? u : "\\_"))
  if (leading) out = out.replace(/^(\s*)([#+=-])/, "$1\\$2").replace(/^(\s*\d+)([.)])/, "$1\\$2")
  return out
}

const codeSpan = (text: string, inTable: boolean): string => {
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  const fence = "`".repeat(longest + 1)
  const pad = text.startsWith("`") || text.endsWith("`") || (text.startsWith(" ") && text.endsWith(" ") && text.trim().length > 0) ? " " : ""
  const body = inTable ? text.replace(/\|/g, "\\|") : text
  return `${fence}${pad}${body}${pad}${fence}`
}

const isSpace = (c: string | undefined): boolean => c === undefined || /\s/u.test(c)
const isPunct = (c: string | undefined): boolean => c !== undefined && /[\p{P}\p{S}]/u.test(c)

/**
 * Bold as `**…**` where CommonMark reads it as strong emphasis (the opener left-flanking, the
 * closer right-flanking, given the characters around them), else as inline `<strong>…</strong>`,
 * e.g. `a**(x)**b`, where `**` beside punctuation and a letter would stay literal.
 */
const bold = (inner: string, before: string | undefined, after: string | undefined): string => {
  const first = inner[0]
  const last = inner[inner.length - 1]
  const opens = !isSpace(first) && (!isPunct(first) || isSpace(before) || isPunct(before))
  const closes = !isSpace(last) && (!isPunct(last) || isSpace(after) || isPunct(after))
  return opens && closes ? `**${inner}**` : `<strong>${inner}</strong>`
}

const spans = (list: ReadonlyArray<Document.Span>, inTable: boolean, leading: boolean): string => {
  const pieces = list.map((s, i) => {
    switch (s.kind) {
      case "text":
        return escapeText(s.text, leading && i === 0)
      case "code":
        return codeSpan(s.text, inTable)
      case "bold":
        return spans(s.children, inTable, false)
    }
  })
  let out = ""
  list.forEach((s, i) => {
    if (s.kind !== "bold") {
      out += pieces[i]
      return
    }
    // Spaces just inside ** would stop it being read as strong: move them outside.
    const inner = pieces[i]
    const trimmed = inner.trim()
    if (trimmed.length === 0) {
      out += inner
      return
    }
    const lead = inner.slice(0, inner.length - inner.trimStart().length)
    const tail = inner.slice(inner.trimEnd().length)
    const before = lead.length > 0 ? " " : out[out.length - 1]
    const after = tail.length > 0 ? " " : pieces[i + 1]?.[0]
    out += `${lead}${bold(trimmed, before, after)}${tail}`
  })
  return out
}

/** Inline markup as Markdown. */
export const inline = (text: string, options: { readonly inTable?: boolean; readonly leading?: boolean } = {}): string =>
  spans(Document.inline(text), options.inTable ?? false, options.leading ?? true)

const fence = (text: string): string => {
  let longest = 0
  for (const run of text.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length)
  return "`".repeat(Math.max(3, longest + 1))
}

const tableCell = (text: string): string => {
  const md = inline(text, { inTable: true, leading: false })
  return md.length === 0 ? " " : md
}

const rule = (align: Document.Align): string => (align === "right" ? "---:" : align === "center" ? ":---:" : ":---")

const block = (b: Document.Block, counters: { figure: number; table: number }, files: Array<{ path: string; content: string }>): string => {
  switch (b.kind) {
    case "paragraph":
      return inline(Document.foldLines(b.text).trim())
    case "bullets":
      return b.items.map((item) => `- ${inline(Document.foldLines(item).trim())}`).join("\n")
    case "code": {
      const f = fence(b.text)
      return `${f}${b.language ?? ""}\n${b.text.replace(/\n+$/, "")}\n${f}`
    }
    case "keyValue":
      return b.entries.map(([k, v]) => {
        const value = Document.foldLines(v).trim()
        return `- **${escapeText(Document.foldLines(k).trim(), false)}:** ${value.length === 0 ? Document.missing : codeSpan(value, false)}`
      }).join("\n")
    case "table": {
      const head = `| ${b.columns.map((c) => tableCell(c.title)).join(" | ")} |`
      const sep = `| ${b.columns.map((c) => rule(Document.alignOf(c, b.rows))).join(" | ")} |`
      const body = b.rows.map((row) => `| ${b.columns.map((c) => tableCell(Document.cellText(c, row))).join(" | ")} |`)
      const lines = [head, sep, ...body].join("\n")
      if (b.caption === undefined) return lines
      counters.table++
      return `**Table ${counters.table}.** ${inline(b.caption, { leading: false })}\n\n${lines}`
    }
    case "figure": {
      counters.figure++
      const path = `figures/${b.name}.svg`
      files.push({ path, content: b.svg.endsWith("\n") ? b.svg : `${b.svg}\n` })
      const alt = escapeText(Document.plainText(Document.inline(b.caption)), false)
      return `![${alt}](${path})\n\n**Figure ${counters.figure}.** ${inline(b.caption, { leading: false })}`
    }
  }
}

/** A heading's text: a trailing " #" would be read as a closing sequence, so it is escaped. */
const heading = (text: string): string => inline(Document.foldLines(text).trim(), { leading: false }).replace(/(\s)(#+)$/, "$1\\$2")

/**
 * The document as Markdown text and figure files. Throws ConfigError (from `Document.validate`)
 * when two figures share a name.
 */
export const render = (doc: Document.Document): Rendered => {
  Document.validate(doc)
  const files: Array<{ path: string; content: string }> = []
  const counters = { figure: 0, table: 0 }
  const parts: Array<string> = [`# ${heading(doc.title)}`]
  if (doc.intro !== undefined) parts.push(...Document.paragraphs(doc.intro).map((p) => inline(p)))
  for (const s of doc.sections) {
    parts.push(`## ${heading(s.heading)}`)
    for (const b of s.blocks) parts.push(block(b, counters, files))
  }
  return { text: `${parts.join("\n\n")}\n`, files }
}
