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

/** Transactions whose event has arrived (the recent ones), and who waits for one. */
class Arrivals {
  private readonly received = new Set<string>()
  private readonly waiting = new Map<string, (() => void)[]>()

  has(transactionId: string) {
    return this.received.has(transactionId)
  }

  arrived(transactionId: string) {
    this.received.add(transactionId)
    if (this.received.size > RECENT_TRANSACTIONS) {
      const oldest = this.received.values().next().value
      if (oldest !== undefined) this.received.delete(oldest)
    }
    const waiting = this.waiting.get(transactionId)
    this.waiting.delete(transactionId)
    for (const resolve of waiting ?? []) resolve()
  }

  wait(transactionId: string) {
    return new Promise<void>((resolve) => {
      const waiting = this.waiting.get(transactionId) ?? []
      waiting.push(resolve)
      this.waiting.set(transactionId, waiting)
    })
  }

  releaseAll() {
    for (const waiting of this.waiting.values()) for (const resolve of waiting) resolve()
    this.waiting.clear()
  }
}

/** One watcher's state: pending changes, the timer that runs them, the listener. */
class Watch {
  private readonly options: WatchOptions
  private readonly client: SanityClient
  private readonly checkpoint: CheckpointStore | undefined
  private readonly config: RankerConfig
  private readonly debounceMs: number
  private readonly maxWaitMs: number

