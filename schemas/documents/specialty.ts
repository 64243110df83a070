import {ActivityIcon} from '@sanity/icons/Activity'
import {defineField, defineType} from '@sanity/types'
import {uniqueSlug} from '../validation/rules.ts'

export const specialtyType = defineType({
  name: 'specialty',
  title: 'Specialty',
  type: 'document',
  icon: ActivityIcon,
  groups: [{name: 'content', title: 'Content', default: true}],
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      description: 'As shown on thread pages, e.g. "Neurology".',
      group: 'content',
      validation: (rule) => rule.required().error("Enter the specialty's name."),
    }),
    defineField({
      name: 'slug',
      title: 'Slug',
      type: 'slug',
      group: 'content',
      options: {source: 'name', maxLength: 64, isUnique: () => true},
      validation: (rule) => [
        rule.required().error('Generate a slug for the specialty page.'),
        rule.custom(uniqueSlug),
      ],
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
    select: {title: 'name', description: 'description', slug: 'slug.current'},
    prepare({title, description, slug}) {
      return {
        title: title ?? 'Unnamed specialty',
        subtitle: description ?? (slug ? `/${slug}` : 'No slug'),
      }
    },
  },
})
