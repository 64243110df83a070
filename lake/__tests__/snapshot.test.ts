import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'
import {Dataset} from '../dataset.ts'
import {collectReferences, type LakeDocument, Unparsed} from '../documentIndex.ts'
import {runQuery} from '../query.ts'
import {DatasetStorage} from '../storage.ts'
import {commit, tempDirs} from './helpers.ts'

// Snapshots are read in chunks and their documents left unparsed until first read (or parsed in
// the background): lines split across chunks, multi-byte text at chunk edges, documents written
// back unparsed by a compaction, and format-1 and format-2 snapshots must all come back exactly.

const tempDir = tempDirs('lake-snapshot-')

function documents(): LakeDocument[] {
  const docs: LakeDocument[] = []
  for (let i = 0; i < 40; i++) {
    docs.push({
      _id: `q${i}`,
      _type: 'question',
      title: `Ça fait mal — 頭痛 ${i} 🩺`.repeat((i % 4) + 1),
      specialty: {_type: 'reference', _ref: `s${i % 3}`},
      similar: i > 0 ? [{_key: `k${i}`, question: {_type: 'reference', _ref: `q${i - 1}`}}] : [],
    })
    docs.push({_id: `drafts.q${i}`, _type: 'question', title: `draft ${i}`})
  }
  for (let s = 0; s < 3; s++) docs.push({_id: `s${s}`, _type: 'specialty', name: `Spécialité ${s}`})
  return docs
}

/** A format-3 snapshot's header: its first line after the checksum and space. */
function headerOf(text: string): unknown {
  return JSON.parse(text.slice(9, text.indexOf('\n')))
}

// Every document parsed in memory once read (no cache limit), and background parsing off, so
// tests see what queries parsed (one test turns it on). Documents kept on disk: documentFile.test.ts.
const OPTIONS = {
  unsafeNoSync: true,
  readChunkBytes: 97,
  parseInBackground: false,
  cacheMegabytes: Number.POSITIVE_INFINITY,
}

async function snapshotOf(storage: DatasetStorage) {
  return {
    raw: await runQuery(storage.dataset, '*', {perspective: 'raw'}),
    drafts: await runQuery(storage.dataset, '*[_type == "question"]{_id, title}', {
      perspective: 'drafts',
    }),
    referencing: await runQuery(storage.dataset, '*[references("s1")]._id', {perspective: 'raw'}),
  }
}

