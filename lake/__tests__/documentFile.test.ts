import {open, readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {crc32} from 'node:zlib'
import {describe, expect, it, vi} from 'vitest'
import {backgroundTurn, QueryBudget} from '../budget.ts'
import type {Transaction} from '../dataset.ts'
import type {LakeDocument} from '../documentIndex.ts'
import {DocumentCache, DocumentFile} from '../documentFile.ts'
import type {PlanStats} from '../planner.ts'
import {runQuery} from '../query.ts'
import {PREBUILT_SOURCES} from '../textIndex.ts'
import {DatasetStorage, type StorageOptions} from '../storage.ts'
import {commit, tempDirs} from './helpers.ts'

// Documents are kept in files (the snapshot, and a spill file for those written since) with only
// a cache of them parsed (lake/documentFile.ts). A dataset whose cache holds next to nothing must
// answer exactly as one that keeps every document parsed in memory, through writes, deletes,
// drafts, compactions and reopening; and a snapshot changed behind the lake's back is reported
// when a document is read from it, never read past.

const tempDir = tempDirs('lake-document-file-')

/** A cache of 2 KB: a few of the documents below at a time. */
const ON_DISK: StorageOptions = {unsafeNoSync: true, readChunkBytes: 211, cacheMegabytes: 2 / 1024}
const IN_MEMORY: StorageOptions = {unsafeNoSync: true, cacheMegabytes: Number.POSITIVE_INFINITY}

function question(i: number, round: number): LakeDocument {
  return {
    _id: `q${i}`,
    _type: 'question',
    _rev: `r${i}-${round}`,
    title: `Round ${round}: Kopfschmerzen nach dem Sport — question ${i} 🩺`,
    body: [
      {
        _type: 'block',
        _key: `b${i}`,
        style: 'normal',
        markDefs: [],
        children: [{_type: 'span', _key: `s${i}`, text: `Pain ${i} `.repeat(i % 7), marks: []}],
      },
    ],
    specialty: {_type: 'reference', _ref: `s${(i + round) % 3}`},
    status: i % 2 === 0 ? 'reviewed' : 'draft',
  }
}

/** Questions q0… in their first round, as new documents. */
function created(count: number): Transaction['changes'] {
  return Array.from({length: count}, (_, i) => ({id: `q${i}`, before: null, after: question(i, 0)}))
}

const QUERIES = [
  {query: '*', perspective: 'raw'},
  {query: '*[_type == "question" && specialty._ref == "s1"]{_id, title}', perspective: 'raw'},
  {query: '*[_type == "question"] | order(title desc)[0...5]{_id, "s": specialty->name}'},
  {query: '*[references("s2")]._id', perspective: 'raw'},
  {query: '*[_type == "question" && status == "reviewed"]._id', perspective: 'published'},
  {query: '*[_type == "question"]{_id, title}', perspective: 'drafts'},
  {query: '*[title match "kopfschmerzen"]._id', perspective: 'raw'},
  {query: '*[_type == "question" && !(_id in path("drafts.**"))]{_id, _rev}', perspective: 'raw'},
  {query: 'count(*[_type == "question" && _id > "q3"])', perspective: 'published'},
] as const

async function answers(storage: DatasetStorage) {
  const results: unknown[] = []
  for (const {query, ...options} of QUERIES)
    results.push(await runQuery(storage.dataset, query, options))
  return results
}

describe('documents kept on disk', () => {
  it('answer as documents kept in memory do, through writes, compactions and reopening', async () => {
    const [diskDir, memoryDir] = [await tempDir(), await tempDir()]
    let disk = await DatasetStorage.open(diskDir, 'test', 'test', ON_DISK)
    let memory = await DatasetStorage.open(memoryDir, 'test', 'test', IN_MEMORY)
    expect(disk.dataset.raw.keptOnDisk).toBe(true)
    expect(memory.dataset.raw.keptOnDisk).toBe(false)
    const both = async (changes: (raw: DatasetStorage) => Transaction['changes']) => {
      await commit(disk, changes(disk))
      await commit(memory, changes(memory))
      expect(await answers(disk)).toEqual(await answers(memory))
    }
    const before = (storage: DatasetStorage, id: string) => storage.dataset.raw.get(id) ?? null

    await both(() =>
      [0, 1, 2].map((s) => ({
        id: `s${s}`,
        before: null,
        after: {_id: `s${s}`, _type: 'specialty', name: `Spécialité ${s}`},
      })),
    )
    await both((storage) =>
      Array.from({length: 60}, (_, i) => ({
        id: `q${i}`,
        before: before(storage, `q${i}`),
        after: question(i, 0),
      })),
    )
    // The cache holds a few documents: the rest are read back from the spill file.
    expect(disk.dataset.raw.cacheSize().bytes).toBeLessThanOrEqual(2048)
    expect(disk.dataset.raw.get('q7')).toEqual(question(7, 0))

    await disk.compact()
    await memory.compact()
    expect(await answers(disk)).toEqual(await answers(memory))

    // Rewrites, deletes and drafts after the compaction: new versions spilled, old ones unindexed.
    await both((storage) => [
      ...Array.from({length: 20}, (_, i) => ({
        id: `q${i * 3}`,
        before: before(storage, `q${i * 3}`),
        after: question(i * 3, 1),
      })),
      {id: 'q4', before: before(storage, 'q4'), after: null},
      {id: 'drafts.q5', before: null, after: {...question(5, 2), _id: 'drafts.q5'}},
    ])

    await disk.close()
    await memory.close()
    // Nothing of the spill files is left in the dataset's folder.
    expect((await readdir(diskDir)).filter((name) => name.startsWith('.spill'))).toEqual([])
    disk = await DatasetStorage.open(diskDir, 'test', 'test', ON_DISK)
    memory = await DatasetStorage.open(memoryDir, 'test', 'test', IN_MEMORY)
    expect(await answers(disk)).toEqual(await answers(memory))
    await both((storage) => [{id: 'q9', before: before(storage, 'q9'), after: question(9, 3)}])
    expect(disk.dataset.raw.get('q9')).toEqual(question(9, 3))
    await disk.close()
    await memory.close()
  })

  it('reports a snapshot line changed after opening when the document is read', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await commit(writer, created(30))
    await writer.close()
    const reader = await DatasetStorage.open(dir, 'test', 'test', {
      ...ON_DISK,
      parseInBackground: false,
    })
    // Another process changes one letter of q17's title in place (same length, so nothing moves).
    const path = join(dir, 'snapshot.ndjson')
    const text = await readFile(path)
    const at = text.indexOf('question 17 ')
    expect(at).toBeGreaterThan(0)
    const file = await open(path, 'r+')
    await file.write(Buffer.from('Q'), 0, 1, at)
    await file.close()
    expect(() => reader.dataset.raw.get('q17')).toThrow(/no longer matches its checksum/)
    expect(reader.dataset.raw.get('q16')).toEqual(question(16, 0))
    // Every id of a type, or their count, is answered from the index without reading documents.
    const ids = Array.from({length: 30}, (_, i) => `q${i}`)
    const published = {perspective: 'published'} as const
    const idsQuery = '*[_type == "question" && !(_id in path("drafts.**"))]._id'
    expect(await runQuery(reader.dataset, idsQuery, published)).toEqual(ids)
    const revisions = await runQuery(reader.dataset, '*[_type == "question"]{_id, _rev}')
    expect(revisions).toEqual(ids.map((_id) => ({_id, _rev: `r${_id.slice(1)}-0`})))
    expect(await runQuery(reader.dataset, '*[_type == "question"]{_id, _type}')).toHaveLength(30)
    expect(await runQuery(reader.dataset, 'count(*[_type == "question" && _id > "q2"])')).toBe(
      ids.filter((id) => id > 'q2').length,
    )
    // A thread page (a lookup per row of what references it) reads its own documents only.
    const page = '*[_type == "question" && _id == "q3"][0]{title, "refs": *[references(^._id)]._id}'
    expect(await runQuery(reader.dataset, page, published)).toEqual({
      title: question(3, 0).title,
      refs: [],
    })
    await expect(runQuery(reader.dataset, '*[_type == "question"].title')).rejects.toThrow(
      /no longer matches its checksum/,
    )
    await reader.close({compact: false})
  })

  it('caches a document on its second read only, so scans pass through', async () => {
    const dir = await tempDir()
    const options = {...ON_DISK, cacheMegabytes: 1, parseInBackground: false}
    const writer = await DatasetStorage.open(dir, 'test', 'test', options)
    await commit(writer, created(50))
    // Written documents are remembered (a read soon after lets them in), not cached.
    expect(writer.dataset.raw.cacheSize().documents).toBe(0)
    await writer.close()
    const storage = await DatasetStorage.open(dir, 'test', 'test', options)
    const {raw} = storage.dataset
    expect(await runQuery(storage.dataset, 'count(*[defined(title)])')).toBe(50)
    expect(await runQuery(storage.dataset, 'count(*[defined(title)])')).toBe(50)
    expect(raw.cacheSize().documents).toBe(0) // two full scans let nothing in
    const title = '*[_id == "q3"][0].title'
    expect(await runQuery(storage.dataset, title)).toBe(question(3, 0).title)
    expect(raw.cacheSize().documents).toBe(0)
    expect(await runQuery(storage.dataset, title)).toBe(question(3, 0).title)
    expect(raw.cacheSize().documents).toBe(1)
    expect(raw.get('q3')).toBe(raw.get('q3'))
    await storage.close({compact: false})
  })
})

