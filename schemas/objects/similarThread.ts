import {defineField, defineType} from 'sanity'
import {LinkIcon} from '@sanity/icons/Link'

export const SIMILAR_PROVENANCES = [
  {title: 'Curated by an editor', value: 'curated'},
  {title: 'Computed', value: 'computed'},
] as const

/** One "Similar Q&A" entry: a reference, or an unresolved title until the target is imported. */
export const similarThreadType = defineType({
  name: 'similarThread',
  title: 'Similar thread',
  type: 'object',
  icon: LinkIcon,
  fields: [
    defineField({
      name: 'question',
      title: 'Question',
      type: 'reference',
      to: [{type: 'question'}],
      weak: true,
    }),
    defineField({
      name: 'unresolvedTitle',
      title: 'Unresolved title',
      type: 'string',
      description:
        'Title from the source page, kept until a question with this title is in the archive.',
    }),
    defineField({
      name: 'provenance',
      title: 'Provenance',
      type: 'string',
      options: {list: [...SIMILAR_PROVENANCES], layout: 'radio', direction: 'horizontal'},
      validation: (rule) =>
        rule.required().error('Say whether this entry was curated or computed.'),
      initialValue: 'curated',
    }),
    defineField({
      name: 'score',
      title: 'Score',
      type: 'number',
      description: 'Similarity score of a computed entry.',
      readOnly: true,
    }),
  ],
  validation: (rule) =>
    rule.custom((value) => {
      if (typeof value !== 'object' || value === null) return true
      const hasTarget = 'question' in value && value.question
      const hasTitle = 'unresolvedTitle' in value && value.unresolvedTitle
      return hasTarget || hasTitle
        ? true
        : 'Pick a question or enter the title of the similar thread.'
    }),
  preview: {
    select: {
      title: 'question.title',
      unresolved: 'unresolvedTitle',
      provenance: 'provenance',
      score: 'score',
    },
    prepare({title, unresolved, provenance, score}) {
      const scored = typeof score === 'number' ? ` · ${score.toFixed(2)}` : ''
      return {
        title: title ?? unresolved ?? 'Untitled',
        subtitle: `${title ? (provenance ?? '') : 'unresolved'}${scored}`,
      }
    },
  },
})
