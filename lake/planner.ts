import {randomBytes} from 'node:crypto'
import {type ExprNode, parse, type PipeFuncCallNode} from 'groq-js'
import {
  collectReferences,
  COMPOUND,
  LONG,
  type DocumentIndex,
  type LakeDocument,
  unionPositions,
} from './documentIndex.ts'
import {orderedMatches, type PreparedKeys, prepareKeys} from './orderedSlice.ts'
import {eagerColumn, type KeyColumn, lazyColumn, rankedMatches} from './rankedSlice.ts'
import {
  attributePath,
  type KeyFunction,
  keyFunction,
  matchCandidates,
  type ScoreModel,
  scoreModel,
  intersectPositions,
  type Rows,
  someRows,
  TermReader,
  textSourcesIn,
  viewRows,
} from './textPlan.ts'
import {IdSet} from './idSet.ts'

// Index-aware rewriting of a parsed GROQ tree. Every `*[filter]` whose filter contains indexable
// conjuncts with constant operands (`_id == $id`, `_type == "question"`, `references($id)`,
// `_id in $ids`) gets its `*` replaced by the candidate documents from the indexes. The filter
// itself stays, so groq-js still decides membership: an index narrows the scan, never the answer.

type Params = Record<string, unknown>

/** Candidate ids, or undefined when a condition cannot be answered from an index. */
type Candidates = ReadonlySet<string> | undefined

/**
 * Computed candidate sets that may not iterate in full-scan order, as index sets do: id lists,
 * unions, and intersections that iterate such a set.
 */
const unordered = new WeakSet<ReadonlySet<string>>()

function computed(ids: Set<string>): Set<string> {
  unordered.add(ids)
  return ids
}

function constant(node: ExprNode, params: Params): {value: unknown} | undefined {
  if (node.type === 'Value') return {value: node.value}
  if (node.type === 'Parameter') return {value: params[node.name]}
  return undefined
}

function isThisAttribute(node: ExprNode, name: string): boolean {
  return (
    node.type === 'AccessAttribute' &&
    node.name === name &&
    (node.base === undefined || node.base.type === 'This')
  )
}

function constantArray(node: ExprNode, params: Params): unknown[] | undefined {
  if (node.type === 'Array') {
    const values: unknown[] = []
    for (const element of node.elements) {
      if (element.isSplat) return undefined
      const value = constant(element.value, params)
      if (!value) return undefined
      values.push(value.value)
    }
    return values
  }
  const value = constant(node, params)
  return value && Array.isArray(value.value) ? value.value : undefined
}

function strings(values: unknown[]): Set<string> {
  return computed(new Set(values.filter((value): value is string => typeof value === 'string')))
}

/**
 * Candidates known by scan position (from the text indexes): ascending positions, read as the
 * view's ids. Intersections that iterate one keep positions, so ranked slices need not look the
 * positions up again.
 */
class PositionSet extends IdSet {
  readonly positions: Int32Array
  readonly view: DocumentIndex

  constructor(positions: Int32Array, view: DocumentIndex) {
    super()
    this.positions = positions
    this.view = view
  }

  /** An upper bound: the view may hide documents at some of the positions. */
  get size(): number {
    return this.positions.length
  }

  has(id: string): boolean {
    const position = this.view.positionOfId(id)
    if (position < 0) return false
    let low = 0
    let high = this.positions.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((this.positions[middle] as number) < position) low = middle + 1
      else high = middle
    }
    return this.positions[low] === position
  }

  /** Positions whose id `keep` accepts. */
  filter(keep: (id: string) => boolean): PositionSet {
    const kept = new Int32Array(this.positions.length)
    let n = 0
    for (const position of this.positions) {
      const id = this.view.idAtPosition(position)
      if (id !== undefined && keep(id)) kept[n++] = position
    }
    return new PositionSet(kept.subarray(0, n), this.view)
  }

  /** The view's documents at the positions, with their positions. */
  rows(): {positions: Int32Array; documents: LakeDocument[]} {
    const positions = new Int32Array(this.positions.length)
    const documents: LakeDocument[] = []
    for (const position of this.positions) {
      const document = this.view.documentAtPosition(position)
      if (document) {
        positions[documents.length] = position
        documents.push(document)
      }
    }
    return {positions: positions.subarray(0, documents.length), documents}
  }

  *keys(): SetIterator<string> {
    for (const position of this.positions) {
      const id = this.view.idAtPosition(position)
      if (id !== undefined) yield id
    }
  }
}

function intersect(a: Candidates, b: Candidates): Candidates {
  if (!a) return b
  if (!b) return a
  if (a instanceof PositionSet && b instanceof PositionSet)
    return new PositionSet(intersectPositions(a.positions, b.positions), a.view)
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  if (small instanceof PositionSet) return small.filter((id) => large.has(id))
  const result = new Set<string>()
  for (const id of small) if (large.has(id)) result.add(id)
  return unordered.has(small) ? computed(result) : result
}

/** Ascending positions of candidates (looked up, unless they are a PositionSet). */
function positionsOf(ids: ReadonlySet<string>, index: DocumentIndex): Int32Array {
  if (ids instanceof PositionSet) return ids.positions
  const positions: number[] = []
  for (const id of ids) {
    const position = index.positionOfId(id)
    if (position >= 0) positions.push(position)
  }
  return Int32Array.from(positions).sort()
}

function union(a: Candidates, b: Candidates): Candidates {
  if (!a || !b) return undefined
  // With positions on one side, the other's few ids are looked up: positions merge cheaply.
  if (a instanceof PositionSet || b instanceof PositionSet) {
    const view = a instanceof PositionSet ? a.view : (b as PositionSet).view
    return new PositionSet(unionPositions(positionsOf(a, view), positionsOf(b, view)), view)
  }
  return computed(new Set([...a, ...b]))
}

function equalityCandidates(
  attribute: ExprNode,
  other: ExprNode,
  index: DocumentIndex,
  params: Params,
): Candidates {
  const value = constant(other, params)
  if (!value) return undefined
  if (isThisAttribute(attribute, '_id'))
    return new Set(typeof value.value === 'string' ? [value.value] : [])
  if (isThisAttribute(attribute, '_type'))
    return typeof value.value === 'string' ? index.idsOfType(value.value) : new Set()
  const path = attributePath(attribute)
  return path ? index.idsWithValue(path, value.value) : undefined
}

