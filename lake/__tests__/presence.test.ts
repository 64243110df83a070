import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocket} from 'ws'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'

// The realtime socket Studio opens for presence, spoken as @sanity/bifur-client speaks it:
// JSON-RPC 2.0, `authorization` first, `presence_subscribe`, then rollcall/announce/disconnect
// relayed to the other sockets of the dataset.

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake(undefined, {datasets: ['production']})
})

afterAll(() => lake.close())

interface Socket {
  ws: WebSocket
  /** Messages received so far, parsed (the heartbeat is kept as a string). */
  received: unknown[]
  closed: Promise<number>
  /** Sends a call and resolves with its answer (`result` or `error`). */
  call: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>
  /** Resolves with the next presence event relayed to this socket. */
  nextEvent: () => Promise<Record<string, unknown>>
}

async function openSocket(
  path = '/v2022-06-30/socket/production',
  headers: Record<string, string> = {},
): Promise<Socket> {
  const ws = new WebSocket(`${lake.server.url.replace(/^http/, 'ws')}${path}`, {headers})
  const received: unknown[] = []
  const waiting: ((message: Record<string, unknown>) => boolean)[] = []
  ws.on('message', (data) => {
    const text = data.toString()
    const message: unknown = text === '\u2665' ? text : JSON.parse(text)
    received.push(message)
    if (typeof message !== 'object' || message === null) return
    const record = Object.fromEntries(Object.entries(message))
    const index = waiting.findIndex((accepts) => accepts(record))
    if (index >= 0) waiting.splice(index, 1)
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  let nextId = 1
  const expect = (accepts: (message: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) =>
      waiting.push((message) => (accepts(message) ? (resolve(message), true) : false)),
    )
  return {
    ws,
    received,
    closed,
    call: (method, params = {}) => {
      const id = `call-${nextId++}`
      const answer = expect((message) => message.id === id)
      ws.send(JSON.stringify({jsonrpc: '2.0', method, params, id}))
      return answer
    },
    nextEvent: async () => {
      const message = await expect((m) => m.method === 'presence_subscription')
      const params = message.params
      return typeof params === 'object' && params !== null
        ? Object.fromEntries(Object.entries(params))
        : {}
    },
  }
}

/** A socket signed in with the lake's token (the command-line tools' user) and subscribed to presence. */
async function subscribed(): Promise<Socket> {
  const socket = await openSocket()
  expect(await socket.call('authorization', {authorization: `Bearer ${TEST_TOKEN}`})).toMatchObject(
    {result: true},
  )
  const {result} = await socket.call('presence_subscribe')
  expect(typeof result).toBe('string')
  return socket
}

describe('the realtime socket', () => {
  it("relays one editor session's presence to the others, and its end when the socket closes", async () => {
    const watcher = await subscribed()
    const editor = await subscribed()
    const subscription = (await watcher.call('presence_subscribe')).result

    const rollCall = watcher.nextEvent()
    expect(await editor.call('presence_rollcall', {session: 'tab-2'})).toMatchObject({result: true})
    expect(await rollCall).toEqual({
      subscription,
      result: {type: 'rollCall', i: 'lake-tools', session: 'tab-2'},
    })

    const state = watcher.nextEvent()
    const locations = [
      {type: 'document', documentId: 'question-1', path: ['title'], lastActiveAt: ''},
    ]
    await editor.call('presence_announce', {data: {sessionId: 'tab-2', locations}})
    expect((await state).result).toEqual({
      type: 'state',
      i: 'lake-tools',
      m: {sessionId: 'tab-2', locations},
    })

    const gone = watcher.nextEvent()
    editor.ws.close()
    expect((await gone).result).toEqual({
      type: 'disconnect',
      i: 'lake-tools',
      m: {session: 'tab-2'},
    })
    // The sender never hears its own announcements.
    expect(editor.received.some((m) => JSON.stringify(m).includes('presence_subscription'))).toBe(
      false,
    )
    watcher.ws.close()
  })

  it('closes a socket that calls anything before authorising, or with a wrong token', async () => {
    const early = await openSocket()
    expect(await early.call('presence_subscribe')).toHaveProperty('error')
    expect(await early.closed).toBe(4001)
    const wrong = await openSocket()
    expect(
      await wrong.call('authorization', {authorization: 'Bearer not-a-session'}),
    ).toHaveProperty('error')
    expect(await wrong.closed).toBe(4001)
  })

  it('answers malformed calls with JSON-RPC errors and stays open', async () => {
    const socket = await subscribed()
    socket.ws.send('{not json')
    expect(await socket.call('presence_announce', {data: {sessionId: 'x'}})).toMatchObject({
      error: {code: -32602},
    })
    expect(await socket.call('no_such_method')).toMatchObject({error: {code: -32601}})
    expect(socket.received).toContainEqual(
      expect.objectContaining({error: expect.objectContaining({code: -32700})}),
    )
    socket.ws.close()
  })

  it('is refused to other origins and for datasets that do not exist', async () => {
    await expect(
      openSocket('/v2022-06-30/socket/production', {origin: 'https://evil.example'}),
    ).rejects.toThrow(/403/)
    await expect(openSocket('/v2022-06-30/socket/no-such-dataset')).rejects.toThrow(/404/)
  })
})
