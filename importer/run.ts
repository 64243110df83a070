import type {Mutation} from '@sanity/client'
import {mapThread, type MappedThread} from './mapping.ts'
import {
  addCounts,
  noPrivacyCounts,
  type PrivacyCounts,
  scrubRecord,
  type ThreadMask,
} from './privacy.ts'
import {type Batch, batchMutations, documentIds, planThread, toBatches} from './plan.ts'
import {countFlags, DuplicateFinder, type FlagCounts, type ReportedFlag} from './quality.ts'
import type {ParseResult, RecordOrigin} from './record.ts'
import {backoff, isConflict, isTooLarge} from '../domain/requests.ts'
import type {ExistingDocument, ImportTarget} from './target.ts'
import {errorMessage} from '../domain/errors.ts'
import {stableHash} from '../domain/hash.ts'
import {inParallel} from '../domain/parallel.ts'

// The import pipeline: records in, documents out, in chunks so 100,000-thread archives stream.
// Per chunk: map, resolve similar titles, read what exists, decide per document, then write
// whole threads in bounded transactions (a thread is never half-written) with bounded concurrency.
// A transaction that loses a race with another writer (409) is read and planned again. The run
// always ends with a report: a dataset that cannot be read stops it, with the reason and what
// was not done, rather than throwing.

/**
 * `collision`: another thread of the run maps to the same document; the first one wins.
 * `skipped`: an input passed over by rule (a symbolic link out of the input tree, a FIFO).
 */
export type Outcome =
  'created' | 'updated' | 'unchanged' | 'kept' | 'failed' | 'collision' | 'skipped'

export interface ThreadReport {
  source: string
  title?: string
  outcome: Outcome
  ids: string[]
  reason?: string
  /** Open quality flags on the thread's documents after the import. */
  flags?: ReportedFlag[]
  /** Personal data this import masked in the thread: field, kind, before and after. */
  masks?: ThreadMask[]
}

export interface ImportSummary {
  read: number
  created: number
  updated: number
  unchanged: number
  kept: number
  failed: number
  collisions: number
  skipped: number
  privacy: PrivacyCounts
  /** Open quality flags by kind on the threads read (not those kept or failed). */
  flags: FlagCounts
  resolvedSimilar: number
  seconds: number
  threadsPerSecond: number
}

export interface ImportReport {
  summary: ImportSummary
  threads: ThreadReport[]
  /** Set when the run ended early: why, and the last input read (nothing after it was read). */
  stopped?: {reason: string; lastRead?: string}
  /** Problems of the run as a whole, not of one thread (similar links left unresolved…). */
  problems: string[]
}

export interface ImportProgress {
  read: number
  written: number
  failed: number
}

export interface PipelineOptions {
  keepAskerNames?: boolean
  /** Threads per chunk (read, compared and written together). */
  chunkSize?: number
  /** Threads per transaction. */
  transactionSize?: number
  /** Transactions in flight at once. */
  concurrency?: number
  now?: () => Date
  onProgress?: (progress: ImportProgress) => void
  /** Called with each thread's report as soon as it is final. */
  onThread?: (thread: ThreadReport) => void
  signal?: AbortSignal
}

/** Tries per transaction when other writers keep changing its documents. */
const CONFLICT_ATTEMPTS = 5
const CONFLICT_BACKOFF_MS = 100

function describeOrigin(origin: RecordOrigin): string {
  return origin.line === undefined ? origin.file : `${origin.file}:${origin.line}`
}

/** The summary of a run's thread reports. */
export function summarize(
  threads: readonly ThreadReport[],
  run: {read: number; privacy: PrivacyCounts; resolvedSimilar: number; seconds: number},
): ImportSummary {
  const count = (outcome: Outcome) => threads.filter((thread) => thread.outcome === outcome).length
  return {
    read: run.read,
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    kept: count('kept'),
    failed: count('failed'),
    collisions: count('collision'),
    skipped: count('skipped'),
    privacy: run.privacy,
    flags: countFlags(threads),
    resolvedSimilar: run.resolvedSimilar,
    seconds: Math.round(run.seconds * 100) / 100,
    threadsPerSecond: Math.round(run.read / Math.max(run.seconds, 0.001)),
  }
}

