import {randomBytes} from 'node:crypto'
import {type ExprNode, parse, type PipeFuncCallNode} from 'groq-js'
import type {DocumentIndex, LakeDocument} from './documentIndex.ts'
import {requiredWords} from './matchWords.ts'
import {orderedMatches, type PreparedKeys, prepareKeys} from './orderedSlice.ts'

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

/** `a.b.c` read from the current document, as a path; undefined for anything else. */
function attributePath(node: ExprNode): string[] | undefined {
  if (node.type !== 'AccessAttribute') return undefined
  if (node.base === undefined || node.base.type === 'This') return [node.name]
  const parent = attributePath(node.base)
  return parent ? [...parent, node.name] : undefined
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

function intersect(a: Candidates, b: Candidates): Candidates {
  if (!a) return b
  if (!b) return a
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  const result = new Set<string>()
  for (const id of small) if (large.has(id)) result.add(id)
  return unordered.has(small) ? computed(result) : result
}

function union(a: Candidates, b: Candidates): Candidates {
  if (!a || !b) return undefined
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

/** `attr match $words` from the word index: documents with every plain word of the pattern. */
function wordCandidates(
  attribute: ExprNode,
  pattern: ExprNode,
  index: DocumentIndex,
  params: Params,
): Candidates {
  const path = attributePath(attribute)
  const value = constant(pattern, params)
  const words = path && value ? requiredWords(value.value) : undefined
  if (!path || !words) return undefined
  // A pattern without terms matches nothing.
  if (words.length === 0) return new Set()
  let ids: Candidates
  for (const word of words) {
    const found = index.idsWithWord(path, word)
    if (!found) return undefined
    ids = intersect(ids, found)
  }
  return ids
}

function candidatesFor(node: ExprNode, index: DocumentIndex, params: Params): Candidates {
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
        ids = intersect(ids, narrowed ?? candidatesFor(part, index, params))
      }
      return type === undefined || typed ? ids : intersect(ids, index.idsOfType(type))
    }
    case 'Or':
      return union(
        candidatesFor(node.left, index, params),
        candidatesFor(node.right, index, params),
      )
    case 'Group':
      return candidatesFor(node.base, index, params)
    case 'OpCall':
      if (node.op === '==') {
        return (
          equalityCandidates(node.left, node.right, index, params) ??
          equalityCandidates(node.right, node.left, index, params)
        )
      }
      if (node.op === 'match') return wordCandidates(node.left, node.right, index, params)
      if (node.op === 'in' && isThisAttribute(node.left, '_id')) {
        const values = constantArray(node.right, params)
        return values ? strings(values) : undefined
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
      const ids = computed(new Set<string>())
      for (const arg of node.args) {
        const value = constant(arg, params)
        if (!value) return undefined
        const targets = Array.isArray(value.value) ? value.value : [value.value]
        for (const target of targets) {
          if (typeof target === 'string') for (const id of index.idsReferencing(target)) ids.add(id)
        }
      }
      return ids
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
  const documents: LakeDocument[] = []
  for (const id of ids) {
    const document = index.get(id)
    if (document) documents.push(document)
  }
  return sort && documents.length > 1 ? index.inDatasetOrder(documents) : documents
}

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

export interface PlanStats {
  /** Filters answered from indexes. */
  indexed: number
  /** `*` scans left for groq-js. */
  scans: number
  /** Ordered slices filtered from their best first order keys on (see orderedSlice.ts). */
  orderedPrefix: number
  /** Unordered slices filtered only until they had their rows (see `firstMatches`). */
  firstMatches: number
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
 * The first `end` documents of `ids` (in full-scan order) that pass `filter`, filtering a batch at
 * a time (each twice the last, from `firstBatch(end)`) instead of every candidate; undefined when
 * `filter` does not return an array. groq-js keeps a filter's rows in scan order, so a slice of
 * the first `end` matches equals the same slice of all of them.
 */
async function firstMatches(
  ids: ReadonlySet<string>,
  index: DocumentIndex,
  end: number,
  filter: (documents: LakeDocument[]) => Promise<unknown>,
): Promise<LakeDocument[] | undefined> {
  let size = firstBatch(end)
  // Sets straight from an index iterate in scan order and are read lazily; others are sorted.
  const ordered = unordered.has(ids) ? documentsOf(ids, index) : undefined
  const documents = ordered?.values() ?? lookups(ids, index)
  const matches: LakeDocument[] = []
  while (matches.length < end) {
    const batch: LakeDocument[] = []
    for (let next = documents.next(); !next.done; next = documents.next()) {
      batch.push(next.value)
      if (batch.length >= size) break
    }
    if (batch.length === 0) break
    const passed = await filter(batch)
    if (!Array.isArray(passed)) return undefined
    matches.push(...(passed as LakeDocument[]))
    size *= 2
  }
  return matches
}

function* lookups(ids: ReadonlySet<string>, index: DocumentIndex): Iterator<LakeDocument> {
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
  return {...COALESCE_TEMPLATE, args: [lookup, {type: 'Everything'}]}
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
): Promise<ExprNode> {
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
      path && !perRowLookup(filter.expr) ? candidatesFor(filter.expr, index, params) : undefined
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
      : candidatesFor(filter.expr, index, params)
    if (!candidates || candidates.size <= firstBatch(end)) return undefined
    const expr = await visit(filter.expr, false)
    const matches = await firstMatches(candidates, index, end, (batch) =>
      evaluate({...filter, base: {type: 'Value', value: batch}, expr}),
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
    const narrowed = rootScope
      ? ((await narrowOrderedSlice(node)) ?? (await narrowFirstMatches(node)))
      : undefined
    if (narrowed) return narrowed
    if (node.type === 'Filter' && node.base.type === 'Everything') {
      const candidates = candidatesFor(node.expr, index, params)
      const expr = await visit(node.expr, false)
      const perRow = perRowLookup(node.expr)
      if (perRow) {
        if (stats) stats.indexed++
        return {...node, base: perRowBase(perRow), expr}
      }
      if (candidates) {
        if (stats) stats.indexed++
        return {...node, base: {type: 'Value', value: documentsOf(candidates, index)}, expr}
      }
      if (stats) stats.scans++
      return {...node, expr}
    }
    if (node.type === 'Everything' && stats) stats.scans++
    // Bases are evaluated in their node's scope; everything else may run per row.
    const entries: [string, unknown][] = []
    for (const [key, value] of Object.entries(node)) {
      entries.push([
        key,
        key === 'type'
          ? value
          : await mapChildren(value, (child) => visit(child, rootScope && key === 'base')),
      ])
    }
    return Object.fromEntries(entries) as unknown as ExprNode
  }
  return visit(tree, true)
}
