import {DEFAULT_RANKER, inputHash, type RankerConfig, type SimilarSource} from './config.ts'
import {SpellingNeighbours} from './fuzzy.ts'
import {
  analysisKey,
  lexiconRelations,
  type Relations,
  termRetention,
  translationRelations,
} from './relations.ts'
import {analyze, type AnalyzeOptions, conceptWords} from './text.ts'
import {TitleGrams, type TitleGramsSnapshot} from './titleGrams.ts'

// The similar-thread index: BM25F over title (boosted) and body, plus tag and specialty bonuses;
// the best few re-scored with the titles' character 4-grams (titleGrams.ts).
//
// Memory: terms are numbered; each question keeps its terms as a forward list (term id, title
// tf, body tf: 8 bytes a term) and each term a postings list (question number, title tf, body
// tf: 8 bytes), both in flat typed arrays (compressed-sparse-row). About 100 MB for 100,000
// questions of a few paragraphs; no text is kept (titles as 4-gram ids, 4 bytes a character).
// Changes after the build go to a small delta segment (new versions appended, old ones
// tombstoned) merged back by `compact()`, so keeping an index fresh never re-analyses the
// archive.

export interface Ranked {
  _id: string
  score: number
}

const U16_MAX = 0xffff

/**
 * Questions scored in full after each term walked by the pruned walk (they raise the bar): one
 * per RAISE_PER questions reached so far, from RAISERS_MIN to RAISERS_MAX. Long postings (a
 * large archive's common words) repay more: the bar nears its final height a term sooner. At
 * 100,000 generated threads 0.76× the time per ranking of a fixed 8; on the real sets (short
 * postings, few reached) the same time, where a fixed 32 cost 1.25–1.4×.
 */
const RAISERS_MIN = 8
const RAISERS_MAX = 64
const RAISE_PER = 256
/** Bounds are raised by this factor before a comparison, so rounding can never prune a winner. */
const BOUND_SLACK = 1 + 1e-9

// The base segment lives in shared memory, so ranking workers (pool.ts) read it without a copy.
function sharedU32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(length * Uint32Array.BYTES_PER_ELEMENT))
}

function sharedU16(length: number): Uint16Array {
  return new Uint16Array(new SharedArrayBuffer(length * Uint16Array.BYTES_PER_ELEMENT))
}

class GrowableU32 {
  data = new Uint32Array(1024)
  length = 0
  push(value: number) {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = value
  }
  finish(): Uint32Array {
    const finished = sharedU32(this.length)
    finished.set(this.data.subarray(0, this.length))
    return finished
  }
}

class GrowableU16 {
  data = new Uint16Array(1024)
  length = 0
  push(value: number) {
    if (this.length === this.data.length) {
      const bigger = new Uint16Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = Math.min(value, U16_MAX)
  }
  finish(): Uint16Array {
    const finished = sharedU16(this.length)
    finished.set(this.data.subarray(0, this.length))
    return finished
  }
}

/** One question's terms, sorted by term id, with title and body frequencies. */
interface Forward {
  terms: Uint32Array
  titleTf: Uint16Array
  bodyTf: Uint16Array
}

interface DeltaPostings {
  docs: number[]
  titleTf: number[]
  bodyTf: number[]
}

/** How an index with `config` analyses text. */
export function analysisOptions(config: RankerConfig): AnalyzeOptions {
  const {stem, stemmer, synonyms, keepNumbers, stopWords} = config
  return {stem, stemmer, synonyms, keepNumbers, stopWords}
}

/** A relation table the caller brings (e.g. the evaluation's WordNet or word-vector neighbours). */
export interface ExtraRelations {
  weight: number
  relations: Relations
}

export interface BuildOptions {
  relations?: readonly ExtraRelations[]
}

/**
 * Questions a query's terms must be able to reach (the sum of their document frequencies, less
 * the question itself) before the pruning to the most informative terms stops: the first pass
 * keeps the best 10 (RankerConfig.rerankDepth) for the four a list stores.
 */
const MIN_REACH = 10

/** Term id → [title tf, body tf] of one question's text. */
function countTerms(
  source: SimilarSource,
  config: RankerConfig,
  termId: (term: string) => number,
): {forward: Forward; titleLength: number; bodyLength: number} {
  const options = analysisOptions(config)
  const title = analyze(`${source.title}\n${source.shortTitle ?? ''}`, options)
  // 'beside' is for titles: in bodies the words beside each concept cost a tenth more ranking
  // time at 100,000 threads and changed nothing on the real sets with bodies.
  const bodyOptions = options.synonyms === 'beside' ? {...options, synonyms: true} : options
  const body = config.useBody ? analyze(source.body, bodyOptions) : []
  const counts = new Map<number, [number, number]>()
  for (const term of title) {
    const id = termId(term)
    const count = counts.get(id)
    if (count) count[0]++
    else counts.set(id, [1, 0])
  }
  for (const term of body) {
    const id = termId(term)
    const count = counts.get(id)
    if (count) count[1]++
    else counts.set(id, [0, 1])
  }
  const ids = [...counts.keys()].sort((a, b) => a - b)
  const forward: Forward = {
    terms: Uint32Array.from(ids),
    titleTf: new Uint16Array(ids.length),
    bodyTf: new Uint16Array(ids.length),
  }
  ids.forEach((id, i) => {
    const [t, b] = counts.get(id) ?? [0, 0]
    forward.titleTf[i] = Math.min(t, U16_MAX)
    forward.bodyTf[i] = Math.min(b, U16_MAX)
  })
  return {forward, titleLength: title.length, bodyLength: body.length}
}

/**
 * A bounded min-heap of the best `limit` (score, question) pairs. Ties break on `_id` (`ids`);
 * without `ids`, on question number, and a question that only ties the lowest kept is turned
 * away (the pruned walk's raisers: any choice among equals is as good there, and comparing ids
 * took a seventh of the walk's own time).
 */
class TopK {
  readonly scores: number[] = []
  readonly docs: number[] = []
  private readonly limit: number
  private readonly ids: readonly string[] | undefined
  constructor(limit: number, ids?: readonly string[]) {
    this.limit = limit
    this.ids = ids
  }
  /** a ranks below b: lower score, or equal score and later id (or question number). */
  private below(i: number, j: number): boolean {
    const a = this.scores[i] ?? 0
    const b = this.scores[j] ?? 0
    if (a !== b) return a < b
    if (!this.ids) return (this.docs[i] ?? 0) > (this.docs[j] ?? 0)
    return (this.ids[this.docs[i] ?? 0] ?? '') > (this.ids[this.docs[j] ?? 0] ?? '')
  }
  private swap(i: number, j: number) {
    ;[this.scores[i], this.scores[j]] = [this.scores[j] ?? 0, this.scores[i] ?? 0]
    ;[this.docs[i], this.docs[j]] = [this.docs[j] ?? 0, this.docs[i] ?? 0]
  }
  full(): boolean {
    return this.scores.length >= this.limit
  }
  /** Lowest score kept (when full). */
  worst(): number {
    return this.scores[0] ?? -Infinity
  }
  /** What a score must reach to be kept: the lowest kept once full, before that anything. */
  bar(): number {
    return this.full() ? this.worst() : -Infinity
  }
  offer(score: number, doc: number) {
    if (this.limit <= 0) return
    if (this.full() && (score < this.worst() || (!this.ids && score === this.worst()))) return
    if (this.scores.length < this.limit) {
      this.scores.push(score)
      this.docs.push(doc)
      for (let i = this.scores.length - 1; i > 0;) {
        const parent = (i - 1) >> 1
        if (!this.below(i, parent)) break
        this.swap(i, parent)
        i = parent
      }
      return
    }
    this.scores.push(score)
    this.docs.push(doc)
    const last = this.scores.length - 1
    const beatsWorst = this.below(0, last)
    this.scores.pop()
    this.docs.pop()
    if (!beatsWorst) return
    this.scores[0] = score
    this.docs[0] = doc
    for (let i = 0; ;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < this.scores.length && this.below(left, smallest)) smallest = left
      if (right < this.scores.length && this.below(right, smallest)) smallest = right
      if (smallest === i) break
      this.swap(i, smallest)
      i = smallest
    }
  }
  /** Best first. */
  sorted(): {score: number; doc: number}[] {
    return this.scores
      .map((score, i) => ({score, doc: this.docs[i] ?? 0}))
      .sort((a, b) =>
        b.score !== a.score
          ? b.score - a.score
          : !this.ids
            ? a.doc - b.doc
            : (this.ids[a.doc] ?? '') < (this.ids[b.doc] ?? '')
              ? -1
              : 1,
      )
  }
}

