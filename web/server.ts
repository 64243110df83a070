import type {SanityClient} from '@sanity/client'
import {createServer} from 'node:http'
import {createWebHandler, type WebHandlerOptions} from './handler.ts'

export const DEFAULT_WEB_PORT = 3401

export interface WebServer {
  url: string
  close: () => Promise<void>
}

/** Serves the preview site and JSON API over `client`; `port: 0` picks a free port. */
export async function startWebServer(
  client: SanityClient,
  {port, host, ...options}: {port: number; host: string} & WebHandlerOptions,
): Promise<WebServer> {
  const handler = createWebHandler(client, options)
  const server = createServer((request, response) => void handler(request, response))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') {
    throw new Error('The web server has no TCP address')
  }
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
