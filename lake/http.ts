import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {bearerToken, type Caller, Sessions} from './auth.ts'
import {LOCAL_PROJECT_ID} from '../domain/project.ts'
import {handleDataRequest} from './endpoints.ts'
import {LakeError, notFound, unauthorized} from './errors.ts'
import {checkRequest, corsHeaders, type GuardOptions} from './guard.ts'
import type {Lake} from './lake.ts'
import {type ListenLimits, Listeners} from './listen.ts'
import {PresenceHub} from './presence.ts'
import {DEFAULT_QUERY_TIMEOUT_MS} from './query.ts'
import {
  type LakeRequest,
  type LakeResponse,
  methodNotAllowed,
  parseJson,
  readBody,
  sendJson,
} from './respond.ts'
import {sendSignInPage} from './signinPage.ts'
import {KeyValueStore, studioResponse} from './studio.ts'
import {EDITOR_ID, Users} from './users.ts'
import {errorMessage} from '../domain/errors.ts'
import {isObject} from '../domain/json.ts'

export type {LakeRequest, LakeResponse} from './respond.ts'

// The Content Lake HTTP API subset that @sanity/client and the Studio use, on versioned paths
// (/v2025-02-19/…). The same handler serves HTTP/1.1 (tools) and HTTP/2 over TLS (Studio).
// Every request passes the guard (loopback Host, allowed Origin) before anything else.

export interface HttpOptions {
  /** The API token: required for writes, exports and the raw/drafts perspectives. */
  token: string
  /** Largest accepted request body. */
  maxBodyBytes?: number
  /** Time limit of a query or of matching one transaction for a listener (milliseconds). */
  queryTimeoutMs?: number
  listenLimits?: ListenLimits
  /** Origins (besides the lake's own Studio) allowed to call from a browser. */
  corsOrigins?: readonly string[]
  /** Host names answered besides loopback ones. */
  allowedHosts?: readonly string[]
  /** One line per request; never receives tokens. */
  log?: (line: string) => void
  /** Project id the Studio endpoints answer for (default "local"). */
  projectId?: string
  /** The name of the editor a sign-in link without a name signs in (default "Local Editor"). */
  editorName?: string
  /** Handles requests outside the API (the Studio's files); true if it did. */
  fallback?: (request: LakeRequest, response: LakeResponse, url: URL) => Promise<boolean>
}

/** What the request handler offers the server besides handling requests. */
export interface RequestHandler {
  (request: LakeRequest, response: LakeResponse): Promise<void>
  sessions: Sessions
  users: Users
  /** The Studio this lake serves: its origin may call the API, sign-in links point at it. */
  setStudioUrl: (url: string) => void
  /** Takes an HTTP/1.1 upgrade request: the realtime socket (lake/presence.ts). */
  upgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void
  /** Closes the open sockets (the server is stopping). */
  closeSockets: () => void
}

const DATA_ROUTE = /^\/v(1|X|\d{4}-\d{2}-\d{2})\/data\/([a-z]+)\/([^/]+)(?:\/(.*))?$/
const STUDIO_ROUTE =
  /^\/v[^/]+(\/(?:users|projects|features|journey|help|datasets|intake)(?:\/.*)?)$/
const AUTH_ROUTE = /^\/v[^/]+\/auth\/([a-z]+)$/
const PING_ROUTE = /^\/(?:health|v[^/]+\/ping)$/
const SOCKET_ROUTE = /^\/v[^/]+\/socket\/([^/]+)$/

/** What the endpoints share: the lake, the handler's options and its state. */
interface Server {
  lake: Lake
  options: HttpOptions
  sessions: Sessions
  users: Users
  keyValue: KeyValueStore
  listeners: Listeners
  guard: GuardOptions
  maxBodyBytes: number
  projectId: string
  /** The Studio this lake serves, once the server knows it. */
  studioUrl?: string
}

interface AuthRequest {
  server: Server
  request: LakeRequest
  response: LakeResponse
  url: URL
}

interface AuthEndpoint {
  /** The methods it answers; any when absent. */
  methods?: readonly string[]
  handle: (request: AuthRequest) => void | Promise<void>
}

