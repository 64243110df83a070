// npm run similar:eval [-- --only quora,comqa,semeval,generated] [--splits dev,test] [--dir DIR]
//                         [--variants name,name] [--json FILE] [--wordnet DIR] [--vectors FILE]
// One table per set and split: hit@4, MRR@10 and P@4 of plain BM25 (first row), the previous
// ranker and every variant in EVAL_VARIANTS, on the real sets (bench/similar/real, prepared by
// `npm run similar:data`; said plainly when absent) and the generated labelled sets (dev: the
// tuning seeds, test: the held-out seeds). Weights are tuned on dev only (tune.ts); test is for
// reporting.
import {createHash} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import type {RankerConfig, SimilarSource} from '../../similar/config.ts'
import {type ExtraRelations, SimilarIndex} from '../../similar/ranker.ts'
import {generateLabelledSet, type LabelledSet} from './labelled.ts'
import {bm25Ranking, evaluateReal, type RealMetrics, type RealRanking} from './real/baseline.ts'
import {loadRealSets, type RealQuery, type RealQuestion} from './real/sets.ts'
import {EVAL_VARIANTS, type EvalVariant, TEST_SEEDS, TUNING_SEEDS} from './variants.ts'
import {loadVectorRelations} from './vectors.ts'
import {loadWordNetRelations} from './wordnet.ts'
import {parseCommandLine} from '../../scripts/args.ts'

const USAGE =
  'Usage: npm run similar:eval -- [--only quora,comqa,semeval,generated] [--splits dev,test] [--dir DIR]\n  [--variants name,name] [--json FILE] [--wordnet DIR] [--vectors FILE]'

/** A corpus with its dev and test queries. */
export interface EvalPart {
  corpus: SimilarSource[]
  splits: {dev: RealQuery[]; test: RealQuery[]}
}

/** A set to evaluate on: one part, or several archives (generated seeds) pooled. */
interface EvalSet {
  name: string
  parts: EvalPart[]
}

type Split = 'dev' | 'test'

interface Row extends RealMetrics {
  set: string
  split: Split
  variant: string
  /** Milliseconds per ranking (all queries of the split). */
  msPerQuery: number
}

export function sourcesOf(corpus: readonly RealQuestion[]): SimilarSource[] {
  return corpus.map((q) => ({_id: q.id, title: q.title, body: q.body ?? '', tags: []}))
}

/**
 * Ties broken at random, the same way for every ranker: ids get a hash prefix and the corpus is
 * put in hash order (the archive's ranker breaks ties on `_id`, plain BM25 on corpus order). The
 * sources' own ids and order are not neutral: ComQA's unlabelled duplicates among the distractors
 * ("test-…") sort before labelled ones ("train-…"), which alone moves MRR by several points.
 */
export function neutralTies(part: EvalPart): EvalPart {
  const neutral = (id: string) =>
    `${createHash('sha1').update(id).digest('hex').slice(0, 10)}~${id}`
  const queries = (list: readonly RealQuery[]) =>
    list.map(({query, relevant}) => ({query: neutral(query), relevant: relevant.map(neutral)}))
  return {
    corpus: part.corpus
      .map((q) => ({...q, _id: neutral(q._id)}))
      .sort((a, b) => (a._id < b._id ? -1 : 1)),
    splits: {dev: queries(part.splits.dev), test: queries(part.splits.test)},
  }
}

function queriesOf(set: LabelledSet): RealQuery[] {
  return set.queries.map(({id, relevant}) => ({query: id, relevant: [...relevant]}))
}

/** The generated labelled sets: dev on the tuning seeds, test on the held-out ones. */
export function generatedSet(): EvalSet {
  const part = (seed: number, split: Split): EvalPart => {
    const set = generateLabelledSet({seed})
    const queries = queriesOf(set)
    return {
      corpus: set.questions,
      splits: split === 'dev' ? {dev: queries, test: []} : {dev: [], test: queries},
    }
  }
  return {
    name: 'generated',
    parts: [
      ...TUNING_SEEDS.map((seed) => part(seed, 'dev')),
      ...TEST_SEEDS.map((seed) => part(seed, 'test')),
    ].map(neutralTies),
  }
}

function variantRanking(
  corpus: readonly SimilarSource[],
  config: RankerConfig,
  relations: readonly ExtraRelations[] = [],
): RealRanking {
  const index = SimilarIndex.build(corpus, config, {relations})
  return (id, limit) => index.rank(id, limit).map((r) => r._id)
}

/** Metrics pooled over parts (weighted by their query counts). */
function pooled(all: RealMetrics[]): RealMetrics {
  const queries = all.reduce((sum, m) => sum + m.queries, 0)
  const mean = (pick: (m: RealMetrics) => number) =>
    all.reduce((sum, m) => sum + pick(m) * m.queries, 0) / Math.max(queries, 1)
  return {
    queries,
    hitAt4: mean((m) => m.hitAt4),
    mrrAt10: mean((m) => m.mrrAt10),
    precisionAt4: mean((m) => m.precisionAt4),
  }
}

interface Extras {
  wordnet?: string
  vectors?: string
}

/** Variants whose data was not there (said under the tables). */
const skipped = new Set<string>()

