import type {Caller} from './auth.ts'
import type {Perspective, ViewName} from './dataset.ts'
import {badRequest, notFound, unauthorized} from './errors.ts'
import type {History} from './history.ts'
import {isObject} from '../domain/json.ts'
import {isValidId} from './ids.ts'
import type {Lake} from './lake.ts'
import type {Listeners} from './listen.ts'
import {checkQuery} from './query.ts'
import {
  decodePart,
  flag,
  type LakeRequest,
  type LakeResponse,
  methodNotAllowed,
  parseJson,
  queryParams,
  readBody,
  sendJson,
  streamJson,
} from './respond.ts'

// The data API (`/v<version>/data/<endpoint>/<dataset>[/<rest>]`) as a table: one entry per
// endpoint, with the methods it takes and whether it needs a token.

export interface DataRequest {
  lake: Lake
  request: LakeRequest
  response: LakeResponse
  search: URLSearchParams
  version: string
  dataset: string
  /** The path after the dataset (document ids, history kind…), still percent-encoded. */
  rest: string
  caller: Caller
  maxBodyBytes: number
  queryTimeoutMs: number
  listeners: Listeners
}

interface Endpoint {
  methods: readonly string[]
  /** What a caller without a token is told (undefined: anonymous callers are served). */
  requiresToken?: string
  handle: (context: DataRequest) => Promise<void>
}

const PUBLISHED_DEFAULT_FROM = '2025-02-19'
/** Results with more rows than this are streamed a chunk at a time. */
const STREAM_ROWS_FROM = 1000

/** The view a request reads: anonymous callers only ever see public documents. */
function viewFor(version: string, requested: string | null, caller: Caller): ViewName {
  if (requested !== null && requested !== '') {
    if (requested !== 'raw' && requested !== 'drafts' && requested !== 'published') {
      throw badRequest(`Unsupported perspective "${requested}": use raw, drafts or published`)
    }
    if (requested !== 'published' && !caller.authenticated) {
      throw unauthorized(`The "${requested}" perspective requires a token`)
    }
  }
  if (!caller.authenticated) return 'public'
  if (requested) return requested as Perspective
  const published = version !== '1' && version !== 'X' && version >= PUBLISHED_DEFAULT_FROM
  return published ? 'published' : 'raw'
}

function documentIds(rest: string): string[] {
  const ids = rest.split(',').filter(Boolean).map(decodePart)
  if (ids.length === 0) throw badRequest('Give one or more document ids')
  return ids
}

async function query(context: DataRequest) {
  const {request, search} = context
  let text = search.get('query')
  let params = queryParams(search)
  let perspective = search.get('perspective')
  if (request.method === 'POST') {
    const body = parseJson(await readBody(request, context.maxBodyBytes))
    if (!isObject(body)) throw badRequest('The body must be a JSON object with "query"')
    text = typeof body.query === 'string' ? body.query : null
    params = isObject(body.params) ? body.params : {}
    if (typeof body.perspective === 'string') perspective = body.perspective
  }
  if (!text) throw badRequest('Missing "query"')
  checkQuery(text, params)
  const started = performance.now()
  const result = await context.lake.query(
    context.dataset,
    text,
    params,
    viewFor(context.version, perspective, context.caller),
    context.queryTimeoutMs,
  )
  const ms = Math.round(performance.now() - started)
  const head = search.get('returnQuery') === 'false' ? {} : {query: text}
  if (Array.isArray(result) && result.length > STREAM_ROWS_FROM) {
    await streamJson(context.response, head, result, {ms})
  } else {
    sendJson(context.response, 200, {...head, result, ms})
  }
}

async function doc(context: DataRequest) {
  const {lake, dataset, caller} = context
  const ids = documentIds(context.rest)
  sendJson(context.response, 200, await lake.getDocuments(dataset, ids, !caller.authenticated))
}

async function mutate(context: DataRequest) {
  const {search} = context
  const body = parseJson(await readBody(context.request, context.maxBodyBytes))
  if (!isObject(body) || !Array.isArray(body.mutations))
    throw badRequest('The body must be {"mutations": [...]}')
  const transactionId =
    search.get('transactionId') ??
    (typeof body.transactionId === 'string' ? body.transactionId : undefined)
  const result = await context.lake.mutate(context.dataset, body.mutations, {
    ...(transactionId ? {transactionId} : {}),
    ...authorOf(context),
    dryRun: flag(search, 'dryRun'),
    returnDocuments: flag(search, 'returnDocuments'),
    autoGenerateArrayKeys: flag(search, 'autoGenerateArrayKeys'),
  })
  sendJson(context.response, 200, result)
}

async function actions(context: DataRequest) {
  const body = parseJson(await readBody(context.request, context.maxBodyBytes))
  if (!isObject(body) || body.actions === undefined)
    throw badRequest('The body must be {"actions": [...]}')
  const result = await context.lake.act(context.dataset, body.actions, {
    ...(typeof body.transactionId === 'string' ? {transactionId: body.transactionId} : {}),
    ...authorOf(context),
    dryRun: body.dryRun === true,
  })
  sendJson(context.response, 200, {transactionId: result.transactionId})
}

/** The caller as the author of what it commits. */
function authorOf(context: DataRequest): {author?: string} {
  return context.caller.userId ? {author: context.caller.userId} : {}
}

/** `limit` as a whole number, if given. */
function limitOf(search: URLSearchParams): {limit?: number} {
  const limit = search.get('limit')
  if (limit === null || limit === '') return {}
  if (!/^\d{1,9}$/.test(limit)) throw badRequest(`"limit" must be a whole number, not "${limit}"`)
  return {limit: Number(limit)}
}

