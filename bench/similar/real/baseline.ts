// Baselines on the real similar-question sets (prepare them first: `npm run similar:data`):
// plain BM25 over title + body, and the archive's ranker (similar/ranker.ts, default config, no
// tags or specialty since these sources have none). Reports hit@4 (a relevant question among the
// four shown), MRR@10 and P@4 per set and split.
//
//   node bench/similar/real/baseline.ts [--dir DIR] [--only quora,semeval] [--splits dev,test]
//                                       [--rankers bm25,archive] [--json FILE]
import {writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {DEFAULT_RANKER, type RankerConfig} from '../../../similar/config.ts'
import {SimilarIndex} from '../../../similar/ranker.ts'
import {
  DEFAULT_DATA_DIR,
  loadRealSets,
  type RealQuery,
  type RealQuestion,
  type RealSet,
  type RealSplit,
} from './sets.ts'

export interface RealMetrics {
  queries: number
  hitAt4: number
  mrrAt10: number
  precisionAt4: number
}

/** Ids of the corpus questions most similar to `id` (never `id` itself), best first. */
export type RealRanking = (id: string, limit: number) => string[]

const CUTOFF = 4
const DEPTH = 10

export function evaluateReal(queries: readonly RealQuery[], ranking: RealRanking): RealMetrics {
  let hits = 0
  let reciprocal = 0
  let precision = 0
  for (const {query, relevant} of queries) {
    const wanted = new Set(relevant)
    const ranked = ranking(query, DEPTH)
    const first = ranked.findIndex((id) => wanted.has(id))
    if (first >= 0 && first < CUTOFF) hits++
    if (first >= 0) reciprocal += 1 / (first + 1)
    precision += ranked.slice(0, CUTOFF).filter((id) => wanted.has(id)).length / CUTOFF
  }
  const n = Math.max(queries.length, 1)
  return {
    queries: queries.length,
    hitAt4: hits / n,
    mrrAt10: reciprocal / n,
    precisionAt4: precision / n,
  }
}

// Lucene's English stop words: what "plain BM25" usually means.
const STOP = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
)

function tokens(text: string): string[] {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  return words.filter((word) => !STOP.has(word))
}

/**
 * Okapi BM25 (k1 1.2, b 0.75, Lucene's idf) over title + body as one field; the query is the
 * query question's own title + body, each distinct term once.
 */
export function bm25Ranking(corpus: readonly RealQuestion[], k1 = 1.2, b = 0.75): RealRanking {
  const vocabulary = new Map<string, number>()
  const postings: {docs: number[]; tfs: number[]}[] = []
  const docTerms: number[][] = []
  const lengths = new Float64Array(corpus.length)
  const numberOf = new Map<string, number>()
  corpus.forEach((question, n) => {
    numberOf.set(question.id, n)
    const words = tokens(`${question.title}\n${question.body ?? ''}`)
    lengths[n] = words.length
    const counts = new Map<number, number>()
    for (const word of words) {
      let term = vocabulary.get(word)
      if (term === undefined) {
        term = postings.length
        vocabulary.set(word, term)
        postings.push({docs: [], tfs: []})
      }
      counts.set(term, (counts.get(term) ?? 0) + 1)
    }
    for (const [term, tf] of counts) {
      const list = postings[term]
      list?.docs.push(n)
      list?.tfs.push(tf)
    }
    docTerms.push([...counts.keys()])
  })
  const average = lengths.reduce((sum, length) => sum + length, 0) / Math.max(corpus.length, 1)
  const idf = postings.map(({docs}) =>
    Math.log(1 + (corpus.length - docs.length + 0.5) / (docs.length + 0.5)),
  )
  const scores = new Float64Array(corpus.length)
  const touched: number[] = []
  return (id, limit) => {
    const q = numberOf.get(id)
    if (q === undefined) return []
    touched.length = 0
    for (const term of docTerms[q] ?? []) {
      const {docs, tfs} = postings[term] ?? {docs: [], tfs: []}
      const weight = idf[term] ?? 0
      for (const [i, n] of docs.entries()) {
        const tf = tfs[i] ?? 0
        const norm = k1 * (1 - b + (b * (lengths[n] ?? 0)) / average)
        if (scores[n] === 0) touched.push(n)
        scores[n] = (scores[n] ?? 0) + (weight * tf * (k1 + 1)) / (tf + norm)
      }
    }
    // Top `limit` by insertion into a short list: common terms touch most of the corpus, and
    // sorting all of it per query is what made this slow.
    const best: number[] = []
    for (const n of touched) {
      if (n === q) continue
      const score = scores[n] ?? 0
      const worst = best[best.length - 1]
      if (best.length === limit && worst !== undefined && !better(n, score, worst)) continue
      let at = best.length
      while (at > 0 && better(n, score, best[at - 1] ?? n)) at--
      best.splice(at, 0, n)
      if (best.length > limit) best.pop()
    }
    for (const n of touched) scores[n] = 0
    return best.flatMap((n) => corpus[n]?.id ?? [])
  }
  function better(n: number, score: number, other: number): boolean {
    const otherScore = scores[other] ?? 0
    return score > otherScore || (score === otherScore && n < other)
  }
}

