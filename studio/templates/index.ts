import type {Template} from 'sanity'
import {INITIAL_STATUS} from '../../schemas/workflow.ts'
import {todayIso} from '../../schemas/validation/dates.ts'

export const REPLY_TO_QUESTION_TEMPLATE = 'reply-to-question'

/** "Reply to this question": a reply pre-linked to its question, reached from the question. */
export const replyToQuestionTemplate: Template<{questionId: string}> = {
  id: REPLY_TO_QUESTION_TEMPLATE,
  title: 'Reply to this question',
  schemaType: 'reply',
  parameters: [{name: 'questionId', title: 'Question id', type: 'string'}],
  value: ({questionId}: {questionId: string}) => ({
    question: {_type: 'reference', _ref: questionId},
    status: INITIAL_STATUS,
    repliedAt: todayIso(),
  }),
}
