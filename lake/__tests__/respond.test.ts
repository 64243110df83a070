import {EventEmitter} from 'node:events'
import {describe, expect, it} from 'vitest'
import {type LakeResponse, streamJson} from '../respond.ts'

// A streamed answer waits for 'drain' whenever the connection's buffer is full: a long answer
// waits many times on one response, and each wait must leave no listener behind.

/** A response whose buffer is always full: `next` ('drain' or 'close') comes a turn after every write. */
function slowResponse(next: 'drain' | 'close' = 'drain') {
  const emitter = new EventEmitter()
  let body = ''
  let closeListenersSeen = 0
  const response = Object.assign(emitter, {
    statusCode: 200,
    headersSent: false,
    writableLength: 0,
    destroyed: false,
    writeHead: () => undefined,
    setHeader: () => undefined,
    write(chunk: string) {
      body += chunk
      closeListenersSeen = Math.max(closeListenersSeen, emitter.listenerCount('close'))
      setImmediate(() => emitter.emit(next))
      return false
    },
    end(chunk?: string | Uint8Array) {
      body += typeof chunk === 'string' ? chunk : ''
    },
    destroy: () => undefined,
  }) satisfies LakeResponse
  return {response, body: () => body, closeListenersSeen: () => closeListenersSeen}
}

describe('streamJson', () => {
  it('waits for room many times on one response without piling up listeners', async () => {
    const slow = slowResponse()
    const rows = Array.from({length: 12_000}, (_, i) => ({_id: `doc-${i}`}))
    await streamJson(slow.response, {ms: 1}, rows, {query: '*'})
    expect(JSON.parse(slow.body())).toEqual({ms: 1, result: rows, query: '*'})
    // 24 waits for 'drain'; at most the one wait's 'close' listener at a time, none after.
    expect(slow.closeListenersSeen()).toBeLessThanOrEqual(1)
    expect(slow.response.listenerCount('close')).toBe(0)
    expect(slow.response.listenerCount('drain')).toBe(0)
  })

  it('stops when the response closes while it waits, leaving no drain listener', async () => {
    const slow = slowResponse('close')
    await streamJson(
      slow.response,
      {},
      Array.from({length: 1_500}, (_, i) => i),
      {},
    )
    expect(slow.response.listenerCount('drain')).toBe(0)
    expect(slow.response.listenerCount('close')).toBe(0)
  })
})
