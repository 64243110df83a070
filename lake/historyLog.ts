import {hash} from 'node:crypto'
import {type FileHandle, link, mkdir, open, readdir, rename, stat, unlink} from 'node:fs/promises'
import {join} from 'node:path'
import {crc32} from 'node:zlib'
import type {LakeDocument} from './documentIndex.ts'
import {
  forEachLine,
  isDocument,
  type LaidOutLine,
  type LogEntry,
  type LogHead,
  logLine,
  READ_CHUNK_BYTES,
  readLogHead,
  readLogLine,
  type Span,
  spansOf,
} from './logFormat.ts'
import {errorMessage, hasCode} from '../domain/errors.ts'

// A dataset's history on disk, kept where the transaction log already put it. The log
// (`transactions.log`) is hard-linked into `history/` as `<n>.log` when it is started; compaction
// unlinks the log's own name instead of emptying the file, so each log lives on as a history file
// and no transaction is written twice. A log line holds the after-image of every document its
// transaction wrote, the revision each had before, and the version before of a document history
// meets for the first time (lake/logFormat.ts), so every version of every document is in some line.
//
// `history/changes.idx` finds them: one 64-byte record per document version (document, sequence
// number, time, file, where its `[id, document]` element lies in the line and its checksum),
// appended at each commit in sequence order. The records are read into memory on open (64 bytes
// per document change; the documents stay on disk), chained per document through a hash table of
// 64-bit id digests; a request reads the few byte spans it needs. The index is derived data: it is
// not synced, and a record lost to a crash is re-read from the log on the next open (a damaged or
// missing index is rebuilt from the history files).
//
// Retention: a history file last written before the retention period is deleted as a whole. The
// version of a document that such a file held just before a version that stays is copied first
// into `<n>.anchors` (in the log's line format), so the oldest change kept can still be compared
// with what came before it.

const HISTORY = 'history'
const INDEX = 'changes.idx'
const RECORD_BYTES = 64
const FILE_NAME = /^(\d+)\.(log|anchors)$/
/** History files kept open for reading. */
const OPEN_FILES = 16
/** Bytes read for a transaction's head (its id, time and author); more if they do not hold it. */
const HEAD_BYTES = 512
const MAX_HEAD_BYTES = 64 * 1024
const HEAD_CACHE = 4096
const DAY_MS = 24 * 60 * 60 * 1000
const PRIVATE_FILE = 0o600
const PRIVATE_FOLDER = 0o700

/** The document did not exist before this version. */
export const CREATED = 1
/** This version is the document's deletion. */
export const DELETED = 2
/** The version before a transaction, for a document history had not met yet. */
export const BASE = 4
/** A version copied out of a history file retention removed. */
export const ANCHOR = 8
/** A line of an earlier version that does not say whether the document existed before. */
export const UNKNOWN_BEFORE = 16

export interface HistoryRecord {
  /** Position in the index. */
  index: number
  seq: number
  /** Milliseconds since the epoch. */
  time: number
  fileNo: number
  flags: number
  lineOffset: number
  /** The `[id, document]` element, from the line's start. */
  span: Span
  spanCrc: number
  /** CRC32 of the version's revision (a transaction's id for a change). */
  revCrc: number
}

export interface HistoryLogOptions {
  /** Days a history file is kept after it was last written. */
  retentionDays: number
  warn: (message: string) => void
  /** The clock retention reads (tests move it). */
  now?: () => number
}

interface HistoryFile {
  fileNo: number
  kind: 'log' | 'anchors'
}

function fileName(file: HistoryFile): string {
  return `${String(file.fileNo).padStart(6, '0')}.${file.kind}`
}

async function syncDirectory(dir: string) {
  const directory = await open(dir, 'r')
  await directory.sync().finally(() => directory.close())
}

/** A document id's 64-bit digest as two 32-bit halves. */
function idKey(id: string): [number, number] {
  const digest = hash('sha256', id, 'buffer')
  return [digest.readUInt32LE(0), digest.readUInt32LE(4)]
}

function timeOf(timestamp: string | undefined): number {
  const time = Date.parse(timestamp ?? '')
  return Number.isFinite(time) ? time : 0
}

// --- Records ---

/** A record about to be written: its document id instead of its position in the index. */
type NewRecord = Omit<HistoryRecord, 'index'> & {id: string}