/** The valid document ids of a history path (one or more, comma-separated). */
function historyIds(path: string): string[] {
  const ids = documentIds(path)
  for (const id of ids) if (!isValidId(id)) throw badRequest(`Invalid document id "${id}"`)
  return ids
}

type HistoryEndpoint = (context: DataRequest, history: History, path: string) => Promise<void>

/** `transactions/<ids>`: NDJSON, one transaction a line, oldest first unless `reverse`. */
async function historyTransactions(
  {search, response}: DataRequest,
  history: History,
  path: string,
) {
  const optional = (name: string) => {
    const value = search.get(name)
    return value ? {[name]: value} : {}
  }
  const transactions = await history.transactions(historyIds(path), {
    ...optional('fromTransaction'),
    ...optional('toTransaction'),
    ...optional('fromTime'),
    ...optional('toTime'),
    reverse: flag(search, 'reverse'),
    excludeContent: flag(search, 'excludeContent'),
    ...limitOf(search),
  })
  response.writeHead(200, {'content-type': 'application/x-ndjson'})
  response.end(transactions.map((transaction) => `${JSON.stringify(transaction)}\n`).join(''))
}

/** `documents/<ids>` as of a `revision`, a `time` or the `lastRevision`. */
async function historyDocuments({search, response}: DataRequest, history: History, path: string) {
  const revision = search.get('revision')
  const time = search.get('time')
  const lastRevision = flag(search, 'lastRevision')
  if ([revision, time, lastRevision || null].filter(Boolean).length !== 1)
    throw badRequest('Give one of "revision", "time" or "lastRevision"')
  const at = revision ? {revision} : time ? {time} : {lastRevision: true as const}
  sendJson(response, 200, {documents: await history.documents(historyIds(path), at)})
}

/** `events/documents/<id>`: Studio's timeline of one document, paged by `nextCursor`. */
async function historyEvents({search, response}: DataRequest, history: History, path: string) {
  const [scope, ...rest] = path.split('/')
  if (scope !== 'documents') throw notFound(`No such history endpoint: events/${scope ?? ''}`)
  const [id, ...more] = historyIds(rest.join('/'))
  if (!id || more.length > 0) throw badRequest('Give one document id')
  const cursor = search.get('nextCursor')
  const {events, nextCursor} = await history.events(id, {
    ...limitOf(search),
    ...(cursor ? {cursor} : {}),
  })
  sendJson(response, 200, {events: {[id]: events}, nextCursor})
}

const HISTORY_ENDPOINTS: Record<string, HistoryEndpoint> = {
  transactions: historyTransactions,
  documents: historyDocuments,
  events: historyEvents,
}

/** The history API (lake/history.ts), read from the dataset's history on disk. */
async function history(context: DataRequest) {
  const [kind = '', ...path] = context.rest.split('/')
  const endpoint = HISTORY_ENDPOINTS[kind]
  if (!endpoint) throw notFound(`No such history endpoint: ${kind}`)
  await endpoint(context, await context.lake.history(context.dataset), path.join('/'))
}

async function exportDocuments(context: DataRequest) {
  const {response} = context
  response.writeHead(200, {'content-type': 'application/x-ndjson'})
  let buffer = ''
  for await (const document of context.lake.exportDocuments(context.dataset)) {
    buffer += `${JSON.stringify(document)}\n`
    if (buffer.length < 1 << 16) continue
    const flushed = response.write(buffer)
    buffer = ''
    if (!flushed) await new Promise<void>((resolve) => response.once('drain', resolve))
  }
  response.end(buffer)
}

async function listen(context: DataRequest) {
  const {search, caller} = context
  const text = search.get('query')
  if (!text) throw badRequest('Missing "query"')
  const storage = await context.lake.storage(context.dataset)
  await context.listeners.serve(
    context.request,
    context.response,
    storage,
    {
      query: text,
      params: queryParams(search),
      includeResult: search.get('includeResult') !== 'false',
      includePreviousRevision: flag(search, 'includePreviousRevision'),
      includeMutations: search.get('includeMutations') !== 'false',
      ...(search.get('effectFormat') === 'mendoza' ? {effectFormat: 'mendoza' as const} : {}),
      publicOnly: !caller.authenticated,
      timeoutMs: context.queryTimeoutMs,
    },
    caller,
  )
}

const DATA_ENDPOINTS: Record<string, Endpoint> = {
  query: {methods: ['GET', 'POST'], handle: query},
  doc: {methods: ['GET'], handle: doc},
  mutate: {methods: ['POST'], requiresToken: 'Writing requires a token', handle: mutate},
  actions: {methods: ['POST'], requiresToken: 'Writing requires a token', handle: actions},
  history: {methods: ['GET'], requiresToken: 'History requires a token', handle: history},
  export: {methods: ['GET'], requiresToken: 'Exporting requires a token', handle: exportDocuments},
  listen: {methods: ['GET'], handle: listen},
}

/** Runs the endpoint for `name`, after checking its method and token. */
export async function handleDataRequest(name: string, context: DataRequest) {
  // Own entries only: `data/constructor/…` must not find Object's constructor.
  const endpoint = Object.hasOwn(DATA_ENDPOINTS, name) ? DATA_ENDPOINTS[name] : undefined
  if (!endpoint) throw notFound(`No such endpoint: data/${name}`)
  const method = context.request.method ?? 'GET'
  if (!endpoint.methods.includes(method)) throw methodNotAllowed(endpoint.methods)
  if (endpoint.requiresToken && !context.caller.authenticated) {
    throw unauthorized(endpoint.requiresToken)
  }
  await endpoint.handle(context)
}
