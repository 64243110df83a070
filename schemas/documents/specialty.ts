import {ActivityIcon} from '@sanity/icons/Activity'
import {defineField, defineType} from '@sanity/types'
import {slugField} from '../fields.ts'

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
    slugField('name', 64, 'Generate a slug for the specialty page.'),
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