// A record is 16 32-bit words, read through typed-array views (little-endian machines write and
// read the same bytes; a record that reads wrong fails its sum and the index is rebuilt):
// 0-1 id digest, 2-3 seq (float64), 4-5 time (float64), 6 file, 7 flags, 8-9 line offset
// (float64), 10 span start, 11 span length, 12 span CRC32, 13 revision CRC32, 14 unused, 15 sum.
const WORDS = RECORD_BYTES / 4
const DOUBLES = RECORD_BYTES / 8

/**
 * A record's sum over its first 15 words: a multiply-xorshift mix computed in place, since a
 * native CRC call per record would cost more than reading the whole index.
 */
function recordSum(words: Uint32Array, base: number): number {
  let sum = 0x9e3779b9
  for (let word = base; word < base + WORDS - 1; word++) {
    sum = Math.imul(sum ^ (words[word] ?? 0), 0x85ebca6b)
    sum ^= sum >>> 13
  }
  return sum >>> 0
}

function encodeRecord(record: NewRecord): Uint8Array {
  const bytes = new Uint8Array(RECORD_BYTES)
  const words = new Uint32Array(bytes.buffer)
  const doubles = new Float64Array(bytes.buffer)
  const [high, low] = idKey(record.id)
  words[0] = high
  words[1] = low
  doubles[1] = record.seq
  doubles[2] = record.time
  words[6] = record.fileNo
  words[7] = record.flags
  doubles[4] = record.lineOffset
  words[10] = record.span.start
  words[11] = record.span.length
  words[12] = record.spanCrc
  words[13] = record.revCrc
  words[15] = recordSum(words, 0)
  return bytes
}

function concatRecords(records: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(records.length * RECORD_BYTES)
  records.forEach((record, index) => bytes.set(record, index * RECORD_BYTES))
  return bytes
}

/** A hash table from 64-bit id digests to a record number, in typed arrays (no object per id). */
class IdTable {
  private keys: Uint32Array
  private values: Int32Array
  private size = 0

  constructor(expected = 0) {
    let capacity = 1024
    while (capacity < expected * 2) capacity *= 2
    this.keys = new Uint32Array(2 * capacity)
    this.values = new Int32Array(capacity).fill(-1)
  }

  private slot(high: number, low: number): number {
    const mask = this.values.length - 1
    let slot = low & mask
    while ((this.values[slot] ?? -1) !== -1) {
      if (this.keys[2 * slot] === high && this.keys[2 * slot + 1] === low) return slot
      slot = (slot + 1) & mask
    }
    return slot
  }

  get(high: number, low: number): number {
    return this.values[this.slot(high, low)] ?? -1
  }

  /** Sets the value for a key; returns the one it had (-1 for none). */
  swap(high: number, low: number, value: number): number {
    if ((this.size + 1) * 2 > this.values.length) this.grow()
    const slot = this.slot(high, low)
    const previous = this.values[slot] ?? -1
    if (previous === -1) this.size++
    this.keys[2 * slot] = high
    this.keys[2 * slot + 1] = low
    this.values[slot] = value
    return previous
  }

  private grow() {
    const {keys, values} = this
    this.keys = new Uint32Array(keys.length * 2)
    this.values = new Int32Array(values.length * 2).fill(-1)
    this.size = 0
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot] ?? -1
      if (value !== -1) this.swap(keys[2 * slot] ?? 0, keys[2 * slot + 1] ?? 0, value)
    }
  }
}

/** The records in memory, each chained to the one before it of the same document. */
class ChangeIndex {
  private bytes: Uint8Array
  private words: Uint32Array
  private doubles: Float64Array
  private previous: Int32Array
  private readonly latest: IdTable
  count = 0
  lastSeq = 0

  /** Starts empty, or holds `records` (verified, in their own memory, which it keeps). */
  constructor(records?: Uint8Array) {
    const count = (records?.length ?? 0) / RECORD_BYTES
    const capacity = Math.max(1024, count)
    this.bytes = records && count >= 1024 ? records : new Uint8Array(capacity * RECORD_BYTES)
    this.words = new Uint32Array(this.bytes.buffer, 0, this.bytes.length / 4)
    this.doubles = new Float64Array(this.bytes.buffer, 0, this.bytes.length / 8)
    this.previous = new Int32Array(capacity)
    this.latest = new IdTable(count)
    if (records) this.link(records, count)
  }