/** `auth/<name>`, the sign-in endpoints (see lake/auth.ts), one entry each. */
const AUTH_ENDPOINTS = new Map<string, AuthEndpoint>([
  // Studio's list of sign-in providers: one, the code printed in the terminal.
  [
    'providers',
    {
      handle: ({request, response}) => {
        const host = request.headers[':authority'] ?? request.headers.host
        sendJson(response, 200, {
          providers: [
            {
              name: 'lake',
              title: 'Sign in with a code from the terminal',
              url: `https://${host}/signin`,
            },
          ],
        })
      },
    },
  ],
  // A sign-in code exchanged for a session token.
  [
    'fetch',
    {
      handle: ({server, response, url}) => {
        const code = url.searchParams.get('sid')
        if (!code) throw unauthorized('Give the sign-in code as "sid"')
        sendJson(response, 200, {token: server.sessions.redeem(code)})
      },
    },
  ],
  [
    'logout',
    {
      methods: ['POST'],
      handle: ({server, request, response}) => {
        const token = bearerToken(request.headers)
        if (token !== undefined) server.sessions.revoke(token)
        sendJson(response, 200, {})
      },
    },
  ],
  ['codes', {methods: ['POST'], handle: issueCode}],
])

/** A new sign-in code, for the holder of the lake token (`npm run lake -- signin`). */
async function issueCode({server, request, response}: AuthRequest) {
  const {sessions, users, studioUrl} = server
  if (!sessions.authenticate(request.headers).authenticated)
    throw unauthorized('Issuing sign-in codes requires the lake token')
  // `{"name": "…"}` signs the browser in as that editor (npm run lake -- signin --name).
  const text = await readBody(request, server.maxBodyBytes)
  const body = text.trim() === '' ? {} : parseJson(text)
  const name = isObject(body) && typeof body.name === 'string' ? body.name : undefined
  const code = sessions.issueCode(Date.now(), name ? users.editorNamed(name).id : EDITOR_ID)
  sendJson(response, 200, {code, ...(studioUrl ? {url: `${studioUrl}#sid=${code}`} : {})})
}

async function auth(name: string, request: AuthRequest) {
  const endpoint = AUTH_ENDPOINTS.get(name)
  if (!endpoint) throw notFound(`No such endpoint: auth/${name}`)
  const method = request.request.method ?? 'GET'
  if (endpoint.methods && !endpoint.methods.includes(method))
    throw methodNotAllowed(endpoint.methods)
  await endpoint.handle(request)
}

/** Project-level Studio requests (lake/studio.ts), for a signed-in caller. */
async function studio(
  server: Server,
  path: string,
  search: URLSearchParams,
  request: LakeRequest,
  response: LakeResponse,
  caller: Caller,
) {
  if (!caller.authenticated) {
    // Who is signed in? Nobody: Sanity answers an empty user rather than an error.
    if (path === '/users/me' && request.method === 'GET') return sendJson(response, 200, {})
    throw unauthorized('Sign in to the lake first')
  }
  const answer = await studioResponse({
    method: request.method ?? 'GET',
    path,
    search,
    projectId: server.projectId,
    datasets: server.lake.datasets(),
    userId: caller.userId ?? EDITOR_ID,
    users: server.users,
    body: async () => parseJson(await readBody(request, server.maxBodyBytes)),
    keyValue: server.keyValue,
  })
  if (answer === undefined) throw notFound(`No such endpoint: ${request.method} ${path}`)
  sendJson(response, 200, answer)
}

/** `/v…/data/<endpoint>/<dataset>[/…]` (lake/endpoints.ts). */
async function data(
  server: Server,
  match: RegExpExecArray,
  request: LakeRequest,
  response: LakeResponse,
  url: URL,
  caller: Caller,
) {
  const {lake, options} = server
  const [, version = '1', endpoint = '', dataset = '', rest = ''] = match
  // Datasets exist on disk or are created by a caller with a token, never by anyone else.
  if (!caller.authenticated && !lake.exists(dataset)) {
    throw notFound(`Dataset "${dataset}" not found`)
  }
  await handleDataRequest(endpoint, {
    lake,
    request,
    response,
    search: url.searchParams,
    version,
    dataset,
    rest,
    caller,
    maxBodyBytes: server.maxBodyBytes,
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    listeners: server.listeners,
  })
}

