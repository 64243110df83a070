import type {SanityClient} from '@sanity/client'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateLabelledSet, type LabelledQuestion} from '../../bench/similar/labelled.ts'
import {similarThreadsFor} from '../../queries/similar.ts'
import {paragraphs} from '../../test/fixtures/documents.ts'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {checkpointPath, fileCheckpoint} from '../checkpoint.ts'
import {computeSimilar} from '../compute.ts'
import {listedTargets, type SimilarEntry} from '../entries.ts'
import type {ChangesReport} from '../freshness.ts'
import {loadSimilarIndex} from '../load.ts'
import {type CatchUpReport, type SimilarWatcher, watchSimilar, type WatchOptions} from '../watch.ts'
import {importLabelledSet} from './support.ts'

// The freshness worker against the embedded lake, through the real client and its listener:
// what it recomputes while running, what it leaves alone, and what it catches up with after
// being stopped while the archive changed.

const SEED = 23
const set = generateLabelledSet({seed: SEED})

let lake: TestLake
let client: SanityClient
let dir: string
/** Labelled question id → question document id. */
let docId: Map<string, string>
const labelOf = new Map<string, LabelledQuestion>()

/** Commit options that return the transaction id (to wait for its event). */
const TRANSACTION = {returnDocuments: false} as const

interface StoredQuestion {
  _id: string
  _rev: string
  similar: SimilarEntry[] | null
  similarInputHash: string | null
}

async function stored(): Promise<Map<string, StoredQuestion>> {
  const questions: StoredQuestion[] = await client.fetch(
    `*[_type == "question"] | order(_id asc){_id, _rev, similar, similarInputHash}`,
  )
  return new Map(questions.map((question) => [question._id, question]))
}

const computedTargets = (question: StoredQuestion | undefined) =>
  (question?.similar ?? [])
    .filter((entry) => entry.provenance === 'computed')
    .map((entry) => entry.question?._ref)

/** Questions of `concept` (document ids), in the set's order. */
function membersOf(concept: string): string[] {
  return set.questions
    .filter((question) => question.concept === concept)
    .map((question) => docId.get(question._id) ?? '')
}

function concepts(ids: (string | undefined)[]): (string | undefined)[] {
  return ids.map((id) => labelOf.get(id ?? '')?.concept)
}

/**
 * Checks that `target` is on exactly the computed lists a ranking from scratch puts it on (near
 * ties at the cut-off aside); returns on how many.
 */
async function listedWhereTheyBelong(
  questions: Map<string, StoredQuestion>,
  target: string,
): Promise<number> {
  const index = await loadSimilarIndex(client)
  let entered = 0
  for (const question of questions.values()) {
    if (question._id === target) continue
    const ranked = index.rank(question._id, 5, listedTargets(question.similar ?? []))
    const expected = ranked.slice(0, 4).some((r) => r._id === target)
    const boundary = (expected ? ranked[4] : ranked[3])?.score ?? -Infinity
    if (Math.abs(index.scoreFor(question._id, target) - boundary) < 0.02) continue
    if (expected) entered++
    expect(computedTargets(question).includes(target), question._id).toBe(expected)
  }
  return entered
}

interface Watching {
  watcher: SimilarWatcher
  recomputes: ChangesReport[]
  catchUps: CatchUpReport[]
  errors: unknown[]
}

function watch(options: Partial<WatchOptions> = {}): Watching {
  const watching: Omit<Watching, 'watcher'> = {recomputes: [], catchUps: [], errors: []}
  const watcher = watchSimilar({
    client,
    debounceMs: 20,
    onRecompute: (report) => watching.recomputes.push(report),
    onCatchUp: (report) => watching.catchUps.push(report),
    onError: (error) => watching.errors.push(error),
    ...options,
  })
  return {...watching, watcher}
}

beforeAll(async () => {
  lake = await startTestLake()
  dir = await mkdtemp(join(tmpdir(), 'similar-watch-'))
  client = lake.client({dataset: 'watch'})
  docId = await importLabelledSet(client, set.questions, SEED)
  for (const question of set.questions) labelOf.set(docId.get(question._id) ?? '', question)
  await computeSimilar(client)
})

afterAll(async () => {
  await lake.close()
  await rm(dir, {recursive: true, force: true})
})

