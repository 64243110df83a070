import {DIGITS, LETTERS, SPACE, SYMBOL, type Atoms} from './atoms.ts'
import {isInlineSpace, isSymbol, isWord, wordsBefore, type Finding, type Scan} from './scan.ts'
import {EMAIL_CUES, MAIL_PROVIDERS, SPELLED_TLDS} from './words.ts'

// E-mail addresses in every spelling people use to get past filters: "a@b.com", "a @ b.com",
// "a＠b．com", "a%40b.com", "a&#64;b.com", "a[at]b[dot]com", "a (at) b (dot) com", "a at b dot
// com", "a dot b at c dot com", with "mailto:" in front or not; and what Cloudflare leaves of a
// hidden address ("[email protected]", "/cdn-cgi/l/email-protection#…").

const EMAIL_REMOVED = '[email removed]'
const MAX_LOCAL = 64
const MAX_DOMAIN = 253
const MAX_LABEL = 63
const OPENING = '([{<'
const CLOSING = ')]}>'

/** An "at" written some way: atoms [start, end). */
interface Marker {
  start: number
  end: number
  /** Written as a word ("at", "[at]"): the address may spell its dots too. */
  spelled: boolean
  /** A bare word "at", the weakest evidence: the address must look like one on its own. */
  bare: boolean
}

/** A bracketed word, "[dot]", "( at )": its end atom, or -1. */
function bracketedWord(atoms: Atoms, atom: number, word: string): number {
  const open = OPENING.indexOf(atoms.text(atom))
  if (atoms.kind(atom) !== SYMBOL || open < 0) return -1
  let index = atom + 1
  if (isInlineSpace(atoms, index, 1)) index++
  if (!isWord(atoms, index, word)) return -1
  index++
  if (isInlineSpace(atoms, index, 1)) index++
  return atoms.text(index) === CLOSING[open] ? index + 1 : -1
}

/** How an "at" may be written, keyed by the first character of the atom it starts with. */
const AT_MARKERS: Record<string, (atoms: Atoms, atom: number) => Marker | undefined> = {
  '@': (_atoms, atom) => ({start: atom, end: atom + 1, spelled: false, bare: false}),
  '%': (atoms, atom) =>
    atoms.text(atom + 1) === '40'
      ? {start: atom, end: atom + 2, spelled: false, bare: false}
      : undefined,
  '&': (atoms, atom) =>
    atoms.text(atom + 1) === '#' && atoms.text(atom + 2) === '64' && atoms.text(atom + 3) === ';'
      ? {start: atom, end: atom + 4, spelled: false, bare: false}
      : undefined,
  bracket: (atoms, atom) => {
    const end = bracketedWord(atoms, atom, 'at')
    return end < 0 ? undefined : {start: atom, end, spelled: true, bare: false}
  },
  word: (atoms, atom) =>
    atoms.length(atom) === 2 &&
    ['at', 'AT', 'At'].includes(atoms.text(atom)) &&
    atoms.kind(atom - 1) === SPACE &&
    atoms.kind(atom + 1) === SPACE
      ? {start: atom, end: atom + 1, spelled: true, bare: true}
      : undefined,
}

function markerAt(atoms: Atoms, atom: number): Marker | undefined {
  const kind = atoms.kind(atom)
  if (kind === LETTERS) return AT_MARKERS.word?.(atoms, atom)
  if (kind !== SYMBOL) return undefined
  const char = atoms.text(atom)
  return (AT_MARKERS[char] ?? (OPENING.includes(char) ? AT_MARKERS.bracket : undefined))?.(
    atoms,
    atom,
  )
}

/** A spelled dot between two parts ("dot", "[dot]", "(dot)"), read from `atom`: its end, or -1. */
function spelledDot(atoms: Atoms, atom: number): number {
  let index = atom
  if (isInlineSpace(atoms, index, 1)) index++
  const bracketed = bracketedWord(atoms, index, 'dot')
  if (bracketed >= 0) return isInlineSpace(atoms, bracketed, 1) ? bracketed + 1 : bracketed
  const word = atoms.length(index) === 3 && ['dot', 'DOT', 'Dot'].includes(atoms.text(index))
  return word && index > atom && isInlineSpace(atoms, index + 1, 1) ? index + 2 : -1
}

