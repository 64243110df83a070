import {crc32} from 'node:zlib'
import type {Dataset} from './dataset.ts'
import type {LakeDocument} from './documentIndex.ts'
import {badRequest} from './errors.ts'
import {
  ANCHOR,
  BASE,
  CREATED,
  DELETED,
  type HistoryLog,
  type HistoryRecord,
  UNKNOWN_BEFORE,
} from './historyLog.ts'
import {getDraftId, getPublishedId, getVersionFromId, isVersionId} from '@sanity/client/csm'
import {UNRECORDED_ID} from './users.ts'

// What Studio's History panel and "Review changes" ask of the history API (Studio 6.9.2), read
// from the dataset's history on disk (lake/historyLog.ts):
// - `transactions/<ids>`: a document's transactions as NDJSON, with whole-value mendoza effects
//   (`[0, after]`, `[0, before]`), the author, and the from/to, time, reverse and limit filters;
// - `documents/<ids>?revision=|time=|lastRevision=`: a document as of a revision or a time;
// - `events/documents/<id>`: the events API (the default timeline since Studio 3.7x): creation,
//   publish, unpublish, discard and delete events for the draft, version or published document,
//   newest first, paged by a cursor. Studio adds the edits between them from the transactions.

const DEFAULT_EVENTS = 100
const MAX_EVENTS = 1000

export interface HistoryQuery {
  fromTransaction?: string
  toTransaction?: string
  fromTime?: string
  toTime?: string
  reverse?: boolean
  limit?: number
  excludeContent?: boolean
}

export interface HistoryTransaction {
  id: string
  timestamp: string
  author: string
  documentIDs: string[]
  mutations?: unknown[]
  effects: Record<string, {apply: unknown[]; revert: unknown[]}>
}

export type DocumentAt = {revision: string} | {time: string} | {lastRevision: true}

interface Change {
  id: string
  record: HistoryRecord
}

type State = 'none' | 'created' | 'updated' | 'deleted'

/**
 * Whether `record` writes a draft (or version) again after a publish deleted it. Studio treats a
 * draft as long-lived, published and written again many times: it looks for the draft's first
 * creation to compare a publish with, and makes edits of the transactions that change it, so such
 * a transaction is an edit of the draft as it was published, not a new creation.
 */
function redrafted(log: HistoryLog, record: HistoryRecord, published: string): boolean {
  const previous = log.previous(record)
  if (!(record.flags & CREATED) || !previous || !(previous.flags & DELETED)) return false
  const publish = log
    .versions(published)
    .find((version) => version.seq === previous.seq && isChange(version))
  return publish !== undefined && !(publish.flags & DELETED)
}

function isChange(record: HistoryRecord): boolean {
  return (record.flags & (BASE | ANCHOR)) === 0
}

function timeParameter(name: string, value: string): number {
  const time = Date.parse(value)
  if (!Number.isFinite(time)) throw badRequest(`"${name}" must be a date and time, not "${value}"`)
  return time
}

export class History {
  private readonly log: HistoryLog | undefined
  private readonly dataset: Dataset

  constructor(log: HistoryLog | undefined, dataset: Dataset) {
    this.log = log
    this.dataset = dataset
  }

  /** The transactions touching any of `ids`, oldest first (newest first with `reverse`). */
  async transactions(ids: readonly string[], query: HistoryQuery = {}) {
    const log = this.log
    if (!log) return []
    const bySeq = new Map<number, Change[]>()
    for (const id of new Set(ids)) {
      for (const record of log.versions(id)) {
        if (!isChange(record)) continue
        const changes = bySeq.get(record.seq) ?? []
        changes.push({id, record})
        bySeq.set(record.seq, changes)
      }
    }
    const all = [...bySeq.keys()].sort((a, b) => a - b)
    const seqOf = (transactionId: string | undefined) =>
      transactionId ? this.seqOf(bySeq, all, transactionId) : undefined
    // Both ends are inclusive; one the documents never saw is no bound.
    const from = await seqOf(query.fromTransaction)
    const to = await seqOf(query.toTransaction)
    let seqs = all.filter(
      (seq) => (from === undefined || seq >= from) && (to === undefined || seq <= to),
    )
    const timeOf = (seq: number) => bySeq.get(seq)?.[0]?.record.time ?? 0
    if (query.fromTime) {
      const from = timeParameter('fromTime', query.fromTime)
      seqs = seqs.filter((seq) => timeOf(seq) >= from)
    }
    if (query.toTime) {
      const to = timeParameter('toTime', query.toTime)
      seqs = seqs.filter((seq) => timeOf(seq) <= to)
    }
    if (query.reverse) seqs.reverse()
    if (query.limit !== undefined) seqs = seqs.slice(0, query.limit)
    const read = new DocumentReader(log)
    const transactions: HistoryTransaction[] = []
    for (const seq of seqs) {
      const transaction = await this.transaction(bySeq.get(seq) ?? [], read, query.excludeContent)
      if (transaction) transactions.push(transaction)
    }
    return transactions
  }

