import type {Transaction} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'

// Document history for Studio's "Review changes" and restore: the latest transactions this lake
// process committed, with whole-value mendoza effects, and the documents as of their revisions.
// Kept in memory and bounded by document changes, not transactions: a bulk import commits
// hundreds of documents per transaction, and holding them all (with the submitted mutations and
// every replaced version) would grow the heap with the dataset and slow every full GC. After a
// restart, history starts again from the current documents.

/** Document changes kept; the newest transaction is kept whatever its size. */
const MAX_CHANGES = 10_000

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
  /** Oldest first. */
  private readonly transactions: Transaction[] = []
  /** Document changes in `transactions`. */
  private changes = 0
  private readonly maxChanges: number

  constructor(maxChanges = MAX_CHANGES) {
    this.maxChanges = maxChanges
  }

  record(transaction: Transaction) {
    this.transactions.push(transaction)
    this.changes += transaction.changes.length
    while (this.changes > this.maxChanges && this.transactions.length > 1)
      this.changes -= this.transactions.shift()?.changes.length ?? 0
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

  /**
   * A document as of a revision, if this process has seen it. Found by scanning the kept changes
   * (at most MAX_CHANGES) rather than indexing every revision, which cost a map entry per write.
   */
  documentAt(
    id: string,
    revision: string,
    current: LakeDocument | undefined,
  ): LakeDocument | null | undefined {
    if (current?._rev === revision) return current
    for (let index = this.transactions.length - 1; index >= 0; index--) {
      for (const change of this.transactions[index]?.changes ?? []) {
        if (change.id !== id) continue
        if (change.after?._rev === revision) return change.after
        if (change.before?._rev === revision) return change.before
      }
    }
    return undefined
  }
}
