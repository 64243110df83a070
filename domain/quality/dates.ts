import {comparable, excerpt, replyName, sentence} from './text.ts'
import type {Finding, ThreadText} from './types.ts'

// A question asked in 2013 that says "since 2019" was pasted from another thread or misdated.
// Dates are read at the precision written: a year, a month and year, or a full date, and
// compared with the ask (or reply) date at that precision. Numbers that only look like years
// are passed over: quantities with units ("2020 mg", "1900 steps"), prices, numbers inside
// larger numbers, and years in sentences about plans ("the surgery is planned for 2016").

const MONTHS = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
] as const
const MONTH =
  '(january|february|march|april|may|june|july|august|september|october|november|december|' +
  'jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?'
const YEAR = '((?:19|20)\\d\\d)'

const FULL_DATE = new RegExp(`(?<![\\d.])${YEAR}[-/.](\\d{1,2})[-/.](\\d{1,2})(?![\\d.]\\d)`, 'g')
const MONTH_DAY_YEAR = new RegExp(
  `\\b${MONTH}\\s+(?:(\\d{1,2})(?:st|nd|rd|th)?,?\\s+)?${YEAR}\\b`,
  'gi',
)
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+${YEAR}\\b`, 'gi')
const BARE_YEAR = new RegExp(`\\b${YEAR}\\b`, 'g')

const UNIT_AFTER =
  /^\s?(?:%|\/|(?:mg|mcg|µg|μg|ug|g|kg|ml|cc|l|iu|units?|u|times|steps|kcal|cal|calories|m|km|cm|mm|meters?|metres?|ft|feet|people|patients|cells|copies|ng|pg|mmol|hz|ms|rpm|dollars?|yuan|ntd?|won|yen|usd|words|pieces|pills|tablets|hours|minutes|seconds|days|weeks|months|years|points)\b)/i
// Prices, numbers and codes: "$2020", "NT$2000", "#2019", "No. 2019", "12,2020", "x2020", "3-2019".
const NUMBER_BEFORE = /(?:[$#£€¥×x]|\bno\.|\bnumber|\broom|\bext\.?|[\d.,]|\d\s?[-–/])\s?$/i
// Years of a sentence about plans (or a doctor's follow-up) may lie ahead; "since" never does.
const FUTURE =
  /\b(?:will|won't|going to|plan|plans|planned|planning|scheduled?|expect(?:ed|ing)?|due|hope|hoping|intend|intends|next|upcoming|return|come back|follow[- ]?up|recheck|booked)\b/i
const AHEAD_BEFORE = /\b(?:by|until|till|before)\s+$/i
const SINCE_BEFORE = /\bsince\s+$/i

interface Mention {
  /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
  value: string
  index: number
  length: number
}

const pad = (value: string | undefined) => (value ?? '').padStart(2, '0')

function monthNumber(name: string): string {
  const month = MONTHS.findIndex((prefix) => name.toLowerCase().startsWith(prefix))
  return pad(String(month + 1))
}

function validDate(month: string, day?: string): boolean {
  const m = Number(month)
  const d = day === undefined ? 1 : Number(day)
  return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

/** The sentence around `index`: from the last stop before it to the next one after it. */
function sentenceAround(text: string, index: number): string {
  const before = text.slice(Math.max(0, index - 200), index)
  const start = Math.max(...['.', '!', '?', '\n'].map((stop) => before.lastIndexOf(stop))) + 1
  const after = text.slice(index, index + 200)
  const ends = ['.', '!', '?', '\n'].map((stop) => after.indexOf(stop)).filter((at) => at >= 0)
  return before.slice(start) + after.slice(0, ends.length > 0 ? Math.min(...ends) : undefined)
}

/** A date in a sentence about plans ("planned for", "by 2016") may lie ahead of the question. */
function aboutPlans(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 8), index)
  if (SINCE_BEFORE.test(before)) return false
  return AHEAD_BEFORE.test(before) || FUTURE.test(sentenceAround(text, index))
}

/** A bare 2020 is a year unless it is a quantity, a price or part of a longer number. */
function isYear(text: string, index: number, length: number): boolean {
  const before = text.slice(Math.max(0, index - 8), index)
  const after = text.slice(index + length, index + length + 12)
  if (UNIT_AFTER.test(after) || /^[.,]?\d/.test(after)) return false
  // "2017-55" is a code; "2017-2019" a range of years.
  if (/^[-–/]\d/.test(after) && !/^[-–](?:19|20)\d\d\b/.test(after)) return false
  return !NUMBER_BEFORE.test(before) || /(?:19|20)\d\d\s?[-–]\s?$/.test(before)
}

/** Dates in `text` (already `comparable`), with where they are. */
function mentions(text: string): Mention[] {
  const found: Mention[] = []
  const taken = new Set<number>()
  const add = (match: RegExpExecArray, value: string, yearGroup: number) => {
    taken.add(match.index + match[0].lastIndexOf(match[yearGroup] ?? ''))
    found.push({value, index: match.index, length: match[0].length})
  }
  for (const m of text.matchAll(FULL_DATE))
    if (validDate(m[2] ?? '', m[3])) add(m, `${m[1]}-${pad(m[2])}-${pad(m[3])}`, 1)
  for (const m of text.matchAll(MONTH_DAY_YEAR)) {
    const month = monthNumber(m[1] ?? '')
    add(m, m[2] ? `${m[3]}-${month}-${pad(m[2])}` : `${m[3]}-${month}`, 3)
  }
  for (const m of text.matchAll(DAY_MONTH_YEAR))
    add(m, `${m[3]}-${monthNumber(m[2] ?? '')}-${pad(m[1])}`, 3)
  for (const m of text.matchAll(BARE_YEAR))
    if (!taken.has(m.index) && isYear(text, m.index, m[0].length))
      found.push({value: m[1] ?? '', index: m.index, length: m[0].length})
  return found.filter((mention) => !aboutPlans(text, mention.index))
}

/** The latest date `text` mentions after `reference` (at the precision it is written in). */
function latestDateAfter(text: string, reference: string): Mention | undefined {
  const later = mentions(text).filter((m) => m.value > reference.slice(0, m.value.length))
  return later.reduce<Mention | undefined>(
    (latest, m) => (!latest || m.value > latest.value ? m : latest),
    undefined,
  )
}

function finding(
  on: Finding['on'],
  subject: string,
  text: string,
  mention: Mention,
  reference: string,
  what: string,
): Finding {
  const quotedText = excerpt(text, mention.index, mention.length)
  return {
    code: 'dateAfterAsked',
    on,
    message:
      `${sentence(subject)} mentions ${mention.value} (${quotedText}), later than its ${what} ` +
      `${reference}. Check the date, and whether the text belongs to another thread.`,
    detail: {excerpt: quotedText},
  }
}

/** Dates in the question or a reply later than the day it was written. */
export function dateAfterAsked(thread: ThreadText): Finding[] {
  const findings: Finding[] = []
  const askedAt = thread.askedAt
  const later = (raw: string, reference: string) => {
    const text = comparable(raw)
    const mention = latestDateAfter(text, reference)
    return mention ? {text, mention} : undefined
  }
  if (askedAt) {
    const found = [thread.title, thread.shortTitle ?? '', thread.question]
      .map((text) => later(text, askedAt))
      .filter((hit) => hit !== undefined)
      .sort((a, b) => (a.mention.value < b.mention.value ? 1 : -1))[0]
    if (found)
      findings.push(
        finding('question', 'the question', found.text, found.mention, askedAt, 'ask date'),
      )
  }
  thread.replies.forEach((reply, index) => {
    const reference = reply.repliedAt ?? askedAt
    const found = reference ? later(reply.body, reference) : undefined
    if (!found || !reference) return
    const what = reply.repliedAt ? 'reply date' : 'ask date'
    findings.push(
      finding(index, replyName(reply.doctor), found.text, found.mention, reference, what),
    )
  })
  return findings
}
