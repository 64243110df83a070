import {createServer, type Server} from 'node:http'
import {createSecureServer, type Http2SecureServer} from 'node:http2'
import {createRequestHandler, type HttpOptions} from './http.ts'
import {Lake, type LakeOptions} from './lake.ts'
import {localCertificate} from './tls.ts'

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
  lake: Lake
  close: () => Promise<void>
}

/** Starts the lake's HTTP API; `port: 0` picks a free port. */
export async function startLakeServer(options: LakeServerOptions): Promise<LakeServer> {
  const lake = new Lake(options)
  const handler = createRequestHandler(lake, options)
  const server: Server = createServer((request, response) => void handler(request, response))
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
  let secureUrl: string | undefined
  if (options.securePort !== undefined) {
    const {key, cert} = await localCertificate(options.dataDir)
    const started = createSecureServer(
      {key, cert, allowHTTP1: true},
      (request, response) => void handler(request, response),
    )
    secure = started
    await new Promise<void>((resolve, reject) => {
      started.once('error', reject)
      started.listen(options.securePort, options.host, resolve)
    })
    const secureAddress = started.address()
    if (secureAddress === null || typeof secureAddress === 'string')
      throw new Error('The TLS server has no TCP address')
    secureUrl = `https://localhost:${secureAddress.port}`
  }
  for (const dataset of options.datasets ?? []) await lake.storage(dataset)
  return {
    url,
    ...(secureUrl ? {secureUrl} : {}),
    lake,
    close: async () => {
      if (secure) {
        const closing = secure
        await new Promise<void>((resolve) => closing.close(() => resolve()))
      }
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await lake.close()
    },
  }
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
