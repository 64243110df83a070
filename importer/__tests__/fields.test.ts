import {describe, expect, it} from 'vitest'
import {
  detectLanguage,
  isoDate,
  parseAskLine,
  parseReplyDateLine,
  parseReplyHeader,
  splitTitle,
} from '../parse/fields.ts'

describe('isoDate', () => {
  it('turns archive dates into ISO dates', () => {
    expect(isoDate('2015/07/14')).toBe('2015-07-14')
    expect(isoDate('2015/7/4')).toBe('2015-07-04')
    expect(isoDate('2020-02-29')).toBe('2020-02-29')
    expect(isoDate('２０１５／０７／１４')).toBe('2015-07-14')
  })

  it('rejects dates that are not on the calendar', () => {
    expect(isoDate('2015/02/29')).toBeUndefined()
    expect(isoDate('2015/13/01')).toBeUndefined()
    expect(isoDate('2015/00/10')).toBeUndefined()
    expect(isoDate('0099/01/01')).toBeUndefined()
    expect(isoDate('yesterday')).toBeUndefined()
    expect(isoDate('')).toBeUndefined()
  })
})

describe('splitTitle', () => {
  it('splits the specialty off at the last " - "', () => {
    expect(splitTitle('Calf Twitches - Neurology')).toEqual({
      title: 'Calf Twitches',
      specialty: 'Neurology',
    })
    expect(splitTitle('COVID-19 - Fever - Infectious Diseases')).toEqual({
      title: 'COVID-19 - Fever',
      specialty: 'Infectious Diseases',
    })
  })

  it('keeps the whole title when there is no specialty', () => {
    expect(splitTitle('Calf Twitches')).toEqual({title: 'Calf Twitches'})
    expect(splitTitle('Calf Twitches - ')).toEqual({title: 'Calf Twitches -'})
  })
})

describe('parseAskLine', () => {
  it('reads the asker and the ask date', () => {
    expect(parseAskLine('CHEN, 20~29 year old female. Ask Date: 2015/07/14')).toEqual({
      asker: {name: 'CHEN', age: '20~29', gender: 'female'},
      askedAt: {date: '2015-07-14'},
    })
    expect(parseAskLine('林，30～39 year old Male。Ask Date：2020/11/03')).toEqual({
      asker: {name: '林', age: '30~39', gender: 'male'},
      askedAt: {date: '2020-11-03'},
    })
  })

  it('reads an asker line without a name, and a date that is not on the calendar as printed', () => {
    expect(parseAskLine('under 10 year old male. Ask Date: 2015/02/30')).toEqual({
      asker: {age: 'under 10', gender: 'male'},
      askedAt: {invalidDate: '2015/02/30'},
    })
    expect(parseAskLine('under 10 year old male. Ask Date:')).toEqual({
      asker: {age: 'under 10', gender: 'male'},
    })
  })

  it('returns undefined for other lines', () => {
    expect(parseAskLine('I am 25 years old female.')).toBeUndefined()
  })
})

describe('parseReplyHeader', () => {
  it('reads the doctor without "Dr." and the specialty', () => {
    expect(parseReplyHeader('Dr. Lan Shengxing reply Neurology')).toEqual({
      doctor: 'Lan Shengxing',
      specialty: 'Neurology',
    })
    expect(parseReplyHeader('Dr. 陳怡君 reply 精神科')).toEqual({
      doctor: '陳怡君',
      specialty: '精神科',
    })
    expect(parseReplyHeader('Dr. Lan Shengxing reply')).toEqual({doctor: 'Lan Shengxing'})
  })

  it('returns undefined for other lines', () => {
    expect(parseReplyHeader('Dr. Lin, thank you for your reply')).toBeUndefined()
    expect(parseReplyHeader('Thank you for your reply')).toBeUndefined()
    expect(parseReplyHeader('Reply Date: 2015/07/14')).toBeUndefined()
  })
})

describe('parseReplyDateLine', () => {
  it('reads the reply date, tolerating a full-width colon', () => {
    expect(parseReplyDateLine('Reply Date: 2015/07/14')).toEqual({date: '2015-07-14'})
    expect(parseReplyDateLine('Reply Date：2015/07/14')).toEqual({date: '2015-07-14'})
    expect(parseReplyDateLine('Reply Date: 2015/07/32')).toEqual({invalidDate: '2015/07/32'})
    expect(parseReplyDateLine('Reply Date: ')).toEqual({})
    expect(parseReplyDateLine('Replied soon')).toBeUndefined()
  })
})

describe('detectLanguage', () => {
  it('tells the languages of the archive apart', () => {
    expect(detectLanguage('My calf twitches at night.')).toBe('en')
    expect(detectLanguage('請問這是焦慮症嗎？需要吃藥嗎？')).toBe('zh-Hant')
    expect(detectLanguage('请问这是焦虑症吗？需要吃药吗？')).toBe('zh-Hans')
    expect(detectLanguage('夜になるとふくらはぎがけいれんします。')).toBe('ja')
    expect(detectLanguage('밤에 종아리가 떨립니다.')).toBe('ko')
  })

  it('calls mostly Han text Chinese despite English words', () => {
    expect(detectLanguage('醫師您好，我有服用 Aspirin 兩週了，請問可以停藥嗎？')).toBe('zh-Hant')
  })

  it('returns undefined without letters', () => {
    expect(detectLanguage('2015/07/14 ...')).toBeUndefined()
  })
})
