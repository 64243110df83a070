import type {MutationEvent, SanityClient} from '@sanity/client'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import {CheckpointError, type CheckpointStore} from './checkpoint.ts'
import {DEFAULT_RANKER, type RankerConfig} from './config.ts'
import {type ChangesReport, classifyChange, recomputeChanges} from './freshness.ts'
import {DEFAULT_PAGE_SIZE, fetchQuestionIds, loadSimilarIndex, syncIndex} from './load.ts'
import {SIMILAR_LISTEN_FILTER, serverNowQuery, similarWatchStateQuery} from './queries.ts'
import type {SimilarIndex} from './ranker.ts'

// The freshness worker: follows the dataset's listener through @sanity/client (the same code on
// the embedded lake and on a hosted project), classifies each change to a published question by
// its previous and resulting revision, and after a quiet period recomputes the affected lists
// with recomputeChanges (freshness.ts), which the hosted Sanity Function calls too.
//
// Nothing is missed across restarts and dropped connections. A listener only delivers what
// happens while it is open, so whenever one opens (start, reconnect) the worker catches up:
//   - questions whose stored fingerprint differs from their current inputs (edited, created or
//     never computed: also a new ranking model) are recomputed with the lists they affect;
//   - questions that computed entries point at but that are gone (deleted) likewise;
//   - every question changed since the checkpoint is recomputed too (an editor's entries changed,
//     or a recompute the previous run did not finish). The checkpoint is a Content Lake time up to
//     which every change was recomputed: the last change the listener delivered, or the time a
//     catch-up started (later changes reach the listener, which opened before); it moves only
//     after the recompute succeeded.
// Recomputing writes nothing where a list is already right, so catching up twice costs reading.

/**
 * Changes committed this long before the checkpoint are read again: events still on their way
 * when it was taken, and Content Lake clocks that disagree a little. Kept short: whatever changed
 * in this window is recomputed again on every start (it writes nothing, but ranks).
 */
const CHECKPOINT_SLACK_MS = 5_000

const EPOCH = '1970-01-01T00:00:00.000Z'
/** Transactions remembered for `settled(transactionId)`. */
const RECENT_TRANSACTIONS = 1000

export interface WatchOptions {
  /** A client with write access to the dataset (a token that can read drafts is not needed). */
  client: SanityClient
  /** Where the high-water mark is kept; without one, restarts rely on fingerprints alone. */
  checkpoint?: CheckpointStore
  /** Quiet period before recomputing (default 500 ms)… */
  debounceMs?: number
  /** …but never more than this after the first pending change (default 10 s). */
  maxWaitMs?: number
  /** First wait after a failure (doubling up to `maxRetryMs`; default 1 s and 60 s). */
  retryMs?: number
  maxRetryMs?: number
  limit?: number
  config?: RankerConfig
  onRecompute?: (report: ChangesReport) => void
  onCatchUp?: (report: CatchUpReport) => void
  /** Failures are retried; this only reports them. */
  onError?: (error: unknown) => void
}

export interface CatchUpReport {
  /** The checkpoint caught up from (undefined: none saved yet). */
  since: string | undefined
  /** Published questions read. */
  questions: number
  /** Questions whose fingerprint differs from their current inputs. */
  stale: number
  /** Other questions changed since the checkpoint. */
  updated: number
  /** Questions listed in computed entries that no longer exist. */
  deleted: number
  seconds: number
}