  /** Adds whole records (verified by the caller); they must come in sequence order. */
  add(records: Uint8Array) {
    const added = records.length / RECORD_BYTES
    if (this.count + added > this.previous.length) {
      let capacity = this.previous.length
      while (this.count + added > capacity) capacity *= 2
      const bytes = new Uint8Array(capacity * RECORD_BYTES)
      bytes.set(this.bytes.subarray(0, this.count * RECORD_BYTES))
      this.bytes = bytes
      this.words = new Uint32Array(bytes.buffer, 0, bytes.length / 4)
      this.doubles = new Float64Array(bytes.buffer, 0, bytes.length / 8)
      const previous = new Int32Array(capacity)
      previous.set(this.previous.subarray(0, this.count))
      this.previous = previous
    }
    this.link(records, added)
  }

  /** Copies `added` records to the end (unless they are already there) and chains them. */
  private link(records: Uint8Array, added: number) {
    if (records !== this.bytes) this.bytes.set(records, this.count * RECORD_BYTES)
    const {words, doubles} = this
    for (let index = this.count; index < this.count + added; index++) {
      const word = index * WORDS
      this.previous[index] = this.latest.swap(words[word] ?? 0, words[word + 1] ?? 0, index)
      this.lastSeq = Math.max(this.lastSeq, doubles[index * DOUBLES + 1] ?? 0)
    }
    this.count += added
  }

  record(index: number): HistoryRecord {
    const word = index * WORDS
    const double = index * DOUBLES
    const {words, doubles} = this
    return {
      index,
      seq: doubles[double + 1] ?? 0,
      time: doubles[double + 2] ?? 0,
      fileNo: words[word + 6] ?? 0,
      flags: words[word + 7] ?? 0,
      lineOffset: doubles[double + 4] ?? 0,
      span: {start: words[word + 10] ?? 0, length: words[word + 11] ?? 0},
      spanCrc: words[word + 12] ?? 0,
      revCrc: words[word + 13] ?? 0,
    }
  }

  bytesOf(index: number): Uint8Array {
    return this.bytes.subarray(index * RECORD_BYTES, (index + 1) * RECORD_BYTES)
  }

  before(index: number): number {
    return this.previous[index] ?? -1
  }

  /** The document's records, newest first. */
  chain(id: string): HistoryRecord[] {
    const [high, low] = idKey(id)
    const records: HistoryRecord[] = []
    for (let index = this.latest.get(high, low); index >= 0; index = this.before(index))
      records.push(this.record(index))
    return records
  }

  has(id: string): boolean {
    const [high, low] = idKey(id)
    return this.latest.get(high, low) >= 0
  }
}

/**
 * Reads an index file's records (`file` in memory of its own: the views need aligned offsets):
 * whole, verified, in order; what follows damage is left out.
 */
function readIndex(file: Uint8Array): {records: Uint8Array; damaged: string | undefined} {
  const count = Math.floor(file.length / RECORD_BYTES)
  const records = file.subarray(0, count * RECORD_BYTES)
  const words = new Uint32Array(file.buffer, 0, count * WORDS)
  const doubles = new Float64Array(file.buffer, 0, count * DOUBLES)
  let lastSeq = 0
  for (let index = 0; index < count; index++) {
    const seq = doubles[index * DOUBLES + 1] ?? 0
    const damage =
      words[index * WORDS + WORDS - 1] !== recordSum(words, index * WORDS)
        ? 'fails its checksum'
        : seq < lastSeq
          ? 'is out of order'
          : undefined
    if (damage)
      return {
        records: records.subarray(0, index * RECORD_BYTES),
        damaged: `record ${index} ${damage}`,
      }
    lastSeq = seq
  }
  return {records, damaged: undefined}
}

/** History files open for reading, the least recently used closed past OPEN_FILES. */
class FilePool {
  private readonly dir: string
  private readonly files = new Map<string, {handle: Promise<FileHandle>; users: number}>()

  constructor(dir: string) {
    this.dir = dir
  }

  async read(name: string, position: number, length: number): Promise<Buffer | undefined> {
    let entry = this.files.get(name)
    if (entry) this.files.delete(name)
    else entry = {handle: open(join(this.dir, name), 'r'), users: 0}
    this.files.set(name, entry)
    entry.users++
    try {
      const handle = await entry.handle
      const buffer = Buffer.alloc(length)
      const {bytesRead} = await handle.read(buffer, 0, length, position)
      return buffer.subarray(0, bytesRead)
    } catch {
      this.files.delete(name)
      return undefined
    } finally {
      entry.users--
      await this.evict()
    }
  }