describe('watchSimilar', () => {
  it('recomputes after edits, and ignores its own writes and fields that do not rank', async () => {
    const {watcher, recomputes, catchUps, errors} = watch()
    try {
      await watcher.ready
      // Everything was fresh: catching up on start recomputed nothing.
      expect(catchUps).toMatchObject([{since: undefined, stale: 0, updated: 0, deleted: 0}])
      expect(recomputes).toEqual([])

      const id = membersOf('tinnitus')[0] ?? ''
      const edit = await client
        .patch(id)
        .set({
          title: 'Room spins when I roll over in bed',
          body: paragraphs('Vertigo when lying down.'),
        })
        .commit(TRANSACTION)
      await watcher.settled(edit.transactionId)
      const served = await similarThreadsFor(client, id, 4)
      expect(served.every((thread) => thread.provenance === 'computed')).toBe(true)
      expect(concepts(served.map((thread) => thread._id))).toContain('positional-vertigo')
      expect(recomputes).toHaveLength(1)
      expect(recomputes[0]?.affected.changed).toEqual([id])

      // The engine's own writes reach the listener too and recompute nothing; nor does a
      // workflow change.
      const quiet = await stored()
      const status = await client.patch(id).set({status: 'reviewed'}).commit(TRANSACTION)
      await watcher.settled(status.transactionId)
      expect(recomputes).toHaveLength(1)
      const later = await stored()
      for (const [other, question] of later)
        if (other !== id) expect(question._rev, other).toBe(quiet.get(other)?._rev)

      // An editor's pick recomputes that question alone: its computed entries skip the pick.
      const pick = computedTargets(later.get(id))[0] ?? ''
      const picked = await client
        .patch(id)
        .insert('before', 'similar[0]', [
          {
            _key: 'pick',
            _type: 'similarThread',
            question: {_type: 'reference', _ref: pick, _weak: true},
            provenance: 'curated',
          },
        ])
        .commit(TRANSACTION)
      await watcher.settled(picked.transactionId)
      expect(recomputes).toHaveLength(2)
      expect(recomputes[1]?.own?.questions).toBe(1)
      const withPick = (await stored()).get(id)
      expect(withPick?.similar?.[0]?._key).toBe('pick')
      expect(computedTargets(withPick)).not.toContain(pick)
      expect(computedTargets(withPick)).toHaveLength(4)

      // A deleted question leaves every computed list it was on.
      const gone = membersOf('bleeding-gums')[0] ?? ''
      const listing = [...(await stored()).values()].filter((q) =>
        computedTargets(q).includes(gone),
      )
      expect(listing.length).toBeGreaterThan(0)
      await client.delete({
        query: '*[_type == "reply" && question._ref == $id]',
        params: {id: gone},
      })
      const deletion = await client.delete(gone, TRANSACTION)
      await watcher.settled(deletion.transactionId)
      const remaining = await stored()
      for (const question of listing)
        expect(computedTargets(remaining.get(question._id))).not.toContain(gone)

      // Drafts are an editor's work in progress: nothing is recomputed for them.
      const draft = await client.createOrReplace({
        _id: `drafts.${id}`,
        _type: 'question',
        title: 'A draft title nobody has published',
      })
      const after = await client.patch(id).set({status: 'needsReview'}).commit(TRANSACTION)
      await watcher.settled(after.transactionId)
      expect(recomputes).toHaveLength(3)
      await client.delete(draft._id)
      expect(errors).toEqual([])
    } finally {
      await watcher.stop()
    }
  })

  it('recomputes after a restart what changed while it was stopped', async () => {
    const path = checkpointPath(dir, 'local', 'watch')
    const first = watch({checkpoint: fileCheckpoint(path)})
    await first.watcher.ready
    const warmUp = await client.patch(membersOf('hair-loss')[0] ?? '').set({status: 'reviewed'})
    const {transactionId} = await warmUp.commit(TRANSACTION)
    await first.watcher.settled(transactionId)
    await first.watcher.stop()
    const saved = JSON.parse(await readFile(path, 'utf8')) as {since: string}
    expect(Date.parse(saved.since)).not.toBeNaN()
    expect(first.errors).toEqual([])

    // While it is stopped: a question is rewritten, one gets an editor's pick, one is deleted,
    // one arrives without a list, and one was rewritten and had its own list written by a run
    // that stopped before the lists it affects.
    const [rewritten = '', alsoRewritten = ''] = membersOf('dry-eyes')
    const pickedOne = membersOf('kidney-stone')[0] ?? ''
    const gone = membersOf('hair-loss')[0] ?? ''
    const before = await stored()
    const pick = computedTargets(before.get(pickedOne))[0] ?? ''
    const listingGone = [...before.values()].filter((q) => computedTargets(q).includes(gone))
    expect(listingGone.length).toBeGreaterThan(0)

    await client
      .patch(rewritten)
      .set({
        title: 'My ankle swells up every evening',
        body: paragraphs('By evening my ankles are puffy and my shoes feel tight.'),
      })
      .commit()
    await client
      .patch(pickedOne)
      .insert('before', 'similar[0]', [
        {
          _key: 'pick',
          _type: 'similarThread',
          question: {_type: 'reference', _ref: pick, _weak: true},
          provenance: 'curated',
        },
      ])
      .commit()
    await client.delete({query: '*[_type == "reply" && question._ref == $id]', params: {id: gone}})
    await client.delete(gone)
    const newcomer = await client.create({
      _id: 'question-arrived-while-stopped',
      _type: 'question',
      title: 'Numb lower lip weeks after a wisdom tooth extraction',
      body: paragraphs('Since my wisdom tooth was pulled my lower lip and chin feel numb.'),
      status: 'needsReview',
    })
    await client
      .patch(alsoRewritten)
      .set({
        title: 'Burning feeling when I pass urine',
        body: paragraphs('It burns when I pee and I need to go all the time.'),
      })
      .commit()
    await computeSimilar(client, {ids: [alsoRewritten]})

    const second = watch({checkpoint: fileCheckpoint(path)})
    try {
      await second.watcher.ready
      expect(second.catchUps).toHaveLength(1)
      const catchUp = second.catchUps[0]
      expect(catchUp?.since).toBe(saved.since)
      expect(catchUp?.stale).toBe(2) // rewritten, newcomer
      expect(catchUp?.deleted).toBe(1) // gone
      // The pick and the half-finished recompute are found by the checkpoint alone.
      expect(catchUp?.updated).toBeGreaterThanOrEqual(2)

      const after = await stored()
      expect(concepts(computedTargets(after.get(rewritten)))).toContain('ankle-edema')
      const withPick = after.get(pickedOne)
      expect(withPick?.similar?.[0]?._key).toBe('pick')
      expect(computedTargets(withPick)).not.toContain(pick)
      for (const question of listingGone)
        expect(computedTargets(after.get(question._id))).not.toContain(gone)
      expect(concepts(computedTargets(after.get(newcomer._id)))).toContain('numb-lip-extraction')
      expect(await listedWhereTheyBelong(after, newcomer._id)).toBeGreaterThan(0)
      expect(await listedWhereTheyBelong(after, alsoRewritten)).toBeGreaterThan(0)
      // Every list is served as computed: none is stale.
      for (const question of after.values())
        expect(question.similarInputHash, question._id).not.toBeNull()
      expect(second.errors).toEqual([])
    } finally {
      await second.watcher.stop()
    }
  })

  it('recomputes what changed at any time when its checkpoint cannot be read', async () => {
    const path = join(dir, 'damaged.json')
    await writeFile(path, '{"since": "not a time"}')
    const {watcher, catchUps, errors} = watch({checkpoint: fileCheckpoint(path)})
    try {
      await watcher.ready
      expect(errors).toHaveLength(1)
      expect(String(errors[0])).toContain('no valid "since" time')
      expect(catchUps[0]?.since).toBe('1970-01-01T00:00:00.000Z')
      expect((catchUps[0]?.stale ?? 0) + (catchUps[0]?.updated ?? 0)).toBe(catchUps[0]?.questions)
      // A fresh checkpoint replaces the damaged one.
      const saved = JSON.parse(await readFile(path, 'utf8')) as {since: string}
      expect(Date.parse(saved.since)).not.toBeNaN()
    } finally {
      await watcher.stop()
    }
  })
})
