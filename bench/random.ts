// A small seeded PRNG (mulberry32) and the helpers the generator and the benchmark draw with, so a
// seed always yields the same archive and the same query parameters.

export interface Random {
  /** Uniform in [0, 1). */
  next: () => number
  /** Integer in [min, max], both inclusive. */
  int: (min: number, max: number) => number
  pick: <T>(items: readonly T[]) => T
  chance: (probability: number) => boolean
  /** Index drawn with probability proportional to its weight. */
  weighted: (cumulative: readonly number[]) => number
  /** Up to `count` distinct items, in random order. */
  sample: <T>(items: readonly T[], count: number) => T[]
  /** A short random key like Sanity's `_key`s. */
  key: () => string
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Running sums of `weights`, for `Random.weighted`. */
export function cumulativeWeights(weights: readonly number[]): number[] {
  let sum = 0
  return weights.map((weight) => (sum += weight))
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed)
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(next() * items.length)] as T
  }
  return {
    next,
    int,
    pick,
    chance: (probability) => next() < probability,
    weighted: (cumulative) => {
      const total = cumulative[cumulative.length - 1] ?? 0
      const target = next() * total
      let low = 0
      let high = cumulative.length - 1
      while (low < high) {
        const middle = (low + high) >>> 1
        if ((cumulative[middle] ?? 0) > target) high = middle
        else low = middle + 1
      }
      return low
    },
    sample: <T>(items: readonly T[], count: number): T[] => {
      const copy = [...items]
      const taken: T[] = []
      while (taken.length < count && copy.length > 0) {
        const index = Math.floor(next() * copy.length)
        taken.push(copy[index] as T)
        copy[index] = copy[copy.length - 1] as T
        copy.pop()
      }
      return taken
    },
    key: () => Math.floor(next() * 2 ** 48).toString(36),
  }
}
