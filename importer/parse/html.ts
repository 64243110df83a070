import type {ParseResult, RecordOrigin, ThreadRecord} from '../record.ts'
import {detectLanguage, splitTitle} from './fields.ts'
import {quote} from '../messages.ts'
import {errorMessage} from '../../domain/errors.ts'
import {toBlocks} from './html/blocks.ts'
import {domWindow} from './html/dom.ts'
import {markupProblem} from './html/limits.ts'
import {pageUrl, sanitize} from './html/sanitize.ts'
import {
  dateProblems,
  readParts,
  readReplies,
  readSimilar,
  readTags,
  splitShortTitle,
} from './html/sections.ts'
import {
  collectUnits,
  documentTitle,
  findTitleHeading,
  headingText,
  type Unit,
} from './html/units.ts'

// Reads one thread from a saved HTML page. Pages come from different scrapers and browsers, so
// there is no markup to rely on: after sanitising, the body is flattened into "units" (block
// elements in reading order) and the sections are found by the same visible markers as the page
// text format ("Share to:", "Ask Date:", "Dr. X reply Y", "More Info", ...). Rich text (question,
// replies, More Info) goes through @portabletext/block-tools with the Studio's blockContent type.

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
