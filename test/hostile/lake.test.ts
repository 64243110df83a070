import {mkdir, mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {serveStatic} from '../../lake/staticFiles.ts'
import {startTestLake, TEST_TOKEN, type TestLake} from '../support/lake.ts'
import {
  AUTH,
  listen,
  mutate,
  openSocket,
  pingMs,
  query,
  send,
  stillServing,
  VERSION,
  waitFor,
} from './support.ts'

// The lake as an attacker on the editor's machine meets it: a web page in the browser (other
// origins, DNS rebinding), another local process (no token, slow or stuck connections, queries
// built to take forever) and hostile documents. Each case asserts what is refused and that the
// lake keeps serving. The numbers in the names are the findings of the security review.

const STUDIO_ORIGIN_HOST = 'local.localhost'
let lake: TestLake
let studioDir: string

beforeAll(async () => {
  studioDir = await mkdtemp(join(tmpdir(), 'hostile-studio-'))
  await writeFile(join(studioDir, 'index.html'), '<!doctype html><title>Studio</title>STUDIO-INDEX')
  lake = await startTestLake(undefined, {
    securePort: 0,
    queryTimeoutMs: 1000,
    listenLimits: {maxAnonymousListeners: 5, maxBufferedBytes: 256 * 1024},
    fallback: serveStatic({root: studioDir}),
  })
  const many = Array.from({length: 1500}, (_, index) => ({
    create: {_id: `filler-${index}`, _type: index % 10 === 0 ? 'faqTag' : 'note', n: index},
  }))
  expect((await mutate(lake, many)).status).toBe(200)
})

afterAll(async () => {
  await lake.close()
  await rm(studioDir, {recursive: true, force: true})
})

describe('1. functions the lake cannot evaluate', () => {
  it('refuses them when a listener registers and keeps serving writes', async () => {
    for (const groq of ['*[geo::distance(1, 2) == 1]', '*[documents::get("x") != null]']) {
      const stream = await listen(lake, groq, {token: false})
      expect(stream.status, groq).toBe(400)
      stream.close()
    }
    expect(
      (await mutate(lake, [{createOrReplace: {_id: 'after-geo', _type: 'note'}}])).status,
    ).toBe(200)
    expect(await stillServing(lake)).toBe(true)
  })

  it('answers a query that uses one with a 400 naming the function', async () => {
    const answer = await query(lake, '*[geo::distance(1, 2) == 1]', {token: false})
    expect(answer.status).toBe(400)
    expect(answer.text).toContain('geo::distance()')
  })

  it('ends a listener whose filter runs out of time with a channel error, not a crash', async () => {
    const long = 'x'.repeat(20_000)
    // Quadratic in the text: every character compared with every other one.
    const stream = await listen(
      lake,
      '*[count(string::split(text, "")[count(string::split(^.text, "")[@ == "y"]) == 0]) > 0]',
    )
    expect(stream.status).toBe(200)
    await mutate(lake, [{createOrReplace: {_id: 'long-text', _type: 'note', text: long}}])
    await stream.ended
    expect(stream.received()).toContain('event: channelError')
    expect(await stillServing(lake)).toBe(true)
  })
})

describe('2. the token and the browser', () => {
  const paths = ['/', '/index.html', '/desk/question', '/v1/users/me', '/signin']

  it('never serves the API token, with no token, a wrong one, or the right one', async () => {
    const bases = [lake.server.url]
    for (const base of bases) {
      for (const path of paths) {
        for (const headers of [{}, {authorization: 'Bearer wrong'}, AUTH]) {
          const answer = await send(lake, path, {base, headers})
          expect(answer.text, `${path}`).not.toContain(TEST_TOKEN)
        }
      }
    }
  })

  it('refuses requests from other origins and answers CORS for the Studio only', async () => {
    const studioOrigin = `https://${STUDIO_ORIGIN_HOST}:${new URL(lake.server.secureUrl ?? '').port}`
    const foreign = await send(lake, `/${VERSION}/data/query/test?query=*`, {
      headers: {origin: 'http://localhost:8080'},
    })
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await send(lake, `/${VERSION}/data/mutate/test`, {
      method: 'OPTIONS',
      headers: {origin: 'http://127.0.0.1:9999', 'access-control-request-method': 'POST'},
    })
    expect(preflight.status).toBe(403)
    const own = await send(lake, `/${VERSION}/data/query/test?query=count(*)`, {
      headers: {origin: studioOrigin, ...AUTH},
    })
    expect(own.status).toBe(200)
    expect(own.headers.get('access-control-allow-origin')).toBe(studioOrigin)
    const noCors = await send(lake, `/${VERSION}/data/query/test?query=*`, {
      headers: {'sec-fetch-site': 'cross-site'},
    })
    expect(noCors.status).toBe(403)
  })

  it('answers only loopback host names (no DNS rebinding)', async () => {
    const {port} = new URL(lake.server.url)
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '10.0.0.1',
      'localhost.evil.example',
    ]) {
      const socket = await openSocket(
        lake.server.url,
        `GET /${VERSION}/data/query/test?query=count(*) HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      )
      const reply = await new Promise<string>((resolve) => {
        let text = ''
        socket.on('data', (chunk) => (text += chunk.toString()))
        socket.on('close', () => resolve(text))
      })
      expect(reply.split('\r\n')[0], host).toContain('403')
    }
    for (const host of ['localhost', '127.0.0.1', `${STUDIO_ORIGIN_HOST}:${port}`, '[::1]']) {
      const socket = await openSocket(
        lake.server.url,
        `GET /${VERSION}/ping HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      )
      const reply = await new Promise<string>((resolve) => {
        let text = ''
        socket.on('data', (chunk) => (text += chunk.toString()))
        socket.on('close', () => resolve(text))
      })
      expect(reply.split('\r\n')[0], host).toContain('200')
    }
  })

  it('signs a browser in once per code, and signs it out', async () => {
    const code = lake.server.signInUrl().split('#sid=')[1] ?? ''
    const exchange = `/${VERSION}/auth/fetch?sid=${code}`
    const first = await send(lake, exchange)
    expect(first.status).toBe(200)
    const {token} = first.body as {token: string}
    expect(token).not.toBe(TEST_TOKEN)
    expect((await send(lake, exchange)).status).toBe(401)
    expect((await send(lake, `/${VERSION}/auth/fetch?sid=guess`)).status).toBe(401)
    const me = {authorization: `Bearer ${token}`}
    expect((await send(lake, `/${VERSION}/users/me`, {headers: me})).status).toBe(200)
    // Without a token nobody is signed in: an empty user, as Sanity answers.
    expect((await send(lake, `/${VERSION}/users/me`)).body).toEqual({})
    await send(lake, `/${VERSION}/auth/logout`, {method: 'POST', headers: me})
    expect((await send(lake, `/${VERSION}/users/me`, {headers: me})).status).toBe(401)
    const codes = await send(lake, `/${VERSION}/auth/codes`, {method: 'POST'})
    expect(codes.status).toBe(401)
  })

  it('keeps the data folder readable by its owner only', async () => {
    await send(lake, `/${VERSION}/auth/fetch?sid=${lake.server.signInUrl().split('#sid=')[1]}`)
    const files = ['sessions.json', 'token', join('test', 'transactions.log')]
    for (const file of files) {
      const mode = (await stat(join(lake.dataDir, file)).catch(() => undefined))?.mode
      if (mode !== undefined) expect((mode & 0o077).toString(8), file).toBe('0')
    }
  })
})

