import {defineField} from '@sanity/types'
import {INITIAL_STATUS, WORKFLOW_STATUSES} from './workflow.ts'

// The review workflow's fields, the same on questions and replies (the Studio's workflow actions
// and lists read them on both). Each type adds its own fields to the 'workflow' group after these.

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
