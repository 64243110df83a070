import {getPublishedId, isDraftId, isVersionId} from '@sanity/client/csm'
import {isPrivateId} from './ids.ts'
import {
  PREBUILT_SOURCES,
  sourceKey,
  TextIndex,
  type TextIndexSize,
  type TextSource,
} from './textIndex.ts'
import {attributeValue} from './attribute.ts'
import {backgroundTurn} from './budget.ts'
import {DocumentCache, DocumentFile} from './documentFile.ts'
import {checkedContent} from './logFormat.ts'

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

/**
 * A document reduced to what the index knows of it without reading it. `_rev` is null when the
 * document has none, and absent when the index does not know it (a snapshot line written before
 * lines carried it).
 */
export interface DocumentStub {
  _id: string
  _type: string
  _rev?: string | null
  /** The drafts view's overlay: its draft's id (where it takes its place in a scan). */
  _originalId?: string
}

/** What the planner, text search and dereferencing read of one perspective. */
export interface DocumentIndex {
  /** Changes with every write: what was read from the index may be kept until it moves. */
  readonly version: number
  get(id: string): LakeDocument | undefined
  /** Every document, in the order of a full scan. */
  documents(): LakeDocument[]
  /** documents(), read between calls of `pause` (a query's yield points; see RawIndex). */
  documentsPaced(pause: () => unknown): Promise<LakeDocument[]>
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
  /** The built text index of `source` (lake/textIndex.ts), or undefined until `prepareText`. */
  textIndex(source: TextSource): TextIndex | undefined
  /** Builds the text indexes of `sources` not built yet, a slice per event-loop turn. */
  prepareText(sources: readonly TextSource[]): Promise<void>
  /** The id this view shows the document at a scan position as (undefined: hidden, or none). */
  idAtPosition(position: number): string | undefined
  /** The document this view shows at a scan position (undefined: hidden, or none). */
  documentAtPosition(position: number): LakeDocument | undefined
  /**
   * The document this view shows as `id` with only its `_id`, `_type` and `_rev`, read without
   * parsing it (the drafts view's overlay: its draft's, under the published id).
   */
  stubOf(id: string): DocumentStub | undefined
  /** The scan position of a document of this view (of the raw document it shows). */
  positionOfDocument(document: LakeDocument): number
  /** The scan position of the document this view shows as `id` (-1: none), without reading it. */
  positionOfId(id: string): number
  /**
   * Whether the reverse-reference index (positionsReferencing) holds exactly what references()
   * finds in the document at a scan position (else a superset: read the document).
   */
  referencesExactAt(position: number): boolean
  /** Ids of documents with a `_score` of their own (score() adds to it). */
  idsWithOwnScore(): ReadonlySet<string>
  /**
   * Ascending scan positions of the documents of a type, and of those referencing one of `ids`
   * (any `_ref`): supersets, as the view may hide documents at some of them.
   */
  positionsOfType(type: string): Int32Array
  positionsReferencing(ids: Iterable<string>): Int32Array
  /**
   * By scan position, each document's value at `path` as an order key (strings, numbers,
   * booleans, null, and COMPOUND for objects and arrays), or with `refs` the `_ref` of
   * each item of the array there as its `refId` (null: not an array; -1: an item whose `_ref`
   * is not comparable; null `_ref`s have an id too): counted without reading strings. Built in
   * the background on first use, then kept current; undefined until built, and for a view's own
   * `_id`.
   */
  keyColumn(path: readonly string[], refs: boolean): readonly unknown[] | undefined
  /**
   * The number a `refs` key column holds for a `_ref` value (-1: no column holds it), and how
   * many values have one (it grows as columns meet new values: numbers looked up before may
   * have one since).
   */
  refId(value: unknown): number
  readonly refIdCount: number
  /**
   * Documents this view shows with another `_id` than the raw document at their position has
   * (the drafts view's drafts), with that position.
   */
  overlays(): {position: number; document: LakeDocument}[]
}

/**
 * The `_ref`s of a document as groq-js's references() finds them: at any depth, but an object
 * with a truthy `_ref` is a reference and nothing inside it is looked at.
 */
export function collectReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value)
      if (typeof item === 'object' && item !== null) collectReferences(item, into)
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>
    const ref = record._ref
    if (ref) {
      if (typeof ref === 'string') into.add(ref)
      return into
    }
    // for…in rather than Object.entries: this runs over every object of every document on load.
    for (const key in record) {
      const field = record[key]
      if (typeof field === 'object' && field !== null) collectReferences(field, into)
    }
  }
  return into
}

function addTo<K>(map: Map<K, Set<string>>, key: K, id: string) {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(id)
}

/**
 * The scan positions of the documents referencing one target, ascending. A referrer that is
 * rewritten or deleted leaves its old position in place, dead (no document is there any more),
 * and counted; the list drops its dead positions once they are half of it. A rewrite takes the
 * next position, so the lists only grow at their end: no search and no splice in the list of a
 * target with thousands of referrers.
 */
