import type {SanityClient} from '@sanity/client'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {cursorParams, type PageOptions, toPage} from './cursor.ts'
import {linkFields, listedFilter} from './fragments.ts'
import {excerptOf} from './portableText.ts'

// A doctor's profile and their replies, newest first, paged with a cursor. Replies to questions
// that are not published are left out (they would have nowhere to link to).

const doctorQuery = defineQuery(`
  *[_type == "doctor" && slug.current == $slug][0]{
    _id,
    name,
    "slug": slug.current,
    credentials,
    bio,
    "specialties": specialties[defined(@->slug.current)]->{${linkFields}}
  }
`)

const doctorRepliesQuery = defineQuery(`{
  "total": count(*[
    _type == "reply" && doctor._ref == $doctorId && ${listedFilter} &&
    defined(question->slug.current) && question->status != "archived"
  ]),
  "rows": *[
    _type == "reply" && doctor._ref == $doctorId && ${listedFilter} &&
    defined(question->slug.current) && question->status != "archived" && (
      !defined($lastId) ||
      coalesce(repliedAt, "") < $lastDate ||
      (coalesce(repliedAt, "") == $lastDate && _id < $lastId)
    )
  ] | order(coalesce(repliedAt, "") desc, _id desc)[0...$limit]{
    _id,
    repliedAt,
    "excerpt": pt::text(body),
    "question": question->{
      _id,
      title,
      "slug": slug.current,
      askedAt,
      "specialty": specialty->{${linkFields}}
    }
  }
}`)

/** A doctor and one page of their replies, or null if there is no such doctor. */
export async function fetchDoctorPage(
  client: SanityClient,
  slug: string,
  {limit, after}: PageOptions,
) {
  const doctor = await client.fetch(doctorQuery, {slug}, PUBLISHED_ONLY)
  if (!doctor) return null
  const {total, rows} = await client.fetch(
    doctorRepliesQuery,
    {doctorId: doctor._id, ...cursorParams(after, limit)},
    PUBLISHED_ONLY,
  )
  const {items, nextCursor} = toPage(rows, limit, (row) => row.repliedAt)
  return {
    doctor,
    total,
    replies: items.map((row) => ({...row, excerpt: excerptOf(row.excerpt)})),
    nextCursor,
  }
}

export type DoctorPage = NonNullable<Awaited<ReturnType<typeof fetchDoctorPage>>>
