import {isPublishedId} from '@sanity/client/csm'
import {isPrivateId} from './ids.ts'
import {matchWords} from './matchWords.ts'

// The dataset's documents in memory with the indexes the query planner uses: by `_id`, by
// `_type`, references reversed (which documents reference X) and equality indexes on attribute
// paths. One index holds every document; the published and drafts perspectives are views over
// it (lake/views.ts), so loading 100k+ documents builds each index once.

export interface LakeDocument {
  _id: string
  _type: string
  _rev?: string
  _createdAt?: string
  _updatedAt?: string
  [key: string]: unknown
}

/** What the planner, text search and dereferencing read of one perspective. */
export interface DocumentIndex {
  /** Changes with every write: what was read from the index may be kept until it moves. */
  readonly version: number
  get(id: string): LakeDocument | undefined
  /** Every document, in the order of a full scan. */
  documents(): LakeDocument[]
  /** Sorts documents of this view into full-scan order. */
  inDatasetOrder(documents: LakeDocument[]): LakeDocument[]
  /** Each set iterates in full-scan order. */
  idsOfType(type: string): ReadonlySet<string>
  idsReferencing(id: string): ReadonlySet<string>
  /**
   * Ids of documents (of `type`, if given) whose value at `path` equals `value`; undefined when
   * the index cannot tell (null and objects: `x == null` also matches documents without it).
   */
  idsWithValue(
    path: readonly string[],
    value: unknown,
    type?: string,
  ): ReadonlySet<string> | undefined
  /**
   * Ids of documents whose text at `path` has `word` (lowercase) among its `match` tokens;
   * undefined when the view cannot tell.
   */
  idsWithWord(path: readonly string[], word: string): ReadonlySet<string> | undefined
}

/** Every `_ref` in a document, at any depth. */
export function collectReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value)
      if (typeof item === 'object' && item !== null) collectReferences(item, into)
  } else if (typeof value === 'object' && value !== null) {
    // for…in rather than Object.entries: this runs over every object of every document on load.
    const record = value as Record<string, unknown>
    for (const key in record) {
      const field = record[key]
      if (key === '_ref') {
        if (typeof field === 'string') into.add(field)
      } else if (typeof field === 'object' && field !== null) collectReferences(field, into)
    }
  }
  return into
}

function addTo<K>(map: Map<K, Set<string>>, key: K, id: string) {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(id)
}

function pushTo(map: Map<string, string[]>, key: string, id: string) {
  const list = map.get(key)
  if (list) list.push(id)
  else map.set(key, [id])
}

function pullFrom(map: Map<string, string[]>, key: string, id: string) {
  const list = map.get(key)
  const at = list ? list.indexOf(id) : -1
  if (!list || at < 0) return
  if (list.length === 1) map.delete(key)
  else list.splice(at, 1)
}

/**
 * The documents with one value at a path: one document as it is (most values of a path like
 * `slug.current` are unique, and a set per value would cost more than the document's entry), or
 * the ids by type.
 */
type ValueEntry = {type: string; id: string} | Map<string, Set<string>>

function addValue(ids: Map<Primitive, ValueEntry>, value: Primitive, type: string, id: string) {
  const entry = ids.get(value)
  if (!entry) ids.set(value, {type, id})
  else if (entry instanceof Map) addTo(entry, type, id)
  else if (entry.id !== id || entry.type !== type) {
    const byType = new Map<string, Set<string>>()
    addTo(byType, entry.type, entry.id)
    addTo(byType, type, id)
    ids.set(value, byType)
  }
}

function removeValue(ids: Map<Primitive, ValueEntry>, value: Primitive, type: string, id: string) {
  const entry = ids.get(value)
  if (!entry) return
  if (!(entry instanceof Map)) {
    if (entry.id === id) ids.delete(value)
    return
  }
  removeFrom(entry, type, id)
  if (entry.size === 0) ids.delete(value)
}

function removeFrom<K>(map: Map<K, Set<string>>, key: K, id: string) {
  const set = map.get(key)
  if (!set) return
  set.delete(id)
  if (set.size === 0) map.delete(key)
}

type Primitive = string | number | boolean

function valueAt(document: LakeDocument, path: readonly string[]): unknown {
  let value: unknown = document
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = Reflect.get(value, key)
  }
  return value
}

