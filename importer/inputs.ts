import {constants} from 'node:fs'
import {open} from 'node:fs/promises'
import {describeError, findFiles, type Format, formatOf, type InputFile} from './files.ts'
import {parseJsonlLine} from './parse/jsonl.ts'
import {parsePageText} from './parse/pageText.ts'
import type {ParseResult, RecordOrigin} from './record.ts'

// Inputs: files, directories (walked recursively, see files.ts) and "-" for stdin, in any mix.
// The format comes from the extension, or from the content for stdin and unknown extensions.
// Everything is read as a stream of bytes with bounded memory: JSONL line by line, a page up to
// a size limit.

const MIB = 1024 * 1024
/** A JSONL line longer than this is reported as too large (and never held in memory whole). */
export const MAX_LINE_BYTES = 8 * MIB
/** A page file (text or HTML) larger than this is reported as too large. */
const MAX_PAGE_BYTES = 16 * MIB
/** Bytes looked at to tell binary files (they hold NUL bytes) from text. */
const SNIFF_BYTES = 8192
const NEWLINE = 0x0a

function failure(origin: RecordOrigin, reason: string): ParseResult {
  return {ok: false, failure: {origin, reason}}
}

function sniff(text: string): Format {
  const start = text.replace(/^\uFEFF/, '').trimStart()
  if (start.startsWith('{')) return 'jsonl'
  if (start.startsWith('<')) return 'html'
  return 'text'
}

/** UTF-8 text without its byte order mark, or undefined for bytes that are not UTF-8. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    return undefined
  }
}

const NOT_UTF8 = 'is not UTF-8 text (save the archive as UTF-8)'
const BINARY = 'is binary data (it holds NUL bytes), not an archive file'

const LINE_TOO_LARGE = `The line is larger than the ${MAX_LINE_BYTES / MIB} MiB a JSONL line may hold.`
const PAGE_TOO_LARGE = `The page is larger than the ${MAX_PAGE_BYTES / MIB} MiB a page file may hold.`

type Line = {number: number; bytes: Uint8Array} | {number: number; tooLarge: true}

/**
 * Lines of a byte stream, split at "\n" only. A line longer than `limit` bytes is not kept: it
 * is skipped to its end and yielded as too large.
 */
async function* readLines(chunks: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Line> {
  let parts: Uint8Array[] = []
  let length = 0
  let number = 1
  const take = (part: Uint8Array) => {
    length += part.length
    if (length > limit) parts = []
    else if (part.length > 0) parts.push(part)
  }
  const line = (): Line => {
    const done: Line =
      length > limit ? {number, tooLarge: true} : {number, bytes: Buffer.concat(parts, length)}
    parts = []
    length = 0
    number++
    return done
  }
  for await (const chunk of chunks) {
    let start = 0
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      take(chunk.subarray(start, end))
      yield line()
      start = end + 1
    }
    take(chunk.subarray(start))
  }
  if (length > 0) yield line()
}

async function* parseJsonlLines(lines: AsyncIterable<Line>, file: string) {
  for await (const line of lines) {
    const origin: RecordOrigin = {format: 'jsonl', file, line: line.number}
    const text = 'bytes' in line ? decodeUtf8(line.bytes) : undefined
    if ('tooLarge' in line) yield failure(origin, LINE_TOO_LARGE)
    else if (text === undefined) yield failure(origin, `The line ${NOT_UTF8}.`)
    else if (text.trim()) yield parseJsonlLine(text, origin)
  }
}

/** Up to `limit` bytes of a stream; undefined when there are more. */
async function readUpTo(chunks: AsyncIterable<Uint8Array>, limit: number) {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks) {
    length += chunk.length
    if (length > limit) return undefined
    parts.push(chunk)
  }
  return Buffer.concat(parts, length)
}

async function parsePage(text: string, origin: RecordOrigin): Promise<ParseResult> {
  // jsdom takes ~2 s to load: only archives with HTML pages pay for it.
  if (origin.format === 'html') return (await import('./parse/html.ts')).parseHtmlPage(text, origin)
  return parsePageText(text, origin)
}

