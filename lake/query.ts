import {
  type EvaluateOptions,
  type ExprNode,
  evaluate,
  evaluateSync,
  GroqSyntaxError,
  parse,
} from 'groq-js'
import {setFlagsFromString} from 'node:v8'
import {QueryBudget, withYieldPoints, YIELD_MARKER} from './budget.ts'
import type {Dataset, ViewName} from './dataset.ts'
import type {DocumentIndex, LakeDocument} from './documentIndex.ts'
import {badRequest, queryParseError} from './errors.ts'
import {dereferenceFrom, isLookupFallback, planQuery, type PlanStats} from './planner.ts'
import {rewriteTextQueries, usesTextQuery} from './textQuery.ts'
import {errorMessage} from '../domain/errors.ts'

// groq-js turns `path("**.**.x")` into a regular expression that backtracks exponentially in its
// `**` segments (a 3,000-character string against six of them: minutes, with no way to stop it).
// V8 can hand a regular expression that backtracks too much to its linear-time engine; `match`,
// whose expressions are case-insensitive (which that engine cannot run), is patched instead.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')

const PARSE_CACHE_LIMIT = 500
const parseCache = new Map<string, ExprNode>()
/** Queries that only parse with their parameters bound (`[0...$limit]`): never cached. */
const needsParams = new Set<string>()

function parseError(query: string, error: unknown) {
  if (error instanceof GroqSyntaxError) {
    return queryParseError(query, error.message, error.position, error.position + 1)
  }
  return queryParseError(query, errorMessage(error))
}

/**
 * Parses `query`. Slices must be constant numbers when parsed, so a slice with parameters
 * (`[0...$limit]`, which the Content Lake accepts) is parsed again with the request's parameters
 * bound; such trees depend on the parameters and are not cached.
 */
function parseCached(query: string, params: Record<string, unknown>): ExprNode {
  const cached = parseCache.get(query)
  if (cached) return cached
  if (needsParams.has(query)) return parseWithParams(query, params)
  let tree: ExprNode
  try {
    tree = parse(query)
  } catch (error) {
    if (error instanceof GroqSyntaxError || !/slic/i.test(String(error))) {
      throw parseError(query, error)
    }
    const bound = parseWithParams(query, params)
    if (needsParams.size >= PARSE_CACHE_LIMIT) needsParams.clear()
    needsParams.add(query)
    return bound
  }
  if (parseCache.size >= PARSE_CACHE_LIMIT) {
    const oldest = parseCache.keys().next().value
    if (oldest !== undefined) parseCache.delete(oldest)
  }
  parseCache.set(query, tree)
  return tree
}

function parseWithParams(query: string, params: Record<string, unknown>): ExprNode {
  try {
    return parse(query, {params})
  } catch (error) {
    throw parseError(query, error)
  }
}

/** Default time limit of one query (`LAKE_QUERY_TIMEOUT_MS`, `--query-timeout`). */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000

export interface QueryOptions {
  params?: Record<string, unknown>
  perspective?: ViewName
  /** Skip the index planner (benchmarks and equivalence tests). */
  plain?: boolean
  stats?: PlanStats
  /** Time limit; the query then fails with a 504 (default DEFAULT_QUERY_TIMEOUT_MS). */
  timeoutMs?: number
}

/**
 * The view's documents as groq-js's `*`, read only if the query scans: most planned queries never
 * do, and on a freshly opened lake the full list means parsing every document first. groq-js
 * only needs `Array.isArray` to hold (a Proxy of an array passes) and iterates or slices it.
 */
function scanOf(view: DocumentIndex): LakeDocument[] {
  let documents: LakeDocument[] | undefined
  const load = () => (documents ??= view.documents())
  return new Proxy<LakeDocument[]>([], {
    get(_target, key) {
      // groq-js asks `.next` to tell iterators from values; arrays have none.
      if (key === 'next') return undefined
      const loaded = load()
      const value: unknown = Reflect.get(loaded, key)
      return typeof value === 'function' ? value.bind(loaded) : value
    },
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => Reflect.getOwnPropertyDescriptor(load(), key),
  })
}

/**
 * Whether `tree` still scans every document (`*` outside Value nodes, but for the fallback of a
 * per-row lookup, which rarely runs: groq-js reads the documents then, at once).
 */
function scans(tree: unknown): boolean {
  if (Array.isArray(tree)) return tree.some(scans)
  if (typeof tree !== 'object' || tree === null) return false
  const {type} = tree as {type?: unknown}
  if (type === 'Everything') return !isLookupFallback(tree)
  return type !== 'Value' && Object.values(tree).some(scans)
}

