import {referenceId, stringField} from '../schemas/values.ts'
import {stableHash} from './hash.ts'

// "Editors win": each imported question and reply stores a hash of the fields the importer wrote
// (`source.contentHash`). The importer compares it to tell editor edits from source changes, and
// migrations that change imported fields rewrite it, so a document they touched stays unedited.

/**
 * The fields the importer owns on a question; their hash tells editor edits from source changes.
 * Takes any stored document shape (typed or not), so migrations compute the same hash.
 */
export function importedQuestionContent(question: Readonly<Record<string, unknown>>) {
  return {
    title: question.title,
    slug: stringField(question.slug, 'current'),
    shortTitle: question.shortTitle,
    body: question.body,
    asker: question.asker,
    askedAt: question.askedAt,
    language: question.language,
    specialty: referenceId(question.specialty),
    tags: Array.isArray(question.tags) ? question.tags.map(referenceId) : undefined,
    moreInfo: question.moreInfo,
    similar: sourceSimilarTitles(question),
  }
}

const arrayField = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/**
 * The source page's "Similar Q&A" titles a question holds, sorted: its imported entries, those an
 * editor pinned (curated, still carrying the importer's title key) and those an editor excluded
 * (similar/editorial.ts). Pinning, un-pinning and excluding triage the list; they are not edits
 * of what was imported, so they leave the content hash alone (as dismissing a quality flag does).
 */
function sourceSimilarTitles(question: Readonly<Record<string, unknown>>) {
  if (!Array.isArray(question.similar)) return undefined
  const entries = question.similar.filter((entry) => {
    const provenance = stringField(entry, 'provenance')
    if (provenance === 'imported') return true
    return provenance !== 'computed' && stringField(entry, 'titleKey') !== undefined
  })
  const excluded = arrayField(question.similarExcluded).filter(
    (exclusion) => stringField(exclusion, 'titleKey') !== undefined,
  )
  return [...entries, ...excluded].map((entry) => stringField(entry, 'sourceTitle')).sort()
}

/**
 * What versions before pins and exclusions hashed: the imported entries' titles in list order.
 * Questions imported then keep counting as unedited until their hash is rewritten.
 */
function legacyQuestionContent(question: Readonly<Record<string, unknown>>) {
  return {
    ...importedQuestionContent(question),
    similar: Array.isArray(question.similar)
      ? question.similar
          .filter((entry) => stringField(entry, 'provenance') === 'imported')
          .map((entry) => stringField(entry, 'sourceTitle'))
      : undefined,
  }
}

export function importedReplyContent(reply: Readonly<Record<string, unknown>>) {
  return {
    question: referenceId(reply.question),
    doctor: referenceId(reply.doctor),
    body: reply.body,
    repliedAt: reply.repliedAt,
  }
}

function importedContentHash(document: Readonly<Record<string, unknown>>): string | undefined {
  if (document._type === 'question') return stableHash(importedQuestionContent(document))
  if (document._type === 'reply') return stableHash(importedReplyContent(document))
  return undefined
}

/**
 * The `source.contentHash` values that mean "as the importer wrote it" for a document's imported
 * fields: the current hash first, then (questions) the hash earlier versions wrote.
 */
export function importedContentHashes(document: Readonly<Record<string, unknown>>): string[] {
  const current = importedContentHash(document)
  if (current === undefined) return []
  if (document._type !== 'question') return [current]
  return [current, stableHash(legacyQuestionContent(document))]
}

/**
 * The `source.contentHash` an imported question or reply should carry after a migration changed
 * it from `before` to `after`: when it was unedited since import, the hash of its new content, so
 * it stays unedited (re-imports keep updating it); otherwise undefined (an editor's change stays
 * an editor's change, and documents that were not imported have no hash to keep).
 */
export function contentHashAfterChange(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): string | undefined {
  const stored = stringField(before.source, 'contentHash')
  if (!stored || !importedContentHashes(before).includes(stored)) return undefined
  const next = importedContentHash(after)
  return next === stored ? undefined : next
}
