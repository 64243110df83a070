import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'
import {describe, expect, it} from 'vitest'
import {parsePageText} from '../parse/pageText.ts'
import type {ParseResult, RecordOrigin, ThreadRecord} from '../record.ts'

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/archive')
const SEED = join(import.meta.dirname, '../../../shared/seeds/000_218b8b56eb9e42cc.txt')

function origin(file: string): RecordOrigin {
  return {format: 'text', file}
}

function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
}

function recordOf(result: ParseResult): ThreadRecord {
  if (!result.ok) throw new Error(`Expected a record, got: ${result.failure.reason}`)
  return result.record
}

function parseFixture(name: string): ThreadRecord {
  return recordOf(parsePageText(readFixture(name), origin(name)))
}

function failureOf(text: string): string {
  const result = parsePageText(text, origin('inline.txt'))
  if (result.ok) throw new Error(`Expected a failure, got "${result.record.title}"`)
  return result.failure.reason
}

const headings = (blocks: PortableTextBlock[] = []) =>
  blocks.filter((block) => block.style === 'h2').map((block) => toPlainText(block))
const listItems = (blocks: PortableTextBlock[] = [], kind: 'number' | 'bullet') =>
  blocks.filter((block) => block.listItem === kind).map((block) => toPlainText(block))
const replySummary = (record: ThreadRecord) =>
  record.replies.map(({doctor, specialty, repliedAt}) => ({doctor, specialty, repliedAt}))

