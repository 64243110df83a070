import {afterAll, describe, expect, it} from 'vitest'
import {generateArchive} from '../../bench/generate.ts'
import type {SimilarSource} from '../config.ts'
import {RankPool, type RankRequest} from '../pool.ts'
import {SimilarIndex} from '../ranker.ts'
import {plainText} from '../../domain/portableText.ts'

// Ranking worker threads against the index they were given: the same lists, also after the
// index changed under them.

const archive = generateArchive({threads: 600, seed: 5})
const questions: SimilarSource[] = archive.questions.map((question) => ({
  _id: question._id,
  title: question.title ?? '',
  body: plainText(question.body),
  tags: (question.tags ?? []).map((tag) => tag._ref),
  ...(question.specialty ? {specialty: question.specialty._ref} : {}),
}))

const pools: RankPool[] = []
afterAll(() => Promise.all(pools.map((pool) => pool.close())))

/** Every question's request: its top 4, its own first two neighbours left out for some. */
function requestsFor(index: SimilarIndex): RankRequest[] {
  return index.questionIds().map((id, i) => ({
    id,
    limit: 4,
    exclude: i % 3 === 0 ? index.rank(id, 2).map((ranked) => ranked._id) : [],
  }))
}

function inThread(index: SimilarIndex, requests: RankRequest[]) {
  return requests.map(({id, limit, exclude}) => index.rank(id, limit, new Set(exclude)))
}

describe('RankPool', () => {
  it('ranks every question as the index does, on two workers at once', async () => {
    const index = SimilarIndex.build(questions)
    const pool = await RankPool.start(index, 2)
    pools.push(pool)
    const requests = requestsFor(index)
    const batches = [requests.slice(0, 200), requests.slice(200, 400), requests.slice(400)]
    const lists = (await Promise.all(batches.map((batch) => pool.rank(batch)))).flat()
    expect(lists).toEqual(inThread(index, requests))
    expect(lists.every((list) => list.length === 4)).toBe(true)
  })

  it('ranks against the index as it is after edits, additions and removals', async () => {
    const index = SimilarIndex.build(questions.slice(0, 500))
    const pool = await RankPool.start(index, 2)
    pools.push(pool)
    const before = await pool.rank(requestsFor(index).slice(0, 50))
    expect(before).toEqual(inThread(index, requestsFor(index).slice(0, 50)))
    for (const question of questions.slice(500)) index.upsert(question)
    index.upsert({...(questions[7] as SimilarSource), title: 'Night sweats after a bad cold'})
    index.remove(questions[11]?._id ?? '')
    const requests = requestsFor(index)
    const after = await pool.rank(requests)
    expect(after).toEqual(inThread(index, requests))
    expect(after.some((list) => list.some(({_id}) => _id === questions[11]?._id))).toBe(false)
  })

  it('rejects the batches of a closed pool', async () => {
    const index = SimilarIndex.build(questions.slice(0, 50))
    const pool = await RankPool.start(index, 1)
    await pool.close()
    await expect(pool.rank(requestsFor(index))).rejects.toThrow(/closed/)
  })
})
