import {createServer, type Server} from 'node:http'
import {createSecureServer, type Http2SecureServer, type ServerHttp2Session} from 'node:http2'
import {LOCAL_PROJECT_ID} from '../domain/project.ts'
import {createRequestHandler, type HttpOptions} from './http.ts'
import {Lake, type LakeOptions} from './lake.ts'
import {localCertificate} from './tls.ts'

/** Connections each server accepts at once: file descriptors stay free for the datasets. */
const MAX_CONNECTIONS = 512
/** A request's headers must arrive within this time, its body within REQUEST_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 20_000
const REQUEST_TIMEOUT_MS = 120_000

export interface LakeServerOptions extends LakeOptions, HttpOptions {
  port: number
  host: string
  /** Datasets to open (and lock) at start-up. */
  datasets?: string[]
  /** Also serve HTTP/2 over TLS (what Studio needs) on this port; 0 picks a free one. */
  securePort?: number
}

export interface LakeServer {
  url: string
  /** The HTTP/2 + TLS address, when `securePort` was given. */
  secureUrl?: string
  /** Where the Studio served by this lake runs (`https://<projectId>.localhost:<port>/`). */
  studioUrl?: string
  lake: Lake
  /** A one-time link that signs a browser into the Studio (see lake/auth.ts). */
  signInUrl: () => string
  close: () => Promise<void>
}

/** Starts the lake's HTTP API; `port: 0` picks a free port. */
export async function startLakeServer(options: LakeServerOptions): Promise<LakeServer> {
  const lake = new Lake(options)
  const handler = createRequestHandler(lake, options)
  const server: Server = createServer((request, response) => void handler(request, response))
  server.on('upgrade', handler.upgrade)
  server.maxConnections = MAX_CONNECTIONS
  server.headersTimeout = HEADERS_TIMEOUT_MS
  server.requestTimeout = REQUEST_TIMEOUT_MS
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string')
    throw new Error('The lake server has no TCP address')
  const url = `http://${options.host}:${address.port}`
  lake.serverUrl = url
  let secure: Http2SecureServer | undefined
  /** Open HTTP/2 sessions: a browser keeps one open, with its listeners, for as long as it likes. */
  const sessions = new Set<ServerHttp2Session>()
  let secureUrl: string | undefined
  let studioUrl: string | undefined
  if (options.securePort !== undefined) {
    const {key, cert} = await localCertificate(options.dataDir)
    const started = createSecureServer(
      {key, cert, allowHTTP1: true},
      (request, response) => void handler(request, response),
    )
    started.on('session', (session) => {
      sessions.add(session)
      session.once('close', () => sessions.delete(session))
    })
    // HTTP/2 has no Upgrade: browsers open the realtime socket over HTTP/1.1 (allowHTTP1).
    started.on('upgrade', handler.upgrade)
    secure = started
    await new Promise<void>((resolve, reject) => {
      started.once('error', reject)
      started.listen(options.securePort, options.host, resolve)
    })
    started.maxConnections = MAX_CONNECTIONS
    const secureAddress = started.address()
    if (secureAddress === null || typeof secureAddress === 'string')
      throw new Error('The TLS server has no TCP address')
    secureUrl = `https://localhost:${secureAddress.port}`
    // Studio adds the project id to its API host; *.localhost resolves to this machine in browsers.
    const projectId = options.projectId ?? LOCAL_PROJECT_ID
    studioUrl = `https://${projectId}.localhost:${secureAddress.port}/`
    handler.setStudioUrl(studioUrl)
  }
  const close = async () => {
    handler.closeSockets()
    if (secure) {
      const closing = secure
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()))
      // Closing waits for open sessions, and a Studio's listeners never end on their own.
      for (const session of sessions) session.destroy()
      await closed
    }
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await lake.close()
  }
  try {
    for (const dataset of options.datasets ?? []) await lake.storage(dataset)
  } catch (error) {
    // A dataset that cannot be opened (damaged, locked) stops the start: nothing keeps listening.
    await close()
    throw error
  }
  return {
    url,
    ...(secureUrl ? {secureUrl} : {}),
    ...(studioUrl ? {studioUrl} : {}),
    lake,
    signInUrl: () => `${studioUrl ?? `${url}/`}#sid=${handler.sessions.issueCode()}`,
    close,
  }
}

/**
 * Logs a promise rejection nobody handled instead of ending the process: a server answering the
 * Studio, the preview site and the tools must not stop because one request's work went astray.
 */
export function keepServingOnStrayRejections(log: (line: string) => void = console.error) {
  process.on('unhandledRejection', (reason) => {
    log(
      `unhandled rejection (the lake keeps serving): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    )
  })
}

/** Closes the server (writing a snapshot) on Ctrl-C or SIGTERM, then exits. */
export function closeOnSignals(server: LakeServer) {
  const stop = async () => {
    console.log('Stopping: writing a snapshot…')
    await server.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
