import type {LakeDocument} from './documentIndex.ts'

// `… | order(k1 desc, k2, …)[0...20]` reads the first 20 rows in key order, so a filter in front
// of it need only run over the candidates with the best keys, as long as enough of them pass.
// Unlike lake/orderedSlice.ts (one key read from the documents, sorted keys kept between
// queries), the keys here are any number of computed values (a score from the text indexes, a
// count of shared tags), compared as groq-js's order() compares them; after the last key, ties
// keep the order the rows came in, which the caller may say is the candidates' own (scan) order.
// Candidates are taken in rounds of the best max(2 × end, 64) keys, then twice as many, each
// round strictly after the ones before it in key order; once the rounds filtered so far yield
// `end` matches, no other match can be among the first `end` rows, and neither can matches after
// the `end`-th best one.

const MIN_ROUND = 64

/** How groq-js's order() ranks types: numbers, strings, booleans, then everything else as one. */
function typeRank(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return 2
    case 'string':
      return 3
    case 'boolean':
      return 4
    default:
      return 100
  }
}

/** groq-js's totalCompare for JSON values. */
export function compareValues(a: unknown, b: unknown): number {
  const rankA = typeRank(a)
  const rankB = typeRank(b)
  if (rankA !== rankB) return rankA - rankB
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return 0
}

export interface RankedKeys {
  /** One column per order key: each candidate's value, in candidate order. */
  columns: readonly (readonly unknown[])[]
  descending: readonly boolean[]
  /** Whether rows tied on every key come in candidate (scan) order, as then groq-js keeps them. */
  stable: boolean
}

/** `rank`-th smallest of `items` (0-based) under `compare`, by quickselect; reorders `items`. */
function select(
  items: Int32Array,
  rank: number,
  compare: (a: number, b: number) => number,
): number {
  let low = 0
  let high = items.length - 1
  while (low < high) {
    const pivot = items[(low + high) >> 1] as number
    let i = low
    let j = high
    while (i <= j) {
      while (compare(items[i] as number, pivot) < 0) i++
      while (compare(pivot, items[j] as number) < 0) j--
      if (i <= j) {
        const swap = items[i] as number
        items[i] = items[j] as number
        items[j] = swap
        i++
        j--
      }
    }
    if (rank <= j) high = j
    else if (rank >= i) low = i
    else break
  }
  return items[rank] as number
}

/**
 * The candidates passing the filter that can be among the first `end` rows, in candidate order;
 * undefined when there are too few candidates to gain anything or the filter returns something
 * that is not one of its candidates. `documents` are the candidates in scan order; `filter` runs
 * the query's filter over some of them with groq-js and returns those passing.
 */
export async function rankedMatches(
  documents: readonly LakeDocument[],
  keys: RankedKeys,
  end: number,
  filter: (documents: LakeDocument[]) => Promise<unknown>,
): Promise<LakeDocument[] | undefined> {
  const size = Math.max(end * 2, MIN_ROUND)
  if (end < 1 || documents.length <= size) return undefined
  const {columns, descending, stable} = keys
  /** Candidate `a` before `b` in the order (negative), after (positive) or tied (0). */
  const compare = (a: number, b: number): number => {
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k] as readonly unknown[]
      const order = compareValues(column[a], column[b])
      if (order !== 0) return descending[k] ? -order : order
    }
    return stable ? a - b : 0
  }
  const all = new Int32Array(documents.length)
  for (let i = 0; i < all.length; i++) all[i] = i

  const matched: number[] = []
  // The last candidate of the rounds so far; -1 before the first, null once all were taken.
  let previous: number | null = -1
  for (let count = size; matched.length < end && previous !== null; count *= 2) {
    const bound = count >= all.length ? null : select(all.slice(), count - 1, compare)
    const round: number[] = []
    for (let i = 0; i < all.length; i++) {
      if (bound !== null && compare(i, bound) > 0) continue
      if (previous === -1 || compare(i, previous) > 0) round.push(i)
    }
    previous = bound
    if (round.length === 0) continue
    const batch = round.map((i) => documents[i] as LakeDocument)
    const result = await filter(batch)
    if (!Array.isArray(result)) return undefined
    const indexes = new Map(batch.map((document, i) => [document, round[i] as number]))
    for (const document of result) {
      const index = indexes.get(document as LakeDocument)
      if (index === undefined) return undefined
      matched.push(index)
    }
  }
  let kept = matched
  if (matched.length > end) {
    const bound = select(Int32Array.from(matched), end - 1, compare)
    kept = matched.filter((index) => compare(index, bound) <= 0)
  }
  return kept.sort((a, b) => a - b).map((index) => documents[index] as LakeDocument)
}
