import {textToPortableText} from '../portableText.ts'
import type {
  ParseResult,
  RecordOrigin,
  ThreadRecord,
  ThreadReply,
  ThreadSimilar,
  ThreadTag,
} from '../record.ts'
import {
  type AskLine,
  detectLanguage,
  parseAskLine,
  parseReplyDateLine,
  parseReplyHeader,
  type PrintedDate,
  PRINTED_DATE,
  readSimilarEntries,
  SECTIONS,
  type Section,
  splitTitle,
} from './fields.ts'
import {notADate, quote} from '../messages.ts'

// Reads one thread from scraped "page text": the title line, "Share to:", the short title, the
// question, the asker line, replies ("Dr. X reply Y" … "Reply Date: …"), then the "More Info",
// "Similar Q&A" and "Related FAQ" sections. Any part after the title may be missing (pages get
// cut short), so each line is classified as it comes instead of expecting a fixed order.

// The short title reads best under 120 characters (schema); longer first lines are question text.
const SHORT_TITLE_MAX_LENGTH = 120
const TERMINAL_PUNCTUATION = /[.,:;!?…。，、：；！？]$/u

interface ReplyDraft {
  doctor: string
  specialty?: string
  repliedAt?: string
  lines: string[]
}

/** Parses one page of scraped text; fails only when there is no title or no question text. */
export function parsePageText(text: string, origin: RecordOrigin): ParseResult {
  const fail = (reason: string): ParseResult => ({ok: false, failure: {origin, reason}})
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n?|\n/)
    .map((line) => line.trim())
  const titleIndex = lines.findIndex(Boolean)
  const titleLine = lines[titleIndex]
  if (titleLine === undefined) return fail('The page is empty.')
  if (sectionOf(titleLine) || /^share to\b/i.test(titleLine)) {
    return fail(`The page has no title line: it starts with ${quote(titleLine)}.`)
  }

  const {question, asked, replies, sections, cutShort, problems} = readParts(
    lines.slice(titleIndex + 1),
    titleIndex + 2,
  )
  const {title, specialty} = splitTitle(titleLine)
  const {shortTitle, body} = splitShortTitle(paragraphs(question), cutShort)
  const questionBlocks = textToPortableText(body.join('\n\n'), 'q')
  if (questionBlocks.length === 0) {
    return fail(`No question text after the title ${quote(title)}; the page may be cut short.`)
  }
  if (problems.length > 0) return fail(`${problems.join('; ')}.`)

  const record: ThreadRecord = {
    origin,
    title,
    question: questionBlocks,
    replies: readReplies(replies),
    similar: readSimilar(sections.similar),
    tags: readTags(sections.faq),
  }
  if (specialty) record.specialty = specialty
  if (shortTitle) record.shortTitle = shortTitle
  if (asked?.asker) record.asker = asked.asker
  if (asked?.askedAt?.date) record.askedAt = asked.askedAt.date
  const moreInfo = textToPortableText(sections.moreInfo.join('\n'), 'm', {articleMode: true})
  if (moreInfo.length > 0) record.moreInfo = moreInfo
  // Judge by what the asker and doctors wrote: the markers and the article may stay English.
  const language = detectLanguage(
    [titleLine, ...question, ...replies.flatMap((reply) => reply.lines)].join('\n'),
  )
  if (language) record.language = language
  return {ok: true, record}
}

interface ThreadParts {
  question: string[]
  asked: AskLine | undefined
  replies: ReplyDraft[]
  sections: Record<Section, string[]>
  /** The page ended before the asker line. */
  cutShort: boolean
  /** Unreadable dates, one message each. */
  problems: string[]
}

