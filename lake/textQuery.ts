import type {ExprNode} from 'groq-js'
import type {QueryBudget} from './budget.ts'
import type {DocumentIndex} from './documentIndex.ts'
import type {TermLookup} from './matchText.ts'
import {MAX_POSTINGS_READ, type TextIndex, type TextSource, textQueryWords} from './textIndex.ts'

// Sanity's `text::query()` (what Studio's search and list filters use) is not in groq-js. The lake
// rewrites it before evaluation: `[@, …] match text::query($q)` becomes `_id in [ids]` for the
// documents whose text contains every term (any string field, at any depth); a match against
// specific fields becomes a plain groq-js `match` on the same terms. "*" matches everything.
// The ids come from a text index of whole documents (lake/textIndex.ts), or, for the plain
// evaluation tests and benchmarks compare with, from reading every document.

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

function termMatches(term: string, words: Set<string>): boolean {
  if (!term.endsWith('*')) return words.has(term)
  const prefix = term.slice(0, -1)
  for (const word of words) if (word.startsWith(prefix)) return true
  return false
}

function matches(terms: Terms, words: Set<string>): boolean {
  return (
    terms.include.every((term) => termMatches(term, words)) &&
    !terms.exclude.some((term) => termMatches(term, words))
  )
}

/** Ids of the documents with every included term and none excluded (a scan, within the budget). */
async function scannedIds(terms: Terms, index: DocumentIndex, budget: QueryBudget) {
  const ids: string[] = []
  for (const document of index.documents()) {
    await budget.tick()
    if (matches(terms, textQueryWords(document))) ids.push(document._id)
  }
  return ids
}

/** The index of whole documents' words that text::query reads. */
const DOCUMENTS: TextSource = {kind: 'document', path: []}

/** Ascending positions of the documents with a word a term matches. */
function lookupOf(term: string): TermLookup {
  return term.endsWith('*') ? {prefix: term.slice(0, -1)} : {exact: term}
}

function termPositions(text: TextIndex, term: string): Int32Array {
  return text.termPostings(lookupOf(term), false).positions
}

/**
 * The scan positions of id lists made from the index, with the view and version they hold for:
 * the planner reads `_id in [ids]` from them instead of looking every id up again.
 */
const listPositions = new WeakMap<
  readonly unknown[],
  {index: DocumentIndex; version: number; positions: Int32Array}
>()

/** Ascending positions of the documents of an id list this module made, while still current. */
export function positionsOfIdList(
  list: readonly unknown[],
  index: DocumentIndex,
): Int32Array | undefined {
  const known = listPositions.get(list)
  return known?.index === index && known.version === index.version ? known.positions : undefined
}

/** Ascending positions in `a` and not in `b` (or in both, with `both`). */
function mergeSorted(a: Int32Array, b: Int32Array, both: boolean): Int32Array {
  const out = new Int32Array(a.length)
  let n = 0
  let j = 0
  for (let i = 0; i < a.length; i++) {
    const position = a[i] as number
    while (j < b.length && (b[j] as number) < position) j++
    if ((j < b.length && b[j] === position) === both) out[n++] = position
  }
  return out.subarray(0, n)
}

/**
 * The same ids from the index, or undefined when it cannot tell (no included term). Drafts seen
 * in the drafts view carry the published id, so their words are read from the view instead.
 */
function indexedIds(terms: Terms, index: DocumentIndex, text: TextIndex): string[] | undefined {
  if (terms.include.length === 0) return undefined
  // Reading postings holds the event loop: past a bound, the scan (which yields) answers.
  let read = 0
  for (const term of [...terms.include, ...terms.exclude]) {
    read += text.postingCount(lookupOf(term))
    if (read > MAX_POSTINGS_READ) return undefined
  }
  const included = terms.include.map((term) => termPositions(text, term))
  included.sort((a, b) => a.length - b.length)
  let positions = included[0] as Int32Array
  for (const next of included.slice(1)) positions = mergeSorted(positions, next, true)
  for (const term of terms.exclude)
    positions = mergeSorted(positions, termPositions(text, term), false)
  const overlays = index.overlays()
  if (overlays.length > 0) {
    positions = mergeSorted(
      positions,
      Int32Array.from(overlays, ({position}) => position).sort(),
      false,
    )
    const matching = overlays.filter(({document}) => matches(terms, textQueryWords(document)))
    const extra = Int32Array.from(matching, ({position}) => position).sort()
    const merged = new Int32Array(positions.length + extra.length)
    merged.set(positions)
    merged.set(extra, positions.length)
    positions = merged.sort()
  }
  const ids: string[] = []
  const kept = new Int32Array(positions.length)
  for (const position of positions) {
    const id = index.idAtPosition(position)
    if (id === undefined) continue
    kept[ids.length] = position
    ids.push(id)
  }
  listPositions.set(ids, {index, version: index.version, positions: kept.subarray(0, ids.length)})
  return ids
}

/** Ids of the documents with every included term and none excluded, in scan order. */
async function matchingIds(
  terms: Terms,
  index: DocumentIndex,
  budget: QueryBudget,
  indexed: boolean,
) {
  if (indexed) {
    await index.prepareText([DOCUMENTS])
    const text = index.textIndex(DOCUMENTS)
    const ids = text && indexedIds(terms, index, text)
    if (ids) return ids
  }
  return scannedIds(terms, index, budget)
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
  indexed: boolean,
): Promise<ExprNode> {
  if (terms.include.length === 0 && terms.exclude.length === 0) return {type: 'Value', value: true}
  const wholeDocument =
    left.type === 'Array' && left.elements.some((element) => element.value.type === 'This')
  if (wholeDocument) {
    return {
      type: 'OpCall',
      op: 'in',
      left: {type: 'AccessAttribute', name: '_id'},
      right: {type: 'Value', value: await matchingIds(terms, index, budget, indexed)},
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

/**
 * `tree` with every `… match text::query(…)` replaced by something groq-js evaluates; `indexed`:
 * whole-document matches read the text index (else every document).
 */
export async function rewriteTextQueries(
  tree: ExprNode,
  params: Record<string, unknown>,
  index: DocumentIndex,
  budget: QueryBudget,
  indexed = true,
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
        return rewriteMatch(left, parseTextQuery(query), index, budget, indexed)
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
