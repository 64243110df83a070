import {canonicalKey, matchTokens, type TermLookup} from './matchText.ts'
import {PostingLists, type PostingVisitor} from './postings.ts'
import {attributeValue} from './attribute.ts'
import {isObject, type JsonObject} from '../domain/json.ts'

// Word indexes over the text of one source in every document: the tokens GROQ's `match` reads
// from a field (`title`: a string, or the strings of an array) or from `pt::text(field)`, with how
// often each occurs (score() counts them), or the words text::query reads from a whole document
// (lake/textQuery.ts). Tokens are kept by their canonical key (lake/matchText.ts), in a
// vocabulary sorted for prefix terms ("twitch*"); each key has a posting list of the documents'
// scan positions (lake/postings.ts). Built on first use, then kept current by every write.

type TextKind = 'field' | 'pt' | 'document'

/** Where an index reads its text: a field's strings, `pt::text(field)`, or a whole document. */
export interface TextSource {
  kind: TextKind
  /** The field (attribute path); empty for a whole document. */
  path: readonly string[]
}

/**
 * Built once a snapshot is parsed, not on first use: what the site search (`title`,
 * `pt::text(body)`) and the Studio's search (`name`, `description`, whole documents for
 * text::query) read. Other sources are built when a query first needs them.
 */
export const PREBUILT_SOURCES: readonly TextSource[] = [
  {kind: 'field', path: ['title']},
  {kind: 'pt', path: ['body']},
  {kind: 'field', path: ['name']},
  {kind: 'field', path: ['description']},
  {kind: 'document', path: []},
]

export function sourceKey(source: TextSource): string {
  return `${source.kind}:${source.path.join('.')}`
}

function blockText(block: Record<string, unknown>): string | null {
  if (typeof block._type !== 'string') return null
  const children = block.children
  if (!Array.isArray(children)) return null
  let text = ''
  for (const child of children) {
    if (
      typeof child === 'object' &&
      child !== null &&
      (child as Record<string, unknown>)._type === 'span' &&
      typeof (child as Record<string, unknown>).text === 'string'
    )
      text += (child as {text: string}).text
  }
  return text
}

function arrayText(value: readonly unknown[], into: string[]): string[] {
  for (const block of value) {
    if (Array.isArray(block)) arrayText(block, into)
    else if (typeof block === 'object' && block !== null) {
      const text = blockText(block as Record<string, unknown>)
      if (text !== null) into.push(text)
    }
  }
  return into
}

/** `pt::text(value)` as groq-js 2.0.1 computes it. */
export function portableText(value: unknown): string | null {
  if (Array.isArray(value)) {
    const texts = arrayText(value, [])
    return texts.length > 0 ? texts.join('\n\n') : null
  }
  if (typeof value === 'object' && value !== null) {
    return blockText(value as Record<string, unknown>)
  }
  return null
}

/** Keys whose strings are not text: types, array keys and revision ids. */
const NOT_TEXT = new Set(['_type', '_key', '_rev'])

/**
 * The words text::query finds in a document: every string at any depth but `_type`, `_key` and
 * `_rev` (random per write: nobody searches for one, and each would be a word of its own).
 */
function documentWords(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') stringWords(value, into)
  else if (Array.isArray(value)) {
    for (const item of value) documentWords(item, into)
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) if (!NOT_TEXT.has(key)) documentWords(record[key], into)
  }
  return into
}

const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u
const ASCII = /^\p{ASCII}*$/u

/**
 * The words of one string: lowercased, split on runs of what is neither a letter nor a number.
 * ASCII text (most of it) is split by character codes, which reads each write's strings several
 * times faster than the Unicode pattern; the pattern splits the rest.
 */
export function stringWords(text: string, into: Set<string>): Set<string> {
  const lower = text.toLowerCase()
  if (!ASCII.test(lower)) {
    for (const word of lower.split(WORD_SEPARATORS)) if (word) into.add(word)
    return into
  }
  let start = -1
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i)
    // Lowercased ASCII: letters are a–z.
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (start < 0) start = i
    } else if (start >= 0) {
      into.add(lower.slice(start, i))
      start = -1
    }
  }
  if (start >= 0) into.add(lower.slice(start))
  return into
}

