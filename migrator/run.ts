import type {MultipleMutationResult, Mutation as RawMutation, SanityClient} from '@sanity/client'
import type {SanityDocument} from '@sanity/types'
import {SanityEncoder} from '@sanity/mutate'
import {
  collectMigrationMutations,
  type Migration,
  type Mutation,
  type Path,
  type Transaction,
} from 'sanity/migrate'
import {withRetry} from '../domain/requests.ts'
import {migrationContext} from './context.ts'
import {migrationDocuments} from './documents.ts'
import {migratorDocumentTypesQuery} from './queries.ts'
import {errorMessage} from '../domain/errors.ts'

// Runs a migration written for `sanity migration run` through any @sanity/client: the embedded
// lake or a real project. Sanity's own runner cannot target a local host, so this one collects the
// migration's mutations with `collectMigrationMutations`, encodes them with @sanity/mutate and
// commits them in bounded transactions, one at a time and in order. A dry run commits nothing.
//
// Batching keeps what the migration put together together: the mutations yielded for one document
// go into the same transaction, and a `transaction([...])` the migration yields is committed alone,
// as given. Everything else is packed into transactions of at most `maxMutations` mutations (one
// document's mutations, or a migration's transaction, may exceed it on their own).

export const DEFAULT_MAX_MUTATIONS = 100
/** Sanity's runner caps a transaction's body at 256 kB; so does this one. */
const MAX_BODY_BYTES = 256 * 1024

export interface PlannedTransaction {
  /** Position in the run, from 1. */
  index: number
  /** Set when the migration yielded a transaction with an id. */
  transactionId?: string
  mutations: RawMutation[]
  /** Whether the migration asked for exactly these mutations to be one transaction. */
  atomic: boolean
  /** The `_type` of every document id the transaction touches (as read before it). */
  types: ReadonlyMap<string, string>
  /** The documents it patches as the run read them (recent ones), to show what a patch changes. */
  before: ReadonlyMap<string, SanityDocument>
}

/** Documents kept from reading to planning: a migration patches what it just read. */
const RECENT_DOCUMENTS = 2000

export type MigrationEvent =
  /** A transaction is ready: about to be committed, or (dry run) what would be committed. */
  | {kind: 'transaction'; transaction: PlannedTransaction; dryRun: boolean}
  | {kind: 'committed'; transaction: PlannedTransaction; result: MultipleMutationResult}

export interface TypeCounts {
  /** Documents of this type the migration's mutations touch. */
  documents: number
  mutations: number
  /** After a commit: documents the lake reports created, updated and deleted. */
  created: number
  updated: number
  deleted: number
}

export interface MigrationReport {
  dryRun: boolean
  /** Documents handed to the migration (after `documentTypes` and `filter`). */
  documents: number
  transactions: number
  mutations: number
  byType: Record<string, TypeCounts>
  /** Stopped by the signal before the migration had yielded everything. */
  interrupted: boolean
  seconds: number
}

export interface MigrationRunOptions {
  dryRun: boolean
  /** Mutations per transaction (one yield's mutations, or a transaction it yields, stay whole). */
  maxMutations?: number
  /** Documents read per query. */
  pageSize?: number
  /** Stops the run between transactions: the committed ones stay, a re-run does the rest. */
  signal?: AbortSignal
  /** Told about every transaction; the run waits for it when it returns a promise. */
  onEvent?: (event: MigrationEvent) => void | Promise<void>
}

/** The document a raw mutation targets, and its type when the mutation carries the document. */
export function mutationTarget(mutation: RawMutation): {id?: string; type?: string} {
  const document =
    'create' in mutation
      ? mutation.create
      : 'createOrReplace' in mutation
        ? mutation.createOrReplace
        : 'createIfNotExists' in mutation
          ? mutation.createIfNotExists
          : undefined
  if (document) return {...(document._id ? {id: document._id} : {}), type: document._type}
  const selection =
    'patch' in mutation ? mutation.patch : 'delete' in mutation ? mutation.delete : undefined
  return selection && 'id' in selection && typeof selection.id === 'string'
    ? {id: selection.id}
    : {}
}

/** @sanity/mutate's paths have no index tuples (`[1, 3]`, a range); Sanity's patches cannot take one. */
function pathElement(segment: Path[number]) {
  if (Array.isArray(segment)) throw new Error('A migration patch path cannot contain a range')
  return segment
}

/** Raw mutations for the HTTP API, as `sanity migration run` encodes them. */
export function encodeMutations(mutations: Mutation[]): RawMutation[] {
  return SanityEncoder.encodeAll(
    mutations.map((mutation) =>
      mutation.type === 'patch'
        ? {
            ...mutation,
            patches: mutation.patches.map((patch) => ({
              ...patch,
              path: patch.path.map(pathElement),
            })),
          }
        : mutation,
    ),
  )
}

function emptyCounts(): TypeCounts {
  return {documents: 0, mutations: 0, created: 0, updated: 0, deleted: 0}
}

/** The run failed (a commit, or the migration itself); `report` says what was committed. */
export class MigrationRunError extends Error {
  readonly report: MigrationReport
  constructor(message: string, report: MigrationReport, cause: unknown) {
    super(message, {cause})
    this.name = 'MigrationRunError'
    this.report = report
  }
}

