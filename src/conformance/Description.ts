/**
 * Reading what a fixture's `description` states: its tolerances ("fixed lml, grads, mean, std:
 * rtol 1e-6 atol 1e-8", "Tolerance: 1e-12 relative", "nSupport within 3%") and the settings it was
 * generated with ("'adam' two steps of Adam lr 0.01", "alpha=1e-10").
 *
 * Conventions: the description is cut into clauses at ';' and at sentence ends ('. ', except
 * after "e.g", "i.e", "Alg" and "cf"); a tolerance is read from the first clause that names one of
 * the keywords (case-insensitive) and states a number as "rtol X", "atol X", "X relative",
 * "within X%" (relative), "within X" (absolute) or "~X" (relative). A clause with only an rtol has
 * atol 0 and vice versa. When no clause matches, the caller's default is returned, marked
 * "default", so the report shows which tolerances were not read from the file.
 *
 * Gotchas: the public fixtures' wording is the grammar; a set phrased differently falls back to
 * the defaults (printed as such) rather than guessing.
 */
import type { Tolerance } from "./Check.ts"

const NUMBER = String.raw`([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)`

/** The clauses of a description, in order. */
export const clauses = (description: string): Array<string> =>
  description.split(/;|(?<!\be\.g|\bi\.e|\bAlg|\bcf)\.\s+/).map((c) => c.trim()).filter((c) => c !== "")

const first = (clause: string, pattern: string): number | undefined => {
  const m = clause.match(new RegExp(pattern, "i"))
  return m === null ? undefined : Number(m[1])
}

/** The tolerance a clause states, if any. */
export const toleranceIn = (clause: string): { readonly rtol: number; readonly atol: number } | undefined => {
  const rtol = first(clause, String.raw`\brtol\s*=?\s*${NUMBER}`)
  const atol = first(clause, String.raw`\batol\s*=?\s*${NUMBER}`)
  if (rtol !== undefined || atol !== undefined) return { rtol: rtol ?? 0, atol: atol ?? 0 }
  const relative = first(clause, String.raw`${NUMBER}\s*relative`) ?? first(clause, String.raw`~\s*${NUMBER}`)
  if (relative !== undefined) return { rtol: relative, atol: 0 }
  const percent = first(clause, String.raw`within\s*${NUMBER}\s*%`)
  if (percent !== undefined) return { rtol: percent / 100, atol: 0 }
  const within = first(clause, String.raw`within\s*${NUMBER}`)
  if (within !== undefined) return { rtol: 0, atol: within }
  return undefined
}

/**
 * The tolerance of the first clause naming any of `keywords` and stating one; else `fallback`
 * (the public set's documented value) marked as the default.
 */
export const tolerance = (
  description: string | undefined,
  keywords: ReadonlyArray<string>,
  fallback: { readonly rtol: number; readonly atol: number }
): Tolerance => {
  for (const clause of clauses(description ?? "")) {
    const lower = clause.toLowerCase()
    if (!keywords.some((k) => lower.includes(k.toLowerCase()))) continue
    const found = toleranceIn(clause)
    if (found !== undefined) return { ...found, source: "description" }
  }
  return { ...fallback, source: "default" }
}

/**
 * A number the description states after `pattern` (a regular expression whose first group is
 * replaced by a number), searched in the first clause naming `keyword` that has it; e.g.
 * `setting(d, "'adam'", "lr (N)")`. Undefined when not stated.
 */
export const setting = (description: string | undefined, keyword: string, pattern: string): number | undefined => {
  const re = pattern.replace("(N)", NUMBER)
  for (const clause of clauses(description ?? "")) {
    if (!clause.toLowerCase().includes(keyword.toLowerCase())) continue
    const v = first(clause, re)
    if (v !== undefined) return v
  }
  return undefined
}