/** A document's words for text::query: its words and its whole `_id`, lowercased. */
export function textQueryWords(document: {_id: string}): Set<string> {
  return documentWords(document, new Set([document._id.toLowerCase()]))
}

/** An index's keys in one document: with how often each occurs, or each once (text::query). */
type Keys = ReadonlyMap<string, number> | ReadonlySet<string>

/**
 * The words text::query finds in two versions of a document with the same `_id`: those of the
 * top-level fields both versions share (the same value: a patch keeps what it does not touch),
 * read once, and those only the version before or after has. Together they are
 * `textQueryWords` of each version.
 */
function documentWordsChange(
  before: JsonObject,
  after: JsonObject,
): {shared: Set<string>; gone: Set<string>; come: Set<string>} {
  const shared = new Set([String(after._id).toLowerCase()])
  const gone = new Set<string>()
  const come = new Set<string>()
  for (const key of Object.keys(after)) {
    if (NOT_TEXT.has(key)) continue
    documentWords(after[key], before[key] === after[key] ? shared : come)
  }
  for (const key of Object.keys(before)) {
    if (!NOT_TEXT.has(key) && before[key] !== after[key]) documentWords(before[key], gone)
  }
  for (const word of shared) {
    gone.delete(word)
    come.delete(word)
  }
  return {shared, gone, come}
}

/** Keys of the index's terms in one document, with how often each occurs. */
function keysOf(source: TextSource, document: unknown): {keys: Keys; array: boolean} {
  if (source.kind === 'document')
    return {keys: textQueryWords(document as {_id: string}), array: false}
  const keys = new Map<string, number>()
  const count = (text: string) => {
    for (const token of matchTokens(text)) {
      const key = canonicalKey(token)
      keys.set(key, (keys.get(key) ?? 0) + 1)
    }
  }
  const value = attributeValue(document, source.path)
  if (source.kind === 'pt') {
    const text = portableText(value)
    if (text !== null) count(text)
    return {keys, array: false}
  }
  if (typeof value === 'string') count(value)
  else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') count(item)
  return {keys, array: Array.isArray(value) && keys.size > 0}
}

/** Positions in both, ascending; counts added where both have one. */
export function mergePostings(
  a: {positions: Int32Array; counts: Int32Array},
  b: {positions: Int32Array; counts: Int32Array},
): {positions: Int32Array; counts: Int32Array} {
  if (a.positions.length === 0) return b
  if (b.positions.length === 0) return a
  const positions = new Int32Array(a.positions.length + b.positions.length)
  const counts = new Int32Array(positions.length)
  let i = 0
  let j = 0
  let n = 0
  while (i < a.positions.length && j < b.positions.length) {
    const p = a.positions[i] as number
    const q = b.positions[j] as number
    if (p < q) {
      positions[n] = p
      counts[n++] = a.counts[i++] as number
    } else if (q < p) {
      positions[n] = q
      counts[n++] = b.counts[j++] as number
    } else {
      positions[n] = p
      counts[n++] = (a.counts[i++] as number) + (b.counts[j++] as number)
    }
  }
  while (i < a.positions.length) {
    positions[n] = a.positions[i] as number
    counts[n++] = a.counts[i++] as number
  }
  while (j < b.positions.length) {
    positions[n] = b.positions[j] as number
    counts[n++] = b.counts[j++] as number
  }
  return {positions: positions.subarray(0, n), counts: counts.subarray(0, n)}
}

/** Postings one query may read from the text indexes (a few tens of milliseconds' work). */
export const MAX_POSTINGS_READ = 4_000_000

/** Below this many postings a list with dead postings is left as it is. */
const REWRITE_MIN = 32
/** New keys looked through one by one before they are merged into the sorted vocabulary. */
const RECENT_MAX = 64

/** Size of an index, for the benchmark's report. */
export interface TextIndexSize {
  keys: number
  postings: number
  /** Posting bytes allocated (chunks), and estimated bytes of the vocabulary's keys and maps. */
  bytes: number
}

export class TextIndex {
  readonly source: TextSource
  private readonly lists: PostingLists
  private readonly vocabulary = new Map<string, number>()
  /** Keys in code-unit order, possibly with keys dropped since (`stale` of them). */
  private sorted: string[] = []
  private stale = 0
  /** Keys added since `sorted` was made. */
  private recent: string[] = []
  /** Positions of documents whose field is an array with strings (`field` sources only). */
  private readonly arrays = new Set<number>()
  private postings = 0
  /** Whether a position belongs to a document still in the dataset. */
  private readonly isLive: (position: number) => boolean

