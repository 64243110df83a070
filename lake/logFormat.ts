import {open} from 'node:fs/promises'
import {crc32} from 'node:zlib'
import type {LakeDocument} from './documentIndex.ts'

// The transaction log's line format, and reading files line by line: shared by the dataset's
// storage (which writes and replays the log) and its history (which indexes the same lines where
// they lie, lake/historyLog.ts).
//
// A log line is `{"crc":"<8 hex>",` and then the rest of the entry's JSON, which the checksum
// covers: `"seq":…,"id":…,"timestamp":…,"author":…,"docs":[[id, after]…],"prev":[…],"base":[…]}`.
// The head (up to `"docs"`) is short, so history reads a transaction's id, time and author from
// the first bytes of its line, and a document's version from the byte span of its `[id, doc]`
// element, without reading the rest of a line that may hold hundreds of documents.

const NEWLINE = 0x0a
export const LINE_END = Buffer.from('\n')
export const READ_CHUNK_BYTES = 32 * 1024 * 1024
/** How a log line with a checksum starts: `{"crc":"`, 8 hex digits, `",`. */
const LOG_CRC_START = Buffer.from('{"crc":"')
const LOG_CRC_END = Buffer.from('",')
const LOG_BODY = LOG_CRC_START.length + 8 + LOG_CRC_END.length
/** How every line of a log written before checksums starts. */
const LEGACY_LOG_START = Buffer.from('{"seq":')
/** Where a line's head ends and its documents begin. */
const DOCS_START = ',"docs":['

// --- Checksums ---

export function hex(crc: number): string {
  return crc.toString(16).padStart(8, '0')
}

/** The 8 lowercase hex digits at `at` as a number, or -1 (which no CRC32 equals). */
export function readHex(buffer: Buffer, at: number): number {
  let value = 0
  for (let index = at; index < at + 8; index++) {
    const byte = buffer[index] ?? 0
    const digit =
      byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1
    if (digit < 0) return -1
    value = value * 16 + digit
  }
  return value
}

const SPACE = 0x20

/** Where a snapshot line's content starts after its checksum, or -1 when that does not match. */
export function checkedContent(buffer: Buffer, start: number, end: number): number {
  if (end - start < 9 || buffer[start + 8] !== SPACE) return -1
  return readHex(buffer, start) === crc32(buffer.subarray(start + 9, end)) ? start + 9 : -1
}

function startsWith(buffer: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false
  for (let index = 0; index < prefix.length; index++)
    if (buffer[start + index] !== prefix[index]) return false
  return true
}

// --- Lines ---

export interface LineAt {
  /** 1-based. */
  number: number
  /** Byte offset of the line's first byte in the file. */
  offset: number
  /** False for bytes after the file's last newline. */
  terminated: boolean
}

type LineVisitor = (buffer: Buffer, start: number, end: number, at: LineAt) => void

/** The line's bytes as found, its newline included, copied out of the read buffer. */
export function bytesOf(buffer: Buffer, start: number, end: number, at: LineAt): Buffer {
  const bytes = Buffer.from(buffer.subarray(start, end))
  return at.terminated ? Buffer.concat([bytes, LINE_END]) : bytes
}

/**
 * Calls `visit` with each line of a file (without its newline), read chunk by chunk; returns how
 * many lines and bytes there were. Lines are sliced from the chunk buffers, which `visit` must
 * not keep.
 */
export async function forEachLine(
  path: string,
  chunkBytes: number,
  visit: LineVisitor,
): Promise<{lines: number; bytes: number}> {
  const file = await open(path, 'r')
  try {
    let carry: Buffer = Buffer.alloc(0)
    let number = 0
    let offset = 0
    const line = (buffer: Buffer, start: number, end: number) => {
      visit(buffer, start, end, {number: ++number, offset, terminated: true})
      offset += end - start + 1
    }
    // Each chunk is read while the one before is visited.
    const readChunk = async () => {
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
      for (; newline >= 0; newline = data.indexOf(NEWLINE, start)) {
        line(data, start, newline)
        start = newline + 1
      }
      carry = Buffer.from(data.subarray(start))
    }
    if (carry.length > 0) {
      visit(carry, 0, carry.length, {number: ++number, offset, terminated: false})
      offset += carry.length
    }
    return {lines: number, bytes: offset}
  } finally {
    await file.close()
  }
}

// --- Log entries ---

export interface LogEntry {
  seq: number
  id: string
  timestamp: string
  /** Who committed it (a user id, lake/users.ts); absent from lines of earlier versions. */
  author?: string
  /** After-images: the document, or null when deleted. */
  docs: [string, LakeDocument | null][]
  /** Each document's revision before the transaction (null: it did not exist), as `docs`. */
  prev?: (string | null)[]
  /** Versions before the transaction of documents history had not seen yet (its baseline). */
  base?: [string, LakeDocument][]
}

/** Where an `[id, document]` element lies in a line, in bytes from the line's start. */
export interface Span {
  start: number
  length: number
}

export interface LaidOutLine {
  /** The line's bytes, newline included. */
  bytes: Buffer
  docs: Span[]
  base: Span[]
}

export function isDocument(value: unknown): value is LakeDocument {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    '_id' in value &&
    typeof value._id === 'string' &&
    '_type' in value &&
    typeof value._type === 'string'
  )
}

function isLogChange(value: unknown): boolean {
  if (!Array.isArray(value) || value.length !== 2) return false
  const [id, after]: unknown[] = value
  return typeof id === 'string' && (after === null || (isDocument(after) && after._id === id))
}

/** An object whose `seq` is a whole number of at least `least`. */
export function hasSequence(value: unknown, least: number): value is {seq: number} {
  return (
    typeof value === 'object' &&
    value !== null &&
    'seq' in value &&
    typeof value.seq === 'number' &&
    Number.isSafeInteger(value.seq) &&
    value.seq >= least
  )
}

