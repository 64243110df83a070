import {createReadStream} from 'node:fs'
import {chmod, type FileHandle, mkdir, open, readdir, rename, stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {Dataset, type Transaction} from './dataset.ts'
import {
  collectReferences,
  type LakeDocument,
  type RawIndex,
  SnapshotChunk,
  Unparsed,
} from './documentIndex.ts'
import {DatasetLock} from './lock.ts'

// Durability: every transaction is appended to `transactions.log` as one JSON line and fsynced
// before it is acknowledged. `snapshot.ndjson` holds the documents as of a sequence number; on
// start the snapshot is loaded and later log lines replayed. A torn last line (crash mid-write)
// was never acknowledged and is cut off. Compaction writes a new snapshot atomically (temp file,
// fsync, rename) and then empties the log. The files (and their folders) are readable by their
// owner only: 0600, folders 0700.
//
// Snapshot format 2: a header line `{seq, format, valuePaths}`, then one line per document:
// `[id, type, [references], [values]]` (its values at the value-index paths), a tab, then the
// document's JSON. Opening builds every index from the short part and keeps the JSON unparsed
// (lake/documentIndex.ts `Unparsed`), so a dataset of 100k+ threads answers its first queries in
// seconds (also by value, for the paths the lake had indexed when it wrote the snapshot); the
// documents are then parsed in the background, a slice per event-loop turn.
// Format 1 (the document's JSON alone) is still read.

const SNAPSHOT = 'snapshot.ndjson'
const LOG = 'transactions.log'
const MIN_COMPACT_BYTES = 64 * 1024 * 1024
const SNAPSHOT_FORMAT = 2
const READ_CHUNK_BYTES = 32 * 1024 * 1024
/** Documents parsed per background tick: small enough to keep requests flowing in between. */
const PARSE_SLICE = 2000
const NEWLINE = 0x0a
const TAB = 0x09
export const PRIVATE_FILE = 0o600
export const PRIVATE_FOLDER = 0o700

interface LogEntry {
  seq: number
  id: string
  timestamp: string
  /** After-images: the document, or null when deleted. */
  docs: [string, LakeDocument | null][]
}

export interface StorageOptions {
  /**
   * Compact when the log grows past this many bytes. By default: past 64 MB or the snapshot's
   * size, whichever is larger, so rewriting the snapshot costs amortised linear time however
   * large the dataset grows.
   */
  compactBytes?: number
  /** Parse snapshot documents in the background after opening (default true). */
  parseInBackground?: boolean
  /** Bytes read per snapshot chunk (tests use tiny chunks to split lines across reads). */
  readChunkBytes?: number
  /** Skip fsync (tests of logic only; never for real data). */
  unsafeNoSync?: boolean
  /** Reports what opening found and could not fix itself; default: stderr. */
  warn?: (message: string) => void
}

async function* readLines(path: string): AsyncGenerator<{line: string; end: number}> {
  let end = 0
  const lines = createInterface({
    input: createReadStream(path, {encoding: 'utf8'}),
    crlfDelay: Infinity,
  })
  for await (const line of lines) {
    end += Buffer.byteLength(line) + 1
    yield {line, end}
  }
}

/**
 * Reads a snapshot into `dataset`, chunk by chunk; documents stay unparsed (format 2). Lines are
 * sliced from the chunk buffers, which stay alive until their documents are parsed.
 */
async function loadSnapshot(path: string, dataset: Dataset, chunkBytes = READ_CHUNK_BYTES) {
  const file = await open(path, 'r')
  try {
    let format = 0
    let carry: Buffer = Buffer.alloc(0)
    let lineNumber = 0
    let valuePaths = '[]'
    const line = (buffer: Buffer, start: number, end: number, chunk?: SnapshotChunk) => {
      lineNumber++
      if (end <= start) return
      if (format === 0) {
        const header = JSON.parse(buffer.toString('utf8', start, end)) as {
          seq: number
          format?: number
          valuePaths?: string[][]
        }
        dataset.seq = header.seq
        format = header.format ?? 1
        if (format > SNAPSHOT_FORMAT) {
          throw new Error(`${path}: snapshot format ${format} is newer than this lake reads`)
        }
        if (format === 2) {
          dataset.raw.prepareValueIndexes(header.valuePaths ?? [])
          valuePaths = JSON.stringify(header.valuePaths ?? [])
        }
      } else if (format === 1) {
        dataset.raw.put(JSON.parse(buffer.toString('utf8', start, end)) as LakeDocument)
      } else {
        const tab = buffer.indexOf(TAB, start)
        if (tab < 0 || tab >= end)
          throw new Error(`${path}:${lineNumber}: no tab after the index part`)
        const [id, type, references, values = []] = JSON.parse(
          buffer.toString('utf8', start, tab),
        ) as [string, string, string[], unknown[]?]
        const entry = new Unparsed(buffer, start, tab + 1, end, valuePaths, chunk)
        dataset.raw.putUnparsed(id, type, references, values, entry)
      }
    }
    // Each chunk is read while the one before is indexed. A line split between chunks is joined
    // into a buffer of its own; the chunks stay alive while documents sliced from them wait.
    const readChunk = async () => {
      // Not from Node's shared pool: a chunk's memory is freed on its own (SnapshotChunk).
      const data = Buffer.allocUnsafeSlow(chunkBytes)
      const {bytesRead} = await file.read(data, 0, chunkBytes, null)
      return bytesRead === 0 ? undefined : data.subarray(0, bytesRead)
    }
    // A read in flight when a bad line throws is not waited for: its failure is not ours to report.
    const prefetch = () => {
      const reading = readChunk()
      reading.catch(() => undefined)
      return reading
    }
    let next = prefetch()
    for (let data = await next; data; data = await next) {
      next = prefetch()
      let start = 0
      let newline = data.indexOf(NEWLINE)
      if (carry.length > 0) {
        if (newline < 0) {
          carry = Buffer.concat([carry, data])
          continue
        }
        const joined = Buffer.concat([carry, data.subarray(0, newline)])
        line(joined, 0, joined.length)
        start = newline + 1
        newline = data.indexOf(NEWLINE, start)
      }
      const chunk = new SnapshotChunk(data)
      for (; newline >= 0; newline = data.indexOf(NEWLINE, start)) {
        line(data, start, newline, chunk)
        start = newline + 1
      }
      carry = Buffer.from(data.subarray(start))
      chunk.release()
    }
    if (carry.length > 0) line(carry, 0, carry.length)
  } finally {
    await file.close()
  }
}

/**
 * A document's snapshot line (format 2) without its newline: id, type, references and its values
 * for the value-index paths, then its JSON. Unparsed documents are copied as read when their line
 * has values for the same paths (always, unless an index was added since, which parses all).
 */
function snapshotLine(
  entry: LakeDocument | Unparsed,
  raw: RawIndex,
  paths: readonly (readonly string[])[],
  valuePaths: string,
): Buffer {
  if (entry instanceof Unparsed && entry.valuePaths === valuePaths) return entry.line()
  const document = entry instanceof Unparsed ? entry.parse() : entry
  const values = paths.length === 0 ? [] : [raw.valuesOf(document, paths)]
  const head = JSON.stringify([
    document._id,
    document._type,
    [...collectReferences(document)],
    ...values,
  ])
  return Buffer.from(`${head}\t${JSON.stringify(document)}`)
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code
}

function warnOnStderr(message: string) {
  console.warn(message)
}

/** Sets a file's or folder's mode to `mode` unless it has it (earlier versions used 0644/0755). */
export async function keepPrivate(path: string, mode: number) {
  if (((await stat(path)).mode & 0o777) !== mode) await chmod(path, mode)
}

/**
 * Creates the dataset folder and keeps it, the data folder above it and every file in it
 * readable by their owner only: the archive's drafts and the server's address are nobody else's.
 */
async function makePrivate(dir: string, warn: (message: string) => void) {
  await mkdir(dir, {recursive: true, mode: PRIVATE_FOLDER})
  const paths: [string, number][] = [
    [dirname(dir), PRIVATE_FOLDER],
    [dir, PRIVATE_FOLDER],
  ]
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

export class DatasetStorage {
  readonly dir: string
  readonly dataset: Dataset
  private readonly lock: DatasetLock
  private readonly options: StorageOptions
  private log: FileHandle
  private logBytes: number
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
  }

  /** Opens (creating if needed) a dataset directory, taking its lock and recovering its state. */
  static async open(
    dir: string,
    name: string,
    command: string,
    options: StorageOptions = {},
  ): Promise<DatasetStorage> {
    await makePrivate(dir, options.warn ?? warnOnStderr)
    const lock = DatasetLock.acquire(dir, command)
    try {
      const dataset = new Dataset(name)
      const snapshotPath = join(dir, SNAPSHOT)
      if (await exists(snapshotPath))
        await loadSnapshot(snapshotPath, dataset, options.readChunkBytes)
      const logPath = join(dir, LOG)
      let goodBytes = 0
      const logSize = (await exists(logPath)) ? (await stat(logPath)).size : 0
      if (logSize > 0) {
        for await (const {line, end} of readLines(logPath)) {
          // A last line without its newline is torn too, even when it parses: a commit is only
          // acknowledged once its whole line is synced, and keeping it would make `truncate` below
          // pad the file with a NUL that glues the next appended line onto it.
          if (end > logSize) break
          let entry: LogEntry
          try {
            entry = JSON.parse(line)
          } catch {
            break // torn tail: the crash happened before this transaction was acknowledged
          }
          if (entry.seq > dataset.seq) {
            dataset.apply({
              seq: entry.seq,
              id: entry.id,
              timestamp: entry.timestamp,
              mutations: [],
              changes: entry.docs.map(([id, after]) => ({
                id,
                before: dataset.get(id) ?? null,
                after,
              })),
            })
          }
          goodBytes = end
        }
      }
      const log = await open(logPath, 'a+', PRIVATE_FILE)
      await log.truncate(goodBytes)
      const storage = new DatasetStorage(dir, dataset, lock, log, goodBytes, options)
      storage.snapshotBytes = (await exists(snapshotPath)) ? (await stat(snapshotPath)).size : 0
      if (options.parseInBackground !== false) storage.parseInBackground()
      return storage
    } catch (error) {
      lock.release()
      throw error
    }
  }

  /** Parses the snapshot's documents a slice per event-loop turn, between requests. */
  private parseInBackground() {
    const slice = () => {
      this.parsing = this.dataset.raw.parseSome(PARSE_SLICE) > 0 ? setImmediate(slice) : undefined
    }
    if (this.dataset.raw.unparsedCount > 0) this.parsing = setImmediate(slice)
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
        const entry: LogEntry = {
          seq: transaction.seq,
          id: transaction.id,
          timestamp: transaction.timestamp,
          docs: transaction.changes.map((change) => [change.id, change.after]),
        }
        const line = `${JSON.stringify(entry)}\n`
        try {
          await this.log.appendFile(line)
          if (!this.options.unsafeNoSync) await this.log.datasync()
        } catch (error) {
          // Part or all of the line may be in the log although the transaction is not applied: a
          // later line would be glued onto it or reuse its seq (and be skipped on replay).
          this.writeError = error
          throw error
        }
        this.logBytes += Buffer.byteLength(line)
        this.dataset.apply(transaction)
        for (const subscriber of this.subscribers) subscriber(transaction)
        const threshold =
          this.options.compactBytes ?? Math.max(MIN_COMPACT_BYTES, this.snapshotBytes)
        if (this.logBytes > threshold) await this.compactNow()
      }
      return {transaction, result: built.result}
    })
  }

  compact(): Promise<void> {
    return this.serialised(() => this.compactNow())
  }

  private async compactNow() {
    const temp = join(this.dir, `${SNAPSHOT}.tmp`)
    const file = await open(temp, 'w', PRIVATE_FILE)
    try {
      await file.chmod(PRIVATE_FILE) // one left by a crash keeps the mode it had
      let bytes = 0
      const flush = async (lines: Buffer[]) => {
        const data = Buffer.concat(lines)
        bytes += data.length
        await file.write(data)
      }
      const newline = Buffer.from('\n')
      const {raw} = this.dataset
      const paths = raw.valuePaths()
      const valuePaths = JSON.stringify(paths)
      const header = {seq: this.dataset.seq, format: SNAPSHOT_FORMAT, valuePaths: paths}
      const chunk: Buffer[] = [Buffer.from(JSON.stringify(header)), newline]
      for (const entry of raw.entries()) {
        chunk.push(snapshotLine(entry, raw, paths, valuePaths), newline)
        if (chunk.length >= 2000) await flush(chunk.splice(0))
      }
      if (chunk.length > 0) await flush(chunk)
      await file.sync()
      this.snapshotBytes = bytes
    } finally {
      await file.close()
    }
    await rename(temp, join(this.dir, SNAPSHOT))
    const directory = await open(this.dir, 'r')
    await directory.sync().finally(() => directory.close())
    await this.log.truncate(0)
    this.logBytes = 0
  }

  async close({compact = true} = {}) {
    clearImmediate(this.parsing)
    await this.serialised(async () => {
      if (compact && this.logBytes > 0) await this.compactNow()
      await this.log.close()
    })
    this.lock.release()
  }
}
