// npm run similar:product [-- --only semeval,comqa] [--splits dev,test] [--keep]
// The similar-thread lists as a user gets them, scored on the real sets: each set's questions
// written as JSONL (the title; the body, or the title again, as the question; a URL per
// question as its identity), imported with `npm run import` into an empty lake, every list read
// with `npm run similar -- --all --limit 10 --json`, and the answers matched back to the set
// through the stored questions' `source.url` (`npm run lake -- export`). Printed beside plain
// BM25 and the ranker run directly on the set (eval.ts's rows), computed here: a gap between the
// last two is what the import path (masking, text mapping, stored lists) costs.
import {spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {DEFAULT_RANKER} from '../../../similar/config.ts'
import {SimilarIndex} from '../../../similar/ranker.ts'
import {neutralTies, sourcesOf} from '../eval.ts'
import {bm25Ranking, evaluateReal, type RealMetrics, type RealRanking} from './baseline.ts'
import {DEFAULT_DATA_DIR, loadRealSets, type RealSet, type RealSplit} from './sets.ts'
import {parseCommandLine} from '../../../scripts/args.ts'

const USAGE =
  'Usage: npm run similar:product -- [--only quora,comqa,semeval] [--splits dev,test] [--dir DIR] [--keep]'

const SCRIPTS = join(import.meta.dirname, '..', '..', '..', 'scripts')
const URL_PREFIX = 'https://real-set.invalid/'

/** The set as an archive in the importer's JSONL: one thread per question, no replies. */
function archiveLines(set: RealSet): string {
  return set.corpus
    .map((question) => {
      const body = question.body?.trim()
      return JSON.stringify({
        url: URL_PREFIX + encodeURIComponent(question.id),
        title: question.title,
        question: body ? body : question.title,
      })
    })
    .join('\n')
}

/** Runs one of the product's commands on the lake in `dataDir`; each stdout line to `onLine`. */
function command(
  script: string,
  args: string[],
  dataDir: string,
  onLine: (line: string) => void = () => undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(SCRIPTS, script), ...args], {
      env: {...process.env, LAKE_DATA_DIR: dataDir},
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    createInterface({input: child.stdout}).on('line', onLine)
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${code}`)),
    )
  })
}

/** The product's lists for every question of `set`, by set id. */
async function productLists(set: RealSet, work: string): Promise<Map<string, string[]>> {
  const file = join(work, `${set.name}.jsonl`)
  const dataDir = join(work, `lake-${set.name}`)
  await writeFile(file, archiveLines(set))
  const started = performance.now()
  await command('import.ts', [file], dataDir, (line) => console.error(`  ${line}`))
  const imported = performance.now()
  const lines: string[] = []
  await command('similar.ts', ['--all', '--limit', '10', '--json'], dataDir, (line) => {
    if (line.startsWith('{')) lines.push(line)
  })
  console.error(
    `  ${set.name}: imported in ${((imported - started) / 1000).toFixed(1)} s, ${lines.length} lists read in ${((performance.now() - imported) / 1000).toFixed(1)} s`,
  )
  const setIdOf = new Map<string, string>()
  await command('lake.ts', ['export', '-'], dataDir, (line) => {
    const document = JSON.parse(line) as {_id: string; _type: string; source?: {url?: string}}
    const url = document.source?.url ?? ''
    if (document._type === 'question' && url.startsWith(URL_PREFIX))
      setIdOf.set(document._id, decodeURIComponent(url.slice(URL_PREFIX.length)))
  })
  const lists = new Map<string, string[]>()
  for (const line of lines) {
    const answer = JSON.parse(line) as {_id: string; similar: {_id: string}[]}
    const id = setIdOf.get(answer._id)
    if (id === undefined) throw new Error(`${answer._id}: not a question of the set`)
    lists.set(
      id,
      answer.similar.map(({_id}) => setIdOf.get(_id) ?? _id),
    )
  }
  const missing = set.corpus.length - lists.size
  if (missing > 0) console.error(`  ${set.name}: ${missing} questions have no list`)
  return lists
}

function row(name: string, metrics: RealMetrics): string {
  const cell = (value: number) => value.toFixed(3).padStart(6)
  return `| ${name.padEnd(44)} | ${cell(metrics.hitAt4)} | ${cell(metrics.mrrAt10)} | ${cell(metrics.precisionAt4)} |`
}

async function main() {
  const {values} = parseCommandLine(
    {
      options: {
        only: {type: 'string'},
        splits: {type: 'string', default: 'dev,test'},
        dir: {type: 'string', default: DEFAULT_DATA_DIR},
        keep: {type: 'boolean', default: false},
      },
    },
    USAGE,
  )
  const only = values.only?.split(',').filter(Boolean)
  const splits = values.splits.split(',').filter(Boolean) as RealSplit[]
  const sets = await loadRealSets(values.dir, only)
  if (sets.length === 0) {
    console.log('No real sets prepared: run `npm run similar:data` first (see README.md).')
    return
  }
  const work = await mkdtemp(join(tmpdir(), 'similar-product-'))
  try {
    for (const set of sets) {
      const lists = await productLists(set, work)
      const product: RealRanking = (id, limit) => (lists.get(id) ?? []).slice(0, limit)
      const part = neutralTies({corpus: sourcesOf(set.corpus), splits: set})
      const index = SimilarIndex.build(part.corpus, DEFAULT_RANKER)
      const direct: RealRanking = (id, limit) => index.rank(id, limit).map(({_id}) => _id)
      const bm25 = bm25Ranking(part.corpus.map(({_id, title, body}) => ({id: _id, title, body})))
      for (const split of splits) {
        console.log(`\n#### ${set.name} · ${split} (${set[split].length} queries)\n`)
        console.log('| ranking                                      |  hit@4 | MRR@10 |    P@4 |')
        console.log('| -------------------------------------------- | -----: | -----: | -----: |')
        console.log(row('BM25 (plain), on the set', evaluateReal(part.splits[split], bm25)))
        console.log(row('DEFAULT_RANKER, on the set', evaluateReal(part.splits[split], direct)))
        console.log(
          row('product: npm run import → npm run similar', evaluateReal(set[split], product)),
        )
      }
    }
  } finally {
    if (values.keep) console.error(`Kept ${work}`)
    else await rm(work, {recursive: true, force: true})
  }
}

await main()