/** T for a `_type == T` condition with a constant string T. */
function typeCondition(node: ExprNode, params: Params): string | undefined {
  if (node.type !== 'OpCall' || node.op !== '==') return undefined
  for (const [attribute, other] of [
    [node.left, node.right],
    [node.right, node.left],
  ] as const) {
    const value = isThisAttribute(attribute, '_type') ? constant(other, params) : undefined
    if (value && typeof value.value === 'string') return value.value
  }
  return undefined
}

/** `attr == value` answered for documents of `type` only. */
function typedCandidates(
  node: ExprNode,
  type: string,
  index: DocumentIndex,
  params: Params,
): Candidates {
  if (node.type !== 'OpCall' || node.op !== '==') return undefined
  for (const [attribute, other] of [
    [node.left, node.right],
    [node.right, node.left],
  ] as const) {
    const path = attributePath(attribute)
    const value = constant(other, params)
    if (!path || !value || path[0] === '_id' || path[0] === '_type') continue
    const ids = index.idsWithValue(path, value.value, type)
    if (ids) return ids
  }
  return undefined
}

/**
 * `_type in C`: documents of any of the types, as a set that unites the type sets only when
 * iterated (membership is what intersections ask of a large side).
 */
class TypesSet extends IdSet {
  private readonly sets: ReadonlySet<string>[]

  constructor(sets: ReadonlySet<string>[]) {
    super()
    this.sets = sets
    unordered.add(this)
  }

  get size(): number {
    return this.sets.reduce((total, set) => total + set.size, 0)
  }

  has(id: string): boolean {
    return this.sets.some((set) => set.has(id))
  }

  *keys(): SetIterator<string> {
    for (const set of this.sets) yield* set
  }
}

function candidatesFor(
  node: ExprNode,
  index: DocumentIndex,
  params: Params,
  reader: TermReader,
): Candidates {
  switch (node.type) {
    case 'And': {
      // With `_type == T` among the conditions, equality conditions read the value index's
      // documents of type T, which saves intersecting with every document of that type.
      const parts = conjuncts(node)
      const type = parts.map((part) => typeCondition(part, params)).find((t) => t !== undefined)
      let ids: Candidates
      let typed = false
      for (const part of parts) {
        if (type !== undefined && typeCondition(part, params) !== undefined) continue
        const narrowed = type === undefined ? undefined : typedCandidates(part, type, index, params)
        if (narrowed) typed = true
        ids = intersect(ids, narrowed ?? candidatesFor(part, index, params, reader))
      }
      if (type === undefined || typed) return ids
      // Text candidates come by position: the type's positions narrow them without lookups.
      if (ids instanceof PositionSet)
        return new PositionSet(
          intersectPositions(ids.positions, index.positionsOfType(type)),
          index,
        )
      return intersect(ids, index.idsOfType(type))
    }
    case 'Or':
      return union(
        candidatesFor(node.left, index, params, reader),
        candidatesFor(node.right, index, params, reader),
      )
    case 'Group':
      return candidatesFor(node.base, index, params, reader)
    case 'OpCall':
      if (node.op === '==') {
        return (
          equalityCandidates(node.left, node.right, index, params) ??
          equalityCandidates(node.right, node.left, index, params)
        )
      }
      if (node.op === 'match') {
        const positions = matchCandidates(node, params, reader)
        return positions && new PositionSet(positions, index)
      }
      if (node.op === 'in' && isThisAttribute(node.left, '_id')) {
        const values = constantArray(node.right, params)
        return values ? strings(values) : undefined
      }
      if (node.op === 'in' && isThisAttribute(node.left, '_type')) {
        const values = constantArray(node.right, params)
        if (!values) return undefined
        const types = [...new Set(values.filter((value) => typeof value === 'string'))]
        return new TypesSet(types.map((type) => index.idsOfType(type)))
      }
      if (node.op === 'in') {
        const path = attributePath(node.left)
        const values = path ? constantArray(node.right, params) : undefined
        if (!path || !values) return undefined
        const ids = computed(new Set<string>())
        for (const value of values) {
          const matching = index.idsWithValue(path, value)
          if (!matching) return undefined
          for (const id of matching) ids.add(id)
        }
        return ids
      }
      return undefined
    case 'FuncCall': {
      if (node.name !== 'references' || node.namespace !== 'global') return undefined
      const targets: string[] = []
      for (const arg of node.args) {
        const value = constant(arg, params)
        if (!value) return undefined
        for (const target of Array.isArray(value.value) ? value.value : [value.value])
          if (typeof target === 'string') targets.push(target)
      }
      // By position: several targets' referrers merge without building sets of ids.
      return new PositionSet(index.positionsReferencing(targets), index)
    }
    default:
      return undefined
  }
}

/**
 * The documents of `ids` in the dataset's own order, so results match an unindexed scan exactly.
 * Sets straight from one index are already in that order (`put` re-inserts), and so are
 * intersections iterating one, so only `unordered` sets are sorted.
 */
function documentsOf(
  ids: ReadonlySet<string>,
  index: DocumentIndex,
  sort = unordered.has(ids),
): LakeDocument[] {
  if (ids instanceof PositionSet) return ids.rows().documents
  const documents: LakeDocument[] = []
  for (const id of ids) {
    const document = index.get(id)
    if (document) documents.push(document)
  }
  return sort && documents.length > 1 ? index.inDatasetOrder(documents) : documents
}

/** Candidate sets at least this large are read between yield points (see documentsPaced). */
const PACED_FROM = 1024

/**
 * documentsOf, reading the documents between calls of `pause` (the query's yield points): from
 * disk, thousands of them take long enough to hold every other request.
 */
async function documentsPaced(
  ids: ReadonlySet<string>,
  index: DocumentIndex,
  pause: (() => unknown) | undefined,
): Promise<LakeDocument[]> {
  if (!pause || ids.size < PACED_FROM) return documentsOf(ids, index)
  if (ids instanceof PositionSet) return take(atPositions(ids.positions, index), Infinity, pause)
  // A copy: writes meanwhile may move an id of an index's own set to its end.
  const documents = await take(lookups(Array.from(ids), index), Infinity, pause)
  return unordered.has(ids) && documents.length > 1 ? index.inDatasetOrder(documents) : documents
}

