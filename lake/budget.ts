import {randomBytes} from 'node:crypto'
import type {ExprNode} from 'groq-js'
import {LakeError} from './errors.ts'

// groq-js evaluates a query as one chain of promises that never waits for I/O: a scan of every
// document, or a query that scans once per row, holds the event loop until it ends, and nothing
// can stop it. The lake therefore puts a yield point into every per-row expression (filters,
// maps, order keys, score terms): a `Deref` of a marker reference that the lake's dereference
// answers. Each yield point checks the query's deadline and, once the event loop has been held
// for a slice (5 ms), waits for the next turn so that other requests (a ping, a document by id) are
// answered in between. A query past its deadline is never resumed: its answer is a 504 and its
// evaluation, left waiting, is garbage collected (throwing inside groq-js's eagerly driven streams
// would surface as unhandled rejections).

/** Longest the event loop is held between two yields, in milliseconds. */
const SLICE_MS = 5
/** Yield points between two clock readings. */
const CHECK_EVERY = 32

/** Unguessable per process, so a stored `_ref` can never pose as a yield point. */
export const YIELD_MARKER = `\u0000lake:yield:${randomBytes(9).toString('base64url')}`

/** What the lake's dereference answers for the marker: `.yielded` is the yield point's value. */
const YIELDED = {_id: YIELD_MARKER, _type: 'lake.yield', yielded: true}

const YIELD_POINT: ExprNode = {
  type: 'AccessAttribute',
  name: 'yielded',
  base: {type: 'Deref', base: {type: 'Value', value: {_ref: YIELD_MARKER}}},
}

let sliceStarted = performance.now()

/** When a query last reached a yield point that read the clock (or started). */
let queryActive = Number.NEGATIVE_INFINITY
/** A query this recent counts as running for background work. */
const QUERY_RECENT_MS = 50
/** While queries run, background slices (5 ms each) start at most this often: about a quarter. */
const BACKGROUND_SPACING_MS = 20
/** When the next background slice may start while queries run (slices are spaced, not piled). */
let nextBackground = 0

/**
 * Waits before a background task's next slice (index builds after opening, key columns): a turn
 * of the event loop when no query is running, else the next free spacing slot shared by every
 * background task, so queries keep most of the loop. A cold dataset's first query (a command's
 * `--all` list) waited behind five text index builds, each as entitled to the loop as it, and
 * took 5–8 s instead of 1.
 */
export function backgroundTurn(): Promise<void> {
  const now = performance.now()
  if (now - queryActive > QUERY_RECENT_MS) return new Promise((resolve) => setImmediate(resolve))
  nextBackground = Math.max(now, nextBackground) + BACKGROUND_SPACING_MS
  return new Promise((resolve) => setTimeout(resolve, nextBackground - now))
}

export class QueryTimeoutError extends LakeError {
  constructor(timeoutMs: number) {
    const description = `Query ran longer than the lake's time limit of ${timeoutMs} ms and was stopped: narrow the filter (for example by _type) or page with a slice`
    super(504, {error: {type: 'queryTimeout', description}}, description)
  }
}

/** A query's time limit (Infinity: none); `tick` is what each yield point runs. */
export class QueryBudget {
  readonly timeoutMs: number
  private readonly deadline: number
  private calls = 0
  private stopped = false
  private expire: ((error: QueryTimeoutError) => void) | undefined
  /** Rejects once the deadline has passed (at the next yield point, or by timer). */
  readonly expired: Promise<never>
  private readonly timer: NodeJS.Timeout | undefined

  constructor(timeoutMs: number) {
    queryActive = performance.now()
    this.timeoutMs = timeoutMs
    this.deadline = performance.now() + timeoutMs
    this.expired = new Promise<never>((_resolve, reject) => {
      this.expire = reject
    })
    // Raced against the evaluation, so never unhandled; the timer covers evaluations that stop
    // reaching yield points (waiting forever cannot happen, but costs nothing to rule out).
    this.expired.catch(() => undefined)
    if (Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => this.stop(), timeoutMs + SLICE_MS)
      this.timer.unref()
    }
  }

  private stop() {
    this.stopped = true
    this.expire?.(new QueryTimeoutError(this.timeoutMs))
    this.expire = undefined
  }

  /** Ends the budget (the query finished): clears its timer. */
  done() {
    queryActive = performance.now()
    clearTimeout(this.timer)
    this.expire = undefined
  }

  /** The yield point's document now, or after a turn of the event loop; never once stopped. */
  tick(): typeof YIELDED | Promise<typeof YIELDED> {
    if (this.stopped) return new Promise(() => undefined)
    if (++this.calls % CHECK_EVERY !== 0) return YIELDED
    const now = performance.now()
    queryActive = now
    if (now > this.deadline) {
      this.stop()
      return new Promise(() => undefined)
    }
    if (now - sliceStarted < SLICE_MS) return YIELDED
    return new Promise((resolve) =>
      setImmediate(() => {
        sliceStarted = performance.now()
        resolve(YIELDED)
      }),
    )
  }

  /** Evaluates `work` within the budget: its result, or the timeout error. */
  async run<T>(work: Promise<T>): Promise<T> {
    try {
      return await Promise.race([work, this.expired])
    } finally {
      this.done()
    }
  }
}

/** `expr`, evaluated after a yield point (a `select` whose only condition is the yield point). */
function afterYield(expr: ExprNode): ExprNode {
  return {
    type: 'Select',
    alternatives: [{type: 'SelectAlternative', condition: YIELD_POINT, value: expr}],
  } as ExprNode
}

/** A `score()` argument with yield points where groq-js's score evaluation keeps its meaning. */
function scoreTerm(node: ExprNode): ExprNode {
  if (node.type === 'OpCall' && node.op === 'match') return {...node, left: afterYield(node.left)}
  if (node.type === 'FuncCall' && node.name === 'boost') {
    const [term, boost, ...rest] = node.args
    return term && boost ? {...node, args: [scoreTerm(term), boost, ...rest]} : node
  }
  if (node.type === 'Or' || node.type === 'And')
    return {...node, left: scoreTerm(node.left), right: scoreTerm(node.right)}
  return afterYield(node)
}

function orderKey(node: ExprNode): ExprNode {
  if (node.type === 'Asc' || node.type === 'Desc') return {...node, base: afterYield(node.base)}
  return afterYield(node)
}

function withYieldsIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withYieldsIn)
  if (typeof value !== 'object' || value === null) return value
  if ('type' in value && typeof value.type === 'string') return withYieldPoints(value as ExprNode)
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withYieldsIn(child)]))
}

/**
 * A copy of `tree` whose per-row expressions start with a yield point. Value nodes (constants and
 * the planner's candidate documents) are left as they are.
 */
export function withYieldPoints(tree: ExprNode): ExprNode {
  if (tree.type === 'Value') return tree
  const node = Object.fromEntries(
    Object.entries(tree).map(([key, child]) => [key, key === 'type' ? child : withYieldsIn(child)]),
  ) as unknown as ExprNode
  switch (node.type) {
    case 'Filter':
    case 'Map':
    case 'FlatMap':
      return {...node, expr: afterYield(node.expr)}
    case 'PipeFuncCall':
      if (node.name === 'order') return {...node, args: node.args.map(orderKey)}
      if (node.name === 'score') return {...node, args: node.args.map(scoreTerm)}
      return node
    default:
      return node
  }
}
