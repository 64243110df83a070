import {LETTERS, SPACE, type Atoms} from './atoms.ts'
import {isScriptName, isScriptWord, nameParts, wordKey, type PrivacyContext} from './context.ts'
import {isCapitalised, isInlineSpace, isSymbol, scanText, type Finding, type Scan} from './scan.ts'
import {
  AFTER_NAME,
  CONTACT_VERBS,
  CONTACT_VIAS,
  DIMINUTIVES,
  DOCTOR_TITLES,
  EPONYM_NOUNS,
  HONORIFICS,
  INSTITUTIONS,
  MISS,
  NOT_NAMES,
  POSSESSED,
  SALUTATIONS,
  SELF_INTRODUCTIONS,
} from './words.ts'

// The asker's name in text: found by key across the ways it is written ("Mei Ling", "Ch'en"),
// then judged by named rules. Doctors' names and institutions ("Chang Gung Memorial Hospital")
// are kept; a distinctive token is masked anywhere; a token that is also an ordinary word
// ("May", "Hope", "Long") only where the text uses it as a name. Names after "Mr."/"Ms." are
// masked whoever they belong to: only patients are addressed that way in a medical archive.

/** The asker's name, or part of it, at atoms [start, end). */
interface NameMatch {
  start: number
  end: number
  key: string
}

const MAX_WORD = 40
const MAX_PARTS = 5

function atomKey(atoms: Atoms, atom: number): string {
  const word = atoms.lower(atom, MAX_WORD)
  return word && wordKey(word)
}

/** The atom after a joiner inside a name ("-", "'", one space), or -1. */
function afterJoiner(atoms: Atoms, atom: number): number {
  const joined = isSymbol(atoms, atom, "-'") || isInlineSpace(atoms, atom, 1)
  return joined && atoms.kind(atom + 1) === LETTERS ? atom + 1 : -1
}

/** The longest form of the asker's name starting at `atom`. */
function matchAt(atoms: Atoms, atom: number, context: PrivacyContext): NameMatch | undefined {
  if (atoms.kinds[atom] !== LETTERS || atoms.length(atom) > MAX_WORD) return undefined
  if (!context.askerPrefixes.has(atoms.char(atom).toLowerCase()) && atoms.char(atom) < '\u0080')
    return undefined
  let key = ''
  let best: NameMatch | undefined
  for (let index = atom, parts = 0; index >= 0 && parts < MAX_PARTS; parts++) {
    key += atomKey(atoms, index)
    if (!context.askerPrefixes.has(key)) break
    if (context.askerTokens.has(key) || context.askerFullNames.has(key)) {
      best = {start: atom, end: index + 1, key}
    }
    index = afterJoiner(atoms, index + 1)
  }
  return best
}

/** The word before `atom` past spaces (line breaks too) and dots: its atom, or -1. */
function wordBefore(atoms: Atoms, atom: number, skip = '.'): number {
  let index = atom - 1
  for (let steps = 0; steps < 4 && index >= 0; steps++, index--) {
    if (atoms.kind(index) === SPACE && atoms.end(index) - atoms.start(index) <= MAX_WORD) continue
    if (isSymbol(atoms, index, skip)) continue
    break
  }
  return atoms.kind(index) === LETTERS ? index : -1
}

/** The word after `atom` past one space on the same line: its atom, or -1. */
function wordAfter(atoms: Atoms, atom: number): number {
  const index = isInlineSpace(atoms, atom) ? atom + 1 : atom
  return atoms.kind(index) === LETTERS ? index : -1
}

const capitalisedAt = (atoms: Atoms, atom: number) =>
  atoms.kind(atom) === LETTERS && isCapitalised(atoms.source[atoms.start(atom)] ?? '')

/** A run of capitalised words starting at `atom`, hyphenated ones as one: its word atoms. */
function capitalisedWords(atoms: Atoms, atom: number, max: number): number[] {
  const words: number[] = []
  let index = atom
  while (words.length < max && capitalisedAt(atoms, index)) {
    words.push(index)
    while (isSymbol(atoms, index + 1, '-') && atoms.kind(index + 2) === LETTERS) index += 2
    index = wordAfter(atoms, index + 1)
  }
  return words
}

