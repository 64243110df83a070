import {type DocumentIndex, type LakeDocument, RawIndex} from './documentIndex.ts'
import {DraftsView, PublicView, PublishedView} from './views.ts'

export type Perspective = 'raw' | 'published' | 'drafts'
export const PERSPECTIVES: readonly Perspective[] = ['raw', 'published', 'drafts']
/** A perspective, or `public`: what anonymous callers read (published, no private ids). */
export type ViewName = Perspective | 'public'

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
  /** The user who committed it (lake/users.ts); history and listener events name them. */
  author?: string
  /** The mutations as submitted, for listener events. */
  mutations: unknown[]
  changes: DocumentChange[]
}

/**
 * The documents of one dataset in memory, with a view per perspective: `raw` (everything),
 * `published` (no drafts or versions) and `drafts` (each draft overlaid on its published
 * document, carrying `_originalId`).
 */
export class Dataset {
  readonly name: string
  readonly raw = new RawIndex()
  private readonly published = new PublishedView(this.raw)
  private readonly drafts = new DraftsView(this.raw)
  private readonly public = new PublicView(this.raw)
  /** Sequence number of the last applied transaction. */
  seq = 0

  constructor(name: string) {
    this.name = name
  }

  view(perspective: ViewName): DocumentIndex {
    if (perspective === 'public') return this.public
    if (perspective === 'published') return this.published
    if (perspective === 'drafts') return this.drafts
    return this.raw
  }

  get(id: string): LakeDocument | undefined {
    return this.raw.get(id)
  }

  /** Loads documents without a transaction (snapshot recovery, bulk load). */
  load(documents: Iterable<LakeDocument>) {
    for (const document of documents) this.raw.put(document)
  }

  apply(transaction: Transaction) {
    for (const change of transaction.changes) {
      if (change.after) this.raw.put(change.after)
      else this.raw.remove(change.id)
    }
    this.seq = transaction.seq
  }
}
