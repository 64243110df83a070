import {DOCTOR_TITLES, ORDINARY_WORDS, PLACEHOLDER_NAMES, ROMANISATIONS} from './words.ts'

// What it takes to find one asker's name in their thread: the name's tokens and their
// romanised spellings, its full forms, and the doctors' names, which are public and never
// masked. Matching is by key: case, accents, hyphens, spaces and apostrophes do not count, so
// "Mei-ling", "Meiling", "Mei Ling" and "MEI-LING" are one token, as are "Ch'en" and "Chen".

interface NameToken {
  /** As written in the asker's name, or the romanisation it was derived from. */
  written: string
  key: string
  /**
   * 'anywhere' for distinctive tokens; 'inNameContext' for tokens that are also ordinary words
   * ("May", "Hope", "Long", "Li"), that a doctor of the thread shares, or that are another
   * romanisation of the name ("Xu" for "Hsu"): those are masked only where the text uses them
   * as a name (see NAME_CONTEXTS in names.ts).
   */
  masking: 'anywhere' | 'inNameContext'
}

export interface PrivacyContext {
  readonly askerTokens: ReadonlyMap<string, NameToken>
  /** Keys of the whole name, in the orders people write it ("chenmeiling", "meilingchen"). */
  readonly askerFullNames: ReadonlySet<string>
  /** Han or Hangul forms of the name, searched as written: the full name, the given name. */
  readonly askerScriptForms: readonly string[]
  readonly doctorTokens: ReadonlySet<string>
  readonly doctorFullNames: ReadonlySet<string>
  readonly doctorPrefixes: ReadonlySet<string>
  /** Every prefix of every asker key: matching across "Mei Ling" stops as soon as it can. */
  readonly askerPrefixes: ReadonlySet<string>
}

export interface PrivacyContextInput {
  askerName?: string | undefined
  doctorNames?: readonly string[] | undefined
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'sir', 'madam', ...DOCTOR_TITLES])
const SCRIPT_NAME = /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u
const SCRIPT_WORD = /^[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]+$/u
const ASCII = /^[\x20-\x7e]*$/

const ASCII_LETTERS = /^[A-Za-z]*$/

/** A single word's key: lower case, accents dropped. */
export function wordKey(word: string): string {
  if (ASCII_LETTERS.test(word)) return word.toLowerCase()
  return word
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
}

/** The key a name is matched by: no case, accents, hyphens, spaces, dots or apostrophes. */
function nameKey(text: string): string {
  const folded = ASCII.test(text) ? text : text.normalize('NFKD').replace(/\p{M}+/gu, '')
  return folded.toLowerCase().replace(/[\s'’‘ʼ`.\-‐‑]+/g, '')
}

/** A name's words without titles ("Mr.", "Dr.") and trailing dots. */
export function nameParts(name: string): string[] {
  return name
    .trim()
    .split(/[\s,]+/)
    .map((part) => part.replace(/\.$/, ''))
    .filter((part) => part.length > 0 && !TITLES.has(part.toLowerCase()))
}

/** Whether a text holds Han, Hangul or kana: names in those scripts have no spaces. */
export function isScriptName(text: string): boolean {
  return SCRIPT_NAME.test(text)
}

export function isScriptWord(text: string): boolean {
  return SCRIPT_WORD.test(text)
}

/** Full-name keys: in order, and with the first word moved last ("Chen Mei-ling" ↔ "Mei-ling Chen"). */
function fullNameKeys(keys: string[]): string[] {
  if (keys.length < 2) return []
  return [keys.join(''), [...keys.slice(1), keys[0]].join('')]
}

function romanisations(key: string): string[] {
  return ROMANISATIONS.find((group) => group.includes(key)) ?? [key]
}

function doctorKeys(doctorNames: readonly string[]): {tokens: Set<string>; full: Set<string>} {
  const tokens = new Set<string>()
  const full = new Set<string>()
  for (const name of doctorNames) {
    const keys = nameParts(name)
      .map(nameKey)
      .filter((key) => key.length > 1)
    keys.forEach((key) => tokens.add(key))
    fullNameKeys(keys).forEach((key) => full.add(key))
  }
  return {tokens, full}
}

function askerTokens(parts: string[], doctors: ReadonlySet<string>): Map<string, NameToken> {
  const tokens = new Map<string, NameToken>()
  const add = (written: string, key: string, variant = false) => {
    if (key.length < 2 || tokens.has(key)) return
    const ordinary = variant || ORDINARY_WORDS.has(key) || doctors.has(key)
    tokens.set(key, {written, key, masking: ordinary ? 'inNameContext' : 'anywhere'})
  }
  for (const part of parts) add(part, nameKey(part))
  // Another romanisation of the same name ("Xu" for "Hsu") is less certain: it may be a place
  // ("Hong Kong" for "Hung"), so it is masked only where the text uses it as a name.
  for (const part of parts) {
    for (const key of romanisations(nameKey(part))) add(part, key, true)
  }
  // "Chen Mei Ling": the given name is also written as one word.
  if (parts.length >= 3) add(parts.slice(1).join('-'), nameKey(parts.slice(1).join('')))
  return tokens
}

function prefixesOf(keys: Iterable<string>): Set<string> {
  const prefixes = new Set<string>()
  for (const key of keys)
    for (let end = 1; end <= key.length; end++) prefixes.add(key.slice(0, end))
  return prefixes
}

/** Everything the rules need to know about one thread's asker and doctors. */
export function privacyContext({askerName, doctorNames = []}: PrivacyContextInput): PrivacyContext {
  const doctors = doctorKeys(doctorNames)
  const parts = nameParts(askerName ?? '').filter((part) => !PLACEHOLDER_NAMES.has(nameKey(part)))
  const latin = parts.filter((part) => !isScriptName(part))
  const script = parts.filter(isScriptName).join('')
  const tokens = askerTokens(latin, doctors.tokens)
  const fullNames = new Set(fullNameKeys(latin.map(nameKey)))
  // A Han given name is two characters after a one-character surname; a lone surname is the
  // initial the archive shows anyway.
  const scriptForms =
    script.length >= 3 ? [script, script.slice(1)] : script.length === 2 ? [script] : []
  return {
    askerTokens: tokens,
    askerFullNames: fullNames,
    askerScriptForms: scriptForms,
    doctorTokens: doctors.tokens,
    doctorFullNames: doctors.full,
    doctorPrefixes: prefixesOf(doctors.full),
    askerPrefixes: prefixesOf([...tokens.keys(), ...fullNames]),
  }
}

/** No asker, no doctors: contact details and honorific names only. */
export const NO_CONTEXT = privacyContext({})