  private async evict() {
    for (const [name, entry] of this.files) {
      if (this.files.size <= OPEN_FILES) break
      if (entry.users > 0) continue
      this.files.delete(name)
      await (await entry.handle.catch(() => undefined))?.close()
    }
  }

  /** Closes a file (about to be deleted) unless a read is using it. */
  async forget(name: string) {
    const entry = this.files.get(name)
    if (!entry || entry.users > 0) return
    this.files.delete(name)
    await (await entry.handle.catch(() => undefined))?.close()
  }

  async close() {
    const entries = [...this.files.values()]
    this.files.clear()
    for (const entry of entries) await (await entry.handle.catch(() => undefined))?.close()
  }
}

/** The records a log line's entry yields, base versions first, as the line lies in `fileNo`. */
function recordsOf(
  entry: LogEntry,
  spans: {docs: Span[]; base: Span[]},
  elementCrcs: {docs: number[]; base: number[]},
  fileNo: number,
  lineOffset: number,
  anchors: boolean,
): NewRecord[] {
  const records: NewRecord[] = []
  const time = timeOf(entry.timestamp)
  entry.base?.forEach(([id, document], index) => {
    const span = spans.base[index]
    if (!span) return
    records.push({
      id,
      seq: entry.seq,
      time: anchors ? time : timeOf(document._updatedAt) || time,
      fileNo,
      flags: anchors ? ANCHOR : BASE,
      lineOffset,
      span,
      spanCrc: elementCrcs.base[index] ?? 0,
      revCrc: crc32(typeof document._rev === 'string' ? document._rev : ''),
    })
  })
  entry.docs.forEach(([id, after], index) => {
    const span = spans.docs[index]
    if (!span) return
    const before = entry.prev ? entry.prev[index] : undefined
    const flags =
      (after === null ? DELETED : 0) |
      (before === null ? CREATED : 0) |
      (before === undefined ? UNKNOWN_BEFORE : 0)
    records.push({
      id,
      seq: entry.seq,
      time,
      fileNo,
      flags,
      lineOffset,
      span,
      spanCrc: elementCrcs.docs[index] ?? 0,
      revCrc: crc32(entry.id),
    })
  })
  return records
}

/** The CRC32 of each element's bytes in a laid-out line. */
function crcsOf(line: Buffer, spans: {docs: Span[]; base: Span[]}) {
  const crc = (span: Span) => crc32(line.subarray(span.start, span.start + span.length))
  return {docs: spans.docs.map(crc), base: spans.base.map(crc)}
}

/** The records of every line of a history file with a sequence number above `after`. */
async function scanFile(
  path: string,
  file: HistoryFile,
  after: number,
): Promise<{records: NewRecord[]; firstSeq: number | undefined}> {
  const records: NewRecord[] = []
  let firstSeq: number | undefined
  await forEachLine(path, READ_CHUNK_BYTES, (buffer, start, end, at) => {
    // Damaged and torn lines are the log's business (opening refuses them, repair sets them
    // aside): history leaves them out.
    if (!at.terminated) return
    const read = readLogLine(buffer, start, end)
    if (typeof read === 'string') return
    const {entry, checksummed} = read
    firstSeq ??= entry.seq
    if (entry.seq <= after) return
    const spans = spansOf(entry, checksummed, end - start)
    if (!spans) return
    const line = buffer.subarray(start, end)
    records.push(
      ...recordsOf(
        entry,
        spans,
        crcsOf(line, spans),
        file.fileNo,
        at.offset,
        file.kind === 'anchors',
      ),
    )
  })
  return {records, firstSeq}
}

/** Orders records by sequence number, a document's version before a transaction first. */
function bySequence(a: NewRecord, b: NewRecord): number {
  return a.seq - b.seq || (b.flags & (BASE | ANCHOR)) - (a.flags & (BASE | ANCHOR))
}

export class HistoryLog {
  readonly dir: string
  private readonly options: HistoryLogOptions
  private index: ChangeIndex
  private indexFile: FileHandle
  private files: HistoryFile[]
  private readonly pool: FilePool
  private readonly heads = new Map<string, LogHead | undefined>()
  /** The history file the live log is linked as. */
  private liveFileNo = -1
  /** Set when an index append failed: the rest is kept in memory and re-read on the next open. */
  private indexBroken = false

