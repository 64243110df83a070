import {getPublishedId} from '@sanity/client/csm'
import type {Mutation, SanityClient} from '@sanity/client'
import {availableParallelism} from 'node:os'
import {isConflict, withRetry} from '../domain/requests.ts'
import {DEFAULT_COMPUTED_LIMIT, DEFAULT_RANKER, type RankerConfig} from './config.ts'
import {
  listedTargets,
  sameList,
  SCORE_TOLERANCE,
  type SimilarEntry,
  withComputed,
} from './entries.ts'
import {fetchQuestionIds, fetchSources, loadSimilarIndex, syncIndex} from './load.ts'
import {RankPool, type RankRequest} from './pool.ts'
import {similarReferrersQuery, similarStateQuery, similarThresholdsQuery} from './queries.ts'
import type {SimilarIndex} from './ranker.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import type {SimilarStateQueryResult} from '../sanity.types.ts'
import {inParallel} from '../domain/parallel.ts'

// Precomputing similar-thread lists and keeping them fresh.
//
// computeSimilar ranks each question against the archive and writes its list (curated entries
// first and untouched, then imported, then the computed ones) with the question's input
// fingerprint, patching against the revision it read (`ifRevisionID`) in bounded transactions.
// A question whose list and fingerprint are already right is not written, so a second run writes
// nothing.
//
// recomputeAffected recomputes after some questions changed, touching only the questions whose
// lists can change (the rule is documented on the function).

export interface ComputeOptions {
  /** Questions to compute (default: every published question). */
  ids?: string[]
  /** An index over the archive to reuse (kept up to date with what is read); built if absent. */
  index?: SimilarIndex
  /** Computed entries per question (default 4). */
  limit?: number
  config?: RankerConfig
  /** Patches per transaction (default 50). */
  transactionSize?: number
  /** Questions read (and ranked) per request (default 250). */
  readSize?: number
  /** Batches (read, rank, write) in flight (default 2, plus one per ranking worker). */
  concurrency?: number
  /**
   * Ranking worker threads; 0 ranks on the calling thread. Default: one per core when there are
   * at least POOL_MIN_QUESTIONS lists to compute.
   */
  workers?: number
  now?: () => Date
  onProgress?: (progress: {done: number; total: number; patched: number}) => void
}

export interface ComputeReport {
  /** Questions looked at. */
  questions: number
  /** Ids of the questions whose list or fingerprint was written. */
  patched: string[]
  unchanged: number
  /** Requested ids that are not published questions. */
  missing: string[]
  /** Batches retried after a concurrent edit (revision conflict). */
  conflicts: number
  /** Seconds spent building the index (0 when one was passed in). */
  indexSeconds: number
  /** Threads the lists were ranked on (worker threads, or 1: the calling thread). */
  rankedOn: number
  /** Lists ranked; the others were proven unchanged without ranking (see `checked`). */
  ranked: number
  seconds: number
}

const MAX_CONFLICT_RETRIES = 3

/**
 * Per index, per question: the index version, limit and document revision its list was last
 * written or found right at. A ranking is a function of the index, the limit and the exclusions,
 * and the exclusions come from the document: while all three are unchanged, ranking again gives
 * the list the document already holds, so a run over an unchanged archive ranks nothing. Any
 * change to the index (an edit, a new or deleted question, other weights) bumps its version and
 * any change to the document its revision: then the list is ranked again.
 */
const checked = new WeakMap<SimilarIndex, Map<string, string>>()

function checkedOf(index: SimilarIndex): Map<string, string> {
  let known = checked.get(index)
  if (!known) checked.set(index, (known = new Map()))
  return known
}

const checkKey = (version: number, limit: number, revision: string) =>
  `${version} ${limit} ${revision}`

/** Below this many lists, starting workers (about a second) costs more than it saves. */
const POOL_MIN_QUESTIONS = 2000

/** Ranking workers for `count` lists (0: rank on this thread). */
function rankingWorkers(count: number, workers: number | undefined): number {
  return workers ?? (count >= POOL_MIN_QUESTIONS ? availableParallelism() : 0)
}

/** Workers started; undefined to rank on this thread. */
async function rankingPool(index: SimilarIndex, size: number): Promise<RankPool | undefined> {
  if (size < 1) return undefined
  try {
    return await RankPool.start(index, size)
  } catch {
    return undefined // no worker threads here: rank on this thread
  }
}

/** Brings the index's copy of `ids` up to date with the dataset (re-reading changed ones only). */
async function refresh(
  client: SanityClient,
  index: SimilarIndex,
  state: {_id: string; _rev: string}[],
  requested: string[],
): Promise<string[]> {
  const found = new Set(state.map((question) => question._id))
  const missing = requested.filter((id) => !found.has(id))
  for (const id of missing) index.remove(id)
  const outdated = state.filter((question) => index.revision(question._id) !== question._rev)
  if (outdated.length > 0) {
    for (const source of await fetchSources(
      client,
      outdated.map((question) => question._id),
    ))
      index.upsert(source)
  }
  return missing
}