interface Referrers {
  positions: number[]
  dead: number
}

/** Below this many positions a list with dead ones is left as it is. */
const REFERRERS_COMPACT_MIN = 16

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

/**
 * The `_ref` of each item of the array at `path` (null or a primitive; undefined where it is
 * neither, which equals nothing), or null when there is no array there.
 */
export function refsAt(
  document: unknown,
  path: readonly string[],
): (Primitive | null | undefined)[] | null {
  const value = attributeValue(document, path)
  if (!Array.isArray(value)) return null
  return value.map((item) => {
    const ref = attributeValue(item, ['_ref'])
    return ref === null || isPrimitive(ref) ? ref : undefined
  })
}

/** A value GROQ compares by value (what key columns and value indexes keep as it is). */
export function isPrimitive(value: unknown): value is Primitive {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

const EMPTY: ReadonlySet<string> = new Set()
/** `positions` sorted ascending, each once (sorted in place: the result shares its buffer). */
export function sortedUnique(positions: Int32Array): Int32Array {
  positions.sort()
  let n = 0
  for (let i = 0; i < positions.length; i++)
    if (i === 0 || positions[i] !== positions[i - 1]) positions[n++] = positions[i] as number
  return positions.subarray(0, n)
}

/** Ascending positions in either of two ascending lists, once each (a union). */
export function unionPositions(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length)
  let i = 0
  let j = 0
  let n = 0
  while (i < a.length && j < b.length) {
    const p = a[i] as number
    const q = b[j] as number
    out[n++] = p <= q ? p : q
    if (p <= q) i++
    if (q <= p) j++
  }
  while (i < a.length) out[n++] = a[i++] as number
  while (j < b.length) out[n++] = b[j++] as number
  return out.subarray(0, n)
}

/**
 * What a key column holds for an object or array: order() ranks it with null, but `==` tells
 * it apart from null.
 */
export const COMPOUND: unknown = Object.freeze({})

/** A key column: the values at `path`, or with `refs` the `_ref`s of the array there. */
export interface KeyColumnSpec {
  path: string[]
  refs: boolean
}

function columnKey(path: readonly string[], refs: boolean): string {
  return `${refs ? 'refs' : 'value'}:${path.join('.')}`
}

/** A value as an order key (see `DocumentIndex.keyColumn`): objects and arrays as COMPOUND. */
export function orderKey(value: unknown): unknown {
  return value === null || isPrimitive(value) ? value : COMPOUND
}

/**
 * What a key column holds for a string longer than LONG_STRING characters: readers take the value
 * from the document. A column of a field with long texts would otherwise hold all of them.
 */
export const LONG: unknown = Object.freeze({})
const LONG_STRING = 256

/** A value as a key column keeps it: an order key, long strings as LONG. */
function columnValue(value: unknown): unknown {
  return typeof value === 'string' && value.length > LONG_STRING ? LONG : orderKey(value)
}

/** Unused scan positions tolerated beyond one per document before they are renumbered. */
const RENUMBER_SLACK = 1 << 16

/** A document taken out of the index, with the scan position it had. */
interface Unlinked {
  position: number
  document: LakeDocument
}
/** A text index, and while it is being built, how far it has read and the build. */
interface TextIndexEntry {
  index: TextIndex
  progress: number
  building?: Promise<void>
}

/** Longest a text index build holds the event loop at a time, in milliseconds. */
const BUILD_SLICE_MS = 5

/**
 * A document kept as its JSON text rather than parsed: in a file (the snapshot it was read from,
 * or the spill file of documents written since; lake/documentFile.ts) or, in tests, a buffer. A
 * snapshot line carries the id, type and references next to the JSON, so the indexes are built
 * without parsing; the document is parsed when it is read.
 */
export class Unparsed {
  private readonly source: Buffer | DocumentFile
  /** Where its snapshot line starts (-1: it has none: spilled), and where its JSON starts and ends. */
  private readonly lineStart: number
  private readonly start: number
  private readonly end: number
  /**
   * The value-index paths and key columns its line has values for, as written in the snapshot's
   * header (JSON; a compaction copies the line as it is when they are still the same).
   */
  readonly indexPaths: string
  /** Its `_type` (from the snapshot line's index part, or the document written). */
  readonly type: string
  /** Its `_rev` (null: it has none; undefined: its snapshot line does not say). */
  readonly rev: string | null | undefined

  constructor(
    source: Buffer | DocumentFile,
    lineStart: number,
    start: number,
    end: number,
    indexPaths: string,
    type: string,
    rev?: string | null,
  ) {
    this.type = type
    this.rev = rev
    this.source = source
    this.lineStart = lineStart
    this.start = start
    this.end = end
    this.indexPaths = indexPaths
  }

  /** Its JSON's size in bytes. */
  get bytes(): number {
    return this.end - this.start
  }

