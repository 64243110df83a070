import type {SanityDocument} from '@sanity/client'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {startLakeServer, type LakeServer} from '../server.ts'
import {startTestLake, TEST_TOKEN, type TestLake} from '../../test/support/lake.ts'

// Bad input over raw HTTP: every request gets a 4xx with a JSON error that says what is wrong,
// the server keeps serving, and the dataset is exactly as it was.

const VERSION = 'v2025-02-19'
const AUTH = {authorization: `Bearer ${TEST_TOKEN}`}

interface Reply {
  status: number
  headers: Headers
  body: unknown
  text: string
}

let lake: TestLake
let keep: SanityDocument

async function request(
  path: string,
  init: RequestInit & {base?: string} = {},
  headers: Record<string, string> = AUTH,
): Promise<Reply> {
  const {base = lake.server.url, ...rest} = init
  const response = await fetch(`${base}${path}`, {
    ...rest,
    headers: {...headers, ...(rest.body === undefined ? {} : {'content-type': 'application/json'})},
  })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return {status: response.status, headers: response.headers, body, text}
}

function mutate(body: string, search = '', base?: string): Promise<Reply> {
  return request(`/${VERSION}/data/mutate/test${search}`, {
    method: 'POST',
    body,
    ...(base ? {base} : {}),
  })
}

function mutations(...list: unknown[]): string {
  return JSON.stringify({mutations: list})
}

/** The human-readable part of a lake error body, whichever of Sanity's two shapes it has. */
function describeError(reply: Reply): string {
  expect(reply.body, `a JSON error body, got ${JSON.stringify(reply.text.slice(0, 200))}`).toEqual(
    expect.any(Object),
  )
  const body = reply.body as {error?: unknown; message?: unknown}
  if (typeof body.error === 'object' && body.error !== null) {
    const error = body.error as {type?: unknown; description?: unknown}
    expect(error.type).toEqual(expect.any(String))
    expect(error.description).toEqual(expect.any(String))
    return error.description as string
  }
  expect(body.message).toEqual(expect.any(String))
  return body.message as string
}

function expectClientError(reply: Reply, status: number, mentions: (string | RegExp)[] = []) {
  expect(reply.status, reply.text.slice(0, 300)).toBe(status)
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/)
  const description = describeError(reply)
  expect(description.trim().length).toBeGreaterThan(5)
  for (const mention of mentions) expect(description).toMatch(mention)
  return description
}

async function allDocuments(): Promise<SanityDocument[]> {
  return lake.client({perspective: 'raw'}).fetch('*[] | order(_id asc)')
}

/** The server still answers a valid query and the dataset holds exactly the one document. */
async function expectIntact(base = lake.server.url) {
  const reply = await request(
    `/${VERSION}/data/query/test?query=${encodeURIComponent('*[_id == $id][0]')}&$id="keep"&perspective=raw`,
    {base},
  )
  expect(reply.status).toBe(200)
  if (base === lake.server.url) {
    expect((reply.body as {result: unknown}).result).toEqual(keep)
    expect(await allDocuments()).toEqual([keep])
  }
}

beforeAll(async () => {
  lake = await startTestLake()
  keep = await lake.client().create({
    _id: 'keep',
    _type: 'note',
    title: 'untouched',
    count: 1,
    items: [{_key: 'a', v: 1}],
  })
})

afterAll(async () => {
  await lake?.close()
})

