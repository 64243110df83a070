import {describe, expect, it} from 'vitest'
import {excerptOf, renderPortableText} from '../portableText.ts'
import {PORTABLE_TEXT_FIXTURES} from './fixtures/portableText.ts'

describe('renderPortableText', () => {
  it.each(Object.entries(PORTABLE_TEXT_FIXTURES))('renders %s', (_name, {input, output}) => {
    expect(renderPortableText(input)).toBe(output)
  })

  it('never lets a tag, an event handler or a script URL through any fixture', () => {
    const all = Object.values(PORTABLE_TEXT_FIXTURES)
      .map(({input}) => renderPortableText(input))
      .join('\n')
    expect(all).not.toMatch(/<(?:script|iframe|img|b|h1)\b/i)
    expect(all).not.toMatch(/javascript:|data:text|\son\w+=/i)
    const tags = [...all.matchAll(/<\/?([a-z0-9]+)/g)].map((match) => match[1])
    expect(new Set(tags)).toEqual(
      new Set(['p', 'h2', 'h3', 'blockquote', 'strong', 'em', 'ol', 'ul', 'li', 'a', 'br']),
    )
  })
})

describe('excerptOf', () => {
  it('flattens whitespace and cuts long text at a word with an ellipsis', () => {
    expect(excerptOf('  short\n text ')).toBe('short text')
    expect(excerptOf(null)).toBe('')
    expect(excerptOf('one two three four five six', 14)).toBe('one two three…')
    expect(excerptOf('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghij…')
  })
})
