// Child process for lake/__tests__/crash.test.ts. Run with Node 24 (type stripping):
//
//   node test/support/crashWriter.ts '{"mode":"write","dataDir":…,"dataset":…,"shape":"create"}'
//
// mode "write": opens the dataset through `Lake` (recovering whatever a killed predecessor left),
// prints `ready <seq>`, then commits transactions back to back through the normal commit path and
// prints `ack <n>` after each one resolves, until it is killed. Transaction n has id `tx-<n>` and
// touches three documents, so a half-applied transaction is visible:
//   shape "create": creates t-<n>-1, t-<n>-2 and t-<n>-3 (each with n)
//   shape "mixed":  creates t-<n>, createOrReplaces a with counter n, patches b's counter to n
// Every transaction changes documents, so after n transactions the dataset's seq is n.
//
// mode "hold": serves the dataset over HTTP (which locks it), prints `ready <seq> <url>` and waits.
//
// Output goes through writeSync on fd 1: once `ack n` is written it is in the pipe, so a SIGKILL
// right after cannot lose it (process.stdout may buffer).

import {writeSync} from 'node:fs'
import {Lake} from '../../lake/lake.ts'
import {startLakeServer} from '../../lake/server.ts'
import {hasCode} from '../../domain/errors.ts'

export type WriterShape = 'create' | 'mixed'

export interface WriterOptions {
  mode: 'write' | 'hold'
  dataDir: string
  dataset: string
  shape?: WriterShape
  compactBytes?: number
}

export const WRITER_COMMAND = 'crash-test writer'

export function mutationsFor(shape: WriterShape, n: number): unknown[] {
  if (shape === 'create') {
    return [1, 2, 3].map((part) => ({create: {_id: `t-${n}-${part}`, _type: 'entry', n, part}}))
  }
  return [
    {create: {_id: `t-${n}`, _type: 'entry', n}},
    {createOrReplace: {_id: 'a', _type: 'counter', counter: n}},
    {createIfNotExists: {_id: 'b', _type: 'counter', counter: 0}},
    {patch: {id: 'b', set: {counter: n}}},
  ]
}

function emit(line: string) {
  const buffer = Buffer.from(`${line}\n`)
  let offset = 0
  while (offset < buffer.length) {
    try {
      offset += writeSync(1, buffer, offset)
    } catch (error) {
      if (!hasCode(error, 'EAGAIN')) throw error
    }
  }
}

async function write(options: WriterOptions) {
  const shape = options.shape ?? 'create'
  const lake = new Lake({
    dataDir: options.dataDir,
    command: WRITER_COMMAND,
    ...(options.compactBytes === undefined ? {} : {compactBytes: options.compactBytes}),
  })
  const storage = await lake.storage(options.dataset)
  let n = storage.dataset.seq
  emit(`ready ${n}`)
  for (;;) {
    n++
    await lake.mutate(options.dataset, mutationsFor(shape, n), {transactionId: `tx-${n}`})
    emit(`ack ${n}`)
  }
}

async function hold(options: WriterOptions) {
  const server = await startLakeServer({
    dataDir: options.dataDir,
    command: WRITER_COMMAND,
    token: 'crash-test-token-0123456789abcdefghij',
    port: 0,
    host: '127.0.0.1',
    datasets: [options.dataset],
  })
  const storage = await server.lake.storage(options.dataset)
  emit(`ready ${storage.dataset.seq} ${server.url}`)
  setInterval(() => undefined, 60_000)
}

if (import.meta.main) {
  const arg = process.argv[2]
  if (!arg) throw new Error('Usage: crashWriter.ts <options as JSON>')
  const options: WriterOptions = JSON.parse(arg)
  if (options.mode === 'hold') await hold(options)
  else await write(options)
}
