import {describe, expect, it} from 'vitest'
import {
  ARCHIVE,
  eyelidQuestion,
  eyelidReply,
  neurologist,
  neurology,
} from '../../test/fixtures/documents.ts'
import {idsMatching} from '../../test/support/groq.ts'
import {
  FLAGGED_LIST,
  NEEDS_REVIEW_LIST,
  QUESTIONS_BY_SPECIALTY_FILTER,
  RECENTLY_IMPORTED_LIST,
  REPLIES_BY_DOCTOR_FILTER,
  STATUS_LISTS,
  UNANSWERED_LIST,
} from '../structure/lists.ts'

const reviewedUnanswered = {
  ...eyelidQuestion,
  _id: 'question-reviewed',
  status: 'reviewed' as const,
  source: {_type: 'source' as const, importedAt: '2024-05-01T00:00:00Z'},
}
const DOCUMENTS = [...ARCHIVE, reviewedUnanswered]

function flag(status: 'open' | 'dismissed') {
  return {
    _key: 'oneWordReply',
    _type: 'qualityFlag' as const,
    code: 'oneWordReply' as const,
    message: 'The reply is a single word.',
    status,
  }
}

describe('editorial lists', () => {
  it('"Needs review" lists questions awaiting review, not reviewed ones', async () => {
    expect(
      await idsMatching(DOCUMENTS, NEEDS_REVIEW_LIST.filter, NEEDS_REVIEW_LIST.params),
    ).toEqual([eyelidQuestion._id])
  })

  it('"Unanswered" lists questions without any reply', async () => {
    expect(await idsMatching(DOCUMENTS, UNANSWERED_LIST.filter)).toEqual([reviewedUnanswered._id])
  })

  it('"Recently imported" lists questions that came from an import', async () => {
    expect(await idsMatching(DOCUMENTS, RECENTLY_IMPORTED_LIST.filter)).toEqual([
      reviewedUnanswered._id,
    ])
  })

  it('"Flagged on import" lists questions and replies with open flags, not dismissed ones', async () => {
    const flagged = [
      {...eyelidQuestion, _id: 'question-flagged', quality: [flag('dismissed'), flag('open')]},
      {...eyelidReply, _id: 'reply-flagged', quality: [flag('open')]},
      {...eyelidReply, _id: 'reply-dismissed', quality: [flag('dismissed')]},
      {...neurologist, _id: 'doctor-with-quality', quality: [flag('open')]},
    ]
    expect(await idsMatching([...DOCUMENTS, ...flagged], FLAGGED_LIST.filter)).toEqual([
      'question-flagged',
      'reply-flagged',
    ])
    expect(FLAGGED_LIST.schemaType).toBeUndefined()
  })

  it('has one status list per workflow state', async () => {
    const reviewed = STATUS_LISTS.find((list) => list.params?.status === 'reviewed')
    expect(STATUS_LISTS).toHaveLength(4)
    expect(await idsMatching(DOCUMENTS, reviewed?.filter ?? 'false', reviewed?.params)).toEqual([
      reviewedUnanswered._id,
    ])
  })

  it('lists questions by specialty and replies by doctor', async () => {
    expect(
      await idsMatching(DOCUMENTS, QUESTIONS_BY_SPECIALTY_FILTER, {parentId: neurology._id}),
    ).toEqual([eyelidQuestion._id, reviewedUnanswered._id].sort())
    expect(
      await idsMatching(DOCUMENTS, REPLIES_BY_DOCTOR_FILTER, {parentId: neurologist._id}),
    ).toEqual([eyelidReply._id])
  })
})
