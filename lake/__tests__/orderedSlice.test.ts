import {describe, expect, it} from 'vitest'
import type {LakeDocument} from '../documentIndex.ts'
import {orderedMatches} from '../orderedSlice.ts'

// How much of the candidates the filter sees; that the answer matches groq-js is checked in
// planner.test.ts.

/** 1000 documents whose key `k` comes in runs of three equal values, ascending. */
function documents(): LakeDocument[] {
  return Array.from({length: 1000}, (_, i) => ({
    _id: `d${i}`,
    _type: 'd',
    k: String(Math.floor(i / 3)).padStart(4, '0'),
    n: Math.floor(i / 3),
  }))
}

function filterSeeing(batches: number[], passes: (document: LakeDocument) => boolean) {
  return async (batch: LakeDocument[]) => {
    batches.push(batch.length)
    return batch.filter(passes)
  }
}

const ids = (documents: LakeDocument[] | undefined) => documents?.map((document) => document._id)

describe('orderedMatches', () => {
  it('filters the best 64 keys and their ties, keeping the matches that can be read', async () => {
    const docs = documents()
    const batches: number[] = []
    const matches = await orderedMatches(
      docs,
      ['k'],
      false,
      20,
      filterSeeing(batches, () => true),
    )
    // The 64th best key is shared by documents 63 to 65; the 20th by documents 18 to 20.
    expect(batches).toEqual([66])
    expect(ids(matches)).toEqual(ids(docs.slice(0, 21)))
  })

  it('doubles the prefix until enough candidates pass the filter', async () => {
    const docs = documents()
    const batches: number[] = []
    const passes = (document: LakeDocument) => Number(document._id.slice(1)) % 10 === 0
    const matches = await orderedMatches(docs, ['k'], false, 20, filterSeeing(batches, passes))
    expect(batches).toEqual([66, 63, 129])
    expect(ids(matches)).toEqual(ids(docs.filter(passes).slice(0, 20)))
  })

  it('orders descending, on numbers too', async () => {
    const docs = documents()
    const batches: number[] = []
    const matches = await orderedMatches(
      docs,
      ['n'],
      true,
      5,
      filterSeeing(batches, () => true),
    )
    // Keys 333 (document 999 alone) down to 312: 64 documents; the 5th best key is 331.
    expect(batches).toEqual([64])
    expect(ids(matches)).toEqual(ids(docs.slice(993)))
  })

  it('filters every candidate when too few pass', async () => {
    const docs = documents()
    const batches: number[] = []
    const passes = (document: LakeDocument) => document._id === 'd500'
    const matches = await orderedMatches(docs, ['k'], true, 3, filterSeeing(batches, passes))
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(1000)
    expect(ids(matches)).toEqual(['d500'])
  })

  it('declines keys groq-js compares by type, and small candidate sets', async () => {
    const filter = filterSeeing([], () => true)
    const docs = documents()
    const missing = docs.map((document, i) => (i === 7 ? {_id: 'x', _type: 'd'} : document))
    const mixed = docs.map((document, i) => (i === 7 ? {...document, k: 7} : document))
    expect(await orderedMatches(missing, ['k'], false, 20, filter)).toBeUndefined()
    expect(await orderedMatches(mixed, ['k'], false, 20, filter)).toBeUndefined()
    expect(await orderedMatches(docs, ['k', 'x'], false, 20, filter)).toBeUndefined()
    expect(await orderedMatches(docs.slice(0, 64), ['k'], false, 20, filter)).toBeUndefined()
  })
})
