import {spawn} from 'node:child_process'
import {
  appendFile,
  type FileHandle,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it, vi} from 'vitest'
import {
  mutationsFor,
  WRITER_COMMAND,
  type WriterOptions,
  type WriterShape,
} from '../../test/support/crashWriter.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {Lake} from '../lake.ts'
import {DatasetLockedError, readLock} from '../lock.ts'
import {DatasetStorage} from '../storage.ts'

// Crash safety of the lake's storage, tested with real processes: a child commits transactions
// back to back and reports each acknowledged one, the test SIGKILLs it at a random moment and
// reopens the directory. Every transaction n touches three documents and has id `tx-<n>`, so the
// recovered state must be exactly "transactions 1..n" with n the last acknowledged one or the one
// after it (in flight when the child died) — never less, never half of one.

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))
const WRITER = fileURLToPath(new URL('../../test/support/crashWriter.ts', import.meta.url))
const DATASET = 'crash'
const COMMAND = 'crash test'
const FILLER = 5000

const SEED = Number(process.env.LAKE_CRASH_SEED ?? Date.now() % 2 ** 31)
console.log(`lake crash test seed ${SEED} (replay with LAKE_CRASH_SEED=${SEED})`)

/** mulberry32, seeded per test so one test's randomness does not depend on the others. */
function random(label: string): () => number {
  let state = SEED
  for (const char of label) state = (Math.imul(state, 31) + char.charCodeAt(0)) | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** What recovery in this process reported (torn log lines moved aside). */
const reported: string[] = []

const temporary: string[] = []
/** Every writer started, so none outlives a failed test. */
const writers: Writer[] = []
afterAll(async () => {
  await Promise.all(writers.map((writer) => writer.kill()))
  for (const dir of temporary) await rm(dir, {recursive: true, force: true})
})

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lake-crash-'))
  temporary.push(dir)
  return dir
}

interface Writer {
  pid: number
  ready: Promise<{seq: number; url: string | undefined}>
  acks: number[]
  /** Resolves once at least `count` transactions were acknowledged. */
  acked: (count: number) => Promise<void>
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  kill: () => Promise<{code: number | null; signal: NodeJS.Signals | null}>
  stderr: () => string
}

function startWriter(options: WriterOptions): Writer {
  const child = spawn(NODE, [WRITER, JSON.stringify(options)], {stdio: ['ignore', 'pipe', 'pipe']})
  if (child.pid === undefined) throw new Error('The writer did not start')
  const acks: number[] = []
  let stderr = ''
  let pending = ''
  let onReady: (value: {seq: number; url: string | undefined}) => void = () => undefined
  let onAck = () => {}
  const ready = new Promise<{seq: number; url: string | undefined}>((resolve, reject) => {
    onReady = resolve
    child.once('close', (code, signal) =>
      reject(new Error(`The writer exited (${code ?? signal}) before it was ready:\n${stderr}`)),
    )
  })
  ready.catch(() => undefined)
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      const [word, number, url] = line.split(' ')
      if (word === 'ready') onReady({seq: Number(number), url})
      else if (word === 'ack') acks.push(Number(number))
      else throw new Error(`Unexpected writer output: ${line}`)
    }
    if (lines.length > 0) onAck()
  })
  // 'close' comes after the process is reaped (so its pid is free, the lock stale) and after all
  // of its output was read.
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.once('close', (code, signal) => resolve({code, signal})),
  )
  const writer: Writer = {
    pid: child.pid,
    ready,
    acks,
    acked: (count) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (acks.length >= count) resolve()
        }
        onAck = check
        check()
        void exited.then(() =>
          reject(new Error(`The writer exited after ${acks.length} commits:\n${stderr}`)),
        )
      }),
    exited,
    kill: () => {
      child.kill('SIGKILL')
      return exited
    },
    stderr: () => stderr,
  }
  writers.push(writer)
  return writer
}

interface Round {
  /** Transactions in the dataset when the writer started. */
  before: number
  /** The last acknowledged transaction (`before` if none was). */
  acked: number
  commits: number
  /** From the writer's `ready` to its death. */
  ms: number
  /** From spawning the writer to its `ready` (start-up and recovery). */
  startMs: number
}

