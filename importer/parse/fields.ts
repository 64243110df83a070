import {joinLines} from '../portableText.ts'
import type {ThreadRecord, ThreadSimilar} from '../record.ts'

// Field-level parsing of the strings the archive prints ("CHEN, 20~29 year old female. Ask Date:
// 2015/07/14", "Dr. Lan Shengxing reply Neurology"): every file format carries the same strings.
// Matching tolerates the full-width forms that Chinese pages use (，：～) but keeps names as printed.

type Asker = NonNullable<ThreadRecord['asker']>

/** The dates page text and HTML print: `YYYY/MM/DD` (also with "-" or "."). */
export const PRINTED_DATE = 'YYYY/MM/DD'

/** `YYYY/MM/DD` (or `-`, `.`; full-width digits too) → `YYYY-MM-DD`; undefined if no such day. */
export function isoDate(text: string): string | undefined {
  const match = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(text.normalize('NFKC').trim())
  if (!match) return undefined
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  const date = new Date(Date.UTC(year, month - 1, day))
  // Date.UTC rolls 2015/02/30 over to March; a round trip catches that.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1) return undefined
  if (date.getUTCDate() !== day) return undefined
  return date.toISOString().slice(0, 10)
}

/** "Calf Twitches - Neurology" → title and specialty; the last " - " separates them. */
export function splitTitle(line: string): {title: string; specialty?: string} {
  const trimmed = line.trim()
  const at = trimmed.lastIndexOf(' - ')
  const title = at > 0 ? trimmed.slice(0, at).trim() : ''
  const specialty = at > 0 ? trimmed.slice(at + 3).trim() : ''
  return title && specialty ? {title, specialty} : {title: trimmed}
}

// Markers are found with patterns that start at a letter, and the text around them is cut with
// string methods: a pattern like /^(.*?)\s*Ask/ backtracks over every run of spaces in a line.
const ASK_DATE = /Ask\s*Date\s*[:：]/i
const YEARS_OLD = /years?\s+old\s/i

/** A printed date: `date` when it is on the calendar, `invalidDate` (as printed) otherwise. */
export interface PrintedDate {
  date?: string
  invalidDate?: string
}

function printedDate(text: string): PrintedDate {
  const trimmed = text.trim()
  if (!trimmed) return {}
  const date = isoDate(trimmed)
  return date ? {date} : {invalidDate: trimmed}
}

export interface AskLine {
  asker?: Asker
  askedAt?: PrintedDate
}

/**
 * "CHEN, 20~29 year old female. Ask Date: 2015/07/14" → asker and ask date; undefined when the
 * line is not an asker line.
 */
export function parseAskLine(line: string): AskLine | undefined {
  const match = ASK_DATE.exec(line)
  if (!match) return undefined
  const description = line
    .slice(0, match.index)
    .trim()
    .replace(/[.。]$/, '')
    .trim()
  const result: AskLine = {}
  const askedAt = printedDate(line.slice(match.index + match[0].length))
  if (askedAt.date || askedAt.invalidDate) result.askedAt = askedAt
  const asker = parseAsker(description)
  if (asker) result.asker = asker
  return result
}

/** "CHEN, 20~29 year old female" → name, age and gender; anything else is a name. */
function parseAsker(description: string): Asker | undefined {
  if (!description) return undefined
  const match = YEARS_OLD.exec(description)
  const before = match ? description.slice(0, match.index).trim() : ''
  const gender = match ? description.slice(match.index + match[0].length).trim() : ''
  if (!before || !gender) return {name: description}
  // A name ends at the first comma (one that leads the text is not one).
  const comma = before.slice(1).search(/[,，]/) + 1
  const asker: Asker = {}
  const name = comma > 0 ? before.slice(0, comma).trim() : ''
  if (name) asker.name = name
  const age = tidyAge(comma > 0 ? before.slice(comma + 1) : before)
  if (age) asker.age = age
  asker.gender = gender.toLowerCase()
  return asker
}

/** "２０～２９" and "20 〜 29" are the same range as "20~29". */
function tidyAge(text: string): string {
  const age = text.normalize('NFKC').trim()
  const tilde = age.search(/[~〜]/)
  if (tilde < 0) return age
  return `${age.slice(0, tilde).trimEnd()}~${age.slice(tilde + 1).trimStart()}`
}

// "Dr." must lead and the name has no sentence punctuation, so "Dr. Lin, thanks for the reply"
// in a question is never a header.
const REPLY_HEADER = /^Dr(?:\.\s*|\s+)([^,，:：;；!?！？。]{1,60}?)\s+reply(?:\s([\s\S]*))?$/i