  constructor(source: TextSource, isLive: (position: number) => boolean) {
    this.source = source
    this.lists = new PostingLists(source.kind !== 'document')
    this.isLive = isLive
  }

  /** Indexes a document at `position`, greater than any position indexed before. */
  add(position: number, document: unknown) {
    const {keys, array} = keysOf(this.source, document)
    this.record(position, keys, array)
  }

  /** Forgets the document that was at `position` (no longer live) with the content it had. */
  remove(position: number, document: unknown) {
    this.forget(position, keysOf(this.source, document).keys)
  }

  /**
   * Moves a rewritten document from `from` (no longer live) to `to` (greater than any position
   * indexed before): remove and add in one, reading the text both versions share once.
   */
  replace(from: number, to: number, before: unknown, after: unknown) {
    if (this.source.kind === 'document') {
      if (!isObject(before) || !isObject(after) || before._id !== after._id) {
        this.remove(from, before)
        this.add(to, after)
        return
      }
      const {shared, gone, come} = documentWordsChange(before, after)
      this.move(from, to, shared, false)
      this.record(to, come, false)
      this.forget(from, gone)
      return
    }
    if (attributeValue(before, this.source.path) !== attributeValue(after, this.source.path)) {
      this.remove(from, before)
      this.add(to, after)
      return
    }
    const {keys, array} = keysOf(this.source, after)
    this.move(from, to, keys, array)
    this.forget(from)
  }

  /** Moves the postings of keys both versions have: one lookup per key for both positions. */
  private move(from: number, to: number, keys: Keys, array: boolean) {
    this.arrays.delete(from)
    if (array) this.arrays.add(to)
    const moveOne = (count: number, key: string): void => {
      const list = this.vocabulary.get(key)
      if (list === undefined) return this.append(key, to, count)
      // New posting first: the list is never all dead, so never dropped here.
      this.lists.append(list, to, count)
      this.lists.markDead(list)
      const size = this.lists.size(list)
      if (size >= REWRITE_MIN && this.lists.deadCount(list) * 2 > size)
        this.lists.rewrite(list, this.isLive)
    }
    if (keys instanceof Map) for (const [key, count] of keys) moveOne(count, key)
    else for (const key of keys as ReadonlySet<string>) moveOne(1, key)
  }

  private record(position: number, keys: Keys, array: boolean) {
    if (array) this.arrays.add(position)
    if (keys instanceof Map) for (const [key, count] of keys) this.append(key, position, count)
    else for (const key of keys as ReadonlySet<string>) this.append(key, position, 1)
  }

  private append(key: string, position: number, count: number) {
    let list = this.vocabulary.get(key)
    if (list === undefined) {
      list = this.lists.create()
      this.vocabulary.set(key, list)
      this.recent.push(key)
    }
    this.lists.append(list, position, count)
    this.postings++
  }

  /** Marks the postings of `position` dead under each key, then compacts if that is due. */
  private forget(position: number, keys?: Keys) {
    this.arrays.delete(position)
    if (keys) for (const key of keys.keys()) this.markDead(key)
    // Only once every key is marked: a compaction drops the dead postings and resets the marks.
    if (this.lists.wasteful) this.lists.compact(this.isLive)
  }

  private markDead(key: string) {
    const list = this.vocabulary.get(key)
    if (list === undefined) return
    this.lists.markDead(list)
    this.postings--
    const size = this.lists.size(list)
    const dead = this.lists.deadCount(list)
    if (dead >= size) {
      this.lists.drop(list)
      this.vocabulary.delete(key)
      this.stale++
    } else if (size >= REWRITE_MIN && dead * 2 > size) {
      this.lists.rewrite(list, this.isLive)
    }
  }

  /** Renumbers positions (`renumber` keeps their order; dead ones are dropped). */
  renumber(renumber: (position: number) => number) {
    this.lists.compact(this.isLive, renumber)
    const arrays = [...this.arrays].filter(this.isLive).map(renumber)
    this.arrays.clear()
    for (const position of arrays) this.arrays.add(position)
  }

  /** Whether the document at `position` has an array at the field (not a string). */
  isArray(position: number): boolean {
    return this.arrays.has(position)
  }