  parse(): LakeDocument {
    const {source, lineStart, start, end} = this
    if (!(source instanceof DocumentFile))
      return JSON.parse(source.toString('utf8', start, end)) as LakeDocument
    if (lineStart < 0) return JSON.parse(source.read(start, end).toString('utf8')) as LakeDocument
    return JSON.parse(this.lineBytes().toString('utf8', start - lineStart)) as LakeDocument
  }

  /** Where its JSON starts in its snapshot line. */
  get jsonOffset(): number {
    return this.start - this.lineStart
  }

  /** The snapshot line it was read from, without its newline (written back as it is). */
  line(): Buffer {
    const line = this.lineBytes()
    return this.source instanceof DocumentFile ? Buffer.from(line) : line
  }

  /** The line's bytes: from a file, valid until its next read (DocumentFile `read`). */
  private lineBytes(): Buffer {
    const {source, lineStart, end} = this
    if (lineStart < 0) throw new Error('A spilled document has no snapshot line')
    if (!(source instanceof DocumentFile)) return source.subarray(lineStart, end)
    // The snapshot was verified when it was opened; another process may have written it since.
    const line = source.read(lineStart, end)
    if (checkedContent(line, 0, line.length) < 0)
      throw new Error(
        `${source.path}: the line at byte ${lineStart} no longer matches its checksum: the file was changed after the dataset opened it`,
      )
    return line
  }
}

/** Every document of a dataset (the raw perspective), indexed. */
export class RawIndex implements DocumentIndex {
  private readonly byId = new Map<string, LakeDocument | Unparsed>()
  private unparsed = 0
  private cursor: MapIterator<[string, LakeDocument | Unparsed]> | undefined
  private readonly byType = new Map<string, Set<string>>()
  /** Referrers by target (see Referrers); arrays, as most targets have a handful. */
  private readonly referencedBy = new Map<string, Referrers>()
  /**
   * Equality indexes on attribute paths ("slug.current"), built on first use, then maintained;
   * split by type, so `_type == "question" && specialty._ref == $id` needs no intersection.
   */
  private readonly valueIndexes = new Map<
    string,
    {path: string[]; ids: Map<Primitive, ValueEntry>}
  >()
  /**
   * Text indexes by source (lake/textIndex.ts), built on first use, then maintained. One being
   * built has indexed the documents before `progress` (scan positions).
   */
  private readonly textIndexes = new Map<string, TextIndexEntry>()
  /** Insertion order, which is the order of a full scan. */
  private readonly position = new Map<string, number>()
  /** The id at each scan position; undefined once its document is removed or replaced. */
  private idAt: (string | undefined)[] = []
  /** The document at each scan position (found without hashing its id: queries read many). */
  private entryAt: (LakeDocument | Unparsed | undefined)[] = []
  private counter = 0
  /** Ids of the `_ref` values `refs` key columns hold (groq-js equality: by primitive value). */
  private readonly refIds = new Map<unknown, number>()
  /** Order-key columns by path (see `keyColumn`), values by scan position; built in slices. */
  private readonly keyColumns = new Map<
    string,
    {path: readonly string[]; refs: boolean; values: unknown[]; building?: Promise<void>}
  >()
  /** Each target's referrers' positions, as of a version. */
  private readonly referrerPositions = new Map<string, {version: number; positions: Int32Array}>()
  /** Scan positions of each type's documents, as of a version. */
  private readonly typePositions = new Map<string, {version: number; positions: Int32Array}>()
  /** Documents with a `_score` of their own. */
  private readonly scored = new Set<string>()
  /**
   * Documents whose referrer entries came from snapshot lines written before references were
   * collected as references() sees them (every `_ref`, also inside references): a superset.
   */
  private readonly looseReferences = new Set<string>()
  private readonly drafts = new Set<string>()
  /** Published ids of the drafts. */
  private readonly withDraft = new Set<string>()
  /** Drafts and versions held: while there are none, the other views are this one. */
  private unpublished = 0
  /** Ids with a `.` (drafts, versions and other private paths): anonymous callers see none. */
  private dotted = 0
  /**
   * Every document for full scans, made on first use after a change; held weakly when documents
   * are kept on disk, where it is the only thing that would hold them all parsed.
   */
  private all: LakeDocument[] | WeakRef<LakeDocument[]> | undefined
  /**
   * Set when documents are kept in files rather than parsed in memory (`keepOnDisk`): the spill
   * file for documents written, and how many bytes of JSON the parsed-document cache holds.
   */
  private store: {spill: DocumentFile; cache: DocumentCache<LakeDocument>} | undefined
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

  /**
   * Keeps documents in files from now on (lake/documentFile.ts): those read from a snapshot where
   * they are, those written in `spill`; at most `cacheBytes` of their JSON stay parsed (the ones
   * read or written last). Only on an empty index.
   */
  keepOnDisk(spill: DocumentFile, cacheBytes: number) {
    if (this.byId.size > 0) throw new Error('Documents are kept on disk from an empty index only')
    this.store = {spill, cache: new DocumentCache(cacheBytes)}
  }

  /** Closes the spill file (the dataset's storage is closed; nothing is read any more). */
  closeFiles() {
    this.store?.spill.close()
  }

