import {describe, expect, it} from 'vitest'
import {findContactDetails, initialOnly, looksLikeFullName} from '../validation/privacy.ts'
import {noContactDetails} from '../validation/rules.ts'

describe('findContactDetails', () => {
  it('finds e-mail addresses and phone numbers in several formats', () => {
    const found = findContactDetails(
      'Mail lin.w+clinic@mail.example.org, call +886 2 2345 6789 or (02) 2345-6789 or 0912.345.678.',
    )
    expect(found.emails).toEqual(['lin.w+clinic@mail.example.org'])
    expect(found.phones).toEqual(['+886 2 2345 6789', '(02) 2345-6789', '0912.345.678'])
  })

  it('finds addresses spelled out and numbers typed in full width', () => {
    const found = findContactDetails(
      'Write to lin dot w at gmail dot com, tel ０９１２－３４５－６７８.',
    )
    expect(found.emails).toEqual(['lin dot w at gmail dot com'])
    expect(found.phones).toEqual(['０９１２－３４５－６７８'])
  })

  it('finds messenger ids', () => {
    expect(findContactDetails('LINE ID: lin_0815, WeChat: wxid_8r2k4l9m').messengers).toEqual([
      'lin_0815',
      'wxid_8r2k4l9m',
    ])
  })

  it('does not mistake dates, ranges, doses, blood pressures or counts for phone numbers', () => {
    const text =
      'Asked 2015/07/14 and 2015-07-14, aged 20~29, took 500 mg twice, BP 120/80 and 140/90 mmHg, ' +
      'eating 1200-1300 cal. (most days), 3000-4000 steps, 3 times in 24 hours.'
    expect(findContactDetails(text)).toEqual({emails: [], phones: [], messengers: []})
  })
})

describe('noContactDetails', () => {
  it('lists what it found in a sentence an editor can act on', () => {
    expect(noContactDetails('Mail a.b@example.com, LINE ID: ab_12 or call 0912-345-678.')).toBe(
      'Privacy: the text contains 1 e-mail address, 1 phone number and 1 messenger ID or profile link. Remove or mask them before publishing.',
    )
  })

  it('accepts text without contact details', () => {
    expect(noContactDetails('Eating 1200-1300 cal. (most days), BP 140/90 mmHg.')).toBe(true)
  })
})

describe('looksLikeFullName', () => {
  it.each(['Chen Meiling', 'mei-ling chen', 'Dr. Wang Lihua', '陳美玲', '김민준'])(
    'flags "%s"',
    (name) => {
      expect(looksLikeFullName(name)).toBe(true)
    },
  )

  it.each(['C.', 'CHEN', 'Mr. Chen', 'Ms. W.', '陳', ''])('accepts "%s"', (name) => {
    expect(looksLikeFullName(name)).toBe(false)
  })
})

describe('initialOnly', () => {
  it('keeps the first letter of the first name token', () => {
    expect(initialOnly('CHEN')).toBe('C.')
    expect(initialOnly('mr. wang lihua')).toBe('W.')
    expect(initialOnly('陳美玲')).toBe('陳')
    expect(initialOnly('  ')).toBe('')
  })
})
