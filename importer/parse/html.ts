import {htmlToBlocks} from '@portabletext/block-tools'
import type {
  PortableTextBlock,
  PortableTextMarkDefinition,
  PortableTextSpan,
} from '@portabletext/types'
import {JSDOM, VirtualConsole} from 'jsdom'
import {Schema} from '@sanity/schema'
import {isArraySchemaType, type ArraySchemaType} from '@sanity/types'
import {blockContentType} from '../../schemas/objects/blockContent.ts'
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
import {safeHref} from '../../domain/links.ts'
import {errorMessage} from '../../domain/errors.ts'

// Reads one thread from a saved HTML page. Pages come from different scrapers and browsers, so
// there is no markup to rely on: after sanitising, the body is flattened into "units" (block
// elements in reading order) and the sections are found by the same visible markers as the page
// text format ("Share to:", "Ask Date:", "Dr. X reply Y", "More Info", ...). Rich text (question,
// replies, More Info) goes through @portabletext/block-tools with the Studio's blockContent type.

// Elements whose content is never thread text and may be active content.
const REMOVED_ELEMENTS = [
  'script',
  'style',
  'noscript',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'template',
  'svg',
  'math',
  'canvas',
  'link',
  'meta',
  'base',
  'button',
  'input',
  'select',
  'textarea',
  '[hidden]',
  '[aria-hidden="true"]',
].join(',')

// Attributes that hold a URL a browser would follow or load.
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'cite',
  'longdesc',
  'ping',
  'data',
  'lowsrc',
  'dynsrc',
])
// Never needed for text, and each can smuggle active content or several URLs past the checks.
const DROPPED_ATTRIBUTES = new Set(['style', 'srcset', 'srcdoc'])
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i

const BLOCK_TAGS = new Set([
  'ADDRESS',
  'ARTICLE',
  'ASIDE',
  'BLOCKQUOTE',
  'BODY',
  'CENTER',
  'DD',
  'DETAILS',
  'DIALOG',
  'DIV',
  'DL',
  'DT',
  'FIELDSET',
  'FIGCAPTION',
  'FIGURE',
  'FOOTER',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'HEADER',
  'HGROUP',
  'HR',
  'LI',
  'MAIN',
  'NAV',
  'OL',
  'P',
  'PRE',
  'SECTION',
  'SUMMARY',
  'TABLE',
  'TBODY',
  'TD',
  'TFOOT',
  'TH',
  'THEAD',
  'TR',
  'UL',
])
const HEADINGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6'])
// Blocks that block-tools converts as they are; other leaf blocks are passed on as a <p>.
const NATIVE_BLOCKS = new Set([...HEADINGS, 'P', 'UL', 'OL', 'DL', 'BLOCKQUOTE', 'TABLE', 'PRE'])
// Kept whole so lists and quotes keep their structure, unless the thread's markers are inside.
const RICH_CONTAINERS = new Set(['UL', 'OL', 'DL', 'BLOCKQUOTE', 'TABLE', 'PRE'])

const SHORT_TITLE_MAX_LENGTH = 120
const TERMINAL_PUNCTUATION = /[.,:;!?…。，、：；！？]$/u
// A reply header is one short line; a longer unit starting "Dr. X reply" is reply text.
const REPLY_HEADER_MAX_LENGTH = 120
const TAG_MAX_LENGTH = 80
const SHARE_BOX_MAX_LINES = 12
const SHARE_BUTTON_MAX_LENGTH = 40

/** A block of the page in reading order: the HTML to convert and its visible text lines. */
interface Unit {
  nodes: Node[]
  /** Set when the unit is one element (not a run of inline content). */
  element?: Element
  html: string
  lines: string[]
  /** The lines joined by spaces, for matching markers. */
  text: string
  heading: boolean
}

interface ReplyDraft {
  doctor: string
  specialty?: string
  date?: PrintedDate
  units: Unit[]
  /** The "Reply Date: …" line ends the last body unit and must be cut from the text. */
  dateInBody?: boolean
}

type Window = JSDOM['window']

let sharedWindow: Window | undefined
let blockContentSchema: ArraySchemaType | undefined

/**
 * One script-less window for every page: creating a jsdom window costs far more than parsing a
 * page with its DOMParser, and DOMParser documents never run scripts or load anything.
 */
function domWindow(): Window {
  sharedWindow ??= new JSDOM('', {virtualConsole: new VirtualConsole()}).window
  return sharedWindow
}

