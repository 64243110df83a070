import {parentPort} from 'node:worker_threads'
import type {WorkerReply, WorkerRequest} from './pool.ts'
import {SimilarIndex} from './ranker.ts'
import {errorMessage} from '../domain/errors.ts'

// A ranking worker of pool.ts: loads index snapshots, ranks batches of questions.

let index: SimilarIndex | undefined

function reply(message: WorkerReply) {
  parentPort?.postMessage(message)
}

parentPort?.on('message', (request: WorkerRequest) => {
  if (request.type === 'load') {
    index = SimilarIndex.fromSnapshot(request.snapshot)
    reply({type: 'loaded'})
    return
  }
  try {
    if (!index) throw new Error('No index loaded')
    const loaded = index
    const lists = request.requests.map(({id, limit, exclude}) =>
      loaded.rank(id, limit, new Set(exclude)),
    )
    reply({type: 'ranked', job: request.job, lists})
  } catch (error) {
    reply({
      type: 'failed',
      job: request.job,
      message: errorMessage(error),
    })
  }
})
