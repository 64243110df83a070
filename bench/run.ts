import type {SanityClient} from '@sanity/client'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, readdir, rm, stat} from 'node:fs/promises'
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
import {type HistoryBench, measureHistory} from './history.ts'
import {plainText} from '../domain/portableText.ts'
import {archiveDocuments, documentCount, generateArchive} from './generate.ts'
import {log, progress} from './progress.ts'
import {type ArchiveSample, BENCH_QUERIES, type BenchQuery, sampleArchive} from './queries.ts'
import {createRandom} from './random.ts'
import {type LatencyStats, summarize} from './stats.ts'
import {measureUnderLoad, type UnderLoad} from './underLoad.ts'

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
  coldStart: Omit<ColdStart, 'result'> & {
    firstQueryMs: number
    counts: Record<string, number>
    /** The same reopening in the benchmark process, which then serves the latency runs. */
    benchProcessMs: number
  }
  queries: QueryResult[]
  /** Pings and lookups by id while a pathological query runs. */
  underLoad: UnderLoad[]
  /** Studio's history requests after editors edited and published a sample of questions. */
  history: HistoryBench
  mismatches: Mismatch[]
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
  const storage = await server.lake.storage(DATASET)
  const inProcess = measured.slice(0, options.inProcessIterations)
  const total = params.length + inProcess.length + plainCount + 1
  const step = progress(bench.name, total, 'runs')
  let done = 0

  // Warm-up stops early for slow queries too (a tenth of the budget, at least one run).
  const warmupEnds = performance.now() + options.budgetMs / 10
  for (const warm of params.slice(0, options.warmup)) {
    await client.fetch(bench.query, warm)
    step.update(++done)
    if (performance.now() > warmupEnds) break
  }
  const lakeMs: number[] = []
  const lakeResults: unknown[] = []
  let rowCount = 0
  const budgetEnds = performance.now() + options.budgetMs
  for (const [index, values] of measured.entries()) {
    if (index >= Math.max(options.minIterations, plainCount) && performance.now() > budgetEnds) {
      break
    }
    const started = performance.now()
    const result: unknown = await client.fetch(bench.query, values)
    lakeMs.push(performance.now() - started)
    rowCount += rows(result)
    if (index < plainCount) lakeResults.push(result)
    step.update(++done)
  }

  const inProcessMs: number[] = []
  const inProcessEnds = performance.now() + options.budgetMs
  for (const values of inProcess) {
    if (inProcessMs.length >= 5 && performance.now() > inProcessEnds) break
    const started = performance.now()
    await runQuery(storage.dataset, bench.query, {
      params: values,
      perspective: 'published',
      timeoutMs: options.queryTimeoutMs,
    })
    inProcessMs.push(performance.now() - started)
    step.update(++done)
  }

  // Plain groq-js: one warm-up, then the first measured parameter sets, each checked.
  const plainOptions = (values: Record<string, unknown>) => ({
    params: values,
    perspective: 'published' as const,
    timeoutMs: options.queryTimeoutMs,
    plain: true,
  })
  await runQuery(storage.dataset, bench.query, plainOptions(measured[0] ?? {}))
  step.update(++done)
  const plainMs: number[] = []
  let mismatchCount = 0
  for (let index = 0; index < plainCount; index++) {
    const values = measured[index] ?? {}
    const started = performance.now()
    const plain = await runQuery(storage.dataset, bench.query, plainOptions(values))
    plainMs.push(performance.now() - started)
    const lake = lakeResults[index]
    const expected = jsonCopy(plain)
    if (!isDeepStrictEqual(lake, expected)) {
      mismatchCount++
      mismatches.push({query: bench.name, params: values, lake, plain: expected})
    }
    step.update(++done)
  }

  const lake = summarize(lakeMs)
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
    runs: lakeMs.length,
    avgRows: Math.round((rowCount / Math.max(1, lakeMs.length)) * 10) / 10,
    checked: plainCount,
    mismatches: mismatchCount,
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date().toISOString()
  const loadAtStart = loadavg()[0] ?? 0
  const source = sourceState()
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-bench-'))
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
  let server: LakeServer | undefined
  try {
    server = await startLakeServer(serverOptions)
    const prepared = await generateAndWrite(options, clientFor(server, token))

    // A serving lake has answered its queries, so it has built the value indexes they use (and
    // keeps them in its snapshot): run each once before closing, as a site would.
    log('Running each query once (builds the indexes a serving lake has)…')
    const warming = clientFor(server, token)
    const random = createRandom(options.seed)
    for (const bench of BENCH_QUERIES) {
      await warming.fetch(bench.query, bench.params(random, prepared.sample))
    }

    log('Closing the lake (compacts the log into a snapshot)…')
    let started = performance.now()
    await server.close()
    server = undefined
    const close = {ms: elapsed(started), diskBytes: await diskUsage(join(dataDir, DATASET))}
    const diskTotal = Object.values(close.diskBytes).reduce((sum, size) => sum + size, 0)
    log(`  closed in ${Math.round(close.ms)} ms; ${(diskTotal / 1e6).toFixed(1)} MB on disk`)

    log('Cold start: reopening the dataset from disk in a fresh process…')
    const {result, ...child} = await measureColdStart({
      dataDir,
      dataset: DATASET,
      token,
      probes: [
        {
          name: 'document by id',
          query: BY_ID_QUERY,
          params: {id: prepared.sample.questionIds[0] ?? ''},
        },
        {
          name: 'thread page by slug',
          query: THREAD_QUERY,
          params: {slug: prepared.sample.slugs[1] ?? ''},
        },
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
    started = performance.now()
    server = await startLakeServer(serverOptions)
    const client = clientFor(server, token)
    await client.fetch(COUNTS_QUERY) // reads every document: latencies below are for a warm lake
    const coldStart: BenchResults['coldStart'] = {
      ...child,
      firstQueryMs: Math.round((child.ms - child.listenMs) * 1000) / 1000,
      counts,
      benchProcessMs: elapsed(started),
    }
    log(`  reopened in the benchmark process in ${Math.round(coldStart.benchProcessMs)} ms`)
    const mismatches: Mismatch[] = []
    if (!isDeepStrictEqual(counts, prepared.archive.byType)) {
      mismatches.push({
        query: 'document counts after reopening',
        params: {},
        lake: counts,
        plain: prepared.archive.byType,
      })
    }

    log(
      `Query latency: ${options.iterations} lake runs (+${options.warmup} warm-up) and ${options.plainIterations} plain groq-js runs per query…`,
    )
    const queries: QueryResult[] = []
    for (const [index, bench] of BENCH_QUERIES.entries()) {
      queries.push(
        await measureQuery(
          bench,
          options,
          client,
          server,
          prepared.sample,
          options.seed * 1000 + index + 1,
          mismatches,
        ),
      )
    }

    log('Other requests while a pathological query runs (until the lake stops it)…')
    const underLoad = await measureUnderLoad({
      url: server.url,
      dataset: DATASET,
      version: client.config().apiVersion ?? '',
      documentId: prepared.sample.questionIds[0] ?? '',
    })

    log("History: editors edit and publish questions, then Studio's history requests…")
    const history = await measureHistory({
      url: server.url,
      version: client.config().apiVersion ?? '',
      dataset: DATASET,
      token,
      questionIds: prepared.sample.questionIds,
      seed: options.seed,
      edited: Math.min(100, Math.floor(prepared.sample.questionIds.length / 2)),
      editsPerDocument: 5,
      iterations: Math.min(options.iterations, 100),
    })
    log(
      `  ${history.editedDocuments} questions edited ${history.editsPerDocument} times and published in ${Math.round(history.editMs)} ms; ${history.requests.map((row) => `${row.name} p50 ${row.latency.p50.toFixed(2)} ms`).join(', ')}`,
    )

    const cpuList = cpus()
    return {
      date,
      machine: {
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
      },
      source,
      options,
      archive: prepared.archive,
      write: prepared.write,
      close,
      coldStart,
      queries,
      underLoad,
      history,
      mismatches,
    }
  } finally {
    await server?.close()
    if (options.keep) log(`Kept the data directory: ${dataDir}`)
    else await rm(dataDir, {recursive: true, force: true})
  }
}