describe('malformed mutate bodies', () => {
  beforeEach(async () => {
    expect(await allDocuments()).toEqual([keep])
  })

  it.each([
    ['truncated JSON', '{"mutations": [', /Malformed JSON/],
    ['not JSON at all', 'mutations=please', /Malformed JSON/],
    ['an empty body', '', /Malformed JSON/],
  ])('rejects %s with 400', async (_name, body, mention) => {
    expectClientError(await mutate(body), 400, [mention])
    await expectIntact()
  })

  it.each([
    ['an empty object', '{}'],
    ['a JSON array', '[{"create": {"_type": "note"}}]'],
    ['null', 'null'],
    ['a string', '"mutations"'],
    ['mutations as an object', '{"mutations": {"create": {"_type": "note"}}}'],
    ['mutations as a string', '{"mutations": "create"}'],
  ])('rejects a body that is %s with 400', async (_name, body) => {
    expectClientError(await mutate(body), 400, [/mutations/])
    await expectIntact()
  })

  it('rejects an unknown mutation type with 400 naming it', async () => {
    expectClientError(await mutate(mutations({frobnicate: {_id: 'x', _type: 'note'}})), 400, [
      /frobnicate/,
    ])
    await expectIntact()
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['an array', [{create: {_type: 'note'}}]],
    ['an empty object', {}],
    ['two kinds at once', {create: {_type: 'note'}, delete: {id: 'keep'}}],
  ])('rejects a mutation that is %s with 400', async (_name, mutation) => {
    expectClientError(await mutate(mutations(mutation)), 400, [/Mutation 0/])
    await expectIntact()
  })

  it('rejects an unknown patch operation with 400 naming it', async () => {
    expectClientError(
      await mutate(mutations({patch: {id: 'keep', explode: {title: 'boom'}}})),
      400,
      [/unknown patch operation/, /explode/],
    )
    await expectIntact()
  })

  it.each([
    ['set that is not an object', {set: 'title'}],
    ['unset that is not an array', {unset: 'title'}],
    ['insert without a position', {insert: {items: [{_key: 'b'}]}}],
    ['a diffMatchPatch that is not a patch', {diffMatchPatch: {title: 'garbage'}}],
    ['unsetting _type', {unset: ['_type']}],
    ['changing _id', {set: {_id: 'elsewhere'}}],
  ])('rejects a patch with %s with 400', async (_name, operations) => {
    expectClientError(await mutate(mutations({patch: {id: 'keep', ...operations}})), 400, [
      /Mutation 0/,
    ])
    await expectIntact()
  })

  it('rejects documents without a _type and createOrReplace without an _id', async () => {
    expectClientError(await mutate(mutations({create: {_id: 'typeless'}})), 400, [/_type/])
    expectClientError(await mutate(mutations({create: {_id: 'x', _type: ''}})), 400, [/_type/])
    expectClientError(await mutate(mutations({createOrReplace: {_type: 'note'}})), 400, [/_id/])
    expectClientError(await mutate(mutations({createIfNotExists: {_type: 'note'}})), 400, [/_id/])
    expectClientError(await mutate(mutations({delete: {}})), 400, [/query/])
    await expectIntact()
  })

  it('rejects a patch of a missing document and leaves the rest of the transaction unapplied', async () => {
    const reply = await mutate(
      mutations(
        {create: {_id: 'fresh', _type: 'note'}},
        {patch: {id: 'missing', set: {title: 'x'}}},
      ),
    )
    expect(reply.status).toBeGreaterThanOrEqual(400)
    expect(reply.status).toBeLessThan(500)
    expect(describeError(reply)).toMatch(/missing/)
    await expectIntact()
  })

  it('rejects an invalid transaction id with 400', async () => {
    expectClientError(
      await mutate(
        mutations({create: {_id: 'fresh', _type: 'note'}}),
        '?transactionId=has%20space',
      ),
      400,
      [/transaction id/],
    )
    await expectIntact()
  })
})

describe('invalid document ids', () => {
  const invalid = [
    ['with a space', 'has space'],
    ['with a path', '../x'],
    ['with a slash', 'a/b'],
    ['of 200 characters', 'x'.repeat(200)],
    ['of 129 characters', 'y'.repeat(129)],
    ['starting with a dot', '.hidden'],
    ['with ".."', 'a..b'],
    ['ending with "."', 'drafts.'],
    ['empty', ''],
    ['not a string', 42],
    ['with unicode', 'smørbrød'],
  ] as const

  it.each(invalid)('create, createOrReplace, createIfNotExists reject an id %s', async (_n, id) => {
    for (const kind of ['createOrReplace', 'createIfNotExists'] as const) {
      expectClientError(await mutate(mutations({[kind]: {_id: id, _type: 'note'}})), 400, [/id/])
    }
    if (id !== '' && !(typeof id === 'string' && id.endsWith('.'))) {
      expectClientError(await mutate(mutations({create: {_id: id, _type: 'note'}})), 400, [/id/])
    }
    await expectIntact()
  })

  it.each(invalid)('patch and delete reject an id %s', async (_n, id) => {
    expectClientError(await mutate(mutations({patch: {id, set: {title: 'x'}}})), 400, [/id/])
    expectClientError(await mutate(mutations({delete: {id}})), 400, [/id/])
    await expectIntact()
  })

  it.each([
    ['that starts with a dot', '..'],
    ['that would make the id too long', `${'p'.repeat(127)}.`],
    ['with a space', 'has space.'],
  ])('create rejects an id prefix %s', async (_n, prefix) => {
    expectClientError(await mutate(mutations({create: {_id: prefix, _type: 'note'}})), 400, [/id/])
    await expectIntact()
  })

  it('a valid mutation before an invalid id is not applied', async () => {
    expectClientError(
      await mutate(
        mutations(
          {create: {_id: 'fresh', _type: 'note'}},
          {patch: {id: 'keep', set: {title: 'changed'}}},
          {createOrReplace: {_id: '../escape', _type: 'note'}},
        ),
      ),
      400,
      [/Mutation 2/],
    )
    await expectIntact()
  })

  it('the doc endpoint rejects an invalid id with 400', async () => {
    expectClientError(await request(`/${VERSION}/data/doc/test/keep,has%20space`), 400, [/id/])
    await expectIntact()
  })
})

