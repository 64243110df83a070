import {describe, expect, it} from 'vitest'
import {paragraphs} from '../../../test/fixtures/documents.ts'
import {fixedFlagKeys, statedGender, threadTextOf} from '../documents.ts'
import {dismissPatch, flagsOf, mergeFlags, openFlagsLabel} from '../flags.ts'
import {detectThread} from '../index.ts'
import type {Finding, StoredFlag} from '../types.ts'

const RAISED = '2024-06-01T00:00:00Z'
const LATER = '2024-07-01T00:00:00Z'

const oneWord: Finding = {code: 'oneWordReply', on: 0, message: 'One word: "Ok."'}
const refusal: Finding = {
  code: 'machineTranslationRefusal',
  on: 0,
  message: 'A refusal.',
  detail: {excerpt: '"I can\'t assist"'},
}

function dismissed(flag: StoredFlag): StoredFlag {
  return {...flag, status: 'dismissed', dismissedAt: LATER, dismissedBy: 'Editor'}
}

describe('flagsOf', () => {
  it('stores one open flag per code, keyed by the code', () => {
    expect(flagsOf([oneWord, {...oneWord, message: 'again'}, refusal], RAISED)).toEqual([
      {
        _key: 'oneWordReply',
        _type: 'qualityFlag',
        code: 'oneWordReply',
        message: 'One word: "Ok."',
        status: 'open',
        raisedAt: RAISED,
      },
      {
        _key: 'machineTranslationRefusal',
        _type: 'qualityFlag',
        code: 'machineTranslationRefusal',
        message: 'A refusal.',
        status: 'open',
        raisedAt: RAISED,
        detail: {excerpt: '"I can\'t assist"'},
      },
    ])
  })

  it('stores the original of a duplicate as a weak reference', () => {
    const [flag] = flagsOf(
      [{code: 'duplicateQuestion', on: 'question', message: 'm', detail: {duplicateOf: 'q-1'}}],
      RAISED,
    )
    expect(flag?.detail).toEqual({duplicateOf: {_type: 'reference', _ref: 'q-1', _weak: true}})
  })
})

describe('mergeFlags', () => {
  const [storedOneWord, storedRefusal] = flagsOf([oneWord, refusal], RAISED)
  if (!storedOneWord || !storedRefusal) throw new Error('flagsOf made no flags')

  it('keeps a dismissed flag and never raises its code again', () => {
    const raisedAgain = flagsOf([{...oneWord, message: 'new words'}], LATER)
    expect(mergeFlags(raisedAgain, [dismissed(storedOneWord)])).toEqual([dismissed(storedOneWord)])
  })

  it('keeps the key and raise time of an open flag, with the new message and detail', () => {
    const raisedAgain = flagsOf([{...refusal, message: 'Reworded.', detail: {}}], LATER)
    expect(mergeFlags(raisedAgain, [storedRefusal])).toEqual(
      [{...storedRefusal, message: 'Reworded.', detail: undefined}].map(
        ({detail: _detail, ...flag}) => flag,
      ),
    )
  })

  it('clears an open flag whose detector no longer fires, unless that detector did not run', () => {
    expect(mergeFlags([], [storedOneWord, storedRefusal])).toEqual([])
    expect(mergeFlags([], [storedOneWord], (code) => code !== 'oneWordReply')).toEqual([
      storedOneWord,
    ])
  })

  it('adds new flags after the stored ones, and reads anything stored', () => {
    expect(mergeFlags([storedRefusal], [dismissed(storedOneWord)])).toEqual([
      dismissed(storedOneWord),
      storedRefusal,
    ])
    expect(mergeFlags([storedRefusal], 'not flags')).toEqual([storedRefusal])
  })
})

describe('openFlagsLabel', () => {
  it('counts open flags for a preview subtitle', () => {
    const [a, b] = flagsOf([oneWord, refusal], RAISED)
    expect(openFlagsLabel([a, b])).toBe('⚑ 2 flags')
    expect(openFlagsLabel(b && a ? [dismissed(a), b] : [])).toBe('⚑ 1 flag')
    expect(openFlagsLabel(undefined)).toBeUndefined()
  })
})

