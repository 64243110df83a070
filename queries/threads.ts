import type {SanityClient} from '@sanity/client'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {linkFields, listedFilter} from './fragments.ts'
import {similarThreadsFor} from './similar.ts'

// A thread: the question with its specialty, FAQ tags and More Info, its replies in date order
// with their doctors, and its similar threads (ranked by queries/similar).

const threadQuery = defineQuery(`
  *[_type == "question" && slug.current == $slug && ${listedFilter}][0]{
    _id,
    title,
    "slug": slug.current,
    shortTitle,
    body,
    asker{displayName, ageRange, gender},
    askedAt,
    language,
    "specialty": specialty->{${linkFields}},
    "tags": tags[defined(@->slug.current)]->{${linkFields}, "specialty": specialty->name},
    moreInfo
  }
`)

const threadRepliesQuery = defineQuery(`
  *[_type == "reply" && question._ref == $questionId && ${listedFilter}] | order(repliedAt asc, _id asc){
    _id,
    body,
    repliedAt,
    "doctor": doctor->{
      name,
      "slug": slug.current,
      credentials,
      "specialties": specialties[defined(@->name)]->name
    }
  }
`)

const threadIdQuery = defineQuery(`
  *[_type == "question" && slug.current == $slug && ${listedFilter}][0]._id
`)

export const DEFAULT_SIMILAR_LIMIT = 5

/** The thread with slug `slug`, or null if there is no such published question. */
export async function fetchThread(
  client: SanityClient,
  slug: string,
  {similarLimit = DEFAULT_SIMILAR_LIMIT}: {similarLimit?: number} = {},
) {
  const question = await client.fetch(threadQuery, {slug}, PUBLISHED_ONLY)
  if (!question) return null
  const [replies, similar] = await Promise.all([
    client.fetch(threadRepliesQuery, {questionId: question._id}, PUBLISHED_ONLY),
    similarThreadsFor(client, question._id, similarLimit),
  ])
  return {...question, replies, similar}
}

export type Thread = NonNullable<Awaited<ReturnType<typeof fetchThread>>>

/** Similar threads of the thread with slug `slug`, or null if there is no such thread. */
export async function fetchSimilarThreads(client: SanityClient, slug: string, limit: number) {
  const questionId = await client.fetch(threadIdQuery, {slug}, PUBLISHED_ONLY)
  return questionId ? similarThreadsFor(client, questionId, limit) : null
}
