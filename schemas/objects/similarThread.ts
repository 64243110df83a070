import {LinkIcon} from '@sanity/icons/Link'
import {defineField, defineType} from '@sanity/types'

export const SIMILAR_PROVENANCES = [
  {title: 'Pinned by an editor', value: 'curated'},
  {title: 'From the source page', value: 'imported'},
  {title: 'Computed', value: 'computed'},
] as const

/**
 * One "Similar Q&A" entry: a reference to a question, or, until that question is in the archive,
 * the title the source page showed (the importer resolves it when the question arrives).
 */
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
      name: 'sourceTitle',
      title: 'Title on the source page',
      type: 'string',
      description: 'Shown until the entry references a question in the archive.',
    }),
    defineField({
      name: 'titleKey',
      title: 'Title key',
      type: 'string',
      description: 'Normalised source title the importer matches questions on.',
      hidden: true,
      readOnly: true,
    }),
    defineField({
      name: 'provenance',
      title: 'Provenance',
      type: 'string',
      options: {list: [...SIMILAR_PROVENANCES], layout: 'radio', direction: 'horizontal'},
      validation: (rule) => rule.required().error('Say where this entry comes from.'),
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
      const hasTitle = 'sourceTitle' in value && value.sourceTitle
      return hasTarget || hasTitle
        ? true
        : 'Pick a question or enter the title of the similar thread.'
    }),
  preview: {
    select: {
      title: 'question.title',
      sourceTitle: 'sourceTitle',
      provenance: 'provenance',
      score: 'score',
    },
    prepare({title, sourceTitle, provenance, score}) {
      const scored = typeof score === 'number' ? ` · ${score.toFixed(2)}` : ''
      return {
        title: title ?? sourceTitle ?? 'Untitled',
        subtitle: `${title ? (provenance ?? '') : 'not in the archive yet'}${scored}`,
      }
    },
  },
})
