import type {SanityClient} from '@sanity/client'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {availableParallelism, cpus, loadavg, release, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {isDeepStrictEqual} from 'node:util'
import {lakeSettings} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {runQuery} from '../lake/query.ts'
import {startLakeServer, type LakeServer} from '../lake/server.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import {type ColdStart, measureColdStart} from './coldStart.ts'
import {measurePrecompute, type Precompute} from './precompute.ts'
import {type HistoryBench, measureHistory} from './history.ts'
import {plainText} from '../domain/portableText.ts'
import {archiveDocuments, documentCount, generateArchive} from './generate.ts'
import {log, progress} from './progress.ts'
import {type ArchiveSample, BENCH_QUERIES, type BenchQuery, sampleArchive} from './queries.ts'
import {createRandom} from './random.ts'
import {type LatencyStats, summarize} from './stats.ts'
import {measureUnderLoad, type UnderLoad} from './underLoad.ts'
import {errorMessage} from '../domain/errors.ts'

// One benchmark run over one synthetic archive: bulk write over HTTP, cold start from disk, then
// read latency through @sanity/client next to plain groq-js on the same in-memory dataset, with
// every lake result checked against plain groq-js.

export interface BenchOptions {
  threads: number
  seed: number
  /** Keep the temporary data directory instead of deleting it. */
  keep: boolean
  /** Measured lake iterations per query (after `warmup`). */
  iterations: number
  warmup: number
  /** Measured in-process lake iterations per query (no HTTP), for the profile of where time goes. */
  inProcessIterations: number
  /** Measured plain groq-js iterations per query; each is also an equality check. */
  plainIterations: number
  /**
   * Time per query for the lake runs over HTTP and in-process: a slow query stops early, after at
   * least `minIterations` runs over HTTP and 5 in-process (its row says how many ran).
   */
  budgetMs: number
  minIterations: number
  /** Mutations per transaction. */
  batchSize: number
  /** Transactions in flight at once. */
  concurrency: number
  /**
   * Data folder to use and keep (instead of a temporary one); when it already holds the archive
   * for these threads and seed, the archive is not written again.
   */
  dataDir?: string
  /** Run only the queries whose names contain one of these (case-insensitive). */
  only?: string[]
  /** Measure the similar-thread precompute (full, again, single edits) at the end. */
  similar: boolean
  /** Write the archive and measure the similar-thread precompute only (no cold start, queries). */
  similarOnly: boolean
  /** The lake's query time limit, in-process runs included (LAKE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number
}

export const DEFAULT_OPTIONS: BenchOptions = {
  threads: 10_000,
  seed: 1,
  keep: false,
  iterations: 200,
  warmup: 20,
  inProcessIterations: 50,
  plainIterations: 10,
  budgetMs: 60_000,
  minIterations: 10,
  batchSize: 500,
  concurrency: 4,
  similar: true,
  similarOnly: false,
  queryTimeoutMs: lakeSettings().queryTimeoutMs,
}

export interface QueryResult {
  name: string
  query: string
  /** Through @sanity/client over HTTP (what a page pays). */
  lake: LatencyStats
  /** runQuery with the planner, in-process: the lake's evaluation without HTTP. */
  lakeInProcess: LatencyStats
  /** runQuery with `plain: true`: groq-js scanning the same in-memory dataset. */
  plain: LatencyStats
  /** plain p50 / lake (HTTP) p50. */
  ratio: number
  /** Measured lake runs over HTTP (fewer than asked when the query used up its time budget). */
  runs: number
  /** Average number of rows (array length; 1 or 0 for a single document). */
  avgRows: number
  checked: number
  mismatches: number
  /** Measured requests over HTTP that failed (timed all the same; their answers count as wrong). */
  failures: number
}

export interface Mismatch {
  query: string
  params: Record<string, unknown>
  lake: unknown
  plain: unknown
}

export interface BenchResults {
  /** When the run started. */
  date: string
  machine: {
    node: string
    v8: string
    platform: string
    release: string
    arch: string
    cpuModel: string
    cpus: number
    availableParallelism: number
    totalMemoryBytes: number
    /** 1-minute load average at the start and the end: other work on the machine skews latency. */
    loadAverage: {start: number; end: number}
  }
  /** The code measured: the commit, and lake files changed since (numbers move with them). */
  source: {commit: string; changedLakeFiles: string[]} | null
  options: BenchOptions
  archive: {
    documents: number
    byType: Record<string, number>
    jsonBytes: number
    avgTitleChars: number
    avgQuestionBodyChars: number
    avgReplyBodyChars: number
    generateMs: number
  }
  write: {
    ms: number
    documents: number
    threads: number
    transactions: number
    documentsPerSecond: number
    threadsPerSecond: number
    megabytesPerSecond: number
    transactionLatency: LatencyStats
  }
  close: {ms: number; diskBytes: Record<string, number>}
  /** In a fresh process: startLakeServer on the data directory until the first answer. */
  coldStart: ColdStartResult | null
  queries: QueryResult[]
  /** Pings and lookups by id while a pathological query runs. */
  underLoad: UnderLoad[]
  /** The similar-thread precompute in a fresh process (null when not measured). */
  similar: Precompute | null
  /** Studio's history requests after editors edited and published a sample of questions. */
  history: HistoryBench | null
  mismatches: Mismatch[]
}

export type ColdStartResult = Omit<ColdStart, 'result'> & {
  firstQueryMs: number
  counts: Record<string, number>
  /** The same reopening in the benchmark process, which then serves the latency runs. */
  benchProcessMs: number
}

const DATASET = 'bench'

function sourceState(): BenchResults['source'] {
  const cwd = fileURLToPath(new URL('..', import.meta.url))
  try {
    const git = (...args: string[]) => execFileSync('git', args, {cwd, encoding: 'utf8'})
    return {
      commit: git('rev-parse', '--short', 'HEAD').trim(),
      changedLakeFiles: git('status', '--porcelain', '--', 'lake/*.ts')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(3))
        .filter((path) => !path.includes('__tests__')),
    }
  } catch {
    return null
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000
}

function perSecond(count: number, ms: number): number {
  return Math.round((count / ms) * 1000 * 10) / 10
}

function rows(value: unknown): number {
  if (Array.isArray(value)) return value.length
  return value === null || value === undefined ? 0 : 1
}

function clientFor(server: LakeServer, token: string): SanityClient {
  return lakeClient(server.url, DATASET, token).withConfig(PUBLISHED_ONLY)
}

/** Bytes per file of the dataset folder, a folder's files summed (history/). */
async function diskUsage(dir: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {}
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    sizes[entry.name] = entry.isDirectory()
      ? Object.values(await diskUsage(path)).reduce((sum, size) => sum + size, 0)
      : (await stat(path)).size
  }
  return sizes
}

