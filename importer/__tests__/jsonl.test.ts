import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {toPlainText} from '@portabletext/toolkit'
import type {PortableTextBlock} from '@portabletext/types'
import {describe, expect, it} from 'vitest'
import {parseJsonl} from '../parse/jsonl.ts'
import type {ParseResult, ThreadRecord} from '../record.ts'

const FIXTURE = join(import.meta.dirname, '../../test/fixtures/archive/threads.jsonl')
const fixture = readFileSync(FIXTURE, 'utf8')

const texts = (blocks: PortableTextBlock[] = []) => blocks.map((block) => toPlainText(block))

function recordOf(result: ParseResult | undefined): ThreadRecord {
  if (!result?.ok) throw new Error(`Expected a record, got: ${result?.failure.reason}`)
  return result.record
}

/** The one result of a single line. */
function parseOne(value: unknown): ParseResult {
  const results = parseJsonl(typeof value === 'string' ? value : JSON.stringify(value), 'x.jsonl')
  expect(results).toHaveLength(1)
  const [result] = results
  if (!result) throw new Error('No result')
  return result
}

function reasonOf(value: unknown): string {
  const result = parseOne(value)
  if (result.ok) throw new Error(`Expected a failure, got "${result.record.title}"`)
  return result.failure.reason
}

const minimal = {title: 'Dry Eyes', question: 'My eyes feel dry all day.'}