describe('snapshot lines without a revision', () => {
  it('are read for queries of revisions, and a compaction adds theirs', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await commit(writer, created(12))
    const query = '*[_type == "question"]{_id, _rev}'
    const expected = await runQuery(writer.dataset, query)
    await writer.close()
    // Rewrite the snapshot as a version before revisions were in the index part wrote it.
    const path = join(dir, 'snapshot.ndjson')
    const lines = (await readFile(path, 'utf8')).split('\n')
    const older = lines.map((line) => {
      const tab = line.indexOf('\t')
      if (!line.startsWith('[', 9) || tab < 0) return line
      const head = JSON.parse(line.slice(9, tab)) as unknown[]
      expect(head).toHaveLength(6)
      const content = `${JSON.stringify(head.slice(0, 4))}${line.slice(tab)}`
      return `${crc32(content).toString(16).padStart(8, '0')} ${content}`
    })
    await writeFile(path, older.join('\n'))
    const reader = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    expect(await runQuery(reader.dataset, query)).toEqual(expected)
    await reader.compact()
    const compacted = (await readFile(path, 'utf8')).split('\n')[1] ?? ''
    expect(JSON.parse(compacted.slice(9, compacted.indexOf('\t')))).toHaveLength(6)
    expect(await runQuery(reader.dataset, query)).toEqual(expected)
    await reader.close({compact: false})
  })
})