/** Sorts the lines after the title by their markers; `firstLine` is the number of the first. */
function readParts(lines: readonly string[], firstLine: number): ThreadParts {
  const question: string[] = []
  let asked: AskLine | undefined
  const replies: ReplyDraft[] = []
  const sections: Record<Section, string[]> = {moreInfo: [], similar: [], faq: []}
  const problems: string[] = []
  const check = (name: string, index: number, date: PrintedDate | undefined) => {
    if (date?.invalidDate)
      problems.push(
        notADate(`"${name}" on line ${firstLine + index}`, date.invalidDate, PRINTED_DATE),
      )
  }
  // 'thread' is between replies: after the asker line or a "Reply Date:" line.
  let state: 'question' | 'thread' | 'reply' | Section = 'question'
  lines.forEach((line, index) => {
    const section = sectionOf(line)
    const header = section ? undefined : parseReplyHeader(line)
    if (section) {
      state = section
    } else if (state === 'moreInfo' || state === 'similar' || state === 'faq') {
      sections[state].push(line)
    } else if (state === 'question' && !question.some(Boolean) && /^share to\b/i.test(line)) {
      // The sharing buttons' label.
    } else if (header) {
      replies.push({...header, lines: []})
      state = 'reply'
    } else if (state === 'reply') {
      const reply = replies.at(-1)
      const date = parseReplyDateLine(line)
      check('Reply Date', index, date)
      if (reply && date?.date) reply.repliedAt = date.date
      if (date) state = 'thread'
      else reply?.lines.push(line)
    } else if (state === 'question') {
      asked = parseAskLine(line)
      check('Ask Date', index, asked?.askedAt)
      if (asked) state = 'thread'
      else question.push(line)
    }
  })
  return {question, asked, replies, sections, cutShort: state === 'question', problems}
}

function sectionOf(line: string): Section | undefined {
  return SECTIONS[line.normalize('NFKC').replace(/\s+/g, ' ').toLowerCase()]
}

/** Blank-line separated runs of lines. */
function paragraphs(lines: readonly string[]): string[][] {
  const runs: string[][] = []
  let run: string[] = []
  for (const line of [...lines, '']) {
    if (line) {
      run.push(line)
    } else if (run.length > 0) {
      runs.push(run)
      run = []
    }
  }
  return runs
}

/**
 * The short title ("Calf twitching") is a lone short line ahead of the question. A lone line with
 * nothing after it is the question, unless the page was cut short and it reads like a title.
 */
function splitShortTitle(
  runs: readonly string[][],
  cutShort: boolean,
): {shortTitle?: string; body: string[]} {
  const [first, ...rest] = runs
  const line = first?.length === 1 ? first[0] : undefined
  const titleLike = line !== undefined && line.length <= SHORT_TITLE_MAX_LENGTH
  const body = runs.map((run) => run.join('\n'))
  if (titleLike && (rest.length > 0 || (cutShort && !TERMINAL_PUNCTUATION.test(line)))) {
    return {shortTitle: line, body: body.slice(1)}
  }
  return {body}
}

/** Replies with text; a header the page was cut right after has nothing to import. */
function readReplies(drafts: readonly ReplyDraft[]): ThreadReply[] {
  const replies: ThreadReply[] = []
  for (const draft of drafts) {
    const body = textToPortableText(draft.lines.join('\n'), `r${replies.length}`)
    if (body.length === 0) continue
    const reply: ThreadReply = {doctor: draft.doctor, body}
    if (draft.specialty) reply.specialty = draft.specialty
    if (draft.repliedAt) reply.repliedAt = draft.repliedAt
    replies.push(reply)
  }
  return replies
}

/** Entries end at "[Read More] <title>"; a page cut mid-entry keeps what it has. */
function readSimilar(lines: readonly string[]): ThreadSimilar[] {
  const text = lines.filter((line) => line).map((line) => ({text: line}))
  return readSimilarEntries(text, /^\[\s*Read More\s*\]\s*([\s\S]*)$/i)
}

/** Tag lines, each followed by its "(Specialty)" line. */
function readTags(lines: readonly string[]): ThreadTag[] {
  const tags: ThreadTag[] = []
  for (const line of lines) {
    if (!line) continue
    const specialty = /^[(（]([\s\S]*)[)）]$/.exec(line)?.[1]?.trim()
    const last = tags.at(-1)
    if (specialty === undefined) tags.push({name: line})
    else if (last && !last.specialty && specialty) last.specialty = specialty
  }
  return tags
}