describe('parseJsonl: the fixture file', () => {
  const results = parseJsonl(fixture, 'threads.jsonl')

  it('gives one result per non-blank line, with its 1-based line number', () => {
    expect(
      results.map((result) => (result.ok ? result.record.origin : result.failure.origin)),
    ).toEqual(
      [1, 2, 4, 5, 6, 7, 8, 9].map((line) => ({format: 'jsonl', file: 'threads.jsonl', line})),
    )
    expect(results.map((result) => result.ok)).toEqual([
      true,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ])
  })

  it('explains each bad line and names the fields', () => {
    const reasons = results.flatMap((result) => (result.ok ? [] : [result.failure.reason]))
    expect(reasons).toHaveLength(3)
    expect(reasons[0]).toMatch(/^Invalid JSON: /)
    expect(reasons[1]).toBe('"question" is missing.')
    expect(reasons[2]).toBe(
      '"title" must be a string, got a number; ' +
        '"askedAt" is not a date: "2021/02/30" (expected YYYY-MM-DD, YYYY/MM/DD or an ISO datetime); ' +
        '"replies[0].doctor" is empty; ' +
        '"replies[0].body" must be a string, got an array.',
    )
  })

  it('reads a complete thread', () => {
    const record = recordOf(results[0])
    expect(record.url).toBe('https://qa.example-clinic.org/threads/heel-pain-mornings')
    expect(record.title).toBe('Heel Pain With the First Steps in the Morning')
    expect(record.specialty).toBe('Orthopedics')
    expect(record.shortTitle).toBe('Morning heel pain')
    expect(texts(record.question)).toEqual([
      'For about a month my right heel hurts sharply when I get out of bed. The pain eases after ' +
        'I walk for a few minutes.',
      'I started running three times a week in the spring. What could this be?',
    ])
    expect(record.asker).toEqual({name: 'CHANG', age: '40~49', gender: 'female'})
    expect(record.askedAt).toBe('2022-04-18')
    expect(
      record.replies.map(({doctor, specialty, repliedAt, body}) => ({
        doctor,
        specialty,
        repliedAt,
        text: texts(body).join('\n'),
      })),
    ).toEqual([
      {
        doctor: 'Dr. Wang Jiahao',
        specialty: 'Orthopedics',
        repliedAt: '2022-04-19',
        text:
          'Hello, pain at the first steps of the day is typical of plantar fasciitis. Calf ' +
          'stretches and supportive shoes usually help within a few weeks.',
      },
      {
        doctor: 'Dr. Lee Hsiaowen',
        specialty: 'Rehabilitation',
        // An ISO datetime keeps the calendar date it was written with.
        repliedAt: '2022-04-21',
        text: 'I agree. Rolling a frozen water bottle under the foot can also ease the pain.',
      },
    ])
    expect(record.similar).toEqual([
      {title: 'Heel Pain After Running: Causes and Care'},
      {title: 'Is Heel Spur Surgery Necessary?'},
    ])
    expect(record.tags).toEqual([
      {name: 'Heel Pain', specialty: 'Orthopedics'},
      {name: 'Plantar Fasciitis', specialty: 'Orthopedics'},
      {name: 'Running'},
    ])
    expect(record.language).toBe('en')
  })

  it('reads More Info as an article: headings and lists', () => {
    const moreInfo = recordOf(results[0]).moreInfo ?? []
    expect(texts(moreInfo.filter((block) => block.style === 'h2'))).toEqual([
      'Common Causes',
      'Self-care',
    ])
    expect(texts(moreInfo.filter((block) => block.listItem === 'number'))).toEqual([
      'A sudden increase in running or walking.',
      'Shoes with little arch support.',
      'Tight calf muscles.',
    ])
    expect(texts(moreInfo.filter((block) => block.listItem === 'bullet'))).toEqual([
      'Stretch the calf and the sole before getting up.',
      'Reduce running for a few weeks.',
    ])
  })

  it('reads a thread with only a title and a question', () => {
    const record = recordOf(results[1])
    expect(record).toEqual({
      origin: {format: 'jsonl', file: 'threads.jsonl', line: 2},
      title: 'Occasional Dizziness When Standing Up',
      question: [
        {
          _type: 'block',
          _key: 'q-0',
          style: 'normal',
          markDefs: [],
          children: [
            {
              _type: 'span',
              _key: 'q-0-0',
              text: 'I get dizzy for a few seconds when I stand up quickly. Is this dangerous?',
              marks: [],
            },
          ],
        },
      ],
      replies: [],
      similar: [],
      tags: [],
      language: 'en',
    })
  })

  it('treats null as missing and normalises every date form', () => {
    const record = recordOf(results[3])
    expect(record.asker).toEqual({name: 'KUO', gender: 'male'})
    expect(record.askedAt).toBe('2018-09-02')
    expect(record.replies[0]?.repliedAt).toBe('2018-09-03')
    expect(record.moreInfo).toBeUndefined()
  })

  it('keeps text in any script and detects its language', () => {
    const record = recordOf(results[5])
    expect(record.title).toBe('眼睛乾澀怎麼辦')
    // Lines of unspaced scripts join without a space.
    expect(texts(record.question)).toEqual([
      '最近長時間看電腦，眼睛常常乾澀、疲勞。請問需要點人工淚液嗎？',
    ])
    expect(record.replies[0]?.doctor).toBe('林醫師')
    expect(record.language).toBe('zh-Hant')
  })

  it('trims strings, drops blank optional ones and ignores unknown fields', () => {
    const record = recordOf(results[7])
    expect(record.title).toBe('Tingling Fingers at Night')
    expect(record.shortTitle).toBeUndefined()
    expect(record).not.toHaveProperty('extraField')
    expect(record.similar).toEqual([])
    expect(record.tags).toEqual([])
  })

  it('parses the same way with CRLF line ends and a byte order mark', () => {
    const windows = `\uFEFF${fixture.replaceAll('\n', '\r\n')}`
    expect(parseJsonl(windows, 'threads.jsonl')).toEqual(results)
  })

  it('gives identical output on every run', () => {
    expect(parseJsonl(fixture, 'threads.jsonl')).toEqual(results)
  })
})

describe('parseJsonl: dates', () => {
  it.each([
    ['2015-07-14', '2015-07-14'],
    ['2015/07/14', '2015-07-14'],
    ['2015-07-14T08:30:00Z', '2015-07-14'],
    ['2015-07-14T23:59:59.500+08:00', '2015-07-14'],
    ['2015-07-14T00:10-05:00', '2015-07-14'],
    ['  2016/02/29 ', '2016-02-29'],
  ])('reads %j as %s', (askedAt, expected) => {
    expect(recordOf(parseOne({...minimal, askedAt})).askedAt).toBe(expected)
  })

  it.each(['2015-02-29', '2015/13/01', '14/07/2015', 'July 14, 2015', '2015-07-14T25:00:00Z'])(
    'rejects %j',
    (askedAt) => {
      expect(reasonOf({...minimal, askedAt})).toMatch(/^"askedAt" is not a date: /)
    },
  )

  it('names the reply whose date is wrong', () => {
    const replies = [
      {doctor: 'Dr. A', body: 'Fine.', repliedAt: '2020-01-01'},
      {doctor: 'Dr. B', body: 'Also fine.', repliedAt: 'soon'},
    ]
    expect(reasonOf({...minimal, replies})).toMatch(/^"replies\[1\]\.repliedAt" is not a date/)
  })
})

