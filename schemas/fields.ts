import {defineField} from '@sanity/types'
import {uniqueSlug} from './validation/rules.ts'
import {INITIAL_STATUS, WORKFLOW_STATUSES} from './workflow.ts'

// Fields several document types share, defined once.

/**
 * The slug of a document with a page: made from `source`, required, unique per document type
 * across drafts and published documents (uniqueSlug; Studio's own check is switched off for it).
 */
export function slugField(source: 'name' | 'title', maxLength: number, requiredMessage: string) {
  return defineField({
    name: 'slug',
    title: 'Slug',
    type: 'slug',
    group: 'content',
    options: {source, maxLength, isUnique: () => true},
    validation: (rule) => [rule.required().error(requiredMessage), rule.custom(uniqueSlug)],
  })
}

/**
 * The review workflow's fields, the same on questions and replies (the Studio's workflow actions
 * and lists read them on both). Each type adds its own fields to the 'workflow' group after these.
 */
export const WORKFLOW_FIELDS = [
  defineField({
    name: 'status',
    title: 'Status',
    type: 'string',
    group: 'workflow',
    options: {list: WORKFLOW_STATUSES.map(({value, title}) => ({value, title})), layout: 'radio'},
    validation: (rule) => rule.required().error('Set a workflow status.'),
    initialValue: INITIAL_STATUS,
  }),
  defineField({
    name: 'reviewedBy',
    title: 'Reviewed by',
    type: 'string',
    group: 'workflow',
    readOnly: true,
  }),
  defineField({
    name: 'reviewedAt',
    title: 'Reviewed at',
    type: 'datetime',
    group: 'workflow',
    readOnly: true,
  }),
]
