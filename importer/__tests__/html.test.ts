import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'
import {describe, expect, it} from 'vitest'
import {parseHtmlPage} from '../parse/html.ts'
import type {ParseResult, ThreadRecord} from '../record.ts'

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/archive')

function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
}

function parse(html: string, file = 'inline.html'): ParseResult {
  return parseHtmlPage(html, {format: 'html', file})
}

function recordOf(result: ParseResult): ThreadRecord {
  if (!result.ok) throw new Error(`Expected a record, got: ${result.failure.reason}`)
  return result.record
}

function parseFixture(name: string): ThreadRecord {
  return recordOf(parse(readFixture(name), name))
}

const texts = (blocks: PortableTextBlock[] = []) => blocks.map((block) => toPlainText(block))
const withStyle = (blocks: PortableTextBlock[] = [], style: string) =>
  texts(blocks.filter((block) => block.style === style))
const listItems = (blocks: PortableTextBlock[] = [], kind: 'number' | 'bullet') =>
  texts(blocks.filter((block) => block.listItem === kind))
/** Text carrying `mark` in any block, one entry per span. */
const marked = (blocks: PortableTextBlock[] = [], mark: string) =>
  blocks.flatMap((block) =>
    block.children.flatMap((child) =>
      child._type === 'span' && Array.isArray(child.marks) && child.marks.includes(mark)
        ? [String(child.text)]
        : [],
    ),
  )
const links = (blocks: PortableTextBlock[] = []) =>
  blocks.flatMap((block) =>
    (block.markDefs ?? []).map((definition) => {
      const text = block.children
        .filter((child) => Array.isArray(child.marks) && child.marks.includes(definition._key))
        .map((child) => String(child.text))
        .join('')
      return {text, href: definition.href}
    }),
  )

/** Every string and key anywhere in a value, for checking nothing hostile survived. */
function everything(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(everything)
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, field]) => [key, ...everything(field)])
  }
  return []
}