export interface SimilarWatcher {
  /** Resolves once the listener is open and the first catch-up has been recomputed. */
  ready: Promise<void>
  /**
   * Resolves once nothing is pending: after the event of `transactionId` has arrived, when given
   * (a commit's `transactionId` that changed a published question), and has been recomputed.
   */
  settled(transactionId?: string): Promise<void>
  /** Closes the listener, then finishes the work in flight. */
  stop(): Promise<void>
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/**
 * Questions to recompute after a gap: fingerprints that differ from `index` (synced just
 * before), targets of computed entries that are gone, and questions changed since `since`.
 */
async function findChanged(
  client: SanityClient,
  index: SimilarIndex,
  since: string | undefined,
): Promise<{changed: string[]; report: Omit<CatchUpReport, 'seconds'>}> {
  const from = since === undefined ? undefined : Date.parse(since) - CHECKPOINT_SLACK_MS
  const ids = await fetchQuestionIds(client)
  const changed = new Set<string>()
  const deleted = new Set<string>()
  let stale = 0
  let updated = 0
  for (let i = 0; i < ids.length; i += DEFAULT_PAGE_SIZE) {
    const page = ids.slice(i, i + DEFAULT_PAGE_SIZE)
    const rows = await client.fetch(similarWatchStateQuery, {ids: page}, PUBLISHED_ONLY)
    for (const row of rows) {
      if (row.similarInputHash !== index.inputHash(row._id)) {
        changed.add(row._id)
        stale++
      } else if (from !== undefined && Date.parse(row._updatedAt) >= from) {
        changed.add(row._id)
        updated++
      }
      for (const target of row.targets ?? []) if (target && !index.has(target)) deleted.add(target)
    }
  }
  return {
    changed: [...changed, ...deleted],
    report: {since, questions: ids.length, stale, updated, deleted: deleted.size},
  }
}

export function watchSimilar(options: WatchOptions): SimilarWatcher {
  const {client, checkpoint} = options
  const config = options.config ?? DEFAULT_RANKER
  const debounceMs = options.debounceMs ?? 500
  const maxWaitMs = options.maxWaitMs ?? 10_000
  const retryDelay = (failures: number) =>
    Math.min(options.maxRetryMs ?? 60_000, (options.retryMs ?? 1000) * 2 ** (failures - 1))

  const inputs = new Set<string>()
  const entries = new Set<string>()
  let catchUpDue = false
  /** Newest Content Lake time whose changes are pending or done, and its transaction. */
  let seen: string | undefined
  let seenTransaction: string | undefined
  let saved: string | undefined
  let index: SimilarIndex | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let firstPending: number | undefined
  let backingOff = false
  let running: Promise<void> | undefined
  let failures = 0
  let stopped = false
  // Once stopped, failures of work cut short (the lake closing) are nobody's concern.
  const report = (error: unknown) => {
    if (!stopped) options.onError?.(error)
  }
  const received = new Set<string>()
  const arrivals = new Map<string, (() => void)[]>()
  let idle: (() => void)[] = []
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (resolveReady = resolve))

  /** Changes were seen since the checkpoint was last written. */
  const unsaved = () => checkpoint !== undefined && later(saved, seen) !== saved
  const hasWork = () => catchUpDue || inputs.size > 0 || entries.size > 0 || unsaved()

  const schedule = (delay: number, exact = false) => {
    if (stopped) return
    if (timer) clearTimeout(timer)
    backingOff = exact
    firstPending ??= Date.now()
    const wait = exact ? delay : Math.min(delay, Math.max(0, firstPending + maxWaitMs - Date.now()))
    timer = setTimeout(start, wait)
  }

  const start = () => {
    timer = undefined
    firstPending = undefined
    backingOff = false
    running ??= run().finally(() => {
      running = undefined
      if (!timer && hasWork()) schedule(debounceMs)
      const waiting = idle
      idle = []
      for (const resolve of waiting) resolve()
    })
  }

  async function sinceForCatchUp(): Promise<string | undefined> {
    if (saved !== undefined || !checkpoint) return saved
    try {
      return (await checkpoint.read())?.since
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error
      // A checkpoint that cannot be trusted: recompute whatever changed at any time.
      report(error)
      return EPOCH
    }
  }

  async function catchUp(): Promise<{changed: string[]; now: string}> {
    const started = performance.now()
    const now = await client.fetch(serverNowQuery, {}, PUBLISHED_ONLY)
    const since = await sinceForCatchUp()
    if (index) await syncIndex(client, index)
    else index = await loadSimilarIndex(client, {config})
    const found = await findChanged(client, index, since)
    const seconds = Math.round(((performance.now() - started) / 1000) * 100) / 100
    options.onCatchUp?.({...found.report, seconds})
    return {changed: found.changed, now}
  }