/**
 * One life of a writer: start it on the directory, let it commit for a random 20–400 ms (after at
 * least `minAcks` commits), SIGKILL it.
 */
async function crashRound(
  options: WriterOptions,
  next: () => number,
  before: number,
  minAcks = 0,
): Promise<Round> {
  const spawned = performance.now()
  const writer = startWriter(options)
  let started = spawned
  try {
    const {seq} = await writer.ready
    started = performance.now()
    // The writer recovered exactly the state the test verified after the previous kill.
    expect(seq, 'state recovered by the writer').toBe(before)
    await writer.acked(minAcks)
    await sleep(20 + Math.floor(next() * 381))
  } finally {
    await writer.kill()
  }
  const ms = performance.now() - started
  const {signal} = await writer.exited
  expect(signal, `the writer died on its own:\n${writer.stderr()}`).toBe('SIGKILL')
  // It left its lock behind: reopening has to see that it names a dead process.
  expect(readLock(join(options.dataDir, options.dataset))?.pid).toBe(writer.pid)
  // Acknowledgements are the consecutive transactions after the recovered state.
  expect(writer.acks).toEqual(Array.from(writer.acks, (_, index) => before + 1 + index))
  return {
    before,
    acked: writer.acks.at(-1) ?? before,
    commits: writer.acks.length,
    ms,
    startMs: started - spawned,
  }
}

/**
 * The documents transactions 1..n of `shape` leave behind (on top of `filler` seeded documents),
 * reduced to what identifies them.
 */
function expectedState(shape: WriterShape, n: number, filler: number): Map<string, string> {
  const state = new Map<string, string>()
  for (let k = 0; k < filler; k++) state.set(`f-${k}`, `k=${k} rev=seed`)
  for (let k = 1; k <= n; k++) {
    if (shape === 'create') {
      for (const part of [1, 2, 3]) state.set(`t-${k}-${part}`, `n=${k} part=${part} rev=tx-${k}`)
    } else {
      state.set(`t-${k}`, `n=${k} rev=tx-${k}`)
    }
  }
  if (shape === 'mixed' && n > 0) {
    state.set('a', `counter=${n} rev=tx-${n}`)
    state.set('b', `counter=${n} rev=tx-${n}`)
  }
  return state
}

function describeDocument(document: LakeDocument): string {
  const fields = ['k', 'n', 'part', 'counter'].filter((field) => field in document)
  return [
    ...fields.map((field) => `${field}=${String(document[field])}`),
    `rev=${document._rev}`,
  ].join(' ')
}

/** Differences between the dataset and transactions 1..n; empty when they match exactly. */
function stateProblems(
  storage: DatasetStorage,
  shape: WriterShape,
  n: number,
  filler = 0,
): string[] {
  const expected = expectedState(shape, n, filler)
  const problems: string[] = []
  const documents = storage.dataset.raw.documents()
  for (const document of documents) {
    const want = expected.get(document._id)
    const got = describeDocument(document)
    if (want === undefined) problems.push(`unexpected ${document._id} (${got})`)
    else if (want !== got) problems.push(`${document._id}: ${got}, expected ${want}`)
  }
  for (const id of expected.keys()) if (!storage.dataset.get(id)) problems.push(`missing ${id}`)
  if (documents.length !== expected.size)
    problems.push(`${documents.length} documents, expected ${expected.size}`)
  return problems.slice(0, 20)
}

/**
 * Reopens the directory after a crash (its lock names a dead process) and checks that it holds
 * exactly transactions 1..n where n is the last acknowledged one or the one in flight. Closes
 * without compacting so the next writer recovers the files as the crash left them.
 */
async function verifyAfterCrash(
  dir: string,
  shape: WriterShape,
  acked: number,
  filler = 0,
): Promise<number> {
  const storage = await DatasetStorage.open(join(dir, DATASET), DATASET, COMMAND, {
    warn: (message) => reported.push(message),
  })
  try {
    const n = storage.dataset.seq
    expect([acked, acked + 1], `recovered seq ${n}, last acknowledged ${acked}`).toContain(n)
    expect(stateProblems(storage, shape, n, filler)).toEqual([])
    return n
  } finally {
    await storage.close({compact: false})
  }
}

