// node bench/similar/report.ts [--tune]
// Prints hit@4, MRR and precision@4 of each ranking variant on the held-out labelled sets; with
// --tune, first searches the weights on the tuning sets (the numbers DEFAULT_RANKER came from).
import {parseArgs} from 'node:util'
import {DEFAULT_RANKER, type RankerConfig} from '../../similar/config.ts'
import {generateLabelledSet} from './labelled.ts'
import {evaluate, fallbackRanking, meanMetrics, type Metrics, rankerRanking} from './metrics.ts'
import {TEST_SEEDS, TUNING_SEEDS, VARIANTS} from './variants.ts'

const {values} = parseArgs({options: {tune: {type: 'boolean', default: false}}})

const tuning = TUNING_SEEDS.map((seed) => generateLabelledSet({seed}))
const test = TEST_SEEDS.map((seed) => generateLabelledSet({seed}))

const score = (sets: typeof test, config: RankerConfig): Metrics =>
  meanMetrics(sets.map((set) => evaluate(set, rankerRanking(set, config))))

const f = (value: number) => value.toFixed(3)
const row = (name: string, m: Metrics) =>
  `| ${name.padEnd(46)} | ${f(m.hitAt4)} | ${f(m.mrr)} | ${f(m.precisionAt4)} |`

if (values.tune) {
  const results: {config: RankerConfig; m: Metrics}[] = []
  for (const titleBoost of [1, 2, 3, 5])
    for (const k1 of [0.9, 1.2, 1.6])
      for (const b of [0.5, 0.75, 0.9])
        for (const k3 of [0, 1, 8])
          for (const tagWeight of [0, 0.05, 0.1, 0.15, 0.25, 0.4])
            for (const specialtyWeight of [0, 0.05, 0.1, 0.2]) {
              const config = {...DEFAULT_RANKER, titleBoost, k1, b, k3, tagWeight, specialtyWeight}
              results.push({config, m: score(tuning, config)})
            }
  results.sort((a, b) => b.m.mrr - a.m.mrr || b.m.hitAt4 - a.m.hitAt4)
  const keys = ['titleBoost', 'k1', 'b', 'k3', 'tagWeight', 'specialtyWeight'] as const
  console.log('Best MRR on the tuning sets with each value fixed (sensitivity):')
  for (const key of keys) {
    const best = new Map<number, number>()
    for (const {config, m} of results)
      best.set(config[key], Math.max(best.get(config[key]) ?? 0, m.mrr))
    console.log(`  ${key}: ${[...best].map(([value, mrr]) => `${value} → ${f(mrr)}`).join(', ')}`)
  }
  const chosen = score(tuning, DEFAULT_RANKER)
  console.log(`DEFAULT_RANKER on the tuning sets: hit@4 ${f(chosen.hitAt4)} MRR ${f(chosen.mrr)}`)
  console.log('Best 10 on the tuning sets (by MRR):')
  for (const {config, m} of results.slice(0, 10)) {
    const {titleBoost, k1, b, k3, tagWeight, specialtyWeight} = config
    console.log(
      `  titleBoost ${titleBoost} k1 ${k1} b ${b} k3 ${k3} tag ${tagWeight} specialty ${specialtyWeight}: hit@4 ${f(m.hitAt4)} MRR ${f(m.mrr)} P@4 ${f(m.precisionAt4)}`,
    )
  }
}

const sizes = test.map((set) => `${set.questions.length} questions / ${set.queries.length} queries`)
console.log(`\nHeld-out labelled sets (seeds ${TEST_SEEDS.join(', ')}: ${sizes.join('; ')})\n`)
console.log(`| ${'ranking'.padEnd(46)} | hit@4 | MRR   | P@4   |`)
console.log(`| ${'-'.repeat(46)} | ----- | ----- | ----- |`)
console.log(
  row(
    'live GROQ fallback (shared tags, specialty, date)',
    meanMetrics(test.map((set) => evaluate(set, fallbackRanking(set)))),
  ),
)
for (const {name, config} of VARIANTS) console.log(row(name, score(test, config)))
console.log(
  row(
    '  (DEFAULT_RANKER without query-term pruning)',
    score(test, {...DEFAULT_RANKER, maxQueryTerms: 10_000, maxDfRatio: 1}),
  ),
)