describe('DocumentCache', () => {
  it('lets a value in on its second offer and evicts the least recently used past its limit', () => {
    const cache = new DocumentCache<string>(10)
    cache.offer('a', 'A', 4)
    expect(cache.peek('a')).toBeUndefined()
    cache.offer('a', 'A', 4)
    cache.remember('b')
    cache.offer('b', 'B', 4)
    expect(cache.size).toEqual({documents: 2, bytes: 8})
    expect(cache.get('a')).toBe('A') // now b is the least recently used
    cache.set('c', 'C', 4)
    expect([cache.peek('a'), cache.peek('b'), cache.peek('c')]).toEqual(['A', undefined, 'C'])
    expect(cache.size).toEqual({documents: 2, bytes: 8})
    cache.delete('a')
    expect(cache.size).toEqual({documents: 1, bytes: 4})
  })
})

describe('key columns', () => {
  /** Questions with the odd values key columns must keep apart: objects, nulls, refless items. */
  function tagged(i: number, round: number): LakeDocument {
    const tags = [
      [{_key: 'a', _ref: 't1'}, {_key: 'b'}],
      'not an array',
      [
        {_key: 'a', _ref: 't2'},
        {_key: 'b', _ref: 't1'},
      ],
      [{_key: 'a', _ref: null}],
    ][(i + round) % 5]
    const askedAt = [{on: '2020'}, null, `2021-0${(i % 9) + 1}-01`, i, undefined][i % 5]
    return {
      ...question(i, round),
      ...(tags === undefined ? {} : {tags}),
      ...(askedAt === undefined ? {} : {askedAt}),
    }
  }
  const RANKED = [
    '*[_type == "question" && references($refs)] | order(count(tags[_ref in $tags]) desc, select(specialty._ref == "s1" => 1, 0) desc, askedAt desc, _id asc)[0...7]{_id, askedAt}',
    '*[_type == "question"] | order(select(askedAt == null => 1, 0) desc, count(tags[_ref in [null]]) desc, _id)[0...5]._id',
  ]
  const params = {refs: ['s0', 's1', 't1', 't2'], tags: ['t1', 't2']}

  async function expectPlainAnswers(storage: DatasetStorage) {
    for (const query of RANKED) {
      const plain = await runQuery(storage.dataset, query, {params, plain: true})
      expect(await runQuery(storage.dataset, query, {params}), query).toEqual(plain)
    }
  }

  it('are kept in the snapshot: ready when it opens, current through writes and compactions', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await commit(
      writer,
      Array.from({length: 30}, (_, i) => ({id: `q${i}`, before: null, after: tagged(i, 0)})),
    )
    await expectPlainAnswers(writer) // asks for the columns
    await writer.dataset.raw.indexesBuilt()
    await writer.close()
    const header = JSON.parse(
      (await readFile(join(dir, 'snapshot.ndjson'), 'utf8')).slice(9, 9 + 4096).split('\n')[0] ??
        '',
    ) as {keyColumns: unknown}
    expect(header.keyColumns).toEqual(
      expect.arrayContaining([
        {path: ['tags'], refs: true},
        {path: ['specialty', '_ref'], refs: false},
        {path: ['askedAt'], refs: false},
      ]),
    )

    const reader = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    // Read from the snapshot lines, not built from the documents after opening.
    expect(reader.dataset.raw.keyColumn(['tags'], true)).toBeDefined()
    expect(reader.dataset.raw.keyColumn(['askedAt'], false)).toBeDefined()
    await expectPlainAnswers(reader)
    await commit(reader, [
      {id: 'q3', before: tagged(3, 0), after: tagged(3, 2)},
      {id: 'q40', before: null, after: tagged(40, 1)},
    ])
    await expectPlainAnswers(reader)
    await reader.compact()
    await expectPlainAnswers(reader)
    await reader.close()

    const again = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    expect(again.dataset.raw.keyColumn(['specialty', '_ref'], false)).toBeDefined()
    await expectPlainAnswers(again)
    await again.close({compact: false})
  })
})

