import {randomBytes} from 'node:crypto'

// What `@sanity/client/csm` does not have: the draft/published/version helpers (`getPublishedId`,
// `getDraftId`, `isDraftId`, `isVersionId`, `getVersionFromId`) come from there; the lake adds id
// validation, access by path and id generation.

// Document ids as Sanity allows them: letters, digits, `_`, `-`, and `.` separating path segments
// (`drafts.<id>`, `versions.<release>.<id>`); at most 128 characters.
const VALID_ID = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && VALID_ID.test(id) && !id.includes('..') && !id.endsWith('.')
}

/**
 * Whether anonymous callers are kept from the document, as on Sanity: any id with a `.` lies in a
 * path (`drafts.`, `versions.`, or one of the dataset's own) and needs a token to be read.
 */
export function isPrivateId(id: string): boolean {
  return id.includes('.')
}

/** A new random id; `prefix` ending in `.` (e.g. `drafts.`) is kept, as Sanity does. */
export function generateId(prefix = ''): string {
  return `${prefix}${randomBytes(16).toString('base64url').replace(/[-_]/g, '').slice(0, 22)}`
}

/** Revision and transaction ids: random, URL-safe, 22 characters. */
export function generateRevision(): string {
  return randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22)
}
