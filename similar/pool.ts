import {Worker} from 'node:worker_threads'
import type {IndexSnapshot, Ranked, SimilarIndex} from './ranker.ts'

// Ranking on every core: worker threads hold a snapshot of the index (its postings and term lists
// are shared memory, so a worker costs its own small arrays, not a copy of the index) and rank
// batches of questions exactly as `index.rank` does. The main thread stays free for I/O (and,
// in-process, for the lake's requests). When the index changes (an upsert or removal), the next
// batch goes out with a fresh snapshot.

export interface RankRequest {
  id: string
  limit: number
  /** Ids left out of the ranking (the question's curated and imported targets). */
  exclude: string[]
}

export type WorkerRequest =
  {type: 'load'; snapshot: IndexSnapshot} | {type: 'rank'; job: number; requests: RankRequest[]}

export type WorkerReply =
  | {type: 'loaded'}
  | {type: 'ranked'; job: number; lists: Ranked[][]}
  | {type: 'failed'; job: number; message: string}

interface Job {
  requests: RankRequest[]
  resolve: (lists: Ranked[][]) => void
  reject: (error: Error) => void
}

interface Member {
  worker: Worker
  job: number | undefined
}

const WORKER_URL = new URL('./rankWorker.ts', import.meta.url)

/**
 * Megabytes of young generation per ranking worker. V8 sizes it from the machine's memory (about
 * 100 MB of a worker's 120 MB heap here), though a ranking keeps little beyond its own call.
 */
const WORKER_YOUNG_MB = 16

export class RankPool {
  private readonly index: SimilarIndex
  private readonly members: Member[] = []
  private readonly queue: {id: number; job: Job}[] = []
  private readonly running = new Map<number, Job>()
  private nextJob = 0
  private failure: Error | undefined
  /** The index version the workers hold; a load is under way while `loading` is set. */
  private loadedVersion = -1
  private loading: Promise<void> | undefined
  private loadsPending = 0
  private settleLoad: {resolve: () => void; reject: (error: Error) => void} | undefined

  private constructor(index: SimilarIndex) {
    this.index = index
  }

  /**
   * Starts `size` workers on a snapshot of `index`; resolves once every worker has loaded it
   * (rejects, with the workers stopped, if one cannot start).
   */
  static async start(index: SimilarIndex, size: number): Promise<RankPool> {
    const pool = new RankPool(index)
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_URL, {
        resourceLimits: {maxYoungGenerationSizeMb: WORKER_YOUNG_MB},
      })
      const member: Member = {worker, job: undefined}
      worker.on('message', (reply: WorkerReply) => pool.received(member, reply))
      worker.on('error', (error) => pool.fail(error))
      worker.on('exit', (code) => {
        if (code !== 0) pool.fail(new Error(`A ranking worker stopped (exit code ${code})`))
      })
      pool.members.push(member)
    }
    try {
      await pool.load()
    } catch (error) {
      await pool.close()
      throw error
    }
    return pool
  }

  get size(): number {
    return this.members.length
  }

  /** Ranks every request (in order) on the first free worker. */
  rank(requests: RankRequest[]): Promise<Ranked[][]> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.queue.push({id: this.nextJob++, job: {requests, resolve, reject}})
      this.dispatch()
    })
  }

  async close(): Promise<void> {
    this.fail(new Error('The ranking pool was closed'))
    await Promise.all(this.members.map(({worker}) => worker.terminate()))
  }

  /** Sends every worker a snapshot of the index as it is now. */
  private load(): Promise<void> {
    const snapshot = this.index.snapshot()
    this.loadedVersion = this.index.version
    this.loadsPending = this.members.length
    this.loading = new Promise((resolve, reject) => {
      this.settleLoad = {resolve, reject}
    })
    for (const {worker} of this.members) worker.postMessage({type: 'load', snapshot})
    return this.loading
  }

  private dispatch() {
    if (this.failure || this.loading) return
    if (this.index.version !== this.loadedVersion) {
      // Batches already out ranked against the index as it was when they were asked for.
      if (this.running.size > 0) return
      void this.load().then(
        () => this.dispatch(),
        () => undefined,
      )
      return
    }
    for (const member of this.members) {
      if (member.job !== undefined) continue
      const next = this.queue.shift()
      if (!next) return
      member.job = next.id
      this.running.set(next.id, next.job)
      const message: WorkerRequest = {type: 'rank', job: next.id, requests: next.job.requests}
      member.worker.postMessage(message)
    }
  }

  private received(member: Member, reply: WorkerReply) {
    if (reply.type === 'loaded') {
      if (--this.loadsPending === 0) {
        this.loading = undefined
        this.settleLoad?.resolve()
      }
      return
    }
    const job = this.running.get(reply.job)
    this.running.delete(reply.job)
    member.job = undefined
    if (reply.type === 'ranked') job?.resolve(reply.lists)
    else job?.reject(new Error(reply.message))
    this.dispatch()
  }

  private fail(error: Error) {
    if (this.failure) return
    this.failure = error
    this.settleLoad?.reject(error)
    for (const job of this.running.values()) job.reject(error)
    for (const {job} of this.queue) job.reject(error)
    this.running.clear()
    this.queue.length = 0
  }
}