describe('reading many documents from disk', () => {
  /** The longest the event loop went without a turn while `work` ran, and how long it ran. */
  async function longestHold(work: () => Promise<unknown>) {
    const started = performance.now()
    let last = started
    let longest = 0
    let running = true
    const turn = () => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
      if (running) setImmediate(turn)
    }
    setImmediate(turn)
    await work()
    running = false
    return {longest, total: performance.now() - started}
  }

  it('reads them between yield points: other requests are answered meanwhile', async () => {
    const dir = await tempDir()
    const storage = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    const body = 'A longer question text, read from disk for every document. '.repeat(12)
    await commit(
      storage,
      Array.from({length: 12_000}, (_, i) => {
        const after = question(i, 0)
        const block = (after.body as {children: {text: string}[]}[])[0]
        if (block?.children[0]) block.children[0].text = body
        return {id: after._id, before: null, after}
      }),
    )
    await storage.compact()
    // Stubs with the status column (built once asked for) stand in for the documents.
    const stubbed = '*[_type == "question" && status != "archived"]._id'
    await runQuery(storage.dataset, stubbed)
    await storage.dataset.raw.indexesBuilt()
    for (const query of [
      // A scan (no index applies), a large candidate set (every question), as many stubs.
      '*[pt::text(body) != "" && defined(status)]._id',
      '*[_type == "question" && pt::text(body) != ""]._id',
      stubbed,
    ]) {
      const {longest, total} = await longestHold(async () => {
        const answer = await runQuery(storage.dataset, query, {timeoutMs: 60_000})
        expect(answer).toHaveLength(12_000)
      })
      // Read at once, the documents would hold the loop for most of the query.
      expect(longest, query).toBeLessThan(total / 5)
    }
    await storage.close({compact: false})
  })
})

