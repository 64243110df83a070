import {LinkRemovedIcon} from '@sanity/icons/LinkRemoved'
import {defineField, defineType} from '@sanity/types'

/**
 * A thread an editor excluded from a question's similar threads: the engine never computes it
 * for that question again and re-imports do not bring it back from the source page. Keeps what
 * the entry was (`sourceTitle`, `titleKey` of an entry from the source page) so that un-excluding
 * can restore it.
 */
export const similarExclusionType = defineType({
  name: 'similarExclusion',
  title: 'Excluded similar thread',
  type: 'object',
  icon: LinkRemovedIcon,
  fields: [
    defineField({
      name: 'question',
      title: 'Question',
      type: 'reference',
      to: [{type: 'question'}],
      weak: true,
      readOnly: true,
    }),
    defineField({
      name: 'sourceTitle',
      title: 'Title on the source page',
      type: 'string',
      description: 'Set when the excluded entry came from the source page.',
      readOnly: true,
    }),
    defineField({
      name: 'titleKey',
      title: 'Title key',
      type: 'string',
      description: 'Title digest of an entry from the source page; re-imports skip it.',
      hidden: true,
      readOnly: true,
    }),
    defineField({name: 'excludedBy', title: 'Excluded by', type: 'string', readOnly: true}),
    defineField({name: 'excludedAt', title: 'Excluded at', type: 'datetime', readOnly: true}),
  ],
  preview: {
    select: {
      title: 'question.title',
      sourceTitle: 'sourceTitle',
      excludedBy: 'excludedBy',
      excludedAt: 'excludedAt',
    },
    prepare({title, sourceTitle, excludedBy, excludedAt}) {
      const day = typeof excludedAt === 'string' ? excludedAt.slice(0, 10) : 'an unknown date'
      return {
        title: title ?? sourceTitle ?? 'Untitled',
        subtitle: `Excluded by ${excludedBy ?? 'an editor'} on ${day}`,
      }
    },
  },
})