interface Prepared {
  sample: ArchiveSample
  archive: BenchResults['archive']
  write: BenchResults['write']
}

/** What a kept data folder records of the archive written into it (`--data-dir`). */
const WRITTEN_FILE = 'bench-archive.json'

interface Written {
  threads: number
  seed: number
  archive: BenchResults['archive']
  write: BenchResults['write']
}

/**
 * The archive already written into `dataDir` for these options (its sample drawn again from the
 * same seed), or undefined when the folder holds another or none.
 */
async function alreadyWritten(
  options: BenchOptions,
  dataDir: string,
): Promise<Prepared | undefined> {
  let written: Written
  try {
    written = JSON.parse(await readFile(join(dataDir, WRITTEN_FILE), 'utf8')) as Written
  } catch {
    return undefined
  }
  if (written.threads !== options.threads || written.seed !== options.seed) return undefined
  log(`Reusing the archive written into ${dataDir} (${written.archive.documents} documents)…`)
  const archive = generateArchive({threads: options.threads, seed: options.seed})
  return {sample: sampleArchive(archive), archive: written.archive, write: written.write}
}

/** The archive written into a kept data folder for these options, else generated and written. */
async function prepareArchive(
  options: BenchOptions,
  dataDir: string,
  client: SanityClient,
): Promise<Prepared> {
  const kept = await alreadyWritten(options, dataDir)
  if (kept) return kept
  const prepared = await generateAndWrite(options, client)
  if (options.dataDir !== undefined) {
    const written: Written = {
      threads: options.threads,
      seed: options.seed,
      archive: prepared.archive,
      write: prepared.write,
    }
    await writeFile(join(dataDir, WRITTEN_FILE), `${JSON.stringify(written)}\n`)
  }
  return prepared
}

