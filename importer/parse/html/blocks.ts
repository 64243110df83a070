import {htmlToBlocks} from '@portabletext/block-tools'
import type {
  PortableTextBlock,
  PortableTextMarkDefinition,
  PortableTextSpan,
} from '@portabletext/types'
import {Schema} from '@sanity/schema'
import {isArraySchemaType, type ArraySchemaType} from '@sanity/types'
import {blockContentType} from '../../../schemas/objects/blockContent.ts'
import {domWindow} from './dom.ts'
import {safeHref} from '../../../domain/links.ts'
import type {Unit} from './units.ts'

// Rich text (question, replies, More Info): units through @portabletext/block-tools with the
// Studio's blockContent type, then tidied to what that type allows.

let blockContentSchema: ArraySchemaType | undefined

/** The Studio's blockContent type, compiled once: it decides which styles and marks survive. */
function blockContent(): ArraySchemaType {
  if (blockContentSchema) return blockContentSchema
  const type = Schema.compile({name: 'importer', types: [blockContentType]}).get('blockContent')
  if (!type || !isArraySchemaType(type)) throw new Error('blockContent is not an array type.')
  blockContentSchema = type
  return type
}

type RawBlock = ReturnType<typeof htmlToBlocks>[number]

// Block-tools' clean-up runs XPath queries whose cost in jsdom grows with the square of the
// blocks in one call (25,000 paragraphs: ten minutes); units are converted a group at a time.
const UNITS_PER_CONVERSION = 32

/** Units → Portable Text through block-tools; keys are `<prefix>-<i>` so re-imports match. */
export function toBlocks(units: readonly Unit[], prefix: string): PortableTextBlock[] {
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
      const href = typeof definition.href === 'string' ? safeHref(definition.href) : undefined
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
export function withoutTrailingDate(blocks: PortableTextBlock[]): PortableTextBlock[] {
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