/** Evaluates GROQ over one perspective of the dataset, using its indexes where they apply. */
export async function runQuery(
  dataset: Dataset,
  query: string,
  options: QueryOptions = {},
): Promise<unknown> {
  const params = options.params ?? {}
  const view = dataset.view(options.perspective ?? 'raw')
  const tree = parseCached(query, params)
  rejectUnsupportedFunctions(query, tree, {textQuery: true})
  // One clock for the whole query: the planner may evaluate parts of it ahead (`now()` agrees).
  const timestamp = new Date()
  if (options.plain) {
    // groq-js on its own: every document, no indexes, no yield points (benchmarks and tests).
    const budget = new QueryBudget(Number.POSITIVE_INFINITY)
    const parsed = await withTextQueries(query, tree, params, view, budget, false)
    budget.done()
    return (await evaluate(parsed, {dataset: view.documents(), params, timestamp})).get()
  }
  const budget = new QueryBudget(options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)
  const evaluateOptions: EvaluateOptions = {
    dataset: scanOf(view),
    params,
    timestamp,
    dereference: ({_ref}) => (_ref === YIELD_MARKER ? budget.tick() : dereferenceFrom(view, _ref)),
  }
  const run = async (node: ExprNode) =>
    (await evaluate(withYieldPoints(node), evaluateOptions)).get()
  const pause = () => budget.tick()
  return budget.run(
    evaluation(async () => {
      const parsed = await withTextQueries(query, tree, params, view, budget, true)
      const planned = await planQuery(parsed, view, params, options.stats, run, pause)
      // Every document read now, between yield points, rather than at once when groq-js scans.
      if (scans(planned)) evaluateOptions.dataset = await view.documentsPaced(pause)
      return run(planned)
    }),
  )
}

/** `tree` with Sanity's text::query() rewritten; anywhere but the right of `match` it is a 400. */
async function withTextQueries(
  query: string,
  tree: ExprNode,
  params: Record<string, unknown>,
  view: DocumentIndex,
  budget: QueryBudget,
  /** Whether whole-document text matches may read the text index (not for plain groq-js). */
  indexed: boolean,
): Promise<ExprNode> {
  if (!usesTextQuery(query)) return tree
  const rewritten = await rewriteTextQueries(tree, params, view, budget, indexed)
  rejectUnsupportedFunctions(query, rewritten, {textQuery: false})
  return rewritten
}

/** Errors of an evaluation as the API answers them; a stack overflow is the query's fault. */
async function evaluation<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw badRequest('The query or its data is nested too deeply to evaluate', 'queryTooComplex')
    }
    throw error
  }
}

/** Functions groq-js parses but does not implement (geo::*, documents::*…), by probing once. */
const implemented = new Map<string, boolean>()

function isImplemented(namespace: string, name: string): boolean {
  const key = `${namespace}::${name}`
  let known = implemented.get(key)
  if (known === undefined) {
    try {
      evaluateSync({type: 'FuncCall', namespace, name, args: []} as unknown as ExprNode)
      known = true
    } catch (error) {
      known = !(error instanceof Error && error.message === 'not implemented')
    }
    implemented.set(key, known)
  }
  return known
}

function unsupportedFunction(node: unknown, textQuery: boolean): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = unsupportedFunction(item, textQuery)
      if (found) return found
    }
    return undefined
  }
  if (typeof node !== 'object' || node === null) return undefined
  if ('type' in node && node.type === 'Value') return undefined
  if ('type' in node && node.type === 'FuncCall' && 'namespace' in node && 'name' in node) {
    const {namespace, name} = node as {namespace: string; name: string}
    const lakeHandles = textQuery && namespace === 'text' && name === 'query'
    if (!lakeHandles && !isImplemented(namespace, name)) return `${namespace}::${name}()`
  }
  for (const child of Object.values(node)) {
    const found = unsupportedFunction(child, textQuery)
    if (found) return found
  }
  return undefined
}

/** A 400 for a query that uses a function the lake cannot evaluate, before anything runs. */
function rejectUnsupportedFunctions(
  query: string,
  tree: ExprNode,
  {textQuery}: {textQuery: boolean},
) {
  const name = unsupportedFunction(tree, textQuery)
  if (name)
    throw queryParseError(query, `The function ${name} is not supported by the embedded lake`)
}

/** Validates GROQ without running it; throws the 400 a bad query gets. */
export function checkQuery(query: string, params: Record<string, unknown> = {}) {
  rejectUnsupportedFunctions(query, parseCached(query, params), {textQuery: true})
}

/** A parsed listener filter (no text::query: the lake rewrites it for queries only). */
export function parseListenQuery(query: string): ExprNode {
  const tree = parseWithParams(query, {})
  rejectUnsupportedFunctions(query, tree, {textQuery: false})
  return tree
}