/**
 * Reads every document of the reopened lake (in-process, without the time limit a busy machine
 * could hit), so latencies are for a warm lake, and waits for the text indexes a serving lake
 * builds once its snapshot is parsed and the key columns its queries ask for (searches measured
 * before would time that wait).
 */
async function warmReopened(server: LakeServer, seed: number, sample: ArchiveSample) {
  const reopened = (await server.lake.storage(DATASET)).dataset
  await runQuery(reopened, COUNTS_QUERY, {timeoutMs: Number.POSITIVE_INFINITY})
  while (reopened.raw.unparsedCount > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  await reopened.raw.indexesBuilt()
  // Key columns a query asks for on first use (the searches' `title`, `name`; those of the others
  // came with the snapshot) are built in the background, as a serving lake has them.
  const random = createRandom(seed + 1)
  for (const bench of BENCH_QUERIES)
    await runQuery(reopened, bench.query, {
      params: bench.params(random, sample),
      perspective: bench.perspective ?? 'published',
      timeoutMs: Number.POSITIVE_INFINITY,
    })
  await reopened.raw.indexesBuilt()
}

/** Generates the archive and writes it; the archive itself is dropped when this returns. */
async function generateAndWrite(options: BenchOptions, client: SanityClient): Promise<Prepared> {
  log(`Generating ${options.threads.toLocaleString('en-US')} threads (seed ${options.seed})…`)
  let started = performance.now()
  const archive = generateArchive({threads: options.threads, seed: options.seed})
  const generateMs = elapsed(started)
  const documents = documentCount(archive)
  let jsonBytes = 0
  for (const document of archiveDocuments(archive)) jsonBytes += JSON.stringify(document).length
  const average = (values: number[]) =>
    Math.round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length))
  const archiveStats: BenchResults['archive'] = {
    documents,
    byType: {
      specialty: archive.specialties.length,
      faqTag: archive.tags.length,
      doctor: archive.doctors.length,
      question: archive.questions.length,
      reply: archive.replies.length,
    },
    jsonBytes,
    avgTitleChars: average(archive.questions.map((doc) => doc.title?.length ?? 0)),
    avgQuestionBodyChars: average(archive.questions.map((doc) => plainText(doc.body).length)),
    avgReplyBodyChars: average(archive.replies.map((doc) => plainText(doc.body).length)),
    generateMs,
  }
  log(
    `  ${documents.toLocaleString('en-US')} documents, ${(jsonBytes / 1e6).toFixed(1)} MB of JSON, generated in ${Math.round(generateMs)} ms`,
  )

  log(
    `Writing over HTTP: createOrReplace, ${options.batchSize} per transaction, ${options.concurrency} in flight…`,
  )
  const batches: {_id: string; _type: string}[][] = []
  let batch: {_id: string; _type: string}[] = []
  for (const document of archiveDocuments(archive)) {
    batch.push(document)
    if (batch.length >= options.batchSize) {
      batches.push(batch)
      batch = []
    }
  }
  if (batch.length > 0) batches.push(batch)

  const writing = progress('write', documents, 'documents')
  const transactionMs: number[] = []
  let written = 0
  let next = 0
  started = performance.now()
  const worker = async () => {
    for (let index = next++; index < batches.length; index = next++) {
      const mutations = batches[index] ?? []
      const sent = performance.now()
      await client
        .transaction(mutations.map((document) => ({createOrReplace: document})))
        .commit({returnDocuments: false, visibility: 'sync'})
      transactionMs.push(performance.now() - sent)
      written += mutations.length
      writing.update(written)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, options.concurrency)}, worker))
  const writeMs = elapsed(started)
  const write: BenchResults['write'] = {
    ms: writeMs,
    documents,
    threads: options.threads,
    transactions: batches.length,
    documentsPerSecond: perSecond(documents, writeMs),
    threadsPerSecond: perSecond(options.threads, writeMs),
    megabytesPerSecond: Math.round((jsonBytes / 1e6 / (writeMs / 1000)) * 100) / 100,
    transactionLatency: summarize(transactionMs),
  }
  writing.finish(
    `${documents.toLocaleString('en-US')} documents in ${(writeMs / 1000).toFixed(2)} s (${write.documentsPerSecond} docs/s, ${write.threadsPerSecond} threads/s)`,
  )
  return {sample: sampleArchive(archive), archive: archiveStats, write}
}

