import {connect, type Socket} from 'node:net'
import {TEST_TOKEN, type TestLake} from '../support/lake.ts'

// Raw HTTP for the hostile-input suites: what an attacker sends is not what @sanity/client would.

export const VERSION = 'v2025-02-19'
export const AUTH = {authorization: `Bearer ${TEST_TOKEN}`}

export interface Answer {
  status: number
  headers: Headers
  text: string
  body: unknown
}

export async function send(
  lake: TestLake,
  path: string,
  init: RequestInit & {base?: string} = {},
): Promise<Answer> {
  const {base = lake.server.url, ...rest} = init
  const response = await fetch(`${base}${path}`, rest)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return {status: response.status, headers: response.headers, text, body}
}

export function query(
  lake: TestLake,
  groq: string,
  {
    dataset = 'test',
    token = true,
    params = {},
  }: {dataset?: string; token?: boolean; params?: object} = {},
): Promise<Answer> {
  return send(lake, `/${VERSION}/data/query/${dataset}`, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...(token ? AUTH : {})},
    body: JSON.stringify({query: groq, params}),
  })
}

export function mutate(lake: TestLake, mutations: unknown[], dataset = 'test'): Promise<Answer> {
  return send(lake, `/${VERSION}/data/mutate/${dataset}?returnIds=true`, {
    method: 'POST',
    headers: {'content-type': 'application/json', ...AUTH},
    body: JSON.stringify({mutations}),
  })
}

/** Milliseconds a ping takes. */
export async function pingMs(lake: TestLake): Promise<number> {
  const started = performance.now()
  const answer = await send(lake, `/${VERSION}/ping`)
  if (answer.status !== 200) throw new Error(`ping answered ${answer.status}`)
  return performance.now() - started
}

/** Whether the server still answers a ping and a query. */
export async function stillServing(lake: TestLake): Promise<boolean> {
  await pingMs(lake)
  return (await query(lake, 'count(*)')).status === 200
}

/** A server-sent event stream, read as text until closed. */
export interface EventStream {
  status: number
  /** Everything received so far. */
  received: () => string
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close: () => void
}

export async function listen(
  lake: TestLake,
  groq: string,
  {
    dataset = 'test',
    token = true,
    search = '',
  }: {dataset?: string; token?: boolean; search?: string} = {},
): Promise<EventStream> {
  const controller = new AbortController()
  const response = await fetch(
    `${lake.server.url}/${VERSION}/data/listen/${dataset}?query=${encodeURIComponent(groq)}${search}`,
    {headers: token ? AUTH : {}, signal: controller.signal},
  )
  let text = ''
  const reader = response.body?.getReader()
  const decoder = new TextDecoder()
  const ended = (async () => {
    if (!reader) return
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        text += decoder.decode(chunk.value, {stream: true})
    } catch {
      // aborted by close()
    }
  })()
  return {
    status: response.status,
    received: () => text,
    ended,
    close: () => controller.abort(),
  }
}

/** A raw socket that sends `head` and then nothing (a slow or stuck client). */
export function openSocket(url: string, head: string): Promise<Socket> {
  const {hostname, port} = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(head)
      resolve(socket)
    })
    socket.on('error', reject)
  })
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000) {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
