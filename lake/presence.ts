import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import {type RawData, type WebSocket, WebSocketServer} from 'ws'

// Sanity's realtime socket (`/v<version>/socket/<dataset>`), which Studio opens for presence (who
// else has a document open) and to tell "connected" from "connection lost". The protocol is
// @sanity/bifur-client's: JSON-RPC 2.0 over a WebSocket, a "♥" heartbeat, an `authorization`
// call with the bearer token first, then `presence_subscribe` and the presence calls (rollcall,
// announce, disconnect), which the hub relays to every other authorised socket of the dataset.

/** Sockets open at once over all datasets; more are refused (the Studio degrades gracefully). */
const MAX_SOCKETS = 100
/** A socket must authorise within this time. */
const AUTHORIZE_WITHIN_MS = 10_000
const HEARTBEAT_MS = 25_000
/** Largest message accepted (presence states are a few hundred bytes). */
const MAX_MESSAGE_BYTES = 64 * 1024
/** A socket whose peer does not read is closed once this much waits to be sent. */
const MAX_BUFFERED_BYTES = 1024 * 1024
const HEARTBEAT = '\u2665'

/** JSON-RPC error codes bifur-client knows (its ERROR_CODES). */
const INVALID_REQUEST = -32600
const METHOD_NOT_FOUND = -32601
const INVALID_PARAMS = -32602
const PARSE_ERROR = -32700
/** WebSocket close code bifur uses for a refused token. */
const UNAUTHORIZED_CLOSE = 4001

export interface PresenceOptions {
  /** The user a bearer token belongs to, or undefined if the token is not valid here. */
  userFor: (token: string) => string | undefined
}

interface Peer {
  socket: WebSocket
  dataset: string
  userId?: string
  /** Subscription id of `presence_subscribe`, once made. */
  subscription?: string
  /** Studio sessions this socket announced; a close without `presence_disconnect` ends them. */
  sessions: Set<string>
}

interface Request {
  id: string | number | null
  method: string
  params: Record<string, unknown>
}

function parseRequest(data: RawData): Request | {error: number; id: Request['id']} {
  let message: unknown
  try {
    message = JSON.parse(data.toString())
  } catch {
    return {error: PARSE_ERROR, id: null}
  }
  if (typeof message !== 'object' || message === null) return {error: INVALID_REQUEST, id: null}
  const id = Reflect.get(message, 'id')
  const method = Reflect.get(message, 'method')
  const params = Reflect.get(message, 'params') ?? {}
  const validId = typeof id === 'string' || typeof id === 'number' ? id : null
  if (Reflect.get(message, 'jsonrpc') !== '2.0' || typeof method !== 'string')
    return {error: INVALID_REQUEST, id: validId}
  const fields = record(params)
  return fields ? {id: validId, method, params: fields} : {error: INVALID_PARAMS, id: validId}
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : undefined
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name]
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined
}

export class PresenceHub {
  private readonly server = new WebSocketServer({noServer: true, maxPayload: MAX_MESSAGE_BYTES})
  private readonly peers = new Set<Peer>()
  private nextSubscription = 1

  private readonly options: PresenceOptions

  constructor(options: PresenceOptions) {
    this.options = options
  }

  /** Takes over an upgrade request the guard has let through for `dataset`. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, dataset: string) {
    if (this.peers.size >= MAX_SOCKETS) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n')
      return
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.open(ws, dataset))
  }

  /** Closes every socket (the server is stopping). */
  close() {
    for (const peer of this.peers) peer.socket.terminate()
    this.peers.clear()
    this.server.close()
  }

  private open(socket: WebSocket, dataset: string) {
    const peer: Peer = {socket, dataset, sessions: new Set()}
    this.peers.add(peer)
    const unauthorised = setTimeout(
      () => socket.close(UNAUTHORIZED_CLOSE, 'Authorize first'),
      AUTHORIZE_WITHIN_MS,
    )
    const heartbeat = setInterval(() => this.send(peer, HEARTBEAT), HEARTBEAT_MS)
    socket.on('message', (data, isBinary) => {
      if (isBinary) return void this.reply(peer, null, {error: INVALID_REQUEST})
      this.handle(peer, data)
      if (peer.userId) clearTimeout(unauthorised)
    })
    socket.on('error', () => socket.terminate())
    socket.on('close', () => {
      clearTimeout(unauthorised)
      clearInterval(heartbeat)
      this.peers.delete(peer)
      for (const session of peer.sessions)
        this.relay(peer, {type: 'disconnect', i: peer.userId, m: {session}})
    })
  }