const queryNamed = (name: string) => BENCH_QUERIES.find((bench) => bench.name === name)?.query ?? ''
const BY_ID_QUERY = queryNamed('document by id')
const THREAD_QUERY = queryNamed('thread page by slug')

const COUNTS_QUERY =
  '{"specialty": count(*[_type == "specialty"]), "faqTag": count(*[_type == "faqTag"]), "doctor": count(*[_type == "doctor"]), "question": count(*[_type == "question"]), "reply": count(*[_type == "reply"])}'

function jsonCopy(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value))
}

type Params = Record<string, unknown>

/** Warm-up stops early for slow queries too (a tenth of the budget, at least one run). */
async function warmUp(
  fetch: (values: Params) => Promise<unknown>,
  params: readonly Params[],
  budgetMs: number,
  tick: () => void,
) {
  const warmupEnds = performance.now() + budgetMs / 10
  for (const warm of params) {
    await fetch(warm)
    tick()
    if (performance.now() > warmupEnds) break
  }
}

/** Runs over HTTP until the budget is spent (at least `minRuns`); keeps the first `keep` results. */
async function lakeRuns(
  fetch: (values: Params) => Promise<unknown>,
  measured: readonly Params[],
  {minRuns, keep, budgetMs}: {minRuns: number; keep: number; budgetMs: number},
  tick: () => void,
) {
  const lakeMs: number[] = []
  const results: unknown[] = []
  let rowCount = 0
  const budgetEnds = performance.now() + budgetMs
  for (const [index, values] of measured.entries()) {
    if (index >= Math.max(minRuns, keep) && performance.now() > budgetEnds) break
    const started = performance.now()
    const result: unknown = await fetch(values)
    lakeMs.push(performance.now() - started)
    rowCount += rows(result)
    if (index < keep) results.push(result)
    tick()
  }
  return {lakeMs, results, rowCount}
}

/** The same query through runQuery in this process, without HTTP. */
async function inProcessRuns(
  dataset: Parameters<typeof runQuery>[0],
  bench: BenchQuery,
  params: readonly Params[],
  options: BenchOptions,
  tick: () => void,
) {
  const inProcessMs: number[] = []
  let failures = 0
  const inProcessEnds = performance.now() + options.budgetMs
  for (const values of params) {
    if (inProcessMs.length >= 5 && performance.now() > inProcessEnds) break
    const started = performance.now()
    await runQuery(dataset, bench.query, {
      params: values,
      perspective: bench.perspective ?? 'published',
      timeoutMs: options.queryTimeoutMs,
    }).catch(() => failures++)
    inProcessMs.push(performance.now() - started)
    tick()
  }
  return {ms: inProcessMs, failures}
}

/** Plain groq-js: one warm-up, then the first measured parameter sets, each checked. */
async function plainRuns(
  dataset: Parameters<typeof runQuery>[0],
  bench: BenchQuery,
  measured: readonly Params[],
  lakeResults: readonly unknown[],
  options: BenchOptions,
  mismatches: Mismatch[],
  tick: () => void,
) {
  const plainOptions = (values: Params) => ({
    params: values,
    perspective: bench.perspective ?? 'published',
    timeoutMs: options.queryTimeoutMs,
    plain: true,
  })
  const plainMs: number[] = []
  // `--plain-iterations 0` times the lake only (plain groq-js can take minutes a run at 100k).
  if (lakeResults.length === 0) return {plainMs, mismatchCount: 0}
  await runQuery(dataset, bench.query, plainOptions(measured[0] ?? {}))
  tick()
  let mismatchCount = 0
  for (let index = 0; index < lakeResults.length; index++) {
    const values = measured[index] ?? {}
    const started = performance.now()
    const plain = await runQuery(dataset, bench.query, plainOptions(values))
    plainMs.push(performance.now() - started)
    const lake = lakeResults[index]
    const expected = jsonCopy(plain)
    if (!isDeepStrictEqual(lake, expected)) {
      mismatchCount++
      mismatches.push({query: bench.name, params: values, lake, plain: expected})
    }
    tick()
  }
  return {plainMs, mismatchCount}
}

