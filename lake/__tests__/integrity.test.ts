import {chmod, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {Transaction} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {DatasetLockedError} from '../lock.ts'
import {DatasetStorage, StorageDamagedError, type StorageOptions} from '../storage.ts'
import {localCertificate} from '../tls.ts'
import {commit, tempDirs} from './helpers.ts'

// Damaged files are reported, never read past or cut silently: a damaged log line or snapshot line
// stops the dataset from opening (naming file, line and byte offset), a torn last log line (a
// crash mid-append) is moved aside and reported, and `repair` keeps every intact transaction and
// document while moving the damaged bytes aside.

const tempDir = tempDirs('lake-integrity-')

/** Collects what the storage reports instead of printing it. */
function reporting(): {options: StorageOptions; messages: string[]} {
  const messages: string[] = []
  return {
    options: {unsafeNoSync: true, readChunkBytes: 61, warn: (message) => messages.push(message)},
    messages,
  }
}

const QUIET = reporting().options

/** Transaction n creates doc-n and sets the shared counter to n. */
function changesOf(n: number): Transaction['changes'] {
  return [
    {id: `doc-${n}`, before: null, after: {_id: `doc-${n}`, _type: 'entry', n}},
    {id: 'counter', before: null, after: {_id: 'counter', _type: 'counter', n}},
  ]
}

/** A dataset whose log holds transactions 1..count (nothing compacted). */
async function datasetWithLog(count: number): Promise<string> {
  const dir = join(await tempDir(), 'data')
  const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
  for (let n = 1; n <= count; n++) await commit(storage, changesOf(n))
  await storage.close({compact: false})
  return dir
}

/** Byte ranges of a file's newline-terminated lines. */
function lineRanges(data: Buffer): {start: number; end: number}[] {
  const ranges: {start: number; end: number}[] = []
  for (let start = 0, end = data.indexOf(10); end >= 0; end = data.indexOf(10, start)) {
    ranges.push({start, end})
    start = end + 1
  }
  return ranges
}

/** Overwrites `text` (first occurrence inside line `line`, 1-based) with `replacement`. */
async function damage(path: string, line: number, text: string, replacement: string) {
  const data = await readFile(path)
  const range = lineRanges(data)[line - 1]
  if (!range) throw new Error(`${path} has no line ${line}`)
  const at = data.indexOf(text, range.start)
  if (at < 0 || at >= range.end) throw new Error(`line ${line} has no "${text}"`)
  expect(replacement.length).toBe(text.length)
  data.write(replacement, at)
  await writeFile(path, data)
  return {offset: range.start, bytes: data.subarray(range.start, range.end + 1)}
}

async function openError(dir: string): Promise<unknown> {
  return DatasetStorage.open(dir, 'data', 'test', QUIET).then(
    async (storage) => {
      await storage.close({compact: false})
      return undefined
    },
    (error: unknown) => error,
  )
}

async function asideFiles(dir: string, prefix: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith(prefix)).sort()
}

async function documentsOf(dir: string): Promise<Map<string, LakeDocument>> {
  const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
  try {
    return new Map(storage.dataset.raw.documents().map((document) => [document._id, document]))
  } finally {
    await storage.close({compact: false})
  }
}

