import type {ExprNode} from 'groq-js'
import {
  COMPOUND,
  LONG,
  type DocumentIndex,
  isPrimitive,
  type LakeDocument,
  orderKey,
  refsAt,
  sortedUnique,
  unionPositions,
} from './documentIndex.ts'
import {patternTerms, type TermLookup, termLookup, termScore} from './matchText.ts'
import {attributeValue} from './attribute.ts'
import {MAX_POSTINGS_READ, mergePostings, type TextIndex, type TextSource} from './textIndex.ts'
import {positionsOfIdList} from './textQuery.ts'

// What the text indexes tell the planner about `match` and score(): the documents a `match`
// filter can hold for (every term matches a token of the text), and each document's score() as
// groq-js will compute it, so that the planner can pick the best rows before groq-js evaluates
// them. Everything here answers exactly or not at all (undefined): the planner then leaves the
// expression to groq-js over more documents.

type Params = Record<string, unknown>

/** A constant's value: a literal, a parameter, or an array literal of those. */
function constant(node: ExprNode, params: Params): {value: unknown} | undefined {
  if (node.type === 'Value') return {value: node.value}
  if (node.type === 'Parameter') return {value: params[node.name]}
  if (node.type === 'Array') {
    const values: unknown[] = []
    for (const element of node.elements) {
      const value = element.isSplat ? undefined : constant(element.value, params)
      if (!value) return undefined
      values.push(value.value)
    }
    return {value: values}
  }
  return undefined
}

/** `a.b.c` read from the current document, as a path; undefined for anything else. */
export function attributePath(node: ExprNode): string[] | undefined {
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

/** The drafts view gives documents ids of its own: text under `_id` is left to groq-js. */
function ownId(path: readonly string[]): boolean {
  return path[0] === '_id' || path[0] === '_originalId'
}

/** One text a `match` reads: a field (only when it is a string, inside an array literal). */
interface SourceRef {
  source: TextSource
  stringsOnly: boolean
}

function ptPath(node: ExprNode): string[] | undefined {
  if (node.type !== 'FuncCall' || node.namespace !== 'pt' || node.name !== 'text') return undefined
  const [arg, ...more] = node.args
  const path = arg && more.length === 0 ? attributePath(arg) : undefined
  return path && !ownId(path) ? path : undefined
}

/**
 * The texts the left side of `match` reads: `field` (a string, or the strings of an array),
 * `pt::text(field)`, or an array literal of those (whose fields count only when strings).
 */
function matchSources(left: ExprNode): SourceRef[] | undefined {
  const path = attributePath(left)
  if (path) return ownId(path) ? undefined : [{source: {kind: 'field', path}, stringsOnly: false}]
  const pt = ptPath(left)
  if (pt) return [{source: {kind: 'pt', path: pt}, stringsOnly: false}]
  if (left.type !== 'Array') return undefined
  const sources: SourceRef[] = []
  for (const element of left.elements) {
    if (element.isSplat) return undefined
    const field = attributePath(element.value)
    const ptField = ptPath(element.value)
    if (field && !ownId(field))
      sources.push({source: {kind: 'field', path: field}, stringsOnly: true})
    else if (ptField) sources.push({source: {kind: 'pt', path: ptField}, stringsOnly: false})
    else return undefined
  }
  return sources
}

/** Text sources of the `match` expressions in `tree` (outside Value nodes), to build first. */
export function textSourcesIn(tree: unknown, into: TextSource[] = []): TextSource[] {
  if (Array.isArray(tree)) {
    for (const item of tree) textSourcesIn(item, into)
    return into
  }
  if (typeof tree !== 'object' || tree === null) return into
  const node = tree as {type?: unknown}
  if (node.type === 'Value') return into
  if (node.type === 'OpCall' && (tree as {op: unknown}).op === 'match') {
    for (const {source} of matchSources((tree as {left: ExprNode}).left) ?? []) {
      if (
        !into.some(
          (known) => known.kind === source.kind && known.path.join('.') === source.path.join('.'),
        )
      )
        into.push(source)
    }
  }
  for (const child of Object.values(tree)) textSourcesIn(child, into)
  return into
}

/** A term's documents in one text: ascending scan positions and matching tokens in each. */
interface TermPostings {
  positions: Int32Array
  counts: Int32Array
}

const NO_POSTINGS: TermPostings = {positions: new Int32Array(0), counts: new Int32Array(0)}

/** Ascending positions present in both. */
export function intersectPositions(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length))
  let i = 0
  let j = 0
  let n = 0
  while (i < a.length && j < b.length) {
    const p = a[i] as number
    const q = b[j] as number
    if (p === q) {
      out[n++] = p
      i++
      j++
    } else if (p < q) i++
    else j++
  }
  return out.subarray(0, n)
}