  /** Whether documents are kept in files (`keepOnDisk`) rather than parsed in memory. */
  get keptOnDisk(): boolean {
    return this.store !== undefined
  }

  /** The parsed-document cache of an index kept on disk: documents and bytes of JSON. */
  cacheSize(): {documents: number; bytes: number} {
    return this.store?.cache.size ?? {documents: 0, bytes: 0}
  }

  get(id: string): LakeDocument | undefined {
    const entry = this.byId.get(id)
    return entry instanceof Unparsed ? this.read(id, entry) : entry
  }

  /**
   * A document for a pass over all of them (an index's build, a full scan): parsed if need be
   * without entering the cache (see DocumentCache).
   */
  private scanned(id: string, entry: LakeDocument | Unparsed): LakeDocument {
    if (!(entry instanceof Unparsed)) return entry
    return this.store ? (this.store.cache.peek(id) ?? entry.parse()) : this.parsed(id, entry)
  }

  private read(id: string, entry: Unparsed): LakeDocument {
    if (!this.store) return this.parsed(id, entry)
    const {cache} = this.store
    let document = cache.get(id)
    if (!document) {
      document = entry.parse()
      cache.offer(id, document, entry.bytes)
    }
    return document
  }

  private parsed(id: string, entry: Unparsed): LakeDocument {
    const document = entry.parse()
    this.byId.set(id, document) // keeps the entry's place in the scan order
    const position = this.position.get(id)
    if (position !== undefined) this.entryAt[position] = document
    this.unparsed--
    return document
  }

  /** Documents still waiting to be parsed (none when they are kept on disk: read on demand). */
  get unparsedCount(): number {
    return this.store ? 0 : this.unparsed
  }

  /**
   * Parses up to `limit` waiting documents; returns how many still wait. Kept on disk, documents
   * are read when needed: this only starts the text indexes' build.
   */
  parseSome(limit: number): number {
    if (this.store) {
      // As when parsing: only a dataset opened with documents builds them ahead of searches.
      if (this.byId.size > 0) this.prebuildText()
      return 0
    }
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
    // Once a snapshot is parsed, the text indexes searches read are built in the background, so
    // the first searches after opening do not each wait for theirs.
    if (this.unparsed === 0 && done > 0) this.prebuildText()
    return this.unparsed
  }

  private prebuildText() {
    this.prepareText(PREBUILT_SOURCES).catch((error: unknown) => {
      console.error(`Building text indexes failed: ${String(error)}`)
    })
  }

  /**
   * After a compaction wrote every document to `file` (in `entries()` order; `placed` holds each
   * one's line start, JSON start and end): reads them from there, and starts a new spill file.
   */
  movedTo(
    file: DocumentFile,
    placed: Float64Array,
    revs: readonly (string | null)[],
    indexPaths: string,
    spill: DocumentFile,
  ) {
    if (!this.store) throw new Error('Only an index kept on disk moves to a new snapshot')
    if (placed.length !== 3 * this.byId.size)
      throw new Error('The snapshot written does not hold every document of the index')
    let at = 0
    for (const id of this.byId.keys()) {
      const [lineStart = 0, start = 0, end = 0] = placed.subarray(at, at + 3)
      const old = this.byId.get(id) as LakeDocument | Unparsed
      const type = old instanceof Unparsed ? old.type : old._type
      const entry = new Unparsed(file, lineStart, start, end, indexPaths, type, revs[at / 3])
      at += 3
      this.byId.set(id, entry) // an existing key keeps its place in the scan order
      const position = this.position.get(id)
      if (position !== undefined) this.entryAt[position] = entry
    }
    const old = this.store.spill
    this.store.spill = spill
    old.close()
  }

  /** Resolves once no text index or key column is being built (the benchmark waits for them). */
  async indexesBuilt(): Promise<void> {
    for (const entry of [...this.textIndexes.values(), ...this.keyColumns.values()])
      await entry.building
  }

  /** Each document as a parsed document or, when not parsed yet, its stored JSON (for snapshots). */
  *entries(): Generator<LakeDocument | Unparsed> {
    yield* this.byId.values()
  }

