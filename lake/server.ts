import {createServer, type Server} from 'node:http'
import {createRequestHandler, type HttpOptions} from './http.ts'
import {Lake, type LakeOptions} from './lake.ts'

export interface LakeServerOptions extends LakeOptions, HttpOptions {
  port: number
  host: string
  /** Datasets to open (and lock) at start-up. */
  datasets?: string[]
}

export interface LakeServer {
  url: string
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
  for (const dataset of options.datasets ?? []) await lake.storage(dataset)
  return {
    url,
    lake,
    close: async () => {
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