async function route(server: Server, request: LakeRequest, response: LakeResponse, url: URL) {
  const path = url.pathname
  if (PING_ROUTE.test(path)) return sendJson(response, 200, {ok: true})
  if (path === '/signin') return sendSignInPage(response)
  const authRoute = AUTH_ROUTE.exec(path)
  if (authRoute?.[1]) return auth(authRoute[1], {server, request, response, url})
  const caller = server.sessions.authenticate(request.headers)
  const studioRoute = STUDIO_ROUTE.exec(path)
  if (studioRoute?.[1])
    return studio(server, studioRoute[1], url.searchParams, request, response, caller)
  const dataRoute = DATA_ROUTE.exec(path)
  if (dataRoute) return data(server, dataRoute, request, response, url, caller)
  // Versioned paths are API calls (journey, history, socket…): an unknown one is a JSON 404.
  const api = /^\/v(?:\d|X\/)/.test(path)
  const {fallback} = server.options
  if (!api && fallback && (await fallback(request, response, url))) return
  throw notFound(`No such endpoint: ${request.method} ${path}`)
}

function preflight(request: LakeRequest, response: LakeResponse) {
  response.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers':
      request.headers['access-control-request-headers'] ?? 'authorization, content-type',
    'access-control-max-age': '600',
  })
  response.end()
}

function fail(
  server: Server,
  request: LakeRequest,
  response: LakeResponse,
  url: URL,
  error: unknown,
) {
  if (response.headersSent) {
    response.destroy()
  } else if (error instanceof LakeError) {
    // A body left unread (too large, or refused before reading) leaves the connection in an
    // unknown state: close it after the reply rather than let the client reuse it.
    if (!request.complete && request.httpVersionMajor < 2) response.setHeader('connection', 'close')
    sendJson(response, error.status, error.body)
  } else {
    const description = errorMessage(error)
    server.options.log?.(`internal error on ${request.method} ${url.pathname}: ${description}`)
    sendJson(response, 500, {error: {type: 'internalError', description}})
  }
}

/** Upgrades pass the same guard as requests; the token comes later, over the socket. */
function upgrade(
  server: Server,
  presence: PresenceHub,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
) {
  const {options} = server
  const url = new URL(request.url ?? '/', 'http://lake.local')
  try {
    checkRequest(request.headers, server.guard)
    const dataset = SOCKET_ROUTE.exec(url.pathname)?.[1]
    if (!dataset || !server.lake.exists(dataset))
      throw notFound(`No such endpoint: ${request.method} ${url.pathname}`)
    presence.accept(request, socket, head, dataset)
    options.log?.(`${request.method} ${url.pathname} 101 (socket)`)
  } catch (error) {
    const status = error instanceof LakeError ? error.status : 500
    options.log?.(`${request.method} ${url.pathname} ${status} (socket refused)`)
    socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  }
}

/** The presence socket's users: whoever the token signs in. */
function presenceHub(sessions: Sessions) {
  return new PresenceHub({
    userFor: (token) => {
      try {
        const caller = sessions.authenticate({authorization: `Bearer ${token}`})
        return caller.authenticated ? (caller.userId ?? EDITOR_ID) : undefined
      } catch {
        return undefined
      }
    },
  })
}

export function createRequestHandler(lake: Lake, options: HttpOptions): RequestHandler {
  const allowedOrigins = new Set(options.corsOrigins ?? [])
  const server: Server = {
    lake,
    options,
    sessions: new Sessions(lake.options.dataDir, options.token),
    users: new Users(
      lake.options.dataDir,
      options.editorName ? {editorName: options.editorName} : {},
    ),
    keyValue: new KeyValueStore(lake.options.dataDir),
    listeners: new Listeners(options.listenLimits),
    guard: {
      allowedOrigins,
      allowedHosts: new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase())),
    },
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    projectId: options.projectId ?? LOCAL_PROJECT_ID,
  }

  const handle = async function handle(request: LakeRequest, response: LakeResponse) {
    const started = performance.now()
    const url = new URL(request.url ?? '/', 'http://lake.local')
    try {
      checkRequest(request.headers, server.guard)
      for (const [name, value] of Object.entries(corsHeaders(request.headers)))
        response.setHeader(name, value)
      if (request.method === 'OPTIONS') preflight(request, response)
      else await route(server, request, response, url)
    } catch (error) {
      fail(server, request, response, url, error)
    } finally {
      options.log?.(
        `${request.method} ${url.pathname} ${response.statusCode} ${Math.round(performance.now() - started)}ms`,
      )
    }
  } as RequestHandler
  const presence = presenceHub(server.sessions)

  handle.sessions = server.sessions
  handle.users = server.users
  handle.upgrade = (request, socket, head) => upgrade(server, presence, request, socket, head)
  handle.closeSockets = () => presence.close()
  handle.setStudioUrl = (url: string) => {
    server.studioUrl = url
    allowedOrigins.add(new URL(url).origin)
  }
  return handle
}