/**
 * Reads terms' postings from the text indexes of one view, once per query: a filter and a score
 * often ask for the same terms.
 */
export class TermReader {
  private readonly view: DocumentIndex
  private readonly cache = new Map<string, TermPostings>()
  /** Postings read so far. */
  private read = 0

  constructor(view: DocumentIndex) {
    this.view = view
  }

  /** The index of a source, when built (the planner builds them before planning). */
  index(source: TextSource): TextIndex | undefined {
    return this.view.textIndex(source)
  }

  /** Live postings of the tokens `term` matches in one text; undefined without its index. */
  postings(ref: SourceRef, term: TermLookup): TermPostings | undefined {
    const index = this.index(ref.source)
    if (!index) return undefined
    const key = `${ref.source.kind}:${ref.source.path.join('.')}:${ref.stringsOnly}:${'exact' in term ? `=${term.exact}` : `^${term.prefix}`}`
    let found = this.cache.get(key)
    if (!found) {
      // Reading postings holds the event loop: past a bound, the query is left to groq-js,
      // which yields between rows (a pattern of a thousand prefixes, say).
      this.read += index.postingCount(term)
      if (this.read > MAX_POSTINGS_READ) return undefined
      found = index.termPostings(term, ref.stringsOnly)
      this.cache.set(key, found)
    }
    return found
  }

  /** A term's postings over every text of a `match` (token counts added up). */
  termPostings(sources: readonly SourceRef[], term: TermLookup): TermPostings | undefined {
    let all = NO_POSTINGS
    for (const ref of sources) {
      const found = this.postings(ref, term)
      if (!found) return undefined
      all = mergePostings(all, found)
    }
    return all
  }
}

/** A `match` taken apart: its texts and terms, when the indexes can answer it. */
interface IndexedMatch {
  sources: SourceRef[]
  /** Lookups per term, in the pattern's order; empty when the pattern has no terms. */
  terms: TermLookup[]
}

function indexedMatch(node: ExprNode, params: Params): IndexedMatch | undefined {
  if (node.type !== 'OpCall' || node.op !== 'match') return undefined
  const sources = matchSources(node.left)
  const pattern = constant(node.right, params)
  if (!sources || !pattern) return undefined
  const terms: TermLookup[] = []
  for (const term of patternTerms(pattern.value)) {
    const lookup = termLookup(term)
    if (!lookup) return undefined
    terms.push(lookup)
  }
  return {sources, terms}
}

/** Positions of the documents a `match` holds for: each term matches one of their tokens. */
function matchPositions(match: IndexedMatch, reader: TermReader): Int32Array | undefined {
  if (match.terms.length === 0) return new Int32Array(0)
  const perTerm: Int32Array[] = []
  for (const term of match.terms) {
    const postings = reader.termPostings(match.sources, term)
    if (!postings) return undefined
    perTerm.push(postings.positions)
  }
  perTerm.sort((a, b) => a.length - b.length)
  let positions = perTerm[0] as Int32Array
  for (const next of perTerm.slice(1)) positions = intersectPositions(positions, next)
  return positions
}

/**
 * Ascending positions of the documents `left match pattern` can hold for, from the text indexes;
 * undefined when they cannot tell (a term with `.` or an inner `*`, an index not built).
 */
export function matchCandidates(
  node: ExprNode,
  params: Params,
  reader: TermReader,
): Int32Array | undefined {
  const match = indexedMatch(node, params)
  return match && matchPositions(match, reader)
}