/** Same, read leftwards from `atom` (the atom just before the part on the right): its start. */
function spelledDotBefore(atoms: Atoms, atom: number): number {
  for (let start = Math.max(0, atom - 6); start <= atom; start++) {
    if (spelledDot(atoms, start) === atom + 1) return start
  }
  return -1
}

const isAlnum = (atoms: Atoms, atom: number) => {
  const kind = atoms.kind(atom)
  return kind === LETTERS || kind === DIGITS
}

/** Start atom of the local part ending at `last`, or -1; `spelled` allows "john dot doe". */
function localPart(atoms: Atoms, last: number, spelled: boolean): number {
  if (!isAlnum(atoms, last) && atoms.text(last) !== '_') return -1
  let start = last
  let length = 0
  for (let index = last; index >= 0 && length <= MAX_LOCAL;) {
    if (isAlnum(atoms, index) || isSymbol(atoms, index, "._-+'")) {
      length += atoms.end(index) - atoms.start(index)
      start = index
      index--
      continue
    }
    const dot = spelled ? spelledDotBefore(atoms, start - 1) : -1
    if (dot < 0 || !isAlnum(atoms, dot - 1)) break
    length += atoms.start(start) - atoms.start(dot)
    start = dot
    index = dot - 1
  }
  if (length > MAX_LOCAL) return -1
  while (start < last && !isAlnum(atoms, start)) start++
  return start
}

interface Domain {
  end: number
  /** Atoms where each label starts and ends. */
  bounds: number[]
  spelledDots: boolean
}

/** End atom of one domain label starting at `atom` (letters, digits, inner hyphens), or -1. */
function label(atoms: Atoms, atom: number): number {
  if (!isAlnum(atoms, atom)) return -1
  let end = atom
  while (isAlnum(atoms, end) || (isSymbol(atoms, end, '-') && isAlnum(atoms, end + 1))) {
    if (atoms.end(end) - atoms.start(atom) > MAX_LABEL) return -1
    end++
  }
  return end
}

/** Two or more labels joined by dots, written or spelled; undefined for anything else. */
function domainPart(atoms: Atoms, from: number): Domain | undefined {
  const first = label(atoms, from)
  const dotted = isSymbol(atoms, first, '.') && isAlnum(atoms, first + 1)
  if (first < 0 || (!dotted && spelledDot(atoms, first) < 0)) return undefined
  const bounds: number[] = []
  let spelledDots = false
  let index = from
  for (;;) {
    const end = label(atoms, index)
    if (end < 0 || atoms.end(end - 1) - atoms.start(from) > MAX_DOMAIN) return undefined
    bounds.push(index, end)
    if (isSymbol(atoms, end, '.') && isAlnum(atoms, end + 1)) {
      index = end + 1
      continue
    }
    const dot = spelledDot(atoms, end)
    if (dot >= 0 && isAlnum(atoms, dot)) {
      spelledDots = true
      index = dot
      continue
    }
    return bounds.length >= 4 ? {end, bounds, spelledDots} : undefined
  }
}

function labels(atoms: Atoms, {bounds}: Domain): string[] {
  const found: string[] = []
  for (let at = 0; at + 1 < bounds.length; at += 2) {
    const [start = 0, end = 0] = [bounds[at], bounds[at + 1]]
    found.push(atoms.source.slice(atoms.start(start), atoms.end(end - 1)).toLowerCase())
  }
  return found
}

const isTld = (label: string) => /^\p{L}{2,24}$/u.test(label)

/**
 * Whether a marker, the parts around it and the text before make an address. The weaker the
 * marker (spelled, spaced, a bare "at"), the more the domain must look like a mail domain.
 */
function isAddress(atoms: Atoms, marker: Marker, start: number, domain: Domain, spaced: boolean) {
  const parts = labels(atoms, domain)
  const tld = parts.at(-1) ?? ''
  if (!isTld(tld)) return false
  const known = SPELLED_TLDS.has(tld)
  const provider = parts.some((part) => MAIL_PROVIDERS.has(part))
  if ((marker.spelled || domain.spelledDots) && !known) return false
  if (spaced && !marker.spelled && !known && !provider) return false
  if (!marker.bare) return true
  return provider || wordsBefore(atoms, start, 6, ':,-()').some((word) => EMAIL_CUES.has(word))
}

