import {normalise} from './text.ts'

// Titles as character 4-grams (spaces included, so adjacent words make grams of their own):
// the cosine of two titles' tf-idf gram vectors sees what index terms miss — compounds ("over
// weight" / "overweight"), endings the light stemmer keeps apart (diabetes / diabetic),
// misspellings, and words in the same order. The ranker adds it when it re-scores the first
// pass's best candidates (RankerConfig.titleGramWeight).
//
// Each question's grams are kept as gram ids with their counts, packed (id << 8 | count) in one
// small array; weights are worked out when compared, from the gram counts of the moment.

const SIZE = 4
const MAX_COUNT = 255

/** A title's text as grams are read from it: normalised, words joined by one space, padded. */
function folded(title: string): string {
  const words = normalise(title)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
  return words.length === 0 ? '' : ` ${words.join(' ')} `
}

/** Each gram of the title with its count (a title shorter than a gram is one gram). */
function titleGrams(title: string): Map<string, number> {
  const text = folded(title)
  const counts = new Map<string, number>()
  if (text === '') return counts
  if (text.length <= SIZE) return counts.set(text, 1)
  for (let i = 0; i + SIZE <= text.length; i++) {
    const gram = text.slice(i, i + SIZE)
    counts.set(gram, (counts.get(gram) ?? 0) + 1)
  }
  return counts
}

/** What a ranking worker gets: the gram names, their counts and every question's grams. */
export interface TitleGramsSnapshot {
  grams: string[]
  df: Int32Array
  titles: number
  offsets: Uint32Array
  packed: Uint32Array
}

export class TitleGrams {
  private readonly ids = new Map<string, number>()
  private names: string[] = []
  /** Titles holding each gram (by gram id). */
  private df: number[] = []
  private titles = 0
  /** Each question's grams by its number in the index (undefined once removed). */
  private lists: (Uint32Array | undefined)[] = []
  /** The query's unit vector by gram id, and the ids set in it. */
  private query = new Float64Array(0)
  private queryIds: number[] = []

  /** Adds question `n`'s title (n: the index's next question number). */
  add(n: number, title: string) {
    const packed: number[] = []
    for (const [gram, count] of titleGrams(title)) {
      let id = this.ids.get(gram)
      if (id === undefined) {
        id = this.names.push(gram) - 1
        this.ids.set(gram, id)
        this.df.push(0)
      }
      this.df[id] = (this.df[id] ?? 0) + 1
      packed.push((id << 8) | Math.min(count, MAX_COUNT))
    }
    this.lists[n] = Uint32Array.from(packed)
    this.titles++
  }

  remove(n: number) {
    const list = this.lists[n]
    if (!list) return
    for (const entry of list) this.df[entry >>> 8] = (this.df[entry >>> 8] ?? 1) - 1
    this.lists[n] = undefined
    this.titles--
  }

  /** Keeps the questions at `live` (ascending), numbered 0, 1, … as the index renumbers them. */
  compact(live: readonly number[]) {
    this.lists = live.map((n) => this.lists[n])
  }

  snapshot(): TitleGramsSnapshot {
    const lists = this.lists.map((list) => list ?? new Uint32Array(0))
    const offsets = new Uint32Array(lists.length + 1)
    lists.forEach((list, n) => (offsets[n + 1] = (offsets[n] ?? 0) + list.length))
    const packed = new Uint32Array(new SharedArrayBuffer(4 * (offsets[lists.length] ?? 0)))
    lists.forEach((list, n) => packed.set(list, offsets[n] ?? 0))
    return {
      grams: [...this.names],
      df: Int32Array.from(this.df),
      titles: this.titles,
      offsets,
      packed,
    }
  }

  static fromSnapshot(snapshot: TitleGramsSnapshot): TitleGrams {
    const table = new TitleGrams()
    table.names = [...snapshot.grams]
    table.names.forEach((gram, id) => table.ids.set(gram, id))
    table.df = Array.from(snapshot.df)
    table.titles = snapshot.titles
    const {offsets, packed} = snapshot
    for (let n = 0; n + 1 < offsets.length; n++)
      table.lists[n] = packed.subarray(offsets[n] ?? 0, offsets[n + 1] ?? 0)
    return table
  }

  /** (1 + ln tf) · ln(titles / df) of one packed entry. */
  private weight(entry: number): number {
    const df = this.df[entry >>> 8] ?? 1
    return (1 + Math.log(entry & MAX_COUNT)) * Math.log(Math.max(this.titles, df) / df)
  }

  /** Makes question `n`'s title the one `cosine` compares with. */
  setQuery(n: number) {
    for (const id of this.queryIds) this.query[id] = 0
    this.queryIds = []
    if (this.query.length < this.names.length)
      this.query = new Float64Array(Math.max(this.names.length, 2 * this.query.length))
    let norm = 0
    for (const entry of this.lists[n] ?? []) {
      const weight = this.weight(entry)
      if (weight <= 0) continue
      this.query[entry >>> 8] = weight
      this.queryIds.push(entry >>> 8)
      norm += weight * weight
    }
    norm = Math.sqrt(norm)
    for (const id of this.queryIds) this.query[id] = (this.query[id] ?? 0) / norm
  }

  /** Cosine of question `c`'s title with the query's (setQuery), in [0, 1]. */
  cosine(c: number): number {
    let dot = 0
    let norm = 0
    for (const entry of this.lists[c] ?? []) {
      const weight = this.weight(entry)
      norm += weight * weight
      dot += weight * (this.query[entry >>> 8] ?? 0)
    }
    return norm > 0 ? dot / Math.sqrt(norm) : 0
  }
}
