import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {type LatencyStats, summarize} from './stats.ts'
import {runInChild} from './child.ts'

// What other callers see while a pathological query runs: the query is sent without a token (as
// any local process or page could), and until it is answered a ping and a document lookup by id
// are sent one after the other, each timed. The lake stops the query at its time limit (a 504)
// and yields between rows meanwhile, so the pings should stay in milliseconds. The requests come
// from a child process, as another program's would: a client in the lake's own process would
// wait for the lake's event loop twice per request.
// Run as a script it prints one JSON line (UnderLoad[]) and exits.

export const PATHOLOGICAL_QUERIES = [
  {name: 'a scan per FAQ tag', query: 'count(*[_type == "faqTag"]{"x": *[]._id})'},
  {name: 'a scan per row of a scan per row', query: '*[]{"x": *[]{"y": *[]._id}}'},
  {
    name: 'six wildcards in match',
    query: '*[_type == "question" && title match "a*e*i*o*u*y*x"]._id',
  },
] as const

export interface UnderLoad {
  name: string
  query: string
  /** The pathological query's HTTP status and how long it took. */
  status: number
  queryMs: number
  /** Latency of pings and of documents by id sent while it ran. */
  ping: LatencyStats
  byId: LatencyStats
}

async function timed(url: string, init?: RequestInit): Promise<number> {
  const started = performance.now()
  const response = await fetch(url, init)
  await response.arrayBuffer()
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  return performance.now() - started
}

interface ChildInput {
  url: string
  dataset: string
  version: string
  documentId: string
}

async function measureHere({url, dataset, version, documentId}: ChildInput): Promise<UnderLoad[]> {
  const results: UnderLoad[] = []
  for (const {name, query} of PATHOLOGICAL_QUERIES) {
    const started = performance.now()
    let finished = false
    const answer = fetch(`${url}/v${version}/data/query/${dataset}`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query}),
    }).then(async (response) => {
      await response.arrayBuffer()
      finished = true
      return {status: response.status, ms: performance.now() - started}
    })
    const pings: number[] = []
    const lookups: number[] = []
    while (!finished) {
      pings.push(await timed(`${url}/v${version}/ping`))
      lookups.push(await timed(`${url}/v${version}/data/doc/${dataset}/${documentId}`))
    }
    const {status, ms} = await answer
    results.push({
      name,
      query,
      status,
      queryMs: ms,
      ping: summarize(pings),
      byId: summarize(lookups),
    })
  }
  return results
}

/** Runs the measurement in a child process (the same Node binary) against the lake at `url`. */
export function measureUnderLoad(input: ChildInput): Promise<UnderLoad[]> {
  return runInChild<UnderLoad[]>(fileURLToPath(import.meta.url), input)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput
  process.stdout.write(`${JSON.stringify(await measureHere(input))}\n`)
}