/** The address around one marker, as [start, end) atoms, or undefined. */
function addressAround(atoms: Atoms, marker: Marker): [number, number] | undefined {
  // The domain first: most "@"s and "at"s have none after them, and it is the cheaper read.
  const spacedRight = atoms.kind(marker.end) === SPACE
  if (spacedRight && !isInlineSpace(atoms, marker.end, 1)) return undefined
  const domain = domainPart(atoms, spacedRight ? marker.end + 1 : marker.end)
  if (!domain) return undefined
  const spacedLeft = atoms.kind(marker.start - 1) === SPACE
  if (spacedLeft && !isInlineSpace(atoms, marker.start - 1, 1)) return undefined
  const start = localPart(atoms, spacedLeft ? marker.start - 2 : marker.start - 1, marker.spelled)
  if (start < 0 || !isAddress(atoms, marker, start, domain, spacedLeft || spacedRight))
    return undefined
  const mailto = isSymbol(atoms, start - 1, ':') && atoms.lower(start - 2) === 'mailto'
  return [mailto ? start - 2 : start, domain.end]
}

/** "[email protected]" (also with "&#160;" or "&nbsp;" inside), as Cloudflare leaves it. */
function cloudflarePlaceholder(atoms: Atoms, atom: number): number {
  if (!isSymbol(atoms, atom, '[') || !isWord(atoms, atom + 1, 'email')) return -1
  let index = atom + 2
  if (atoms.kind(index) === SPACE) index++
  else if (atoms.text(index) === '&') {
    const entity = [atoms.text(index + 1), atoms.text(index + 2), atoms.text(index + 3)].join('')
    if (entity === '#160;') index += 4
    else if (atoms.text(index + 1) === 'nbsp' && atoms.text(index + 2) === ';') index += 3
    else return -1
  } else return -1
  return isWord(atoms, index, 'protected') && isSymbol(atoms, index + 1, ']') ? index + 2 : -1
}

/** "/cdn-cgi/l/email-protection#6d1a…": the hex after "#" is the address, encoded. */
function cloudflareLink(atoms: Atoms, atom: number): [number, number] | undefined {
  if (!isWord(atoms, atom, 'email') || atoms.text(atom + 1) !== '-') return undefined
  if (!isWord(atoms, atom + 2, 'protection') || atoms.text(atom + 3) !== '#') return undefined
  let end = atom + 4
  while (isAlnum(atoms, end) && /^[0-9a-f]+$/i.test(atoms.text(end))) end++
  const prefix = ['/', 'cdn', '-', 'cgi', '/', 'l', '/']
  const hasPrefix = prefix.every(
    (part, offset) => atoms.text(atom - prefix.length + offset) === part,
  )
  return [hasPrefix ? atom - prefix.length : atom, end]
}

function finding(atoms: Atoms, start: number, end: number, rule: string): Finding {
  const span = {start: atoms.start(start), end: atoms.end(end - 1)}
  return {category: 'email', ...span, replacement: EMAIL_REMOVED, rule}
}

/** Atoms an address or a Cloudflare remnant can be found from: "@", "%", "[", "at", "email"… */
function mayTrigger(atoms: Atoms, atom: number): boolean {
  const kind = atoms.kinds[atom]
  if (kind === SYMBOL) return '@%&([{<'.includes(atoms.char(atom))
  return kind === LETTERS && (atoms.length(atom) === 2 || atoms.length(atom) === 5)
}

/** Every e-mail address in the text, however it is spelled. */
export function findEmails({atoms}: Scan, found: Finding[] = []): Finding[] {
  for (let atom = 0; atom < atoms.count; atom++) {
    if (!mayTrigger(atoms, atom)) continue
    const placeholder = cloudflarePlaceholder(atoms, atom)
    if (placeholder >= 0) {
      found.push(finding(atoms, atom, placeholder, 'cloudflarePlaceholder'))
      atom = placeholder - 1
      continue
    }
    const link = cloudflareLink(atoms, atom)
    if (link) {
      found.push(finding(atoms, link[0], link[1], 'cloudflareLink'))
      atom = link[1] - 1
      continue
    }
    const marker = markerAt(atoms, atom)
    const address = marker && addressAround(atoms, marker)
    if (!address) continue
    found.push(finding(atoms, address[0], address[1], marker.spelled ? 'spelledAt' : 'at'))
    atom = address[1] - 1
  }
  return found
}
