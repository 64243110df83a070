import {describe, expect, it} from 'vitest'
import {mulberry32} from '../../bench/random.ts'
import {PostingLists} from '../postings.ts'

// Posting lists hold ascending slots (and counts) as varint gaps in slices of shared chunks: what
// goes in must come out, across slice and chunk boundaries, after rewrites, drops and compaction.

function read(lists: PostingLists, list: number): number[][] {
  const postings: number[][] = []
  lists.forEach(list, (slot, count) => postings.push([slot, count]))
  return postings
}

describe('posting lists', () => {
  it('give back what was appended, across slices and chunks', () => {
    const next = mulberry32(5)
    const lists = new PostingLists(true)
    const expected = new Map<number, number[][]>()
    for (let n = 0; n < 200; n++) expected.set(lists.create(), [])
    // Interleaved appends spread every list's slices over several 1 MiB chunks.
    const last = new Map<number, number>()
    for (let i = 0; i < 400_000; i++) {
      const list = Math.floor(next() * 200)
      const gap = next() < 0.01 ? 1 + Math.floor(next() * 5_000_000) : 1 + Math.floor(next() * 300)
      const slot = (last.get(list) ?? -1) + gap
      const count = next() < 0.001 ? 70_000 : 1 + Math.floor(next() * 3)
      last.set(list, slot)
      lists.append(list, slot, count)
      expected.get(list)?.push([slot, count])
    }
    expect(lists.memory().allocated).toBeGreaterThanOrEqual(2 ** 21)
    for (const [list, postings] of expected) expect(read(lists, list)).toEqual(postings)
    expect(() => lists.append(0, 0)).toThrow(/out of order/)
  })

  it('rewrite and compaction keep the postings asked for, renumbered in order', () => {
    const lists = new PostingLists(false)
    const a = lists.create()
    const b = lists.create()
    const c = lists.create()
    for (let slot = 0; slot < 1000; slot++) {
      lists.append(a, slot * 3)
      if (slot % 2 === 0) lists.append(b, slot * 3)
      lists.append(c, slot * 3 + 1)
    }
    lists.rewrite(a, (slot) => slot % 2 === 0)
    expect(read(lists, a).map(([slot]) => slot)).toEqual(Array.from({length: 500}, (_, i) => i * 6))
    lists.drop(c)
    const d = lists.create()
    expect(d).toBe(c)
    expect(read(lists, d)).toEqual([])
    lists.append(d, 7)
    lists.compact(
      (slot) => slot % 4 !== 0,
      (slot) => slot * 10,
    )
    expect(read(lists, a).map(([slot]) => slot)).toEqual(
      Array.from({length: 500}, (_, i) => i * 6)
        .filter((slot) => slot % 4 !== 0)
        .map((slot) => slot * 10),
    )
    expect(read(lists, b).map(([slot]) => slot)).toEqual(
      Array.from({length: 500}, (_, i) => i * 6)
        .filter((slot) => slot % 4 !== 0)
        .map((slot) => slot * 10),
    )
    expect(read(lists, d)).toEqual([[70, 1]])
    expect(lists.size(a)).toBe(250)
  })
})
