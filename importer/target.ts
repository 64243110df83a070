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

// Where an import goes: a dataset behind @sanity/client (the embedded lake or a real project),
// or an NDJSON file for `sanity dataset import`. The pipeline only sees this interface.

export type ExistingDocument = ImportExistingDocumentsQueryResult[number]
export type UnresolvedQuestion = ImportUnresolvedSimilarQueryResult[number]

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

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504])

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined
  return typeof error.statusCode === 'number' ? error.statusCode : undefined
}

/** Connection-level failures (ECONNRESET, ECONNREFUSED…) carry a `code` and no status. */
function isNetworkError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
  )
}

/**
 * A revision conflict (409): a document changed between reading it and writing it (an editor,
 * or a concurrent writer such as the similar-thread updater). Retrying the same mutations cannot
 * help; the writer reads again and decides again.
 */
export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409
}

/** A request over the server's size limit (413): the same mutations, split, may pass. */
export function isTooLarge(error: unknown): boolean {
  return statusOf(error) === 413
}

/** Waits before retry `attempt` (1, 2, …): exponential from `baseMs`, with jitter. */
export function backoff(attempt: number, baseMs: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(resolve, baseMs * 2 ** (attempt - 1) * (0.5 + Math.random())),
  )
}

/** Retries rate limits, server errors and dropped connections with exponential backoff. */
export async function withRetry<T>(work: () => Promise<T>, attempts = 6, baseMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const status = statusOf(error)
      const transient = status === undefined ? isNetworkError(error) : RETRYABLE.has(status)
      if (!transient || attempt >= attempts) throw error
      await backoff(attempt, baseMs)
    }
  }
}

export function clientTarget(client: SanityClient, {dryRun}: {dryRun: boolean}): ImportTarget {
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  return {
    async fetchDocuments(ids) {
      if (ids.length === 0) return new Map()
      const documents = await withRetry(() => raw.fetch(importExistingDocumentsQuery, {ids}))
      return new Map(documents.map((document) => [document._id, document]))
    },
    async questionsByTitleKey(keys) {
      if (keys.length === 0) return []
      return withRetry(() => raw.fetch(importQuestionsByTitleKeyQuery, {keys}))
    },
    async questionsByKey(keys) {
      if (keys.length === 0) return []
      return withRetry(() => raw.fetch(importQuestionsByKeyQuery, {keys}))
    },
    async questionsWithUnresolved() {
      return withRetry(() => raw.fetch(importUnresolvedSimilarQuery))
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