async function measureQuery(
  bench: BenchQuery,
  options: BenchOptions,
  client: SanityClient,
  server: LakeServer,
  sample: ArchiveSample,
  seed: number,
  mismatches: Mismatch[],
): Promise<QueryResult> {
  const random = createRandom(seed)
  const params = Array.from({length: options.warmup + options.iterations}, () =>
    bench.params(random, sample),
  )
  const measured = params.slice(options.warmup)
  const plainCount = Math.min(options.plainIterations, measured.length)
  const {dataset} = await server.lake.storage(DATASET)
  const perspective = bench.perspective ?? 'published'
  // A request that fails (a 504 past the lake's time limit) is counted and timed, not fatal.
  let failures = 0
  const fetch = async (values: Params): Promise<unknown> => {
    try {
      return await client.fetch(bench.query, values, {perspective})
    } catch (error) {
      failures++
      return {failed: errorMessage(error)}
    }
  }
  const inProcess = measured.slice(0, options.inProcessIterations)
  const total = params.length + inProcess.length + plainCount + 1
  const step = progress(bench.name, total, 'runs')
  let done = 0
  const tick = () => step.update(++done)

  await warmUp(fetch, params.slice(0, options.warmup), options.budgetMs, tick)
  failures = 0
  const limits = {minRuns: options.minIterations, keep: plainCount, budgetMs: options.budgetMs}
  const lakeRun = await lakeRuns(fetch, measured, limits, tick)
  const inProcessRun = await inProcessRuns(dataset, bench, inProcess, options, tick)
  failures += inProcessRun.failures
  const inProcessMs = inProcessRun.ms
  const {plainMs, mismatchCount} = await plainRuns(
    dataset,
    bench,
    measured,
    lakeRun.results,
    options,
    mismatches,
    tick,
  )

  const lake = summarize(lakeRun.lakeMs)
  const plain = summarize(plainMs)
  step.finish(
    `lake p50 ${lake.p50.toFixed(2)} ms, p95 ${lake.p95.toFixed(2)} ms; plain p50 ${plain.p50.toFixed(2)} ms${mismatchCount > 0 ? `; ${mismatchCount} MISMATCHES` : ''}`,
  )
  return {
    name: bench.name,
    query: bench.query,
    lake,
    lakeInProcess: summarize(inProcessMs),
    plain,
    ratio: Math.round((plain.p50 / lake.p50) * 10) / 10,
    runs: lakeRun.lakeMs.length,
    avgRows: Math.round((lakeRun.rowCount / Math.max(1, lakeRun.lakeMs.length)) * 10) / 10,
    checked: plainCount,
    mismatches: mismatchCount,
    failures,
  }
}

/**
 * A serving lake has answered its queries, so it has built the value indexes they use (and keeps
 * them in its snapshot): run each once before closing, as a site would. Text indexes are not
 * kept: the reopened lake builds them after parsing its snapshot.
 */
async function warmQueries(client: SanityClient, seed: number, sample: ArchiveSample) {
  log('Running each query once (builds the indexes a serving lake has)…')
  const random = createRandom(seed)
  for (const bench of BENCH_QUERIES.filter(({query}) => !query.includes('match'))) {
    await client
      .fetch(bench.query, bench.params(random, sample), {
        perspective: bench.perspective ?? 'published',
      })
      .catch((error: unknown) => log(`  ${bench.name}: ${String(error)}`))
  }
}

/** Closes the lake (it compacts its log into a snapshot) and measures what it left on disk. */
async function closeLake(server: LakeServer, dataDir: string): Promise<BenchResults['close']> {
  log('Closing the lake (compacts the log into a snapshot)…')
  const started = performance.now()
  await server.close()
  const close = {ms: elapsed(started), diskBytes: await diskUsage(join(dataDir, DATASET))}
  const diskTotal = Object.values(close.diskBytes).reduce((sum, size) => sum + size, 0)
  log(`  closed in ${Math.round(close.ms)} ms; ${(diskTotal / 1e6).toFixed(1)} MB on disk`)
  return close
}

