import type {SanityClient} from '@sanity/client'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import type {SimilarIndex} from './ranker.ts'
import {similarTitlesQuery} from './queries.ts'

// Lists longer than the stored ones. Each question stores its best few (DEFAULT_COMPUTED_LIMIT,
// what the thread page shows); asking for more (`npm run similar -- --limit 10`) continues with
// the same ranker over the same archive, after what is served and never with a thread the
// editor excluded, so the first entries are the stored ones and the rest follow in rank order.

export interface RankedThread {
  _id: string
  title: string
  score: number
}

export async function rankBeyondServed(
  client: SanityClient,
  index: SimilarIndex,
  questionId: string,
  servedIds: readonly string[],
  limit: number,
): Promise<RankedThread[]> {
  const wanted = limit - servedIds.length
  if (wanted <= 0) return []
  const [question] = await client.fetch(similarTitlesQuery, {ids: [questionId]}, PUBLISHED_ONLY)
  const skip = new Set<string>([
    questionId,
    ...servedIds,
    ...(question?.excluded ?? []).filter((id) => id !== null),
  ])
  const ranked = index.rank(questionId, wanted, skip)
  if (ranked.length === 0) return []
  const titles = new Map(
    (await client.fetch(similarTitlesQuery, {ids: ranked.map(({_id}) => _id)}, PUBLISHED_ONLY)).map(
      ({_id, title}) => [_id, title ?? 'Untitled question'],
    ),
  )
  return ranked
    .filter(({_id}) => titles.has(_id))
    .map(({_id, score}) => ({_id, title: titles.get(_id) ?? '', score}))
}
