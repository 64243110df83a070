import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {IncomingHttpHeaders} from 'node:http'
import {unauthorized} from './errors.ts'
import {EDITOR_ID, TOOLS_ID} from './users.ts'

// Who may do what. Command-line tools send the lake's API token (`<data folder>/token`, 0600).
// Browsers never receive it: `npm start` prints a one-time sign-in link, and the Studio trades
// the code in it for a session token of its own, as it does with Sanity's login (the link ends in
// `#sid=<code>`, Studio calls `GET /auth/fetch?sid=<code>` and keeps the token it gets). Session
// tokens are kept hashed in `<data folder>/sessions.json` (0600) so a signed-in browser stays
// signed in across restarts; signing out (Studio's menu) revokes its token. Each code, and the
// session it becomes, belongs to a user (lake/users.ts): the local editor unless the code was
// issued for a name; the API token is the command-line tools.

/** How long a sign-in code may wait to be used. */
export const SIGN_IN_CODE_TTL_MS = 24 * 60 * 60 * 1000
const MAX_PENDING_CODES = 100

export interface Caller {
  authenticated: boolean
  /** The user behind the token (lake/users.ts); set when authenticated. */
  userId?: string
}

interface SessionRecord {
  createdAt: string
  /** Absent in sessions of earlier versions: the local editor. */
  userId?: string
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export class Sessions {
  private readonly path: string
  private readonly apiToken: string
  /** Hashes of live session tokens. */
  private readonly sessions: Map<string, SessionRecord>
  /** One-time sign-in codes (hashed): when they expire and whom they sign in. */
  private readonly codes = new Map<string, {expires: number; userId: string}>()

  constructor(dataDir: string, apiToken: string) {
    this.path = join(dataDir, 'sessions.json')
    this.apiToken = apiToken
    this.sessions = new Map(Object.entries(readSessions(this.path)))
  }

  /** A new one-time sign-in code for a user; the oldest pending codes lapse past a hundred. */
  issueCode(now = Date.now(), userId = EDITOR_ID): string {
    for (const [code, {expires}] of this.codes) if (expires <= now) this.codes.delete(code)
    while (this.codes.size >= MAX_PENDING_CODES) {
      const oldest = this.codes.keys().next().value
      if (oldest === undefined) break
      this.codes.delete(oldest)
    }
    const code = randomBytes(24).toString('base64url')
    this.codes.set(hash(code), {expires: now + SIGN_IN_CODE_TTL_MS, userId})
    return code
  }

  /** Trades a sign-in code for a new session token; each code works once. */
  redeem(code: string, now = Date.now()): string {
    const key = hash(code)
    const pending = this.codes.get(key)
    this.codes.delete(key)
    if (pending === undefined || pending.expires <= now) {
      throw unauthorized(
        'This sign-in link was already used or has expired: run `npm run lake -- signin` for a new one',
      )
    }
    const token = `session${randomBytes(32).toString('base64url')}`
    this.sessions.set(hash(token), {
      createdAt: new Date(now).toISOString(),
      userId: pending.userId,
    })
    this.save()
    return token
  }

  revoke(token: string) {
    if (this.sessions.delete(hash(token))) this.save()
  }

  /** The caller behind `Authorization: Bearer …`; a wrong token is a 401, none is anonymous. */
  authenticate(headers: IncomingHttpHeaders): Caller {
    const token = bearerToken(headers)
    if (token === undefined) return {authenticated: false}
    if (sameSecret(token, this.apiToken)) return {authenticated: true, userId: TOOLS_ID}
    const session = this.sessions.get(hash(token))
    if (session) return {authenticated: true, userId: session.userId ?? EDITOR_ID}
    throw unauthorized('Session not found: the token is not valid for this lake')
  }

  private save() {
    writeFileSync(this.path, JSON.stringify(Object.fromEntries(this.sessions)), {mode: 0o600})
  }
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match?.[1]) throw unauthorized('Send the token as "Authorization: Bearer <token>"')
  return match[1]
}

function readSessions(path: string): Record<string, SessionRecord> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return {}
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, SessionRecord>
    }
  } catch {
    // fall through: a damaged file signs everyone out rather than stopping the lake
  }
  console.error(`${path} is not a JSON object: every browser must sign in again`)
  return {}
}