type QuestionState = SimilarStateQueryResult[number]

/** What ranking a question needs: its id and the targets its list already holds or excludes. */
function rankRequest(question: QuestionState, limit: number): RankRequest {
  const exclude = listedTargets(question.similar ?? [], question.excluded)
  return {id: question._id, limit, exclude: [...exclude]}
}

/**
 * The patch that brings a question's list (`ranked` now) and fingerprint up to date; undefined
 * if they are.
 */
function listPatch(
  question: QuestionState,
  ranked: ReturnType<SimilarIndex['rank']>,
  ranker: SimilarIndex,
  computedAt: string,
): Mutation | undefined {
  const stored: SimilarEntry[] = question.similar ?? []
  const next = withComputed(stored, ranked)
  const fingerprint = ranker.inputHash(question._id)
  const sameEntries = sameList(stored, next)
  if (sameEntries && question.similarInputHash === fingerprint) return undefined
  return {
    patch: {
      id: question._id,
      ifRevisionID: question._rev,
      set: {
        ...(sameEntries ? {} : {similar: next}),
        similarInputHash: fingerprint,
        similarComputedAt: computedAt,
      },
    },
  }
}

/**
 * Commits the patches in transactions of `size`, telling `written` each one's ids and revision.
 * Returns the ids of the transactions that hit a revision conflict (and how many there were).
 */
async function writePatches(
  client: SanityClient,
  writes: {id: string; mutation: Mutation}[],
  size: number,
  written: (ids: string[], transactionId: string) => void,
): Promise<{conflicted: string[]; conflicts: number}> {
  const conflicted: string[] = []
  let conflicts = 0
  for (let i = 0; i < writes.length; i += size) {
    const chunk = writes.slice(i, i + size)
    try {
      const result = await withRetry(() =>
        client.mutate(
          chunk.map(({mutation}) => mutation),
          {returnDocuments: false, visibility: 'async'},
        ),
      )
      written(
        chunk.map(({id}) => id),
        result.transactionId,
      )
    } catch (error) {
      // Someone edited a question of this transaction since it was read: read them again.
      if (!isConflict(error)) throw error
      conflicts++
      conflicted.push(...chunk.map(({id}) => id))
    }
  }
  return {conflicted, conflicts}
}

/**
 * The index to rank against, built when none is given; the seconds building it took; and, for a
 * whole-archive run on an index built earlier, every question's revision as just read.
 */
async function rankingIndex(client: SanityClient, options: ComputeOptions, config: RankerConfig) {
  const started = performance.now()
  if (!options.index) {
    const index = await loadSimilarIndex(client, {config})
    return {index, indexSeconds: (performance.now() - started) / 1000, revisions: undefined}
  }
  // A whole-archive run on an index built earlier: rank against the archive as it is now.
  const revisions = options.ids ? undefined : await syncIndex(client, options.index)
  return {index: options.index, indexSeconds: 0, revisions}
}

/**
 * The questions to compute: those given, or every question; of a whole-archive run on a kept
 * index, only those whose list is not known right at the revision just read (`settled` counts
 * the others).
 */
async function questionsToCompute(
  client: SanityClient,
  options: ComputeOptions,
  index: SimilarIndex,
  limit: number,
  revisions: {_id: string; _rev: string}[] | undefined,
): Promise<{ids: string[]; settled: number}> {
  if (!revisions) {
    return {ids: [...new Set(options.ids ?? (await fetchQuestionIds(client)))].sort(), settled: 0}
  }
  const known = checkedOf(index)
  const ids = revisions
    .filter(({_id, _rev}) => known.get(_id) !== checkKey(index.version, limit, _rev))
    .map(({_id}) => _id)
  return {ids: ids.sort(), settled: revisions.length - ids.length}
}

type RunOptions = ComputeOptions & {limit: number; total: number; poolSize: number}

/** One run of computeSimilar: reads, ranks and writes batches of questions, and counts. */
class ListRun {
  readonly patched: string[] = []
  readonly missing: string[] = []
  unchanged = 0
  conflicts = 0
  ranked = 0
  private done = 0
  private starting: Promise<RankPool | undefined> | undefined
  private readonly known: Map<string, string>
  private readonly client: SanityClient
  private readonly ranker: SimilarIndex
  private readonly options: RunOptions

  constructor(client: SanityClient, ranker: SimilarIndex, options: RunOptions) {
    this.client = client
    this.ranker = ranker
    this.options = options
    this.known = checkedOf(ranker)
  }

