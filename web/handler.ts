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

export function createWebHandler(client: SanityClient, options: WebHandlerOptions = {}): Handler {
  /** JSON API routes under /api; the value to send, or throws HttpError. */
  async function api(segments: string[], search: URLSearchParams): Promise<unknown> {
    const [resource, slug, sub, ...rest] = segments
    if (rest.length > 0 || resource === undefined) throw new HttpError(404, 'No such API route.')
    if (resource === 'specialties' && slug === undefined) {
      return {specialties: await fetchSpecialties(client)}
    }
    if (resource === 'search' && slug === undefined) {
      const text = single(search, 'q') ?? ''
      const limit = parseLimit(search, SEARCH_LIMIT)
      if (searchTerms(text).length === 0) {
        throw new HttpError(400, '"q" must contain at least one word.')
      }
      return {query: text, results: await searchQuestions(client, text, limit)}
    }
    if (slug === undefined || slug === '') throw new HttpError(404, 'No such API route.')
    if (resource === 'threads' && sub === 'similar') {
      const limit = parseLimit(search, SIMILAR_LIMIT)
      const similar = await fetchSimilarThreads(client, slug, limit)
      if (!similar) throw notFound('thread', slug)
      return {similar}
    }
    if (sub !== undefined) throw new HttpError(404, 'No such API route.')
    switch (resource) {
      case 'threads': {
        const thread = await fetchThread(client, slug)
        if (!thread) throw notFound('thread', slug)
        return thread
      }
      case 'specialties': {
        const page = await fetchSpecialtyPage(client, slug, listOptions(search))
        if (!page) throw notFound('specialty', slug)
        return page
      }
      case 'tags': {
        const page = await fetchTagPage(client, slug, listOptions(search))
        if (!page) throw notFound('FAQ tag', slug)
        return page
      }
      case 'doctors': {
        const page = await fetchDoctorPage(client, slug, listOptions(search))
        if (!page) throw notFound('doctor', slug)
        return page
      }
      default:
        throw new HttpError(404, 'No such API route.')
    }
  }

  /** Preview pages; the page to send, or throws HttpError. */
  async function page(segments: string[], url: URL): Promise<Html> {
    const search = url.searchParams
    const [section, slug, ...rest] = segments
    if (section === '' && slug === undefined)
      return specialtyIndexPage(await fetchSpecialties(client))
    if (section === 'search' && slug === undefined) {
      const text = (single(search, 'q') ?? '').trim()
      const limit = parseLimit(search, SEARCH_LIMIT)
      const results =
        searchTerms(text).length > 0 ? await searchQuestions(client, text, limit) : null
      return searchPage(text, results)
    }
    if (slug === undefined || slug === '' || rest.length > 0) {
      throw new HttpError(404, 'There is no page at this address.')
    }
    switch (section) {
      case 'threads': {
        const thread = await fetchThread(client, slug)
        if (!thread) throw notFound('thread', slug)
        return threadPage(thread)
      }
      case 'specialties': {
        const result = await fetchSpecialtyPage(client, slug, listOptions(search))
        if (!result) throw notFound('specialty', slug)
        return specialtyPage(result, pageLinks(url, result.nextCursor))
      }
      case 'tags': {
        const result = await fetchTagPage(client, slug, listOptions(search))
        if (!result) throw notFound('FAQ tag', slug)
        return tagPage(result, pageLinks(url, result.nextCursor))
      }
      case 'doctors': {
        const result = await fetchDoctorPage(client, slug, listOptions(search))
        if (!result) throw notFound('doctor', slug)
        return doctorPage(result, pageLinks(url, result.nextCursor))
      }
      default:
        throw new HttpError(404, 'There is no page at this address.')
    }
  }

  function listOptions(search: URLSearchParams) {
    return {limit: parseLimit(search, LIST_LIMIT), after: parseCursor(search)}
  }

  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://preview.invalid')
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/')
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', 'GET, HEAD')
        throw new HttpError(405, 'Only GET and HEAD are supported.')
      }
      const segments = pathSegments(url.pathname)
      if (isApi) sendJson(request, response, 200, await api(segments.slice(1), url.searchParams))
      else sendHtml(request, response, 200, await page(segments, url))
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500
      const message =
        error instanceof HttpError ? error.message : 'The archive could not be read. Try again.'
      if (!(error instanceof HttpError)) {
        options.log?.(`${request.method} ${url.pathname} failed: ${errorMessage(error)}`)
      }
      if (response.headersSent) {
        response.destroy()
        return
      }
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
  }
}
