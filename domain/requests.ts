// Requests to a Content Lake (embedded or hosted) fail in a few ways that callers tell apart:
// a revision conflict (read again, decide again), a body too large (split it), and transient
// failures (rate limits, server errors, dropped connections) that are worth retrying as they are.
//
// Reads are retried by @sanity/client itself (its `shouldRetry`, `maxRetries` 5 by default):
// queries on 429/502/503, GET requests also on dropped connections. Wrapping `client.fetch` again
// would multiply its attempts, so reads are not wrapped (a query over 11 KB goes as a POST, which
// the client does not retry after a dropped connection: its caller reports the failure). The
// client never retries a mutation (a POST to /data/mutate): that is what `withRetry` is for.

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504])

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined
  return typeof error.statusCode === 'number' ? error.statusCode : undefined
}

/** Connection-level failures (ECONNRESET, ECONNREFUSED…) carry a `code` and no status. */
function isNetworkError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
  )
}

/**
 * A revision conflict (409): a document changed between reading it and writing it (an editor,
 * or a concurrent writer such as the similar-thread updater). Retrying the same mutations cannot
 * help; the writer reads again and decides again.
 */
export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409
}

/** A request over the server's size limit (413): the same mutations, split, may pass. */
export function isTooLarge(error: unknown): boolean {
  return statusOf(error) === 413
}

/** Waits before retry `attempt` (1, 2, …): exponential from `baseMs`, with jitter. */
export function backoff(attempt: number, baseMs: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(resolve, baseMs * 2 ** (attempt - 1) * (0.5 + Math.random())),
  )
}

/**
 * Retries a write (`client.mutate`, a transaction's commit) on rate limits, server errors and
 * dropped connections with exponential backoff, which the client does not do for writes.
 */
export async function withRetry<T>(work: () => Promise<T>, attempts = 6, baseMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const status = statusOf(error)
      const transient = status === undefined ? isNetworkError(error) : RETRYABLE.has(status)
      if (!transient || attempt >= attempts) throw error
      await backoff(attempt, baseMs)
    }
  }
}