// score(): groq-js adds, per document, its own `_score` (when a number) and each argument's score:
// a `match` scores Σ f(tokens matching each term), boost(x, n) is x + n when x > 0 (else 0), `||`
// adds both sides, `&&` adds both when neither is 0, anything else is 1 when true. A scorer does
// the same from the indexes for rows given by ascending scan position, and can tell which
// documents may score other than 0. Scores of `match` come from posting lists alone; documents
// are read only where a condition needs them, and `&&` reads its second side only where the first
// is not 0. Positions are kept in sorted Int32Arrays, so combining them is merging.

/**
 * Candidates of a score: ascending scan positions, and the documents there, fetched when first
 * needed. Undefined: the view shows none there.
 */
export interface Rows {
  positions: Int32Array
  document(i: number): LakeDocument | undefined
}

/** Rows at ascending positions of a view, each document fetched once. */
export function viewRows(positions: Int32Array, view: DocumentIndex): Rows {
  const documents: (LakeDocument | null | undefined)[] = Array.from({length: positions.length})
  return {
    positions,
    document: (i) => {
      let document = documents[i]
      if (document === undefined) {
        document = view.documentAtPosition(positions[i] as number) ?? null
        documents[i] = document
      }
      return document ?? undefined
    },
  }
}

/** The rows at some (ascending) indexes of other rows. */
export function someRows(rows: Rows, indexes: Int32Array): Rows {
  const positions = new Int32Array(indexes.length)
  for (let i = 0; i < indexes.length; i++)
    positions[i] = rows.positions[indexes[i] as number] as number
  return {positions, document: (i) => rows.document(indexes[i] as number)}
}

/** Indexes (ascending) where `values` is not 0. */
function nonzeroIndexes(values: ArrayLike<number>): Int32Array {
  const indexes = new Int32Array(values.length)
  let n = 0
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) indexes[n++] = i
  return indexes.subarray(0, n)
}

/** A score() argument, exactly as groq-js computes it, and where it may not be 0. */
interface Scorer {
  values(rows: Rows): Float64Array
  /** Ascending positions of the documents whose value may not be 0; undefined when any may. */
  nonzero(): Int32Array | undefined
}

/** A condition groq-js evaluates to true or not, decided exactly per row. */
interface Condition {
  tests(rows: Rows): Uint8Array
  /** Ascending positions of the documents it may hold for; undefined when any may. */
  holds(): Int32Array | undefined
}

/** For each row, whether its position is in ascending `positions`. */
function membership(rows: Rows, positions: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.positions.length)
  let j = 0
  for (let i = 0; i < rows.positions.length; i++) {
    const position = rows.positions[i] as number
    while (j < positions.length && (positions[j] as number) < position) j++
    if (j < positions.length && positions[j] === position) out[i] = 1
  }
  return out
}

function positionsOfIds(ids: Iterable<string>, view: DocumentIndex): Int32Array {
  const positions: number[] = []
  for (const id of ids) {
    const position = view.positionOfId(id)
    if (position >= 0) positions.push(position)
  }
  return sortedUnique(Int32Array.from(positions))
}

/** Computes once, when first asked. */
function lazy<T>(compute: () => T): () => T {
  let done = false
  let value: T | undefined
  return () => {
    if (!done) {
      value = compute()
      done = true
    }
    return value as T
  }
}

/** groq-js's isEqual for the JSON values a document and a parameter hold. */
function groqEquals(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b
  const type = typeof a
  return (
    (type === 'string' || type === 'number' || type === 'boolean') && typeof b === type && a === b
  )
}

/** The references groq-js's references() finds in a value (`_ref`s it walks to). */
function groqReferences(value: unknown, into: string[]): string[] {
  if (typeof value !== 'object' || value === null) return into
  if (Array.isArray(value)) {
    for (const item of value) groqReferences(item, into)
    return into
  }
  const record = value as Record<string, unknown>
  // A truthy `_ref` decides alone, as in groq-js: nothing else in the object is looked at.
  const ref = record._ref
  if (ref) {
    if (typeof ref === 'string') into.push(ref)
    return into
  }
  for (const key of Object.keys(record)) groqReferences(record[key], into)
  return into
}

/** Each document's references as references() sees them (stored documents never change). */
const referencesOf = new WeakMap<LakeDocument, readonly string[]>()

/** Whether a document references one of `targets`, as groq-js's references() decides. */
function hasReference(document: LakeDocument | undefined, targets: ReadonlySet<string>): boolean {
  if (!document) return false
  let refs = referencesOf.get(document)
  if (!refs) referencesOf.set(document, (refs = groqReferences(document, [])))
  return refs.some((ref) => targets.has(ref))
}