  /**
   * Adds a document from a snapshot without parsing it: `type`, `references`, `values` and `keys`
   * come from the snapshot line. Only while loading, before any word index exists.
   */
  putUnparsed(
    id: string,
    type: string,
    references: readonly string[],
    /** The document's values for `valuePaths()`, in that order (null: none to index). */
    values: readonly unknown[],
    entry: Unparsed,
    /** Its key-column values for `keyColumnSpecs()` as `storedKeys` wrote them (a prefix). */
    keys: readonly unknown[] = [],
    /** Whether `references` are exactly those references() finds (see `collectReferences`). */
    exactReferences = true,
  ) {
    this.remove(id)
    this.byId.set(id, entry)
    this.unparsed++
    this.place(id, entry)
    if (isDraftId(id)) {
      this.drafts.add(id)
      this.withDraft.add(getPublishedId(id))
    }
    if (isDraftId(id) || isVersionId(id)) this.unpublished++
    if (isPrivateId(id)) this.dotted++
    addTo(this.byType, type, id)
    for (const target of references) this.addReferrer(target, id)
    if (!exactReferences) this.looseReferences.add(id)
    let at = 0
    for (const index of this.valueIndexes.values()) {
      const value = values[at++]
      if (isPrimitive(value)) addValue(index.ids, value, type, id)
    }
    const position = this.position.get(id) as number
    let column = 0
    let unknown = false
    for (const {refs, values: columnValues} of this.keyColumns.values()) {
      if (column < keys.length) columnValues[position] = this.storedKey(keys[column++], refs)
      else unknown = true
    }
    // Text indexes and key columns the snapshot has no values for are made by queries, after
    // loading; one made meanwhile reads the document.
    if (this.textIndexes.size > 0 || unknown) {
      const document = this.get(id)
      this.indexText(id, document)
      if (unknown) this.keyValues(id, document)
    }
    this.changed()
  }

  /** Gives `id` the next scan position. */
  private place(id: string, entry: LakeDocument | Unparsed) {
    const position = this.counter++
    this.position.set(id, position)
    this.idAt[position] = id
    this.entryAt[position] = entry
  }

  /** Lists `id`, just placed (at the last position), among `target`'s referrers. */
  private addReferrer(target: string, id: string) {
    const position = this.position.get(id) ?? -1
    const referrers = this.referencedBy.get(target)
    if (referrers) referrers.positions.push(position)
    else this.referencedBy.set(target, {positions: [position], dead: 0})
  }

  /** Counts a referrer of `target` as gone: its position is already free (see unlink). */
  private dropReferrer(target: string) {
    const referrers = this.referencedBy.get(target)
    if (!referrers) return
    const {positions} = referrers
    if (++referrers.dead >= positions.length) this.referencedBy.delete(target)
    else if (positions.length >= REFERRERS_COMPACT_MIN && referrers.dead * 2 > positions.length) {
      referrers.positions = this.livePositions(positions)
      referrers.dead = 0
    }
  }

  /** The live positions of `target`'s referrers, ascending. */
  private referrerPositionsOf(target: string): number[] {
    const referrers = this.referencedBy.get(target)
    if (!referrers) return []
    return referrers.dead === 0 ? referrers.positions : this.livePositions(referrers.positions)
  }

