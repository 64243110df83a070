import {describe, expect, it} from 'vitest'
import {findPersonalData, NAME_CONTEXTS, privacyContext, scrubText} from '../index.ts'

const names = (text: string, askerName: string, doctorNames: string[] = []) =>
  findPersonalData(text, privacyContext({askerName, doctorNames}))
    .filter((item) => item.category === 'askerName')
    .map((item) => `${item.rule}:${item.text}`)

describe('privacyContext', () => {
  it("holds the asker's tokens, whole-name forms and romanisations", () => {
    const context = privacyContext({askerName: 'Hsu Mei-ling', doctorNames: ['Dr. Lan Shengxing']})
    expect([...context.askerTokens.values()]).toEqual([
      {written: 'Hsu', key: 'hsu', masking: 'anywhere'},
      {written: 'Mei-ling', key: 'meiling', masking: 'anywhere'},
      {written: 'Hsu', key: 'xu', masking: 'inNameContext'},
      {written: 'Hsu', key: 'hsue', masking: 'inNameContext'},
    ])
    expect([...context.askerFullNames]).toEqual(['hsumeiling', 'meilinghsu'])
    expect([...context.doctorFullNames]).toEqual(['lanshengxing', 'shengxinglan'])
  })

  it('looks for no name when the site printed a placeholder', () => {
    expect(privacyContext({askerName: 'Anonymous'}).askerTokens.size).toBe(0)
    expect(privacyContext({askerName: '匿名'}).askerScriptForms).toEqual([])
  })

  it('masks ordinary words and names a doctor shares only in name contexts', () => {
    const context = privacyContext({askerName: 'May Lan', doctorNames: ['Dr. Lan Shengxing']})
    expect([...context.askerTokens.values()].map((token) => token.masking)).toEqual([
      'inNameContext',
      'inNameContext',
    ])
  })
})

describe('the asker name', () => {
  it.each([
    ['Mei-ling', 'Hi Mei-ling, Meiling, Mei Ling and MEI-LING'],
    ["Ch'en", "I (Ch'en) or Chen or Ch’en"],
  ])('is found however %s is written', (asker, text) => {
    expect(names(text, asker)).toHaveLength(text.split(/,| and | or /).length)
  })

  it('is found across a line break after "Mr."', () => {
    expect(scrubText('Dear Mr.\nChen, the issues', privacyContext({askerName: 'CHEN'})).text).toBe(
      'Dear Mr.\nC., the issues',
    )
  })

  it('keeps doctors and institutions that share it', () => {
    const text =
      'Dear Dr. Chen, Dr. Chen Chih-ming and Chen Chih-ming of Chen Memorial Hospital, ' +
      "and Chen's disease."
    expect(names(text, 'Chen', ['Dr. Chen Chih-ming'])).toEqual([])
  })

  it('is masked whole with a surname written after it in running text', () => {
    expect(names('My name is Lily Huang and I am 23.', 'Lily')).toEqual([
      'selfIntroduction:Lily Huang',
    ])
    expect(names('Does Chang Need Prevention?', 'Chang')).toEqual(['distinctive:Chang'])
  })

  it('is masked in Han script: the full name and the given name', () => {
    expect(scrubText('我是陳美玲。美玲您好', privacyContext({askerName: '陳美玲'})).text).toBe(
      '我是陳。陳您好',
    )
  })
})

const CONTEXTS: Record<keyof typeof NAME_CONTEXTS, [string, string, string[], string[]]> = {
  doctorTitle: ['Chen', 'Dear Dr. Chen,', [], []],
  doctorName: ['Lan', 'Lan Shengxing replied', ['Dr. Lan Shengxing'], []],
  institution: ['Chang', 'Chang Gung Memorial Hospital', [], []],
  eponym: ['Graves', "Graves' disease, or Graves disease", [], []],
  fullName: ['Hope Long', 'Hope Long here', [], ['fullName:Hope Long']],
  distinctive: ['Chen', 'Thanks from Chen today', [], ['distinctive:Chen']],
  lowerCase: ['May', 'you may stop', [], []],
  honorific: ['Long', 'Hello Mr. Long, the', [], ['honorificName:Long']],
  salutation: ['May', 'Dear May, you may stop', [], ['salutation:May']],
  diminutive: ['Long', 'Hello Xiao Long, the pain', [], ['diminutive:Long']],
  selfIntroduction: ['Will', "Hi, I'm Will. Will it heal?", [], ['selfIntroduction:Will']],
  nameHere: ['Sun', 'Hi, Sun here: the sun hurts', [], ['nameHere:Sun']],
  possessive: ['Lily', "Pain at Night: Lily's Question", [], ['possessive:Lily']],
  contactPerson: ['Fan', 'Contact Fan at home', [], ['contactPerson:Fan']],
  signature: ['Rose', 'My face turns rose-red. Thanks, Rose', [], ['signature:Rose']],
}

describe('NAME_CONTEXTS', () => {
  it('has an example for every rule', () => {
    expect(Object.keys(CONTEXTS).sort()).toEqual(Object.keys(NAME_CONTEXTS).sort())
  })

  it.each(Object.entries(CONTEXTS))('%s', (_rule, [asker, text, doctors, expected]) => {
    expect(names(text, asker, doctors)).toEqual(expected)
  })

  it.each([
    ['May', 'Allergies From March to May: What Works Best?'],
    ['Young', 'Young men rarely need PSA tests.'],
    ['Li', 'The lithium level (Li) is 0.8.'],
    ['Lung', 'Lung function FEV1 88%.'],
    ['Hung', 'I live in Hong Kong.'],
    ['Rose', 'Rose-colored flushing after wine.'],
    ['Hope', 'Hello, May I ask? There is hope.'],
  ])('leaves %s in "%s"', (asker, text) => {
    expect(names(text, asker)).toEqual([])
  })
})

describe('names after an honorific', () => {
  it("are masked whoever's they are", () => {
    expect(names('Hello Mr. Kuo: cramps… Dear Ms. Fan, hello Miss Chiang.', 'Chen')).toEqual([
      'honorificName:Kuo',
      'honorificName:Fan',
      'honorificName:Chiang',
    ])
  })

  it('are two words at most, and never title words', () => {
    expect(
      names("Ms. Hope Chiu — is that right? Ms. Tsai Knee Pain. Mr. Wang's Weight", 'X'),
    ).toEqual(['honorificName:Hope Chiu', 'honorificName:Tsai', 'honorificName:Wang'])
  })

  it('are not masked again once they are an initial', () => {
    expect(names('Dear Mr. C., Dear Dr. Lan', 'Chen')).toEqual([])
  })
})
