import type {LakeDocument} from './documentIndex.ts'
import {quickselect} from './quickselect.ts'

// `… | order(k1 desc, k2, …)[0...20]` reads the first 20 rows in key order, so a filter in front
// of it need only run over the candidates with the best keys, as long as enough of them pass.
// Unlike lake/orderedSlice.ts (one key read from the documents, sorted keys kept between
// queries), the keys here are any number of computed values (a score from the text indexes, a
// count of shared tags), compared as groq-js's order() compares them; after the last key, ties
// keep the order the rows came in, which the caller may say is the candidates' own (scan) order.
// Candidates are taken in rounds of the best max(1.5 × end, 16) keys, then twice as many, each
// round strictly after the ones before it in key order; once the rounds filtered so far yield
// `end` matches, no other match can be among the first `end` rows, and neither can matches after
// the `end`-th best one.

/**
 * The smallest first round. Keys here are exact, so a round loses only the candidates the filter
 * rejects: a small one is usually enough, and groq-js filters each of its candidates.
 */
const MIN_ROUND = 16

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
function compareValues(a: unknown, b: unknown): number {
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

/**
 * Every candidate's value computed now, as numbers when groq-js's order would compare them as
 * such: numbers, and values of the kind it ranks after all others (null, objects), which compare
 * equal to one another (as +Infinity here, after every finite number).
 */
export function eagerColumn(count: number, compute: (i: number) => unknown): KeyColumn {
  const values: unknown[] = []
  const numbers = new Float64Array(count)
  let numeric = true
  for (let i = 0; i < count; i++) {
    const value = compute(i)
    values.push(value)
    if (typeof value === 'number' && Number.isFinite(value)) numbers[i] = value
    else if (typeRank(value) === 100) numbers[i] = Number.POSITIVE_INFINITY
    else numeric = false
  }
  return numeric ? {value: (i) => values[i], numbers} : {value: (i) => values[i]}
}

/** A key column from a function, each value computed once (few are: those that tie before it). */
export function lazyColumn(compute: (i: number) => unknown): KeyColumn {
  const values = new Map<number, unknown>()
  return {
    value: (i) => {
      if (values.has(i)) return values.get(i)
      const value = compute(i)
      values.set(i, value)
      return value
    },
  }
}

export interface RankedKeys {
  columns: readonly KeyColumn[]
  descending: readonly boolean[]
  /** Whether rows tied on every key come in candidate (scan) order, as then groq-js keeps them. */
  stable: boolean
}

/** `rank`-th smallest of `items` (0-based) under `compare`; reorders `items`. */
function select(
  items: Int32Array,
  rank: number,
  compare: (a: number, b: number) => number,
): number {
  return quickselect(items, rank, (a, b) => compare(a, b) < 0)
}

/**
 * The `rank`-th smallest number (0-based), by quickselect; reorders `numbers`. Kept apart from
 * `quickselect`: numeric keys are the common case of ranked slices, compared here without a call.
 */
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

/** A key's values as numbers ordered as groq-js orders them, or undefined (strings, booleans). */
function asNumbers(values: readonly unknown[]): Float64Array | undefined {
  const numbers = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value === 'number' && Number.isFinite(value)) numbers[i] = value
    else if (typeRank(value) === 100) numbers[i] = Number.POSITIVE_INFINITY
    else return undefined
  }
  return numbers
}

/**
 * The first `k` of `candidates` (ascending indexes) in key order from column `from` on, ties
 * after the last column kept in candidate order when `stable` (else all kept). Column by column
 * while keys are numbers: those strictly better than the `k`-th best value are in, those tied
 * with it are decided by the next column; the rest is decided by comparing whole keys.
 */
function firstOf(
  candidates: Int32Array,
  k: number,
  keys: RankedKeys,
  from: number,
  compare: (a: number, b: number) => number,
): Int32Array {
  if (candidates.length <= k) return candidates
  if (from === keys.columns.length) return keys.stable ? candidates.subarray(0, k) : candidates
  const column = keys.columns[from] as KeyColumn
  const numbers =
    column.numbers && candidates.length === column.numbers.length
      ? column.numbers
      : asNumbers(Array.from(candidates, (i) => column.value(i)))
  if (!numbers) {
    const bound = select(candidates.slice(), k - 1, compare)
    return candidates.filter((i) => compare(i, bound) <= 0)
  }
  const descending = keys.descending[from] === true
  const threshold = selectNumber(numbers.slice(), descending ? numbers.length - k : k - 1)
  const better: number[] = []
  const tied: number[] = []
  for (let c = 0; c < candidates.length; c++) {
    const value = numbers[c] as number
    if (value === threshold) tied.push(candidates[c] as number)
    else if (descending ? value > threshold : value < threshold)
      better.push(candidates[c] as number)
  }
  const rest = firstOf(Int32Array.from(tied), k - better.length, keys, from + 1, compare)
  const first = new Int32Array(better.length + rest.length)
  first.set(better)
  first.set(rest, better.length)
  return first.sort()
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
  const size = Math.max(Math.ceil(end * 1.5), MIN_ROUND)
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
  const all = new Int32Array(count)
  for (let i = 0; i < count; i++) all[i] = i
  if (count > size) {
    // The first round picked key by key (most candidates never have their later keys read).
    const round = firstOf(all, size, keys, 0, compare)
    let worst = round[0] as number
    for (const i of round) if (compare(i, worst) > 0) worst = i
    if (!(await filterRound([...round]))) return undefined
    previous = worst
    taken *= 2
  }
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
