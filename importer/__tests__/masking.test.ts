import {describe, expect, it} from 'vitest'
import {maskContactDetails} from '../../schemas/validation/privacy.ts'
import {maskContactDetailsInPieces} from '../masking.ts'

describe('maskContactDetailsInPieces', () => {
  it.each([
    'Please email me at lin.meihua@example.com or call 0912-345-678.',
    '請聯絡我 abc@example.com 謝謝，電話 (02) 2345-6789',
    `${'x'.repeat(300)}0912 345 678 and more`,
    `call 0912 345678${'y'.repeat(300)} end`,
    `tel${'z'.repeat(300)}0912345678${'z'.repeat(10)}`,
    `a b c ${' '.repeat(100)} 0912345678`,
    '1'.repeat(400),
    'no contact details here',
  ])('masks what the shared rule masks in %j', (text) => {
    expect(maskContactDetailsInPieces(text)).toEqual(maskContactDetails(text))
  })

  it('masks a word too long for the rule whole when it holds an "@"', () => {
    const masked = maskContactDetailsInPieces(`mail ${'a'.repeat(300)}@example.com now`)
    expect(masked).toMatchObject({text: 'mail [email removed] now', phones: []})
    expect(masked.emails).toHaveLength(1)
  })
})
