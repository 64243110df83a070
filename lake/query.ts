import {type EvaluateOptions, type ExprNode, evaluate, GroqSyntaxError, parse} from 'groq-js'
import type {Dataset, Perspective} from './dataset.ts'
import type {DocumentIndex, LakeDocument} from './documentIndex.ts'
import {queryParseError} from './errors.ts'
import {dereferenceFrom, planQuery, type PlanStats} from './planner.ts'
import {rewriteTextQueries, usesTextQuery} from './textQuery.ts'

const PARSE_CACHE_LIMIT = 500
const parseCache = new Map<string, ExprNode>()
/** Queries that only parse with their parameters bound (`[0...$limit]`): never cached. */
const needsParams = new Set<string>()

function parseError(query: string, error: unknown) {
  if (error instanceof GroqSyntaxError) {
    return queryParseError(query, error.message, error.position, error.position + 1)
  }
  return queryParseError(query, error instanceof Error ? error.message : String(error))
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

export interface QueryOptions {
  params?: Record<string, unknown>
  perspective?: Perspective
  /** Skip the index planner (benchmarks and equivalence tests). */
  plain?: boolean
  stats?: PlanStats
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

/** Evaluates GROQ over one perspective of the dataset, using its indexes where they apply. */
export async function runQuery(
  dataset: Dataset,
  query: string,
  options: QueryOptions = {},
): Promise<unknown> {
  const params = options.params ?? {}
  const view = dataset.view(options.perspective ?? 'raw')
  const parsed = usesTextQuery(query)
    ? rewriteTextQueries(parseCached(query, params), params, view)
    : parseCached(query, params)
  // One clock for the whole query: the planner may evaluate parts of it ahead (`now()` agrees).
  const evaluateOptions: EvaluateOptions = {
    dataset: options.plain ? view.documents() : scanOf(view),
    params,
    timestamp: new Date(),
    dereference: options.plain ? undefined : ({_ref}) => dereferenceFrom(view, _ref),
  }
  const run = async (tree: ExprNode) => (await evaluate(tree, evaluateOptions)).get()
  if (options.plain) return run(parsed)
  return run(await planQuery(parsed, view, params, options.stats, run))
}

/** Validates GROQ without running it; throws the 400 a bad query gets. */
export function checkQuery(query: string, params: Record<string, unknown> = {}) {
  parseCached(query, params)
}