describe('parseHtmlPage: a complete saved page', () => {
  const record = parseFixture('thread.html')

  it('reads the title, specialty, URL and short title', () => {
    expect(record.origin).toEqual({format: 'html', file: 'thread.html'})
    expect(record.title).toBe('Lingering Dry Cough After a Cold: When to Worry')
    expect(record.specialty).toBe('Pulmonology')
    expect(record.url).toBe('https://qa.example-clinic.org/threads/lingering-dry-cough')
    expect(record.shortTitle).toBe('Cough that will not go away')
    expect(record.language).toBe('en')
  })

  it('reads the question as rich text, without the sharing buttons', () => {
    expect(texts(record.question)).toEqual([
      'About five weeks ago I caught a cold with a sore throat and a runny nose.',
      'The other symptoms cleared up within ten days, but a dry, tickly cough has stayed. It is ' +
        'worse at night and when I talk for a long time.',
      'I do not smoke and I have no fever. Should I get a chest X-ray, or is this normal?',
    ])
    expect(marked(record.question, 'strong')).toEqual(['worse at night'])
  })

  it('reads the asker line', () => {
    expect(record.asker).toEqual({name: 'LIN', age: '30~39', gender: 'male'})
    expect(record.askedAt).toBe('2021-03-08')
  })

  it('reads the reply with its doctor, specialty and date', () => {
    expect(record.replies).toHaveLength(1)
    const [reply] = record.replies
    expect(reply?.doctor).toBe('Huang Meiling')
    expect(reply?.specialty).toBe('Pulmonology')
    expect(reply?.repliedAt).toBe('2021-03-10')
    expect(texts(reply?.body)).toHaveLength(2)
    expect(texts(reply?.body)[0]).toMatch(/^Hello Mr\. Lin, a cough that lasts/)
    expect(marked(reply?.body, 'em')).toEqual(['irritated'])
  })

  it('keeps the More Info headings, lists and marks', () => {
    const moreInfo = record.moreInfo
    expect(withStyle(moreInfo, 'h2')).toEqual(['Common Causes', 'Warning Signs'])
    expect(withStyle(moreInfo, 'h3')).toEqual(['Self-care'])
    expect(listItems(moreInfo, 'number')).toEqual([
      'Airway sensitivity: the lining of the airways stays inflamed after the virus is gone.',
      'Postnasal drip: mucus running down the back of the throat keeps triggering the cough reflex.',
      'Acid reflux: stomach acid reaching the throat, often at night.',
    ])
    expect(listItems(moreInfo, 'bullet')).toEqual([
      'Coughing up blood',
      'Fever that returns or weight loss',
      'Breathlessness when resting',
    ])
    expect(marked(moreInfo, 'strong')).toEqual([
      'post-infectious cough',
      'Airway sensitivity:',
      'Postnasal drip:',
      'Acid reflux:',
    ])
    expect(marked(moreInfo, 'em')).toEqual(['weight loss'])
    expect(texts(moreInfo).at(-1)).toBe(
      'Warm drinks, honey and a humidifier can soothe the throat while the airways heal.',
    )
  })

  it('keeps safe links and turns unsafe ones into plain text', () => {
    expect(links(record.moreInfo)).toEqual([
      {text: 'patient guide to chronic cough', href: 'https://www.example-health.org/cough'},
      {text: 'the clinic', href: 'mailto:clinic@example-clinic.org'},
    ])
    expect(texts(record.moreInfo)).toContain(
      'For background, see the patient guide to chronic cough or write to the clinic. ' +
        'Do not follow this suspicious link or this one.',
    )
  })

  it('reads the Similar Q&A entries', () => {
    expect(record.similar).toEqual([
      {
        title: 'Night-time Coughing in Adults: Possible Causes',
        excerpt:
          'Doctor, every night after I lie down I start coughing and cannot stop for about half ' +
          'an hour...',
        doctor: 'Chou Wenhsin',
        specialty: 'Pulmonology',
        replyExcerpt:
          'Hello: coughing when lying down is often related to postnasal drip or reflux. Raising ' +
          'the head of the bed may help...',
      },
      {
        title: 'Could a Persistent Cough Be Asthma?',
        excerpt:
          'Hello, I have had a cough for three months, and it gets worse when I exercise in cold ' +
          'air...',
        doctor: 'Tsai Yuting',
        specialty: 'Pulmonology',
        replyExcerpt:
          'A cough triggered by cold air and exercise can be a form of asthma. A lung function ' +
          'test can help confirm it.',
      },
    ])
  })

  it('reads the Related FAQ tags with their specialties', () => {
    expect(record.tags).toEqual([
      {name: 'Cough', specialty: 'Pulmonology'},
      {name: 'Postnasal Drip', specialty: 'Otolaryngology'},
      {name: 'Chest X-ray', specialty: 'Pulmonology'},
    ])
  })

  it('lets no script, handler, unsafe URL or hidden content through', () => {
    const json = JSON.stringify(record)
    // Every hostile element in the fixture carries a "-LEAK" marker in its text.
    expect(json).not.toMatch(/LEAK/)
    expect(json).not.toMatch(/javascript:|data:|vbscript:/i)
    expect(json).not.toMatch(/alert\(|<script|<iframe|<style/i)
    expect(everything(record).filter((text) => /^on[a-z]+$/i.test(text))).toEqual([])
    expect(json).not.toMatch(/\bon(?:click|load|error)\b/i)
    // Site chrome around the thread is not thread text either.
    expect(json).not.toMatch(/Specialties|Ask a doctor|Subscribe|All rights reserved/)
  })

  it('gives every block, span and link a deterministic, unique key', () => {
    expect(parseFixture('thread.html')).toEqual(record)
    const keys = [record.question, record.moreInfo ?? [], ...record.replies.map((r) => r.body)]
      .flat()
      .flatMap((block) => [
        block._key,
        ...block.children.map((child) => child._key),
        ...(block.markDefs ?? []).map((definition) => definition._key),
      ])
    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true)
    expect(new Set(keys).size).toBe(keys.length)
    expect(record.question[0]?._key).toBe('q-0')
    expect(record.replies[0]?.body[0]?._key).toBe('r0-0')
    expect(record.moreInfo?.[0]?._key).toBe('m-0')
  })

  it('only uses the styles, lists and marks of the blockContent schema', () => {
    const blocks = [record.question, record.moreInfo ?? [], ...record.replies.map((r) => r.body)]
    for (const block of blocks.flat()) {
      expect(block._type).toBe('block')
      expect(['normal', 'h2', 'h3', 'blockquote']).toContain(block.style)
      if (block.listItem) expect(['bullet', 'number']).toContain(block.listItem)
      const linkKeys = (block.markDefs ?? []).map((definition) => definition._key)
      for (const child of block.children) {
        expect(child._type).toBe('span')
        for (const mark of Array.isArray(child.marks) ? child.marks : []) {
          expect(['strong', 'em', ...linkKeys]).toContain(mark)
        }
      }
    }
  })
})

