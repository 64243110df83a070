import {describe, expect, it} from 'vitest'
import {
  findContactDetails,
  initialOnly,
  looksLikeFullName,
  maskContactDetails,
} from '../validation/privacy.ts'

describe('findContactDetails', () => {
  it('finds e-mail addresses and phone numbers in several formats', () => {
    const found = findContactDetails(
      'Mail lin.w+clinic@mail.example.org, call +886 2 2345 6789 or (02) 2345-6789 or 0912.345.678.',
    )
    expect(found.emails).toEqual(['lin.w+clinic@mail.example.org'])
    expect(found.phones).toEqual(['+886 2 2345 6789', '(02) 2345-6789', '0912.345.678'])
  })

  it('does not mistake dates, age ranges, doses or short numbers for phone numbers', () => {
    const text =
      'Asked 2015/07/14 and 2015-07-14, aged 20~29, took 500 mg twice, BP 120/80, 3 times in 24 hours.'
    expect(findContactDetails(text)).toEqual({emails: [], phones: []})
  })
})

describe('maskContactDetails', () => {
  it('replaces each e-mail address and phone number and reports them', () => {
    const result = maskContactDetails('Write to a.b@example.com or call 0912-345-678 today.')
    expect(result.text).toBe('Write to [email removed] or call [phone removed] today.')
    expect(result.emails).toEqual(['a.b@example.com'])
    expect(result.phones).toEqual(['0912-345-678'])
  })

  it('leaves text without contact details unchanged', () => {
    const text = 'Twitching started on 2020.05.01 after 2 weeks of stress.'
    expect(maskContactDetails(text)).toEqual({text, emails: [], phones: []})
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
