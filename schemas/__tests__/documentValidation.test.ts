import type {SanityDocument, Workspace} from 'sanity'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  ARCHIVE,
  dermatology,
  eyelidQuestion,
  eyelidReply,
  neurologist,
  paragraphs,
  rashTag,
} from '../../test/fixtures/documents.ts'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'
import {seed} from '../../test/support/migrations.ts'
import {
  createValidationWorkspace,
  type Finding,
  validate,
} from '../../test/support/studioWorkspace.ts'

// Runs the schema's rules the way the Studio does (validateDocument on a workspace), with async
// rules querying fixture documents in a started lake through @sanity/client, so removing a rule
// fails a test here.

let lake: TestLake
let workspace: Workspace

const otherQuestionWithSameSlug = {
  ...eyelidQuestion,
  _id: 'question-other',
  title: 'Another question',
}

beforeAll(async () => {
  lake = await startTestLake()
  await seed(lake.client(), [...ARCHIVE, otherQuestionWithSameSlug])
  workspace = await createValidationWorkspace(lake.server.url, TEST_TOKEN)
})

afterAll(() => lake.close())

function check(document: SanityDocument): Promise<Finding[]> {
  return validate(workspace, document)
}

function messages(findings: Finding[], level: Finding['level']) {
  return findings.filter((f) => f.level === level).map((f) => `${f.path}: ${f.message}`)
}

const uniqueEyelidQuestion = {
  ...eyelidQuestion,
  slug: {_type: 'slug' as const, current: 'eyelid-flutter-unique'},
}

describe('question validation', () => {
  it('accepts a complete, correct question', async () => {
    expect(await check(uniqueEyelidQuestion)).toEqual([])
  })

  it('requires a title, an ask date and a specialty with actionable messages', async () => {
    const {
      title: _title,
      askedAt: _askedAt,
      specialty: _specialty,
      ...incomplete
    } = uniqueEyelidQuestion
    expect(messages(await check(incomplete), 'error')).toEqual(
      expect.arrayContaining([
        'title: Give the question a title.',
        'askedAt: Enter the date the question was asked.',
        'specialty: Choose the specialty this question belongs to.',
      ]),
    )
  })

  it('rejects a slug another question already uses', async () => {
    expect(messages(await check(eyelidQuestion), 'error')).toEqual([
      'slug: Another question already uses the slug "eyelid-flutter-after-late-nights". Pick another.',
    ])
  })

  it('does not count the draft of the same document as a slug clash', async () => {
    const draft = {
      ...otherQuestionWithSameSlug,
      _id: 'drafts.question-other',
      slug: {_type: 'slug' as const, current: 'only-mine'},
    }
    expect(messages(await check(draft), 'error')).toEqual([])
  })

  it('rejects an ask date in the future', async () => {
    const findings = await check({...uniqueEyelidQuestion, askedAt: '2999-01-01'})
    expect(messages(findings, 'error')).toEqual([
      'askedAt: The date 2999-01-01 is in the future. Enter the date it actually happened.',
    ])
  })

  it('rejects an empty question body', async () => {
    const findings = await check({...uniqueEyelidQuestion, body: paragraphs('   ')})
    expect(messages(findings, 'error')).toEqual(['body: Write the question: it is empty.'])
  })

  it('warns when a tag belongs to another specialty', async () => {
    const findings = await check({
      ...uniqueEyelidQuestion,
      tags: [
        ...(uniqueEyelidQuestion.tags ?? []),
        {_type: 'reference', _ref: rashTag._id, _key: 't2'},
      ],
    })
    expect(messages(findings, 'warning')).toEqual([
      'tags: These tags belong to another specialty: Rash. Check they fit this question.',
    ])
    expect(messages(findings, 'error')).toEqual([])
  })

  it('warns about open import flags, never blocks on them, and ignores dismissed ones', async () => {
    const flag = (code: 'oneWordReply' | 'dateAfterAsked', status: 'open' | 'dismissed') => ({
      _key: code,
      _type: 'qualityFlag' as const,
      code,
      message: 'A flag.',
      status,
    })
    const findings = await check({
      ...uniqueEyelidQuestion,
      quality: [flag('dateAfterAsked', 'open'), flag('oneWordReply', 'dismissed')],
    })
    expect(messages(findings, 'warning')).toEqual([
      'quality: One import flag is open (top of the form). Fix the text, or dismiss a flag that is wrong.',
    ])
    expect(messages(findings, 'error')).toEqual([])
  })

  it('warns about e-mail addresses and phone numbers in the body', async () => {
    const findings = await check({
      ...uniqueEyelidQuestion,
      body: paragraphs('Reach me at w.lin@example.com or 0912-345-678 please.'),
    })
    expect(messages(findings, 'warning')).toEqual([
      'body: Privacy: the text contains 1 e-mail address and 1 phone number. Remove or mask them before publishing.',
    ])
  })

  it('warns when the asker is shown by full name', async () => {
    const findings = await check({
      ...uniqueEyelidQuestion,
      asker: {_type: 'asker', displayName: 'Wang Lihua', ageRange: '30~39', gender: 'female'},
    })
    expect(messages(findings, 'warning')).toEqual([
      'asker: Privacy: "Wang Lihua" looks like a full name. Show the asker by initial only (e.g. "W.").',
    ])
  })

  it('rejects a link that is not http, https or mailto', async () => {
    const body = [
      {
        _type: 'block' as const,
        _key: 'b0',
        style: 'normal' as const,
        markDefs: [{_type: 'link', _key: 'l1', href: 'javascript:alert(1)'}],
        children: [{_type: 'span' as const, _key: 's0', text: 'click here', marks: ['l1']}],
      },
    ]
    const errors = messages(await check({...uniqueEyelidQuestion, body}), 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/Links must start with http:\/\/, https:\/\/ or mailto:\./)
  })
})

