// Benchmarks the embedded lake on a synthetic archive: write throughput, cold start and query
// latency next to plain groq-js, checking that both give the same results.
//
//   node scripts/bench.ts [--threads 10000] [--seed 1] [--out bench/results.json] [--keep]
//                         [--iterations 200] [--plain-iterations 10 (0: lake only)] [--budget-seconds 60]
//                         [--data-dir DIR] [--queries name,name] [--no-similar | --similar-only]
//
// --data-dir keeps the data folder and, run again with the same threads and seed, reuses the
// archive written there; --queries runs only the queries whose names contain one of the words.
//
// --similar-only writes the archive and measures the similar-thread precompute alone (full,
// again, single edits, peak memory); --no-similar leaves that part out.
//
// Prints a report on stdout (progress on stderr), writes every number to --out, and exits with 1
// when a lake result differs from plain groq-js.
import {mkdir, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {formatReport} from '../bench/report.ts'
import {DEFAULT_OPTIONS, runBench} from '../bench/run.ts'
import {parseCommandLine} from './args.ts'

function positiveInteger(
  name: string,
  value: string | undefined,
  fallback: number,
  minimum = 1,
): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < minimum) {
    console.error(`--${name} must be an integer of at least ${minimum}, got "${value}"`)
    process.exit(2)
  }
  return parsed
}

const USAGE =
  'Usage: npm run bench -- [--threads N] [--seed S] [--out FILE] [--keep] [--iterations N] [--plain-iterations N] [--budget-seconds S] [--data-dir DIR] [--queries name,name] [--no-similar | --similar-only]'

const {values} = parseCommandLine(
  {
    options: {
      threads: {type: 'string'},
      seed: {type: 'string'},
      out: {type: 'string', default: 'bench/results.json'},
      keep: {type: 'boolean', default: false},
      iterations: {type: 'string'},
      'plain-iterations': {type: 'string'},
      'budget-seconds': {type: 'string'},
      'data-dir': {type: 'string'},
      queries: {type: 'string'},
      'no-similar': {type: 'boolean', default: false},
      'similar-only': {type: 'boolean', default: false},
    },
  },
  USAGE,
)

const options = {
  ...DEFAULT_OPTIONS,
  threads: positiveInteger('threads', values.threads, DEFAULT_OPTIONS.threads),
  seed: positiveInteger('seed', values.seed, DEFAULT_OPTIONS.seed),
  keep: values.keep,
  iterations: positiveInteger('iterations', values.iterations, DEFAULT_OPTIONS.iterations),
  plainIterations: positiveInteger(
    'plain-iterations',
    values['plain-iterations'],
    DEFAULT_OPTIONS.plainIterations,
    0,
  ),
  budgetMs:
    positiveInteger('budget-seconds', values['budget-seconds'], DEFAULT_OPTIONS.budgetMs / 1000) *
    1000,
  ...(values['data-dir'] === undefined ? {} : {dataDir: resolve(values['data-dir'])}),
  ...(values.queries === undefined
    ? {}
    : {only: values.queries.split(',').map((part) => part.trim())}),
  similar: !values['no-similar'],
  similarOnly: values['similar-only'],
}
if (values['no-similar'] && values['similar-only']) {
  console.error('--no-similar and --similar-only exclude each other')
  process.exit(2)
}

const results = await runBench(options)
console.log(formatReport(results))
const out = resolve(values.out)
await mkdir(dirname(out), {recursive: true})
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`)
console.log(`Results written to ${out}`)
if (results.mismatches.length > 0) process.exitCode = 1
