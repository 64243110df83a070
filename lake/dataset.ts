import {DocumentIndex, type LakeDocument} from './documentIndex.ts'
import {isDraftId, isVersionId, publishedId} from './ids.ts'

export type Perspective = 'raw' | 'published' | 'drafts'
export const PERSPECTIVES: readonly Perspective[] = ['raw', 'published', 'drafts']

export interface DocumentChange {
  id: string
  before: LakeDocument | null
  after: LakeDocument | null
}

/** A committed transaction: what the log stores and the listener announces. */
export interface Transaction {
  /** Position in the dataset's history; strictly increasing. */
  seq: number
  id: string
  timestamp: string
  /** The mutations as submitted, for listener events. */
  mutations: unknown[]
  changes: DocumentChange[]
}

/**
 * The documents of one dataset in memory, with a view per perspective kept up to date on every
 * commit: `raw` (everything), `published` (no drafts or versions) and `drafts` (each draft
 * overlaid on its published document, carrying `_originalId`).
 */
export class Dataset {
  readonly name: string
  readonly raw = new DocumentIndex()
  private readonly published = new DocumentIndex()
  private readonly drafts = new DocumentIndex()
  /** Sequence number of the last applied transaction. */
  seq = 0

  constructor(name: string) {
    this.name = name
  }

  view(perspective: Perspective): DocumentIndex {
    if (perspective === 'published') return this.published
    if (perspective === 'drafts') return this.drafts
    return this.raw
  }

  get(id: string): LakeDocument | undefined {
    return this.raw.get(id)
  }

  /** Loads documents without a transaction (snapshot recovery, bulk load). */
  load(documents: Iterable<LakeDocument>) {
    const touched = new Set<string>()
    for (const document of documents) {
      this.raw.put(document)
      touched.add(publishedId(document._id))
    }
    for (const id of touched) this.refreshViews(id)
  }

  apply(transaction: Transaction) {
    const touched = new Set<string>()
    for (const change of transaction.changes) {
      if (change.after) this.raw.put(change.after)
      else this.raw.remove(change.id)
      touched.add(publishedId(change.id))
    }
    for (const id of touched) this.refreshViews(id)
    this.seq = transaction.seq
  }

  private refreshViews(id: string) {
    const published = this.raw.get(id)
    const draft = this.raw.get(`drafts.${id}`)
    if (published && !isDraftId(id) && !isVersionId(id)) this.published.put(published)
    else this.published.remove(id)
    if (draft) this.drafts.put({...draft, _id: id, _originalId: draft._id})
    else if (published && !isVersionId(id)) this.drafts.put(published)
    else this.drafts.remove(id)
  }
}