describe('3. queries that would run forever', () => {
  it('stops one with a 504 while pings and document reads are answered', async () => {
    const slow = query(lake, '*[]{"x": *[]{"y": *[]._id}}', {token: false})
    let slowDone = false
    void slow.then(() => (slowDone = true))
    const pings: number[] = []
    for (let index = 0; index < 20; index++) {
      pings.push(await pingMs(lake))
      const doc = await send(lake, `/${VERSION}/data/doc/test/filler-1`)
      expect(doc.status).toBe(200)
    }
    const answer = await slow
    expect(answer.status).toBe(504)
    expect(answer.body).toMatchObject({error: {type: 'queryTimeout'}})
    // The pings were answered while the query ran, not after it.
    expect(slowDone).toBe(true)
    expect(Math.max(...pings)).toBeLessThan(1000)
  })

  it('finishes a pattern with many wildcards against a long word', async () => {
    await mutate(lake, [
      {createOrReplace: {_id: 'long-word', _type: 'note', text: `${'a'.repeat(5000)} end`}},
    ])
    const answer = await query(lake, '*[_type == "note" && text match "a*a*a*a*a*a*b"]._id', {
      token: false,
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({result: []})
  })

  it('finishes a path() glob with many ** segments against a long string', async () => {
    const answer = await query(lake, '$s in path("**.**.**.**.**.**.x")', {
      token: false,
      params: {s: '.'.repeat(3000)},
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({result: false})
  })

  it('refuses a query nested too deeply to evaluate with a 400', async () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`
    const answer = await query(lake, deep, {token: false})
    expect(answer.status).toBe(400)
    const params = await send(lake, `/${VERSION}/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: `{"query": "count($p)", "params": {"p": ${nested(50_000)}}}`,
    })
    expect([200, 400]).toContain(params.status)
    expect(await stillServing(lake)).toBe(true)
  })
})

/** JSON text of an array nested `depth` deep (JSON.stringify itself would overflow the stack). */
function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`
}

describe('4. a huge document', () => {
  it('leaves match and search working for everyone', async () => {
    const body = 'symptom and treatment '.repeat(35_000) // ~770 KB
    const block = {_type: 'block', _key: 'b', children: [{_type: 'span', _key: 's', text: body}]}
    await mutate(lake, [
      {createOrReplace: {_id: 'huge', _type: 'question', title: 'Huge', body: [block]}},
      {createOrReplace: {_id: 'small', _type: 'question', title: 'Small symptom', body: []}},
    ])
    const search = await query(
      lake,
      '*[_type == "question" && [title, pt::text(body)] match $terms] | score(pt::text(body) match $terms) | order(_score desc)._id',
      {token: false, params: {terms: ['symptom*']}},
    )
    expect(search.status).toBe(200)
    expect(search.body).toMatchObject({result: ['huge', 'small']})
  })
})

describe('8. requests that reach past what they may', () => {
  it('never creates datasets for anonymous callers', async () => {
    const before = await readdir(lake.dataDir)
    for (let index = 0; index < 50; index++) {
      const answer = await send(lake, `/${VERSION}/data/query/made-up-${index}?query=count(*)`)
      expect(answer.status).toBe(404)
      const listener = await listen(lake, '*', {dataset: `made-up-${index}`, token: false})
      expect(listener.status).toBe(404)
      listener.close()
    }
    expect(await readdir(lake.dataDir)).toEqual(before)
  })

  it('caps anonymous listeners', async () => {
    const open = []
    for (let index = 0; index < 5; index++) open.push(await listen(lake, '*', {token: false}))
    expect(open.every((stream) => stream.status === 200)).toBe(true)
    const sixth = await listen(lake, '*', {token: false})
    expect(sixth.status).toBe(429)
    const authenticated = await listen(lake, '*')
    expect(authenticated.status).toBe(200)
    for (const stream of [...open, sixth, authenticated]) stream.close()
    await waitFor(() => true)
  })

  it('lets go of a listener that does not read instead of buffering for it', async () => {
    const {port} = new URL(lake.server.url)
    const socket = await openSocket(
      lake.server.url,
      `GET /${VERSION}/data/listen/test?query=${encodeURIComponent('*[_type == "bulk"]')} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`,
    )
    socket.pause() // reads nothing while the events pile up
    const text = 'y'.repeat(20_000)
    let sent = 0
    for (let round = 0; round < 60; round++) {
      const docs = Array.from({length: 20}, (_, index) => ({
        createOrReplace: {_id: `bulk-${index}`, _type: 'bulk', text, round},
      }))
      expect((await mutate(lake, docs)).status).toBe(200)
      sent += docs.length * text.length
    }
    let received = 0
    const closed = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.length))
      socket.on('close', () => resolve())
    })
    socket.resume()
    await closed
    // Cut off: far less arrived than the events were worth, and the stream ended.
    expect(received).toBeLessThan(sent / 2)
    expect(await stillServing(lake)).toBe(true)
  })

  it('keeps drafts and dotted ids from anonymous callers, also in listener events', async () => {
    await mutate(lake, [
      {createOrReplace: {_id: 'pub', _type: 'secretive', value: 'public'}},
      {createOrReplace: {_id: 'drafts.pub', _type: 'secretive', value: 'public'}},
      {createOrReplace: {_id: 'private.doc', _type: 'secretive', value: 'DOTTED-SECRET'}},
    ])
    const anonymous = await query(lake, '*[_type == "secretive"].value', {token: false})
    expect(anonymous.text).not.toContain('DOTTED-SECRET')
    const byId = await send(lake, `/${VERSION}/data/doc/test/private.doc`)
    expect(byId.text).not.toContain('DOTTED-SECRET')
    const withToken = await query(lake, '*[_id == "private.doc"][0].value')
    expect(withToken.body).toMatchObject({result: 'DOTTED-SECRET'})

    const stream = await listen(lake, '*[_type == "secretive"]', {token: false})
    await mutate(lake, [
      {patch: {query: '*[_id == "drafts.pub"]', set: {value: 'DRAFT-SECRET'}}},
      {patch: {id: 'pub', set: {value: 'still public'}}},
      {patch: {id: 'private.doc', set: {value: 'DOTTED-SECRET-2'}}},
    ])
    await waitFor(() => stream.received().includes('still public'))
    stream.close()
    expect(stream.received()).not.toContain('DRAFT-SECRET')
    expect(stream.received()).not.toContain('DOTTED-SECRET')
  })

  it('does not let a patch change a document type', async () => {
    await mutate(lake, [{createOrReplace: {_id: 'typed', _type: 'note'}}])
    const answer = await mutate(lake, [{patch: {id: 'typed', set: {_type: 'question'}}}])
    expect(answer.status).toBe(400)
    expect((await query(lake, '*[_id == "typed"][0]._type')).body).toMatchObject({result: 'note'})
  })

  it('answers malformed percent-encoding with a 400', async () => {
    for (const path of ['/%ff', `/${VERSION}/data/doc/test/%ff`, `/%E0%A4%A`]) {
      const answer = await send(lake, path)
      expect(answer.status, path).toBe(400)
    }
    expect(await stillServing(lake)).toBe(true)
  })
})

describe('bodies and connections', () => {
  it('refuses bodies over the limit and documents nested too deeply', async () => {
    const big = await send(lake, `/${VERSION}/data/mutate/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...AUTH},
      body: 'x'.repeat(17 * 1024 * 1024),
    })
    expect(big.status).toBe(413)
    const deep = await send(lake, `/${VERSION}/data/mutate/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...AUTH},
      body: `{"mutations": [{"create": {"_id": "deep", "_type": "note", "value": ${nested(100_000)}}}]}`,
    })
    expect(deep.status).toBe(400)
    const deepJson = await send(lake, `/${VERSION}/data/mutate/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json', ...AUTH},
      body: `{"mutations":${'['.repeat(500_000)}${']'.repeat(500_000)}}`,
    })
    expect([400, 413]).toContain(deepJson.status)
    expect(await stillServing(lake)).toBe(true)
  })

  it('keeps answering while clients hold connections open without finishing their requests', async () => {
    const {port} = new URL(lake.server.url)
    const sockets = await Promise.all(
      Array.from({length: 100}, () =>
        openSocket(
          lake.server.url,
          `POST /${VERSION}/data/mutate/test HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000\r\n\r\n{`,
        ),
      ),
    )
    expect(await pingMs(lake)).toBeLessThan(1000)
    expect(await stillServing(lake)).toBe(true)
    for (const socket of sockets) socket.destroy()
  })
})

describe('the Studio files', () => {
  it('serve no file outside their folder', async () => {
    await mkdir(join(lake.dataDir, 'outside'), {recursive: true})
    for (const path of ['/..%2ftoken', '/%2e%2e/token', '/..%5ctoken', '/....//token']) {
      const answer = await send(lake, path)
      expect(answer.text, path).not.toContain(TEST_TOKEN)
    }
  })
})
