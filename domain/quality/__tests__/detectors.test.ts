import {describe, expect, it} from 'vitest'
import {dateAfterAsked} from '../dates.ts'
import {duplicateQuestion} from '../duplicate.ts'
import {genderContradicted} from '../gender.ts'
import {DETECTORS, describeCounts, detectThread} from '../index.ts'
import {machineTranslationRefusal} from '../refusal.ts'
import {emptyReply, oneWordReply} from '../replies.ts'
import {nonLatinInEnglish} from '../script.ts'
import {doctorSignatureDiffers, signatureName} from '../signature.ts'
import {FLAG_CODES, type ReplyText, type ThreadText} from '../types.ts'

// Each detector on text written for these tests: what it must flag, and the look-alikes it must
// leave alone.

function reply(body: string, overrides: Partial<ReplyText> = {}): ReplyText {
  return {doctor: 'Ho Minghui', body, repliedAt: '2014-03-12', ...overrides}
}

function thread(overrides: Partial<ThreadText> = {}): ThreadText {
  return {
    questionId: 'question-a',
    title: 'Ringing in one ear after a cold',
    question:
      'Since my cold last month my left ear rings at night. It gets louder when I lie on ' +
      'that side. Should I see an ENT doctor?',
    askedAt: '2014-03-10',
    language: 'en',
    gender: 'female',
    replies: [reply('Hello, ringing after a cold often fades. If it lasts, see an ENT clinic.')],
    ...overrides,
  }
}

const codes = (findings: {code: string; on: unknown}[]) => findings.map((f) => [f.code, f.on])

describe('the detector table', () => {
  it('has one detector per flag code, and an ordinary thread raises nothing', () => {
    expect(Object.keys(DETECTORS).sort()).toEqual([...FLAG_CODES].sort())
    expect(detectThread(thread())).toEqual([])
  })

  it('counts flags in words for the import summary', () => {
    expect(describeCounts({oneWordReply: 2, machineTranslationRefusal: 1})).toBe(
      '1 translation refusal, 2 one-word replies',
    )
    expect(describeCounts({})).toBe('none')
  })
})

