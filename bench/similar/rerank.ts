// node bench/similar/rerank.ts [--depth 10] [--objective pairwise|pointwise] [--splits dev,test]
// A learned re-ranking of DEFAULT_RANKER's best `depth` questions (measured, not shipped): 13
// features of each (question, candidate) pair — the ranker's score, absolute and over the best
// one; idf-weighted coverage of each title's terms by the other's and their minimum; the rarest
// term each title has that the other lacks; the titles' length ratio; same and different question
// word; rank; numbers that differ; shared term bigrams — weighted by logistic regression on the
// `train` folds (Quora, ComQA), one model for every set, then the best `depth` re-sorted by it.
import {DEFAULT_RANKER} from '../../similar/config.ts'
import {analysisOptions, SimilarIndex} from '../../similar/ranker.ts'
import {analyze} from '../../similar/text.ts'
import {parseCommandLine} from '../../scripts/args.ts'
import {neutralTies, sourcesOf} from './eval.ts'
import {evaluateReal, type RealMetrics} from './real/baseline.ts'
import {loadRealSets, type RealQuery} from './real/sets.ts'

const USAGE =
  'Usage: node bench/similar/rerank.ts [--depth 10] [--objective pairwise|pointwise] [--splits dev,test]'

const QUESTION_WORDS = new Set(
  'what how why when where who which is can do does are should will would'.split(' '),
)

/** What the features read of a corpus: each title's index terms and words, and idf. */
interface Corpus {
  terms: Map<string, string[]>
  words: Map<string, string[]>
  idf: (term: string) => number
  maxIdf: number
}

function corpusOf(questions: readonly {_id: string; title: string; body: string}[]): Corpus {
  const options = analysisOptions(DEFAULT_RANKER)
  const terms = new Map<string, string[]>()
  const words = new Map<string, string[]>()
  const df = new Map<string, number>()
  for (const q of questions) {
    const title = analyze(q.title, options)
    terms.set(q._id, title)
    words.set(q._id, q.title.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    for (const term of new Set([...title, ...analyze(q.body, options)]))
      df.set(term, (df.get(term) ?? 0) + 1)
  }
  const n = questions.length
  const idf = (term: string) => {
    const f = df.get(term) ?? 0
    return Math.log(1 + (n - f + 0.5) / (f + 0.5))
  }
  return {terms, words, idf, maxIdf: idf('')}
}

function bigrams(terms: readonly string[]): Set<string> {
  return new Set(terms.slice(1).map((term, i) => `${terms[i]} ${term}`))
}

function features(corpus: Corpus, q: string, c: string, score: number, best: number, rank: number) {
  const tq = new Set(corpus.terms.get(q))
  const tc = new Set(corpus.terms.get(c))
  // Idf mass of each title, of what they share, and the rarest term of one missing in the other.
  const side = (own: Set<string>, other: Set<string>) => {
    let mass = 0
    let shared = 0
    let missing = 0
    for (const term of own) {
      const weight = corpus.idf(term)
      mass += weight
      if (other.has(term)) shared += weight
      else missing = Math.max(missing, weight)
    }
    return {coverage: mass > 0 ? shared / mass : 0, missing: missing / corpus.maxIdf}
  }
  const fromQ = side(tq, tc)
  const fromC = side(tc, tq)
  const wq = corpus.words.get(q) ?? []
  const wc = corpus.words.get(c) ?? []
  const askQ = QUESTION_WORDS.has(wq[0] ?? '') ? wq[0] : undefined
  const askC = QUESTION_WORDS.has(wc[0] ?? '') ? wc[0] : undefined
  const numbers = (words: readonly string[]) => new Set(words.filter((w) => /^\d+$/.test(w)))
  const nq = numbers(wq)
  const nc = numbers(wc)
  const bq = bigrams(corpus.terms.get(q) ?? [])
  const bc = bigrams(corpus.terms.get(c) ?? [])
  const sharedBigrams = [...bq].filter((b) => bc.has(b)).length
  const allBigrams = bq.size + bc.size - sharedBigrams
  return [
    score,
    best > 0 ? score / best : 0,
    fromQ.coverage,
    fromC.coverage,
    Math.min(fromQ.coverage, fromC.coverage),
    fromQ.missing,
    fromC.missing,
    Math.abs(Math.log((tq.size + 1) / (tc.size + 1))),
    askQ !== undefined && askQ === askC ? 1 : 0,
    askQ !== undefined && askC !== undefined && askQ !== askC ? 1 : 0,
    1 / (rank + 1),
    nq.size > 0 && nc.size > 0 && [...nq].some((n) => !nc.has(n)) ? 1 : 0,
    allBigrams > 0 ? sharedBigrams / allBigrams : 0,
  ]
}

/** One query's candidates (the ranker's best, in its order), features and labels. */
interface Listed {
  query: string
  candidates: string[]
  x: number[][]
  y: boolean[]
}

function listed(index: SimilarIndex, corpus: Corpus, queries: readonly RealQuery[], depth: number) {
  return queries.map(({query, relevant}): Listed => {
    const ranked = index.rank(query, depth)
    const best = ranked[0]?.score ?? 0
    const wanted = new Set(relevant)
    return {
      query,
      candidates: ranked.map((r) => r._id),
      x: ranked.map((r, i) => features(corpus, query, r._id, r.score, best, i)),
      y: ranked.map((r) => wanted.has(r._id)),
    }
  })
}

const dot = (w: readonly number[], x: readonly number[]) =>
  x.reduce((sum, value, i) => sum + value * (w[i] ?? 0), 0)

/**
 * Logistic regression by full-batch gradient descent: `examples` are feature rows with labels
 * (pointwise: relevant or not; pairwise: relevant minus irrelevant of one query, always 1).
 */
function fit(examples: readonly {x: number[]; y: number}[], epochs = 400, rate = 1, l2 = 1e-4) {
  const d = examples[0]?.x.length ?? 0
  const w = Array.from({length: d}, () => 0)
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gradient = Array.from({length: d}, () => 0)
    for (const {x, y} of examples) {
      const error = 1 / (1 + Math.exp(-dot(w, x))) - y
      for (let k = 0; k < d; k++) gradient[k] = (gradient[k] ?? 0) + error * (x[k] ?? 0)
    }
    for (let k = 0; k < d; k++)
      w[k] = (w[k] ?? 0) - rate * ((gradient[k] ?? 0) / examples.length + l2 * (w[k] ?? 0))
  }
  return w
}

