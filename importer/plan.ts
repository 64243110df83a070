import {getDraftId} from '@sanity/client/csm'
import type {Mutation} from '@sanity/client'
import {mergeFlags} from '../domain/quality/flags.ts'
import {mergeImportedSimilar} from '../similar/entries.ts'
import type {DoctorDocument, MappedThread, QuestionDocument, ReplyDocument} from './mapping.ts'
import {type ReportedFlag, reportedFlags} from './quality.ts'
import type {Outcome, ThreadReport} from './run.ts'
import type {ExistingDocument} from './target.ts'
import {importedContentHashes} from '../domain/contentHash.ts'
import {canonicalJson} from '../domain/hash.ts'

// What to write for a thread, given what the dataset holds now. Pure functions of the mapped
// thread and the stored documents, so a transaction that lost a race with another writer is
// planned again from a fresh read: an editor's change since then still wins.

function sourceHash(document: ExistingDocument | undefined): string | undefined {
  return document?._type === 'question' || document?._type === 'reply'
    ? document.source?.contentHash
    : undefined
}

/** A document as this import leaves it: a question keeps its editors' and engine's entries. */
function afterImport<T extends QuestionDocument | ReplyDocument>(
  next: T,
  stored: ExistingDocument,
): T {
  if (next._type !== 'question' || stored._type !== 'question') return next
  // The similar-thread engine's own rule: curated first, then imported, then computed.
  return {
    ...next,
    similar: mergeImportedSimilar(next.similar ?? [], stored.similar, stored.similarExcluded),
  }
}

/** Hashes of the imported fields of `after` as stored next to `stored`'s exclusions. */
function hashesAfter(after: QuestionDocument | ReplyDocument, stored: ExistingDocument) {
  const excluded = stored._type === 'question' ? stored.similarExcluded : undefined
  return importedContentHashes(excluded ? {...after, similarExcluded: excluded} : after)
}

type Decision =
  | {kind: 'create'}
  | {
      kind: 'update' | 'unchanged'
      existing: ExistingDocument
      after: QuestionDocument | ReplyDocument
      hash: string | undefined
    }
  | {kind: 'kept'; reason: string}

/**
 * Hashes say whether an editor changed the imported fields since (then the document is kept) and
 * whether the source changed them (then it is updated). Editors' similar-thread pins and
 * exclusions are neither: they are merged in and outside the hash (importer/mapping.ts).
 */
function decide(
  next: QuestionDocument | ReplyDocument,
  existing: Map<string, ExistingDocument>,
): Decision {
  const stored = existing.get(next._id)
  if (existing.has(getDraftId(next._id)))
    return {kind: 'kept', reason: 'kept: an editor has an unpublished draft'}
  if (!stored) return {kind: 'create'}
  const written = sourceHash(stored)
  if (!written || !importedContentHashes(stored).includes(written))
    return {kind: 'kept', reason: 'kept: edited since import'}
  const after = afterImport(next, stored)
  const hashes = hashesAfter(after, stored)
  const kind = hashes.includes(written) ? 'unchanged' : 'update'
  return {kind, existing: stored, after, hash: hashes[0]}
}

function storedSimilar(document: ExistingDocument) {
  return document._type === 'question' ? document.similar : undefined
}

function storedQuality(document: ExistingDocument | undefined) {
  return document?._type === 'question' || document?._type === 'reply'
    ? document.quality
    : undefined
}

/** The flags a document carries after this import: kept dismissed, refreshed, cleared. */
function flagsAfter(next: QuestionDocument | ReplyDocument, existing?: ExistingDocument) {
  return mergeFlags(next.quality ?? [], storedQuality(existing))
}

/**
 * Flags and question key: derived from the content but outside its hash (dismissing a flag is
 * no edit), so they are brought up to date whether or not the content changed.
 */
function derivedChanges(next: QuestionDocument | ReplyDocument, existing: ExistingDocument) {
  const set: Record<string, unknown> = {}
  const unset: string[] = []
  const flags = flagsAfter(next, existing)
  if (canonicalJson(flags) !== canonicalJson(storedQuality(existing) ?? [])) {
    if (flags.length > 0) set.quality = flags
    else unset.push('quality')
  }
  const storedKey = existing._type === 'question' ? existing.questionKey : undefined
  const nextKey = next._type === 'question' ? next.questionKey : undefined
  if (next._type === 'question' && nextKey !== storedKey) {
    if (nextKey) set.questionKey = nextKey
    else unset.push('questionKey')
  }
  return {set, unset}
}

function patchOf(id: string, rev: string, set: Record<string, unknown>, unset: string[]) {
  return {
    patch: {
      id,
      ifRevisionID: rev,
      ...(Object.keys(set).length > 0 ? {set} : {}),
      ...(unset.length > 0 ? {unset} : {}),
    },
  }
}

