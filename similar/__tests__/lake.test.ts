import type {SanityClient} from '@sanity/client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../test/support/lake.ts'
import {computeSimilar, recomputeAffected, recomputeAfterImport} from '../compute.ts'
import {type SimilarEntry, listedTargets} from '../entries.ts'
import {generateLabelledSet, type LabelledQuestion} from '../../bench/similar/labelled.ts'
import {loadSimilarIndex} from '../load.ts'
import {similarThreadsFor, similarThreadsForMany} from '../../queries/similar.ts'
import {importThreads, threadOf} from './support.ts'

// The engine against the embedded lake through the real client: a labelled archive (clusters of
// paraphrased questions, see bench/similar/labelled.ts) imported with the importer, then
// precomputed, edited, recomputed and served.

const SEED = 11
const set = generateLabelledSet({seed: SEED})

let lake: TestLake
let client: SanityClient
/** Labelled question id → question document id. */
const docId = new Map<string, string>()
const labelOf = new Map<string, LabelledQuestion>()

interface StoredQuestion {
  _id: string
  _rev: string
  title: string | null
  similar: SimilarEntry[] | null
  similarInputHash: string | null
  similarComputedAt: string | null
}

const STORED = `*[_type == "question"] | order(_id asc){
  _id, _rev, title, similar, similarInputHash, similarComputedAt
}`

async function stored(): Promise<Map<string, StoredQuestion>> {
  const questions: StoredQuestion[] = await client.fetch(STORED)
  return new Map(questions.map((question) => [question._id, question]))
}

const computedTargets = (question: StoredQuestion | undefined) =>
  (question?.similar ?? [])
    .filter((entry) => entry.provenance === 'computed')
    .map((entry) => entry.question?._ref)

/** Portable Text for a plain paragraph. */
function blocks(text: string) {
  return [
    {
      _type: 'block',
      _key: 'b1',
      style: 'normal',
      markDefs: [],
      children: [{_type: 'span', _key: 's1', text, marks: []}],
    },
  ]
}

/** A question of `concept` (document id) other than `except`. */
function memberOf(concept: string, except: string[] = []): string {
  const question = set.questions.find(
    (q) => q.concept === concept && !except.includes(docId.get(q._id) ?? ''),
  )
  const id = question ? docId.get(question._id) : undefined
  if (!id) throw new Error(`no question of ${concept}`)
  return id
}

beforeAll(async () => {
  lake = await startTestLake()
  client = lake.client({dataset: 'similar'})
  const report = await importThreads(
    client,
    set.questions.map((question) => threadOf(question, SEED)),
  )
  expect(report.summary.created).toBe(set.questions.length)
  for (const question of set.questions) {
    const thread = report.threads.find(
      (t) => t.source === `https://qa.example.org/labelled/${SEED}/${question._id}`,
    )
    const id = thread?.ids[0]
    if (!id) throw new Error(`not imported: ${question._id}`)
    docId.set(question._id, id)
    labelOf.set(id, question)
  }
})

afterAll(() => lake.close())