  /** The positions that still hold a document (a rewrite or delete frees the old one). */
  private livePositions(positions: readonly number[]): number[] {
    return positions.filter((position) => this.idAt[position] !== undefined)
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

  /** Every key column's path and kind, oldest first (snapshots store each document's keys). */
  keyColumnSpecs(): KeyColumnSpec[] {
    return [...this.keyColumns.values()].map(({path, refs}) => ({path: [...path], refs}))
  }

  /**
   * A document's key values for `specs`, as a snapshot line keeps them: JSON, with `{}` for what
   * is kept as COMPOUND (objects, arrays) or as an unequal `_ref` (see `refsAt`), `{"long": 1}`
   * for LONG.
   */
  storedKeys(document: LakeDocument, specs: readonly KeyColumnSpec[]): unknown[] {
    return specs.map(({path, refs}) => {
      if (!refs) {
        const key = columnValue(attributeValue(document, path))
        return key === COMPOUND ? {} : key === LONG ? {long: 1} : key
      }
      return refsAt(document, path)?.map((ref) => (ref === undefined ? {} : ref)) ?? null
    })
  }

  /** A key value from a snapshot line (see `storedKeys`) as the column keeps it. */
  private storedKey(stored: unknown, refs: boolean): unknown {
    const compound = typeof stored === 'object' && stored !== null && !Array.isArray(stored)
    if (!refs) return compound ? ('long' in stored ? LONG : COMPOUND) : stored
    if (!Array.isArray(stored)) return null
    return this.refIdsOf(
      stored.map((ref: unknown) => (typeof ref === 'object' && ref !== null ? undefined : ref)),
    )
  }

  /**
   * Creates key columns for `specs` with no values yet (a snapshot's, before its documents are
   * added, each with its keys): they are ready when the snapshot is read.
   */
  prepareKeyColumns(specs: readonly KeyColumnSpec[]) {
    if (this.byId.size > 0) throw new Error('Key columns are prepared on an empty index only')
    for (const {path, refs} of specs)
      this.keyColumns.set(columnKey(path, refs), {path: [...path], refs, values: []})
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

  positionOfId(id: string): number {
    return this.positionOf(id)
  }

  referencesExactAt(position: number): boolean {
    if (this.looseReferences.size === 0) return true
    const id = this.idAt[position]
    return id === undefined || !this.looseReferences.has(id)
  }

  put(document: LakeDocument) {
    const id = document._id
    // The text indexes move a replaced document's postings below, sharing the work of what
    // the two versions have in common; renumbering first would drop the old positions.
    let replaced = this.unlink(id)
    if (this.idAt.length > 2 * this.byId.size + RENUMBER_SLACK) {
      if (replaced) this.unindexText(replaced)
      replaced = undefined
      this.renumber()
    }
    const entry = this.store ? this.spilled(document) : document
    this.byId.set(id, entry)
    this.place(id, entry)
    if (Object.hasOwn(document, '_score')) this.scored.add(id)
    if (isDraftId(id)) {
      this.drafts.add(id)
      this.withDraft.add(getPublishedId(id))
    }
    if (isDraftId(id) || isVersionId(id)) this.unpublished++
    if (isPrivateId(id)) this.dotted++
    addTo(this.byType, document._type, id)
    for (const target of collectReferences(document)) this.addReferrer(target, id)
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(document, index.path)
      if (isPrimitive(value)) addValue(index.ids, value, document._type, id)
    }
    this.indexText(id, document, replaced)
    this.keyValues(id, document)
    this.changed()
  }

  /** Writes a document to the spill file (it enters the cache when read again). */
  private spilled(document: LakeDocument): Unparsed {
    const store = this.store as {spill: DocumentFile; cache: DocumentCache<LakeDocument>}
    const json = Buffer.from(JSON.stringify(document))
    const at = store.spill.append(json)
    // Its earlier version left the cache when `put` unlinked it.
    store.cache.remember(document._id)
    // No snapshot line: a compaction writes one from the parsed document.
    const {_type, _rev} = document
    return new Unparsed(store.spill, -1, at, at + json.length, '', _type, _rev ?? null)
  }

  /** Sets a new document's entries in the key columns. */
  private keyValues(id: string, document: LakeDocument | undefined) {
    const position = this.position.get(id)
    if (document === undefined || position === undefined) return
    for (const column of this.keyColumns.values())
      column.values[position] = this.keyValue(document, column.path, column.refs)
  }

  /**
   * Adds a new document to the text indexes that have read every document before it, moving the
   * postings of the version it replaces (`replaced`, already unlinked) where there is one.
   */
  private indexText(id: string, document: LakeDocument | undefined, replaced?: Unlinked) {
    const position = this.position.get(id)
    if (document === undefined || position === undefined) {
      if (replaced) this.unindexText(replaced)
      return
    }
    for (const entry of this.textIndexes.values()) {
      const indexed = replaced !== undefined && replaced.position < entry.progress
      // A build still going reads the new version later: new documents come last in the scan.
      // (Not `building` alone: a build ends a moment before its promise settles.)
      if (position >= entry.progress) {
        if (indexed) entry.index.remove(replaced.position, replaced.document)
      } else if (indexed) {
        entry.index.replace(replaced.position, position, replaced.document, document)
      } else entry.index.add(position, document)
    }
  }

  /** Forgets an unlinked document's postings in the text indexes that have read it. */
  private unindexText({position, document}: Unlinked) {
    for (const entry of this.textIndexes.values()) {
      if (position < entry.progress) entry.index.remove(position, document)
    }
  }

  remove(id: string) {
    const unlinked = this.unlink(id)
    if (!unlinked) return
    this.unindexText(unlinked)
    this.changed()
  }

  /** Takes a document out of every structure but the text indexes (see `remove` and `put`). */
  private unlink(id: string): Unlinked | undefined {
    const existing = this.get(id)
    if (!existing) return undefined
    const position = this.position.get(id) ?? -1
    this.byId.delete(id)
    this.store?.cache.delete(id)
    this.position.delete(id)
    this.idAt[position] = undefined
    this.entryAt[position] = undefined
    for (const column of this.keyColumns.values()) column.values[position] = undefined
    this.scored.delete(id)
    this.looseReferences.delete(id)
    if (this.drafts.delete(id)) this.withDraft.delete(getPublishedId(id))
    if (isDraftId(id) || isVersionId(id)) this.unpublished--
    if (isPrivateId(id)) this.dotted--
    removeFrom(this.byType, existing._type, id)
    // Stored documents are never modified in place, so their references are found again.
    for (const target of collectReferences(existing)) this.dropReferrer(target)
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(existing, index.path)
      if (isPrimitive(value)) removeValue(index.ids, value, existing._type, id)
    }
    return {position, document: existing}
  }