/** A condition tested on each row's document. */
function documentCondition(
  test: (document: LakeDocument) => boolean,
  holds: () => Int32Array | undefined,
): Condition {
  return {
    tests: (rows) => {
      const out = new Uint8Array(rows.positions.length)
      for (let i = 0; i < out.length; i++) {
        const document = rows.document(i)
        out[i] = document && test(document) ? 1 : 0
      }
      return out
    },
    holds,
  }
}

/** `attr == C` and `attr in C` on `_type` or `_id`, exactly. */
function comparisonCondition(node: ExprNode, view: DocumentIndex, params: Params) {
  if (node.type !== 'OpCall' || (node.op !== '==' && node.op !== 'in')) return undefined
  const sides: [ExprNode, ExprNode][] =
    node.op === '=='
      ? [
          [node.left, node.right],
          [node.right, node.left],
        ]
      : [[node.left, node.right]]
  for (const [attribute, other] of sides) {
    const found = constant(other, params)
    if (!found) continue
    const values =
      node.op === '==' ? [found.value] : Array.isArray(found.value) ? found.value : undefined
    // `x in y` with y not an array is null, which no filter or score counts as true.
    const stringsOf = lazy(
      () => new Set((values ?? []).filter((value) => typeof value === 'string')),
    )
    // Decided by position: where the view shows a document, it has the raw document's type.
    if (isThisAttribute(attribute, '_type')) {
      const holds = lazy(() =>
        [...stringsOf()].reduce<Int32Array>(
          (all, type) => unionPositions(all, view.positionsOfType(type as string)),
          new Int32Array(0),
        ),
      )
      return {tests: (rows: Rows) => membership(rows, holds()), holds}
    }
    // The view's own `_id` (drafts carry the published one in the drafts view).
    if (isThisAttribute(attribute, '_id')) {
      // A list text::query made from the index comes with its documents' positions.
      const known = Array.isArray(values) ? positionsOfIdList(values, view) : undefined
      if (known) return {tests: (rows: Rows) => membership(rows, known), holds: () => known}
      return documentCondition(
        (document) => stringsOf().has(document._id),
        lazy(() => positionsOfIds(stringsOf(), view)),
      )
    }
  }
  return undefined
}

function referencesCondition(
  node: ExprNode,
  view: DocumentIndex,
  params: Params,
): Condition | undefined {
  if (node.type !== 'FuncCall' || node.name !== 'references' || node.namespace !== 'global')
    return undefined
  const targets = new Set<string>()
  for (const arg of node.args) {
    const found = constant(arg, params)
    if (!found) return undefined
    const values = Array.isArray(found.value) ? found.value : [found.value]
    for (const value of values) if (typeof value === 'string') targets.add(value)
  }
  // The reverse-reference index holds what references() finds (a superset for documents read
  // from an older snapshot: those are walked).
  const holds = lazy(() => view.positionsReferencing(targets))
  return {
    tests: (rows) => {
      const out = membership(rows, holds())
      for (let i = 0; i < out.length; i++) {
        if (out[i] && !view.referencesExactAt(rows.positions[i] as number))
          out[i] = hasReference(rows.document(i), targets) ? 1 : 0
      }
      return out
    },
    holds,
  }
}

function matchCondition(node: ExprNode, params: Params, reader: TermReader): Condition | undefined {
  const match = indexedMatch(node, params)
  const positions = match && matchPositions(match, reader)
  if (!positions) return undefined
  return {tests: (rows) => membership(rows, positions), holds: () => positions}
}

/** How many documents a side may hold for: what going first saves (Infinity: any). */
function extent(positions: Int32Array | undefined): number {
  return positions ? positions.length : Number.POSITIVE_INFINITY
}

/**
 * `a && b` or `a || b` per row: the second side is tested only on the rows the first leaves
 * undecided. The side that may hold for fewer documents goes first (neither has side effects).
 */
