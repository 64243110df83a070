// One view of a dataset (raw, published or drafts) with the indexes the query planner uses:
// by `_id`, by `_type`, and references reversed (which documents reference X).

export interface LakeDocument {
  _id: string
  _type: string
  _rev?: string
  _createdAt?: string
  _updatedAt?: string
  [key: string]: unknown
}

/** Every `_ref` in a document, at any depth. */
export function collectReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into)
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, field] of Object.entries(value)) {
      if (key === '_ref' && typeof field === 'string') into.add(field)
      else if (typeof field === 'object' && field !== null) collectReferences(field, into)
    }
  }
  return into
}

function addTo(map: Map<string, Set<string>>, key: string, id: string) {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(id)
}

function removeFrom(map: Map<string, Set<string>>, key: string, id: string) {
  const set = map.get(key)
  if (!set) return
  set.delete(id)
  if (set.size === 0) map.delete(key)
}

export class DocumentIndex {
  readonly byId = new Map<string, LakeDocument>()
  private readonly byType = new Map<string, Set<string>>()
  private readonly referencedBy = new Map<string, Set<string>>()
  private readonly referencesOf = new Map<string, Set<string>>()
  /** Insertion order, which is the order of a full scan. */
  private readonly position = new Map<string, number>()
  private counter = 0
  /** Cached array of all documents for full scans; rebuilt lazily after a change. */
  private all: LakeDocument[] | undefined

  get size(): number {
    return this.byId.size
  }

  get(id: string): LakeDocument | undefined {
    return this.byId.get(id)
  }

  put(document: LakeDocument) {
    this.remove(document._id)
    this.byId.set(document._id, document)
    this.position.set(document._id, this.counter++)
    addTo(this.byType, document._type, document._id)
    const references = collectReferences(document)
    this.referencesOf.set(document._id, references)
    for (const target of references) addTo(this.referencedBy, target, document._id)
    this.all = undefined
  }

  remove(id: string) {
    const existing = this.byId.get(id)
    if (!existing) return
    this.byId.delete(id)
    this.position.delete(id)
    removeFrom(this.byType, existing._type, id)
    for (const target of this.referencesOf.get(id) ?? []) removeFrom(this.referencedBy, target, id)
    this.referencesOf.delete(id)
    this.all = undefined
  }

  documents(): LakeDocument[] {
    this.all ??= [...this.byId.values()]
    return this.all
  }

  /** Sorts documents of this index into full-scan order. */
  inDatasetOrder(documents: LakeDocument[]): LakeDocument[] {
    const at = (document: LakeDocument) => this.position.get(document._id) ?? 0
    return documents.sort((a, b) => at(a) - at(b))
  }

  idsOfType(type: string): ReadonlySet<string> {
    return this.byType.get(type) ?? new Set()
  }

  idsReferencing(id: string): ReadonlySet<string> {
    return this.referencedBy.get(id) ?? new Set()
  }

  types(): string[] {
    return [...this.byType.keys()]
  }
}
