import {chmod, mkdir, mkdtemp, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import type {Transaction} from '../dataset.ts'
import {DatasetStorage, type StorageOptions} from '../storage.ts'
import {localCertificate} from '../tls.ts'

// What the lake writes into its data folder is readable by its owner only.

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'lake-integrity-'))
  dirs.push(dir)
  return dir
}

const QUIET: StorageOptions = {unsafeNoSync: true, warn: () => undefined}

/** Transaction n creates doc-n and sets the shared counter to n. */
function changesOf(n: number): Transaction['changes'] {
  return [
    {id: `doc-${n}`, before: null, after: {_id: `doc-${n}`, _type: 'entry', n}},
    {id: 'counter', before: null, after: {_id: 'counter', _type: 'counter', n}},
  ]
}

async function commit(storage: DatasetStorage, changes: Transaction['changes']) {
  await storage.commit(async () => ({
    transaction: {id: `tx-${storage.dataset.seq + 1}`, timestamp: '', mutations: [], changes},
    result: null,
  }))
}

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8)
}

describe('file modes', () => {
  it('keeps the data folder and every file the lake writes readable by the owner only', async () => {
    const dataDir = await tempDir()
    const dir = join(dataDir, 'data')
    await chmod(dataDir, 0o755)
    await mkdir(dir, {mode: 0o755})
    await writeFile(join(dir, 'transactions.log'), '', {mode: 0o644})
    const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    await commit(storage, changesOf(1))
    expect(await modeOf(join(dir, 'lock.json'))).toBe('600')
    await storage.close()
    expect(await modeOf(dataDir)).toBe('700')
    expect(await modeOf(dir)).toBe('700')
    expect(await modeOf(join(dir, 'transactions.log'))).toBe('600')
    expect(await modeOf(join(dir, 'snapshot.ndjson'))).toBe('600')

    // Files loosened since are tightened again on open.
    await chmod(join(dir, 'transactions.log'), 0o644)
    await chmod(join(dir, 'snapshot.ndjson'), 0o644)
    const reopened = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    await reopened.close({compact: false})
    expect(await modeOf(join(dir, 'snapshot.ndjson'))).toBe('600')
    expect(await modeOf(join(dir, 'transactions.log'))).toBe('600')
  })

  it('keeps the TLS key and certificate readable by the owner only', async () => {
    const dataDir = await tempDir()
    await localCertificate(dataDir)
    expect(await modeOf(join(dataDir, 'tls'))).toBe('700')
    expect(await modeOf(join(dataDir, 'tls', 'key.pem'))).toBe('600')
    expect(await modeOf(join(dataDir, 'tls', 'cert.pem'))).toBe('600')
    await chmod(join(dataDir, 'tls', 'key.pem'), 0o644)
    await chmod(join(dataDir, 'tls'), 0o755)
    await localCertificate(dataDir)
    expect(await modeOf(join(dataDir, 'tls'))).toBe('700')
    expect(await modeOf(join(dataDir, 'tls', 'key.pem'))).toBe('600')
  })
})
