import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {DocumentChange, Transaction} from '../dataset.ts'
import {createRequestHandler, type LakeRequest, type LakeResponse} from '../http.ts'
import {Lake} from '../lake.ts'
import {ListenerFilter} from '../listeners.ts'

// The bulk-write path's bookkeeping: request bodies decoded chunk by chunk, and listener events
// built per transaction.

const TOKEN = 'write-path-token-0123456789abcdefghij'

function doc(id: string, rev: string, extra: Record<string, unknown> = {}) {
  return {_id: id, _type: 'note', _rev: rev, ...extra}
}

function transaction(seq: number, changes: DocumentChange[], mutations: unknown[] = []) {
  const tx: Transaction = {
    seq,
    id: `tx${seq}`,
    timestamp: `2025-01-0${seq}T00:00:00Z`,
    mutations,
    changes,
  }
  return tx
}

describe('ListenerFilter', () => {
  const mutations = [
    {createOrReplace: {_id: 'a', _type: 'note'}},
    {patch: {id: 'b', set: {n: 1}}},
    {patch: {id: 'a', inc: {n: 1}}},
  ]
  const changes = [
    {id: 'a', before: null, after: doc('a', 'tx1', {n: 1})},
    {id: 'b', before: doc('b', 'tx0'), after: doc('b', 'tx1', {n: 1})},
  ]
  const options = {query: '*[_type == "note"]', params: {}, includeResult: false}

  it('gives each event the mutations of its own document', async () => {
    const filter = new ListenerFilter({
      ...options,
      includePreviousRevision: false,
      publicOnly: false,
    })
    const events = await filter.eventsFor(transaction(1, changes, mutations))
    expect(events.map((event) => [event.documentId, event.mutations])).toEqual([
      ['a', [mutations[0], mutations[2]]],
      ['b', [mutations[1]]],
    ])
    const byQuery = [...mutations, {delete: {query: '*[_type == "gone"]'}}]
    const withQuery = await filter.eventsFor(transaction(2, changes, byQuery))
    expect(withQuery[1]?.mutations).toEqual([mutations[1], byQuery[3]])
  })

  it('leaves mutations out when asked to (as Studio does)', async () => {
    const filter = new ListenerFilter({
      ...options,
      includePreviousRevision: false,
      includeMutations: false,
      effectFormat: 'mendoza',
      publicOnly: false,
    })
    const [event] = await filter.eventsFor(transaction(1, changes, mutations))
    expect(event).not.toHaveProperty('mutations')
    expect(event?.effects).toEqual({apply: [0, changes[0]?.after], revert: [0, null]})
  })
})

describe('request bodies', () => {
  let dir: string
  let lake: Lake

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'write-path-'))
    lake = new Lake({dataDir: dir, command: 'vitest', unsafeNoSync: true})
  })

  afterAll(async () => {
    await lake.close()
    await rm(dir, {recursive: true, force: true})
  })

  function request(url: string, chunks: Buffer[]): LakeRequest {
    return Object.assign(
      (async function* () {
        yield* chunks
      })(),
      {
        url,
        method: 'POST',
        headers: {host: '127.0.0.1', authorization: `Bearer ${TOKEN}`},
        complete: true,
        httpVersionMajor: 1,
        on: () => undefined,
      },
    )
  }

  function response() {
    const captured = {status: 0, body: ''}
    const fake: LakeResponse = {
      statusCode: 200,
      headersSent: false,
      writableLength: 0,
      destroyed: false,
      writeHead: (status: number) => (captured.status = status),
      setHeader: () => undefined,
      write: (chunk: string) => {
        captured.body += chunk
        return true
      },
      end: (chunk?: string | Uint8Array) => {
        captured.body += typeof chunk === 'string' ? chunk : Buffer.from(chunk ?? []).toString()
      },
      once: () => undefined,
      on: () => undefined,
      off: () => undefined,
      destroy: () => undefined,
    }
    return {fake, captured}
  }

  it('decodes UTF-8 split anywhere across chunks', async () => {
    const title = 'Åse Ødegård – “quotes” \u{1F9EA}'
    const body = Buffer.from(
      JSON.stringify({mutations: [{create: {_id: 'split', _type: 'note', title}}]}),
    )
    const chunks = [...body].map((byte) => Buffer.from([byte]))
    const handle = createRequestHandler(lake, {token: TOKEN})
    const {fake, captured} = response()
    await handle(request('/v2025-02-19/data/mutate/test', chunks), fake)
    expect(captured.status).toBe(200)
    const {documents} = await lake.getDocuments('test', ['split'], false)
    expect(documents[0]?.title).toBe(title)
  })

  it('refuses a body over the limit', async () => {
    const handle = createRequestHandler(lake, {token: TOKEN, maxBodyBytes: 10})
    const {fake, captured} = response()
    const chunks = [Buffer.from('{"mutations":'), Buffer.from('[]}')]
    await handle(request('/v2025-02-19/data/mutate/test', chunks), fake)
    expect(captured.status).toBe(413)
  })
})

describe('patches', () => {
  it('leave the stored version they patch as it was (they share its untouched parts)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'write-path-patch-'))
    const lake = new Lake({dataDir: dir, command: 'vitest', unsafeNoSync: true})
    try {
      const body = [
        {_key: 'b', _type: 'block', children: [{_key: 's', _type: 'span', text: 'abc'}]},
      ]
      const tags = [
        {_key: 'k1', n: 1},
        {_key: 'k2', n: 2},
      ]
      await lake.mutate('test', [
        {
          create: {
            _id: 'p',
            _type: 'note',
            title: 'hello world',
            n: 1,
            body,
            tags,
            deep: {a: {b: 1}},
          },
        },
      ])
      const {dataset} = await lake.storage('test')
      const operations = [
        {set: {title: 'x', 'deep.a.b': 2, 'tags[_key=="k1"].n': 5}},
        {setIfMissing: {extra: []}, unset: ['tags[1]']},
        {inc: {n: 1, 'tags[0].n': 3}, dec: {n: 2}},
        {insert: {after: 'tags[-1]', items: [{_key: 'k3', n: 3}]}},
        {insert: {before: 'body[0].children[0]', items: [{_key: 'd', _type: 'span', text: 'z'}]}},
        {diffMatchPatch: {'body[0].children[1].text': '@@ -1,3 +1,3 @@\n-abc\n+abd\n'}},
        {unset: ['body[0].children[0]', 'deep.a']},
      ]
      for (const operation of operations) {
        const stored = dataset.get('p')
        const copy = structuredClone(stored)
        await lake.mutate('test', [{patch: {id: 'p', ...operation}}])
        expect(dataset.get('p')).not.toEqual(copy)
        expect(stored, JSON.stringify(operation)).toEqual(copy)
      }
      expect(dataset.get('p')).toMatchObject({
        title: 'x',
        n: 0,
        deep: {},
        tags: [
          {_key: 'k1', n: 8},
          {_key: 'k3', n: 3},
        ],
        body: [{children: [{text: 'abd'}]}],
      })
    } finally {
      await lake.close()
      await rm(dir, {recursive: true, force: true})
    }
  })
})