function* atPositions(positions: Int32Array, index: DocumentIndex): Iterator<LakeDocument> {
  for (const position of positions) {
    const document = index.documentAtPosition(position)
    if (document) yield document
  }
}

/** Fields a document stub (DocumentIndex `stubOf`) has. */
const STUB_FIELDS = new Set(['_id', '_type', '_rev'])
const STUB_OPERATORS = new Set(['==', '!=', 'in', '<', '<=', '>', '>=', 'match'])
const STUB_FUNCTIONS = new Set(['path', 'defined', 'lower', 'upper', 'string', 'length'])

/**
 * Whether `node`, evaluated on a row, reads nothing of it but plain attribute paths (`status`,
 * `slug.current`); those it reads are added to `read`, joined by dots. Only a stub's own fields
 * (`_id`, `_type`, `_rev`) are read at the top level alone.
 */
function readsOnlyPaths(node: ExprNode, read: Map<string, string[]>): boolean {
  const only = (child: ExprNode) => readsOnlyPaths(child, read)
  switch (node.type) {
    case 'AccessAttribute': {
      const path = attributePath(node)
      if (!path || (STUB_FIELDS.has(path[0] as string) && path.length > 1)) return false
      // setPath builds rows with these keys: never through an object's prototype.
      if (path.includes('__proto__')) return false
      read.set(path.join('.'), path)
      return true
    }
    case 'Value':
    case 'Parameter':
      return true
    case 'And':
    case 'Or':
      return only(node.left) && only(node.right)
    case 'Not':
    case 'Group':
      return only(node.base)
    case 'OpCall':
      return STUB_OPERATORS.has(node.op) && only(node.left) && only(node.right)
    case 'FuncCall':
      return node.namespace === 'global' && STUB_FUNCTIONS.has(node.name) && node.args.every(only)
    case 'Array':
      return node.elements.every((element) => !element.isSplat && only(element.value))
    case 'Projection':
      return node.base.type === 'This' && only(node.expr)
    case 'Object':
      return node.attributes.every(
        (attribute) => attribute.type === 'ObjectAttributeValue' && only(attribute.value),
      )
    default:
      return false
  }
}

/** `value` at `path` in `row`, unless a shorter path there holds something else (then null). */
function setPath(row: Record<string, unknown>, path: readonly string[], value: unknown) {
  let at = row
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(at, key) ? at[key] : (at[key] = {})
    if (typeof next !== 'object' || next === null) return
    at = next as Record<string, unknown>
  }
  at[path.at(-1) as string] = value
}

/**
 * `*[filter]._id`, `*[filter]{_id, _rev}` and `count(*[filter])` (also sliced) where the filter reads nothing of
 * a row but its `_id`, `_type`, `_rev` and plain fields with key columns (`status`,
 * `slug.current`, `title match …`), and what is returned nothing but the first three: the
 * candidates as stubs with those fields set from the columns, so documents kept on disk are not
 * read, or parsed, to answer what the index knows. A row whose value at such a field is an object
 * or array, or a string too long for a column (COMPOUND, LONG), is its document. Until the columns are built, the
 * query reads the documents.
 */
async function stubbedScan(
  tree: ExprNode,
  index: DocumentIndex,
  params: Params,
  reader: TermReader,
  evaluate: Evaluator | undefined,
  stats: PlanStats | undefined,
  /** The query's yield point, between rows (many stubs take long to make too). */
  pause: (() => unknown) | undefined,
): Promise<ExprNode | undefined> {
  const read = new Map<string, string[]>()
  // Columns serve filters; what is returned is read from stubs alone (a column for every field
  // a projection names would hold much of the archive in memory).
  const returned = new Map<string, string[]>()
  const scan =
    tree.type === 'Map' &&
    readsOnlyPaths(tree.expr, returned) &&
    [...returned.keys()].every((path) => STUB_FIELDS.has(path))
      ? tree.base
      : tree.type === 'FuncCall' && tree.namespace === 'global' && tree.name === 'count'
        ? tree.args[0]
        : undefined
  // Also sliced (`*[…][0...1000]._id`, Studio's search): the slice is kept.
  const filter = scan?.type === 'Slice' ? scan.base : scan
  if (filter?.type !== 'Filter' || filter.base.type !== 'Everything') return undefined
  if (!readsOnlyPaths(filter.expr, read)) return undefined
  const fields: {path: string[]; column: readonly unknown[] | undefined}[] = []
  for (const path of [...read.values()].sort((a, b) => a.length - b.length)) {
    if (path.length === 1 && STUB_FIELDS.has(path[0] as string)) continue
    // Every column asked for at once: those missing are built side by side.
    fields.push({path, column: index.keyColumn(path, false)})
  }
  if (fields.some(({column}) => !column)) return undefined
  const candidates = candidatesFor(filter.expr, index, params, reader)
  if (!candidates) return undefined
  const readsRev = read.has('_rev') || returned.has('_rev')
  /** A candidate's row: its stub with the columns' values, or its document; null: give up. */
  const rowOf = (id: string | undefined): LakeDocument | undefined | null => {
    const stub = id === undefined ? undefined : index.stubOf(id)
    if (!stub || id === undefined) return undefined
    // A revision the index does not know: the documents are read after all.
    if (readsRev && !('_rev' in stub)) return null
    // A document without `_rev` reads as null there, as a stub without one does.
    const {_rev, ...rest} = stub
    const row: Record<string, unknown> = typeof _rev === 'string' ? stub : rest
    const position = fields.length > 0 ? index.positionOfId(id) : -1
    for (const {path, column} of fields) {
      const value = column?.[position]
      if (value === COMPOUND || value === LONG) return index.get(id)
      // Missing and null read alike (as null) in everything allowed here.
      if (value !== undefined && value !== null) setPath(row, path, value)
    }
    return row as LakeDocument
  }
  // In the dataset's order, as a scan would have them (see documentsOf): sets from an index and
  // positions are; the rest are sorted, so made first.
  const ids =
    candidates instanceof PositionSet
      ? Array.from(candidates.positions, (position) => index.idAtPosition(position))
      : candidates
  function* rows(): Generator<LakeDocument, void, undefined> {
    for (const id of ids) {
      const row = rowOf(id)
      if (row === null) throw GIVE_UP
      if (row) yield row
    }
  }
  const end = scan?.type === 'Slice' ? sliceEnd(scan) : undefined
  try {
    const all = unordered.has(candidates)
      ? index.inDatasetOrder(await take(rows(), Infinity, pause))
      : undefined
    let replaced: ExprNode
    if (
      scan?.type === 'Slice' &&
      end !== undefined &&
      evaluate &&
      candidates.size > firstBatch(end)
    ) {
      // The slice's first rows only: the filter runs over batches until it has them.
      const matches = await firstMatches(
        all?.values() ?? rows(),
        end,
        (batch) => evaluate({...filter, base: {type: 'Value', value: batch}}),
        pause,
      )
      if (!matches) return undefined
      if (stats) stats.firstMatches++
      replaced = {...scan, base: {type: 'Value', value: matches}}
    } else {
      const value = all ?? (await take(rows(), Infinity, pause))
      const stubbed: ExprNode = {...filter, base: {type: 'Value', value}}
      replaced = scan?.type === 'Slice' ? {...scan, base: stubbed} : stubbed
    }
    if (tree.type === 'Map') return {...tree, base: replaced}
    return tree.type === 'FuncCall' ? {...tree, args: [replaced]} : undefined
  } catch (error) {
    if (error === GIVE_UP) return undefined
    throw error
  }
}

