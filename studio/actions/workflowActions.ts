import {ArchiveIcon} from '@sanity/icons/Archive'
import {CheckmarkCircleIcon} from '@sanity/icons/CheckmarkCircle'
import {CloseCircleIcon} from '@sanity/icons/CloseCircle'
import {ResetIcon} from '@sanity/icons/Reset'
import {type DocumentActionComponent, useCurrentUser, useDocumentOperation} from 'sanity'
import {availableTransitions, type WorkflowTransition} from '../../schemas/workflow.ts'
import {stringField} from '../../schemas/values.ts'
import {useFixedFlagsPatch} from './qualityFlags.ts'

const ICONS: Record<string, typeof CheckmarkCircleIcon> = {
  markReviewed: CheckmarkCircleIcon,
  requestChanges: CloseCircleIcon,
  reopenReview: ResetIcon,
  archive: ArchiveIcon,
}

/** The `set` patch a transition applies; pure so the recorded fields can be tested. */
export function transitionPatch(
  transition: WorkflowTransition,
  editor: string | undefined,
  now: Date,
): Record<string, string> {
  return transition.recordsReview
    ? {status: transition.to, reviewedBy: editor ?? 'unknown editor', reviewedAt: now.toISOString()}
    : {status: transition.to}
}

/**
 * A document action for one workflow transition. It patches and publishes in one step so the
 * status change is what readers and the editorial lists see, not a lingering draft; import flags
 * the edits fixed are cleared in the same step.
 */
export function createWorkflowAction(transition: WorkflowTransition): DocumentActionComponent {
  const WorkflowAction: DocumentActionComponent = (props) => {
    const {patch, publish} = useDocumentOperation(props.id, props.type)
    const user = useCurrentUser()
    const fixedFlagsPatch = useFixedFlagsPatch(props)
    const status = stringField(props.draft ?? props.published, 'status')
    const allowed = availableTransitions(status).some((t) => t.name === transition.name)
    if (!allowed) return null
    return {
      label: transition.title,
      icon: ICONS[transition.name],
      tone: transition.tone,
      disabled: Boolean(publish.disabled) && publish.disabled !== 'ALREADY_PUBLISHED',
      title:
        publish.disabled && publish.disabled !== 'ALREADY_PUBLISHED'
          ? 'Fix the validation errors first.'
          : undefined,
      onHandle: async () => {
        const set = transitionPatch(transition, user?.name ?? user?.email, new Date())
        patch.execute([{set}, ...(await fixedFlagsPatch())])
        publish.execute()
        props.onComplete()
      },
    }
  }
  WorkflowAction.displayName = `WorkflowAction(${transition.name})`
  return WorkflowAction
}
