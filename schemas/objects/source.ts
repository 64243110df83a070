import {defineField, defineType} from '@sanity/types'

/** Where an imported document came from; the importer uses the hash to detect editor changes. */
export const sourceType = defineType({
  name: 'source',
  title: 'Source',
  type: 'object',
  options: {collapsible: true, collapsed: true},
  fields: [
    defineField({name: 'site', title: 'Site', type: 'string'}),
    defineField({
      name: 'url',
      title: 'URL',
      type: 'url',
      validation: (rule) =>
        rule
          .uri({scheme: ['http', 'https']})
          .error('The source URL must start with http:// or https://.'),
    }),
    defineField({name: 'externalId', title: 'External id', type: 'string'}),
    defineField({name: 'scrapedAt', title: 'Scraped at', type: 'datetime'}),
    defineField({name: 'importedAt', title: 'Imported at', type: 'datetime', readOnly: true}),
    defineField({
      name: 'contentHash',
      title: 'Content hash',
      type: 'string',
      description:
        'Hash of the imported content; lets re-imports tell editor changes from source changes.',
      readOnly: true,
    }),
  ],
})
