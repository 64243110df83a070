import {createReadStream} from 'node:fs'
import {readdir, readFile, stat} from 'node:fs/promises'
import {extname, join} from 'node:path'
import {createInterface} from 'node:readline'
import {parseJsonl} from './parse/jsonl.ts'
import {parsePageText} from './parse/pageText.ts'
import type {ParseResult, RecordOrigin} from './record.ts'

// Inputs: files, directories (walked recursively) and "-" for stdin, in any mix. The format
// comes from the extension, or from the content for stdin and unknown extensions.

type Format = RecordOrigin['format']

const EXTENSIONS: Record<string, Format> = {
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

function sniff(text: string): Format {
  const start = text.replace(/^\uFEFF/, '').trimStart()
  if (start.startsWith('{')) return 'jsonl'
  if (start.startsWith('<')) return 'html'
  return 'text'
}

function failure(file: string, format: Format, reason: string): ParseResult {
  return {ok: false, failure: {origin: {format, file}, reason}}
}

async function* parseWhole(
  text: string,
  file: string,
  format: Format,
): AsyncGenerator<ParseResult> {
  // jsdom takes ~2 s to load: only archives with HTML pages pay for it.
  if (format === 'html') yield (await import('./parse/html.ts')).parseHtmlPage(text, {format, file})
  else if (format === 'text') yield parsePageText(text, {format, file})
  else yield* parseJsonl(text, file)
}

/** JSONL is read line by line so archives larger than memory still stream. */
async function* parseJsonlFile(path: string): AsyncGenerator<ParseResult> {
  const lines = createInterface({
    input: createReadStream(path, {encoding: 'utf8'}),
    crlfDelay: Infinity,
  })
  let number = 0
  for await (const line of lines) {
    number++
    if (!line.trim()) continue
    for (const result of parseJsonl(line, path)) {
      if (result.ok)
        yield {
          ok: true,
          record: {...result.record, origin: {...result.record.origin, line: number}},
        }
      else
        yield {
          ok: false,
          failure: {...result.failure, origin: {...result.failure.origin, line: number}},
        }
    }
  }
}

async function* walk(path: string): AsyncGenerator<string> {
  const entries = await readdir(path, {withFileTypes: true})
  entries.sort((a, b) => a.name.localeCompare(b.name))
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const child = join(path, entry.name)
    if (entry.isDirectory()) yield* walk(child)
    else if (EXTENSIONS[extname(entry.name).toLowerCase()]) yield child
  }
}

async function* parseFile(path: string): AsyncGenerator<ParseResult> {
  const known = EXTENSIONS[extname(path).toLowerCase()]
  if (known === 'jsonl') {
    yield* parseJsonlFile(path)
    return
  }
  const text = await readFile(path, 'utf8')
  yield* parseWhole(text, path, known ?? sniff(text))
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

/** Every thread (or parse failure) of the given inputs, in order. */
export async function* readInputs(inputs: readonly string[]): AsyncGenerator<ParseResult> {
  for (const input of inputs) {
    if (input === '-') {
      const text = await readStdin()
      yield* parseWhole(text, '-', sniff(text))
      continue
    }
    let info
    try {
      info = await stat(input)
    } catch {
      yield failure(input, 'text', `Cannot read ${input}: no such file or directory`)
      continue
    }
    try {
      if (info.isDirectory()) for await (const file of walk(input)) yield* parseFile(file)
      else yield* parseFile(input)
    } catch (error) {
      yield failure(
        input,
        'text',
        `Cannot read ${input}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
}
