import type {Mutation} from '@sanity/client'
import {
  type DoctorDocument,
  importedQuestionContent,
  importedReplyContent,
  mapThread,
  type MappedThread,
  type PrivacyCounts,
  type QuestionDocument,
  type ReplyDocument,
} from './mapping.ts'
import {stableHash} from './normalize.ts'
import type {ParseResult, RecordOrigin} from './record.ts'
import type {ExistingDocument, ImportTarget} from './target.ts'
import {mergeImportedSimilar} from '../queries/similar/entries.ts'

// The import pipeline: records in, documents out, in chunks so 100,000-thread archives stream.
// Per chunk: map, resolve similar titles, read what exists, decide per document, then write
// whole threads in bounded transactions (a thread is never half-written) with bounded concurrency.

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
  resolvedSimilar: number
  seconds: number
  threadsPerSecond: number
}

export interface ImportReport {
  summary: ImportSummary
  threads: ThreadReport[]
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
  signal?: AbortSignal
}

type SimilarEntry = NonNullable<QuestionDocument['similar']>[number]

export function describeOrigin(origin: RecordOrigin): string {
  return origin.line === undefined ? origin.file : `${origin.file}:${origin.line}`
}

/** Hash of a stored document's imported fields, to compare with the hash written at import. */
function currentHash(document: ExistingDocument): string | undefined {
  if (document._type === 'question') return stableHash(importedQuestionContent(document))
  if (document._type === 'reply') return stableHash(importedReplyContent(document))
  return undefined
}

function sourceHash(document: ExistingDocument | undefined): string | undefined {
  return document?._type === 'question' || document?._type === 'reply'
    ? document.source?.contentHash
    : undefined
}

type Decision =
  | {kind: 'create'}
  | {kind: 'update'; existing: ExistingDocument}
  | {kind: 'unchanged'; existing: ExistingDocument}
  | {kind: 'kept'; reason: string}

function decide(
  next: QuestionDocument | ReplyDocument,
  existing: Map<string, ExistingDocument>,
): Decision {
  const stored = existing.get(next._id)
  if (existing.has(`drafts.${next._id}`))
    return {kind: 'kept', reason: 'kept: an editor has an unpublished draft'}
  if (!stored) return {kind: 'create'}
  if (currentHash(stored) !== sourceHash(stored))
    return {kind: 'kept', reason: 'kept: edited since import'}
  if (sourceHash(stored) === next.source?.contentHash) return {kind: 'unchanged', existing: stored}
  return {kind: 'update', existing: stored}
}

/** Imported entries (re-resolved) first, then the entries editors or the ranker added. */
function mergeSimilar(
  imported: SimilarEntry[],
  stored: SimilarEntry[] | undefined,
): SimilarEntry[] {
  // The similar-thread engine's own rule: curated first, then imported, then computed.
  return mergeImportedSimilar(imported, stored)
}

function storedSimilar(document: ExistingDocument): SimilarEntry[] | undefined {
  return document._type === 'question' ? document.similar : undefined
}

function updateMutation(
  next: QuestionDocument | ReplyDocument,
  existing: ExistingDocument,
): Mutation {
  const {_id, _type, status: _status, ...fields} = next
  const set: Record<string, unknown> = {...fields}
  if (next._type === 'question')
    set.similar = mergeSimilar(next.similar ?? [], storedSimilar(existing))
  return {patch: {id: _id, ifRevisionID: existing._rev, set}}
}

function doctorMutations(
  doctor: DoctorDocument,
  existing: ExistingDocument | undefined,
): Mutation[] {
  if (!existing || existing._type !== 'doctor') return [{createIfNotExists: doctor}]
  const aliases = new Set(existing.aliases ?? [])
  const names = [doctor.name, ...(doctor.aliases ?? [])].filter(
    (name): name is string =>
      typeof name === 'string' && name !== existing.name && !aliases.has(name),
  )
  const specialties = new Set((existing.specialties ?? []).map((s) => s._ref))
  const newSpecialties = (doctor.specialties ?? []).filter((s) => !specialties.has(s._ref))
  if (names.length === 0 && newSpecialties.length === 0) return []
  return [
    {
      patch: {
        id: doctor._id,
        setIfMissing: {aliases: [], specialties: []},
        insert: {after: 'aliases[-1]', items: names},
      },
    },
    ...(newSpecialties.length > 0
      ? [{patch: {id: doctor._id, insert: {after: 'specialties[-1]', items: newSpecialties}}}]
      : []),
  ]
}

