import type {Mutation, SanityClient} from '@sanity/client'
import {createWriteStream, type WriteStream} from 'node:fs'
import {once} from 'node:events'
import type {
  ImportExistingDocumentsQueryResult,
  ImportQuestionsByKeyQueryResult,
  ImportQuestionsByTitleKeyQueryResult,
  ImportUnresolvedSimilarQueryResult,
} from '../sanity.types.ts'
import {
  importExistingDocumentsQuery,
  importQuestionsByKeyQuery,
  importQuestionsByTitleKeyQuery,
  importUnresolvedSimilarQuery,
} from './queries.ts'
import {withRetry} from '../domain/requests.ts'

// Where an import goes: a dataset behind @sanity/client (the embedded lake or a real project),
// or an NDJSON file for `sanity dataset import`. The pipeline only sees this interface.

export type ExistingDocument = ImportExistingDocumentsQueryResult[number]
type UnresolvedQuestion = ImportUnresolvedSimilarQueryResult[number]

export interface ImportTarget {
  /** Existing documents by id (drafts included), for change detection. */
  fetchDocuments(ids: string[]): Promise<Map<string, ExistingDocument>>
  questionsByTitleKey(keys: string[]): Promise<ImportQuestionsByTitleKeyQueryResult>
  /** Questions with these question keys (quality: repeated questions). */
  questionsByKey(keys: string[]): Promise<ImportQuestionsByKeyQueryResult>
  /** Questions with similar entries that reference nothing yet. */
  questionsWithUnresolved(): Promise<UnresolvedQuestion[]>
  commit(mutations: Mutation[]): Promise<void>
  close(): Promise<void>
}

export function clientTarget(client: SanityClient, {dryRun}: {dryRun: boolean}): ImportTarget {
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  return {
    async fetchDocuments(ids) {
      if (ids.length === 0) return new Map()
      const documents = await raw.fetch(importExistingDocumentsQuery, {ids})
      return new Map(documents.map((document) => [document._id, document]))
    },
    async questionsByTitleKey(keys) {
      if (keys.length === 0) return []
      return raw.fetch(importQuestionsByTitleKeyQuery, {keys})
    },
    async questionsByKey(keys) {
      if (keys.length === 0) return []
      return raw.fetch(importQuestionsByKeyQuery, {keys})
    },
    async questionsWithUnresolved() {
      return raw.fetch(importUnresolvedSimilarQuery)
    },
    async commit(mutations) {
      if (dryRun || mutations.length === 0) return
      await withRetry(() => raw.mutate(mutations, {visibility: 'async', returnDocuments: false}))
    },
    async close() {},
  }
}

/** Writes the documents of create mutations as NDJSON; there is nothing to compare against. */
export function ndjsonTarget(path: string): ImportTarget {
  const out: WriteStream = createWriteStream(path)
  const written = new Set<string>()
  return {
    fetchDocuments: async () => new Map(),
    questionsByTitleKey: async () => [],
    questionsByKey: async () => [],
    questionsWithUnresolved: async () => [],
    async commit(mutations) {
      for (const mutation of mutations) {
        const document =
          'createIfNotExists' in mutation
            ? mutation.createIfNotExists
            : 'create' in mutation
              ? mutation.create
              : undefined
        if (!document?._id || written.has(document._id)) continue
        written.add(document._id)
        if (!out.write(`${JSON.stringify(document)}\n`)) await once(out, 'drain')
      }
    },
    async close() {
      out.end()
      await once(out, 'finish')
    },
  }
}
