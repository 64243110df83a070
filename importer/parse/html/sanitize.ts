import {domWindow} from './dom.ts'
import {safeHref} from '../../../domain/links.ts'

// Saved pages are hostile input: what could run, load or hide goes before anything is read.

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

/** The page's own address, from the canonical link, og:url or the browser's "saved from" note. */
export function pageUrl(document: Document, html: string): string | undefined {
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
export function sanitize(document: Document, base: string | undefined): void {
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