/** A thread this run has read: where it came from and a hash of everything it would write. */
interface SeenThread {
  source: string
  hash: string
}

function threadHash(thread: MappedThread): string {
  return stableHash([thread.question, ...thread.replies].map((doc) => doc.source?.contentHash))
}

/**
 * A thread whose document this run has already met: the same thread again is unchanged, another
 * thread with the same identity (URL, or title and ask date) a collision, never written over it.
 */
function duplicateReport(thread: MappedThread, source: string, earlier: SeenThread): ThreadReport {
  const report = {source, title: thread.question.title, ids: [thread.question._id]}
  if (threadHash(thread) === earlier.hash)
    return {...report, outcome: 'unchanged', reason: `duplicate of ${earlier.source} in this run`}
  const same = thread.question.source?.url ? 'URL' : 'title and ask date'
  return {
    ...report,
    outcome: 'collision',
    reason: `same ${same} as ${earlier.source}, other content: not imported`,
  }
}

/** The dataset could not be read: nothing more can be compared or written. */
class DatasetUnreadable extends Error {}

interface MappedSource {
  thread: MappedThread
  source: string
}

export type {PrivacyCounts} from './privacy.ts'

/** One run's state: what it has reported, seen and written so far. */
class ImportRun {
  readonly threads: ThreadReport[] = []
  readonly problems: string[] = []
  readonly privacy: PrivacyCounts = noPrivacyCounts()
  /** titleKey → question id, for every question this run has seen. */
  readonly knownTitles = new Map<string, string>()
  readonly seen = new Map<string, SeenThread>()
  readonly duplicates = new DuplicateFinder()
  read = 0
  written = 0
  failed = 0
  resolvedSimilar = 0

  readonly target: ImportTarget
  readonly options: PipelineOptions
  readonly importedAt: string

  constructor(target: ImportTarget, options: PipelineOptions, importedAt: string) {
    this.target = target
    this.options = options
    this.importedAt = importedAt
  }

  progress() {
    this.options.onProgress?.({read: this.read, written: this.written, failed: this.failed})
  }

  report(thread: ThreadReport) {
    this.threads.push(thread)
    if (thread.outcome === 'failed') this.failed++
    this.options.onThread?.(thread)
  }

  /** Records to documents; failures, duplicates and collisions are reported here. */
  map(chunk: readonly ParseResult[]): MappedSource[] {
    const mapped: MappedSource[] = []
    for (const result of chunk) {
      if (!result.ok) {
        const {origin, reason, skipped} = result.failure
        this.report({
          source: describeOrigin(origin),
          outcome: skipped ? 'skipped' : 'failed',
          ids: [],
          reason,
        })
        continue
      }
      const source = result.record.url ?? describeOrigin(result.record.origin)
      try {
        const {record, masks} = scrubRecord(result.record, {
          keepAskerNames: this.options.keepAskerNames ?? false,
        })
        const thread = {
          ...mapThread(record, {importedAt: this.importedAt, parsed: result.record}),
          masks,
        }
        const earlier = this.seen.get(thread.identity)
        if (earlier) {
          this.report(duplicateReport(thread, source, earlier))
          continue
        }
        this.seen.set(thread.identity, {source, hash: threadHash(thread)})
        const key = thread.question.titleKey
        if (key) this.knownTitles.set(key, thread.question._id)
        mapped.push({thread, source})
      } catch (error) {
        this.report({source, outcome: 'failed', ids: [], reason: errorMessage(error)})
      }
    }
    return mapped
  }

