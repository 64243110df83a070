import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import type {SanityClient} from '@sanity/client'
import {loadavg} from 'node:os'
import {fileURLToPath} from 'node:url'
import {lakeClient} from '../lake/connect.ts'
import {startLakeServer} from '../lake/server.ts'
import {computeSimilar, recomputeAffected} from '../similar/compute.ts'
import {loadSimilarIndex} from '../similar/load.ts'
import {runInChild} from './child.ts'

// The similar-thread precompute in a fresh process, as `npm run similar -- --recompute` runs it
// when no lake is serving: open the dataset, parse it, then compute every question's list
// through @sanity/client (index read in pages, ranking, patches), run it again (nothing to
// write), then edit single questions and recompute what each edit affects with the index kept,
// as the `npm start` updater does. Peak memory is the process's (lake and engine together).
// Run as a script it prints one JSON line ({@link Precompute}) and exits.

export interface Precompute {
  questions: number
  /**
   * Full precompute: index built through the client, then every list ranked and written.
   * `cpuSeconds`: CPU time of the whole process (every thread) meanwhile, which a busy machine
   * inflates less than the wall time.
   */
  full: {
    seconds: number
    cpuSeconds: number
    indexSeconds: number
    indexCpuSeconds: number
    patched: number
    conflicts: number
    /** cpuSeconds by kind of thread, where Linux shows them (/proc/self/task). */
    threads?: ThreadCpu
  }
  /**
   * The same again on the kept index: nothing changed, so nothing is ranked (every list is known
   * right) and nothing written.
   */
  second: {seconds: number; cpuSeconds: number; ranked: number; patched: number}
  /** One edited question each: `recomputeAffected` with the kept index. */
  edits: {seconds: number; affected: number; patched: number}[]
  /** 1-minute load average before and after (other work on the machine slows every number). */
  loadAverage: {start: number; end: number}
  /** RSS with the dataset opened and parsed, before the precompute. */
  rssLakeBytes: number
  /** Peak RSS of the process from the precompute's start to the last edit (Linux: VmHWM). */
  peakRssBytes: number
  /** How the peak was read: `VmHWM` (exact) or `sampled` (every 50 ms, a lower bound). */
  peakMethod: 'VmHWM' | 'sampled'
}

interface ChildInput {
  dataDir: string
  dataset: string
  token: string
  /** The lake's query time limit, as the benchmark's own lake has it (LAKE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs: number
  /** Questions to edit one after the other, each with the title it gets. */
  edits: {id: string; title: string}[]
}

/** Resets the kernel's peak-RSS mark (Linux ≥ 4.0); false where that is not possible. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

function kernelPeak(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

const seconds = (from: number) => Math.round(performance.now() - from) / 1000
const cpuNow = () => {
  const {user, system} = process.cpuUsage()
  return (user + system) / 1000
}
const cpuSeconds = (from: number) => Math.round(cpuNow() - from) / 1000

async function precomputeHere(input: ChildInput): Promise<Precompute> {
  const server = await startLakeServer({
    dataDir: input.dataDir,
    command: 'npm run bench (similar precompute)',
    token: input.token,
    port: 0,
    host: '127.0.0.1',
    queryTimeoutMs: input.queryTimeoutMs,
  })
  try {
    const client = lakeClient(server.url, input.dataset, input.token).withConfig({
      perspective: 'published',
    })
    const {raw} = (await server.lake.storage(input.dataset)).dataset
    while (raw.unparsedCount > 0) await new Promise((resolve) => setTimeout(resolve, 10))
    // A serving lake builds its text indexes once the snapshot is parsed: measured after that,
    // as a lake that has been open a while (the build competes for the same cores).
    await raw.indexesBuilt()
    const rssLakeBytes = process.memoryUsage().rss
    const peak = new PeakMemory()
    try {
      const loadStart = loadavg()[0] ?? 0
      const runs = await measureRuns(client, input.edits)
      return {
        ...runs,
        loadAverage: {start: loadStart, end: loadavg()[0] ?? 0},
        rssLakeBytes,
        ...peak.read(),
      }
    } finally {
      peak.stop()
    }
  } finally {
    await server.close()
  }
}

/** Peak resident memory from now on: the kernel's high-water mark, else sampled every 50 ms. */
class PeakMemory {
  private readonly exact = resetPeak()
  private sampled = process.memoryUsage().rss
  private readonly sampler = setInterval(() => {
    this.sampled = Math.max(this.sampled, process.memoryUsage.rss())
  }, 50)

  read(): Pick<Precompute, 'peakRssBytes' | 'peakMethod'> {
    const peak = this.exact ? kernelPeak() : undefined
    return {
      peakRssBytes: Math.max(peak ?? 0, this.sampled),
      peakMethod: peak === undefined ? 'sampled' : 'VmHWM',
    }
  }