  /** The sequence number of the transaction `transactionId` among the given ones. */
  private async seqOf(bySeq: Map<number, Change[]>, seqs: number[], transactionId: string) {
    const crc = crc32(transactionId)
    for (const seq of seqs) {
      const first = bySeq.get(seq)?.[0]
      if (!first || first.record.revCrc !== crc) continue
      if ((await this.log?.head(first.record))?.id === transactionId) return seq
    }
    return undefined
  }

  private async transaction(
    changes: Change[],
    read: DocumentReader,
    excludeContent = false,
  ): Promise<HistoryTransaction | undefined> {
    const first = changes[0]
    const head = first && (await this.log?.head(first.record))
    if (!head) return undefined
    const effects: HistoryTransaction['effects'] = {}
    const mutations: unknown[] = []
    for (const {id, record} of changes) {
      const after = await read.version(record, id)
      const before = await read.before(record, id)
      if (after === undefined || before === undefined) continue
      effects[id] = {apply: [0, after], revert: [0, before]}
      // The log keeps what each transaction wrote, not the mutations it was sent as.
      mutations.push(after ? {createOrReplace: after} : {delete: {id}})
    }
    return {
      id: head.id,
      timestamp: head.timestamp,
      author: head.author ?? UNRECORDED_ID,
      documentIDs: changes.map(({id}) => id),
      ...(excludeContent ? {} : {mutations}),
      effects,
    }
  }

  /** Each of `ids` as of a revision, a time or its last revision (absent where there is none). */
  async documents(ids: readonly string[], at: DocumentAt): Promise<LakeDocument[]> {
    const documents: LakeDocument[] = []
    for (const id of ids) {
      const document = await this.documentAt(id, at)
      if (document) documents.push(document)
    }
    return documents
  }

  private async documentAt(id: string, at: DocumentAt): Promise<LakeDocument | undefined> {
    const current = this.dataset.get(id)
    const log = this.log
    const versions = log?.versions(id) ?? []
    if ('revision' in at) {
      if (current?._rev === at.revision) return current
      const crc = crc32(at.revision)
      for (const record of versions) {
        if (record.revCrc !== crc || record.flags & DELETED) continue
        const document = await log?.document(record, id)
        if (document?._rev === at.revision) return document
      }
      return undefined
    }
    if ('time' in at) {
      const time = timeParameter('time', at.time)
      const record = versions.find((version) => version.time <= time)
      if (!record) {
        // A document history never saw change is as it is now since its last update.
        const updated = Date.parse(current?._updatedAt ?? '')
        return versions.length === 0 && updated <= time ? current : undefined
      }
      return record.flags & DELETED ? undefined : ((await log?.document(record, id)) ?? undefined)
    }
    if (current) return current
    for (const record of versions) {
      if (record.flags & DELETED) continue
      const document = await log?.document(record, id)
      if (document) return document
    }
    return undefined
  }

  /**
   * The events API for one document: its events newest first, `limit` at a time; `cursor` is the
   * `nextCursor` of the page before ('' when there is no next page).
   */
  async events(documentId: string, options: {limit?: number; cursor?: string} = {}) {
    const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_EVENTS, MAX_EVENTS))
    const log = this.log
    if (!log) return {events: [], nextCursor: ''}
    let below = Infinity
    if (options.cursor) {
      below = Number(options.cursor)
      if (!Number.isSafeInteger(below)) throw badRequest(`Invalid cursor "${options.cursor}"`)
    }
    const published = getPublishedId(documentId)
    const variant = documentId === published ? getDraftId(published) : documentId
    const pair = new EventPair(log, published, variant)
    const feed = documentId === published ? 'published' : 'variant'
    const events: Record<string, unknown>[] = []
    let nextCursor = ''
    let lastSeq = 0
    for (const seq of pair.seqs()) {
      if (seq >= below) continue
      const event = await pair.event(seq, feed)
      if (!event) continue
      if (events.length === limit) {
        // There is more: the next page starts below the last event of this one.
        nextCursor = String(lastSeq)
        break
      }
      events.push(event)
      lastSeq = seq
    }
    return {events, nextCursor}
  }
}

/** Reads versions for one request, each once: a transaction's before is the one before's after. */
class DocumentReader {
  private readonly log: HistoryLog
  private readonly read = new Map<number, LakeDocument | null | undefined>()

  constructor(log: HistoryLog) {
    this.log = log
  }

  async version(record: HistoryRecord, id: string): Promise<LakeDocument | null | undefined> {
    if (record.flags & DELETED) return null
    if (!this.read.has(record.index))
      this.read.set(record.index, await this.log.document(record, id))
    return this.read.get(record.index)
  }

  /** The document before `record` (null: it did not exist), or undefined when that is unknown. */
  async before(record: HistoryRecord, id: string): Promise<LakeDocument | null | undefined> {
    if (record.flags & CREATED) {
      const published = getPublishedId(id)
      if (published === id || !redrafted(this.log, record, published)) return null
      // The same draft, to Studio: its edit since the version that was published.
      const deletion = this.log.previous(record)
      const draft = deletion && this.log.previous(deletion)
      return draft ? this.version(draft, id) : null
    }
    const previous = this.log.previous(record)
    if (!previous) return record.flags & UNKNOWN_BEFORE ? undefined : null
    return this.version(previous, id)
  }
}

