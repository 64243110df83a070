// node bench/similar/trainedVectors.ts [--dims 128] [--epochs 6] [--init 1] [--splits dev]
//
// A small model trained here for question similarity (measured, not shipped): one vector per
// index term, a question's vector the idf-weighted sum of its terms' (unit length), trained
// on the duplicate pairs of the Quora and ComQA `train` folds only (InfoNCE: each pair's
// partner against the other questions of its batch, both ways; AdaGrad). Every term starts
// from a fixed pseudo-random vector (scaled by --init), so untrained words still match
// themselves. Prints, per real set: DEFAULT_RANKER, the model alone, and the ranker's first 50
// re-scored as score + β · cosine. Nothing is written: the vectors live for the run.
import {createHash} from 'node:crypto'
import {parseCommandLine} from '../../scripts/args.ts'
import {DEFAULT_RANKER} from '../../similar/config.ts'
import {analysisOptions, SimilarIndex} from '../../similar/ranker.ts'
import {analyze} from '../../similar/text.ts'
import {neutralTies, sourcesOf} from './eval.ts'
import {evaluateQueries, metricsRow, type Ranking} from './metrics.ts'
import {loadRealSets, type RealQuery, type RealSplit} from './real/sets.ts'

const USAGE = `Usage: node bench/similar/trainedVectors.ts [options]
  --dims N       vector length (default 128)
  --epochs N     passes over the training pairs (default 6)
  --init X       scale of the fixed starting vectors (default 1)
  --batch N      pairs per batch (default 256)
  --betas LIST   fusion weights (default 0.25,0.5,1,2)
  --only LIST    sets to report (default quora,comqa,semeval)
  --splits LIST  dev and/or test (default dev)
  --dir DIR      prepared sets (default bench/similar/real/data)`

const {values} = parseCommandLine(
  {
    options: {
      dims: {type: 'string', default: '128'},
      epochs: {type: 'string', default: '6'},
      init: {type: 'string', default: '1'},
      batch: {type: 'string', default: '256'},
      betas: {type: 'string', default: '0.25,0.5,1,2'},
      only: {type: 'string', default: 'quora,comqa,semeval'},
      splits: {type: 'string', default: 'dev'},
      dir: {type: 'string'},
    },
  },
  USAGE,
)
const D = Number(values.dims)
const EPOCHS = Number(values.epochs)
const BATCH = Number(values.batch)
const INIT = Number(values.init)
const TEMPERATURE = 0.05
const RATE = 0.05
const POOL = 50
/** Pairs taken from each member of a duplicate group (to the next few members). */
const PARTNERS = 3

const options = analysisOptions(DEFAULT_RANKER)
const sets = await loadRealSets(values.dir, ['quora', 'comqa', 'semeval'])
if (sets.length === 0) process.exit(1)

// Term ids and idf over every corpus, as the ranker's analysis sees the text.
const vocabulary = new Map<string, number>()
const df: number[] = []
const termsOf = new Map<string, number[]>()
for (const set of sets)
  for (const q of set.corpus) {
    const ids = [...new Set(analyze(`${q.title}\n${q.body ?? ''}`, options))].map((term) => {
      let id = vocabulary.get(term)
      if (id === undefined) vocabulary.set(term, (id = df.push(0) - 1))
      return id
    })
    for (const id of ids) df[id] = (df[id] ?? 0) + 1
    termsOf.set(`${set.name}:${q.id}`, ids)
  }
const questions = termsOf.size
const idf = df.map((n) => Math.log(1 + questions / n))

/** xorshift32: the same numbers on every run. */
function generator(seed: number): () => number {
  let state = seed || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4294967296
  }
}

const vectors = new Float32Array(vocabulary.size * D)
for (const [term, id] of vocabulary) {
  const random = generator(createHash('sha1').update(term).digest().readUInt32LE(0))
  for (let k = 0; k < D; k++) {
    // Sum of four uniforms: near-normal, variance 1/3, so unit-length on average after scaling.
    const x = random() + random() + random() + random() - 2
    vectors[id * D + k] = (INIT * x) / Math.sqrt(D / 3)
  }
}