/** "Dr. Lan Shengxing reply Neurology" → doctor "Lan Shengxing", specialty "Neurology". */
export function parseReplyHeader(line: string): {doctor: string; specialty?: string} | undefined {
  const match = REPLY_HEADER.exec(line.trim())
  const doctor = match?.[1]?.trim()
  if (!doctor) return undefined
  const specialty = match?.[2]?.trim()
  return specialty ? {doctor, specialty} : {doctor}
}

const REPLY_DATE = /^Reply\s*Date\s*[:：]\s*(.*)$/i

/** "Reply Date: 2015/07/14" → `{date: '2015-07-14'}`; undefined for other lines. */
export function parseReplyDateLine(line: string): PrintedDate | undefined {
  const match = REPLY_DATE.exec(line.trim())
  return match ? printedDate(match[1] ?? '') : undefined
}

const LANGUAGE_SAMPLE = 20_000

// Characters whose forms differ between the scripts, to tell Simplified from Traditional Chinese.
const SIMPLIFIED = new Set(
  '这们说时会对过还个发为么医药疗经头门检诊断觉无与问题谢请应该没吗后体脑肤肠脏现样状压动节关开长点',
)
const TRADITIONAL = new Set(
  '這們說時會對過還個發為麼醫藥療經頭門檢診斷覺無與問題謝請應該沒嗎後體腦膚腸臟現樣狀壓動節關開長點',
)

/**
 * A rough BCP 47 tag from the letters of `text`: mostly Han → "zh-Hant" ("zh-Hans" when
 * Simplified-only forms outnumber Traditional ones), kana → "ja", mostly Hangul → "ko",
 * anything else "en". Undefined when there are no letters to judge by.
 */
export function detectLanguage(whole: string): string | undefined {
  // The start tells the script as well as the whole, and bounds the work on huge texts.
  const text = whole.slice(0, LANGUAGE_SAMPLE)
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0
  const letters = count(/\p{L}/gu)
  if (letters === 0) return undefined
  const han = count(/\p{Script=Han}/gu)
  const kana = count(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu)
  const hangul = count(/\p{Script=Hangul}/gu)
  // A stray "の" in Chinese text is decoration; Japanese prose is a good share kana.
  if ((han + kana) * 2 > letters && kana * 10 > han + kana) return 'ja'
  if (hangul * 2 > letters) return 'ko'
  if (han * 2 > letters) {
    let simplified = 0
    let traditional = 0
    for (const char of text) {
      if (SIMPLIFIED.has(char)) simplified++
      else if (TRADITIONAL.has(char)) traditional++
    }
    // The archive is Taiwanese, so Traditional wins a tie.
    return simplified > traditional ? 'zh-Hans' : 'zh-Hant'
  }
  return 'en'
}

/** The page sections after the replies, by their heading. */
export type Section = 'moreInfo' | 'similar' | 'faq'

export const SECTIONS: Record<string, Section> = {
  'more info': 'moreInfo',
  'similar q&a': 'similar',
  'related faq': 'faq',
}

/** One line of a "Similar Q&A" section; `heading` marks a line that starts a new entry by itself. */
export interface SimilarLine {
  text: string
  heading?: boolean
}

interface SimilarDraft {
  title: string
  excerpt: string[]
  doctor?: string
  specialty?: string
  /** Set once the entry's "Dr. X reply Y" line has been read. */
  reply?: string[]
}

/**
 * Entries are: title, question excerpt, "Dr. X reply Y", reply excerpt, "[Read More] <title>".
 * A `readMore` line closes an entry (its first group, if any, is the title); so does a heading.
 * A section cut mid-entry keeps what it has. Shared by the page-text and HTML parsers.
 */
export function readSimilarEntries(
  lines: Iterable<SimilarLine>,
  readMore: RegExp,
): ThreadSimilar[] {
  const entries: ThreadSimilar[] = []
  let draft: SimilarDraft | undefined
  const close = (readMoreTitle?: string) => {
    const title = draft?.title ?? readMoreTitle
    if (title) {
      const entry: ThreadSimilar = {title}
      if (draft?.excerpt.length) entry.excerpt = joinLines(draft.excerpt)
      if (draft?.doctor) entry.doctor = draft.doctor
      if (draft?.specialty) entry.specialty = draft.specialty
      if (draft?.reply?.length) entry.replyExcerpt = joinLines(draft.reply)
      entries.push(entry)
    }
    draft = undefined
  }
  for (const {text: line, heading} of lines) {
    const more = readMore.exec(line)
    if (more) {
      close(more[1] || undefined)
      continue
    }
    if (draft && heading) close()
    if (!draft) {
      draft = {title: line, excerpt: []}
      continue
    }
    const header = draft.reply ? undefined : parseReplyHeader(line)
    if (header) {
      draft.doctor = header.doctor
      if (header.specialty) draft.specialty = header.specialty
      draft.reply = []
    } else {
      ;(draft.reply ?? draft.excerpt).push(line)
    }
  }
  close()
  return entries
}
