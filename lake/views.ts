import type {DocumentIndex, DocumentStub, LakeDocument, RawIndex} from './documentIndex.ts'
import {getDraftId, getPublishedId, isDraftId, isPublishedId, isVersionId} from '@sanity/client/csm'
import {isPrivateId} from './ids.ts'
import type {TextIndex, TextSource} from './textIndex.ts'
import {IdSet} from './idSet.ts'

// The published and drafts perspectives as views over the raw index rather than indexes of their
// own: drafts and versions are few next to published documents, so filtering (or overlaying)
// the raw index's sets while iterating costs little, and loading builds every index once. While
// the dataset holds no drafts or versions, a view hands out the raw sets themselves.

/** The drafts view's documents carry ids of their own (`_id`, `_originalId`). */
function ownIdPath(path: readonly string[]): boolean {
  return path[0] === '_id' || path[0] === '_originalId'
}

/** A raw id set seen through a view: membership and iteration translated, order kept. */
class ViewSet extends IdSet {
  private readonly raw: ReadonlySet<string>
  private readonly accepts: (id: string) => string | undefined
  private readonly contains: (id: string) => boolean

  constructor(
    raw: ReadonlySet<string>,
    /** The view's id for a raw id, or undefined when the view hides that document. */
    accepts: (id: string) => string | undefined,
    contains: (id: string) => boolean,
  ) {
    super()
    this.raw = raw
    this.accepts = accepts
    this.contains = contains
  }

  /** An upper bound (the planner only uses it to pick the smaller side of an intersection). */
  get size(): number {
    return this.raw.size
  }

  has(id: string): boolean {
    return this.contains(id)
  }

  *keys(): SetIterator<string> {
    for (const id of this.raw) {
      const viewId = this.accepts(id)
      if (viewId !== undefined) yield viewId
    }
  }
}

abstract class View implements DocumentIndex {
  protected readonly raw: RawIndex
  /** The view's documents as of a version, held weakly (with documents kept on disk, see RawIndex). */
  private cached: {version: number; documents: WeakRef<LakeDocument[]>} | undefined

  constructor(raw: RawIndex) {
    this.raw = raw
  }

  get version(): number {
    return this.raw.version
  }

  abstract get(id: string): LakeDocument | undefined
  abstract stubOf(id: string): DocumentStub | undefined
  /** The view's id for a raw id, or undefined when this view hides that document. */
  protected abstract accepts(id: string): string | undefined
  /** Whether `set` (a raw set) holds the document this view shows as `id`. */
  protected abstract contains(set: ReadonlySet<string>, id: string): boolean
  /** The raw id whose position a view document takes in a full scan. */
  protected abstract rawIdOf(document: LakeDocument): string
  /** The raw id of the document this view shows as `id` (undefined: it shows none as `id`). */
  protected abstract rawIdFor(id: string): string | undefined

  /** Whether the view shows the raw index as it is (nothing hidden, nothing overlaid). */
  protected get showsAll(): boolean {
    return !this.raw.hasUnpublished
  }

  private through(set: ReadonlySet<string>): ReadonlySet<string> {
    if (this.showsAll) return set
    return new ViewSet(
      set,
      (id) => this.accepts(id),
      (id) => this.contains(set, id),
    )
  }

  documents(): LakeDocument[] {
    return this.documentsOf(this.raw.documents())
  }

  async documentsPaced(pause: () => unknown): Promise<LakeDocument[]> {
    return this.documentsOf(await this.raw.documentsPaced(pause))
  }

  /** The view's documents, from every raw document (`all`, in scan order). */
  private documentsOf(all: LakeDocument[]): LakeDocument[] {
    if (this.showsAll) return all
    const cached =
      this.cached?.version === this.raw.version ? this.cached.documents.deref() : undefined
    if (cached) return cached
    const documents: LakeDocument[] = []
    for (const document of all) {
      const viewId = this.accepts(document._id)
      if (viewId === undefined) continue
      // A view shows a document under its own id as stored (get would read it again, from disk
      // when documents are kept there); under another id, what it overlays there.
      const shown = viewId === document._id ? document : this.get(viewId)
      if (shown) documents.push(shown)
    }
    this.cached = {version: this.raw.version, documents: new WeakRef(documents)}
    return documents
  }

  inDatasetOrder(documents: LakeDocument[]): LakeDocument[] {
    const at = (document: LakeDocument) => this.raw.positionOf(this.rawIdOf(document))
    return documents.sort((a, b) => at(a) - at(b))
  }

  idsOfType(type: string): ReadonlySet<string> {
    return this.through(this.raw.idsOfType(type))
  }

  idsReferencing(id: string): ReadonlySet<string> {
    return this.through(this.raw.idsReferencing(id))
  }

  idsWithValue(
    path: readonly string[],
    value: unknown,
    type?: string,
  ): ReadonlySet<string> | undefined {
    if (ownIdPath(path)) return undefined
    const set = this.raw.idsWithValue(path, value, type)
    return set && this.through(set)
  }

  textIndex(source: TextSource): TextIndex | undefined {
    return ownIdPath(source.path) ? undefined : this.raw.textIndex(source)
  }

  prepareText(sources: readonly TextSource[]): Promise<void> {
    return this.raw.prepareText(sources.filter((source) => !ownIdPath(source.path)))
  }

  idAtPosition(position: number): string | undefined {
    const id = this.raw.idAtPosition(position)
    return id === undefined ? undefined : this.accepts(id)
  }

  documentAtPosition(position: number): LakeDocument | undefined {
    const id = this.raw.idAtPosition(position)
    const viewId = id === undefined ? undefined : this.accepts(id)
    if (viewId === undefined) return undefined
    return viewId === id ? this.raw.documentAtPosition(position) : this.get(viewId)
  }

