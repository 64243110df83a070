import type {IncomingHttpHeaders} from 'node:http'
import {isIP} from 'node:net'
import {forbidden} from './errors.ts'

// Which requests reach the lake at all. It serves an editor's laptop next to a browser, so a web
// page from anywhere may try it: through DNS rebinding (a page of evil.example whose name now
// points at 127.0.0.1, sending `Host: evil.example`), or cross-origin (a page on another port
// reading the API). Only loopback host names are answered, and only the lake's own Studio (plus
// origins named in LAKE_CORS_ORIGINS) may call it from a browser.

export interface GuardOptions {
  /** Origins allowed to call the API from a browser, e.g. "https://local.localhost:3443". */
  allowedOrigins: ReadonlySet<string>
  /** Host names answered besides loopback ones (LAKE_ALLOWED_HOSTS), lowercase, without port. */
  allowedHosts?: ReadonlySet<string>
}

/** The host name of a Host / :authority header, lowercase, without port or brackets. */
function hostName(header: string): string {
  const host = header.trim().toLowerCase()
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'))
  const colon = host.lastIndexOf(':')
  return colon >= 0 ? host.slice(0, colon) : host
}

export function isLoopbackHost(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  if (isIP(name) === 4) return name.startsWith('127.')
  return name === '::1'
}

function requestHost(headers: IncomingHttpHeaders): string | undefined {
  const authority = headers[':authority']
  if (typeof authority === 'string' && authority) return authority
  return headers.host
}

/**
 * Refuses requests the lake must not answer: a Host that is not this machine's loopback name, or
 * a browser request from an origin other than the allowed ones.
 */
export function checkRequest(headers: IncomingHttpHeaders, options: GuardOptions) {
  const host = requestHost(headers)
  const name = host === undefined ? undefined : hostName(host)
  if (name === undefined || !(isLoopbackHost(name) || options.allowedHosts?.has(name))) {
    throw forbidden(
      `Host "${host ?? ''}" is not served: the lake answers localhost names only (LAKE_ALLOWED_HOSTS adds others)`,
    )
  }
  const origin = headers.origin
  if (origin !== undefined && origin !== 'null' && !options.allowedOrigins.has(origin)) {
    throw forbidden(
      `Origin "${origin}" may not call this lake (LAKE_CORS_ORIGINS lists the allowed origins)`,
    )
  }
  if (origin === 'null') throw forbidden('Requests from opaque origins are refused')
  // Requests a page makes without an Origin header (images, scripts, navigations) say where they
  // come from here; only the user's own navigation and same-origin requests are answered.
  const site = headers['sec-fetch-site']
  if ((site === 'cross-site' || site === 'same-site') && origin === undefined) {
    throw forbidden('Cross-site requests are refused')
  }
}

/** CORS headers for an allowed origin (checkRequest has refused the others). */
export function corsHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const origin = headers.origin
  if (origin === undefined) return {}
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  }
}

/** Origins from a comma-separated list (LAKE_CORS_ORIGINS), each as `new URL().origin` has it. */
export function parseOrigins(list: string | undefined): string[] {
  if (!list) return []
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        return new URL(entry).origin
      } catch {
        throw new Error(`LAKE_CORS_ORIGINS: "${entry}" is not an origin like https://host:port`)
      }
    })
}