// Training pairs: each train group's members with their next few, from the train folds only.
const pairs: [number[], number[]][] = []
for (const set of sets) {
  const seen = new Set<string>()
  for (const {query, relevant} of set.train) {
    const members = [query, ...relevant].sort()
    const key = members.join('\n')
    if (seen.has(key)) continue
    seen.add(key)
    for (let i = 0; i < members.length; i++)
      for (let j = i + 1; j <= i + PARTNERS && j < members.length; j++) {
        const a = termsOf.get(`${set.name}:${members[i]}`)
        const b = termsOf.get(`${set.name}:${members[j]}`)
        if (a?.length && b?.length) pairs.push([a, b])
      }
  }
}
console.error(`${vocabulary.size} terms, ${pairs.length} training pairs`)

/** The question's unit vector into `out`; returns the length before normalising. */
function embed(terms: readonly number[], out: Float32Array): number {
  out.fill(0)
  for (const id of terms) {
    const weight = idf[id] ?? 0
    for (let k = 0; k < D; k++) out[k] = (out[k] ?? 0) + weight * (vectors[id * D + k] ?? 0)
  }
  let norm = 0
  for (let k = 0; k < D; k++) norm += (out[k] ?? 0) ** 2
  norm = Math.sqrt(norm) || 1
  for (let k = 0; k < D; k++) out[k] = (out[k] ?? 0) / norm
  return norm
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let k = 0; k < D; k++) sum += (a[k] ?? 0) * (b[k] ?? 0)
  return sum
}

/**
 * Softmax cross-entropy of each row of `logits` (row i's answer is column i), adding
 * d loss / d rows to `rowGrads` and d loss / d columns to `columnGrads`; returns the loss.
 */
function crossEntropy(
  logit: (i: number, j: number) => number,
  rows: Float32Array[],
  columns: Float32Array[],
  rowGrads: Float32Array[],
  columnGrads: Float32Array[],
): number {
  const n = rows.length
  let loss = 0
  const p = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let max = -Infinity
    for (let j = 0; j < n; j++) max = Math.max(max, logit(i, j))
    let sum = 0
    for (let j = 0; j < n; j++) sum += p[j] = Math.exp(logit(i, j) - max)
    loss -= Math.log((p[i] ?? 0) / sum)
    for (let j = 0; j < n; j++) {
      const c = ((p[j] ?? 0) / sum - (i === j ? 1 : 0)) / TEMPERATURE / n
      const row = rows[i] as Float32Array
      const column = columns[j] as Float32Array
      const rowGrad = rowGrads[i] as Float32Array
      const columnGrad = columnGrads[j] as Float32Array
      for (let k = 0; k < D; k++) {
        rowGrad[k] = (rowGrad[k] ?? 0) + c * (column[k] ?? 0)
        columnGrad[k] = (columnGrad[k] ?? 0) + c * (row[k] ?? 0)
      }
    }
  }
  return loss
}

const squares = new Float32Array(vectors.length)
/** AdaGrad step for the terms of one question, from the gradient of its unit vector. */
function step(terms: readonly number[], unit: Float32Array, grad: Float32Array, norm: number) {
  // Through the normalisation: (g − (g·u) u) / |s|.
  const along = dot(grad, unit)
  for (let k = 0; k < D; k++) grad[k] = ((grad[k] ?? 0) - along * (unit[k] ?? 0)) / norm
  for (const id of terms) {
    const weight = idf[id] ?? 0
    for (let k = 0; k < D; k++) {
      const g = weight * (grad[k] ?? 0)
      const at = id * D + k
      squares[at] = (squares[at] ?? 0) + g * g
      vectors[at] = (vectors[at] ?? 0) - (RATE * g) / (Math.sqrt(squares[at] ?? 0) + 1e-8)
    }
  }
}

