import {randomBytes} from 'node:crypto'

// Document ids as Sanity allows them: letters, digits, `_`, `-`, and `.` separating path segments
// (`drafts.<id>`, `versions.<release>.<id>`); at most 128 characters.
const VALID_ID = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/

export const DRAFTS_PREFIX = 'drafts.'
export const VERSIONS_PREFIX = 'versions.'

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && VALID_ID.test(id) && !id.includes('..') && !id.endsWith('.')
}

export function isDraftId(id: string): boolean {
  return id.startsWith(DRAFTS_PREFIX)
}

export function isVersionId(id: string): boolean {
  return id.startsWith(VERSIONS_PREFIX)
}

/**
 * Whether anonymous callers are kept from the document, as on Sanity: any id with a `.` lies in a
 * path (`drafts.`, `versions.`, or one of the dataset's own) and needs a token to be read.
 */
export function isPrivateId(id: string): boolean {
  return id.includes('.')
}

/** The published id a draft or version overlays. */
export function publishedId(id: string): string {
  if (isDraftId(id)) return id.slice(DRAFTS_PREFIX.length)
  if (isVersionId(id)) return id.slice(id.indexOf('.', VERSIONS_PREFIX.length) + 1)
  return id
}

/** A new random id; `prefix` ending in `.` (e.g. `drafts.`) is kept, as Sanity does. */
export function generateId(prefix = ''): string {
  return `${prefix}${randomBytes(16).toString('base64url').replace(/[-_]/g, '').slice(0, 22)}`
}

/** Revision and transaction ids: random, URL-safe, 22 characters. */
export function generateRevision(): string {
  return randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22)
}