describe('oversized bodies', () => {
  it('rejects a body over the default 16 MB limit with 413 and keeps serving', async () => {
    const padding = 'x'.repeat(16 * 1024 * 1024)
    const body = mutations({create: {_id: 'huge', _type: 'note', padding}})
    const reply = await mutate(body)
    expectClientError(reply, 413, [/exceeds/])
    expect(reply.headers.get('connection')).toBe('close')
    // Requests right after it (on fresh or reused connections) are served normally.
    for (let attempt = 0; attempt < 5; attempt++) await expectIntact()
  })

  describe('with a small maxBodyBytes', () => {
    let small: LakeServer
    let dir: string

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lake-bad-input-'))
      small = await startLakeServer({
        dataDir: dir,
        command: 'vitest',
        token: TEST_TOKEN,
        port: 0,
        host: '127.0.0.1',
        maxBodyBytes: 1024,
      })
    })

    afterAll(async () => {
      await small?.close()
      if (dir) await rm(dir, {recursive: true, force: true})
    })

    const countAll = async () => {
      const reply = await request(`/${VERSION}/data/query/test?query=count(*)&perspective=raw`, {
        base: small.url,
      })
      expect(reply.status).toBe(200)
      return (reply.body as {result: number}).result
    }

    it('accepts a body under the limit', async () => {
      const reply = await mutate(mutations({create: {_id: 'small', _type: 'note'}}), '', small.url)
      expect(reply.status).toBe(200)
      expect(await countAll()).toBe(1)
    })

    it.each([
      ['just over the limit', 1025],
      ['far over the limit', 1024 * 1024],
    ])('rejects a body %s with 413 and changes nothing', async (_name, size) => {
      const before = await countAll()
      const base = mutations({create: {_id: 'big', _type: 'note', padding: ''}})
      const body = base.replace('"padding":""', `"padding":"${'x'.repeat(size - base.length)}"`)
      expect(Buffer.byteLength(body)).toBe(size)
      for (let attempt = 0; attempt < 3; attempt++) {
        const reply = await mutate(body, '', small.url)
        expectClientError(reply, 413, [/1024 bytes/])
      }
      expect(await countAll()).toBe(before)
      await expectIntact(small.url)
      // The limit applies to POSTed queries too.
      const query = await request(`/${VERSION}/data/query/test`, {
        base: small.url,
        method: 'POST',
        body: JSON.stringify({query: `*[_id == "${'q'.repeat(2048)}"]`}),
      })
      expectClientError(query, 413)
      expect(await countAll()).toBe(before)
    })
  })
})

