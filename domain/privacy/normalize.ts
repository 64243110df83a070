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

/** Folds `original` for detection; linear in its length. */
export function foldText(original: string): FoldedText {
  const first = firstFolded(original)
  if (first < 0) return identity(original)
  const parts: string[] = []
  let origins = new Int32Array(original.length + 16)
  let length = 0
  let unchanged = 0
  const append = (piece: string, from: number, perUnit: boolean) => {
    if (length + piece.length > origins.length) {
      const grown = new Int32Array(origins.length * 2 + piece.length)
      grown.set(origins)
      origins = grown
    }
    for (let unit = 0; unit < piece.length; unit++)
      origins[length + unit] = perUnit ? from + unit : from
    parts.push(piece)
    length += piece.length
  }
  for (let index = first; index < original.length;) {
    const codePoint = original.codePointAt(index) ?? 0
    const width = codePoint > 0xffff ? 2 : 1
    const folded = codePoint < 0x80 ? undefined : foldCodePoint(codePoint)
    if (folded !== undefined && folded !== original.slice(index, index + width)) {
      append(original.slice(unchanged, index), unchanged, true)
      append(folded, index, false)
      unchanged = index + width
    }
    index += width
  }
  append(original.slice(unchanged), unchanged, true)
  const text = parts.join('')
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
