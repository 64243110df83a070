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
  type Section,
  splitTitle,
} from './fields.ts'
import {errorMessage, notADate, quote} from '../messages.ts'
import {domWindow} from './html/dom.ts'
import {toBlocks, withoutTrailingDate} from './html/blocks.ts'
import {markupProblem} from './html/limits.ts'

import {pageUrl, sanitize} from './html/sanitize.ts'
import {
  type Unit,
  collectUnits,
  documentTitle,
  findTitleHeading,
  headingText,
  sectionOf,
  visibleLines,
} from './html/units.ts'

// Reads one thread from a saved HTML page. Pages come from different scrapers and browsers, so
// there is no markup to rely on: after sanitising, the body is flattened into "units" (block
// elements in reading order) and the sections are found by the same visible markers as the page
// text format ("Share to:", "Ask Date:", "Dr. X reply Y", "More Info", ...). Rich text (question,
// replies, More Info) goes through @portabletext/block-tools with the Studio's blockContent type.

const SHORT_TITLE_MAX_LENGTH = 120
const TERMINAL_PUNCTUATION = /[.,:;!?…。，、：；！？]$/u
// A reply header is one short line; a longer unit starting "Dr. X reply" is reply text.
const REPLY_HEADER_MAX_LENGTH = 120
const TAG_MAX_LENGTH = 80
const SHARE_BOX_MAX_LINES = 12
const SHARE_BUTTON_MAX_LENGTH = 40

interface ReplyDraft {
  doctor: string
  specialty?: string
  date?: PrintedDate
  units: Unit[]
  /** The "Reply Date: …" line ends the last body unit and must be cut from the text. */
  dateInBody?: boolean
}

/**
 * Parses one saved HTML page. Fails when there is no title or no question text; any other part
 * may be missing. Never throws: unreadable input becomes a failure.
 */
export function parseHtmlPage(html: string, origin: RecordOrigin): ParseResult {
  const tooMuch = markupProblem(html)
  if (tooMuch) return {ok: false, failure: {origin, reason: tooMuch}}
  try {
    return parseDocument(html, origin)
  } catch (error) {
    const reason = `Could not read the HTML page: ${errorMessage(error)}`
    return {ok: false, failure: {origin, reason}}
  }
}

function parseDocument(html: string, origin: RecordOrigin): ParseResult {
  const fail = (reason: string): ParseResult => ({ok: false, failure: {origin, reason}})
  const document = new (domWindow().DOMParser)().parseFromString(html, 'text/html')
  const url = pageUrl(document, html)
  sanitize(document, url)

  const titleElement = findTitleHeading(document)
  const titleText = titleElement ? headingText(titleElement) : documentTitle(document)
  if (!titleText) return fail('The page has no title: no <h1> and no <title>.')
  const {title, specialty: headingSpecialty} = splitTitle(titleText)
  let specialty = headingSpecialty
  // The <title> often carries the specialty the visible heading leaves out.
  if (!specialty && titleElement) {
    const fromTitle = splitTitle(documentTitle(document))
    if (fromTitle.specialty && fromTitle.title === title) specialty = fromTitle.specialty
  }

  const units: Unit[] = []
  collectUnits(document.body, units)
  // The title's unit is the heading itself, or its first line when an unclosed <h1> swallowed
  // the page.
  const titleIndex = titleElement
    ? units.findIndex((unit) => unit.nodes[0] && titleElement.contains(unit.nodes[0]))
    : -1

  const {question, asked, replies, sections, cutShort} = readParts(
    units.slice(titleIndex + 1),
    titleElement ? undefined : titleText,
  )
  const {shortTitle, body} = splitShortTitle(question, cutShort)
  const questionBlocks = toBlocks(body, 'q')
  if (questionBlocks.length === 0) {
    return fail(`No question text after the title ${quote(title)}; the page may be cut short.`)
  }
  const problems = dateProblems(asked, replies)
  if (problems.length > 0) return fail(`${problems.join('; ')}.`)

  const record: ThreadRecord = {
    origin,
    title,
    question: questionBlocks,
    replies: readReplies(replies),
    similar: readSimilar(sections.similar),
    tags: readTags(sections.faq.flatMap((unit) => unit.lines)),
  }
  if (url) record.url = url
  if (specialty) record.specialty = specialty
  if (shortTitle) record.shortTitle = shortTitle
  if (asked?.asker) record.asker = asked.asker
  if (asked?.askedAt?.date) record.askedAt = asked.askedAt.date
  const moreInfo = toBlocks(sections.moreInfo, 'm')
  if (moreInfo.length > 0) record.moreInfo = moreInfo
  // As for page text: judge by what the asker and doctors wrote; <html lang> is the site's.
  const written = [...question, ...replies.flatMap((reply) => reply.units)]
  const detected = detectLanguage([titleText, ...written.map((unit) => unit.text)].join('\n'))
  const language = detected ?? (document.documentElement.lang.trim() || undefined)
  if (language) record.language = language
  return {ok: true, record}
}

