import type {SanityClient} from '@sanity/client'
import {DEFAULT_COMPUTED_LIMIT, DEFAULT_RANKER, inputHash} from '../similar/config.ts'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {toSource} from '../similar/load.ts'
import {excerptOf} from './portableText.ts'
import {inParallel} from '../domain/parallel.ts'

// Serving a question's similar threads. The stored list is dereferenced in one query (a lookup
// by id plus a handful of references); a second query finds each listed thread's doctor. When the
// list is missing or stale, a live GROQ query stands in: same specialty or shared FAQ tags,
// most shared tags first, then newest. Curated entries are shown first in both cases.

/** What serving reads of a question: its inputs (to check freshness) and its stored list. */
const SERVED = `{
    _id, title, shortTitle, body,
    "specialty": specialty._ref,
    "tags": tags[]._ref,
    similarInputHash,
    "excluded": similarExcluded[].question._ref,
    "entries": similar[defined(question._ref) && question->status != "archived"]{
      provenance,
      score,
      "target": question->{
        _id, title, "slug": slug.current, "text": pt::text(body), "specialty": specialty->name
      }
    }
  }`

/** Serving: one question, its stored list dereferenced. */
export const similarServeQuery = defineQuery(`*[_type == "question" && _id == $id][0]${SERVED}`)

/** The same for many questions at once (`npm run similar -- --all`): one query per page. */
const similarServeManyQuery = defineQuery(`*[_id in $ids][_type == "question"]${SERVED}`)

/** Serving: the doctor of each listed question's first reply. */
const similarDoctorsQuery = defineQuery(
  `*[_type == "reply" && question._ref in $ids] | order(repliedAt asc, _id asc){
    "question": question._ref,
    "doctor": doctor->name
  }`,
)

/**
 * Serving without a usable stored list: questions of the same specialty or sharing an FAQ tag
 * (`$refs` = the specialty and tag ids), most shared tags first, then same specialty, then newest.
 */
export const similarFallbackQuery = defineQuery(
  `*[_type == "question" && references($refs) && _id != $id && !(_id in $exclude) && status != "archived"]
    | order(count(tags[_ref in $tags]) desc, select(specialty._ref == $specialty => 1, 0) desc, askedAt desc, _id asc)
    [0...$limit]{
      _id, title, "slug": slug.current, "text": pt::text(body), "specialty": specialty->name
    }`,
)

type SimilarProvenance = 'curated' | 'imported' | 'computed' | 'live'

export interface SimilarThreadLink {
  _id: string
  title: string
  slug: string
  /** The start of the question, up to ~200 characters. */
  excerpt: string
  /** Name of the doctor who replied first, if anyone did. */
  doctor: string | null
  /** Name of the thread's specialty. */
  specialty: string | null
  /** Similarity score of a computed entry; null for curated, imported and live entries. */
  score: number | null
  provenance: SimilarProvenance
}

interface Target {
  _id: string
  title: string | null
  slug: string | null
  text: string
  specialty: string | null
}

type Served = NonNullable<Awaited<ReturnType<typeof fetchServed>>>

function fetchServed(client: SanityClient, id: string) {
  return client.fetch(similarServeQuery, {id}, PUBLISHED_ONLY)
}

/**
 * Whether the stored list can be served: it has computed entries and was computed from the
 * question as it is now (same text, tags, specialty and ranking model).
 */
function isStoredListFresh(question: Served): boolean {
  const entries = question.entries ?? []
  if (!entries.some((entry) => entry.provenance === 'computed')) return false
  const current = inputHash(toSource(question), DEFAULT_RANKER)
  return question.similarInputHash === current
}

/**
 * Up to `limit` similar threads of question `questionId` (published), best first: the stored
 * list (curated, then imported, then computed entries, as stored) when it is fresh; otherwise the
 * curated and imported entries followed by the live fallback. Threads without a slug (not
 * publishable), duplicates and threads an editor excluded are skipped. [] for an unknown question.
 */