describe('transaction log integrity', () => {
  it('refuses to open a log with a damaged line in the middle, naming file, line and offset', async () => {
    const dir = await datasetWithLog(10)
    const log = join(dir, 'transactions.log')
    const {offset} = await damage(log, 4, '"docs":', 'XXXXXXX')
    const before = await readFile(log)

    const error = await openError(dir)
    expect(error).toBeInstanceOf(StorageDamagedError)
    const message = error instanceof Error ? error.message : ''
    expect(message).toContain(`${log}:4:`)
    expect(message).toContain(`byte offset ${offset}`)
    expect(message).toContain('npm run lake -- repair')
    // Nothing was cut: the six transactions after the damage are still in the file.
    expect(await readFile(log)).toEqual(before)
  })

  it('refuses a complete line whose checksum fails, even the last one', async () => {
    const dir = await datasetWithLog(10)
    const log = join(dir, 'transactions.log')
    // Still valid JSON: only the checksum can tell.
    const {offset} = await damage(log, 10, '"n":10', '"n":19')
    const error = await openError(dir)
    expect(error).toBeInstanceOf(StorageDamagedError)
    expect(String(error)).toContain(`${log}:10:`)
    expect(String(error)).toContain(`byte offset ${offset}`)
    expect(String(error)).toMatch(/checksum/)
  })

  it('moves a torn last line aside, reports it and opens', async () => {
    const dir = await datasetWithLog(3)
    const log = join(dir, 'transactions.log')
    const intact = await readFile(log)
    const last = lineRanges(intact).at(-1) ?? {start: 0, end: 0}
    const torn = intact.subarray(last.start, last.start + ((last.end - last.start) >> 1))
    await writeFile(log, Buffer.concat([intact, torn]))

    const {options, messages} = reporting()
    const storage = await DatasetStorage.open(dir, 'data', 'test', options)
    expect(storage.dataset.seq).toBe(3)
    await storage.close({compact: false})
    expect(await readFile(log)).toEqual(intact)
    const [aside, ...more] = await asideFiles(dir, 'transactions.log.torn-')
    expect(more).toEqual([])
    expect(await readFile(join(dir, aside ?? ''))).toEqual(torn)
    expect(messages.join('\n')).toContain(log)
    expect(messages.join('\n')).toContain(`byte offset ${intact.length}`)
    expect(messages.join('\n')).toContain(join(dir, aside ?? ''))
  })

  it('reads logs written without checksums by earlier versions', async () => {
    const dir = join(await tempDir(), 'data')
    await mkdir(dir)
    const lines = [1, 2].map((n) =>
      JSON.stringify({
        seq: n,
        id: `tx-${n}`,
        timestamp: '',
        docs: changesOf(n).map((change) => [change.id, change.after]),
      }),
    )
    await writeFile(join(dir, 'transactions.log'), `${lines.join('\n')}\n`)
    const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    expect(storage.dataset.seq).toBe(2)
    await commit(storage, changesOf(3))
    await storage.close({compact: false})
    expect((await documentsOf(dir)).get('counter')?.n).toBe(3)
  })

  it('repair keeps every intact transaction, also after the damage, and moves the damaged bytes aside', async () => {
    const dir = await datasetWithLog(10)
    const log = join(dir, 'transactions.log')
    const {bytes} = await damage(log, 4, '"docs":', 'XXXXXXX')
    const damaged = Buffer.from(bytes)

    const report = await DatasetStorage.repair(dir, 'data', 'test repair', QUIET)
    expect(report.changed).toBe(true)
    const [aside, ...more] = await asideFiles(dir, 'transactions.log.damaged-')
    expect(more).toEqual([])
    expect(await readFile(join(dir, aside ?? ''))).toEqual(damaged)
    const notes = report.notes.join('\n')
    expect(notes).toContain('line 4')
    expect(notes).toContain(join(dir, aside ?? ''))
    expect(notes).toMatch(/transaction 4 is missing/)
    expect(notes).toContain('9 intact transactions')

    // Transactions 5..10 survived the damage before them; 4 is the only one missing.
    const documents = await documentsOf(dir)
    for (const n of [1, 2, 3, 5, 6, 7, 8, 9, 10]) expect(documents.get(`doc-${n}`)?.n).toBe(n)
    expect(documents.has('doc-4')).toBe(false)
    expect(documents.get('counter')?.n).toBe(10)
    // Nothing left to repair.
    expect((await DatasetStorage.repair(dir, 'data', 'test repair', QUIET)).changed).toBe(false)
  })

  it('repair refuses a dataset another process holds', async () => {
    const dir = await datasetWithLog(1)
    const holder = await DatasetStorage.open(dir, 'data', 'test server', QUIET)
    try {
      await expect(DatasetStorage.repair(dir, 'data', 'test repair', QUIET)).rejects.toThrow(
        DatasetLockedError,
      )
    } finally {
      await holder.close({compact: false})
    }
  })
})

const DOCUMENTS: LakeDocument[] = Array.from({length: 30}, (_, i) => ({
  _id: `q${i}`,
  _type: 'question',
  title: `Question ${i} — 頭痛 🩺`,
  specialty: {_type: 'reference', _ref: `s${i % 3}`},
}))

/** A dataset whose documents are all in snapshot.ndjson (empty log). */
async function datasetWithSnapshot(): Promise<string> {
  const dir = join(await tempDir(), 'data')
  const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
  await commit(
    storage,
    DOCUMENTS.map((after) => ({id: after._id, before: null, after})),
  )
  await storage.close()
  return dir
}

/** The snapshot line (1-based) holding document `id`. */
async function snapshotLineOf(dir: string, id: string): Promise<number> {
  const lines = (await readFile(join(dir, 'snapshot.ndjson'), 'utf8')).split('\n')
  return lines.findIndex((line) => line.includes(`"${id}"`)) + 1
}