/** Unreadable dates, named as the page prints them. */
function dateProblems(asked: AskLine | undefined, replies: readonly ReplyDraft[]): string[] {
  const dates = [
    {subject: '"Ask Date"', date: asked?.askedAt},
    ...replies.map((reply, index) => ({
      subject: `"Reply Date" of reply ${index + 1}`,
      date: reply.date,
    })),
  ]
  return dates.flatMap(({subject, date}) =>
    date?.invalidDate ? [notADate(subject, date.invalidDate, PRINTED_DATE)] : [],
  )
}

interface ThreadParts {
  question: Unit[]
  asked: AskLine | undefined
  replies: ReplyDraft[]
  sections: Record<Section, Unit[]>
  /** The page ended before the asker line. */
  cutShort: boolean
}

/**
 * Sorts the units after the title into question, asker line, replies and sections by their
 * markers. `printedTitle` is the title when it came from <title>: the page may repeat it.
 */
function readParts(units: readonly Unit[], printedTitle: string | undefined): ThreadParts {
  const question: Unit[] = []
  let asked: AskLine | undefined
  const replies: ReplyDraft[] = []
  const sections: Record<Section, Unit[]> = {moreInfo: [], similar: [], faq: []}
  // 'thread' is between replies: after the asker line or a "Reply Date:" line.
  let state: 'question' | 'thread' | 'reply' | Section = 'question'
  let shareBox: Element | undefined
  for (const unit of units) {
    const section = sectionOf(unit.text)
    if (section) {
      state = section
      continue
    }
    if (state === 'moreInfo' || state === 'similar' || state === 'faq') {
      sections[state].push(unit)
      continue
    }
    if (state === 'question' && question.length === 0) {
      if (shareBox?.contains(unit.nodes[0] ?? null)) continue
      if (/^share to\b/i.test(unit.text)) {
        shareBox = shareBoxOf(unit)
        continue
      }
      // Without an <h1>, the title may still be printed as the first block.
      if (unit.text === printedTitle) continue
    }
    const header = readReplyHeader(unit)
    if (header) {
      replies.push({...header, units: []})
      state = 'reply'
      continue
    }
    const reply = replies.at(-1)
    if (state === 'reply' && reply) {
      const date = parseReplyDateLine(unit.text)
      const trailing = date ? undefined : unit.lines.at(-1)
      const trailingDate = trailing ? parseReplyDateLine(trailing) : undefined
      if (date) {
        reply.date = date
        state = 'thread'
      } else if (trailing && trailingDate) {
        reply.units.push(unit)
        reply.dateInBody = true
        reply.date = trailingDate
        state = 'thread'
      } else {
        reply.units.push(unit)
      }
      continue
    }
    if (state === 'question') {
      asked = parseAskLine(unit.text)
      if (!asked) {
        question.push(unit)
        continue
      }
      state = 'thread'
      // "CHEN, 20~29 year old female." and "Ask Date: …" may be separate blocks.
      const previous = question.at(-1)
      if (!asked.asker && previous && /\byears?\s+old\b/i.test(previous.text)) {
        asked = parseAskLine(`${previous.text} ${unit.text}`)
        question.pop()
      }
    }
  }

  return {question, asked, replies, sections, cutShort: state === 'question'}
}