function summarise(label: string, rounds: Round[]) {
  const commits = rounds.reduce((sum, round) => sum + round.commits, 0)
  const ms = rounds.reduce((sum, round) => sum + round.ms, 0)
  console.log(
    `${label}: ${rounds.length} kills, ${commits} acknowledged commits in ${Math.round(ms)} ms ` +
      `(${Math.round((commits / ms) * 1000)} transactions/s); per round commits/ms ` +
      rounds.map((round) => `${round.commits}/${Math.round(round.ms)}`).join(', ') +
      `; start-up + recovery ms ${rounds.map((round) => Math.round(round.startMs)).join(', ')}`,
  )
  return commits
}

function logEntries(text: string): {seq: number}[] {
  return text
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .flatMap((line) => {
      try {
        const entry: {seq: number} = JSON.parse(line)
        return [entry]
      } catch {
        return []
      }
    })
}

/** What recovery will start from: the snapshot's seq and the log entries after it. */
async function onDisk(dir: string) {
  const snapshot = await readFile(join(dir, DATASET, 'snapshot.ndjson'), 'utf8').catch(() => '')
  // The seeded snapshot is format 1 (plain JSON); the lake writes format 3 (checksum first).
  const first = snapshot.slice(0, snapshot.indexOf('\n'))
  const header: {seq: number} = snapshot
    ? JSON.parse(first.startsWith('{') ? first : first.slice(9))
    : {seq: 0}
  const log = await readFile(join(dir, DATASET, 'transactions.log'), 'utf8').catch(() => '')
  return {
    snapshotSeq: header.seq,
    replayed: logEntries(log).filter((entry) => entry.seq > header.seq).length,
  }
}

/** The torn log tails recovery moved aside, oldest first. */
async function tornAside(dir: string): Promise<string[]> {
  const names = (await readdir(join(dir, DATASET))).filter((name) => name.includes('.torn-'))
  return Promise.all(names.sort().map((name) => readFile(join(dir, DATASET, name), 'utf8')))
}

async function logSize(dir: string) {
  return (await stat(join(dir, DATASET, 'transactions.log'))).size
}

/** The log line the storage would write for transaction n of the mixed shape. */
function mixedLogLine(n: number): string {
  const timestamp = new Date().toISOString()
  const meta = {_createdAt: timestamp, _updatedAt: timestamp, _rev: `tx-${n}`}
  const docs = [
    [`t-${n}`, {_id: `t-${n}`, _type: 'entry', n, ...meta}],
    ['a', {_id: 'a', _type: 'counter', counter: n, ...meta}],
    ['b', {_id: 'b', _type: 'counter', counter: n, ...meta}],
  ]
  return `${JSON.stringify({seq: n, id: `tx-${n}`, timestamp, docs})}\n`
}