/** Thrown by a stubbed scan's rows when the documents must be read after all. */
const GIVE_UP = new Error('stubs do not answer this scan')

async function mapChildren(
  node: unknown,
  visit: (child: ExprNode) => Promise<ExprNode>,
): Promise<unknown> {
  if (Array.isArray(node)) {
    const items: unknown[] = []
    for (const item of node) items.push(await mapChildren(item, visit))
    return items
  }
  if (typeof node !== 'object' || node === null) return node
  if ('type' in node && typeof node.type === 'string') {
    // Value nodes hold data (documents may have a `type` field): never descend into them.
    return node.type === 'Value' ? node : visit(node as ExprNode)
  }
  const entries: [string, unknown][] = []
  for (const [key, value] of Object.entries(node))
    entries.push([key, await mapChildren(value, visit)])
  return Object.fromEntries(entries)
}

/** Nodes whose children are evaluated in the node's own scope (not per row of something). */
const SAME_SCOPE = new Set([
  'Object',
  'ObjectAttributeValue',
  'ObjectSplat',
  'Array',
  'ArrayElement',
  'Group',
  'FuncCall',
])

export interface PlanStats {
  /** Filters answered from indexes. */
  indexed: number
  /** `*` scans left for groq-js. */
  scans: number
  /** Ordered slices filtered from their best first order keys on (see orderedSlice.ts). */
  orderedPrefix: number
  /** Unordered slices filtered only until they had their rows (see `firstMatches`). */
  firstMatches: number
  /** Ordered slices over computed keys or score() filtered from their best keys on (rankedSlice.ts). */
  ranked?: number
  /** score() totals the text indexes predicted wrongly (then every candidate is scored instead). */
  scoreMismatches?: number
  /** Filters run over stubs and key columns instead of documents (see `stubbedScan`). */
  stubbed?: number
}

/** Evaluates a tree with the query's own options (dataset, parameters, clock, dereference). */
export type Evaluator = (tree: ExprNode) => Promise<unknown>

/**
 * `order(…)[a...b]`, `order(…)[a..b]` or `order(…)[n]` with non-negative indexes: the order call
 * and how many of its first rows the slice reads.
 */
function orderedSlice(node: ExprNode): {order: PipeFuncCallNode; end: number} | undefined {
  const end = sliceEnd(node)
  if (end === undefined || (node.type !== 'Slice' && node.type !== 'AccessElement'))
    return undefined
  const order = node.base
  return order.type === 'PipeFuncCall' && order.name === 'order' ? {order, end} : undefined
}

/**
 * Index sets seen by ordered slices, with their documents and sorted order keys, valid until the
 * dataset changes: a site asks for the same few lists (a specialty's newest questions) again and
 * again. A set's keys are prepared the second time it is seen, so one-off sets (intersections
 * made for one query) never pay for the sort.
 */
const orderCache = new WeakMap<
  ReadonlySet<string>,
  {version: number; documents: LakeDocument[]; keys: Map<string, PreparedKeys | null>}
>()

function orderCandidates(
  ids: ReadonlySet<string>,
  index: DocumentIndex,
  path: readonly string[],
): {documents: LakeDocument[]; prepared?: PreparedKeys} {
  if (unordered.has(ids)) return {documents: documentsOf(ids, index)}
  const cached = orderCache.get(ids)
  if (cached?.version !== index.version) {
    const documents = documentsOf(ids, index)
    orderCache.set(ids, {version: index.version, documents, keys: new Map()})
    return {documents}
  }
  const key = path.join('\u0000')
  let prepared = cached.keys.get(key)
  if (prepared === undefined)
    cached.keys.set(key, (prepared = prepareKeys(cached.documents, path) ?? null))
  return {documents: cached.documents, ...(prepared ? {prepared} : {})}
}

/** How many leading rows `[a...b]`, `[a..b]` or `[n]` reads (non-negative indexes only). */
function sliceEnd(node: ExprNode): number | undefined {
  if (node.type === 'Slice') {
    if (!Number.isInteger(node.left) || !Number.isInteger(node.right)) return undefined
    if (node.left < 0 || node.right < 0) return undefined
    return node.isInclusive ? node.right + 1 : node.right
  }
  if (node.type === 'AccessElement') {
    if (!Number.isInteger(node.index) || node.index < 0) return undefined
    return node.index + 1
  }
  return undefined
}

/**
 * The first `end` of `documents` (in full-scan order) that pass `filter`, filtering a batch at
 * a time (each twice the last, from `firstBatch(end)`) instead of every candidate; undefined when
 * `filter` does not return an array. groq-js keeps a filter's rows in scan order, so a slice of
 * the first `end` matches equals the same slice of all of them.
 */