  private handle(peer: Peer, data: RawData) {
    const request = parseRequest(data)
    if ('error' in request) return this.reply(peer, request.id, {error: request.error})
    const {id, method, params} = request
    if (method === 'authorization') return this.authorize(peer, id, params)
    if (!peer.userId) {
      this.reply(peer, id, {error: INVALID_REQUEST, message: 'Authorize first'})
      return peer.socket.close(UNAUTHORIZED_CLOSE, 'Authorize first')
    }
    const handler = METHODS[method]
    if (!handler) return this.reply(peer, id, {error: METHOD_NOT_FOUND})
    const result = handler(this, peer, params)
    if (result === undefined) return this.reply(peer, id, {error: INVALID_PARAMS})
    this.reply(peer, id, {result})
  }

  private authorize(peer: Peer, id: Request['id'], params: Record<string, unknown>) {
    const header = stringParam(params, 'authorization') ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
    const userId = token ? this.options.userFor(token) : undefined
    if (!userId) {
      this.reply(peer, id, {error: INVALID_PARAMS, message: 'The token is not valid for this lake'})
      return peer.socket.close(UNAUTHORIZED_CLOSE, 'Unauthorized')
    }
    peer.userId = userId
    this.reply(peer, id, {result: true})
  }

  subscribe(peer: Peer): string {
    peer.subscription ??= String(this.nextSubscription++)
    return peer.subscription
  }

  unsubscribe(peer: Peer): true {
    delete peer.subscription
    return true
  }

  /** Sends a presence event to every other subscribed socket on the same dataset. */
  relay(from: Peer, event: Record<string, unknown>) {
    for (const peer of this.peers) {
      if (peer === from || peer.dataset !== from.dataset || !peer.subscription) continue
      this.send(peer, {
        jsonrpc: '2.0',
        method: 'presence_subscription',
        params: {subscription: peer.subscription, result: event},
      })
    }
  }

  private reply(
    peer: Peer,
    id: Request['id'],
    answer: {result: unknown} | {error: number; message?: string},
  ) {
    if ('result' in answer) return this.send(peer, {jsonrpc: '2.0', id, result: answer.result})
    const message = answer.message ?? 'Invalid request'
    this.send(peer, {jsonrpc: '2.0', id, error: {code: answer.error, message}})
  }

  private send(peer: Peer, message: unknown) {
    const {socket} = peer
    if (socket.readyState !== socket.OPEN) return
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return void socket.terminate()
    socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }
}

type Method = (hub: PresenceHub, peer: Peer, params: Record<string, unknown>) => unknown

/** The calls Studio's presence store makes, one entry each (undefined: invalid parameters). */
const METHODS: Record<string, Method> = {
  presence_subscribe: (hub, peer) => hub.subscribe(peer),
  presence_unsubscribe: (hub, peer) => hub.unsubscribe(peer),
  presence_rollcall: (hub, peer, params) => {
    const session = stringParam(params, 'session')
    if (!session) return undefined
    hub.relay(peer, {type: 'rollCall', i: peer.userId, session})
    return true
  },
  presence_announce: (hub, peer, params) => {
    const data = record(params.data)
    const sessionId = data && stringParam(data, 'sessionId')
    const locations = data?.locations
    if (!sessionId || !Array.isArray(locations)) return undefined
    peer.sessions.add(sessionId)
    hub.relay(peer, {type: 'state', i: peer.userId, m: {sessionId, locations}})
    return true
  },
  presence_disconnect: (hub, peer, params) => {
    const session = stringParam(params, 'session')
    if (!session) return undefined
    peer.sessions.delete(session)
    hub.relay(peer, {type: 'disconnect', i: peer.userId, m: {session}})
    return true
  },
}
