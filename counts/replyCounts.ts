import {randomUUID} from 'node:crypto'
import type {SanityClient} from '@sanity/client'
import {getDraftId, getPublishedId, isDraftId, isVersionId} from '@sanity/client/csm'
import {defineQuery} from 'groq'
import {backoff, isConflict} from '../domain/requests.ts'
import type {Transaction} from '../lake/dataset.ts'
import type {LakeDocument} from '../lake/documentIndex.ts'
import {listedReplyCount, listedReplyFilter} from '../queries/fragments.ts'

// Every reader derives a question's reply count in GROQ (queries/fragments.ts). The Studio's lists
// cannot: a document preview shows stored fields only (`preview.select` reads paths, `prepare`
// is synchronous). So questions keep a stored copy, `replyCount`, for the Studio, and this module
// keeps it equal to the derived count: after every import (importer), on every commit to the
// embedded lake (a post-commit subscriber, what a Sanity Function on reply changes does on the
// hosted platform), and for the whole dataset when `npm start` opens it (writes made while no
// subscriber ran). Drafts of a question get the count too, so a list showing the draft shows it,
// and publishing the draft keeps it.

// Drafts are looked up by id in a second list: a per-row `*[_id == "drafts." + ^._id]` would
// scan the dataset for every question. The whole-dataset pass counts the listed replies' questions
// itself: two scans instead of a lookup per question (seconds less at 100k threads).
const STORED = /* groq */ `{_id, _rev, "stored": replyCount}`

/** Stored and derived counts of the questions `$ids` (published ids) and their drafts. */
const replyCountsOfQuery = defineQuery(`{
  "published": *[_type == "question" && _id in $ids]{
    _id, _rev, "stored": replyCount, "derived": ${listedReplyCount}
  },
  "drafts": *[_type == "question" && _id in $draftIds]${STORED}
}`)

/** Stored counts of every question and draft, and the question of every listed reply. */
const replyCountsQuery = defineQuery(`{
  "published": *[
    _type == "question" && !(_id in path("drafts.**")) && !(_id in path("versions.**"))
  ]${STORED},
  "drafts": *[_type == "question" && _id in path("drafts.**")]${STORED},
  "replies": *[${listedReplyFilter}].question._ref
}`)

interface Counts {
  /** Published questions and their drafts, with their stored counts. */
  versions: {_id: string; _rev: string; stored: number | null}[]
  /** Derived count by published question id (absent: none). */
  derived: Map<string, number>
}

export interface SyncReport {
  /** Questions and drafts looked at. */
  checked: number
  /** Documents (published or draft) whose stored count was corrected. */
  corrected: number
  /** Questions that kept changing while being corrected: the next change (or run) does it. */
  conflicts: number
}

const PATCHES_PER_TRANSACTION = 100
/** Questions whose counts one query reads (see countsOf). */
const IDS_PER_QUERY = 1000
/** The sync's own transactions: the keeper need not check what they wrote. */
const OWN_TRANSACTION_PREFIX = 'reply-counts-'
/** Passes over questions that changed while being corrected (an editor typing in a draft). */
const CONFLICT_ATTEMPTS = 4
const CONFLICT_BACKOFF_MS = 50

interface CountPatch {
  /** The published id of the question. */
  question: string
  id: string
  rev: string
  count: number
}

function patchesFor({versions, derived}: Counts): CountPatch[] {
  const patches: CountPatch[] = []
  for (const version of versions) {
    const question = getPublishedId(version._id)
    // A draft of a question never published has no replies: they point at published questions.
    const count = derived.get(question) ?? 0
    if ((version.stored ?? 0) !== count)
      patches.push({question, id: version._id, rev: version._rev, count})
  }
  return patches
}

async function countsOf(
  client: SanityClient,
  ids: readonly string[] | undefined,
  idsPerQuery: number,
): Promise<Counts> {
  if (ids === undefined) {
    const all = await client.fetch(replyCountsQuery)
    const derived = new Map<string, number>()
    for (const question of all.replies)
      if (question) derived.set(question, (derived.get(question) ?? 0) + 1)
    return {versions: [...all.published, ...all.drafts], derived}
  }
  const published = [...new Set(ids.map(getPublishedId))]
  const counts: Counts = {versions: [], derived: new Map()}
  // A page of questions per query: each one's replies are counted by a subquery, and an import
  // of 70,000 threads asked for all of them at once ran past the lake's 5-second query limit.
  for (let i = 0; i < published.length; i += idsPerQuery) {
    const page = published.slice(i, i + idsPerQuery)
    const some = await client.fetch(replyCountsOfQuery, {ids: page, draftIds: page.map(getDraftId)})
    counts.versions.push(...some.published, ...some.drafts)
    for (const question of some.published) counts.derived.set(question._id, question.derived)
  }
  return counts
}