// Each round starts a child process and recovers a dataset: generous limits for a busy 2-core CI.
describe('crash recovery', {timeout: 120_000}, () => {
  it('keeps every acknowledged transaction, whole, across SIGKILLs', async () => {
    const dir = await dataDir()
    const next = random('log only')
    const options: WriterOptions = {mode: 'write', dataDir: dir, dataset: DATASET, shape: 'create'}
    const rounds: Round[] = []
    let n = 0
    for (let kill = 0; kill < 7; kill++) {
      const round = await crashRound(options, next, n)
      rounds.push(round)
      n = await verifyAfterCrash(dir, 'create', round.acked)
    }
    const commits = summarise('log only', rounds)
    expect(commits, 'the writer committed nothing before it was killed').toBeGreaterThan(
      rounds.length,
    )
    // Nothing was compacted: all of it came back from log replay.
    expect(await onDisk(dir)).toEqual({snapshotSeq: 0, replayed: n})
  })

  it('recovers from snapshot plus log when compaction runs between kills', async () => {
    const dir = await dataDir()
    const next = random('compaction')
    const options: WriterOptions = {
      mode: 'write',
      dataDir: dir,
      dataset: DATASET,
      shape: 'mixed',
      compactBytes: 16 * 1024,
    }
    // Start from a snapshot big enough that compaction takes a while (and several writes), so
    // kills also land in the middle of one.
    await mkdir(join(dir, DATASET))
    const filler = Array.from({length: FILLER}, (_, k) =>
      JSON.stringify({_id: `f-${k}`, _type: 'filler', _rev: 'seed', k, text: 'x'.repeat(100)}),
    )
    await writeFile(
      join(dir, DATASET, 'snapshot.ndjson'),
      `${[JSON.stringify({seq: 0, format: 1}), ...filler].join('\n')}\n`,
    )
    const rounds: Round[] = []
    const recoveries: {snapshotSeq: number; replayed: number}[] = []
    let n = 0
    for (let kill = 0; kill < 7; kill++) {
      const round = await crashRound(options, next, n)
      rounds.push(round)
      recoveries.push(await onDisk(dir))
      n = await verifyAfterCrash(dir, 'mixed', round.acked, FILLER)
    }
    summarise('with compaction', rounds)
    // Snapshots were written and, at least once, recovery also had log lines to replay on top.
    expect(recoveries.at(-1)?.snapshotSeq).toBeGreaterThan(0)
    expect(
      recoveries.some(({snapshotSeq, replayed}) => snapshotSeq > 0 && replayed > 0),
      JSON.stringify(recoveries),
    ).toBe(true)
  })

  it('cuts off a torn last log line and keeps committing after it', async () => {
    const dir = await dataDir()
    const next = random('torn')
    const options: WriterOptions = {mode: 'write', dataDir: dir, dataset: DATASET, shape: 'mixed'}
    const logPath = join(dir, DATASET, 'transactions.log')

    let n = await verifyAfterCrash(dir, 'mixed', (await crashRound(options, next, 0, 1)).acked)

    // Half a line (a crash in the middle of an append): recovery moves it aside into a file of
    // its own, says so, and truncates the log.
    const intact = await logSize(dir)
    const line = mixedLogLine(n + 1)
    const aside = await tornAside(dir)
    await appendFile(logPath, line.slice(0, line.length >> 1))
    reported.length = 0
    expect(await verifyAfterCrash(dir, 'mixed', n)).toBe(n)
    expect(await logSize(dir)).toBe(intact)
    expect(await tornAside(dir)).toEqual([...aside, line.slice(0, line.length >> 1)])
    expect(reported.join('\n')).toContain(`${logPath}: the last line, at byte offset ${intact}`)

    // Again, but a writer recovers it and commits on top; its commits survive the next reopen.
    await appendFile(logPath, line.slice(0, line.length >> 1))
    n = await verifyAfterCrash(dir, 'mixed', (await crashRound(options, next, n, 1)).acked)

    // A complete line that lost only its newline was not acknowledged either. Whether or not
    // recovery keeps it, the writer's commits after it must survive.
    await appendFile(logPath, mixedLogLine(n + 1).slice(0, -1))
    const writer = startWriter(options)
    const {seq} = await writer.ready
    expect([n, n + 1]).toContain(seq)
    await writer.acked(3).finally(writer.kill)
    n = await verifyAfterCrash(dir, 'mixed', writer.acks.at(-1) ?? seq)
    expect(n).toBeGreaterThanOrEqual(seq + 3)

    // In process too: new commits through the lake, then a clean close, survive a reopen.
    const lake = new Lake({dataDir: dir, command: COMMAND})
    for (let k = n + 1; k <= n + 3; k++)
      await lake.mutate(DATASET, mutationsFor('mixed', k), {transactionId: `tx-${k}`})
    await lake.close()
    expect(await verifyAfterCrash(dir, 'mixed', n + 3)).toBe(n + 3)
  })

  it.each(['appendFile', 'datasync'] as const)(
    'a failed log %s never costs an acknowledged commit',
    async (method) => {
      const dir = await dataDir()
      const lake = new Lake({dataDir: dir, command: COMMAND})
      await lake.mutate(DATASET, mutationsFor('mixed', 1), {transactionId: 'tx-1'})
      const storage = await lake.storage(DATASET)

      const probe = await open(join(dir, DATASET, 'transactions.log'), 'r')
      const prototype: FileHandle = Object.getPrototypeOf(probe)
      await probe.close()
      const {appendFile: realAppendFile, datasync: realDatasync} = prototype
      // appendFile writes half the line, datasync runs: both then fail like a full or broken disk.
      const spy = vi.spyOn(prototype, method).mockImplementationOnce(async function (
        this: FileHandle,
        ...args: unknown[]
      ) {
        if (method === 'appendFile') {
          const text = String(args[0])
          await realAppendFile.call(this, text.slice(0, text.length >> 1))
        } else {
          await realDatasync.call(this)
        }
        throw new Error(`simulated ${method} failure`)
      })
      await expect(
        lake.mutate(DATASET, mutationsFor('mixed', 2), {transactionId: 'tx-2'}),
      ).rejects.toThrow(`simulated ${method} failure`)
      spy.mockRestore()

      // The storage may refuse later writes, but any write it acknowledges must be durable.
      const later = await lake
        .mutate(DATASET, [{createOrReplace: {_id: 'later', _type: 'x'}}])
        .then(
          () => true,
          () => false,
        )
      await storage.close({compact: false}) // like a crash: recovery has only the log
      const reopenedLake = new Lake({dataDir: dir, command: COMMAND})
      const reopened = await reopenedLake.storage(DATASET)
      try {
        expect(reopened.dataset.get('t-1')?._rev).toBe('tx-1')
        if (later) expect(reopened.dataset.get('later'), 'acknowledged commit lost').toBeDefined()
        // tx-2 failed, so it may be there or not, but not in part.
        const applied = ['t-2', 'a', 'b'].map((id) => reopened.dataset.get(id)?._rev === 'tx-2')
        expect(new Set(applied).size, JSON.stringify(applied)).toBe(1)
        // Reopened, it takes writes again.
        await reopenedLake.mutate(DATASET, [{createOrReplace: {_id: 'reopened', _type: 'x'}}])
        expect(reopened.dataset.get('reopened')).toBeDefined()
      } finally {
        await reopenedLake.close()
      }
    },
  )
})

