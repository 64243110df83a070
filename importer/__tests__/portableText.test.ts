import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'
import {describe, expect, it} from 'vitest'
import {joinLines, textToPortableText} from '../portableText.ts'

/** Each block as "style/listItem: text", for compact assertions. */
function outline(blocks: PortableTextBlock[]): string[] {
  return blocks.map((block) => {
    const kind = block.listItem ? `${block.style}/${block.listItem}` : block.style
    return `${kind}: ${toPlainText(block)}`
  })
}

describe('textToPortableText', () => {
  it('builds blocks of one span with keys from the prefix', () => {
    expect(textToPortableText('Hello.\n\n- Rest', 'q')).toEqual([
      {
        _type: 'block',
        _key: 'q-0',
        style: 'normal',
        markDefs: [],
        children: [{_type: 'span', _key: 'q-0-0', text: 'Hello.', marks: []}],
      },
      {
        _type: 'block',
        _key: 'q-1',
        style: 'normal',
        markDefs: [],
        children: [{_type: 'span', _key: 'q-1-0', text: 'Rest', marks: []}],
        listItem: 'bullet',
        level: 1,
      },
    ])
  })

  it('returns no blocks for blank text', () => {
    expect(textToPortableText('', 'q')).toEqual([])
    expect(textToPortableText(' \n\t\n\u3000', 'q')).toEqual([])
  })

  it('joins consecutive lines into one paragraph', () => {
    const blocks = textToPortableText('Dear Mr.\nChen, rest well.\nDrink water.', 'r')
    expect(outline(blocks)).toEqual(['normal: Dear Mr. Chen, rest well. Drink water.'])
  })

  it('starts a new paragraph after blank lines', () => {
    const blocks = textToPortableText('First line.\n\n\n  \nSecond line.\nStill second.', 'r')
    expect(outline(blocks)).toEqual(['normal: First line.', 'normal: Second line. Still second.'])
  })

  it('reads CRLF line endings, a BOM and trailing whitespace', () => {
    const blocks = textToPortableText('\uFEFFOne.  \r\nTwo.\t\r\n\r\nThree.\r\n', 'r')
    expect(outline(blocks)).toEqual(['normal: One. Two.', 'normal: Three.'])
  })

  it('joins Han lines without a space', () => {
    const blocks = textToPortableText('您好：\n建議多休息。\n請多喝水。', 'r')
    expect(outline(blocks)).toEqual(['normal: 您好：建議多休息。請多喝水。'])
  })

  it('turns numbered lines into number list items without the marker', () => {
    const blocks = textToPortableText('1. Rest: Sleep more.\n2) Water: Drink more.\n3、多休息', 'm')
    expect(outline(blocks)).toEqual([
      'normal/number: Rest: Sleep more.',
      'normal/number: Water: Drink more.',
      'normal/number: 多休息',
    ])
    expect(blocks.map((block) => block.level)).toEqual([1, 1, 1])
  })

  it('turns dash and bullet lines into bullet list items', () => {
    const blocks = textToPortableText('- Rest\n\n• Water\n* Sleep', 'm')
    expect(outline(blocks)).toEqual([
      'normal/bullet: Rest',
      'normal/bullet: Water',
      'normal/bullet: Sleep',
    ])
  })

  it('keeps numbers and dashes that are not list markers as text', () => {
    const blocks = textToPortableText('1.5 mg twice a day.\n-5 degrees outside.', 'm')
    expect(outline(blocks)).toEqual(['normal: 1.5 mg twice a day. -5 degrees outside.'])
  })

  it('continues a list item with the lines that follow it', () => {
    const blocks = textToPortableText('- Rest: Sleep eight hours.\nAvoid screens.\n\nAfter.', 'm')
    expect(outline(blocks)).toEqual([
      'normal/bullet: Rest: Sleep eight hours. Avoid screens.',
      'normal: After.',
    ])
  })

  it('leaves title-like lines as paragraphs outside article mode', () => {
    const blocks = textToPortableText('Diagnosis\nA doctor may suggest tests.', 'm')
    expect(outline(blocks)).toEqual(['normal: Diagnosis A doctor may suggest tests.'])
  })

  it('makes title-like lines that introduce content h2 in article mode', () => {
    const text = [
      'Intro paragraph ends here.',
      '',
      'Causes of Knee Pain',
      '1. Overuse: Too much running.',
      '',
      'Diagnosis',
      'A doctor may suggest:',
      '- X-ray: To check the bones.',
      '',
      'Conclusion',
      'Most knee pain improves.',
    ].join('\n')
    expect(outline(textToPortableText(text, 'm', {articleMode: true}))).toEqual([
      'normal: Intro paragraph ends here.',
      'h2: Causes of Knee Pain',
      'normal/number: Overuse: Too much running.',
      'h2: Diagnosis',
      'normal: A doctor may suggest:',
      'normal/bullet: X-ray: To check the bones.',
      'h2: Conclusion',
      'normal: Most knee pain improves.',
    ])
  })

  it('does not make headings of sentences, long lines, trailing lines or continuations', () => {
    const long = `A line that has no punctuation at its end but is much too long ${'x'.repeat(20)}`
    const text = [
      'Ends like a sentence.',
      'Second line of that paragraph without a stop',
      '',
      long,
      'More text.',
      '',
      'Trailing line at the end',
    ].join('\n')
    expect(outline(textToPortableText(text, 'm', {articleMode: true}))).toEqual([
      'normal: Ends like a sentence. Second line of that paragraph without a stop',
      `normal: ${long} More text.`,
      'normal: Trailing line at the end',
    ])
  })

  it('gives every block a key unique within the array, stable across calls', () => {
    const text = 'A\n\nB\n\n- C\n\n1. D\n\nHeading\nE.'
    const first = textToPortableText(text, 'm', {articleMode: true})
    const keys = first.map((block) => block._key)
    expect(keys).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5'])
    expect(textToPortableText(text, 'm', {articleMode: true})).toEqual(first)
  })
})

describe('joinLines', () => {
  it('spaces Latin lines and leaves Han lines unspaced', () => {
    expect(joinLines(['One.', 'Two.'])).toBe('One. Two.')
    expect(joinLines(['第一句。', '第二句。'])).toBe('第一句。第二句。')
    expect(joinLines(['服用', 'Aspirin'])).toBe('服用Aspirin')
    expect(joinLines([])).toBe('')
  })
})