/** The Studio's blockContent type, compiled once: it decides which styles and marks survive. */
function blockContent(): ArraySchemaType {
  if (blockContentSchema) return blockContentSchema
  const type = Schema.compile({name: 'importer', types: [blockContentType]}).get('blockContent')
  if (!type || !isArraySchemaType(type)) throw new Error('blockContent is not an array type.')
  blockContentSchema = type
  return type
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

// jsdom's parser takes time per element that grows with its depth (10,000 nested elements take
// ~8 s, deeper ones overflow the stack), and every element costs later steps too. A thread page
// has a few thousand elements, a few dozen deep; browsers stop nesting at 512.
const MAX_ELEMENTS = 30_000
const MAX_DEPTH = 512
// Elements that hold nothing or that the parser closes by itself: they never deepen the tree.
const FLAT_ELEMENTS = new Set(
  'area base br col embed hr img input link meta source track wbr p li dt dd option optgroup tr td th thead tbody tfoot'.split(
    ' ',
  ),
)
// Elements whose content is text, not markup, up to their end tag.
const RAW_TEXT = new Set('script style textarea title xmp iframe noembed noframes'.split(' '))
const TAG = /<(\/?)([a-z][a-z0-9-]*)/y

/**
 * Why the page's markup is too much to parse (too many elements, nested too deep), from a
 * linear scan of its tags before any parsing; undefined when it is fine.
 */
function markupProblem(html: string): string | undefined {
  const lower = html.toLowerCase()
  let elements = 0
  let depth = 0
  for (let at = lower.indexOf('<'); at !== -1; at = lower.indexOf('<', at + 1)) {
    if (lower.startsWith('<!--', at)) {
      at = lower.indexOf('-->', at + 4)
      if (at === -1) break
      continue
    }
    TAG.lastIndex = at
    const [, close, name = ''] = TAG.exec(lower) ?? []
    if (!name) continue
    if (!close) elements++
    if (!close && RAW_TEXT.has(name)) {
      at = lower.indexOf(`</${name}`, at + 1)
      if (at === -1) break
    } else if (!FLAT_ELEMENTS.has(name)) {
      depth = close ? Math.max(0, depth - 1) : depth + 1
    }
    if (elements > MAX_ELEMENTS)
      return `The page has more than ${MAX_ELEMENTS} elements: it is not a saved thread page.`
    if (depth > MAX_DEPTH)
      return `The page nests elements more than ${MAX_DEPTH} deep: it is not a saved thread page.`
  }
  return undefined
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

// --- Sanitising -----------------------------------------------------------------------------

/** The page's own address, from the canonical link, og:url or the browser's "saved from" note. */
function pageUrl(document: Document, html: string): string | undefined {
  const candidates = [
    document.querySelector('link[rel~="canonical" i]')?.getAttribute('href'),
    document.querySelector('meta[property="og:url" i]')?.getAttribute('content'),
    /<!--\s*saved from url=\(\d+\)(\S+?)\s*-->/i.exec(html)?.[1],
  ]
  for (const candidate of candidates) {
    const url = candidate ? safeHref(candidate) : undefined
    if (url?.startsWith('http')) return url
  }
  return undefined
}

/**
 * Removes everything that could run, load or hide: active and embedded elements, forms, hidden
 * elements, comments, every on* handler, and links/images whose URL is not http(s)/mailto
 * (a link keeps its text). Safe relative links are made absolute.
 */
function sanitize(document: Document, base: string | undefined): void {
  for (const element of document.querySelectorAll(REMOVED_ELEMENTS)) element.remove()
  const comments: Node[] = []
  const walker = document.createTreeWalker(document, domWindow().NodeFilter.SHOW_COMMENT)
  while (walker.nextNode()) comments.push(walker.currentNode)
  for (const comment of comments) comment.parentNode?.removeChild(comment)

  for (const element of document.querySelectorAll('*')) {
    if (!element.isConnected) continue
    if (HIDDEN_STYLE.test(element.getAttribute('style') ?? '')) {
      element.remove()
      continue
    }
    for (const name of element.getAttributeNames()) {
      const lower = name.toLowerCase()
      const value = element.getAttribute(name) ?? ''
      if (lower.startsWith('on') || DROPPED_ATTRIBUTES.has(lower)) element.removeAttribute(name)
      else if (URL_ATTRIBUTES.has(lower) && !safeHref(value, base)) element.removeAttribute(name)
    }
    const href = element.getAttribute('href')
    const absolute = href === null ? undefined : safeHref(href, base)
    // A link without a safe href is plain text; an image without a safe src goes, alt and all.
    if (element.tagName === 'A' && absolute) element.setAttribute('href', absolute)
    else if (element.tagName === 'A') unwrap(element)
    else if (element.tagName === 'IMG' && !element.hasAttribute('src')) element.remove()
  }
}

function unwrap(element: Element): void {
  element.replaceWith(...element.childNodes)
}

// --- Finding the blocks ---------------------------------------------------------------------

function isElement(node: Node): node is Element {
  return node.nodeType === node.ELEMENT_NODE
}

function isText(node: Node): node is Text {
  return node.nodeType === node.TEXT_NODE
}

/** Site chrome around the thread; a footer holding a thread section is not chrome. */
function isChrome(element: Element): boolean {
  if (element.tagName === 'NAV' || element.getAttribute('role') === 'navigation') return true
  if (element.tagName !== 'FOOTER' && element.getAttribute('role') !== 'contentinfo') return false
  return !visibleLines([element]).some((line) => sectionOf(line))
}

function findTitleHeading(document: Document): Element | undefined {
  const headings = [...document.querySelectorAll('h1')].filter(
    (heading) => !heading.closest('nav, footer, [role="navigation"]'),
  )
  // A logo is often an <h1> too; the thread's title is the one naming a specialty.
  return (
    headings.find((heading) => splitTitle(headingText(heading)).specialty) ??
    headings.find((heading) => headingText(heading))
  )
}

/** A heading's text; an unclosed <h1> holds the rest of the page, so then only its first line. */
function headingText(heading: Element): string {
  const lines = visibleLines([heading])
  return (hasBlockChild(heading) ? lines[0] : lines.join(' ')) ?? ''
}

/** <title> without a trailing " | Site name". */
function documentTitle(document: Document): string {
  return document.title
    .replace(/\s+/g, ' ')
    .replace(/\s+[|｜]\s+[^|｜]*$/, '')
    .trim()
}

/** Whether the thread's structure (title, markers, reply headers, dates) is inside an element. */
function holdsMarkers(element: Element): boolean {
  if (element.querySelector('h1')) return true
  return visibleLines([element]).some(
    (line) =>
      sectionOf(line) !== undefined ||
      parseReplyHeader(line) !== undefined ||
      parseReplyDateLine(line) !== undefined ||
      parseAskLine(line) !== undefined,
  )
}

function hasBlockChild(element: Element): boolean {
  // Walked by sibling: spreading jsdom's live `children` costs a name lookup per index.
  for (let child = element.firstElementChild; child; child = child.nextElementSibling)
    if (BLOCK_TAGS.has(child.tagName)) return true
  return false
}

/**
 * Flattens `element` into units: leaf blocks, whole lists/quotes/tables, and runs of inline
 * content between blocks (what a browser would lay out as an anonymous block).
 */
function collectUnits(element: Element, units: Unit[]): void {
  if (isChrome(element)) return
  const whole = RICH_CONTAINERS.has(element.tagName) && !holdsMarkers(element)
  if (whole || !hasBlockChild(element)) {
    pushUnit(units, [element], element)
    return
  }
  let inline: Node[] = []
  const flush = () => {
    pushUnit(units, inline)
    inline = []
  }
  for (const child of element.childNodes) {
    if (isElement(child) && BLOCK_TAGS.has(child.tagName)) {
      flush()
      collectUnits(child, units)
    } else if (isElement(child) || isText(child)) {
      inline.push(child)
    }
  }
  flush()
}

function pushUnit(units: Unit[], nodes: Node[], element?: Element): void {
  const lines = visibleLines(nodes)
  if (lines.length === 0) return
  // Block-tools runs adjacent <div>s together; any other leaf block is one paragraph.
  const html =
    element && NATIVE_BLOCKS.has(element.tagName)
      ? element.outerHTML
      : `<p>${(element ? [...element.childNodes] : nodes).map(outerHtml).join('')}</p>`
  const heading = element !== undefined && HEADINGS.has(element.tagName)
  const unit: Unit = {nodes, html, lines, text: lines.join(' '), heading}
  if (element) unit.element = element
  units.push(unit)
}

function outerHtml(node: Node): string {
  if (isElement(node)) return node.outerHTML
  const text = node.textContent ?? ''
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** The text a reader sees, one entry per line: blocks and <br> break lines, spaces collapse. */
function visibleLines(nodes: readonly Node[]): string[] {
  let text = ''
  const walk = (node: Node) => {
    if (isText(node)) {
      text += node.data
    } else if (isElement(node)) {
      const block = BLOCK_TAGS.has(node.tagName)
      if (node.tagName === 'BR' || block) text += '\n'
      node.childNodes.forEach(walk)
      if (block) text += '\n'
    }
  }
  nodes.forEach(walk)
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
}

function sectionOf(text: string): Section | undefined {
  const key = text.normalize('NFKC').replace(/\s+/g, ' ').replace(/:$/, '').trim().toLowerCase()
  return SECTIONS[key]
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

// --- Rich text ------------------------------------------------------------------------------

type RawBlock = ReturnType<typeof htmlToBlocks>[number]

// Block-tools' clean-up runs XPath queries whose cost in jsdom grows with the square of the
// blocks in one call (25,000 paragraphs: ten minutes); units are converted a group at a time.
const UNITS_PER_CONVERSION = 32

/** Units → Portable Text through block-tools; keys are `<prefix>-<i>` so re-imports match. */
function toBlocks(units: readonly Unit[], prefix: string): PortableTextBlock[] {
  let counter = 0
  const raw: RawBlock[] = []
  for (let i = 0; i < units.length; i += UNITS_PER_CONVERSION) {
    const group = units.slice(i, i + UNITS_PER_CONVERSION)
    const blocks = htmlToBlocks(group.map((unit) => unit.html).join('\n'), blockContent(), {
      parseHtml: (source) => new (domWindow().DOMParser)().parseFromString(source, 'text/html'),
      keyGenerator: () => `${prefix}-k${counter++}`,
    })
    raw.push(...blocks)
  }
  return tidyBlocks(raw, prefix)
}

/**
 * Block-tools output, rebuilt to what blockContent allows: text blocks only, known styles and
 * lists, strong/em, links with a safe absolute href; empty spans and blocks go, and keys are
 * renumbered (`<prefix>-<i>`, spans `<prefix>-<i>-<j>`, links `<prefix>-<i>-l<j>`).
 */
function tidyBlocks(raw: readonly RawBlock[], prefix: string): PortableTextBlock[] {
  const blocks: PortableTextBlock[] = []
  for (const block of raw) {
    if (block._type !== 'block' || !('children' in block) || !Array.isArray(block.children)) {
      continue
    }
    const key = `${prefix}-${blocks.length}`
    const links = new Map<string, string>()
    const markDefs: PortableTextMarkDefinition[] = []
    for (const definition of Array.isArray(block.markDefs) ? block.markDefs : []) {
      const href = safeHref(definition.href)
      if (definition._type !== 'link' || !href) continue
      const linkKey = `${key}-l${markDefs.length}`
      links.set(definition._key, linkKey)
      markDefs.push({_type: 'link', _key: linkKey, href})
    }
    const spans: PortableTextSpan[] = []
    for (const child of block.children) {
      const text = typeof child.text === 'string' ? child.text : ''
      if (child._type !== 'span' || !text) continue
      const given: unknown[] = Array.isArray(child.marks) ? child.marks : []
      const marks = given.flatMap((mark) => {
        if (mark === 'strong' || mark === 'em') return [mark]
        const link = typeof mark === 'string' ? links.get(mark) : undefined
        return link ? [link] : []
      })
      const previous = spans.at(-1)
      // Dropping a link can leave neighbours with the same marks: one span again.
      if (previous && sameMarks(previous.marks ?? [], marks)) previous.text += text
      else spans.push({_type: 'span', _key: '', text, marks})
    }
    if (spans.every((span) => !span.text.trim())) continue
    spans.forEach((span, index) => (span._key = `${key}-${index}`))
    const style = typeof block.style === 'string' ? block.style : 'normal'
    const result: PortableTextBlock = {
      _type: 'block',
      _key: key,
      style: ['h2', 'h3', 'blockquote'].includes(style) ? style : 'normal',
      markDefs: markDefs.filter((definition) =>
        spans.some((span) => span.marks?.includes(definition._key)),
      ),
      children: spans,
    }
    const listItem = block.listItem
    if (listItem === 'bullet' || listItem === 'number') {
      result.listItem = listItem
      result.level = typeof block.level === 'number' && block.level > 0 ? block.level : 1
    }
    blocks.push(result)
  }
  return blocks
}

function sameMarks(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((mark, index) => mark === b[index])
}

// Spaces, not line breaks, before the marker: a run of blank lines is scanned once.
const TRAILING_REPLY_DATE = /(?:^|\n)[^\S\n]*Reply\s*Date\s*[:：][^\n]*$/i

/** Cuts a trailing "Reply Date: …" line out of the last block, where a page printed it inline. */
function withoutTrailingDate(blocks: PortableTextBlock[]): PortableTextBlock[] {
  const last = blocks.at(-1)
  if (!last) return blocks
  const spans = last.children.filter((child): child is PortableTextSpan => child._type === 'span')
  const cut = TRAILING_REPLY_DATE.exec(spans.map((span) => span.text).join(''))?.index
  if (cut === undefined) return blocks
  const kept: PortableTextSpan[] = []
  let offset = 0
  for (const span of spans) {
    const text = span.text.slice(0, Math.max(0, cut - offset))
    offset += span.text.length
    if (text) kept.push({...span, text})
  }
  const end = kept.at(-1)
  if (end) end.text = end.text.trimEnd()
  const children = kept.filter((span) => span.text)
  if (children.every((span) => !span.text.trim())) return blocks.slice(0, -1)
  return [...blocks.slice(0, -1), {...last, children}]
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
