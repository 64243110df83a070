import type {IncomingHttpHeaders} from 'node:http'
import {StringDecoder} from 'node:string_decoder'
import {badRequest, LakeError} from './errors.ts'
import {errorMessage} from '../domain/errors.ts'

// Reading requests and writing JSON answers, for every endpoint of the HTTP API.

/** What the handler uses of node:http's and node:http2's (compatibility API) requests. */
export interface LakeRequest extends AsyncIterable<Buffer | string> {
  url?: string | undefined
  method?: string | undefined
  headers: IncomingHttpHeaders
  complete: boolean
  httpVersionMajor: number
  on(event: 'close', listener: () => void): unknown
}

/** What the handler uses of node:http's and node:http2's (compatibility API) responses. */
export interface LakeResponse {
  statusCode: number
  readonly headersSent: boolean
  readonly writableLength: number
  readonly destroyed: boolean
  writeHead(status: number, headers?: Record<string, string | number>): unknown
  setHeader(name: string, value: string | number): unknown
  write(chunk: string): boolean
  end(): unknown
  end(chunk: string | Uint8Array): unknown
  once(event: 'drain' | 'close', listener: () => void): unknown
  on(event: 'close', listener: () => void): unknown
  off(event: 'drain' | 'close', listener: () => void): unknown
  destroy(): void
}

export function sendJson(response: LakeResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

/** Rows written per chunk of a streamed answer. */
const ROWS_PER_CHUNK = 500

/**
 * Waits until the response has room again (false if it closed meanwhile). The listener that did
 * not fire is taken off: a long answer waits many times on one response.
 */
function drained(response: LakeResponse): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onDrain = () => {
      response.off('close', onClose)
      resolve(true)
    }
    const onClose = () => {
      response.off('drain', onDrain)
      resolve(false)
    }
    response.once('drain', onDrain)
    response.once('close', onClose)
  })
}

/**
 * `{...head, result: rows, ...tail}` as JSON, written a chunk of rows at a time with a turn of the
 * event loop in between: an answer of a hundred thousand documents is neither one string of
 * hundreds of megabytes nor a pause for everyone else.
 */
export async function streamJson(
  response: LakeResponse,
  head: Record<string, unknown>,
  rows: readonly unknown[],
  tail: Record<string, unknown>,
) {
  response.writeHead(200, {'content-type': 'application/json; charset=utf-8'})
  const start = JSON.stringify(head)
  let chunk = `${start.slice(0, -1)}${start.length > 2 ? ',' : ''}"result":[`
  for (let index = 0; index < rows.length; index++) {
    chunk += `${index > 0 ? ',' : ''}${JSON.stringify(rows[index]) ?? 'null'}`
    if ((index + 1) % ROWS_PER_CHUNK !== 0) continue
    const room = response.write(chunk)
    chunk = ''
    if (!room && !(await drained(response))) return
    await new Promise((resolve) => setImmediate(resolve))
    if (response.destroyed) return
  }
  const end = JSON.stringify(tail)
  response.end(`${chunk}]${end.length > 2 ? `,${end.slice(1)}` : '}'}`)
}

/**
 * The body as text, decoded chunk by chunk. Not Buffer.concat + toString: one short-lived
 * body-sized Buffer per request is off-heap memory that young GCs do not reclaim soon enough, and
 * V8 answers each 64 MB of it with a full mark of the heap, so a bulk import slowed down as the
 * dataset grew (100k threads: 39 full GCs, ~60% of CPU; decoded chunk by chunk: 7).
 */
export async function readBody(request: LakeRequest, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'])
  if (declared > limit) throw bodyTooLarge(limit)
  const decoder = new StringDecoder('utf8')
  const parts: string[] = []
  let size = 0
  for await (const chunk of request) {
    size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
    if (size > limit) throw bodyTooLarge(limit)
    parts.push(typeof chunk === 'string' ? chunk : decoder.write(chunk))
  }
  parts.push(decoder.end())
  return parts.join('')
}

function bodyTooLarge(limit: number) {
  return new LakeError(
    413,
    {error: {type: 'requestTooLarge', description: `Request body exceeds ${limit} bytes`}},
    'Request body too large',
  )
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(`Malformed JSON body: ${errorMessage(error)}`)
  }
}

export function methodNotAllowed(allowed: readonly string[]): LakeError {
  return new LakeError(
    405,
    {error: {type: 'methodNotAllowed', description: `Use ${allowed.join(' or ')}`}},
    'Method not allowed',
  )
}

/** `$name=<JSON>` query-string parameters. */
export function queryParams(search: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [key, value] of search) {
    if (!key.startsWith('$')) continue
    try {
      params[key.slice(1)] = JSON.parse(value)
    } catch {
      throw badRequest(`Parameter "${key}" is not valid JSON`)
    }
  }
  return params
}

export function flag(search: URLSearchParams, name: string): boolean {
  const value = search.get(name)
  return value !== null && value !== 'false'
}

/** decodeURIComponent with a 400 for malformed escapes (`%ff`). */
export function decodePart(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw badRequest(`Malformed percent-encoding in "${part.slice(0, 100)}"`)
  }
}