function isLogEntry(value: unknown): value is LogEntry {
  return (
    hasSequence(value, 1) &&
    'id' in value &&
    typeof value.id === 'string' &&
    'timestamp' in value &&
    typeof value.timestamp === 'string' &&
    (!('author' in value) || typeof value.author === 'string') &&
    'docs' in value &&
    Array.isArray(value.docs) &&
    value.docs.every(isLogChange) &&
    (!('prev' in value) ||
      (Array.isArray(value.prev) &&
        value.prev.length === value.docs.length &&
        value.prev.every((rev: unknown) => rev === null || typeof rev === 'string'))) &&
    (!('base' in value) ||
      (Array.isArray(value.base) &&
        value.base.every(
          (change: unknown) => isLogChange(change) && Array.isArray(change) && change[1] !== null,
        )))
  )
}

/** Appends `[id, document]` elements to `text`, noting each one's byte span. */
class LineWriter {
  text: string
  bytes: number

  constructor(start: string, startBytes: number) {
    this.text = start
    this.bytes = startBytes
  }

  add(piece: string): Span {
    const span = {start: this.bytes, length: Buffer.byteLength(piece)}
    this.text += piece
    this.bytes += span.length
    return span
  }

  elements(list: readonly [string, LakeDocument | null][]): Span[] {
    return list.map((element, index) => {
      if (index > 0) this.add(',')
      return this.add(JSON.stringify(element))
    })
  }
}

/**
 * The entry's JSON after its opening brace, and where its elements lie counted from `offset` (the
 * bytes before it on the line): the same bytes `JSON.stringify` gives for the fields in this order,
 * so lines of earlier versions lay out the same way when read back.
 */
function layout(entry: LogEntry, offset: number) {
  const head =
    `"seq":${entry.seq},"id":${JSON.stringify(entry.id)},` +
    `"timestamp":${JSON.stringify(entry.timestamp)}` +
    (entry.author === undefined ? '' : `,"author":${JSON.stringify(entry.author)}`) +
    DOCS_START
  const line = new LineWriter('', offset)
  line.add(head)
  const docs = line.elements(entry.docs)
  line.add(']')
  if (entry.prev) line.add(`,"prev":${JSON.stringify(entry.prev)}`)
  let base: Span[] = []
  if (entry.base) {
    line.add(',"base":[')
    base = line.elements(entry.base)
    line.add(']')
  }
  line.add('}')
  return {rest: line.text, end: line.bytes, docs, base}
}

/** A log line: the entry's JSON with the checksum of the rest of it as its first field. */
export function logLine(entry: LogEntry): LaidOutLine {
  const {rest, end, docs, base} = layout(entry, LOG_BODY)
  // Encoded once into the line's buffer, and the checksum taken over those bytes: CRC32 of a
  // string built piece by piece is far slower than of its bytes.
  const bytes = Buffer.allocUnsafe(end + 1)
  LOG_CRC_START.copy(bytes, 0)
  bytes.write(rest, LOG_BODY, 'utf8')
  bytes.write(hex(crc32(bytes.subarray(LOG_BODY, end))), LOG_CRC_START.length, 'latin1')
  LOG_CRC_END.copy(bytes, LOG_BODY - LOG_CRC_END.length)
  bytes[end] = NEWLINE
  return {bytes, docs, base}
}

/**
 * Where the elements of a line read back lie (`length` without its newline), or undefined when the
 * line is not laid out as this version writes (then history cannot point into it).
 */
export function spansOf(entry: LogEntry, checksummed: boolean, length: number) {
  const {end, docs, base} = layout(entry, checksummed ? LOG_BODY : 1)
  return end === length ? {docs, base} : undefined
}

/** The entry a log line holds, or what is wrong with it. */
export function readLogLine(
  buffer: Buffer,
  start: number,
  end: number,
): {entry: LogEntry; checksummed: boolean} | string {
  const checksummed = startsWith(buffer, start, end, LOG_CRC_START)
  if (checksummed) {
    const body = start + LOG_BODY
    if (
      !startsWith(buffer, body - LOG_CRC_END.length, end, LOG_CRC_END) ||
      readHex(buffer, start + LOG_CRC_START.length) !== crc32(buffer.subarray(body, end))
    )
      return 'its checksum does not match its contents'
  } else if (!startsWith(buffer, start, end, LEGACY_LOG_START)) {
    return 'it is not a log entry'
  }
  let value: unknown
  try {
    value = JSON.parse(buffer.toString('utf8', start, end))
  } catch {
    return 'it is not valid JSON'
  }
  return isLogEntry(value) ? {entry: value, checksummed} : 'it is not a well-formed transaction'
}

export interface LogHead {
  seq: number
  id: string
  timestamp: string
  author?: string
}

/** A transaction's head from the first bytes of its line, or undefined if they hold none. */
export function readLogHead(bytes: Buffer): LogHead | undefined {
  const text = bytes.toString('utf8')
  const end = text.indexOf(DOCS_START)
  if (end < 0) return undefined
  let value: unknown
  try {
    value = JSON.parse(`${text.slice(0, end)}}`)
  } catch {
    return undefined
  }
  if (
    !hasSequence(value, 1) ||
    !('id' in value && typeof value.id === 'string') ||
    !('timestamp' in value && typeof value.timestamp === 'string')
  )
    return undefined
  const author = 'author' in value && typeof value.author === 'string' ? value.author : undefined
  return {
    seq: value.seq,
    id: value.id,
    timestamp: value.timestamp,
    ...(author === undefined ? {} : {author}),
  }
}
