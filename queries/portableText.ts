import {
  escapeHTML,
  toHTML,
  type PortableTextBlockComponent,
  type PortableTextComponents,
  type PortableTextListComponent,
  type PortableTextMarkComponent,
} from '@portabletext/to-html'
import type {
  PortableTextBlock,
  PortableTextMarkDefinition,
  PortableTextSpan,
} from '@portabletext/types'
import {safeHref} from '../domain/links.ts'
import {isObject as isRecord} from '../domain/json.ts'

// Portable Text → HTML for the preview pages. Every serializer is given here, nothing falls back
// to the library's defaults: text is escaped, only the schema's styles, lists and marks become
// elements, links keep only http(s) and mailto URLs, and anything else (unknown block types,
// inline objects, styles, marks) is dropped or rendered as plain escaped text. Input is checked
// shape by shape first, so hostile or malformed JSON never reaches the renderer.

const MAX_LIST_LEVEL = 10

/** `_type` of a node the renderer may see; "@…" types are the renderer's own virtual nodes. */
function nodeType(value: Record<string, unknown>): string | undefined {
  return typeof value._type === 'string' && value._type !== '' && !value._type.startsWith('@')
    ? value._type
    : undefined
}

function cleanChild(child: unknown): PortableTextSpan | undefined {
  if (!isRecord(child)) return undefined
  const type = nodeType(child)
  if (type !== 'span') return undefined // inline objects: the schema has none
  if (typeof child.text !== 'string') return undefined
  const marks = Array.isArray(child.marks)
    ? child.marks.filter((mark): mark is string => typeof mark === 'string')
    : []
  return {
    _type: 'span',
    ...(typeof child._key === 'string' ? {_key: child._key} : {}),
    text: child.text,
    marks,
  }
}

function cleanMarkDef(definition: unknown): PortableTextMarkDefinition | undefined {
  if (!isRecord(definition) || typeof definition._key !== 'string') return undefined
  const type = nodeType(definition)
  if (!type) return undefined
  const href = type === 'link' ? safeHref(definition.href) : undefined
  return {_type: type, _key: definition._key, ...(href ? {href} : {})}
}

function cleanBlock(value: unknown): PortableTextBlock | undefined {
  if (!isRecord(value) || nodeType(value) !== 'block' || !Array.isArray(value.children)) {
    return undefined // custom block types: the schema has none, so they are dropped
  }
  const children = value.children.map(cleanChild).filter((child) => child !== undefined)
  const markDefs = Array.isArray(value.markDefs)
    ? value.markDefs.map(cleanMarkDef).filter((definition) => definition !== undefined)
    : []
  const level =
    typeof value.level === 'number' && Number.isInteger(value.level)
      ? Math.min(Math.max(value.level, 1), MAX_LIST_LEVEL)
      : 1
  return {
    _type: 'block',
    ...(typeof value._key === 'string' ? {_key: value._key} : {}),
    style: typeof value.style === 'string' ? value.style : 'normal',
    ...(typeof value.listItem === 'string' ? {listItem: value.listItem, level} : {}),
    markDefs,
    children,
  }
}

const renderBlock: PortableTextBlockComponent = ({value, children = ''}) => {
  switch (value.style) {
    case 'h2':
      return `<h2>${children}</h2>`
    case 'h3':
      return `<h3>${children}</h3>`
    case 'blockquote':
      return `<blockquote>${children}</blockquote>`
    default:
      return `<p>${children}</p>`
  }
}

const renderList: PortableTextListComponent = ({value, children = ''}) =>
  value.listItem === 'number' ? `<ol>${children}</ol>` : `<ul>${children}</ul>`

const renderLink: PortableTextMarkComponent = ({value, children}) => {
  // safeHref again: the definition was cleaned, but this component must be safe on its own.
  const href = safeHref(value?.href)
  return href ? `<a href="${escapeHTML(href)}" rel="nofollow noopener">${children}</a>` : children
}

const plain: PortableTextMarkComponent = ({children}) => children

const COMPONENTS: PortableTextComponents = {
  types: {},
  block: renderBlock,
  list: renderList,
  listItem: ({children = ''}) => `<li>${children}</li>`,
  marks: {
    strong: ({children}) => `<strong>${children}</strong>`,
    em: ({children}) => `<em>${children}</em>`,
    link: renderLink,
    // The library's other default marks are not in the schema: text only.
    code: plain,
    underline: plain,
    'strike-through': plain,
  },
  hardBreak: () => '<br>',
  escapeHTML,
  unknownType: () => '',
  unknownMark: plain,
  unknownBlockStyle: renderBlock,
  unknownList: renderList,
  unknownListItem: ({children = ''}) => `<li>${children}</li>`,
}

/** Portable Text (anything, really: it is checked) → safe HTML; '' for no content. */
export function renderPortableText(blocks: unknown): string {
  if (!Array.isArray(blocks)) return ''
  const clean = blocks.map(cleanBlock).filter((block) => block !== undefined)
  if (clean.length === 0) return ''
  return toHTML(clean, {components: COMPONENTS, onMissingComponent: false})
}

/** The first `max` characters of `text`, cut at a word boundary, with an ellipsis if cut. */
export function excerptOf(text: string | null | undefined, max = 200): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim()
  if (flat.length <= max) return flat
  const cut = flat.slice(0, max)
  const space = cut.lastIndexOf(' ')
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?]+$/, '')}…`
}
