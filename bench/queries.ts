import {cursorParams} from '../queries/cursor.ts'
import {searchQuestionsQuery, searchTerms} from '../queries/search.ts'
import {specialtyQuestionsQuery} from '../queries/specialties.ts'
import {similarFallbackQuery, similarServeQuery} from '../queries/similar.ts'
import type {Archive} from './generate.ts'
import type {Random} from './random.ts'

// The read queries the site and the Studio run most, each with a generator of realistic
// parameters drawn from the archive (random ids, slugs, specialties and title words).

/** What the parameter generators need from the archive, small enough to keep after writing. */
export interface ArchiveSample {
  ids: string[]
  questionIds: string[]
  slugs: string[]
  specialtyIds: string[]
  titleWords: string[][]
  /** Each question's specialty and FAQ tags (what the live similar-thread query starts from). */
  questionTopics: {id: string; specialty: string; tags: string[]}[]
}

export interface BenchQuery {
  name: string
  query: string
  params: (random: Random, sample: ArchiveSample) => Record<string, unknown>
}

export function sampleArchive(archive: Archive): ArchiveSample {
  return {
    ids: [
      ...archive.questions.map((doc) => doc._id),
      ...archive.replies.map((doc) => doc._id),
      ...archive.doctors.map((doc) => doc._id),
      ...archive.tags.map((doc) => doc._id),
      ...archive.specialties.map((doc) => doc._id),
    ],
    questionIds: archive.questions.map((doc) => doc._id),
    slugs: archive.questions.map((doc) => doc.slug?.current ?? ''),
    specialtyIds: archive.specialties.map((doc) => doc._id),
    questionTopics: archive.questions.map((doc) => ({
      id: doc._id,
      specialty: doc.specialty?._ref ?? '',
      tags: (doc.tags ?? []).map((tag) => tag._ref),
    })),
    titleWords: archive.questions.map((doc) =>
      (doc.title ?? '')
        .toLowerCase()
        .split(/[^a-z]+/)
        .filter((word) => word.length >= 4),
    ),
  }
}

export const BENCH_QUERIES: readonly BenchQuery[] = [
  {
    name: 'document by id',
    query: '*[_id == $id][0]{title}',
    params: (random, sample) => ({id: random.pick(sample.ids)}),
  },
  {
    name: 'thread page by slug',
    query:
      '*[_type == "question" && slug.current == $slug][0]{title, "replies": *[_type == "reply" && references(^._id)] | order(repliedAt asc){body, "doctor": doctor->name}, "specialty": specialty->name, "tags": tags[]->name}',
    params: (random, sample) => ({slug: random.pick(sample.slugs)}),
  },
  {
    // The query the site serves a thread's similar list with: the stored list, dereferenced.
    name: 'similar-thread list',
    query: similarServeQuery,
    params: (random, sample) => ({id: random.pick(sample.questionIds)}),
  },
  {
    // What stands in for a missing or stale list: same specialty or shared FAQ tags, top 4.
    name: 'similar by shared tags (live)',
    query: similarFallbackQuery,
    params: (random, sample) => {
      const question = random.pick(sample.questionTopics)
      return {
        id: question.id,
        refs: [question.specialty, ...question.tags],
        tags: question.tags,
        specialty: question.specialty,
        exclude: [],
        limit: 4,
      }
    },
  },
  {
    name: 'questions by specialty',
    query:
      '*[_type == "question" && specialty._ref == $specialty] | order(askedAt desc)[0...20]{_id, title}',
    params: (random, sample) => ({specialty: random.pick(sample.specialtyIds)}),
  },
  {
    // The site's specialty page as served: total, first page, each row's reply count derived
    // (a reverse lookup per row).
    name: 'specialty page with reply counts',
    query: specialtyQuestionsQuery,
    params: (random, sample) => ({
      specialtyId: random.pick(sample.specialtyIds),
      ...cursorParams(undefined, 20),
    }),
  },
  {
    name: 'references to question',
    query: '*[references($id)]{_id}',
    params: (random, sample) => ({id: random.pick(sample.questionIds)}),
  },
  {
    name: 'title search',
    query: '*[_type == "question" && title match $words][0...10]{_id}',
    params: (random, sample) => {
      const words = random.pick(sample.titleWords)
      const picked = random.sample(words, random.int(1, 2))
      return {words: picked.length > 0 ? picked.join(' ') : 'pain'}
    },
  },
  {
    // The site's search box: every word as a prefix of a word of the title or the question text,
    // scored. Not word-indexed yet (prefix terms over pt::text): it scans every question.
    name: 'site search (title + text)',
    query: searchQuestionsQuery,
    params: (random, sample) => {
      const words = random.pick(sample.titleWords)
      return {terms: searchTerms(random.sample(words, 1).join(' ') || 'pain'), limit: 10}
    },
  },
]
