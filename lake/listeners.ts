import {evaluate, type ExprNode} from 'groq-js'
import {QueryBudget, withYieldPoints, YIELD_MARKER} from './budget.ts'
import type {DocumentChange, Transaction} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {isPrivateId} from './ids.ts'
import {DEFAULT_QUERY_TIMEOUT_MS, parseListenQuery} from './query.ts'
import {TOOLS_ID} from './users.ts'

// Listener mutation events in the shape @sanity/client and Studio consume: one event per
// document per transaction, with whole-value mendoza effects ([0, value] sets the whole document).

export interface ListenOptions {
  query: string
  params: Record<string, unknown>
  includeResult: boolean
  includePreviousRevision: boolean
  /** Whether events carry the submitted mutations (Studio asks for none). */
  includeMutations?: boolean
  effectFormat?: 'mendoza'
  /** Anonymous listeners see public documents only (no `.` in the id). */
  publicOnly: boolean
  /** Time limit for matching one transaction's documents (default: a query's). */
  timeoutMs?: number
}

export interface MutationEvent {
  eventId: string
  documentId: string
  transactionId: string
  transition: 'appear' | 'update' | 'disappear'
  identity: string
  mutations?: unknown[]
  previousRev?: string
  resultRev: string
  timestamp: string
  visibility: 'query'
  transactionTotalEvents: number
  transactionCurrentEvent: number
  result?: LakeDocument | null
  previous?: LakeDocument | null
  effects?: {apply: unknown[]; revert: unknown[]}
}

export class ListenerFilter {
  private readonly tree: ExprNode
  private readonly options: ListenOptions

  /** Parses and checks the filter: a 400 for bad GROQ or functions the lake cannot evaluate. */
  constructor(options: ListenOptions) {
    this.options = options
    this.tree = withYieldPoints(parseListenQuery(options.query))
  }

  private async matches(document: LakeDocument | null, budget: QueryBudget): Promise<boolean> {
    if (!document) return false
    if (this.options.publicOnly && isPrivateId(document._id)) return false
    const value = await evaluate(this.tree, {
      dataset: [document],
      params: this.options.params,
      dereference: ({_ref}) => (_ref === YIELD_MARKER ? budget.tick() : null),
    })
    const result: unknown = await value.get()
    return Array.isArray(result) ? result.length > 0 : Boolean(result)
  }

  /** Events this listener should receive for a committed transaction; rejects past the limit. */
  eventsFor(transaction: Transaction): Promise<MutationEvent[]> {
    const budget = new QueryBudget(this.options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)
    return budget.run(this.collectEvents(transaction, budget))
  }

  private async collectEvents(
    transaction: Transaction,
    budget: QueryBudget,
  ): Promise<MutationEvent[]> {
    const relevant: {change: DocumentChange; before: boolean; after: boolean}[] = []
    for (const change of transaction.changes) {
      const before = await this.matches(change.before, budget)
      const after = await this.matches(change.after, budget)
      if (before || after) relevant.push({change, before, after})
    }
    const mutationsFor =
      relevant.length > 0 && this.options.includeMutations !== false
        ? byDocument(transaction, this.options.publicOnly)
        : undefined
    return relevant.map(({change, before, after}, index) => {
      const event: MutationEvent = {
        eventId: `${transaction.id}#${change.id}`,
        documentId: change.id,
        transactionId: transaction.id,
        transition: !before ? 'appear' : !after ? 'disappear' : 'update',
        // Studio names the author of a remote change by this user id (lake/users.ts).
        identity: transaction.author ?? TOOLS_ID,
        ...(mutationsFor ? {mutations: mutationsFor(change.id)} : {}),
        ...(change.before?._rev ? {previousRev: change.before._rev} : {}),
        // Always set, as Sanity does: for a deletion it is the transaction's revision. Studio
        // chains a document's events by previousRev -> resultRev and drops one without it.
        resultRev: change.after?._rev ?? transaction.id,
        timestamp: transaction.timestamp,
        visibility: 'query',
        transactionTotalEvents: relevant.length,
        transactionCurrentEvent: index + 1,
      }
      if (this.options.includeResult) event.result = change.after
      if (this.options.includePreviousRevision) event.previous = change.before
      if (this.options.effectFormat === 'mendoza') {
        event.effects = {apply: [0, change.after], revert: [0, change.before]}
      }
      return event
    })
  }
}

function idOf(mutation: unknown): string | undefined {
  if (typeof mutation !== 'object' || mutation === null) return undefined
  const body: unknown = Object.values(mutation)[0]
  if (typeof body !== 'object' || body === null) return undefined
  const id = '_id' in body ? body._id : 'id' in body ? body.id : undefined
  return typeof id === 'string' ? id : undefined
}

/** Per transaction, shared by every listener: filtering all mutations per event is quadratic. */
const mutationLookups = new WeakMap<Transaction, (documentId: string) => unknown[]>()

/**
 * The submitted mutations that concern one document (query-based ones are kept for all). Only
 * exact ids: Studio replays an event's mutations on that document, so a publish's
 * `delete drafts.x` in the event for `x` would make the published document vanish from it.
 * Anonymous listeners get exact-id mutations only: a query-based patch may be what changed a
 * draft in the same transaction, and its values are the draft's.
 */
function byDocument(
  transaction: Transaction,
  publicOnly: boolean,
): (documentId: string) => unknown[] {
  if (publicOnly) {
    return (documentId) => transaction.mutations.filter((mutation) => idOf(mutation) === documentId)
  }
  let lookup = mutationLookups.get(transaction)
  if (lookup) return lookup
  const byId = new Map<string, unknown[]>()
  let forAll = false
  for (const mutation of transaction.mutations) {
    const id = idOf(mutation)
    if (id === undefined) {
      forAll = true
      break
    }
    let list = byId.get(id)
    if (!list) byId.set(id, (list = []))
    list.push(mutation)
  }
  lookup = forAll
    ? (documentId) =>
        transaction.mutations.filter((mutation) => {
          const id = idOf(mutation)
          return id === undefined || id === documentId
        })
    : (documentId) => byId.get(documentId) ?? []
  mutationLookups.set(transaction, lookup)
  return lookup
}