export async function runMigration(
  client: SanityClient,
  migration: Migration,
  options: MigrationRunOptions,
): Promise<MigrationReport> {
  const started = performance.now()
  const maxMutations = options.maxMutations ?? DEFAULT_MAX_MUTATIONS
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  /** `_type` of the documents read so far (and looked up), for the per-type counts. */
  const typeOf = new Map<string, string>()
  const read = new Set<string>()
  const recent = new Map<string, SanityDocument>()
  const touched = new Map<string, Set<string>>()
  const outcomes = {create: new Set<string>(), update: new Set<string>(), delete: new Set<string>()}
  const byType = new Map<string, TypeCounts>()
  const counts = (type: string) => {
    const known = byType.get(type)
    if (known) return known
    const created = emptyCounts()
    byType.set(type, created)
    return created
  }
  const report: MigrationReport = {
    dryRun: options.dryRun,
    documents: 0,
    transactions: 0,
    mutations: 0,
    byType: {},
    interrupted: false,
    seconds: 0,
  }

  const documents = migrationDocuments(raw, migration, {
    ...(options.pageSize ? {pageSize: options.pageSize} : {}),
    onDocument: (document) => {
      // A migration may read the documents more than once (two passes); count each once.
      if (!read.has(document._id)) report.documents++
      read.add(document._id)
      typeOf.set(document._id, document._type)
      recent.delete(document._id)
      recent.set(document._id, document)
      if (recent.size > RECENT_DOCUMENTS) recent.delete(recent.keys().next().value ?? '')
    },
  })
  const context = migrationContext(raw, migration, {dryRun: options.dryRun})

  async function typesFor(mutations: RawMutation[]): Promise<Map<string, string>> {
    const types = new Map<string, string>()
    const unknown: string[] = []
    for (const mutation of mutations) {
      const {id, type} = mutationTarget(mutation)
      if (!id) continue
      const known = type ?? typeOf.get(id)
      if (known) types.set(id, known)
      else unknown.push(id)
    }
    if (unknown.length > 0) {
      const found = await raw.fetch(migratorDocumentTypesQuery, {ids: unknown})
      for (const {_id, _type} of found) {
        types.set(_id, _type)
        typeOf.set(_id, _type)
      }
    }
    return types
  }

  const stopped = () => options.signal?.aborted === true

  async function send(mutations: RawMutation[], atomic: boolean, transactionId?: string) {
    if (mutations.length === 0 || stopped()) return
    const transaction: PlannedTransaction = {
      index: report.transactions + 1,
      ...(transactionId ? {transactionId} : {}),
      mutations,
      atomic,
      types: await typesFor(mutations),
      before: new Map(
        mutations.flatMap((mutation) => {
          const document = recent.get(mutationTarget(mutation).id ?? '')
          return document ? [[document._id, document] as const] : []
        }),
      ),
    }
    await options.onEvent?.({kind: 'transaction', transaction, dryRun: options.dryRun})
    if (!options.dryRun) {
      const result = await withRetry(() =>
        raw.mutate(mutations, {
          ...(transactionId ? {transactionId} : {}),
          visibility: 'sync',
          autoGenerateArrayKeys: true,
          returnDocuments: false,
          returnFirst: false,
          tag: 'migration',
        }),
      )
      for (const {id, operation} of result.results) {
        if (operation !== 'none') outcomes[operation].add(id)
      }
      await options.onEvent?.({kind: 'committed', transaction, result})
    }
    report.transactions++
    report.mutations += mutations.length
    for (const mutation of mutations) {
      const {id} = mutationTarget(mutation)
      const type = (id && transaction.types.get(id)) || 'unknown'
      counts(type).mutations++
      if (!id) continue
      const ids = touched.get(type) ?? new Set()
      ids.add(id)
      touched.set(type, ids)
    }
  }

  // Mutations waiting to be committed together, and their encoded size.
  let pending: RawMutation[] = []
  let pendingBytes = 0
  const flush = async () => {
    const mutations = pending
    pending = []
    pendingBytes = 0
    await send(mutations, false)
  }
  /**
   * Adds one yield's mutations (one document's, for a document migration). They are never split:
   * a patch's operations share one ifRevisionID, which a second transaction would no longer match.
   * A group over the limits alone is committed alone.
   */
  const add = async (group: RawMutation[]) => {
    const bytes = JSON.stringify(group).length
    const full =
      pending.length + group.length > maxMutations || pendingBytes + bytes > MAX_BODY_BYTES
    if (full) await flush()
    pending.push(...group)
    pendingBytes += bytes
  }

  function finish(): MigrationReport {
    for (const [type, ids] of touched) counts(type).documents = ids.size
    for (const [operation, ids] of Object.entries(outcomes)) {
      for (const id of ids) {
        const typeCounts = counts(typeOf.get(id) ?? 'unknown')
        if (operation === 'create') typeCounts.created++
        if (operation === 'update') typeCounts.updated++
        if (operation === 'delete') typeCounts.deleted++
      }
    }
    report.byType = Object.fromEntries([...byType].sort(([a], [b]) => a.localeCompare(b)))
    report.interrupted = stopped()
    report.seconds = Math.round((performance.now() - started) / 10) / 100
    return report
  }

  try {
    for await (const yielded of collectMigrationMutations(migration, documents, context)) {
      const items: (Mutation | Transaction)[] = [yielded].flat()
      let group: Mutation[] = []
      for (const item of items) {
        if (item.type !== 'transaction') {
          group.push(item)
          continue
        }
        // Keep the migration's order: what came before the transaction is committed before it.
        await add(encodeMutations(group))
        group = []
        await flush()
        await send(encodeMutations(item.mutations), true, item.id)
      }
      await add(encodeMutations(group))
      if (stopped()) break
    }
    await flush()
  } catch (error) {
    const message = errorMessage(error)
    throw new MigrationRunError(message, finish(), error)
  }
  return finish()
}