/** Whether the words from `start` spell a doctor's full name covering atom `must`. */
function spellsDoctor(atoms: Atoms, start: number, must: number, context: PrivacyContext) {
  let key = ''
  for (let index = start, parts = 0; index >= 0 && parts < MAX_PARTS; parts++) {
    key += atomKey(atoms, index)
    if (!context.doctorPrefixes.has(key)) return false
    if (index >= must && context.doctorFullNames.has(key)) return true
    index = afterJoiner(atoms, index + 1)
  }
  return false
}

type Verdict = 'mask' | 'keep' | undefined
type NameRule = (atoms: Atoms, match: NameMatch, context: PrivacyContext) => Verdict

const textBefore = (atoms: Atoms, atom: number, length: number) =>
  atoms.source.slice(Math.max(0, atoms.start(atom) - length), atoms.start(atom)).toLowerCase()

/** Start of text or line, or one of these symbols, before and after: a name standing alone. */
function standsAlone(atoms: Atoms, match: NameMatch): boolean {
  let before = match.start - 1
  if (atoms.kind(before) === SPACE) before--
  let after = match.end
  if (isInlineSpace(atoms, after)) after++
  const lineBreak = (atom: number) => atoms.kind(atom) === SPACE && atoms.breaksLine(atom)
  const alone =
    (before < 0 || lineBreak(match.start - 1) || isSymbol(atoms, before, '.!?,;:—–-(|/"“')) &&
    (after >= atoms.count || lineBreak(match.end) || isSymbol(atoms, after, ',.!?;:—–(|"”'))
  const compound = isSymbol(atoms, match.end, '-') && atoms.kind(match.end + 1) === LETTERS
  const bracketed = isSymbol(atoms, before, '(') && isSymbol(atoms, after, ')')
  return alone && !compound && !bracketed
}

/**
 * How one occurrence of the asker's name is judged, in order; the first verdict stands. The
 * "keep" rules protect doctors and institutions; the others say where a name is a name.
 */
export const NAME_CONTEXTS: Record<string, NameRule> = {
  doctorTitle: (atoms, match) => {
    const before = wordBefore(atoms, match.start)
    if (before >= 0 && DOCTOR_TITLES.has(atoms.lower(before))) return 'keep'
    const further = before >= 0 && capitalisedAt(atoms, before) ? wordBefore(atoms, before) : -1
    return further >= 0 && DOCTOR_TITLES.has(atoms.lower(further)) ? 'keep' : undefined
  },
  doctorName: (atoms, match, context) => {
    if (context.doctorFullNames.size === 0) return undefined
    const before = wordBefore(atoms, match.start, '')
    const starts = before >= 0 && match.start - before <= 2 ? [before, match.start] : [match.start]
    return starts.some((start) => spellsDoctor(atoms, start, match.start, context))
      ? 'keep'
      : undefined
  },
  institution: (atoms, match) => {
    const next = wordAfter(atoms, match.end)
    const words = next >= 0 ? capitalisedWords(atoms, next, 4) : []
    return words.some((word) => INSTITUTIONS.has(atoms.lower(word))) ? 'keep' : undefined
  },
  eponym: (atoms, match) => {
    const apostrophe = atoms.text(match.end) === "'"
    const possessive = apostrophe && atoms.lower(match.end + 1) === 's'
    const noun = wordAfter(atoms, match.end + (possessive ? 2 : apostrophe ? 1 : 0))
    return noun >= 0 && EPONYM_NOUNS.has(atoms.lower(noun)) ? 'keep' : undefined
  },
  fullName: (_atoms, match, context) =>
    context.askerFullNames.has(match.key) ? 'mask' : undefined,
  distinctive: (_atoms, match, context) =>
    context.askerTokens.get(match.key)?.masking === 'anywhere' ? 'mask' : undefined,
  // From here on the token is also an ordinary word: it must be written as a name…
  lowerCase: (atoms, match) => (capitalisedAt(atoms, match.start) ? undefined : 'keep'),
  // …and be used as one.
  honorific: (atoms, match) => {
    const before = wordBefore(atoms, match.start)
    return before >= 0 && (HONORIFICS.has(atoms.text(before)) || atoms.text(before) === MISS)
      ? 'mask'
      : undefined
  },
  salutation: (atoms, match) =>
    isInlineSpace(atoms, match.start - 1) && SALUTATIONS.has(atoms.lower(match.start - 2))
      ? 'mask'
      : undefined,
  diminutive: (atoms, match) => {
    const hyphen = isSymbol(atoms, match.start - 1, '-')
    const prefix = atoms.lower(match.start - 2)
    const joined = hyphen || (isInlineSpace(atoms, match.start - 1, 1) && prefix !== 'a')
    return joined && DIMINUTIVES.has(prefix) && capitalisedAt(atoms, match.start - 2)
      ? 'mask'
      : undefined
  },
  selfIntroduction: (atoms, match) => {
    const before = textBefore(atoms, match.start, 16)
      .replace(/\s+/g, ' ')
      .trimEnd()
      .replace(/:$/, '')
    const introduced = SELF_INTRODUCTIONS.some((phrase) => {
      const words = phrase.join(' ')
      const at = before.length - words.length
      return before.endsWith(words) && (at === 0 || !/\p{L}/u.test(before[at - 1] ?? ''))
    })
    return introduced ? 'mask' : undefined
  },
  nameHere: (atoms, match) => {
    const next = wordAfter(atoms, match.end)
    return next >= 0 && AFTER_NAME.has(atoms.lower(next)) ? 'mask' : undefined
  },
  possessive: (atoms, match) => {
    if (atoms.text(match.end) !== "'" || atoms.lower(match.end + 1) !== 's') return undefined
    const next = wordAfter(atoms, match.end + 2)
    return next >= 0 && POSSESSED.has(atoms.lower(next)) ? 'mask' : undefined
  },
  contactPerson: (atoms, match) => {
    const before = wordBefore(atoms, match.start, '')
    const after = wordAfter(atoms, match.end)
    const verb = before >= 0 && CONTACT_VERBS.has(atoms.lower(before))
    return verb && after >= 0 && CONTACT_VIAS.has(atoms.lower(after)) ? 'mask' : undefined
  },
  signature: (atoms, match) => (standsAlone(atoms, match) ? 'mask' : undefined),
}

