import type {SanityClient} from '@sanity/client'
import type {Transaction} from '../lake/dataset.ts'
import type {LakeDocument} from '../lake/documentIndex.ts'
import {computeSimilar, type RecomputeReport, recomputeAffected} from './compute.ts'
import {DEFAULT_RANKER, type RankerConfig} from './config.ts'
import {loadSimilarIndex} from './load.ts'
import type {SimilarIndex} from './ranker.ts'

// Keeping lists fresh after edits made through the embedded lake (Studio, scripts): a post-commit
// subscriber on the dataset's storage collects the questions whose ranking inputs changed and,
// after a quiet period, recomputes the affected lists through the client. On the hosted platform a
// Sanity Function on publish plays this role (same call: recomputeAffected with the document id).
//
// Guarded against re-triggering itself: the engine's own writes change only computed entries and
// the fingerprint fields, and such changes are ignored. A change to an editor's entries (curated
// or imported) or exclusions recomputes that question only (its computed entries must not repeat
// them, and an excluded thread leaves a gap the next best fills).

export interface FreshnessOptions {
  /** The dataset's storage (`await lake.storage(dataset)`): anything with `subscribe`. */
  storage: {subscribe(listener: (transaction: Transaction) => void): () => void}
  /** A client with write access to the same dataset. */
  client: SanityClient
  /** Quiet period before recomputing (default 500 ms). */
  debounceMs?: number
  limit?: number
  config?: RankerConfig
  onRecompute?: (report: RecomputeReport) => void
  onError?: (error: unknown) => void
}

export interface Freshness {
  /** Recomputes what is pending now and resolves when no work is left. */
  flush(): Promise<void>
  /** Unsubscribes, then finishes the work in flight. */
  stop(): Promise<void>
}

function inputs(document: LakeDocument): string {
  const {title, shortTitle, body, specialty, tags} = document
  return JSON.stringify([title, shortTitle, body, specialty, tags])
}

/** What editors decide on a list: the entries they keep (curated, imported) and exclusions. */
function editorEntries(document: LakeDocument): string {
  const similar = Array.isArray(document.similar) ? document.similar : []
  return JSON.stringify([
    similar.filter(
      (entry: unknown) =>
        !(
          typeof entry === 'object' &&
          entry !== null &&
          Reflect.get(entry, 'provenance') === 'computed'
        ),
    ),
    document.similarExcluded ?? null,
  ])
}

/** How a committed change to a question affects similar lists. */
export function classifyChange(
  before: LakeDocument | null,
  after: LakeDocument | null,
): 'inputs' | 'entries' | 'none' {
  const document = after ?? before
  if (!document || document._type !== 'question') return 'none'
  const id = document._id
  if (id.startsWith('drafts.') || id.startsWith('versions.')) return 'none'
  if (!before || !after) return 'inputs'
  if (inputs(before) !== inputs(after)) return 'inputs'
  if (editorEntries(before) !== editorEntries(after)) return 'entries'
  return 'none' // workflow, reply count, asker…: not ranking inputs
}

export function keepSimilarFresh(options: FreshnessOptions): Freshness {
  const debounceMs = options.debounceMs ?? 500
  const config = options.config ?? DEFAULT_RANKER
  const changed = new Set<string>()
  const entriesOnly = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  let index: SimilarIndex | undefined

  const run = async () => {
    while (changed.size > 0 || entriesOnly.size > 0) {
      const ids = [...changed]
      const own = [...entriesOnly].filter((id) => !changed.has(id))
      changed.clear()
      entriesOnly.clear()
      try {
        index ??= await loadSimilarIndex(options.client, {config})
        const common = {index, config, ...(options.limit ? {limit: options.limit} : {})}
        if (ids.length > 0) {
          const report = await recomputeAffected(options.client, ids, common)
          options.onRecompute?.(report)
        }
        if (own.length > 0) await computeSimilar(options.client, {...common, ids: own})
      } catch (error) {
        index = undefined // rebuilt from the dataset on the next run
        options.onError?.(error)
      }
    }
  }

  const start = () => {
    timer = undefined
    running ??= run().finally(() => {
      running = undefined
      if (changed.size > 0 || entriesOnly.size > 0) schedule()
    })
  }

  const schedule = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(start, debounceMs)
  }

  const unsubscribe = options.storage.subscribe((transaction) => {
    let any = false
    for (const change of transaction.changes) {
      const kind = classifyChange(change.before, change.after)
      if (kind === 'none') continue
      const id = (change.after ?? change.before)?._id
      if (!id) continue
      if (kind === 'inputs') changed.add(id)
      else entriesOnly.add(id)
      any = true
    }
    if (any) schedule()
  })

  const flush = async () => {
    while (timer || running || changed.size > 0 || entriesOnly.size > 0) {
      if (timer) clearTimeout(timer)
      start()
      await running
    }
  }

  return {
    flush,
    async stop() {
      unsubscribe()
      if (timer) clearTimeout(timer)
      timer = undefined
      if (running) await running
    },
  }
}