function isPrimitive(value: unknown): value is Primitive {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

const EMPTY: ReadonlySet<string> = new Set()

/**
 * A buffer read from a snapshot, released as soon as its last unparsed document is parsed rather
 * than at the next full GC: a 100k-thread snapshot is 650 MB of such buffers.
 */
export class SnapshotChunk {
  readonly buffer: Buffer
  /** Unparsed documents sliced from it, plus one while the reader still slices lines from it. */
  private holds = 1

  constructor(buffer: Buffer) {
    this.buffer = buffer
  }

  hold() {
    this.holds++
  }

  release() {
    if (--this.holds > 0) return
    // Detaching frees the memory now; every view of it (none is in use any more) becomes empty.
    // The buffer must own its ArrayBuffer (Buffer.allocUnsafeSlow), not share Node's pool.
    const transfer = Reflect.get(this.buffer.buffer, 'transfer')
    if (typeof transfer === 'function') Reflect.apply(transfer, this.buffer.buffer, [0])
  }
}

/**
 * A document loaded from a snapshot but not parsed yet: its JSON text in the file's buffer. A
 * snapshot line carries the id, type and references next to the JSON, so the indexes are built
 * without parsing; documents are parsed on first read and, after opening, in the background.
 */
export class Unparsed {
  private readonly buffer: Buffer
  /** Where the snapshot line starts, and where its JSON starts and ends. */
  private readonly lineStart: number
  private readonly start: number
  private readonly end: number
  /** The value-index paths its line has values for, as written in the snapshot's header. */
  readonly valuePaths: string
  /** The chunk `buffer` belongs to, when it is one (released once this document is parsed). */
  private readonly chunk: SnapshotChunk | undefined

  constructor(
    buffer: Buffer,
    lineStart: number,
    start: number,
    end: number,
    valuePaths = '[]',
    chunk?: SnapshotChunk,
  ) {
    this.buffer = buffer
    this.lineStart = lineStart
    this.start = start
    this.end = end
    this.valuePaths = valuePaths
    this.chunk = chunk
    chunk?.hold()
  }

  /** Called once the index holds the parsed document instead: the text is not read again. */
  release() {
    this.chunk?.release()
  }

  parse(): LakeDocument {
    return JSON.parse(this.buffer.toString('utf8', this.start, this.end)) as LakeDocument
  }

  /** The snapshot line it was read from, without its newline (written back as it is). */
  line(): Buffer {
    return this.buffer.subarray(this.lineStart, this.end)
  }
}

/** Every document of a dataset (the raw perspective), indexed. */
export class RawIndex implements DocumentIndex {
  private readonly byId = new Map<string, LakeDocument | Unparsed>()
  private unparsed = 0
  private cursor: MapIterator<[string, LakeDocument | Unparsed]> | undefined
  private readonly byType = new Map<string, Set<string>>()
  /** Referrers in scan order; arrays because most targets have a handful (cheaper to build). */
  private readonly referencedBy = new Map<string, string[]>()
  /**
   * Equality indexes on attribute paths ("slug.current"), built on first use, then maintained;
   * split by type, so `_type == "question" && specialty._ref == $id` needs no intersection.
   */
  private readonly valueIndexes = new Map<
    string,
    {path: string[]; ids: Map<Primitive, ValueEntry>}
  >()
  /** `match` word indexes on attribute paths ("title"), built on first use, then maintained. */
  private readonly wordIndexes = new Map<string, {path: string[]; ids: Map<string, string[]>}>()
  /** Insertion order, which is the order of a full scan. */
  private readonly position = new Map<string, number>()
  private counter = 0
  /** Drafts and versions held: while there are none, the other views are this one. */
  private unpublished = 0
  /** Ids with a `.` (drafts, versions and other private paths): anonymous callers see none. */
  private dotted = 0
  /** Cached array of all documents for full scans; rebuilt lazily after a change. */
  private all: LakeDocument[] | undefined
  /** Bumped on every change, so views know when to drop their caches. */
  version = 0

  get size(): number {
    return this.byId.size
  }

  get hasUnpublished(): boolean {
    return this.unpublished > 0
  }

  get hasPrivate(): boolean {
    return this.dotted > 0
  }

  get(id: string): LakeDocument | undefined {
    const entry = this.byId.get(id)
    return entry instanceof Unparsed ? this.parsed(id, entry) : entry
  }

  private parsed(id: string, entry: Unparsed): LakeDocument {
    const document = entry.parse()
    this.byId.set(id, document) // keeps the entry's place in the scan order
    this.unparsed--
    entry.release()
    return document
  }

  /** Documents still waiting to be parsed. */
  get unparsedCount(): number {
    return this.unparsed
  }

  /** Parses up to `limit` waiting documents; returns how many still wait. */
  parseSome(limit: number): number {
    let done = 0
    let restarted = false
    while (this.unparsed > 0 && done < limit) {
      // A Map iterator survives changes to the map, so background parsing resumes where it was.
      this.cursor ??= this.byId.entries()
      const next = this.cursor.next()
      if (next.done) {
        this.cursor = undefined
        if (restarted) throw new Error('Unparsed document count out of step with the index')
        restarted = true
        continue
      }
      const [id, entry] = next.value
      if (entry instanceof Unparsed) {
        this.parsed(id, entry)
        done++
      }
    }
    return this.unparsed
  }

  /** Each document as a parsed document or, when not parsed yet, its stored JSON (for snapshots). */
  *entries(): Generator<LakeDocument | Unparsed> {
    yield* this.byId.values()
  }

  /**
   * Adds a document from a snapshot without parsing it: `type`, `references` and `values` come
   * from the snapshot line. Only while loading, before any word index exists.
   */
  putUnparsed(
    id: string,
    type: string,
    references: readonly string[],
    /** The document's values for `valuePaths()`, in that order (null: none to index). */
    values: readonly unknown[],
    entry: Unparsed,
  ) {
    this.remove(id)
    this.byId.set(id, entry)
    this.unparsed++
    this.position.set(id, this.counter++)
    if (!isPublishedId(id)) this.unpublished++
    if (isPrivateId(id)) this.dotted++
    addTo(this.byType, type, id)
    for (const target of references) pushTo(this.referencedBy, target, id)
    let at = 0
    for (const index of this.valueIndexes.values()) {
      const value = values[at++]
      if (isPrimitive(value)) addValue(index.ids, value, type, id)
    }
    this.changed()
  }

  /** Paths with a value index, oldest first (snapshots store each document's values for them). */
  valuePaths(): string[][] {
    return [...this.valueIndexes.values()].map((index) => index.path)
  }

  /** A document's value at each of `paths` (null where there is none to index). */
  valuesOf(document: LakeDocument, paths: readonly (readonly string[])[]): unknown[] {
    return paths.map((path) => {
      const value = valueAt(document, path)
      return isPrimitive(value) ? value : null
    })
  }

  /** Creates empty value indexes for `paths` (a snapshot's, before its documents are added). */
  prepareValueIndexes(paths: readonly (readonly string[])[]) {
    if (this.byId.size > 0) throw new Error('Value indexes are prepared on an empty index only')
    for (const path of paths)
      this.valueIndexes.set(path.join('.'), {path: [...path], ids: new Map()})
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  positionOf(id: string): number {
    return this.position.get(id) ?? -1
  }

  put(document: LakeDocument) {
    const id = document._id
    this.remove(id)
    this.byId.set(id, document)
    this.position.set(id, this.counter++)
    if (!isPublishedId(id)) this.unpublished++
    if (isPrivateId(id)) this.dotted++
    addTo(this.byType, document._type, id)
    for (const target of collectReferences(document)) pushTo(this.referencedBy, target, id)
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(document, index.path)
      if (isPrimitive(value)) addValue(index.ids, value, document._type, id)
    }
    for (const index of this.wordIndexes.values()) {
      for (const word of matchWords(valueAt(document, index.path))) pushTo(index.ids, word, id)
    }
    this.changed()
  }

  remove(id: string) {
    const existing = this.get(id)
    if (!existing) return
    this.byId.delete(id)
    this.position.delete(id)
    if (!isPublishedId(id)) this.unpublished--
    if (isPrivateId(id)) this.dotted--
    removeFrom(this.byType, existing._type, id)
    // Stored documents are never modified in place, so their references are found again.
    for (const target of collectReferences(existing)) pullFrom(this.referencedBy, target, id)
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(existing, index.path)
      if (isPrimitive(value)) removeValue(index.ids, value, existing._type, id)
    }
    for (const index of this.wordIndexes.values()) {
      for (const word of matchWords(valueAt(existing, index.path))) pullFrom(index.ids, word, id)
    }
    this.changed()
  }

  private changed() {
    this.all = undefined
    this.version++
  }

  idsWithValue(
    path: readonly string[],
    value: unknown,
    type?: string,
  ): ReadonlySet<string> | undefined {
    if (!isPrimitive(value)) return undefined
    const key = path.join('.')
    let index = this.valueIndexes.get(key)
    if (!index) {
      index = {path: [...path], ids: new Map()}
      for (const document of this.documents()) {
        const found = valueAt(document, path)
        if (isPrimitive(found)) addValue(index.ids, found, document._type, document._id)
      }
      this.valueIndexes.set(key, index)
    }
    const byType = index.ids.get(value)
    if (!byType) return EMPTY
    if (!(byType instanceof Map)) {
      return type === undefined || byType.type === type ? new Set([byType.id]) : EMPTY
    }
    if (type !== undefined) return byType.get(type) ?? EMPTY
    const [only, ...more] = byType.values()
    if (!only || more.length === 0) return only ?? EMPTY
    // Documents of several types share the value: merged back into scan order.
    return new Set(
      [only, ...more]
        .flatMap((ids) => [...ids])
        .sort((a, b) => this.positionOf(a) - this.positionOf(b)),
    )
  }

  idsWithWord(path: readonly string[], word: string): ReadonlySet<string> {
    const key = path.join('.')
    let index = this.wordIndexes.get(key)
    if (!index) {
      index = {path: [...path], ids: new Map()}
      for (const document of this.documents()) {
        for (const found of matchWords(valueAt(document, path))) {
          pushTo(index.ids, found, document._id)
        }
      }
      this.wordIndexes.set(key, index)
    }
    const ids = index.ids.get(word)
    return ids ? new Set(ids) : EMPTY
  }

  documents(): LakeDocument[] {
    if (!this.all) {
      this.parseSome(Infinity)
      this.all = [...this.byId.values()] as LakeDocument[]
    }
    return this.all
  }

  inDatasetOrder(documents: LakeDocument[]): LakeDocument[] {
    return documents.sort((a, b) => this.positionOf(a._id) - this.positionOf(b._id))
  }

  idsOfType(type: string): ReadonlySet<string> {
    return this.byType.get(type) ?? EMPTY
  }

  idsReferencing(id: string): ReadonlySet<string> {
    const referrers = this.referencedBy.get(id)
    return referrers ? new Set(referrers) : EMPTY
  }
}
