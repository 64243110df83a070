import {stableHash} from './hash.ts'
import {doctorKey, slugify, titleKey} from './names.ts'

// Document ids and title digests derived from scraped text. They must be stable across runs and
// machines: re-imports address the same documents, migrations find the documents the importer
// made, and the same doctor spelled two ways is one doctor.

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

export const questionId = (identity: string) => `question-${stableHash(identity, 20)}`
// A name without letters or digits ("???") is its own key.
export const specialtyId = (name: string) =>
  `specialty-${idPart(slugify(name, Infinity) || name.trim())}`
export const doctorId = (name: string) => `doctor-${idPart(doctorKey(name) || name.trim())}`
export const tagId = (name: string, specialty: string | undefined) =>
  `faqTag-${stableHash(`${titleKey(name)}|${specialty ? titleKey(specialty) : ''}`, 16)}`

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
