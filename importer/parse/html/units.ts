import {
  parseAskLine,
  parseReplyDateLine,
  parseReplyHeader,
  SECTIONS,
  type Section,
  splitTitle,
} from '../fields.ts'
import {isElement, isText} from './dom.ts'

// The page's body flattened into units: the blocks a reader sees, in reading order.

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

/** A block of the page in reading order: the HTML to convert and its visible text lines. */
export interface Unit {
  nodes: Node[]
  /** Set when the unit is one element (not a run of inline content). */
  element?: Element
  html: string
  lines: string[]
  /** The lines joined by spaces, for matching markers. */
  text: string
  heading: boolean
}

/** Site chrome around the thread; a footer holding a thread section is not chrome. */
function isChrome(element: Element): boolean {
  if (element.tagName === 'NAV' || element.getAttribute('role') === 'navigation') return true
  if (element.tagName !== 'FOOTER' && element.getAttribute('role') !== 'contentinfo') return false
  return !visibleLines([element]).some((line) => sectionOf(line))
}

export function findTitleHeading(document: Document): Element | undefined {
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
export function headingText(heading: Element): string {
  const lines = visibleLines([heading])
  return (hasBlockChild(heading) ? lines[0] : lines.join(' ')) ?? ''
}

/** <title> without a trailing " | Site name". */
export function documentTitle(document: Document): string {
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
export function collectUnits(element: Element, units: Unit[]): void {
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
export function visibleLines(nodes: readonly Node[]): string[] {
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

export function sectionOf(text: string): Section | undefined {
  const key = text.normalize('NFKC').replace(/\s+/g, ' ').replace(/:$/, '').trim().toLowerCase()
  return SECTIONS[key]
}
