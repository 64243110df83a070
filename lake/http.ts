import {timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import {StringDecoder} from 'node:string_decoder'
import type {Perspective} from './dataset.ts'
import {badRequest, LakeError, notFound, unauthorized} from './errors.ts'
import type {Lake} from './lake.ts'
import {LOCAL_PROJECT_ID} from './config.ts'
import {ListenerFilter} from './listeners.ts'
import {KeyValueStore, studioResponse} from './studio.ts'
import {checkQuery} from './query.ts'

// The Content Lake HTTP API subset that @sanity/client uses, on versioned paths (/v2025-02-19/…).
// The same handler serves HTTP/1.1 (tools) and HTTP/2 over TLS (Studio).

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
  writeHead(status: number, headers?: Record<string, string | number>): unknown
  setHeader(name: string, value: string | number): unknown
  write(chunk: string): boolean
  end(): unknown
  end(chunk: string | Uint8Array): unknown
  once(event: 'drain' | 'close', listener: () => void): unknown
  on(event: 'close', listener: () => void): unknown
  destroy(): void
}

export interface HttpOptions {
  /** Required for writes and for the raw/drafts perspectives. */
  token: string
  /** Largest accepted request body. */
  maxBodyBytes?: number
  /** One line per request; never receives tokens. */
  log?: (line: string) => void
  /** Project id the Studio endpoints answer for (default "local"). */
  projectId?: string
  /** Handles requests outside the API (the Studio's files, the preview site); true if it did. */
  fallback?: (request: LakeRequest, response: LakeResponse, url: URL) => Promise<boolean>
}

const PUBLISHED_DEFAULT_FROM = '2025-02-19'
const ROUTE =
  /^\/v(1|X|\d{4}-\d{2}-\d{2})\/data\/(query|doc|mutate|actions|listen|export|history)\/([^/]+)(?:\/(.*))?$/

interface Caller {
  authenticated: boolean
}

