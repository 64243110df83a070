import type {SanityClient} from '@sanity/client'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {cursorParams, type PageOptions, toPage} from './cursor.ts'
import {excerptOf} from './portableText.ts'
import {
  linkFields,
  listedFilter,
  questionAfterCursorFilter,
  questionListFields,
} from './fragments.ts'

// Specialties: the index of all of them, and one specialty's page (its FAQ tags and its
// questions, newest first, paged with a cursor). Counts are per page, where the filter has a
// constant to match: a count per row of the index would rescan every question once per
// specialty on a lake without Sanity's indexes.

const specialtyIndexQuery = defineQuery(`
  *[_type == "specialty" && defined(slug.current)] | order(name asc){
    _id,
    ${linkFields},
    description
  }
`)

const specialtyQuery = defineQuery(`
  *[_type == "specialty" && slug.current == $slug][0]{
    _id,
    ${linkFields},
    description,
    "tags": *[_type == "faqTag" && specialty._ref == ^._id && defined(slug.current)]
      | order(name asc){${linkFields}}
  }
`)

export const specialtyQuestionsQuery = defineQuery(`{
  "total": count(*[_type == "question" && specialty._ref == $specialtyId && ${listedFilter}]),
  "rows": *[
    _type == "question" && specialty._ref == $specialtyId && ${listedFilter} &&
    ${questionAfterCursorFilter}
  ]
    | order(coalesce(askedAt, "") desc, _id desc)[0...$limit]{${questionListFields}}
}`)

export async function fetchSpecialties(client: SanityClient) {
  return client.fetch(specialtyIndexQuery, {}, PUBLISHED_ONLY)
}

/** A specialty and one page of its questions, or null if there is no such specialty. */
export async function fetchSpecialtyPage(
  client: SanityClient,
  slug: string,
  {limit, after}: PageOptions,
) {
  const specialty = await client.fetch(specialtyQuery, {slug}, PUBLISHED_ONLY)
  if (!specialty) return null
  const {total, rows} = await client.fetch(
    specialtyQuestionsQuery,
    {specialtyId: specialty._id, ...cursorParams(after, limit)},
    PUBLISHED_ONLY,
  )
  const {items, nextCursor} = toPage(rows, limit, (row) => row.askedAt)
  return {
    specialty,
    total,
    questions: items.map((row) => ({...row, excerpt: excerptOf(row.excerpt)})),
    nextCursor,
  }
}

export type SpecialtyIndex = Awaited<ReturnType<typeof fetchSpecialties>>
export type SpecialtyPage = NonNullable<Awaited<ReturnType<typeof fetchSpecialtyPage>>>