describe('parseHtmlPage: other markup', () => {
  it('reads two replies from a page built from <div>s and <br>s', () => {
    const record = parseFixture('thread-two-replies.html')
    expect(record.title).toBe('Itchy Rash on Both Forearms After Gardening')
    // The visible heading has no specialty; the <title> does.
    expect(record.specialty).toBe('Dermatology')
    expect(record.url).toBe('https://archive.example.org/qa/48213')
    expect(record.shortTitle).toBe('Forearm rash')
    expect(texts(record.question)).toEqual([
      'Last weekend I spent two days pulling weeds without gloves.\n' +
        'Since Tuesday both forearms have small red bumps in lines, and they itch badly at night.\n' +
        'Over-the-counter hydrocortisone helped a little.',
      'Is this an allergy to a plant, and do I need to see a doctor?',
    ])
    // Asker and ask date printed as two blocks.
    expect(record.asker).toEqual({name: 'WU', age: '40~49', gender: 'female'})
    expect(record.askedAt).toBe('2019-06-21')

    expect(
      record.replies.map(({doctor, specialty, repliedAt}) => ({doctor, specialty, repliedAt})),
    ).toEqual([
      {doctor: 'Kao Chihhao', specialty: 'Dermatology', repliedAt: '2019-06-22'},
      {doctor: 'Liao Peiwen', specialty: 'Family Medicine', repliedAt: '2019-06-24'},
    ])
    const [first, second] = record.replies
    // The first reply printed its date inside the body: the date line is cut from the text.
    expect(texts(first?.body)).toEqual([
      'Hello, red itchy bumps in streaks after gardening suggest contact dermatitis from plant ' +
        'sap. See our guide for care at home.',
    ])
    expect(marked(first?.body, 'strong')).toEqual(['contact dermatitis'])
    // A relative link is resolved against the page's address.
    expect(links(first?.body)).toEqual([
      {text: 'guide', href: 'https://archive.example.org/guides/contact-dermatitis'},
    ])
    expect(texts(second?.body)).toEqual([
      'I agree with the previous reply. Wash the skin with soap soon after touching plants.',
      'If blisters spread or the face swells, seek care the same day.',
    ])

    expect(withStyle(record.moreInfo, 'h3')).toEqual(['Prevention'])
    expect(listItems(record.moreInfo, 'bullet')).toEqual([
      'Wear gloves and long sleeves.',
      'Wash tools and clothing after use.',
    ])
    expect(marked(record.moreInfo, 'em')).toEqual(['allergic'])
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([
      {name: 'Contact Dermatitis', specialty: 'Dermatology'},
      {name: 'Itching', specialty: 'Dermatology'},
    ])
  })

  it('reads a minimal page without More Info, Similar Q&A or tags', () => {
    const record = parseFixture('thread-minimal.html')
    expect(record.title).toBe('Sudden Ringing in One Ear')
    expect(record.specialty).toBe('Otolaryngology')
    expect(record.url).toBeUndefined()
    expect(record.shortTitle).toBeUndefined()
    expect(texts(record.question)).toEqual([
      'Since yesterday morning my left ear has been ringing constantly and sounds seem muffled ' +
        'on that side. What should I do?',
    ])
    expect(record.asker).toEqual({name: 'HO', age: '50~59', gender: 'male'})
    expect(record.askedAt).toBe('2020-11-02')
    expect(record.replies).toHaveLength(1)
    expect(record.replies[0]).toMatchObject({
      doctor: 'Shih Kuanyu',
      specialty: 'Otolaryngology',
      repliedAt: '2020-11-02',
    })
    expect(record.moreInfo).toBeUndefined()
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([])
  })

  it('takes the title from <title> when there is no <h1>', () => {
    const record = recordOf(
      parse(`<html><head><title>Night Sweats - Internal Medicine | Example Q&amp;A</title></head>
        <body><div>Night Sweats - Internal Medicine</div><div>Sweats</div>
        <div>I wake up soaked every night. Why?</div></body></html>`),
    )
    expect(record).toMatchObject({
      title: 'Night Sweats',
      specialty: 'Internal Medicine',
      shortTitle: 'Sweats',
    })
    expect(texts(record.question)).toEqual(['I wake up soaked every night. Why?'])
  })

  it('cuts a reply date printed inside the reply text, however it is marked up', () => {
    const record = recordOf(
      parse(`<h1>Hiccups - Gastroenterology</h1><p>Hiccups for two days, what now?</p>
        <p>ANG, 20~29 year old male. Ask Date: 2020/01/01</p>
        <p>Dr. Su Ming reply Gastroenterology</p>
        <div>Try <em>slow</em> breathing.<br><b>Reply Date:</b> 2020/01/02</div>`),
    )
    expect(record.replies[0]?.repliedAt).toBe('2020-01-02')
    expect(texts(record.replies[0]?.body)).toEqual(['Try slow breathing.'])
    expect(marked(record.replies[0]?.body, 'em')).toEqual(['slow'])
  })

  it('drops every URL scheme but http, https and mailto, however it is spelled', () => {
    const record = recordOf(
      parse(`<h1>Links - Testing</h1><p>Question with
        <a href="JaVaScRiPt:alert(1)">one</a>,
        <a href=" java&#x09;script:alert(2)">two</a>,
        <a href="&#106;avascript:alert(3)">three</a>,
        <a href="vbscript:msgbox(4)">four</a>,
        <a href="data:text/html,<script>alert(5)</script>">five</a>,
        <a href="/relative">six</a>,
        <a href="HTTPS://Example.org/ok">seven</a> and
        <a href="mailto:someone@example.org">eight</a>.</p>`),
    )
    expect(texts(record.question)).toEqual([
      'Question with one, two, three, four, five, six, seven and eight.',
    ])
    expect(links(record.question)).toEqual([
      {text: 'seven', href: 'https://example.org/ok'},
      {text: 'eight', href: 'mailto:someone@example.org'},
    ])
    expect(JSON.stringify(record)).not.toMatch(/script|alert|msgbox|relative/i)
  })
})

