import type {ExprNode} from 'groq-js'
import type {DocumentIndex, LakeDocument} from './documentIndex.ts'

// Index-aware rewriting of a parsed GROQ tree. Every `*[filter]` whose filter contains indexable
// conjuncts with constant operands (`_id == $id`, `_type == "question"`, `references($id)`,
// `_id in $ids`) gets its `*` replaced by the candidate documents from the indexes. The filter
// itself stays, so groq-js still decides membership: an index narrows the scan, never the answer.

type Params = Record<string, unknown>

/** Candidate ids, or undefined when a condition cannot be answered from an index. */
type Candidates = ReadonlySet<string> | undefined

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
  return new Set(values.filter((value): value is string => typeof value === 'string'))
}

function intersect(a: Candidates, b: Candidates): Candidates {
  if (!a) return b
  if (!b) return a
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  const result = new Set<string>()
  for (const id of small) if (large.has(id)) result.add(id)
  return result
}

function union(a: Candidates, b: Candidates): Candidates {
  if (!a || !b) return undefined
  return new Set([...a, ...b])
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

function candidatesFor(node: ExprNode, index: DocumentIndex, params: Params): Candidates {
  switch (node.type) {
    case 'And':
      return intersect(
        candidatesFor(node.left, index, params),
        candidatesFor(node.right, index, params),
      )
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
      if (node.op === 'in' && isThisAttribute(node.left, '_id')) {
        const values = constantArray(node.right, params)
        return values ? strings(values) : undefined
      }
      if (node.op === 'in') {
        const path = attributePath(node.left)
        const values = path ? constantArray(node.right, params) : undefined
        if (!path || !values) return undefined
        const ids = new Set<string>()
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
      const ids = new Set<string>()
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

function documentsOf(ids: ReadonlySet<string>, index: DocumentIndex): LakeDocument[] {
  const documents: LakeDocument[] = []
  for (const id of ids) {
    const document = index.get(id)
    if (document) documents.push(document)
  }
  // Keep the dataset's own order so results match an unindexed scan exactly.
  return documents.length > 1 ? index.inDatasetOrder(documents) : documents
}

function mapChildren(node: unknown, visit: (child: ExprNode) => ExprNode): unknown {
  if (Array.isArray(node)) return node.map((item) => mapChildren(item, visit))
  if (typeof node !== 'object' || node === null) return node
  if ('type' in node && typeof node.type === 'string') {
    // Value nodes hold data (documents may have a `type` field): never descend into them.
    return node.type === 'Value' ? node : visit(node as ExprNode)
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, mapChildren(value, visit)]),
  )
}

export interface PlanStats {
  /** Filters answered from indexes. */
  indexed: number
  /** `*` scans left for groq-js. */
  scans: number
}

/** A copy of `tree` with indexable `*[…]` scans replaced by their candidate documents. */
export function planQuery(
  tree: ExprNode,
  index: DocumentIndex,
  params: Params,
  stats?: PlanStats,
): ExprNode {
  const visit = (node: ExprNode): ExprNode => {
    if (node.type === 'Filter' && node.base.type === 'Everything') {
      const candidates = candidatesFor(node.expr, index, params)
      const expr = visit(node.expr)
      if (candidates) {
        if (stats) stats.indexed++
        return {...node, base: {type: 'Value', value: documentsOf(candidates, index)}, expr}
      }
      if (stats) stats.scans++
      return {...node, expr}
    }
    if (node.type === 'Everything' && stats) stats.scans++
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        key === 'type' ? value : mapChildren(value, visit),
      ]),
    ) as ExprNode
  }
  return visit(tree)
}
