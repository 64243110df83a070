import {DIGITS, LETTERS, SPACE, SYMBOL, type Atoms} from './atoms.ts'
import {isInlineSpace, isSymbol, pastSpace, wordsBefore, type Finding, type Scan} from './scan.ts'
import {MEASUREMENT_CUES, PHONE_CUES, UNITS} from './words.ts'

// Phone numbers, told apart from the numbers a medical archive is made of. A run of digit
// groups is read once; named guards say why it is not a phone (a unit follows, it is a date, a
// range, a blood pressure…), and only then do named pieces of evidence say why it is one (a
// leading "+", a trunk "0", a mobile or North American shape, a "call"/"tel" cue nearby).

const PHONE_REMOVED = '[phone removed]'
const MAX_DIGITS = 15
const MIN_DIGITS = 7
/** Longest run read as one candidate; longer runs are tables of numbers, not phones. */
const MAX_GROUPS = 8
const SEPARATORS = '-./'
const EXTENSION_WORDS = new Set(['ext', 'extension', 'x', '#', '分機', '分机', 'ext.'])
const TOLL_FREE = new Set(['800', '888', '877', '866', '855', '844', '833', '0800', '0808'])
const LINK_SCHEMES = new Set(['tel', 'callto', 'sms'])

interface Group {
  digits: string
  kind: 'digits' | 'paren' | 'letters'
}

export interface Candidate {
  /** Atoms [start, end), the extension included. */
  start: number
  end: number
  plus: boolean
  groups: Group[]
  /** separators[i] joins groups[i] and groups[i + 1]: "-", ".", "/", " " or "". */
  separators: string[]
  extension: string
  /** Digits, vanity letters counted as the digits they dial. */
  length: number
  /** Atom after each group. */
  groupEnds: number[]
  /** Written as a "tel:" link target. */
  link: boolean
}

/** One group at `atom`: digits, "(digits)", or capital letters dialled as digits ("FLOWERS"). */
function readGroup(atoms: Atoms, atom: number, vanity: boolean): [Group, number] | undefined {
  const kind = atoms.kind(atom)
  if (kind === DIGITS) return [{digits: atoms.text(atom), kind: 'digits'}, atom + 1]
  if (
    isSymbol(atoms, atom, '(') &&
    atoms.kind(atom + 1) === DIGITS &&
    isSymbol(atoms, atom + 2, ')')
  )
    return [{digits: atoms.text(atom + 1), kind: 'paren'}, atom + 3]
  const text = atoms.text(atom)
  if (vanity && kind === LETTERS && /^[A-Z]{3,10}$/.test(text))
    return [{digits: text, kind: 'letters'}, atom + 1]
  return undefined
}

/**
 * The separator at `atom` and the atom after it, if a group may follow. Vanity letters may
 * follow only a bare "-" ("1-800-FLOWERS", not "1-888-232-6348 - TTY").
 */
function readSeparator(
  atoms: Atoms,
  atom: number,
  after: Group,
): [string, number, boolean] | undefined {
  // "(02)2345-6789", "+886(0)2…": a parenthesised group needs no separator.
  if (after.kind === 'paren' && atoms.kind(atom) === DIGITS) return ['', atom, false]
  if (isSymbol(atoms, atom, '(')) return ['', atom, false]
  if (atoms.kind(atom) === SYMBOL && SEPARATORS.includes(atoms.char(atom))) {
    return [atoms.char(atom), atom + 1, atoms.char(atom) === '-']
  }
  if (!isInlineSpace(atoms, atom, 1)) return undefined
  // " - " between groups.
  if (isSymbol(atoms, atom + 1, '-') && isInlineSpace(atoms, atom + 2, 1))
    return ['-', atom + 3, false]
  return [' ', atom + 1, false]
}

/** "ext. 12", "x 228", "#215" after a number: [extension digits, end atom]. */
function readExtension(atoms: Atoms, atom: number): [string, number] | undefined {
  let index = isSymbol(atoms, atom, ',') ? atom + 1 : atom
  if (isInlineSpace(atoms, index)) index++
  const word = atoms.lower(index)
  if (!EXTENSION_WORDS.has(word)) return undefined
  index++
  if (isSymbol(atoms, index, '.:')) index++
  if (isInlineSpace(atoms, index)) index++
  const digits = atoms.text(index)
  return atoms.kind(index) === DIGITS && digits.length <= 6 ? [digits, index + 1] : undefined
}

/** The run of digit groups starting at `atom`; `end` is past every group even when too long. */
export function readCandidate(atoms: Atoms, atom: number): Candidate | undefined {
  const plus = isSymbol(atoms, atom, '+')
  const first = readGroup(atoms, plus ? atom + 1 : atom, false)
  if (!first) return undefined
  const groups = [first[0]]
  const groupEnds = [first[1]]
  const separators: string[] = []
  let length = first[0].digits.length
  let end = first[1]
  for (;;) {
    const separator = readSeparator(atoms, end, groups.at(-1) ?? first[0])
    if (!separator) break
    const next = readGroup(atoms, separator[1], separator[2])
    if (!next) break
    // A run longer than any phone is only walked to its end, not kept.
    if (groups.length <= MAX_GROUPS) {
      groups.push(next[0])
      groupEnds.push(next[1])
      separators.push(separator[0])
    }
    length += next[0].digits.length
    end = next[1]
  }
  const extension = readExtension(atoms, end)
  const link = isSymbol(atoms, atom - 1, ':') && LINK_SCHEMES.has(atoms.lower(atom - 2))
  return {
    start: link ? atom - 2 : atom,
    end: extension ? extension[1] : end,
    plus,
    groups,
    separators,
    extension: extension?.[0] ?? '',
    length,
    groupEnds,
    link,
  }
}

