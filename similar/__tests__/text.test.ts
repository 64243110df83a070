import {describe, expect, it} from 'vitest'
import {stem} from '../stem.ts'
import {analyze} from '../text.ts'

const ALL = {stem: true, synonyms: true}

describe('stem', () => {
  it('conflates the inflections patients write', () => {
    for (const [words, expected] of [
      [['twitch', 'twitches', 'twitching', 'twitched'], 'twitch'],
      [['cramp', 'cramps', 'cramping', 'cramped'], 'cramp'],
      [['dizzy', 'dizziness'], 'dizz'],
      [['itch', 'itchy', 'itches', 'itching'], 'itch'],
      [['numb', 'numbness'], 'numb'],
      [['calf', 'calves'], 'calf'],
      [['tingle', 'tingling', 'tingly'], 'tingl'],
      [['bleed', 'bleeding', 'bleeds'], 'bleed'],
    ] as const) {
      expect(words.map(stem), words.join(', ')).toEqual(words.map(() => expected))
    }
  })

  it('leaves short and non-Latin words alone', () => {
    expect(['eye', 'ear', 'gum', 'ache', 'b12', '抽筋'].map(stem)).toEqual([
      'eye',
      'ear',
      'gum',
      'ache',
      'b12',
      '抽筋',
    ])
    expect(stem('belly')).toBe(stem('bellies'))
  })
})

describe('analyze', () => {
  it('drops stop words and numbers, keeps content words in order', () => {
    expect(
      analyze('I have had pain in my knee for 3 weeks, doctor', {stem: false, synonyms: false}),
    ).toEqual(['pain', 'knee'])
  })

  it('maps lay and clinical synonyms, phrases included, to one concept term', () => {
    const same = (a: string, b: string) => expect(analyze(a, ALL)).toEqual(analyze(b, ALL))
    same('fasciculations in my calves', 'twitching in my calf')
    same('muscle spasms', 'muscle cramps')
    same('belly pain', 'stomach ache')
    same('tummy aches', 'abdominal pain')
    same('heart attack', 'myocardial infarction')
    same('ringing in the ears', 'tinnitus')
    same('shortness of breath', 'dyspnea')
    same('pins and needles', 'tingling')
    expect(analyze('eyelid twitching', ALL)).not.toEqual(analyze('leg cramps', ALL))
  })

  it('indexes Chinese text as character pairs', () => {
    expect(analyze('小腿抽筋', ALL)).toEqual(['小腿', '腿抽', '抽筋'])
  })
})
