import type {SanityClient} from '@sanity/client'
import {createHash} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {type Cursor, CursorError, decodeCursor} from '../queries/cursor.ts'
import {fetchDoctorPage} from '../queries/doctors.ts'
import {searchQuestions, searchTerms} from '../queries/search.ts'
import {fetchSpecialties, fetchSpecialtyPage} from '../queries/specialties.ts'
import {fetchTagPage} from '../queries/tags.ts'
import {DEFAULT_SIMILAR_LIMIT, fetchSimilarThreads, fetchThread} from '../queries/threads.ts'
import {pageLinks} from './format.ts'
import type {Html} from './html.ts'
import {
  doctorPage,
  errorPage,
  searchPage,
  specialtyIndexPage,
  specialtyPage,
  STYLE,
  tagPage,
  threadPage,
} from './pages.ts'
import {errorMessage} from '../domain/errors.ts'

// The preview site and its JSON API, as one request handler for node:http. It only reads, through
// the client it is given (published perspective: drafts never show), so it serves the embedded
// lake and a real Sanity project alike.

export interface WebHandlerOptions {
  /** One line per failed request (never a 4xx). */
  log?: (line: string) => void
}

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>

export const LIST_LIMIT = {default: 20, max: 100}
export const SIMILAR_LIMIT = {default: DEFAULT_SIMILAR_LIMIT, max: 50}
export const SEARCH_LIMIT = {default: 20, max: 50}

/** A client error (400, 404, 405) with a message for the page or the JSON body. */
class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
}

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

/** One query parameter, at most once. */
function single(search: URLSearchParams, name: string): string | undefined {
  const values = search.getAll(name)
  if (values.length > 1) throw new HttpError(400, `Give "${name}" once.`)
  return values[0]
}

function parseLimit(search: URLSearchParams, range: {default: number; max: number}): number {
  const text = single(search, 'limit')
  if (text === undefined) return range.default
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(limit) || limit < 1 || limit > range.max) {
    throw new HttpError(400, `"limit" must be a whole number from 1 to ${range.max}.`)
  }
  return limit
}

function parseCursor(search: URLSearchParams): Cursor | undefined {
  const text = single(search, 'cursor')
  if (text === undefined) return undefined
  try {
    return decodeCursor(text)
  } catch (error) {
    if (error instanceof CursorError) throw new HttpError(400, `Bad "cursor": ${error.message}`)
    throw error
  }
}

function pathSegments(pathname: string): string[] {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname
  try {
    return trimmed
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment))
  } catch {
    throw new HttpError(400, 'The address is not valid URL encoding.')
  }
}

function send(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
) {
  const bytes = Buffer.from(body)
  response.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'content-length': String(bytes.length),
  })
  response.end(request.method === 'HEAD' ? undefined : bytes)
}

function sendJson(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  value: unknown,
) {
  send(
    request,
    response,
    status,
    {'content-type': 'application/json; charset=utf-8'},
    JSON.stringify(value),
  )
}

function sendHtml(request: IncomingMessage, response: ServerResponse, status: number, page: Html) {
  send(request, response, status, HTML_HEADERS, page.markup)
}

function notFound(what: string, slug: string): HttpError {
  return new HttpError(404, `No ${what} "${slug}" in the archive.`)
}

/** The document a route asked for, or a 404 naming it. */
function found<T>(value: T | null | undefined, what: string, slug: string): T {
  if (value === null || value === undefined) throw notFound(what, slug)
  return value
}

function listOptions(search: URLSearchParams) {
  return {limit: parseLimit(search, LIST_LIMIT), after: parseCursor(search)}
}

type ApiRoute = (client: SanityClient, slug: string, search: URLSearchParams) => Promise<unknown>

/** `/api/<resource>/<slug>`: the value to send, or throws HttpError. */
const API_ROUTES = new Map<string, ApiRoute>([
  ['threads', async (client, slug) => found(await fetchThread(client, slug), 'thread', slug)],
  [
    'specialties',
    async (client, slug, search) =>
      found(await fetchSpecialtyPage(client, slug, listOptions(search)), 'specialty', slug),
  ],
  [
    'tags',
    async (client, slug, search) =>
      found(await fetchTagPage(client, slug, listOptions(search)), 'FAQ tag', slug),
  ],
  [
    'doctors',
    async (client, slug, search) =>
      found(await fetchDoctorPage(client, slug, listOptions(search)), 'doctor', slug),
  ],
])

async function searchApi(client: SanityClient, search: URLSearchParams) {
  const text = single(search, 'q') ?? ''
  const limit = parseLimit(search, SEARCH_LIMIT)
  if (searchTerms(text).length === 0) {
    throw new HttpError(400, '"q" must contain at least one word.')
  }
  return {query: text, results: await searchQuestions(client, text, limit)}
}