describe('reply validation', () => {
  it('accepts a reply dated after its question', async () => {
    expect(await check(eyelidReply)).toEqual([])
  })

  it('accepts a reply on the day the question was asked', async () => {
    expect(await check({...eyelidReply, repliedAt: eyelidQuestion.askedAt})).toEqual([])
  })

  it('rejects a reply dated before its question', async () => {
    expect(messages(await check({...eyelidReply, repliedAt: '2021-02-27'}), 'error')).toEqual([
      'repliedAt: The reply date (2021-02-27) is before the question was asked (2021-03-02). Check both dates.',
    ])
  })

  it('compares against the draft of the question when there is one', async () => {
    const draftQuestion = {
      ...eyelidQuestion,
      _id: `drafts.${eyelidQuestion._id}`,
      askedAt: '2021-03-10',
    }
    await lake.client().create(draftQuestion)
    try {
      const findings = await check(eyelidReply)
      expect(messages(findings, 'error')).toEqual([
        'repliedAt: The reply date (2021-03-04) is before the question was asked (2021-03-10). Check both dates.',
      ])
    } finally {
      await lake.client().delete(draftQuestion._id)
    }
  })

  it('rejects an empty reply', async () => {
    expect(messages(await check({...eyelidReply, body: []}), 'error')).toEqual([
      "body: The reply is empty. Write the doctor's answer.",
    ])
  })

  it('requires a question and a doctor', async () => {
    const {question: _question, doctor: _doctor, ...orphan} = eyelidReply
    expect(messages(await check(orphan), 'error')).toEqual([
      'question: Choose the question this reply answers.',
      'doctor: Choose the doctor who wrote this reply.',
    ])
  })
})

describe('doctor validation', () => {
  it('accepts a doctor with a specialty', async () => {
    expect(await check(neurologist)).toEqual([])
  })

  it('warns when a doctor has no specialty', async () => {
    expect(messages(await check({...neurologist, specialties: []}), 'warning')).toEqual([
      'specialties: Add at least one specialty so the doctor is offered for the right questions.',
    ])
  })

  it('warns when the name carries the "Dr." prefix', async () => {
    expect(messages(await check({...neurologist, name: 'Dr. Wu Pinghe'}), 'warning')).toEqual([
      'name: Leave out the "Dr." prefix: pages add it.',
    ])
  })
})

describe('specialty and tag validation', () => {
  it('rejects a specialty slug that another specialty uses', async () => {
    const clash = {...dermatology, _id: 'specialty-derm-2'}
    expect(messages(await check(clash), 'error')).toEqual([
      'slug: Another specialty already uses the slug "dermatology". Pick another.',
    ])
  })

  it('warns when a tag is not filed under a specialty', async () => {
    const {specialty: _specialty, ...unfiled} = rashTag
    expect(messages(await check(unfiled), 'warning')).toEqual([
      'specialty: File the tag under a specialty so editors are offered it.',
    ])
  })
})
