import {describe, expect, it} from 'vitest'
import {safeHref} from '../links.ts'

describe('safeHref', () => {
  it('keeps absolute http, https and mailto URLs only', () => {
    expect(safeHref('http://example.org')).toBe('http://example.org/')
    expect(safeHref(' HTTPS://Example.org/a ')).toBe('https://example.org/a')
    expect(safeHref('mailto:a@example.org')).toBe('mailto:a@example.org')
    for (const href of [
      'javascript:x',
      'java\nscript:x',
      ' JAVASCRIPT:x',
      'vbscript:x',
      'data:text/html,x',
      'ftp://x',
      '//example.org',
      '#top',
      1,
      null,
    ]) {
      expect(safeHref(href)).toBeUndefined()
    }
  })

  it('resolves relative URLs against a base, and keeps the scheme rule for the result', () => {
    expect(safeHref('/clinic/faq', 'https://example.org/threads/1')).toBe(
      'https://example.org/clinic/faq',
    )
    expect(safeHref('javascript:x', 'https://example.org/')).toBeUndefined()
    expect(safeHref('page.html', 'file:///tmp/saved/')).toBeUndefined()
  })
})
