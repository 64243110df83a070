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

const DEFAULT_MAX_MUTATIONS = 100
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

/** One run's state: what it has read, what it is about to commit, and the counts so far. */
class MigrationRun {
  readonly report: MigrationReport
  /** `_type` of the documents read so far (and looked up), for the per-type counts. */
  private readonly typeOf = new Map<string, string>()
  private readonly read = new Set<string>()
  private readonly recent = new Map<string, SanityDocument>()
  private readonly touched = new Map<string, Set<string>>()
  private readonly outcomes = {
    create: new Set<string>(),
    update: new Set<string>(),
    delete: new Set<string>(),
  }
  private readonly byType = new Map<string, TypeCounts>()
  // Mutations waiting to be committed together, and their encoded size.
  private pending: RawMutation[] = []
  private pendingBytes = 0
  private readonly started = performance.now()
  private readonly raw: SanityClient
  private readonly options: MigrationRunOptions
  private readonly maxMutations: number

  constructor(raw: SanityClient, options: MigrationRunOptions) {
    this.raw = raw
    this.options = options
    this.maxMutations = options.maxMutations ?? DEFAULT_MAX_MUTATIONS
    this.report = {
      dryRun: options.dryRun,
      documents: 0,
      transactions: 0,
      mutations: 0,
      byType: {},
      interrupted: false,
      seconds: 0,
    }
  }

  stopped() {
    return this.options.signal?.aborted === true
  }

  /** Notes a document handed to the migration: its type, and it as recently read. */
  documentRead(document: SanityDocument) {
    // A migration may read the documents more than once (two passes); count each once.
    if (!this.read.has(document._id)) this.report.documents++
    this.read.add(document._id)
    this.typeOf.set(document._id, document._type)
    this.recent.delete(document._id)
    this.recent.set(document._id, document)
    if (this.recent.size > RECENT_DOCUMENTS)
      this.recent.delete(this.recent.keys().next().value ?? '')
  }

  private counts(type: string) {
    const known = this.byType.get(type)
    if (known) return known
    const created = emptyCounts()
    this.byType.set(type, created)
    return created
  }

  /** The `_type` of every document the mutations touch; those not read yet are looked up. */
  private async typesFor(mutations: RawMutation[]): Promise<Map<string, string>> {
    const types = new Map<string, string>()
    const unknown: string[] = []
    for (const mutation of mutations) {
      const {id, type} = mutationTarget(mutation)
      if (!id) continue
      const known = type ?? this.typeOf.get(id)
      if (known) types.set(id, known)
      else unknown.push(id)
    }
    if (unknown.length > 0) {
      const found = await this.raw.fetch(migratorDocumentTypesQuery, {ids: unknown})
      for (const {_id, _type} of found) {
        types.set(_id, _type)
        this.typeOf.set(_id, _type)
      }
    }
    return types
  }

  private async plan(
    mutations: RawMutation[],
    atomic: boolean,
    transactionId: string | undefined,
  ): Promise<PlannedTransaction> {
    return {
      index: this.report.transactions + 1,
      ...(transactionId ? {transactionId} : {}),
      mutations,
      atomic,
      types: await this.typesFor(mutations),
      before: new Map(
        mutations.flatMap((mutation) => {
          const document = this.recent.get(mutationTarget(mutation).id ?? '')
          return document ? [[document._id, document] as const] : []
        }),
      ),
    }
  }

  private async commit(transaction: PlannedTransaction) {
    const {mutations, transactionId} = transaction
    const result = await withRetry(() =>
      this.raw.mutate(mutations, {
        ...(transactionId ? {transactionId} : {}),
        visibility: 'sync',
        autoGenerateArrayKeys: true,
        returnDocuments: false,
        returnFirst: false,
        tag: 'migration',
      }),
    )
    for (const {id, operation} of result.results) {
      if (operation !== 'none') this.outcomes[operation].add(id)
    }
    await this.options.onEvent?.({kind: 'committed', transaction, result})
  }

