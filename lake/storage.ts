import {createReadStream} from 'node:fs'
import {mkdir, open, rename, type FileHandle, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {Dataset, type Transaction} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {DatasetLock} from './lock.ts'

// Durability: every transaction is appended to `transactions.log` as one JSON line and fsynced
// before it is acknowledged. `snapshot.ndjson` holds the documents as of a sequence number; on
// start the snapshot is loaded and later log lines replayed. A torn last line (crash mid-write)
// was never acknowledged and is cut off. Compaction writes a new snapshot atomically (temp file,
// fsync, rename) and then empties the log.

const SNAPSHOT = 'snapshot.ndjson'
const LOG = 'transactions.log'
const MIN_COMPACT_BYTES = 64 * 1024 * 1024

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
  /** Skip fsync (tests of logic only; never for real data). */
  unsafeNoSync?: boolean
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
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
    await mkdir(dir, {recursive: true})
    const lock = DatasetLock.acquire(dir, command)
    try {
      const dataset = new Dataset(name)
      const snapshotPath = join(dir, SNAPSHOT)
      if (await exists(snapshotPath)) {
        const documents: LakeDocument[] = []
        let first = true
        for await (const {line} of readLines(snapshotPath)) {
          if (first) {
            dataset.seq = JSON.parse(line).seq
            first = false
          } else if (line) documents.push(JSON.parse(line))
        }
        dataset.load(documents)
      }
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
      const log = await open(logPath, 'a+')
      await log.truncate(goodBytes)
      const storage = new DatasetStorage(dir, dataset, lock, log, goodBytes, options)
      storage.snapshotBytes = (await exists(snapshotPath)) ? (await stat(snapshotPath)).size : 0
      return storage
    } catch (error) {
      lock.release()
      throw error
    }
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
    const file = await open(temp, 'w')
    try {
      let bytes = 0
      const flush = async (lines: string[]) => {
        const text = `${lines.join('\n')}\n`
        bytes += Buffer.byteLength(text)
        await file.write(text)
      }
      const chunk: string[] = [JSON.stringify({seq: this.dataset.seq, format: 1})]
      for (const document of this.dataset.raw.documents()) {
        chunk.push(JSON.stringify(document))
        if (chunk.length >= 1000) await flush(chunk.splice(0))
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
    await this.serialised(async () => {
      if (compact && this.logBytes > 0) await this.compactNow()
      await this.log.close()
    })
    this.lock.release()
  }
}
