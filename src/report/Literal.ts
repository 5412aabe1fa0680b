/**
 * Literal text inside a report's inline markup: error messages, warning sentences and file names
 * come from outside the report and may hold `` ` ``, `*` or `\`, which `Document.inline` would
 * read as code, bold or an escape. `Literal.text(s)` escapes them so the text prints as it is.
 *
 * When to use: wherever a report puts text it did not write itself (a trial's error, a fit
 * warning's message) into a paragraph, a list item or a table cell.
 */

/** `s` escaped for inline markup: `\`, `` ` `` and `*` each get a backslash. */
export const text = (s: string): string => s.replace(/[\\`*]/g, (c) => `\\${c}`)
