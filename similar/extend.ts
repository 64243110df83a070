import type {SanityClient} from '@sanity/client'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import type {Ranked, SimilarIndex} from './ranker.ts'
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

/**
 * For each question, up to `limit − servedIds.length` more threads ranked by `index` past the
 * ones already served and the ones an editor excluded, with their titles: one query for the
 * questions' exclusions and one for the titles of everything ranked. Questions that want none
 * more get no entry.
 */
export async function rankBeyondServed(
  client: SanityClient,
  index: SimilarIndex,
  served: readonly {questionId: string; servedIds: readonly string[]}[],
  limit: number,
): Promise<Map<string, RankedThread[]>> {
  const beyond = new Map<string, RankedThread[]>()
  const wanting = served.filter(({servedIds}) => limit - servedIds.length > 0)
  if (wanting.length === 0) return beyond
  const questions = await client.fetch(
    similarTitlesQuery,
    {ids: wanting.map(({questionId}) => questionId)},
    PUBLISHED_ONLY,
  )
  const excluded = new Map(questions.map(({_id, excluded}) => [_id, excluded ?? []]))
  const ranked = new Map<string, Ranked[]>()
  for (const {questionId, servedIds} of wanting) {
    const skip = new Set<string>([
      questionId,
      ...servedIds,
      ...(excluded.get(questionId) ?? []).filter((id) => id !== null),
    ])
    ranked.set(questionId, index.rank(questionId, limit - servedIds.length, skip))
  }
  const ids = [...new Set([...ranked.values()].flatMap((list) => list.map(({_id}) => _id)))]
  if (ids.length === 0) return beyond
  const titles = new Map(
    (await client.fetch(similarTitlesQuery, {ids}, PUBLISHED_ONLY)).map(({_id, title}) => [
      _id,
      title ?? 'Untitled question',
    ]),
  )
  for (const [questionId, list] of ranked)
    beyond.set(
      questionId,
      list
        .filter(({_id}) => titles.has(_id))
        .map(({_id, score}) => ({_id, title: titles.get(_id) ?? '', score})),
    )
  return beyond
}
