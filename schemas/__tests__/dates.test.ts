import {describe, expect, it} from 'vitest'
import {futureDateProblem, replyDateProblem, todayIso} from '../validation/dates.ts'

describe('replyDateProblem', () => {
  it('reports a reply dated before the question', () => {
    expect(replyDateProblem('2015-07-13', '2015-07-14')).toBe(
      'The reply date (2015-07-13) is before the question was asked (2015-07-14). Check both dates.',
    )
  })

  it('accepts same-day and later replies, and missing dates', () => {
    expect(replyDateProblem('2015-07-14', '2015-07-14')).toBeUndefined()
    expect(replyDateProblem('2016-01-01', '2015-07-14')).toBeUndefined()
    expect(replyDateProblem(undefined, '2015-07-14')).toBeUndefined()
    expect(replyDateProblem('2015-07-14', undefined)).toBeUndefined()
  })
})

describe('futureDateProblem', () => {
  it('reports only dates after today', () => {
    expect(futureDateProblem('2026-01-02', '2026-01-01')).toMatch(/in the future/)
    expect(futureDateProblem('2026-01-01', '2026-01-01')).toBeUndefined()
  })
})

describe('todayIso', () => {
  it('formats the UTC calendar date', () => {
    expect(todayIso(new Date('2024-02-29T23:59:59Z'))).toBe('2024-02-29')
  })
})