describe('parseJsonl: bad lines', () => {
  it.each([
    [{question: 'No title here.'}, '"title" is missing.'],
    [{title: null, question: 'Null title.'}, '"title" is missing.'],
    [{title: '   ', question: 'Blank title.'}, '"title" is empty.'],
    [{title: 'No question'}, '"question" is missing.'],
    [{title: 'Empty question', question: ''}, '"question" is empty.'],
    [{title: ['a'], question: 'q'}, '"title" must be a string, got an array.'],
    [{...minimal, question: {text: 'x'}}, '"question" must be a string, got an object.'],
    [
      {...minimal, url: 'javascript:alert(1)'},
      '"url" must be an http(s) URL, got "javascript:alert(1)".',
    ],
    [{...minimal, specialty: 7}, '"specialty" must be a string, got a number.'],
    [{...minimal, asker: 'CHEN'}, '"asker" must be an object, got a string.'],
    [{...minimal, asker: {age: 25}}, '"asker.age" must be a string, got a number.'],
    [{...minimal, replies: {doctor: 'X'}}, '"replies" must be an array, got an object.'],
    [{...minimal, replies: ['text']}, '"replies[0]" must be an object, got a string.'],
    [{...minimal, replies: [{body: 'Who wrote this?'}]}, '"replies[0].doctor" is missing.'],
    [{...minimal, replies: [{doctor: 'Dr. X'}]}, '"replies[0].body" is missing.'],
    [{...minimal, moreInfo: ['a', 'b']}, '"moreInfo" must be a string, got an array.'],
    [{...minimal, similar: [{excerpt: 'x'}]}, '"similar[0].title" is missing.'],
    [
      {...minimal, tags: [{name: 'A'}, {name: true}]},
      '"tags[1].name" must be a string, got a boolean.',
    ],
    [{...minimal, tags: ['Cough']}, '"tags[0]" must be an object, got a string.'],
    ['[1, 2]', 'Expected a JSON object for the thread, got an array.'],
    ['"just a string"', 'Expected a JSON object for the thread, got a string.'],
    ['null', 'Expected a JSON object for the thread, got null.'],
  ])('%j fails: %s', (value, reason) => {
    expect(reasonOf(value)).toBe(reason)
  })

  it('reports every problem of a line at once', () => {
    expect(reasonOf({title: 1, question: 2})).toBe(
      '"title" must be a string, got a number; "question" must be a string, got a number.',
    )
  })

  it('rejects invalid JSON with the parser message and keeps going', () => {
    const text = [
      '{"title": "A", "question": "B"',
      "{'title': 'single quotes'}",
      '',
      JSON.stringify(minimal),
    ].join('\n')
    const results = parseJsonl(text, 'mixed.jsonl')
    expect(results.map((result) => result.ok)).toEqual([false, false, true])
    const [first, second, third] = results
    if (first?.ok !== false || second?.ok !== false) throw new Error('Expected failures')
    expect(first.failure).toMatchObject({origin: {format: 'jsonl', file: 'mixed.jsonl', line: 1}})
    expect(first.failure.reason).toMatch(/^Invalid JSON: /)
    expect(second.failure.origin.line).toBe(2)
    expect(recordOf(third).origin.line).toBe(4)
  })

  it('skips blank and whitespace-only lines, and copes with an empty file', () => {
    expect(parseJsonl('', 'empty.jsonl')).toEqual([])
    expect(parseJsonl('\n  \n\t\r\n', 'blank.jsonl')).toEqual([])
    expect(parseJsonl('\uFEFF', 'bom.jsonl')).toEqual([])
  })
})