describe('snapshot integrity', () => {
  it('reports a flipped byte in a document at open, with file, line and offset', async () => {
    const dir = await datasetWithSnapshot()
    const line = await snapshotLineOf(dir, 'q7')
    const {offset} = await damage(join(dir, 'snapshot.ndjson'), line, 'Question 7', 'Question 8')
    const error = await openError(dir)
    expect(error).toBeInstanceOf(StorageDamagedError)
    expect(String(error)).toContain(`${join(dir, 'snapshot.ndjson')}:${line}:`)
    expect(String(error)).toContain(`byte offset ${offset}`)
  })

  it('reports a document that does not parse at open, not when it is parsed later', async () => {
    const dir = await datasetWithSnapshot()
    const line = await snapshotLineOf(dir, 'q9')
    await damage(join(dir, 'snapshot.ndjson'), line, '"title":', '"title"X')
    expect(String(await openError(dir))).toContain(`snapshot.ndjson:${line}:`)
  })

  it('reports a snapshot cut short, at a line boundary or inside a line', async () => {
    const dir = await datasetWithSnapshot()
    const path = join(dir, 'snapshot.ndjson')
    const data = await readFile(path)
    const ranges = lineRanges(data)
    const keep = ranges[ranges.length - 4]?.end ?? 0
    await writeFile(path, data.subarray(0, keep + 1))
    // The header says how many documents there were, so the report says how many went missing.
    expect(String(await openError(dir))).toMatch(
      /snapshot\.ndjson:\d+: .*cut short, and 2 of its 30 documents are missing entirely/,
    )
    await writeFile(path, data.subarray(0, keep - 5))
    expect(String(await openError(dir))).toMatch(/snapshot\.ndjson:\d+: .*cut short/)
  })

  it('reports a damaged line of a format-2 snapshot (no checksums) at open', async () => {
    const dir = join(await tempDir(), 'data')
    await mkdir(dir)
    const lines = DOCUMENTS.slice(0, 3).map(
      (doc) => `${JSON.stringify([doc._id, doc._type, []])}\t${JSON.stringify(doc)}`,
    )
    lines[1] = (lines[1] ?? '').replace('"title":', '"title"X')
    await writeFile(
      join(dir, 'snapshot.ndjson'),
      `${[JSON.stringify({seq: 1, format: 2, valuePaths: []}), ...lines].join('\n')}\n`,
    )
    expect(String(await openError(dir))).toContain('snapshot.ndjson:3:')
  })

  it('repair rebuilds the snapshot from its intact documents and keeps the damaged file aside', async () => {
    const dir = await datasetWithSnapshot()
    const path = join(dir, 'snapshot.ndjson')
    await damage(path, await snapshotLineOf(dir, 'q7'), 'Question 7', 'Question 8')
    const damaged = await readFile(path)

    const report = await DatasetStorage.repair(dir, 'data', 'test repair', QUIET)
    const [aside] = await asideFiles(dir, 'snapshot.ndjson.damaged-')
    expect(await readFile(join(dir, aside ?? ''))).toEqual(damaged)
    expect(report.notes.join('\n')).toContain('q7')
    const documents = await documentsOf(dir)
    expect(documents.size).toBe(DOCUMENTS.length - 1)
    for (const doc of DOCUMENTS.filter((doc) => doc._id !== 'q7'))
      expect(documents.get(doc._id)).toEqual(doc)
  })
})

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8)
}

describe('file modes', () => {
  it('keeps the dataset folder and every file the lake writes readable by the owner only', async () => {
    const dataDir = await tempDir()
    const dir = join(dataDir, 'data')
    await chmod(dataDir, 0o755)
    await mkdir(dir, {mode: 0o755})
    await writeFile(join(dir, 'transactions.log'), '', {mode: 0o644})
    const storage = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    await commit(storage, changesOf(1))
    expect(await modeOf(join(dir, 'lock.json'))).toBe('600')
    await storage.close()
    // The folder above is the user's (it may be /tmp): left as it was.
    expect(await modeOf(dataDir)).toBe('755')
    expect(await modeOf(dir)).toBe('700')
    expect(await modeOf(join(dir, 'transactions.log'))).toBe('600')
    expect(await modeOf(join(dir, 'snapshot.ndjson'))).toBe('600')

    // A torn tail's side file too; and files loosened since are tightened again on open.
    await writeFile(join(dir, 'transactions.log'), '{"crc":')
    await chmod(join(dir, 'transactions.log'), 0o644)
    await chmod(join(dir, 'snapshot.ndjson'), 0o644)
    const reopened = await DatasetStorage.open(dir, 'data', 'test', QUIET)
    await reopened.close({compact: false})
    const [aside] = await asideFiles(dir, 'transactions.log.torn-')
    expect(await modeOf(join(dir, aside ?? ''))).toBe('600')
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
