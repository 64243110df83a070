import type {DocumentActionComponent, DocumentActionsResolver} from 'sanity'
import {WORKFLOW_TRANSITIONS} from '../../schemas/workflow.ts'
import {withFixedFlagsCleared} from './qualityFlags.ts'
import {ReplyToQuestionAction} from './replyToQuestionAction.ts'
import {createWorkflowAction} from './workflowActions.ts'

const WORKFLOW_TYPES = new Set(['question', 'reply'])

// The resolver runs on every render of a document pane: the same publish action must get the same
// workflow actions back, or they would remount (and lose a publish under way).
const WORKFLOW_ACTIONS = new WeakMap<DocumentActionComponent, DocumentActionComponent[]>()

function workflowActionsFor(publish: DocumentActionComponent): DocumentActionComponent[] {
  const known = WORKFLOW_ACTIONS.get(publish)
  if (known) return known
  const actions = WORKFLOW_TRANSITIONS.map((transition) =>
    createWorkflowAction(transition, publish),
  )
  WORKFLOW_ACTIONS.set(publish, actions)
  return actions
}

export const resolveDocumentActions: DocumentActionsResolver = (previous, context) => {
  if (!WORKFLOW_TYPES.has(context.schemaType)) return previous
  const extra = context.schemaType === 'question' ? [ReplyToQuestionAction] : []
  // Transitions publish through Sanity's own Publish; where there is none, there are none.
  const publish = previous.find((action) => action.action === 'publish')
  const actions = previous.map((action) =>
    action === publish ? withFixedFlagsCleared(action) : action,
  )
  return [...actions, ...(publish ? workflowActionsFor(publish) : []), ...extra]
}