describe('parseHtmlPage: malformed input', () => {
  const garbage = [
    '',
    'just some words, no markup at all',
    '<<<>>><</>',
    '\u0000\u0001\uFFFD binary-ish \u0000',
    '<html><body><div><div><div>',
    '<h1>',
    '<h1></h1><p></p>',
    '<script>alert("only a script")</script>',
    '<h1>Title only - Neurology',
    '<h1>Unclosed title - Neurology<p>And a question that never ends <b>bold <i>italic <a href=',
    '<!-- never closed comment <h1>Hidden - X</h1>',
    '<table><tr><td><h1>Odd - Place</h1><td><p>Question in a table cell?</table>',
  ]

  it.each(garbage)('never throws (%j)', (html) => {
    const result = parse(html)
    if (result.ok) {
      expect(result.record.title).not.toBe('')
      expect(result.record.question.length).toBeGreaterThan(0)
    } else {
      expect(result.failure.reason).toMatch(/\S/)
      expect(result.failure.origin).toEqual({format: 'html', file: 'inline.html'})
    }
  })

  it('fails with a reason when there is no title or no question', () => {
    const noTitle = parse('<p>A paragraph but no heading at all.</p>')
    expect(noTitle.ok).toBe(false)
    if (!noTitle.ok) expect(noTitle.failure.reason).toMatch(/no title/i)
    const noQuestion = parse('<h1>Title only - Neurology</h1>')
    expect(noQuestion.ok).toBe(false)
    if (!noQuestion.ok) expect(noQuestion.failure.reason).toMatch(/No question text/)
  })

  it('fails a page whose dates are not on the calendar, naming each as JSONL does', () => {
    const result = parse(`<h1>Sore Knee - Orthopedics</h1>
      <p>My knee hurts when I climb stairs.</p>
      <p>KAI, 60~69 year old male. Ask Date: 2015/13/45</p>
      <p>Dr. Yang Chen reply Orthopedics</p>
      <p>Please rest it.</p>
      <p>Reply Date: 2024/02/03</p>
      <p>Dr. Yang Chen reply Orthopedics</p>
      <p>And ice it.<br>Reply Date: 2024/02/30</p>`)
    expect(result).toMatchObject({
      ok: false,
      failure: {
        reason:
          '"Ask Date" is not a date: "2015/13/45" (expected YYYY/MM/DD); ' +
          '"Reply Date" of reply 2 is not a date: "2024/02/30" (expected YYYY/MM/DD).',
      },
    })
  })

  it('reads what it can from a page cut off halfway', () => {
    const html = readFixture('thread.html')
    const cut = html.slice(0, html.indexOf('Reply Date: 2021/03/10') + 8)
    const record = recordOf(parse(cut))
    expect(record.title).toBe('Lingering Dry Cough After a Cold: When to Worry')
    expect(record.shortTitle).toBe('Cough that will not go away')
    expect(texts(record.question)).toHaveLength(3)
    expect(record.askedAt).toBe('2021-03-08')
    expect(record.replies).toHaveLength(1)
    expect(record.replies[0]?.repliedAt).toBeUndefined()
    expect(record.moreInfo).toBeUndefined()
  })

  it('reads unclosed paragraphs and list items the way a browser would', () => {
    const record = recordOf(
      parse(`<h1>Sore Knee - Orthopedics
        <p>Short title
        <p>My knee hurts when I climb stairs.
        <p>KAI, 60~69 year old male. Ask Date: 2024/02/02
        <p>Dr. Yang Chen reply Orthopedics
        <p>Please rest it. <b>Ice it
        <p>Reply Date: 2024/02/03
        <p>More Info
        <ul><li>Rest<li>Ice<li><b>Compression</ul>`),
    )
    expect(record.title).toBe('Sore Knee')
    expect(record.shortTitle).toBe('Short title')
    expect(texts(record.question)).toEqual(['My knee hurts when I climb stairs.'])
    expect(record.replies[0]?.repliedAt).toBe('2024-02-03')
    expect(texts(record.replies[0]?.body)).toEqual(['Please rest it. Ice it'])
    expect(listItems(record.moreInfo, 'bullet')).toEqual(['Rest', 'Ice', 'Compression'])
  })
})
