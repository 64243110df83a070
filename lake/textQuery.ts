import type {ExprNode} from 'groq-js'
import type {QueryBudget} from './budget.ts'
import type {DocumentIndex} from './documentIndex.ts'

// Sanity's `text::query()` (what Studio's search and list filters use) is not in groq-js. The lake
// rewrites it before evaluation: `[@, …] match text::query($q)` becomes `_id in [ids]` for the
// documents whose text contains every term (any string field, at any depth); a match against
// specific fields becomes a plain groq-js `match` on the same terms. "*" matches everything.

interface Terms {
  include: string[]
  exclude: string[]
}

/** Terms of a text query: words, "quoted phrases", -negations, trailing * for prefixes. */
export function parseTextQuery(query: string): Terms {
  const terms: Terms = {include: [], exclude: []}
  for (const match of query.matchAll(/(-?)(?:"([^"]*)"|(\S+))/g)) {
    const negated = match[1] === '-'
    for (const word of (match[2] ?? match[3] ?? '').toLowerCase().split(/[^\p{L}\p{N}*]+/u)) {
      if (!word || word === '*') continue
      ;(negated ? terms.exclude : terms.include).push(word)
    }
  }
  return terms
}

function tokens(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') {
    for (const token of value.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (token) into.add(token)
  } else if (Array.isArray(value)) {
    for (const item of value) tokens(item, into)
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, field] of Object.entries(value))
      if (key !== '_type' && key !== '_key') tokens(field, into)
  }
  return into
}

function termMatches(term: string, words: Set<string>): boolean {
  if (!term.endsWith('*')) return words.has(term)
  const prefix = term.slice(0, -1)
  for (const word of words) if (word.startsWith(prefix)) return true
  return false
}

/** Ids of the documents with every included term and none excluded (a scan, within the budget). */
async function matchingIds(terms: Terms, index: DocumentIndex, budget: QueryBudget) {
  const ids: string[] = []
  for (const document of index.documents()) {
    await budget.tick()
    const words = tokens(document, new Set([document._id.toLowerCase()]))
    if (
      terms.include.every((term) => termMatches(term, words)) &&
      !terms.exclude.some((term) => termMatches(term, words))
    ) {
      ids.push(document._id)
    }
  }
  return ids
}

function textQueryArgument(node: ExprNode, params: Record<string, unknown>): string | undefined {
  if (node.type !== 'FuncCall' || node.namespace !== 'text' || node.name !== 'query')
    return undefined
  const [arg] = node.args
  const value =
    arg?.type === 'Value' ? arg.value : arg?.type === 'Parameter' ? params[arg.name] : undefined
  return typeof value === 'string' ? value : ''
}

async function rewriteMatch(
  left: ExprNode,
  terms: Terms,
  index: DocumentIndex,
  budget: QueryBudget,
): Promise<ExprNode> {
  if (terms.include.length === 0 && terms.exclude.length === 0) return {type: 'Value', value: true}
  const wholeDocument =
    left.type === 'Array' && left.elements.some((element) => element.value.type === 'This')
  if (wholeDocument) {
    return {
      type: 'OpCall',
      op: 'in',
      left: {type: 'AccessAttribute', name: '_id'},
      right: {type: 'Value', value: await matchingIds(terms, index, budget)},
    }
  }
  let expression: ExprNode = {
    type: 'OpCall',
    op: 'match',
    left,
    right: {type: 'Value', value: terms.include},
  }
  for (const term of terms.exclude) {
    const excluded: ExprNode = {
      type: 'OpCall',
      op: 'match',
      left,
      right: {type: 'Value', value: term},
    }
    expression = {type: 'And', left: expression, right: {type: 'Not', base: excluded}}
  }
  return expression
}

/** `tree` with every `… match text::query(…)` replaced by something groq-js evaluates. */
export async function rewriteTextQueries(
  tree: ExprNode,
  params: Record<string, unknown>,
  index: DocumentIndex,
  budget: QueryBudget,
): Promise<ExprNode> {
  const visit = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(visit))
    if (typeof node !== 'object' || node === null) return node
    if ('type' in node && node.type === 'Value') return node
    if (
      'type' in node &&
      node.type === 'OpCall' &&
      'op' in node &&
      node.op === 'match' &&
      'right' in node &&
      'left' in node
    ) {
      const query = textQueryArgument(node.right as ExprNode, params)
      if (query !== undefined) {
        const left = (await visit(node.left)) as ExprNode
        return rewriteMatch(left, parseTextQuery(query), index, budget)
      }
    }
    const entries: [string, unknown][] = []
    for (const [key, value] of Object.entries(node)) entries.push([key, await visit(value)])
    return Object.fromEntries(entries)
  }
  return (await visit(tree)) as ExprNode
}

/** Cheap check so queries without text::query skip the rewrite. */
export function usesTextQuery(query: string): boolean {
  return query.includes('text::query')
}
