import {execFile} from 'node:child_process'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {startTestLake} from './support/lake.ts'
import {DatasetStorage} from '../lake/storage.ts'

const run = promisify(execFile)
const LAKE = join(import.meta.dirname, '..', 'scripts', 'lake.ts')

const NDJSON = [
  {
    _id: 'specialty-cardiology',
    _type: 'specialty',
    name: 'Cardiology',
    slug: {_type: 'slug', current: 'cardiology'},
  },
  {
    _id: 'question-palpitations',
    _type: 'question',
    title: 'Palpitations after coffee',
    specialty: {_type: 'reference', _ref: 'specialty-cardiology'},
  },
]
  .map((document) => JSON.stringify(document))
  .join('\n')

let dir: string

function lake(...args: string[]) {
  return run(process.execPath, [LAKE, ...args, '--data-dir', dir, '--dataset', 'cli'])
}

async function exportedIds(): Promise<string[]> {
  const {stdout} = await lake('export', '-')
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line)._id)
    .sort()
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-cli-'))
  await writeFile(join(dir, 'archive.ndjson'), NDJSON)
})

afterEach(() => rm(dir, {recursive: true, force: true}))

/** A lake server on the CLI's data folder, with that folder's own token. */
function serveCli() {
  return startTestLake(dir, {command: 'test server', token: lakeToken(dir), datasets: ['cli']})
}

describe('npm run lake', () => {
  it('imports and exports without a running server', async () => {
    const {stdout} = await lake('import', join(dir, 'archive.ndjson'))
    expect(stdout).toContain('Imported 2 documents into "cli" (create)')
    expect(await exportedIds()).toEqual(['question-palpitations', 'specialty-cardiology'])
  })

  it('refuses to create documents that exist, and honours --missing and --replace', async () => {
    await lake('import', join(dir, 'archive.ndjson'))
    await expect(lake('import', join(dir, 'archive.ndjson'))).rejects.toMatchObject({
      stderr: expect.stringContaining('Document by ID "specialty-cardiology" already exists'),
    })
    await lake('import', join(dir, 'archive.ndjson'), '--missing')
    const changed = NDJSON.replace('Palpitations after coffee', 'Palpitations after tea')
    await writeFile(join(dir, 'changed.ndjson'), changed)
    await lake('import', join(dir, 'changed.ndjson'), '--replace')
    const {stdout} = await lake('export', '-')
    expect(stdout).toContain('Palpitations after tea')
    expect(await exportedIds()).toHaveLength(2)
  })

  it('writes through a running server instead of fighting over the lock', async () => {
    const {server} = await serveCli()
    try {
      await lake('import', join(dir, 'archive.ndjson'))
      const client = lakeClient(server.url, 'cli', lakeToken(dir))
      expect(await client.fetch('*[_type == "question"][0].title')).toBe(
        'Palpitations after coffee',
      )
      await lake('export', join(dir, 'out.ndjson'))
      expect((await readFile(join(dir, 'out.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(2)
    } finally {
      await server.close()
    }
  })

  it('repair moves a damaged log line aside, keeps the rest, and the dataset opens again', async () => {
    await lake('import', join(dir, 'archive.ndjson'))
    // Three more transactions in the log (the import's server compacted on close).
    const storage = await DatasetStorage.open(join(dir, 'cli'), 'cli', 'test', {warn: () => {}})
    for (const n of [1, 2, 3]) {
      await storage.commit(async () => ({
        transaction: {
          id: `tx-${n}`,
          timestamp: '',
          mutations: [],
          changes: [{id: `note-${n}`, before: null, after: {_id: `note-${n}`, _type: 'note'}}],
        },
        result: null,
      }))
    }
    await storage.close({compact: false})
    const log = join(dir, 'cli', 'transactions.log')
    const text = await readFile(log, 'utf8')
    await writeFile(log, text.replace('"note-2"', '"note-X"'))

    await expect(lake('export', '-')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/transactions\.log:2: [^]*npm run lake -- repair/),
    })
    const {stdout} = await lake('repair')
    expect(stdout).toContain('line 2')
    const [aside] = (await readdir(join(dir, 'cli'))).filter((name) => name.includes('.damaged-'))
    expect(stdout).toContain(aside)
    expect(await exportedIds()).toEqual([
      'note-1',
      'note-3',
      'question-palpitations',
      'specialty-cardiology',
    ])
    expect((await lake('repair')).stdout).toContain('nothing to repair')
  })

  it('repair refuses while a server holds the dataset, naming it', async () => {
    const {server} = await serveCli()
    try {
      await expect(lake('repair')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(new RegExp(`process ${process.pid}[^]*test server`)),
      })
    } finally {
      await server.close()
    }
  })

  it('explains unknown commands', async () => {
    await expect(lake('frobnicate')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "frobnicate"'),
    })
  })
})