  /** "Similar Q&A" titles resolved against this run and the dataset. */
  async resolveSimilar(mapped: readonly MappedSource[]) {
    const wanted = new Set(
      mapped.flatMap(({thread}) => (thread.question.similar ?? []).map((e) => e.titleKey ?? '')),
    )
    const unknown = [...wanted].filter((key) => key && !this.knownTitles.has(key))
    for (const {_id, titleKey} of await this.target.questionsByTitleKey(unknown))
      if (titleKey) this.knownTitles.set(titleKey, _id)
    for (const {thread} of mapped) {
      thread.question.similar = (thread.question.similar ?? []).map((entry) => {
        const id = entry.titleKey ? this.knownTitles.get(entry.titleKey) : undefined
        return id && id !== thread.question._id
          ? {...entry, question: {_type: 'reference', _ref: id, _weak: true}}
          : entry
      })
    }
  }

  async processChunk(chunk: readonly ParseResult[]) {
    const mapped = this.map(chunk)
    let existing: Map<string, ExistingDocument>
    try {
      await this.resolveSimilar(mapped)
      await this.duplicates.flag(
        mapped.map(({thread}) => thread),
        this.target,
      )
      existing = await this.target.fetchDocuments(documentIds(mapped.map(({thread}) => thread)))
    } catch (error) {
      const reason = `not written: could not read the dataset: ${errorMessage(error)}`
      for (const {thread, source} of mapped)
        this.report({source, title: thread.question.title, outcome: 'failed', ids: [], reason})
      throw new DatasetUnreadable(errorMessage(error))
    }
    const planned = mapped.map(({thread, source}) => planThread(thread, source, existing))
    const batches = toBatches(planned, this.options.transactionSize ?? 50)
    await inParallel(batches, this.options.concurrency ?? 3, async (batch) => {
      await this.writeBatch(batch, existing)
      this.progress()
    })
  }

  /**
   * Commits one transaction. After a revision conflict it reads its documents and plans again;
   * one over the request size limit is written in halves.
   */
  async writeBatch(batch: Batch, existing: Map<string, ExistingDocument>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.options.signal?.aborted) return this.fail(batch, 'interrupted before writing')
      try {
        await this.target.commit(batchMutations(batch, existing))
        return this.succeed(batch)
      } catch (error) {
        if (isTooLarge(error) && batch.threads.length > 1) return this.writeHalves(batch, existing)
        if (!isConflict(error)) return this.fail(batch, `write failed: ${errorMessage(error)}`)
        if (attempt >= CONFLICT_ATTEMPTS) {
          const reason = `the documents kept changing while they were written (${attempt} tries)`
          return this.fail(batch, `write failed: ${reason}: ${errorMessage(error)}`)
        }
      }
      await backoff(attempt, CONFLICT_BACKOFF_MS)
      const fresh = await this.replan(batch)
      if (!fresh) return
      existing = fresh
    }
  }

  /** Reads a batch's documents again and plans its threads on them (or fails the batch). */
  async replan(batch: Batch): Promise<Map<string, ExistingDocument> | undefined> {
    try {
      const ids = documentIds(batch.threads.map(({mapped}) => mapped))
      const existing = await this.target.fetchDocuments(ids)
      batch.threads = batch.threads.map(({mapped, report}) =>
        planThread(mapped, report.source, existing),
      )
      return existing
    } catch (error) {
      this.fail(batch, `write failed: could not read the documents again: ${errorMessage(error)}`)
      return undefined
    }
  }

  /** Two transactions for one too large: the second is planned on what the first wrote. */
  async writeHalves(batch: Batch, existing: Map<string, ExistingDocument>) {
    const half = Math.ceil(batch.threads.length / 2)
    await this.writeBatch({threads: batch.threads.slice(0, half), doctors: batch.doctors}, existing)
    const second = {threads: batch.threads.slice(half), doctors: batch.doctors}
    const fresh = await this.replan(second)
    if (fresh) await this.writeBatch(second, fresh)
  }

  succeed(batch: Batch) {
    for (const {report, mapped, mutations} of batch.threads) {
      // Unchanged threads write nothing: their masks were applied by an earlier import.
      const masks = mutations.length > 0 ? (mapped.masks ?? []) : []
      this.report(masks.length > 0 ? {...report, masks} : report)
      addCounts(this.privacy, masks)
    }
    this.written += batch.threads.length
  }

  fail(batch: Batch, reason: string) {
    for (const {report} of batch.threads) this.report({...report, outcome: 'failed', reason})
  }

  /** Questions imported earlier may list this run's questions as unresolved similar titles. */
  async resolveEarlierQuestions() {
    if (this.knownTitles.size === 0) return
    for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
      try {
        if (!(await this.linkEarlierQuestions())) return
      } catch (error) {
        this.problems.push(
          `similar links of earlier questions not resolved: ${errorMessage(error)}`,
        )
        return
      }
      await backoff(attempt, CONFLICT_BACKOFF_MS)
    }
    this.problems.push(
      'similar links of earlier questions not all resolved: the questions kept changing ' +
        '(the next import resolves them)',
    )
  }

  /** One pass of linking; true when a transaction lost a race and the pass should run again. */
  async linkEarlierQuestions(): Promise<boolean> {
    const patches: {mutation: Mutation; links: number}[] = []
    for (const question of await this.target.questionsWithUnresolved()) {
      const set: Record<string, unknown> = {}
      for (const entry of question.unresolved ?? []) {
        const id = entry.titleKey ? this.knownTitles.get(entry.titleKey) : undefined
        if (id && id !== question._id)
          set[`similar[_key=="${entry._key}"].question`] = {
            _type: 'reference',
            _ref: id,
            _weak: true,
          }
      }
      const links = Object.keys(set).length
      if (links > 0)
        patches.push({
          mutation: {patch: {id: question._id, ifRevisionID: question._rev, set}},
          links,
        })
    }
    const batches: (typeof patches)[] = []
    for (let i = 0; i < patches.length; i += 100) batches.push(patches.slice(i, i + 100))
    let conflicted = false
    await inParallel(batches, this.options.concurrency ?? 3, async (batch) => {
      try {
        await this.target.commit(batch.map(({mutation}) => mutation))
        this.resolvedSimilar += batch.reduce((sum, {links}) => sum + links, 0)
      } catch (error) {
        if (!isConflict(error)) throw error
        conflicted = true
      }
    })
    return conflicted
  }
}

