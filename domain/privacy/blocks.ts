import type {PortableTextBlock, PortableTextSpan} from '@portabletext/types'
import {NO_CONTEXT, type PrivacyContext} from './context.ts'
import {findPersonalData, type PersonalData} from './detect.ts'
import type {PrivacyCategory} from './scan.ts'
import {maskOf, replacementAt, type Mask} from './scrub.ts'
import {CONTACT_SCHEMES} from './words.ts'

// Portable Text: a block's spans are read as one text, so a salutation split by a mark ("Dear
// Mr. " + bold "Chen") or an address split across spans is found; each replacement goes into
// the span where the finding starts. A link whose target is personal data loses its mark and
// definition; its visible text is scrubbed like any other.

function decoded(href: string): string {
  try {
    return decodeURIComponent(href)
  } catch {
    return href
  }
}

/** What a link target carries (e-mail, phone, messenger id, profile, the asker's name), if anything. */
export function privateLinkTarget(
  href: string,
  context: PrivacyContext = NO_CONTEXT,
): PrivacyCategory | undefined {
  const lower = href.trim().toLowerCase()
  for (const [scheme, category] of CONTACT_SCHEMES) if (lower.startsWith(scheme)) return category
  if (lower.includes('/cdn-cgi/l/email-protection')) return 'email'
  return findPersonalData(decoded(href), context)[0]?.category
}

function isSpan(child: unknown): child is PortableTextSpan {
  return (
    typeof child === 'object' &&
    child !== null &&
    '_type' in child &&
    child._type === 'span' &&
    'text' in child &&
    typeof child.text === 'string'
  )
}

/** The part [start, end) of a block's text, with the findings that start in it replaced. */
function rewrite(text: string, found: PersonalData[], from: number, start: number, end: number) {
  const parts: string[] = []
  let at = start
  let index = from
  for (; index < found.length && (found[index]?.start ?? end) < end; index++) {
    const item = found[index]
    if (!item) break
    if (item.start >= at) parts.push(text.slice(at, item.start))
    if (item.start >= start) parts.push(replacementAt(text, item))
    at = Math.min(Math.max(at, item.end), end)
    if (item.end > end) break
  }
  parts.push(text.slice(at, end))
  // The next span starts with the finding that reaches into it, if any.
  return {text: parts.join(''), next: index}
}

/** Keys of link marks whose targets are personal data, each recorded as a mask. */
function privateMarks(block: PortableTextBlock, context: PrivacyContext, masks: Mask[]) {
  const dropped = new Set<string>()
  for (const definition of block.markDefs ?? []) {
    const href = definition.href
    const category = typeof href === 'string' ? privateLinkTarget(href, context) : undefined
    if (!category || typeof href !== 'string') continue
    dropped.add(definition._key)
    masks.push({category, before: href, after: ''})
  }
  return dropped
}

function isTextBlock<T extends {_type: string}>(item: T): item is T & PortableTextBlock {
  return item._type === 'block' && 'children' in item && Array.isArray(item.children)
}

function scrubBlock<T extends PortableTextBlock>(
  block: T,
  context: PrivacyContext,
  masks: Mask[],
): T {
  const text = block.children.map((child) => (isSpan(child) ? child.text : '')).join('')
  const found = findPersonalData(text, context)
  const dropped = privateMarks(block, context, masks)
  if (found.length === 0 && dropped.size === 0) return block
  for (const item of found) masks.push(maskOf(text, item))
  let offset = 0
  let next = 0
  const children = block.children.map((child) => {
    if (!isSpan(child)) return child
    const start = offset
    offset += child.text.length
    const rewritten = rewrite(text, found, next, start, offset)
    next = rewritten.next
    const marks = child.marks?.filter((mark) => !dropped.has(mark))
    return {...child, text: rewritten.text, ...(marks ? {marks} : {})}
  })
  const markDefs = block.markDefs?.filter((definition) => !dropped.has(definition._key))
  return {...block, children, ...(markDefs ? {markDefs} : {})}
}

/**
 * Portable Text with personal data masked in every span and private link targets removed.
 * Other items (images, embeds) are returned as they are; unchanged blocks are the same objects.
 */
export function scrubBlocks<T extends {_type: string}>(
  blocks: readonly T[],
  context: PrivacyContext = NO_CONTEXT,
): {blocks: T[]; masks: Mask[]} {
  const masks: Mask[] = []
  const scrubbed = blocks.map((block) =>
    isTextBlock(block) ? scrubBlock(block, context, masks) : block,
  )
  return {blocks: scrubbed, masks}
}
