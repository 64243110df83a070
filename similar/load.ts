import type {SanityClient} from '@sanity/client'
import type {SimilarSourcesQueryResult} from '../sanity.types.ts'
import {DEFAULT_RANKER, type RankerConfig, type SimilarSource} from './config.ts'
import {similarQuestionIdsQuery, similarRevisionsQuery, similarSourcesQuery} from './queries.ts'
import {SimilarIndex} from './ranker.ts'
import {plainText} from '../domain/portableText.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'

// Reading questions for the ranker through the client, in pages: all ids first (one small
// query), then pages of documents by id (`_id in $ids` is an index lookup in the lake and in
// Sanity), so memory stays at one page of documents however large the archive.

export const DEFAULT_PAGE_SIZE = 500

/** A question as stored, read by any query that projects what the ranker reads. */
type StoredSource = Pick<
  SimilarSourcesQueryResult[number],
  '_id' | 'title' | 'shortTitle' | 'body' | 'specialty' | 'tags'
> &
  Partial<Pick<SimilarSourcesQueryResult[number], '_rev' | 'askedAt'>>

/** What the ranker (and the fingerprint of a stored list) reads of a question. */
export function toSource(document: StoredSource): SimilarSource {
  return {
    _id: document._id,
    ...(document._rev ? {_rev: document._rev} : {}),
    title: document.title ?? '',
    ...(document.shortTitle ? {shortTitle: document.shortTitle} : {}),
    body: plainText(document.body),
    ...(document.specialty ? {specialty: document.specialty} : {}),
    tags: document.tags ?? [],
    ...(document.askedAt ? {askedAt: document.askedAt} : {}),
  }
}

/** Published questions by id, a page of ids per request (missing ids are left out). */
export async function fetchSources(
  client: SanityClient,
  ids: string[],
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<SimilarSource[]> {
  const sources: SimilarSource[] = []
  for (let i = 0; i < ids.length; i += pageSize) {
    const page = ids.slice(i, i + pageSize)
    const documents = await client.fetch(similarSourcesQuery, {ids: page}, PUBLISHED_ONLY)
    sources.push(...documents.map(toSource))
  }
  return sources
}

export async function fetchQuestionIds(client: SanityClient): Promise<string[]> {
  return client.fetch(similarQuestionIdsQuery, {}, PUBLISHED_ONLY)
}

/** Every published question, a page at a time. */
async function* readSources(
  client: SanityClient,
  {pageSize = DEFAULT_PAGE_SIZE}: {pageSize?: number} = {},
): AsyncGenerator<SimilarSource> {
  const ids = (await fetchQuestionIds(client)).sort()
  for (let i = 0; i < ids.length; i += pageSize)
    yield* await fetchSources(client, ids.slice(i, i + pageSize), pageSize)
}

/** Builds the ranker's index over the whole archive. */
export async function loadSimilarIndex(
  client: SanityClient,
  {config = DEFAULT_RANKER, pageSize}: {config?: RankerConfig; pageSize?: number} = {},
): Promise<SimilarIndex> {
  return SimilarIndex.buildAsync(readSources(client, pageSize ? {pageSize} : {}), config)
}

/**
 * Brings an index built earlier up to date with the dataset: questions deleted since are removed,
 * new and changed ones (by revision) re-read. One small query when nothing changed. Returns every
 * published question's revision as read.
 */
export async function syncIndex(
  client: SanityClient,
  index: SimilarIndex,
): Promise<{_id: string; _rev: string}[]> {
  const revisions = await client.fetch(similarRevisionsQuery, {}, PUBLISHED_ONLY)
  const present = new Set(revisions.map(({_id}) => _id))
  for (const id of index.questionIds()) if (!present.has(id)) index.remove(id)
  const outdated = revisions.filter(({_id, _rev}) => index.revision(_id) !== _rev)
  for (const source of await fetchSources(
    client,
    outdated.map(({_id}) => _id),
  ))
    index.upsert(source)
  return revisions
}