interface QueryTerm {
  term: number
  /** idf × query weight. */
  weight: number
}

interface QueryModel {
  q: number
  /** The question's own terms, then their expansions (and feedback terms once added). */
  terms: QueryTerm[]
  own: QueryTerm[]
  /** Score of the question against its own terms. */
  self: number
  averageLength: number
}

/**
 * What a ranking worker needs to rank exactly as an index does (pool.ts): the base segment's
 * typed arrays (shared memory, not copied) and copies of the small per-term and per-question
 * arrays.
 */
export interface IndexSnapshot {
  config: RankerConfig
  termNames: string[]
  df: Int32Array
  ids: string[]
  specialties: Int32Array
  titleLengths: Float64Array
  bodyLengths: Float64Array
  totalTitleLength: number
  totalBodyLength: number
  forwardOffsets: Uint32Array
  forwardTerms: Uint32Array
  forwardTitleTf: Uint16Array
  forwardBodyTf: Uint16Array
  postingOffsets: Uint32Array
  postingDocs: Uint32Array
  postingTitleTf: Uint16Array
  postingBodyTf: Uint16Array
  tagOffsets: Uint32Array
  tagList: Uint32Array
  titleGrams: TitleGramsSnapshot
  /** Per-term bounds (see termBound), copied. */
  boundAverageLength: number
  boundValues: Float64Array
}

export interface IndexStats {
  questions: number
  terms: number
  postings: number
  deltaQuestions: number
  /** Query terms whose postings rankings did not walk (dynamic pruning), since the build. */
  skippedTerms: number
  /** Bytes held in typed arrays (postings, forward lists, tags). */
  typedBytes: number
}

export class SimilarIndex {
  private currentConfig: RankerConfig
  private readonly vocabulary = new Map<string, number>()
  private readonly termNames: string[] = []
  private readonly spelling = new SpellingNeighbours()
  private readonly conceptWords: Map<string, string[]>
  private extraRelations: readonly ExtraRelations[] = []
  private df: number[] = []

  // Per question number (base segment first, delta after it).
  private ids: string[] = []
  private revisions: (string | undefined)[] = []
  private hashes: string[] = []
  private specialties: number[] = []
  /** Every question's title as character 4-grams, by question number (the title-gram score). */
  private titleGrams = new TitleGrams()
  private titleLengths: number[] = []
  private bodyLengths: number[] = []
  private alive: boolean[] = []
  private readonly numberOf = new Map<string, number>()
  private readonly specialtyIds = new Map<string, number>()
  private readonly tagIds = new Map<string, number>()

  // Base segment (compressed-sparse-row).
  private baseCount = 0
  private forwardOffsets: Uint32Array = new Uint32Array(1)
  private forwardTerms: Uint32Array = new Uint32Array(0)
  private forwardTitleTf: Uint16Array = new Uint16Array(0)
  private forwardBodyTf: Uint16Array = new Uint16Array(0)
  private postingOffsets: Uint32Array = new Uint32Array(1)
  private postingDocs: Uint32Array = new Uint32Array(0)
  private postingTitleTf: Uint16Array = new Uint16Array(0)
  private postingBodyTf: Uint16Array = new Uint16Array(0)
  private tagOffsets: Uint32Array = new Uint32Array(1)
  private tagList: Uint32Array = new Uint32Array(0)

  // Delta segment.
  private readonly deltaForward = new Map<number, Forward>()
  private readonly deltaTags = new Map<number, Uint32Array>()
  private readonly deltaPostings = new Map<number, DeltaPostings>()

  private liveCount = 0
  private totalTitleLength = 0
  private totalBodyLength = 0
  /**
   * Per question number: its running score at 2n (0 between rankings) and the length part of its
   * BM25F denominator at 2n + 1 (-1: removed), side by side so the postings loop touches one
   * cache line per question.
   */
  private pairs = new Float64Array(0)
  /** What the lengths in `pairs` were worked out for (undefined: to do again). */
  private normKey: {averageLength: number; k1b: number; titleBoost: number} | undefined
  private touched = new Uint32Array(0)
  private offered = new Uint8Array(0)
  // The pruned walk's questions still in the running, side by side (see prunedWalk).
  private runScores = new Float64Array(0)
  private runNorms = new Float64Array(0)
  private runBonuses = new Float64Array(0)
  /** Per question number: its bonus, while the pruned walk sorts the running questions. */
  private bonuses = new Float64Array(0)
  private slots = new Int32Array(0)
  private termValues = new Float64Array(0)
  private termFound = new Uint8Array(0)
  private pruning = true
  private skippedTerms = 0
  /** Bumped by every change that can move a ranking (see `version`). */
  private changes = 0
  /**
   * Per-term upper bounds of the BM25F value at a reference average length (see termBound), by
   * term id; NaN: not worked out yet.
   */
  private bounds: {averageLength: number; values: Float64Array} = {
    averageLength: 0,
    values: new Float64Array(0),
  }

  private constructor(config: RankerConfig, options: BuildOptions = {}) {
    this.currentConfig = config
    this.conceptWords = conceptWords(analysisOptions(config))
    this.extraRelations = options.relations ?? []
  }

  /** Builds an index over `sources` (the whole archive: one pass, text is not kept). */
  static build(
    sources: Iterable<SimilarSource>,
    config: RankerConfig = DEFAULT_RANKER,
    options: BuildOptions = {},
  ): SimilarIndex {
    const builder = new IndexBuilder(config, options)
    for (const source of sources) builder.add(source)
    return builder.finish()
  }

  /** Builds an index from an async stream of sources (e.g. pages read through the client). */
  static async buildAsync(
    sources: AsyncIterable<SimilarSource>,
    config: RankerConfig = DEFAULT_RANKER,
    options: BuildOptions = {},
  ): Promise<SimilarIndex> {
    const builder = new IndexBuilder(config, options)
    for await (const source of sources) builder.add(source)
    return builder.finish()
  }

  /** @internal Used by IndexBuilder. */
  static fromParts(
    config: RankerConfig,
    options: BuildOptions,
    fill: (index: SimilarIndex) => void,
  ): SimilarIndex {
    const index = new SimilarIndex(config, options)
    fill(index)
    return index
  }

  get config(): RankerConfig {
    return this.currentConfig
  }

  /**
   * @internal For the evaluation: ranks with other query-time weights without rebuilding. The
   * analysis (stemming, synonyms, numbers, body) must be the one the index was built with.
   */
  setQueryConfig(config: RankerConfig) {
    const built = analysisKey(analysisOptions(this.currentConfig))
    if (analysisKey(analysisOptions(config)) !== built || config.useBody !== this.config.useBody)
      throw new Error('setQueryConfig cannot change the analysis: build a new index')
    this.currentConfig = config
    this.changes++
    this.normKey = undefined
    this.bounds = {averageLength: 0, values: new Float64Array(0)}
  }

  get size(): number {
    return this.liveCount
  }

  /** Changes that can move a ranking since the build: a snapshot is stale once it moved. */
  get version(): number {
    return this.changes
  }

  /**
   * What a ranking worker needs to rank as this index does (delta merged first). Relation
   * tables a caller brought (BuildOptions.relations) are not part of it.
   */
  snapshot(): IndexSnapshot {
    if (this.extraRelations.length > 0)
      throw new Error('An index with extra relation tables cannot be ranked by workers')
    if (this.deltaForward.size > 0 || this.liveCount !== this.ids.length) this.compact()
    return {
      config: this.currentConfig,
      termNames: [...this.termNames],
      df: Int32Array.from(this.df),
      ids: [...this.ids],
      specialties: Int32Array.from(this.specialties),
      titleLengths: Float64Array.from(this.titleLengths),
      bodyLengths: Float64Array.from(this.bodyLengths),
      totalTitleLength: this.totalTitleLength,
      totalBodyLength: this.totalBodyLength,
      forwardOffsets: this.forwardOffsets,
      forwardTerms: this.forwardTerms,
      forwardTitleTf: this.forwardTitleTf,
      forwardBodyTf: this.forwardBodyTf,
      postingOffsets: this.postingOffsets,
      postingDocs: this.postingDocs,
      postingTitleTf: this.postingTitleTf,
      postingBodyTf: this.postingBodyTf,
      tagOffsets: this.tagOffsets,
      tagList: this.tagList,
      titleGrams: this.titleGrams.snapshot(),
      boundAverageLength: this.bounds.averageLength,
      boundValues: this.bounds.values.slice(),
    }
  }