/** The first chunks of a stream (enough to sniff) and the whole stream again, from its start. */
async function peek(chunks: AsyncIterable<Uint8Array>) {
  const iterator = chunks[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let length = 0
  while (length < SNIFF_BYTES) {
    const next = await iterator.next()
    if (next.done) break
    head.push(next.value)
    length += next.value.length
  }
  const start = Buffer.concat(head, length)
  async function* replay() {
    yield* head
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield next.value
  }
  return {start, chunks: replay()}
}

/** Threads of one input stream; `known` is the format its name gives, if any. */
async function* parseStream(
  source: AsyncIterable<Uint8Array>,
  file: string,
  known: Format | undefined,
): AsyncGenerator<ParseResult> {
  const {start, chunks} = await peek(source)
  if (start.subarray(0, SNIFF_BYTES).includes(0)) {
    yield failure({format: known ?? 'text', file}, `The file ${BINARY}.`)
    return
  }
  const format = known ?? sniff(start.toString('utf8'))
  if (format === 'jsonl') {
    yield* parseJsonlLines(readLines(chunks, MAX_LINE_BYTES), file)
    return
  }
  const origin: RecordOrigin = {format, file}
  const bytes = await readUpTo(chunks, MAX_PAGE_BYTES)
  const text = bytes && decodeUtf8(bytes)
  if (!bytes) yield failure(origin, PAGE_TOO_LARGE)
  else if (bytes.includes(0)) yield failure(origin, `The file ${BINARY}.`)
  else if (text === undefined) yield failure(origin, `The file ${NOT_UTF8}.`)
  else yield await parsePage(text, origin)
}

// O_NOFOLLOW: the path was resolved, a link swapped in since is not followed. O_NONBLOCK: a
// FIFO swapped in does not block the open (it is then refused as not a regular file).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/**
 * What a file without an archive extension says when it is not an archive: nothing of its
 * content, which may be anything (a key, a password file).
 */
const NOT_AN_ARCHIVE =
  'The file is not an archive page or JSONL file (its name has no .txt, .html or .jsonl ' +
  'extension, so nothing of its content is shown).'

async function* parseFile({path, real}: {path: string; real: string}) {
  const handle = await open(real, OPEN_FLAGS)
  try {
    if (!(await handle.stat()).isFile()) {
      yield skipped(path, 'not a regular file')
      return
    }
    const known = formatOf(path)
    const results = parseStream(handle.createReadStream({autoClose: false}), path, known)
    for await (const result of results)
      yield known || result.ok ? result : failure(result.failure.origin, NOT_AN_ARCHIVE)
  } finally {
    await handle.close()
  }
}

function skipped(file: string, reason: string): ParseResult {
  return {
    ok: false,
    failure: {origin: {format: formatOf(file) ?? 'text', file}, reason, skipped: true},
  }
}

function cannotRead(path: string, error: unknown): ParseResult {
  return failure(
    {format: formatOf(path) ?? 'text', file: path},
    `Cannot read ${path}: ${describeError(error)}`,
  )
}

async function* parseInputFile(file: InputFile): AsyncGenerator<ParseResult> {
  if ('skipped' in file) yield skipped(file.path, file.skipped)
  else if ('failed' in file) yield failure({format: 'text', file: file.path}, file.failed)
  else {
    try {
      yield* parseFile(file)
    } catch (error) {
      yield cannotRead(file.path, error)
    }
  }
}

/** Every thread (or parse failure) of the given inputs, in order. */
export async function* readInputs(inputs: readonly string[]): AsyncGenerator<ParseResult> {
  for (const input of inputs) {
    if (input === '-') {
      yield* parseStream(process.stdin, '-', undefined)
      continue
    }
    try {
      for await (const file of findFiles(input)) yield* parseInputFile(file)
    } catch (error) {
      yield cannotRead(input, error)
    }
  }
}
