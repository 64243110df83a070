import {CommentIcon} from '@sanity/icons/Comment'
import {defineField, defineType} from '@sanity/types'
import {API_VERSION} from '../apiVersion.ts'
import {doctorFilter} from '../referenceFilters.ts'
import {referenceId} from '../values.ts'
import {futureDateProblem, todayIso} from '../validation/dates.ts'
import {isBlank} from '../../domain/portableText.ts'
import {questionSpecialtyQuery} from '../validation/queries.ts'
import {noContactDetails, replyAfterQuestion} from '../validation/rules.ts'
import {statusTitle} from '../workflow.ts'
import {WORKFLOW_FIELDS} from '../fields.ts'
import {qualityField} from '../objects/qualityFlag.ts'
import {openFlagsLabel} from '../../domain/quality/flags.ts'

const GROUPS = [
  {name: 'content', title: 'Content', default: true},
  {name: 'workflow', title: 'Workflow'},
  {name: 'source', title: 'Source'},
]

export const replyType = defineType({
  name: 'reply',
  title: 'Reply',
  type: 'document',
  icon: CommentIcon,
  groups: GROUPS,
  fields: [
    // First, so an editor reads what the importer flagged before anything else.
    qualityField,
    defineField({
      name: 'question',
      title: 'Question',
      type: 'reference',
      to: [{type: 'question'}],
      group: 'content',
      validation: (rule) => rule.required().error('Choose the question this reply answers.'),
    }),
    defineField({
      name: 'doctor',
      title: 'Doctor',
      type: 'reference',
      to: [{type: 'doctor'}],
      description: "Doctors of the question's specialty are offered first.",
      group: 'content',
      options: {
        filter: async ({document, getClient}) => {
          const questionId = referenceId(document.question)
          if (!questionId) return doctorFilter(undefined)
          const specialty = await getClient({apiVersion: API_VERSION}).fetch<string | null>(
            questionSpecialtyQuery,
            {id: questionId},
          )
          return doctorFilter(specialty ?? undefined)
        },
      },
      validation: (rule) => rule.required().error('Choose the doctor who wrote this reply.'),
    }),
    defineField({
      name: 'body',
      title: 'Reply',
      type: 'blockContent',
      group: 'content',
      validation: (rule) => [
        rule
          .custom((value) =>
            isBlank(value) ? "The reply is empty. Write the doctor's answer." : true,
          )
          .error(),
        rule.custom(noContactDetails).warning(),
      ],
    }),
    defineField({
      name: 'repliedAt',
      title: 'Reply date',
      type: 'date',
      group: 'content',
      validation: (rule) => [
        rule.required().error('Enter the date of the reply.'),
        rule.custom(replyAfterQuestion).error(),
        rule
          .custom((value: string | undefined) => futureDateProblem(value, todayIso()) ?? true)
          .error(),
      ],
    }),
    ...WORKFLOW_FIELDS,
    defineField({name: 'source', title: 'Source', type: 'source', group: 'source'}),
  ],
  orderings: [
    {
      title: 'Reply date, newest first',
      name: 'repliedAtDesc',
      by: [{field: 'repliedAt', direction: 'desc'}],
    },
  ],
  preview: {
    select: {
      doctor: 'doctor.name',
      question: 'question.title',
      specialty: 'question.specialty.name',
      repliedAt: 'repliedAt',
      status: 'status',
      quality: 'quality',
    },
    prepare({doctor, question, specialty, repliedAt, status, quality}) {
      return {
        title: `${doctor ?? 'No doctor'} on "${question ?? 'no question'}"`,
        subtitle: [specialty ?? 'No specialty', repliedAt ?? 'no date', openFlagsLabel(quality)]
          .filter(Boolean)
          .join(' · '),
        description: statusTitle(status),
      }
    },
  },
})