  private constructor(
    dir: string,
    options: HistoryLogOptions,
    index: ChangeIndex,
    indexFile: FileHandle,
    files: HistoryFile[],
  ) {
    this.dir = dir
    this.options = options
    this.index = index
    this.indexFile = indexFile
    this.files = files
    this.pool = new FilePool(dir)
  }

  /** Opens `<datasetDir>/history`, reading (or, when damaged or missing, rebuilding) its index. */
  static async open(datasetDir: string, options: HistoryLogOptions): Promise<HistoryLog> {
    const dir = join(datasetDir, HISTORY)
    await mkdir(dir, {recursive: true, mode: PRIVATE_FOLDER})
    const files = await listFiles(dir)
    const indexPath = join(dir, INDEX)
    const bytes = await readWhole(indexPath)
    let index = new ChangeIndex()
    let rebuild = bytes === undefined && files.length > 0
    if (bytes !== undefined) {
      const {records, damaged} = readIndex(bytes)
      if (damaged) {
        options.warn(`${indexPath}: ${damaged}; rebuilding the history index from ${dir}`)
        rebuild = true
      } else {
        index = new ChangeIndex(records)
        // A record cut short by a crash is dropped; the log still has its transaction.
        if (records.length < bytes.length) await writeWhole(indexPath, records)
      }
    }
    if (rebuild) {
      const records: NewRecord[] = []
      for (const file of files)
        records.push(...(await scanFile(join(dir, fileName(file)), file, 0)).records)
      records.sort(bySequence)
      const rebuilt = concatRecords(records.map(encodeRecord))
      await writeWhole(indexPath, rebuilt)
      index.add(rebuilt)
    }
    const indexFile = await open(indexPath, 'a', PRIVATE_FILE)
    return new HistoryLog(dir, options, index, indexFile, files)
  }

  /** How many document versions the index holds (64 bytes each in memory). */
  get records(): number {
    return this.index.count
  }

  /** The sequence number of the newest version the index holds. */
  get indexedSeq(): number {
    return this.index.lastSeq
  }

  /**
   * Makes the live log (`logPath`, whose entries all follow those of older history files) a
   * history file: linked under the next file number unless it already is the newest one.
   */
  async attach(logPath: string) {
    const logs = this.files.filter((file) => file.kind === 'log')
    const newest = logs.at(-1)
    const inode = (await stat(logPath)).ino
    if (
      newest &&
      (await stat(join(this.dir, fileName(newest))).catch(() => undefined))?.ino === inode
    ) {
      this.liveFileNo = newest.fileNo
      return
    }
    const file: HistoryFile = {fileNo: (this.files.at(-1)?.fileNo ?? 0) + 1, kind: 'log'}
    await link(logPath, join(this.dir, fileName(file)))
    await syncDirectory(this.dir)
    this.files.push(file)
    this.liveFileNo = file.fileNo
  }

  /**
   * Indexes the transactions up to `throughSeq` that the index lacks (lost with a crash, or
   * written before this version kept history), reading the history files that hold them.
   */
  async catchUp(throughSeq: number) {
    if (this.index.lastSeq >= throughSeq) return
    const after = this.index.lastSeq
    const logs = this.files.filter((file) => file.kind === 'log')
    // Newest first until a file starts at or before the first missing transaction.
    const scans: {records: NewRecord[]}[] = []
    for (let at = logs.length - 1; at >= 0; at--) {
      const file = logs[at]
      if (!file) continue
      const scan = await scanFile(join(this.dir, fileName(file)), file, after)
      scans.unshift(scan)
      if (scan.firstSeq !== undefined && scan.firstSeq <= after + 1) break
    }
    const records = scans.flatMap((scan) => scan.records)
    records.sort(bySequence)
    await this.append(records)
  }

  /** Indexes a transaction just appended to the live log at `lineOffset`. */
  async recordCommit(entry: LogEntry, line: LaidOutLine, lineOffset: number) {
    if (this.liveFileNo < 0) return
    await this.append(
      recordsOf(entry, line, crcsOf(line.bytes, line), this.liveFileNo, lineOffset, false),
    )
  }

  private async append(records: NewRecord[]) {
    if (records.length === 0) return
    const bytes = concatRecords(records.map(encodeRecord))
    this.index.add(bytes)
    if (this.indexBroken) return
    try {
      await this.indexFile.write(bytes)
    } catch (error) {
      // The index is derived: the records stay in memory and the next open re-reads the log.
      this.indexBroken = true
      this.options.warn(
        `Could not append to ${join(this.dir, INDEX)} (${errorMessage(error)}): history is kept ` +
          'in memory until the lake restarts and reads it from the log again',
      )
    }
  }