const shuffle = generator(12345)
const started = performance.now()
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1))
    ;[pairs[i], pairs[j]] = [pairs[j] as [number[], number[]], pairs[i] as [number[], number[]]]
  }
  let loss = 0
  for (let start = 0; start + BATCH <= pairs.length; start += BATCH) {
    const batch = pairs.slice(start, start + BATCH)
    const fresh = () => batch.map(() => new Float32Array(D))
    const [left, right, leftGrads, rightGrads] = [fresh(), fresh(), fresh(), fresh()]
    const leftNorms = batch.map(([a], i) => embed(a, left[i] as Float32Array))
    const rightNorms = batch.map(([, b], i) => embed(b, right[i] as Float32Array))
    const logits = left.map((a) => right.map((b) => dot(a, b) / TEMPERATURE))
    const at = (i: number, j: number) => logits[i]?.[j] ?? 0
    loss += crossEntropy(at, left, right, leftGrads, rightGrads)
    loss += crossEntropy((i, j) => at(j, i), right, left, rightGrads, leftGrads)
    batch.forEach(([a, b], i) => {
      step(a, left[i] as Float32Array, leftGrads[i] as Float32Array, leftNorms[i] ?? 1)
      step(b, right[i] as Float32Array, rightGrads[i] as Float32Array, rightNorms[i] ?? 1)
    })
  }
  console.error(`epoch ${epoch + 1}: loss ${(loss / (2 * pairs.length)).toFixed(4)}`)
}
console.error(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`)

function row(name: string, queries: readonly RealQuery[], ranking: Ranking) {
  console.log(metricsRow(name, evaluateQueries(queries, ranking), 26))
}

const only = new Set(values.only.split(','))
for (const set of sets.filter(({name}) => only.has(name))) {
  const part = neutralTies({corpus: sourcesOf(set.corpus), splits: {dev: set.dev, test: set.test}})
  const index = SimilarIndex.build(part.corpus)
  const unit = new Map<string, Float32Array>()
  for (const q of part.corpus) {
    const original = q._id.slice(q._id.indexOf('~') + 1)
    const out = new Float32Array(D)
    embed(termsOf.get(`${set.name}:${original}`) ?? [], out)
    unit.set(q._id, out)
  }
  const cosine = (a: string, b: string) => {
    const x = unit.get(a)
    const y = unit.get(b)
    return x && y ? dot(x, y) : 0
  }
  const byScore = (list: {_id: string; score: number}[]) =>
    list.sort((a, b) => b.score - a.score || (a._id < b._id ? -1 : 1)).map(({_id}) => _id)
  for (const split of values.splits.split(',') as RealSplit[]) {
    const queries = part.splits[split]
    console.log(`\n#### ${set.name} · ${split} (${queries.length} queries)\n`)
    console.log('| variant                    | hit@4 | MRR (first 50) |   P@4 |')
    console.log('| -------------------------- | ----: | -------------: | ----: |')
    const pools = new Map(queries.map(({query}) => [query, index.rank(query, POOL)]))
    row('DEFAULT_RANKER', queries, (id) => (pools.get(id) ?? []).map(({_id}) => _id))
    row('trained vectors alone', queries, (id) => {
      // The best POOL by cosine, kept sorted as the corpus goes by (a sort per query is slow).
      const best: {_id: string; score: number}[] = []
      for (const {_id} of part.corpus) {
        if (_id === id) continue
        const score = cosine(id, _id)
        if (best.length === POOL && score <= (best[POOL - 1]?.score ?? 0)) continue
        let at = best.length
        while (at > 0 && (best[at - 1]?.score ?? 0) < score) at--
        best.splice(at, 0, {_id, score})
        if (best.length > POOL) best.pop()
      }
      return best.map(({_id}) => _id)
    })
    for (const beta of values.betas.split(',').map(Number))
      row(`ranker + ${beta} × cosine`, queries, (id) =>
        byScore(
          (pools.get(id) ?? []).map(({_id, score}) => ({
            _id,
            score: score + beta * cosine(id, _id),
          })),
        ),
      )
  }
}
