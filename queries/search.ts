import type {SanityClient} from '@sanity/client'
import {defineQuery} from 'groq'
import {PUBLISHED_ONLY} from './client.ts'
import {listedFilter, questionListFields} from './fragments.ts'
import {excerptOf} from './portableText.ts'

// Search by words: every word must occur (as a word prefix) in the title or the question text;
// titles weigh more. The words travel as a parameter, never inside the query.

export const MAX_SEARCH_TERMS = 8
const MAX_TERM_LENGTH = 40

export const searchQuestionsQuery = defineQuery(`
  *[_type == "question" && [title, pt::text(body)] match $terms && ${listedFilter}]
    | score(boost(title match $terms, 3), pt::text(body) match $terms)
    | order(_score desc, askedAt desc, _id desc)[0...$limit]{${questionListFields}}
`)

/** The words of a search box's text as GROQ match patterns ("twitch" → "twitch*"). */
export function searchTerms(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  return [...new Set(words)]
    .slice(0, MAX_SEARCH_TERMS)
    .map((word) => `${word.slice(0, MAX_TERM_LENGTH)}*`)
}

/** Questions matching every word of `text`, best first; [] when `text` has no words. */
export async function searchQuestions(client: SanityClient, text: string, limit: number) {
  const terms = searchTerms(text)
  if (terms.length === 0) return []
  const rows = await client.fetch(searchQuestionsQuery, {terms, limit}, PUBLISHED_ONLY)
  return rows.map((row) => ({...row, excerpt: excerptOf(row.excerpt)}))
}

export type SearchResult = Awaited<ReturnType<typeof searchQuestions>>[number]
