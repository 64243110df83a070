import {connect} from 'node:http2'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startLakeServer, type LakeServer} from '../server.ts'
import {lakeClient} from '../connect.ts'
import {parseTextQuery} from '../textQuery.ts'

// What Sanity Studio needs from the lake beyond @sanity/client's data API: HTTP/2 over TLS, the
// project/user endpoints, the Actions API (create, edit, publish, unpublish, discard, delete)
// and text::query in list and search queries.

const TOKEN = 'studio-test-token-0123456789abcdefghijkl'
let dir: string
let server: LakeServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'studio-api-'))
  server = await startLakeServer({
    dataDir: dir,
    command: 'vitest',
    token: TOKEN,
    port: 0,
    host: '127.0.0.1',
    securePort: 0,
    datasets: ['production'],
  })
})

afterAll(async () => {
  await server.close()
  await rm(dir, {recursive: true, force: true})
})

function client() {
  return lakeClient(server.url, 'production', TOKEN).withConfig({perspective: 'raw'})
}

/** A GET over HTTP/2 + TLS, as the browser running Studio makes it. */
function h2Get(
  path: string,
  token?: string,
): Promise<{status: number; body: string; protocol: string}> {
  const session = connect(server.secureUrl ?? '', {rejectUnauthorized: false})
  return new Promise((resolve, reject) => {
    const request = session.request({
      ':path': path,
      ...(token ? {authorization: `Bearer ${token}`} : {}),
    })
    let body = ''
    let status = 0
    request.on('response', (headers) => {
      status = Number(headers[':status'])
    })
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      resolve({status, body, protocol: session.alpnProtocol ?? ''})
      session.close()
    })
    request.on('error', reject)
  })
}

describe('Studio endpoints', () => {
  it('serve HTTP/2 over TLS', async () => {
    const me = await h2Get('/v2025-02-19/users/me', TOKEN)
    expect(me).toMatchObject({status: 200, protocol: 'h2'})
    // The API token is the command-line tools; a signed-in browser is the editor (history.test.ts).
    expect(JSON.parse(me.body)).toMatchObject({id: 'lake-tools', role: 'administrator'})
  })

  it('require the token', async () => {
    expect((await h2Get('/v2025-02-19/projects/local')).status).toBe(401)
    expect((await h2Get('/v2025-02-19/projects/local/datasets')).status).toBe(401)
  })

  it('say nobody is signed in without a token, as Sanity does (an empty user, no error)', async () => {
    const me = await h2Get('/v2025-02-19/users/me')
    expect(me.status).toBe(200)
    expect(JSON.parse(me.body)).toEqual({})
  })

  it('describe the project, its datasets and the editor grants', async () => {
    const project = JSON.parse((await h2Get('/v2025-02-19/projects/local', TOKEN)).body)
    expect(project).toMatchObject({id: 'local'})
    const datasets = JSON.parse((await h2Get('/v2025-02-19/projects/local/datasets', TOKEN)).body)
    expect(datasets).toContainEqual({name: 'production', aclMode: 'private'})
    const acl = JSON.parse(
      (await h2Get('/v2025-02-19/projects/local/datasets/production/acl', TOKEN)).body,
    )
    expect(acl[0].permissions).toEqual(
      expect.arrayContaining(['read', 'create', 'update', 'history']),
    )
  })

  it('answer unknown versioned paths with a JSON 404, not the Studio page', async () => {
    const unknown = await h2Get('/v2025-02-19/no-such-thing/here', TOKEN)
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body)).toHaveProperty('error')
  })

  it('answer what else Studio asks on every load: no announcements, upsells or trials, no help resources, no telemetry, no other deployed Studios, the datasets for Vision', async () => {
    const json = async (path: string) => {
      const answer = await h2Get(path, TOKEN)
      expect(answer.status, path).toBe(200)
      return JSON.parse(answer.body)
    }
    expect(await json('/v2024-09-19/journey/announcements')).toEqual([])
    for (const upsell of ['comments', 'tasks', 'document-limit', 'asset-limit', 'scheduled-drafts'])
      expect(await json(`/v2025-02-19/journey/${upsell}`)).toBeNull()
    expect(await json('/v2023-12-11/journey/trial?studioVersion=6.9.2')).toBeNull()
    expect(await json('/v1/help?m=sanity%406.9.2&locale=en-US')).toEqual({})
    expect(await json('/v2023-12-18/intake/telemetry-status')).toEqual({status: 'denied'})
    expect(await json('/v2025-02-19/projects/local/user-applications')).toEqual([])
    expect(await json('/v2025-06-27/datasets')).toContainEqual({
      name: 'production',
      aclMode: 'private',
    })
    // No add-on dataset for comments or tasks: never the content dataset.
    expect(
      await json(
        '/v2025-02-19/projects/local/datasets?datasetProfile=comments&addonFor=production',
      ),
    ).toEqual([])
    // Sanity's client lists datasets the same way.
    expect(await lakeClient(server.url, 'production', TOKEN).datasets.list()).toContainEqual(
      expect.objectContaining({name: 'production'}),
    )
  })
})