describe('threadTextOf', () => {
  const question = {
    _id: 'drafts.question-1',
    _type: 'question',
    title: 'Sore throat for weeks',
    body: paragraphs('My throat has been sore for three weeks.', 'Is it an infection?'),
    askedAt: '2016-02-02',
    asker: {_type: 'asker', gender: 'female'},
  }
  const reply = {_type: 'reply', body: paragraphs('Dear Mr. Lee, please see an ENT clinic.')}

  it('reads documents as the plain text the detectors see', () => {
    expect(threadTextOf({question, replies: [{reply, doctor: 'Kao Yiting'}]})).toMatchObject({
      questionId: 'question-1',
      title: 'Sore throat for weeks',
      question: 'My throat has been sore for three weeks.\n\nIs it an infection?',
      askedAt: '2016-02-02',
      gender: 'female',
      replies: [{body: 'Dear Mr. Lee, please see an ENT clinic.', doctor: 'Kao Yiting'}],
    })
  })

  it('remembers the stated gender while the document says "unknown" after a contradiction', () => {
    const thread = threadTextOf({question, replies: [{reply}]})
    const [flag] = flagsOf(detectThread(thread), RAISED)
    const stored = {...question, asker: {_type: 'asker', gender: 'unknown'}, quality: [flag]}
    expect(flag?.code).toBe('genderContradicted')
    expect(statedGender(stored)).toBe('female')
    expect(detectThread(threadTextOf({question: stored, replies: [{reply}]}))).toHaveLength(1)
    const fixed = {...stored, asker: {_type: 'asker', gender: 'male'}}
    expect(detectThread(threadTextOf({question: fixed, replies: [{reply}]}))).toEqual([])
  })
})

describe('dismissPatch', () => {
  it('sets the status and who dismissed the flag when', () => {
    expect(dismissPatch('oneWordReply', 'Local Editor', new Date(LATER))).toEqual({
      set: {
        'quality[_key=="oneWordReply"].status': 'dismissed',
        'quality[_key=="oneWordReply"].dismissedAt': '2024-07-01T00:00:00.000Z',
        'quality[_key=="oneWordReply"].dismissedBy': 'Local Editor',
      },
    })
  })
})

describe('fixedFlagKeys', () => {
  const question = {
    _id: 'question-2',
    _type: 'question',
    title: 'Please provide the text you would like translated',
    body: paragraphs('My knee swells after long walks. Should I rest it?'),
    askedAt: '2016-02-02',
    asker: {_type: 'asker', gender: 'unknown'},
  }
  const reply = {
    _id: 'drafts.reply-2',
    _type: 'reply',
    question: {_type: 'reference', _ref: 'question-2'},
    body: paragraphs('Ok.'),
  }
  const flagged = <T extends Record<string, unknown>>(document: T) => {
    const thread = threadTextOf({question, replies: [{reply: document}]})
    const on = document._type === 'question' ? 'question' : 0
    const findings = detectThread(thread).filter((finding) => finding.on === on)
    return {...document, quality: flagsOf(findings, RAISED)}
  }

  it("names the open flags a question's edit fixed, and keeps what still holds", () => {
    const stored = flagged(question)
    const duplicate = flagsOf(
      [{code: 'duplicateQuestion', on: 'question', message: 'Repeats another.'}],
      RAISED,
    )
    const document = {...stored, quality: [...stored.quality, ...duplicate]}
    const context = {replies: [{reply: {...reply, _id: 'reply-2'}}]}
    expect(fixedFlagKeys(document, context)).toEqual([])
    expect(fixedFlagKeys({...document, title: 'Knee swelling after walks'}, context)).toEqual([
      'machineTranslationRefusal',
    ])
  })

  it("names a reply's fixed flags from its thread, and never dismissed ones", () => {
    const stored = flagged(reply)
    const context = {question, replies: [{reply: {...reply, _id: 'reply-2'}}], doctor: 'Ho'}
    expect(fixedFlagKeys(stored, context)).toEqual([])
    const rewritten = {...stored, body: paragraphs('Rest it for a week, then walk shorter.')}
    expect(fixedFlagKeys(rewritten, context)).toEqual(['oneWordReply'])
    const [flag] = stored.quality
    const dismissedOnly = {...rewritten, quality: flag ? [dismissed(flag)] : []}
    expect(fixedFlagKeys(dismissedOnly, context)).toEqual([])
  })
})