describe('dataset lock', {timeout: 120_000}, () => {
  it('refuses a dataset another process holds, naming it, until that process dies', async () => {
    const dir = await dataDir()
    const lake = new Lake({dataDir: dir, command: COMMAND})
    await lake.mutate(DATASET, mutationsFor('create', 1), {transactionId: 'tx-1'})
    await lake.close()

    const holder = startWriter({mode: 'hold', dataDir: dir, dataset: DATASET})
    try {
      const {seq, url} = await holder.ready
      expect(seq).toBe(1)
      const error = await DatasetStorage.open(join(dir, DATASET), DATASET, COMMAND).then(
        async (storage) => {
          await storage.close()
          return undefined
        },
        (reason: unknown) => reason,
      )
      if (!(error instanceof DatasetLockedError))
        throw new Error(`Not a lock error: ${String(error)}`)
      expect(error.holder.pid).toBe(holder.pid)
      expect(error.message).toContain(`process ${holder.pid} `)
      expect(error.message).toContain(WRITER_COMMAND)
      expect(error.message).toContain(`serving ${url}`)
      // Through the lake too; and failing to open left the holder's lock alone.
      await expect(new Lake({dataDir: dir, command: COMMAND}).storage(DATASET)).rejects.toThrow(
        `process ${holder.pid} `,
      )
      expect(readLock(join(dir, DATASET))?.pid).toBe(holder.pid)
    } finally {
      await holder.kill()
    }

    // Its lock file is left behind, but it names a dead process.
    expect(readLock(join(dir, DATASET))?.pid).toBe(holder.pid)
    const storage = await DatasetStorage.open(join(dir, DATASET), DATASET, COMMAND)
    try {
      expect(readLock(join(dir, DATASET))?.pid).toBe(process.pid)
      expect(stateProblems(storage, 'create', 1)).toEqual([])
    } finally {
      await storage.close()
    }
    expect(readLock(join(dir, DATASET))).toBeUndefined()
  })
})