function train(lists: readonly Listed[], objective: string): number[] {
  if (objective === 'pointwise') {
    // A constant feature for the intercept; it does not change a query's order.
    return fit(lists.flatMap((l) => l.x.map((x, i) => ({x: [1, ...x], y: l.y[i] ? 1 : 0})))).slice(
      1,
    )
  }
  const pairs: {x: number[]; y: number}[] = []
  for (const {x, y} of lists)
    for (let i = 0; i < y.length; i++)
      for (let j = 0; j < y.length; j++)
        if (y[i] && !y[j]) {
          const better = x[i] ?? []
          const worse = x[j] ?? []
          pairs.push({x: better.map((v, k) => v - (worse[k] ?? 0)), y: 1})
        }
  return fit(pairs)
}

function measured(lists: readonly Listed[], queries: readonly RealQuery[], w?: number[]) {
  const order = new Map(
    lists.map(({query, candidates, x}) => {
      if (!w) return [query, candidates]
      const scored = candidates.map((id, i) => ({id, i, s: dot(w, x[i] ?? [])}))
      scored.sort((a, b) => b.s - a.s || a.i - b.i)
      return [query, scored.map(({id}) => id)]
    }),
  )
  return evaluateReal(queries, (id) => order.get(id) ?? [])
}

async function main() {
  const {values} = parseCommandLine(
    {
      options: {
        depth: {type: 'string', default: '10'},
        objective: {type: 'string', default: 'pairwise'},
        splits: {type: 'string', default: 'dev'},
      },
    },
    USAGE,
  )
  const depth = Number(values.depth)
  const splits = values.splits
    .split(',')
    .filter((s): s is 'dev' | 'test' => s === 'dev' || s === 'test')
  const sets = await loadRealSets()
  const prepared = sets.map((set) => {
    const part = neutralTies({
      corpus: sourcesOf(set.corpus),
      splits: {dev: set.dev, test: set.test},
    })
    const trainQueries = neutralTies({corpus: [], splits: {dev: set.train, test: []}}).splits.dev
    const index = SimilarIndex.build(part.corpus, DEFAULT_RANKER)
    const corpus = corpusOf(part.corpus)
    const lists = (queries: readonly RealQuery[]) => listed(index, corpus, queries, depth)
    return {name: set.name, part, train: lists(trainQueries), lists}
  })
  const w = train(
    prepared.flatMap((p) => p.train),
    values.objective,
  )
  console.log(`weights (${values.objective}): ${w.map((v) => v.toFixed(2)).join(' ')}\n`)
  console.log(`| set · split | DEFAULT_RANKER | re-ranked (best ${depth}) |`)
  console.log('| --- | --- | --- |')
  const cell = (m: RealMetrics) =>
    `${m.hitAt4.toFixed(3)} / ${m.mrrAt10.toFixed(3)} / ${m.precisionAt4.toFixed(3)}`
  for (const {name, part, lists} of prepared)
    for (const split of splits) {
      const queries = part.splits[split]
      const listsOfSplit = lists(queries)
      console.log(
        `| ${name} · ${split} (${queries.length}) | ${cell(measured(listsOfSplit, queries))} | ` +
          `${cell(measured(listsOfSplit, queries, w))} |`,
      )
    }
}

if (import.meta.main) await main()