async function similarApi(client: SanityClient, slug: string, search: URLSearchParams) {
  const limit = parseLimit(search, SIMILAR_LIMIT)
  return {similar: found(await fetchSimilarThreads(client, slug, limit), 'thread', slug)}
}

/** JSON API routes under /api; the value to send, or throws HttpError. */
async function api(
  client: SanityClient,
  segments: string[],
  search: URLSearchParams,
): Promise<unknown> {
  const [resource, slug, sub, ...rest] = segments
  if (rest.length > 0 || resource === undefined) throw new HttpError(404, 'No such API route.')
  if (resource === 'specialties' && slug === undefined) {
    return {specialties: await fetchSpecialties(client)}
  }
  if (resource === 'search' && slug === undefined) return searchApi(client, search)
  if (slug === undefined || slug === '') throw new HttpError(404, 'No such API route.')
  if (resource === 'threads' && sub === 'similar') return similarApi(client, slug, search)
  const route = sub === undefined ? API_ROUTES.get(resource) : undefined
  if (!route) throw new HttpError(404, 'No such API route.')
  return route(client, slug, search)
}

type PageRoute = (client: SanityClient, slug: string, url: URL) => Promise<Html>

/** `/<section>/<slug>`: the page to send, or throws HttpError. */
const PAGE_ROUTES = new Map<string, PageRoute>([
  [
    'threads',
    async (client, slug) => threadPage(found(await fetchThread(client, slug), 'thread', slug)),
  ],
  [
    'specialties',
    async (client, slug, url) => {
      const list = await fetchSpecialtyPage(client, slug, listOptions(url.searchParams))
      const result = found(list, 'specialty', slug)
      return specialtyPage(result, pageLinks(url, result.nextCursor))
    },
  ],
  [
    'tags',
    async (client, slug, url) => {
      const list = await fetchTagPage(client, slug, listOptions(url.searchParams))
      const result = found(list, 'FAQ tag', slug)
      return tagPage(result, pageLinks(url, result.nextCursor))
    },
  ],
  [
    'doctors',
    async (client, slug, url) => {
      const list = await fetchDoctorPage(client, slug, listOptions(url.searchParams))
      const result = found(list, 'doctor', slug)
      return doctorPage(result, pageLinks(url, result.nextCursor))
    },
  ],
])

async function searchPageFor(client: SanityClient, search: URLSearchParams): Promise<Html> {
  const text = (single(search, 'q') ?? '').trim()
  const limit = parseLimit(search, SEARCH_LIMIT)
  const results = searchTerms(text).length > 0 ? await searchQuestions(client, text, limit) : null
  return searchPage(text, results)
}

/** Preview pages; the page to send, or throws HttpError. */
async function page(client: SanityClient, segments: string[], url: URL): Promise<Html> {
  const [section, slug, ...rest] = segments
  if (section === '' && slug === undefined)
    return specialtyIndexPage(await fetchSpecialties(client))
  if (section === 'search' && slug === undefined) return searchPageFor(client, url.searchParams)
  const route = section === undefined ? undefined : PAGE_ROUTES.get(section)
  if (slug === undefined || slug === '' || rest.length > 0 || !route) {
    throw new HttpError(404, 'There is no page at this address.')
  }
  return route(client, slug, url)
}

/** The error as a JSON body or a page; a failure past the headers can only cut the response. */
function sendError(
  request: IncomingMessage,
  response: ServerResponse,
  isApi: boolean,
  error: HttpError,
) {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const {status, message} = error
  if (isApi) {
    sendJson(request, response, status, {
      statusCode: status,
      error: STATUS_TEXT[status] ?? 'Error',
      message,
    })
  } else {
    sendHtml(request, response, status, errorPage(status, message))
  }
}

export function createWebHandler(client: SanityClient, options: WebHandlerOptions = {}): Handler {
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://preview.invalid')
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/')
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', 'GET, HEAD')
        throw new HttpError(405, 'Only GET and HEAD are supported.')
      }
      const segments = pathSegments(url.pathname)
      if (isApi)
        sendJson(request, response, 200, await api(client, segments.slice(1), url.searchParams))
      else sendHtml(request, response, 200, await page(client, segments, url))
    } catch (error) {
      if (!(error instanceof HttpError)) {
        options.log?.(`${request.method} ${url.pathname} failed: ${errorMessage(error)}`)
      }
      const sent =
        error instanceof HttpError
          ? error
          : new HttpError(500, 'The archive could not be read. Try again.')
      sendError(request, response, isApi, sent)
    }
  }
}
