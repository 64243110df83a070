import type {Caller} from './auth.ts'
import type {DatasetStorage} from './storage.ts'
import {LakeError} from './errors.ts'
import {ListenerFilter, type ListenOptions} from './listeners.ts'
import type {LakeRequest, LakeResponse} from './respond.ts'
import {errorMessage} from '../domain/errors.ts'

// The listener endpoint's server-sent event streams, within limits: a local process or a page in
// the editor's browser may open listeners without a token, and a reader that stops reading must
// not make the lake buffer its events without end.

export interface ListenLimits {
  /** Open listeners in all (default 1,000). */
  maxListeners?: number
  /** Open listeners without a token (default 50). */
  maxAnonymousListeners?: number
  /** Unsent bytes a listener may queue before it is disconnected (default 8 MB). */
  maxBufferedBytes?: number
}

const KEEP_ALIVE_MS = 25_000

function tooManyListeners(description: string) {
  return new LakeError(429, {error: {type: 'tooManyListeners', description}}, description)
}

function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export class Listeners {
  private readonly maxListeners: number
  private readonly maxAnonymous: number
  private readonly maxBuffered: number
  private open = 0
  private anonymous = 0

  constructor(limits: ListenLimits = {}) {
    this.maxListeners = limits.maxListeners ?? 1000
    this.maxAnonymous = limits.maxAnonymousListeners ?? 50
    this.maxBuffered = limits.maxBufferedBytes ?? 8 * 1024 * 1024
  }

  /** Streams the events of `storage` that match `options` until either side closes. */
  async serve(
    request: LakeRequest,
    response: LakeResponse,
    storage: DatasetStorage,
    options: ListenOptions,
    caller: Caller,
  ) {
    const filter = new ListenerFilter(options)
    if (this.open >= this.maxListeners) throw tooManyListeners('Too many open listeners')
    if (!caller.authenticated && this.anonymous >= this.maxAnonymous) {
      throw tooManyListeners('Too many listeners without a token: send one, or close others')
    }
    this.open++
    if (!caller.authenticated) this.anonymous++
    try {
      await this.stream(request, response, storage, filter)
    } finally {
      this.open--
      if (!caller.authenticated) this.anonymous--
    }
  }

  private async stream(
    request: LakeRequest,
    response: LakeResponse,
    storage: DatasetStorage,
    filter: ListenerFilter,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      // HTTP/2 forbids connection headers; HTTP/1.1 needs keep-alive for a long-lived stream.
      ...(request.httpVersionMajor < 2 ? {connection: 'keep-alive'} : {}),
    })
    let closed = false
    const send = (text: string) => {
      if (closed) return
      response.write(text)
      // A reader that does not keep up is let go rather than buffered for (it reconnects).
      if (response.writableLength > this.maxBuffered) close()
    }
    const ended = new Promise<void>((resolve) => {
      request.on('close', resolve)
      response.on('close', resolve)
    })
    const close = () => {
      closed = true
      response.destroy()
    }
    send(frame('welcome', {listenerName: `lake-${Math.random().toString(36).slice(2)}`}))
    // Events go out in commit order even though matching is asynchronous; one write per
    // transaction rather than per event (a bulk import commits hundreds of documents at once).
    let chain = Promise.resolve()
    const unsubscribe = storage.subscribe((transaction) => {
      chain = chain.then(async () => {
        if (closed) return
        try {
          const events = await filter.eventsFor(transaction)
          if (events.length > 0)
            send(events.map((event) => frame('mutation', event, event.eventId)).join(''))
        } catch (error) {
          // The filter failed on this transaction (its time limit): tell the client and end the
          // stream, as Sanity does with a channel error; the lake itself carries on.
          const message = errorMessage(error)
          send(frame('channelError', {message}))
          closed = true
          response.end()
        }
      })
    })
    const keepAlive = setInterval(() => send(': keep-alive\n\n'), KEEP_ALIVE_MS)
    await ended
    closed = true
    clearInterval(keepAlive)
    unsubscribe()
  }
}
