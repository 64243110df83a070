import {defineQuery} from 'groq'

// What the migration runner reads (raw perspective: drafts are migrated too, as Sanity's runner
// does with a dataset export). A pass lists the ids first (one cheap query, in id order), then
// reads the documents by id a page at a time: an index lookup on the lake and on Sanity alike.

export const migratorTypeIdsQuery = defineQuery(`*[_type == $type] | order(_id asc)._id`)

export const migratorIdsQuery = defineQuery(`*[!(_id in path("_.**"))] | order(_id asc)._id`)

export const migratorDocumentsByIdQuery = defineQuery(`*[_id in $ids] | order(_id asc)`)

export const migratorDocumentTypesQuery = defineQuery(`*[_id in $ids]{_id, _type}`)