  /**
   * Gives the documents consecutive scan positions again, once removed and replaced documents have
   * left more unused positions than there are documents (each write takes a new one). Not while a
   * text index is being built.
   */
  renumber() {
    if ([...this.textIndexes.values(), ...this.keyColumns.values()].some((entry) => entry.building))
      return
    const renumbered = new Int32Array(this.idAt.length).fill(-1)
    const idAt: string[] = []
    const entryAt: (LakeDocument | Unparsed)[] = []
    for (const [id, entry] of this.byId) {
      const old = this.position.get(id) ?? -1
      renumbered[old] = idAt.length
      this.position.set(id, idAt.length)
      idAt.push(id)
      entryAt.push(entry)
    }
    for (const entry of this.textIndexes.values()) {
      entry.index.renumber((position) => renumbered[position] ?? -1)
    }
    // Positions keep their order (byId is in scan order); dead ones (-1) are dropped.
    for (const referrers of this.referencedBy.values()) {
      referrers.positions = referrers.positions
        .map((position) => renumbered[position] ?? -1)
        .filter((position) => position >= 0)
      referrers.dead = 0
    }
    for (const column of this.keyColumns.values()) {
      const values: unknown[] = Array.from<unknown>({length: idAt.length})
      column.values.forEach((value, old) => {
        const position = renumbered[old] ?? -1
        if (position >= 0) values[position] = value
      })
      column.values = values
    }
    this.idAt = idAt
    this.entryAt = entryAt
    this.counter = idAt.length
    // What was read by position (type positions, id lists with positions) is out of date.
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

  textIndex(source: TextSource): TextIndex | undefined {
    const entry = this.textIndexes.get(sourceKey(source))
    return entry && !entry.building ? entry.index : undefined
  }

  async prepareText(sources: readonly TextSource[]): Promise<void> {
    const building: Promise<void>[] = []
    const created: {key: string; entry: TextIndexEntry}[] = []
    for (const source of sources) {
      const key = sourceKey(source)
      const entry = this.textIndexes.get(key)
      if (!entry) {
        const index = new TextIndex(source, (position) => this.idAt[position] !== undefined)
        const fresh: TextIndexEntry = {index, progress: 0}
        this.textIndexes.set(key, fresh)
        created.push({key, entry: fresh})
      } else if (entry.building) building.push(entry.building)
    }
    if (created.length > 0) {
      // The new indexes are built in one pass: each document is read once for all of them.
      const shared = this.build(created.map(({entry}) => entry)).then(
        () => {
          for (const {entry} of created) delete entry.building
        },
        (error: unknown) => {
          // Half built is not built: the next query that needs one starts over.
          for (const {key} of created) this.textIndexes.delete(key)
          throw error
        },
      )
      for (const {entry} of created) entry.building = shared
      building.push(shared)
    }
    await Promise.all(building)
  }

  /**
   * Reads every document into new text indexes, yielding to other work between slices (and
   * more while queries run: backgroundTurn).
   */
  private async build(entries: readonly TextIndexEntry[]) {
    // A Map iterator survives changes: documents written meanwhile come last and are read too.
    const documents = this.byId.keys()
    let sliceEnds = performance.now() + BUILD_SLICE_MS
    for (let next = documents.next(); !next.done; next = documents.next()) {
      const id = next.value
      const position = this.position.get(id)
      const stored = this.byId.get(id)
      if (position === undefined || stored === undefined) continue
      const document = this.scanned(id, stored)
      for (const entry of entries) {
        entry.index.add(position, document)
        entry.progress = position + 1
      }
      if ((position & 63) === 0 && performance.now() > sliceEnds) {
        await backgroundTurn()
        sliceEnds = performance.now() + BUILD_SLICE_MS
      }
    }
    for (const entry of entries) entry.progress = Number.POSITIVE_INFINITY
  }

  /** Every text index's size, by source key. */
  textIndexSizes(): Record<string, TextIndexSize> {
    const sizes: Record<string, TextIndexSize> = {}
    for (const [key, entry] of this.textIndexes) sizes[key] = entry.index.size()
    return sizes
  }

  idAtPosition(position: number): string | undefined {
    return this.idAt[position]
  }

  documentAtPosition(position: number): LakeDocument | undefined {
    const entry = this.entryAt[position]
    if (entry instanceof Unparsed) return this.read(this.idAt[position] ?? '', entry)
    return entry
  }

  stubOf(id: string): DocumentStub | undefined {
    const entry = this.byId.get(id)
    if (entry === undefined) return undefined
    if (!(entry instanceof Unparsed)) return {_id: id, _type: entry._type, _rev: entry._rev ?? null}
    const {type, rev} = entry
    return rev === undefined ? {_id: id, _type: type} : {_id: id, _type: type, _rev: rev}
  }

  /** Whether the published document `id` has a draft. */
  hasDraft(id: string): boolean {
    return this.withDraft.has(id)
  }

  positionOfDocument(document: LakeDocument): number {
    return this.positionOf(document._id)
  }

  idsWithOwnScore(): ReadonlySet<string> {
    return this.scored
  }

  positionsOfType(type: string): Int32Array {
    let cached = this.typePositions.get(type)
    if (cached?.version !== this.version) {
      const ids = this.idsOfType(type)
      const positions = new Int32Array(ids.size)
      let n = 0
      // Type sets iterate in scan order: their positions come out ascending.
      for (const id of ids) positions[n++] = this.position.get(id) ?? 0
      cached = {version: this.version, positions}
      this.typePositions.set(type, cached)
    }
    return cached.positions
  }

  positionsReferencing(ids: Iterable<string>): Int32Array {
    const lists: Int32Array[] = []
    let total = 0
    for (const id of new Set(ids)) {
      let cached = this.referrerPositions.get(id)
      if (cached?.version !== this.version) {
        cached = {version: this.version, positions: Int32Array.from(this.referrerPositionsOf(id))}
        this.referrerPositions.set(id, cached)
      }
      if (cached.positions.length === 0) continue
      lists.push(cached.positions)
      total += cached.positions.length
    }
    if (lists.length <= 8) return lists.reduce(unionPositions, new Int32Array(0))
    // Many targets (Studio boosts a search's first 1,000 matches): one sort, not 1,000 merges.
    const all = new Int32Array(total)
    let at = 0
    for (const list of lists) {
      all.set(list, at)
      at += list.length
    }
    return sortedUnique(all)
  }

  refId(value: unknown): number {
    return this.refIds.get(value) ?? -1
  }

  get refIdCount(): number {
    return this.refIds.size
  }

  private keyValue(document: LakeDocument, path: readonly string[], refs: boolean): unknown {
    if (!refs) return columnValue(attributeValue(document, path))
    const found = refsAt(document, path)
    return found && this.refIdsOf(found)
  }

  /** `_ref` values as their refIds (-1: undefined, which equals nothing). */
  private refIdsOf(refs: readonly unknown[]): number[] {
    return refs.map((ref) => {
      if (ref === undefined) return -1
      let id = this.refIds.get(ref)
      if (id === undefined) this.refIds.set(ref, (id = this.refIds.size))
      return id
    })
  }

  keyColumn(path: readonly string[], refs: boolean): readonly unknown[] | undefined {
    const key = columnKey(path, refs)
    let column = this.keyColumns.get(key)
    if (!column) {
      const created: {
        path: readonly string[]
        refs: boolean
        values: unknown[]
        building?: Promise<void>
      } = {path, refs, values: []}
      this.keyColumns.set(key, created)
      created.building = this.buildColumn(created).then(
        () => void delete created.building,
        (error: unknown) => {
          this.keyColumns.delete(key)
          throw error
        },
      )
      // Nobody awaits it: a failed build is dropped, and the next query starts another.
      created.building.catch(() => undefined)
      column = created
    }
    return column.building ? undefined : column.values
  }

  /**
   * Reads every document's key value, yielding between slices; documents written meanwhile set
   * their own values (lake/documentIndex.ts `keyValues`), so the column is current when done.
   */
  private async buildColumn(column: {path: readonly string[]; refs: boolean; values: unknown[]}) {
    const end = this.idAt.length
    let sliceEnds = performance.now() + BUILD_SLICE_MS
    for (let position = 0; position < end; position++) {
      const entry = this.entryAt[position]
      const document = entry && this.scanned(this.idAt[position] ?? '', entry)
      if (document) column.values[position] = this.keyValue(document, column.path, column.refs)
      if ((position & 255) === 0 && performance.now() > sliceEnds) {
        await backgroundTurn()
        sliceEnds = performance.now() + BUILD_SLICE_MS
      }
    }
  }

  overlays(): {position: number; document: LakeDocument}[] {
    return []
  }

  /** Ids of drafts, in no particular order. */
  draftIds(): ReadonlySet<string> {
    return this.drafts
  }

  /**
   * documents(), read from disk between calls of `pause` (a query's yield points): reading 100k
   * documents takes seconds, for which every other request would wait. Kept for other scans (as
   * documents() keeps them) if nothing was written meanwhile; otherwise read again at once, so the
   * scan is of one version.
   */
  async documentsPaced(pause: () => unknown): Promise<LakeDocument[]> {
    const cached = this.all instanceof WeakRef ? this.all.deref() : this.all
    if (cached || !this.store) return this.documents()
    const {version} = this
    const documents: LakeDocument[] = []
    for (const [id, entry] of this.byId) {
      documents.push(this.scanned(id, entry))
      const paused = pause()
      if (paused instanceof Promise) await paused
      if (this.version !== version) return this.documents()
    }
    this.all = new WeakRef(documents)
    return documents
  }

  documents(): LakeDocument[] {
    const cached = this.all instanceof WeakRef ? this.all.deref() : this.all
    if (cached) return cached
    const {store} = this
    if (!store) {
      this.parseSome(Infinity)
      const documents = [...this.byId.values()] as LakeDocument[]
      this.all = documents
      return documents
    }
    // Parsed for the scan without entering the cache, which a scan would empty of what is hot.
    const documents: LakeDocument[] = []
    for (const [id, entry] of this.byId) documents.push(this.scanned(id, entry))
    this.all = new WeakRef(documents)
    return documents
  }

  inDatasetOrder(documents: LakeDocument[]): LakeDocument[] {
    return documents.sort((a, b) => this.positionOf(a._id) - this.positionOf(b._id))
  }

  idsOfType(type: string): ReadonlySet<string> {
    return this.byType.get(type) ?? EMPTY
  }

  idsReferencing(id: string): ReadonlySet<string> {
    const positions = this.referrerPositionsOf(id)
    return positions.length > 0
      ? new Set(positions.map((position) => this.idAt[position] as string))
      : EMPTY
  }
}