describe('Actions API', () => {
  it('creates a draft, edits it and publishes it with the transaction id as revision', async () => {
    const c = client()
    await c.action({
      actionType: 'sanity.action.document.create',
      publishedId: 'spec-1',
      attributes: {_id: 'drafts.spec-1', _type: 'specialty', name: 'Neurology'},
      ifExists: 'fail',
    })
    expect(await c.getDocument('drafts.spec-1')).toMatchObject({name: 'Neurology'})
    await c.action({
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.spec-1',
      publishedId: 'spec-1',
      patch: {set: {name: 'Neurology and Sleep'}},
    })
    const {transactionId} = await c.action(
      {
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.spec-1',
        publishedId: 'spec-1',
      },
      {transactionId: 'publish-spec-1'},
    )
    expect(transactionId).toBe('publish-spec-1')
    expect(await c.getDocument('spec-1')).toMatchObject({
      name: 'Neurology and Sleep',
      _rev: 'publish-spec-1',
    })
    expect(await c.getDocument('drafts.spec-1')).toBeUndefined()
  })

  it('edits a published document through a new draft', async () => {
    const c = client()
    await c.action({
      actionType: 'sanity.action.document.edit',
      draftId: 'drafts.spec-1',
      publishedId: 'spec-1',
      patch: {set: {description: 'Nerves'}},
    })
    expect(await c.getDocument('drafts.spec-1')).toMatchObject({
      name: 'Neurology and Sleep',
      description: 'Nerves',
    })
    expect(await c.getDocument('spec-1')).not.toHaveProperty('description')
    await c.action({actionType: 'sanity.action.document.discard', draftId: 'drafts.spec-1'})
    expect(await c.getDocument('drafts.spec-1')).toBeUndefined()
  })

  it('unpublishes into a draft and deletes with drafts', async () => {
    const c = client()
    await c.action({
      actionType: 'sanity.action.document.unpublish',
      draftId: 'drafts.spec-1',
      publishedId: 'spec-1',
    })
    expect(await c.getDocument('spec-1')).toBeUndefined()
    expect(await c.getDocument('drafts.spec-1')).toMatchObject({name: 'Neurology and Sleep'})
    await c.action({
      actionType: 'sanity.action.document.delete',
      publishedId: 'spec-1',
      includeDrafts: ['drafts.spec-1'],
    })
    expect(await c.fetch('count(*[_id in ["spec-1", "drafts.spec-1"]])')).toBe(0)
  })

  it("tells listeners about a publish with each document's own mutations", async () => {
    const c = client()
    const {_rev: draftRev} = await c.create({
      _id: 'drafts.spec-2',
      _type: 'specialty',
      name: 'Urology',
    })
    const events: {documentId: string; transition: string; mutations: unknown[]}[] = []
    let transactionId = ''
    let welcomed: () => void = () => {}
    const welcome = new Promise<void>((resolve) => (welcomed = resolve))
    const subscription = c
      .listen(
        '*[_id in ["spec-2", "drafts.spec-2"]]',
        {},
        {events: ['welcome', 'mutation'], includeResult: false, effectFormat: 'mendoza'},
      )
      .subscribe((event) => {
        if (event.type === 'welcome') welcomed()
        if (event.type === 'mutation') events.push(event)
      })
    try {
      await welcome
      const published = await c.action({
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.spec-2',
        publishedId: 'spec-2',
      })
      transactionId = published.transactionId
      await expect.poll(() => events.length).toBe(2)
    } finally {
      subscription.unsubscribe()
    }
    // Studio replays `mutations` on the document: the draft's delete must not reach "spec-2".
    expect(events.find((event) => event.documentId === 'spec-2')).toMatchObject({
      transition: 'appear',
      mutations: [{createOrReplace: {_id: 'spec-2', name: 'Urology'}}],
    })
    // Studio chains a document's events previousRev -> resultRev: a deletion needs a resultRev too.
    expect(events.find((event) => event.documentId === 'drafts.spec-2')).toMatchObject({
      transition: 'disappear',
      mutations: [{delete: {id: 'drafts.spec-2'}}],
      previousRev: draftRev,
      resultRev: transactionId,
    })
  })

  it('refuses to publish a missing draft and changes nothing', async () => {
    const c = client()
    await expect(
      c.action({
        actionType: 'sanity.action.document.publish',
        draftId: 'drafts.none',
        publishedId: 'none',
      }),
    ).rejects.toMatchObject({statusCode: 409})
    expect(await c.fetch('count(*[_id in ["none", "drafts.none"]])')).toBe(0)
  })
})

describe('text::query', () => {
  it('parses words, phrases, negations and prefixes', () => {
    expect(parseTextQuery('knee* "calf cramp" -running *')).toEqual({
      include: ['knee*', 'calf', 'cramp'],
      exclude: ['running'],
    })
  })

  it('filters Studio list and search queries', async () => {
    const c = client()
    await c
      .transaction()
      .create({
        _id: 'q-knee',
        _type: 'question',
        title: 'Knee clicking on stairs',
        body: [
          {
            _type: 'block',
            _key: 'a',
            children: [{_type: 'span', _key: 's', text: 'It clicks when running'}],
          },
        ],
      })
      .create({_id: 'q-calf', _type: 'question', title: 'Calf cramps at night'})
      .commit()
    const search = (query: string) =>
      c.fetch('*[_type == "question" && [@, _id] match text::query($q)]._id | order(@ asc)', {
        q: query,
      })
    expect(await search('*')).toEqual(['q-calf', 'q-knee'])
    expect(await search('kne*')).toEqual(['q-knee'])
    expect(await search('running')).toEqual(['q-knee'])
    expect(await search('-running')).toEqual(['q-calf'])
    expect(
      await c.fetch('*[_type == "question" && title match text::query($q)]._id', {q: 'calf'}),
    ).toEqual(['q-calf'])
  })
})