  stop() {
    clearInterval(this.sampler)
  }
}

/**
 * CPU seconds by kind of thread: the main thread (the lake and the engine's reading and
 * writing), the ranking workers (Node worker threads), V8's helper threads (garbage collection,
 * compilation) and the rest (libuv's pool).
 */
export interface ThreadCpu {
  main: number
  workers: number
  v8: number
  other: number
}

/** Each live thread's name and CPU seconds so far, by thread id; undefined off Linux. */
function threadTimes(): Map<string, {name: string; seconds: number}> | undefined {
  try {
    const times = new Map<string, {name: string; seconds: number}>()
    for (const tid of readdirSync('/proc/self/task')) {
      let stat: string
      try {
        stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      } catch {
        continue // the thread ended meanwhile
      }
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
      const ticks = Number(fields[11]) + Number(fields[12])
      times.set(tid, {name: stat.slice(stat.indexOf('(') + 1, close), seconds: ticks / 100})
    }
    return times
  } catch {
    return undefined
  }
}

/**
 * CPU by kind of thread from now on. Worker threads end with their pool, so every thread's time
 * is sampled while the work runs and the last sample of each counts.
 */
class ThreadCpuMeter {
  private readonly start = threadTimes()
  private readonly last = new Map(this.start)
  // Unreferenced: a run that fails before stop() must not be kept alive by the sampling.
  private readonly sampler = setInterval(() => this.sample(), 250).unref()

  private sample() {
    for (const [tid, time] of threadTimes() ?? []) this.last.set(tid, time)
  }

  stop(): ThreadCpu | undefined {
    clearInterval(this.sampler)
    if (!this.start) return undefined
    this.sample()
    const cpu: ThreadCpu = {main: 0, workers: 0, v8: 0, other: 0}
    for (const [tid, {name, seconds}] of this.last) {
      const used = seconds - (this.start.get(tid)?.seconds ?? 0)
      const kind =
        tid === String(process.pid)
          ? 'main'
          : name === 'WorkerThread'
            ? 'workers'
            : name.startsWith('V8')
              ? 'v8'
              : 'other'
      cpu[kind] += used
    }
    for (const kind of Object.keys(cpu) as (keyof ThreadCpu)[])
      cpu[kind] = Math.round(cpu[kind] * 100) / 100
    return cpu
  }
}

/** The full precompute, the run over an unchanged archive, then one recompute per edit. */
async function measureRuns(
  client: SanityClient,
  editsToMake: ChildInput['edits'],
): Promise<Pick<Precompute, 'questions' | 'full' | 'second' | 'edits'>> {
  let started = performance.now()
  let cpu = cpuNow()
  let shown = 0
  const threads = new ThreadCpuMeter()
  // As computeSimilar does without an index, but keeping the index for the runs after.
  const index = await loadSimilarIndex(client)
  const indexSeconds = seconds(started)
  const indexCpuSeconds = cpuSeconds(cpu)
  const first = await computeSimilar(client, {
    index,
    ids: index.questionIds(),
    onProgress: ({done, total}) => {
      if (done - shown < total / 20 && done < total) return
      shown = done
      process.stderr.write(`  precompute: ${done}/${total} lists, ${seconds(started)} s\n`)
    },
  })
  const full = {
    seconds: seconds(started),
    cpuSeconds: cpuSeconds(cpu),
    indexSeconds,
    indexCpuSeconds,
    patched: first.patched.length,
    conflicts: first.conflicts,
    ...definedThreads(threads.stop()),
  }
  started = performance.now()
  cpu = cpuNow()
  const again = await computeSimilar(client, {index})
  const second = {
    seconds: seconds(started),
    cpuSeconds: cpuSeconds(cpu),
    ranked: again.ranked,
    patched: again.patched.length,
  }

  const edits: Precompute['edits'] = []
  for (const edit of editsToMake) {
    await client.patch(edit.id).set({title: edit.title}).commit({visibility: 'sync'})
    started = performance.now()
    const report = await recomputeAffected(client, [edit.id], {index})
    edits.push({
      seconds: seconds(started),
      affected: report.affected.length,
      patched: report.patched.length,
    })
  }
  return {questions: first.questions, full, second, edits}
}

function definedThreads(threads: ThreadCpu | undefined): {threads?: ThreadCpu} {
  return threads ? {threads} : {}
}

/** Runs the precompute in a child process (the same Node binary) and returns its measurements. */
export function measurePrecompute(input: ChildInput): Promise<Precompute> {
  return runInChild<Precompute>(fileURLToPath(import.meta.url), input)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput
  process.stdout.write(`${JSON.stringify(await precomputeHere(input))}\n`)
}