async function firstMatches(
  documents: Iterator<LakeDocument>,
  end: number,
  filter: (documents: LakeDocument[]) => Promise<unknown>,
  pause: (() => unknown) | undefined,
): Promise<LakeDocument[] | undefined> {
  let size = firstBatch(end)
  const matches: LakeDocument[] = []
  while (matches.length < end) {
    const batch = await take(documents, size, pause)
    if (batch.length === 0) break
    const passed = await filter(batch)
    if (!Array.isArray(passed)) return undefined
    matches.push(...(passed as LakeDocument[]))
    size *= 2
  }
  return matches
}

/**
 * Up to `limit` of `items`, calling `pause` (the query's yield point) after each: reading or
 * making many rows holds the event loop otherwise.
 */
async function take<T>(
  items: Iterator<T>,
  limit: number,
  pause: (() => unknown) | undefined,
): Promise<T[]> {
  const taken: T[] = []
  while (taken.length < limit) {
    const next = items.next()
    if (next.done) break
    taken.push(next.value)
    const paused = pause?.()
    if (paused instanceof Promise) await paused
  }
  return taken
}

function* lookups(ids: Iterable<string>, index: DocumentIndex): Iterator<LakeDocument> {
  for (const id of ids) {
    const document = index.get(id)
    if (document) yield document
  }
}

/** The first batch `firstMatches` filters; fewer candidates than this are filtered at once. */
function firstBatch(end: number): number {
  return Math.max(end * 2, 64)
}

// Filters that depend on the document being projected (`*[_type == "reply" && references(^._id)]`
// inside a projection) cannot be narrowed when planning: the parent is only known per row. Their
// `*` becomes a per-row index lookup instead, `coalesce({"_ref": <marker> + ^._id}->documents, *)`:
// the lake's dereference function answers marker references from the reverse-reference or value
// index. When the parent's value is not a string the marker is null and `*` is scanned as before.

/** Unguessable per process: a stored `_ref` can never pose as one of the planner's lookups. */
const MARKER_NONCE = randomBytes(9).toString('base64url')
const REFERENCING_MARKER = `\u0000lake:${MARKER_NONCE}:referencing:`
const VALUE_MARKER = `\u0000lake:${MARKER_NONCE}:value:`

/** A parsed `coalesce(null, *)` whose function binding the rewrite reuses. */
const COALESCE_TEMPLATE = parse('coalesce(null, *)')

/** `expr` as seen from one scope further out (`^._id` in a filter is `_id` of its base's scope). */
function fromOuterScope(node: ExprNode): ExprNode | undefined {
  switch (node.type) {
    case 'Value':
    case 'Parameter':
      return node
    case 'Parent':
      return node.n > 1 ? {...node, n: node.n - 1} : {type: 'This'}
    case 'AccessAttribute': {
      if (node.base === undefined || node.base.type === 'This') return undefined
      const base = fromOuterScope(node.base)
      return base ? {...node, base} : undefined
    }
    default:
      return undefined
  }
}

function conjuncts(node: ExprNode): ExprNode[] {
  if (node.type === 'And') return [...conjuncts(node.left), ...conjuncts(node.right)]
  if (node.type === 'Group') return conjuncts(node.base)
  return [node]
}

function mentionsParent(node: ExprNode): boolean {
  if (node.type === 'Parent') return true
  return node.type === 'AccessAttribute' && node.base !== undefined && mentionsParent(node.base)
}

/**
 * A marker-building expression for the first indexable condition that depends on the parent
 * (conditions on constants and parameters are planned statically instead).
 */
function perRowLookup(expr: ExprNode): ExprNode | undefined {
  for (const condition of conjuncts(expr)) {
    if (
      condition.type === 'FuncCall' &&
      condition.name === 'references' &&
      condition.namespace === 'global'
    ) {
      const [arg, ...more] = condition.args
      const outer =
        arg && more.length === 0 && mentionsParent(arg) ? fromOuterScope(arg) : undefined
      if (outer)
        return {
          type: 'OpCall',
          op: '+',
          left: {type: 'Value', value: REFERENCING_MARKER},
          right: outer,
        }
    }
    if (condition.type === 'OpCall' && condition.op === '==') {
      for (const [attribute, other] of [
        [condition.left, condition.right],
        [condition.right, condition.left],
      ] as const) {
        const path = attributePath(attribute)
        const outer = path && mentionsParent(other) ? fromOuterScope(other) : undefined
        if (path && outer) {
          const prefix = `${VALUE_MARKER}${JSON.stringify(path)}\u0000`
          return {type: 'OpCall', op: '+', left: {type: 'Value', value: prefix}, right: outer}
        }
      }
    }
  }
  return undefined
}

function perRowBase(marker: ExprNode): ExprNode {
  if (COALESCE_TEMPLATE.type !== 'FuncCall') throw new Error('coalesce template did not parse')
  const lookup: ExprNode = {
    type: 'AccessAttribute',
    name: 'documents',
    base: {
      type: 'Deref',
      base: {
        type: 'Object',
        attributes: [{type: 'ObjectAttributeValue', name: '_ref', value: marker}],
      },
    },
  }
  const fallback: ExprNode = {type: 'Everything'}
  lookupFallbacks.add(fallback)
  return {...COALESCE_TEMPLATE, args: [lookup, fallback]}
}

/** The `*` of per-row lookups: scanned only for a parent value that is not a string. */
const lookupFallbacks = new WeakSet<object>()

/** Whether `node` is a per-row lookup's fallback `*` rather than a scan the query asks for. */
export function isLookupFallback(node: object): boolean {
  return lookupFallbacks.has(node)
}

/**
 * The lake's dereference: plain ids from the view, marker references (see `perRowLookup`)
 * answered from its indexes, in dataset order like the scan they replace.
 */
export function dereferenceFrom(index: DocumentIndex, ref: string): LakeDocument | null {
  const found = (ids: ReadonlySet<string> | undefined) =>
    ids ? {_id: ref, _type: 'lake.lookup', documents: documentsOf(ids, index, false)} : null
  if (ref.startsWith(REFERENCING_MARKER)) {
    return found(index.idsReferencing(ref.slice(REFERENCING_MARKER.length)))
  }
  if (ref.startsWith(VALUE_MARKER)) {
    const rest = ref.slice(VALUE_MARKER.length)
    const separator = rest.indexOf('\u0000')
    const path: unknown = JSON.parse(rest.slice(0, separator))
    return found(
      Array.isArray(path)
        ? index.idsWithValue(path.map(String), rest.slice(separator + 1))
        : undefined,
    )
  }
  return index.get(ref) ?? null
}

