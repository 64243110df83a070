import type {PatchOperations, SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateLabelledSet} from '../../bench/similar/labelled.ts'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {similarThreadsFor} from '../../queries/similar.ts'
import {computeSimilar} from '../compute.ts'
import {
  excludePatches,
  pinPatches,
  type SimilarExclusionEntry,
  unexcludePatches,
  unpinPatches,
} from '../editorial.ts'
import type {SimilarEntry} from '../entries.ts'
import {watchSimilar} from '../watch.ts'
import {loadSimilarIndex} from '../load.ts'
import type {SimilarIndex} from '../ranker.ts'
import {importThreads, threadOf} from './support.ts'

// Editors' pins and exclusions against the embedded lake: the patches the Studio applies
// (similar/editorial.ts) committed through the real client, then the engine recomputing. The
// expected lists come from the ranker itself, so the tests hold whatever the ranking model.

const SEED = 23
const set = generateLabelledSet({seed: SEED})
const EDITOR = {by: 'Dr. Editor', at: new Date('2024-06-01T09:00:00Z')}

let lake: TestLake
let client: SanityClient
let index: SimilarIndex
const ids: string[] = []

interface Stored {
  _rev: string
  similar: SimilarEntry[] | null
  similarExcluded: SimilarExclusionEntry[] | null
}

async function stored(id: string): Promise<Stored> {
  const question = await client.fetch<Stored | null>(
    '*[_id == $id][0]{_rev, similar, similarExcluded}',
    {id},
  )
  if (!question) throw new Error(`no question ${id}`)
  return question
}

/** Commits the patches as one transaction (as the Studio's draft, then publish, would). */
async function apply(id: string, patches: PatchOperations[]): Promise<string> {
  expect(patches.length).toBeGreaterThan(0)
  const transaction = client.transaction()
  for (const patch of patches) transaction.patch(id, patch)
  return (await transaction.commit()).transactionId
}

const targets = (entries: SimilarEntry[] | null, provenance?: string) =>
  (entries ?? [])
    .filter((entry) => !provenance || entry.provenance === provenance)
    .map((entry) => entry.question?._ref)

const keyOf = (entries: SimilarEntry[] | null, target: string) =>
  (entries ?? []).find((entry) => entry.question?._ref === target)?._key ?? ''

/** A question whose ranking has six clear places (no near-ties around the top four). */
function questionWithClearRanking(): string {
  for (const id of ids) {
    const ranked = index.rank(id, 7)
    if (ranked.length < 7) continue
    const gaps = ranked.slice(1).map((next, i) => (ranked[i]?.score ?? 0) - next.score)
    if (gaps.every((gap) => gap > 0.02)) return id
  }
  throw new Error('no question with a clear ranking')
}

beforeAll(async () => {
  lake = await startTestLake()
  client = lake.client({dataset: 'editorial'})
  const report = await importThreads(
    client,
    set.questions.map((question) => threadOf(question, SEED)),
  )
  for (const thread of report.threads) if (thread.ids[0]) ids.push(thread.ids[0])
  await computeSimilar(client)
  index = await loadSimilarIndex(client)
})

afterAll(() => lake.close())

describe('pins and exclusions', () => {
  it('keeps a pinned thread first and fills an excluded one’s place with the next best', async () => {
    const id = questionWithClearRanking()
    const [first, second, third, fourth, fifth] = index.rank(id, 5).map((r) => r._id)
    const before = await stored(id)
    expect(targets(before.similar)).toEqual([first, second, third, fourth])

    // Pin the second, exclude the third: one transaction, as a publish of the draft would be.
    const pinned = pinPatches(before.similar ?? [], keyOf(before.similar, second ?? ''))
    await apply(id, pinned)
    const afterPin = await stored(id)
    await apply(
      id,
      excludePatches(
        afterPin.similar ?? [],
        afterPin.similarExcluded,
        keyOf(afterPin.similar, third ?? ''),
        EDITOR,
      ),
    )
    const edited = await stored(id)
    expect(edited.similar?.map((entry) => [entry.question?._ref, entry.provenance])).toEqual([
      [second, 'curated'],
      [first, 'computed'],
      [fourth, 'computed'],
    ])
    expect(edited.similarExcluded).toEqual([
      {
        _key: expect.any(String),
        _type: 'similarExclusion',
        question: {_type: 'reference', _ref: third, _weak: true},
        excludedBy: 'Dr. Editor',
        excludedAt: '2024-06-01T09:00:00.000Z',
      },
    ])

    const report = await computeSimilar(client, {ids: [id]})
    expect(report.patched).toEqual([id])
    const recomputed = await stored(id)
    expect(targets(recomputed.similar, 'curated')).toEqual([second])
    const computed = targets(recomputed.similar, 'computed')
    expect(computed).toHaveLength(4)
    expect(computed).toEqual(
      index.rank(id, 4, new Set([second ?? '', third ?? ''])).map((r) => r._id),
    )
    expect(computed).toContain(fifth)
    expect(computed).not.toContain(third)
    expect(recomputed.similarExcluded).toEqual(edited.similarExcluded)

    // A whole-archive run keeps it so; serving never shows the excluded thread.
    expect((await computeSimilar(client)).patched).not.toContain(id)
    const served = await similarThreadsFor(client, id, 10)
    expect(served[0]).toMatchObject({_id: second, provenance: 'curated'})
    expect(served.map((thread) => thread._id)).not.toContain(third)
  })

  it('brings threads back after un-pinning and un-excluding', async () => {
    const id = questionWithClearRanking()
    const top = index.rank(id, 4).map((r) => r._id)
    const before = await stored(id)
    const exclusion = before.similarExcluded?.[0]
    const pin = before.similar?.find((entry) => entry.provenance === 'curated')
    if (!exclusion || !pin) throw new Error('the first test left no pin and no exclusion')

    await apply(id, unpinPatches(before.similar ?? [], pin._key))
    const unpinned = await stored(id)
    expect(unpinned.similar?.every((entry) => entry.provenance === 'computed')).toBe(true)
    await apply(
      id,
      unexcludePatches(unpinned.similar ?? [], unpinned.similarExcluded, exclusion._key),
    )
    expect((await stored(id)).similarExcluded).toEqual([])

    await computeSimilar(client, {ids: [id]})
    const after = await stored(id)
    expect(targets(after.similar)).toEqual(top)
    expect(targets(after.similar, 'computed')).toEqual(top)
  })

  it('recomputes on its own after an exclusion is published (freshness worker)', async () => {
    const errors: unknown[] = []
    const freshness = watchSimilar({client, debounceMs: 20, onError: (error) => errors.push(error)})
    try {
      await freshness.ready
      const id = ids.find((candidate) => candidate !== questionWithClearRanking()) ?? ''
      const before = await stored(id)
      const excluded = targets(before.similar, 'computed')[0] ?? ''
      const transactionId = await apply(
        id,
        excludePatches(
          before.similar ?? [],
          before.similarExcluded,
          keyOf(before.similar, excluded),
          EDITOR,
        ),
      )
      await freshness.settled(transactionId)
      const after = await stored(id)
      expect(targets(after.similar, 'computed')).toHaveLength(4)
      expect(targets(after.similar)).not.toContain(excluded)
      expect(targets(after.similar, 'computed')).toEqual(
        index.rank(id, 4, new Set([excluded])).map((r) => r._id),
      )
      expect(errors).toEqual([])
    } finally {
      await freshness.stop()
    }
  })
})
