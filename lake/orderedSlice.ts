import type {LakeDocument} from './documentIndex.ts'
import {quickselect} from './quickselect.ts'
import {attributeValue} from './attribute.ts'

// `*[filter] | order(key desc, …)[0...20]` reads only the first 20 matches in key order, so the
// filter need only run over the candidates with the best keys, as long as enough of them pass.
// Candidates are taken in rounds by their first order key: the first round holds the best
// max(2 * end, 64) keys plus every tie with the worst of them, each further round doubles the
// size, the last holds the rest. Every candidate of a round has a strictly worse key than every
// candidate of the rounds before it, so once the rounds filtered so far yield `end` matches, any
// other match is ordered after all of them and cannot be among the first `end` rows. The same
// holds for matches worse than the `end`-th best one, which are dropped as well. groq-js then
// orders the rest, still deciding ties, secondary keys and stable positions itself.

const MIN_PREFIX = 64

type Key = string | number

/**
 * The keys at `path` when groq-js compares them all by value alone, as JS's `<` does: all strings
 * or all finite numbers. Anything else (nulls, mixed types, datetimes) is left to groq-js.
 */
function comparableKeys(documents: readonly LakeDocument[], path: readonly string[]) {
  const keys: Key[] = []
  let strings = 0
  for (const document of documents) {
    const key = attributeValue(document, path)
    if (typeof key === 'string') strings++
    else if (typeof key !== 'number' || !Number.isFinite(key)) return undefined
    keys.push(key)
  }
  return strings === 0 || strings === keys.length ? keys : undefined
}

/** Whether `a` sorts before `b` ascending (keys are all strings or all numbers). */
function less(a: Key, b: Key): boolean {
  return typeof a === 'string' ? typeof b === 'string' && a < b : typeof b === 'number' && a < b
}

/** Candidates' keys at one path, and the same keys sorted ascending (see `prepareKeys`). */
export interface PreparedKeys {
  keys: Key[]
  sorted: Key[]
}

/**
 * The keys of `documents` at `path`, sorted once so later queries over the same candidates find
 * each round's bound by position instead of a quickselect; undefined when not comparable.
 */
export function prepareKeys(
  documents: readonly LakeDocument[],
  path: readonly string[],
): PreparedKeys | undefined {
  const keys = comparableKeys(documents, path)
  if (!keys) return undefined
  return {keys, sorted: keys.slice().sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0))}
}

/**
 * The candidates passing the filter that can be among the first `end` rows of `order(key, …)`
 * (`key` at `path`, descending or not), in dataset order. `documents` are the candidates in
 * dataset order; `filter` runs the query's filter over some of them with groq-js and returns
 * those passing (groq-js hands back the same objects). Undefined when the keys are not comparable,
 * the candidates are too few to gain anything, or a result is not one of the candidates.
 */
export async function orderedMatches(
  documents: readonly LakeDocument[],
  path: readonly string[],
  descending: boolean,
  end: number,
  filter: (documents: LakeDocument[]) => Promise<unknown>,
  /** `prepareKeys(documents, path)`, when the caller keeps it between queries. */
  prepared?: PreparedKeys,
): Promise<LakeDocument[] | undefined> {
  const size = Math.max(end * 2, MIN_PREFIX)
  if (end < 1 || documents.length <= size) return undefined
  const keys = prepared?.keys ?? comparableKeys(documents, path)
  if (!keys) return undefined
  // Whether `key` is at least as good as `bound` in the requested direction.
  const admits = (bound: Key, key: Key) => !(descending ? less(key, bound) : less(bound, key))
  /** The `count`-th best of `some` keys (which it reorders). */
  const nth = (some: Key[], count: number) =>
    quickselect(some, descending ? some.length - count : count - 1, less)

  const matched: number[] = []
  // The worst key of the rounds so far; null once the last round took every candidate left.
  let previous: Key | null | undefined
  for (let count = size; matched.length < end && previous !== null; count *= 2) {
    const bound =
      count >= keys.length
        ? null
        : prepared
          ? (prepared.sorted[descending ? keys.length - count : count - 1] as Key)
          : nth(keys.slice(), count)
    const round: number[] = []
    for (let position = 0; position < keys.length; position++) {
      const key = keys[position] as Key
      if (bound !== null && !admits(bound, key)) continue
      if (previous === undefined || !admits(previous, key)) round.push(position)
    }
    previous = bound
    if (round.length === 0) continue
    const batch = round.map((position) => documents[position] as LakeDocument)
    const result = await filter(batch)
    if (!Array.isArray(result)) return undefined
    const positions = new Map(batch.map((document, i) => [document, round[i] as number]))
    for (const document of result) {
      const position = positions.get(document as LakeDocument)
      if (position === undefined) return undefined
      matched.push(position)
    }
  }
  let kept = matched
  if (matched.length > end) {
    const bound = nth(
      matched.map((position) => keys[position] as Key),
      end,
    )
    kept = matched.filter((position) => admits(bound, keys[position] as Key))
  }
  return kept.sort((a, b) => a - b).map((position) => documents[position] as LakeDocument)
}
