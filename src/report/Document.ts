/**
 * The report as a value: a titled list of sections made of blocks (paragraphs, bullet lists,
 * tables, figures, code, key–value lists), rendered to GitHub Markdown by `Markdown.render` and
 * to one self-contained HTML page by `Html.render`. Experiments build a `Document` from stored
 * results alone; the renderers are pure, so the same results give the same bytes.
 *
 * Conventions: text in titles, headings, paragraphs, list items, captions and table cells is
 * *inline markup*: `` `code` `` and `**bold**`, with `\` escaping a literal `` ` ``, `*` or `\`;
 * everything else is literal text (the renderers escape it for their format). Line breaks inside
 * inline text are folded to spaces. Key–value values and code blocks are verbatim. Numbers in
 * tables go through `Format.number` unless the column gives its own `format`.
 *
 * When to use: `Document.make({ title, sections: [Document.section("Results", [...])] })` in an
 * experiment's `report`. Gotchas: constructors throw ConfigError on bad input (a figure name that
 * is not a file name, an SVG with a script); `validate` also catches duplicate figure names.
 */
import { ConfigError } from "../core/Errors.ts"
import * as Format from "./Format.ts"

export type Align = "left" | "right" | "center"

/** What a missing value prints as (`Format.missing`). */
export const missing = Format.missing

/** A table cell as stored: numbers are formatted, strings are inline markup, null/NaN are missing. */
export type Cell = number | string | boolean | null | undefined

export type Row = Readonly<Record<string, Cell>>

export interface Column {
  /** The row field this column shows. */
  readonly key: string
  /** The header (inline markup). */
  readonly title: string
  /** Default: right when every present value is a number, else left. */
  readonly align?: Align
  /** Cell text (inline markup) from the value and its row. Default: `formatCell`. */
  readonly format?: (value: Cell, row: Row) => string
}

export type Block =
  | { readonly kind: "paragraph"; readonly text: string }
  | { readonly kind: "bullets"; readonly items: ReadonlyArray<string> }
  | { readonly kind: "table"; readonly columns: ReadonlyArray<Column>; readonly rows: ReadonlyArray<Row>; readonly caption?: string }
  | { readonly kind: "figure"; readonly name: string; readonly svg: string; readonly caption: string }
  | { readonly kind: "code"; readonly text: string; readonly language?: string }
  | { readonly kind: "keyValue"; readonly entries: ReadonlyArray<readonly [string, string]> }

export interface Section {
  readonly heading: string
  readonly blocks: ReadonlyArray<Block>
}

export interface Document {
  readonly title: string
  /** Shown under the title; blank lines separate paragraphs. */
  readonly intro?: string
  readonly sections: ReadonlyArray<Section>
}

/** A span of inline markup. Bold holds text and code spans (no nesting of bold). */
export type Span =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "code"; readonly text: string }
  | { readonly kind: "bold"; readonly children: ReadonlyArray<Span> }

export const make = (doc: Document): Document => {
  validate(doc)
  return doc
}

export const section = (heading: string, blocks: ReadonlyArray<Block>): Section => ({ heading, blocks })

export const paragraph = (text: string): Block => ({ kind: "paragraph", text })

export const bullets = (items: ReadonlyArray<string>): Block => ({ kind: "bullets", items })

export const code = (text: string, language?: string): Block => {
  if (language !== undefined && !/^[A-Za-z0-9_+-]+$/.test(language)) {
    throw new ConfigError({ field: "Document.code.language", message: `"${language}" is not a language tag; use letters, digits, "_", "+" or "-" (e.g. "json", "sh")` })
  }
  return language === undefined ? { kind: "code", text } : { kind: "code", text, language }
}

/**
 * A key–value list (environment, seeds, versions). Values are verbatim text; numbers go through
 * `Format.number`, missing values print "—". Give pairs for a chosen order.
 */
export const keyValue = (entries: ReadonlyArray<readonly [string, Cell]> | Readonly<Record<string, Cell>>): Block => {
  const pairs: ReadonlyArray<readonly [string, Cell]> = Array.isArray(entries) ? entries : Object.entries(entries)
  return { kind: "keyValue", entries: pairs.map(([k, v]) => [k, typeof v === "string" ? v : formatCell(v)] as const) }
}

/** A table. Missing keys in a row print "—". Keys must be unique. */
export const table = (options: { readonly columns: ReadonlyArray<Column>; readonly rows: ReadonlyArray<Row>; readonly caption?: string }): Block => {
  const seen = new Set<string>()
  for (const c of options.columns) {
    if (seen.has(c.key)) throw new ConfigError({ field: "Document.table.columns", message: `column key "${c.key}" appears twice; give each column its own key` })
    seen.add(c.key)
  }
  if (options.columns.length === 0) throw new ConfigError({ field: "Document.table.columns", message: "a table needs at least one column" })
  return options.caption === undefined
    ? { kind: "table", columns: options.columns, rows: options.rows }
    : { kind: "table", columns: options.columns, rows: options.rows, caption: options.caption }
}

const figureName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

/**
 * A figure: an SVG string (from `Chart.render`) shown inline in HTML and written to
 * `figures/<name>.svg` beside the Markdown. `name` is a file name stem: letters, digits, "_", "-".
 */