/**
 * A published document and its draft (or a version) read together: Studio's events are about
 * what one transaction did to both (a publish deletes the draft and writes the published one).
 */
class EventPair {
  private readonly log: HistoryLog
  private readonly published: string
  private readonly variant: string
  private readonly publishedAt = new Map<number, HistoryRecord>()
  private readonly variantAt = new Map<number, HistoryRecord>()
  /** The variant's versions, oldest first (for what existed before a transaction). */
  private readonly variantVersions: HistoryRecord[]

  constructor(log: HistoryLog, published: string, variant: string) {
    this.log = log
    this.published = published
    this.variant = variant
    for (const record of log.versions(published))
      if (isChange(record)) this.publishedAt.set(record.seq, record)
    this.variantVersions = log.versions(variant).reverse()
    for (const record of this.variantVersions)
      if (isChange(record)) this.variantAt.set(record.seq, record)
  }

  /** The transactions touching either document, newest first. */
  seqs(): number[] {
    return [...new Set([...this.publishedAt.keys(), ...this.variantAt.keys()])].sort(
      (a, b) => b - a,
    )
  }

  private state(record: HistoryRecord | undefined): State {
    if (!record) return 'none'
    if (record.flags & DELETED) return 'deleted'
    if (record.flags & CREATED) return 'created'
    const previous = this.log.previous(record)
    return previous && previous.flags & DELETED ? 'created' : 'updated'
  }

  /** The variant's version just before transaction `seq`, if it existed then. */
  private variantBefore(seq: number): HistoryRecord | undefined {
    let found: HistoryRecord | undefined
    for (const record of this.variantVersions) {
      if (record.seq > seq || (record.seq === seq && isChange(record))) break
      found = record
    }
    return found && !(found.flags & DELETED) ? found : undefined
  }

  /** A version's revision: its transaction's id, or the `_rev` of a kept version. */
  private async revision(record: HistoryRecord | undefined, id: string) {
    if (!record) return undefined
    if (isChange(record)) return (await this.log.head(record))?.id
    const document = await this.log.document(record, id)
    return typeof document?._rev === 'string' ? document._rev : undefined
  }

  /** The event transaction `seq` is in the given feed, if it is one. */
  async event(seq: number, feed: 'published' | 'variant') {
    const publishedRecord = this.publishedAt.get(seq)
    const variantRecord = this.variantAt.get(seq)
    const changed = publishedRecord ?? variantRecord
    const head = changed && (await this.log.head(changed))
    if (!head) return undefined
    const p = this.state(publishedRecord)
    const v = this.state(variantRecord)
    const base = {
      id: head.id,
      timestamp: head.timestamp,
      author: head.author ?? UNRECORDED_ID,
      documentId: this.published,
    }
    const release = isVersionId(this.variant)
      ? {releaseId: getVersionFromId(this.variant) ?? ''}
      : {}
    const variantRevisionBefore = () => this.revision(this.variantBefore(seq), this.variant)
    const publish = async () => ({
      ...base,
      ...release,
      type: 'publishDocumentVersion',
      revisionId: head.id,
      versionId: this.variant,
      versionRevisionId: (await variantRevisionBefore()) ?? head.id,
      publishCause: 'document.publish',
    })
    if (feed === 'variant') {
      // A draft written again after its publish: Studio shows it as an edit (see redrafted).
      if (v === 'created' && variantRecord && redrafted(this.log, variantRecord, this.published))
        return undefined
      if (v === 'created')
        return {
          ...base,
          ...release,
          type: 'createDocumentVersion',
          versionId: this.variant,
          versionRevisionId: head.id,
        }
      if (v !== 'deleted') return undefined
      if (p === 'created' || p === 'updated') return publish()
      if (p === 'deleted') return {...base, type: 'deleteDocumentGroup'}
      const versionRevisionId = (await variantRevisionBefore()) ?? head.id
      return {
        ...base,
        ...release,
        type: 'deleteDocumentVersion',
        versionId: this.variant,
        versionRevisionId,
      }
    }
    if (p === 'none') return undefined
    if ((p === 'created' || p === 'updated') && v === 'deleted') return publish()
    if (p === 'created' && v === 'created')
      return {
        ...base,
        type: 'createDocumentVersion',
        versionId: this.published,
        versionRevisionId: head.id,
        revisionId: head.id,
      }
    if (p === 'created') return {...base, type: 'createLiveDocument', revisionId: head.id}
    if (p === 'updated') return {...base, type: 'updateLiveDocument', revisionId: head.id}
    const draftAfter = v === 'created' || v === 'updated'
    if (draftAfter || (v === 'none' && this.variantBefore(seq))) {
      const versionRevisionId = draftAfter ? head.id : ((await variantRevisionBefore()) ?? head.id)
      return {...base, type: 'unpublishDocument', versionId: this.variant, versionRevisionId}
    }
    return {...base, type: 'deleteDocumentGroup'}
  }
}
