import type {SanityClient} from '@sanity/client'
import type {SimilarResolveQueryResult} from '../sanity.types.ts'
import {similarResolveQuery} from './queries.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'

/** Questions by id or slug, in the order given (each once); keys that match nothing. */
export async function resolveQuestions(
  client: SanityClient,
  keys: string[],
): Promise<{found: SimilarResolveQueryResult; missing: string[]}> {
  if (keys.length === 0) return {found: [], missing: []}
  const matches = await client.fetch(similarResolveQuery, {keys}, PUBLISHED_ONLY)
  const found: SimilarResolveQueryResult = []
  const missing: string[] = []
  const seen = new Set<string>()
  for (const key of keys) {
    const match = matches.find((question) => question._id === key || question.slug === key)
    if (!match) missing.push(key)
    else if (!seen.has(match._id)) {
      seen.add(match._id)
      found.push(match)
    }
  }
  return {found, missing}
}
