// GROQ's `match` as groq-js 2.0.1 evaluates it with patches/groq-js+2.0.1.patch applied, restated
// for the text index (groq-js keeps its tokenizer internal). lake/__tests__/matchText.test.ts
// compares every function here with groq-js itself on awkward text, so a drift fails a test.
//
// `text match pattern`: the text's tokens are its runs of characters other than separators
// (after dots touching a word character are removed); the pattern's terms are split the same way
// but keep `*`. Every term must match some token whole, comparing UTF-16 code units the way a
// case-insensitive RegExp without the `u` flag does, `*` standing for any run of characters and
// `.` for any one character. score() adds, per term, f(n) = n × 2.2 / (n + 1.2), n being how
// many of the text's tokens the term matches.

const TOKEN = /([^!@#$%^&*(),\\/?";:{}|[\]+<>\s-])+/g
const TERM = /([^!@#$%^&(),\\/?";:{}|[\]+<>\s-])+/g
/** groq-js compares at most this many characters of a term. */
const TERM_LENGTH = 1024

function isWordCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95
  )
}

/** `text.replace(/(\b\.+|\.+\b)/g, '')` in linear time: a run of dots touching a word character goes. */
function stripEdgeDots(text: string): string {
  let at = text.indexOf('.')
  if (at < 0) return text
  let out = ''
  let from = 0
  while (at >= 0) {
    let end = at
    while (end < text.length && text.charCodeAt(end) === 46) end++
    const touches =
      (at > 0 && isWordCode(text.charCodeAt(at - 1))) ||
      (end < text.length && isWordCode(text.charCodeAt(end)))
    if (touches) {
      out += text.slice(from, at)
      from = end
    }
    at = text.indexOf('.', end)
  }
  return from === 0 ? text : out + text.slice(from)
}

/** The tokens `match` reads from one string. */
export function matchTokens(text: string): string[] {
  return stripEdgeDots(text).match(TOKEN) ?? []
}

/**
 * The terms of a `match` pattern: a string, or an array of strings. Anything else (an array with
 * other items, null, a number) makes `match` false and its score 0, as no terms at all do.
 */
export function patternTerms(pattern: unknown): string[] {
  const parts = typeof pattern === 'string' ? [pattern] : Array.isArray(pattern) ? pattern : []
  const terms: string[] = []
  for (const part of parts) {
    if (typeof part !== 'string') return []
    for (const term of stripEdgeDots(part).match(TERM) ?? []) terms.push(term)
  }
  return terms
}

const CANONICAL = new Uint16Array(65536)
const CANONICAL_KNOWN = new Uint8Array(65536)

/** A code unit as a case-insensitive RegExp without the `u` flag compares it (ECMA-262 Canonicalize). */
function canonicalCode(code: number): number {
  if (CANONICAL_KNOWN[code] === 0) {
    const upper = String.fromCharCode(code).toUpperCase()
    const mapped = upper.length === 1 ? upper.charCodeAt(0) : code
    CANONICAL[code] = code >= 128 && mapped < 128 ? code : mapped
    CANONICAL_KNOWN[code] = 1
  }
  return CANONICAL[code] ?? code
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * The form of a token (or term) that decides what it matches: two code units match exactly when
 * their canonical codes are equal, so a term matches a token exactly when their keys are equal,
 * and is a prefix of it exactly when its key is a prefix of the token's key.
 */
export function canonicalKey(text: string): string {
  // For ASCII, canonicalising is upper-casing (no other ASCII letter maps to an ASCII one).
  if (PRINTABLE_ASCII.test(text)) return text.toUpperCase()
  let key = ''
  for (let i = 0; i < text.length; i++)
    key += String.fromCharCode(canonicalCode(text.charCodeAt(i)))
  return key
}

/** What a term asks of the index: tokens with this key, or with keys starting with it. */
export type TermLookup = {exact: string} | {prefix: string}

/**
 * How the index answers a term, or undefined when it cannot: `.` (any character) and `*` other
 * than at the end are left to groq-js.
 */
export function termLookup(term: string): TermLookup | undefined {
  const compared = term.slice(0, TERM_LENGTH)
  if (compared.includes('.')) return undefined
  const star = compared.indexOf('*')
  if (star < 0) return {exact: canonicalKey(compared)}
  if (star === compared.length - 1) return {prefix: canonicalKey(compared.slice(0, -1))}
  return undefined
}

/** A term's share of a score() for `count` matching tokens, computed as groq-js computes it. */
export function termScore(count: number): number {
  return (count * 2.2) / (count + 1.2)
}