describe('computeSimilar', () => {
  it('writes computed lists with provenance, rounded scores, weak references and a fingerprint', async () => {
    const report = await computeSimilar(client)
    expect(report.questions).toBe(set.questions.length)
    expect(report.patched).toHaveLength(set.questions.length)
    const questions = await stored()
    let relevantFirst = 0
    for (const question of questions.values()) {
      const similar = question.similar ?? []
      expect(similar).toHaveLength(4)
      const targets = new Set<string>()
      for (const entry of similar) {
        expect(entry).toMatchObject({
          _type: 'similarThread',
          provenance: 'computed',
          question: {_type: 'reference', _weak: true},
        })
        expect(entry._key).toMatch(/^computed-[0-9a-z]+$/)
        expect(typeof entry.score).toBe('number')
        expect(Math.round((entry.score ?? 0) * 1000) / 1000).toBe(entry.score)
        const target = entry.question?._ref ?? ''
        expect(target).not.toBe(question._id)
        expect(questions.has(target)).toBe(true)
        targets.add(target)
      }
      expect(targets.size).toBe(4)
      const scores = similar.map((entry) => entry.score ?? 0)
      expect(scores).toEqual([...scores].sort((a, b) => b - a))
      expect(question.similarInputHash).toMatch(/^[0-9a-z]+$/)
      expect(question.similarComputedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
      const label = labelOf.get(question._id)
      const first = labelOf.get(similar[0]?.question?._ref ?? '')
      if (label && first && label.concept === first.concept) relevantFirst++
    }
    // Clusters have 3–6 members and 20 one-off questions have none: most lists lead with a
    // paraphrase of the same complaint.
    expect(relevantFirst / questions.size).toBeGreaterThan(0.8)
  })

  it('writes nothing when run again with nothing changed', async () => {
    const before = await stored()
    const report = await computeSimilar(client)
    expect(report.patched).toEqual([])
    expect(report.unchanged).toBe(set.questions.length)
    const after = await stored()
    for (const [id, question] of after) expect(question._rev).toBe(before.get(id)?._rev)
  })

  it('keeps curated entries first, in their order, never dropped; imported entries next', async () => {
    const id = memberOf('dry-eyes')
    const questions = await stored()
    const question = questions.get(id)
    const topComputed = computedTargets(question)[0] ?? ''
    const farAway = memberOf('kidney-stone')
    const importedTarget = memberOf('hair-loss')
    const curatedFar: SimilarEntry = {
      _key: 'ed1',
      _type: 'similarThread',
      question: {_type: 'reference', _ref: farAway, _weak: true},
      provenance: 'curated',
    }
    const curatedTitleOnly: SimilarEntry = {
      _key: 'ed2',
      _type: 'similarThread',
      sourceTitle: 'A thread we have not imported yet',
      provenance: 'curated',
    }
    const curatedTop: SimilarEntry = {
      _key: 'ed3',
      _type: 'similarThread',
      question: {_type: 'reference', _ref: topComputed, _weak: true},
    }
    const imported: SimilarEntry = {
      _key: 'imp1',
      _type: 'similarThread',
      question: {_type: 'reference', _ref: importedTarget, _weak: true},
      sourceTitle: 'Hair loss',
      titleKey: 'hair loss',
      provenance: 'imported',
    }
    // Editors' entries end up anywhere in the array; the engine puts them back in front.
    await client
      .patch(id)
      .set({
        similar: [...(question?.similar ?? []), imported, curatedFar, curatedTitleOnly, curatedTop],
      })
      .commit()
    const report = await computeSimilar(client, {ids: [id]})
    expect(report.patched).toEqual([id])
    const after = (await stored()).get(id)
    const similar = after?.similar ?? []
    expect(similar.slice(0, 4)).toEqual([curatedFar, curatedTitleOnly, curatedTop, imported])
    const computed = similar.slice(4)
    expect(computed).toHaveLength(4)
    expect(computed.every((entry) => entry.provenance === 'computed')).toBe(true)
    const computedRefs = computed.map((entry) => entry.question?._ref)
    for (const listed of [farAway, topComputed, importedTarget])
      expect(computedRefs).not.toContain(listed)

    // Served: curated first, in the editor's order (the title-only entry has no page to link).
    const served = await similarThreadsFor(client, id, 4)
    expect(served.map((thread) => [thread._id, thread.provenance])).toEqual([
      [farAway, 'curated'],
      [topComputed, 'curated'],
      [importedTarget, 'imported'],
      [computedRefs[0], 'computed'],
    ])
    expect((await computeSimilar(client, {ids: [id]})).patched).toEqual([])
  })
})

describe('recomputeAffected', () => {
  it('after one edit, recomputes and patches only the questions whose lists it affects', async () => {
    const edited = memberOf('calf-fasciculations')
    const before = await stored()
    const oldNeighbours = [...before.values()]
      .filter((q) => computedTargets(q).includes(edited))
      .map((q) => q._id)
    expect(oldNeighbours.length).toBeGreaterThan(0)

    // The question is rewritten to be about a different complaint.
    await client
      .patch(edited)
      .set({
        title: 'Lower lip and chin still numb after my wisdom tooth was removed',
        body: blocks(
          'My wisdom tooth was taken out last month and my lower lip is still numb. ' +
            'The dentist said the nerve may have been bruised. Will the feeling come back?',
        ),
      })
      .commit()
    const editedRev: string = await client.fetch('*[_id == $id][0]._rev', {id: edited})

    const report = await recomputeAffected(client, [edited])
    expect(report.changed).toEqual([edited])
    expect(report.affected).toContain(edited)
    for (const id of oldNeighbours) expect(report.affected).toContain(id)
    expect(report.affected.length).toBeLessThan(before.size / 4)
    for (const id of report.patched) expect(report.affected).toContain(id)

    // Exactly the patched questions (and the edit itself) have new revisions.
    const after = await stored()
    const changedRevs = [...after.values()]
      .filter((q) => q._rev !== before.get(q._id)?._rev)
      .map((q) => q._id)
      .sort()
    expect(changedRevs).toEqual([...new Set([...report.patched, edited])].sort())
    expect(report.patched).toContain(edited)
    expect(after.get(edited)?._rev).not.toBe(editedRev)

    // Old cluster-mates dropped it; its new complaint's questions list it where it belongs.
    for (const id of oldNeighbours) {
      const label = labelOf.get(id)
      if (label?.concept === 'calf-fasciculations')
        expect(computedTargets(after.get(id))).not.toContain(edited)
    }
    expect(
      computedTargets(after.get(edited)).map((id) => labelOf.get(id ?? '')?.concept),
    ).toContain('numb-lip-extraction')

    // Against a full ranking from scratch, every list has the edited question exactly where
    // it should (up to near-ties at the cut-off).
    const index = await loadSimilarIndex(client)
    let entered = 0
    for (const question of after.values()) {
      if (question._id === edited) continue
      const listed = listedTargets(question.similar ?? [])
      const ranked = index.rank(question._id, 5, listed)
      const expected = ranked.slice(0, 4).some((r) => r._id === edited)
      const boundary = (expected ? ranked[4] : ranked[3])?.score ?? -Infinity
      if (Math.abs(index.scoreFor(question._id, edited) - boundary) < 0.02) continue
      if (expected) entered++
      expect(computedTargets(question).includes(edited), question._id).toBe(expected)
    }
    expect(entered).toBeGreaterThan(0)
  })
})

describe('recomputeAfterImport', () => {
  it('lists a newly imported paraphrase where it belongs, and nothing for a no-op import', async () => {
    const mate = set.questions.find((q) => q.concept === 'sleep-apnea')
    if (!mate) throw new Error('no sleep apnea question')
    const thread = {
      ...threadOf(mate, SEED),
      url: 'https://qa.example.org/labelled/apnea-again',
      title: 'My husband snores loudly and stops breathing in his sleep',
      question: 'He snores every night and sometimes stops breathing, then gasps for air.',
    }
    const report = await importThreads(client, [thread])
    const id = report.threads[0]?.ids[0] ?? ''
    const recomputed = await recomputeAfterImport(client, report)
    expect(recomputed.changed).toEqual([id])
    expect(recomputed.patched).toContain(id)
    const after = await stored()
    expect(computedTargets(after.get(id)).map((t) => labelOf.get(t ?? '')?.concept)).toContain(
      'sleep-apnea',
    )
    const listing = [...after.values()].filter((q) => computedTargets(q).includes(id))
    expect(listing.length).toBeGreaterThan(0)
    expect(listing.every((q) => recomputed.patched.includes(q._id))).toBe(true)

    const again = await importThreads(client, [thread])
    expect(again.summary.unchanged).toBe(1)
    const nothing = await recomputeAfterImport(client, again)
    expect(nothing).toMatchObject({changed: [], affected: [], patched: []})
  })
})

describe('recomputeAfterImport on a first import', () => {
  it('computes every list when most of the archive is new', async () => {
    const bulk = lake.client({dataset: 'similar-bulk'})
    const questions = generateLabelledSet({seed: 12}).questions.slice(0, 40)
    const report = await importThreads(
      bulk,
      questions.map((question) => threadOf(question, 12)),
    )
    const recomputed = await recomputeAfterImport(bulk, report)
    expect(recomputed.changed).toHaveLength(40)
    expect(recomputed.affected).toHaveLength(40)
    expect(recomputed.patched).toHaveLength(40)
    const lists: {similar: SimilarEntry[] | null}[] = await bulk.fetch(
      '*[_type == "question"]{similar}',
    )
    expect(lists.map((question) => question.similar?.length)).toEqual(lists.map(() => 4))
  })
})

describe('similarThreadsFor', () => {
  it('dereferences a fresh stored list: title, slug, excerpt, doctor, specialty, score', async () => {
    const id = memberOf('migraine')
    const question = (await stored()).get(id)
    const served = await similarThreadsFor(client, id, 4)
    expect(served.map((thread) => thread._id)).toEqual(computedTargets(question))
    for (const thread of served) {
      expect(thread.provenance).toBe('computed')
      expect(typeof thread.score).toBe('number')
      expect(thread.slug).toMatch(/^[a-z0-9-]+$/)
      expect(thread.title.length).toBeGreaterThan(0)
      expect(thread.excerpt.length).toBeGreaterThan(0)
      expect(thread.excerpt.length).toBeLessThanOrEqual(201)
      expect(thread.doctor).toMatch(/ Lin$/)
      expect(thread.specialty).toBe(labelOf.get(thread._id)?.specialtyName)
    }
    expect(await similarThreadsFor(client, id, 2)).toEqual(served.slice(0, 2))
    expect(await similarThreadsFor(client, 'question-does-not-exist', 4)).toEqual([])
  })

  it('falls back to a live query for a question without a list, and for a stale list', async () => {
    const extra = set.questions.find((q) => q.concept === 'hives')
    if (!extra) throw new Error('no hives question')
    const report = await importThreads(client, [
      {...threadOf(extra, SEED), url: 'https://qa.example.org/labelled/new', title: 'Hives again'},
    ])
    const fresh = report.threads[0]?.ids[0] ?? ''
    const served = await similarThreadsFor(client, fresh, 4)
    expect(served.length).toBeGreaterThan(0)
    const all = await client.fetch(
      '*[_type == "question"]{_id, "specialty": specialty._ref, "tags": tags[]._ref}',
    )
    const me = all.find((q: {_id: string}) => q._id === fresh)
    const sharedTags = (q: {tags: string[] | null}) =>
      (q.tags ?? []).filter((tag) => (me.tags ?? []).includes(tag)).length
    for (const thread of served) {
      expect(thread.provenance).toBe('live')
      expect(thread.score).toBeNull()
      const other = all.find((q: {_id: string}) => q._id === thread._id)
      expect(other.specialty === me.specialty || sharedTags(other) > 0).toBe(true)
    }
    const shared = served.map((thread) =>
      sharedTags(all.find((q: {_id: string}) => q._id === thread._id)),
    )
    expect(shared).toEqual([...shared].sort((a, b) => b - a))

    // A stale list (title edited since it was computed) is not served; curated entries still are.
    const id = memberOf('dry-eyes')
    await client.patch(id).set({title: 'Dry eyes, now also dry mouth'}).commit()
    const stale = await similarThreadsFor(client, id, 5)
    expect(stale.slice(0, 2).map((thread) => thread.provenance)).toEqual(['curated', 'curated'])
    expect(stale.slice(3).every((thread) => thread.provenance === 'live')).toBe(true)

    // Many at once (npm run similar --all): each question's list as served alone, fresh,
    // stale with curated entries, or live only; unknown ids left out.
    const ids = [id, fresh, ...all.map((q: {_id: string}) => q._id).slice(0, 12)]
    const many = await similarThreadsForMany(client, [...ids, 'question-does-not-exist'], 5)
    expect([...many.keys()].sort()).toEqual([...new Set(ids)].sort())
    for (const one of ids) expect(many.get(one)).toEqual(await similarThreadsFor(client, one, 5))
    expect(many.get(id)).toEqual(stale)
    await recomputeAffected(client, [id])
    expect((await similarThreadsFor(client, id, 5))[4]?.provenance).toBe('computed')
  })
})

describe('computeSimilar on worker threads', () => {
  it('writes the same lists as ranking on the calling thread', async () => {
    const threads = set.questions.map((question) => threadOf(question, SEED))
    const lists = async (dataset: string, workers: number) => {
      const target = lake.client({dataset})
      await importThreads(target, threads)
      const report = await computeSimilar(target, {workers})
      expect(report.rankedOn).toBe(Math.max(workers, 1))
      expect(report.patched).toHaveLength(set.questions.length)
      const written: {_id: string; similar: SimilarEntry[] | null}[] = await target.fetch(
        '*[_type == "question"] | order(_id asc){_id, similar}',
      )
      return written
    }
    const serial = await lists('similar-serial', 0)
    const parallel = await lists('similar-workers', 2)
    expect(parallel).toEqual(serial)
    expect(serial.every((question) => (question.similar ?? []).length === 4)).toBe(true)
  })
})

describe('computeSimilar with a kept index', () => {
  it('ranks only lists whose index or document changed, and writes what a fresh run writes', async () => {
    const target = lake.client({dataset: 'similar-kept'})
    await importThreads(
      target,
      set.questions.map((question) => threadOf(question, SEED)),
    )
    const total = set.questions.length
    const index = await loadSimilarIndex(target)
    const first = await computeSimilar(target, {index, workers: 0})
    expect(first.ranked).toBe(total)
    expect(first.patched).toHaveLength(total)

    // Nothing changed: every list is known right without ranking.
    const again = await computeSimilar(target, {index, workers: 0})
    expect(again).toMatchObject({ranked: 0, patched: [], unchanged: total})

    // An editor curates one list: only that document's revision moved, only it is ranked.
    const [curatedId, editedId] = (
      await target.fetch<string[]>('*[_type == "question"] | order(_id asc)._id')
    ).slice(0, 2)
    const listed: {similar: SimilarEntry[]} = await target.fetch('*[_id == $id][0]{similar}', {
      id: curatedId,
    })
    const top = listed.similar[0]
    await target
      .patch(curatedId ?? '')
      .set({similar: [{...top, _key: 'ed1', provenance: 'curated'}, ...listed.similar.slice(1)]})
      .commit()
    const curated = await computeSimilar(target, {index, workers: 0})
    expect(curated).toMatchObject({ranked: 1, patched: [curatedId]})

    // Another question's text changes: every ranking may move, so every list is ranked again.
    await target
      .patch(editedId ?? '')
      .set({title: 'Ringing in one ear after a loud concert'})
      .commit()
    const edited = await computeSimilar(target, {index, workers: 0})
    expect(edited.ranked).toBe(total)
    expect(edited.patched).toContain(editedId)

    // The lists written on the kept index are those a fresh index (full walk) gives.
    const fresh = await loadSimilarIndex(target)
    fresh.setPruning(false)
    const check = await computeSimilar(target, {index: fresh, workers: 0})
    expect(check).toMatchObject({ranked: total, patched: []})
  })
})