export const figure = (options: { readonly name: string; readonly svg: string; readonly caption: string }): Block => {
  if (!figureName.test(options.name)) {
    throw new ConfigError({ field: "Document.figure.name", message: `"${options.name}" is not usable as a file name; use letters, digits, "_" and "-" only (e.g. "loss-curves")` })
  }
  if (!/^\s*<svg[\s>]/.test(options.svg) || !/<\/svg>\s*$/.test(options.svg)) {
    throw new ConfigError({ field: `Document.figure(${options.name}).svg`, message: "expected one <svg>…</svg> element (the output of Chart.render)" })
  }
  if (/<script|<foreignObject|\son[a-z]+\s*=/i.test(options.svg)) {
    throw new ConfigError({ field: `Document.figure(${options.name}).svg`, message: "the SVG carries scripts or event handlers; reports are static, render the chart without them" })
  }
  return { kind: "figure", name: options.name, svg: options.svg, caption: options.caption }
}

/** Throws ConfigError when two figures share a name (they would overwrite each other's file). */
export const validate = (doc: Document): void => {
  const names = new Set<string>()
  for (const s of doc.sections) {
    for (const b of s.blocks) {
      if (b.kind !== "figure") continue
      if (names.has(b.name)) {
        throw new ConfigError({ field: `Document.figure(${b.name})`, message: `two figures are named "${b.name}" (second in section "${s.heading}"); give each figure its own name` })
      }
      names.add(b.name)
    }
  }
}

/**
 * The default cell text: numbers by `Format.number`, booleans "yes"/"no", missing "—", strings
 * unchanged (they are inline markup).
 */
export const formatCell = (value: Cell): string => {
  if (typeof value === "string") return value
  if (typeof value === "boolean") return value ? "yes" : "no"
  return Format.number(value)
}

/** A column's effective alignment: its own, else right for all-numeric columns, else left. */
export const alignOf = (column: Column, rows: ReadonlyArray<Row>): Align => {
  if (column.align !== undefined) return column.align
  let numeric = false
  for (const row of rows) {
    const v = row[column.key]
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) continue
    if (typeof v !== "number") return "left"
    numeric = true
  }
  return numeric ? "right" : "left"
}

/** The text of one cell, through the column's `format` when it has one. */
export const cellText = (column: Column, row: Row): string =>
  column.format !== undefined ? column.format(row[column.key], row) : formatCell(row[column.key])

/** Folds every run of whitespace containing a line break to one space. */
export const foldLines = (text: string): string => text.replace(/[ \t]*\r?\n\s*/g, " ")

/** The intro's paragraphs: split at blank lines, each folded to one line, empty ones dropped. */
export const paragraphs = (text: string): Array<string> =>
  text.split(/\r?\n[ \t]*\r?\n/).map((p) => foldLines(p).trim()).filter((p) => p.length > 0)

/**
 * Parses inline markup into spans. `` `…` `` is code (a run of n backticks closes on the next run
 * of exactly n, and one space of padding each side is dropped, as in CommonMark: "`` ` ``" is a
 * lone backtick); `**…**` is bold; `\` escapes `` ` ``, `*` and `\`. An opener
 * without its closer is literal text. Lines are folded first.
 */
export const inline = (source: string): Array<Span> => parse(foldLines(source), false)

const parse = (s: string, inBold: boolean): Array<Span> => {
  const out: Array<Span> = []
  let text = ""
  const flush = () => {
    if (text.length > 0) out.push({ kind: "text", text })
    text = ""
  }
  let i = 0
  while (i < s.length) {
    const c = s[i]
    if (c === "\\" && i + 1 < s.length && "`*\\".includes(s[i + 1])) {
      text += s[i + 1]
      i += 2
      continue
    }
    if (c === "`") {
      let n = 0
      while (s[i + n] === "`") n++
      const close = findRun(s, i + n, n)
      if (close < 0) {
        text += "`".repeat(n)
        i += n
        continue
      }
      flush()
      // As in CommonMark, one space each side is padding (it lets code start or end with "`").
      const body = s.slice(i + n, close)
      const padded = body.length >= 2 && body.startsWith(" ") && body.endsWith(" ") && body.trim().length > 0
      out.push({ kind: "code", text: padded ? body.slice(1, -1) : body })
      i = close + n
      continue
    }
    if (!inBold && c === "*" && s[i + 1] === "*") {
      const close = findBoldClose(s, i + 2)
      if (close > i + 2) {
        flush()
        out.push({ kind: "bold", children: parse(s.slice(i + 2, close), true) })
        i = close + 2
        continue
      }
    }
    text += c
    i++
  }
  flush()
  return out
}

/** Index of the next run of exactly `n` backticks at or after `from`, or -1. */
const findRun = (s: string, from: number, n: number): number => {
  let i = from
  while (i < s.length) {
    if (s[i] !== "`") {
      i++
      continue
    }
    let m = 0
    while (s[i + m] === "`") m++
    if (m === n) return i
    i += m
  }
  return -1
}

/** Index of the `**` closing a bold opened before `from`, skipping escapes and code spans; or -1. */
const findBoldClose = (s: string, from: number): number => {
  let i = from
  while (i < s.length) {
    const c = s[i]
    if (c === "\\" && i + 1 < s.length && "`*\\".includes(s[i + 1])) {
      i += 2
    } else if (c === "`") {
      let n = 0
      while (s[i + n] === "`") n++
      const close = findRun(s, i + n, n)
      i = close < 0 ? i + n : close + n
    } else if (c === "*" && s[i + 1] === "*") {
      return i
    } else {
      i++
    }
  }
  return -1
}

/** The spans' text without markup (for HTML titles, anchors and image alt text). */
export const plainText = (spans: ReadonlyArray<Span>): string =>
  spans.map((s) => (s.kind === "bold" ? plainText(s.children) : s.text)).join("")
