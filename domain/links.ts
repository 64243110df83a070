// Which link targets the product keeps, one rule for the importer (saved HTML, Portable Text it
// writes) and the preview site's renderer: absolute http, https and mailto URLs, nothing else.

const LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:'])

/**
 * The URL itself (normalised) when it is an absolute http, https or mailto URL, else undefined.
 * A relative URL resolves against `base` when there is one. The WHATWG parser reads the scheme as
 * a browser does (it drops tabs and newlines and lower-cases it), so "java\nscript:" or
 * " JAVASCRIPT:" are caught.
 */
export function safeHref(href: unknown, base?: string): string | undefined {
  if (typeof href !== 'string') return undefined
  let url: URL
  try {
    url = new URL(href.trim(), base)
  } catch {
    return undefined
  }
  return LINK_SCHEMES.has(url.protocol) ? url.href : undefined
}