  positionOfDocument(document: LakeDocument): number {
    return this.raw.positionOf(this.rawIdOf(document))
  }

  referencesExactAt(position: number): boolean {
    return this.raw.referencesExactAt(position)
  }

  positionOfId(id: string): number {
    const rawId = this.rawIdFor(id)
    return rawId === undefined ? -1 : this.raw.positionOf(rawId)
  }

  idsWithOwnScore(): ReadonlySet<string> {
    return this.through(this.raw.idsWithOwnScore())
  }

  positionsOfType(type: string): Int32Array {
    return this.raw.positionsOfType(type)
  }

  positionsReferencing(ids: Iterable<string>): Int32Array {
    return this.raw.positionsReferencing(ids)
  }

  keyColumn(path: readonly string[], refs: boolean): readonly unknown[] | undefined {
    // Overlaid drafts show the raw draft's values, but for ids of their own.
    return ownIdPath(path) ? undefined : this.raw.keyColumn(path, refs)
  }

  refId(value: unknown): number {
    return this.raw.refId(value)
  }

  get refIdCount(): number {
    return this.raw.refIdCount
  }

  overlays(): {position: number; document: LakeDocument}[] {
    return []
  }
}

/** The published perspective: the raw documents without drafts and versions. */
export class PublishedView extends View {
  get(id: string): LakeDocument | undefined {
    return isPublishedId(id) ? this.raw.get(id) : undefined
  }

  stubOf(id: string): DocumentStub | undefined {
    return isPublishedId(id) ? this.raw.stubOf(id) : undefined
  }

  protected accepts(id: string): string | undefined {
    return isPublishedId(id) ? id : undefined
  }

  protected contains(set: ReadonlySet<string>, id: string): boolean {
    return isPublishedId(id) && set.has(id)
  }

  protected rawIdOf(document: LakeDocument): string {
    return document._id
  }

  protected rawIdFor(id: string): string | undefined {
    return isPublishedId(id) ? id : undefined
  }
}

/**
 * What anonymous callers read: published documents without private ones (any id with a `.`), as
 * Sanity keeps documents in id paths from unauthenticated requests.
 */
export class PublicView extends View {
  protected override get showsAll(): boolean {
    return !this.raw.hasPrivate
  }

  get(id: string): LakeDocument | undefined {
    return isPrivateId(id) ? undefined : this.raw.get(id)
  }

  stubOf(id: string): DocumentStub | undefined {
    return isPrivateId(id) ? undefined : this.raw.stubOf(id)
  }

  protected accepts(id: string): string | undefined {
    return isPrivateId(id) ? undefined : id
  }

  protected contains(set: ReadonlySet<string>, id: string): boolean {
    return !isPrivateId(id) && set.has(id)
  }

  protected rawIdOf(document: LakeDocument): string {
    return document._id
  }

  protected rawIdFor(id: string): string | undefined {
    return isPrivateId(id) ? undefined : id
  }
}

/**
 * The drafts perspective: each draft overlaid on its published document under the published id
 * (carrying `_originalId`), published documents without a draft as they are, no versions. An
 * overlay takes its draft's place in a full scan.
 */
export class DraftsView extends View {
  private readonly overlaid = new WeakMap<LakeDocument, LakeDocument>()

  private overlay(draft: LakeDocument): LakeDocument {
    let overlay = this.overlaid.get(draft)
    if (!overlay) {
      overlay = {...draft, _id: getPublishedId(draft._id), _originalId: draft._id}
      this.overlaid.set(draft, overlay)
    }
    return overlay
  }

  get(id: string): LakeDocument | undefined {
    if (!isPublishedId(id)) return undefined
    const draft = this.raw.hasDraft(id) ? this.raw.get(getDraftId(id)) : undefined
    return draft ? this.overlay(draft) : this.raw.get(id)
  }

  /** A draft's stub under the published id, as the overlay carries them. */
  stubOf(id: string): DocumentStub | undefined {
    if (!isPublishedId(id)) return undefined
    if (!this.raw.hasDraft(id)) return this.raw.stubOf(id)
    const draft = this.raw.stubOf(getDraftId(id))
    return draft && {...draft, _id: id, _originalId: draft._id}
  }

  override documentAtPosition(position: number): LakeDocument | undefined {
    const id = this.raw.idAtPosition(position)
    if (id === undefined || isVersionId(id)) return undefined
    if (isDraftId(id)) {
      const draft = this.raw.documentAtPosition(position)
      return draft && this.overlay(draft)
    }
    return this.raw.hasDraft(id) ? undefined : this.raw.documentAtPosition(position)
  }

  protected accepts(id: string): string | undefined {
    if (isDraftId(id)) return getPublishedId(id)
    if (isVersionId(id) || this.raw.hasDraft(id)) return undefined
    return id
  }

  protected contains(set: ReadonlySet<string>, id: string): boolean {
    if (!isPublishedId(id)) return false
    return this.raw.hasDraft(id) ? set.has(getDraftId(id)) : set.has(id)
  }

  protected rawIdOf(document: LakeDocument): string {
    return typeof document._originalId === 'string' ? document._originalId : document._id
  }

  protected rawIdFor(id: string): string | undefined {
    if (!isPublishedId(id)) return undefined
    return this.raw.hasDraft(id) ? getDraftId(id) : id
  }

  override overlays(): {position: number; document: LakeDocument}[] {
    const overlays: {position: number; document: LakeDocument}[] = []
    for (const id of this.raw.draftIds()) {
      const draft = this.raw.get(id)
      if (draft) overlays.push({position: this.raw.positionOf(id), document: this.overlay(draft)})
    }
    return overlays
  }
}
