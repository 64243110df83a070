import {DIGITS, LETTERS, type Atoms} from './atoms.ts'
import {readCandidate} from './phone.ts'
import {isInlineSpace, isSymbol, type Finding, type Scan} from './scan.ts'
import {MESSENGER_FILLERS, MESSENGERS, NOT_IDS} from './words.ts'

// Messenger and social ids: "LINE ID: abc123", "WeChat: wxid_…", "QQ 12345678", "WhatsApp
// +886 …", "Skype live:…", "Telegram @handle". The id goes; the messenger's name stays, so a
// reader still sees that the asker offered one ("LINE ID: [contact removed]").

const CONTACT_REMOVED = '[contact removed]'
const MAX_ID = 64
const MAX_MESSENGER_NAME = Math.max(...[...MESSENGERS.keys()].map((name) => name.length))

/**
 * After the messenger's name: fillers ("ID", "account"), ":" or "(": the next atom, whether a
 * ":" came, and whether the word "ID" did.
 */
function skipIntroduction(atoms: Atoms, atom: number): [number, boolean, boolean] {
  let index = atom
  let colon = false
  let id = false
  for (let step = 0; step < 6; step++) {
    if (isInlineSpace(atoms, index)) index++
    else if (isSymbol(atoms, index, ':=-(,')) {
      colon ||= ':='.includes(atoms.text(index))
      index++
    } else if (atoms.kind(index) === LETTERS && MESSENGER_FILLERS.has(atoms.lower(index))) {
      id ||= atoms.lower(index) === 'id'
      index++
    } else break
  }
  return [index, colon, id]
}

/** A handle: letters, digits and "_.-@" without spaces; "live:" may lead (Skype). */
function readHandle(atoms: Atoms, atom: number): number {
  let end = atom
  let length = 0
  while (length <= MAX_ID) {
    const kind = atoms.kind(end)
    const skypePrefix =
      isSymbol(atoms, end, ':') && end === atom + 1 && atoms.lower(atom) === 'live'
    if (kind !== LETTERS && kind !== DIGITS && !isSymbol(atoms, end, '_.-@') && !skypePrefix) break
    length += atoms.end(end) - atoms.start(end)
    end++
  }
  if (length > MAX_ID) return -1
  while (end > atom && isSymbol(atoms, end - 1, '.-@:')) end--
  return end
}

/** How many atoms of a phone-shaped id follow, for messengers whose ids are phone numbers. */
function readNumberId(atoms: Atoms, atom: number): number {
  const candidate = readCandidate(atoms, atom)
  return candidate && candidate.length >= 7 && candidate.length <= 15 ? candidate.end : -1
}

/** Whether a handle looks like an id rather than the next word of a sentence. */
function isHandle(atoms: Atoms, start: number, end: number, colon: boolean): boolean {
  const text = atoms.source.slice(atoms.start(start), atoms.end(end - 1))
  if (text.length < 3 || NOT_IDS.has(text.toLowerCase())) return false
  if (isSymbol(atoms, end, ':') && isSymbol(atoms, end + 1, '/')) return false // a link: see url.ts
  return colon || /[\d_.@-]/.test(text)
}

/** An id as a phone number (WhatsApp, also LINE or WeChat ids by number) or a handle. */
function readId(atoms: Atoms, atom: number, colon: boolean): number {
  const number = readNumberId(atoms, atom)
  if (number >= 0) return number
  const end = readHandle(atoms, atom)
  return end > atom && isHandle(atoms, atom, end, colon) ? end : -1
}

/** QQ ids are 5 to 11 digits. */
function readDigitsId(atoms: Atoms, atom: number, _colon: boolean): number {
  const length = atoms.end(atom) - atoms.start(atom)
  return atoms.kind(atom) === DIGITS && length >= 5 && length <= 11 ? atom + 1 : -1
}

/** An identifier after "ID": letters mixed with digits or "_", never a plain word or number. */
function readIdentifier(atoms: Atoms, atom: number): number {
  const end = readHandle(atoms, atom)
  const text = atoms.source.slice(atoms.start(atom), atoms.end(end - 1))
  return end > atom && /\p{L}/u.test(text) && /[\d_]/.test(text) ? end : -1
}

const READERS = {handle: readId, digits: readDigitsId, identifier: readIdentifier}

/** "LINE" in capitals, or "Line ID": the ordinary word "line" is not a messenger; nor "id". */
function namesMessenger(atoms: Atoms, atom: number, id: boolean): boolean {
  const word = atoms.lower(atom)
  if (word === 'id') return atoms.text(atom) === 'ID'
  return word !== 'line' || atoms.text(atom) === 'LINE' || id
}

/** Every messenger or social id introduced by the service's name. */
export function findMessengerIds({atoms}: Scan, found: Finding[] = []): Finding[] {
  for (let atom = 0; atom < atoms.count; atom++) {
    if (atoms.kinds[atom] !== LETTERS || atoms.length(atom) > MAX_MESSENGER_NAME) continue
    const kind = MESSENGERS.get(atoms.lower(atom))
    if (!kind) continue
    const [start, colon, id] = skipIntroduction(atoms, atom + 1)
    if (!namesMessenger(atoms, atom, id)) continue
    const end = READERS[kind](atoms, start, colon)
    if (end <= start) continue
    const span = {start: atoms.start(start), end: atoms.end(end - 1)}
    found.push({
      category: 'messenger',
      ...span,
      replacement: CONTACT_REMOVED,
      rule: atoms.lower(atom),
    })
    atom = end - 1
  }
  return found
}