const NAME_RULES = Object.entries(NAME_CONTEXTS)

function judgeName(atoms: Atoms, match: NameMatch, context: PrivacyContext) {
  for (const [rule, judge] of NAME_RULES) {
    const verdict = judge(atoms, match, context)
    if (verdict) return {mask: verdict === 'mask', rule}
  }
  return {mask: false, rule: 'ordinaryWord'}
}

/** The initial a name is reduced to: "Chen" → "C.", "陳美玲" → "陳". */
function initialOf(name: string): string {
  const code = name.trim().codePointAt(0)
  if (code === undefined) return ''
  const letter = String.fromCodePoint(code)
  // Below U+2E80 no script writes names without spaces: skip the test.
  return code >= 0x2e80 && isScriptName(letter) ? letter : `${letter.toUpperCase()}.`
}

function nameFinding(atoms: Atoms, start: number, end: number, rule: string): Finding {
  const span = {start: atoms.start(start), end: atoms.end(end - 1)}
  return {category: 'askerName', ...span, replacement: initialOf(atoms.text(start)), rule}
}

/**
 * A surname the context does not know, written right after the asker's name in running text
 * ("My name is Lily Huang and…"): the end of the name with it. Title case ("Does Chang Need
 * Prevention?") is left alone: there every word is capitalised.
 */
function withSurname(atoms: Atoms, end: number): number {
  if (!isInlineSpace(atoms, end, 1) || !capitalisedAt(atoms, end + 1)) return end
  const word = atoms.lower(end + 1)
  if (word.length < 2 || NOT_NAMES.has(word) || AFTER_NAME.has(word) || DOCTOR_TITLES.has(word))
    return end
  let last = end + 1
  while (isSymbol(atoms, last + 1, '-') && atoms.kind(last + 2) === LETTERS) last += 2
  const next = wordAfter(atoms, last + 1)
  return next >= 0 && capitalisedAt(atoms, next) ? end : last + 1
}

/** Every occurrence of the asker's name (Latin script) that the rules mask. */
function findLatinNames({atoms}: Scan, context: PrivacyContext, found: Finding[]) {
  if (context.askerTokens.size === 0) return
  for (let atom = 0; atom < atoms.count; atom++) {
    const match = matchAt(atoms, atom, context)
    if (!match) continue
    const verdict = judgeName(atoms, match, context)
    const end = verdict.mask ? withSurname(atoms, match.end) : match.end
    if (verdict.mask) found.push(nameFinding(atoms, match.start, end, verdict.rule))
    atom = end - 1
  }
}