/** One document per doctor id with every spelling and specialty seen (the first name wins). */
function mergeDoctors(doctors: DoctorDocument[]): Map<string, DoctorDocument> {
  const merged = new Map<string, DoctorDocument>()
  for (const doctor of doctors) {
    const known = merged.get(doctor._id)
    if (!known) {
      merged.set(doctor._id, {...doctor})
      continue
    }
    const names = [doctor.name, ...(doctor.aliases ?? [])].filter(
      (name): name is string => !!name && name !== known.name && !known.aliases?.includes(name),
    )
    const refs = new Set(known.specialties?.map((s) => s._ref))
    known.aliases = [...(known.aliases ?? []), ...new Set(names)]
    known.specialties = [
      ...(known.specialties ?? []),
      ...(doctor.specialties ?? []).filter((s) => !refs.has(s._ref)),
    ]
  }
  return merged
}

async function inBatches<T>(
  items: T[],
  size: number,
  concurrency: number,
  work: (batch: T[]) => Promise<void>,
) {
  const batches: T[][] = []
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size))
  let next = 0
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]
      if (batch) await work(batch)
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, batches.length)}, worker))
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

interface PlannedThread {
  report: ThreadReport
  mutations: Mutation[]
  mapped: MappedThread
}

export async function runImport(
  records: AsyncIterable<ParseResult>,
  target: ImportTarget,
  options: PipelineOptions = {},
): Promise<ImportReport> {
  const started = performance.now()
  const now = options.now ?? (() => new Date())
  const importedAt = now().toISOString()
  const chunkSize = options.chunkSize ?? 500
  const reports: ThreadReport[] = []
  const privacy: PrivacyCounts = {emails: 0, phones: 0, names: 0}
  /** titleKey → question id, for every question this run has seen. */
  const knownTitles = new Map<string, string>()
  const seenIdentities = new Map<string, SeenThread>()
  let read = 0
  let written = 0
  let failed = 0
  let resolvedSimilar = 0
  const progress = () => options.onProgress?.({read, written, failed})

  async function processChunk(chunk: ParseResult[]) {
    const mapped: {thread: MappedThread; source: string}[] = []
    for (const result of chunk) {
      if (!result.ok) {
        const outcome = result.failure.skipped ? 'skipped' : 'failed'
        const {origin, reason} = result.failure
        reports.push({source: describeOrigin(origin), outcome, ids: [], reason})
        if (outcome === 'failed') failed++
        continue
      }
      const source = result.record.url ?? describeOrigin(result.record.origin)
      try {
        const thread = mapThread(result.record, {
          keepAskerNames: options.keepAskerNames ?? false,
          importedAt,
        })
        const earlier = seenIdentities.get(thread.identity)
        if (earlier) {
          reports.push(duplicateReport(thread, source, earlier))
          continue
        }
        seenIdentities.set(thread.identity, {source, hash: threadHash(thread)})
        if (thread.question.titleKey) knownTitles.set(thread.question.titleKey, thread.question._id)
        mapped.push({thread, source})
      } catch (error) {
        reports.push({
          source,
          outcome: 'failed',
          ids: [],
          reason: error instanceof Error ? error.message : String(error),
        })
        failed++
      }
    }

    // Resolve "Similar Q&A" titles against this run and the dataset.
    const wanted = new Set(
      mapped.flatMap(({thread}) => (thread.question.similar ?? []).map((e) => e.titleKey ?? '')),
    )
    const unknown = [...wanted].filter((key) => key && !knownTitles.has(key))
    for (const {_id, titleKey} of await target.questionsByTitleKey(unknown))
      if (titleKey) knownTitles.set(titleKey, _id)
    for (const {thread} of mapped) {
      thread.question.similar = (thread.question.similar ?? []).map((entry) => {
        const id = entry.titleKey ? knownTitles.get(entry.titleKey) : undefined
        return id && id !== thread.question._id
          ? {...entry, question: {_type: 'reference', _ref: id, _weak: true}}
          : entry
      })
    }

    const ids = mapped.flatMap(({thread}) => [
      thread.question._id,
      `drafts.${thread.question._id}`,
      ...thread.replies.flatMap((reply) => [reply._id, `drafts.${reply._id}`]),
      ...thread.doctors.map((doctor) => doctor._id),
    ])
    const existing = await target.fetchDocuments([...new Set(ids)])

    const planned: PlannedThread[] = mapped.map(({thread, source}) => {
      const mutations: Mutation[] = []
      const outcomes: Outcome[] = []
      const reasons: string[] = []
      for (const document of [thread.question, ...thread.replies]) {
        const decision = decide(document, existing)
        if (decision.kind === 'create') mutations.push({createIfNotExists: document})
        if (decision.kind === 'update') mutations.push(updateMutation(document, decision.existing))
        if (decision.kind === 'kept') reasons.push(decision.reason)
        if (decision.kind === 'unchanged' && document._type === 'question') {
          // Content unchanged, but links to newly imported questions may have appeared.
          const stored = JSON.stringify(storedSimilar(decision.existing) ?? [])
          const merged = mergeSimilar(
            thread.question.similar ?? [],
            storedSimilar(decision.existing),
          )
          if (JSON.stringify(merged) !== stored) {
            mutations.push({
              patch: {
                id: document._id,
                ifRevisionID: decision.existing._rev,
                set: {similar: merged},
              },
            })
          }
        }
        outcomes.push(
          decision.kind === 'create'
            ? 'created'
            : decision.kind === 'update'
              ? 'updated'
              : decision.kind,
        )
      }
      const outcome: Outcome = outcomes.includes('kept')
        ? 'kept'
        : outcomes[0] === 'created'
          ? 'created'
          : outcomes.some((o) => o === 'created' || o === 'updated')
            ? 'updated'
            : 'unchanged'
      return {
        mapped: thread,
        mutations,
        report: {
          source,
          title: thread.question.title,
          outcome,
          ids: [thread.question._id, ...thread.replies.map((reply) => reply._id)],
          ...(reasons.length > 0 ? {reason: [...new Set(reasons)].join('; ')} : {}),
        },
      }
    })

    const chunkDoctors = mergeDoctors(planned.flatMap(({mapped: thread}) => thread.doctors))
    await inBatches(
      planned,
      options.transactionSize ?? 50,
      options.concurrency ?? 3,
      async (batch) => {
        if (options.signal?.aborted) {
          for (const thread of batch)
            reports.push({
              ...thread.report,
              outcome: 'failed',
              reason: 'interrupted before writing',
            })
          failed += batch.length
          return
        }
        const shared = new Map<string, Mutation[]>()
        for (const {mapped: thread, mutations} of batch) {
          if (mutations.length === 0) continue
          for (const doc of [...thread.specialties, ...thread.tags])
            shared.set(doc._id, [{createIfNotExists: doc}])
          for (const doctor of thread.doctors) {
            // Each doctor is written by one transaction per chunk, with every spelling the chunk saw,
            // so concurrent transactions never add the same alias twice.
            const merged = chunkDoctors.get(doctor._id)
            if (!merged) continue
            chunkDoctors.delete(doctor._id)
            shared.set(doctor._id, doctorMutations(merged, existing.get(doctor._id)))
          }
        }
        const mutations = [
          ...[...shared.values()].flat(),
          ...batch.flatMap((thread) => thread.mutations),
        ]
        try {
          await target.commit(mutations)
          for (const thread of batch) reports.push(thread.report)
          written += batch.length
        } catch (error) {
          const reason = `write failed: ${error instanceof Error ? error.message : String(error)}`
          for (const thread of batch) reports.push({...thread.report, outcome: 'failed', reason})
          failed += batch.length
        }
        progress()
      },
    )
    for (const {mapped: thread, mutations} of planned) {
      if (mutations.length === 0) continue // nothing written, nothing masked in the dataset
      privacy.emails += thread.privacy.emails
      privacy.phones += thread.privacy.phones
      privacy.names += thread.privacy.names
    }
  }

  let chunk: ParseResult[] = []
  for await (const result of records) {
    if (options.signal?.aborted) break
    chunk.push(result)
    if (result.ok || !result.failure.skipped) read++
    if (chunk.length >= chunkSize) {
      await processChunk(chunk)
      chunk = []
      progress()
    }
  }
  if (chunk.length > 0) await processChunk(chunk)
  progress()

  // Questions imported earlier may list this run's questions as unresolved similar titles.
  if (!options.signal?.aborted && knownTitles.size > 0) {
    const mutations: Mutation[] = []
    for (const question of await target.questionsWithUnresolved()) {
      const set: Record<string, unknown> = {}
      for (const entry of question.unresolved ?? []) {
        const id = entry.titleKey ? knownTitles.get(entry.titleKey) : undefined
        if (id && id !== question._id) {
          set[`similar[_key=="${entry._key}"].question`] = {
            _type: 'reference',
            _ref: id,
            _weak: true,
          }
          resolvedSimilar++
        }
      }
      if (Object.keys(set).length > 0)
        mutations.push({patch: {id: question._id, ifRevisionID: question._rev, set}})
    }
    await inBatches(mutations, 100, options.concurrency ?? 3, (batch) => target.commit(batch))
  }

  const seconds = (performance.now() - started) / 1000
  const count = (outcome: Outcome) => reports.filter((report) => report.outcome === outcome).length
  return {
    summary: {
      read,
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      kept: count('kept'),
      failed: count('failed'),
      collisions: count('collision'),
      skipped: count('skipped'),
      privacy,
      resolvedSimilar,
      seconds: Math.round(seconds * 100) / 100,
      threadsPerSecond: Math.round(read / Math.max(seconds, 0.001)),
    },
    threads: reports,
  }
}