async function relationsFor(
  variant: EvalVariant,
  corpus: readonly SimilarSource[],
  extras: Extras,
): Promise<ExtraRelations[] | undefined> {
  if (!variant.extra) return []
  // Loaded once per run: the tables do not depend on the corpus but on the analysis.
  const {kind, weight} = variant.extra
  if (kind === 'wordnet') {
    const relations = await loadWordNetRelations(variant.config, extras.wordnet)
    return relations ? [{weight, relations}] : undefined
  }
  const relations = await loadVectorRelations(variant.config, corpus, extras.vectors)
  return relations ? [{weight, relations}] : undefined
}

async function evaluateSet(
  set: EvalSet,
  variants: readonly EvalVariant[],
  splits: readonly Split[],
  extras: Extras,
  log: (row: Row) => void = () => {},
): Promise<Row[]> {
  const rows: Row[] = []
  const run = async (name: string, rankingOf: (part: EvalPart) => Promise<RealRanking>) => {
    const results = new Map<Split, {metrics: RealMetrics[]; ms: number}>()
    for (const part of set.parts) {
      if (!splits.some((split) => part.splits[split].length > 0)) continue
      const ranking = await rankingOf(part)
      for (const split of splits) {
        const queries = part.splits[split]
        if (queries.length === 0) continue
        const started = performance.now()
        const result = results.get(split) ?? {metrics: [], ms: 0}
        result.metrics.push(evaluateReal(queries, ranking))
        result.ms += performance.now() - started
        results.set(split, result)
      }
    }
    for (const [split, {metrics, ms}] of results) {
      const total = pooled(metrics)
      const row = {set: set.name, split, variant: name, ...total, msPerQuery: ms / total.queries}
      rows.push(row)
      log(row)
    }
  }
  await run('BM25 (plain: Lucene stop words, k1 1.2, b 0.75)', async (part) =>
    bm25Ranking(part.corpus.map((q) => ({id: q._id, title: q.title, body: q.body}))),
  )
  for (const variant of variants) {
    const first = set.parts[0]
    if (first && !(await relationsFor(variant, first.corpus, extras))) {
      skipped.add(variant.name)
      continue
    }
    await run(variant.name, async (part) => {
      const relations = await relationsFor(variant, part.corpus, extras)
      return variantRanking(part.corpus, variant.config, relations ?? [])
    })
  }
  return rows
}

const f = (value: number) => value.toFixed(3)

function table(rows: readonly Row[]): string {
  const lines: string[] = []
  const keys = [...new Set(rows.map((row) => `${row.set}\u0000${row.split}`))]
  for (const key of keys) {
    const [set, split] = key.split('\u0000')
    const group = rows.filter((row) => row.set === set && row.split === split)
    lines.push(`\n### ${set} · ${split} (${group[0]?.queries ?? 0} queries)\n`)
    lines.push('| variant | hit@4 | MRR@10 | P@4 | ms/query |')
    lines.push('| --- | ---: | ---: | ---: | ---: |')
    for (const row of group)
      lines.push(
        `| ${row.variant} | ${f(row.hitAt4)} | ${f(row.mrrAt10)} | ${f(row.precisionAt4)} | ` +
          `${row.msPerQuery.toFixed(2)} |`,
      )
  }
  return lines.join('\n')
}

async function main() {
  const {values} = parseCommandLine(
    {
      options: {
        only: {type: 'string'},
        dir: {type: 'string'},
        splits: {type: 'string', default: 'dev,test'},
        variants: {type: 'string'},
        json: {type: 'string'},
        wordnet: {type: 'string'},
        vectors: {type: 'string'},
      },
    },
    USAGE,
  )
  const list = (text: string | undefined) => text?.split(',').map((item) => item.trim())
  const only = list(values.only)
  const splits = (list(values.splits) ?? []).filter((s): s is Split => s === 'dev' || s === 'test')
  const wanted = list(values.variants)
  const variants = EVAL_VARIANTS.filter((v) => !wanted || wanted.includes(v.key))
  const real = await loadRealSets(
    values.dir,
    only?.filter((name) => name !== 'generated'),
  )
  if (real.length === 0)
    console.log(
      '\n**Real sets absent**: no prepared data, so only the generated sets are ' +
        'evaluated. Run `npm run similar:data` (see bench/similar/real/README.md) for the real ones.',
    )
  const sets: EvalSet[] = real.map((set) => ({
    name: set.name,
    parts: [neutralTies({corpus: sourcesOf(set.corpus), splits: {dev: set.dev, test: set.test}})],
  }))
  if (!only || only.includes('generated')) sets.push(generatedSet())
  const rows: Row[] = []
  const extras: Extras = {
    ...(values.wordnet ? {wordnet: values.wordnet} : {}),
    ...(values.vectors ? {vectors: values.vectors} : {}),
  }
  for (const set of sets) {
    const log = (row: Row) =>
      console.error(`${row.set} ${row.split} ${row.variant}: ${f(row.hitAt4)} ${f(row.mrrAt10)}`)
    rows.push(...(await evaluateSet(set, variants, splits, extras, log)))
  }
  const ordered = [...rows].sort(
    (a, b) =>
      a.set.localeCompare(b.set) ||
      a.split.localeCompare(b.split) ||
      rows.indexOf(a) - rows.indexOf(b),
  )
  console.log(table(ordered))
  for (const name of skipped) console.log(`\nNot measured (data absent): ${name}.`)
  if (values.json) await writeFile(values.json, JSON.stringify(ordered, null, 2) + '\n')
}

if (import.meta.main) await main()
