import type {SanityClient} from '@sanity/client'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {cursorParams, type PageOptions, toPage} from './cursor.ts'
import {
  linkFields,
  listedFilter,
  questionAfterCursorFilter,
  questionListFields,
} from './fragments.ts'
import {excerptOf} from './portableText.ts'

// A "Related FAQ" tag's page: the tag, its specialty and its questions, newest first, paged.

const faqTagQuery = defineQuery(`
  *[_type == "faqTag" && slug.current == $slug][0]{
    _id,
    ${linkFields},
    description,
    "specialty": specialty->{${linkFields}}
  }
`)

const faqTagQuestionsQuery = defineQuery(`{
  "total": count(*[_type == "question" && references($tagId) && ${listedFilter}]),
  "rows": *[_type == "question" && references($tagId) && ${listedFilter} && ${questionAfterCursorFilter}]
    | order(coalesce(askedAt, "") desc, _id desc)[0...$limit]{${questionListFields}}
}`)

/** A tag and one page of its questions, or null if there is no such tag. */
export async function fetchTagPage(
  client: SanityClient,
  slug: string,
  {limit, after}: PageOptions,
) {
  const tag = await client.fetch(faqTagQuery, {slug}, PUBLISHED_ONLY)
  if (!tag) return null
  const {total, rows} = await client.fetch(
    faqTagQuestionsQuery,
    {tagId: tag._id, ...cursorParams(after, limit)},
    PUBLISHED_ONLY,
  )
  const {items, nextCursor} = toPage(rows, limit, (row) => row.askedAt)
  return {
    tag,
    total,
    questions: items.map((row) => ({...row, excerpt: excerptOf(row.excerpt)})),
    nextCursor,
  }
}

export type TagPage = NonNullable<Awaited<ReturnType<typeof fetchTagPage>>>
