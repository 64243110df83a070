import type {Transaction} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'

// Document history for Studio's "Review changes" and restore: the transactions this lake process
// committed, with whole-value mendoza effects, and every document as of each revision. Kept in
// memory (bounded); after a restart, history starts again from the current documents.

const MAX_TRANSACTIONS = 20_000

export interface HistoryTransaction {
  id: string
  timestamp: string
  author: string
  documentIDs: string[]
  mutations: unknown[]
  effects: Record<string, {apply: unknown[]; revert: unknown[]}>
}

export interface HistoryQuery {
  fromTransaction?: string
  toTransaction?: string
  fromTime?: string
  toTime?: string
  reverse?: boolean
  limit?: number
  excludeContent?: boolean
}

export class History {
  private readonly transactions: Transaction[] = []
  /** Document revisions: `<id>@<rev>` → document, for documents changed in this process. */
  private readonly revisions = new Map<string, LakeDocument | null>()

  record(transaction: Transaction) {
    this.transactions.push(transaction)
    for (const change of transaction.changes) {
      if (change.before?._rev)
        this.revisions.set(`${change.id}@${change.before._rev}`, change.before)
      if (change.after?._rev) this.revisions.set(`${change.id}@${change.after._rev}`, change.after)
    }
    if (this.transactions.length > MAX_TRANSACTIONS) {
      const dropped = this.transactions.splice(0, this.transactions.length - MAX_TRANSACTIONS)
      for (const old of dropped) {
        for (const change of old.changes) {
          if (change.before?._rev) this.revisions.delete(`${change.id}@${change.before._rev}`)
        }
      }
    }
  }

  /** Transactions touching any of `ids`, oldest first (newest first with `reverse`). */
  transactionsFor(ids: readonly string[], query: HistoryQuery = {}): HistoryTransaction[] {
    const wanted = new Set(ids)
    let list = this.transactions.filter((transaction) =>
      transaction.changes.some((change) => wanted.has(change.id)),
    )
    if (query.fromTransaction) {
      const start = list.findIndex((transaction) => transaction.id === query.fromTransaction)
      if (start >= 0) list = list.slice(start)
    }
    if (query.toTransaction) {
      const end = list.findIndex((transaction) => transaction.id === query.toTransaction)
      if (end >= 0) list = list.slice(0, end + 1)
    }
    if (query.fromTime)
      list = list.filter((transaction) => transaction.timestamp >= (query.fromTime ?? ''))
    if (query.toTime)
      list = list.filter((transaction) => transaction.timestamp <= (query.toTime ?? ''))
    if (query.reverse) list = [...list].reverse()
    if (query.limit !== undefined) list = list.slice(0, query.limit)
    return list.map((transaction) => {
      const changes = transaction.changes.filter((change) => wanted.has(change.id))
      return {
        id: transaction.id,
        timestamp: transaction.timestamp,
        author: 'local-editor',
        documentIDs: changes.map((change) => change.id),
        mutations: query.excludeContent ? [] : transaction.mutations,
        effects: Object.fromEntries(
          changes.map((change) => [
            change.id,
            {apply: [0, change.after], revert: [0, change.before]},
          ]),
        ),
      }
    })
  }

  /** A document as of a revision, if this process has seen it. */
  documentAt(
    id: string,
    revision: string,
    current: LakeDocument | undefined,
  ): LakeDocument | null | undefined {
    if (current?._rev === revision) return current
    return this.revisions.get(`${id}@${revision}`)
  }
}
