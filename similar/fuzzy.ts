// Near spellings among the index's own terms, for misspelt questions ("diarhea", "pregnent",
// "tyroid"). Character trigrams of every vocabulary word (not of every document: the vocabulary
// is a few tens of thousands of words, so this costs a few MB where an n-gram field over 100,000
// bodies would double the postings) find candidates; an edit distance confirms them. A concept
// term of the synonym groups ("~diarrhea") is reached through its one-word spellings.

interface Neighbour {
  term: number
  /** 1 − edits / length of the longer word: 0.875 for one typo in an eight-letter word. */
  similarity: number
}

/** Shortest word looked at: shorter words have too many neighbours one edit away. */
const MIN_LENGTH = 5
const MAX_EDITS = 2

function trigrams(word: string): string[] {
  const padded = `#${word}#`
  const grams = new Set<string>()
  for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3))
  return [...grams]
}

/** Optimal string alignment distance (a transposition counts as one edit), stopping past `max`. */
export function editDistance(a: string, b: string, max = MAX_EDITS): number {
  if (Math.abs(a.length - b.length) > max) return max + 1
  let previous2: number[] = []
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (previous2[j - 2] ?? 0) + 1)
      current.push(value)
      best = Math.min(best, value)
    }
    if (best > max) return max + 1
    previous2 = previous
    previous = current
  }
  return previous[b.length] ?? max + 1
}

/** Words that can have spelling neighbours: long enough, letters only (not numbers). */
function eligible(word: string): boolean {
  return word.length >= MIN_LENGTH && /^[a-z]+$/.test(word)
}

/** Trigram lists over a growing vocabulary (term ids are appended, never renumbered). */
export class SpellingNeighbours {
  /** Spellings and the term each stands for (a word for itself, a concept's words for it). */
  private readonly words: string[] = []
  private readonly targets: number[] = []
  private readonly spellingsOf = new Map<number, number[]>()
  private readonly grams = new Map<string, number[]>()
  private readonly cache = new Map<number, Neighbour[]>()
  private counts = new Uint16Array(0)

  /** Registers term `id` under `spellings` (the term itself, or a concept's words). */
  add(id: number, spellings: readonly string[]) {
    this.cache.clear()
    for (const word of spellings) {
      if (!eligible(word)) continue
      const entry = this.words.length
      this.words.push(word)
      this.targets.push(id)
      const own = this.spellingsOf.get(id) ?? []
      own.push(entry)
      this.spellingsOf.set(id, own)
      for (const gram of trigrams(word)) {
        const list = this.grams.get(gram)
        if (list) list.push(entry)
        else this.grams.set(gram, [entry])
      }
    }
  }

  /**
   * Terms one edit (two from eight letters on) from one of `id`'s spellings, with at least
   * `minSimilarity`; the best spelling counts for each, most similar first.
   */
  neighbours(id: number, minSimilarity: number): Neighbour[] {
    const cached = this.cache.get(id)
    if (cached) return cached
    const best = new Map<number, number>()
    for (const entry of this.spellingsOf.get(id) ?? []) {
      for (const [term, similarity] of this.near(this.words[entry] ?? '', id)) {
        if (similarity >= minSimilarity && similarity > (best.get(term) ?? 0))
          best.set(term, similarity)
      }
    }
    const found = [...best].map(([term, similarity]) => ({term, similarity}))
    found.sort((a, b) => b.similarity - a.similarity || a.term - b.term)
    this.cache.set(id, found)
    return found
  }

  private near(word: string, self: number): [number, number][] {
    const maxEdits = word.length >= 8 ? 2 : 1
    const grams = trigrams(word)
    // Each edit breaks at most three trigrams.
    const needed = Math.max(1, grams.length - 3 * maxEdits)
    if (this.counts.length < this.words.length) this.counts = new Uint16Array(this.words.length * 2)
    const touched: number[] = []
    for (const gram of grams) {
      for (const entry of this.grams.get(gram) ?? []) {
        if (this.counts[entry] === 0) touched.push(entry)
        this.counts[entry] = (this.counts[entry] ?? 0) + 1
      }
    }
    const found: [number, number][] = []
    for (const entry of touched) {
      const shared = this.counts[entry] ?? 0
      this.counts[entry] = 0
      const target = this.targets[entry] ?? self
      if (target === self || shared < needed) continue
      const candidate = this.words[entry] ?? ''
      const edits = editDistance(word, candidate, maxEdits)
      if (edits <= maxEdits)
        found.push([target, 1 - edits / Math.max(word.length, candidate.length)])
    }
    return found
  }
}