/** An order key of a ranked slice: how to compute it from a row's document and score. */
interface RankedKey {
  descending: boolean
  compute: KeyFunction | undefined
  /** Whether it is the row's score. */
  score: boolean
  /** The field it reads, when it is one. */
  path: string[] | undefined
}

interface RankedPipeline {
  /** `*[filter]` at the bottom. */
  filter: Extract<ExprNode, {type: 'Filter'}>
  /** score(…) over it, if any. */
  score: PipeFuncCallNode | undefined
  /** Row-preserving steps between it and order(), bottom first: projections and `[_score > 0]`. */
  steps: (Extract<ExprNode, {type: 'Map'}> | Extract<ExprNode, {type: 'Filter'}>)[]
  /** Whether a step keeps only rows with `_score > 0`. */
  positiveOnly: boolean
  keys: RankedKey[]
}

/** `{a: x, "b": y}` of a projection of the row: its attributes (undefined with splats). */
function projectionAttributes(node: ExprNode): Map<string, ExprNode> | undefined {
  if (node.type !== 'Projection' || node.base.type !== 'This' || node.expr.type !== 'Object')
    return undefined
  const attributes = new Map<string, ExprNode>()
  for (const attribute of node.expr.attributes) {
    if (attribute.type !== 'ObjectAttributeValue') return undefined
    attributes.set(attribute.name, attribute.value)
  }
  return attributes
}

/** `_score > 0` (or `0 < _score`). */
function isPositiveScore(node: ExprNode): boolean {
  if (node.type !== 'OpCall') return false
  const zero = (side: ExprNode) => side.type === 'Value' && side.value === 0
  const score = (side: ExprNode) => attributePath(side)?.join('.') === '_score'
  return (
    (node.op === '>' && score(node.left) && zero(node.right)) ||
    (node.op === '<' && zero(node.left) && score(node.right))
  )
}

/** A key read from a projected row, as an expression over the row before the projection. */
function throughProjection(key: ExprNode, attributes: Map<string, ExprNode>): ExprNode | undefined {
  const none: ExprNode = {type: 'Value', value: null}
  if (key.type === 'Value') return key
  const path = attributePath(key)
  if (path?.length === 1) return attributes.get(path[0] as string) ?? none
  if (key.type === 'AccessElement') {
    const base = attributePath(key.base)
    if (base?.length !== 1) return undefined
    const value = attributes.get(base[0] as string)
    if (!value) return none
    if (value.type !== 'Array' || value.elements.some((element) => element.isSplat))
      return undefined
    const at = key.index < 0 ? key.index + value.elements.length : key.index
    return value.elements[at]?.value ?? none
  }
  return undefined
}

/** The parts of `*[…] | score(…) [_score > 0] {…} | order(…)`, when it has that shape. */
function rankedPipeline(
  order: PipeFuncCallNode,
  params: Params,
  index: DocumentIndex,
): RankedPipeline | undefined {
  const steps: RankedPipeline['steps'] = []
  const projections: Map<string, ExprNode>[] = []
  let positiveOnly = false
  let current = order.base
  for (;;) {
    if (current.type === 'Map') {
      const attributes = projectionAttributes(current.expr)
      if (!attributes) return undefined
      projections.push(attributes)
      steps.push(current)
      current = current.base
    } else if (current.type === 'Filter' && current.base.type !== 'Everything') {
      if (!isPositiveScore(current.expr)) return undefined
      positiveOnly = true
      steps.push(current)
      current = current.base
    } else break
  }
  let score: PipeFuncCallNode | undefined
  if (current.type === 'PipeFuncCall' && current.name === 'score') {
    score = current
    current = current.base
  }
  if (current.type !== 'Filter' || current.base.type !== 'Everything') return undefined
  if (positiveOnly && !score) return undefined
  const keys: RankedKey[] = []
  for (const arg of order.args) {
    const descending = arg.type === 'Desc'
    let key: ExprNode | undefined = arg.type === 'Desc' || arg.type === 'Asc' ? arg.base : arg
    for (const attributes of projections) key = key && throughProjection(key, attributes)
    keys.push({
      descending,
      compute: key && keyFunction(key, params, score !== undefined, index),
      score: score !== undefined && key !== undefined && attributePath(key)?.join('.') === '_score',
      path: projections.length === 0 && key ? attributePath(key) : undefined,
    })
  }
  steps.reverse()
  return {filter: current, score, steps, positiveOnly, keys}
}

/**
 * The rows a ranked slice picks from: ascending positions (lazily, their documents) and scores.
 * Where only rows scoring above 0 count, the documents that may score are the rows, and the
 * filter's own candidates are `checked` a round at a time; undefined without either.
 */
function rankedRows(
  pipeline: RankedPipeline,
  model: ScoreModel | undefined,
  candidates: Candidates,
  index: DocumentIndex,
): {rows: Rows; scores: Float64Array; checked: Candidates} | undefined {
  const nonzero = pipeline.positiveOnly ? model?.nonzero() : undefined
  const positions = nonzero ?? (candidates && positionsOf(candidates, index))
  if (!positions) return undefined
  let rows = viewRows(positions, index)
  let scores = model ? model.scores(rows) : new Float64Array(positions.length)
  if (pipeline.positiveOnly) {
    const positive = new Int32Array(scores.length)
    let n = 0
    for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > 0) positive[n++] = i
    rows = someRows(rows, positive.subarray(0, n))
    scores = scores.filter((value) => value > 0)
  }
  return {rows, scores, checked: nonzero ? candidates : undefined}
}

/**
 * Key columns of the rows, for the order keys it can compute (up to the first it cannot). With
 * every key known, rows tied on all of them keep score()'s order (best score first), then the
 * filter's (scan order): `complete`.
 */
