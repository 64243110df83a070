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

/** The raw and published views hold the same document objects: collect their references once. */
const referenceCache = new WeakMap<LakeDocument, Set<string>>()

function referencesOf(document: LakeDocument): Set<string> {
  let references = referenceCache.get(document)
  if (!references) referenceCache.set(document, (references = collectReferences(document)))
  return references
}

function addTo<K>(map: Map<K, Set<string>>, key: K, id: string) {
  let set = map.get(key)
  if (!set) map.set(key, (set = new Set()))
  set.add(id)
}

function removeFrom<K>(map: Map<K, Set<string>>, key: K, id: string) {
  const set = map.get(key)
  if (!set) return
  set.delete(id)
  if (set.size === 0) map.delete(key)
}

type Primitive = string | number | boolean

function valueAt(document: LakeDocument, path: readonly string[]): unknown {
  let value: unknown = document
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = Reflect.get(value, key)
  }
  return value
}

function isPrimitive(value: unknown): value is Primitive {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

export class DocumentIndex {
  readonly byId = new Map<string, LakeDocument>()
  private readonly byType = new Map<string, Set<string>>()
  private readonly referencedBy = new Map<string, Set<string>>()
  private readonly referencesOf = new Map<string, Set<string>>()
  /** Equality indexes on attribute paths ("slug.current"), built on first use, then maintained. */
  private readonly valueIndexes = new Map<
    string,
    {path: string[]; ids: Map<Primitive, Set<string>>}
  >()
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
    const references = referencesOf(document)
    this.referencesOf.set(document._id, references)
    for (const target of references) addTo(this.referencedBy, target, document._id)
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(document, index.path)
      if (isPrimitive(value)) addTo(index.ids, value, document._id)
    }
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
    for (const index of this.valueIndexes.values()) {
      const value = valueAt(existing, index.path)
      if (isPrimitive(value)) removeFrom(index.ids, value, id)
    }
    this.all = undefined
  }

  /**
   * Ids of documents whose value at `path` equals `value`; undefined when the index cannot tell
   * (null and objects: `x == null` also matches documents without the field).
   */
  idsWithValue(path: readonly string[], value: unknown): ReadonlySet<string> | undefined {
    if (!isPrimitive(value)) return undefined
    const key = path.join('.')
    let index = this.valueIndexes.get(key)
    if (!index) {
      index = {path: [...path], ids: new Map()}
      for (const document of this.byId.values()) {
        const found = valueAt(document, path)
        if (isPrimitive(found)) addTo(index.ids, found, document._id)
      }
      this.valueIndexes.set(key, index)
    }
    return index.ids.get(value) ?? new Set()
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
