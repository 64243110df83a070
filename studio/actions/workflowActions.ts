import {ArchiveIcon} from '@sanity/icons/Archive'
import {CheckmarkCircleIcon} from '@sanity/icons/CheckmarkCircle'
import {CloseCircleIcon} from '@sanity/icons/CloseCircle'
import {ResetIcon} from '@sanity/icons/Reset'
import type {ReactNode} from 'react'
import {
  type DocumentActionComponent,
  type DocumentActionDescription,
  useCurrentUser,
  useDocumentOperation,
  useSyncState,
  useValidationStatus,
  type ValidationMarker,
} from 'sanity'
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

/** What decides whether a workflow action may publish now. */
export interface PublishReadiness {
  /** Validation markers of the document the action would publish (its draft, else published). */
  markers: readonly ValidationMarker[]
  /** Validation has run on that document's current revision. */
  validated: boolean
  /** Local edits are still on their way to the lake. */
  syncing: boolean
  /** What Sanity's own Publish action says (null where it offers none). */
  publish: Pick<DocumentActionDescription, 'disabled' | 'title'> | null
  hasDraft: boolean
}

/**
 * Why a workflow action cannot run now, or undefined when it can. Every transition publishes, so
 * it is held to what holds Publish: validation errors (said with the first error's own message),
 * validation or saving still under way (Publish would wait; an action in a menu cannot), then
 * whatever Publish says about an existing draft (publishing already, no permission). Without a
 * draft Publish says "already published", which does not apply: the transition makes the draft it
 * then publishes.
 */
export function workflowBlockedReason(readiness: PublishReadiness): ReactNode | undefined {
  const {markers, validated, syncing, publish, hasDraft} = readiness
  const errors = markers.filter((marker) => marker.level === 'error')
  const [first] = errors
  if (first) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''
    return `Fix the validation errors first: ${first.message}${more}`
  }
  if (!publish) return 'This document cannot be published here.'
  if (syncing) return 'Saving your last edits…'
  if (!validated) return 'Checking the document…'
  if (hasDraft && publish.disabled) return publish.title ?? 'Publishing is not possible right now.'
  return undefined
}

/**
 * A document action for one workflow transition: it sets the status (and who reviewed) on the
 * draft and publishes it with Publish's own operation, in one step, so the status change is what
 * readers and the editorial lists see. It is offered only when Sanity's Publish action
 * (`publishAction`) could publish the document and its validation, run by the Studio on the
 * current revision, found no error. Import flags the edits fixed are cleared in the same step.
 */
export function createWorkflowAction(
  transition: WorkflowTransition,
  publishAction: DocumentActionComponent,
): DocumentActionComponent {
  const WorkflowAction: DocumentActionComponent = (props) => {
    const publishDescription = publishAction(props)
    const {patch, publish} = useDocumentOperation(props.id, props.type)
    const target = props.draft ?? props.published
    const validation = useValidationStatus(target?._id ?? props.id, props.type, true)
    const {isSyncing} = useSyncState(props.id, props.type)
    const user = useCurrentUser()
    const fixedFlagsPatch = useFixedFlagsPatch(props)

    if (
      !availableTransitions(stringField(target, 'status')).some((t) => t.name === transition.name)
    )
      return null
    const blocked = workflowBlockedReason({
      markers: validation.validation,
      validated: !validation.isValidating && validation.revision === target?._rev,
      syncing: isSyncing,
      publish: publishDescription,
      hasDraft: Boolean(props.draft),
    })
    return {
      label: transition.title,
      icon: ICONS[transition.name],
      tone: transition.tone,
      disabled: blocked !== undefined,
      title: blocked,
      onHandle: async () => {
        const set = transitionPatch(transition, user?.name ?? user?.email, new Date())
        patch.execute([{set}, ...(await fixedFlagsPatch())])
        // Publishing waits for the patch to reach the lake (Sanity's operations keep the order).
        publish.execute()
        props.onComplete()
      },
    }
  }
  WorkflowAction.displayName = `WorkflowAction(${transition.name})`
  return WorkflowAction
}