  private readonly inputs = new Set<string>()
  private readonly entries = new Set<string>()
  private catchUpDue = false
  /** Newest Content Lake time whose changes are pending or done, and its transaction. */
  private seen: string | undefined
  private seenTransaction: string | undefined
  private saved: string | undefined
  private index: SimilarIndex | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private firstPending: number | undefined
  private backingOff = false
  private running: Promise<void> | undefined
  private failures = 0
  private stopped = false
  private readonly arrivals = new Arrivals()
  private idle: (() => void)[] = []
  private resolveReady: () => void = () => {}
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve))

  private subscription: {unsubscribe(): void} | undefined
  private listenFailures = 0
  private relisten: ReturnType<typeof setTimeout> | undefined

  constructor(options: WatchOptions) {
    this.options = options
    this.client = options.client
    this.checkpoint = options.checkpoint
    this.config = options.config ?? DEFAULT_RANKER
    this.debounceMs = options.debounceMs ?? 500
    this.maxWaitMs = options.maxWaitMs ?? 10_000
  }

  private retryDelay(failures: number) {
    const {maxRetryMs = 60_000, retryMs = 1000} = this.options
    return Math.min(maxRetryMs, retryMs * 2 ** (failures - 1))
  }

  // Once stopped, failures of work cut short (the lake closing) are nobody's concern.
  private report(error: unknown) {
    if (!this.stopped) this.options.onError?.(error)
  }

  /** Changes were seen since the checkpoint was last written. */
  private unsaved() {
    return this.checkpoint !== undefined && later(this.saved, this.seen) !== this.saved
  }

  private hasWork() {
    return this.catchUpDue || this.inputs.size > 0 || this.entries.size > 0 || this.unsaved()
  }

  private schedule(delay: number, exact = false) {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.backingOff = exact
    this.firstPending ??= Date.now()
    const wait = exact
      ? delay
      : Math.min(delay, Math.max(0, this.firstPending + this.maxWaitMs - Date.now()))
    this.timer = setTimeout(() => this.start(), wait)
  }

  private start() {
    this.timer = undefined
    this.firstPending = undefined
    this.backingOff = false
    this.running ??= this.run().finally(() => {
      this.running = undefined
      if (!this.timer && this.hasWork()) this.schedule(this.debounceMs)
      const waiting = this.idle
      this.idle = []
      for (const resolve of waiting) resolve()
    })
  }

  private async sinceForCatchUp(): Promise<string | undefined> {
    if (this.saved !== undefined || !this.checkpoint) return this.saved
    try {
      return (await this.checkpoint.read())?.since
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error
      // A checkpoint that cannot be trusted: recompute whatever changed at any time.
      this.report(error)
      return EPOCH
    }
  }

  private async catchUp(): Promise<{changed: string[]; now: string}> {
    const {client, config} = this
    const started = performance.now()
    const now = await client.fetch(serverNowQuery, {}, PUBLISHED_ONLY)
    const since = await this.sinceForCatchUp()
    if (this.index) await syncIndex(client, this.index)
    else this.index = await loadSimilarIndex(client, {config})
    const found = await findChanged(client, this.index, since)
    const seconds = Math.round(((performance.now() - started) / 1000) * 100) / 100
    this.options.onCatchUp?.({...found.report, seconds})
    return {changed: found.changed, now}
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.hasWork()) {
      if (!(await this.recomputePending())) return
    }
  }

  /** Recomputes what is pending (catching up first when due); false after a failure. */
  private async recomputePending(): Promise<boolean> {
    const {client, config, checkpoint} = this
    const catchingUp = this.catchUpDue
    this.catchUpDue = false
    const taken = {inputs: [...this.inputs], entries: [...this.entries]}
    this.inputs.clear()
    this.entries.clear()
    // Every change up to `mark` reached the listener before this point: it is taken now, or was
    // recomputed before.
    let mark = later(this.saved, this.seen)
    const transactionId = this.seenTransaction
    try {
      if (catchingUp) {
        const {changed, now} = await this.catchUp()
        taken.inputs.push(...changed)
        mark = later(mark, now)
      }
      if (taken.inputs.length > 0 || taken.entries.length > 0) {
        this.index ??= await loadSimilarIndex(client, {config})
        const limit = this.options.limit
        const common = {index: this.index, config, ...(limit ? {limit} : {})}
        const recomputed = await recomputeChanges(client, taken, common)
        this.options.onRecompute?.(recomputed)
      }
      if (checkpoint && mark !== undefined && mark !== this.saved) {
        await checkpoint.write({since: mark, ...(transactionId ? {transactionId} : {})})
      }
      this.saved = mark ?? this.saved
      this.failures = 0
      if (catchingUp) this.resolveReady()
      return true
    } catch (error) {
      // Put the work back and try again later, on an index rebuilt from the dataset.
      for (const id of taken.inputs) this.inputs.add(id)
      for (const id of taken.entries) this.entries.add(id)
      if (catchingUp) this.catchUpDue = true
      this.index = undefined
      this.failures++
      this.report(error)
      this.schedule(this.retryDelay(this.failures), true)
      return false
    }
  }

  private onMutation(event: MutationEvent) {
    const kind = classifyChange(event.previous, event.result)
    if (kind === 'inputs') this.inputs.add(event.documentId)
    else if (kind === 'entries') this.entries.add(event.documentId)
    if (later(this.seen, event.timestamp) !== this.seen) {
      this.seen = event.timestamp
      this.seenTransaction = event.transactionId
    }
    this.arrivals.arrived(event.transactionId)
    // The engine's own writes (kind 'none') still move the checkpoint.
    if (!this.backingOff && (kind !== 'none' || this.checkpoint)) this.schedule(this.debounceMs)
  }

  /** Opened (or opened again): what happened while no listener was open is found by catching up. */
  private onWelcome() {
    this.listenFailures = 0
    this.catchUpDue = true
    if (!this.backingOff) this.schedule(0)
  }

  listen() {
    this.relisten = undefined
    if (this.stopped) return
    this.subscription = this.client
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
          if (this.stopped) return
          if (event.type === 'welcome') this.onWelcome()
          else if (event.type === 'mutation') this.onMutation(event)
        },
        error: (error: unknown) => {
          // The client reconnects by itself after network failures; this is a channel error or
          // a refused request: report it and open a new listener after a pause.
          this.subscription = undefined
          this.report(error)
          if (!this.stopped)
            this.relisten = setTimeout(() => this.listen(), this.retryDelay(++this.listenFailures))
        },
      })
  }

  async settled(transactionId?: string) {
    if (transactionId !== undefined && !this.arrivals.has(transactionId) && !this.stopped) {
      await this.arrivals.wait(transactionId)
    }
    while (!this.stopped && (this.timer || this.running || this.hasWork())) {
      if (!this.running && !this.backingOff) {
        if (this.timer) clearTimeout(this.timer)
        this.start()
      }
      await new Promise<void>((resolve) => this.idle.push(resolve))
    }
  }

  async stop() {
    this.stopped = true
    this.subscription?.unsubscribe()
    if (this.relisten) clearTimeout(this.relisten)
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.running) await this.running
    this.resolveReady()
    this.arrivals.releaseAll()
    for (const resolve of this.idle) resolve()
    this.idle = []
  }
}

export function watchSimilar(options: WatchOptions): SimilarWatcher {
  const watch = new Watch(options)
  watch.listen()
  return {
    ready: watch.ready,
    settled: (transactionId) => watch.settled(transactionId),
    stop: () => watch.stop(),
  }
}
