import {fileURLToPath} from 'node:url'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'
import {lakeClient} from '../lake/connect.ts'
import {PUBLISHED_ONLY} from '../queries/client.ts'
import {join} from 'node:path'
import {HistoryLog} from '../lake/historyLog.ts'
import {startLakeServer} from '../lake/server.ts'
import {runInChild} from './child.ts'

// Cold start in a fresh process, so its memory is the lake's alone rather than the benchmark's:
// startLakeServer on an existing data directory, then the first query through @sanity/client: a
// page's lookup by id, then a thread page by slug, which the lake answers from its indexes before
// it has parsed the rest of its snapshot. Then it waits for the background parsing and checks the
// document counts.
// Run as a script it prints one JSON line ({@link ColdStart}) and exits.

export interface ColdStart {
  /** startLakeServer until the first query's answer (a document by id) arrived. */
  ms: number
  /** startLakeServer until each probe's answer arrived (the first is `ms`). */
  probes: {name: string; ms: number}[]
  /** startLakeServer alone (the dataset is opened by the first request). */
  listenMs: number
  /** RSS of the fresh process with its modules loaded, before opening the dataset. */
  rssBeforeBytes: number
  /** RSS right after the first answer. */
  rssBytes: number
  /**
   * startLakeServer until every snapshot document was parsed (the lake answers before that from
   * its indexes; queries that need unparsed documents parse them on the spot).
   */
  parsedMs: number
  /** RSS once everything is parsed: the steady state a serving lake holds. */
  rssParsedBytes: number
  /** V8 heap in use after a full GC: roughly the loaded dataset and its indexes. */
  heapUsedAfterGcBytes: number
  rssAfterGcBytes: number
  /**
   * startLakeServer until the text indexes built after parsing were done (lake/textIndex.ts),
   * then memory with them (after GC) and their sizes by source.
   */
  textIndexesMs: number
  rssWithTextIndexesBytes: number
  heapWithTextIndexesBytes: number
  textIndexes: Record<string, {keys: number; postings: number; bytes: number}>
  /** Reading the history index alone (done again by the opening above): time and versions. */
  history: {openMs: number; records: number}
  result: unknown
}

interface ChildInput {
  dataDir: string
  dataset: string
  token: string
  /** The first queries, run one after the other: a page's lookup by id, then a thread page. */
  probes: {name: string; query: string; params: Record<string, unknown>}[]
  /** Run once every document is parsed; its answer is `result`. */
  query: string
  /** The lake's query time limit (the bench's, from LAKE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number
}

/** V8's gc(), exposed at run time (the script is started without --expose-gc). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc')
  const gc: unknown = runInNewContext('gc')
  return typeof gc === 'function' ? () => void gc() : () => undefined
}

/** Reads the dataset's history index on its own, as opening the dataset does. */
async function openHistory(input: ChildInput): Promise<ColdStart['history']> {
  const started = performance.now()
  const history = await HistoryLog.open(join(input.dataDir, input.dataset), {
    retentionDays: 365,
    warn: () => undefined,
  })
  const openMs = performance.now() - started
  const records = history.records
  await history.close()
  return {openMs, records}
}

async function coldStartHere(input: ChildInput): Promise<ColdStart> {
  const measured = await openAndQuery(input)
  // After the server closed, so the memory figures above are the serving lake's alone.
  return {...measured, history: await openHistory(input)}
}

async function openAndQuery(input: ChildInput): Promise<Omit<ColdStart, 'history'>> {
  const rssBeforeBytes = process.memoryUsage().rss
  const started = performance.now()
  const server = await startLakeServer({
    dataDir: input.dataDir,
    command: 'npm run bench (cold start)',
    token: input.token,
    // Times the start, not the query limits: a busy machine must not turn a probe into a 504.
    queryTimeoutMs: Math.max(input.queryTimeoutMs, 600_000),
    port: 0,
    host: '127.0.0.1',
  })
  const listenMs = performance.now() - started
  try {
    const client = lakeClient(server.url, input.dataset, input.token).withConfig(PUBLISHED_ONLY)
    const probes: ColdStart['probes'] = []
    for (const probe of input.probes) {
      const answer: unknown = await client.fetch(probe.query, probe.params)
      if (answer === null) throw new Error(`The cold-start probe "${probe.name}" found nothing`)
      probes.push({name: probe.name, ms: performance.now() - started})
    }
    const ms = probes[0]?.ms ?? 0
    const rssBytes = process.memoryUsage().rss
    const {raw} = (await server.lake.storage(input.dataset)).dataset
    while (raw.unparsedCount > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    const parsedMs = performance.now() - started
    const rssParsedBytes = process.memoryUsage().rss
    const result: unknown = await client.fetch(input.query)
    // Twice, with a pause: the snapshot's read buffers are off-heap and freed by the GC that
    // follows the one finding them unreachable.
    const gc = exposeGc()
    gc()
    await new Promise((resolve) => setTimeout(resolve, 100))
    gc()
    const afterGc = process.memoryUsage()
    await raw.indexesBuilt()
    const textIndexesMs = performance.now() - started
    gc()
    await new Promise((resolve) => setTimeout(resolve, 100))
    gc()
    const withText = process.memoryUsage()
    return {
      ms,
      probes,
      listenMs,
      rssBeforeBytes,
      rssBytes,
      parsedMs,
      rssParsedBytes,
      heapUsedAfterGcBytes: afterGc.heapUsed,
      rssAfterGcBytes: afterGc.rss,
      textIndexesMs,
      rssWithTextIndexesBytes: withText.rss,
      heapWithTextIndexesBytes: withText.heapUsed,
      textIndexes: raw.textIndexSizes(),
      result,
    }
  } finally {
    await server.close()
  }
}

/** Runs the cold start in a child process (the same Node binary) and returns its measurements. */
export function measureColdStart(input: ChildInput): Promise<ColdStart> {
  return runInChild<ColdStart>(fileURLToPath(import.meta.url), input)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput
  process.stdout.write(`${JSON.stringify(await coldStartHere(input))}\n`)
}