/** Han or Hangul forms of the name, wherever they are written. */
function findScriptNames({atoms}: Scan, context: PrivacyContext, found: Finding[]) {
  const initial = initialOf(context.askerScriptForms[0] ?? '')
  for (const form of context.askerScriptForms) {
    for (
      let at = atoms.source.indexOf(form);
      at >= 0;
      at = atoms.source.indexOf(form, at + form.length)
    ) {
      found.push({
        category: 'askerName',
        start: at,
        end: at + form.length,
        replacement: initial,
        rule: 'scriptName',
      })
    }
  }
}

/** Whether `atom` starts the text or a line. */
function startsLine(atoms: Atoms, atom: number): boolean {
  const before = atom - 1
  return before < 0 || (atoms.kind(before) === SPACE && (before === 0 || atoms.breaksLine(before)))
}

/**
 * A name after "Mr.", "Ms.", "Mrs.", or after "Miss" where a verb cannot be ("Hello Miss Lin",
 * a line starting "Miss Wu asks…"): its atoms [start, end).
 */
function honorificName(atoms: Atoms, atom: number): [number, number] | undefined {
  if (atoms.kinds[atom] !== LETTERS || atoms.char(atom) !== 'M' || atoms.length(atom) > 6)
    return undefined
  const word = atoms.text(atom)
  const greeted =
    word === MISS &&
    (startsLine(atoms, atom) || SALUTATIONS.has(atoms.lower(wordBefore(atoms, atom, ','))))
  if (atoms.kind(atom) !== LETTERS || (!HONORIFICS.has(word) && !greeted)) return undefined
  let first = atom + 1
  if (isSymbol(atoms, first, '.')) first++
  if (atoms.kind(first) === SPACE && atoms.end(first) - atoms.start(first) <= MAX_WORD) first++
  const run = capitalisedWords(atoms, first, 3)
  const names = run.filter((index) => !NOT_NAMES.has(atoms.lower(index)))
  if (names[0] !== first || atoms.end(first) - atoms.start(first) < 2) return undefined
  if (DOCTOR_TITLES.has(atoms.lower(first))) return undefined
  // Two capitalised words are a name; more are a title in title case ("Ms. Tsai Knee Pain").
  let end = (run.length === 2 && names.length === 2 ? (run[1] ?? first) : first) + 1
  while (isSymbol(atoms, end, '-') && atoms.kind(end + 1) === LETTERS) end += 2
  return [first, end]
}

/** Names addressed with an honorific, whoever they belong to ("Hello Mr. Kuo"). */
function findHonorificNames({atoms}: Scan, found: Finding[]) {
  for (let atom = 0; atom < atoms.count; atom++) {
    const name = honorificName(atoms, atom)
    if (!name) continue
    found.push(nameFinding(atoms, name[0], name[1], 'honorificName'))
    atom = name[1] - 1
  }
}

/** Every name the rules mask: the asker's, in any script, and any name after an honorific. */
export function findNames(scan: Scan, context: PrivacyContext, found: Finding[] = []): Finding[] {
  findHonorificNames(scan, found)
  findLatinNames(scan, context, found)
  findScriptNames(scan, context, found)
  return found
}

/** Whether a text (a link, a file name) spells the asker's name: a distinctive token or all of it. */
export function mentionsAsker(text: string, context: PrivacyContext): boolean {
  if (context.askerTokens.size === 0 && context.askerScriptForms.length === 0) return false
  const {atoms} = scanText(text)
  for (let atom = 0; atom < atoms.count; atom++) {
    const match = matchAt(atoms, atom, context)
    if (!match) continue
    if (context.askerFullNames.has(match.key)) return true
    if (context.askerTokens.get(match.key)?.masking === 'anywhere') return true
  }
  return context.askerScriptForms.some((form) => text.includes(form))
}

/**
 * True when a display name looks like a person's full name rather than an initial or a single
 * surname ("C.", "CHEN", "Mr. Chen" pass; "Chen Mei-ling", "陳美玲" do not).
 */
export function looksLikeFullName(name: string): boolean {
  const parts = nameParts(name)
  if (parts.filter((part) => /^\p{L}[\p{L}'-]+$/u.test(part)).length >= 2) return true
  // Han and Hangul names are written without spaces: a surname and a given name make 2+.
  return parts.some((part) => isScriptWord(part) && [...part].length >= 2)
}

/** The asker's name reduced to what the archive keeps by default: an initial. */
export function initialOnly(name: string): string {
  return initialOf(nameParts(name)[0] ?? '')
}