describe('machineTranslationRefusal', () => {
  it('flags a refusal in place of the question', () => {
    const found = machineTranslationRefusal(
      thread({question: "I'm sorry, but I can't assist with that."}),
    )
    expect(codes(found)).toEqual([['machineTranslationRefusal', 'question']])
    expect(found[0]?.message).toMatch(/^The question holds a translation tool's answer/)
    expect(found[0]?.message).toContain('"I\'m sorry, but I can\'t assist with that."')
  })

  it('flags a request for input as the title, with curly apostrophes and other phrasings', () => {
    for (const title of [
      'Please provide the text you would like translated',
      'Please share the passage that you want me to translate into English.',
      'Could you please paste the text you need translated?',
      'It seems like you haven’t provided any text.',
      'Sure! Please provide the sentence.',
      'As an AI language model, I cannot give medical advice.',
    ])
      expect(codes(machineTranslationRefusal(thread({title})))).toEqual([
        ['machineTranslationRefusal', 'question'],
      ])
  })

  it('names every field that holds one, and flags replies on their own', () => {
    const found = machineTranslationRefusal(
      thread({
        title: 'I am unable to help with that request.',
        shortTitle: 'Ear ringing',
        question: 'I’m sorry, I cannot help with this.',
        replies: [reply('Fine.'), reply('Here is the translation: rest and drink water.')],
      }),
    )
    expect(codes(found)).toEqual([
      ['machineTranslationRefusal', 'question'],
      ['machineTranslationRefusal', 1],
    ])
    expect(found[0]?.message).toMatch(/^The title and the question hold/)
    expect(found[1]?.message).toMatch(/^Dr\. Ho Minghui's reply holds/)
  })

  it('leaves patients who apologise or cannot do something alone', () => {
    for (const question of [
      "I'm sorry, but I can't sleep on my left side any more. What could help with that?",
      'I am sorry to bother you, but I cannot help worrying about my results.',
      'My mother speaks no English; I will translate your answer for her.',
      'Could you provide more details about which tests I should ask for?',
    ])
      expect(machineTranslationRefusal(thread({question}))).toEqual([])
  })
})

describe('emptyReply and oneWordReply', () => {
  it('flags an empty reply and a one-word reply, in any script', () => {
    const found = thread({replies: [reply('  '), reply('Ok.'), reply('好的。'), reply('Yes')]})
    expect(codes(emptyReply(found))).toEqual([['emptyReply', 0]])
    expect(codes(oneWordReply(found))).toEqual([
      ['oneWordReply', 1],
      ['oneWordReply', 2],
      ['oneWordReply', 3],
    ])
    expect(oneWordReply(found)[0]?.message).toMatch(
      /^Dr\. Ho Minghui's reply is the single word "Ok\." Check/,
    )
  })

  it('leaves short answers of several words and unspaced sentences alone', () => {
    const found = thread({
      replies: [reply('Thank you.'), reply('建議您盡快到耳鼻喉科就診。'), reply('...')],
    })
    expect(oneWordReply(found)).toEqual([])
    expect(emptyReply(found)).toEqual([])
  })
})

describe('dateAfterAsked', () => {
  it('flags a year, a month or a date later than the ask date', () => {
    for (const question of [
      'My ear has been ringing since 2019.',
      'It started in May 2014 after a flight.',
      'The first episode was on 2014/04/02.',
      'It began on 3 April 2014.',
    ]) {
      const found = dateAfterAsked(thread({question}))
      expect(codes(found), question).toEqual([['dateAfterAsked', 'question']])
    }
    expect(dateAfterAsked(thread({question: 'Ringing since 2019.'}))[0]?.message).toBe(
      'The question mentions 2019 ("Ringing since 2019."), later than its ask date 2014-03-10. ' +
        'Check the date, and whether the text belongs to another thread.',
    )
  })

  it('checks replies against their own reply date', () => {
    const found = dateAfterAsked(
      thread({replies: [reply('The 2016 guideline advises a hearing test.')]}),
    )
    expect(codes(found)).toEqual([['dateAfterAsked', 0]])
    expect(found[0]?.message).toContain('later than its reply date 2014-03-12')
    const followUp = reply('Please come back for a follow-up hearing test in April 2014.')
    expect(dateAfterAsked(thread({replies: [followUp]}))).toEqual([])
  })

  it('leaves quantities, durations, earlier dates and plans alone', () => {
    for (const question of [
      'I walk 2020 steps a day and take 2000 mg of vitamin C.',
      'In 2 years I will retire; next year I move.',
      'The hearing aid cost $2015 and the invoice was No. 2018.',
      'It started in March 2014 and got worse on 2014/03/09.',
      'My operation is scheduled for 2015 if the ringing continues.',
      'I hope to be well by 2016.',
      'My reference number is 120193 and my ID ends in 2017-55.',
      'The test showed 1.2019 units.',
    ])
      expect(dateAfterAsked(thread({question})), question).toEqual([])
  })

  it('needs a date to compare with', () => {
    const {askedAt: _askedAt, ...undated} = thread({question: 'Since 2019.'})
    expect(dateAfterAsked({...undated, replies: []})).toEqual([])
  })
})

describe('genderContradicted', () => {
  it('flags a female asker the doctor greets as Mr., and says what was stated', () => {
    const found = genderContradicted(
      thread({replies: [reply('Dear Mr.\nHo, ringing after a cold often fades.')]}),
    )
    expect(codes(found)).toEqual([['genderContradicted', 'question']])
    expect(found[0]?.detail?.statedGender).toBe('female')
    expect(found[0]?.message).toContain('"Dear Mr." (Dr. Ho Minghui\'s reply)')
  })

  it('flags askers who describe themselves or their partner, or whose partner the doctor names', () => {
    const cases: [string, Partial<ThreadText>][] = [
      ['female', {question: 'My wife says I snore, and my ear rings at night.'}],
      ['female', {question: "I'm a 35-year-old man with ringing in one ear."}],
      ['male', {question: 'My husband and I both caught the cold.'}],
      ['male', {question: 'I am currently pregnant and my ear rings.'}],
      ['male', {replies: [reply('Hello madam, please rest.')]}],
      [
        'female',
        {replies: [reply('Your girlfriend should also see a doctor if she has symptoms.')]},
      ],
    ]
    for (const [gender, overrides] of cases)
      expect(codes(genderContradicted(thread({gender, ...overrides}))), gender).toEqual([
        ['genderContradicted', 'question'],
      ])
  })

  it("does not take quoted or reported words for the asker's own", () => {
    for (const question of [
      'My husband says "I am a man, I do not need a doctor", but his ear rings too.',
      'My husband told me I am a man of few complaints.',
    ])
      expect(genderContradicted(thread({question})), question).toEqual([])
  })

  it('leaves agreeing, mixed, absent and look-alike evidence alone', () => {
    for (const overrides of [
      {question: 'My husband noticed I turn the TV up.'},
      {replies: [reply('Dear Mr. and Mrs. Ho, please both get tested.')]},
      {replies: [reply('MS is unlikely here; see an ENT clinic.')]},
      {replies: [reply('Miss a dose? Take the next one as usual.')]},
      {question: 'I am a manager and my sister-in-law has the same ringing.'},
      {gender: 'unknown', question: 'My wife noticed it first.'},
    ] satisfies Partial<ThreadText>[])
      expect(genderContradicted(thread(overrides)), JSON.stringify(overrides)).toEqual([])
  })
})

describe('doctorSignatureDiffers', () => {
  it('reads signatures at the end of a reply', () => {
    expect(signatureName('Please rest.\nDr. Ho Ming-hui')).toBe('Ho Ming-hui')
    expect(signatureName('Please rest. Dr. Ho Ming-hui, Otolaryngology')).toBe('Ho Ming-hui')
    expect(signatureName('Please rest.\n-- Dr. Ho Ming-hui ENT Department')).toBe('Ho Ming-hui')
    expect(signatureName('Please rest. Best regards, Dr Ho')).toBe('Ho')
    expect(signatureName('Dr. Wang recommends rest.')).toBeUndefined()
    expect(signatureName('Please consult Dr. Wang.')).toBeUndefined()
    expect(signatureName("Rest well. Dr. Wang's clinic opens at nine.")).toBeUndefined()
  })

  it('flags another spelling of the header name and offers it as an alias', () => {
    const found = doctorSignatureDiffers(
      thread({replies: [reply('Rest for a week. Dr. Ho Ming-huei')]}),
    )
    expect(codes(found)).toEqual([['doctorSignatureDiffers', 0]])
    expect(found[0]?.alias).toBe('Ho Ming-huei')
    expect(found[0]?.message).toContain('kept as an alias of Dr. Ho Minghui')
  })

  it('flags another name without offering it as an alias', () => {
    const found = doctorSignatureDiffers(thread({replies: [reply('Rest. Dr. Lin Yaqi')]}))
    expect(codes(found)).toEqual([['doctorSignatureDiffers', 0]])
    expect(found[0]?.alias).toBeUndefined()
  })

  it('accepts the same name spelt with other spacing, hyphens or case, and a surname alone', () => {
    for (const body of ['Rest. Dr. Ho Ming-hui', 'Rest.\nDR. HO MINGHUI', 'Rest. Dr. Ho'])
      expect(doctorSignatureDiffers(thread({replies: [reply(body)]})), body).toEqual([])
  })
})

describe('nonLatinInEnglish', () => {
  it('flags Chinese characters and full-width punctuation left in English text', () => {
    const found = nonLatinInEnglish(
      thread({
        question: 'My ear rings (耳鳴) at night，and it is louder lying down.',
        replies: [reply('Please see an ENT clinic 耳鼻喉科.')],
      }),
    )
    expect(codes(found)).toEqual([
      ['nonLatinInEnglish', 'question'],
      ['nonLatinInEnglish', 0],
    ])
    expect(found[0]?.message).toMatch(
      /^Chinese characters and full-width punctuation in the question, though the thread is English \(2 places\)/,
    )
  })

  it('leaves Greek letters, symbols and threads in other languages alone', () => {
    expect(
      nonLatinInEnglish(
        thread({question: 'I take a β-blocker, 5 μg, and my temperature is 37°C.'}),
      ),
    ).toEqual([])
    expect(nonLatinInEnglish(thread({language: 'zh-Hant', question: '我的耳朵一直響。'}))).toEqual(
      [],
    )
  })
})

describe('duplicateQuestion', () => {
  it('flags the later of two questions with the same asker and text', () => {
    const earlier = {id: 'question-b', title: 'Ear ringing', askedAt: '2014-02-01'}
    const found = duplicateQuestion(thread({sameQuestion: [earlier]}))
    expect(codes(found)).toEqual([['duplicateQuestion', 'question']])
    expect(found[0]?.detail?.duplicateOf).toBe('question-b')
    expect(found[0]?.message).toContain('"Ear ringing" (2014-02-01)')
  })

  it('leaves the original alone, breaks ties by id, and needs the lookup to have run', () => {
    const later = {id: 'question-b', askedAt: '2015-01-01'}
    expect(duplicateQuestion(thread({sameQuestion: [later]}))).toEqual([])
    expect(
      duplicateQuestion(thread({sameQuestion: [{id: 'question-b', askedAt: '2014-03-10'}]})),
    ).toEqual([])
    expect(
      codes(
        duplicateQuestion(
          thread({
            questionId: 'question-c',
            sameQuestion: [{id: 'question-b', askedAt: '2014-03-10'}],
          }),
        ),
      ),
    ).toEqual([['duplicateQuestion', 'question']])
    expect(duplicateQuestion(thread())).toEqual([])
    expect(duplicateQuestion(thread({sameQuestion: [{id: 'question-a'}]}))).toEqual([])
  })
})

describe('hostile text', () => {
  it('is read in bounded time, however long and repetitive', () => {
    const started = performance.now()
    for (const unit of [
      'Dr. ',
      '2019-',
      '"',
      'since 2019 ',
      'my ex-',
      '耳',
      '. Dr. A B C D',
      'Dear ',
    ]) {
      const text = unit.repeat(Math.ceil(1_000_000 / unit.length))
      detectThread(thread({title: text, question: text, moreInfo: text, replies: [reply(text)]}))
    }
    expect(performance.now() - started).toBeLessThan(5_000)
  })
})
