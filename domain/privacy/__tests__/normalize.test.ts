import {describe, expect, it} from 'vitest'
import {atomize, DIGITS, LETTERS, SPACE, SYMBOL} from '../atoms.ts'
import {foldText} from '../normalize.ts'

describe('foldText', () => {
  it('leaves ASCII text as it is', () => {
    const folded = foldText('Call 0912-345-678.')
    expect(folded.text).toBe('Call 0912-345-678.')
    expect([folded.start(5), folded.end(17)]).toEqual([5, 17])
  })

  it('folds full-width forms, dashes and apostrophes, and maps offsets back', () => {
    const original = 'Tel ０９１２－３４５ ｘ＠ｙ．ｃｏｍ Ch’en'
    const folded = foldText(original)
    expect(folded.text).toBe("Tel 0912-345 x@y.com Ch'en")
    const at = folded.text.indexOf('0912')
    expect(original.slice(folded.start(at), folded.end(at + 8))).toBe('０９１２－３４５')
  })

  it('keeps superscripts and fractions, which nobody dials', () => {
    expect(foldText('2.1×10⁵ IU/mL, ½ tablet').text).toBe('2.1×10⁵ IU/mL, ½ tablet')
  })

  it('ends a span inside an expanded character after that character', () => {
    const folded = foldText('ﬁne')
    expect(folded.text).toBe('fine')
    expect(folded.end(1)).toBe(1)
    expect(folded.start(2)).toBe(1)
  })
})

describe('atomize', () => {
  it('cuts text into runs of letters, digits and spaces, and single symbols', () => {
    const atoms = atomize('Dr. Lan 120/80\n')
    const kinds = Array.from({length: atoms.count}, (_, atom) => atoms.kind(atom))
    const texts = Array.from({length: atoms.count}, (_, atom) => atoms.text(atom))
    expect(texts).toEqual(['Dr', '.', ' ', 'Lan', ' ', '120', '/', '80', '\n'])
    expect(kinds).toEqual([LETTERS, SYMBOL, SPACE, LETTERS, SPACE, DIGITS, SYMBOL, DIGITS, SPACE])
    expect(atoms.breaksLine(8)).toBe(true)
    expect(atoms.at(9)).toBe(5)
  })
})