  /** Every live posting of the tokens a term matches, list by list (a position may recur). */
  lookup(term: TermLookup, visit: PostingVisitor) {
    const live: PostingVisitor = (position, count) => {
      if (this.isLive(position)) visit(position, count)
    }
    if ('exact' in term) {
      const list = this.vocabulary.get(term.exact)
      if (list !== undefined) this.lists.forEach(list, live)
      return
    }
    for (const list of this.listsWithPrefix(term.prefix)) this.lists.forEach(list, live)
  }

  /**
   * The live postings of the tokens a term matches: ascending positions, and how many of the
   * document's tokens it matches at each; positions of arrays left out when `stringsOnly`.
   */
  termPostings(
    term: TermLookup,
    stringsOnly: boolean,
  ): {positions: Int32Array; counts: Int32Array} {
    const lists =
      'exact' in term
        ? [this.vocabulary.get(term.exact)].filter((list) => list !== undefined)
        : this.listsWithPrefix(term.prefix)
    const keep =
      stringsOnly && this.arrays.size > 0
        ? (position: number) => this.isLive(position) && !this.arrays.has(position)
        : this.isLive
    let parts = lists.map((list) => {
      const {slots, counts} = this.lists.decode(list, keep)
      return {positions: slots, counts}
    })
    if (parts.length === 0) return {positions: new Int32Array(0), counts: new Int32Array(0)}
    // A prefix reads several tokens' lists: merged pairwise, counts added where they meet.
    while (parts.length > 1) {
      const merged: typeof parts = []
      for (let i = 0; i < parts.length; i += 2) {
        const a = parts[i] as (typeof parts)[number]
        const b = parts[i + 1]
        merged.push(b ? mergePostings(a, b) : a)
      }
      parts = merged
    }
    return parts[0] as (typeof parts)[number]
  }

  /** How many postings a term's lists hold: what reading it costs. */
  postingCount(term: TermLookup): number {
    if ('exact' in term) {
      const list = this.vocabulary.get(term.exact)
      return list === undefined ? 0 : this.lists.size(list)
    }
    let total = 0
    for (const list of this.listsWithPrefix(term.prefix)) total += this.lists.size(list)
    return total
  }

  private listsWithPrefix(prefix: string): number[] {
    if (this.recent.length > RECENT_MAX || this.stale * 2 > this.sorted.length + RECENT_MAX) {
      this.resort()
    }
    const lists: number[] = []
    let low = 0
    let high = this.sorted.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((this.sorted[middle] ?? '') < prefix) low = middle + 1
      else high = middle
    }
    for (let at = low; at < this.sorted.length; at++) {
      const key = this.sorted[at] ?? ''
      if (!key.startsWith(prefix)) break
      const list = this.vocabulary.get(key)
      if (list !== undefined) lists.push(list)
    }
    for (const key of this.recent) {
      const list = key.startsWith(prefix) ? this.vocabulary.get(key) : undefined
      // A key dropped and added again may be in both `sorted` and `recent`.
      if (list !== undefined && !lists.includes(list)) lists.push(list)
    }
    return lists
  }

  /** Merges the recent keys into the sorted vocabulary and drops the stale ones: linear. */
  private resort() {
    const recent = this.recent.sort()
    const merged: string[] = []
    let i = 0
    let j = 0
    const push = (key: string) => {
      if (this.vocabulary.has(key) && merged[merged.length - 1] !== key) merged.push(key)
    }
    while (i < this.sorted.length || j < recent.length) {
      const a = this.sorted[i]
      const b = recent[j]
      if (b === undefined || (a !== undefined && a <= b)) {
        push(a ?? '')
        i++
      } else {
        push(b)
        j++
      }
    }
    this.sorted = merged
    this.recent = []
    this.stale = 0
  }

  size(): TextIndexSize {
    const memory = this.lists.memory()
    let keyBytes = 0
    for (const key of this.vocabulary.keys()) keyBytes += 24 + key.length * 2
    return {
      keys: this.vocabulary.size,
      postings: this.postings,
      // Per key: its string, a Map entry and a sorted-array slot (about 48 bytes beyond the string).
      bytes:
        memory.allocated +
        memory.columns +
        keyBytes +
        this.vocabulary.size * 48 +
        this.arrays.size * 16,
    }
  }
}