export async function runImport(
  records: AsyncIterable<ParseResult>,
  target: ImportTarget,
  options: PipelineOptions = {},
): Promise<ImportReport> {
  const started = performance.now()
  const run = new ImportRun(target, options, (options.now ?? (() => new Date()))().toISOString())
  const chunkSize = options.chunkSize ?? 500
  let stopped: ImportReport['stopped']
  let lastRead: string | undefined
  try {
    let chunk: ParseResult[] = []
    for await (const result of records) {
      if (options.signal?.aborted) break
      chunk.push(result)
      lastRead = describeOrigin(result.ok ? result.record.origin : result.failure.origin)
      if (result.ok || !result.failure.skipped) run.read++
      if (chunk.length >= chunkSize) {
        await run.processChunk(chunk)
        chunk = []
        run.progress()
      }
    }
    if (chunk.length > 0) await run.processChunk(chunk)
    run.progress()
  } catch (error) {
    const reason =
      error instanceof DatasetUnreadable
        ? `could not read the dataset: ${error.message}`
        : errorMessage(error)
    stopped = {reason, ...(lastRead ? {lastRead} : {})}
  }
  if (!stopped && options.signal?.aborted)
    stopped = {reason: 'interrupted', ...(lastRead ? {lastRead} : {})}
  if (!stopped) await run.resolveEarlierQuestions()

  const seconds = (performance.now() - started) / 1000
  return {
    summary: summarize(run.threads, {
      read: run.read,
      privacy: run.privacy,
      resolvedSimilar: run.resolvedSimilar,
      seconds,
    }),
    threads: run.threads,
    ...(stopped ? {stopped} : {}),
    problems: run.problems,
  }
}