function combined(left: Condition, right: Condition, and: boolean): Condition {
  const [first, second] =
    extent(right.holds()) < extent(left.holds()) ? [right, left] : [left, right]
  return {
    tests: (rows) => {
      const out = first.tests(rows)
      const undecided = nonzeroIndexes(and ? out : out.map((value) => 1 - value))
      if (undecided.length > 0) {
        const more = second.tests(someRows(rows, undecided))
        for (let k = 0; k < undecided.length; k++) out[undecided[k] as number] = more[k] as number
      }
      return out
    },
    holds: lazy(() => {
      const a = left.holds()
      const b = right.holds()
      if (and) return a && b ? intersectPositions(a, b) : (a ?? b)
      return a && b ? unionPositions(a, b) : undefined
    }),
  }
}

/** An expression groq-js evaluates as a boolean, decided from the indexes; undefined if it cannot. */
function condition(
  node: ExprNode,
  view: DocumentIndex,
  params: Params,
  reader: TermReader,
): Condition | undefined {
  switch (node.type) {
    case 'Group':
      return condition(node.base, view, params, reader)
    case 'And':
    case 'Or': {
      const left = condition(node.left, view, params, reader)
      const right = left && condition(node.right, view, params, reader)
      return left && right ? combined(left, right, node.type === 'And') : undefined
    }
    case 'Not': {
      const inner = condition(node.base, view, params, reader)
      if (!inner) return undefined
      return {tests: (rows) => inner.tests(rows).map((value) => 1 - value), holds: () => undefined}
    }
    case 'Value':
      return typeof node.value === 'boolean'
        ? {
            tests: (rows) => new Uint8Array(rows.positions.length).fill(node.value ? 1 : 0),
            holds: () => (node.value ? undefined : new Int32Array(0)),
          }
        : undefined
    case 'OpCall':
      if (node.op === 'match') return matchCondition(node, params, reader)
      return comparisonCondition(node, view, params)
    case 'FuncCall':
      return referencesCondition(node, view, params)
    default:
      return undefined
  }
}

/** A `match` argument's score per row, added up term by term in order as groq-js does. */
function matchScorer(node: ExprNode, params: Params, reader: TermReader): Scorer | undefined {
  const match = indexedMatch(node, params)
  if (!match) return undefined
  const perTerm: TermPostings[] = []
  for (const term of match.terms) {
    const postings = reader.termPostings(match.sources, term)
    if (!postings) return undefined
    perTerm.push(postings)
  }
  return {
    values: ({positions}) => {
      const out = new Float64Array(positions.length)
      for (const postings of perTerm) {
        let j = 0
        for (let i = 0; i < positions.length; i++) {
          const position = positions[i] as number
          while (j < postings.positions.length && (postings.positions[j] as number) < position) j++
          if (j < postings.positions.length && postings.positions[j] === position)
            out[i] = (out[i] as number) + termScore(postings.counts[j] as number)
        }
      }
      return out
    },
    nonzero: lazy(() =>
      perTerm.reduce<Int32Array>(
        (all, postings) => unionPositions(all, postings.positions),
        new Int32Array(0),
      ),
    ),
  }
}

function scorer(
  node: ExprNode,
  view: DocumentIndex,
  params: Params,
  reader: TermReader,
): Scorer | undefined {
  if (node.type === 'OpCall' && node.op === 'match') return matchScorer(node, params, reader)
  if (node.type === 'FuncCall' && node.name === 'boost') {
    const [inner, amount] = node.args
    const score = inner && scorer(inner, view, params, reader)
    const boost = amount && constant(amount, params)
    if (!score || !boost) return undefined
    const add = boost.value
    if (typeof add !== 'number') {
      return {
        values: (rows) => new Float64Array(rows.positions.length),
        nonzero: () => new Int32Array(0),
      }
    }
    return {
      values: (rows) => score.values(rows).map((value) => (value > 0 ? value + add : 0)),
      nonzero: () => score.nonzero(),
    }
  }
  if (node.type === 'Or' || node.type === 'And') {
    const left = scorer(node.left, view, params, reader)
    const right = left && scorer(node.right, view, params, reader)
    if (!left || !right) return undefined
    return node.type === 'Or' ? orScorer(left, right) : andScorer(left, right)
  }
  const decided = condition(node, view, params, reader)
  if (!decided) return undefined
  return {values: (rows) => Float64Array.from(decided.tests(rows)), nonzero: () => decided.holds()}
}

