import type {DocumentActionsResolver} from 'sanity'
import {WORKFLOW_TRANSITIONS} from '../../schemas/workflow.ts'
import {withFixedFlagsCleared} from './qualityFlags.ts'
import {ReplyToQuestionAction} from './replyToQuestionAction.ts'
import {createWorkflowAction} from './workflowActions.ts'

const WORKFLOW_ACTIONS = WORKFLOW_TRANSITIONS.map(createWorkflowAction)
const WORKFLOW_TYPES = new Set(['question', 'reply'])

export const resolveDocumentActions: DocumentActionsResolver = (previous, context) => {
  if (!WORKFLOW_TYPES.has(context.schemaType)) return previous
  const extra = context.schemaType === 'question' ? [ReplyToQuestionAction] : []
  const actions = previous.map((action) =>
    action.action === 'publish' ? withFixedFlagsCleared(action) : action,
  )
  return [...actions, ...WORKFLOW_ACTIONS, ...extra]
}