/** Reopens the dataset in a fresh process: time to the first answers, memory, document counts. */
async function measureColdStartChild(
  dataDir: string,
  token: string,
  sample: ArchiveSample,
  queryTimeoutMs: number,
) {
  log('Cold start: reopening the dataset from disk in a fresh process…')
  const {result, ...child} = await measureColdStart({
    dataDir,
    dataset: DATASET,
    token,
    probes: [
      {name: 'document by id', query: BY_ID_QUERY, params: {id: sample.questionIds[0] ?? ''}},
      {name: 'thread page by slug', query: THREAD_QUERY, params: {slug: sample.slugs[1] ?? ''}},
    ],
    query: COUNTS_QUERY,
    queryTimeoutMs,
  })
  const counts = (typeof result === 'object' && result !== null ? result : {}) as Record<
    string,
    number
  >
  log(
    `  ${child.probes.map((probe) => `${probe.name} answered after ${Math.round(probe.ms)} ms`).join(', ')} (RSS ${Math.round(child.rssBytes / 2 ** 20)} MiB); every document parsed after ${Math.round(child.parsedMs)} ms (RSS ${Math.round(child.rssParsedBytes / 2 ** 20)} MiB, heap after GC ${Math.round(child.heapUsedAfterGcBytes / 2 ** 20)} MiB)`,
  )
  return {child, counts}
}

/** The reopened lake must hold every document written: a mismatch when the counts differ. */
function countMismatches(counts: Record<string, number>, written: Record<string, number>) {
  const mismatches: Mismatch[] = []
  if (!isDeepStrictEqual(counts, written)) {
    mismatches.push({
      query: 'document counts after reopening',
      params: {},
      lake: counts,
      plain: written,
    })
  }
  return mismatches
}

async function measureQueries(
  options: BenchOptions,
  selected: readonly BenchQuery[],
  client: SanityClient,
  server: LakeServer,
  sample: ArchiveSample,
  mismatches: Mismatch[],
): Promise<QueryResult[]> {
  log(
    `Query latency: ${options.iterations} lake runs (+${options.warmup} warm-up) and ${options.plainIterations} plain groq-js runs per query…`,
  )
  const queries: QueryResult[] = []
  for (const bench of selected) {
    // Seeded by the query's place in the full list: a run of some queries draws the same params.
    const seed = options.seed * 1000 + BENCH_QUERIES.indexOf(bench) + 1
    queries.push(await measureQuery(bench, options, client, server, sample, seed, mismatches))
  }
  return queries
}

async function measureEditorHistory(
  options: BenchOptions,
  server: LakeServer,
  client: SanityClient,
  token: string,
  sample: ArchiveSample,
) {
  log("History: editors edit and publish questions, then Studio's history requests…")
  const history = await measureHistory({
    url: server.url,
    version: client.config().apiVersion ?? '',
    dataset: DATASET,
    token,
    questionIds: sample.questionIds,
    seed: options.seed,
    edited: Math.min(100, Math.floor(sample.questionIds.length / 2)),
    editsPerDocument: 5,
    iterations: Math.min(options.iterations, 100),
  })
  log(
    `  ${history.editedDocuments} questions edited ${history.editsPerDocument} times and published in ${Math.round(history.editMs)} ms; ${history.requests.map((row) => `${row.name} p50 ${row.latency.p50.toFixed(2)} ms`).join(', ')}`,
  )
  return history
}

function machine(loadAtStart: number): BenchResults['machine'] {
  const cpuList = cpus()
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    release: release(),
    arch: process.arch,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    availableParallelism: availableParallelism(),
    totalMemoryBytes: totalmem(),
    loadAverage: {start: loadAtStart, end: loadavg()[0] ?? 0},
  }
}

/** Titles an editor might give a question (words of the archive, in a new combination). */
const EDITED_TITLES = [
  'Night Sweats and Blurred Vision After a Bad Cold',
  'Numb Fingertips While Sitting at a Desk: Is It My Neck?',
  'Acid Reflux and Chest Tightness Every Winter',
]

/** The similar-thread precompute on the closed data directory, in a fresh process. */
async function measureSimilar(
  dataDir: string,
  token: string,
  sample: ArchiveSample,
  queryTimeoutMs: number,
): Promise<Precompute> {
  log('Similar threads: every list, again, then single edits (fresh process)…')
  const ids = sample.questionIds
  const edits = EDITED_TITLES.map((title, i) => ({
    id: ids[Math.floor(((i + 0.5) * ids.length) / EDITED_TITLES.length)] ?? '',
    title,
  }))
  const similar = await measurePrecompute({
    dataDir,
    dataset: DATASET,
    token,
    queryTimeoutMs,
    edits,
  })
  log(
    `  ${similar.questions.toLocaleString('en-US')} lists in ${similar.full.seconds} s (index ${similar.full.indexSeconds} s); again in ${similar.second.seconds} s; edits ${similar.edits.map((edit) => `${edit.seconds} s`).join(', ')}; peak RSS ${Math.round(similar.peakRssBytes / 2 ** 20)} MiB`,
  )
  return similar
}

