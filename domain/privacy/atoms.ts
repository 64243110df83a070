// The folded text cut once into atoms: runs of letters, runs of digits, runs of white space, and
// every other character on its own. Detectors walk atoms, never the characters again, and look
// only a bounded number of atoms around each one, so detection stays linear in the text.

export const LETTERS = 1
export const DIGITS = 2
export const SPACE = 3
export const SYMBOL = 4
type AtomKind = typeof LETTERS | typeof DIGITS | typeof SPACE | typeof SYMBOL

const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u
const WHITE_SPACE = /^\s$/u
/** Kinds of the Basic Multilingual Plane's characters, filled in as they are first met. */
const BMP_KINDS = new Uint8Array(0x10000)

function kindOfCode(code: number, text: string, index: number): AtomKind {
  if (code >= 0x30 && code <= 0x39) return DIGITS
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return LETTERS
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return SPACE
  if (code < 0x80) return SYMBOL
  // Surrogate pairs: astral letters (rare CJK ideographs) count as letters.
  if (code >= 0xd800 && code <= 0xdfff) {
    const pair = text.slice(
      code <= 0xdbff ? index : index - 1,
      (code <= 0xdbff ? index : index - 1) + 2,
    )
    return LETTER_OR_MARK.test(pair) ? LETTERS : SYMBOL
  }
  let kind = BMP_KINDS[code] ?? 0
  if (kind === 0) {
    const char = String.fromCharCode(code)
    kind = LETTER_OR_MARK.test(char) ? LETTERS : WHITE_SPACE.test(char) ? SPACE : SYMBOL
    BMP_KINDS[code] = kind
  }
  return kind as AtomKind
}

const ASCII_KINDS = Uint8Array.from({length: 0x80}, (_, code) => kindOfCode(code, '', 0))

export interface Atoms {
  readonly source: string
  readonly count: number
  /** Kind of each atom, for the detectors' hot loops; read with `kind()` elsewhere. */
  readonly kinds: Uint8Array
  kind(atom: number): AtomKind | 0
  start(atom: number): number
  end(atom: number): number
  /** The atom's text; "" past either end. */
  text(atom: number): string
  /** The atom's first character (cheap: no slice); "" past either end. */
  char(atom: number): string
  /** Length in characters; 0 past either end. */
  length(atom: number): number
  /** Whether a space atom holds a line break. */
  breaksLine(atom: number): boolean
  /** Lower-cased text of a short atom, "" for atoms longer than `max` (no name or cue is). */
  lower(atom: number, max?: number): string
  /** The atom containing character `index`. */
  at(index: number): number
}

/** Cuts `text` into atoms in one pass. */
export function atomize(text: string): Atoms {
  const kinds = new Uint8Array(text.length + 1)
  const starts = new Int32Array(text.length + 1)
  const breaks = new Set<number>()
  let count = 0
  let previous = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    const kind = code < 0x80 ? (ASCII_KINDS[code] as AtomKind) : kindOfCode(code, text, index)
    if (kind !== previous || kind === SYMBOL) {
      kinds[count] = kind
      starts[count] = index
      count++
      previous = kind
    }
    if (code === 0x0a || code === 0x0d) breaks.add(count - 1)
  }
  starts[count] = text.length
  const inRange = (atom: number) => atom >= 0 && atom < count
  const start = (atom: number) => (inRange(atom) ? (starts[atom] ?? 0) : atom < 0 ? 0 : text.length)
  const end = (atom: number) =>
    inRange(atom) ? (starts[atom + 1] ?? 0) : atom < 0 ? 0 : text.length
  return {
    source: text,
    count,
    kinds,
    kind: (atom) => (inRange(atom) ? ((kinds[atom] ?? 0) as AtomKind) : 0),
    start,
    end,
    text: (atom) => (inRange(atom) ? text.slice(start(atom), end(atom)) : ''),
    char: (atom) => (inRange(atom) ? (text[starts[atom] ?? 0] ?? '') : ''),
    length: (atom) => end(atom) - start(atom),
    breaksLine: (atom) => breaks.has(atom),
    lower: (atom, max = 40) =>
      inRange(atom) && end(atom) - start(atom) <= max
        ? text.slice(start(atom), end(atom)).toLowerCase()
        : '',
    at: (index) => {
      let low = 0
      let high = count - 1
      while (low < high) {
        const middle = (low + high + 1) >> 1
        if ((starts[middle] ?? 0) <= index) low = middle
        else high = middle - 1
      }
      return low
    },
  }
}