  /** An index that ranks as the snapshot's did (for ranking only: no revisions or hashes). */
  static fromSnapshot(snapshot: IndexSnapshot): SimilarIndex {
    const index = new SimilarIndex(snapshot.config)
    index.restore(snapshot)
    return index
  }

  private restore(snapshot: IndexSnapshot) {
    // The same term ids, and the same spelling entries in the same order.
    for (const name of snapshot.termNames) this.termId(name)
    this.df = Array.from(snapshot.df)
    this.ids = snapshot.ids
    this.specialties = Array.from(snapshot.specialties)
    this.titleGrams = TitleGrams.fromSnapshot(snapshot.titleGrams)
    this.titleLengths = Array.from(snapshot.titleLengths)
    this.bodyLengths = Array.from(snapshot.bodyLengths)
    this.alive = snapshot.ids.map(() => true)
    snapshot.ids.forEach((id, n) => this.numberOf.set(id, n))
    this.liveCount = snapshot.ids.length
    this.totalTitleLength = snapshot.totalTitleLength
    this.totalBodyLength = snapshot.totalBodyLength
    this.baseCount = snapshot.ids.length
    this.forwardOffsets = snapshot.forwardOffsets
    this.forwardTerms = snapshot.forwardTerms
    this.forwardTitleTf = snapshot.forwardTitleTf
    this.forwardBodyTf = snapshot.forwardBodyTf
    this.postingOffsets = snapshot.postingOffsets
    this.postingDocs = snapshot.postingDocs
    this.postingTitleTf = snapshot.postingTitleTf
    this.postingBodyTf = snapshot.postingBodyTf
    this.tagOffsets = snapshot.tagOffsets
    this.tagList = snapshot.tagList
    this.allocate(this.ids.length)
    this.bounds = {averageLength: snapshot.boundAverageLength, values: snapshot.boundValues}
  }

  has(id: string): boolean {
    return this.numberOf.has(id)
  }

  /** Ids of every question in the index. */
  questionIds(): string[] {
    return [...this.numberOf.keys()]
  }

  revision(id: string): string | undefined {
    const n = this.numberOf.get(id)
    return n === undefined ? undefined : this.revisions[n]
  }

  setRevision(id: string, revision: string) {
    const n = this.numberOf.get(id)
    if (n !== undefined) this.revisions[n] = revision
  }

  /** Fingerprint of the question's inputs as indexed (see `inputHash`). */
  inputHash(id: string): string | undefined {
    const n = this.numberOf.get(id)
    return n === undefined ? undefined : this.hashes[n]
  }

  /** @internal Term id, creating it. */
  termId(term: string): number {
    let id = this.vocabulary.get(term)
    if (id === undefined) {
      id = this.vocabulary.size
      this.vocabulary.set(term, id)
      this.termNames.push(term)
      this.spelling.add(id, term.startsWith('~') ? (this.conceptWords.get(term) ?? []) : [term])
      this.df.push(0)
    }
    return id
  }

  private internSpecialty(id: string | undefined): number {
    if (!id) return -1
    let n = this.specialtyIds.get(id)
    if (n === undefined) {
      n = this.specialtyIds.size
      this.specialtyIds.set(id, n)
    }
    return n
  }

  private internTags(tags: readonly string[]): Uint32Array {
    const numbers = new Set<number>()
    for (const tag of tags) {
      let n = this.tagIds.get(tag)
      if (n === undefined) {
        n = this.tagIds.size
        this.tagIds.set(tag, n)
      }
      numbers.add(n)
    }
    return Uint32Array.from([...numbers].sort((a, b) => a - b))
  }

  /** @internal Appends a question's metadata; returns its number. */
  addMeta(source: SimilarSource, titleLength: number, bodyLength: number): number {
    const n = this.ids.length
    this.ids.push(source._id)
    this.revisions.push(source._rev)
    this.hashes.push(inputHash(source, this.config))
    this.specialties.push(this.internSpecialty(source.specialty))
    this.titleGrams.add(n, source.title)
    this.titleLengths.push(titleLength)
    this.bodyLengths.push(bodyLength)
    this.alive.push(true)
    this.normKey = undefined
    this.numberOf.set(source._id, n)
    this.liveCount++
    this.totalTitleLength += titleLength
    this.totalBodyLength += bodyLength
    return n
  }

  /** @internal Installs the base segment built by IndexBuilder. */
  setBase(parts: {
    forwardOffsets: Uint32Array
    forwardTerms: Uint32Array
    forwardTitleTf: Uint16Array
    forwardBodyTf: Uint16Array
    tags: Uint32Array[]
  }) {
    this.baseCount = this.ids.length
    this.forwardOffsets = parts.forwardOffsets
    this.forwardTerms = parts.forwardTerms
    this.forwardTitleTf = parts.forwardTitleTf
    this.forwardBodyTf = parts.forwardBodyTf
    this.buildPostings()
    this.tagOffsets = sharedU32(this.baseCount + 1)
    let total = 0
    parts.tags.forEach((tags, n) => {
      total += tags.length
      this.tagOffsets[n + 1] = total
    })
    this.tagList = sharedU32(total)
    parts.tags.forEach((tags, n) => this.tagList.set(tags, this.tagOffsets[n] ?? 0))
    this.allocate(this.ids.length)
    this.computeBounds()
  }

  /** @internal */
  internTagsFor(source: SimilarSource): Uint32Array {
    return this.internTags(source.tags)
  }

  /** Inverted lists from the forward lists of the base segment (a counting sort). */
  private buildPostings() {
    const terms = this.vocabulary.size
    const counts = new Uint32Array(terms + 1)
    for (let n = 0; n < this.baseCount; n++) {
      if (!this.alive[n]) continue
      for (let i = this.forwardOffsets[n] ?? 0; i < (this.forwardOffsets[n + 1] ?? 0); i++) {
        const slot = (this.forwardTerms[i] ?? 0) + 1
        counts[slot] = (counts[slot] ?? 0) + 1
      }
    }
    const offsets = sharedU32(terms + 1)
    for (let t = 0; t < terms; t++) offsets[t + 1] = (offsets[t] ?? 0) + (counts[t + 1] ?? 0)
    const total = offsets[terms] ?? 0
    const docs = sharedU32(total)
    const titleTf = sharedU16(total)
    const bodyTf = sharedU16(total)
    const cursor = offsets.slice(0, terms)
    for (let n = 0; n < this.baseCount; n++) {
      if (!this.alive[n]) continue
      for (let i = this.forwardOffsets[n] ?? 0; i < (this.forwardOffsets[n + 1] ?? 0); i++) {
        const term = this.forwardTerms[i] ?? 0
        const at = cursor[term] ?? 0
        docs[at] = n
        titleTf[at] = this.forwardTitleTf[i] ?? 0
        bodyTf[at] = this.forwardBodyTf[i] ?? 0
        cursor[term] = at + 1
      }
    }
    this.postingOffsets = offsets
    this.postingDocs = docs
    this.postingTitleTf = titleTf
    this.postingBodyTf = bodyTf
    this.df = Array.from({length: terms}, (_, t) => (offsets[t + 1] ?? 0) - (offsets[t] ?? 0))
  }

  private forward(n: number): Forward {
    if (n >= this.baseCount) {
      return (
        this.deltaForward.get(n) ?? {
          terms: new Uint32Array(0),
          titleTf: new Uint16Array(0),
          bodyTf: new Uint16Array(0),
        }
      )
    }
    const start = this.forwardOffsets[n] ?? 0
    const end = this.forwardOffsets[n + 1] ?? 0
    return {
      terms: this.forwardTerms.subarray(start, end),
      titleTf: this.forwardTitleTf.subarray(start, end),
      bodyTf: this.forwardBodyTf.subarray(start, end),
    }
  }