function sendJson(response: LakeResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function authenticate(request: LakeRequest, token: string): Caller {
  const header = request.headers.authorization
  if (!header) return {authenticated: false}
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (!match?.[1] || !tokenMatches(match[1].trim(), token)) {
    throw unauthorized('Session not found: the token is not valid for this lake')
  }
  return {authenticated: true}
}

/**
 * The body as text, decoded chunk by chunk. Not Buffer.concat + toString: one short-lived
 * body-sized Buffer per request is off-heap memory that young GCs do not reclaim soon enough, and
 * V8 answers each 64 MB of it with a full mark of the heap, so a bulk import slowed down as the
 * dataset grew (100k threads: 39 full GCs, ~60% of CPU; decoded chunk by chunk: 7).
 */
async function readBody(request: LakeRequest, limit: number): Promise<string> {
  const decoder = new StringDecoder('utf8')
  const parts: string[] = []
  let size = 0
  for await (const chunk of request) {
    size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length
    if (size > limit) {
      throw new LakeError(
        413,
        {error: {type: 'requestTooLarge', description: `Request body exceeds ${limit} bytes`}},
        'Request body too large',
      )
    }
    parts.push(typeof chunk === 'string' ? chunk : decoder.write(chunk))
  }
  parts.push(decoder.end())
  return parts.join('')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(
      `Malformed JSON body: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function queryParams(search: URLSearchParams): Record<string, unknown> {
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

function perspectiveFor(version: string, requested: string | null, caller: Caller): Perspective {
  if (requested === null || requested === '') {
    const published = version !== '1' && version !== 'X' && version >= PUBLISHED_DEFAULT_FROM
    // Anonymous callers only ever see published documents (like a public dataset).
    return published || !caller.authenticated ? 'published' : 'raw'
  }
  if (requested !== 'raw' && requested !== 'drafts' && requested !== 'published') {
    throw badRequest(`Unsupported perspective "${requested}": use raw, drafts or published`)
  }
  if (requested !== 'published' && !caller.authenticated) {
    throw unauthorized(`The "${requested}" perspective requires a token`)
  }
  return requested
}

function flag(search: URLSearchParams, name: string): boolean {
  const value = search.get(name)
  return value !== null && value !== 'false'
}

export function createRequestHandler(lake: Lake, options: HttpOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024
  const keyValue = new KeyValueStore(lake.options.dataDir)

  async function route(request: LakeRequest, response: LakeResponse, url: URL) {
    if (url.pathname === '/health' || /^\/v[^/]+\/ping$/.test(url.pathname)) {
      sendJson(response, 200, {ok: true})
      return
    }
    const studio = /^\/v[^/]+(\/(?:users|projects|features)(?:\/.*)?)$/.exec(url.pathname)
    if (studio?.[1]) {
      if (!authenticate(request, options.token).authenticated)
        throw unauthorized('Sign in with the lake token')
      const answer = await studioResponse(
        {
          method: request.method ?? 'GET',
          path: studio[1],
          projectId: options.projectId ?? LOCAL_PROJECT_ID,
          datasets: lake.datasets(),
          body: async () => parseJson(await readBody(request, maxBodyBytes)),
        },
        keyValue,
      )
      if (answer === undefined)
        throw notFound(`No such endpoint: ${request.method} ${url.pathname}`)
      sendJson(response, 200, answer)
      return
    }
    const match = ROUTE.exec(url.pathname)
    if (!match) {
      // Versioned paths are API calls (journey, history, socket…): an unknown one is a JSON 404.
      const api = /^\/v(?:\d|X\/)/.test(url.pathname)
      if (!api && options.fallback && (await options.fallback(request, response, url))) return
      throw notFound(`No such endpoint: ${request.method} ${url.pathname}`)
    }
    const [, version = '1', endpoint, dataset = '', rest] = match
    const caller = authenticate(request, options.token)
    const search = url.searchParams

    switch (endpoint) {
      case 'query': {
        let query = search.get('query')
        let params = queryParams(search)
        let perspective = search.get('perspective')
        if (request.method === 'POST') {
          const body = parseJson(await readBody(request, maxBodyBytes))
          if (!isObject(body)) throw badRequest('The body must be a JSON object with "query"')
          query = typeof body.query === 'string' ? body.query : null
          params = isObject(body.params) ? body.params : {}
          if (typeof body.perspective === 'string') perspective = body.perspective
        } else if (request.method !== 'GET') {
          throw new LakeError(
            405,
            {error: {type: 'methodNotAllowed', description: 'Use GET or POST'}},
            'Method not allowed',
          )
        }
        if (!query) throw badRequest('Missing "query"')
        checkQuery(query, params)
        const started = performance.now()
        const result = await lake.query(
          dataset,
          query,
          params,
          perspectiveFor(version, perspective, caller),
        )
        const ms = Math.round(performance.now() - started)
        sendJson(
          response,
          200,
          search.get('returnQuery') === 'false' ? {result, ms} : {query, result, ms},
        )
        return
      }
      case 'doc': {
        const ids = (rest ?? '').split(',').filter(Boolean).map(decodeURIComponent)
        if (ids.length === 0) throw badRequest('Give one or more document ids')
        sendJson(response, 200, await lake.getDocuments(dataset, ids, !caller.authenticated))
        return
      }
      case 'mutate': {
        if (request.method !== 'POST')
          throw new LakeError(
            405,
            {error: {type: 'methodNotAllowed', description: 'Use POST'}},
            'Method not allowed',
          )
        if (!caller.authenticated) throw unauthorized('Writing requires a token')
        const body = parseJson(await readBody(request, maxBodyBytes))
        if (!isObject(body) || !Array.isArray(body.mutations))
          throw badRequest('The body must be {"mutations": [...]}')
        const transactionId =
          search.get('transactionId') ??
          (typeof body.transactionId === 'string' ? body.transactionId : undefined)
        const result = await lake.mutate(dataset, body.mutations, {
          ...(transactionId ? {transactionId} : {}),
          dryRun: flag(search, 'dryRun'),
          returnDocuments: flag(search, 'returnDocuments'),
          autoGenerateArrayKeys: flag(search, 'autoGenerateArrayKeys'),
        })
        sendJson(response, 200, result)
        return
      }
      case 'actions': {
        if (request.method !== 'POST') {
          throw new LakeError(
            405,
            {error: {type: 'methodNotAllowed', description: 'Use POST'}},
            'Method not allowed',
          )
        }
        if (!caller.authenticated) throw unauthorized('Writing requires a token')
        const body = parseJson(await readBody(request, maxBodyBytes))
        if (!isObject(body) || body.actions === undefined)
          throw badRequest('The body must be {"actions": [...]}')
        const result = await lake.act(dataset, body.actions, {
          ...(typeof body.transactionId === 'string' ? {transactionId: body.transactionId} : {}),
          dryRun: body.dryRun === true,
        })
        sendJson(response, 200, {transactionId: result.transactionId})
        return
      }
      case 'history': {
        if (!caller.authenticated) throw unauthorized('History requires a token')
        const history = await lake.history(dataset)
        const [kind = '', ...idParts] = (rest ?? '').split('/')
        if (kind === 'events') {
          // Studio's event timeline: the lake keeps no publish/unpublish events, only edits below.
          const id = decodeURIComponent(idParts.slice(1).join('/'))
          sendJson(response, 200, {events: {[id]: []}, nextCursor: ''})
          return
        }
        const ids = idParts.join('/').split(',').filter(Boolean).map(decodeURIComponent)
        if (ids.length === 0) throw badRequest('Give one or more document ids')
        if (kind === 'transactions') {
          const limit = search.get('limit')
          const transactions = history.transactionsFor(ids, {
            ...(search.get('fromTransaction')
              ? {fromTransaction: search.get('fromTransaction') ?? ''}
              : {}),
            ...(search.get('toTransaction')
              ? {toTransaction: search.get('toTransaction') ?? ''}
              : {}),
            ...(search.get('fromTime') ? {fromTime: search.get('fromTime') ?? ''} : {}),
            ...(search.get('toTime') ? {toTime: search.get('toTime') ?? ''} : {}),
            reverse: flag(search, 'reverse'),
            excludeContent: flag(search, 'excludeContent'),
            ...(limit && /^\d+$/.test(limit) ? {limit: Number(limit)} : {}),
          })
          response.writeHead(200, {'content-type': 'application/x-ndjson'})
          response.end(
            transactions.map((transaction) => `${JSON.stringify(transaction)}\n`).join(''),
          )
          return
        }
        if (kind === 'documents') {
          const revision = search.get('revision')
          if (!revision) throw badRequest('Give a "revision"')
          const storage = await lake.storage(dataset)
          const documents = ids
            .map((id) => history.documentAt(id, revision, storage.dataset.get(id)))
            .filter((document) => document)
          sendJson(response, 200, {documents})
          return
        }
        throw notFound(`No such history endpoint: ${kind}`)
      }
      case 'export': {
        if (!caller.authenticated) throw unauthorized('Exporting requires a token')
        response.writeHead(200, {'content-type': 'application/x-ndjson'})
        let buffer = ''
        for await (const document of lake.exportDocuments(dataset)) {
          buffer += `${JSON.stringify(document)}\n`
          if (buffer.length < 1 << 16) continue
          const flushed = response.write(buffer)
          buffer = ''
          if (!flushed) await new Promise<void>((resolve) => response.once('drain', resolve))
        }
        response.end(buffer)
        return
      }
      case 'listen':
        await listen(request, response, dataset, search, caller)
        return
      default:
        throw notFound(`No such endpoint: ${url.pathname}`)
    }
  }

  async function listen(
    request: LakeRequest,
    response: LakeResponse,
    dataset: string,
    search: URLSearchParams,
    caller: Caller,
  ) {
    const query = search.get('query')
    if (!query) throw badRequest('Missing "query"')
    checkQuery(query)
    const filter = new ListenerFilter({
      query,
      params: queryParams(search),
      includeResult: search.get('includeResult') !== 'false',
      includePreviousRevision: flag(search, 'includePreviousRevision'),
      includeMutations: search.get('includeMutations') !== 'false',
      ...(search.get('effectFormat') === 'mendoza' ? {effectFormat: 'mendoza' as const} : {}),
      publicOnly: !caller.authenticated,
    })
    const storage = await lake.storage(dataset)
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      // HTTP/2 forbids connection headers; HTTP/1.1 needs keep-alive for a long-lived stream.
      ...(request.httpVersionMajor < 2 ? {connection: 'keep-alive'} : {}),
    })
    const frame = (event: string, data: unknown, id?: string) =>
      `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    response.write(frame('welcome', {listenerName: `lake-${Math.random().toString(36).slice(2)}`}))
    // Events go out in commit order even though matching is asynchronous; one write per
    // transaction rather than per event (a bulk import commits hundreds of documents at once).
    let chain = Promise.resolve()
    const unsubscribe = storage.subscribe((transaction) => {
      chain = chain.then(async () => {
        const events = await filter.eventsFor(transaction)
        if (events.length > 0)
          response.write(events.map((event) => frame('mutation', event, event.eventId)).join(''))
      })
    })
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 25_000)
    await new Promise<void>((resolve) => {
      request.on('close', resolve)
      response.on('close', resolve)
    })
    clearInterval(keepAlive)
    unsubscribe()
  }

  return async function handle(request: LakeRequest, response: LakeResponse) {
    const started = performance.now()
    const url = new URL(request.url ?? '/', 'http://lake.local')
    const origin = request.headers.origin
    if (origin) {
      response.setHeader('access-control-allow-origin', origin)
      response.setHeader('access-control-allow-credentials', 'true')
      response.setHeader('vary', 'Origin')
    }
    try {
      if (request.method === 'OPTIONS') {
        response.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers':
            request.headers['access-control-request-headers'] ?? 'authorization, content-type',
          'access-control-max-age': '600',
        })
        response.end()
      } else {
        await route(request, response, url)
      }
    } catch (error) {
      if (response.headersSent) {
        response.destroy()
      } else if (error instanceof LakeError) {
        // A body left unread (too large, or refused before reading) leaves the connection in an
        // unknown state: close it after the reply rather than let the client reuse it.
        if (!request.complete && request.httpVersionMajor < 2)
          response.setHeader('connection', 'close')
        sendJson(response, error.status, error.body)
      } else {
        const description = error instanceof Error ? error.message : String(error)
        options.log?.(`internal error on ${request.method} ${url.pathname}: ${description}`)
        sendJson(response, 500, {error: {type: 'internalError', description}})
      }
    } finally {
      options.log?.(
        `${request.method} ${url.pathname} ${response.statusCode} ${Math.round(performance.now() - started)}ms`,
      )
    }
  }
}
