// node --expose-gc bench/similar/perf.ts [--counts 10000,100000] [--corpus threads|labelled]
//   [--lake 10000] [--variants base,lexicon,…]
// Index build time and memory for generated archives (bench/threads.ts), ranking throughput and
// incremental updates; with --variants (keys of EVAL_VARIANTS), the same for each signal's
// config (what a signal costs per ranking and in memory); with --lake N, the whole path through an embedded lake: import N threads,
// load the index through the client in pages, precompute every list, re-run, recompute one edit.
import {parseArgs} from 'node:util'
import {generateThreads, type ThreadJson} from '../threads.ts'
import {parseJsonl} from '../../importer/parse/jsonl.ts'
import type {ParseResult} from '../../importer/record.ts'
import {runImport} from '../../importer/run.ts'
import {clientTarget} from '../../importer/target.ts'
import {startTestLake} from '../../test/support/lake.ts'
import {computeSimilar, recomputeAffected} from '../../similar/compute.ts'
import type {RankerConfig, SimilarSource} from '../../similar/config.ts'
import {loadSimilarIndex} from '../../similar/load.ts'
import {SimilarIndex} from '../../similar/ranker.ts'
import {generateQuestions} from './labelled.ts'
import {EVAL_VARIANTS} from './variants.ts'
import {similarThreadsFor} from '../../queries/similar.ts'

const {values} = parseArgs({
  options: {
    counts: {type: 'string', default: '10000,100000'},
    corpus: {type: 'string', default: 'threads'},
    lake: {type: 'string'},
    variants: {type: 'string'},
  },
})

const gc = (globalThis as {gc?: () => void}).gc ?? (() => {})
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(2)} s`

function memory() {
  gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

/** bench/threads.ts archives (tiny vocabulary), or `--corpus labelled` (longer, varied text). */
function* sources(count: number): Generator<SimilarSource> {
  if (values.corpus === 'labelled') {
    for (const [i, question] of [...generateQuestions({count, seed: 5})].entries())
      yield {...question, _id: `q${i}`}
    return
  }
  for (const [i, thread] of [...generateThreads({count, seed: 5})].entries()) {
    yield {
      _id: `q${i}`,
      title: thread.title,
      shortTitle: thread.shortTitle,
      body: thread.question,
      specialty: thread.specialty,
      tags: thread.tags.map((tag) => `${tag.name}|${tag.specialty}`),
    }
  }
}

const variants = values.variants
  ? EVAL_VARIANTS.filter((v) => values.variants?.split(',').includes(v.key) && !v.extra)
  : [{key: 'default', name: 'DEFAULT_RANKER', config: undefined}]

for (const count of (values.counts ?? '').split(',').filter(Boolean).map(Number))
  for (const variant of variants) measure(count, variant.key, variant.config)

function measure(count: number, name: string, config: RankerConfig | undefined) {
  const all = [...sources(count)]
  const before = memory()
  let started = performance.now()
  const index = SimilarIndex.build(all, config)
  const buildTime = seconds(started)
  const after = memory()
  const stats = index.stats()
  started = performance.now()
  const probes = Math.min(2000, count)
  for (let i = 0; i < probes; i++) index.rank(`q${Math.floor((i * count) / probes)}`, 4)
  const perQuery = (performance.now() - started) / probes
  started = performance.now()
  for (let i = 0; i < 100; i++) {
    const source = all[i * 7]
    if (source) index.upsert({...source, title: `${source.title} (edited)`})
  }
  const upserts = (performance.now() - started) / 100
  console.log(
    `${name}, ${count} questions: build ${buildTime}, index memory ${mb(after - before)} ` +
      `(typed arrays ${mb(stats.typedBytes)}; ${stats.terms} terms, ${stats.postings} postings); ` +
      `rank ${perQuery.toFixed(2)} ms/question (all lists ≈ ${((perQuery * count) / 1000).toFixed(0)} s); ` +
      `upsert ${upserts.toFixed(2)} ms`,
  )
}

if (values.lake) {
  const count = Number(values.lake)
  const lake = await startTestLake()
  const client = lake.client({dataset: 'perf'})
  try {
    let started = performance.now()
    const threads: ThreadJson[] = [...generateThreads({count, seed: 5})]
    async function* records(): AsyncGenerator<ParseResult> {
      for (const thread of threads) yield* parseJsonl(JSON.stringify(thread), 'perf.jsonl')
    }
    await runImport(records(), clientTarget(client, {dryRun: false}))
    console.log(`lake: imported ${count} threads in ${seconds(started)}`)
    const before = memory()
    started = performance.now()
    const index = await loadSimilarIndex(client)
    console.log(
      `lake: index loaded through the client in ${seconds(started)} (${mb(memory() - before)})`,
    )
    started = performance.now()
    const first = await computeSimilar(client, {index})
    console.log(
      `lake: computed ${first.questions} lists, ${first.patched.length} written in ${seconds(started)}`,
    )
    started = performance.now()
    const second = await computeSimilar(client, {index})
    console.log(
      `lake: second run ${second.patched.length} written, ${second.unchanged} unchanged in ${seconds(started)}`,
    )
    const sample: string[] = await client.fetch('*[_type == "question"][0...200]._id')
    started = performance.now()
    for (const id of sample) await similarThreadsFor(client, id, 4)
    const served = (performance.now() - started) / sample.length
    const id = sample[0] ?? ''
    await client.patch(id).set({title: 'Eyelid twitching at night for weeks'}).commit()
    started = performance.now()
    for (let i = 0; i < 20; i++) await similarThreadsFor(client, id, 4)
    const live = (performance.now() - started) / 20
    console.log(
      `lake: serving ${served.toFixed(1)} ms per question (stored list), ${live.toFixed(1)} ms (live fallback)`,
    )
    started = performance.now()
    const after = await recomputeAffected(client, [id], {index})
    console.log(
      `lake: one edit → ${after.affected.length} affected, ${after.patched.length} written in ${seconds(started)}`,
    )
  } finally {
    await lake.close()
  }
}
