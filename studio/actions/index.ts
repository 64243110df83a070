import type {DocumentActionsResolver} from 'sanity'
import {WORKFLOW_TRANSITIONS} from '../../schemas/workflow.ts'
import {ReplyToQuestionAction} from './replyToQuestionAction.ts'
import {createWorkflowAction} from './workflowActions.ts'

const WORKFLOW_ACTIONS = WORKFLOW_TRANSITIONS.map(createWorkflowAction)
const WORKFLOW_TYPES = new Set(['question', 'reply'])

export const resolveDocumentActions: DocumentActionsResolver = (previous, context) => {
  if (!WORKFLOW_TYPES.has(context.schemaType)) return previous
  const extra = context.schemaType === 'question' ? [ReplyToQuestionAction] : []
  return [...previous, ...WORKFLOW_ACTIONS, ...extra]
}