export async function similarThreadsFor(
  client: SanityClient,
  questionId: string,
  limit: number = DEFAULT_COMPUTED_LIMIT,
): Promise<SimilarThreadLink[]> {
  if (limit <= 0) return []
  const question = await fetchServed(client, questionId)
  if (!question) return []
  const [links = []] = await withDoctors(client, [await pickThreads(client, question, limit)])
  return links
}

/** Live fallback queries of similarThreadsForMany in flight at once. */
const FALLBACKS_IN_FLIGHT = 4

/**
 * similarThreadsFor of many questions, in one query for the questions and one for the doctors
 * (plus the live fallback of each question without a fresh list, a few at a time). Unknown ids
 * are left out.
 */
export async function similarThreadsForMany(
  client: SanityClient,
  questionIds: readonly string[],
  limit: number = DEFAULT_COMPUTED_LIMIT,
): Promise<Map<string, SimilarThreadLink[]>> {
  const served = new Map<string, SimilarThreadLink[]>()
  if (limit <= 0 || questionIds.length === 0) return served
  const questions = await client.fetch(
    similarServeManyQuery,
    {ids: [...questionIds]},
    PUBLISHED_ONLY,
  )
  // A question without a fresh list costs a live fallback query: a few run at once.
  const picked: Picked[][] = []
  await inParallel([...questions.keys()], FALLBACKS_IN_FLIGHT, async (i) => {
    const question = questions[i]
    if (question) picked[i] = await pickThreads(client, question, limit)
  })
  const links = await withDoctors(client, picked)
  questions.forEach((question, i) => served.set(question._id, links[i] ?? []))
  return served
}

interface Picked {
  target: Target
  provenance: SimilarProvenance
  score: number | null
}

/**
 * Up to `limit` threads of `question`: its stored list when fresh; otherwise its curated and
 * imported entries, then the live fallback (a query).
 */
async function pickThreads(
  client: SanityClient,
  question: Served,
  limit: number,
): Promise<Picked[]> {
  const fresh = isStoredListFresh(question)
  const picked: Picked[] = []
  // Threads an editor excluded are never shown, from the stored list or the live fallback.
  const seen = new Set<string>([
    question._id,
    ...(question.excluded ?? []).filter((id) => id !== null),
  ])
  const take = (target: Target | null, provenance: SimilarProvenance, score: number | null) => {
    if (!target?.slug || seen.has(target._id) || picked.length >= limit) return
    seen.add(target._id)
    picked.push({target, provenance, score})
  }
  for (const entry of question.entries ?? []) {
    const provenance = entry.provenance ?? 'curated'
    if (provenance === 'computed' && !fresh) continue
    take(entry.target, provenance, provenance === 'computed' ? entry.score : null)
  }
  if (!fresh && picked.length < limit) {
    const tags = question.tags ?? []
    const refs = [...(question.specialty ? [question.specialty] : []), ...tags]
    if (refs.length > 0) {
      const live = await client.fetch(
        similarFallbackQuery,
        {
          id: question._id,
          refs,
          tags,
          specialty: question.specialty ?? '',
          exclude: [...seen],
          limit: limit - picked.length,
        },
        PUBLISHED_ONLY,
      )
      for (const target of live) take(target, 'live', null)
    }
  }
  return picked
}

/** The picked threads of each question as links, with the doctors of all of them read at once. */
async function withDoctors(
  client: SanityClient,
  lists: readonly Picked[][],
): Promise<SimilarThreadLink[][]> {
  const ids = [...new Set(lists.flatMap((list) => list.map(({target}) => target._id)))]
  const doctors = new Map<string, string>()
  if (ids.length > 0) {
    const replies = await client.fetch(similarDoctorsQuery, {ids}, PUBLISHED_ONLY)
    for (const {question: id, doctor} of replies)
      if (id && doctor && !doctors.has(id)) doctors.set(id, doctor)
  }
  return lists.map((list) =>
    list.map(({target, provenance, score}) => ({
      _id: target._id,
      title: target.title ?? 'Untitled question',
      slug: target.slug ?? '',
      excerpt: excerptOf(target.text),
      doctor: doctors.get(target._id) ?? null,
      specialty: target.specialty,
      score,
      provenance,
    })),
  )
}
