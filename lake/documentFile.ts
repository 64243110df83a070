import {randomBytes} from 'node:crypto'
import {closeSync, openSync, readSync, unlinkSync, writeSync} from 'node:fs'
import {join} from 'node:path'

// Documents at rest stay in files, not in the heap: a 100k-thread archive is 700 MB of JSON and
// about 1 GB once parsed, more than the lake's memory budget. The index keeps where each
// document's JSON is (lake/documentIndex.ts `Unparsed`) and reads it back on demand; the kernel's
// page cache, not the process, keeps the hot bytes. Two kinds of file are read: the snapshot the
// dataset was opened from (or last compacted to), and a spill file that holds the documents
// written since, which the log records only as transactions.

/** Closes the descriptors of files nothing refers to any more (one never closed by its owner). */
const unreferenced = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd)
  } catch {
    // Already closed with its process's files; nothing to free.
  }
})

/** Where reads land (see `read`); one per process, as reads are synchronous. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/** A file documents are read from by offset. */
export class DocumentFile {
  readonly path: string
  private fd: number
  /** Bytes appended so far (spill files). */
  private size = 0
  private closed = false

  private constructor(path: string, fd: number) {
    this.path = path
    this.fd = fd
    unreferenced.register(this, fd, this)
  }

  /** Opens a file to read documents from (a snapshot, which is never written in place). */
  static open(path: string): DocumentFile {
    return new DocumentFile(path, openSync(path, 'r'))
  }

  /**
   * Creates a spill file in `dir` (private to its owner) and removes its name at once: it lives
   * as long as it is open, so a crash leaves nothing behind, and no other process can open it by
   * name. What it holds is also in the transaction log; it is a cache, never synced.
   */
  static spill(dir: string): DocumentFile {
    const path = join(dir, `.spill-${process.pid}-${randomBytes(6).toString('hex')}`)
    const fd = openSync(path, 'wx+', 0o600)
    unlinkSync(path)
    return new DocumentFile(path, fd)
  }

  /** Appends `bytes`; returns the offset they were written at. */
  append(bytes: Buffer): number {
    this.check()
    const at = this.size
    for (let done = 0; done < bytes.length;)
      done += writeSync(this.fd, bytes, done, bytes.length - done, at + done)
    this.size += bytes.length
    return at
  }

  /**
   * The bytes from `start` to `end`, in a buffer shared by every read: valid until the next one.
   * (A buffer per read left the process's allocator holding hundreds of megabytes it had freed.)
   */
  read(start: number, end: number): Buffer {
    this.check()
    const length = end - start
    if (scratch.length < length)
      scratch = Buffer.allocUnsafeSlow(Math.max(length, 2 * scratch.length))
    let done = 0
    while (done < length) {
      const read = readSync(this.fd, scratch, done, length - done, start + done)
      if (read === 0) throw new Error(`${this.path} ends at byte ${start + done}, before ${end}`)
      done += read
    }
    return scratch.subarray(0, length)
  }

  close() {
    if (this.closed) return
    this.closed = true
    unreferenced.unregister(this)
    closeSync(this.fd)
    this.fd = -1
  }

  private check() {
    // A closed descriptor's number may already belong to another file: never read through it.
    if (this.closed)
      throw new Error(`${this.path} was closed while documents were still read from it`)
  }
}

interface CacheNode<T> {
  id: string
  /** Cleared when the node leaves (see `delete`). */
  value: T | undefined
  bytes: number
  older: CacheNode<T> | undefined
  newer: CacheNode<T> | undefined
}

/** Ids an admission remembers (a few megabytes: the ids are the index's own strings). */
const REMEMBERED = 1 << 16

/**
 * Parsed documents read more than once lately, up to a number of bytes of their JSON; the least
 * recently used leave first. A document is let in on its second read (`offer`): a scan, which
 * reads everything once (a text index's build, a query over every question), passes through
 * without pushing out what is hot, and leaves nothing to the old generation of the heap. Cached
 * documents outlive several young collections, so each one that enters is promoted and later
 * swept by a full collection, and V8 keeps the pages it grew to for that: admitting every read
 * grew the process by the whole volume scanned.
 */
export class DocumentCache<T> {
  readonly limit: number
  private readonly nodes = new Map<string, CacheNode<T>>()
  // A list rather than a Map's insertion order: evicting from the front of a Map leaves holes
  // that every later walk from the front steps over until the Map is rehashed.
  private oldest: CacheNode<T> | undefined
  private newest: CacheNode<T> | undefined
  private held = 0
  /** Ids offered once lately, and the ring that forgets the oldest of them. */
  private readonly seen = new Set<string>()
  private readonly ring: (string | undefined)[] = Array.from({length: REMEMBERED})
  private next = 0

  constructor(limit: number) {
    this.limit = limit
  }

  /** Caches a document just read if it was read (or written) lately too; remembers it if not. */
  offer(id: string, value: T, bytes: number) {
    if (this.seen.delete(id)) this.set(id, value, bytes)
    else this.remember(id)
  }

  /** Remembers `id` as read or written once, without caching anything. */
  remember(id: string) {
    const forgotten = this.ring[this.next]
    if (forgotten !== undefined) this.seen.delete(forgotten)
    this.ring[this.next] = id
    this.next = (this.next + 1) % REMEMBERED
    this.seen.add(id)
  }

  get size(): {documents: number; bytes: number} {
    return {documents: this.nodes.size, bytes: this.held}
  }

  /** The value, now the most recently used. */
  get(id: string): T | undefined {
    const node = this.nodes.get(id)
    if (!node) return undefined
    if (node !== this.newest) {
      this.unlink(node)
      this.append(node)
    }
    return node.value
  }

  /** The value, leaving the order as it is (a scan reads everything once). */
  peek(id: string): T | undefined {
    return this.nodes.get(id)?.value
  }

  set(id: string, value: T, bytes: number) {
    this.delete(id)
    const node: CacheNode<T> = {id, value, bytes, older: undefined, newer: undefined}
    this.nodes.set(id, node)
    this.append(node)
    this.held += bytes
    while (this.held > this.limit && this.oldest) this.delete(this.oldest.id)
  }

  delete(id: string) {
    const node = this.nodes.get(id)
    if (!node) return
    this.nodes.delete(id)
    this.unlink(node)
    this.held -= node.bytes
    // A node that lived long enough to be promoted stays in the old generation until the next
    // full collection: were it to keep its value, every young scavenge would keep that alive too
    // (and promote it), and so each document that ever passed through the cache.
    node.value = undefined
  }

  private append(node: CacheNode<T>) {
    node.older = this.newest
    node.newer = undefined
    if (this.newest) this.newest.newer = node
    else this.oldest = node
    this.newest = node
  }

  private unlink(node: CacheNode<T>) {
    if (node.older) node.older.newer = node.newer
    else this.oldest = node.newer
    if (node.newer) node.newer.older = node.older
    else this.newest = node.older
    node.older = node.newer = undefined
  }
}