/** Source changed: the new content, the hash of the document as this import leaves it. */
function updateMutation(
  after: QuestionDocument | ReplyDocument,
  existing: ExistingDocument,
  hash: string | undefined,
): Mutation {
  const {_id, _type, status: _status, quality: _quality, ...content} = after
  const derived = derivedChanges(after, existing)
  const source = {...after.source, contentHash: hash}
  const set: Record<string, unknown> = {...content, source, ...derived.set}
  // The count follows the dataset's replies, editors' included (counts/), not the source's.
  if (after._type === 'question') delete set.replyCount
  return patchOf(_id, existing._rev, set, derived.unset)
}

/**
 * Content unchanged, but flags, the question key, links to new questions or a hash written by
 * an earlier version may have changed.
 */
function refreshMutation(
  after: QuestionDocument | ReplyDocument,
  existing: ExistingDocument,
  hash: string | undefined,
): Mutation | undefined {
  const {set, unset} = derivedChanges(after, existing)
  if (after._type === 'question') {
    const stored = storedSimilar(existing)
    if (JSON.stringify(after.similar ?? []) !== JSON.stringify(stored ?? []))
      set.similar = after.similar
  }
  if (hash && hash !== sourceHash(existing)) set['source.contentHash'] = hash
  if (Object.keys(set).length === 0 && unset.length === 0) return undefined
  return patchOf(after._id, existing._rev, set, unset)
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

interface PlannedThread {
  report: ThreadReport
  mutations: Mutation[]
  mapped: MappedThread
}

/** The mutations for one thread and the outcome they mean, from the stored documents. */
export function planThread(
  thread: MappedThread,
  source: string,
  existing: Map<string, ExistingDocument>,
): PlannedThread {
  const mutations: Mutation[] = []
  const outcomes: Outcome[] = []
  const reasons: string[] = []
  const flags: ReportedFlag[] = []
  for (const document of [thread.question, ...thread.replies]) {
    const decision = decide(document, existing)
    if (decision.kind === 'create') mutations.push({createIfNotExists: document})
    if (decision.kind === 'update')
      mutations.push(updateMutation(decision.after, decision.existing, decision.hash))
    if (decision.kind === 'kept') reasons.push(decision.reason)
    if (decision.kind === 'unchanged') {
      const refresh = refreshMutation(decision.after, decision.existing, decision.hash)
      if (refresh) mutations.push(refresh)
    }
    if (decision.kind !== 'kept') {
      const stored = decision.kind === 'create' ? undefined : decision.existing
      flags.push(...reportedFlags(document._id, flagsAfter(document, stored)))
    }
    const done: Record<Decision['kind'], Outcome> = {
      create: 'created',
      update: 'updated',
      unchanged: 'unchanged',
      kept: 'kept',
    }
    outcomes.push(done[decision.kind])
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
      ...(flags.length > 0 ? {flags} : {}),
    },
  }
}

/** The ids a thread's plan reads: its documents, their drafts, its doctors. */
export function documentIds(threads: readonly MappedThread[]): string[] {
  const ids = threads.flatMap((thread) => [
    thread.question._id,
    getDraftId(thread.question._id),
    ...thread.replies.flatMap((reply) => [reply._id, getDraftId(reply._id)]),
    ...thread.doctors.map((doctor) => doctor._id),
  ])
  return [...new Set(ids)]
}

/** Threads written in one transaction, and the doctors that transaction writes. */
export interface Batch {
  threads: PlannedThread[]
  doctors: DoctorDocument[]
}

/**
 * Threads in transactions of `size`. Each doctor is written by one transaction of the chunk,
 * with every spelling the chunk saw, so concurrent transactions never add the same alias twice.
 */
export function toBatches(planned: readonly PlannedThread[], size: number): Batch[] {
  const doctors = mergeDoctors(planned.flatMap(({mapped}) => mapped.doctors))
  const batches: Batch[] = []
  for (let i = 0; i < planned.length; i += size) {
    const threads = planned.slice(i, i + size)
    const written = threads.filter(({mutations}) => mutations.length > 0)
    const mine = written.flatMap(({mapped}) => mapped.doctors).map(({_id}) => doctors.get(_id))
    const batchDoctors = [...new Set(mine)].filter((doctor) => doctor !== undefined)
    for (const doctor of batchDoctors) doctors.delete(doctor._id)
    batches.push({threads, doctors: batchDoctors})
  }
  return batches
}

/** The transaction for a batch: the shared documents its threads need, then the threads. */
export function batchMutations(batch: Batch, existing: Map<string, ExistingDocument>): Mutation[] {
  const shared = new Map<string, Mutation[]>()
  for (const {mapped, mutations} of batch.threads) {
    if (mutations.length === 0) continue
    for (const doc of [...mapped.specialties, ...mapped.tags])
      shared.set(doc._id, [{createIfNotExists: doc}])
  }
  for (const doctor of batch.doctors)
    shared.set(doctor._id, doctorMutations(doctor, existing.get(doctor._id)))
  return [...[...shared.values()].flat(), ...batch.threads.flatMap((thread) => thread.mutations)]
}