  /** Whether history has seen the document (a version of it, or its deletion). */
  has(id: string): boolean {
    return this.index.has(id)
  }

  /** The document's versions, newest first. */
  versions(id: string): HistoryRecord[] {
    return this.index.chain(id)
  }

  /** The version before `record` of the same document, if history has it. */
  previous(record: HistoryRecord): HistoryRecord | undefined {
    const index = this.index.before(record.index)
    return index < 0 ? undefined : this.index.record(index)
  }

  private fileOf(record: HistoryRecord): string {
    return fileName({fileNo: record.fileNo, kind: record.flags & ANCHOR ? 'anchors' : 'log'})
  }

  /**
   * The document as of a version (null for a deletion), or undefined when its bytes cannot be
   * read back intact (a file retention removed meanwhile, damage, or an id sharing the digest).
   */
  async document(record: HistoryRecord, id: string): Promise<LakeDocument | null | undefined> {
    const {span} = record
    const bytes = await this.pool.read(
      this.fileOf(record),
      record.lineOffset + span.start,
      span.length,
    )
    if (!bytes || bytes.length !== span.length || crc32(bytes) !== record.spanCrc) return undefined
    let element: unknown
    try {
      element = JSON.parse(bytes.toString('utf8'))
    } catch {
      return undefined
    }
    if (!Array.isArray(element) || element[0] !== id) return undefined
    const document: unknown = element[1]
    return document === null ? null : isDocument(document) ? document : undefined
  }

  /** The id, time and author of the transaction a change record belongs to. */
  async head(record: HistoryRecord): Promise<LogHead | undefined> {
    if (record.flags & (BASE | ANCHOR)) return undefined
    const key = `${record.fileNo}:${record.lineOffset}`
    if (this.heads.has(key)) return this.heads.get(key)
    let head: LogHead | undefined
    for (let length = HEAD_BYTES; length <= MAX_HEAD_BYTES && !head; length *= 4) {
      const bytes = await this.pool.read(this.fileOf(record), record.lineOffset, length)
      if (!bytes) break
      head = readLogHead(bytes)
      if (bytes.length < length) break
    }
    if (head?.seq !== record.seq) head = undefined
    if (this.heads.size >= HEAD_CACHE) this.heads.delete(this.heads.keys().next().value ?? '')
    this.heads.set(key, head)
    return head
  }

  /**
   * Deletes the history files last written more than the retention period ago (never the live
   * log), first copying into a new anchors file each version a remaining version follows.
   */
  async prune() {
    const cutoff = (this.options.now?.() ?? Date.now()) - this.options.retentionDays * DAY_MS
    const expired = new Set<number>()
    for (const file of this.files) {
      if (file.fileNo === this.liveFileNo) continue
      const modified = await stat(join(this.dir, fileName(file))).then(
        (stats) => stats.mtimeMs,
        () => 0,
      )
      if (modified < cutoff) expired.add(file.fileNo)
    }
    if (expired.size === 0) return
    const kept: number[] = []
    const anchorsOf: HistoryRecord[] = []
    for (let index = 0; index < this.index.count; index++) {
      const record = this.index.record(index)
      if (expired.has(record.fileNo)) continue
      kept.push(index)
      const before = this.index.before(index)
      if (before < 0) continue
      const previous = this.index.record(before)
      if (expired.has(previous.fileNo) && !(previous.flags & DELETED)) anchorsOf.push(previous)
    }
    const anchors = await this.writeAnchors(anchorsOf)
    const records = kept.map((index) => this.index.bytesOf(index))
    const merged = mergeRecords(records, anchors)
    const indexPath = join(this.dir, INDEX)
    await this.indexFile.close()
    await writeWhole(indexPath, merged)
    this.indexFile = await open(indexPath, 'a', PRIVATE_FILE)
    const index = new ChangeIndex(merged)
    this.index = index
    this.heads.clear()
    for (const file of this.files.filter((file) => expired.has(file.fileNo))) {
      await this.pool.forget(fileName(file))
      await unlink(join(this.dir, fileName(file))).catch((error: unknown) => {
        if (!hasCode(error, 'ENOENT')) throw error
      })
    }
    this.files = this.files.filter((file) => !expired.has(file.fileNo))
    await syncDirectory(this.dir)
  }