/** Commits the patches; returns the questions whose transaction lost a race. */
async function commitPatches(client: SanityClient, patches: readonly CountPatch[]) {
  const conflicted: string[] = []
  for (let i = 0; i < patches.length; i += PATCHES_PER_TRANSACTION) {
    const batch = patches.slice(i, i + PATCHES_PER_TRANSACTION)
    const transaction = client.transaction()
    for (const {id, rev, count} of batch)
      transaction.patch(id, (patch) => patch.ifRevisionId(rev).set({replyCount: count}))
    try {
      await transaction.commit({
        visibility: 'async',
        transactionId: `${OWN_TRANSACTION_PREFIX}${randomUUID()}`,
      })
    } catch (error) {
      if (!isConflict(error)) throw error
      conflicted.push(...batch.map((patch) => patch.question))
    }
  }
  return conflicted
}

/**
 * Brings the stored `replyCount` of questions (all, or the published ids given) and their drafts
 * in line with the derived count. Each patch carries the revision it was computed from: a
 * question edited meanwhile is read again and corrected in another pass, never overwritten.
 */
export async function syncReplyCounts(
  client: SanityClient,
  ids?: readonly string[],
  {idsPerQuery = IDS_PER_QUERY}: {idsPerQuery?: number} = {},
): Promise<SyncReport> {
  const raw = client.withConfig({perspective: 'raw'})
  const report: SyncReport = {checked: 0, corrected: 0, conflicts: 0}
  let pending = ids
  for (let attempt = 1; ; attempt++) {
    const counts = await countsOf(raw, pending, idsPerQuery)
    if (attempt === 1) report.checked = counts.versions.length
    const patches = patchesFor(counts)
    const conflicted = await commitPatches(raw, patches)
    const lost = new Set(conflicted)
    report.corrected += patches.filter((patch) => !lost.has(patch.question)).length
    if (conflicted.length === 0) return report
    if (attempt === CONFLICT_ATTEMPTS) {
      report.conflicts = lost.size
      return report
    }
    pending = conflicted
    await backoff(attempt, CONFLICT_BACKOFF_MS)
  }
}

function referencedQuestion(document: LakeDocument | null): string | undefined {
  const question = document?.question
  if (typeof question !== 'object' || question === null) return undefined
  const ref: unknown = Reflect.get(question, '_ref')
  return typeof ref === 'string' ? ref : undefined
}

/**
 * The questions whose stored count a committed change may have made wrong: the questions a
 * published reply pointed at before and after, and a question that appeared (created, published)
 * or whose stored count changed (a stale draft published, or a count written through the API).
 */
function questionsAffected(transaction: Pick<Transaction, 'changes'>): string[] {
  const affected = new Set<string>()
  for (const {before, after} of transaction.changes) {
    const document = after ?? before
    if (!document || isVersionId(document._id)) continue
    if (document._type === 'reply' && !isDraftId(document._id)) {
      for (const id of [referencedQuestion(before), referencedQuestion(after)])
        if (id) affected.add(id)
    } else if (document._type === 'question' && after) {
      if (!before || before.replyCount !== after.replyCount)
        affected.add(getPublishedId(document._id))
    }
  }
  return [...affected]
}

export interface ReplyCountKeeperOptions {
  /** The dataset's storage (`await lake.storage(dataset)`): anything with `subscribe`. */
  storage: {subscribe(listener: (transaction: Transaction) => void): () => void}
  /** A client with write access to the same dataset. */
  client: SanityClient
  /** Quiet period before correcting (default 300 ms). */
  debounceMs?: number
  onSync?: (report: SyncReport) => void
  onError?: (error: unknown) => void
}

export interface ReplyCountKeeper {
  /** Corrects what is pending now and resolves when no work is left. */
  flush(): Promise<void>
  /** Unsubscribes, then finishes the work in flight. */
  stop(): Promise<void>
}

/** Keeps stored reply counts right after every commit to the embedded lake. */
export function keepReplyCountsRight(options: ReplyCountKeeperOptions): ReplyCountKeeper {
  const debounceMs = options.debounceMs ?? 300
  const pending = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined

  const run = async () => {
    while (pending.size > 0) {
      const ids = [...pending]
      pending.clear()
      try {
        const report = await syncReplyCounts(options.client, ids)
        options.onSync?.(report)
      } catch (error) {
        options.onError?.(error)
      }
    }
  }
  const start = () => {
    timer = undefined
    running ??= run().finally(() => {
      running = undefined
      if (pending.size > 0) schedule()
    })
  }
  const schedule = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(start, debounceMs)
  }
  const unsubscribe = options.storage.subscribe((transaction) => {
    if (transaction.id.startsWith(OWN_TRANSACTION_PREFIX)) return
    const affected = questionsAffected(transaction)
    for (const id of affected) pending.add(id)
    if (affected.length > 0) schedule()
  })

  return {
    async flush() {
      while (timer || running || pending.size > 0) {
        if (timer) clearTimeout(timer)
        start()
        await running
      }
    },
    async stop() {
      unsubscribe()
      if (timer) clearTimeout(timer)
      timer = undefined
      if (running) await running
    },
  }
}