  private countMutations(transaction: PlannedTransaction) {
    this.report.transactions++
    this.report.mutations += transaction.mutations.length
    for (const mutation of transaction.mutations) {
      const {id} = mutationTarget(mutation)
      const type = (id && transaction.types.get(id)) || 'unknown'
      this.counts(type).mutations++
      if (!id) continue
      const ids = this.touched.get(type) ?? new Set()
      ids.add(id)
      this.touched.set(type, ids)
    }
  }

  /** One transaction: told to `onEvent`, committed unless this is a dry run, counted. */
  async send(mutations: RawMutation[], atomic: boolean, transactionId?: string) {
    if (mutations.length === 0 || this.stopped()) return
    const transaction = await this.plan(mutations, atomic, transactionId)
    await this.options.onEvent?.({kind: 'transaction', transaction, dryRun: this.options.dryRun})
    if (!this.options.dryRun) await this.commit(transaction)
    this.countMutations(transaction)
  }

  async flush() {
    const mutations = this.pending
    this.pending = []
    this.pendingBytes = 0
    await this.send(mutations, false)
  }

  /**
   * Adds one yield's mutations (one document's, for a document migration). They are never split:
   * a patch's operations share one ifRevisionID, which a second transaction would no longer match.
   * A group over the limits alone is committed alone.
   */
  async add(group: RawMutation[]) {
    const bytes = JSON.stringify(group).length
    const full =
      this.pending.length + group.length > this.maxMutations ||
      this.pendingBytes + bytes > MAX_BODY_BYTES
    if (full) await this.flush()
    this.pending.push(...group)
    this.pendingBytes += bytes
  }

  /** Commits what one yield gave, keeping the migration's transactions whole and in order. */
  async take(yielded: Mutation | Transaction | (Mutation | Transaction)[]) {
    const items: (Mutation | Transaction)[] = [yielded].flat()
    let group: Mutation[] = []
    for (const item of items) {
      if (item.type !== 'transaction') {
        group.push(item)
        continue
      }
      // Keep the migration's order: what came before the transaction is committed before it.
      await this.add(encodeMutations(group))
      group = []
      await this.flush()
      await this.send(encodeMutations(item.mutations), true, item.id)
    }
    await this.add(encodeMutations(group))
  }

  finish(): MigrationReport {
    for (const [type, ids] of this.touched) this.counts(type).documents = ids.size
    for (const [operation, ids] of Object.entries(this.outcomes)) {
      for (const id of ids) {
        const typeCounts = this.counts(this.typeOf.get(id) ?? 'unknown')
        if (operation === 'create') typeCounts.created++
        if (operation === 'update') typeCounts.updated++
        if (operation === 'delete') typeCounts.deleted++
      }
    }
    this.report.byType = Object.fromEntries([...this.byType].sort(([a], [b]) => a.localeCompare(b)))
    this.report.interrupted = this.stopped()
    this.report.seconds = Math.round((performance.now() - this.started) / 10) / 100
    return this.report
  }
}

export async function runMigration(
  client: SanityClient,
  migration: Migration,
  options: MigrationRunOptions,
): Promise<MigrationReport> {
  const raw = client.withConfig({perspective: 'raw', useCdn: false})
  const run = new MigrationRun(raw, options)
  const documents = migrationDocuments(raw, migration, {
    ...(options.pageSize ? {pageSize: options.pageSize} : {}),
    onDocument: (document) => run.documentRead(document),
  })
  const context = migrationContext(raw, migration, {dryRun: options.dryRun})
  try {
    for await (const yielded of collectMigrationMutations(migration, documents, context)) {
      await run.take(yielded)
      if (run.stopped()) break
    }
    await run.flush()
  } catch (error) {
    const message = errorMessage(error)
    throw new MigrationRunError(message, run.finish(), error)
  }
  return run.finish()
}
