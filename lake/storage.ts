import {
  chmod,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {crc32} from 'node:zlib'
import {Dataset, type Transaction} from './dataset.ts'
import {
  collectReferences,
  type KeyColumnSpec,
  type LakeDocument,
  type RawIndex,
  Unparsed,
} from './documentIndex.ts'
import {DocumentFile} from './documentFile.ts'
import {HistoryLog} from './historyLog.ts'
import {DatasetLock} from './lock.ts'
import {
  bytesOf,
  forEachLine,
  hasSequence,
  hex,
  isDocument,
  LINE_END,
  type LineAt,
  type LogEntry,
  logLine,
  READ_CHUNK_BYTES,
  checkedContent,
  readHex,
  readLogLine,
} from './logFormat.ts'
import {errorMessage, hasCode} from '../domain/errors.ts'

// Durability: every transaction is appended to `transactions.log` as one line and fsynced before
// it is acknowledged. `snapshot.ndjson` holds the documents as of a sequence number; on start the
// snapshot is loaded and later log lines replayed. Compaction writes a new snapshot atomically
// (temp file, fsync, rename) and then starts a new, empty log; the old one stays on as a file of
// the dataset's history (lake/historyLog.ts), which is why the log is never emptied in place.
//
// Integrity: every line carries a CRC32 of its content, so damage is found and located instead of
// read past. A log line is `{"crc":"<8 hex>",` and then the rest of the entry's JSON, which the
// checksum covers: still one JSON object, so an earlier version reads it rather than taking it for
// a torn line and cutting the log there. Bytes after the log's last newline are a torn append (a
// crash mid-write, never acknowledged): moved aside into `transactions.log.torn-<time>` and
// reported. Any other bad line (a checksum that fails, a sequence number out of step) keeps the
// dataset closed until `repair` has set it aside: it may hold an acknowledged transaction.
// Checksums find damage, not tampering (whoever can write these files can recompute them): the
// files are readable by their owner only (0600, folders 0700).
//
// Snapshot format 3: every line is `<crc32 as 8 hex> <content>`: a header `{seq, format,
// valuePaths, keyColumns, references}`, one line per document, then an end line `{documents}`
// whose absence means the file was cut short. A document's content is `[id, type, [references],
// [values], rev, [keys]]` (the references references() finds — with `references: "groq"`; every
// `_ref` before — its values at the value-index paths; its `_rev` or null; its order keys for the
// key columns; the last two absent from lines written before they were added), a tab, then its
// JSON. Lines of an older kind are rewritten by the next compaction.
// Opening verifies every checksum and builds every index and key column from the short part,
// keeping the JSON unparsed (lake/documentIndex.ts `Unparsed`), so a dataset of 100k+ threads
// answers its first queries in seconds (also by value and in key order, for what the lake had
// indexed when it wrote the snapshot); the documents are then read from the file when a query
// needs them (lake/documentFile.ts), or, with every document kept in memory (`cacheMegabytes`
// Infinity), parsed in the background, a slice per event-loop turn. Formats 1 (the document's JSON alone) and 2 (format 3 without checksums or
// end line) are still read: parsed on load, as nothing else would find a damaged line in them, and
// rewritten as format 3 right away.

const SNAPSHOT = 'snapshot.ndjson'
const LOG = 'transactions.log'
/** A new log while it is made, before it takes the log's name. */
const NEXT_LOG = `${LOG}.next`
/** Days history keeps a transaction log after its last write (`LAKE_HISTORY_DAYS`). */
export const DEFAULT_HISTORY_DAYS = 365
const MIN_COMPACT_BYTES = 64 * 1024 * 1024
/** Megabytes of document JSON kept parsed by default (about 1.4 times as much heap). */
export const DEFAULT_CACHE_MB = 64
const SNAPSHOT_FORMAT = 3
/** Documents parsed per background tick: small enough to keep requests flowing in between. */
const PARSE_SLICE = 2000
const TAB = 0x09
const SPACE = 0x20
const OPEN_BRACKET = 0x5b
export const PRIVATE_FILE = 0o600
export const PRIVATE_FOLDER = 0o700
/** Damaged lines a repair report lists one by one; more are counted. */
const LISTED_DAMAGE = 20

export interface StorageOptions {
  /**
   * Compact when the log grows past this many bytes. By default: past 64 MB or the snapshot's
   * size, whichever is larger, so rewriting the snapshot costs amortised linear time however
   * large the dataset grows.
   */
  compactBytes?: number
  /** Parse snapshot documents in the background after opening (default true). */
  parseInBackground?: boolean
  /**
   * Megabytes of document JSON kept parsed in memory (default DEFAULT_CACHE_MB); every other
   * document is read from the snapshot or the spill file when needed (lake/documentFile.ts).
   * Infinity keeps every document parsed in memory, as the lake did before.
   */
  cacheMegabytes?: number
  /** Bytes read per chunk of the snapshot and log (tests use tiny chunks to split lines). */
  readChunkBytes?: number
  /** Skip fsync (tests of logic only; never for real data). */
  unsafeNoSync?: boolean
  /**
   * Days history keeps a compacted transaction log after its last write (default 365); 0 keeps
   * no history (lake/historyLog.ts).
   */
  historyDays?: number
  /** Reports what recovery found and did (a torn log line moved aside); default: stderr. */
  warn?: (message: string) => void
}

/** A damaged line (or the missing end of a file): where it is, what is wrong, its bytes. */
export interface Damage {
  file: string
  /** 1-based. */
  line: number
  offset: number
  reason: string
  /** The line as found, its newline included; empty for a missing end. */
  bytes: Buffer
}

function quoted(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** The dataset does not open: one of its files is damaged (`repair` sets the damage aside). */
export class StorageDamagedError extends Error {
  readonly damage: Damage

  constructor(damage: Damage, dir: string, dataset: string) {
    super(
      `${damage.file}:${damage.line}: ${damage.reason} (byte offset ${damage.offset}). ` +
        `Dataset "${dataset}" was not opened and its files were left as they are. Run ` +
        `\`npm run lake -- repair --dataset ${dataset} --data-dir ${quoted(dirname(dir))}\`: it ` +
        'keeps every intact transaction and document, moves the damaged lines aside into a file ' +
        'next to them and lists what it did.',
    )
    this.damage = damage
  }
}

export interface RepairReport {
  /** False when nothing needed repair (nothing was written). */
  changed: boolean
  /** What was found and done, a line each, for the command's output. */
  notes: string[]
  /** The files holding what was set aside. */
  asideFiles: string[]
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

async function syncDirectory(dir: string) {
  const directory = await open(dir, 'r')
  await directory.sync().finally(() => directory.close())
}

/** Sets a file's or folder's mode to `mode` unless it has it (earlier versions used 0644/0755). */
export async function keepPrivate(path: string, mode: number) {
  if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode)
}

/**
 * Creates the dataset folder (and a data folder that does not exist yet) and keeps the dataset
 * folder and every file in it readable by their owner only: the archive's drafts and the server's
 * address are nobody else's. An existing data folder keeps its mode: it may be any folder the
 * user named (`--data-dir ~/archive`, a temporary folder), and what the lake puts in it is private
 * on its own.
 */
async function makePrivate(dir: string, warn: (message: string) => void) {
  await mkdir(dir, {recursive: true, mode: PRIVATE_FOLDER})
  const paths: [string, number][] = [[dir, PRIVATE_FOLDER]]
  for (const entry of await readdir(dir, {withFileTypes: true}))
    if (entry.isFile()) paths.push([join(dir, entry.name), PRIVATE_FILE])
  for (const [path, mode] of paths) {
    await keepPrivate(path, mode).catch((error: unknown) => {
      // A file gone since readdir (another process's temporary lock file) needs nothing.
      if (!hasCode(error, 'ENOENT'))
        warn(`Could not make ${path} readable by its owner only: ${errorMessage(error)}`)
    })
  }
}

/**
 * Creates a new file next to `name` in `dir` for bytes set aside (never dropped), named
 * `<name>.<kind>-<time>`, and syncs the folder; returns its path.
 */
async function setAside(
  dir: string,
  name: string,
  kind: 'torn' | 'damaged',
  create: (path: string) => Promise<void>,
): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  for (let attempt = 1; ; attempt++) {
    const path = join(dir, `${name}.${kind}-${stamp}${attempt > 1 ? `-${attempt}` : ''}`)
    try {
      await create(path)
    } catch (error) {
      if (hasCode(error, 'EEXIST')) continue
      throw error
    }
    await syncDirectory(dir)
    return path
  }
}

function writeNew(parts: Buffer[]): (path: string) => Promise<void> {
  return async (path) => {
    const file = await open(path, 'wx', PRIVATE_FILE)
    try {
      for (const part of parts) await file.write(part)
      await file.sync()
    } finally {
      await file.close()
    }
  }
}

// --- Snapshot line checksums ---

/** A snapshot line's bytes: the CRC32 of `text` (as UTF-8) in hex, a space, then `text`. */
function checksummed(text: string): Buffer {
  // One buffer per line: a compaction writes hundreds of thousands of them.
  return Buffer.from(`${hex(crc32(text))} ${text}`)
}

// --- The log ---

function applyLogEntry(dataset: Dataset, entry: LogEntry) {
  dataset.apply({
    seq: entry.seq,
    id: entry.id,
    timestamp: entry.timestamp,
    mutations: [],
    changes: entry.docs.map(([id, after]) => ({id, before: dataset.get(id) ?? null, after})),
  })
}

/** "transaction 4 is" / "transactions 3 to 5 are" */
function transactionsAre(from: number, to: number): string {
  return from === to ? `transaction ${from} is` : `transactions ${from} to ${to} are`
}

interface LogHandlers {
  /** A damaged line: opening refuses (throws), repair sets it aside. */
  damaged: (damage: Damage) => void
  /** Repair only: transactions missing before a line, which is replayed anyway. Else damage. */
  gap?: (from: number, to: number) => void
}

interface LogReplay {
  /** Intact lines, and how many of them were newer than the snapshot. */
  kept: number
  replayed: number
  /** Where the last intact line ends. */
  goodBytes: number
  /** Bytes after the last newline: an append a crash cut short. */
  torn?: Damage
}

/**
 * Replays the log's entries newer than the snapshot into `dataset`. Sequence numbers rise by one
 * from line to line (every logged commit takes the next) and continue the snapshot's
 * (`snapshotSeq`, undefined when its header was lost).
 */
async function replayLog(
  path: string,
  dataset: Dataset,
  snapshotSeq: number | undefined,
  handlers: LogHandlers,
  chunkBytes = READ_CHUNK_BYTES,
): Promise<LogReplay> {
  const result: LogReplay = {kept: 0, replayed: 0, goodBytes: 0}
  if (!(await exists(path))) return result
  let previous: number | undefined
  let applied = snapshotSeq
  await forEachLine(path, chunkBytes, (buffer, start, end, at) => {
    const damage = (reason: string): Damage => {
      const bytes = bytesOf(buffer, start, end, at)
      return {file: path, line: at.number, offset: at.offset, reason, bytes}
    }
    // A last line without its newline is torn even when it parses: a commit is acknowledged only
    // once its whole line is synced, and keeping it would glue the next append onto it.
    if (!at.terminated) return void (result.torn = damage('the last line is incomplete'))
    const read = readLogLine(buffer, start, end)
    if (typeof read === 'string') return handlers.damaged(damage(read))
    const {entry} = read
    if (previous !== undefined && entry.seq <= previous)
      return handlers.damaged(
        damage(`its sequence number ${entry.seq} does not follow ${previous}`),
      )
    applied ??= entry.seq - 1
    if (entry.seq > applied + 1) {
      if (!handlers.gap)
        return handlers.damaged(damage(`${transactionsAre(applied + 1, entry.seq - 1)} missing`))
      handlers.gap(applied + 1, entry.seq - 1)
    }
    previous = entry.seq
    result.kept++
    result.goodBytes = at.offset + end - start + 1
    if (entry.seq <= applied) return
    applyLogEntry(dataset, entry)
    applied = entry.seq
    result.replayed++
  })
  return result
}

/** Moves a torn log tail into a file of its own and says so. */
async function setTornTailAside(dir: string, torn: Damage, warn: (message: string) => void) {
  const aside = await setAside(dir, LOG, 'torn', writeNew([torn.bytes]))
  warn(
    `${torn.file}: the last line, at byte offset ${torn.offset} (${torn.bytes.length} bytes), is ` +
      'incomplete: the process writing it stopped before the transaction was acknowledged, so it ' +
      `was not replayed. Its bytes were moved to ${aside}.`,
  )
}

// --- The snapshot ---

interface SnapshotHeader {
  seq: number
  format?: number
  valuePaths?: string[][]
  /** Key columns whose values each line's index part carries after its `_rev`. */
  keyColumns?: KeyColumnSpec[]
  /** 'groq': each line's references are those references() finds (older: every `_ref`). */
  references?: string
  /** Format 3: how many document lines follow (so a cut-short file says how many it lost). */
  documents?: number
}

function isSnapshotHeader(value: unknown): value is SnapshotHeader {
  return (
    hasSequence(value, 0) &&
    (!('format' in value) || (typeof value.format === 'number' && value.format >= 1)) &&
    (!('documents' in value) || Number.isSafeInteger(value.documents)) &&
    (!('valuePaths' in value) ||
      (Array.isArray(value.valuePaths) &&
        value.valuePaths.every(
          (path: unknown) =>
            Array.isArray(path) && path.every((key: unknown) => typeof key === 'string'),
        ))) &&
    (!('keyColumns' in value) ||
      (Array.isArray(value.keyColumns) && value.keyColumns.every(isKeyColumnSpec))) &&
    (!('references' in value) || typeof value.references === 'string')
  )
}

function isKeyColumnSpec(value: unknown): value is KeyColumnSpec {
  return (
    typeof value === 'object' &&
    value !== null &&
    'path' in value &&
    'refs' in value &&
    Array.isArray(value.path) &&
    value.path.every((key: unknown) => typeof key === 'string') &&
    typeof value.refs === 'boolean'
  )
}

/**
 * What a line's index part has values for, and how its references were collected (the
 * copy-as-is test of `snapshotLine`).
 */
function indexPathsOf(
  valuePaths: readonly (readonly string[])[],
  keys: readonly KeyColumnSpec[],
  references: string | undefined,
) {
  return JSON.stringify([valuePaths, keys, references ?? null])
}

/** How snapshot lines collect references now (`collectReferences`). */
const REFERENCES = 'groq'

function isIndexPart(
  value: unknown,
): value is [string, string, string[], unknown[]?, (string | null)?, unknown[]?] {
  return (
    Array.isArray(value) &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    Array.isArray(value[2]) &&
    (value[3] === undefined || Array.isArray(value[3])) &&
    (value[4] === undefined || value[4] === null || typeof value[4] === 'string') &&
    (value[5] === undefined || Array.isArray(value[5]))
  )
}

/** A header that could not be read: the format is guessed from the next line. */
const UNKNOWN_FORMAT = -1

/** Reads a snapshot line by line into a dataset: header, documents, end line. */
class SnapshotReader {
  private readonly path: string
  private readonly dataset: Dataset
  /** The snapshot, which format 3 documents are read from when needed. */
  private readonly file: DocumentFile
  /** 0 until the header is read. */
  format = 0
  documents = 0
  /** False when the header was lost: the snapshot's sequence number is unknown. */
  seqKnown = true
  /** Lines after the header, damaged or not (the end line counts them). */
  private lines = 0
  /** The document lines the header announces. */
  private announced: number | undefined
  private seen = false
  private ended = false
  private indexPaths = indexPathsOf([], [], undefined)
  private exactReferences = false

  constructor(path: string, dataset: Dataset, file: DocumentFile) {
    this.path = path
    this.dataset = dataset
    this.file = file
  }

  /** Reads one line; returns what is wrong with it, if anything. */
  line(buffer: Buffer, start: number, end: number, at: LineAt): string | undefined {
    this.seen = true
    if (this.format === 0 && at.terminated) return this.header(buffer, start, end)
    this.lines++
    if (!at.terminated) return 'the file ends inside this line: it was cut short'
    if (this.ended) return 'it comes after the end line'
    if (this.format === UNKNOWN_FORMAT) this.format = guessFormat(buffer, start, end)
    if (this.format < 3) return this.legacyDocument(buffer, start, end)
    const content = checkedContent(buffer, start, end)
    if (content < 0) return 'its checksum does not match its contents'
    return buffer[content] === OPEN_BRACKET
      ? this.document(buffer, start, content, end, at.offset)
      : this.end(buffer, content, end)
  }

  /** What is wrong with the file as a whole once every line was read, if anything. */
  missingEnd(): string | undefined {
    if (!this.seen) return 'the file is empty: it has no header'
    if (this.format < 3 || this.ended) return undefined
    const missing = (this.announced ?? 0) - this.lines
    return (
      'there is no end line: the file was cut short' +
      (missing > 0
        ? `, and ${missing} of its ${this.announced} documents are missing entirely`
        : '')
    )
  }

  private header(buffer: Buffer, start: number, end: number): string | undefined {
    // Format 3 headers carry a checksum like every line after them; older ones are plain JSON.
    const checked = checkedContent(buffer, start, end)
    let header: unknown
    try {
      header = JSON.parse(buffer.toString('utf8', checked < 0 ? start : checked, end))
    } catch {
      header = undefined
    }
    const format = isSnapshotHeader(header) ? (header.format ?? 1) : 0
    if (format > SNAPSHOT_FORMAT)
      throw new Error(`${this.path}: snapshot format ${format} is newer than this lake reads`)
    if (!isSnapshotHeader(header) || checked >= 0 !== format >= 3) {
      this.format = UNKNOWN_FORMAT
      this.seqKnown = false
      return 'the header is damaged'
    }
    this.format = format
    this.dataset.seq = header.seq
    this.announced = header.documents
    if (format >= 2) {
      this.dataset.raw.prepareValueIndexes(header.valuePaths ?? [])
      this.dataset.raw.prepareKeyColumns(header.keyColumns ?? [])
      this.indexPaths = indexPathsOf(
        header.valuePaths ?? [],
        header.keyColumns ?? [],
        header.references,
      )
      this.exactReferences = header.references === REFERENCES
    }
    return undefined
  }

  /** Formats 1 (the document's JSON) and 2 (index part, tab, JSON) have no checksums. */
  private legacyDocument(buffer: Buffer, start: number, end: number): string | undefined {
    if (end === start) return undefined // blank lines were skipped before too
    let json = start
    if (this.format === 2) {
      const tab = buffer.indexOf(TAB, start)
      if (tab < 0 || tab >= end) return 'no tab after the index part'
      json = tab + 1
    }
    return this.put(buffer, json, end)
  }

  /** Parses and adds a document now (legacy formats; format 3 when the header was lost). */
  private put(buffer: Buffer, start: number, end: number): string | undefined {
    let document: unknown
    try {
      document = JSON.parse(buffer.toString('utf8', start, end))
    } catch {
      return 'the document is not valid JSON'
    }
    if (!isDocument(document)) return 'it is not a document (no _id or _type)'
    this.dataset.raw.put(document)
    this.documents++
    return undefined
  }

  private document(
    buffer: Buffer,
    start: number,
    content: number,
    end: number,
    /** Where the line starts in the file. */
    offset: number,
  ): string | undefined {
    const tab = buffer.indexOf(TAB, content)
    if (tab < 0 || tab >= end) return 'no tab after the index part'
    // Without the header, the values in the index part belong to unknown paths.
    if (!this.seqKnown) return this.put(buffer, tab + 1, end)
    let head: unknown
    try {
      head = JSON.parse(buffer.toString('utf8', content, tab))
    } catch {
      head = undefined
    }
    if (!isIndexPart(head)) return 'its index part is not [id, type, references, values]'
    const [id, type, references, values = [], rev, keys = []] = head
    // The whole line, checksum included, is what a compaction copies back.
    const at = (position: number) => offset + position - start
    const entry = new Unparsed(this.file, offset, at(tab + 1), at(end), this.indexPaths, type, rev)
    this.dataset.raw.putUnparsed(id, type, references, values, entry, keys, this.exactReferences)
    this.documents++
    return undefined
  }

  private end(buffer: Buffer, content: number, end: number): string | undefined {
    let trailer: unknown
    try {
      trailer = JSON.parse(buffer.toString('utf8', content, end))
    } catch {
      trailer = undefined
    }
    if (!(typeof trailer === 'object' && trailer !== null && 'documents' in trailer))
      return 'it is neither a document nor the end line'
    this.ended = true
    const lines = this.lines - 1
    if (trailer.documents !== lines)
      return `the end line counts ${String(trailer.documents)} documents, but ${lines} lines precede it`
    return undefined
  }
}

function guessFormat(buffer: Buffer, start: number, end: number): number {
  if (end - start > 9 && buffer[start + 8] === SPACE && readHex(buffer, start) >= 0) return 3
  const tab = buffer.indexOf(TAB, start)
  return tab >= 0 && tab < end ? 2 : 1
}

interface SnapshotLoad {
  format: number
  documents: number
  bytes: number
  /** False when the header was damaged: the snapshot's sequence number is unknown. */
  seqKnown: boolean
  /** The snapshot, open for reading the documents it holds. */
  file: DocumentFile
}

/**
 * Reads a snapshot into `dataset`, reporting each damaged line to `damaged` (which throws when
 * opening). Format 3 documents stay unparsed, their checksums verified, and are read from the
 * file when needed; formats 1 and 2 have none, so their documents are parsed now, which finds
 * every line that does not parse.
 */
async function loadSnapshot(
  path: string,
  dataset: Dataset,
  damaged: (damage: Damage) => void,
  chunkBytes = READ_CHUNK_BYTES,
): Promise<SnapshotLoad> {
  const file = DocumentFile.open(path)
  try {
    const reader = new SnapshotReader(path, dataset, file)
    const {lines, bytes} = await forEachLine(path, chunkBytes, (buffer, start, end, at) => {
      const reason = reader.line(buffer, start, end, at)
      if (reason === undefined) return
      const found = bytesOf(buffer, start, end, at)
      damaged({file: path, line: at.number, offset: at.offset, reason, bytes: found})
    })
    const reason = reader.missingEnd()
    if (reason)
      damaged({file: path, line: lines + 1, offset: bytes, reason, bytes: Buffer.alloc(0)})
    const {format, documents, seqKnown} = reader
    return {format, documents, bytes, seqKnown, file}
  } catch (error) {
    file.close()
    throw error
  }
}

/** What every line of a snapshot has values for, as its header says them. */
interface LineIndexes {
  valuePaths: string[][]
  keyColumns: KeyColumnSpec[]
  /** Both as JSON (`indexPathsOf`). */
  indexPaths: string
}

/**
 * A document's snapshot line (format 3) without its newline: checksum, then id, type, references,
 * its values for the value-index paths, `_rev` and its key-column values, then its JSON.
 * Unparsed documents (read from a format 3 snapshot, checksum verified) are copied as read when
 * their line has values for the same paths and columns (always, unless an index or column was
 * added since, which parses all).
 */
function snapshotLine(
  entry: LakeDocument | Unparsed,
  raw: RawIndex,
  indexes: LineIndexes,
): {line: Buffer; jsonOffset: number; rev: string | null} {
  if (
    entry instanceof Unparsed &&
    entry.indexPaths === indexes.indexPaths &&
    entry.rev !== undefined
  )
    return {line: entry.line(), jsonOffset: entry.jsonOffset, rev: entry.rev}
  const document = entry instanceof Unparsed ? entry.parse() : entry
  const rev = document._rev ?? null
  const head = JSON.stringify([
    document._id,
    document._type,
    [...collectReferences(document)],
    raw.valuesOf(document, indexes.valuePaths),
    rev,
    raw.storedKeys(document, indexes.keyColumns),
  ])
  // Checksum, space, index part, tab.
  const jsonOffset = 9 + Buffer.byteLength(head) + 1
  return {line: checksummed(`${head}\t${JSON.stringify(document)}`), jsonOffset, rev}
}

interface SnapshotWritten {
  bytes: number
  /** What its lines have values for (`LineIndexes.indexPaths`). */
  indexPaths: string
  /** Each document's line start, JSON start and end in the file, in `entries()` order. */
  placed: Float64Array
  /** Each document's `_rev` (null: none), in the same order. */
  revs: (string | null)[]
}

/**
 * Writes `dataset` as the snapshot: to a temporary file, synced, renamed over the old one; returns
 * its size and where each document's line is.
 */
async function writeSnapshot(dir: string, dataset: Dataset): Promise<SnapshotWritten> {
  const temp = join(dir, `${SNAPSHOT}.tmp`)
  const file = await open(temp, 'w', PRIVATE_FILE)
  let bytes = 0
  const placed = new Float64Array(3 * dataset.raw.size)
  const revs: (string | null)[] = []
  const valuePaths = dataset.raw.valuePaths()
  const keyColumns = dataset.raw.keyColumnSpecs()
  const indexes = {
    valuePaths,
    keyColumns,
    indexPaths: indexPathsOf(valuePaths, keyColumns, REFERENCES),
  }
  try {
    await file.chmod(PRIVATE_FILE) // one left by a crash keeps the mode it had
    const flush = async (lines: Buffer[]) => {
      const data = Buffer.concat(lines)
      bytes += data.length
      await file.write(data)
    }
    const {raw} = dataset
    const header: SnapshotHeader = {
      seq: dataset.seq,
      format: SNAPSHOT_FORMAT,
      valuePaths,
      keyColumns,
      references: REFERENCES,
      documents: raw.size,
    }
    const chunk: Buffer[] = [checksummed(JSON.stringify(header)), LINE_END]
    let offset = (chunk[0] as Buffer).length + 1
    let documents = 0
    for (const entry of raw.entries()) {
      const {line, jsonOffset, rev} = snapshotLine(entry, raw, indexes)
      chunk.push(line, LINE_END)
      revs.push(rev)
      placed.set([offset, offset + jsonOffset, offset + line.length], 3 * documents)
      offset += line.length + 1
      documents++
      if (chunk.length >= 2000) await flush(chunk.splice(0))
    }
    chunk.push(checksummed(JSON.stringify({documents})), LINE_END)
    await flush(chunk)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, join(dir, SNAPSHOT))
  await syncDirectory(dir)
  return {bytes, indexPaths: indexes.indexPaths, placed, revs}
}

// --- Repair ---

interface RepairScan {
  dataset: Dataset
  snapshot: SnapshotLoad | undefined
  snapshotDamage: Damage[]
  log: LogReplay
  logDamage: Damage[]
  /** Transactions missing from the log (from, to), replayed over. */
  gaps: [number, number][]
}

/** Reads snapshot and log keeping every intact line and collecting the damaged ones. */
async function scanForRepair(dir: string, name: string, chunkBytes?: number): Promise<RepairScan> {
  const dataset = new Dataset(name)
  const snapshotDamage: Damage[] = []
  const logDamage: Damage[] = []
  const gaps: [number, number][] = []
  const snapshotPath = join(dir, SNAPSHOT)
  const snapshot = (await exists(snapshotPath))
    ? await loadSnapshot(snapshotPath, dataset, (damage) => snapshotDamage.push(damage), chunkBytes)
    : undefined
  const log = await replayLog(
    join(dir, LOG),
    dataset,
    snapshot?.seqKnown === false ? undefined : dataset.seq,
    {damaged: (damage) => logDamage.push(damage), gap: (from, to) => gaps.push([from, to])},
    chunkBytes,
  )
  if (log.torn) logDamage.push(log.torn)
  return {dataset, snapshot, snapshotDamage, log, logDamage, gaps}
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/**
 * The ids a damaged snapshot line seems to be about: the first of its index part and the `_id` of
 * its JSON (two when the damage hit one of them).
 */
function damagedDocumentIds(damage: Damage): string[] {
  if (!damage.file.endsWith(SNAPSHOT)) return []
  const text = damage.bytes.toString('utf8')
  const ids = [/^(?:[0-9a-f]{8} )?\["((?:[^"\\]|\\.)*)"/, /"_id":"((?:[^"\\]|\\.)*)"/]
    .map((pattern) => pattern.exec(text)?.[1])
    .filter((id) => id !== undefined)
  return [...new Set(ids)]
}

function documentNamed(ids: string[]): string {
  return ids.map((id) => `"${id}"`).join(' or ')
}

function listDamage(damage: Damage[]): string[] {
  const listed = damage.slice(0, LISTED_DAMAGE).map((item) => {
    const ids = damagedDocumentIds(item)
    const about = ids.length === 0 ? '' : ` (document ${documentNamed(ids)})`
    return `  line ${item.line} (byte offset ${item.offset}, ${item.bytes.length} bytes): ${item.reason}${about}`
  })
  if (damage.length > LISTED_DAMAGE) listed.push(`  … and ${damage.length - LISTED_DAMAGE} more`)
  return listed
}

/** Keeps the damaged bytes in files next to the dataset's; returns them and what it did. */
async function setDamageAside(dir: string, scan: RepairScan) {
  const notes: string[] = []
  const files: string[] = []
  const snapshotPath = join(dir, SNAPSHOT)
  if (scan.snapshotDamage.length > 0) {
    // Linked rather than moved: the snapshot stays in place until the new one replaces it.
    const aside = await setAside(dir, SNAPSHOT, 'damaged', (path) => link(snapshotPath, path))
    files.push(aside)
    notes.push(
      `${snapshotPath}: ${counted(scan.snapshotDamage.length, 'damaged line')} left out:`,
      ...listDamage(scan.snapshotDamage),
      `  Its ${counted(scan.snapshot?.documents ?? 0, 'intact document')} were kept; the damaged ` +
        `file is kept whole as ${aside}.`,
    )
    if (scan.snapshot?.seqKnown === false)
      notes.push('  Its header was lost, so every intact log line was replayed over it.')
  }
  const logPath = join(dir, LOG)
  if (scan.log.kept + scan.logDamage.length > 0) {
    notes.push(
      `${logPath}: kept ${counted(scan.log.kept, 'intact transaction')} ` +
        `(${scan.log.replayed} newer than the snapshot).`,
    )
  }
  if (scan.logDamage.length > 0) {
    const aside = await setAside(dir, LOG, 'damaged', writeNew(scan.logDamage.map((d) => d.bytes)))
    files.push(aside)
    const bytes = scan.logDamage.reduce((sum, damage) => sum + damage.bytes.length, 0)
    notes.push(
      `  Moved ${counted(scan.logDamage.length, 'damaged line')} (${bytes} bytes) to ${aside}:`,
      ...listDamage(scan.logDamage),
    )
  }
  return {notes, files}
}

/** What the report says about transactions missing from the log and documents lost. */
function lossNotes(scan: RepairScan): string[] {
  const notes = scan.gaps.map(([from, to]) => `Log gap: ${transactionsAre(from, to)} missing.`)
  if (scan.gaps.length > 0) {
    notes.push(
      '  The transactions after a gap were replayed anyway: a log line holds the whole documents ' +
        'its transaction wrote, so each of those is as it was acknowledged. What only the missing ' +
        'transactions changed is lost (a damaged line is kept in the side file).',
    )
  }
  const lines = scan.snapshotDamage.map(damagedDocumentIds).filter((ids) => ids.length > 0)
  const restored = lines.filter((ids) => ids.some((id) => scan.dataset.raw.has(id)))
  const lost = lines.filter((ids) => !restored.includes(ids))
  if (lost.length > 0)
    notes.push(
      `Documents of damaged snapshot lines that the log did not restore: ` +
        `${lost.map(documentNamed).join(', ')} (their bytes are in the side file).`,
    )
  if (restored.length > 0) {
    const named = restored.map(documentNamed).join(', ')
    notes.push(`Documents of damaged snapshot lines that the log restored: ${named}.`)
  }
  return notes
}

function warnOnStderr(message: string) {
  console.warn(message)
}

export class DatasetStorage {
  readonly dir: string
  readonly dataset: Dataset
  private readonly lock: DatasetLock
  private readonly options: StorageOptions
  private readonly warn: (message: string) => void
  private log: FileHandle
  private logBytes: number
  /** The snapshot documents are read from (lake/documentFile.ts); undefined before the first. */
  private snapshotFile: DocumentFile | undefined
  /** Size of the last snapshot written or loaded (drives the default compaction threshold). */
  private snapshotBytes = 0
  /** Serialises commits and compaction. */
  private queue: Promise<unknown> = Promise.resolve()
  /** Listeners called after each durable commit, in commit order. */
  private readonly subscribers = new Set<(transaction: Transaction) => void>()
  /** Set when appending to the log failed: the log may hold a line that was never applied. */
  private writeError: unknown
  /** The next background parsing slice, while snapshot documents wait to be parsed. */
  private parsing: NodeJS.Immediate | undefined
  /** The dataset's history (lake/historyLog.ts); undefined when none is kept (`historyDays: 0`). */
  private history: HistoryLog | undefined
  /**
   * Settles once history is open (or known to be off). It opens beside the first requests, so a
   * large index does not delay them; commits, compaction and history reads wait for it.
   */
  private historyOpening: Promise<void> = Promise.resolve()

  private constructor(
    dir: string,
    dataset: Dataset,
    lock: DatasetLock,
    log: FileHandle,
    logBytes: number,
    options: StorageOptions,
  ) {
    this.dir = dir
    this.dataset = dataset
    this.lock = lock
    this.log = log
    this.logBytes = logBytes
    this.options = options
    this.warn = options.warn ?? warnOnStderr
  }

  /**
   * Opens (creating if needed) a dataset directory, taking its lock and recovering its state.
   * Throws StorageDamagedError, changing nothing, when the snapshot or the log is damaged.
   */
  static async open(
    dir: string,
    name: string,
    command: string,
    options: StorageOptions = {},
  ): Promise<DatasetStorage> {
    await makePrivate(dir, options.warn ?? warnOnStderr)
    const lock = DatasetLock.acquire(dir, command)
    try {
      // A new log a crash kept from taking the log's name was never written to.
      await unlink(join(dir, NEXT_LOG)).catch(() => undefined)
      const dataset = new Dataset(name)
      const cacheMegabytes = options.cacheMegabytes ?? DEFAULT_CACHE_MB
      if (Number.isFinite(cacheMegabytes))
        dataset.raw.keepOnDisk(DocumentFile.spill(dir), cacheMegabytes * 1024 * 1024)
      const refuse = (damage: Damage) => {
        throw new StorageDamagedError(damage, dir, name)
      }
      const snapshotPath = join(dir, SNAPSHOT)
      const snapshot = (await exists(snapshotPath))
        ? await loadSnapshot(snapshotPath, dataset, refuse, options.readChunkBytes)
        : undefined
      const logPath = join(dir, LOG)
      const handlers = {damaged: refuse}
      const replay = await replayLog(
        logPath,
        dataset,
        dataset.seq,
        handlers,
        options.readChunkBytes,
      )
      if (replay.torn) await setTornTailAside(dir, replay.torn, options.warn ?? warnOnStderr)
      const log = await open(logPath, 'a+', PRIVATE_FILE)
      const storage = new DatasetStorage(dir, dataset, lock, log, replay.goodBytes, options)
      storage.snapshotBytes = snapshot?.bytes ?? 0
      storage.snapshotFile = snapshot?.file
      storage.historyOpening = storage
        .openHistory()
        .catch((error: unknown) => storage.stopHistory(error))
      await storage.start(snapshot?.format)
      return storage
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /**
   * Opens the dataset's history: links the log into it, indexes what the index lacks and applies
   * the retention period (lake/historyLog.ts).
   */
  private async openHistory(): Promise<void> {
    const days = this.options.historyDays ?? DEFAULT_HISTORY_DAYS
    if (days <= 0) return
    // History is derived from the log: when it cannot be kept (a file system without hard links,
    // a damaged history folder) the dataset still opens, and says so.
    try {
      const history = await HistoryLog.open(this.dir, {retentionDays: days, warn: this.warn})
      this.history = history
      await history.attach(join(this.dir, LOG))
    } catch (error) {
      await this.stopHistory(error)
      return
    }
    await this.history.catchUp(this.dataset.seq).catch((error: unknown) => {
      this.warn(`History could not index the transactions it lacks: ${errorMessage(error)}`)
    })
    await this.history.prune().catch((error: unknown) => {
      this.warn(`History retention did not run: ${errorMessage(error)}`)
    })
  }

  /** The dataset's history once it is open; undefined when none is kept. */
  async historyLog(): Promise<HistoryLog | undefined> {
    await this.historyOpening
    return this.history
  }

  private async stopHistory(error: unknown) {
    this.warn(
      `Dataset "${this.dataset.name}" keeps no history until it is reopened: ${errorMessage(error)}`,
    )
    await this.history?.close().catch(() => undefined)
    this.history = undefined
  }

  /** After recovery: cuts a torn tail off, rewrites an older snapshot format, starts parsing. */
  private async start(snapshotFormat: number | undefined) {
    try {
      await this.log.truncate(this.logBytes)
      // Formats 1 and 2 have no checksums: rewritten once, so later starts verify every line.
      if (snapshotFormat !== undefined && snapshotFormat < SNAPSHOT_FORMAT) await this.compactNow()
    } catch (error) {
      await this.log.close()
      await this.historyOpening
      await this.history?.close()
      throw error
    }
    if (this.options.parseInBackground !== false) this.parseInBackground()
  }

  /**
   * Repairs a dataset that refuses to open: keeps every intact snapshot document and log
   * transaction, sets the damaged bytes aside in files next to them (never deleting any), writes
   * a new snapshot of what was kept and empties the log. Transactions after a damaged one are
   * replayed too: a log line holds the whole documents its transaction wrote. Refuses while
   * another process holds the dataset (DatasetLockedError names it).
   */
  static async repair(
    dir: string,
    name: string,
    command: string,
    options: StorageOptions = {},
  ): Promise<RepairReport> {
    if (!(await exists(dir))) throw new Error(`There is no dataset "${name}" in ${dirname(dir)}`)
    await makePrivate(dir, options.warn ?? warnOnStderr)
    const lock = DatasetLock.acquire(dir, command)
    let report: RepairReport
    try {
      report = await DatasetStorage.repairLocked(dir, name, lock, options)
    } finally {
      lock.release()
    }
    if (!report.changed) return report
    // The proof: the dataset opens as the next start will open it.
    const reopened = await DatasetStorage.open(dir, name, command, {
      ...options,
      parseInBackground: false,
    })
    const {seq, raw} = reopened.dataset
    await reopened.close({compact: false})
    report.notes.push(
      `Wrote a new snapshot (seq ${seq}, ${counted(raw.size, 'document')}) and emptied the log: ` +
        `dataset "${name}" opens again.`,
    )
    return report
  }

  private static async repairLocked(
    dir: string,
    name: string,
    lock: DatasetLock,
    options: StorageOptions,
  ): Promise<RepairReport> {
    const scan = await scanForRepair(dir, name, options.readChunkBytes)
    const intro = `Dataset "${name}" in ${dir}:`
    if (scan.snapshotDamage.length + scan.logDamage.length + scan.gaps.length === 0) {
      const summary = `${SNAPSHOT} and ${LOG} are intact: nothing to repair.`
      return {changed: false, notes: [intro, summary], asideFiles: []}
    }
    const aside = await setDamageAside(dir, scan)
    const log = await open(join(dir, LOG), 'a+', PRIVATE_FILE)
    const storage = new DatasetStorage(dir, scan.dataset, lock, log, 0, options)
    try {
      await storage.compactNow()
    } finally {
      await log.close()
      scan.snapshot?.file.close()
    }
    return {
      changed: true,
      notes: [intro, ...aside.notes, ...lossNotes(scan)],
      asideFiles: aside.files,
    }
  }

  /** Parses the snapshot's documents a slice per event-loop turn, between requests. */
  private parseInBackground() {
    const slice = () => {
      try {
        this.parsing = this.dataset.raw.parseSome(PARSE_SLICE) > 0 ? setImmediate(slice) : undefined
      } catch (error) {
        // Checksums were verified on load, so this is a bug: said, and the lake goes on serving.
        this.parsing = undefined
        this.warn(`Parsing dataset "${this.dataset.name}" stopped: ${errorMessage(error)}`)
      }
    }
    // Kept on disk, nothing waits to be parsed: the text indexes' build (in slices) starts now.
    if (this.dataset.raw.keptOnDisk) this.dataset.raw.parseSome(0)
    else if (this.dataset.raw.unparsedCount > 0) this.parsing = setImmediate(slice)
  }

  subscribe(listener: (transaction: Transaction) => void): () => void {
    this.subscribers.add(listener)
    return () => this.subscribers.delete(listener)
  }

  setServerUrl(url: string) {
    this.lock.update({url})
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work)
    this.queue = next.catch(() => undefined)
    return next
  }

  /**
   * Makes a transaction durable, then applies it. `build` runs inside the commit queue so it sees
   * every earlier transaction (revision checks and existence checks are race-free).
   */
  commit<T>(
    build: (dataset: Dataset) => Promise<{transaction: Omit<Transaction, 'seq'>; result: T}>,
  ): Promise<{transaction: Transaction; result: T}> {
    return this.serialised(async () => {
      if (this.writeError !== undefined) {
        throw new Error(
          `Dataset "${this.dataset.name}" takes no more writes after a failed log write; reopen it`,
          {cause: this.writeError},
        )
      }
      const built = await build(this.dataset)
      const transaction: Transaction = {...built.transaction, seq: this.dataset.seq + 1}
      if (transaction.changes.length > 0) {
        await this.historyOpening
        const entry = this.logEntry(transaction)
        const line = logLine(entry)
        const {bytes} = line
        const offset = this.logBytes
        try {
          await this.log.appendFile(bytes)
          if (!this.options.unsafeNoSync) await this.log.datasync()
        } catch (error) {
          // Part or all of the line may be in the log although the transaction is not applied: a
          // later line would be glued onto it or reuse its seq (and be refused on replay).
          this.writeError = error
          throw error
        }
        this.logBytes += bytes.length
        this.dataset.apply(transaction)
        await this.recordHistory(entry, line, offset)
        this.announce(transaction)
        const threshold =
          this.options.compactBytes ?? Math.max(MIN_COMPACT_BYTES, this.snapshotBytes)
        if (this.logBytes > threshold) await this.compactNow()
      }
      return {transaction, result: built.result}
    })
  }

  /**
   * The log line's entry: after-images, who committed it, each document's revision before, and
   * the version before of documents history has not met (so it can show what they changed).
   */
  private logEntry(transaction: Transaction): LogEntry {
    const base: [string, LakeDocument][] = []
    for (const {id, before} of transaction.changes)
      if (before && this.history && !this.history.has(id)) base.push([id, before])
    return {
      seq: transaction.seq,
      id: transaction.id,
      timestamp: transaction.timestamp,
      ...(transaction.author === undefined ? {} : {author: transaction.author}),
      docs: transaction.changes.map((change) => [change.id, change.after]),
      prev: transaction.changes.map(({before}) =>
        before ? (typeof before._rev === 'string' ? before._rev : '') : null,
      ),
      ...(base.length > 0 ? {base} : {}),
    }
  }

  /** Indexes a durable transaction's versions; a failure is said, never fails the commit. */
  private async recordHistory(entry: LogEntry, line: ReturnType<typeof logLine>, offset: number) {
    try {
      await this.history?.recordCommit(entry, line, offset)
    } catch (error) {
      this.warn(`History did not record transaction ${entry.id}: ${errorMessage(error)}`)
    }
  }

  /** Tells every subscriber; one that throws must not fail a commit that is already durable. */
  private announce(transaction: Transaction) {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(transaction)
      } catch (error) {
        this.warn(`A subscriber failed on transaction ${transaction.id}: ${errorMessage(error)}`)
      }
    }
  }

  compact(): Promise<void> {
    return this.serialised(() => this.compactNow())
  }

  private async compactNow() {
    await this.historyOpening
    const written = await writeSnapshot(this.dir, this.dataset)
    this.snapshotBytes = written.bytes
    if (this.dataset.raw.keptOnDisk) this.readFromSnapshot(written)
    await this.startNewLog()
    this.logBytes = 0
    try {
      await this.history?.prune()
    } catch (error) {
      this.warn(`History retention did not run: ${errorMessage(error)}`)
    }
  }

  /**
   * After a compaction: documents are read from the new snapshot, and the old one and the spill
   * file are let go (their space is freed once closed).
   */
  private readFromSnapshot({indexPaths, placed, revs}: SnapshotWritten) {
    const file = DocumentFile.open(join(this.dir, SNAPSHOT))
    this.dataset.raw.movedTo(file, placed, revs, indexPaths, DocumentFile.spill(this.dir))
    this.snapshotFile?.close()
    this.snapshotFile = file
  }

  /**
   * Replaces the log with a new, empty one: created under a temporary name, linked into history,
   * then renamed over the log. The old file lives on under its history name (or is freed when no
   * history is kept); a crash leaves either the old log, whose lines the snapshot already holds,
   * or the new one.
   */
  private async startNewLog() {
    const path = join(this.dir, LOG)
    const next = join(this.dir, NEXT_LOG)
    const log = await open(next, 'a+', PRIVATE_FILE)
    await this.history?.attach(next).catch((error: unknown) => this.stopHistory(error))
    try {
      await rename(next, path)
      await syncDirectory(this.dir)
    } catch (error) {
      await log.close()
      throw error
    }
    const old = this.log
    this.log = log
    await old.close()
  }

  async close({compact = true} = {}) {
    clearImmediate(this.parsing)
    await this.serialised(async () => {
      if (compact && this.logBytes > 0) await this.compactNow()
      await this.log.close()
      await this.historyOpening
      await this.history?.close()
    })
    this.snapshotFile?.close()
    this.dataset.raw.closeFiles()
    this.lock.release()
  }
}