/** The archive's ranker over the corpus (no tags or specialty: the sources have none). */
export function archiveRanking(
  corpus: readonly RealQuestion[],
  config: RankerConfig = DEFAULT_RANKER,
): RealRanking {
  const index = SimilarIndex.build(
    corpus.map((q) => ({_id: q.id, title: q.title, body: q.body ?? '', tags: []})),
    config,
  )
  return (id, limit) => index.rank(id, limit).map((ranked) => ranked._id)
}

const RANKERS: Record<string, (corpus: readonly RealQuestion[]) => RealRanking> = {
  bm25: (corpus) => bm25Ranking(corpus),
  archive: (corpus) => archiveRanking(corpus),
}

interface Row extends RealMetrics {
  set: string
  split: RealSplit
  ranker: string
  /** Index build over the whole corpus (shared by the splits). */
  buildSeconds: number
  /** Ranking and scoring the split's queries. */
  seconds: number
}

export async function runBaselines(
  sets: readonly RealSet[],
  rankers: readonly string[],
  splits: readonly RealSplit[],
): Promise<Row[]> {
  const rows: Row[] = []
  for (const set of sets) {
    for (const name of rankers) {
      const make = RANKERS[name]
      if (!make) throw new Error(`unknown ranker "${name}" (${Object.keys(RANKERS).join(', ')})`)
      const built = performance.now()
      const ranking = make(set.corpus)
      const buildSeconds = (performance.now() - built) / 1000
      for (const split of splits) {
        const t0 = performance.now()
        const metrics = evaluateReal(set[split], ranking)
        const seconds = (performance.now() - t0) / 1000
        rows.push({set: set.name, split, ranker: name, ...metrics, buildSeconds, seconds})
      }
    }
  }
  return rows
}

function table(rows: readonly Row[], sets: readonly RealSet[]): string {
  const size = new Map(sets.map((set) => [set.name, set.corpus.length]))
  const lines = [
    '| set | corpus | split | queries | ranker | hit@4 | MRR@10 | P@4 | build s | rank s |',
    '| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of rows) {
    lines.push(
      `| ${row.set} | ${size.get(row.set)} | ${row.split} | ${row.queries} | ${row.ranker} | ` +
        `${row.hitAt4.toFixed(3)} | ${row.mrrAt10.toFixed(3)} | ${row.precisionAt4.toFixed(3)} | ` +
        `${row.buildSeconds.toFixed(1)} | ${row.seconds.toFixed(1)} |`,
    )
  }
  return lines.join('\n')
}

async function main() {
  const {values} = parseArgs({
    options: {
      dir: {type: 'string', default: DEFAULT_DATA_DIR},
      only: {type: 'string'},
      splits: {type: 'string', default: 'dev,test'},
      rankers: {type: 'string', default: 'bm25,archive'},
      json: {type: 'string'},
    },
  })
  const list = (text: string | undefined) => text?.split(',').map((item) => item.trim())
  const splits = list(values.splits) ?? []
  if (splits.some((split) => split !== 'dev' && split !== 'test')) {
    console.error(`--splits takes dev and/or test, got "${values.splits}"`)
    process.exit(2)
  }
  const sets = await loadRealSets(values.dir, list(values.only))
  if (sets.length === 0) process.exit(1)
  const rows = await runBaselines(sets, list(values.rankers) ?? [], splits as RealSplit[])
  console.log(table(rows, sets))
  if (values.json) await writeFile(values.json, JSON.stringify(rows, null, 2) + '\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
