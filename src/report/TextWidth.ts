/**
 * Text widths from Helvetica's advance widths, for laying out chart text without a browser.
 *
 * Conventions: widths are the Adobe Helvetica AFM advances in 1/1000 em for printable ASCII
 * (Arial and Liberation Sans, the fonts a viewer's "Helvetica, Arial, sans-serif" resolves to,
 * share them); any other character counts 0.556 em (a digit's width: Greek letters, "±", "−",
 * subscripts are close to it), and bold text is 7 % wider (Helvetica-Bold averages so over
 * lower-case text). The result is a pure function of the text, size and weight.
 *
 * When to use: `Chart.render` installs `width` as vega's text measure, so titles, legends and
 * axis labels are placed for the width they will have when drawn. Vega's own estimate (0.8 em a
 * character, with no canvas) is about 1.5× too wide: it truncated legend labels at 160 px that
 * would have fitted and pushed rotated axis titles out of the figure.
 * Gotchas: kerning and ligatures are ignored (errors of a few per cent, on the wide side).
 * Reference: Adobe Core14 AFM, Helvetica.afm (1997), `C … ; WX … ;` lines.
 */

/** Advances of " " (32) through "~" (126), in 1/1000 em. */
const ascii = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584
]

const other = 556
const boldFactor = 1.07

/** Width of `text` in px at `fontSize` px; `bold` for weights of 600 and above. */
export const width = (text: string, fontSize: number, bold = false): number => {
  let units = 0
  for (const ch of text) {
    const code = ch.codePointAt(0) as number
    // Combining marks (U+0300–U+036F, as in "Θ̂") take no advance of their own.
    if (code >= 0x300 && code <= 0x36f) continue
    units += code >= 32 && code <= 126 ? ascii[code - 32] : other
  }
  return (units / 1000) * fontSize * (bold ? boldFactor : 1)
}

/** Whether a vega font weight is bold (≥ 600 or "bold"/"bolder"). */
export const isBold = (weight: unknown): boolean =>
  typeof weight === "number" ? weight >= 600 : typeof weight === "string" && (/^bold/.test(weight) || Number(weight) >= 600)
