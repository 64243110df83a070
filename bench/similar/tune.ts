// node bench/similar/tune.ts [--rounds 2] [--only quora,comqa,semeval,generated] [--from JSON]
// Learns the combination of signals: coordinate ascent over RankerConfig's weights on the DEV
// splits only (real sets and the generated tuning seeds), one weight at a time over a grid, kept
// when the objective improves. Objective: the mean over sets of (hit@4 + MRR@10) / 2, SemEval and
// the generated set at half weight (85 queries; a set built to reward what it was built for).
// Prints the path and the best configuration; DEFAULT_RANKER is set from it by hand.
import {DEFAULT_RANKER, type RankerConfig} from '../../similar/config.ts'
import {analysisOptions, SimilarIndex} from '../../similar/ranker.ts'
import {analysisKey} from '../../similar/relations.ts'
import {type EvalPart, generatedSet, neutralTies, sourcesOf} from './eval.ts'
import {evaluateReal} from './real/baseline.ts'
import {loadRealSets} from './real/sets.ts'
import {parseCommandLine} from '../../scripts/args.ts'

const USAGE =
  'Usage: npm run similar:tune -- [--rounds 2] [--only quora,comqa,semeval,generated] [--from JSON] [--keys name,name]'

const SET_WEIGHT: Record<string, number> = {quora: 1, comqa: 1, semeval: 0.5, generated: 0.5}

type Grid = {[K in keyof RankerConfig]?: RankerConfig[K][]}

/** Values tried per weight (analysis changes rebuild the index, the rest reuses it). */
const GRID: Grid = {
  stopWords: ['full', 'short'],
  keepNumbers: [false, true],
  stemmer: ['light', 'strong'],
  titleBoost: [1, 2, 3],
  k1: [0.9, 1.2, 1.6],
  b: [0.5, 0.75, 0.9],
  k3: [1, 8],
  maxQueryTerms: [12, 13, 14, 16, 32],
  maxDfRatio: [0.25, 0.5, 1],
  retentionWeight: [0, 0.25, 0.5, 0.75, 1],
  lexiconWeight: [0, 0.25, 0.5, 1],
  translationWeight: [0, 0.25, 0.5, 0.8, 1.2],
  fuzzyWeight: [0, 0.25, 0.5, 0.75],
  fuzzyMinSimilarity: [0.7, 0.8],
  maxExpansionTerms: [4, 8, 16],
  maxExpansionDfRatio: [0.01, 0.03, 0.1, 0.5],
  prfWeight: [0, 0.05, 0.1],
  reverseWeight: [0, 0.1, 0.25],
  titleGramWeight: [0, 0.1, 0.25, 0.5],
  rerankDepth: [10, 20, 50],
}

interface Tuning {
  name: string
  weight: number
  parts: EvalPart[]
}

class DevObjective {
  private readonly indexes = new Map<string, SimilarIndex>()
  private readonly sets: Tuning[]
  constructor(sets: Tuning[]) {
    this.sets = sets
  }

  /** Per set (hit@4 + MRR@10) / 2 and the weighted mean. */
  score(config: RankerConfig): {total: number; bySet: Record<string, string>} {
    let total = 0
    let weights = 0
    const bySet: Record<string, string> = {}
    for (const set of this.sets) {
      let hit = 0
      let mrr = 0
      let queries = 0
      set.parts.forEach((part, i) => {
        const index = this.index(`${set.name}/${i}`, part, config)
        const m = evaluateReal(part.splits.dev, (id, k) => index.rank(id, k).map((r) => r._id))
        hit += m.hitAt4 * m.queries
        mrr += m.mrrAt10 * m.queries
        queries += m.queries
      })
      hit /= queries
      mrr /= queries
      bySet[set.name] = `${hit.toFixed(3)}/${mrr.toFixed(3)}`
      total += (set.weight * (hit + mrr)) / 2
      weights += set.weight
    }
    return {total: total / weights, bySet}
  }

  private index(name: string, part: EvalPart, config: RankerConfig): SimilarIndex {
    const key = `${name} ${analysisKey(analysisOptions(config))} body=${config.useBody}`
    let index = this.indexes.get(key)
    if (!index) {
      index = SimilarIndex.build(part.corpus, config)
      this.indexes.set(key, index)
    } else index.setQueryConfig(config)
    return index
  }
}

async function devSets(only?: readonly string[]): Promise<Tuning[]> {
  const real = await loadRealSets(
    undefined,
    only?.filter((name) => name !== 'generated'),
  )
  const sets: Tuning[] = real.map((set) => ({
    name: set.name,
    weight: SET_WEIGHT[set.name] ?? 1,
    parts: [neutralTies({corpus: sourcesOf(set.corpus), splits: {dev: set.dev, test: []}})],
  }))
  if (!only || only.includes('generated')) {
    const generated = generatedSet()
    sets.push({
      name: 'generated',
      weight: SET_WEIGHT.generated ?? 1,
      parts: generated.parts.filter((part) => part.splits.dev.length > 0),
    })
  }
  return sets
}

async function main() {
  const {values} = parseCommandLine(
    {
      options: {
        rounds: {type: 'string', default: '2'},
        only: {type: 'string'},
        from: {type: 'string'},
        keys: {type: 'string'},
      },
    },
    USAGE,
  )
  const objective = new DevObjective(await devSets(values.only?.split(',')))
  let best: RankerConfig = {...DEFAULT_RANKER, ...(values.from ? JSON.parse(values.from) : {})}
  let bestScore = objective.score(best)
  console.log(`start ${bestScore.total.toFixed(4)} ${JSON.stringify(bestScore.bySet)}`)
  const keys = (values.keys?.split(',') ?? Object.keys(GRID)) as (keyof RankerConfig)[]
  for (let round = 0; round < Number(values.rounds); round++) {
    let changed = false
    for (const key of keys) {
      for (const value of GRID[key] ?? []) {
        if (best[key] === value) continue
        const config = {...best, [key]: value}
        const score = objective.score(config)
        const better = score.total > bestScore.total + 1e-4
        console.log(
          `${better ? '*' : ' '} ${key}=${value}: ${score.total.toFixed(4)} ${JSON.stringify(score.bySet)}`,
        )
        if (better) {
          best = config
          bestScore = score
          changed = true
        }
      }
    }
    if (!changed) break
  }
  console.log(`best ${bestScore.total.toFixed(4)} ${JSON.stringify(bestScore.bySet)}`)
  console.log(JSON.stringify(best))
}

if (import.meta.main) await main()