describe('references as references() finds them', () => {
  // groq-js stops at an object with a truthy `_ref`: nothing inside a reference is one.
  const NESTED: LakeDocument[] = [
    {
      _id: 'n1',
      _type: 'question',
      link: {_ref: 'a', inner: {_ref: 'b'}},
      odd: {_ref: 5, under: {_ref: 'c'}},
    },
    {_id: 'n2', _type: 'question', link: {_type: 'reference', _ref: 'b'}},
    {_id: 'n3', _type: 'question', list: [[{_ref: 'c'}]]},
  ]
  const QUERIES = [
    '*[references("b")]._id',
    '*[references("c")]._id',
    '*[_type == "question"] | score(references(["b", "c"]), boost(references("a"), 2)) [_score > 0] {_id, _score} | order(_score desc, _id)[0...5]',
  ]
  async function expectPlain(storage: DatasetStorage) {
    for (const query of QUERIES) {
      const stats: PlanStats = {indexed: 0, scans: 0, orderedPrefix: 0, firstMatches: 0}
      expect(await runQuery(storage.dataset, query, {stats}), query).toEqual(
        await runQuery(storage.dataset, query, {plain: true}),
      )
      // The scores were predicted right from the index (a wrong one is caught, at a cost).
      expect(stats.scoreMismatches ?? 0, query).toBe(0)
    }
  }

  it('are indexed exactly, and lines of older snapshots (every _ref) are read and rewritten', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await commit(
      writer,
      NESTED.map((after) => ({id: after._id, before: null, after})),
    )
    await expectPlain(writer)
    await writer.close()
    const path = join(dir, 'snapshot.ndjson')
    const indexPart = (line: string) => JSON.parse(line.slice(9, line.indexOf('\t'))) as unknown[]
    const lines = (await readFile(path, 'utf8')).split('\n')
    expect(indexPart(lines.find((line) => line.includes('"n1"')) ?? '')[2]).toEqual(['a'])
    // As a version before `references: "groq"` wrote it: every _ref, also inside references.
    const older = lines.map((line, i) => {
      let content = line.slice(9)
      if (i === 0) {
        const header = JSON.parse(content) as Record<string, unknown>
        delete header.references
        content = JSON.stringify(header)
      } else if (line.includes('"n1"')) {
        const head = indexPart(line)
        head[2] = ['a', 'b', 'c']
        content = `${JSON.stringify(head)}${line.slice(line.indexOf('\t'))}`
      } else return line
      return `${crc32(content).toString(16).padStart(8, '0')} ${content}`
    })
    await writeFile(path, older.join('\n'))
    const reader = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await expectPlain(reader)
    await reader.compact()
    const compacted = (await readFile(path, 'utf8')).split('\n')
    expect(JSON.parse(compacted[0]?.slice(9) ?? '')).toMatchObject({references: 'groq'})
    expect(indexPart(compacted.find((line) => line.includes('"n1"')) ?? '')[2]).toEqual(['a'])
    await expectPlain(reader)
    await reader.close({compact: false})
  })
})

describe('background index builds', () => {
  it('build the text indexes searches need in one read of each document', async () => {
    const dir = await tempDir()
    const writer = await DatasetStorage.open(dir, 'test', 'test', ON_DISK)
    await commit(writer, created(40))
    await writer.close()
    const storage = await DatasetStorage.open(dir, 'test', 'test', {
      ...ON_DISK,
      parseInBackground: false,
    })
    const reads = vi.spyOn(DocumentFile.prototype, 'read')
    try {
      await storage.dataset.raw.prepareText(PREBUILT_SOURCES)
      // Five indexes, one pass: a read per document (five per document before).
      expect(PREBUILT_SOURCES.length).toBeGreaterThan(1)
      expect(reads).toHaveBeenCalledTimes(40)
      for (const source of PREBUILT_SOURCES)
        expect(storage.dataset.raw.textIndex(source)).toBeDefined()
      expect(await runQuery(storage.dataset, 'count(*[title match "question"])')).toBe(40)
    } finally {
      reads.mockRestore()
      await storage.close({compact: false})
    }
  })

  it('give way to running queries: a slice per spacing slot, shared by every build', async () => {
    const order: string[] = []
    const race = (label: string, turn: Promise<void>) => turn.then(() => order.push(label))
    const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
    // No query for a while: the next turn of the event loop, before any timer.
    await timer(60)
    await Promise.all([race('idle build', backgroundTurn()), race('5 ms timer', timer(5))])
    // A query running: background slices wait for spaced slots, one build after the other.
    const budget = new QueryBudget(1000)
    await Promise.all([
      race('first build', backgroundTurn()),
      race('second build', backgroundTurn()),
      race('5 ms timer', timer(5)),
      race('30 ms timer', timer(30)),
    ])
    budget.done()
    expect(order).toEqual([
      'idle build',
      '5 ms timer',
      '5 ms timer',
      'first build',
      '30 ms timer',
      'second build',
    ])
  })
})
