import {createHash} from 'node:crypto'

// Keys and ids derived from scraped text. They must be stable across runs and machines:
// re-imports address the same documents, and the same doctor spelled two ways is one doctor.
// Name keys live in domain/names.ts (the Studio uses them too); re-exported for the importer.

import {titleKey} from '../domain/names.ts'
export {doctorDisplayName, doctorKey, slugify, titleKey} from '../domain/names.ts'

const ID_SAFE = /^[a-z0-9-]+$/

/**
 * A normalised key (a slug, a doctor key) as part of a document id, which Sanity limits to
 * `[a-zA-Z0-9_-]`. ASCII keys are kept (cut to `maxLength`), so Latin names keep their ids; keys
 * with letters of other scripts ("神经内科", "неврология") become their ASCII part, if any, and a
 * stable hash of the whole key, so they are never empty and two names never share an id.
 */
export function idPart(key: string, maxLength = 60): string {
  if (ID_SAFE.test(key)) return key.slice(0, maxLength).replace(/-+$/, '')
  const hash = stableHash(key, 12)
  const ascii = key
    .slice(0, maxLength - hash.length - 1)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return ascii ? `${ascii}-${hash}` : hash
}

/** A short stable hash of any JSON value (keys sorted, so property order never matters). */
export function stableHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length)
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * What questions and "Similar Q&A" entries store to find each other: a digest of the title key,
 * not the key itself, since the title as published may hold personal data the stored title no
 * longer shows (`tk-` tells it from the readable keys of earlier versions).
 */
export function titleDigest(title: string): string {
  return digestOfTitleKey(titleKey(title))
}

export function digestOfTitleKey(key: string): string {
  return `tk-${stableHash(key, 20)}`
}
