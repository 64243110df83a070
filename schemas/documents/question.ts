import {HelpCircleIcon} from '@sanity/icons/HelpCircle'
import {defineArrayMember, defineField, defineType} from '@sanity/types'
import {tagFilter} from '../referenceFilters.ts'
import {referenceId} from '../values.ts'
import {futureDateProblem, todayIso} from '../validation/dates.ts'
import {isBlank} from '../../domain/portableText.ts'
import {noContactDetails, tagsMatchSpecialty} from '../validation/rules.ts'
import {statusTitle} from '../workflow.ts'
import {slugField, WORKFLOW_FIELDS} from '../fields.ts'
import {qualityField} from '../objects/qualityFlag.ts'
import {openFlagsLabel} from '../../domain/quality/flags.ts'

const GROUPS = [
  {name: 'content', title: 'Content', default: true},
  {name: 'medical', title: 'Medical'},
  {name: 'workflow', title: 'Workflow'},
  {name: 'source', title: 'Source'},
]

const LANGUAGES = [
  {title: 'English', value: 'en'},
  {title: 'Chinese (Traditional)', value: 'zh-Hant'},
  {title: 'Chinese (Simplified)', value: 'zh-Hans'},
  {title: 'Japanese', value: 'ja'},
  {title: 'Korean', value: 'ko'},
  {title: 'Spanish', value: 'es'},
  {title: 'Other', value: 'und'},
] as const

export const questionType = defineType({
  name: 'question',
  title: 'Question',
  type: 'document',
  icon: HelpCircleIcon,
  groups: GROUPS,
  fields: [
    // First, so an editor reads what the importer flagged before anything else.
    qualityField,
    defineField({
      name: 'title',
      title: 'Title',
      type: 'string',
      description: 'Page title, e.g. "Calf Muscle Twitches: Causes, Diagnosis, and Treatment".',
      group: 'content',
      validation: (rule) => rule.required().error('Give the question a title.'),
    }),
    slugField('title', 96, 'Generate a slug: the thread page needs one.'),
    defineField({
      name: 'titleKey',
      title: 'Title key',
      type: 'string',
      description: 'Normalised title; similar-thread entries from other pages are matched on it.',
      group: 'source',
      hidden: true,
      readOnly: true,
    }),
    defineField({
      name: 'questionKey',
      title: 'Question key',
      type: 'string',
      description:
        "Hash of the asker's initial and age range and the normalised question text; the " +
        'importer finds repeated questions by it.',
      group: 'source',
      hidden: true,
      readOnly: true,
    }),
    defineField({
      name: 'shortTitle',
      title: 'Short title',
      type: 'string',
      description: 'The asker\'s own headline, e.g. "Calf twitching".',
      group: 'content',
      validation: (rule) => rule.max(120).warning('Short titles read best under 120 characters.'),
    }),
    defineField({
      name: 'body',
      title: 'Question',
      type: 'blockContent',
      group: 'content',
      validation: (rule) => [
        rule
          .custom((value) => (isBlank(value) ? 'Write the question: it is empty.' : true))
          .error(),
        rule.custom(noContactDetails).warning(),
      ],
    }),
    defineField({name: 'asker', title: 'Asker', type: 'asker', group: 'content'}),
    defineField({
      name: 'askedAt',
      title: 'Ask date',
      type: 'date',
      group: 'content',
      validation: (rule) => [
        rule.required().error('Enter the date the question was asked.'),
        rule
          .custom((value: string | undefined) => futureDateProblem(value, todayIso()) ?? true)
          .error(),
      ],
    }),
    defineField({
      name: 'language',
      title: 'Language',
      type: 'string',
      group: 'content',
      options: {list: [...LANGUAGES]},
      initialValue: 'en',
    }),
    defineField({
      name: 'specialty',
      title: 'Specialty',
      type: 'reference',
      to: [{type: 'specialty'}],
      group: 'medical',
      validation: (rule) => rule.required().error('Choose the specialty this question belongs to.'),
    }),
    defineField({
      name: 'tags',
      title: 'FAQ tags',
      type: 'array',
      description: 'The "Related FAQ" topics. Only tags of the chosen specialty are offered.',
      group: 'medical',
      of: [
        defineArrayMember({
          type: 'reference',
          to: [{type: 'faqTag'}],
          options: {
            filter: ({document}) => tagFilter(referenceId(document.specialty)),
          },
        }),
      ],
      validation: (rule) => [
        rule.unique().error('A tag is listed twice. Remove the duplicate.'),
        rule.custom(tagsMatchSpecialty).warning(),
      ],
    }),
    defineField({
      name: 'moreInfo',
      title: 'More Info',
      type: 'blockContent',
      description: 'The longer explanatory article shown under the replies.',
      group: 'medical',
      validation: (rule) => rule.custom(noContactDetails).warning(),
    }),
    defineField({
      name: 'similar',
      title: 'Similar threads',
      type: 'array',
      description:
        'Pin a thread to keep it first (computed suggestions never replace it); exclude one to ' +
        'never suggest it for this question again. Publish to apply: suggestions are then ' +
        'recomputed to fill the gaps.',
      group: 'medical',
      of: [defineArrayMember({type: 'similarThread'})],
    }),
    defineField({
      name: 'similarExcluded',
      title: 'Excluded similar threads',
      type: 'array',
      description:
        'Threads an editor excluded: never computed or imported as similar to this question ' +
        'again. Managed from the similar threads list (Exclude / Un-exclude).',
      group: 'medical',
      of: [defineArrayMember({type: 'similarExclusion'})],
      hidden: true,
    }),
    defineField({
      name: 'similarComputedAt',
      title: 'Similar threads computed at',
      type: 'datetime',
      description: 'When the computed similar threads were last written (queries/similar).',
      group: 'medical',
      readOnly: true,
    }),
    defineField({
      name: 'similarInputHash',
      title: 'Similar threads input fingerprint',
      type: 'string',
      description:
        'Fingerprint of the title, text, tags, specialty and ranking model the computed entries ' +
        'were ranked from; when it no longer matches, the list is stale and a live query serves.',
      group: 'medical',
      hidden: true,
      readOnly: true,
    }),
    ...WORKFLOW_FIELDS,
    defineField({
      name: 'replyCount',
      title: 'Number of replies',
      type: 'number',
      description: 'Published replies to this question; written by the importer, shown in lists.',
      group: 'workflow',
      readOnly: true,
    }),
    defineField({name: 'source', title: 'Source', type: 'source', group: 'source'}),
  ],
  orderings: [
    {
      title: 'Ask date, newest first',
      name: 'askedAtDesc',
      by: [{field: 'askedAt', direction: 'desc'}],
    },
    {title: 'Title', name: 'titleAsc', by: [{field: 'title', direction: 'asc'}]},
  ],
  preview: {
    select: {
      title: 'title',
      specialty: 'specialty.name',
      askedAt: 'askedAt',
      replyCount: 'replyCount',
      status: 'status',
      quality: 'quality',
    },
    prepare({title, specialty, askedAt, replyCount, status, quality}) {
      const replies = typeof replyCount === 'number' ? replyCount : 0
      return {
        title: title ?? 'Untitled question',
        subtitle: [
          specialty ?? 'No specialty',
          askedAt ?? 'no date',
          `${replies} ${replies === 1 ? 'reply' : 'replies'}`,
          openFlagsLabel(quality),
        ]
          .filter(Boolean)
          .join(' · '),
        description: statusTitle(status),
      }
    },
  },
})