/**
 * The written archive served again: the cold start in a fresh process, then, on a lake reopened
 * here, the queries, other requests under a pathological query and the history requests.
 */
async function measureServing(
  options: BenchOptions,
  selected: readonly BenchQuery[],
  serverOptions: Parameters<typeof startLakeServer>[0] & {dataDir: string; token: string},
  prepared: Prepared,
) {
  const {dataDir, token} = serverOptions
  const queryTimeoutMs = options.queryTimeoutMs
  const {child, counts} = await measureColdStartChild(
    dataDir,
    token,
    prepared.sample,
    queryTimeoutMs,
  )
  const started = performance.now()
  const server = await startLakeServer(serverOptions)
  try {
    const client = clientFor(server, token)
    await warmReopened(server, options.seed, prepared.sample)
    const coldStart: BenchResults['coldStart'] = {
      ...child,
      firstQueryMs: Math.round((child.ms - child.listenMs) * 1000) / 1000,
      counts,
      benchProcessMs: elapsed(started),
    }
    log(`  reopened in the benchmark process in ${Math.round(coldStart.benchProcessMs)} ms`)
    const mismatches = countMismatches(counts, prepared.archive.byType)

    const queries = await measureQueries(
      options,
      selected,
      client,
      server,
      prepared.sample,
      mismatches,
    )

    // A run of some queries only (`--queries`) leaves this table out.
    if (!options.only)
      log('Other requests while a pathological query runs (until the lake stops it)…')
    const underLoad = options.only
      ? []
      : await measureUnderLoad({
          url: server.url,
          dataset: DATASET,
          version: client.config().apiVersion ?? '',
          documentId: prepared.sample.questionIds[0] ?? '',
        })
    const history = await measureEditorHistory(options, server, client, token, prepared.sample)
    return {coldStart, queries, underLoad, history, mismatches}
  } finally {
    await server.close()
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date().toISOString()
  const loadAtStart = loadavg()[0] ?? 0
  const source = sourceState()
  const keep = options.keep || options.dataDir !== undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lake-bench-')))
  if (options.dataDir !== undefined) await mkdir(dataDir, {recursive: true, mode: 0o700})
  const selected = BENCH_QUERIES.filter(
    (bench) =>
      !options.only ||
      options.only.some((part) => bench.name.toLowerCase().includes(part.toLowerCase())),
  )
  const token = `bench${randomBytes(18).toString('base64url')}`
  // The lake's query time limit, as `npm start` reads it: at 100k threads the site search can take
  // longer than the default 5 s (and then the run stops with its 504).
  const {queryTimeoutMs} = options
  const serverOptions = {
    dataDir,
    command: 'npm run bench',
    token,
    port: 0,
    host: '127.0.0.1',
    queryTimeoutMs,
  }
  const common = (prepared: Prepared, close: BenchResults['close']) => ({
    date,
    machine: machine(loadAtStart),
    source,
    options,
    archive: prepared.archive,
    write: prepared.write,
    close,
  })
  let server: LakeServer | undefined
  try {
    server = await startLakeServer(serverOptions)
    const prepared = await prepareArchive(options, dataDir, clientFor(server, token))
    if (!options.similarOnly)
      await warmQueries(clientFor(server, token), options.seed, prepared.sample)

    const close = await closeLake(server, dataDir)
    server = undefined
    if (options.similarOnly) {
      const similar = await measureSimilar(dataDir, token, prepared.sample, queryTimeoutMs)
      const nothing = {coldStart: null, queries: [], underLoad: [], history: null, mismatches: []}
      return {...common(prepared, close), ...nothing, similar}
    }

    const serving = await measureServing(options, selected, serverOptions, prepared)
    const similar = options.similar
      ? await measureSimilar(dataDir, token, prepared.sample, queryTimeoutMs)
      : null
    return {...common(prepared, close), ...serving, similar}
  } finally {
    await server?.close()
    if (keep) log(`Kept the data directory: ${dataDir}`)
    else await rm(dataDir, {recursive: true, force: true})
  }
}
