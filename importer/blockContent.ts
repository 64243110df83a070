import type {PortableTextBlock} from '@portabletext/types'
import type {BlockContent} from '../sanity.types.ts'
import {safeHref} from '../domain/links.ts'

// Whatever a parser produced, documents only get Portable Text the schema allows: blocks with the
// schema's styles and lists, spans with strong/em and links whose href is http(s) or mailto.

type Block = BlockContent[number]
type Span = NonNullable<Block['children']>[number]
type MarkDef = NonNullable<Block['markDefs']>[number]

const STYLES: Record<string, Block['style']> = {
  normal: 'normal',
  h1: 'h2',
  h2: 'h2',
  h3: 'h3',
  h4: 'h3',
  h5: 'h3',
  h6: 'h3',
  blockquote: 'blockquote',
}
const DECORATORS = new Set(['strong', 'em'])

function safeLink(definition: {
  _key: string
  _type: string
  [key: string]: unknown
}): MarkDef | undefined {
  const href = definition._type === 'link' ? safeHref(definition.href) : undefined
  return href ? {_type: 'link', _key: definition._key, href} : undefined
}

export function conformToSchema(blocks: readonly PortableTextBlock[]): BlockContent {
  const result: BlockContent = []
  for (const block of blocks) {
    if (block._type !== 'block') continue
    const markDefs = (block.markDefs ?? []).map(safeLink).filter((def) => def !== undefined)
    const allowedMarks = new Set([...DECORATORS, ...markDefs.map((def) => def._key)])
    const children: Span[] = []
    for (const [index, child] of block.children.entries()) {
      const text = 'text' in child && typeof child.text === 'string' ? child.text : ''
      if (!text) continue
      const marks = 'marks' in child && Array.isArray(child.marks) ? child.marks : []
      children.push({
        _type: 'span',
        _key: child._key ?? `${block._key ?? 'b'}s${index}`,
        text,
        marks: marks.filter(
          (mark): mark is string => typeof mark === 'string' && allowedMarks.has(mark),
        ),
      })
    }
    if (children.length === 0) continue
    const listItem =
      block.listItem === 'number' ? 'number' : block.listItem === 'bullet' ? 'bullet' : undefined
    result.push({
      _type: 'block',
      _key: block._key ?? `b${result.length}`,
      style: STYLES[block.style ?? 'normal'] ?? 'normal',
      markDefs,
      children,
      ...(listItem ? {listItem, level: block.level ?? 1} : {}),
    })
  }
  return result
}