function rankedKeys(keys: readonly RankedKey[], rows: Rows, scores: Float64Array, scored: boolean) {
  const columns: KeyColumn[] = []
  const descending: boolean[] = []
  const scoreColumn: KeyColumn = {value: (i) => scores[i], numbers: scores}
  for (const key of keys) {
    if (!key.compute) break
    const compute = key.compute
    const value = (i: number) =>
      compute(rows.positions[i] as number, () => rows.document(i), scores[i] ?? 0)
    // The first key is read for every candidate (as numbers, when it can be): later ones only
    // where the first ties.
    columns.push(
      key.score
        ? scoreColumn
        : columns.length === 0
          ? eagerColumn(rows.positions.length, value)
          : lazyColumn(value),
    )
    descending.push(key.descending)
  }
  const complete = columns.length === keys.length
  if (complete && scored) {
    columns.push(scoreColumn)
    descending.push(true)
  }
  return {columns, descending, complete}
}

/**
 * `expr` as evaluated for `rows` only: id lists it tests `_id` against in the rows' own scope
 * (`_id in [thousands of ids]`, as text::query leaves them) keep only the rows' ids, so groq-js
 * does not read the whole list for every row. The answer for those rows does not change.
 */
function forRows(expr: ExprNode, rows: readonly LakeDocument[], params: Params): ExprNode {
  let ids: Set<string> | undefined
  const visit = (node: ExprNode): ExprNode => {
    switch (node.type) {
      case 'And':
      case 'Or':
        return {...node, left: visit(node.left), right: visit(node.right)}
      case 'Not':
      case 'Group':
        return {...node, base: visit(node.base)}
      case 'FuncCall':
        if (node.name === 'boost') return {...node, args: node.args.map(visit)}
        if (node.name === 'references' && node.namespace === 'global')
          return {...node, args: node.args.map(referencedByRows)}
        return node
      case 'OpCall': {
        const list = node.right
        if (node.op !== 'in' || !isThisAttribute(node.left, '_id')) return node
        if (list.type !== 'Value' || !Array.isArray(list.value) || list.value.length <= 64)
          return node
        ids ??= new Set(rows.map((row) => row._id))
        const kept = ids
        return {...node, right: {type: 'Value', value: list.value.filter((id) => kept.has(id))}}
      }
      default:
        return node
    }
  }
  /** A long list of targets as references() reads it for the rows: only targets they reference. */
  const referencedByRows = (arg: ExprNode): ExprNode => {
    const list =
      arg.type === 'Value' ? arg.value : arg.type === 'Parameter' ? params[arg.name] : undefined
    if (!Array.isArray(list) || list.length <= 64) return arg
    targets ??= new Set(rows.flatMap((row) => [...collectReferences(row)]))
    const kept = targets
    return {type: 'Value', value: list.filter((id) => typeof id === 'string' && kept.has(id))}
  }
  let targets: Set<string> | undefined
  return visit(expr)
}

/** Whether groq-js scored every row as the model predicted. */
function predicted(
  rows: unknown[],
  matches: LakeDocument[],
  model: ScoreModel | undefined,
  index: DocumentIndex,
) {
  if (!model || rows.length !== matches.length) return false
  const scores = model.scores({
    positions: Int32Array.from(matches, (document) => index.positionOfDocument(document)),
    document: (i) => matches[i],
  })
  const expected = new Map(matches.map((document, i) => [document._id, scores[i]]))
  return rows.every((row) => {
    const {_id, _score} = row as {_id?: unknown; _score?: unknown}
    return typeof _id === 'string' && expected.get(_id) === _score
  })
}

/**
 * A copy of `tree` with indexable `*[…]` scans replaced by their candidate documents. With
 * `evaluate`, an ordered slice of an indexable scan evaluated in the root scope (so its filter
 * means the same when evaluated on its own) has its filter run over only the candidates with the
 * best first order keys (see orderedSlice.ts), and the matches replace the filter.
 */