describe('snapshots', () => {
  it('reopen exactly, documents unparsed until read, lines split across small chunks', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    await commit(
      writer,
      documents().map((after) => ({id: after._id, before: null, after})),
    )
    const expected = await snapshotOf(writer)
    await writer.close() // compacts into snapshot.ndjson
    const text = await readFile(join(dir, 'snapshot.ndjson'), 'utf8')
    expect(headerOf(text)).toMatchObject({format: 3})

    const reader = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    // Opened without parsing: the indexes answer from the snapshot's index part.
    expect(reader.dataset.raw.unparsedCount).toBe(
      Array.isArray(expected.raw) ? expected.raw.length : -1,
    )
    expect(await runQuery(reader.dataset, '*[references("s1")]._id', {perspective: 'raw'})).toEqual(
      expected.referencing,
    )
    expect(await snapshotOf(reader)).toEqual(expected)
    expect(reader.dataset.raw.unparsedCount).toBe(0)

    // Changes to documents that were never parsed unindex their old references.
    const reopened = await (async () => {
      await reader.close({compact: false})
      return DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    })()
    await commit(reopened, [
      {id: 'q4', before: null, after: {_id: 'q4', _type: 'question', title: 'moved'}},
    ])
    expect(
      await runQuery(reopened.dataset, '*[references("s1")]._id', {perspective: 'raw'}),
    ).not.toContain('q4')
    // A compaction copies unparsed lines as they are and rewrites changed ones.
    await reopened.compact()
    const after = await snapshotOf(reopened)
    await reopened.close({compact: false})
    const again = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    expect(await snapshotOf(again)).toEqual(after)
    await again.close({compact: false})
  })

  it('parses the rest in the background after opening', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    await commit(
      writer,
      documents().map((after) => ({id: after._id, before: null, after})),
    )
    await writer.close()
    const reader = await DatasetStorage.open(dir, 'test', 'test', {
      ...OPTIONS,
      parseInBackground: true,
    })
    expect(reader.dataset.raw.unparsedCount).toBeGreaterThan(0)
    for (let tries = 0; reader.dataset.raw.unparsedCount > 0 && tries < 100; tries++)
      await sleep(10)
    expect(reader.dataset.raw.unparsedCount).toBe(0)
    await reader.close({compact: false})
  })

  it('reads format-1 snapshots (one document per line) and rewrites them as format 3', async () => {
    const dir = await tempDir()
    const docs = documents()
    await writeFile(
      join(dir, 'snapshot.ndjson'),
      `${[JSON.stringify({seq: 7, format: 1}), ...docs.map((doc) => JSON.stringify(doc))].join('\n')}\n`,
    )
    const storage = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    expect(storage.dataset.seq).toBe(7)
    expect(await runQuery(storage.dataset, '*', {perspective: 'raw'})).toEqual(docs)
    await storage.close({compact: false})
    // Rewritten on open, so the next start verifies its checksums.
    const text = await readFile(join(dir, 'snapshot.ndjson'), 'utf8')
    expect(headerOf(text)).toEqual({
      seq: 7,
      format: 3,
      valuePaths: [],
      keyColumns: [],
      references: 'groq',
      documents: docs.length,
    })
    const reopened = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    expect(await runQuery(reopened.dataset, '*', {perspective: 'raw'})).toEqual(docs)
    await reopened.close({compact: false})
  })

  it('reads format-2 snapshots (no checksums) with their value indexes', async () => {
    const dir = await tempDir()
    const docs = documents()
    const paths = [['specialty', '_ref']]
    const specialtyOf = ({specialty}: LakeDocument) =>
      typeof specialty === 'object' && specialty !== null && '_ref' in specialty
        ? specialty._ref
        : null
    const lines = docs.map((doc) => {
      const head = [doc._id, doc._type, [...collectReferences(doc)], [specialtyOf(doc)]]
      return `${JSON.stringify(head)}\t${JSON.stringify(doc)}`
    })
    await writeFile(
      join(dir, 'snapshot.ndjson'),
      `${[JSON.stringify({seq: 3, format: 2, valuePaths: paths}), ...lines].join('\n')}\n`,
    )
    const storage = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    expect(storage.dataset.seq).toBe(3)
    expect(await runQuery(storage.dataset, '*', {perspective: 'raw'})).toEqual(docs)
    const bySpecialty = '*[specialty._ref == "s1"]._id'
    const expected = docs.filter((doc) => specialtyOf(doc) === 's1')
    expect(await runQuery(storage.dataset, bySpecialty)).toEqual(expected.map((doc) => doc._id))
    await storage.close({compact: false})
    const text = await readFile(join(dir, 'snapshot.ndjson'), 'utf8')
    expect(headerOf(text)).toEqual({
      seq: 3,
      format: 3,
      valuePaths: paths,
      keyColumns: [],
      references: 'groq',
      documents: docs.length,
    })
  })

  it('refuses a snapshot format newer than it reads, and a line without its index part', async () => {
    const newer = await tempDir()
    await writeFile(join(newer, 'snapshot.ndjson'), `${JSON.stringify({seq: 1, format: 9})}\n`)
    await expect(DatasetStorage.open(newer, 'test', 'test', OPTIONS)).rejects.toThrow(/format 9/)
    const broken = await tempDir()
    await writeFile(
      join(broken, 'snapshot.ndjson'),
      `${JSON.stringify({seq: 1, format: 2})}\n{"_id":"a","_type":"x"}\n`,
    )
    await expect(DatasetStorage.open(broken, 'test', 'test', OPTIONS)).rejects.toThrow(/:2: no tab/)
  })

  it('parses only the documents a planned query reads; a scan parses the rest', async () => {
    const dataset = new Dataset('lazy')
    for (const document of documents()) {
      const json = Buffer.from(JSON.stringify(document))
      const refs = [...collectReferences(document)]
      dataset.raw.putUnparsed(
        document._id,
        document._type,
        refs,
        [],
        new Unparsed(json, 0, 0, json.length, '[]', document._type),
      )
    }
    const total = dataset.raw.unparsedCount
    expect(
      await runQuery(dataset, '*[_id == "q3"][0].specialty->name', {perspective: 'published'}),
    ).toBe('Spécialité 0')
    expect(dataset.raw.unparsedCount).toBe(total - 2)
    expect(await runQuery(dataset, 'count(*[title match "draft"])', {perspective: 'raw'})).toBe(40)
    expect(dataset.raw.unparsedCount).toBe(0)
  })

  it('keeps value indexes in the snapshot, so a reopened lake answers them without parsing', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    await commit(
      writer,
      documents().map((after) => ({id: after._id, before: null, after})),
    )
    const bySpecialty = '*[_type == "question" && specialty._ref == $s]._id'
    const expected = await runQuery(writer.dataset, bySpecialty, {params: {s: 's2'}})
    const byTitle = '*[title == $t]._id'
    const title = documents().find((doc) => doc._id === 'q5')?.title
    const titled = await runQuery(writer.dataset, byTitle, {params: {t: title}})
    expect(titled).toEqual(['q5'])
    await writer.close() // the snapshot now stores every document's specialty._ref and title

    const reader = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    const total = reader.dataset.raw.unparsedCount
    expect(await runQuery(reader.dataset, bySpecialty, {params: {s: 's2'}})).toEqual(expected)
    // Nothing was parsed: candidates from the value index, filtered on their stubs and the
    // specialty key column (kept in the snapshot too); building the index would have parsed all.
    expect(reader.dataset.raw.unparsedCount).toBe(total)
    expect(await runQuery(reader.dataset, byTitle, {params: {t: title}})).toEqual(titled)
    // A changed document leaves the index it was loaded into; a compaction copies the lines of
    // documents still unparsed, values included, and reopening reads them back.
    await commit(reader, [
      {
        id: 'q2',
        before: null,
        after: {_id: 'q2', _type: 'question', specialty: {_type: 'reference', _ref: 's0'}},
      },
    ])
    const changed = await runQuery(reader.dataset, bySpecialty, {params: {s: 's2'}})
    expect(changed).toEqual((expected as string[]).filter((id) => id !== 'q2'))
    await reader.close()
    const again = await DatasetStorage.open(dir, 'test', 'test', OPTIONS)
    expect(await runQuery(again.dataset, bySpecialty, {params: {s: 's2'}})).toEqual(changed)
    expect(await runQuery(again.dataset, bySpecialty, {params: {s: 's0'}})).toContain('q2')
    expect(again.dataset.raw.unparsedCount).toBeGreaterThan(0)
    // Values read from the snapshot equal the values read from the parsed documents.
    const plain = await runQuery(again.dataset, bySpecialty, {params: {s: 's1'}, plain: true})
    expect(await runQuery(again.dataset, bySpecialty, {params: {s: 's1'}})).toEqual(plain)
    await again.close({compact: false})
  })
})
