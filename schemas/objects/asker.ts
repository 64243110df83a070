import {defineField, defineType} from '@sanity/types'
import {noFullName} from '../validation/rules.ts'

export const AGE_RANGES = [
  'under 10',
  '10~19',
  '20~29',
  '30~39',
  '40~49',
  '50~59',
  '60~69',
  '70~79',
  '80~89',
  '90+',
] as const

const GENDERS = [
  {title: 'Female', value: 'female'},
  {title: 'Male', value: 'male'},
  {title: 'Other', value: 'other'},
  {title: 'Not stated', value: 'unknown'},
] as const

/** Who asked: shown on the thread as "C., 20~29 year old female". */
export const askerType = defineType({
  name: 'asker',
  title: 'Asker',
  type: 'object',
  fields: [
    defineField({
      name: 'displayName',
      title: 'Display name',
      type: 'string',
      description: 'Initial only (e.g. "C."), never the full name.',
    }),
    defineField({
      name: 'ageRange',
      title: 'Age range',
      type: 'string',
      options: {list: [...AGE_RANGES]},
    }),
    defineField({
      name: 'gender',
      title: 'Gender',
      type: 'string',
      options: {list: [...GENDERS], layout: 'radio', direction: 'horizontal'},
    }),
  ],
  validation: (rule) => rule.custom(noFullName).warning(),
})
