import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {crc32} from 'node:zlib'
import {afterAll, describe, expect, it} from 'vitest'
import {DatasetStorage, StorageDamagedError} from '../../lake/storage.ts'

// Files another process (or a failing disk) left in a dataset folder that are well-formed enough
// to pass a naive reader: entries with valid checksums but the wrong shape, transactions out of
// order or missing, snapshots that are empty or carry data after their end. Each is reported when
// the dataset opens, never applied or skipped silently, and never crashes the lake later.

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))

const QUIET = {unsafeNoSync: true, warn: () => undefined}

async function datasetDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'lake-hostile-'))
  dirs.push(parent)
  const dir = join(parent, 'data')
  await mkdir(dir)
  return dir
}

/** A log line as the lake writes it: the checksum covers the entry's JSON after `{`. */
function logLine(entry: object): string {
  const rest = JSON.stringify(entry).slice(1)
  return `{"crc":"${crc32(rest).toString(16).padStart(8, '0')}",${rest}\n`
}

function transaction(seq: number): object {
  return {
    seq,
    id: `tx-${seq}`,
    timestamp: '',
    docs: [[`doc-${seq}`, {_id: `doc-${seq}`, _type: 'entry', seq}]],
  }
}

/** A format-3 snapshot line: the checksum of the rest of the line, in hex, then a space. */
function snapshotLine(text: string): string {
  return `${crc32(text).toString(16).padStart(8, '0')} ${text}\n`
}

function failure(dir: string): Promise<unknown> {
  return DatasetStorage.open(dir, 'data', 'test', QUIET).then(
    async (storage) => {
      await storage.close({compact: false})
      return undefined
    },
    (error: unknown) => error,
  )
}

describe('hostile or damaged dataset files', () => {
  it('refuses a log entry with a valid checksum that is not a transaction', async () => {
    const dir = await datasetDir()
    const bad = {seq: 2, id: 'tx-2', timestamp: '', docs: [['x', {_id: 'x'}]]}
    await writeFile(join(dir, 'transactions.log'), logLine(transaction(1)) + logLine(bad))
    const error = await failure(dir)
    expect(error).toBeInstanceOf(StorageDamagedError)
    expect(String(error)).toContain('transactions.log:2:')
  })

  it('refuses transactions out of order instead of skipping them', async () => {
    const dir = await datasetDir()
    const lines = [1, 2, 3, 2].map((seq) => logLine(transaction(seq)))
    await writeFile(join(dir, 'transactions.log'), lines.join(''))
    expect(String(await failure(dir))).toMatch(/transactions\.log:4: .*2 does not follow 3/)
  })

  it('refuses a log that skips transactions; repair replays past the gap and reports it', async () => {
    const dir = await datasetDir()
    const lines = [1, 2, 5, 6].map((seq) => logLine(transaction(seq)))
    const path = join(dir, 'transactions.log')
    await writeFile(path, lines.join(''))
    expect(String(await failure(dir))).toMatch(/transactions\.log:3: .*transactions 3 to 4/)
    expect(await readFile(path, 'utf8')).toBe(lines.join(''))

    const report = await DatasetStorage.repair(dir, 'data', 'test repair', QUIET)
    expect(report.notes.join('\n')).toMatch(/transactions 3 to 4 are missing/)
    const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    expect(storage.dataset.seq).toBe(6)
    expect(storage.dataset.get('doc-6')).toBeDefined()
    await storage.close({compact: false})
  })

  it('reports an empty snapshot rather than opening an empty dataset', async () => {
    const dir = await datasetDir()
    await writeFile(join(dir, 'snapshot.ndjson'), '')
    expect(String(await failure(dir))).toMatch(/snapshot\.ndjson:1: .*empty/)
  })

  it('reports lines after the end of a snapshot', async () => {
    const dir = await datasetDir()
    const doc = {_id: 'a', _type: 'x'}
    await writeFile(
      join(dir, 'snapshot.ndjson'),
      snapshotLine(JSON.stringify({seq: 1, format: 3, valuePaths: []})) +
        snapshotLine(`${JSON.stringify(['a', 'x', [], []])}\t${JSON.stringify(doc)}`) +
        snapshotLine(JSON.stringify({documents: 1})) +
        snapshotLine(
          `${JSON.stringify(['b', 'x', [], []])}\t${JSON.stringify({...doc, _id: 'b'})}`,
        ),
    )
    expect(String(await failure(dir))).toMatch(/snapshot\.ndjson:4: .*after the end/)
  })
})