  private tagsOf(n: number): Uint32Array {
    if (n >= this.baseCount) return this.deltaTags.get(n) ?? new Uint32Array(0)
    return this.tagList.subarray(this.tagOffsets[n] ?? 0, this.tagOffsets[n + 1] ?? 0)
  }

  /** Adds or replaces a question (its old version is tombstoned, the new one goes to the delta). */
  upsert(source: SimilarSource) {
    const existing = this.numberOf.get(source._id)
    if (existing !== undefined && this.hashes[existing] === inputHash(source, this.config)) {
      if (source._rev) this.revisions[existing] = source._rev
      return
    }
    this.remove(source._id)
    this.changes++
    const {forward, titleLength, bodyLength} = countTerms(source, this.config, (term) =>
      this.termId(term),
    )
    const n = this.addMeta(source, titleLength, bodyLength)
    this.deltaForward.set(n, forward)
    this.deltaTags.set(n, this.internTags(source.tags))
    forward.terms.forEach((term, i) => {
      this.df[term] = (this.df[term] ?? 0) + 1
      let postings = this.deltaPostings.get(term)
      if (!postings) this.deltaPostings.set(term, (postings = {docs: [], titleTf: [], bodyTf: []}))
      postings.docs.push(n)
      postings.titleTf.push(forward.titleTf[i] ?? 0)
      postings.bodyTf.push(forward.bodyTf[i] ?? 0)
    })
    this.raiseBounds(n, forward)
    if (this.offered.length < this.ids.length)
      this.allocate(Math.max(this.ids.length, this.offered.length * 2))
    if (this.deltaForward.size > Math.max(2000, this.baseCount * 0.1)) this.compact()
  }

  remove(id: string) {
    const n = this.numberOf.get(id)
    if (n === undefined) return
    this.changes++
    this.numberOf.delete(id)
    this.alive[n] = false
    this.normKey = undefined
    this.liveCount--
    this.totalTitleLength -= this.titleLengths[n] ?? 0
    this.totalBodyLength -= this.bodyLengths[n] ?? 0
    this.titleGrams.remove(n)
    for (const term of this.forward(n).terms) this.df[term] = (this.df[term] ?? 1) - 1
    if (n >= this.baseCount) {
      this.deltaForward.delete(n)
      this.deltaTags.delete(n)
    }
  }

  /** Merges the delta into the base segment and drops tombstones (no text is re-analysed). */
  compact() {
    const live: number[] = []
    for (let n = 0; n < this.ids.length; n++) if (this.alive[n]) live.push(n)
    const forwards = live.map((n) => this.forward(n))
    const tags = live.map((n) => this.tagsOf(n))
    const total = forwards.reduce((sum, f) => sum + f.terms.length, 0)
    const offsets = sharedU32(live.length + 1)
    const terms = sharedU32(total)
    const titleTf = sharedU16(total)
    const bodyTf = sharedU16(total)
    let at = 0
    forwards.forEach((f, i) => {
      terms.set(f.terms, at)
      titleTf.set(f.titleTf, at)
      bodyTf.set(f.bodyTf, at)
      at += f.terms.length
      offsets[i + 1] = at
    })
    const keep = <T>(values: T[]): T[] => live.map((n) => values[n] as T)
    this.ids = keep(this.ids)
    this.revisions = keep(this.revisions)
    this.hashes = keep(this.hashes)
    this.specialties = keep(this.specialties)
    this.titleGrams.compact(live)
    this.titleLengths = keep(this.titleLengths)
    this.bodyLengths = keep(this.bodyLengths)
    this.alive = live.map(() => true)
    this.numberOf.clear()
    this.ids.forEach((id, n) => this.numberOf.set(id, n))
    this.deltaForward.clear()
    this.deltaTags.clear()
    this.deltaPostings.clear()
    this.setBase({
      forwardOffsets: offsets,
      forwardTerms: terms,
      forwardTitleTf: titleTf,
      forwardBodyTf: bodyTf,
      tags,
    })
  }

  private idf(term: number): number {
    const df = this.df[term] ?? 0
    const n = this.liveCount
    return Math.log(1 + (n - df + 0.5) / (df + 0.5))
  }

  private averageLength(): number {
    const {titleBoost} = this.config
    const total = titleBoost * this.totalTitleLength + this.totalBodyLength
    return Math.max(total / Math.max(this.liveCount, 1), 1)
  }

