// Detection runs on a folded copy of the text: full-width forms, compatibility spaces and the
// many dashes and apostrophes people type become their ASCII forms ("０９１２" → "0912", "＠" →
// "@", "Ch’en" → "Ch'en"). Output is always cut from the original text, so every offset in the
// folded copy maps back to the original character that produced it.

/** A folded copy of a text and the way back to the original's offsets. */
export interface FoldedText {
  readonly original: string
  readonly text: string
  /** Original offset where a span starting at folded offset `index` starts. */
  start(index: number): number
  /** Original offset where a span ending at folded offset `index` ends. */
  end(index: number): number
}

// Superscripts, fractions and circled numbers ("10⁹/L", "½") are not digits a person dials.
const NUMBER_OTHER = /^\p{No}$/u
const DASH = new Set(['\u2010', '\u2011', '\u2012', '\u2013', '\u2212', '\uFE63', '\uFF0D'])
const APOSTROPHE = new Set(['\u2018', '\u2019', '\u02BC', '\u00B4', '\uFF07'])
const FOLDS = new Map<number, string>()

function foldCodePoint(codePoint: number): string {
  const cached = FOLDS.get(codePoint)
  if (cached !== undefined) return cached
  const char = String.fromCodePoint(codePoint)
  let folded = char
  if (DASH.has(char)) folded = '-'
  else if (APOSTROPHE.has(char)) folded = "'"
  else if (!NUMBER_OTHER.test(char)) folded = char.normalize('NFKC')
  FOLDS.set(codePoint, folded)
  return folded
}

function identity(original: string): FoldedText {
  return {original, text: original, start: (index) => index, end: (index) => index}
}

/** Index of the first character folding changes, or -1: most archive text is plain ASCII. */
function firstFolded(original: string): number {
  for (let index = 0; index < original.length; index++) {
    if (original.charCodeAt(index) < 0x80) continue
    const codePoint = original.codePointAt(index) ?? 0
    if (foldCodePoint(codePoint) !== String.fromCodePoint(codePoint)) return index
  }
  return -1
}

// Typed arrays are little-endian on every platform Node and browsers run on.
const DECODER = new TextDecoder('utf-16le')

function grow<T extends Uint16Array | Int32Array>(from: T, to: T): T {
  to.set(from)
  return to
}

/** Folds `original` for detection; linear in its length. */
export function foldText(original: string): FoldedText {
  const first = firstFolded(original)
  if (first < 0) return identity(original)
  // Code units and their origins, written once each: no string is built per character.
  let units = new Uint16Array(original.length + 16)
  let origins = new Int32Array(original.length + 16)
  let length = 0
  for (let index = 0; index < original.length; index++) {
    const code = original.charCodeAt(index)
    // NFKC makes at most 18 code units of one code point.
    if (length + 18 > units.length) {
      units = grow(units, new Uint16Array(units.length * 2))
      origins = grow(origins, new Int32Array(origins.length * 2))
    }
    if (index < first || code < 0x80) {
      units[length] = code
      origins[length++] = index
      continue
    }
    const codePoint = original.codePointAt(index) ?? code
    const folded = foldCodePoint(codePoint)
    for (let unit = 0; unit < folded.length; unit++) {
      units[length] = folded.charCodeAt(unit)
      origins[length++] = index
    }
    if (codePoint > 0xffff) index++
  }
  const text = DECODER.decode(units.subarray(0, length))
  const start = (index: number) => (index >= length ? original.length : (origins[index] ?? 0))
  // A span may end inside the expansion of one character ("ﬁ" → "fi"): it ends after it.
  const end = (index: number) => {
    if (index <= 0) return 0
    const last = origins[index - 1] ?? 0
    let next = index
    while (next < length && origins[next] === last) next++
    return next >= length ? original.length : (origins[next] ?? 0)
  }
  return {original, text, start, end}
}
