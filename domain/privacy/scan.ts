import {atomize, LETTERS, SPACE, SYMBOL, type Atoms} from './atoms.ts'
import {foldText, type FoldedText} from './normalize.ts'

// What every detector reads: the folded text, its atoms, and small helpers for looking at the
// atoms around a position. Helpers look a bounded number of atoms away, never further.

export type PrivacyCategory = 'email' | 'phone' | 'messenger' | 'askerName' | 'url'

/** Something a detector found, in folded-text offsets. */
export interface Finding {
  /** "protected" spans (a doctor's name, a harmless link) shield what they cover. */
  category: PrivacyCategory | 'protected'
  start: number
  end: number
  replacement: string
  /** The rule that found it, for tests and reports. */
  rule: string
}

/** A finding that is personal data, not a protected span. */
export type PersonalFinding = Finding & {category: PrivacyCategory}

export interface Scan {
  readonly folded: FoldedText
  readonly atoms: Atoms
}

export function scanText(text: string): Scan {
  const folded = foldText(text)
  return {folded, atoms: atomize(folded.text)}
}

export function isSymbol(atoms: Atoms, atom: number, chars: string): boolean {
  return atoms.kind(atom) === SYMBOL && chars.includes(atoms.char(atom))
}

export function isWord(atoms: Atoms, atom: number, words: ReadonlySet<string> | string): boolean {
  if (atoms.kind(atom) !== LETTERS) return false
  if (typeof words === 'string' && atoms.length(atom) !== words.length) return false
  const word = atoms.lower(atom)
  return typeof words === 'string' ? word === words : words.has(word)
}

/** True for a run of spaces without a line break, at most `max` long. */
export function isInlineSpace(atoms: Atoms, atom: number, max = 3): boolean {
  return atoms.kind(atom) === SPACE && atoms.length(atom) <= max && !atoms.breaksLine(atom)
}

/** `atom`, or the atom after it when it is a space on one line. */
export function pastSpace(atoms: Atoms, atom: number): number {
  return isInlineSpace(atoms, atom, 40) ? atom + 1 : atom
}

/** Abbreviations whose dot does not end a sentence ("Tel.: …", "Phone No. …"). */
const ABBREVIATIONS = new Set([
  'tel',
  'no',
  'ph',
  'mob',
  'fax',
  'ext',
  'e',
  'mr',
  'ms',
  'mrs',
  'dr',
])

/**
 * The words before `atom` in its sentence, nearest first, lower case: at most `count`, past
 * spaces and the symbols in `skip`; stops at a number, a sentence's end, any other symbol or a
 * line break.
 */
export function wordsBefore(atoms: Atoms, atom: number, count: number, skip = ''): string[] {
  const found: string[] = []
  for (
    let index = atom - 1;
    index >= 0 && found.length < count && atom - index < 3 * count + 3;
    index--
  ) {
    const kind = atoms.kind(index)
    if (kind === SPACE) {
      if (!isInlineSpace(atoms, index, 40)) break
      continue
    }
    if (kind === SYMBOL) {
      const symbol = atoms.text(index)
      if (symbol === '.' && !ABBREVIATIONS.has(atoms.lower(index - 1))) break
      if (skip.includes(symbol)) continue
      break
    }
    if (kind !== LETTERS) break
    found.push(atoms.lower(index))
  }
  return found
}

/** Upper-case first letter: the shape of a name written as a name. */
export function isCapitalised(word: string): boolean {
  const first = word[0] ?? ''
  return first !== first.toLowerCase() && first === first.toUpperCase()
}
