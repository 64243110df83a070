import {createServer} from 'node:http'
import {evaluate, parse} from 'groq-js'

// A read-only GROQ endpoint over fixed documents (raw perspective), evaluated by groq-js. It lets
// schema validation run through a real @sanity/client before the embedded lake exists.

export interface QueryServer {
  url: string
  close: () => Promise<void>
}

function paramsFromSearch(search: URLSearchParams): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const [key, value] of search)
    if (key.startsWith('$')) params[key.slice(1)] = JSON.parse(value)
  return params
}

export async function startQueryServer(documents: readonly object[]): Promise<QueryServer> {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (!/^\/v[\d-]+\/data\/query\/[\w-]+$/.test(url.pathname)) {
      response.writeHead(404, {'content-type': 'application/json'}).end('{"error":"Not found"}')
      return
    }
    let query = url.searchParams.get('query') ?? ''
    let params = paramsFromSearch(url.searchParams)
    if (request.method === 'POST') {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(Buffer.from(chunk))
      const body: {query: string; params?: Record<string, unknown>} = JSON.parse(
        Buffer.concat(chunks).toString(),
      )
      query = body.query
      params = body.params ?? {}
    }
    const value = await evaluate(parse(query), {dataset: documents, params})
    const result = await value.get()
    response
      .writeHead(200, {'content-type': 'application/json'})
      .end(JSON.stringify({result, ms: 0, query}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string')
    throw new Error('Query server has no TCP address')
  const {port} = address
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  }
}