describe('parsePageText', () => {
  it('reads every section of a complete page', () => {
    const record = parseFixture('complete.txt')
    expect(record.origin).toEqual(origin('complete.txt'))
    expect(record.title).toBe('Persistent Hiccups After Meals: Causes and Relief')
    expect(record.specialty).toBe('Gastroenterology')
    expect(record.shortTitle).toBe('Hiccups after eating')
    expect(record.asker).toEqual({name: 'WU', age: '40~49', gender: 'male'})
    expect(record.askedAt).toBe('2021-03-09')
    expect(record.language).toBe('en')
    expect(record.question).toHaveLength(1)
    expect(toPlainText(record.question)).toBe(
      'For about three weeks I have had hiccups after almost every meal. They usually last ' +
        'twenty to forty minutes and sometimes make my chest feel tight. Drinking water quickly ' +
        'does not help. Should I be worried, and which tests would you suggest?',
    )
    expect(replySummary(record)).toEqual([
      {doctor: 'Hsu Mingtai', specialty: 'Gastroenterology', repliedAt: '2021-03-11'},
    ])
    expect(toPlainText(record.replies[0]?.body ?? [])).toBe(
      'Hello Mr. Wu, hiccups that follow meals are often linked to eating quickly or to acid ' +
        'reflux. Try smaller meals and avoid carbonated drinks for two weeks.',
    )
    expect(headings(record.moreInfo)).toEqual(['Common Triggers', 'Diagnosis', 'Conclusion'])
    expect(listItems(record.moreInfo, 'number')).toEqual([
      'Eating Too Fast: Swallowing air stretches the stomach and irritates the diaphragm.',
      'Carbonated Drinks: Gas in the stomach has the same effect.',
      'Acid Reflux: Stomach acid can irritate the nerves that control the diaphragm.',
    ])
    expect(listItems(record.moreInfo, 'bullet')).toEqual([
      'Gastroscopy: To look for reflux damage in the oesophagus.',
      'Chest X-ray: To rule out problems near the diaphragm.',
    ])
    expect(record.moreInfo?.map((block) => block.style)).toEqual([
      'normal',
      'h2',
      'normal',
      'normal',
      'normal',
      'h2',
      'normal',
      'normal',
      'normal',
      'h2',
      'normal',
    ])
    expect(record.similar).toEqual([
      {
        title: 'Hiccups That Will Not Stop: When to See a Doctor',
        excerpt:
          'Hello doctor, I have had hiccups for two days without a break and I cannot sleep. ' +
          'Is this dangerous or will it st...',
        doctor: 'Tsai Yiling',
        specialty: 'Gastroenterology',
        replyExcerpt:
          'Hello: Hiccups lasting more than two days should be examined. Please visit a ' +
          'gastroenterology clinic for an eval...',
      },
      {
        title: 'Reflux and Chest Tightness After Eating',
        excerpt:
          'Hello doctor, after dinner I often feel a tight chest and a sour taste in my mouth. ' +
          'Could this be reflux...',
        doctor: 'Hsu Mingtai',
        specialty: 'Gastroenterology',
        replyExcerpt:
          'This sounds like gastroesophageal reflux. ' +
          'Avoid lying down within three hours of eating.',
      },
    ])
    expect(record.tags).toEqual([
      {name: 'Hiccups', specialty: 'Gastroenterology'},
      {name: 'Acid Reflux', specialty: 'Gastroenterology'},
      {name: 'Diaphragm', specialty: 'Gastroenterology'},
    ])
  })

  it('reads several replies in page order', () => {
    const record = parseFixture('two-replies.txt')
    expect(record.title).toBe('Knee Clicking When Climbing Stairs')
    expect(record.specialty).toBe('Orthopedics')
    expect(record.shortTitle).toBe('Clicking knee')
    expect(record.asker).toEqual({name: 'LIN', age: '30~39', gender: 'female'})
    expect(record.askedAt).toBe('2019-10-02')
    expect(toPlainText(record.question)).toBe(
      'When I climb stairs my right knee makes a clicking sound. It does not hurt, but ' +
        'sometimes it feels unstable. Do I need an MRI?',
    )
    expect(replySummary(record)).toEqual([
      {doctor: 'Chou Kaiwen', specialty: 'Orthopedics', repliedAt: '2019-10-03'},
      {doctor: 'Huang Peiru', specialty: 'Rehabilitation', repliedAt: '2019-10-05'},
    ])
    expect(toPlainText(record.replies[1]?.body ?? [])).toBe(
      'Strengthening the thigh muscles often reduces the unstable feeling. A physiotherapist ' +
        'can teach you suitable exercises.',
    )
    expect(headings(record.moreInfo)).toEqual(['When to Seek Care'])
    expect(listItems(record.moreInfo, 'bullet')).toEqual([
      'Swelling: Fluid in the joint suggests an injury.',
      'Locking: A knee that gets stuck may have a torn meniscus.',
    ])
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([
      {name: 'Knee Pain', specialty: 'Orthopedics'},
      {name: 'Meniscus Tear', specialty: 'Orthopedics'},
    ])
  })

  it('reads a page without replies', () => {
    const record = parseFixture('no-reply.txt')
    expect(record.title).toBe('Dry Eyes at Night: Causes and Care')
    expect(record.specialty).toBe('Ophthalmology')
    expect(record.shortTitle).toBe('Dry eyes at night')
    expect(record.asker).toEqual({name: 'HO', age: '50~59', gender: 'male'})
    expect(record.askedAt).toBe('2022-01-20')
    expect(toPlainText(record.question)).toBe(
      'My eyes feel dry and gritty every night after work. I use a computer for about nine ' +
        'hours a day. Are eye drops safe to use every day?',
    )
    // The "Dr. … reply" line of the similar entry is not a reply to this question.
    expect(record.replies).toEqual([])
    expect(headings(record.moreInfo)).toEqual(['Helpful Habits'])
    expect(listItems(record.moreInfo, 'number')).toEqual([
      'Screen Breaks: Look away from the screen every twenty minutes.',
      'Humidity: A humidifier keeps the air from drying the eyes.',
    ])
    expect(record.similar.map((entry) => entry.title)).toEqual([
      'Gritty Eyes After Long Screen Time',
    ])
    expect(record.similar[0]?.doctor).toBe('Kuo Shuhui')
    expect(record.tags).toEqual([{name: 'Dry Eye', specialty: 'Ophthalmology'}])
  })

  it('reads a page without More Info and Similar Q&A', () => {
    const record = parseFixture('no-more-info.txt')
    expect(record.title).toBe('Itchy Rash on Both Elbows')
    expect(record.specialty).toBe('Dermatology')
    expect(record.shortTitle).toBe('Elbow rash')
    expect(record.asker).toEqual({name: 'CHANG', age: '10~19', gender: 'male'})
    expect(record.askedAt).toBe('2018-06-30')
    expect(toPlainText(record.question)).toBe(
      'I have had an itchy, scaly rash on both elbows for a month. Moisturiser helps for a few ' +
        'hours only.',
    )
    expect(replySummary(record)).toEqual([
      {doctor: 'Liao Wenhsin', specialty: 'Dermatology', repliedAt: '2018-07-02'},
    ])
    expect(record.moreInfo).toBeUndefined()
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([
      {name: 'Eczema', specialty: 'Dermatology'},
      {name: 'Psoriasis', specialty: 'Dermatology'},
    ])
  })

  it('keeps what a page cut mid-reply has', () => {
    const record = parseFixture('truncated.txt')
    expect(record.title).toBe('Ringing in One Ear After a Concert')
    expect(record.specialty).toBe('Otolaryngology')
    expect(record.shortTitle).toBe('Ear ringing')
    expect(record.asker).toEqual({name: 'YANG', age: '20~29', gender: 'female'})
    expect(record.askedAt).toBe('2023-04-17')
    expect(toPlainText(record.question)).toBe(
      'Since a loud concert last weekend my left ear has been ringing. The sound is worse at ' +
        'night when the room is quiet. Will it go away by itself?',
    )
    expect(replySummary(record)).toEqual([
      {doctor: 'Cheng Yuhan', specialty: 'Otolaryngology', repliedAt: undefined},
    ])
    expect(record.replies[0]).not.toHaveProperty('repliedAt')
    expect(toPlainText(record.replies[0]?.body ?? [])).toBe(
      'Hello, ringing after loud music is common and often fades within a few days. If it ' +
        'lasts longer than two weeks, a hearing test is rec',
    )
    expect(record.moreInfo).toBeUndefined()
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([])
  })

  it('reads a page with a BOM and CRLF line endings like its LF twin', () => {
    const raw = readFixture('windows-bom.txt')
    // The fixture itself must keep its bytes, or this test proves nothing.
    expect(raw.startsWith('\uFEFF')).toBe(true)
    expect(raw).toContain('\r\n')
    const record = recordOf(parsePageText(raw, origin('windows-bom.txt')))
    expect(record.title).toBe('Morning Headaches and Snoring')
    expect(record.specialty).toBe('Neurology')
    expect(record.shortTitle).toBe('Morning headaches')
    expect(record.asker).toEqual({name: 'KAO', age: '40~49', gender: 'male'})
    expect(record.askedAt).toBe('2020-08-05')
    expect(toPlainText(record.question)).toBe(
      'I wake up with a dull headache most mornings. My wife says I snore loudly.',
    )
    expect(replySummary(record)).toEqual([
      {doctor: 'Wang Jiahao', specialty: 'Neurology', repliedAt: '2020-08-06'},
    ])
    expect(headings(record.moreInfo)).toEqual(['Signs to Watch'])
    expect(listItems(record.moreInfo, 'bullet')).toEqual([
      'Loud Snoring: Often reported by a partner.',
      'Daytime Sleepiness: Dozing off while reading or driving.',
    ])
    expect(record.tags.map((tag) => tag.name)).toEqual(['Sleep Apnea', 'Headache'])
    const unix = raw.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n')
    expect(parsePageText(unix, origin('windows-bom.txt'))).toEqual({ok: true, record})
  })

  it('ignores extra blank lines and trailing whitespace', () => {
    const record = parseFixture('extra-blank-lines.txt')
    expect(record.title).toBe('Tingling Fingers While Typing')
    expect(record.specialty).toBe('Neurology')
    expect(record.shortTitle).toBe('Finger tingling')
    expect(record.asker).toEqual({name: 'SU', age: '30~39', gender: 'female'})
    expect(record.askedAt).toBe('2017-02-14')
    // Blank lines inside the question separate its paragraphs.
    expect(record.question.map((block) => toPlainText(block))).toEqual([
      'My thumb and index finger tingle after long typing sessions. It is worse in the morning.',
      'Shaking my hand makes the feeling go away. Could this be carpal tunnel syndrome?',
    ])
    expect(replySummary(record)).toEqual([
      {doctor: 'Lo Chihwei', specialty: 'Neurology', repliedAt: '2017-02-15'},
    ])
    expect(record.replies[0]?.body.map((block) => toPlainText(block))).toEqual([
      'These symptoms fit carpal tunnel syndrome.',
      'A nerve conduction study can confirm it.',
    ])
    expect(headings(record.moreInfo)).toEqual(['Treatment Options'])
    expect(listItems(record.moreInfo, 'number')).toEqual([
      'Wrist Splint: Keeps the wrist straight at night.',
      'Ergonomics: A lower keyboard reduces strain.',
    ])
    expect(record.similar).toEqual([
      {
        title: 'Numb Hands at Night',
        excerpt: 'Hello doctor, my hands go numb when I sleep...',
        doctor: 'Lo Chihwei',
        specialty: 'Neurology',
        replyExcerpt: 'Sleeping with bent wrists can press on the nerves...',
      },
    ])
    expect(record.tags).toEqual([{name: 'Carpal Tunnel Syndrome', specialty: 'Neurology'}])
  })

  it('reads Chinese text between English markers', () => {
    const record = parseFixture('chinese.txt')
    expect(record.title).toBe('長期失眠與焦慮：原因與改善方法')
    expect(record.specialty).toBe('精神科')
    expect(record.shortTitle).toBe('失眠三個月')
    expect(record.language).toBe('zh-Hant')
    // A full-width comma after the name, a full-width colon after "Reply Date".
    expect(record.asker).toEqual({name: '林', age: '30~39', gender: 'female'})
    expect(record.askedAt).toBe('2020-11-03')
    // Han lines join without a space.
    expect(toPlainText(record.question)).toBe(
      '最近三個月幾乎每天晚上都睡不著，常常要到凌晨三點才入睡。白天上班時注意力很差，也容易心悸。' +
        '請問這是焦慮症嗎？需要吃藥嗎？',
    )
    expect(replySummary(record)).toEqual([
      {doctor: '陳怡君', specialty: '精神科', repliedAt: '2020-11-05'},
    ])
    expect(toPlainText(record.replies[0]?.body ?? [])).toBe(
      '您好：失眠合併心悸可能與焦慮有關，建議先調整作息，睡前避免使用手機。' +
        '若情況持續超過一個月，請至精神科門診評估。',
    )
    expect(headings(record.moreInfo)).toEqual(['常見原因', '改善方法'])
    expect(listItems(record.moreInfo, 'number')).toEqual([
      '壓力：工作或生活壓力會讓大腦難以放鬆。',
      '咖啡因：下午飲用咖啡或茶可能影響睡眠。',
    ])
    expect(listItems(record.moreInfo, 'bullet')).toEqual([
      '規律作息：每天固定時間上床與起床。',
      '放鬆練習：睡前可以做腹式呼吸。',
    ])
    expect(record.similar).toEqual([
      {
        title: '焦慮導致失眠怎麼辦',
        excerpt: '醫師您好，我因為工作壓力大，晚上常常睡不著...',
        doctor: '陳怡君',
        specialty: '精神科',
        replyExcerpt: '您好：壓力造成的失眠可以先從規律運動開始...',
      },
    ])
    expect(record.tags).toEqual([
      {name: '失眠', specialty: '精神科'},
      {name: '焦慮症', specialty: '精神科'},
    ])
  })

  it('gives question and reply blocks keys unique within their arrays', () => {
    const record = parseFixture('extra-blank-lines.txt')
    for (const blocks of [record.question, record.moreInfo ?? [], record.replies[0]?.body ?? []]) {
      const keys = blocks.map((block) => block._key)
      expect(new Set(keys).size).toBe(keys.length)
    }
    expect(record.question.map((block) => block._key)).toEqual(['q-0', 'q-1'])
  })

  it('fails on an empty page', () => {
    expect(failureOf('')).toBe('The page is empty.')
    expect(failureOf('\uFEFF\r\n  \r\n')).toBe('The page is empty.')
  })

  it('fails on a page with no question text', () => {
    expect(failureOf('Back Pain - Orthopedics\n')).toMatch(
      /No question text after the title "Back Pain"/,
    )
    expect(failureOf('Back Pain - Orthopedics\n\nShare to:\n\n')).toMatch(/No question text/)
    // Cut right after the short title: a lone title-like line is not a question.
    expect(failureOf('Back Pain - Orthopedics\n\nShare to:\n\nSore back\n')).toMatch(
      /No question text/,
    )
  })

  it('fails on a page that starts with a marker instead of a title', () => {
    expect(failureOf('Share to:\n\nSore back\n')).toMatch(/no title line/)
  })

  it('keeps a lone question line that the asker line follows', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain\n\nMy lower back hurts when I wake up\n\n' +
          'CHEN, 20~29 year old female. Ask Date: 2016/05/01\n',
        origin('inline.txt'),
      ),
    )
    expect(record.shortTitle).toBeUndefined()
    expect(toPlainText(record.question)).toBe('My lower back hurts when I wake up')
  })

  it('keeps the whole title when it has no " - <Specialty>"', () => {
    const record = recordOf(
      parsePageText('Back Pain in the Morning\n\nSore back\n\nIt hurts.\n', origin('inline.txt')),
    )
    expect(record.title).toBe('Back Pain in the Morning')
    expect(record).not.toHaveProperty('specialty')
    expect(record.shortTitle).toBe('Sore back')
  })

  it('fails a page whose dates are not on the calendar, naming each as JSONL does', () => {
    const page = [
      'Back Pain - Orthopedics',
      'Sore back',
      '',
      'It hurts.',
      'CHEN, 20~29 year old female. Ask Date: 2015/13/45',
      'Dr. Lan Shengxing reply Orthopedics',
      'Rest for a week.',
      'Reply Date: 2015/02/30',
    ].join('\n')
    expect(failureOf(page)).toBe(
      '"Ask Date" on line 5 is not a date: "2015/13/45" (expected YYYY/MM/DD); ' +
        '"Reply Date" on line 8 is not a date: "2015/02/30" (expected YYYY/MM/DD).',
    )
  })

  it('reads a page whose dates are missing', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain - Orthopedics\n\nIt hurts.\nCHEN, 20~29 year old female. Ask Date:\n',
        origin('inline.txt'),
      ),
    )
    expect(record.asker).toEqual({name: 'CHEN', age: '20~29', gender: 'female'})
    expect(record).not.toHaveProperty('askedAt')
  })

  it('drops a reply header that has no text after it', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain - Orthopedics\n\nSore back\n\nIt hurts.\n\n' +
          'Dr. Lan Shengxing reply Orthopedics\n',
        origin('inline.txt'),
      ),
    )
    expect(record.replies).toEqual([])
  })

  it('does not mistake a question sentence addressed to a doctor for a reply header', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain - Orthopedics\n\nSore back\n\nIt hurts.\nDr. Lin, thank you for your reply\n',
        origin('inline.txt'),
      ),
    )
    expect(record.replies).toEqual([])
    expect(toPlainText(record.question)).toBe('It hurts. Dr. Lin, thank you for your reply')
  })

  it('keeps a tag whose specialty line was cut off', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain\n\nSore back\n\nIt hurts.\n\n' +
          'Related FAQ\n\nSciatica\n\n(Orthopedics)\n\nLumbago\n',
        origin('inline.txt'),
      ),
    )
    expect(record.tags).toEqual([{name: 'Sciatica', specialty: 'Orthopedics'}, {name: 'Lumbago'}])
  })

  it('keeps a similar entry the page was cut inside', () => {
    const record = recordOf(
      parsePageText(
        'Back Pain\n\nSore back\n\nIt hurts.\n\n' +
          'Similar Q&A\n\nStiff Back\n\nHello doctor, my back...\n',
        origin('inline.txt'),
      ),
    )
    expect(record.similar).toEqual([{title: 'Stiff Back', excerpt: 'Hello doctor, my back...'}])
  })

  it.skipIf(!existsSync(SEED))('reads the seed page', () => {
    const record = recordOf(parsePageText(readFileSync(SEED, 'utf8'), origin(SEED)))
    expect(record.title).toBe('Calf Muscle Twitches: Causes, Diagnosis, and Treatment')
    expect(record.specialty).toBe('Neurology')
    expect(record.shortTitle).toBe('Calf twitching')
    expect(record.asker).toEqual({name: 'CHEN', age: '20~29', gender: 'female'})
    expect(record.askedAt).toBe('2015-07-14')
    expect(replySummary(record)).toEqual([
      {doctor: 'Lan Shengxing', specialty: 'Neurology', repliedAt: '2015-07-14'},
    ])
    expect(toPlainText(record.replies[0]?.body ?? [])).toMatch(/^Dear Mr\. Chen, the issues/)
    expect(headings(record.moreInfo)).toEqual([
      'Causes of Calf Muscle Twitches',
      'Diagnosis',
      'Treatment Options',
      'Conclusion',
    ])
    expect(listItems(record.moreInfo, 'number')).toHaveLength(14)
    expect(listItems(record.moreInfo, 'number')[0]).toMatch(/^Electrolyte Imbalance: /)
    expect(listItems(record.moreInfo, 'bullet')).toHaveLength(4)
    expect(record.similar).toHaveLength(4)
    expect(record.similar.map((entry) => entry.doctor)).toEqual([
      'Jiang Junyi',
      'Jiang Junyi',
      'Ye Boshou',
      'Peng Shiwei',
    ])
    expect(record.tags).toHaveLength(10)
    expect(record.tags.every((tag) => tag.specialty === 'Neurology')).toBe(true)
    expect(record.language).toBe('en')
  })
})