function orScorer(left: Scorer, right: Scorer): Scorer {
  return {
    values: (rows) => {
      const a = left.values(rows)
      const b = right.values(rows)
      for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number)
      return a
    },
    nonzero: lazy(() => {
      const a = left.nonzero()
      const b = right.nonzero()
      return a && b ? unionPositions(a, b) : undefined
    }),
  }
}

/** `a && b` scores a + b where neither is 0: the sparser side first, the other where it is not 0. */
function andScorer(left: Scorer, right: Scorer): Scorer {
  const leftFirst = extent(left.nonzero()) <= extent(right.nonzero())
  const [first, second] = leftFirst ? [left, right] : [right, left]
  return {
    values: (rows) => {
      const a = first.values(rows)
      const out = new Float64Array(a.length)
      const both = nonzeroIndexes(a)
      if (both.length === 0) return out
      const b = second.values(someRows(rows, both))
      for (let k = 0; k < both.length; k++) {
        const i = both[k] as number
        const x = a[i] as number
        const y = b[k] as number
        // Added in the query's order: left + right.
        out[i] = y === 0 ? 0 : leftFirst ? x + y : y + x
      }
      return out
    },
    nonzero: lazy(() => {
      const a = left.nonzero()
      const b = right.nonzero()
      return a && b ? intersectPositions(a, b) : (a ?? b)
    }),
  }
}

/** Documents' score() totals, as groq-js will compute them. */
export interface ScoreModel {
  /** Totals of the rows' documents (of those the view shows: 0 elsewhere). */
  scores(rows: Rows): Float64Array
  /** Ascending positions of the documents that may score other than 0; undefined when any may. */
  nonzero(): Int32Array | undefined
}

/** The model of `score(args…)` over a view, or undefined when some argument is beyond it. */
export function scoreModel(
  args: readonly ExprNode[],
  view: DocumentIndex,
  params: Params,
  reader: TermReader,
): ScoreModel | undefined {
  const scorers: Scorer[] = []
  for (const arg of args) {
    const made = scorer(arg, view, params, reader)
    if (!made) return undefined
    scorers.push(made)
  }
  const owned = lazy(() => positionsOfIds(view.idsWithOwnScore(), view))
  return {
    scores: (rows) => {
      const totals = new Float64Array(rows.positions.length)
      // Documents with a `_score` of their own start from it (read only for those).
      const own = membership(rows, owned())
      for (let i = 0; i < own.length; i++) {
        const value = own[i] ? rows.document(i)?._score : undefined
        if (typeof value === 'number') totals[i] = value
      }
      for (const made of scorers) {
        const values = made.values(rows)
        for (let i = 0; i < totals.length; i++)
          totals[i] = (totals[i] as number) + (values[i] as number)
      }
      return totals
    },
    nonzero: lazy(() => {
      let nonzero: Int32Array | undefined = owned()
      for (const made of scorers) {
        const more = made.nonzero()
        nonzero = nonzero && more ? unionPositions(nonzero, more) : undefined
      }
      return nonzero
    }),
  }
}

// Order keys computed without groq-js, for the ranked slices of lake/rankedSlice.ts: a document's
// own fields, its score, `count(field[attr in C])`, `select(field == C => a, …, b)` and
// `coalesce(field, …, C)`.

/**
 * A key of a row: from its scan position (key columns), its document (fetched when needed) and
 * its score when the rows come from score().
 */
export type KeyFunction = (
  position: number,
  document: () => LakeDocument | undefined,
  score: number,
) => unknown

/**
 * A key column's values, or a document's when the column is not built yet (the first queries
 * after it is asked for) or not kept (the view's own ids). The column is asked for only when a
 * key is first read: a query may end up not ranking at all.
 */
function keyReader(view: DocumentIndex, path: readonly string[]) {
  let column: readonly unknown[] | null | undefined
  return (position: number, document: () => LakeDocument | undefined): unknown => {
    if (column === undefined) column = ownId(path) ? null : (view.keyColumn(path, false) ?? null)
    if (column) {
      const value = column[position] ?? null
      if (value !== LONG) return value
    }
    return orderKey(attributeValue(document() ?? null, path))
  }
}

