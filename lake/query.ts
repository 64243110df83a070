import {type ExprNode, evaluate, GroqSyntaxError, parse} from 'groq-js'
import type {Dataset, Perspective} from './dataset.ts'
import {queryParseError} from './errors.ts'
import {planQuery, type PlanStats} from './planner.ts'

const PARSE_CACHE_LIMIT = 500
const parseCache = new Map<string, ExprNode>()

function parseCached(query: string): ExprNode {
  const cached = parseCache.get(query)
  if (cached) return cached
  let tree: ExprNode
  try {
    tree = parse(query)
  } catch (error) {
    if (error instanceof GroqSyntaxError) {
      throw queryParseError(query, error.message, error.position, error.position + 1)
    }
    throw queryParseError(query, error instanceof Error ? error.message : String(error))
  }
  if (parseCache.size >= PARSE_CACHE_LIMIT) {
    const oldest = parseCache.keys().next().value
    if (oldest !== undefined) parseCache.delete(oldest)
  }
  parseCache.set(query, tree)
  return tree
}

export interface QueryOptions {
  params?: Record<string, unknown>
  perspective?: Perspective
  /** Skip the index planner (benchmarks and equivalence tests). */
  plain?: boolean
  stats?: PlanStats
}

/** Evaluates GROQ over one perspective of the dataset, using its indexes where they apply. */
export async function runQuery(
  dataset: Dataset,
  query: string,
  options: QueryOptions = {},
): Promise<unknown> {
  const params = options.params ?? {}
  const view = dataset.view(options.perspective ?? 'raw')
  const parsed = parseCached(query)
  const tree = options.plain ? parsed : planQuery(parsed, view, params, options.stats)
  const value = await evaluate(tree, {
    dataset: view.documents(),
    params,
    dereference: options.plain ? undefined : ({_ref}) => view.get(_ref) ?? null,
  })
  return value.get()
}

/** Validates GROQ without running it; throws the 400 a bad query gets. */
export function checkQuery(query: string) {
  parseCached(query)
}