  async function run(): Promise<void> {
    while (!stopped && hasWork()) {
      const catchingUp = catchUpDue
      catchUpDue = false
      const taken = {inputs: [...inputs], entries: [...entries]}
      inputs.clear()
      entries.clear()
      // Every change up to `mark` reached the listener before this point: it is taken now, or was
      // recomputed before.
      let mark = later(saved, seen)
      const transactionId = seenTransaction
      try {
        if (catchingUp) {
          const {changed, now} = await catchUp()
          taken.inputs.push(...changed)
          mark = later(mark, now)
        }
        if (taken.inputs.length > 0 || taken.entries.length > 0) {
          index ??= await loadSimilarIndex(client, {config})
          const common = {index, config, ...(options.limit ? {limit: options.limit} : {})}
          const recomputed = await recomputeChanges(client, taken, common)
          options.onRecompute?.(recomputed)
        }
        if (checkpoint && mark !== undefined && mark !== saved) {
          await checkpoint.write({since: mark, ...(transactionId ? {transactionId} : {})})
        }
        saved = mark ?? saved
        failures = 0
        if (catchingUp) resolveReady()
      } catch (error) {
        // Put the work back and try again later, on an index rebuilt from the dataset.
        for (const id of taken.inputs) inputs.add(id)
        for (const id of taken.entries) entries.add(id)
        if (catchingUp) catchUpDue = true
        index = undefined
        failures++
        report(error)
        schedule(retryDelay(failures), true)
        return
      }
    }
  }

  function noteTransaction(transactionId: string) {
    received.add(transactionId)
    if (received.size > RECENT_TRANSACTIONS) {
      const oldest = received.values().next().value
      if (oldest !== undefined) received.delete(oldest)
    }
    const waiting = arrivals.get(transactionId)
    arrivals.delete(transactionId)
    for (const resolve of waiting ?? []) resolve()
  }

  function onMutation(event: MutationEvent) {
    const kind = classifyChange(event.previous, event.result)
    if (kind === 'inputs') inputs.add(event.documentId)
    else if (kind === 'entries') entries.add(event.documentId)
    if (later(seen, event.timestamp) !== seen) {
      seen = event.timestamp
      seenTransaction = event.transactionId
    }
    noteTransaction(event.transactionId)
    // The engine's own writes (kind 'none') still move the checkpoint.
    if (!backingOff && (kind !== 'none' || checkpoint)) schedule(debounceMs)
  }

  let subscription: {unsubscribe(): void} | undefined
  let listenFailures = 0
  let relisten: ReturnType<typeof setTimeout> | undefined

  function listen() {
    relisten = undefined
    if (stopped) return
    subscription = client
      .listen(
        SIMILAR_LISTEN_FILTER,
        {},
        {
          includeResult: true,
          includePreviousRevision: true,
          includeMutations: false,
          visibility: 'query',
          events: ['welcome', 'mutation', 'reconnect'],
          tag: 'similar-watch',
        },
      )
      .subscribe({
        next: (event) => {
          if (stopped) return
          if (event.type === 'welcome') {
            // Opened (or opened again): what happened while no listener was open is found by
            // catching up.
            listenFailures = 0
            catchUpDue = true
            if (!backingOff) schedule(0)
          } else if (event.type === 'mutation') {
            onMutation(event)
          }
        },
        error: (error: unknown) => {
          // The client reconnects by itself after network failures; this is a channel error or
          // a refused request: report it and open a new listener after a pause.
          subscription = undefined
          report(error)
          if (!stopped) relisten = setTimeout(listen, retryDelay(++listenFailures))
        },
      })
  }

  listen()

  return {
    ready,
    async settled(transactionId) {
      if (transactionId !== undefined && !received.has(transactionId) && !stopped) {
        await new Promise<void>((resolve) => {
          const waiting = arrivals.get(transactionId) ?? []
          waiting.push(resolve)
          arrivals.set(transactionId, waiting)
        })
      }
      while (!stopped && (timer || running || hasWork())) {
        if (!running && !backingOff) {
          if (timer) clearTimeout(timer)
          start()
        }
        await new Promise<void>((resolve) => idle.push(resolve))
      }
    },
    async stop() {
      stopped = true
      subscription?.unsubscribe()
      if (relisten) clearTimeout(relisten)
      if (timer) clearTimeout(timer)
      timer = undefined
      if (running) await running
      resolveReady()
      for (const waiting of arrivals.values()) for (const resolve of waiting) resolve()
      arrivals.clear()
      for (const resolve of idle) resolve()
      idle = []
    },
  }
}
