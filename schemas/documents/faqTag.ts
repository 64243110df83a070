import {TagIcon} from '@sanity/icons/Tag'
import {defineField, defineType} from '@sanity/types'
import {slugField} from '../fields.ts'

/** A "Related FAQ" topic, e.g. "Muscle Twitching (Neurology)". */
export const faqTagType = defineType({
  name: 'faqTag',
  title: 'FAQ tag',
  type: 'document',
  icon: TagIcon,
  groups: [{name: 'content', title: 'Content', default: true}],
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      group: 'content',
      validation: (rule) => rule.required().error("Enter the tag's name."),
    }),
    slugField('name', 96, 'Generate a slug for the tag page.'),
    defineField({
      name: 'specialty',
      title: 'Specialty',
      type: 'reference',
      to: [{type: 'specialty'}],
      group: 'content',
      validation: (rule) =>
        rule.required().warning('File the tag under a specialty so editors are offered it.'),
    }),
    defineField({
      name: 'description',
      title: 'Description',
      type: 'text',
      rows: 3,
      group: 'content',
    }),
  ],
  orderings: [{title: 'Name', name: 'nameAsc', by: [{field: 'name', direction: 'asc'}]}],
  preview: {
    select: {title: 'name', specialty: 'specialty.name'},
    prepare({title, specialty}) {
      return {title: title ?? 'Unnamed tag', subtitle: specialty ?? 'No specialty'}
    },
  },
})