  /** The lists of `questions`, ranked on the workers (started by the first batch that needs them). */
  private async rankAll(questions: QuestionState[]) {
    const {limit} = this.options
    const requests = questions.map((question) => rankRequest(question, limit))
    const pool =
      requests.length > 0
        ? await (this.starting ??= rankingPool(this.ranker, this.options.poolSize))
        : undefined
    return pool
      ? pool.rank(requests)
      : requests.map(({id, exclude}) => this.ranker.rank(id, limit, new Set(exclude)))
  }

  /** Reads, ranks and writes `batch`; returns the ids whose transaction hit a revision conflict. */
  private async pass(batch: string[]): Promise<string[]> {
    const {client, ranker, known} = this
    const {limit} = this.options
    const state = await client.fetch(similarStateQuery, {ids: batch}, PUBLISHED_ONLY)
    this.missing.push(...(await refresh(client, ranker, state, batch)))
    const toRank = state.filter(
      (question) => known.get(question._id) !== checkKey(ranker.version, limit, question._rev),
    )
    this.unchanged += state.length - toRank.length
    this.ranked += toRank.length
    // Read before ranking: a pool reloaded meanwhile ranks a later version, which only makes the
    // record below stale (ranked again next time), never wrong.
    const version = ranker.version
    const rankings = await this.rankAll(toRank)
    const computedAt = (this.options.now ?? (() => new Date()))().toISOString()
    const writes: {id: string; mutation: Mutation}[] = []
    for (const [i, question] of toRank.entries()) {
      const mutation = listPatch(question, rankings[i] ?? [], ranker, computedAt)
      if (mutation) writes.push({id: question._id, mutation})
      else {
        this.unchanged++
        known.set(question._id, checkKey(version, limit, question._rev))
      }
    }
    const size = this.options.transactionSize ?? 50
    const written = await writePatches(client, writes, size, (ids, revision) => {
      for (const id of ids) {
        ranker.setRevision(id, revision)
        known.set(id, checkKey(version, limit, revision))
      }
      this.patched.push(...ids)
    })
    this.conflicts += written.conflicts
    return written.conflicted
  }

  /** A batch until every question in it is written or known right (conflicts read again). */
  async batch(batch: string[]) {
    let pending = batch
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_CONFLICT_RETRIES)
        throw new Error(
          `Questions kept changing while their lists were written: ${pending.join(', ')}`,
        )
      const before = pending.length
      pending = await this.pass(pending)
      this.done += before - pending.length
    }
    const {total} = this.options
    this.options.onProgress?.({done: this.done, total, patched: this.patched.length})
  }

  /** Stops the workers, if any were started; returns how many ranked. */
  async close(): Promise<number> {
    const pool = await this.starting
    await pool?.close()
    return pool?.size ?? 1
  }
}

/** Writes lists for `options.ids` (default: all questions). */
export async function computeSimilar(
  client: SanityClient,
  options: ComputeOptions = {},
): Promise<ComputeReport> {
  const started = performance.now()
  const config = options.config ?? DEFAULT_RANKER
  const limit = options.limit ?? DEFAULT_COMPUTED_LIMIT
  const {index: ranker, indexSeconds, revisions} = await rankingIndex(client, options, config)
  const {ids, settled} = await questionsToCompute(client, options, ranker, limit, revisions)
  const readSize = Math.max(options.transactionSize ?? 50, options.readSize ?? 250)
  const batches: string[][] = []
  for (let i = 0; i < ids.length; i += readSize) batches.push(ids.slice(i, i + readSize))

  const poolSize = ids.length > 0 ? rankingWorkers(ids.length, options.workers) : 0
  const run = new ListRun(client, ranker, {...options, limit, total: ids.length, poolSize})
  let rankedOn = 1
  try {
    await inParallel(batches, options.concurrency ?? 2 + poolSize, (batch) => run.batch(batch))
  } finally {
    rankedOn = await run.close()
  }
  return {
    questions: ids.length + settled,
    patched: run.patched.sort(),
    unchanged: run.unchanged + settled,
    missing: run.missing.sort(),
    conflicts: run.conflicts,
    indexSeconds: Math.round(indexSeconds * 100) / 100,
    rankedOn,
    ranked: run.ranked,
    seconds: Math.round(((performance.now() - started) / 1000) * 100) / 100,
  }
}

export interface RecomputeOptions extends Omit<ComputeOptions, 'ids'> {
  /** How many of a changed question's nearest neighbours are checked (default 50). */
  fanout?: number
}

export interface RecomputeReport extends ComputeReport {
  /** The changed questions as given (draft ids mapped to published ids). */
  changed: string[]
  /** The questions recomputed: see recomputeAffected. */
  affected: string[]
}

/** Above this share of the archive changed, recomputing everything is cheaper than the search. */
const BULK_SHARE = 0.2