  private termScore(
    titleTf: number,
    bodyTf: number,
    length: number,
    averageLength: number,
  ): number {
    const {titleBoost, k1, b} = this.config
    const tf = titleBoost * titleTf + bodyTf
    if (tf === 0) return 0
    return (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength))
  }

  private lengthOf(n: number): number {
    return this.config.titleBoost * (this.titleLengths[n] ?? 0) + (this.bodyLengths[n] ?? 0)
  }

  private dfLimit(): number {
    return Math.max(2, this.config.maxDfRatio * this.liveCount)
  }

  /** The query's informative terms with their weights (idf × saturated query tf). */
  private queryTerms(n: number): QueryTerm[] {
    const {titleBoost, k3, maxQueryTerms, retentionWeight} = this.config
    const forward = this.forward(n)
    const terms: QueryTerm[] = []
    const dfLimit = this.dfLimit()
    const retention = retentionWeight > 0 ? termRetention(analysisOptions(this.config)) : undefined
    forward.terms.forEach((term, i) => {
      const tf = titleBoost * (forward.titleTf[i] ?? 0) + (forward.bodyTf[i] ?? 0)
      if (tf === 0) return
      const queryWeight = k3 === 0 ? 1 : (tf * (k3 + 1)) / (tf + k3)
      // Words duplicates tend to drop ("way", "good") count less, kept ones (names) more.
      const kept = retention?.get(this.termNames[term] ?? '') ?? 1
      const learned = retention ? kept ** retentionWeight : 1
      terms.push({term, weight: this.idf(term) * queryWeight * learned})
    })
    terms.sort((a, b) => b.weight - a.weight || a.term - b.term)
    const informative = terms.filter(({term}) => (this.df[term] ?? 0) <= dfLimit)
    const chosen = (informative.length > 0 ? informative : terms).slice(0, maxQueryTerms)
    // Terms in few other questions (a small archive, a question of rare words) may reach fewer
    // questions than a list shows while others share its words: more of its terms then, the
    // informative ones first, until they can (by document frequency). Never in a large
    // archive's usual question.
    let reach = 0
    for (const {term} of chosen) reach += (this.df[term] ?? 1) - 1
    if (reach >= MIN_REACH || chosen.length === terms.length) return chosen
    const rest =
      informative.length > 0
        ? [
            ...informative.slice(chosen.length),
            ...terms.filter(({term}) => (this.df[term] ?? 0) > dfLimit),
          ]
        : terms.slice(chosen.length)
    for (const next of rest) {
      if (reach >= MIN_REACH) break
      chosen.push(next)
      reach += (this.df[next.term] ?? 1) - 1
    }
    return chosen
  }

  /** Σ weight × BM25F term score of question `n` for `terms`. */
  private textScore(n: number, terms: readonly QueryTerm[], averageLength: number): number {
    const forward = this.forward(n)
    const length = this.lengthOf(n)
    let score = 0
    for (const {term, weight} of terms) {
      const i = binarySearch(forward.terms, term)
      if (i < 0) continue
      score +=
        weight *
        this.termScore(forward.titleTf[i] ?? 0, forward.bodyTf[i] ?? 0, length, averageLength)
    }
    return score
  }

  /** Where each expansion source finds the terms related to a query term (by term id). */
  private expansionSources(): {weight: number; related: (term: number) => [number, number][]}[] {
    const sources: {weight: number; related: (term: number) => [number, number][]}[] = []
    const byName = (relations: Relations) => (term: number) => {
      const found: [number, number][] = []
      for (const {term: name, weight} of relations.get(this.termNames[term] ?? '') ?? []) {
        const id = this.vocabulary.get(name)
        if (id !== undefined) found.push([id, weight])
      }
      return found
    }
    const {lexiconWeight, translationWeight, fuzzyWeight, fuzzyMinSimilarity} = this.config
    const analysis = analysisOptions(this.config)
    if (lexiconWeight > 0)
      sources.push({weight: lexiconWeight, related: byName(lexiconRelations(analysis))})
    if (translationWeight > 0)
      sources.push({weight: translationWeight, related: byName(translationRelations(analysis))})
    const spelling = this.spelling
    if (fuzzyWeight > 0)
      sources.push({
        weight: fuzzyWeight,
        related: (term) =>
          spelling.neighbours(term, fuzzyMinSimilarity).map((n) => [n.term, n.similarity]),
      })
    for (const {weight, relations} of this.extraRelations)
      if (weight > 0) sources.push({weight, related: byName(relations)})
    return sources
  }

  /**
   * Terms related to the query's (lexicon, translation table, spelling neighbours…), weighted
   * source weight × relation weight × the query term's saturated tf × the new term's idf; each
   * source adds at most `maxExpansionTerms` terms.
   */
  private expand(terms: readonly QueryTerm[]): QueryTerm[] {
    const original = new Set(terms.map(({term}) => term))
    // Common expansion terms cost a long postings list each and add little.
    const dfLimit = Math.max(2, this.config.maxExpansionDfRatio * this.liveCount)
    const merged = new Map<number, number>()
    for (const source of this.expansionSources()) {
      const local = new Map<number, number>()
      for (const {term, weight} of terms) {
        const saturatedTf = weight / Math.max(this.idf(term), 1e-9)
        for (const [related, strength] of source.related(term)) {
          const df = this.df[related] ?? 0
          if (original.has(related) || df === 0 || df > dfLimit) continue
          const value = saturatedTf * strength * this.idf(related)
          local.set(related, (local.get(related) ?? 0) + value)
        }
      }
      const best = [...local].sort((a, b) => b[1] - a[1] || a[0] - b[0])
      for (const [term, weight] of best.slice(0, this.config.maxExpansionTerms))
        merged.set(term, (merged.get(term) ?? 0) + source.weight * weight)
    }
    return [...merged].map(([term, weight]) => ({term, weight}))
  }

  /** The question's query: its own terms, their expansions, and its self score (normaliser). */
  private queryModel(q: number): QueryModel | undefined {
    const averageLength = this.averageLength()
    const own = this.queryTerms(q)
    // BM25F score of the question against its own terms maps scores to about [0, 1].
    const self = this.textScore(q, own, averageLength)
    if (self <= 0) return undefined
    return {q, terms: [...own, ...this.expand(own)], own, self, averageLength}
  }

  /**
   * RM3-style feedback: terms frequent in the first pass's best questions (weighted by their
   * score), not already asked for, each weighted prfWeight × idf × its share of the best one.
   */
  private feedback(model: QueryModel, pool: readonly {doc: number; score: number}[]): QueryTerm[] {
    const {prfDocs, prfTerms, prfWeight, titleBoost} = this.config
    const top = pool.slice(0, prfDocs)
    const total = top.reduce((sum, {score}) => sum + score, 0)
    if (total <= 0) return []
    const asked = new Set(model.terms.map(({term}) => term))
    const dfLimit = this.dfLimit()
    const mass = new Map<number, number>()
    for (const {doc, score} of top) {
      const forward = this.forward(doc)
      const length = Math.max(this.lengthOf(doc), 1)
      forward.terms.forEach((term, i) => {
        const df = this.df[term] ?? 0
        if (asked.has(term) || df < 2 || df > dfLimit) return
        const tf = titleBoost * (forward.titleTf[i] ?? 0) + (forward.bodyTf[i] ?? 0)
        mass.set(term, (mass.get(term) ?? 0) + ((score / total) * tf) / length)
      })
    }
    const best = [...mass].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, prfTerms)
    const most = best[0]?.[1] ?? 0
    return best.map(([term, m]) => ({term, weight: (prfWeight * this.idf(term) * m) / most}))
  }

  /** The candidate's own (normalised) score against the query question. */
  private reverse(q: number, c: number, averageLength: number): number {
    const terms = this.queryTerms(c)
    const self = this.textScore(c, terms, averageLength)
    return self > 0 ? this.textScore(q, terms, averageLength) / self : 0
  }

  private bonus(query: number, candidate: number, queryTags = this.tagsOf(query)): number {
    return this.specialtyBonus(query, candidate) + this.tagBonus(candidate, queryTags)
  }

  private specialtyBonus(query: number, candidate: number): number {
    const specialty = this.specialties[query] ?? -1
    return specialty >= 0 && this.specialties[candidate] === specialty
      ? this.config.specialtyWeight
      : 0
  }

  /** The candidate's tags in place (no subarray made: this runs for many candidates). */
  private candidateTags(candidate: number): {list: Uint32Array; start: number; end: number} {
    if (candidate >= this.baseCount) {
      const list = this.tagsOf(candidate)
      return {list, start: 0, end: list.length}
    }
    const start = this.tagOffsets[candidate] ?? 0
    return {list: this.tagList, start, end: this.tagOffsets[candidate + 1] ?? start}
  }

  private tagBonus(candidate: number, queryTags: Uint32Array): number {
    const {tagWeight} = this.config
    if (tagWeight === 0 || queryTags.length === 0) return 0
    const {list, start, end} = this.candidateTags(candidate)
    if (end <= start) return 0
    let shared = 0
    for (let i = 0, j = start; i < queryTags.length && j < end;) {
      const x = queryTags[i] ?? 0
      const y = list[j] ?? 0
      if (x === y) {
        shared++
        i++
        j++
      } else if (x < y) i++
      else j++
    }
    return (tagWeight * shared) / Math.sqrt(queryTags.length * (end - start))
  }

  /**
   * At least tagBonus, from the tag counts alone (the shared tags are at most the fewer of the
   * two): lets the pruned walk drop most candidates without merging their tags.
   */
  private tagBonusBound(candidate: number, queryTagCount: number): number {
    const tagWeight = Math.max(this.config.tagWeight, 0)
    if (tagWeight === 0 || queryTagCount === 0) return 0
    // The count alone: two offsets, no tag list looked up.
    const count =
      candidate < this.baseCount
        ? (this.tagOffsets[candidate + 1] ?? 0) - (this.tagOffsets[candidate] ?? 0)
        : this.tagsOf(candidate).length
    if (count <= 0) return 0
    return (tagWeight * Math.min(count, queryTagCount)) / Math.sqrt(queryTagCount * count)
  }

  /** The most the tag and specialty bonuses can add to any candidate of query `q`. */
  private maxBonus(q: number): number {
    const {tagWeight, specialtyWeight} = this.config
    const specialty = (this.specialties[q] ?? -1) >= 0 ? Math.max(specialtyWeight, 0) : 0
    return specialty + (this.tagsOf(q).length > 0 ? Math.max(tagWeight, 0) : 0)
  }

  private reranks(): boolean {
    const {prfWeight, reverseWeight, titleGramWeight} = this.config
    return prfWeight > 0 || reverseWeight > 0 || titleGramWeight > 0
  }

  /** Makes `q` the title-gram score's query; false when that score is off. */
  private titleQuery(q: number): boolean {
    if (this.config.titleGramWeight <= 0) return false
    this.titleGrams.setQuery(q)
    return true
  }

  /** Scratch space of the rankings for `size` questions. */
  private allocate(size: number) {
    this.pairs = new Float64Array(2 * size)
    this.offered = new Uint8Array(size)
    this.touched = new Uint32Array(size)
    this.runScores = new Float64Array(size)
    this.runNorms = new Float64Array(size)
    this.runBonuses = new Float64Array(size)
    this.bonuses = new Float64Array(size)
    this.normKey = undefined
  }

  /** `pairs` with every question's length part for `averageLength` (worked out when stale). */
  private preparedPairs(averageLength: number): Float64Array {
    const {titleBoost, k1, b} = this.config
    const k1b = k1 * b
    const key = this.normKey
    if (key?.averageLength === averageLength && key.k1b === k1b && key.titleBoost === titleBoost)
      return this.pairs
    const pairs = this.pairs
    for (let n = 0; n < this.ids.length; n++) {
      // The same expression as termScore's, so scores do not move by a rounding.
      const length = titleBoost * (this.titleLengths[n] ?? 0) + (this.bodyLengths[n] ?? 0)
      pairs[2 * n + 1] = this.alive[n] ? (k1b * length) / averageLength : -1
    }
    this.normKey = {averageLength, k1b, titleBoost}
    return pairs
  }

  /**
   * An upper bound of `term`'s BM25F value in any question at `averageLength` (before the query
   * weight): the largest value among its postings at a reference average length, worked out once
   * per term and raised for questions added since. A longer average length shortens every
   * question's normalised length, which raises a value by at most the ratio of the averages.
   */
  private termBound(term: number, averageLength: number): number {
    const bounds = this.bounds
    if (bounds.averageLength === 0) bounds.averageLength = averageLength
    if (term >= bounds.values.length) {
      // Terms added since the bounds were worked out.
      const grown = new Float64Array(Math.max(this.vocabulary.size, term + 1)).fill(Number.NaN)
      grown.set(bounds.values)
      bounds.values = grown
    }
    let bound = bounds.values[term] ?? Number.NaN
    if (Number.isNaN(bound)) {
      bound = 0
      const end = this.postingOffsets[term + 1] ?? 0
      for (let i = this.postingOffsets[term] ?? 0; i < end; i++) {
        const n = this.postingDocs[i] ?? 0
        const value = this.boundValue(
          this.postingTitleTf[i] ?? 0,
          this.postingBodyTf[i] ?? 0,
          n,
          bounds.averageLength,
        )
        if (value > bound) bound = value
      }
      const delta = this.deltaPostings.get(term)
      for (let i = 0; delta && i < delta.docs.length; i++) {
        const value = this.boundValue(
          delta.titleTf[i] ?? 0,
          delta.bodyTf[i] ?? 0,
          delta.docs[i] ?? 0,
          bounds.averageLength,
        )
        if (value > bound) bound = value
      }
      bounds.values[term] = bound
    }
    return bound * Math.max(1, averageLength / bounds.averageLength)
  }

  /**
   * Every term's bound in one pass over the base postings, as the index is built or compacted:
   * cheaper than term by term later, the first ranking after a build (an edit's) does not pay
   * for it, and ranking workers get them with the snapshot instead of each working them out.
   */
  private computeBounds() {
    const averageLength = this.averageLength()
    const values = new Float64Array(this.vocabulary.size)
    const offsets = this.postingOffsets
    for (let term = 0; term < values.length; term++) {
      let bound = 0
      const end = offsets[term + 1] ?? 0
      for (let i = offsets[term] ?? 0; i < end; i++) {
        const value = this.boundValue(
          this.postingTitleTf[i] ?? 0,
          this.postingBodyTf[i] ?? 0,
          this.postingDocs[i] ?? 0,
          averageLength,
        )
        if (value > bound) bound = value
      }
      values[term] = bound
    }
    this.bounds = {averageLength, values}
  }

  private boundValue(titleTf: number, bodyTf: number, n: number, averageLength: number): number {
    const {titleBoost, k1, b} = this.config
    const tf = titleBoost * titleTf + bodyTf
    const length = titleBoost * (this.titleLengths[n] ?? 0) + (this.bodyLengths[n] ?? 0)
    return (tf * (k1 + 1)) / (tf + k1 * (1 - b) + (k1 * b * length) / averageLength)
  }

  /** Raises the cached bounds of question `n`'s terms (it was just added). */
  private raiseBounds(n: number, forward: Forward) {
    const bounds = this.bounds
    if (bounds.averageLength === 0) return
    forward.terms.forEach((term, i) => {
      const bound = bounds.values[term] ?? Number.NaN
      if (Number.isNaN(bound)) return
      const value = this.boundValue(
        forward.titleTf[i] ?? 0,
        forward.bodyTf[i] ?? 0,
        n,
        bounds.averageLength,
      )
      if (value > bound) bounds.values[term] = value
    })
  }

  /** @internal For tests: rank by walking every posting (no dynamic pruning). */
  setPruning(on: boolean) {
    this.pruning = on
  }

  /**
   * The query's text score against question `n`, summed in the query's term order as the
   * postings loop sums it (so both give the same number to the last bit).
   */
  private exactText(n: number, model: QueryModel, pairs: Float64Array): number {
    const slots = this.slots
    const {titleBoost, k1, b} = this.config
    const k1c = k1 * (1 - b)
    const k1p = k1 + 1
    const values = this.termValues
    const found = this.termFound
    const length = pairs[2 * n + 1] ?? 0
    const record = (term: number, titleTf: number, bodyTf: number) => {
      const slot = slots[term] ?? -1
      if (slot < 0) return
      const tf = titleBoost * titleTf + bodyTf
      const weight = model.terms[slot]?.weight ?? 0
      values[slot] = (weight * tf * k1p) / (tf + k1c + length)
      found[slot] = 1
    }
    if (n < this.baseCount) {
      const end = this.forwardOffsets[n + 1] ?? 0
      for (let i = this.forwardOffsets[n] ?? 0; i < end; i++)
        record(this.forwardTerms[i] ?? 0, this.forwardTitleTf[i] ?? 0, this.forwardBodyTf[i] ?? 0)
    } else {
      const forward = this.forward(n)
      for (let i = 0; i < forward.terms.length; i++)
        record(forward.terms[i] ?? 0, forward.titleTf[i] ?? 0, forward.bodyTf[i] ?? 0)
    }
    let score = 0
    for (let slot = 0; slot < model.terms.length; slot++) {
      if (found[slot] === 0) continue
      score += values[slot] ?? 0
      found[slot] = 0
    }
    return score
  }

  /**
   * First pass over the postings: the `limit` best questions by text score / self (plus the tag
   * and specialty bonuses when `withBonus`), `q` and `exclude` left out.
   */
  private firstPass(
    model: QueryModel,
    limit: number,
    withBonus: boolean,
    exclude: ReadonlySet<string>,
  ): {doc: number; score: number}[] {
    const {q, terms} = model
    // The bonus is only worked out for questions whose text score could still make it.
    const maxBonus = withBonus ? this.maxBonus(q) : 0
    const queryTags = this.tagsOf(q)
    const top = new TopK(limit, this.ids)
    const consider = (n: number, text: number) => {
      if (text + maxBonus < top.bar()) return
      if (exclude.size > 0 && exclude.has(this.ids[n] ?? '')) return
      top.offer(withBonus ? text + this.bonus(q, n, queryTags) : text, n)
    }
    if (this.pruning && limit > 0 && terms.length > 1 && this.claimSlots(terms))
      this.prunedWalk(model, top, consider, maxBonus, withBonus ? queryTags : undefined)
    else this.fullWalk(model, consider)
    return top.sorted()
  }

  /** Every posting of every query term, in the query's term order; each score is complete. */
  private fullWalk(model: QueryModel, consider: (n: number, text: number) => void) {
    const pairs = this.preparedPairs(model.averageLength)
    const count = this.accumulate(model, model.terms.keys())
    const touched = this.touched
    for (let i = 0; i < count; i++) {
      const n = touched[i] ?? 0
      const score = pairs[2 * n] ?? 0
      pairs[2 * n] = 0
      consider(n, score / model.self)
    }
  }

  /**
   * Adds the query terms at `slots` to the scores (in `pairs`) of the questions holding them,
   * and lists in touched those reached for the first time, after the `from` listed already;
   * returns the new count. BM25F per posting: weight · tf(k1+1) / (tf + k1(1 − b) + k1·b·len/avg),
   * tf = boost·title + body, in the same operations as exactText.
   */
  private accumulate(model: QueryModel, slots: Iterable<number>, from = 0): number {
    const {q, terms, averageLength} = model
    const {titleBoost, k1, b} = this.config
    const pairs = this.preparedPairs(averageLength)
    const touched = this.touched
    let count = from
    const k1c = k1 * (1 - b)
    const k1p = k1 + 1
    const docs = this.postingDocs
    const titleTfs = this.postingTitleTf
    const bodyTfs = this.postingBodyTf
    for (const slot of slots) {
      const {term, weight} = terms[slot] ?? {term: 0, weight: 0}
      const end = this.postingOffsets[term + 1] ?? 0
      for (let i = this.postingOffsets[term] ?? 0; i < end; i++) {
        const n = docs[i] ?? 0
        const norm = pairs[2 * n + 1] ?? -1
        if (norm < 0 || n === q) continue
        const tf = titleBoost * (titleTfs[i] ?? 0) + (bodyTfs[i] ?? 0)
        const score = pairs[2 * n] ?? 0
        if (score === 0) touched[count++] = n
        pairs[2 * n] = score + (weight * tf * k1p) / (tf + k1c + norm)
      }
      const delta = this.deltaPostings.get(term)
      for (let i = 0; delta && i < delta.docs.length; i++) {
        const n = delta.docs[i] ?? 0
        const norm = pairs[2 * n + 1] ?? -1
        if (norm < 0 || n === q) continue
        const tf = titleBoost * (delta.titleTf[i] ?? 0) + (delta.bodyTf[i] ?? 0)
        const score = pairs[2 * n] ?? 0
        if (score === 0) touched[count++] = n
        pairs[2 * n] = score + (weight * tf * k1p) / (tf + k1c + norm)
      }
    }
    return count
  }

  /**
   * Dynamic pruning (MaxScore). Terms are walked strongest first (by upper bound: weight × the
   * term's largest value); after each, the questions with the best partial scores are scored
   * in full, which raises the bar of the top. Once the terms not walked yet cannot together
   * lift a question nobody reached over that bar, no new question can enter: the remaining
   * terms (the long postings of common words) only add to the questions still in the running,
   * which drop out as soon as their partial score plus the remaining bounds falls below the bar.
   * The few left are scored in full by exactText, which sums as the full walk does: the result
   * is the full walk's, to the last bit.
   */
  private prunedWalk(
    model: QueryModel,
    top: TopK,
    consider: (n: number, text: number) => void,
    maxBonus: number,
    queryTags: Uint32Array | undefined,
  ) {
    const {q, terms, self, averageLength} = model
    const pairs = this.preparedPairs(averageLength)
    const offered = this.offered
    const bounds = terms.map(({term, weight}) => weight * this.termBound(term, averageLength))
    const order = bounds.map((_, slot) => slot).sort((x, y) => (bounds[y] ?? 0) - (bounds[x] ?? 0))
    // What the terms not walked yet can add at most (summed afresh: no rounding drift).
    const restFrom = (from: number) => {
      let sum = 0
      for (let i = from; i < order.length; i++) sum += bounds[order[i] ?? 0] ?? 0
      return sum
    }
    let rest = restFrom(0)
    const below = (score: number, bonus = maxBonus) =>
      (score * BOUND_SLACK) / self + bonus < top.bar()
    const scored: number[] = []
    const score = (n: number) => {
      scored.push(n)
      offered[n] = 1
      consider(n, this.exactText(n, model, pairs) / self)
    }
    let count = 0
    let walked = 0
    while (walked < order.length && !below(rest)) {
      const slot = order[walked++] ?? 0
      count = this.accumulate(model, [slot], count)
      rest = restFrom(walked)
      // Raise the bar: the best partial scores so far, scored in full.
      const raisers = Math.min(RAISERS_MAX, Math.max(RAISERS_MIN, Math.floor(count / RAISE_PER)))
      const best = new TopK(raisers)
      for (let i = 0; i < count; i++) {
        const n = this.touched[i] ?? 0
        if (offered[n] === 0) best.offer(pairs[2 * n] ?? 0, n)
      }
      for (const {doc} of best.sorted()) score(doc)
    }
    this.skippedTerms += order.length - walked
    // The questions still in the running, in ascending order, with their partial scores,
    // lengths and own bonuses (usually well below the most) side by side: the rest of the walk
    // reads them in order, not all over the index.
    const touched = this.touched
    let running = 0
    const bonuses = this.bonuses
    // below(), with the bar read once (nothing is offered to the top in this loop).
    const bar = top.bar()
    for (let i = 0; i < count; i++) {
      const n = touched[i] ?? 0
      if (offered[n] === 1) {
        pairs[2 * n] = 0
        continue
      }
      const reach = (((pairs[2 * n] ?? 0) + rest) * BOUND_SLACK) / self
      // The bonus is worked out once, for the questions the most bonus could keep in, and
      // only after a bound from the specialty and the tag counts could not drop them.
      let bonus = 0
      let drop = reach + maxBonus < bar
      if (!drop && queryTags) {
        const specialty = this.specialtyBonus(q, n)
        drop =
          reach + specialty + this.tagBonusBound(n, queryTags.length) < bar ||
          reach + (bonus = specialty + this.tagBonus(n, queryTags)) < bar
      }
      if (drop) pairs[2 * n] = 0
      else {
        bonuses[n] = bonus
        touched[running++] = n
      }
    }
    const run = touched.subarray(0, running).sort()
    const runScores = this.runScores
    const runNorms = this.runNorms
    const runBonuses = this.runBonuses
    for (let i = 0; i < running; i++) {
      const n = run[i] ?? 0
      runScores[i] = pairs[2 * n] ?? 0
      pairs[2 * n] = 0
      runNorms[i] = pairs[2 * n + 1] ?? 0
      runBonuses[i] = bonuses[n] ?? 0
    }
    for (let next = walked; next < order.length && running > 0; next++) {
      rest = restFrom(next + 1)
      running = this.addToRunning(model, order[next] ?? 0, running, rest, top)
    }
    for (let i = 0; i < running; i++) score(touched[i] ?? 0)
    for (const n of scored) offered[n] = 0
    for (const {term} of terms) this.slots[term] = -1
  }

  /**
   * Adds the query term at `slot` to the scores of the `running` questions listed first in
   * touched (ascending, their scores, lengths and bonuses in runScores, runNorms and
   * runBonuses): each is searched for in the term's postings (also ascending) by galloping from
   * where the previous one was found, so a few questions cost a few steps each and many about
   * one walk of the postings. Those that can no longer make the top with the terms left
   * (`rest` at most) drop out as it goes; returns how many are still running, listed first.
   */
  private addToRunning(
    model: QueryModel,
    slot: number,
    running: number,
    rest: number,
    top: TopK,
  ): number {
    const {term, weight} = model.terms[slot] ?? {term: 0, weight: 0}
    const {titleBoost, k1, b} = this.config
    const k1c = k1 * (1 - b)
    const k1p = k1 + 1
    const {self} = model
    // below(), with the bar read once (nothing is offered to the top in this loop).
    const bar = top.bar()
    const touched = this.touched
    const runScores = this.runScores
    const runNorms = this.runNorms
    const runBonuses = this.runBonuses
    const docs = this.postingDocs
    const titleTfs = this.postingTitleTf
    const bodyTfs = this.postingBodyTf
    const delta = this.deltaPostings.get(term)
    let at = this.postingOffsets[term] ?? 0
    const end = this.postingOffsets[term + 1] ?? 0
    let d = 0
    let kept = 0
    for (let i = 0; i < running; i++) {
      const n = touched[i] ?? 0
      const norm = runNorms[i] ?? 0
      let score = runScores[i] ?? 0
      let titleTf = -1
      let bodyTf = 0
      if (n < this.baseCount) {
        if (at < end) {
          at = gallop(docs, n, at, end)
          if (at < end && docs[at] === n) {
            titleTf = titleTfs[at] ?? 0
            bodyTf = bodyTfs[at] ?? 0
          }
        }
      } else if (delta) {
        // Delta questions come last, in ascending order, as do their postings.
        while (d < delta.docs.length && (delta.docs[d] ?? 0) < n) d++
        if (delta.docs[d] === n) {
          titleTf = delta.titleTf[d] ?? 0
          bodyTf = delta.bodyTf[d] ?? 0
        }
      }
      if (titleTf >= 0) {
        const tf = titleBoost * titleTf + bodyTf
        score += (weight * tf * k1p) / (tf + k1c + norm)
      }
      const bonus = runBonuses[i] ?? 0
      if (((score + rest) * BOUND_SLACK) / self + bonus < bar) continue
      touched[kept] = n
      runScores[kept] = score
      runNorms[kept] = norm
      runBonuses[kept] = bonus
      kept++
    }
    return kept
  }

  /**
   * Numbers the query's terms in the term → slot table exactText reads; false (and nothing
   * left claimed) when a term comes twice, which the pruned walk's bookkeeping does not handle.
   */
  private claimSlots(terms: readonly QueryTerm[]): boolean {
    const slots = this.termSlots()
    for (const [slot, {term}] of terms.entries()) {
      if ((slots[term] ?? -1) >= 0) {
        for (const {term: claimed} of terms) slots[claimed] = -1
        return false
      }
      slots[term] = slot
    }
    if (this.termValues.length < terms.length) {
      this.termValues = new Float64Array(terms.length * 2)
      this.termFound = new Uint8Array(terms.length * 2)
    }
    return true
  }

  /** Term id → its slot in the current query (-1: not in it); sized to the vocabulary. */
  private termSlots(): Int32Array {
    if (this.slots.length < this.vocabulary.size) {
      const bigger = new Int32Array(Math.max(this.vocabulary.size, this.slots.length * 2)).fill(-1)
      this.slots = bigger
    }
    return this.slots
  }

  /**
   * Final score of candidate `c`: expanded text score (with feedback) + bonuses + reverse +
   * title grams (those only if `titles`: titleQuery set the query).
   */
  private finalScore(model: QueryModel, c: number, titles: boolean): number {
    const text = this.textScore(c, model.terms, model.averageLength) / model.self
    const {reverseWeight} = this.config
    const reverse =
      reverseWeight > 0 ? reverseWeight * this.reverse(model.q, c, model.averageLength) : 0
    if (text <= 0 && reverse <= 0) return 0
    // In rank()'s order when the title grams are the only re-scoring: (text + bonus) + titles.
    return text + this.bonus(model.q, c) + reverse + this.titleScore(titles, c)
  }

  /** The title-gram score of candidate `c` against the query set by titleQuery (if `on`). */
  private titleScore(on: boolean, c: number): number {
    return on ? this.config.titleGramWeight * this.titleGrams.cosine(c) : 0
  }

  /** The model with feedback terms from the first pass added (when feedback is on). */
  private withFeedback(model: QueryModel, pool: readonly {doc: number; score: number}[]) {
    if (this.config.prfWeight <= 0) return model
    const merged = new Map(model.terms.map(({term, weight}) => [term, weight]))
    for (const {term, weight} of this.feedback(model, pool))
      merged.set(term, (merged.get(term) ?? 0) + weight)
    return {...model, terms: [...merged].map(([term, weight]) => ({term, weight}))}
  }

  /**
   * The `limit` questions most similar to `id` (itself and `exclude` left out), best first.
   * Scores: the BM25F score of the question's terms and their expansions, normalised by the
   * question's score against itself, plus feedback, reverse and title-gram scores on the first
   * pass's best `rerankDepth`, plus the tag and specialty bonuses.
   */
  rank(id: string, limit: number, exclude: ReadonlySet<string> = new Set()): Ranked[] {
    const q = this.numberOf.get(id)
    if (q === undefined || limit <= 0) return []
    const model = this.queryModel(q)
    if (!model) return []
    const named = (list: {doc: number; score: number}[]) =>
      list.map(({score, doc}) => ({_id: this.ids[doc] ?? '', score}))
    if (!this.reranks()) return named(this.firstPass(model, limit, true, exclude))
    const {prfWeight, reverseWeight, rerankDepth, prfDocs} = this.config
    if (prfWeight <= 0 && reverseWeight <= 0) {
      // The title grams alone: the first pass's scores are final but for them.
      const titles = this.titleQuery(q)
      const top = new TopK(limit, this.ids)
      for (const {doc, score} of this.firstPass(model, Math.max(limit, rerankDepth), true, exclude))
        top.offer(score + this.titleScore(titles, doc), doc)
      return named(top.sorted())
    }
    // Feedback comes from the pool before `exclude` is applied, as in scoreFor.
    const depth = Math.max(limit, rerankDepth, prfDocs) + exclude.size
    const pool = this.firstPass(model, depth, false, new Set())
    const final = this.withFeedback(model, pool)
    const titles = this.titleQuery(q)
    const top = new TopK(limit, this.ids)
    for (const {doc} of pool) {
      if (exclude.size > 0 && exclude.has(this.ids[doc] ?? '')) continue
      top.offer(this.finalScore(final, doc, titles), doc)
    }
    return named(top.sorted())
  }

  /** The score `candidateId` gets in `queryId`'s ranking (0 if they share no query term). */
  scoreFor(queryId: string, candidateId: string): number {
    const q = this.numberOf.get(queryId)
    const c = this.numberOf.get(candidateId)
    if (q === undefined || c === undefined || q === c) return 0
    const model = this.queryModel(q)
    if (!model) return 0
    if (!this.reranks()) {
      const text = this.textScore(c, model.terms, model.averageLength)
      return text > 0 ? text / model.self + this.bonus(q, c) : 0
    }
    const {prfWeight, prfDocs} = this.config
    const final =
      prfWeight > 0
        ? this.withFeedback(model, this.firstPass(model, prfDocs, false, new Set()))
        : model
    return this.finalScore(final, c, this.titleQuery(q))
  }

  stats(): IndexStats {
    let deltaPostings = 0
    for (const postings of this.deltaPostings.values()) deltaPostings += postings.docs.length
    const typed = [
      this.forwardOffsets,
      this.forwardTerms,
      this.forwardTitleTf,
      this.forwardBodyTf,
      this.postingOffsets,
      this.postingDocs,
      this.postingTitleTf,
      this.postingBodyTf,
      this.tagOffsets,
      this.tagList,
      this.pairs,
    ]
    return {
      questions: this.liveCount,
      terms: this.vocabulary.size,
      postings: this.postingDocs.length + deltaPostings,
      deltaQuestions: this.deltaForward.size,
      skippedTerms: this.skippedTerms,
      typedBytes: typed.reduce((sum, array) => sum + array.byteLength, 0),
    }
  }
}