function countKey(node: ExprNode, params: Params, view: DocumentIndex): KeyFunction | undefined {
  if (node.type !== 'FuncCall' || node.name !== 'count' || node.namespace !== 'global')
    return undefined
  const [filter, ...more] = node.args
  if (!filter || more.length > 0 || filter.type !== 'Filter') return undefined
  const path = attributePath(filter.base)
  const test = filter.expr
  if (!path || test.type !== 'OpCall' || test.op !== 'in' || !isThisAttribute(test.left, '_ref'))
    return undefined
  const values = constant(test.right, params)
  if (!values) return undefined
  const within = Array.isArray(values.value) ? values.value : undefined
  // groq-js's isEqual matches strings, numbers and booleans by value, and null with null.
  const wanted = (within ?? []).filter((value) => value === null || isPrimitive(value))
  const primitives = new Set(wanted)
  // The column holds each `_ref` as its refId: the ids of `wanted`, looked up again whenever
  // the column has met new values (a write during the query may bring one of them).
  let wantedIds = new Set<number>()
  let idsFor = -1
  let column: readonly unknown[] | null | undefined
  return (position, document) => {
    if (column === undefined) column = ownId(path) ? null : (view.keyColumn(path, true) ?? null)
    if (column) {
      const refs = column[position]
      if (!Array.isArray(refs)) return null
      if (!within) return 0
      if (idsFor !== view.refIdCount) {
        idsFor = view.refIdCount
        wantedIds = new Set(wanted.map((value) => view.refId(value)).filter((id) => id >= 0))
      }
      let count = 0
      for (let i = 0; i < refs.length; i++) if (wantedIds.has(refs[i] as number)) count++
      return count
    }
    const refs = refsAt(document() ?? null, path)
    if (!refs) return null
    if (!within) return 0
    let count = 0
    for (const ref of refs) if (primitives.has(ref)) count++
    return count
  }
}

function selectKey(node: ExprNode, params: Params, view: DocumentIndex): KeyFunction | undefined {
  if (node.type !== 'Select') return undefined
  const alternatives: {read: ReturnType<typeof keyReader>; value: unknown; result: unknown}[] = []
  for (const alternative of node.alternatives) {
    const test = alternative.condition
    const result = constant(alternative.value, params)
    if (test.type !== 'OpCall' || test.op !== '==' || !result) return undefined
    const path = attributePath(test.left)
    const value = constant(test.right, params)
    if (!path || !value) return undefined
    alternatives.push({
      read: keyReader(view, path),
      value: value.value,
      result: result.value,
    })
  }
  const fallback = node.fallback ? constant(node.fallback, params) : {value: null}
  if (!fallback) return undefined
  return (position, document) => {
    for (const {read, value, result} of alternatives) {
      // COMPOUND (an object or array) equals no constant, as in groq-js.
      const found = read(position, document)
      if (found !== COMPOUND && groqEquals(found, value)) return result
    }
    return fallback.value
  }
}

/** `coalesce(a, b, …, C)` of fields, the last argument optionally a constant: the first not null. */
function coalesceKey(node: ExprNode, params: Params, view: DocumentIndex): KeyFunction | undefined {
  if (node.type !== 'FuncCall' || node.name !== 'coalesce' || node.namespace !== 'global')
    return undefined
  const readers: ReturnType<typeof keyReader>[] = []
  let fallback: unknown = null
  for (const [i, arg] of node.args.entries()) {
    const path = attributePath(arg)
    const last = i === node.args.length - 1 ? constant(arg, params) : undefined
    if (path) readers.push(keyReader(view, path))
    else if (last) fallback = orderKey(last.value)
    else return undefined
  }
  return (position, document) => {
    for (const read of readers) {
      const value = read(position, document)
      if (value !== null) return value
    }
    return fallback
  }
}

/** A computed order key over rows of documents (and `_score` when `scored`); undefined if not. */
export function keyFunction(
  node: ExprNode,
  params: Params,
  scored: boolean,
  view: DocumentIndex,
): KeyFunction | undefined {
  const path = attributePath(node)
  // score() sets `_score` on its rows, a number: nothing lies below it.
  if (scored && path?.[0] === '_score') {
    return path.length === 1 ? (_position, _document, score) => score : () => null
  }
  if (path) return keyReader(view, path)
  return (
    countKey(node, params, view) ?? selectKey(node, params, view) ?? coalesceKey(node, params, view)
  )
}
