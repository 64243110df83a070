import {describe, expect, it} from 'vitest'
import {DIGITS} from '../atoms.ts'
import {findPhones, judgePhone, PHONE_EVIDENCE, PHONE_GUARDS, readCandidate} from '../phone.ts'
import {isSymbol, scanText} from '../scan.ts'

/** The verdict on the first run of digits in `text`. */
function judge(text: string) {
  const {atoms} = scanText(text)
  let atom = 0
  while (atom < atoms.count && atoms.kind(atom) !== DIGITS && !isSymbol(atoms, atom, '+(')) atom++
  const candidate = readCandidate(atoms, atom)
  return candidate ? judgePhone(candidate, atoms) : undefined
}

function phones(text: string): string[] {
  const scan = scanText(text)
  return findPhones(scan).map((found) =>
    text.slice(scan.folded.start(found.start), scan.folded.end(found.end)),
  )
}

const GUARDED: Record<keyof typeof PHONE_GUARDS, string> = {
  tooShortOrLong: 'pulse 96 at rest',
  tooManyGroups: 'call 1-2-3-4-5-6-7-8-9-0',
  attachedToWord: 'code E11987654 on the form',
  unitAfter: 'walked 12000000 steps in all',
  measurementCue: 'Lot 4823916 of the vaccine',
  date: 'call on 2015/07/14 please',
  yearRange: 'call about 2009-2015 records',
  roundRange: 'call if 1200-1300 again',
  decimal: 'dial 2345.6789 now',
  bloodPressure: 'call if 140/90 120/80 again',
  smallNumbers: 'call 120 80 95 110 now',
}

const EVIDENT: Record<keyof typeof PHONE_EVIDENCE, string> = {
  internationalPrefix: 'reach me on +886 2 2345 6789',
  trunkPrefix: 'home (02) 2345-6789',
  mobileNumber: 'mine is 0912345678',
  northAmerican: 'US office 415-555-0199',
  vanityNumber: 'order at 1-800-FLOWERS',
  phoneCue: 'call my daughter at 2345-6789',
  extension: 'room 2345-678 ext. 12',
}

describe('PHONE_GUARDS', () => {
  it('has an example for every guard', () => {
    expect(Object.keys(GUARDED).sort()).toEqual(Object.keys(PHONE_GUARDS).sort())
  })

  it.each(Object.entries(GUARDED))('%s rules out "%s"', (rule, text) => {
    expect(judge(text)).toEqual({phone: false, rule})
  })
})

describe('PHONE_EVIDENCE', () => {
  it('has an example for every piece of evidence', () => {
    expect(Object.keys(EVIDENT).sort()).toEqual(Object.keys(PHONE_EVIDENCE).sort())
  })

  it.each(Object.entries(EVIDENT))('%s rules in "%s"', (rule, text) => {
    expect(judge(text)).toEqual({phone: true, rule})
  })
})

describe('findPhones', () => {
  it.each([
    ['call 0912-345-678 today', ['0912-345-678']],
    ['Tel: ０９１２３４５６７８.', ['０９１２３４５６７８']],
    ['Home 030/1234567 (Berlin)', ['030/1234567']],
    ['work 02-2312-3456 ext. 12, home 02-2765-4321.', ['02-2312-3456 ext. 12', '02-2765-4321']],
    ['office (03) 579-1234 x 228.', ['(03) 579-1234 x 228']],
    ['Phone +886（0）2－2345－6789', ['+886（0）2－2345－6789']],
    ['<a href="tel:+886223456789">', ['tel:+886223456789']],
    ['0911-223-344 0912-345-678', ['0911-223-344', '0912-345-678']],
    ['BP 120/80 0912345678 today', ['0912345678']],
    ['kcal. Reach me at 0987 212 656.', ['0987 212 656']],
    ['DC 20049 1-888-OUR-AARP (1-888-687-2277)', ['1-888-OUR-AARP', '1-888-687-2277']],
    ['call 1-888-232-6348 - TTY 711', ['1-888-232-6348']],
    ['Fax: 7035246630 TTY: 7035246639', ['7035246630', '7035246639']],
  ])('finds the number in "%s"', (text, expected) => {
    expect(phones(text)).toEqual(expected)
  })

  it.each([
    'I have been eating 1200-1300 cal. (most days)',
    '3000-4000 steps, 100-120 bpm, 5-10 mg, 0.5 mg/kg, 10 IU, 2×/day',
    'BP 120/80 and 140/90 mmHg, HbA1c 7.2, TSH 0.01 uIU/mL, eGFR 58, 6.5%',
    'platelet 150,000-450,000 /µL, WBC 11,200/µL',
    'on 2015/07/14, 14.07.2015, July 14, 2015 at 10:30, nights 22:00-06:00',
    '170 cm, 65 kg, 5\'7", since 2009, 2009-2015, 38.5°C, aged 20~29, ICD E11.9',
    'Claim no. 20230915-0042, serial SN 1120-3345-88, LOT 4823916',
    'call the clinic if the fever stays above 38.5 for 3 days',
    'plasma ammonia concentration 1000-3000 mol/L; trial NCT00004992; data from 1993-1994',
    'Suite 800  11435 Cronhill Drive, Bethesda, MD 20892-3655',
  ])('leaves the medical numbers in "%s"', (text) => {
    expect(phones(text)).toEqual([])
  })
})
