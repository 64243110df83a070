import type {SanityClient} from '@sanity/client'
import type {SimilarResolveQueryResult} from '../sanity.types.ts'
import {similarAllQuestionsQuery, similarResolveQuery} from './queries.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'

/** Questions by id or slug, in the order given (each once); keys that match nothing. */
export async function resolveQuestions(
  client: SanityClient,
  keys: string[],
): Promise<{found: SimilarResolveQueryResult; missing: string[]}> {
  if (keys.length === 0) return {found: [], missing: []}
  const matches = await client.fetch(similarResolveQuery, {keys}, PUBLISHED_ONLY)
  const byKey = new Map<string, SimilarResolveQueryResult[number]>()
  for (const question of matches) {
    byKey.set(question._id, question)
    if (question.slug) byKey.set(question.slug, question)
  }
  const found: SimilarResolveQueryResult = []
  const missing: string[] = []
  const seen = new Set<string>()
  for (const key of keys) {
    const match = byKey.get(key)
    if (!match) missing.push(key)
    else if (!seen.has(match._id)) {
      seen.add(match._id)
      found.push(match)
    }
  }
  return {found, missing}
}

/** Every published question (for `--all`), in id order. */
export async function allQuestions(client: SanityClient): Promise<SimilarResolveQueryResult> {
  return client.fetch(similarAllQuestionsQuery, {}, PUBLISHED_ONLY)
}

/**
 * Question keys from a list: one id or slug per line (blank lines and `#` comments ignored), or
 * several separated by whitespace or commas.
 */
export function parseKeyList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter(Boolean)
}