  /** Copies the given versions into a new anchors file; returns their records (in seq order). */
  private async writeAnchors(versions: HistoryRecord[]): Promise<Uint8Array[]> {
    const found: {id: string; record: HistoryRecord; document: LakeDocument}[] = []
    for (const record of versions) {
      const id = await this.idOf(record)
      const document = id === undefined ? undefined : await this.document(record, id)
      if (id !== undefined && document) found.push({id, record, document})
    }
    if (found.length === 0) return []
    found.sort((a, b) => a.record.seq - b.record.seq)
    const file: HistoryFile = {fileNo: (this.files.at(-1)?.fileNo ?? 0) + 1, kind: 'anchors'}
    const path = join(this.dir, fileName(file))
    const handle = await open(path, 'wx', PRIVATE_FILE)
    const records: Uint8Array[] = []
    try {
      let offset = 0
      for (const {id, record, document} of found) {
        const entry: LogEntry = {
          seq: record.seq,
          id: typeof document._rev === 'string' ? document._rev : 'anchor',
          timestamp: new Date(record.time).toISOString(),
          docs: [],
          base: [[id, document]],
        }
        const line = logLine(entry)
        const text = line.bytes
        await handle.write(text)
        const crcs = crcsOf(text, line)
        for (const anchor of recordsOf(entry, line, crcs, file.fileNo, offset, true)) {
          records.push(encodeRecord({...anchor, time: record.time}))
        }
        offset += text.length
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    await syncDirectory(this.dir)
    this.files.push(file)
    return records
  }

  /** A record's document id, read from its element (the index keeps only a digest). */
  private async idOf(record: HistoryRecord): Promise<string | undefined> {
    const {span} = record
    const bytes = await this.pool.read(
      this.fileOf(record),
      record.lineOffset + span.start,
      span.length,
    )
    if (!bytes || crc32(bytes) !== record.spanCrc) return undefined
    try {
      const element: unknown = JSON.parse(bytes.toString('utf8'))
      return Array.isArray(element) && typeof element[0] === 'string' ? element[0] : undefined
    } catch {
      return undefined
    }
  }

  async close() {
    await this.indexFile.close()
    await this.pool.close()
  }
}

/** Kept records (in order) and anchor records (in order) merged into one sequence-ordered run. */
function mergeRecords(kept: Uint8Array[], anchors: Uint8Array[]): Uint8Array {
  const seqOf = (record: Uint8Array | undefined) =>
    record
      ? new DataView(record.buffer, record.byteOffset, RECORD_BYTES).getFloat64(8, true)
      : Infinity
  const merged: Uint8Array[] = []
  let next = 0
  for (const record of kept) {
    const seq = seqOf(record)
    for (; next < anchors.length && seqOf(anchors[next]) <= seq; next++) {
      const anchor = anchors[next]
      if (anchor) merged.push(anchor)
    }
    merged.push(record)
  }
  merged.push(...anchors.slice(next))
  return concatRecords(merged)
}

async function listFiles(dir: string): Promise<HistoryFile[]> {
  const files: HistoryFile[] = []
  for (const name of await readdir(dir)) {
    const match = FILE_NAME.exec(name)
    if (match?.[1] && match[2]) {
      files.push({fileNo: Number(match[1]), kind: match[2] === 'anchors' ? 'anchors' : 'log'})
    }
  }
  return files.sort((a, b) => a.fileNo - b.fileNo)
}

/** A file's bytes in memory of their own (offset 0), or undefined when there is no such file. */
async function readWhole(path: string): Promise<Uint8Array | undefined> {
  let file: FileHandle
  try {
    file = await open(path, 'r')
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined
    throw error
  }
  try {
    const bytes = new Uint8Array((await file.stat()).size)
    let read = 0
    while (read < bytes.length) {
      const {bytesRead} = await file.read(bytes, read, bytes.length - read, read)
      if (bytesRead === 0) break
      read += bytesRead
    }
    return bytes.subarray(0, read)
  } finally {
    await file.close()
  }
}

/** Writes a whole file atomically: a temporary file, synced, renamed over the old one. */
async function writeWhole(path: string, bytes: Uint8Array) {
  const temp = `${path}.tmp`
  const file = await open(temp, 'w', PRIVATE_FILE)
  try {
    await file.write(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
}