describe('queries', () => {
  it('bad GROQ is a 400 queryParseError, over GET and POST', async () => {
    const get = await request(
      `/${VERSION}/data/query/test?query=${encodeURIComponent('*[_type == ]')}`,
    )
    expectClientError(get, 400)
    expect((get.body as {error: {type: string; query: string}}).error).toMatchObject({
      type: 'queryParseError',
      query: '*[_type == ]',
    })
    const post = await request(`/${VERSION}/data/query/test`, {
      method: 'POST',
      body: JSON.stringify({query: '*[_type == ]'}),
    })
    expectClientError(post, 400)
    expect((post.body as {error: {type: string}}).error.type).toBe('queryParseError')
    await expectIntact()
  })

  it.each(['*[', '*[_type == "note"]{', 'count(', '*[_id == $]', '}'])(
    'the query %j is a queryParseError',
    async (query) => {
      const reply = await request(`/${VERSION}/data/query/test?query=${encodeURIComponent(query)}`)
      expectClientError(reply, 400)
      expect((reply.body as {error: {type: string}}).error.type).toBe('queryParseError')
      await expectIntact()
    },
  )

  it('a listener with bad GROQ is refused with a 400 queryParseError', async () => {
    const reply = await request(
      `/${VERSION}/data/listen/test?query=${encodeURIComponent('*[_type == ]')}`,
    )
    expectClientError(reply, 400)
    expect((reply.body as {error: {type: string}}).error.type).toBe('queryParseError')
    await expectIntact()
  })

  it('a missing query is a 400', async () => {
    expectClientError(await request(`/${VERSION}/data/query/test`), 400, [/query/])
    expectClientError(
      await request(`/${VERSION}/data/query/test`, {method: 'POST', body: '{"params": {}}'}),
      400,
      [/query/],
    )
    await expectIntact()
  })

  it('a parameter that is not JSON is a 400 naming it', async () => {
    expectClientError(
      await request(
        `/${VERSION}/data/query/test?query=${encodeURIComponent('*[_id == $id]')}&$id=keep`,
      ),
      400,
      [/\$id/],
    )
    await expectIntact()
  })

  it.each(['bogus', 'previewDrafts,published', 'RAW'])(
    'the perspective %j is a 400',
    async (perspective) => {
      const reply = await request(
        `/${VERSION}/data/query/test?query=count(*)&perspective=${encodeURIComponent(perspective)}`,
      )
      expectClientError(reply, 400, [/perspective/])
      await expectIntact()
    },
  )

  it('a bad perspective in a POSTed query is a 400', async () => {
    const reply = await request(`/${VERSION}/data/query/test`, {
      method: 'POST',
      body: JSON.stringify({query: 'count(*)', perspective: 'everything'}),
    })
    expectClientError(reply, 400, [/perspective/])
    await expectIntact()
  })
})

describe('routing and authentication', () => {
  it.each([
    ['an unknown endpoint', 'GET', `/${VERSION}/data/frobnicate/test`],
    ['an unversioned path', 'GET', '/data/query/test?query=*'],
    ['a path without a dataset', 'GET', `/${VERSION}/data/query`],
    ['the root', 'GET', '/'],
    ['an unknown POST', 'POST', `/${VERSION}/projects`],
    ['an invalid dataset name', 'GET', `/${VERSION}/data/query/Not..A..Dataset?query=*`],
  ])('%s is a 404', async (_name, method, path) => {
    expectClientError(
      await request(path, {method, ...(method === 'POST' ? {body: '{}'} : {})}),
      404,
    )
    await expectIntact()
  })

  it('a GET to the mutate endpoint is a 405', async () => {
    expectClientError(await request(`/${VERSION}/data/mutate/test`), 405, [/POST/])
    await expectIntact()
  })

  it('a wrong token is a 401 with a JSON body, and nothing is written', async () => {
    const wrong = {authorization: 'Bearer not-the-token'}
    expectClientError(await request(`/${VERSION}/data/query/test?query=count(*)`, {}, wrong), 401)
    expectClientError(
      await request(
        `/${VERSION}/data/mutate/test`,
        {method: 'POST', body: mutations({create: {_id: 'intruder', _type: 'note'}})},
        wrong,
      ),
      401,
    )
    expectClientError(
      await request(`/${VERSION}/data/query/test?query=count(*)`, {}, {authorization: 'Basic x'}),
      401,
    )
    await expectIntact()
  })

  it('no token: writes, exports and the raw perspective are 401', async () => {
    expectClientError(
      await request(
        `/${VERSION}/data/mutate/test`,
        {method: 'POST', body: mutations({create: {_id: 'intruder', _type: 'note'}})},
        {},
      ),
      401,
    )
    expectClientError(await request(`/${VERSION}/data/export/test`, {}, {}), 401)
    expectClientError(
      await request(`/${VERSION}/data/query/test?query=count(*)&perspective=raw`, {}, {}),
      401,
    )
    await expectIntact()
  })
})
