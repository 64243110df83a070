import type {ThreadReply, ThreadSimilar, ThreadTag} from '../../record.ts'
import {
  type AskLine,
  parseAskLine,
  parseReplyDateLine,
  parseReplyHeader,
  type PrintedDate,
  PRINTED_DATE,
  readSimilarEntries,
  type Section,
} from '../fields.ts'
import {notADate} from '../../messages.ts'
import {toBlocks, withoutTrailingDate} from './blocks.ts'
import {sectionOf, type Unit, visibleLines} from './units.ts'

// The thread's parts, found among the units by the same visible markers as the page text format
// ("Share to:", "Ask Date:", "Dr. X reply Y", "More Info", ...).

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

/** Unreadable dates, named as the page prints them. */
export function dateProblems(asked: AskLine | undefined, replies: readonly ReplyDraft[]): string[] {
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
export function readParts(units: readonly Unit[], printedTitle: string | undefined): ThreadParts {
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
export function splitShortTitle(
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

export function readReplies(drafts: readonly ReplyDraft[]): ThreadReply[] {
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
export function readSimilar(units: readonly Unit[]): ThreadSimilar[] {
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
export function readTags(lines: readonly string[]): ThreadTag[] {
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
