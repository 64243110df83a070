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

/** One order key over the candidates: its value for the i-th, computed when first asked. */
export interface KeyColumn {
  value(i: number): unknown
  /** Every candidate's value, when all are finite numbers (picked from faster). */
  numbers?: Float64Array
}

/** A key column from a function, each value computed once. */
export function lazyColumn(count: number, compute: (i: number) => unknown): KeyColumn {
  const values: unknown[] = new Array<unknown>(count)
  const known = new Uint8Array(count)
  return {
    value: (i) => {
      if (known[i] === 0) {
        values[i] = compute(i)
        known[i] = 1
      }
      return values[i]
    },
  }
}

export interface RankedKeys {
  columns: readonly KeyColumn[]
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

/** The `rank`-th smallest number (0-based), by quickselect; reorders `numbers`. */
function selectNumber(numbers: Float64Array, rank: number): number {
  let low = 0
  let high = numbers.length - 1
  while (low < high) {
    const pivot = numbers[(low + high) >> 1] as number
    let i = low
    let j = high
    while (i <= j) {
      while ((numbers[i] as number) < pivot) i++
      while (pivot < (numbers[j] as number)) j--
      if (i <= j) {
        const swap = numbers[i] as number
        numbers[i] = numbers[j] as number
        numbers[j] = swap
        i++
        j--
      }
    }
    if (rank <= j) high = j
    else if (rank >= i) low = i
    else break
  }
  return numbers[rank] as number
}

/**
 * The candidates that can be first `size` under `compare`, found from a first key of numbers:
 * only candidates at least as good as the `size`-th best first key can be among them.
 */
function bestByNumbers(
  numbers: Float64Array,
  descending: boolean,
  size: number,
  compare: (a: number, b: number) => number,
): {round: number[]; bound: number} {
  const threshold = selectNumber(numbers.slice(), descending ? numbers.length - size : size - 1)
  const near: number[] = []
  for (let i = 0; i < numbers.length; i++) {
    const value = numbers[i] as number
    if (descending ? value >= threshold : value <= threshold) near.push(i)
  }
  const bound = select(Int32Array.from(near), size - 1, compare)
  return {round: near.filter((i) => compare(i, bound) <= 0), bound}
}

/**
 * The candidates passing the filter that can be among the first `end` rows, in candidate order;
 * undefined when the filter returns something that is not one of its candidates. Candidates are numbered in scan order; `document` gives
 * one's document (undefined: not a candidate after all); `filter` runs the query's filter over
 * some of them with groq-js and returns those passing.
 */
export async function rankedMatches(
  count: number,
  document: (i: number) => LakeDocument | undefined,
  keys: RankedKeys,
  end: number,
  filter: (documents: LakeDocument[]) => Promise<unknown>,
): Promise<LakeDocument[] | undefined> {
  const size = Math.max(end * 2, MIN_ROUND)
  if (end < 1) return undefined
  const {columns, descending, stable} = keys
  /** Candidate `a` before `b` in the order (negative), after (positive) or tied (0). */
  const compare = (a: number, b: number): number => {
    for (let k = 0; k < columns.length; k++) {
      const column = columns[k] as KeyColumn
      const order = compareValues(column.value(a), column.value(b))
      if (order !== 0) return descending[k] ? -order : order
    }
    return stable ? a - b : 0
  }
  const matched: number[] = []
  const filterRound = async (round: number[]): Promise<boolean> => {
    const indexes = new Map<LakeDocument, number>()
    for (const i of round) {
      const found = document(i)
      if (found) indexes.set(found, i)
    }
    if (indexes.size === 0) return true
    const result = await filter([...indexes.keys()])
    if (!Array.isArray(result)) return false
    for (const passed of result) {
      const index = indexes.get(passed as LakeDocument)
      if (index === undefined) return false
      matched.push(index)
    }
    return true
  }

  // The last candidate of the rounds so far; -1 before the first, null once all were taken.
  let previous: number | null = -1
  let taken = size
  const numbers = count > size ? columns[0]?.numbers : undefined
  if (numbers) {
    const {round, bound} = bestByNumbers(numbers, descending[0] === true, size, compare)
    if (!(await filterRound(round))) return undefined
    previous = bound
    taken *= 2
  }
  const all = new Int32Array(count)
  for (let i = 0; i < count; i++) all[i] = i
  for (; matched.length < end && previous !== null; taken *= 2) {
    const bound = taken >= count ? null : select(all.slice(), taken - 1, compare)
    const round: number[] = []
    for (let i = 0; i < count; i++) {
      if (bound !== null && compare(i, bound) > 0) continue
      if (previous === -1 || compare(i, previous) > 0) round.push(i)
    }
    previous = bound
    if (round.length > 0 && !(await filterRound(round))) return undefined
  }
  let kept = matched
  if (matched.length > end) {
    const bound = select(Int32Array.from(matched), end - 1, compare)
    kept = matched.filter((index) => compare(index, bound) <= 0)
  }
  return kept.sort((a, b) => a - b).map((index) => document(index) as LakeDocument)
}
