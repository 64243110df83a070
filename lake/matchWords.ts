// The words GROQ's `match` compares, as groq-js 2.0.1 splits them (its tokenizer is internal, so
// its two patterns are restated here; lake/__tests__/planner.test.ts compares indexed `match`
// filters with plain groq-js over awkward text, so a drift shows up as a failing test).
// `text match pattern` holds when every pattern term matches some token of the text whole and
// case-insensitively, `*` standing for any characters.

const TOKEN = /([^!@#$%^&*(),\\/?";:{}|[\]+<>\s-])+/g
const TERM = /([^!@#$%^&(),\\/?";:{}|[\]+<>\s-])+/g
const EDGE_DOTS = /(\b\.+|\.+\b)/g
/**
 * Terms the word index answers exactly: ASCII with no regex meaning (groq-js puts a term into a
 * RegExp as it is, so `.` matches anything). With the `i` flag an ASCII character only matches
 * ASCII characters, so such a term matches exactly the ASCII tokens equal to it ignoring case.
 */
const INDEXABLE_TERM = /^[A-Za-z0-9_']{1,1024}$/
const ASCII = /^[\x20-\x7e]*$/

/** The lowercased ASCII tokens of a string or of the strings in an array (what `match` reads). */
export function matchWords(value: unknown, into: Set<string> = new Set()): Set<string> {
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
  for (const part of parts) {
    if (typeof part !== 'string') continue
    for (const token of part.replace(EDGE_DOTS, '').match(TOKEN) ?? []) {
      if (ASCII.test(token)) into.add(token.toLowerCase())
    }
  }
  return into
}

/**
 * The words a `match` pattern requires, lowercased, or undefined when some term is not a plain
 * word (wildcards, dots, non-ASCII): then the index cannot answer. An empty list means the
 * pattern has no terms, and `match` is false for every document.
 */
export function requiredWords(pattern: unknown): string[] | undefined {
  const parts = typeof pattern === 'string' ? [pattern] : Array.isArray(pattern) ? pattern : null
  if (!parts || !parts.every((part) => typeof part === 'string')) return undefined
  const words: string[] = []
  for (const part of parts as string[]) {
    for (const term of part.replace(EDGE_DOTS, '').match(TERM) ?? []) {
      if (!INDEXABLE_TERM.test(term)) return undefined
      words.push(term.toLowerCase())
    }
  }
  return words
}
