import type {Caller} from './auth.ts'
import type {Perspective, ViewName} from './dataset.ts'
import {badRequest, notFound, unauthorized} from './errors.ts'
import type {Lake} from './lake.ts'
import type {Listeners} from './listen.ts'
import {isValidId} from './ids.ts'
import {checkQuery} from './query.ts'
import {
  decodePart,
  flag,
  isObject,
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

/**
 * The history API (lake/history.ts): `transactions/<ids>` (NDJSON), `documents/<ids>` as of a
 * revision, a time or the last revision, and `events/documents/<id>` (Studio's timeline).
 */
async function history(context: DataRequest) {
  const {lake, dataset, search, response} = context
  const log = await lake.history(dataset)
  const [kind = '', ...idParts] = context.rest.split('/')
  if (kind === 'events') {
    if (idParts[0] !== 'documents')
      throw notFound(`No such history endpoint: events/${idParts[0] ?? ''}`)
    const [id] = documentIds(idParts.slice(1).join('/'))
    if (!id || !isValidId(id)) throw badRequest('Give one document id')
    const cursor = search.get('nextCursor')
    const {events, nextCursor} = await log.events(id, {
      ...limitOf(search),
      ...(cursor ? {cursor} : {}),
    })
    sendJson(response, 200, {events: {[id]: events}, nextCursor})
    return
  }
  const ids = documentIds(idParts.join('/'))
  for (const id of ids) if (!isValidId(id)) throw badRequest(`Invalid document id "${id}"`)
  if (kind === 'transactions') {
    const optional = (name: string) => {
      const value = search.get(name)
      return value ? {[name]: value} : {}
    }
    const transactions = await log.transactions(ids, {
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
    return
  }
  if (kind === 'documents') {
    const revision = search.get('revision')
    const time = search.get('time')
    const lastRevision = flag(search, 'lastRevision')
    if ([revision, time, lastRevision || null].filter(Boolean).length !== 1)
      throw badRequest('Give one of "revision", "time" or "lastRevision"')
    const at = revision ? {revision} : time ? {time} : {lastRevision: true as const}
    sendJson(response, 200, {documents: await log.documents(ids, at)})
    return
  }
  throw notFound(`No such history endpoint: ${kind}`)
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

export const DATA_ENDPOINTS: Record<string, Endpoint> = {
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
  const endpoint = DATA_ENDPOINTS[name]
  if (!endpoint) throw notFound(`No such endpoint: data/${name}`)
  const method = context.request.method ?? 'GET'
  if (!endpoint.methods.includes(method)) throw methodNotAllowed(endpoint.methods)
  if (endpoint.requiresToken && !context.caller.authenticated) {
    throw unauthorized(endpoint.requiresToken)
  }
  await endpoint.handle(context)
}
