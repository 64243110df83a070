// Editorial workflow as data: the schema's status options, the Studio's lists and its document
// actions are all derived from these two constants, so a new state or transition is one edit here.

export const WORKFLOW_STATUSES = [
  {value: 'needsReview', title: 'Needs review'},
  {value: 'changesRequested', title: 'Changes requested'},
  {value: 'reviewed', title: 'Reviewed'},
  {value: 'archived', title: 'Archived'},
] as const

export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number]['value']

/** Status every imported or newly created question and reply starts in. */
export const INITIAL_STATUS: WorkflowStatus = 'needsReview'

export interface WorkflowTransition {
  /** Action id, also used as the document action's name. */
  name: string
  /** Button label in the Studio. */
  title: string
  from: readonly WorkflowStatus[]
  to: WorkflowStatus
  /** Record the acting editor and time in reviewedBy / reviewedAt. */
  recordsReview: boolean
  tone: 'positive' | 'caution' | 'critical' | 'default'
}

export const WORKFLOW_TRANSITIONS: readonly WorkflowTransition[] = [
  {
    name: 'markReviewed',
    title: 'Mark reviewed',
    from: ['needsReview', 'changesRequested'],
    to: 'reviewed',
    recordsReview: true,
    tone: 'positive',
  },
  {
    name: 'requestChanges',
    title: 'Request changes',
    from: ['needsReview', 'reviewed'],
    to: 'changesRequested',
    recordsReview: false,
    tone: 'caution',
  },
  {
    name: 'reopenReview',
    title: 'Send back to review',
    from: ['reviewed', 'archived'],
    to: 'needsReview',
    recordsReview: false,
    tone: 'default',
  },
  {
    name: 'archive',
    title: 'Archive',
    from: ['needsReview', 'changesRequested', 'reviewed'],
    to: 'archived',
    recordsReview: false,
    tone: 'critical',
  },
]

/** Transitions an editor may take from a status; a missing status counts as the initial one. */
export function availableTransitions(status: string | undefined): WorkflowTransition[] {
  const current = status ?? INITIAL_STATUS
  return WORKFLOW_TRANSITIONS.filter((t) => (t.from as readonly string[]).includes(current))
}

export function statusTitle(status: string | undefined): string {
  return WORKFLOW_STATUSES.find((s) => s.value === status)?.title ?? 'No status'
}
