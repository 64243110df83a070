import type {PortableTextBlock} from '@portabletext/types'
import {describe, expect, it} from 'vitest'
import {
  findContactDetails,
  findPersonalData,
  privacyContext,
  privateLinkTarget,
  scrubBlocks,
  scrubStrings,
  scrubText,
} from '../index.ts'

const chen = privacyContext({askerName: 'CHEN', doctorNames: ['Dr. Lan Shengxing']})

describe('scrubText', () => {
  it('replaces personal data in place, keeping punctuation and white space', () => {
    const text =
      'Dear Mr.\nChen, write to chen.wl@gmail.com (or call 0912-345-678); LINE ID: chen_88.\n' +
      'Thanks, Chen.'
    expect(scrubText(text, chen)).toEqual({
      text:
        'Dear Mr.\nC., write to [email removed] (or call [phone removed]); LINE ID: [contact removed].\n' +
        'Thanks, C.',
      masks: [
        {category: 'askerName', before: 'Chen', after: 'C.'},
        {category: 'email', before: 'chen.wl@gmail.com', after: '[email removed]'},
        {category: 'phone', before: '0912-345-678', after: '[phone removed]'},
        {category: 'messenger', before: 'chen_88', after: '[contact removed]'},
        {category: 'askerName', before: 'Chen', after: 'C'},
      ],
    })
  })

  it('keeps the numbers a medical archive is made of', () => {
    const text =
      'I have been eating 1200-1300 cal. (most days), BP 140/90 mmHg, Dr. Lan Shengxing at ' +
      'Taipei Veterans General Hospital said 5-10 mg.'
    expect(scrubText(text, chen)).toEqual({text, masks: []})
  })

  it('changes nothing the second time', () => {
    const once = scrubText('Mr. Chen, call +886 2 2345 6789 or mail a@b.com', chen).text
    expect(scrubText(once, chen)).toEqual({text: once, masks: []})
  })
})

describe('findPersonalData', () => {
  it('reports offsets in the original text, whatever folding detection needed', () => {
    const text = '電話：０９１２－３４５－６７８。'
    const [found] = findPersonalData(text)
    expect(found && text.slice(found.start, found.end)).toBe('０９１２－３４５－６７８')
  })
})

describe('scrubStrings', () => {
  it('scrubs titles, similar titles and tag names alike', () => {
    expect(
      scrubStrings(["Chen's Calf Twitching", 'Muscle Cramp', 'Call 0912-345-678?'], chen),
    ).toEqual({
      values: ["C.'s Calf Twitching", 'Muscle Cramp', 'Call [phone removed]?'],
      masks: [
        {category: 'askerName', before: 'Chen', after: 'C.'},
        {category: 'phone', before: '0912-345-678', after: '[phone removed]'},
      ],
    })
  })
})

describe('scrubBlocks', () => {
  const block: PortableTextBlock = {
    _type: 'block',
    _key: 'b1',
    style: 'normal',
    markDefs: [
      {_key: 'm1', _type: 'link', href: 'mailto:chen.wl@gmail.com'},
      {_key: 'm2', _type: 'link', href: 'https://www.mayoclinic.org/'},
    ],
    children: [
      {_type: 'span', _key: 's1', text: 'Dear Mr. ', marks: []},
      {_type: 'span', _key: 's2', text: 'Chen', marks: ['strong']},
      {_type: 'span', _key: 's3', text: ', write to chen.wl@', marks: ['m1']},
      {_type: 'span', _key: 's4', text: 'gmail.com or read ', marks: ['m1']},
      {_type: 'span', _key: 's5', text: 'this', marks: ['m2']},
    ],
  }

  it('reads spans as one text, drops private links and keeps the rest', () => {
    const image = {_type: 'image', _key: 'i1'}
    const {blocks, masks} = scrubBlocks([block, image], chen)
    expect(blocks).toEqual([
      {
        ...block,
        markDefs: [{_key: 'm2', _type: 'link', href: 'https://www.mayoclinic.org/'}],
        children: [
          {_type: 'span', _key: 's1', text: 'Dear Mr. ', marks: []},
          {_type: 'span', _key: 's2', text: 'C.', marks: ['strong']},
          {_type: 'span', _key: 's3', text: ', write to [email removed]', marks: []},
          {_type: 'span', _key: 's4', text: ' or read ', marks: []},
          {_type: 'span', _key: 's5', text: 'this', marks: ['m2']},
        ],
      },
      image,
    ])
    expect(masks.map((mask) => mask.category)).toEqual(['email', 'askerName', 'email'])
  })

  it('returns blocks without personal data as they were', () => {
    const clean: PortableTextBlock = {
      ...block,
      markDefs: [],
      children: [{_type: 'span', text: 'Calf cramps at 22:00.'}],
    }
    expect(scrubBlocks([clean], chen).blocks[0]).toBe(clean)
  })
})

describe('privateLinkTarget', () => {
  it.each([
    ['mailto:a@b.com', 'email'],
    ['tel:+886223456789', 'phone'],
    ['skype:live:chen?chat', 'messenger'],
    ['https://wa.me/886912345678', 'url'],
    ['/cdn-cgi/l/email-protection#6d1a0c', 'email'],
    ['https://example.org/ask?from=chen%40gmail.com', 'url'],
    ['https://www.mayoclinic.org/diseases/2020/03/18/818026613', undefined],
  ])('says %s carries %s', (href, category) => {
    expect(privateLinkTarget(href, chen)).toBe(category)
  })
})

describe('findContactDetails', () => {
  it('lists contact details for editors, without a context', () => {
    expect(findContactDetails('Mr. Chen: a@b.com, 0912-345-678, WeChat: wxid_abc123')).toEqual({
      emails: ['a@b.com'],
      phones: ['0912-345-678'],
      messengers: ['wxid_abc123'],
    })
  })
})