function binarySearch(values: Uint32Array, target: number): number {
  let low = 0
  let high = values.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const value = values[middle] ?? 0
    if (value === target) return middle
    if (value < target) low = middle + 1
    else high = middle - 1
  }
  return -1
}

/** The first index in [from, end) of ascending `values` whose value is ≥ `target` (or end). */
function gallop(values: Uint32Array, target: number, from: number, end: number): number {
  if (from >= end || (values[from] ?? 0) >= target) return from
  let step = 1
  let low = from
  let high = from + 1
  while (high < end && (values[high] ?? 0) < target) {
    low = high
    step *= 2
    high = low + step
  }
  high = Math.min(high, end)
  // values[low] < target; values[high] ≥ target or high = end
  while (low + 1 < high) {
    const middle = (low + high) >>> 1
    if ((values[middle] ?? 0) < target) low = middle
    else high = middle
  }
  return high
}

/** Streams questions into flat forward arrays, then inverts them once. */
class IndexBuilder {
  private readonly index: SimilarIndex
  private readonly offsets = new GrowableU32()
  private readonly terms = new GrowableU32()
  private readonly titleTf = new GrowableU16()
  private readonly bodyTf = new GrowableU16()
  private readonly tags: Uint32Array[] = []

  constructor(config: RankerConfig, options: BuildOptions) {
    this.index = SimilarIndex.fromParts(config, options, () => {})
    this.offsets.push(0)
  }

  add(source: SimilarSource) {
    if (this.index.has(source._id)) throw new Error(`Question ${source._id} is listed twice`)
    const {forward, titleLength, bodyLength} = countTerms(source, this.index.config, (term) =>
      this.index.termId(term),
    )
    this.index.addMeta(source, titleLength, bodyLength)
    forward.terms.forEach((term, i) => {
      this.terms.push(term)
      this.titleTf.push(forward.titleTf[i] ?? 0)
      this.bodyTf.push(forward.bodyTf[i] ?? 0)
    })
    this.offsets.push(this.terms.length)
    this.tags.push(this.index.internTagsFor(source))
  }

  finish(): SimilarIndex {
    this.index.setBase({
      forwardOffsets: this.offsets.finish(),
      forwardTerms: this.terms.finish(),
      forwardTitleTf: this.titleTf.finish(),
      forwardBodyTf: this.bodyTf.finish(),
      tags: this.tags,
    })
    return this.index
  }
}

/** The `limit` questions most similar to `questionId`, best first (empty if it is not indexed). */
export function rankSimilar(index: SimilarIndex, questionId: string, limit: number): Ranked[] {
  return index.rank(questionId, limit)
}