/**
 * The widest element around a "Share to:" label that holds nothing but sharing buttons, so the
 * buttons ("Facebook", "LINE") are not taken for the short title.
 */
function shareBoxOf(unit: Unit): Element | undefined {
  let box = unit.element ?? unit.nodes[0]?.parentElement ?? undefined
  while (box?.parentElement && isShareBox(box.parentElement)) box = box.parentElement
  return box
}

function isShareBox(element: Element): boolean {
  const lines = visibleLines([element])
  return (
    /^share to\b/i.test(lines[0] ?? '') &&
    lines.length <= SHARE_BOX_MAX_LINES &&
    lines.every((line) => line.length <= SHARE_BUTTON_MAX_LENGTH) &&
    !element.querySelector('h1, h2, h3, h4, h5, h6')
  )
}

function readReplyHeader(unit: Unit): {doctor: string; specialty?: string} | undefined {
  if (unit.lines.length > 2 || unit.text.length > REPLY_HEADER_MAX_LENGTH) return undefined
  return parseReplyHeader(unit.text)
}

/** The short title is a lone short block ahead of the question, as in the page text format. */
function splitShortTitle(
  units: readonly Unit[],
  cutShort: boolean,
): {shortTitle?: string; body: Unit[]} {
  const [first, ...rest] = units
  const line = first?.lines.length === 1 ? first.text : undefined
  const titleLike = line !== undefined && line.length <= SHORT_TITLE_MAX_LENGTH
  const reads = first?.heading || (line !== undefined && !TERMINAL_PUNCTUATION.test(line))
  if (titleLike && (rest.length > 0 || (cutShort && reads))) return {shortTitle: line, body: rest}
  return {body: [...units]}
}

function readReplies(drafts: readonly ReplyDraft[]): ThreadReply[] {
  const replies: ThreadReply[] = []
  for (const draft of drafts) {
    let body = toBlocks(draft.units, `r${replies.length}`)
    if (draft.dateInBody) body = withoutTrailingDate(body)
    if (body.length === 0) continue
    const reply: ThreadReply = {doctor: draft.doctor, body}
    if (draft.specialty) reply.specialty = draft.specialty
    if (draft.date?.date) reply.repliedAt = draft.date.date
    replies.push(reply)
  }
  return replies
}

// --- Similar Q&A and Related FAQ ------------------------------------------------------------

const READ_MORE = /^(?:\[\s*Read More\s*\]\s*(.*)|Read More\s*[»›>]*)$/i

/** "Read More" closes an entry; so does a heading, for pages that link titles instead. */
function readSimilar(units: readonly Unit[]): ThreadSimilar[] {
  const lines = units.flatMap((unit) => unit.lines.map((text) => ({text, heading: unit.heading})))
  return readSimilarEntries(lines, READ_MORE)
}

/** "Muscle Twitching (Neurology)": a name, then a specialty in the last parentheses. */
function inlineTag(line: string): ThreadTag | undefined {
  if (!/[)）]$/.test(line)) return undefined
  const open = Math.max(line.lastIndexOf('('), line.lastIndexOf('（'))
  const name = line.slice(0, Math.max(open, 0)).trim()
  const specialty = line.slice(open + 1, -1).trim()
  if (!name || !specialty || /[()（）]/.test(specialty)) return undefined
  return {name, specialty}
}

/** Tag names, each followed by "(Specialty)" on its own line or the same one. */
function readTags(lines: readonly string[]): ThreadTag[] {
  const tags: ThreadTag[] = []
  let pending: string | undefined
  const flush = () => {
    if (pending && pending.length <= TAG_MAX_LENGTH) tags.push({name: pending})
    pending = undefined
  }
  for (const line of lines) {
    const alone = /^[(（]([\s\S]*)[)）]$/.exec(line)
    if (alone) {
      const specialty = alone[1]?.trim()
      if (pending && specialty) tags.push({name: pending, specialty})
      else flush()
      pending = undefined
      continue
    }
    flush()
    const inline = inlineTag(line)
    if (inline) tags.push(inline)
    else pending = line
  }
  flush()
  return tags
}
