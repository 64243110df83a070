import {UserIcon} from '@sanity/icons/User'
import {defineArrayMember, defineField, defineType} from '@sanity/types'
import {slugField} from '../fields.ts'

/** How pages address every doctor of the archive. */
export const DOCTOR_HONORIFIC = 'Dr.'

const GROUPS = [
  {name: 'content', title: 'Profile', default: true},
  {name: 'medical', title: 'Medical'},
  {name: 'source', title: 'Source'},
]

export const doctorType = defineType({
  name: 'doctor',
  title: 'Doctor',
  type: 'document',
  icon: UserIcon,
  groups: GROUPS,
  fields: [
    defineField({
      name: 'name',
      title: 'Name',
      type: 'string',
      description: 'Name without the "Dr." prefix, e.g. "Lan Shengxing".',
      group: 'content',
      validation: (rule) => [
        rule.required().error("Enter the doctor's name."),
        rule
          .custom((value: string | undefined) =>
            value && /^dr\.?\s/i.test(value) ? 'Leave out the "Dr." prefix: pages add it.' : true,
          )
          .warning(),
      ],
    }),
    defineField({
      name: 'honorific',
      title: 'Form of address',
      type: 'string',
      description:
        'Printed before the name ("Dr. Lan Shengxing"). Kept on the document so that searching ' +
        'for the name as shown, "Dr. Lan", finds the doctor.',
      group: 'content',
      readOnly: true,
      initialValue: DOCTOR_HONORIFIC,
    }),
    slugField('name', 96, "Generate a slug for the doctor's page."),
    defineField({
      name: 'specialties',
      title: 'Specialties',
      type: 'array',
      group: 'medical',
      of: [defineArrayMember({type: 'reference', to: [{type: 'specialty'}]})],
      validation: (rule) => [
        rule.unique().error('A specialty is listed twice. Remove the duplicate.'),
        rule
          .min(1)
          .warning('Add at least one specialty so the doctor is offered for the right questions.'),
      ],
    }),
    defineField({
      name: 'credentials',
      title: 'Credentials',
      type: 'string',
      description: 'Degrees and positions, e.g. "MD, attending neurologist".',
      group: 'content',
    }),
    defineField({name: 'bio', title: 'Biography', type: 'blockContent', group: 'content'}),
    defineField({
      name: 'aliases',
      title: 'Aliases',
      type: 'array',
      description:
        'Other spellings of the name seen in imported archives; the importer matches on them.',
      group: 'source',
      of: [defineArrayMember({type: 'string'})],
      validation: (rule) => rule.unique().error('An alias is listed twice. Remove the duplicate.'),
    }),
    defineField({name: 'source', title: 'Source', type: 'source', group: 'source'}),
  ],
  orderings: [{title: 'Name', name: 'nameAsc', by: [{field: 'name', direction: 'asc'}]}],
  preview: {
    select: {
      name: 'name',
      honorific: 'honorific',
      first: 'specialties.0.name',
      second: 'specialties.1.name',
      aliases: 'aliases',
    },
    prepare({name, honorific, first, second, aliases}) {
      const specialties = [first, second].filter(Boolean).join(', ') || 'No specialty'
      const aliasCount = Array.isArray(aliases) ? aliases.length : 0
      return {
        title: name ? `${honorific ?? DOCTOR_HONORIFIC} ${name}` : 'Unnamed doctor',
        subtitle:
          aliasCount > 0
            ? `${specialties} · ${aliasCount} alias${aliasCount > 1 ? 'es' : ''}`
            : specialties,
      }
    },
  },
})
