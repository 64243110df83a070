// Loads the real-question evaluation sets written by prepare.ts (data is git-ignored: run
// `npm run similar:data` first). Each set: a corpus of questions and dev / test queries whose
// relevant questions are the ones people labelled as duplicates or paraphrases.
import {existsSync} from 'node:fs'
import {readdir, readFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {HEALTH_SET, healthSubset} from './health.ts'

/** The set whose health questions make the `quora-health` set. */
const HEALTH_PARENT = 'quora'

export const DEFAULT_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data')

export interface RealQuestion {
  id: string
  /** The question line (subject). */
  title: string
  /** The question's text when the source has one. */
  body?: string
}

export interface RealQuery {
  /** Id of a corpus question. */
  query: string
  /** Corpus ids labelled as duplicates / paraphrases of the query (never the query itself). */
  relevant: string[]
}

export interface RealSetMeta {
  name: string
  description: string
  licence: string
  sources: {repo: string; commit: string; path: string}[]
  hasBody: boolean
  /** Cap on queries per split when prepared (0: none). */
  maxQueriesPerSplit: number
  stats: {
    sourceQuestions: number
    exactDuplicatesMerged: number
    corpus: number
    /** Distinct questions that came with labels as a query. */
    candidateQueries: number
    /** Queries whose candidates were all judged irrelevant. */
    noRelevantLabelled: number
    /** Queries whose only relevant questions were exact copies of their own text. */
    trivialQueriesDropped: number
    usableQueries: number
    dev: number
    test: number
    /** Dev-side queries set apart for learned signals (0 where the set has no train fold). */
    train?: number
    meanRelevant: {dev: number; test: number}
  }
}

export type RealSplit = 'dev' | 'test'

export interface RealSet {
  name: string
  meta: RealSetMeta
  corpus: RealQuestion[]
  /** For tuning. */
  dev: RealQuery[]
  /** For reporting only. */
  test: RealQuery[]
  /** Dev-side groups kept apart from `dev`, to learn from (empty for sets without a fold). */
  train: RealQuery[]
}

async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8')
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T)
}

/**
 * Every prepared set under `dir` (sorted by name), or only those named in `only`. An empty list,
 * with a message on stderr, when nothing has been prepared yet.
 */
export async function loadRealSets(
  dir: string = DEFAULT_DATA_DIR,
  only?: readonly string[],
): Promise<RealSet[]> {
  const root = resolve(dir)
  const wanted = (name: string) => !only || only.includes(name)
  // The health subset is made from Quora when loaded (health.ts), not prepared on its own.
  const names = existsSync(root)
    ? (await readdir(root, {withFileTypes: true}))
        .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'meta.json')))
        .map((entry) => entry.name)
        .filter((name) => wanted(name) || (name === HEALTH_PARENT && wanted(HEALTH_SET)))
        .sort()
    : []
  if (names.length === 0) {
    console.error(
      `No real similar-question sets in ${root}: run \`npm run similar:data\` ` +
        '(it needs the mirrors listed in bench/similar/real/README.md).',
    )
    return []
  }
  const sets = await Promise.all(
    names.map(async (name) => {
      const setDir = join(root, name)
      const meta = JSON.parse(await readFile(join(setDir, 'meta.json'), 'utf8')) as RealSetMeta
      const trainFile = join(setDir, 'train.jsonl')
      const [corpus, dev, test, train] = await Promise.all([
        readJsonl<RealQuestion>(join(setDir, 'corpus.jsonl')),
        readJsonl<RealQuery>(join(setDir, 'dev.jsonl')),
        readJsonl<RealQuery>(join(setDir, 'test.jsonl')),
        existsSync(trainFile) ? readJsonl<RealQuery>(trainFile) : Promise.resolve([]),
      ])
      return {name, meta, corpus, dev, test, train}
    }),
  )
  const parent = sets.find((set) => set.name === HEALTH_PARENT)
  if (parent && wanted(HEALTH_SET)) sets.push(healthSubset(parent))
  return sets.filter((set) => wanted(set.name))
}