/**
 * Recomputes the lists that changes to `changedIds` (edited, created or deleted questions) can
 * affect, and only those. A question A is affected when
 *   1. A is one of the changed questions (its own text, tags or specialty changed);
 *   2. A's stored list references a changed question (it may have left A's top, or been deleted);
 *   3. a changed question C would now enter A's list: C scores at least A's weakest computed
 *      entry in A's ranking (or A has fewer computed entries than the limit). Candidates A are
 *      C's `fanout` nearest neighbours in C's own ranking: to enter A's top, C must share A's
 *      informative terms, and those questions are C's near neighbours too.
 * Everything else keeps its list (scores of untouched lists drift by rounding only). Returns the
 * computeSimilar report with the affected ids.
 */
export async function recomputeAffected(
  client: SanityClient,
  changedIds: string[],
  options: RecomputeOptions = {},
): Promise<RecomputeReport> {
  const started = performance.now()
  const config = options.config ?? DEFAULT_RANKER
  const limit = options.limit ?? DEFAULT_COMPUTED_LIMIT
  const changed: string[] = [...new Set(changedIds.map(getPublishedId))].sort()
  if (changed.length === 0) return nothingChanged()
  let indexSeconds = 0
  let index = options.index
  if (index) await syncChanged(client, index, changed)
  else {
    index = await loadSimilarIndex(client, {config})
    indexSeconds = (performance.now() - started) / 1000
  }
  const timing = () => ({
    indexSeconds: Math.round(indexSeconds * 100) / 100,
    seconds: Math.round(((performance.now() - started) / 1000) * 100) / 100,
  })

  if (changed.length > index.size * BULK_SHARE) {
    // Many changes: recompute every list (computeSimilar first syncs a passed-in index).
    const report = await computeSimilar(client, {...options, index, config, limit})
    return {...report, changed, affected: index.questionIds().sort(), ...timing()}
  }
  const affected = await affectedBy(client, index, changed, options.fanout ?? 50, limit)
  const report = await computeSimilar(client, {...options, ids: affected, index, config, limit})
  return {...report, changed, affected, ...timing()}
}

function nothingChanged(): RecomputeReport {
  return {
    questions: 0,
    patched: [],
    unchanged: 0,
    missing: [],
    conflicts: 0,
    rankedOn: 1,
    ranked: 0,
    indexSeconds: 0,
    seconds: 0,
    changed: [],
    affected: [],
  }
}

/** Brings the changed questions up to date in a passed-in index (new, edited or deleted). */
async function syncChanged(client: SanityClient, index: SimilarIndex, changed: string[]) {
  const current = await fetchSources(client, changed)
  const found = new Set(current.map((source) => source._id))
  for (const source of current) index.upsert(source)
  for (const id of changed) if (!found.has(id)) index.remove(id)
}

/** The questions whose lists `changed` can affect, rules 1–3 of recomputeAffected, sorted. */
async function affectedBy(
  client: SanityClient,
  index: SimilarIndex,
  changed: string[],
  fanout: number,
  limit: number,
): Promise<string[]> {
  const existing = changed.filter((id) => index.has(id))
  const set = new Set(existing)
  for (const id of await client.fetch(similarReferrersQuery, {ids: changed}, PUBLISHED_ONLY))
    set.add(id)
  // Rule 3: each changed question's near neighbours, with the changed questions that reach them.
  const candidates = new Map<string, string[]>()
  for (const id of existing) {
    for (const {_id} of index.rank(id, fanout)) {
      if (set.has(_id)) continue
      const list = candidates.get(_id) ?? []
      list.push(id)
      candidates.set(_id, list)
    }
  }
  if (candidates.size > 0) {
    const thresholds = await client.fetch(
      similarThresholdsQuery,
      {ids: [...candidates.keys()]},
      PUBLISHED_ONLY,
    )
    for (const {_id, scores} of thresholds) {
      const computed = (scores ?? []).filter((score): score is number => score !== null)
      const bar = computed.length < limit ? -Infinity : Math.min(...computed) - SCORE_TOLERANCE
      if ((candidates.get(_id) ?? []).some((c) => index.scoreFor(_id, c) >= bar)) set.add(_id)
    }
  }
  return [...set].sort()
}

/** The part of an import report (importer/run.ts ImportReport) recomputation needs. */
export interface ImportedThreads {
  threads: {outcome: string; ids: string[]}[]
}

/**
 * After an import: recomputes the lists affected by the questions it created or updated (each
 * thread's first id is its question). Unchanged, kept and failed threads change no list.
 */
export function recomputeAfterImport(
  client: SanityClient,
  report: ImportedThreads,
  options: RecomputeOptions = {},
): Promise<RecomputeReport> {
  const ids = report.threads.flatMap((thread) =>
    (thread.outcome === 'created' || thread.outcome === 'updated') && thread.ids[0]
      ? [thread.ids[0]]
      : [],
  )
  return recomputeAffected(client, ids, options)
}
