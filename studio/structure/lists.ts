import {WORKFLOW_STATUSES} from '../../schemas/workflow.ts'

// The editorial lists as data: the desk structure renders them and tests evaluate their GROQ
// filters, so what an editor sees in "Needs review" is what the tests check.

export interface EditorialList {
  id: string
  title: string
  /** Omitted for lists of several document types. */
  schemaType?: 'question' | 'reply'
  filter: string
  params?: Record<string, string>
  ordering: {field: string; direction: 'asc' | 'desc'}[]
}

export const NEEDS_REVIEW_LIST: EditorialList = {
  id: 'needs-review',
  title: 'Needs review',
  schemaType: 'question',
  filter: '_type == "question" && status == $status',
  params: {status: 'needsReview'},
  ordering: [{field: 'askedAt', direction: 'desc'}],
}

export const UNANSWERED_LIST: EditorialList = {
  id: 'unanswered',
  title: 'Unanswered',
  schemaType: 'question',
  filter: '_type == "question" && count(*[_type == "reply" && question._ref == ^._id]) == 0',
  ordering: [{field: 'askedAt', direction: 'asc'}],
}

export const RECENTLY_IMPORTED_LIST: EditorialList = {
  id: 'recently-imported',
  title: 'Recently imported',
  schemaType: 'question',
  filter: '_type == "question" && defined(source.importedAt)',
  ordering: [{field: 'source.importedAt', direction: 'desc'}],
}

/** Questions and replies with import flags nobody has dealt with (domain/quality). */
export const FLAGGED_LIST: EditorialList = {
  id: 'flagged-on-import',
  title: 'Flagged on import',
  filter: '_type in ["question", "reply"] && count(quality[status == "open"]) > 0',
  ordering: [
    {field: 'source.importedAt', direction: 'desc'},
    {field: '_id', direction: 'asc'},
  ],
}

export const STATUS_LISTS: EditorialList[] = WORKFLOW_STATUSES.map(({value, title}) => ({
  id: `status-${value}`,
  title,
  schemaType: 'question',
  filter: '_type == "question" && status == $status',
  params: {status: value},
  ordering: [{field: 'askedAt', direction: 'desc'}],
}))

/** Filters for the per-parent lists; `$parentId` is the chosen specialty or doctor. */
export const QUESTIONS_BY_SPECIALTY_FILTER = '_type == "question" && specialty._ref == $parentId'
export const REPLIES_BY_DOCTOR_FILTER = '_type == "reply" && doctor._ref == $parentId'
export const TAGS_BY_SPECIALTY_FILTER = '_type == "faqTag" && specialty._ref == $parentId'
