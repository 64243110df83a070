import type {SanityClient} from '@sanity/client'
import type {SanityDocument} from '@sanity/types'
import {evaluate, type ExprNode, parse} from 'groq-js'
import type {Migration} from 'sanity/migrate'
import {migratorDocumentsByIdQuery, migratorIdsQuery, migratorTypeIdsQuery} from './queries.ts'
import {errorMessage} from '../domain/errors.ts'

// The documents a migration runs on, chosen the way Sanity's runner chooses them from a dataset
// export: drafts included, system documents (`_.…`) left out, `documentTypes` and the GROQ
// `filter` applied (the filter evaluated here with groq-js, exactly as `sanity migration run`
// does, so the same migration selects the same documents everywhere).

const DEFAULT_PAGE_SIZE = 500

function isSystemDocument(id: string): boolean {
  return id.startsWith('_.')
}

function parseFilter(filter: string): ExprNode {
  try {
    return parse(`*[${filter}]`)
  } catch (error) {
    throw new Error(
      `The migration's filter "${filter}" is not valid GROQ: ${errorMessage(error)}`,
      {cause: error},
    )
  }
}

/** Whether the filter selects the document, evaluated on it alone as Sanity's runner does. */
async function matches(filter: ExprNode, document: unknown): Promise<boolean> {
  const selected: unknown = await (await evaluate(filter, {dataset: [document]})).get()
  return Array.isArray(selected) && selected.length === 1
}

/** Keeps the documents of the migration's types that match its filter, in their order. */
function migrationSelector(migration: Pick<Migration, 'documentTypes' | 'filter'>) {
  const types = migration.documentTypes?.length ? new Set(migration.documentTypes) : undefined
  const filter = migration.filter ? parseFilter(migration.filter) : undefined
  return async function select<T extends {_id: string; _type: string}>(
    documents: T[],
  ): Promise<T[]> {
    const selected: T[] = []
    for (const document of documents) {
      if (isSystemDocument(document._id)) continue
      if (types !== undefined && !types.has(document._type)) continue
      if (filter && !(await matches(filter, document))) continue
      selected.push(document)
    }
    return selected
  }
}

export interface DocumentSourceOptions {
  pageSize?: number
  /** Called for every document handed to the migration. */
  onDocument?: (document: SanityDocument) => void
}

/**
 * A `documents()` factory for `collectMigrationMutations`: each call starts a fresh pass over the
 * dataset, by type when the migration names its types. A pass takes the ids as they are when it
 * starts (like the export Sanity's runner reads), then reads the documents a page at a time, so
 * memory holds ids, not documents, however large the dataset is. Documents deleted meanwhile are
 * skipped; the ones read are current, so their `_rev` is what a patch should expect.
 */
export function migrationDocuments(
  client: SanityClient,
  migration: Pick<Migration, 'documentTypes' | 'filter'>,
  options: DocumentSourceOptions = {},
): () => AsyncIterableIterator<SanityDocument> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
  const select = migrationSelector(migration)
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  const idsOf = (type: string | undefined): Promise<string[]> =>
    type === undefined ? raw.fetch(migratorIdsQuery) : raw.fetch(migratorTypeIdsQuery, {type})

  return async function* documents() {
    const types = migration.documentTypes?.length ? [...migration.documentTypes] : [undefined]
    for (const type of types) {
      const ids = await idsOf(type)
      for (let start = 0; start < ids.length; start += pageSize) {
        const page: SanityDocument[] = await raw.fetch(migratorDocumentsByIdQuery, {
          ids: ids.slice(start, start + pageSize),
        })
        for (const document of await select(page)) {
          options.onDocument?.(document)
          yield document
        }
      }
    }
  }
}

/** The documents with these ids that the migration would run on (`context.filtered`). */
export async function selectedDocuments<T extends {_id: string; _type: string}>(
  client: SanityClient,
  migration: Pick<Migration, 'documentTypes' | 'filter'>,
  ids: string[],
): Promise<T[]> {
  if (ids.length === 0) return []
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  const found = await raw.fetch<T[]>(migratorDocumentsByIdQuery, {ids})
  const selected = new Map(
    (await migrationSelector(migration)(found)).map((document) => [document._id, document]),
  )
  return ids.flatMap((id) => selected.get(id) ?? [])
}

/** The document with this id, if the migration would run on it. */
export async function selectedDocument<T extends {_id: string; _type: string}>(
  client: SanityClient,
  migration: Pick<Migration, 'documentTypes' | 'filter'>,
  id: string,
): Promise<T | undefined> {
  const [document] = await selectedDocuments<T>(client, migration, [id])
  return document
}
