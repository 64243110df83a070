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
export function markupProblem(html: string): string | undefined {
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
