import {describe, expect, it} from 'vitest'
import {findPersonalData, privacyContext} from '../index.ts'

const found = (text: string, category: string, askerName?: string) =>
  findPersonalData(text, privacyContext({askerName}))
    .filter((item) => item.category === category)
    .map((item) => item.text)

describe('e-mail addresses', () => {
  it.each([
    ['plain', 'mail chen.wl88@gmail.com now', 'chen.wl88@gmail.com'],
    ['spaced "@"', 'mail john @ gmail.com now', 'john @ gmail.com'],
    ['full-width', 'mail john＠gmail．com now', 'john＠gmail．com'],
    ['small form', 'mail john﹫gmail.com now', 'john﹫gmail.com'],
    ['percent-encoded', 'mail john%40gmail.com now', 'john%40gmail.com'],
    ['HTML entity', 'mail john&#64;gmail.com now', 'john&#64;gmail.com'],
    ['bracketed', 'mail john[at]gmail[dot]com now', 'john[at]gmail[dot]com'],
    ['bracketed, spaced', 'mail john (at) gmail (dot) com now', 'john (at) gmail (dot) com'],
    ['braces', 'mail john{at}gmail{dot}com now', 'john{at}gmail{dot}com'],
    ['words', 'mail john dot doe at gmail dot com now', 'john dot doe at gmail dot com'],
    ['capital words', 'mail JOHN AT HOTMAIL DOT COM now', 'JOHN AT HOTMAIL DOT COM'],
    ['"at" and a dotted domain', 'write to john_d at yahoo.com.tw now', 'john_d at yahoo.com.tw'],
    ['mailto link target', 'href="mailto:john@gmail.com"', 'mailto:john@gmail.com'],
    ['Cloudflare placeholder', 'mail [email protected] now', '[email protected]'],
    [
      'Cloudflare placeholder, escaped',
      'mail [email&#160;protected] now',
      '[email&#160;protected]',
    ],
    [
      'Cloudflare link',
      'href="/cdn-cgi/l/email-protection#6d1a0c03"',
      '/cdn-cgi/l/email-protection#6d1a0c03',
    ],
  ])('finds an address written %s', (_spelling, text, address) => {
    expect(found(text, 'email')).toEqual([address])
  })

  it.each([
    'I was looking at webmd.com yesterday',
    'we met at home dot nine',
    'seen at 5pm @ the clinic',
    `a word of ${'a'.repeat(100)}@example.com is no address`,
  ])('finds no address in "%s"', (text) => {
    expect(found(text, 'email')).toEqual([])
  })
})

describe('messenger ids', () => {
  it.each([
    ['LINE ID: lin.yh0815, thanks', 'lin.yh0815'],
    ['line id changhy1990 (lowercase)', 'changhy1990'],
    ['add my Line (ID: kuo-sf-77).', 'kuo-sf-77'],
    ['WeChat: wxid_8r2k4l9m0p.', 'wxid_8r2k4l9m0p'],
    ['QQ 12345678 please', '12345678'],
    ['WhatsApp +886 912 345 678 any time', '+886 912 345 678'],
    ['Skype live:.cid.3f9a21bc7d today', 'live:.cid.3f9a21bc7d'],
    ['Telegram @yeh_health or', '@yeh_health'],
    ['KakaoTalk ID: tsai_korea22.', 'tsai_korea22'],
    ['or ID wu_ting88 on LINE', 'wu_ting88'],
  ])('finds the id in "%s"', (text, id) => {
    expect(found(text, 'messenger')).toEqual([id])
  })

  it.each([
    'line 2: take 5 mg',
    'the central line: PICC for 6 weeks',
    "please don't share your Skype ID here",
    'WhatsApp same as the first',
    'ID 12345678 on the wristband',
    'the NIH study information line at 1-800-411-1222',
    'Facebook: What happens to my photos once I close the account?',
    'WhatsApp: How do I send the clinic a scan of my results?',
    'WhatsApp: Can the nurse see when I have read her message?',
  ])('finds no id in "%s"', (text) => {
    expect(found(text, 'messenger')).toEqual([])
  })
})

describe('links', () => {
  it('removes profile and chat links and links that carry contact details', () => {
    const text =
      'See https://t.me/ho_yuting, https://www.facebook.com/lin.meihua.52 and ' +
      'https://example.org/form?mail=john%40gmail.com.'
    expect(found(text, 'url')).toEqual([
      'https://t.me/ho_yuting',
      'https://www.facebook.com/lin.meihua.52',
      'https://example.org/form?mail=john%40gmail.com',
    ])
  })

  it("removes a link that spells the asker's name", () => {
    expect(found('my blog www.chen-meiling.tw/about', 'url', 'Chen Mei-ling')).toEqual([
      'www.chen-meiling.tw/about',
    ])
  })

  it('leaves other links, and the numbers in them, alone', () => {
    const text = 'https://www.nytimes.com/2020/03/18/818026613/covid.html and www.who.int'
    expect(findPersonalData(text)).toEqual([])
  })
})
