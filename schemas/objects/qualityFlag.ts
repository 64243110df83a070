import {WarningOutlineIcon} from '@sanity/icons/WarningOutline'
import {defineArrayMember, defineField, defineType} from '@sanity/types'
import {DETECTORS, FLAG_CODES} from '../../domain/quality/index.ts'
import {noOpenFlags} from '../validation/quality.ts'

const FLAG_STATUSES = [
  {title: 'Open', value: 'open'},
  {title: 'Dismissed', value: 'dismissed'},
] as const

const FLAG_KINDS = FLAG_CODES.map((code) => {
  const one = DETECTORS[code].one
  return {title: one.charAt(0).toUpperCase() + one.slice(1), value: code}
})

/**
 * A problem the importer found in a question's or reply's text (domain/quality). Editors read
 * the message and fix the text, or dismiss the flag; re-imports never raise a dismissed one again.
 */
export const qualityFlagType = defineType({
  name: 'qualityFlag',
  title: 'Import flag',
  type: 'object',
  icon: WarningOutlineIcon,
  fields: [
    defineField({
      name: 'code',
      title: 'Kind',
      type: 'string',
      options: {list: FLAG_KINDS},
      readOnly: true,
    }),
    defineField({name: 'message', title: 'Message', type: 'text', rows: 2, readOnly: true}),
    defineField({
      name: 'status',
      title: 'Status',
      type: 'string',
      options: {list: [...FLAG_STATUSES], layout: 'radio', direction: 'horizontal'},
      readOnly: true,
    }),
    defineField({name: 'raisedAt', title: 'Raised at', type: 'datetime', readOnly: true}),
    defineField({name: 'dismissedAt', title: 'Dismissed at', type: 'datetime', readOnly: true}),
    defineField({name: 'dismissedBy', title: 'Dismissed by', type: 'string', readOnly: true}),
    defineField({
      name: 'detail',
      title: 'Detail',
      type: 'object',
      readOnly: true,
      fields: [
        defineField({
          name: 'excerpt',
          title: 'Excerpt',
          type: 'string',
          description: 'The words that raised the flag.',
        }),
        defineField({
          name: 'statedGender',
          title: 'Stated gender',
          type: 'string',
          description: 'The gender the archive stated before the text contradicted it.',
        }),
        defineField({
          name: 'duplicateOf',
          title: 'Duplicate of',
          type: 'reference',
          to: [{type: 'question'}],
          weak: true,
        }),
      ],
    }),
  ],
  preview: {
    select: {message: 'message', code: 'code', status: 'status'},
    prepare({message, code, status}) {
      const kind = FLAG_KINDS.find((item) => item.value === code)?.title ?? 'Flag'
      return {title: message ?? kind, subtitle: `${kind} · ${status ?? 'open'}`}
    },
  },
})

/** The `quality` field of questions and replies; the Studio shows it with dismiss buttons. */
export const qualityField = defineField({
  name: 'quality',
  title: 'Import flags',
  type: 'array',
  description:
    'Problems the importer found in this text. Fix the text and publish to clear a flag, or ' +
    'dismiss one that is wrong: a re-import never raises it again.',
  group: 'content',
  of: [defineArrayMember({type: 'qualityFlag'})],
  hidden: ({value}) => !Array.isArray(value) || value.length === 0,
  readOnly: true,
  validation: (rule) => rule.custom(noOpenFlags).warning(),
})