export async function planQuery(
  tree: ExprNode,
  index: DocumentIndex,
  params: Params,
  stats?: PlanStats,
  evaluate?: Evaluator,
  /** The query's yield point, for reading many documents (see documentsPaced). */
  pause?: () => unknown,
): Promise<ExprNode> {
  // Text indexes the query's `match`es read are built first (a slice at a time).
  await index.prepareText(textSourcesIn(tree))
  const reader = new TermReader(index)

  /**
   * `*[filter] | score(…) [_score > 0] {…} | order(…)[a...b]` and `*[filter] | order(…)[a...b]`
   * with keys other than a field: the filter runs over the candidates with the best keys (the
   * score predicted from the text indexes), and groq-js evaluates the rest over its matches.
   */
  const narrowRankedSlice = async (node: ExprNode): Promise<ExprNode | undefined> => {
    const slice = orderedSlice(node)
    const pipeline = slice && evaluate ? rankedPipeline(slice.order, params, index) : undefined
    if (!slice || !evaluate || !pipeline || perRowLookup(pipeline.filter.expr)) return undefined
    const {filter, score, steps, keys} = pipeline
    // Without score() or projections, a field as the first key is orderedSlice.ts's job, and
    // keys this cannot compute are left to groq-js.
    if (!score && steps.length === 0 && keys[0]?.path) return undefined
    if (!score && !keys[0]?.compute) return undefined
    const model = score && scoreModel(score.args, index, params, reader)
    if (score && !model) return undefined
    const candidates = candidatesFor(filter.expr, index, params, reader)
    const ranked = rankedRows(pipeline, model, candidates, index)
    if (!ranked) return undefined
    const {rows, scores, checked} = ranked
    const count = rows.positions.length
    const candidate = (i: number): LakeDocument | undefined => {
      const document = rows.document(i)
      return document && (!checked || checked.has(document._id)) ? document : undefined
    }
    const {columns, descending, complete} = rankedKeys(keys, rows, scores, model !== undefined)
    const expr = await visit(filter.expr, false)
    const filterOver = (batch: LakeDocument[]) =>
      evaluate({...filter, base: {type: 'Value', value: batch}, expr: forRows(expr, batch, params)})
    const every = () => {
      const documents: LakeDocument[] = []
      for (let i = 0; i < count; i++) {
        const document = candidate(i)
        if (document) documents.push(document)
      }
      return documents
    }
    // Scores that overflowed compare as groq-js compares NaN: not worth predicting. Without keys
    // to rank by, the filter runs over every candidate.
    let matches =
      columns.length > 0 && scores.every(Number.isFinite)
        ? await rankedMatches(
            count,
            candidate,
            {columns, descending, stable: complete},
            slice.end,
            filterOver,
          )
        : undefined
    if (!matches) {
      const passed = await filterOver(every())
      if (Array.isArray(passed)) matches = passed as LakeDocument[]
    }
    if (stats) stats.indexed++
    let base: ExprNode = matches
      ? {type: 'Value', value: matches}
      : {...filter, base: {type: 'Value', value: fallbackRows()}, expr}
    if (score) {
      const args = (await mapChildren(score.args, (child) => visit(child, false))) as ExprNode[]
      const rowsOf = matches ?? []
      const scored = matches
        ? await evaluate({...score, base, args: args.map((arg) => forRows(arg, rowsOf, params))})
        : undefined
      if (matches && Array.isArray(scored) && predicted(scored, matches, model, index)) {
        base = {type: 'Value', value: scored}
      } else {
        // A prediction went wrong (or no rows came back): every candidate is scored instead.
        if (matches && stats) stats.scoreMismatches = (stats.scoreMismatches ?? 0) + 1
        base = {
          ...score,
          base: {...filter, base: {type: 'Value', value: fallbackRows()}, expr},
          args,
        }
      }
    }
    if (matches && stats) stats.ranked = (stats.ranked ?? 0) + 1
    for (const step of steps) {
      base = {...step, base, expr: await visit(step.expr, false)} as ExprNode
    }
    const args = (await mapChildren(slice.order.args, (child) => visit(child, false))) as ExprNode[]
    return {...node, base: {...slice.order, base, args}} as ExprNode

    /** Every document the filter may hold for, when predictions cannot be trusted. */
    function fallbackRows(): LakeDocument[] {
      return candidates ? documentsOf(candidates, index) : index.documents()
    }
  }

  const narrowOrderedSlice = async (node: ExprNode): Promise<ExprNode | undefined> => {
    const slice = orderedSlice(node)
    const filter = slice?.order.base
    if (!slice || !evaluate || filter?.type !== 'Filter' || filter.base.type !== 'Everything') {
      return undefined
    }
    const [first] = slice.order.args
    const key = first?.type === 'Desc' || first?.type === 'Asc' ? first.base : first
    const path = key && attributePath(key)
    const candidates =
      path && !perRowLookup(filter.expr)
        ? candidatesFor(filter.expr, index, params, reader)
        : undefined
    if (!path || !candidates) return undefined
    const {documents, prepared} = orderCandidates(candidates, index, path)
    const expr = await visit(filter.expr, false)
    const matches = await orderedMatches(
      documents,
      path,
      first?.type === 'Desc',
      slice.end,
      (batch) => evaluate({...filter, base: {type: 'Value', value: batch}, expr}),
      prepared,
    )
    const args = (await mapChildren(slice.order.args, (child) => visit(child, false))) as ExprNode[]
    if (stats) stats.indexed++
    if (matches && stats) stats.orderedPrefix++
    // Without matches (keys not all strings or all numbers, or too few candidates to gain) the
    // filter scans all candidates, as for any indexable filter.
    const base: ExprNode = matches
      ? {type: 'Value', value: matches}
      : {...filter, base: {type: 'Value', value: documents}, expr}
    return {...node, base: {...slice.order, base, args}} as ExprNode
  }

  /** `*[filter][a...b]` (no order) in the root scope: the filter runs until it has `b` rows. */
  const narrowFirstMatches = async (node: ExprNode): Promise<ExprNode | undefined> => {
    const end = sliceEnd(node)
    if (end === undefined || !evaluate || (node.type !== 'Slice' && node.type !== 'AccessElement'))
      return undefined
    const filter = node.base
    if (filter.type !== 'Filter' || filter.base.type !== 'Everything') return undefined
    const candidates = perRowLookup(filter.expr)
      ? undefined
      : candidatesFor(filter.expr, index, params, reader)
    if (!candidates || candidates.size <= firstBatch(end)) return undefined
    const expr = await visit(filter.expr, false)
    // Sets straight from an index iterate in scan order and are read lazily; others are sorted.
    const documents = unordered.has(candidates)
      ? documentsOf(candidates, index).values()
      : lookups(candidates, index)
    const matches = await firstMatches(
      documents,
      end,
      (batch) => evaluate({...filter, base: {type: 'Value', value: batch}, expr}),
      pause,
    )
    if (!matches) return undefined
    if (stats) {
      stats.indexed++
      stats.firstMatches++
    }
    return {...node, base: {type: 'Value', value: matches}}
  }

  // `rootScope`: the node is evaluated in the query's root scope, not per row of something.
  const visit = async (node: ExprNode, rootScope: boolean): Promise<ExprNode> => {
    // Its filter reads no outer scope (see readsOnlyPaths): the same answer in any scope.
    const stubbed = await stubbedScan(node, index, params, reader, evaluate, stats, pause)
    if (stubbed) {
      if (stats) {
        stats.indexed++
        stats.stubbed = (stats.stubbed ?? 0) + 1
      }
      return stubbed
    }
    const narrowed = rootScope
      ? ((await narrowRankedSlice(node)) ??
        (await narrowOrderedSlice(node)) ??
        (await narrowFirstMatches(node)))
      : undefined
    if (narrowed) return narrowed
    if (node.type === 'Filter' && node.base.type === 'Everything') {
      const candidates = candidatesFor(node.expr, index, params, reader)
      const expr = await visit(node.expr, false)
      const perRow = perRowLookup(node.expr)
      if (perRow) {
        if (stats) stats.indexed++
        return {...node, base: perRowBase(perRow), expr}
      }
      if (candidates) {
        if (stats) stats.indexed++
        const documents = await documentsPaced(candidates, index, pause)
        return {...node, base: {type: 'Value', value: documents}, expr}
      }
      if (stats) stats.scans++
      return {...node, expr}
    }
    if (node.type === 'Everything' && stats) stats.scans++
    // Bases, and the parts of objects, arrays, groups and function calls, are evaluated in their
    // node's scope; everything else may run per row.
    const sameScope = SAME_SCOPE.has(node.type)
    const entries: [string, unknown][] = []
    for (const [key, value] of Object.entries(node)) {
      entries.push([
        key,
        key === 'type'
          ? value
          : await mapChildren(value, (child) =>
              visit(child, rootScope && (key === 'base' || sameScope)),
            ),
      ])
    }
    return Object.fromEntries(entries) as unknown as ExprNode
  }
  return visit(tree, true)
}
