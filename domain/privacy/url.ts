import {LETTERS, type Atoms} from './atoms.ts'
import {findEmails} from './email.ts'
import {findPhones} from './phone.ts'
import {isSymbol, scanText, type Finding, type Scan} from './scan.ts'
import {PROFILE_HOSTS} from './words.ts'

// Links. A link to a person's profile or chat (t.me/…, wa.me/…, facebook.com/…) or one that
// carries an e-mail address or phone number is removed whole. Any other link is shielded: the
// digits in "nytimes.com/2020/03/18/818026613" are a path, not a phone number.

const LINK_REMOVED = '[link removed]'
const MAX_URL = 2048
const STOPS = `"'<>[]{}|\\^\``
const TRAILING = '.,;:!?)'
const HOSTS = [...PROFILE_HOSTS]
/** First labels of the profile hosts ("t" of "t.me"): only these words can start one. */
const FIRST_LABELS = new Set(HOSTS.map((host) => host.split('.')[0] ?? ''))

/** Where a link starts at `atom`: "http://", "https://", "www." or a profile host. */
function linkStart(atoms: Atoms, atom: number): boolean {
  if (atoms.kinds[atom] !== LETTERS || !isSymbol(atoms, atom + 1, ':.')) return false
  const word = atoms.lower(atom, 8)
  if (word === 'http' || word === 'https') {
    return (
      isSymbol(atoms, atom + 1, ':') &&
      isSymbol(atoms, atom + 2, '/') &&
      isSymbol(atoms, atom + 3, '/')
    )
  }
  if (!isSymbol(atoms, atom + 1, '.')) return false
  if (word === 'www') return true
  if (!FIRST_LABELS.has(word)) return false
  const host = atoms.source.slice(atoms.start(atom), atoms.start(atom) + 24).toLowerCase()
  return HOSTS.some((known) => host.startsWith(`${known}/`))
}

/** End offset of the link starting at `start`, trailing punctuation left out. */
function linkEnd(text: string, start: number): number {
  let end = start
  let open = 0
  while (end < text.length && end - start < MAX_URL) {
    const char = text[end] ?? ''
    if (/\s/.test(char) || STOPS.includes(char)) break
    if (char === '(') open++
    if (char === ')' && open-- <= 0) break
    end++
  }
  while (end > start && TRAILING.includes(text[end - 1] ?? '')) end--
  return end
}

function hostOf(link: string): string {
  const withoutScheme = link.replace(/^[a-z]+:\/\//i, '')
  const host = withoutScheme.split(/[/?#]/, 1)[0] ?? ''
  return host.toLowerCase().replace(/^www\./, '')
}

/** Why a link is personal data, or undefined when it is not. */
function personalLink(link: string, mentionsAsker: (text: string) => boolean): string | undefined {
  const host = hostOf(link)
  const path = link.slice(link.toLowerCase().indexOf(host) + host.length)
  if (PROFILE_HOSTS.has(host) && path.replace(/[/?#]/g, '').length > 0) return 'profileLink'
  const inside = scanText(link)
  if (findEmails(inside).length > 0 || findPhones(inside).length > 0) return 'linkWithContact'
  return mentionsAsker(link) ? 'linkWithAskerName' : undefined
}

/** Every link; personal ones are findings, the rest shield what they contain. */
export function findLinks(
  {atoms}: Scan,
  mentionsAsker: (text: string) => boolean,
  found: Finding[] = [],
): Finding[] {
  for (let atom = 0; atom < atoms.count; atom++) {
    if (!linkStart(atoms, atom)) continue
    const start = atoms.start(atom)
    const end = linkEnd(atoms.source, start)
    const rule = personalLink(atoms.source.slice(start, end), mentionsAsker)
    found.push(
      rule
        ? {category: 'url', start, end, replacement: LINK_REMOVED, rule}
        : {category: 'protected', start, end, replacement: '', rule: 'link'},
    )
    while (atom + 1 < atoms.count && atoms.start(atom + 1) < end) atom++
  }
  return found
}