/** The candidate cut after its first `count` groups (the extension belongs to the whole). */
function prefix(candidate: Candidate, count: number): Candidate {
  if (count === candidate.groups.length) return candidate
  const groups = candidate.groups.slice(0, count)
  return {
    ...candidate,
    end: candidate.groupEnds[count - 1] ?? candidate.end,
    groups,
    separators: candidate.separators.slice(0, count - 1),
    extension: '',
    length: groups.reduce((sum, group) => sum + group.digits.length, 0),
  }
}

const digitsOf = (candidate: Candidate) => candidate.groups.map((group) => group.digits)
const firstAtom = (candidate: Candidate) => (candidate.link ? candidate.start + 2 : candidate.start)
const lastGroupEnd = (candidate: Candidate, atoms: Atoms) => {
  let atom = candidate.end
  while (
    atom > candidate.start &&
    atoms.kind(atom - 1) !== DIGITS &&
    atoms.kind(atom - 1) !== LETTERS
  )
    atom--
  return atom
}

function isDate(year: string, month: string, day: string): boolean {
  const [y, m, d] = [Number(year), Number(month), Number(day)]
  return year.length === 4 && y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

function containsDate(digits: string[], separators: string[]): boolean {
  for (let index = 0; index + 2 < digits.length; index++) {
    const [a = '', b = '', c = ''] = digits.slice(index, index + 3)
    if (separators[index] !== separators[index + 1] || separators[index] === ' ') continue
    if (isDate(a, b, c) || isDate(c, b, a) || isDate(c, a, b)) return true
  }
  return digits.some(
    (group) => group.length === 8 && isDate(group.slice(0, 4), group.slice(4, 6), group.slice(6)),
  )
}

/** The nearest cue word before the candidate: 'phone', 'measurement' or undefined. */
function nearestCue(atoms: Atoms, candidate: Candidate): 'phone' | 'measurement' | undefined {
  for (const word of wordsBefore(atoms, firstAtom(candidate), 4, '.:-()#,=/')) {
    if (PHONE_CUES.has(word)) return 'phone'
    if (MEASUREMENT_CUES.has(word)) return 'measurement'
  }
  return undefined
}

type Rule = (candidate: Candidate, atoms: Atoms) => boolean

/** Why a run of digits is not a phone number. The first that holds settles it. */
export const PHONE_GUARDS: Record<string, Rule> = {
  tooShortOrLong: (candidate) => candidate.length < MIN_DIGITS || candidate.length > MAX_DIGITS,
  tooManyGroups: (candidate) => candidate.groups.length > MAX_GROUPS,
  attachedToWord: (candidate, atoms) => {
    const before = firstAtom(candidate) - 1
    const kindBefore = atoms.kind(before)
    if (!candidate.link && (kindBefore === LETTERS || isSymbol(atoms, before, '_/$€£¥'))) {
      return !PHONE_CUES.has(atoms.lower(before))
    }
    if (isSymbol(atoms, before, '.,:') && atoms.kind(before - 1) === DIGITS) return true
    const after = lastGroupEnd(candidate, atoms)
    if (candidate.extension) return false
    if (atoms.kind(after) === LETTERS || isSymbol(atoms, after, '%°×^')) return true
    const next = atoms.kind(after + 1)
    return (
      isSymbol(atoms, after, '.,:/') &&
      (next === DIGITS || (next === LETTERS && atoms.text(after) === '/'))
    )
  },
  unitAfter: (candidate, atoms) => {
    if (candidate.extension) return false
    const next = pastSpace(atoms, lastGroupEnd(candidate, atoms))
    return UNITS.has(atoms.lower(next)) || isSymbol(atoms, next, '%°µμ')
  },
  measurementCue: (candidate, atoms) => nearestCue(atoms, candidate) === 'measurement',
  date: (candidate) => containsDate(digitsOf(candidate), candidate.separators),
  yearRange: (candidate) =>
    candidate.groups.length === 2 &&
    digitsOf(candidate).every((group) => /^(19|20)\d\d$/.test(group)) &&
    candidate.separators[0] !== ' ',
  roundRange: (candidate) => {
    const [low = '', high = ''] = digitsOf(candidate)
    return (
      candidate.groups.length === 2 &&
      !candidate.plus &&
      candidate.separators[0] === '-' &&
      /^[1-9]\d*0$/.test(low) &&
      /^[1-9]\d*0$/.test(high) &&
      Number(low) < Number(high)
    )
  },
  decimal: (candidate) => candidate.groups.length === 2 && candidate.separators[0] === '.',
  bloodPressure: (candidate) =>
    candidate.separators.some((separator, index) => {
      if (separator !== '/') return false
      const [high = '', low = ''] = digitsOf(candidate).slice(index, index + 2)
      return /^[1-2]\d\d$|^[6-9]\d$/.test(high) && /^1?\d\d$/.test(low) && !low.startsWith('0')
    }),
  smallNumbers: (candidate) =>
    !candidate.plus &&
    !candidate.groups[0]?.digits.startsWith('0') &&
    candidate.groups.every((group) => group.digits.length <= 3),
}

const lengths = (candidate: Candidate) => candidate.groups.map((group) => group.digits.length)

/** Why a run of digits that passed every guard is a phone number. Any one suffices. */
export const PHONE_EVIDENCE: Record<string, Rule> = {
  internationalPrefix: (candidate) => candidate.plus && candidate.length >= 8,
  trunkPrefix: (candidate) =>
    candidate.groups.length >= 2 &&
    (candidate.groups[0]?.digits.startsWith('0') ?? false) &&
    candidate.length >= 9 &&
    candidate.length <= 12,
  mobileNumber: (candidate) =>
    candidate.groups.length === 1 &&
    /^09\d{8}$|^1[3-9]\d{9}$/.test(candidate.groups[0]?.digits ?? ''),
  northAmerican: (candidate) => {
    const shape = lengths(candidate).join('-')
    const usual = candidate.separators.every((separator) => separator !== '/')
    return (
      usual && (shape === '3-3-4' || (shape === '1-3-3-4' && candidate.groups[0]?.digits === '1'))
    )
  },
  vanityNumber: (candidate, atoms) => {
    const [first = '', second = ''] = digitsOf(candidate)
    const tollFree = TOLL_FREE.has(first) || (first === '1' && TOLL_FREE.has(second))
    const letters = candidate.groups.some((group) => group.kind === 'letters')
    return letters && (tollFree || nearestCue(atoms, candidate) === 'phone')
  },
  phoneCue: (candidate, atoms) =>
    (candidate.link || nearestCue(atoms, candidate) === 'phone') && candidate.length <= 12,
  extension: (candidate) => candidate.extension !== '',
}

const GUARDS = Object.entries(PHONE_GUARDS)
const EVIDENCE = Object.entries(PHONE_EVIDENCE)

/** The name of the guard that rules the candidate out, or of the evidence that rules it in. */
export function judgePhone(candidate: Candidate, atoms: Atoms): {phone: boolean; rule: string} {
  for (const [rule, guard] of GUARDS) if (guard(candidate, atoms)) return {phone: false, rule}
  for (const [rule, evidence] of EVIDENCE)
    if (evidence(candidate, atoms)) return {phone: true, rule}
  return {phone: false, rule: 'noEvidence'}
}

/** Where a candidate may start: digits, "+digits", "(digits)". */
function mayStart(atoms: Atoms, atom: number): boolean {
  const kind = atoms.kinds[atom]
  if (kind === LETTERS || kind === SPACE) return false
  if (kind === DIGITS) return true
  return (
    isSymbol(atoms, atom, '+(') &&
    (atoms.kind(atom + 1) === DIGITS || isSymbol(atoms, atom + 1, '('))
  )
}

/** Atom where the candidate's second group starts: a rejected run is read again from there. */
function secondGroup(candidate: Candidate): number {
  return candidate.groupEnds.length > 1 ? (candidate.groupEnds[0] ?? candidate.end) : candidate.end
}

/** The longest run of whole groups from the candidate's start that is a phone number. */
function longestPhone(candidate: Candidate, atoms: Atoms): [Candidate, string] | undefined {
  for (let count = candidate.groups.length; count >= 1; count--) {
    const part = prefix(candidate, count)
    const verdict = judgePhone(part, atoms)
    if (verdict.phone) return [part, verdict.rule]
  }
  return undefined
}

/**
 * Every phone number in the text. A run of digit groups is tried whole, then cut shorter, then
 * read again from its second group ("BP 120/80 0912345678", two numbers side by side); a run
 * longer than any phone is skipped whole, so each atom is read a bounded number of times.
 */
export function findPhones({atoms}: Scan, found: Finding[] = []): Finding[] {
  for (let atom = 0; atom < atoms.count; atom++) {
    if (!mayStart(atoms, atom)) continue
    const candidate = readCandidate(atoms, atom)
    if (!candidate) continue
    if (candidate.groups.length > MAX_GROUPS) {
      atom = candidate.end - 1
      continue
    }
    // Most numbers in medical text are short: nothing to judge.
    const phone = candidate.length >= MIN_DIGITS ? longestPhone(candidate, atoms) : undefined
    if (phone) {
      const [part, rule] = phone
      const span = {start: atoms.start(part.start), end: atoms.end(part.end - 1)}
      found.push({category: 'phone', ...span, replacement: PHONE_REMOVED, rule})
      atom = part.end - 1
    } else atom = secondGroup(candidate) - 1
  }
  return found
}
