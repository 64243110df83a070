import {describe, expect, it} from 'vitest'
import {CursorError, decodeCursor, encodeCursor, toPage} from '../cursor.ts'
import {searchTerms} from '../search.ts'

describe('cursors', () => {
  it('round-trip a date and an id through an opaque base64url string', () => {
    for (const cursor of [
      {date: '2015-07-14', id: 'question-1a2b'},
      {date: '', id: 'question-undated'},
      {date: '2024-01-31T10:00:00Z', id: 'reply-x.y_z'},
    ]) {
      const text = encodeCursor(cursor)
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(decodeCursor(text)).toEqual(cursor)
    }
  })

  it('reject anything this API did not hand out', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    for (const text of [
      '',
      'a b',
      '%%%',
      'x'.repeat(500),
      Buffer.from('{').toString('base64url'),
      encode(null),
      encode(['2015-07-14', 'q']),
      encode({d: '2015-07-14'}),
      encode({d: 20150714, i: 'q'}),
      encode({d: 'yesterday', i: 'q'}),
      encode({d: '2015-07-14', i: ''}),
      encode({d: '2015-07-14', i: 'q"]'}),
      encode({d: '2015-07-14', i: 'x'.repeat(200)}),
    ]) {
      expect(() => decodeCursor(text), text).toThrow(CursorError)
    }
  })

  it('page `limit + 1` rows: the extra row only says a next page exists', () => {
    const rows = [
      {_id: 'c', askedAt: '2020-01-02'},
      {_id: 'b', askedAt: '2020-01-01'},
      {_id: 'a', askedAt: null},
    ]
    const first = toPage(rows, 2, (row) => row.askedAt)
    expect(first.items.map((row) => row._id)).toEqual(['c', 'b'])
    expect(first.nextCursor && decodeCursor(first.nextCursor)).toEqual({
      date: '2020-01-01',
      id: 'b',
    })
    expect(toPage(rows.slice(2), 2, (row) => row.askedAt)).toEqual({
      items: [rows[2]],
      nextCursor: null,
    })
    expect(toPage([], 2, () => null)).toEqual({items: [], nextCursor: null})
  })
})

describe('searchTerms', () => {
  it('turns words into prefix patterns, without GROQ or match syntax from the input', () => {
    expect(searchTerms('Calf  twitching?')).toEqual(['calf*', 'twitching*'])
    expect(searchTerms('"] || true || ["*')).toEqual(['true*'])
    expect(searchTerms('小腿 抽筋')).toEqual(['小腿*', '抽筋*'])
    expect(searchTerms(' ,.! ')).toEqual([])
    expect(searchTerms('a b c d e f g h i j')).toHaveLength(8)
    expect(searchTerms('knee KNEE knee')).toEqual(['knee*'])
  })
})
